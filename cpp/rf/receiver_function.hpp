// Teleseismic P receiver functions of isotropic elastic layered models.
//
// Physics: a plane P wave of horizontal slowness p (s/km) incident from the half-space beneath a
// stack of homogeneous isotropic elastic layers with a free surface; all P/SV conversions and
// multiples are included (an exact frequency-domain response, Haskell 1953 / Thomson 1950
// propagator method as in Kennett 1983, "Seismic wave propagation in stratified media", ch. 3).
//
// Method (see receiver_function.cpp): the motion-stress vector b = (u_x, u_z, t_x, t_z)
// (t = traction / (i omega)) is expanded in each layer on its up/down-going P and SV
// eigenvectors (analytic, Aki & Richards 2002, sect. 5.2 and 7.2, z positive down, time factor
// exp(i omega (t - p x))). The surface displacement (u_x, u_z) must make the up-going SV
// amplitude in the half-space vanish, so R/Z follows from one linear functional (a row vector)
// carried from the half-space up to the surface in eigen-coordinates: one diagonal phase and
// one frequency-independent real 4x4 interface matrix E_j^{-1} E_{j-1} per layer (~100 flops
// per layer and frequency). This fast path is used when every wave propagates in every layer
// (real vertical slownesses: the phases are unimodular and nothing grows, so deep 800-km
// models at high frequency keep full precision; checked against an independent Kennett
// recursion to ~1e-12). When some layer is evanescent for the slowness (v > 1/p), growing
// exponentials would cost precision, and the kernel switches to Kennett's invariant-embedding
// recursion of reflection matrices from the free surface down (Kennett 1983, ch. 6), which
// contains only decaying exponentials and is unconditionally stable.
// Absolute spectra (fast path): the surface vector (R/Z, 1, 0, 0) is propagated down to the
// half-space, where its up-going P amplitude fixes the scale.
//
// Receiver function: RF(omega) = R/Z * exp(-omega^2 / (4 a^2)) * exp(-i omega shift) (Gaussian
// of the Ammon / CPS / telewavesim / seispy convention, unit gain at omega = 0), inverse real FFT
// without a 1/dt factor (as telewavesim and seispy), so the samples of a pulse sum to its
// spectral value at omega = 0. Only frequencies with exp(-omega^2/(4 a^2)) > cutoff are
// propagated; the others are set to zero.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace geoinvert::rf {

/// Options of a receiver-function computation (units: s, Hz-free angular a in rad/s).
struct RfOptions {
  double dt = 0.05;          ///< sample interval (s)
  std::size_t n_fft = 4096;  ///< FFT size (power of two), the RF period is n_fft * dt
  std::size_t n_samples = 4096;  ///< samples written (<= n_fft)
  double gaussian = 2.5;     ///< Gaussian parameter a (rad/s): G = exp(-omega^2/(4 a^2))
  double shift = 5.0;        ///< time of the direct P (s)
  double water_level = 0.0;  ///< 0: exact R/Z; > 0: R Z* / max(|Z|^2, wl * max|Z|^2)
  double cutoff = 1e-8;      ///< frequencies with G(omega) <= cutoff are not propagated
};

/// Number of non-negative frequencies propagated: omega_k = 2 pi k / (n_fft dt) for
/// k < n_freq, with G(omega_k) > cutoff (at most n_fft / 2 + 1).
std::size_t n_propagated(const RfOptions& opt);

/// Validate options (throws std::invalid_argument naming the field).
void check_options(const RfOptions& opt);

/// Validate one model and slowness (throws std::invalid_argument naming argument and layer).
/// Requires vs > 0 in every layer (no fluids), vp^2 > 4/3 vs^2, thickness >= 0 and
/// 0 <= p < 1 / vp(half-space).
void check_model(const double* thickness, const double* vp, const double* vs, const double* rho,
                 std::size_t n_layers, double slowness, std::size_t model_index,
                 std::size_t slowness_index);

/// Per-thread scratch memory; sized on first use, reused afterwards.
struct RfWorkspace {
  std::vector<double> buffer;                  // layer matrices and phase state
  std::vector<std::complex<double>> spectrum;  // n_fft / 2 + 1
  std::vector<std::complex<double>> scratch;   // n_fft / 2
  std::vector<std::complex<double>> zspec;     // row functionals at the surface
  std::vector<std::complex<double>> column;    // motion-stress vectors (absolute spectra)
  std::vector<double> signal;                  // n_fft
};

/// Surface displacement spectra for a unit-amplitude incident P wave.
///
/// Writes radial (u_x, positive away from the source) and vertical (positive up) displacement
/// at omega_k = k * domega, k < n_freq. Returns false (and writes NaN) if the model is singular
/// for this slowness (p equal to 1/vp or 1/vs of a layer).
bool surface_spectra(const double* thickness, const double* vp, const double* vs,
                     const double* rho, std::size_t n_layers, double slowness, double domega,
                     std::size_t n_freq, std::complex<double>* radial,
                     std::complex<double>* vertical, RfWorkspace& ws);

/// Exact radial-over-vertical transfer function R/Z at omega_k = k * domega, k < n_freq.
bool rz_ratio(const double* thickness, const double* vp, const double* vs, const double* rho,
              std::size_t n_layers, double slowness, double domega, std::size_t n_freq,
              std::complex<double>* ratio, RfWorkspace& ws);

/// Radial receiver functions of a batch: models (n_models x n_layers, row-major) times
/// slownesses (n_slow); out has shape (n_models, n_slow, opt.n_samples). A model/slowness pair
/// that is singular gives NaN. Bit-identical for any n_threads (0 = all cores).
void receiver_function_batch(const double* thickness, const double* vp, const double* vs,
                             const double* rho, std::size_t n_models, std::size_t n_layers,
                             const double* slowness, std::size_t n_slow, const RfOptions& opt,
                             double* out, long n_threads);

/// Surface spectra of a batch at omega_k = 2 pi k / (n_fft dt), k < n_freq: radial and vertical
/// arrays of shape (n_models, n_slow, n_freq).
void spectra_batch(const double* thickness, const double* vp, const double* vs, const double* rho,
                   std::size_t n_models, std::size_t n_layers, const double* slowness,
                   std::size_t n_slow, double domega, std::size_t n_freq,
                   std::complex<double>* radial, std::complex<double>* vertical, long n_threads);

}  // namespace geoinvert::rf
