// AVX2 copy of the Rayleigh secular function for four solid models at once (secular_x4.hpp):
// the body of secular() (secular.hpp, Dunkin's compound matrix in CPS dltar4 ordering) written
// once more on 4-lane vectors, token for token, so that each lane performs the scalar code's
// operations in the scalar code's order. Compiled with -mavx2 -ffp-contract=off (no FMA
// contraction: the portable build has none either) on x86-64 GCC/Clang only (CMakeLists.txt);
// elsewhere it is empty and secular_x4_available() is false. Called only after the run-time
// check __builtin_cpu_supports("avx2") (secular_x4.cpp). Three instantiations: plain values
// and value + slope (Dual<1>, batched phase velocities: LockstepX4::continue_phase), and value
// + d/ds + d/domega (Dual<2>, batched group velocities: LockstepX4::newton2).
//
// This file instantiates no library templates (no std::max, no containers): their out-of-line
// copies would be compiled for AVX2 and could be merged by the linker into the portable code.
#if defined(GEOINVERT_HAVE_AVX2_DISPERSION)
#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <type_traits>

#include "dispersion/secular_x4.hpp"

namespace geoinvert::dispersion {
namespace {

// ---------------------------------------------------------------------------------------------
// 4-lane doubles (V) and Dual<1> numbers of them (D), with exactly the operations of Dual<1>
// (secular.hpp) lane by lane; D2 below likewise for Dual<2> (group velocity).
struct V {
  __m256d x;
  V() = default;
  V(__m256d a) : x(a) {}                 // NOLINT(google-explicit-constructor)
  V(double a) : x(_mm256_set1_pd(a)) {}  // NOLINT(google-explicit-constructor)
};
inline V operator+(V a, V b) { return _mm256_add_pd(a.x, b.x); }
inline V operator-(V a, V b) { return _mm256_sub_pd(a.x, b.x); }
inline V operator*(V a, V b) { return _mm256_mul_pd(a.x, b.x); }
inline V operator/(V a, V b) { return _mm256_div_pd(a.x, b.x); }
inline V operator-(V a) { return _mm256_xor_pd(a.x, _mm256_set1_pd(-0.0)); }
inline V vabs(V a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a.x); }
inline V vsqrt(V a) { return _mm256_sqrt_pd(a.x); }
/// std::max(a, b) = (a < b) ? b : a, NaNs included (MAXPD returns its second operand unless
/// the first is greater).
inline V vmax(V a, V b) { return _mm256_max_pd(b.x, a.x); }
inline V gt(V a, V b) { return _mm256_cmp_pd(a.x, b.x, _CMP_GT_OQ); }
inline V isfinite_mask(V a) {
  return _mm256_cmp_pd(vabs(a).x, _mm256_set1_pd(HUGE_VAL), _CMP_LT_OQ);
}
inline V vand(V a, V b) { return _mm256_and_pd(a.x, b.x); }
/// m ? t : f, lane by lane (m all ones or all zeros).
inline V sel(V m, V t, V f) { return _mm256_blendv_pd(f.x, t.x, m.x); }
inline V lane_mask(unsigned bits) {
  return _mm256_castsi256_pd(_mm256_set_epi64x(bits & 8 ? -1 : 0, bits & 4 ? -1 : 0,
                                               bits & 2 ? -1 : 0, bits & 1 ? -1 : 0));
}
inline V load(const double* p) { return _mm256_loadu_pd(p); }
inline void store(double* p, V v) { _mm256_storeu_pd(p, v.x); }

struct D {
  V v, d;
};
inline D operator+(const D& a, const D& b) { return {a.v + b.v, a.d + b.d}; }
inline D operator-(const D& a, const D& b) { return {a.v - b.v, a.d - b.d}; }
inline D operator*(const D& a, const D& b) { return {a.v * b.v, a.d * b.v + a.v * b.d}; }
inline D operator*(V a, const D& b) { return {a * b.v, a * b.d}; }
inline D operator*(const D& b, V a) { return a * b; }
inline D operator+(const D& a, V b) { return {a.v + b, a.d}; }
inline D operator-(V a, const D& b) { return {a - b.v, -b.d}; }
inline D operator+(V b, const D& a) { return a + b; }
inline D operator-(const D& a, V b) { return {a.v - b, a.d}; }
// (literal doubles: the overloads above after the conversion double -> V)
inline D operator*(double a, const D& b) { return V(a) * b; }
inline D operator+(const D& a, double b) { return a + V(b); }
inline D operator-(double a, const D& b) { return V(a) - b; }
inline D operator-(const D& a, double b) { return a - V(b); }

// Dual<2> numbers of 4-lane doubles (group velocity: d/ds and d/domega), the operations of
// Dual<2> (secular.hpp) component by component, in its order.
struct D2 {
  V v, d0, d1;
};
inline D2 operator+(const D2& a, const D2& b) { return {a.v + b.v, a.d0 + b.d0, a.d1 + b.d1}; }
inline D2 operator-(const D2& a, const D2& b) { return {a.v - b.v, a.d0 - b.d0, a.d1 - b.d1}; }
inline D2 operator*(const D2& a, const D2& b) {
  return {a.v * b.v, a.d0 * b.v + a.v * b.d0, a.d1 * b.v + a.v * b.d1};
}
inline D2 operator*(V a, const D2& b) { return {a * b.v, a * b.d0, a * b.d1}; }
inline D2 operator*(const D2& b, V a) { return a * b; }
inline D2 operator+(const D2& a, V b) { return {a.v + b, a.d0, a.d1}; }
inline D2 operator-(V a, const D2& b) { return {a - b.v, -b.d0, -b.d1}; }
inline D2 operator+(V b, const D2& a) { return a + b; }
inline D2 operator-(const D2& a, V b) { return {a.v - b, a.d0, a.d1}; }
inline D2 operator*(double a, const D2& b) { return V(a) * b; }
inline D2 operator+(const D2& a, double b) { return a + V(b); }
inline D2 operator-(double a, const D2& b) { return V(a) - b; }
inline D2 operator-(const D2& a, double b) { return a - V(b); }

inline V value(V x) { return x; }
inline V value(const D& x) { return x.v; }
inline V value(const D2& x) { return x.v; }
inline V scale_down(V x, V f) { return x * f; }
inline D scale_down(const D& x, V f) { return f * x; }
inline D2 scale_down(const D2& x, V f) { return f * x; }
inline V blend(V m, V t, V f) { return sel(m, t, f); }
inline D blend(V m, const D& t, const D& f) { return {sel(m, t.v, f.v), sel(m, t.d, f.d)}; }
inline D2 blend(V m, const D2& t, const D2& f) {
  return {sel(m, t.v, f.v), sel(m, t.d0, f.d0), sel(m, t.d1, f.d1)};
}

/// 1 / (x x) as secular() forms inv_c2 and inv_w2.
inline V inv_sq(V x) { return 1.0 / (x * x); }
inline D inv_sq(const D& x) {
  const V r = 1.0 / (x.v * x.v);
  const V dr = -2.0 * r / x.v;
  return {r, dr * x.d};
}
inline D2 inv_sq(const D2& x) {
  const V r = 1.0 / (x.v * x.v);
  const V dr = -2.0 * r / x.v;
  return {r, dr * x.d0, dr * x.d1};
}
/// sqrt(max(r2, 0)) as secular() forms rn.
inline V sqrt_pos(V r2) { return vsqrt(vmax(r2, 0.0)); }
inline D sqrt_pos(const D& r2) {
  const V v = vsqrt(vmax(r2.v, 0.0));
  const V f = sel(gt(v, 0.0), 0.5 / v, 0.0);
  return {v, f * r2.d};
}
inline D2 sqrt_pos(const D2& r2) {
  const V v = vsqrt(vmax(r2.v, 0.0));
  const V f = sel(gt(v, 0.0), 0.5 / v, 0.0);
  return {v, f * r2.d0, f * r2.d1};
}

/// Layer functions of one step from the table filled by layer_table() (Dual: derivatives as
/// secular.hpp's apply_layer, C.d = 0.5 * f.S * z.d, S.d = f.D * z.d).
inline void load_layer(const double* tab, const V&, V& C, V& S, V& q) {
  C = load(tab);
  S = load(tab + 4);
  q = load(tab + 8);
}
inline void load_layer(const double* tab, const D& z, D& C, D& S, V& q) {
  C.v = load(tab);
  S.v = load(tab + 4);
  q = load(tab + 8);
  C.d = 0.5 * S.v * z.d;
  S.d = load(tab + 12) * z.d;
}
inline void load_layer(const double* tab, const D2& z, D2& C, D2& S, V& q) {
  C.v = load(tab);
  S.v = load(tab + 4);
  q = load(tab + 8);
  const V hs = 0.5 * S.v, Dz = load(tab + 12);
  C.d0 = hs * z.d0;
  C.d1 = hs * z.d1;
  S.d0 = Dz * z.d0;
  S.d1 = Dz * z.d1;
}

/// (C - S)/(2z) near z = 0 (secular.hpp: layer_d_series).
inline V d_series(V z) {
  return 1.0 / 6.0 +
         z * (1.0 / 60.0 +
              z * (1.0 / 1680.0 +
                   z * (1.0 / 90720.0 + z * (1.0 / 7983360.0 + z * (1.0 / 1037836800.0)))));
}

/// secular.hpp's layer_functions (C, S, q and, with NeedD, D) of the arguments z
/// at the lanes in `on`, written to tab[0..16) as C, S, q, D (4 lanes each); lanes whose z is
/// neither positive nor negative get C = S = q = 1, D = 1/6, as there; other lanes: unused.
/// Only the libm calls are made lane by lane (before the vector recursion: no vector register
/// lives across a call); sqrt, the divisions and the rest are the same IEEE operations on
/// vectors.
template <bool NeedD>
inline void layer_table(V z, unsigned on, double* tab) {
  const V x = vsqrt(vabs(z));  // x = sqrt(z) (z > 0), y = sqrt(-z) (z < 0)
  alignas(32) double zz[4], xx[4], r1[4] = {1, 1, 1, 1}, r2[4] = {1, 1, 1, 1};
  store(zz, z);
  store(xx, x);
  for (int l = 0; l < 4; ++l) {
    if (!(on >> l & 1u)) continue;
    if (zz[l] > 0.0) {
      r1[l] = std::exp(-xx[l]);                                // q
      if (!(xx[l] > 0.25)) r2[l] = -std::expm1(-2.0 * xx[l]);  // 1 - q^2
    } else if (zz[l] < 0.0) {
      r1[l] = std::cos(xx[l]);
      r2[l] = std::sin(xx[l]);
    }
  }
  const V a = _mm256_set_pd(r1[3], r1[2], r1[1], r1[0]),
          b = _mm256_set_pd(r2[3], r2[2], r2[1], r2[0]);
  const V pos = gt(z, 0.0), neg = gt(0.0, z);
  const V q2 = a * a;
  const V C = sel(pos, 0.5 * (1.0 + q2), sel(neg, a, 1.0));
  const V S = sel(pos, sel(gt(x, 0.25), 1.0 - q2, b) / (2.0 * x), sel(neg, b / x, 1.0));
  store(tab, C);
  store(tab + 4, S);
  store(tab + 8, sel(pos, a, 1.0));
  if (NeedD) {
    const V dcs = (C - S) / (2.0 * z), ser = d_series(z);
    const V Dp = sel(gt(z, 0.1), dcs, ser * a), Dn = sel(gt(-0.1, z), dcs, ser);
    store(tab + 12, sel(pos, Dp, sel(neg, Dn, 1.0 / 6.0)));
  }
}

/// Growth log-derivative of (n1..n4) (secular.hpp norm_logd, N = 1).
inline V norm_logd(const D& a, const D& b, const D& c, const D& d) {
  V ss = 0.0;
  ss = ss + a.v * a.v;
  ss = ss + b.v * b.v;
  ss = ss + c.v * c.v;
  ss = ss + d.v * d.v;
  V sd = 0.0;
  sd = sd + a.v * a.d;
  sd = sd + b.v * b.d;
  sd = sd + c.v * c.d;
  sd = sd + d.v * d.d;
  return sel(gt(ss, 0.0), sd / ss, 0.0);
}
inline V norm_logd(V, V, V, V) { return 0.0; }
inline V norm_logd(const D2&, const D2&, const D2&, const D2&) { return 0.0; }  // (not used)

/// secular() of secular.hpp, Rayleigh waves, solid models (top = 0), per lane. Returns e0; N
/// (gnorm) and the growth log-derivative (Dual only) per lane.
template <class T>
T secular_rayleigh(const LanesX4Data& m, unsigned active, const T& s, const T& c, const T& omega,
                   V& gnorm, V& growth) {
  V lg_a = 0.0;
  const T inv_c2 = inv_sq(c);
  const T k2 = (omega * omega) * inv_c2;  // wavenumber^2 (1/km^2)
  const T inv_w2 = inv_sq(omega);
  T e0, e1, e2, e3, e4;
  {
    const T r2n = 1.0 - (c * c) * load(m.a2inv_n);
    const T rn = sqrt_pos(r2n);
    const T k = omega * c * inv_c2;
    const T ra = k * rn, rb = k * s;
    const V rho = load(m.rho_n);
    const T gammk = (2.0 * load(m.b2_n)) * inv_w2;
    const T gam = gammk * k2;
    const T gamm1 = gam - 1.0;
    const T rarb = ra * rb;
    e0 = (rho * rho) * (gamm1 * gamm1 - gam * gammk * rarb);
    e1 = (-rho) * ra;
    e2 = rho * (gamm1 - gammk * rarb);
    e3 = rho * rb;
    e4 = k2 - rarb;
  }
  // Lane l takes part in step k while k < n[l]; its top layer is step n[l] - 1.
  std::size_t k_run = 0;
  for (; k_run < m.k_max; ++k_run) {
    bool any = false;
    for (int l = 0; l < 4; ++l)
      any |= (active >> l & 1u) && k_run < static_cast<std::size_t>(m.n[l]);
    if (!any) break;
  }
  // Layer functions first (table of 32 per step: C S q D of P, then of S waves), then the
  // recursion, which recomputes the (identical) arguments for their derivatives.
  constexpr bool kNeedD = !std::is_same<T, V>::value;
  for (std::size_t k = 0; k < k_run; ++k) {
    unsigned on = 0;
    for (int l = 0; l < 4; ++l)
      if ((active >> l & 1u) && k < static_cast<std::size_t>(m.n[l])) on |= 1u << l;
    const V d = load(m.h + 4 * k);
    const T ra2 = (omega * omega) * (inv_c2 - load(m.a2inv + 4 * k));
    const T rb2 = (omega * omega) * (inv_c2 - load(m.b2inv + 4 * k));
    layer_table<kNeedD>(value((d * d) * ra2), on, m.work + 32 * k);
    layer_table<kNeedD>(value((d * d) * rb2), on, m.work + 32 * k + 16);
  }
  for (std::size_t k = 0; k < k_run; ++k) {
    unsigned on = 0, last = 0;
    for (int l = 0; l < 4; ++l) {
      if (!(active >> l & 1u) || k >= static_cast<std::size_t>(m.n[l])) continue;
      on |= 1u << l;
      if (k + 1 == static_cast<std::size_t>(m.n[l])) last |= 1u << l;
    }
    const V d = load(m.h + 4 * k), rho = load(m.rho + 4 * k);
    const T ra2 = (omega * omega) * (inv_c2 - load(m.a2inv + 4 * k));
    const T rb2 = (omega * omega) * (inv_c2 - load(m.b2inv + 4 * k));
    T cosp, Sa, cosq, Sb;
    V qa, qb;
    const T za = (d * d) * ra2, zb = (d * d) * rb2;
    load_layer(m.work + 32 * k, za, cosp, Sa, qa);
    load_layer(m.work + 32 * k + 16, zb, cosq, Sb, qb);
    const T w = d * Sa, x = ra2 * w, y = d * Sb, z = rb2 * y;
    const V a0 = qa * qb;  // exp(-(ea + eb))
    const T cpcq = cosp * cosq, cpy = cosp * y, cpz = cosp * z, cqw = cosq * w, cqx = cosq * x;
    const T xy = x * y, xz = x * z, wy = w * y, wz = w * z;
    const T gammk = (2.0 * load(m.b2 + 4 * k)) * inv_w2;
    const T gam = gammk * k2;
    const T gamm1 = gam - 1.0;
    const T twgm1 = gam + gamm1;
    const T gmgmk = gam * gammk;
    const T gmgm1 = gam * gamm1;
    const T gm1sq = gamm1 * gamm1;
    const V irho = 1.0 / rho, rho2 = rho * rho, irho2 = irho * irho;
    const T a0pq = a0 - cpcq;
    const T t = -2.0 * k2;
    const T c00 = cpcq - 2.0 * (gmgm1 * a0pq) - gmgmk * xz - k2 * (gm1sq * wy);
    const T c01 = irho * (k2 * cpy - cqx);
    const T c02 = (-irho) * (twgm1 * a0pq + gammk * xz + k2 * (gamm1 * wy));
    const T c03 = irho * (cpz - k2 * cqw);
    const T c04 = (-irho2) * (2.0 * (k2 * a0pq) + xz + (k2 * k2) * wy);
    const T c10 = rho * (gmgmk * cpz - gm1sq * cqw);
    const T c11 = cpcq;
    const T c12 = gammk * cpz - gamm1 * cqw;
    const T c13 = 0.0 - wz;
    const T c30 = rho * (gm1sq * cpy - gmgmk * cqx);
    const T c31 = 0.0 - xy;
    const T c32 = gamm1 * cpy - gammk * cqx;
    const T c40 =
        (-rho2) * (2.0 * (gmgmk * (gm1sq * a0pq)) + (gmgmk * gmgmk) * xz + (gm1sq * gm1sq) * wy);
    const T c42 = (-rho) * (gammk * (gamm1 * (twgm1 * a0pq)) + gam * (gammk * gammk) * xz +
                            gamm1 * (gm1sq * wy));
    const T c20 = t * c42, c21 = t * c32, c22 = a0 + 2.0 * (cpcq - c00), c23 = t * c12,
            c24 = t * c02;
    const T n0 = e0 * c00 + e1 * c10 + e2 * c20 + e3 * c30 + e4 * c40;
    const T n1 = e0 * c01 + e1 * c11 + e2 * c21 + e3 * c31 + e4 * c30;
    const T n2 = e0 * c02 + e1 * c12 + e2 * c22 + e3 * c32 + e4 * c42;
    const T n3 = e0 * c03 + e1 * c13 + e2 * c23 + e3 * c11 + e4 * c10;
    const T n4 = e0 * c04 + e1 * c03 + e2 * c24 + e3 * c01 + e4 * c00;
    // Normalise where secular() does: every kNormEvery layers from the half-space (all lanes
    // at once) and after each lane's top layer. Other lanes keep the unscaled vector; lanes
    // not in `on` keep their vector.
    const unsigned norm = (k + 1) % kNormEvery == 0 ? on : last;
    const V on_m = lane_mask(on);
    if (norm == 0) {
      e0 = blend(on_m, n0, e0);
      e1 = blend(on_m, n1, e1);
      e2 = blend(on_m, n2, e2);
      e3 = blend(on_m, n3, e3);
      e4 = blend(on_m, n4, e4);
      continue;
    }
    V nrm = vabs(value(n0));
    nrm = vmax(nrm, vabs(value(n1)));
    nrm = vmax(nrm, vabs(value(n2)));
    nrm = vmax(nrm, vabs(value(n3)));
    nrm = vmax(nrm, vabs(value(n4)));
    const V f = sel(vand(gt(nrm, 0.0), isfinite_mask(nrm)), 1.0 / nrm, 1.0);
    if (std::is_same<T, D>::value && last != 0)
      lg_a = sel(lane_mask(last), norm_logd(n1, n2, n3, n4), lg_a);
    const V norm_m = lane_mask(norm);
    e0 = blend(on_m, blend(norm_m, scale_down(n0, f), n0), e0);
    e1 = blend(on_m, blend(norm_m, scale_down(n1, f), n1), e1);
    e2 = blend(on_m, blend(norm_m, scale_down(n2, f), n2), e2);
    e3 = blend(on_m, blend(norm_m, scale_down(n3, f), n3), e3);
    e4 = blend(on_m, blend(norm_m, scale_down(n4, f), n4), e4);
  }
  gnorm = vsqrt(value(e1) * value(e1) + value(e2) * value(e2) + value(e3) * value(e3) +
                value(e4) * value(e4));
  growth = lg_a + 0.0;  // lg_a + lg_b (no fluid part)
  return e0;
}

}  // namespace

void secular_x4_value(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      double omega, double* F, double* N) {
  V gn, gr;
  const V e0 = secular_rayleigh<V>(lanes, active, load(s), load(c), V(omega), gn, gr);
  alignas(32) double f[4], n[4];
  store(f, e0);
  store(n, gn);
  for (int l = 0; l < 4; ++l) {
    if (!(active >> l & 1u)) continue;
    F[l] = f[l];
    N[l] = n[l];
  }
}

void secular_x4_slope(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      const double* dc_ds, double omega, double* F, double* Fs, double* Ls,
                      double* N) {
  // CurveSolver::eval<1>: S = (s, 1), C = (c, dc/ds), W = (omega, 0).
  const D S{load(s), 1.0}, C{load(c), load(dc_ds)}, W{V(omega), 0.0};
  V gn, gr;
  const D e0 = secular_rayleigh<D>(lanes, active, S, C, W, gn, gr);
  alignas(32) double f[4], fs[4], ls[4], n[4];
  store(f, e0.v);
  store(fs, e0.d);
  store(ls, gr);
  store(n, gn);
  for (int l = 0; l < 4; ++l) {
    if (!(active >> l & 1u)) continue;
    F[l] = f[l];
    Fs[l] = fs[l];
    Ls[l] = ls[l];
    N[l] = n[l];
  }
}

void secular_x4_group(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      const double* dc_ds, double omega, double* F, double* Fs, double* Fw,
                      double* N) {
  // CurveSolver::eval<2>: S = (s, 1, 0), C = (c, dc/ds, 0), W = (omega, 0, 1).
  const D2 S{load(s), 1.0, 0.0}, C{load(c), load(dc_ds), 0.0}, W{V(omega), 0.0, 1.0};
  V gn, gr;
  const D2 e0 = secular_rayleigh<D2>(lanes, active, S, C, W, gn, gr);
  alignas(32) double f[4], fs[4], fw[4], n[4];
  store(f, e0.v);
  store(fs, e0.d0);
  store(fw, e0.d1);
  store(n, gn);
  for (int l = 0; l < 4; ++l) {
    if (!(active >> l & 1u)) continue;
    F[l] = f[l];
    Fs[l] = fs[l];
    Fw[l] = fw[l];
    N[l] = n[l];
  }
}

}  // namespace geoinvert::dispersion
#endif
