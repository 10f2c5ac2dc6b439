// Portable copy of the vectorised 1-D MT kernel: two frequencies per GCC/Clang generic vector
// (SSE2 on any x86-64, NEON on arm64; no FMA assumed, so fma(a, b, c) is a b + c with two
// roundings, which the split constants of mt1d_simd.inc allow for). The method, the error
// bounds and the kernel body are in mt1d_simd.inc; the dispatch is in mt1d.cpp. Compilers
// without vector extensions (MSVC) get the scalar kernel of mt1d.cpp instead.
#if defined(__GNUC__) || defined(__clang__)
#include <cstddef>

#include "mt/mt1d.hpp"

namespace geoinvert::mt::detail {
namespace {

constexpr std::size_t W = 2;
typedef double V __attribute__((vector_size(16)));
typedef unsigned long long VU __attribute__((vector_size(16)));
using Mask = decltype(V{} > V{});  // lanes of all ones / zeros

inline V bc(double x) { return V{x, x}; }
inline V add(V a, V b) { return a + b; }
inline V sub(V a, V b) { return a - b; }
inline V mul(V a, V b) { return a * b; }
inline V div(V a, V b) { return a / b; }
inline V fma(V a, V b, V c) { return a * b + c; }
inline V fnma(V a, V b, V c) { return c - a * b; }
inline V fms(V a, V b, V c) { return a * b - c; }
inline VU bits(V v) { return (VU)v; }
inline V from_bits(VU u) { return (V)u; }
inline Mask gt(V a, V b) { return a > b; }
inline Mask ge(V a, V b) { return a >= b; }
inline bool all_of(Mask m) { return m[0] != 0 && m[1] != 0; }
inline V blend(Mask m, V f, V t) {
  const VU mu = (VU)m;
  return from_bits((mu & bits(t)) | (~mu & bits(f)));
}
inline V blend_sign(V s, V f, V t) { return blend((Mask)((VU)s >> 63) * -1, f, t); }
inline V vmin(V a, V b) { return blend(a < b, b, a); }
inline V vmax(V a, V b) { return blend(a > b, b, a); }
inline V band(V a, V b) { return from_bits(bits(a) & bits(b)); }
inline V bor(V a, V b) { return from_bits(bits(a) | bits(b)); }
inline V bxor(V a, V b) { return from_bits(bits(a) ^ bits(b)); }
inline V bandnot(V a, V b) { return from_bits(~bits(a) & bits(b)); }
inline V shl63(V v) { return from_bits(bits(v) << 63); }
inline V shr1(V v) { return from_bits(bits(v) >> 1); }
/// 2^{-k} for k + shifter in kf (k in [0, 1022]).
inline V pow2_neg(V kf, V shifter) {
  const VU k = bits(kf) - bits(shifter);
  return from_bits((VU{1023, 1023} - k) << 52);
}
/// 2^{-e} for a positive normal m in [2^e, 2^{e+1}), |e| <= 1022.
inline V pow2_inverse(V m) { return from_bits((VU{2046, 2046} - (bits(m) >> 52)) << 52); }
inline V load(const double* p) { return V{p[0], p[1]}; }
inline void store(double* p, V v) {
  p[0] = v[0];
  p[1] = v[1];
}
inline void store_z(cplx* z, V re, V im) {
  z[0] = cplx(re[0], im[0]);
  z[1] = cplx(re[1], im[1]);
}

}  // namespace

#define GEOINVERT_MT1D_FUNC forward_1d_model_vector
#include "mt/mt1d_simd.inc"
#undef GEOINVERT_MT1D_FUNC

}  // namespace geoinvert::mt::detail
#endif
