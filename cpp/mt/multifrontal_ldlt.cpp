#include "mt/multifrontal_ldlt.hpp"

#include "mt/dense_front.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>

namespace geoinvert::mt {

namespace {
using Mat = Eigen::Matrix<cplx, Eigen::Dynamic, Eigen::Dynamic>;
using MatMap = Eigen::Map<Mat>;
using CMatMap = Eigen::Map<const Mat>;
using Vec = Eigen::Matrix<cplx, Eigen::Dynamic, 1>;
using VecMap = Eigen::Map<Vec>;
}  // namespace

void MultifrontalSymbolic::analyse() {
  const int nn = static_cast<int>(nodes.size());
  bnd.assign(nn, {});
  child_map.assign(nn, {});
  parent.assign(nn, -1);
  fpos.assign(Ai.size(), -1);
  loff.assign(nn, 0);
  factor_size = 0;
  max_front = 0;
  std::vector<int> owner(n, -1);
  for (int v = 0; v < nn; ++v)
    for (int k = nodes[v].s0; k < nodes[v].s1; ++k) owner[k] = v;
  std::vector<int> mark(n, -1);
  // Stack simulation for the peak update storage.
  std::int64_t stack = 0;
  for (int v = 0; v < nn; ++v) {
    const Supernode& sn = nodes[v];
    std::vector<int>& b = bnd[v];
    for (int c : sn.children) {
      parent[c] = v;
      for (int r : bnd[c])
        if (r >= sn.s1 && mark[r] != v) {
          mark[r] = v;
          b.push_back(r);
        }
    }
    for (int k = sn.s0; k < sn.s1; ++k)
      for (int p = Ap[k]; p < Ap[k + 1]; ++p) {
        const int r = Ai[p];
        if (r >= sn.s1 && mark[r] != v) {
          mark[r] = v;
          b.push_back(r);
        }
      }
    std::sort(b.begin(), b.end());
    const int ns = sn.s1 - sn.s0;
    const std::int64_t m = ns + static_cast<std::int64_t>(b.size());
    auto front_pos = [&](int r) -> int {
      if (r < sn.s1) return r - sn.s0;
      return ns + static_cast<int>(std::lower_bound(b.begin(), b.end(), r) - b.begin());
    };
    for (int k = sn.s0; k < sn.s1; ++k)
      for (int p = Ap[k]; p < Ap[k + 1]; ++p) fpos[p] = front_pos(Ai[p]);
    for (int c : sn.children) {
      child_map[c].resize(bnd[c].size());
      for (std::size_t a = 0; a < bnd[c].size(); ++a) child_map[c][a] = front_pos(bnd[c][a]);
    }
    loff[v] = factor_size;
    factor_size += m * ns;
    max_front = std::max(max_front, m * m);
    // children's updates are popped, this node's update is pushed
    for (int c : sn.children) stack -= static_cast<std::int64_t>(bnd[c].size()) * bnd[c].size();
    stack += static_cast<std::int64_t>(b.size()) * b.size();
    max_stack = std::max(max_stack, stack);
  }
  (void)owner;
}

int MultifrontalSymbolic::position(int row, int col) const {
  const auto b = Ai.begin() + Ap[col];
  const auto e = Ai.begin() + Ap[col + 1];
  const auto it = std::lower_bound(b, e, row);
  return (it != e && *it == row) ? static_cast<int>(it - Ai.begin()) : -1;
}

std::int64_t MultifrontalSymbolic::factor_nnz() const {
  std::int64_t s = 0;
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    const std::int64_t ns = nodes[v].s1 - nodes[v].s0;
    s += ns * (ns - 1) / 2 + ns * static_cast<std::int64_t>(bnd[v].size());
  }
  return s;
}

double MultifrontalSymbolic::factor_ops() const {
  double s = 0;
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    const double ns = nodes[v].s1 - nodes[v].s0;
    const double nb = static_cast<double>(bnd[v].size());
    s += ns * ns * ns / 6 + ns * ns * nb / 2 + ns * nb * nb / 2;
  }
  return s;
}

MultifrontalFactor::MultifrontalFactor(const MultifrontalSymbolic& s)
    : s_(s),
      L_(static_cast<std::size_t>(s.factor_size)),
      D_(s.n),
      front_(static_cast<std::size_t>(s.max_front)),
      stack_(static_cast<std::size_t>(std::max<std::int64_t>(s.max_stack, 1))),
      tmp_(static_cast<std::size_t>(s.n)),
      scratch_(static_cast<std::size_t>(std::max<std::int64_t>(s.max_front, 1))) {}

bool MultifrontalFactor::factor(const cplx* Ax) {
  const int nn = static_cast<int>(s_.nodes.size());
  std::int64_t top = 0;  // stack top (entries)
  for (int v = 0; v < nn; ++v) {
    const Supernode& sn = s_.nodes[v];
    const int ns = sn.s1 - sn.s0;
    const int nb = static_cast<int>(s_.bnd[v].size());
    const int m = ns + nb;
    MatMap F(front_.data(), m, m);
    F.setZero();
    // Original entries (lower triangle of the pivot columns).
    for (int k = sn.s0; k < sn.s1; ++k) {
      const int c = k - sn.s0;
      for (int p = s_.Ap[k]; p < s_.Ap[k + 1]; ++p) F(s_.fpos[p], c) += Ax[p];
    }
    // Extend-add the children's updates (the last children are on top of the stack).
    for (auto it = sn.children.rbegin(); it != sn.children.rend(); ++it) {
      const int c = *it;
      const auto& map = s_.child_map[c];
      const int nc = static_cast<int>(map.size());
      top -= static_cast<std::int64_t>(nc) * nc;
      const cplx* U = stack_.data() + top;
      for (int b = 0; b < nc; ++b) {
        const int fb = map[b];
        cplx* Fcol = &F(0, fb);
        const cplx* Ucol = U + static_cast<std::int64_t>(b) * nc;
        for (int a = b; a < nc; ++a) Fcol[map[a]] += Ucol[a];
      }
    }
    // Dense partial LDL^T, L21 and the Schur complement (ISA-dispatched kernel).
    const FrontArgs args{front_.data(), ns,          nb, D_.data() + sn.s0, stack_.data() + top,
                         L_.data() + s_.loff[v], scratch_.data()};
    if (!factor_front(args)) return false;
    top += static_cast<std::int64_t>(nb) * nb;
  }
  return true;
}

void MultifrontalFactor::solve(cplx* x) const {
  const int nn = static_cast<int>(s_.nodes.size());
  // Forward: L y = b.
  for (int v = 0; v < nn; ++v) {
    const Supernode& sn = s_.nodes[v];
    const int ns = sn.s1 - sn.s0;
    const auto& b = s_.bnd[v];
    const int nb = static_cast<int>(b.size());
    CMatMap Lb(L_.data() + s_.loff[v], ns + nb, ns);
    VecMap xs(x + sn.s0, ns);
    Lb.topRows(ns).triangularView<Eigen::UnitLower>().solveInPlace(xs);
    if (nb > 0) {
      VecMap t(tmp_.data(), nb);
      t.noalias() = Lb.bottomRows(nb) * xs;
      for (int a = 0; a < nb; ++a) x[b[a]] -= t(a);
    }
  }
  for (int k = 0; k < s_.n; ++k) x[k] /= D_[k];
  // Backward: L^T x = y.
  for (int v = nn - 1; v >= 0; --v) {
    const Supernode& sn = s_.nodes[v];
    const int ns = sn.s1 - sn.s0;
    const auto& b = s_.bnd[v];
    const int nb = static_cast<int>(b.size());
    CMatMap Lb(L_.data() + s_.loff[v], ns + nb, ns);
    VecMap xs(x + sn.s0, ns);
    if (nb > 0) {
      VecMap t(tmp_.data(), nb);
      for (int a = 0; a < nb; ++a) t(a) = x[b[a]];
      xs.noalias() -= Lb.bottomRows(nb).transpose() * t;
    }
    Lb.topRows(ns).transpose().triangularView<Eigen::UnitUpper>().solveInPlace(xs);
  }
}

}  // namespace geoinvert::mt
