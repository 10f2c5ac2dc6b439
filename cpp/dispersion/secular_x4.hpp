// The Rayleigh secular function of FOUR solid models in one AVX2 pass (secular_x4_avx2.cpp):
// one model per vector lane, each lane with its own phase velocity and layer data.
//
// Exactness: each lane performs exactly the floating-point operations of secular() (secular.hpp)
// for its model, in the same order (the translation unit is compiled with -ffp-contract=off, the
// layer functions are the same per-lane libm calls), so every lane's value is bit-identical to
// the scalar secular<double> / secular<Dual<1>> / secular<Dual<2>> of that model. Layers are aligned from the
// half-space upward (step k = layer n-1-k of each lane); a lane with fewer layers is masked off
// for the steps above its top layer, and normalises where the scalar code does (every
// kNormEvery layers counted from the half-space, and after its own top layer).
//
// Only solid models (no fluid layers) and Rayleigh waves; everything else uses secular().
#pragma once

#include <cstddef>
#include <vector>

#include "dispersion/secular.hpp"

namespace geoinvert::dispersion {

/// Structure-of-arrays layer data of four prepared solid models (lanes 0..3), plain pointers
/// (the AVX2 translation unit instantiates no library templates). Entry [4 k + l] is layer
/// n_l - 1 - k of lane l (k = 0 just above the half-space); entries beyond a lane's layers hold
/// copies of valid data and are never used for that lane.
struct LanesX4Data {
  std::size_t k_max = 0;  ///< most layers above the half-space of any lane
  int n[4] = {0, 0, 0, 0};
  const double *h = nullptr, *rho = nullptr, *a2inv = nullptr, *b2inv = nullptr, *b2 = nullptr;
  double rho_n[4] = {}, a2inv_n[4] = {}, b2_n[4] = {};  // the half-spaces
  double* work = nullptr;  ///< scratch of the kernels: 32 k_max doubles (one caller at a time)
};

/// Owner of the layer data (one per worker: allocates only when k_max grows).
class LanesX4 {
 public:
  /// Fill from the models of lanes 0..3; a null pointer is an unused lane (filled with a copy
  /// of the first non-null lane, at least one must be set).
  void set(const PreparedModel* const* models);
  const LanesX4Data& data() const { return d_; }

 private:
  std::vector<double> buf_;
  LanesX4Data d_;
};

/// True when the CPU runs the AVX2 kernels (and they are compiled in: x86-64 GCC/Clang).
bool secular_x4_available();

/// Plain values of the four lanes in `active` (bit l = lane l) at (s[l], c[l]) and angular
/// frequency omega (rad/s): F[l] and the normalisation N[l] (secular(): G = F / N). Inactive
/// lanes are not written.
void secular_x4_value(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      double omega, double* F, double* N);

/// Value + slope (Dual<1>, derivative direction (ds, dc) = (1, dc_ds[l]), omega fixed) with the
/// growth log-derivative, as CurveSolver::eval<1>: F, dF/ds, dL/ds and N per active lane.
void secular_x4_slope(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      const double* dc_ds, double omega, double* F, double* Fs, double* Ls,
                      double* N);

/// Value and both derivatives (Dual<2>, directions (ds, dc, domega) = (1, dc_ds[l], 0) and
/// (0, 0, 1), no growth), as CurveSolver::eval<2> (group velocity): F, dF/ds, dF/domega and N
/// per active lane.
void secular_x4_group(const LanesX4Data& lanes, unsigned active, const double* s, const double* c,
                      const double* dc_ds, double omega, double* F, double* Fs, double* Fw,
                      double* N);

}  // namespace geoinvert::dispersion
