#include "mt/ldlt_complex.hpp"

#include <algorithm>

namespace geoinvert::mt {

void LdltSymbolic::analyse() {
  // Davis, LDL: ldl_symbolic (elimination tree and column counts of L), upper-triangle input.
  parent.assign(n, -1);
  std::vector<int> flag(n), lnz(n, 0);
  for (int k = 0; k < n; ++k) {
    parent[k] = -1;
    flag[k] = k;
    for (int p = Ap[k]; p < Ap[k + 1]; ++p) {
      int i = Ai[p];
      if (i < k) {
        for (; flag[i] != k; i = parent[i]) {
          if (parent[i] == -1) parent[i] = k;
          lnz[i]++;
          flag[i] = k;
        }
      }
    }
  }
  Lp.assign(n + 1, 0);
  for (int k = 0; k < n; ++k) Lp[k + 1] = Lp[k] + lnz[k];
}

int LdltSymbolic::position(int row, int col) const {
  const auto b = Ai.begin() + Ap[col];
  const auto e = Ai.begin() + Ap[col + 1];
  const auto it = std::lower_bound(b, e, row);
  return (it != e && *it == row) ? static_cast<int>(it - Ai.begin()) : -1;
}

LdltFactor::LdltFactor(const LdltSymbolic& s)
    : s_(s),
      Li_(static_cast<std::size_t>(s.factor_nnz())),
      Lnz_(s.n),
      flag_(s.n),
      pattern_(s.n),
      Lx_(static_cast<std::size_t>(s.factor_nnz())),
      D_(s.n),
      Y_(s.n) {}

bool LdltFactor::factor(const cplx* Ax) {
  // Davis, LDL: ldl_numeric (up-looking, row k of L from a sparse triangular solve).
  const int n = s_.n;
  const int* Ap = s_.Ap.data();
  const int* Ai = s_.Ai.data();
  const int* parent = s_.parent.data();
  const int* Lp = s_.Lp.data();
  int* Li = Li_.data();
  int* Lnz = Lnz_.data();
  int* flag = flag_.data();
  int* pattern = pattern_.data();
  cplx* Lx = Lx_.data();
  cplx* D = D_.data();
  cplx* Y = Y_.data();
  for (int k = 0; k < n; ++k) {
    Y[k] = 0.0;
    int top = n;
    flag[k] = k;
    Lnz[k] = 0;
    for (int p = Ap[k]; p < Ap[k + 1]; ++p) {
      int i = Ai[p];
      Y[i] += Ax[p];
      int len = 0;
      for (; flag[i] != k; i = parent[i]) {
        pattern[len++] = i;
        flag[i] = k;
      }
      while (len > 0) pattern[--top] = pattern[--len];
    }
    D[k] = Y[k];
    Y[k] = 0.0;
    for (; top < n; ++top) {
      const int i = pattern[top];
      const cplx yi = Y[i];
      Y[i] = 0.0;
      const int p2 = Lp[i] + Lnz[i];
      // Y[Li[p]] -= Lx[p] * yi with plain real arithmetic (std::complex operator* carries
      // inf/NaN recovery code that blocks vectorisation; the values here are finite).
      const double yr = yi.real(), yim = yi.imag();
      double* Yd = reinterpret_cast<double*>(Y);
      const double* Ld = reinterpret_cast<const double*>(Lx);
      for (int p = Lp[i]; p < p2; ++p) {
        const double lr = Ld[2 * p], li = Ld[2 * p + 1];
        const int r = Li[p];
        Yd[2 * r] -= lr * yr - li * yim;
        Yd[2 * r + 1] -= lr * yim + li * yr;
      }
      const cplx l_ki = yi / D[i];
      D[k] -= l_ki * yi;
      Li[p2] = k;
      Lx[p2] = l_ki;
      ++Lnz[i];
    }
    if (D[k] == cplx(0.0)) return false;
  }
  return true;
}

void LdltFactor::solve(cplx* x) const {
  const int n = s_.n;
  const int* Lp = s_.Lp.data();
  const int* Li = Li_.data();
  const cplx* Lx = Lx_.data();
  for (int j = 0; j < n; ++j) {
    const cplx xj = x[j];
    for (int p = Lp[j]; p < Lp[j + 1]; ++p) x[Li[p]] -= Lx[p] * xj;
  }
  for (int j = 0; j < n; ++j) x[j] /= D_[j];
  for (int j = n - 1; j >= 0; --j) {
    cplx xj = x[j];
    for (int p = Lp[j]; p < Lp[j + 1]; ++p) xj -= Lx[p] * x[Li[p]];
    x[j] = xj;
  }
}

}  // namespace geoinvert::mt
