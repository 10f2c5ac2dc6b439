// Sparse LDL^T factorisation of complex symmetric (not Hermitian) matrices.
//
// Up-looking LDL^T of T. A. Davis, "Algorithm 849: A concise sparse Cholesky factorization
// package", ACM TOMS 31 (2005) 587-591, with complex arithmetic and no conjugation, so that
// A = L D L^T for A = A^T. No pivoting: the finite-element operators of cpp/mt have a
// positive-definite real part (stiffness) plus i times a positive semi-definite part (mass), for
// which symmetric elimination in any order is stable.
//
// The symbolic analysis (elimination tree, column counts) depends only on the pattern and the
// fill-reducing ordering; it is computed once per mesh and reused by every numeric factorisation
// (every frequency). Each numeric factorisation lives in its own LdltFactor so that several
// frequencies can be factored concurrently (one factor per worker thread).
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

namespace geoinvert::mt {

using cplx = std::complex<double>;

/// Pattern of the upper triangle (row <= col) of a permuted symmetric matrix in CSC form, with the
/// symbolic analysis of its LDL^T factor.
struct LdltSymbolic {
  int n = 0;
  std::vector<int> Ap, Ai;          ///< upper triangle of P A P^T, CSC, rows sorted per column
  std::vector<int> parent;          ///< elimination tree
  std::vector<int> Lp;              ///< column pointers of the strictly lower factor L
  std::int64_t factor_nnz() const { return Lp.empty() ? 0 : Lp.back(); }

  /// Run the symbolic analysis on the current Ap/Ai (set by the caller).
  void analyse();
  /// Position of entry (row, col), row <= col, inside Ai/Ax; -1 if absent.
  int position(int row, int col) const;
};

/// One numeric factorisation (per worker); allocated once, refactored per frequency.
class LdltFactor {
 public:
  explicit LdltFactor(const LdltSymbolic& s);
  /// Factor the matrix whose upper-triangle values (in s.Ai order) are Ax. Returns false on a
  /// zero pivot.
  bool factor(const cplx* Ax);
  /// Solve (L D L^T) x = b in place (permuted space).
  void solve(cplx* x) const;

 private:
  const LdltSymbolic& s_;
  std::vector<int> Li_, Lnz_, flag_, pattern_;
  std::vector<cplx> Lx_, D_, Y_;
};

}  // namespace geoinvert::mt
