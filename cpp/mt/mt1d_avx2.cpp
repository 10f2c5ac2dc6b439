// AVX2 + FMA copy of the 1-D MT kernel: four frequencies per vector (see mt1d.hpp for the
// method and mt1d.cpp for the portable path and the run-time dispatch). This file is compiled
// with -mavx2 -mfma on x86-64 GCC/Clang only (CMakeLists.txt); elsewhere it is empty.
//
// Per layer j and frequency f, with x = Re(k_j h_j) = h_j sqrt(omega mu0 / (2 rho_j)) and
// y = 2x, the recursion needs t = tanh((1 + i) x) = (sinh y + i sin y) / (cosh y + cos y).
// Multiplying by 2 e^{-y} bounds every term (no overflow for any y):
//     t = Tn / Td,  Tn = (1 - E^2) + 2 i E sin y,  Td = 1 + E^2 + 2 E cos y,  E = e^{-y},
// with 1 - E^2 = -w (1 + E), w = expm1(-y), so that t keeps full relative accuracy for small y.
// Td lies in [0.91, 4] (its minimum (1 - e^{-pi})^2 at y = pi). The impedance, in units of
// sqrt(omega mu0) and rotated by e^{-i pi/4} (then the intrinsic impedances sqrt(rho_j) are
// real), is carried as a ratio z = N / D:
//     z' = s (z + s t) / (s + z t),  s = sqrt(rho_j)
//  => N' = N Td + s D Tn,  D' = D Td + N Tn / s,
// so a layer costs two complex products and no division; one division per frequency at the
// end. |D'| = |D| Td |1 + z t / s| >= 0.91 |D| (Re(z t) >= 0 for arg z in (-45, 45) deg and
// arg t in (-5, 45] deg), and the growth per layer is at most 4 (1 + |z| / s); N and D are
// rescaled by an exact power of two every 8 layers, which changes no rounding.
// A layer with x > 20 (y > 40) has t = 1 to double precision (|1 - t| < 2 e^{-40} = 8.5e-18):
// the impedance at its top is its own sqrt(rho_j) whatever lies below, so each lane restarts
// there (N = s, D = 1); a frequency's result therefore does not depend on the other
// frequencies of its vector, and the recursion starts at the shallowest layer that is thick
// for all four lanes.
//
// Transcendental functions (y is clamped to [0, 40]; lanes with y > 40 are restarted anyway):
// * e^{-y}, expm1(-y): y = k ln2 + r, |r| <= ln2/2 (k = nearest integer, ln2 in two parts, FMA),
//   expm1(-r) by its Taylor polynomial of degree 13 (leading term exact); truncation
//   |u|^14/14! e^{|u|} / |expm1(u)| <= 0.3466^13 / 14! * 1.42 / 0.85 < 2.1e-17 relative.
// * sin y, cos y: y = q pi/2 + r, |r| <= pi/4 (pi/2 in three parts, FMA; q <= 26), Taylor to
//   r^15 and r^16: truncation < (pi/4)^16 / 17! < 6e-17 relative (sin), (pi/4)^18 / 18! < 3e-18
//   absolute (cos >= 0.707); quadrant from the low bits of q.
// * phase = 45 deg + atan(v), |v| < 1: atan(v) = c + atan((v - tc) / (1 + v tc)) with
//   tc in {0, tan(pi/8), 1} (c = atan(tc) in double), the reduced argument <= tan(pi/16), then
//   the odd Taylor series to w^23: truncation w^25 / 25 < 1e-19 absolute.
// Each is a handful of ulp; the tests compare Z with 50-digit mpmath (<= 1e-12 relative).
#if defined(GEOINVERT_HAVE_AVX2_FRONT)
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "mt/mt1d.hpp"

namespace geoinvert::mt::detail {
namespace {

using V = __m256d;

inline V bc(double x) { return _mm256_set1_pd(x); }
inline V add(V a, V b) { return _mm256_add_pd(a, b); }
inline V sub(V a, V b) { return _mm256_sub_pd(a, b); }
inline V mul(V a, V b) { return _mm256_mul_pd(a, b); }
inline V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }    // a b + c
inline V fnma(V a, V b, V c) { return _mm256_fnmadd_pd(a, b, c); }  // c - a b
inline V fms(V a, V b, V c) { return _mm256_fmsub_pd(a, b, c); }    // a b - c

constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52: x + kShifter rounds x to an integer

/// e^{-y} and expm1(-y) for 0 <= y <= 40.
inline void exp_neg(V y, V& e, V& em1) {
  const V shifter = bc(kShifter);
  const V kf = fma(y, bc(1.4426950408889634), shifter);  // k + shifter, k = round(y / ln2)
  const V k = sub(kf, shifter);
  V r = fnma(k, bc(0.6931467056274414), y);  // y - k ln2_hi
  r = fnma(k, bc(4.7493250390316726e-07), r);  //   - k ln2_lo; |r| <= ln2/2 (+1 ulp)
  const V u = sub(_mm256_setzero_pd(), r);  // expm1(u), u = -r
  // expm1(u) = u + u^2 (1/2! + u/3! + ... + u^11/13!)
  V p = bc(1.0 / 6227020800.0);
  p = fma(p, u, bc(1.0 / 479001600.0));
  p = fma(p, u, bc(1.0 / 39916800.0));
  p = fma(p, u, bc(1.0 / 3628800.0));
  p = fma(p, u, bc(1.0 / 362880.0));
  p = fma(p, u, bc(1.0 / 40320.0));
  p = fma(p, u, bc(1.0 / 5040.0));
  p = fma(p, u, bc(1.0 / 720.0));
  p = fma(p, u, bc(1.0 / 120.0));
  p = fma(p, u, bc(1.0 / 24.0));
  p = fma(p, u, bc(1.0 / 6.0));
  p = fma(p, u, bc(0.5));
  p = fma(mul(u, u), p, u);
  // 2^{-k}: k in [0, 58] sits in the low mantissa bits of kf.
  const __m256i ki = _mm256_sub_epi64(_mm256_castpd_si256(kf), _mm256_castpd_si256(shifter));
  const V scale =
      _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(1023), ki), 52));
  e = fma(scale, p, scale);                      // 2^{-k} (1 + expm1(u))
  em1 = fma(scale, p, sub(scale, bc(1.0)));      // 2^{-k} expm1(u) + (2^{-k} - 1)
}

/// sin y and cos y for 0 <= y <= 40.
inline void sincos_small(V y, V& s, V& c) {
  const V shifter = bc(kShifter);
  const V qf = fma(y, bc(0.6366197723675814), shifter);  // q + shifter, q = round(2 y / pi)
  const V q = sub(qf, shifter);
  V r = fnma(q, bc(1.5707963267948966), y);
  r = fnma(q, bc(6.123233995736766e-17), r);
  r = fnma(q, bc(-1.4973849048591698e-33), r);
  const V r2 = mul(r, r);
  // sin r = r + r^3 (-1/3! + r^2/5! - ... + r^12/15!)
  V ps = bc(1.0 / 1307674368000.0);
  ps = fma(ps, r2, bc(-1.0 / 6227020800.0));
  ps = fma(ps, r2, bc(1.0 / 39916800.0));
  ps = fma(ps, r2, bc(-1.0 / 362880.0));
  ps = fma(ps, r2, bc(1.0 / 5040.0));
  ps = fma(ps, r2, bc(-1.0 / 120.0));
  ps = fma(ps, r2, bc(1.0 / 6.0));
  const V sr = fnma(mul(r, r2), ps, r);  // signs folded: r - r^3 (1/3! - r^2/5! + ...)
  // cos r = 1 + r^2 (-1/2! + r^2/4! - ... + r^14/16!)
  V pc = bc(1.0 / 20922789888000.0);
  pc = fma(pc, r2, bc(-1.0 / 87178291200.0));
  pc = fma(pc, r2, bc(1.0 / 479001600.0));
  pc = fma(pc, r2, bc(-1.0 / 3628800.0));
  pc = fma(pc, r2, bc(1.0 / 40320.0));
  pc = fma(pc, r2, bc(-1.0 / 720.0));
  pc = fma(pc, r2, bc(1.0 / 24.0));
  pc = fma(pc, r2, bc(-0.5));
  const V cr = fma(r2, pc, bc(1.0));
  // Quadrant: q mod 4 -> (sin, cos) = (s, c), (c, -s), (-s, -c), (-c, s).
  const __m256i qi = _mm256_castpd_si256(qf);
  const V swap = _mm256_castsi256_pd(_mm256_slli_epi64(qi, 63));
  const V sign_s = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_srli_epi64(qi, 1), 63));
  const V sign_c = _mm256_castsi256_pd(
      _mm256_slli_epi64(_mm256_xor_si256(qi, _mm256_srli_epi64(qi, 1)), 63));
  s = _mm256_xor_pd(_mm256_blendv_pd(sr, cr, swap), sign_s);
  c = _mm256_xor_pd(_mm256_blendv_pd(cr, sr, swap), sign_c);
}

/// atan(p / q) for q > 0, |p| < q (radians).
inline V atan_ratio(V p, V q) {
  const V sign = _mm256_and_pd(p, bc(-0.0));
  const V ap = _mm256_andnot_pd(bc(-0.0), p);
  // centre tc and c = atan(tc): 0 below tan(pi/16), tan(pi/8) below tan(3 pi/16), else 1
  const V m1 = _mm256_cmp_pd(ap, mul(q, bc(0.198912367379658)), _CMP_GE_OQ);
  const V m2 = _mm256_cmp_pd(ap, mul(q, bc(0.6681786379192989)), _CMP_GE_OQ);
  const V tc = _mm256_blendv_pd(_mm256_and_pd(m1, bc(0.41421356237309503)), bc(1.0), m2);
  const V c0 = _mm256_blendv_pd(_mm256_and_pd(m1, bc(0.39269908169872414)),
                                bc(0.7853981633974483), m2);
  const V w = _mm256_div_pd(fnma(tc, q, ap), fma(tc, ap, q));
  const V w2 = mul(w, w);
  V pa = bc(-1.0 / 23.0);
  pa = fma(pa, w2, bc(1.0 / 21.0));
  pa = fma(pa, w2, bc(-1.0 / 19.0));
  pa = fma(pa, w2, bc(1.0 / 17.0));
  pa = fma(pa, w2, bc(-1.0 / 15.0));
  pa = fma(pa, w2, bc(1.0 / 13.0));
  pa = fma(pa, w2, bc(-1.0 / 11.0));
  pa = fma(pa, w2, bc(1.0 / 9.0));
  pa = fma(pa, w2, bc(-1.0 / 7.0));
  pa = fma(pa, w2, bc(1.0 / 5.0));
  pa = fma(pa, w2, bc(-1.0 / 3.0));
  const V at = add(c0, fma(mul(w, w2), pa, w));
  return _mm256_or_pd(at, sign);
}

/// Multiply both by 2^{-e}, e the binary exponent of max(|Dr|, |Di|): exact, keeps N/D.
inline void rescale(V& nr, V& ni, V& dr, V& di) {
  const V m = _mm256_max_pd(_mm256_andnot_pd(bc(-0.0), dr), _mm256_andnot_pd(bc(-0.0), di));
  __m256i ex = _mm256_srli_epi64(_mm256_castpd_si256(m), 52);  // biased exponent (sign is 0)
  ex = _mm256_max_epi32(_mm256_min_epi32(ex, _mm256_set1_epi64x(2045)), _mm256_set1_epi64x(1));
  const V sc = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(2046), ex), 52));
  nr = mul(nr, sc);
  ni = mul(ni, sc);
  dr = mul(dr, sc);
  di = mul(di, sc);
}

}  // namespace

void forward_1d_model_avx2(const double* a, std::size_t n_freq, const double* sr,
                           const double* isr, const double* yh, std::size_t n_layers,
                           double* rho_a, double* phase_deg, cplx* Z) noexcept {
  const V thick = bc(40.0);  // y = 2 Re(k h) beyond which tanh((1+i) y/2) = 1 in double
  for (std::size_t f0 = 0; f0 < n_freq; f0 += 4) {
    const std::size_t nl = n_freq - f0 < 4 ? n_freq - f0 : 4;
    V A;
    if (nl == 4) {
      A = _mm256_loadu_pd(a + f0);
    } else {
      alignas(32) double buf[4];
      for (std::size_t l = 0; l < 4; ++l) buf[l] = a[f0 + (l < nl ? l : nl - 1)];
      A = _mm256_load_pd(buf);
    }
    // Start at the shallowest layer thick for all lanes (else the basement).
    std::size_t top = n_layers - 1;
    for (std::size_t j = 0; j + 1 < n_layers; ++j)
      if (_mm256_movemask_pd(_mm256_cmp_pd(mul(A, bc(yh[j])), thick, _CMP_GT_OQ)) == 0xF) {
        top = j;
        break;
      }
    V nr = bc(sr[top]), ni = _mm256_setzero_pd(), dr = bc(1.0), di = _mm256_setzero_pd();
    unsigned since_rescale = 0;
    for (std::size_t jj = top; jj-- > 0;) {
      const V y_raw = mul(A, bc(yh[jj]));
      const V is_thick = _mm256_cmp_pd(y_raw, thick, _CMP_GT_OQ);
      const V y = _mm256_min_pd(y_raw, thick);
      V e, w, s, c;
      exp_neg(y, e, w);
      sincos_small(y, s, c);
      const V tnr = mul(sub(_mm256_setzero_pd(), w), add(bc(1.0), e));  // 1 - E^2
      const V tni = mul(add(e, e), s);                                   // 2 E sin y
      const V td = fma(e, fma(bc(2.0), c, e), bc(1.0));                  // 1 + E^2 + 2 E cos y
      const V s_ = bc(sr[jj]), is_ = bc(isr[jj]);
      // P = D Tn, Q = N Tn
      const V pr = fnma(di, tni, mul(dr, tnr)), pi_ = fma(dr, tni, mul(di, tnr));
      const V qr = fnma(ni, tni, mul(nr, tnr)), qi = fma(nr, tni, mul(ni, tnr));
      V nr2 = fma(s_, pr, mul(nr, td)), ni2 = fma(s_, pi_, mul(ni, td));
      V dr2 = fma(is_, qr, mul(dr, td)), di2 = fma(is_, qi, mul(di, td));
      // Lanes where this layer is thick restart from its own intrinsic impedance.
      nr = _mm256_blendv_pd(nr2, s_, is_thick);
      ni = _mm256_blendv_pd(ni2, _mm256_setzero_pd(), is_thick);
      dr = _mm256_blendv_pd(dr2, bc(1.0), is_thick);
      di = _mm256_blendv_pd(di2, _mm256_setzero_pd(), is_thick);
      if (++since_rescale == 8) {
        rescale(nr, ni, dr, di);
        since_rescale = 0;
      }
    }
    // z = N / D = (N conj D) / |D|^2; rho_a = |z|^2 (z in units of sqrt(omega mu0)).
    const V zr = fma(nr, dr, mul(ni, di));
    const V zi = fms(ni, dr, mul(nr, di));
    const V dd = fma(dr, dr, mul(di, di));
    const V nn = fma(nr, nr, mul(ni, ni));
    const V inv = _mm256_div_pd(bc(1.0), dd);
    const V ra = mul(nn, inv);
    const V ph = fma(atan_ratio(zi, zr), bc(180.0 / pi), bc(45.0));
    // Z = sqrt(omega mu0) z e^{i pi/4}
    const V sc = mul(mul(A, inv), bc(0.70710678118654752440));
    const V zre = mul(sub(zr, zi), sc), zim = mul(add(zr, zi), sc);
    if (nl == 4) {
      _mm256_storeu_pd(rho_a + f0, ra);
      _mm256_storeu_pd(phase_deg + f0, ph);
      const V lo = _mm256_unpacklo_pd(zre, zim);  // r0 i0 r2 i2
      const V hi = _mm256_unpackhi_pd(zre, zim);  // r1 i1 r3 i3
      double* zp = reinterpret_cast<double*>(Z + f0);
      _mm256_storeu_pd(zp, _mm256_permute2f128_pd(lo, hi, 0x20));      // r0 i0 r1 i1
      _mm256_storeu_pd(zp + 4, _mm256_permute2f128_pd(lo, hi, 0x31));  // r2 i2 r3 i3
    } else {
      alignas(32) double b_ra[4], b_ph[4], b_re[4], b_im[4];
      _mm256_store_pd(b_ra, ra);
      _mm256_store_pd(b_ph, ph);
      _mm256_store_pd(b_re, zre);
      _mm256_store_pd(b_im, zim);
      for (std::size_t l = 0; l < nl; ++l) {
        rho_a[f0 + l] = b_ra[l];
        phase_deg[f0 + l] = b_ph[l];
        Z[f0 + l] = cplx(b_re[l], b_im[l]);
      }
    }
  }
}

}  // namespace geoinvert::mt::detail
#endif
