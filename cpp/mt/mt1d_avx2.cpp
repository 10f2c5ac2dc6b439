// AVX2 + FMA copy of the vectorised 1-D MT kernel: four frequencies per vector. The method,
// the error bounds and the kernel body are in mt1d_simd.inc (shared with the portable 2-lane
// copy, mt1d_vector.cpp); the run-time dispatch is in mt1d.cpp. This file is compiled with
// -mavx2 -mfma on x86-64 GCC/Clang only (CMakeLists.txt); elsewhere it is empty.
#if defined(GEOINVERT_HAVE_AVX2_FRONT)
#include <immintrin.h>

#include <cstddef>

#include "mt/mt1d.hpp"

namespace geoinvert::mt::detail {
namespace {

constexpr std::size_t W = 4;
using V = __m256d;
using Mask = __m256d;

inline V bc(double x) { return _mm256_set1_pd(x); }
inline V add(V a, V b) { return _mm256_add_pd(a, b); }
inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
inline V div(V a, V b) { return _mm256_div_pd(a, b); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
inline V fnma(V a, V b, V c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
inline V fms(V a, V b, V c) { return _mm256_fmsub_pd(a, b, c); }    // a b - c
inline V vmin(V a, V b) { return _mm256_min_pd(a, b); }
inline V vmax(V a, V b) { return _mm256_max_pd(a, b); }
inline Mask gt(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GT_OQ); }
inline Mask ge(V a, V b) { return _mm256_cmp_pd(a, b, _CMP_GE_OQ); }
inline bool all_of(Mask m) { return _mm256_movemask_pd(m) == 0xF; }
inline V blend(Mask m, V f, V t) { return _mm256_blendv_pd(f, t, m); }
inline V blend_sign(V s, V f, V t) { return _mm256_blendv_pd(f, t, s); }
inline V band(V a, V b) { return _mm256_and_pd(a, b); }
inline V bor(V a, V b) { return _mm256_or_pd(a, b); }
inline V bxor(V a, V b) { return _mm256_xor_pd(a, b); }
inline V bandnot(V a, V b) { return _mm256_andnot_pd(a, b); }  // ~a & b
inline __m256i bits(V v) { return _mm256_castpd_si256(v); }
inline V from_bits(__m256i i) { return _mm256_castsi256_pd(i); }
inline V shl63(V v) { return from_bits(_mm256_slli_epi64(bits(v), 63)); }
inline V shr1(V v) { return from_bits(_mm256_srli_epi64(bits(v), 1)); }
/// 2^{-k} for k + shifter in kf (k in [0, 1022]).
inline V pow2_neg(V kf, V shifter) {
  const __m256i k = _mm256_sub_epi64(bits(kf), bits(shifter));
  return from_bits(_mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(1023), k), 52));
}
/// 2^{-e} for a positive normal m in [2^e, 2^{e+1}), |e| <= 1022.
inline V pow2_inverse(V m) {
  const __m256i ex = _mm256_srli_epi64(bits(m), 52);
  return from_bits(_mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(2046), ex), 52));
}
inline V load(const double* p) { return _mm256_loadu_pd(p); }
inline void store(double* p, V v) { _mm256_storeu_pd(p, v); }
inline void store_z(cplx* z, V re, V im) {
  const V lo = _mm256_unpacklo_pd(re, im);  // r0 i0 r2 i2
  const V hi = _mm256_unpackhi_pd(re, im);  // r1 i1 r3 i3
  double* p = reinterpret_cast<double*>(z);
  _mm256_storeu_pd(p, _mm256_permute2f128_pd(lo, hi, 0x20));      // r0 i0 r1 i1
  _mm256_storeu_pd(p + 4, _mm256_permute2f128_pd(lo, hi, 0x31));  // r2 i2 r3 i3
}

}  // namespace

#define GEOINVERT_MT1D_FUNC forward_1d_model_avx2
#include "mt/mt1d_simd.inc"
#undef GEOINVERT_MT1D_FUNC

}  // namespace geoinvert::mt::detail
#endif
