// Secular (period) functions of surface waves in a layered elastic half-space.
//
// Methods
// -------
// * Rayleigh (P-SV): Dunkin's (1965, BSSA 55, 335-358) compound-matrix (delta-matrix) method:
//   the 5 independent 2x2 minors of the P-SV propagator are carried from the half-space up to
//   the free surface, so the growing and decaying exponentials never cancel. Matrix layout and
//   normalisation follow CPS surf96 (Herrmann & Russell, Computer Programs in Seismology,
//   subroutines dltar4/dnka/var).
//   (The fast delta-matrix of Buchen & Ben-Hador 1996 as transcribed in disba's `fast_delta`
//   was tried first and found to give a wrong root even for a homogeneous layered model.)
// * Love (SH): the Thomson (1950) - Haskell (1953) 2x2 propagator of (displacement,
//   traction/k), from the free surface down, closed by the half-space radiation condition.
//
// Formulation details specific to this implementation
// ---------------------------------------------------
// * Everything is real. The layer functions cosh(x), sinh(x)/x and x sinh(x) are written as
//   functions of x^2 = (omega h)^2 (1/c^2 - 1/v^2), which is negative when c > v (oscillatory)
//   and positive when c < v (evanescent). They are entire functions of x^2, so the secular
//   function is analytic and continuous across c = vp_i and c = vs_i (no sign flips, no
//   special cases at the layer velocities).
// * Overflow: when x^2 > 0 the layer functions are multiplied by exp(-x), and after every layer
//   the vector is divided by its largest component. Both factors are positive, so the sign and
//   the zeros of the secular function are unchanged. Derivatives (forward-mode dual numbers)
//   are scaled by the same factors, so the ratios F/F' (Newton step) and F_omega/F_c (group
//   velocity) are exact.
// * The half-space term uses s = sqrt(1 - c^2/vs_n^2) as the independent variable: c(s) =
//   vs_n sqrt(1 - s^2). F is smooth in s at s = 0 (c = vs_n), where it has a square-root branch
//   point as a function of c, so Newton steps in s converge for roots close to vs_n.
// * Fluid layers (vs = 0) at the top, Rayleigh only: the compound vector at the top of the first
//   solid layer is closed with the fluid's (potential, vertical displacement) state propagated
//   down from the free surface through every fluid layer (sigma_zz = -rho omega^2 phi continuous
//   between fluids); for a single layer this is CPS dltar4's water-layer formula
//   cos(P) e0 - rho w e1. Love waves ignore fluid layers: SH motion does not enter a fluid, the
//   free surface is then the top of the first solid layer.
// * Zero-thickness layers are removed before the recursion (an exact identity), so padding a
//   model with zero-thickness layers gives bit-identical results.
// * secular_x4_avx2.cpp repeats layer_functions() and the Rayleigh recursion of secular() on
//   4-lane vectors, operation for operation (plain, Dual<1> and Dual<2>: batched phase and group
//   velocities): change both together;
//   tests/test_dispersion.py::test_avx2_batches_bit_identical_to_scalar compares them bitwise.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

namespace geoinvert::dispersion {

// ---------------------------------------------------------------------------------------------
// Forward-mode dual numbers with N derivative components (N >= 1). T = double is the plain case.
template <int N>
struct Dual {
  double v;
  double d[N];
};

template <int N>
inline Dual<N> operator+(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r;
  r.v = a.v + b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] + b.d[i];
  return r;
}
template <int N>
inline Dual<N> operator-(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r;
  r.v = a.v - b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] - b.d[i];
  return r;
}
template <int N>
inline Dual<N> operator*(const Dual<N>& a, const Dual<N>& b) {
  Dual<N> r;
  r.v = a.v * b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a.d[i] * b.v + a.v * b.d[i];
  return r;
}
template <int N>
inline Dual<N> operator*(double a, const Dual<N>& b) {
  Dual<N> r;
  r.v = a * b.v;
  for (int i = 0; i < N; ++i) r.d[i] = a * b.d[i];
  return r;
}
template <int N>
inline Dual<N> operator*(const Dual<N>& b, double a) {
  return a * b;
}
template <int N>
inline Dual<N> operator+(const Dual<N>& a, double b) {
  Dual<N> r = a;
  r.v += b;
  return r;
}
template <int N>
inline Dual<N> operator-(double a, const Dual<N>& b) {
  Dual<N> r;
  r.v = a - b.v;
  for (int i = 0; i < N; ++i) r.d[i] = -b.d[i];
  return r;
}
template <int N>
inline Dual<N> operator+(double b, const Dual<N>& a) {
  return a + b;
}
template <int N>
inline Dual<N> operator-(const Dual<N>& a, double b) {
  Dual<N> r = a;
  r.v -= b;
  return r;
}

inline double value(double x) { return x; }
template <int N>
inline double value(const Dual<N>& x) {
  return x.v;
}
/// Log-derivative of the 2-norm of a vector x[0..n) (duals of the unscaled components times a
/// common scale): g = (sum x x') / (sum x^2), that of the unscaled norm (see secular()).
inline void norm_logd(const double* const*, int, double*) {}
template <int N>
inline void norm_logd(const Dual<N>* const* x, int n, double* g) {
  double ss = 0.0;
  for (int k = 0; k < n; ++k) ss += x[k]->v * x[k]->v;
  for (int i = 0; i < N; ++i) {
    double sd = 0.0;
    for (int k = 0; k < n; ++k) sd += x[k]->v * x[k]->d[i];
    g[i] = ss > 0.0 ? sd / ss : 0.0;
  }
}
inline double scale_down(double x, double f) { return x * f; }
template <int N>
inline Dual<N> scale_down(const Dual<N>& x, double f) {
  return f * x;
}

// ---------------------------------------------------------------------------------------------
/// Layer functions of z = x^2: C = cosh(x), S = sinh(x)/x, both multiplied by exp(-x) when
/// z > 0 (the returned `e` is that x, or 0). With duals, dC/dz = S/2 and dS/dz = (C - S)/(2z)
/// (a series near z = 0, where the difference cancels).
inline double layer_d_series(double z) {
  // (C - S)/(2z) = sum_{n>=1} n z^(n-1) / (2n+1)!
  return 1.0 / 6.0 +
         z * (1.0 / 60.0 +
              z * (1.0 / 1680.0 +
                   z * (1.0 / 90720.0 + z * (1.0 / 7983360.0 + z * (1.0 / 1037836800.0)))));
}

struct LayerFun {
  double C, S, D, e;  // D only when derivatives are needed
  double q;           ///< exp(-e): the scale factor applied (1 when z <= 0)
};

template <bool NeedD>
inline LayerFun layer_functions(double z) {
  LayerFun f;
  if (z > 0.0) {
    // One exp: q = exp(-x), exp(-2x) = q^2. 1 - q^2 loses no more than a few ulp for x > 0.25
    // (q^2 < 0.61); below, expm1 keeps sinh(x)/x exact.
    const double x = std::sqrt(z);
    const double q = std::exp(-x);
    const double q2 = q * q;
    f.C = 0.5 * (1.0 + q2);
    f.S = (x > 0.25 ? 1.0 - q2 : -std::expm1(-2.0 * x)) / (2.0 * x);
    f.e = x;
    f.q = q;
    if (NeedD) f.D = z > 0.1 ? (f.C - f.S) / (2.0 * z) : layer_d_series(z) * q;
  } else if (z < 0.0) {
    const double y = std::sqrt(-z);
    f.C = std::cos(y);
    f.S = std::sin(y) / y;
    f.e = 0.0;
    f.q = 1.0;
    if (NeedD) f.D = z < -0.1 ? (f.C - f.S) / (2.0 * z) : layer_d_series(z);
  } else {
    f.C = 1.0;
    f.S = 1.0;
    f.D = 1.0 / 6.0;
    f.e = 0.0;
    f.q = 1.0;
  }
  return f;
}

/// Apply the layer functions to a (possibly dual) argument z; e = the exponent x of the
/// scaling, q = exp(-x).
inline void apply_layer(double z, double& C, double& S, double& e, double& q) {
  const LayerFun f = layer_functions<false>(z);
  C = f.C;
  S = f.S;
  e = f.e;
  q = f.q;
}
template <int N>
inline void apply_layer(const Dual<N>& z, Dual<N>& C, Dual<N>& S, double& e, double& q) {
  const LayerFun f = layer_functions<true>(z.v);
  C.v = f.C;
  S.v = f.S;
  for (int i = 0; i < N; ++i) {
    C.d[i] = 0.5 * f.S * z.d[i];
    S.d[i] = f.D * z.d[i];
  }
  e = f.e;
  q = f.q;
}

// ---------------------------------------------------------------------------------------------
/// One prepared model: zero-thickness layers removed, optionally earth-flattened.
/// Layers 0..n-1 are above the half-space; index n is the half-space.
struct PreparedModel {
  std::vector<double> h, rho, a2inv, b2inv, b2, mu, vp, vs;
  std::vector<char> fluid;
  std::size_t n = 0;      ///< layers above the half-space
  bool fluid_top = false;
  double beta_n = 0.0;    ///< half-space shear velocity (km/s): upper bound of the search
  double c_lo = 0.0;      ///< lower bound of the search, below every mode (km/s)
};

enum class Wave { rayleigh, love };

/// The secular function at phase velocity c (= c(s)) and angular frequency omega.
/// `s` is sqrt(1 - c^2/vs_n^2) of the half-space. Values carry positive normalisation factors.
/// Derivatives: dual components are those of the UNSCALED function times the (positive)
/// scale factors, so F/F' is the Newton step of the unscaled F, which grows exponentially with
/// the evanescent layers and is strongly curved. With dual numbers and `growth` non-null,
/// growth[i] receives the derivative (component i) of L = log |V|, |V| the 2-norm of the
/// unscaled vector after the last layer (Rayleigh: components e1..e4, not e0 = F itself; Love:
/// (v, tau); times the fluid part's (phi, u) norm if any). G = F_unscaled / |V| is a smooth,
/// scale-free function with the same roots whose derivative is F' - F L' (both known up to the
/// same positive factor); it is nearly linear in c between roots, and Newton steps on it,
/// -G / G', converge in far fewer iterations than on the unscaled F (same roots). `gnorm`
/// (plain or dual) receives that factor N for the returned value: G = F / N, G' = (F' - F L')/N.
/// Rayleigh recursion: normalise the compound vector every this many layers (and at the top).
constexpr std::size_t kNormEvery = 4;

template <class T>
T secular(const PreparedModel& m, Wave wave, const T& s, const T& c, const T& omega,
          double* growth = nullptr, double* gnorm = nullptr) {
  constexpr int ND = std::is_same<T, double>::value ? 1 : int(sizeof(T) / sizeof(double)) - 1;
  double lg_a[ND] = {}, lg_b[ND] = {};  // log-derivatives of the last normalisations
  auto set_growth = [&]() {
    if (growth)
      for (int i = 0; i < ND; ++i) growth[i] = lg_a[i] + lg_b[i];
  };
  const T inv_c2 = [&] {
    if constexpr (std::is_same<T, double>::value) {
      return 1.0 / (c * c);
    } else {
      T r;
      r.v = 1.0 / (c.v * c.v);
      const double dr = -2.0 * r.v / c.v;
      for (std::size_t i = 0; i < sizeof(r.d) / sizeof(double); ++i) r.d[i] = dr * c.d[i];
      return r;
    }
  }();
  const std::size_t n = m.n;
  if (wave == Wave::love) {
    T v = 0.0 * omega + 1.0, tau = 0.0 * omega;  // (displacement, traction/k) at the free surface
    for (std::size_t i = 0; i < n; ++i) {
      if (m.fluid[i]) continue;
      const double h = m.h[i], mu = m.mu[i];
      const T wh = h * omega;
      const T z = (wh * wh) * (inv_c2 - m.b2inv[i]);
      T C, S;
      double e, q;
      apply_layer(z, C, S, e, q);
      const T kh = wh * c * inv_c2;                 // k h = omega h / c
      const T s2 = 1.0 - (c * c) * m.b2inv[i];      // 1 - c^2/vs^2
      const T v1 = C * v + ((1.0 / mu) * (kh * S)) * tau;
      const T t1 = (mu * (s2 * (kh * S))) * v + C * tau;
      const double nrm = std::max(std::fabs(value(v1)), std::fabs(value(t1)));
      const double f = nrm > 0.0 ? 1.0 / nrm : 1.0;
      if (growth) {
        const T* x[2] = {&v1, &t1};
        norm_logd(x, 2, lg_a);
      }
      v = scale_down(v1, f);
      tau = scale_down(t1, f);
    }
    set_growth();
    if (gnorm) *gnorm = std::sqrt(value(v) * value(v) + value(tau) * value(tau));
    return tau + (m.mu[n] * s) * v;
  }
  // Rayleigh: Dunkin compound matrix, from the half-space upward (CPS dltar4 ordering).
  const T k2 = (omega * omega) * inv_c2;  // wavenumber^2 (1/km^2)
  const T inv_w2 = [&] {
    if constexpr (std::is_same<T, double>::value) {
      return 1.0 / (omega * omega);
    } else {
      T r;
      r.v = 1.0 / (omega.v * omega.v);
      const double dr = -2.0 * r.v / omega.v;
      for (std::size_t i = 0; i < sizeof(r.d) / sizeof(double); ++i) r.d[i] = dr * omega.d[i];
      return r;
    }
  }();
  T e0, e1, e2, e3, e4;
  {
    const T r2n = 1.0 - (c * c) * m.a2inv[n];
    T rn;
    if constexpr (std::is_same<T, double>::value) {
      rn = std::sqrt(std::max(r2n, 0.0));
    } else {
      rn.v = std::sqrt(std::max(r2n.v, 0.0));
      const double f = rn.v > 0.0 ? 0.5 / rn.v : 0.0;
      for (std::size_t k = 0; k < sizeof(rn.d) / sizeof(double); ++k) rn.d[k] = f * r2n.d[k];
    }
    const T k = omega * c * inv_c2;
    const T ra = k * rn, rb = k * s;
    const double rho = m.rho[n];
    const T gammk = (2.0 * m.b2[n]) * inv_w2;
    const T gam = gammk * k2;
    const T gamm1 = gam - 1.0;
    const T rarb = ra * rb;
    e0 = (rho * rho) * (gamm1 * gamm1 - gam * gammk * rarb);
    e1 = (-rho) * ra;
    e2 = rho * (gamm1 - gammk * rarb);
    e3 = rho * rb;
    e4 = k2 - rarb;
  }
  std::size_t top = 0;  // first solid layer
  while (top < n && m.fluid[top]) ++top;
  for (std::size_t ii = n; ii-- > top;) {
    const double d = m.h[ii], rho = m.rho[ii];
    const T ra2 = (omega * omega) * (inv_c2 - m.a2inv[ii]);
    const T rb2 = (omega * omega) * (inv_c2 - m.b2inv[ii]);
    T cosp, Sa, cosq, Sb;
    double ea, eb, qa, qb;
    const T za = (d * d) * ra2, zb = (d * d) * rb2;
    apply_layer(za, cosp, Sa, ea, qa);
    apply_layer(zb, cosq, Sb, eb, qb);
    const T w = d * Sa, x = ra2 * w, y = d * Sb, z = rb2 * y;
    const double a0 = qa * qb;  // exp(-(ea + eb))
    const T cpcq = cosp * cosq, cpy = cosp * y, cpz = cosp * z, cqw = cosq * w, cqx = cosq * x;
    const T xy = x * y, xz = x * z, wy = w * y, wz = w * z;
    const T gammk = (2.0 * m.b2[ii]) * inv_w2;
    const T gam = gammk * k2;
    const T gamm1 = gam - 1.0;
    const T twgm1 = gam + gamm1;
    const T gmgmk = gam * gammk;
    const T gmgm1 = gam * gamm1;
    const T gm1sq = gamm1 * gamm1;
    const double irho = 1.0 / rho, rho2 = rho * rho, irho2 = irho * irho;
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
    // ee[i] = sum_j e[j] ca[j][i]; ca[1][4] = c03, ca[3][3] = c11, ca[3][4] = c01,
    // ca[4][1] = c30, ca[4][3] = c10, ca[4][4] = c00.
    const T n0 = e0 * c00 + e1 * c10 + e2 * c20 + e3 * c30 + e4 * c40;
    const T n1 = e0 * c01 + e1 * c11 + e2 * c21 + e3 * c31 + e4 * c30;
    const T n2 = e0 * c02 + e1 * c12 + e2 * c22 + e3 * c32 + e4 * c42;
    const T n3 = e0 * c03 + e1 * c13 + e2 * c23 + e3 * c11 + e4 * c10;
    const T n4 = e0 * c04 + e1 * c03 + e2 * c24 + e3 * c01 + e4 * c00;
    // Normalise every kNormEvery layers and after the last one: the scale factor (a division)
    // lies on the recursion's dependency chain. Between normalisations the entries grow by at
    // most ~(omega h)^2 k^2 rho^2 per layer (the exp(-x) factors are already taken out), far
    // from overflow over a few layers.
    if (ii != top && (n - ii) % kNormEvery != 0) {
      e0 = n0;
      e1 = n1;
      e2 = n2;
      e3 = n3;
      e4 = n4;
      continue;
    }
    double nrm = std::max({std::fabs(value(n0)), std::fabs(value(n1)), std::fabs(value(n2)),
                           std::fabs(value(n3)), std::fabs(value(n4))});
    const double f = (nrm > 0.0 && std::isfinite(nrm)) ? 1.0 / nrm : 1.0;
    if (growth && ii == top) {
      // (not e0, the secular function itself: G = e0 / |e0| would be a constant; only the
      // vector after the last layer counts, its scale factors being constants)
      const T* x[4] = {&n1, &n2, &n3, &n4};
      norm_logd(x, 4, lg_a);
    }
    e0 = scale_down(n0, f);
    e1 = scale_down(n1, f);
    e2 = scale_down(n2, f);
    e3 = scale_down(n3, f);
    e4 = scale_down(n4, f);
  }
  const double norm_a = std::sqrt(value(e1) * value(e1) + value(e2) * value(e2) +
                                  value(e3) * value(e3) + value(e4) * value(e4));
  if (top == 0) {
    set_growth();
    if (gnorm) *gnorm = norm_a;
    return e0;
  }
  // Fluid layers on top: propagate (phi, u_z) of the fluid from the free surface (0, 1) down to
  // the fluid-solid interface; sigma_zz = -rho omega^2 phi is continuous between fluids.
  T phi = 0.0 * omega, u = phi + 1.0;
  for (std::size_t i = 0; i < top; ++i) {
    const double d = m.h[i];
    const T ra2 = (omega * omega) * (inv_c2 - m.a2inv[i]);
    T C, S;
    double ea, qa;
    const T za = (d * d) * ra2;
    apply_layer(za, C, S, ea, qa);
    const T w = d * S, x = ra2 * w;
    T phi1 = C * phi + w * u;
    const T u1 = x * phi + C * u;
    if (i + 1 < top) phi1 = scale_down(phi1, m.rho[i] / m.rho[i + 1]);
    const double nrm = std::max(std::fabs(value(phi1)), std::fabs(value(u1)));
    const double f = nrm > 0.0 ? 1.0 / nrm : 1.0;
    if (growth) {
      const T* x[2] = {&phi1, &u1};
      norm_logd(x, 2, lg_b);
    }
    phi = scale_down(phi1, f);
    u = scale_down(u1, f);
  }
  set_growth();
  if (gnorm) *gnorm = norm_a * std::sqrt(value(phi) * value(phi) + value(u) * value(u));
  return u * e0 - (m.rho[top - 1] * phi) * e1;
}

}  // namespace geoinvert::dispersion
