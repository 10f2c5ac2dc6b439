// Dense kernel of one multifrontal step, compiled twice (baseline and AVX2+FMA) and chosen at
// run time, so that portable wheels still use the wide vector units where the CPU has them.
//
// The AVX2 copy lives in its own translation unit built with -mavx2 -mfma, with Eigen's
// namespace renamed there (see dense_front_avx2.cpp), so no Eigen template instantiation is
// shared between the two copies (shared instantiations would break the one-definition rule and
// let the linker pick AVX2 code for the baseline path).
#pragma once

#include <complex>

namespace geoinvert::mt {

/// Arguments of :func:`factor_front`: a column-major m x m front F with m = ns + nb.
struct FrontArgs {
  std::complex<double>* F;        ///< front (lower triangle meaningful), overwritten
  int ns;                         ///< pivots of this supernode
  int nb;                         ///< boundary rows
  std::complex<double>* D;        ///< out: ns pivots
  std::complex<double>* update;   ///< out: nb x nb Schur complement (lower part meaningful)
  std::complex<double>* L;        ///< out: m x ns factor block
  std::complex<double>* scratch;  ///< nb x ns workspace
};

/// Partial LDL^T of the pivot block, L21, and the Schur complement. False on a zero pivot.
bool factor_front(const FrontArgs& a);

namespace detail {
bool factor_front_baseline(const FrontArgs& a);
bool factor_front_avx2(const FrontArgs& a);
bool cpu_has_avx2_fma();
}  // namespace detail

}  // namespace geoinvert::mt
