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
constexpr double kRescale = 1e100;       // rescale the row when it grows past this

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
  double* q;             // n * 4: Re/Im of q_alpha h, q_beta h
  double* phase;         // n * 2 phases * 2 directions * kLanes * 2 (re, im): current
  double* step;          // n * 4 * 2: step phasors for kLanes * domega
};

Layout make_layout(std::vector<double>& buf, std::size_t n) {
  const std::size_t need = n * 32 + 32 + n * 4 + n * 4 * kLanes * 2 + n * 8;
  if (buf.size() < need) buf.resize(need);
  Layout L{};
  L.n = n;
  double* p = buf.data();
  L.t = p;
  p += n * 32;
  L.einv0 = p;
  p += 32;
  L.q = p;
  p += n * 4;
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

/// Initialise the per-layer phase state for lanes starting at frequency index 0.
void init_phases(Layout& L, double domega) {
  for (std::size_t j = 0; j < L.n; ++j) {
    const double* q = L.q + 4 * j;
    for (int wave = 0; wave < 2; ++wave) {
      for (int dir = 0; dir < 2; ++dir) {  // 0: down exp(-i w q h), 1: up exp(+i w q h)
        const double sign = dir == 0 ? -1.0 : 1.0;
        double* ph = L.phase + ((j * 4 + wave * 2 + dir) * kLanes) * 2;
        for (std::size_t l = 0; l < kLanes; ++l) {
          const C z = phasor(domega * static_cast<double>(l), q[2 * wave], q[2 * wave + 1], sign);
          ph[2 * l] = z.real();
          ph[2 * l + 1] = z.imag();
        }
        const C st = phasor(domega * static_cast<double>(kLanes), q[2 * wave], q[2 * wave + 1], sign);
        L.step[(j * 4 + wave * 2 + dir) * 2] = st.real();
        L.step[(j * 4 + wave * 2 + dir) * 2 + 1] = st.imag();
      }
    }
  }
}

/// Propagate the functional "row `row` of E_{N-1}^{-1}" from the half-space to the surface for
/// all frequencies; writes M[k] = (row functional applied to u_x, u_z columns) and, when
/// log_scale is non-null, the natural log of the factor the row was divided by.
template <bool Propagating>
void propagate_row(Layout& L, int row, double domega, std::size_t n_freq, C* m0, C* m1,
                   double* log_scale) {
  const std::size_t n = L.n;
  init_phases(L, domega);
  for (std::size_t k0 = 0; k0 < n_freq; k0 += kLanes) {
    double sr[4][kLanes], si[4][kLanes];
    double lscale[kLanes];
    for (int m = 0; m < 4; ++m)
      for (std::size_t l = 0; l < kLanes; ++l) {
        sr[m][l] = m == row ? 1.0 : 0.0;
        si[m][l] = 0.0;
      }
    for (std::size_t l = 0; l < kLanes; ++l) lscale[l] = 0.0;
    for (std::size_t jj = n; jj-- > 0;) {
      const std::size_t j = jj;
      if (j + 1 < n) {
        // Layer phases: s_m *= exp(i w lambda_m h), lambda = (-qa, -qb, +qa, +qb).
        double* base = L.phase + (j * 4 * kLanes) * 2;
        for (int wave = 0; wave < 2; ++wave) {
          double* pd = base + ((wave * 2 + 0) * kLanes) * 2;
          double* pu = base + ((wave * 2 + 1) * kLanes) * 2;
          const double* st = L.step + (j * 4 + wave * 2) * 2;
          for (std::size_t l = 0; l < kLanes; ++l) {
            const double dr = pd[2 * l], di = pd[2 * l + 1];
            double ur, ui;
            if (Propagating) {
              ur = dr;
              ui = -di;  // up phase = conj(down phase) for real q
            } else {
              ur = pu[2 * l];
              ui = pu[2 * l + 1];
            }
            double ar = sr[wave][l], ai = si[wave][l];
            sr[wave][l] = ar * dr - ai * di;
            si[wave][l] = ar * di + ai * dr;
            ar = sr[wave + 2][l];
            ai = si[wave + 2][l];
            sr[wave + 2][l] = ar * ur - ai * ui;
            si[wave + 2][l] = ar * ui + ai * ur;
            // Advance to the next block of frequencies.
            pd[2 * l] = dr * st[0] - di * st[1];
            pd[2 * l + 1] = dr * st[1] + di * st[0];
            if (!Propagating) {
              const double* su = st + 2;
              pu[2 * l] = ur * su[0] - ui * su[1];
              pu[2 * l + 1] = ur * su[1] + ui * su[0];
            }
          }
        }
      }
      if (j > 0) {
        const double* t = L.t + 32 * j;
        double nr[4][kLanes], ni[4][kLanes];
        for (int c = 0; c < 4; ++c) {
          for (std::size_t l = 0; l < kLanes; ++l) {
            double accr = 0.0, acci = 0.0;
            for (int r = 0; r < 4; ++r) {
              const double tr = t[2 * (4 * r + c)];
              if (Propagating) {
                accr += sr[r][l] * tr;
                acci += si[r][l] * tr;
              } else {
                const double ti = t[2 * (4 * r + c) + 1];
                accr += sr[r][l] * tr - si[r][l] * ti;
                acci += sr[r][l] * ti + si[r][l] * tr;
              }
            }
            nr[c][l] = accr;
            ni[c][l] = acci;
          }
        }
        for (int c = 0; c < 4; ++c)
          for (std::size_t l = 0; l < kLanes; ++l) {
            sr[c][l] = nr[c][l];
            si[c][l] = ni[c][l];
          }
        if (!Propagating) {
          for (std::size_t l = 0; l < kLanes; ++l) {
            double big = 0.0;
            for (int m = 0; m < 4; ++m) big = std::max(big, std::abs(sr[m][l]) + std::abs(si[m][l]));
            if (big > kRescale) {
              const double f = 1.0 / big;
              for (int m = 0; m < 4; ++m) {
                sr[m][l] *= f;
                si[m][l] *= f;
              }
              lscale[l] += std::log(big);
            }
          }
        }
      }
    }
    // Surface: apply E_0^{-1}, keep the u_x and u_z columns.
    const double* ei = L.einv0;
    for (std::size_t l = 0; l < kLanes && k0 + l < n_freq; ++l) {
      double out[2][2] = {{0, 0}, {0, 0}};
      for (int c = 0; c < 2; ++c)
        for (int r = 0; r < 4; ++r) {
          const double er = ei[2 * (4 * r + c)], eim = ei[2 * (4 * r + c) + 1];
          out[c][0] += sr[r][l] * er - si[r][l] * eim;
          out[c][1] += sr[r][l] * eim + si[r][l] * er;
        }
      m0[k0 + l] = C(out[0][0], out[0][1]);
      m1[k0 + l] = C(out[1][0], out[1][1]);
      if (log_scale) log_scale[k0 + l] = lscale[l];
    }
  }
}

void propagate(Layout& L, int row, double domega, std::size_t n_freq, C* m0, C* m1,
               double* log_scale) {
  if (L.propagating)
    propagate_row<true>(L, row, domega, n_freq, m0, m1, log_scale);
  else
    propagate_row<false>(L, row, domega, n_freq, m0, m1, log_scale);
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
  propagate(L, 3, domega, n_freq, ratio, m1, nullptr);
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
  if (ws.signal.size() < n_freq) ws.signal.resize(n_freq);
  C* s0 = ws.zspec.data();
  C* s1 = s0 + n_freq;
  // Up-going SV row: u_x M_S0 + u_z M_S1 = 0 gives u_x / u_z.
  propagate(L, 3, domega, n_freq, s0, s1, nullptr);
  for (std::size_t k = 0; k < n_freq; ++k) radial[k] = -s1[k] / s0[k];  // u_x / u_z (z down)
  // Up-going P row: u_x M_P0 + u_z M_P1 = 1 (times the row's scale factor).
  double* lscale = ws.signal.data();
  propagate(L, 2, domega, n_freq, s0, s1, lscale);
  bool ok = true;
  for (std::size_t k = 0; k < n_freq; ++k) {
    const C ratio = radial[k];
    const C uz = std::exp(-lscale[k]) / (s0[k] * ratio + s1[k]);
    radial[k] = ratio * uz;
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
    std::vector<C> z(n_freq);  // only on the (rare) water-level path
    ok = surface_spectra(h, vp, vs, rho, n, p, domega, n_freq, spec, z.data(), ws);
    double zmax = 0.0;
    for (std::size_t k = 0; k < n_freq; ++k) zmax = std::max(zmax, std::norm(z[k]));
    const double floor = opt.water_level * zmax;
    for (std::size_t k = 0; k < n_freq; ++k)
      spec[k] = spec[k] * std::conj(z[k]) / std::max(std::norm(z[k]), floor);
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
