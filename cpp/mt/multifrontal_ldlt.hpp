// Multifrontal sparse LDL^T of complex symmetric (not Hermitian) matrices.
//
// Multifrontal method of Duff & Reid (1983, ACM TOMS 9, 302-325; review: J. W. H. Liu 1992,
// SIAM Review 34, 82-109) on a supernode tree supplied by the caller (here: the separators of a
// geometric nested dissection of the finite-element grid, George 1973). Each front is a dense
// column-major matrix; its pivot block is factored without pivoting and the Schur complement is
// formed with Eigen's triangular matrix products, so nearly all work runs in dense kernels.
// No conjugation anywhere: A = L D L^T for A = A^T. No pivoting is needed for the MT operators
// (positive-definite real part plus i times a positive semi-definite part).
//
// The symbolic analysis (front index sets, extend-add maps, storage offsets) depends only on the
// pattern and the tree: it is done once per mesh and reused for every numeric factorisation.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

namespace geoinvert::mt {

using cplx = std::complex<double>;
/// Allocator with a fixed 64-byte alignment. Buffers handed to the vectorised dense kernels must
/// start at the same alignment in every worker, so that the kernels' loop peeling, and with it
/// the rounding, never depends on where malloc put them (results stay bit-identical for any
/// thread count). 64 bytes covers every ISA the dense kernel is built for (SSE2, AVX2).
template <typename T>
struct CacheAlignedAllocator {
  using value_type = T;
  static constexpr std::size_t alignment = 64;
  CacheAlignedAllocator() = default;
  template <typename U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(alignment)));
  }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t(alignment)); }
  template <typename U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const CacheAlignedAllocator<U>&) const noexcept { return false; }
};
using AlignedCVector = std::vector<cplx, CacheAlignedAllocator<cplx>>;

/// One supernode: pivots [s0, s1) (contiguous in the elimination order) and its children.
struct Supernode {
  int s0 = 0, s1 = 0;
  std::vector<int> children;
};

/// Pattern of the lower triangle (row >= col) of the permuted matrix in CSC form, the supernode
/// tree (in post-order: children before parents) and the symbolic analysis.
struct MultifrontalSymbolic {
  int n = 0;
  std::vector<int> Ap, Ai;         ///< lower triangle of P A P^T, CSC, rows sorted per column
  std::vector<Supernode> nodes;    ///< post-ordered supernode tree

  // --- filled by analyse() ---
  std::vector<std::vector<int>> bnd;        ///< per node: boundary rows (sorted, >= s1)
  std::vector<std::vector<int>> child_map;  ///< per node: front position of the node's bnd in its parent
  std::vector<int> parent;                  ///< per node: parent node or -1
  std::vector<int> fpos;                    ///< per stored entry of A: row position in its front
  std::vector<std::int64_t> loff;           ///< per node: offset of its m x ns factor block
  std::int64_t factor_size = 0;             ///< total stored factor entries
  std::int64_t max_front = 0;               ///< largest m*m
  std::int64_t max_stack = 0;               ///< peak update-stack entries

  void analyse();
  /// Position of entry (row, col), row >= col, inside Ai; -1 if absent.
  int position(int row, int col) const;
  /// Non-zeros of the strictly lower factor L (fill of the supernodal structure).
  std::int64_t factor_nnz() const;
  /// Complex multiply-adds of one numeric factorisation.
  double factor_ops() const;
};

/// One numeric factorisation (per worker); allocated once, refactored per frequency.
class MultifrontalFactor {
 public:
  explicit MultifrontalFactor(const MultifrontalSymbolic& s);
  /// Factor the matrix with lower-triangle values Ax (in s.Ai order). False on a zero pivot.
  bool factor(const cplx* Ax);
  /// Solve A x = b in place (permuted space).
  void solve(cplx* x) const;

 private:
  const MultifrontalSymbolic& s_;
  AlignedCVector L_, D_, front_, stack_;
  mutable AlignedCVector tmp_;
  AlignedCVector scratch_;  ///< nb x ns workspace of the dense kernel (no allocation per front)
};

}  // namespace geoinvert::mt
