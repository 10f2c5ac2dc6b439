// Magnetotelluric 1-D forward modelling: impedance of a layered earth.
//
// Wait's impedance recursion (Wait 1954, Geophysics 19, 281-289; Ward & Hohmann 1988, eq. 4.68)
// from the basement up,
//     Z_j = zeta_j (Z_{j+1} + zeta_j tanh(k_j h_j)) / (zeta_j + Z_{j+1} tanh(k_j h_j)),
// with intrinsic impedance zeta_j = sqrt(i omega mu0 rho_j) and wavenumber
// k_j = sqrt(i omega mu0 / rho_j), time dependence e^{+i omega t}. tanh is evaluated in an
// overflow-safe form (it saturates at 1 once Re(k h) > 20 instead of forming exp(2 k h)), so
// thick resistive or thin conductive stacks never produce inf/NaN at any frequency.
// Z is in SI ohms (V/m per A/m): Z = Ex/Hy; rho_a = |Z|^2 / (omega mu0), phase = arg Z in (0, 90) deg.
// forward_1d_batch runs the vectorised form of the recursion (division-free, own exp / sincos /
// atan polynomials; mt1d_simd.inc) with AVX2+FMA (mt1d_avx2.cpp) or portable two-lane vectors
// (mt1d_vector.cpp), or the scalar form below (mt1d.cpp) where vectors are not available.
#pragma once

#include <complex>
#include <cstddef>

namespace geoinvert::mt {

constexpr double pi = 3.14159265358979323846;
constexpr double mu0 = 4.0e-7 * pi;  ///< vacuum permeability, H/m

using cplx = std::complex<double>;

/// tanh(z) for Re z >= 0 without overflow (accurate to a few ulp, also for small |z|).
cplx tanh_safe(cplx z) noexcept;

/// Surface impedance (ohm) of a layered earth at angular frequency omega (rad/s).
/// rho: n_layers resistivities (ohm m), top first; thick_m: n_layers-1 thicknesses in metres.
cplx impedance_1d(double omega, const double* rho, const double* thick_m,
                  std::size_t n_layers) noexcept;

/// Which implementation forward_1d_batch runs (all compute the same recursion; they agree to
/// a few ulp, and each is bit-identical for any thread count).
enum class Mt1dKernel {
  automatic,  ///< avx2 where compiled in and supported by the CPU, else vector, else scalar
  avx2,       ///< four frequencies per AVX2+FMA vector (mt1d_avx2.cpp + mt1d_simd.inc)
  vector,     ///< two frequencies per generic GCC/Clang vector (mt1d_vector.cpp + mt1d_simd.inc)
  scalar,     ///< one frequency at a time, complex division and libm (mt1d.cpp)
};

/// True when `kernel` can run here (automatic and scalar always can).
bool mt1d_kernel_available(Mt1dKernel kernel) noexcept;

/// Batched 1-D forward: n_models models x n_freq frequencies on the thread pool.
/// freq (Hz, n_freq); rho (n_models x n_layers, ohm m); thick_km (n_models x (n_layers-1), km).
/// Outputs (n_models x n_freq, row-major): rho_a (ohm m), phase (deg), Z (ohm, complex).
/// Throws std::invalid_argument for an unavailable kernel or bad frequencies.
void forward_1d_batch(const double* freq, std::size_t n_freq, const double* rho,
                      const double* thick_km, std::size_t n_models, std::size_t n_layers,
                      double* rho_a, double* phase_deg, cplx* Z, long n_threads,
                      Mt1dKernel kernel = Mt1dKernel::automatic);

namespace detail {
/// One model, all frequencies, W per vector (mt1d_simd.inc). a: sqrt(omega mu0) per frequency
/// (sqrt(ohm/m)); sr, isr: sqrt(rho_j), 1/sqrt(rho_j) (sqrt(ohm m)); yh: 2 Re(k_j h_j) / a =
/// sqrt(2) h_j / sqrt(rho_j) (h in metres). Outputs n_freq each.
void forward_1d_model_avx2(const double* a, std::size_t n_freq, const double* sr,
                           const double* isr, const double* yh, std::size_t n_layers,
                           double* rho_a, double* phase_deg, cplx* Z) noexcept;
void forward_1d_model_vector(const double* a, std::size_t n_freq, const double* sr,
                             const double* isr, const double* yh, std::size_t n_layers,
                             double* rho_a, double* phase_deg, cplx* Z) noexcept;
}  // namespace detail

}  // namespace geoinvert::mt
