// Receiver-function kernel: see receiver_function.hpp for the physics and the references.
#include "rf/receiver_function.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "common/errors.hpp"
#include "common/parallel.hpp"
#include "rf/fft.hpp"

namespace geoinvert::rf {

namespace {

using C = std::complex<double>;
using Mat4 = Eigen::Matrix<C, 4, 4>;
constexpr double kPi = 3.14159265358979323846;
constexpr std::size_t kLanes = 4;        // frequencies processed together (SIMD / ILP)
constexpr double kRescale = 1e100;       // rescale a vector when it grows past this

/// Vertical slowness sqrt(1/v^2 - p^2) with the branch that makes the down-going wave
/// exp(-i omega q z) decay for omega > 0 (q = -i |q| when evanescent).
C vertical_slowness(double v, double p) {
  const double x = 1.0 / (v * v) - p * p;
  return x >= 0 ? C(std::sqrt(x), 0.0) : C(0.0, -std::sqrt(-x));
}

/// Eigenvector matrix of one layer: columns down-P, down-S, up-P, up-S (unit displacement),
/// rows u_x, u_z, t_x, t_z with t = traction / (i omega) (Aki & Richards 2002, eq. 5.64-5.65
/// rewritten for z down and exp(i omega (t - p x))).
Mat4 eigenvectors(double a, double b, double rho, double p, C qa, C qb) {
  Mat4 e;
  const double mu = rho * b * b;
  const double g = 1.0 - 2.0 * b * b * p * p;
  for (int col = 0; col < 4; ++col) {
    const double s = col < 2 ? 1.0 : -1.0;  // +1 down-going, -1 up-going
    if (col % 2 == 0) {                      // P
      e(0, col) = a * p;
      e(1, col) = a * s * qa;
      e(2, col) = -2.0 * mu * a * p * s * qa;
      e(3, col) = -a * rho * g;
    } else {  // SV
      e(0, col) = b * s * qb;
      e(1, col) = -b * p;
      e(2, col) = -rho * b * g;
      e(3, col) = 2.0 * mu * b * p * s * qb;
    }
  }
  return e;
}

/// Per-(model, slowness) layer data laid out in a double buffer.
struct Layout {
  std::size_t n;         // layers including the half-space
  bool propagating;      // all vertical slownesses real: real interface matrices
  double* t;             // n * 16 * 2 (complex) interface matrices T_j = E_j^{-1} E_{j-1}
  double* einv0;         // 16 * 2: E_0^{-1}
  double* e0;            // 16 * 2: E_0 (free-surface reflection of the Kennett path)
  double* q;             // n * 4: Re/Im of q_alpha h, q_beta h; then n * 8 scratch (P, Q blocks)
  double* phase;         // per layer and wave: kLanes re, then kLanes im of exp(-i w q h)
  double* step;          // n * 4 * 2: step phasors for kLanes * domega
};

Layout make_layout(std::vector<double>& buf, std::size_t n) {
  const std::size_t need = n * 32 + 64 + n * 12 + n * 4 * kLanes * 2 + n * 8;
  if (buf.size() < need) buf.resize(need);
  Layout L{};
  L.n = n;
  double* p = buf.data();
  L.t = p;
  p += n * 32;
  L.einv0 = p;
  p += 32;
  L.e0 = p;
  p += 32;
  L.q = p;
  p += n * 12;  // q h (n * 4), then the interface blocks P, Q of the fast path (n * 8)
  L.phase = p;
  p += n * 4 * kLanes * 2;
  L.step = p;
  return L;
}

/// Build eigenvector matrices and interface matrices. Returns false when a layer is exactly
/// at grazing incidence (q = 0: the eigenvector matrix is singular).
bool setup(const double* h, const double* vp, const double* vs, const double* rho,
           std::size_t n, double p, Layout& L) {
  L.propagating = true;
  Mat4 e_prev, einv;
  for (std::size_t j = 0; j < n; ++j) {
    const C qa = vertical_slowness(vp[j], p);
    const C qb = vertical_slowness(vs[j], p);
    if (std::abs(qa) < 1e-12 || std::abs(qb) < 1e-12) return false;
    if (qa.imag() != 0.0 || qb.imag() != 0.0) L.propagating = false;
    const double hj = j + 1 < n ? h[j] : 0.0;
    L.q[4 * j + 0] = qa.real() * hj;
    L.q[4 * j + 1] = qa.imag() * hj;
    L.q[4 * j + 2] = qb.real() * hj;
    L.q[4 * j + 3] = qb.imag() * hj;
    const Mat4 e = eigenvectors(vp[j], vs[j], rho[j], p, qa, qb);
    einv = e.inverse();
    if (!einv.allFinite()) return false;
    if (j == 0) {
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) {
          L.einv0[2 * (4 * r + c)] = einv(r, c).real();
          L.einv0[2 * (4 * r + c) + 1] = einv(r, c).imag();
          L.e0[2 * (4 * r + c)] = e(r, c).real();
          L.e0[2 * (4 * r + c) + 1] = e(r, c).imag();
        }
    } else {
      const Mat4 t = einv * e_prev;
      double* tj = L.t + 32 * j;
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) {
          tj[2 * (4 * r + c)] = t(r, c).real();
          tj[2 * (4 * r + c) + 1] = t(r, c).imag();
        }
    }
    e_prev = e;
  }
  return true;
}

/// exp(i * sign * w * (qr + i qi) h) as (re, im).
inline C phasor(double w, double qr, double qi, double sign) {
  // i*sign*w*(qr + i qi) = -sign*w*qi + i sign*w*qr
  return std::exp(C(-sign * w * qi, sign * w * qr));
}

/// Initialise the per-layer down-going phases exp(-i omega_l q h) for the lanes l < kLanes of
/// the first frequency block, and the step phasors exp(-i kLanes domega q h). The recurrence
/// over ~n_freq / kLanes blocks accumulates a relative phase error of ~1e-14.
void init_phases(Layout& L, double domega) {
  for (std::size_t j = 0; j < L.n; ++j) {
    const double* q = L.q + 4 * j;
    for (int wave = 0; wave < 2; ++wave) {
      double* ph = L.phase + (j * 2 + wave) * 2 * kLanes;  // re[kLanes], then im[kLanes]
      for (std::size_t l = 0; l < kLanes; ++l) {
        const C z = phasor(domega * static_cast<double>(l), q[2 * wave], q[2 * wave + 1], -1.0);
        ph[l] = z.real();
        ph[kLanes + l] = z.imag();
      }
      const C st = phasor(domega * static_cast<double>(kLanes), q[2 * wave], q[2 * wave + 1], -1.0);
      L.step[(j * 4 + wave * 2) * 2] = st.real();
      L.step[(j * 4 + wave * 2) * 2 + 1] = st.imag();
    }
  }
}

/// Which row of E_{N-1}^{-1} (the half-space's wave amplitudes) a functional picks.
enum class HalfSpaceRow { kUpP = 2, kUpS = 3 };

/// Propagate one half-space amplitude functional (the up-going-SV row, or the up-going-P row)
/// from the half-space to the surface for all frequencies, for models whose waves all
/// propagate; writes the functional applied to the u_x (m0) and u_z (m1) columns at the
/// surface. All layer phases have unit modulus here, so the recursion neither grows nor loses
/// precision in either direction.
///
/// Symmetry used: with M = diag(1,-1,-1,1) and N = diag(1,-1), the up-going eigenvectors are
/// U = M D N (D the down-going ones), so every interface matrix has the form
/// T = [[A, B N], [N B, N A N]] (A, B real 2x2). Writing the row as (x, y) and
/// u = x + y N, v = x - y N, an interface becomes u <- u (A + B), v <- v (A - B), and a layer
/// phase e = exp(-i omega q h) becomes u <- u Re(e) + i v Im(e), v <- v Re(e) + i u Im(e):
/// ~60 flops per layer and frequency instead of ~100 for the plain 4x4 form. Frequencies are
/// processed kLanes at a time so the compiler can vectorise across them; each layer's phases
/// advance by a complex recurrence over frequency blocks.
void propagate_row(Layout& L, std::size_t n_freq, double domega, C* m0, C* m1,
                   HalfSpaceRow row) {
  const std::size_t n = L.n;
  init_phases(L, domega);
  // Real 2x2 blocks P = A + B, Q = A - B of every interface (row-major), from T_dd, T_du.
  double* pq = L.q + 4 * n;  // scratch after q: n * 8 doubles (reserved in make_layout)
  for (std::size_t j = 1; j < n; ++j) {
    const double* t = L.t + 32 * j;
    for (int r = 0; r < 2; ++r)
      for (int c = 0; c < 2; ++c) {
        const double a = t[2 * (4 * r + c)];
        const double b = t[2 * (4 * r + 2 + c)] * (c == 0 ? 1.0 : -1.0);  // (T_du N)_rc
        pq[8 * j + 2 * r + c] = a + b;
        pq[8 * j + 4 + 2 * r + c] = a - b;
      }
  }
  // Surface read-out: s E_0^{-1}[:, c] = u . fu_c + v . fv_c with fu = (X + N Y)/2,
  // fv = (X - N Y)/2, X = rows 0-1 and Y = rows 2-3 of column c.
  double fu[2][2], fv[2][2];
  for (int c = 0; c < 2; ++c)
    for (int m = 0; m < 2; ++m) {
      const double x = L.einv0[2 * (4 * m + c)];
      const double y = L.einv0[2 * (4 * (m + 2) + c)] * (m == 0 ? 1.0 : -1.0);
      fu[c][m] = 0.5 * (x + y);
      fv[c][m] = 0.5 * (x - y);
    }
  for (std::size_t k0 = 0; k0 < n_freq; k0 += kLanes) {
    // Row e_3 = (x, y) = ((0, 0), (0, 1)): u = y N = (0, -1), v = -y N = (0, 1);
    // row e_2 = ((0, 0), (1, 0)): u = (1, 0), v = (-1, 0).
    const bool up_s = row == HalfSpaceRow::kUpS;
    double ur[2][kLanes], ui[2][kLanes], vr[2][kLanes], vi[2][kLanes];
    for (std::size_t l = 0; l < kLanes; ++l) {
      ur[0][l] = up_s ? 0.0 : 1.0;
      ur[1][l] = up_s ? -1.0 : 0.0;
      vr[0][l] = up_s ? 0.0 : -1.0;
      vr[1][l] = up_s ? 1.0 : 0.0;
      ui[0][l] = ui[1][l] = vi[0][l] = vi[1][l] = 0.0;
    }
    for (std::size_t j = n; j-- > 0;) {
      if (j + 1 < n) {
        for (int wave = 0; wave < 2; ++wave) {
          double* pr = L.phase + (j * 2 + wave) * 2 * kLanes;
          double* pi = pr + kLanes;
          const double str = L.step[(j * 4 + wave * 2) * 2];
          const double sti = L.step[(j * 4 + wave * 2) * 2 + 1];
          double* a_r = ur[wave];
          double* a_i = ui[wave];
          double* b_r = vr[wave];
          double* b_i = vi[wave];
          for (std::size_t l = 0; l < kLanes; ++l) {
            const double er = pr[l], ei = pi[l];
            const double xr = a_r[l], xi = a_i[l], yr = b_r[l], yi = b_i[l];
            a_r[l] = xr * er - yi * ei;
            a_i[l] = xi * er + yr * ei;
            b_r[l] = yr * er - xi * ei;
            b_i[l] = yi * er + xr * ei;
            pr[l] = er * str - ei * sti;  // advance to the next block
            pi[l] = er * sti + ei * str;
          }
        }
      }
      if (j > 0) {
        const double* P = pq + 8 * j;
        const double* Q = P + 4;
        for (std::size_t l = 0; l < kLanes; ++l) {
          const double u0r = ur[0][l], u0i = ui[0][l], u1r = ur[1][l], u1i = ui[1][l];
          ur[0][l] = u0r * P[0] + u1r * P[2];
          ui[0][l] = u0i * P[0] + u1i * P[2];
          ur[1][l] = u0r * P[1] + u1r * P[3];
          ui[1][l] = u0i * P[1] + u1i * P[3];
          const double v0r = vr[0][l], v0i = vi[0][l], v1r = vr[1][l], v1i = vi[1][l];
          vr[0][l] = v0r * Q[0] + v1r * Q[2];
          vi[0][l] = v0i * Q[0] + v1i * Q[2];
          vr[1][l] = v0r * Q[1] + v1r * Q[3];
          vi[1][l] = v0i * Q[1] + v1i * Q[3];
        }
      }
    }
    for (std::size_t l = 0; l < kLanes && k0 + l < n_freq; ++l) {
      double out[2][2];
      for (int c = 0; c < 2; ++c) {
        out[c][0] = ur[0][l] * fu[c][0] + ur[1][l] * fu[c][1] + vr[0][l] * fv[c][0] +
                    vr[1][l] * fv[c][1];
        out[c][1] = ui[0][l] * fu[c][0] + ui[1][l] * fu[c][1] + vi[0][l] * fv[c][0] +
                    vi[1][l] * fv[c][1];
      }
      m0[k0 + l] = C(out[0][0], out[0][1]);
      m1[k0 + l] = C(out[1][0], out[1][1]);
    }
  }
}

/// Kennett's invariant-embedding recursion from the free surface down (Kennett 1983, ch. 6),
/// used when some layer has an evanescent wave: only decaying exponentials appear, so it is
/// unconditionally stable. R (2x2) maps up-going to down-going amplitudes at the top of a
/// layer (everything above included), W (2x2) maps them to surface displacement; across an
/// interface F = E_{j+1}^{-1} E_j [R; I], R' = F_d F_u^{-1}, W' = W F_u^{-1}. Writes u_x and
/// u_z (z down) for a unit up-going P in the half-space.
void kennett(const Layout& L, double domega, std::size_t n_freq, C* ux, C* uz, C* cur) {
  const std::size_t n = L.n;
  auto at = [](const double* m, int r, int c) { return C(m[2 * (4 * r + c)], m[2 * (4 * r + c) + 1]); };
  // Free surface: tractions of E_0 [R; I] vanish -> R0 = -(E0_td)^{-1} E0_tu.
  C a = at(L.e0, 2, 0), b = at(L.e0, 2, 1), c = at(L.e0, 3, 0), d = at(L.e0, 3, 1);
  C det = a * d - b * c;
  C ia = d / det, ib = -b / det, ic = -c / det, id = a / det;
  C r0[2][2], w0[2][2];
  for (int col = 0; col < 2; ++col) {
    const C x = at(L.e0, 2, 2 + col), y = at(L.e0, 3, 2 + col);
    r0[0][col] = -(ia * x + ib * y);
    r0[1][col] = -(ic * x + id * y);
  }
  for (int row = 0; row < 2; ++row)
    for (int col = 0; col < 2; ++col)
      w0[row][col] = at(L.e0, row, 0) * r0[0][col] + at(L.e0, row, 1) * r0[1][col] +
                     at(L.e0, row, 2 + col);
  // cur[2j + wave] holds exp(-i omega q h) of layer j at the current frequency.
  for (std::size_t k = 0; k < n_freq; ++k) {
    const double w = domega * static_cast<double>(k);
    C R[2][2] = {{r0[0][0], r0[0][1]}, {r0[1][0], r0[1][1]}};
    C W[2][2] = {{w0[0][0], w0[0][1]}, {w0[1][0], w0[1][1]}};
    for (std::size_t j = 0; j + 1 < n; ++j) {
      const double* q = L.q + 4 * j;
      C e[2];
      for (int wave = 0; wave < 2; ++wave) {
        C& z = cur[2 * j + wave];
        if (k % 32 == 0) {
          z = phasor(w, q[2 * wave], q[2 * wave + 1], -1.0);
        } else {
          z *= phasor(domega, q[2 * wave], q[2 * wave + 1], -1.0);
        }
        e[wave] = z;
      }
      for (int r = 0; r < 2; ++r)
        for (int cc = 0; cc < 2; ++cc) {
          R[r][cc] *= e[r] * e[cc];
          W[r][cc] *= e[cc];
        }
      const double* t = L.t + 32 * (j + 1);
      C fd[2][2], fu[2][2];
      for (int r = 0; r < 2; ++r)
        for (int cc = 0; cc < 2; ++cc) {
          fd[r][cc] = at(t, r, 0) * R[0][cc] + at(t, r, 1) * R[1][cc] + at(t, r, 2 + cc);
          fu[r][cc] = at(t, 2 + r, 0) * R[0][cc] + at(t, 2 + r, 1) * R[1][cc] + at(t, 2 + r, 2 + cc);
        }
      const C dt = fu[0][0] * fu[1][1] - fu[0][1] * fu[1][0];
      const C inv[2][2] = {{fu[1][1] / dt, -fu[0][1] / dt}, {-fu[1][0] / dt, fu[0][0] / dt}};
      for (int r = 0; r < 2; ++r) {
        const C r0_ = fd[r][0] * inv[0][0] + fd[r][1] * inv[1][0];
        const C r1_ = fd[r][0] * inv[0][1] + fd[r][1] * inv[1][1];
        R[r][0] = r0_;
        R[r][1] = r1_;
        const C w0_ = W[r][0] * inv[0][0] + W[r][1] * inv[1][0];
        const C w1_ = W[r][0] * inv[0][1] + W[r][1] * inv[1][1];
        W[r][0] = w0_;
        W[r][1] = w1_;
      }
    }
    ux[k] = W[0][0];
    uz[k] = W[1][0];
  }
}

void fill_nan(C* a, std::size_t n) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t k = 0; k < n; ++k) a[k] = C(nan, nan);
}

}  // namespace

std::size_t n_propagated(const RfOptions& opt) {
  const std::size_t half = opt.n_fft / 2 + 1;
  const double domega = 2.0 * kPi / (static_cast<double>(opt.n_fft) * opt.dt);
  // G(omega) > cutoff  <=>  omega < 2 a sqrt(ln(1/cutoff))
  const double wmax = 2.0 * opt.gaussian * std::sqrt(std::log(1.0 / opt.cutoff));
  const double kmax = std::floor(wmax / domega) + 1.0;
  return kmax >= static_cast<double>(half) ? half : static_cast<std::size_t>(kmax);
}

void check_options(const RfOptions& opt) {
  if (!(opt.dt > 0) || !std::isfinite(opt.dt)) throw_invalid("dt must be > 0 s, got ", opt.dt);
  if (opt.n_fft < 4 || (opt.n_fft & (opt.n_fft - 1)) != 0)
    throw_invalid("the FFT size must be a power of two >= 4, got ", opt.n_fft);
  if (opt.n_samples < 1 || opt.n_samples > opt.n_fft)
    throw_invalid("n_samples must be in [1, n_fft=", opt.n_fft, "], got ", opt.n_samples);
  if (!(opt.gaussian > 0) || !std::isfinite(opt.gaussian))
    throw_invalid("gaussian must be > 0 rad/s, got ", opt.gaussian);
  if (!std::isfinite(opt.shift)) throw_invalid("shift must be finite, got ", opt.shift);
  if (!(opt.water_level >= 0) || !std::isfinite(opt.water_level))
    throw_invalid("water_level must be >= 0, got ", opt.water_level);
  if (!(opt.cutoff > 0 && opt.cutoff < 1)) throw_invalid("cutoff must be in (0, 1), got ", opt.cutoff);
}

void check_model(const double* h, const double* vp, const double* vs, const double* rho,
                 std::size_t n, double p, std::size_t m, std::size_t s) {
  if (n == 0) throw_invalid("model ", m, " has no layers");
  for (std::size_t j = 0; j < n; ++j) {
    if (!(h[j] >= 0) || !std::isfinite(h[j]))
      throw_invalid("thickness must be finite and >= 0 km; model ", m, ", layer ", j, ": ", h[j]);
    if (!(vs[j] > 0) || !std::isfinite(vs[j]))
      throw_invalid("vs must be finite and > 0 km/s (fluid layers are not supported); model ", m,
                    ", layer ", j, ": ", vs[j]);
    if (!(vp[j] * vp[j] > 4.0 / 3.0 * vs[j] * vs[j]) || !std::isfinite(vp[j]))
      throw_invalid("vp must be finite with vp^2 > 4/3 vs^2; model ", m, ", layer ", j, ": vp=",
                    vp[j], ", vs=", vs[j]);
    if (!(rho[j] > 0) || !std::isfinite(rho[j]))
      throw_invalid("rho must be finite and > 0 g/cm^3; model ", m, ", layer ", j, ": ", rho[j]);
  }
  if (!(p >= 0) || !(p < 1.0 / vp[n - 1]))
    throw_invalid("slowness must be in [0, 1/vp of the half-space = ", 1.0 / vp[n - 1],
                  ") s/km for an incident P wave; model ", m, ", slowness index ", s, ": ", p);
}

bool rz_ratio(const double* h, const double* vp, const double* vs, const double* rho,
              std::size_t n, double p, double domega, std::size_t n_freq, C* ratio,
              RfWorkspace& ws) {
  Layout L = make_layout(ws.buffer, n);
  if (!setup(h, vp, vs, rho, n, p, L)) {
    fill_nan(ratio, n_freq);
    return false;
  }
  if (ws.zspec.size() < n_freq) ws.zspec.resize(n_freq);
  C* m1 = ws.zspec.data();
  if (L.propagating) {
    propagate_row(L, n_freq, domega, ratio, m1, HalfSpaceRow::kUpS);
  } else {  // evanescent layers: the stable Kennett recursion; R/Z_up = u_x / (-u_z)
    if (ws.column.size() < 2 * n) ws.column.resize(2 * n);
    kennett(L, domega, n_freq, m1, ratio, ws.column.data());
    for (std::size_t k = 0; k < n_freq; ++k) ratio[k] = -ratio[k];
  }
  bool ok = true;
  for (std::size_t k = 0; k < n_freq; ++k) {
    const C num = m1[k], den = ratio[k];  // R / Z_up = M_S1 / M_S0
    const double inv = 1.0 / std::norm(den);
    ratio[k] = C((num.real() * den.real() + num.imag() * den.imag()) * inv,
                 (num.imag() * den.real() - num.real() * den.imag()) * inv);
    if (!std::isfinite(ratio[k].real()) || !std::isfinite(ratio[k].imag())) ok = false;
  }
  if (!ok) fill_nan(ratio, n_freq);
  return ok;
}

bool surface_spectra(const double* h, const double* vp, const double* vs, const double* rho,
                     std::size_t n, double p, double domega, std::size_t n_freq, C* radial,
                     C* vertical, RfWorkspace& ws) {
  Layout L = make_layout(ws.buffer, n);
  if (!setup(h, vp, vs, rho, n, p, L)) {
    fill_nan(radial, n_freq);
    fill_nan(vertical, n_freq);
    return false;
  }
  if (ws.zspec.size() < 2 * n_freq) ws.zspec.resize(2 * n_freq);
  C* s0 = ws.zspec.data();
  C* s1 = s0 + n_freq;
  if (!L.propagating) {  // evanescent layers: the stable Kennett recursion
    if (ws.column.size() < 2 * n) ws.column.resize(2 * n);
    kennett(L, domega, n_freq, radial, vertical, ws.column.data());
    bool ok = true;
    for (std::size_t k = 0; k < n_freq; ++k) {
      vertical[k] = -vertical[k];
      if (!std::isfinite(radial[k].real()) || !std::isfinite(radial[k].imag()) ||
          !std::isfinite(vertical[k].real()) || !std::isfinite(vertical[k].imag()))
        ok = false;
    }
    if (!ok) {
      fill_nan(radial, n_freq);
      fill_nan(vertical, n_freq);
    }
    return ok;
  }
  // Up-going SV row: u_x M_S0 + u_z M_S1 = 0 gives u_x / u_z; up-going P row (the incident
  // wave has unit amplitude): u_x M_P0 + u_z M_P1 = 1 gives u_z.
  if (ws.column.size() < 2 * n_freq) ws.column.resize(2 * n_freq);
  C* p0 = ws.column.data();
  C* p1 = p0 + n_freq;
  propagate_row(L, n_freq, domega, s0, s1, HalfSpaceRow::kUpS);
  propagate_row(L, n_freq, domega, p0, p1, HalfSpaceRow::kUpP);
  bool ok = true;
  for (std::size_t k = 0; k < n_freq; ++k) {
    const C x = -s1[k] / s0[k];  // u_x / u_z (z down)
    const C uz = 1.0 / (p0[k] * x + p1[k]);
    radial[k] = x * uz;
    vertical[k] = -uz;  // positive up
    if (!std::isfinite(radial[k].real()) || !std::isfinite(radial[k].imag()) ||
        !std::isfinite(uz.real()) || !std::isfinite(uz.imag()))
      ok = false;
  }
  if (!ok) {
    fill_nan(radial, n_freq);
    fill_nan(vertical, n_freq);
  }
  return ok;
}

namespace {

/// Water-level deconvolution R Z* / max(|Z|^2, wl max|Z|^2) = (R/Z) min(1, |Z|^2 / (wl max|Z|^2))
/// at omega_k = k domega, k < n_freq (the maximum is over these frequencies). Propagating
/// models: R/Z from the up-going-SV row and 1/u_z = M_P0 u_x/u_z + M_P1 from the up-going-P
/// row, all in real arithmetic (std::complex division is a slow library call). Models with
/// evanescent layers take the Kennett spectra.
bool rz_water_level(const double* h, const double* vp, const double* vs, const double* rho,
                    std::size_t n, double p, double domega, std::size_t n_freq, double wl,
                    C* out, RfWorkspace& ws) {
  Layout L = make_layout(ws.buffer, n);
  if (!setup(h, vp, vs, rho, n, p, L)) {
    fill_nan(out, n_freq);
    return false;
  }
  if (ws.vertical.size() < n_freq) ws.vertical.resize(n_freq);
  if (ws.signal.size() < n_freq) ws.signal.resize(n_freq);
  double* inv_z2 = ws.signal.data();  // 1 / |Z|^2 per frequency
  if (L.propagating) {
    if (ws.zspec.size() < 3 * n_freq) ws.zspec.resize(3 * n_freq);
    C* s1 = ws.zspec.data();
    C* p0 = s1 + n_freq;
    C* p1 = p0 + n_freq;
    propagate_row(L, n_freq, domega, out, s1, HalfSpaceRow::kUpS);
    propagate_row(L, n_freq, domega, p0, p1, HalfSpaceRow::kUpP);
    for (std::size_t k = 0; k < n_freq; ++k) {
      const C num = s1[k], den = out[k];  // R / Z_up = M_S1 / M_S0
      const double inv = 1.0 / std::norm(den);
      const double rr = (num.real() * den.real() + num.imag() * den.imag()) * inv;
      const double ri = (num.imag() * den.real() - num.real() * den.imag()) * inv;
      out[k] = C(rr, ri);
      // 1/u_z = M_P0 (u_x/u_z) + M_P1 with u_x/u_z = -R/Z_up
      const double dr = p1[k].real() - (p0[k].real() * rr - p0[k].imag() * ri);
      const double di = p1[k].imag() - (p0[k].real() * ri + p0[k].imag() * rr);
      inv_z2[k] = dr * dr + di * di;
    }
  } else {
    C* z = ws.vertical.data();
    if (!surface_spectra(h, vp, vs, rho, n, p, domega, n_freq, out, z, ws)) return false;
    for (std::size_t k = 0; k < n_freq; ++k) {
      out[k] /= z[k];
      inv_z2[k] = 1.0 / std::norm(z[k]);
    }
  }
  double min_inv = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < n_freq; ++k) min_inv = std::min(min_inv, inv_z2[k]);
  bool ok = std::isfinite(min_inv) && min_inv > 0;
  for (std::size_t k = 0; k < n_freq && ok; ++k) {
    // |Z|^2 / (wl max|Z|^2) = min_k(1/|Z|^2) / (wl / |Z_k|^2)
    const double factor = std::min(1.0, min_inv / (wl * inv_z2[k]));
    out[k] *= factor;
    if (!std::isfinite(out[k].real()) || !std::isfinite(out[k].imag())) ok = false;
  }
  if (!ok) fill_nan(out, n_freq);
  return ok;
}

/// G(omega_k) exp(-i omega_k shift) for k < n_freq. Computed by complex recurrences
/// (G_k = G_{k-1} r_k, r_k = r_{k-1} exp(-2 domega^2 / (4 a^2))) re-seeded exactly every 32
/// steps, so the relative error stays below 1e-14.
std::vector<C> filter_table(const RfOptions& opt, double domega, std::size_t n_freq) {
  std::vector<C> f(n_freq);
  const double c = domega * domega / (4.0 * opt.gaussian * opt.gaussian);
  const C step_shift = std::polar(1.0, -domega * opt.shift);
  const double r2 = std::exp(-2.0 * c);
  C ph;
  double g = 1.0, r = 1.0;
  for (std::size_t k = 0; k < n_freq; ++k) {
    if (k % 32 == 0) {
      const double kk = static_cast<double>(k);
      ph = std::polar(1.0, -domega * kk * opt.shift);
      g = std::exp(-c * kk * kk);
      r = std::exp(-c * (2.0 * kk + 1.0));  // G_{k+1} / G_k
    }
    f[k] = g * ph;
    g *= r;
    r *= r2;
    ph *= step_shift;
  }
  return f;
}

/// One receiver function into out[0, n_samples).
void one_rf(const double* h, const double* vp, const double* vs, const double* rho, std::size_t n,
            double p, const RfOptions& opt, const RealInverseFft& fft, const std::vector<C>& filt,
            double* out, RfWorkspace& ws) {
  const std::size_t n_freq = filt.size();
  const std::size_t half = opt.n_fft / 2 + 1;
  if (ws.spectrum.size() < half) ws.spectrum.resize(half);
  if (ws.scratch.size() < opt.n_fft / 2) ws.scratch.resize(opt.n_fft / 2);
  if (ws.signal.size() < std::max(opt.n_fft, n_freq)) ws.signal.resize(std::max(opt.n_fft, n_freq));
  const double domega = 2.0 * kPi / (static_cast<double>(opt.n_fft) * opt.dt);
  C* spec = ws.spectrum.data();
  bool ok;
  if (opt.water_level > 0) {
    ok = rz_water_level(h, vp, vs, rho, n, p, domega, n_freq, opt.water_level, spec, ws);
  } else {
    ok = rz_ratio(h, vp, vs, rho, n, p, domega, n_freq, spec, ws);
  }
  if (!ok) {
    std::fill(out, out + opt.n_samples, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  for (std::size_t k = 0; k < n_freq; ++k) {
    const C a = spec[k], b = filt[k];
    spec[k] = C(a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real());
  }
  for (std::size_t k = n_freq; k < half; ++k) spec[k] = 0.0;
  spec[half - 1] = C(spec[half - 1].real(), 0.0);  // Nyquist bin of a real signal
  fft.inverse(spec, ws.scratch.data(), ws.signal.data());
  std::copy(ws.signal.data(), ws.signal.data() + opt.n_samples, out);
}

}  // namespace

void receiver_function_batch(const double* h, const double* vp, const double* vs,
                             const double* rho, std::size_t n_models, std::size_t n_layers,
                             const double* slowness, std::size_t n_slow, const RfOptions& opt,
                             double* out, long n_threads) {
  check_options(opt);
  for (std::size_t m = 0; m < n_models; ++m)
    for (std::size_t s = 0; s < n_slow; ++s)
      check_model(h + m * n_layers, vp + m * n_layers, vs + m * n_layers, rho + m * n_layers,
                  n_layers, slowness[s], m, s);
  const auto fft = real_inverse_fft_plan(opt.n_fft);
  const std::size_t n_freq = n_propagated(opt);
  const double domega = 2.0 * kPi / (static_cast<double>(opt.n_fft) * opt.dt);
  const std::vector<C> filt = filter_table(opt, domega, n_freq);
  const std::size_t n_items = n_models * n_slow;
  std::vector<RfWorkspace> ws(resolve_threads(n_threads, n_items));
  parallel_for(n_items, n_threads, [&](std::size_t item, std::size_t worker) {
    const std::size_t m = item / n_slow, s = item % n_slow;
    const std::size_t o = m * n_layers;
    one_rf(h + o, vp + o, vs + o, rho + o, n_layers, slowness[s], opt, *fft, filt,
           out + item * opt.n_samples, ws[worker]);
  });
}

void spectra_batch(const double* h, const double* vp, const double* vs, const double* rho,
                   std::size_t n_models, std::size_t n_layers, const double* slowness,
                   std::size_t n_slow, double domega, std::size_t n_freq, C* radial, C* vertical,
                   long n_threads) {
  if (!(domega > 0) || !std::isfinite(domega)) throw_invalid("domega must be > 0, got ", domega);
  for (std::size_t m = 0; m < n_models; ++m)
    for (std::size_t s = 0; s < n_slow; ++s)
      check_model(h + m * n_layers, vp + m * n_layers, vs + m * n_layers, rho + m * n_layers,
                  n_layers, slowness[s], m, s);
  const std::size_t n_items = n_models * n_slow;
  std::vector<RfWorkspace> ws(resolve_threads(n_threads, n_items));
  parallel_for(n_items, n_threads, [&](std::size_t item, std::size_t worker) {
    const std::size_t m = item / n_slow, s = item % n_slow;
    const std::size_t o = m * n_layers;
    surface_spectra(h + o, vp + o, vs + o, rho + o, n_layers, slowness[s], domega, n_freq,
                    radial + item * n_freq, vertical + item * n_freq, ws[worker]);
  });
}

}  // namespace geoinvert::rf
