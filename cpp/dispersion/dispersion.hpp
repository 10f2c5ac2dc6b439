// Surface-wave dispersion curves (phase and group velocity) of layered elastic models.
//
// Secular functions: see secular.hpp (Dunkin 1965 compound matrix in the CPS surf96 form for
// Rayleigh, Thomson-Haskell for Love). Earth flattening: Schwab & Knopoff (1972) as implemented in CPS
// surf96 `sphere` (layer mid-point velocity mapping, Biswas 1972 density exponents).
//
// Root search (dispersion.cpp): periods are processed from the shortest to the longest. At the
// first (highest) frequency the phase-velocity axis (c_lo, vs_halfspace] is scanned with an
// adaptive step (at most a quarter of a WKB mode spacing) and every sign change is refined.
// Without a mode count (Rayleigh waves with fluid layers), pairs of close roots between two
// same-sign samples are hunted by a slope test (analytic dF/dc at both ends) and a three-point
// dip test followed by a golden-section search of |F|; with a count the scan only needs signs
// (plain evaluations) because the count check below finds any pair it stepped over. At
// each further frequency every tracked mode is continued from a prediction extrapolated along
// the curve (Lagrange in ln omega through the last 4 or 6 roots, or Hermite through the last
// 2 or 3 roots and slopes on the group path, the higher order where it did better at the
// previous frequency): Newton steps on the scale-free secular function G = F/|V| (analytic
// dual-number derivative; phase only: one Newton step then secant steps on plain
// evaluations); guards (ordered roots, parity of the root count below, distance from the
// prediction in WKB phase, and a root that leaves its smooth branch) catch jumps and call for
// the count (or, without one, a scan).
// PROOF (mode_count.hpp): the roots found are modes 0..n without a gap iff the mode count
// N(c) just above the highest one is n + 1 (or N(vs_n) = the number found when fewer modes
// exist). This one count is evaluated at the first frequency, at every frequency for Love
// waves (an exact Sturm count costing ~3 secular evaluations) and, for Rayleigh waves (a Maslov
// count costing ~sum k h sub-steps), wherever a guard fired. When it fails, every mode 0..n is
// isolated by bisection on the count (N(a) = m, N(b) = m + 1: exactly one root in (a, b)) and
// refined. Not proven: Rayleigh continuation steps where no guard fired, and Rayleigh waves in
// models with fluid layers (no count); there the heuristic guards are all there is.
// ONE-MODE CALLS (a single requested mode k > 0, with a count): the first frequency locates
// modes 0..k by the scan (the lower k sign changes are not refined) and proves mode k with
// N = k + 1 just above it; from then on mode k ALONE is continued (no lower modes to bound it)
// and proven at EVERY frequency by one count N(r (1 + 1e-9)) = k + 1 together with the parity
// guard (F just below r has the sign of F at c_lo times (-1)^k): any jump of the continuation
// changes the count; what is left is a pair of further roots closer than 1e-9 relative just
// above r. Otherwise mode k is isolated by bisection on the count. Several modes in one call
// keep the joint continuation of modes 0..max above. Modes only
// disappear (at their cut-off) as the frequency decreases, so a mode not found is NaN there and
// at all longer periods. Group velocity: implicit differentiation of F(c, omega) = 0,
// U = c / (1 - (omega/c) dc/domega), dc/domega = -F_omega/F_c, with both partial derivatives
// propagated analytically through the recursion.
#pragma once

#include <cstddef>
#include <vector>

#include "dispersion/secular.hpp"

namespace geoinvert::dispersion {

/// Options of a dispersion computation.
struct Request {
  Wave wave = Wave::rayleigh;
  int mode = 0;                 ///< 0 = fundamental
  /// Several modes in one pass (each >= 0, any order); empty: just `mode`. All modes up to the
  /// highest one are continued together (no mode is skipped), so this costs one pass for the
  /// highest. One mode k > 0 alone (`mode`, or one entry here) continues just mode k, proven by a
  /// mode count at every period where one exists (Love; Rayleigh in solid models).
  std::vector<int> modes;
  bool spherical = false;       ///< apply the earth-flattening transformation
  double earth_radius = 6370.0; ///< km, flattening radius (that of CPS surf96)
  bool group = false;           ///< also compute group velocity
  /// Batched Rayleigh phase velocities of solid models four per AVX2 vector (dispersion.cpp,
  /// LockstepX4) where the CPU has AVX2; false: always the scalar solver. Both give
  /// bit-identical results (the switch exists for tests and timings).
  bool simd = true;
};

/// True when compute() can run four models per AVX2 vector on this CPU (Request::simd).
bool simd_available();

/// Check periods and models; throws std::invalid_argument naming the argument and index.
/// Arrays are C-contiguous (n_models, n_layers); periods (n_periods,).
void validate(const double* periods, std::size_t n_periods, const double* thickness,
              const double* vp, const double* vs, const double* rho, std::size_t n_models,
              std::size_t n_layers, const Request& request);

/// Phase (and optionally group) velocity in km/s of `request.mode` (or of each of
/// `request.modes`) for every model and period.
///
/// periods in s (any order, > 0); thickness km, vp/vs km/s, rho g/cm^3, shape
/// (n_models, n_layers), the last layer is the half-space. Writes phase[n_models * n_modes *
/// n_periods] (model-major, then mode in request order; n_modes = 1 without `modes`) and, when
/// request.group, group of the same shape (may be null otherwise). A mode that
/// does not exist at a period is NaN. Models are spread over n_threads (<= 0: all cores);
/// results do not depend on the thread count. Input must have passed validate().
void compute(const double* periods, std::size_t n_periods, const double* thickness,
             const double* vp, const double* vs, const double* rho, std::size_t n_models,
             std::size_t n_layers, const Request& request, double* phase, double* group,
             long n_threads);

/// The (normalised) secular function and its partial derivatives dF/dc (fixed omega) and
/// dF/domega (fixed c) of one model at one period, for diagnostics and tests. Values carry a
/// positive, c-dependent normalisation: only signs, zeros and ratios of derivatives are
/// meaningful. c must lie in (0, vs_halfspace].
void secular_values(const double* thickness, const double* vp, const double* vs, const double* rho,
                    std::size_t n_layers, const Request& request, double period, const double* c,
                    std::size_t n_c, double* F, double* dFdc, double* dFdw);

/// Mode counts N(c): the number of modes of `request.wave` with phase velocity below c[i] (km/s)
/// at one period (s), see mode_count.hpp (exact for Love waves; for Rayleigh waves a Sturm /
/// Maslov count, -1 for models with fluid layers). c must lie in (0, vs_halfspace].
void mode_counts(const double* thickness, const double* vp, const double* vs, const double* rho,
                 std::size_t n_layers, const Request& request, double period, const double* c,
                 std::size_t n_c, long* count);

}  // namespace geoinvert::dispersion
