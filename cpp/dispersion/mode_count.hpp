// Mode counts of surface waves: N(c, omega) = the number of modes whose phase velocity at angular
// frequency omega is below c (c <= vs of the half-space). The root search uses them to PROVE that
// no mode was skipped (and to bracket mode n exactly when the cheap search is in doubt).
//
// Love waves (SH), exact
// ----------------------
// At fixed omega the SH problem (mu u')' + (rho omega^2 - mu k^2) u = 0, tau = mu u' = 0 at the
// free surface, u -> 0 at depth, is a Sturm-Liouville problem. The Pruefer angle theta of the
// solution that satisfies the surface condition (u = r sin theta, tau = r cos theta, z down,
// theta(0) = pi/2) obeys theta' = cos^2(theta)/mu - (mu k^2 - rho omega^2) sin^2(theta); by
// Sturm comparison theta(H) (H = top of the half-space) increases strictly with c, while the
// angle theta_d of the decaying half-space solution (1, -mu_n nu_n) decreases with c. A mode is
// theta(H) = theta_d (mod pi); for c -> 0 theta(H) - theta_d lies in (-pi, 0). Hence
//   N(c) = floor((theta(H) - theta_d) / pi) + 1
// with theta unwrapped continuously in z. Across a layer theta is propagated exactly: where the
// layer is oscillatory (c > vs_i, vertical wavenumber eta) the scaled angle psi,
// tan psi = mu eta tan theta, advances by exactly eta h and theta, psi cross the multiples of
// pi/2 together; where it is evanescent (or c = vs_i) the solution stays in one quadrant of the
// (u + tau/(mu nu), u - tau/(mu nu)) plane, so |delta theta| < pi and the wrapped difference of
// the end angles is the unwrapped one. No step size, no sampling: the count is exact up to
// rounding of the end angles (which only matters within ~1e-15 of a root).
//
// Rayleigh waves (P-SV), solid models
// -----------------------------------
// With u_x = i X, u_z = Z, sigma_xz = i T, sigma_zz = P (z down) the P-SV equations are the
// real linear Hamiltonian system y' = [[A, B], [C, -A^T]] y, y = (X, Z, T, P),
//   A = [[0, -k], [k lambda/(lambda+2mu), 0]], B = diag(1/mu, 1/(lambda+2mu)) > 0,
//   C = diag(k^2 zeta - rho omega^2, -rho omega^2), zeta = 4 mu (lambda+mu)/(lambda+2mu).
// At fixed k it is monotone in omega (only C depends on omega, dC/domega < 0) and satisfies the
// Legendre condition (B > 0). By the oscillation (Morse index) theorem for such systems (Reid;
// Woodhouse 1988, "The calculation of eigenfrequencies and eigenfunctions of the free
// oscillations of the Earth and the Sun", Seismological Algorithms, ed. Doornbos, counts
// spheroidal modes the same way from the minors of the solution) the number of modes with
// omega_n(k) < omega equals the number of focal points z in (0, H) of the Lagrangian plane
// spanned by the two decaying half-space solutions (points where the 2x2 displacement block U
// of the frame is singular, i.e. zeros of the displacement minor) plus the number of positive
// eigenvalues of the (symmetric) Riccati matrix V U^-1 at the surface (V = stress block). The
// focal points are counted as the winding of the unitary W = (U - iV)(U + iV)^-1 through -1
// (Maslov index): all crossings of -1 go the same way (Legendre), so over a step the number of
// crossings is (Delta arg det W - sum of the changes of the principal eigen-angles) / 2 pi,
// with Delta arg det W = -2 Delta arg det Z unwrapped over sub-steps short enough that arg det Z
// turns by less than pi in each; a bound on d(arg det Z)/dz (see
// rayleigh_mode_count) sets the sub-step length of each layer: a proof, not a heuristic, but it
// costs ~ sum_i k h_i sub-steps (cheap at long periods).
// Along a line of fixed omega this count jumps up by one at every mode whose group velocity
// d omega/dk is positive, which holds for every trapped mode of the models we know (assumed,
// not proven: a backward-wave branch would make the count jump down there, N would not be
// monotone in c, and the completeness check could be fooled). Fluid top layers break the
// Legendre condition and are not counted (the heuristic guards of dispersion.cpp remain).
#pragma once

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstddef>

#include "dispersion/secular.hpp"

namespace geoinvert::dispersion {

namespace count_detail {

constexpr double kPi = 3.14159265358979323846;

inline double wrap_pi(double x) {  // to (-pi, pi]
  x = std::remainder(x, 2.0 * kPi);
  return x <= -kPi ? x + 2.0 * kPi : x;
}

/// theta -> psi with tan psi = a tan theta, on the branch that fixes the multiples of pi/2.
inline double scale_angle(double theta, double a) {
  const double j = std::nearbyint(theta / kPi);
  const double r = theta - j * kPi;  // [-pi/2, pi/2]
  if (std::fabs(r) >= 0.5 * kPi) return theta;
  return j * kPi + std::atan(a * std::tan(r));
}

/// cosh(x) and sinh(x)/x of z = x^2 (no scaling; |z| must be moderate).
inline void cs(double z, double& C, double& S) {
  if (z > 0.0) {
    const double x = std::sqrt(z);
    C = std::cosh(x);
    S = std::sinh(x) / x;
  } else if (z < 0.0) {
    const double y = std::sqrt(-z);
    C = std::cos(y);
    S = std::sin(y) / y;
  } else {
    C = 1.0;
    S = 1.0;
  }
}

}  // namespace count_detail

/// Exact number of Love modes with phase velocity below c (km/s) at omega (rad/s).
/// c in (0, vs_halfspace].
inline int love_mode_count(const PreparedModel& m, double c, double omega) {
  using namespace count_detail;
  const double ic2 = 1.0 / (c * c);
  double theta = 0.5 * kPi;  // (u, tau) = (1, 0) at the free surface
  for (std::size_t i = 0; i < m.n; ++i) {
    if (m.fluid[i]) continue;
    const double h = m.h[i], mu = m.mu[i];
    const double nu2 = omega * omega * (ic2 - m.b2inv[i]);  // 1/km^2
    if (nu2 < 0.0) {
      const double eta = std::sqrt(-nu2), a = mu * eta;
      const double psi = scale_angle(theta, a) + eta * h;
      theta = scale_angle(psi, 1.0 / a);
    } else {
      const double u0 = std::sin(theta), t0 = std::cos(theta);
      const LayerFun f = layer_functions<false>(nu2 * h * h);  // scaled by exp(-nu h) > 0
      const double u1 = f.C * u0 + (h / mu) * f.S * t0;
      const double t1 = mu * nu2 * h * f.S * u0 + f.C * t0;
      theta += wrap_pi(std::atan2(u1, t1) - theta);
    }
  }
  const double nun = omega * std::sqrt(std::max(0.0, ic2 - m.b2inv[m.n]));
  const double theta_d = std::atan2(1.0, -m.mu[m.n] * nun);
  return static_cast<int>(std::floor((theta - theta_d) / kPi)) + 1;
}

/// Largest turn of arg det Z allowed per sub-step of rayleigh_mode_count: its change is
/// unwrapped from the principal values at both ends, which needs |change| < pi (with a margin).
constexpr double kStepTurn = 0.9 * count_detail::kPi;

/// Number of Rayleigh modes with phase velocity below c (km/s) at omega (rad/s), solid models
/// (returns -1 for a model with fluid layers). c in (0, vs_halfspace]. `max_substeps` caps the
/// work (returns -2 when the model would need more sub-steps than that).
///
/// Sub-step bound: with the stresses divided by a constant sc the system is y' = M y, M = J S,
/// S symmetric. For an orthonormal Lagrangian frame F (4x2), Z = U + iV is unitary and
/// d(arg det Z)/dz = -tr(F^T S F), so |d(arg det Z)/dz| <= |s_1| + |s_2| (Ky Fan; s_i the
/// eigenvalues of S of largest modulus) <= sqrt(2) |S|_F = sqrt(2) |M|_F. A sub-step dz with
/// sqrt(2) |M|_F dz <= kStepTurn turns arg det Z by less than pi (arg det W = -2 arg det Z).
inline int rayleigh_mode_count(const PreparedModel& m, double c, double omega,
                               long max_substeps = 1L << 30) {
  using namespace count_detail;
  using cplx = std::complex<double>;
  if (m.fluid_top) return -1;
  const double k = omega / c, k2 = k * k, w2 = omega * omega, ic2 = 1.0 / (c * c);
  // One stress scale for the whole column (W then needs no re-evaluation at interfaces): the
  // thickness-weighted geometric mean of each layer's optimum sc^4 = (c11^2 + (rho w^2)^2) /
  // (1/mu^2 + 1/(lambda+2mu)^2), which minimises |M|_F in that layer.
  double lsum = 0.0, hsum = 0.0;
  for (std::size_t i = 0; i <= m.n; ++i) {
    const double rho = m.rho[i], mu = m.mu[i], l2m = rho * m.vp[i] * m.vp[i];
    const double zeta = 4.0 * mu * (l2m - mu) / l2m;
    const double c11 = k2 * zeta - rho * w2, c22 = rho * w2;
    const double sc4 = (c11 * c11 + c22 * c22) / (1.0 / (mu * mu) + 1.0 / (l2m * l2m));
    const double wt = i < m.n ? m.h[i] : 1e-3;
    lsum += wt * 0.25 * std::log(sc4);
    hsum += wt;
  }
  const double sc = std::exp(lsum / hsum);
  auto substeps = [&](std::size_t i) {
    const double rho = m.rho[i], mu = m.mu[i], l2m = rho * m.vp[i] * m.vp[i];
    const double q = (l2m - 2.0 * mu) / l2m, zeta = 4.0 * mu * (l2m - mu) / l2m;
    const double c11 = k2 * zeta - rho * w2, c22 = rho * w2;
    const double fro2 = 2.0 * k2 * (1.0 + q * q) + sc * sc * (1.0 / (mu * mu) + 1.0 / (l2m * l2m)) +
                        (c11 * c11 + c22 * c22) / (sc * sc);
    const double turn = std::sqrt(2.0 * fro2) * m.h[i];
    return std::max(1L, static_cast<long>(std::ceil(turn / kStepTurn)));
  };
  long total = 0;
  for (std::size_t i = 0; i < m.n; ++i) {
    total += substeps(i);
    if (total > max_substeps) return -2;
  }
  // Decaying half-space solutions (eigenvectors of the system matrix for -nu_a, -nu_b) in
  // (X, Z, T/sc, P/sc).
  double Y[4][2];
  {
    const std::size_t n = m.n;
    const double mu = m.mu[n], rho = m.rho[n];
    const double na = omega * std::sqrt(std::max(0.0, ic2 - m.a2inv[n]));
    const double nb = omega * std::sqrt(std::max(0.0, ic2 - m.b2inv[n]));
    const double p[4] = {k, -na, -2.0 * mu * k * na / sc, (2.0 * mu * k2 - rho * w2) / sc};
    const double s[4] = {-nb, k, mu * (k2 + nb * nb) / sc, -2.0 * mu * k * nb / sc};
    for (int r = 0; r < 4; ++r) {
      Y[r][0] = p[r];
      Y[r][1] = s[r];
    }
  }
  // Principal eigen-angles of W = conj(Z) Z^-1, Z = U + i V.
  auto eig_angles = [&](double& e1, double& e2) {
    const cplx z11(Y[0][0], Y[2][0]), z12(Y[0][1], Y[2][1]);
    const cplx z21(Y[1][0], Y[3][0]), z22(Y[1][1], Y[3][1]);
    const cplx dz = z11 * z22 - z12 * z21;
    const cplx w11 = (std::conj(z11) * z22 - std::conj(z12) * z21) / dz;
    const cplx w12 = (std::conj(z12) * z11 - std::conj(z11) * z12) / dz;
    const cplx w21 = (std::conj(z21) * z22 - std::conj(z22) * z21) / dz;
    const cplx w22 = (std::conj(z22) * z11 - std::conj(z21) * z12) / dz;
    const cplx tr = w11 + w22, det = w11 * w22 - w12 * w21;
    const cplx disc = std::sqrt(tr * tr - 4.0 * det);
    e1 = std::arg(0.5 * (tr + disc));
    e2 = std::arg(0.5 * (tr - disc));
  };
  // arg det Z (arg det W = -2 arg det Z); invariant under positive column operations.
  auto det_z = [&](double& re, double& im) {
    re = Y[0][0] * Y[1][1] - Y[2][0] * Y[3][1] - Y[0][1] * Y[1][0] + Y[2][1] * Y[3][0];
    im = Y[0][0] * Y[3][1] + Y[2][0] * Y[1][1] - Y[0][1] * Y[3][0] - Y[2][1] * Y[1][0];
  };
  auto normalise = [&]() {  // Gram-Schmidt (same plane; det Z times a positive factor)
    double n0 = 0.0;
    for (int r = 0; r < 4; ++r) n0 += Y[r][0] * Y[r][0];
    n0 = 1.0 / std::sqrt(n0);
    double d = 0.0;
    for (int r = 0; r < 4; ++r) {
      Y[r][0] *= n0;
      d += Y[r][0] * Y[r][1];
    }
    double n1 = 0.0;
    for (int r = 0; r < 4; ++r) {
      Y[r][1] -= d * Y[r][0];
      n1 += Y[r][1] * Y[r][1];
    }
    n1 = 1.0 / std::sqrt(n1);
    for (int r = 0; r < 4; ++r) Y[r][1] *= n1;
  };
  normalise();
  double a1, a2;
  eig_angles(a1, a2);
  // Unwrapped change of arg det Z from the half-space to the surface: the principal value at
  // the end minus that at the start, plus 2 pi for every passage through the branch cut (the
  // negative real axis) counter-clockwise, minus 2 pi clockwise. Each sub-step turns det Z by
  // less than pi, so the direction of a step is the sign of the cross product z0 x z1, and a
  // step crosses the cut iff Im changes sign while turning the way that passes through pi
  // (no atan2 per sub-step).
  double re0, im0;
  det_z(re0, im0);
  const double arg_start = std::atan2(im0 + 0.0, re0);
  long cuts = 0;
  for (std::size_t ii = m.n; ii-- > 0;) {
    const double h = m.h[ii], mu = m.mu[ii], rho = m.rho[ii];
    const double l2m = rho * m.vp[ii] * m.vp[ii], q = (l2m - 2.0 * mu) / l2m;
    const double c11 = k2 * 4.0 * mu * (l2m - mu) / l2m - rho * w2;
    const long ns = substeps(ii);
    const double dz = h / static_cast<double>(ns);
    // Scaled system matrix M and expm(-M dz) by spectral projectors: M^2 has the eigenvalues
    // nu_a^2, nu_b^2 (each twice), nu_a^2 - nu_b^2 = omega^2 (1/vs^2 - 1/vp^2) > 0.
    const double M[4][4] = {{0.0, -k, sc / mu, 0.0},
                            {k * q, 0.0, 0.0, sc / l2m},
                            {c11 / sc, 0.0, 0.0, -k * q},
                            {0.0, -rho * w2 / sc, k, 0.0}};
    double M2[4][4];
    for (int r = 0; r < 4; ++r)
      for (int s = 0; s < 4; ++s) {
        double acc = 0.0;
        for (int t = 0; t < 4; ++t) acc += M[r][t] * M[t][s];
        M2[r][s] = acc;
      }
    const double na2 = k2 - w2 * m.a2inv[ii], nb2 = k2 - w2 * m.b2inv[ii];
    double Ca, Sa, Cb, Sb;
    cs(na2 * dz * dz, Ca, Sa);
    cs(nb2 * dz * dz, Cb, Sb);
    const double den = na2 - nb2;
    double Pm[4][4];
    {
      double PiA[4][4], PiB[4][4], G[4][4];
      for (int r = 0; r < 4; ++r)
        for (int s = 0; s < 4; ++s) {
          const double id = r == s ? 1.0 : 0.0;
          PiA[r][s] = (M2[r][s] - nb2 * id) / den;
          PiB[r][s] = (na2 * id - M2[r][s]) / den;
          G[r][s] = Sa * PiA[r][s] + Sb * PiB[r][s];
        }
      for (int r = 0; r < 4; ++r)
        for (int s = 0; s < 4; ++s) {
          double acc = 0.0;
          for (int t = 0; t < 4; ++t) acc += M[r][t] * G[t][s];
          Pm[r][s] = Ca * PiA[r][s] + Cb * PiB[r][s] - dz * acc;
        }
    }
    for (long st = 0; st < ns; ++st) {
      double Yn[4][2];
      for (int r = 0; r < 4; ++r)
        for (int col = 0; col < 2; ++col)
          Yn[r][col] = Pm[r][0] * Y[0][col] + Pm[r][1] * Y[1][col] + Pm[r][2] * Y[2][col] +
                       Pm[r][3] * Y[3][col];
      for (int r = 0; r < 4; ++r)
        for (int col = 0; col < 2; ++col) Y[r][col] = Yn[r][col];
      if ((st & 7) == 7 || st + 1 == ns) normalise();
      double re1, im1;
      det_z(re1, im1);
      const bool up0 = im0 >= 0.0, up1 = im1 >= 0.0;
      if (up0 != up1) {
        const double cross = re0 * im1 - im0 * re1;  // > 0: counter-clockwise
        if (up0 && cross > 0.0) ++cuts;              // through +pi into the lower half
        if (!up0 && cross < 0.0) --cuts;             // through -pi into the upper half
      }
      re0 = re1;
      im0 = im1;
    }
  }
  const double turn = std::atan2(im0 + 0.0, re0) - arg_start + 2.0 * kPi * static_cast<double>(cuts);
  double e1, e2;
  eig_angles(e1, e2);
  // Focal points: all crossings of W through -1 go one way (Legendre condition B > 0).
  const double crossings = std::nearbyint((-2.0 * turn - ((e1 + e2) - (a1 + a2))) / (2.0 * kPi));
  // Surface: positive eigenvalues of V U^-1 <=> eigen-angles of W in (-pi, 0).
  const int surf = (e1 < 0.0 && e1 > -kPi ? 1 : 0) + (e2 < 0.0 && e2 > -kPi ? 1 : 0);
  return static_cast<int>(-crossings) + surf;
}

}  // namespace geoinvert::dispersion
