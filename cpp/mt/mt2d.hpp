// Magnetotelluric 2-D forward modelling with nodal bilinear (Q1) finite elements.
//
// Strike along x, profile coordinate y, z down, time dependence e^{+i omega t}.
//   TE (E-polarisation):  div grad Ex - i omega mu0 sigma Ex = 0  on earth + air (sigma_air = 0)
//   TM (H-polarisation):  div (rho grad Hx) - i omega mu0 Hx = 0  on the earth only
// Galerkin weak forms give complex symmetric systems K + i omega mu0 M (+ a bottom impedance
// term), solved by the multifrontal LDL^T of multifrontal_ldlt.hpp on the separator tree of a
// geometric nested dissection of the grid (George 1973, "Nested dissection of a regular finite
// element mesh", SIAM J. Numer. Anal. 10, 345-363).
// A scalar nodal formulation has no gradient null space, so it stays accurate at 1e-4 Hz with a
// non-conducting air (cf. Wannamaker, Stodt & Rijo 1987 for the FE formulation).
// Boundary conditions: Dirichlet on both sides from the 1-D FE solution of the edge column (so a
// laterally uniform model reproduces the 1-D FE answer exactly); top of the air (TE): Ex = 1;
// earth surface (TM): Hx = 1; bottom: impedance (Robin) condition du/dn = -k u of the bottom
// cell's half-space.
// Surface magnetic (TE) / electric (TM) fields come from the variationally consistent flux (the
// residual of the weak form over the air (TE) or earth (TM) elements), not from a one-sided
// difference, which makes them second-order accurate.
// Z_TE = Ex/Hy, Z_TM = -Ey/Hx in ohms.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "mt/multifrontal_ldlt.hpp"

namespace geoinvert::mt {

/// One polarisation on one mesh: pattern, ordering, symbolic factor and element data.
struct ModeSystem;

class Mt2dProblem;

/// One mesh of a batched forward run (Mt2dProblem::forward_batch): the problem, where its earth
/// cells take their resistivity from, and the frequencies it serves.
struct Mt2dBand {
  const Mt2dProblem* problem = nullptr;
  /// Per earth cell of the mesh (n_cells_z x n_cells_y, row-major): the flat index of the model
  /// cell it takes its resistivity from, in [0, n_model_cells).
  const std::int64_t* cell_map = nullptr;
  const double* freq = nullptr;  ///< the mesh's frequencies (Hz)
  const int* freq_row = nullptr;  ///< output row (in [0, n_freq_out)) of each of them
  int n_freq = 0;
};

/// A 2-D MT problem on a rectilinear node grid.
class Mt2dProblem {
 public:
  /// y: ny node coordinates (m, increasing); z: nz node depths (m, increasing, z[n_air] == 0
  /// is the surface, z < 0 is air); n_air: number of air cell rows; stations: positions (m)
  /// strictly inside (y[0], y[ny-1]).
  Mt2dProblem(std::vector<double> y, std::vector<double> z, int n_air,
              std::vector<double> stations);
  ~Mt2dProblem();

  int n_unknowns(int mode) const;        ///< mode 0 = TE, 1 = TM
  std::int64_t factor_nnz(int mode) const;
  double factor_ops(int mode) const;  ///< complex multiply-adds per factorisation
  int n_stations() const { return static_cast<int>(st_.size()); }
  int n_cells_y() const { return static_cast<int>(y_.size()) - 1; }
  int n_cells_z() const { return static_cast<int>(z_.size()) - 1 - n_air_; }  ///< earth rows

  /// Forward: rho is (n_cells_z x n_cells_y) row-major (depth rows, earth cells only, ohm m).
  /// Z_te, Z_tm: (n_freq x n_stations). A failed factorisation gives NaN for that frequency.
  void forward(const double* rho, const double* freq, int n_freq, cplx* Z_te, cplx* Z_tm,
               long n_threads) const;

  /// Misfit and gradient: data d = (log10 rho_a, phase_deg) per mode/freq/station;
  /// obs and w shaped (2 modes, n_freq, n_stations, 2 [log10 rho_a, phase]); misfit
  /// sum w (d - obs)^2; gradient w.r.t. log10 rho of every earth cell (n_cells_z x n_cells_y).
  /// Z outputs as in forward().
  double misfit_gradient(const double* rho, const double* freq, int n_freq, const double* obs,
                         const double* w, double* grad, cplx* Z_te, cplx* Z_tm,
                         long n_threads) const;

  /// Forward of n_models models over one or several meshes (frequency bands) in one pool run:
  /// every (mesh, mode, model, frequency) item is one task on the thread pool, with at most one
  /// live factor per worker (items are handed out mesh by mesh and mode by mode, so a worker
  /// rebuilds its factor about once per mesh and mode). rho: n_models x n_model_cells (ohm m,
  /// row-major). All meshes must have the same number of stations. Z_te, Z_tm: n_models x
  /// n_freq_out x n_stations; rows no mesh serves stay NaN, as does a frequency whose
  /// factorisation failed. Each item's result is computed by the same code whatever the
  /// thread count and the other models in the call, so results are bit-identical to one call
  /// per model and mesh (forward()).
  static void forward_batch(const Mt2dBand* bands, int n_bands, const double* rho,
                            std::size_t n_models, std::size_t n_model_cells, int n_freq_out,
                            cplx* Z_te, cplx* Z_tm, long n_threads);

 private:
  std::vector<double> y_, z_, st_;
  int n_air_;
  std::unique_ptr<ModeSystem> te_, tm_;
  std::vector<int> st_j_;        // station cell index along y
  std::vector<double> st_t_;     // station interpolation weight of node j+1
};

}  // namespace geoinvert::mt
