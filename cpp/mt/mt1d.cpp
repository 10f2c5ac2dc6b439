#include "mt/mt1d.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "common/errors.hpp"
#include "common/parallel.hpp"
#include "mt/dense_front.hpp"  // detail::cpu_has_avx2_fma

namespace geoinvert::mt {

namespace detail {
#if !defined(GEOINVERT_HAVE_AVX2_FRONT)
void forward_1d_model_avx2(const double*, std::size_t, const double*, const double*,
                           const double*, std::size_t, double*, double*, cplx*) noexcept {}
#endif
#if !defined(__GNUC__) && !defined(__clang__)
void forward_1d_model_vector(const double*, std::size_t, const double*, const double*,
                             const double*, std::size_t, double*, double*, cplx*) noexcept {}
#endif
}  // namespace detail

bool mt1d_kernel_available(Mt1dKernel kernel) noexcept {
  switch (kernel) {
    case Mt1dKernel::avx2:
      return detail::cpu_has_avx2_fma();
    case Mt1dKernel::vector:
#if defined(__GNUC__) || defined(__clang__)
      return true;
#else
      return false;
#endif
    default:
      return true;
  }
}

cplx tanh_safe(cplx z) noexcept {
  // tanh(x + iy) = (sinh 2x + i sin 2y) / (cosh 2x + cos 2y). For x > 20 the result is 1 to
  // double precision (|tanh - 1| < 2 e^{-40}); below, expm1 keeps sinh accurate for small x.
  const double x = z.real();
  const double y = z.imag();
  if (x > 20.0) return {1.0, 0.0};
  if (x < -20.0) return {-1.0, 0.0};
  const double em = std::expm1(2.0 * x);  // e^{2x} - 1
  const double ep = em + 1.0;             // e^{2x}
  const double sh = em * (em + 2.0) / (2.0 * ep);
  const double ch = 1.0 + em * em / (2.0 * ep);
  const double s2 = std::sin(2.0 * y);
  const double c2 = std::cos(2.0 * y);
  const double den = ch + c2;
  return {sh / den, s2 / den};
}

namespace {

/// tanh(x (1 + i)) for 0 <= x < 0.07 by the odd Taylor series (7 terms, truncation < 2e-17
/// relative); with u = x^2, z^2 = 2 i u makes the series' real and imaginary parts separate
/// polynomials in u.
inline void tanh_series(double x, double& tr, double& ti) noexcept {
  const double u = x * x, u2 = u * u;
  // P(w) = 1 - w/3 + 2w^2/15 - 17w^3/315 + 62w^4/2835 - 1382w^5/155925 + 21844w^6/6081075
  const double pr = 1.0 + u2 * (-8.0 / 15.0 + u2 * (992.0 / 2835.0 - u2 * (1398016.0 / 6081075.0)));
  const double pi_ = u * (-2.0 / 3.0 + u2 * (136.0 / 315.0 - u2 * (44224.0 / 155925.0)));
  tr = x * (pr - pi_);  // tanh = z P, z = x (1 + i)
  ti = x * (pr + pi_);
}

/// tanh(x (1 + i)) for real x >= 0, the only argument the batched recursion needs. Small x
/// (below 0.56, about 40 % of the calls over 1e-4-1e3 Hz) avoid the three transcendental
/// calls of tanh_safe: the series at x / 2^d < 0.07, then d <= 3 doublings
/// tanh 2y = 2 tanh y / (1 + tanh^2 y), which are well conditioned for |tanh y| < 0.6.
inline void tanh_diagonal(double x, double& tr, double& ti) noexcept {
  if (x >= 0.56) {
    const cplx t = tanh_safe(cplx(x, x));
    tr = t.real();
    ti = t.imag();
    return;
  }
  int d = 0;
  while (x >= 0.07) {
    x *= 0.5;
    ++d;
  }
  tanh_series(x, tr, ti);
  for (; d > 0; --d) {
    const double nr = 1.0 + tr * tr - ti * ti, ni = 2.0 * tr * ti;  // 1 + t^2
    const double inv = 2.0 / (nr * nr + ni * ni);
    const double r = (tr * nr + ti * ni) * inv, i = (ti * nr - tr * ni) * inv;
    tr = r;
    ti = i;
  }
}

}  // namespace

cplx impedance_1d(double omega, const double* rho, const double* thick_m,
                  std::size_t n_layers) noexcept {
  const cplx iwm(0.0, omega * mu0);
  cplx Z = std::sqrt(iwm * rho[n_layers - 1]);
  for (std::size_t jj = n_layers - 1; jj-- > 0;) {
    const cplx zeta = std::sqrt(iwm * rho[jj]);
    const cplx k = zeta / rho[jj];  // sqrt(i omega mu0 / rho)
    const cplx t = tanh_safe(k * thick_m[jj]);
    Z = zeta * (Z + zeta * t) / (zeta + Z * t);
  }
  return Z;
}

void forward_1d_batch(const double* freq, std::size_t n_freq, const double* rho,
                      const double* thick_km, std::size_t n_models, std::size_t n_layers,
                      double* rho_a, double* phase_deg, cplx* Z, long n_threads,
                      Mt1dKernel kernel) {
  if (kernel == Mt1dKernel::automatic)
    kernel = mt1d_kernel_available(Mt1dKernel::avx2)     ? Mt1dKernel::avx2
             : mt1d_kernel_available(Mt1dKernel::vector) ? Mt1dKernel::vector
                                                         : Mt1dKernel::scalar;
  if (!mt1d_kernel_available(kernel))
    throw_invalid("the requested 1-D MT kernel is not available in this build or on this CPU");
  if (n_layers == 0) throw_invalid("resistivity must have at least one layer");
  for (std::size_t f = 0; f < n_freq; ++f)
    if (!(freq[f] > 0.0) || !std::isfinite(freq[f]))
      throw_invalid("frequencies must be positive and finite; found ", freq[f], " at index ", f);
  // With e^{+i omega t}, zeta_j = sqrt(omega mu0 rho_j) e^{i pi/4} and
  // k_j h_j = sqrt(omega mu0 / rho_j) h_j e^{i pi/4}: only real square roots are needed, and
  // they factor into a per-frequency sqrt(omega mu0) times per-layer constants.
  std::vector<double> sqwm(n_freq);
  for (std::size_t f = 0; f < n_freq; ++f) sqwm[f] = std::sqrt(2.0 * pi * freq[f] * mu0);
  // Models are handed out in chunks so that tiny models do not pay one atomic per model.
  constexpr std::size_t chunk = 16;
  const std::size_t n_chunks = (n_models + chunk - 1) / chunk;
  // (One chunk runs on the calling thread; skipping resolve_threads there also skips the
  // hardware_concurrency() query, ~10 us, which dominates a single-model call.)
  const std::size_t n_workers = n_chunks <= 1 ? 1 : resolve_threads(n_threads, n_chunks);
  std::vector<std::vector<double>> work(n_workers, std::vector<double>(3 * n_layers));
  const auto vector_kernel = kernel == Mt1dKernel::avx2 ? detail::forward_1d_model_avx2
                                                        : detail::forward_1d_model_vector;
  parallel_for(n_chunks, static_cast<long>(n_workers), [&](std::size_t c, std::size_t w) {
    double* sr = work[w].data();        // sqrt(rho_j)
    double* xh = sr + n_layers;         // h_j / sqrt(rho_j) / sqrt(2)  (metres / sqrt(ohm m))
    double* isr = xh + n_layers;        // 1 / sqrt(rho_j)
    const std::size_t m_end = std::min(n_models, (c + 1) * chunk);
    for (std::size_t m = c * chunk; m < m_end; ++m) {
      const double* r = rho + m * n_layers;
      for (std::size_t j = 0; j < n_layers; ++j) sr[j] = std::sqrt(r[j]);
      if (kernel != Mt1dKernel::scalar) {
        // Several frequencies per vector; yh_j = 2 x_j / a = sqrt(2) h_j / sqrt(rho_j).
        for (std::size_t j = 0; j < n_layers; ++j) isr[j] = 1.0 / sr[j];
        for (std::size_t j = 0; j + 1 < n_layers; ++j)
          xh[j] = 1000.0 * thick_km[m * (n_layers - 1) + j] / sr[j] * std::sqrt(2.0);
        vector_kernel(sqwm.data(), n_freq, sr, isr, xh, n_layers, rho_a + m * n_freq,
                      phase_deg + m * n_freq, Z + m * n_freq);
        continue;
      }
      for (std::size_t j = 0; j + 1 < n_layers; ++j)
        xh[j] = 1000.0 * thick_km[m * (n_layers - 1) + j] / sr[j] * std::sqrt(0.5);
      for (std::size_t f = 0; f < n_freq; ++f) {
        const double a = sqwm[f];
        // Z / e^{i pi/4}: the recursion is homogeneous in the common phase factor.
        // Plain real arithmetic: std::complex's / and * carry inf/NaN recovery paths
        // (__divdc3) that cost more than the recursion itself; all values here are finite.
        // A layer thicker than 20 skin depths has tanh(k h) = 1 to double precision, which
        // makes the impedance at its top its own zeta whatever lies below: start there.
        std::size_t top = n_layers - 1;
        for (std::size_t j = 0; j + 1 < n_layers; ++j)
          if (a * xh[j] > 20.0) {
            top = j;
            break;
          }
        double zr = a * sr[top], zi = 0.0;
        for (std::size_t jj = top; jj-- > 0;) {
          const double zeta = a * sr[jj];
          const double x = a * xh[jj];
          double tr, ti;
          tanh_diagonal(x, tr, ti);
          const double nr = zeta * (zr + zeta * tr), ni = zeta * (zi + zeta * ti);
          const double dr = zeta + zr * tr - zi * ti, di = zr * ti + zi * tr;
          const double inv = 1.0 / (dr * dr + di * di);
          zr = (nr * dr + ni * di) * inv;
          zi = (ni * dr - nr * di) * inv;
        }
        // Z = (zr + i zi) e^{i pi/4}; its phase is that of (zr, zi) plus 45 deg, and the
        // 1-D impedance phase lies in (0, 90) deg: (zr, zi) is within 45 deg of the real axis.
        const std::size_t o = m * n_freq + f;
        Z[o] = cplx((zr - zi) * std::sqrt(0.5), (zr + zi) * std::sqrt(0.5));
        rho_a[o] = (zr * zr + zi * zi) / (a * a);
        phase_deg[o] = std::atan(zi / zr) * (180.0 / pi) + 45.0;  // zr > |zi| here
      }
    }
  });
}

}  // namespace geoinvert::mt
