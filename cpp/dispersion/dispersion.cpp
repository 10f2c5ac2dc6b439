#include "dispersion/dispersion.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "common/errors.hpp"
#include "common/parallel.hpp"
#include "dispersion/mode_count.hpp"
#include "dispersion/secular_x4.hpp"

namespace geoinvert::dispersion {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMinScanSteps = 12;        // scan step <= (vs_n - c_lo) / kMinScanSteps
constexpr double kMaxScanPhase = 0.25 * kPi;  // WKB phase change per scan step (1/4 mode)
constexpr double kMaxJumpPhase = 0.5 * kPi;   // allowed WKB distance of a root from prediction
// Root-count scan of a continued root (see solve) when it lies above the lower of its prediction
// and the tangent by more than kSmooth times the last step of the branch, or above the previous
// root by more than kMaxMovePhase of WKB phase (at fixed omega).
// Calibrated on the fixture's thin-layered and LVZ models (0.5 and 0.5 pi still catch every
// jump there; half of that is kept as a margin).
constexpr double kSmooth = 0.25;
constexpr double kMaxMovePhase = 0.5 * kPi;

inline double sgn(double x) { return x < 0.0 ? -1.0 : 1.0; }

struct Eval {
  double F, Fs, Fw;
  double Ls = 0.0;  ///< dL/ds, L = log(1/scale) of F (secular()); 0 when not tracked
  double N = 1.0;   ///< G = F / N is the scale-free secular function (secular())
};

struct Root {
  bool ok = false;
  double c = kNaN;
  double sgn_c = 0.0;  ///< sign of dF/dc at the root
  double dcdw = 0.0;   ///< dc/domega along the curve
  double K = kNaN;     ///< |F''/2F'| estimate from the Newton steps (convergence test)
};

class CurveSolver {
 public:
  void prepare(const double* h, const double* vp, const double* vs, const double* rho,
               std::size_t n_layers, const Request& rq);
  /// Modes out_modes[0..n_out) (highest = mode) at every frequency; outputs are
  /// [n_out][n_freq] in sorted-frequency order.
  void solve(const double* omega_sorted, std::size_t n_freq, int mode, const int* out_modes,
             std::size_t n_out, double* phase_sorted, double* group_sorted);

  // solve() in steps, so that LockstepX4 can drive four solvers through the same sequence:
  // begin; per frequency j: first_period() (j = 0) or start_period() and, per tracked mode
  // m < modes_tracked() until accept() returns false, predict -> root -> accept; end_period.
  void begin(const double* omega_sorted, std::size_t n_freq, int mode, const int* out_modes,
             std::size_t n_out, double* phase_sorted, double* group_sorted);
  void first_period();
  void start_period() {
    k_ok_ = 0;
    doubt_ = false;
  }
  std::size_t modes_tracked() const { return K_; }
  /// Lowest mode continued at the frequencies after the first: 0, or the requested mode of a
  /// one-mode call (see prove_solo()).
  std::size_t first_mode() const { return m0_; }
  /// Predicted phase velocity (km/s) of mode m at frequency j, clamped to the search range.
  double predict(std::size_t j, std::size_t m);
  /// Guards on the continued root r of mode m; false: mode m and above are gone.
  bool accept(std::size_t j, std::size_t m, Root r, double c_pred);
  void end_period(std::size_t j);
  /// The lockstep AVX2 path applies: Rayleigh waves in a solid model (phase or group).
  bool lockstep_eligible() const { return wave_ == Wave::rayleigh && !m_.fluid_top; }

 private:
  double c_of_s(double s) const { return m_.beta_n * std::sqrt((1.0 - s) * (1.0 + s)); }
  double s_of_c(double c) const {
    const double x = c / m_.beta_n;
    return x >= 1.0 ? 0.0 : std::sqrt((1.0 - x) * (1.0 + x));
  }
  double f0(double s, double omega) const {
    return secular<double>(m_, wave_, s, c_of_s(s), omega);
  }
  template <int ND>
  Eval eval(double s, double omega) const {
    const double c = c_of_s(s);
    Dual<ND> S, C, W;
    S.v = s;
    C.v = c;
    W.v = omega;
    for (int i = 0; i < ND; ++i) S.d[i] = C.d[i] = W.d[i] = 0.0;
    S.d[0] = 1.0;
    C.d[0] = -m_.beta_n * m_.beta_n * s / c;
    if (ND == 2) W.d[ND - 1] = 1.0;
    // Phase only: Newton on the scaled function (growth bookkeeping, see secular()). With group
    // velocity the plain Newton on the unscaled F is kept: its last iterates lie closer to the
    // root, where dc/domega is evaluated.
    double g[ND] = {}, N = 1.0;
    const Dual<ND> F = secular(m_, wave_, S, C, W, ND == 1 ? g : nullptr, &N);
    return {F.v, F.d[0], ND == 2 ? F.d[ND - 1] : 0.0, g[0], N};
  }
  /// The scale-free secular function G = F / N (secular()), plain evaluation.
  double g0(double s, double omega) const {
    double N = 1.0;
    const double F = secular<double>(m_, wave_, s, c_of_s(s), omega, nullptr, &N);
    return F / N;
  }
  double wkb_phase(double c, double omega) const;

 public:
  const PreparedModel& model() const { return m_; }
  double value_c(double c, double omega) const { return f0(s_of_c(c), omega); }
  /// F, dF/dc (fixed omega), dF/domega (fixed c): diagnostics.
  Eval eval_c(double c, double omega) const {
    const double s = s_of_c(c);
    Dual<2> S, C, W;
    S.v = s;
    C.v = c;
    W.v = omega;
    S.d[0] = -c / (m_.beta_n * m_.beta_n * s);
    S.d[1] = 0.0;
    C.d[0] = 1.0;
    C.d[1] = 0.0;
    W.d[0] = 0.0;
    W.d[1] = 1.0;
    const Dual<2> F = secular(m_, wave_, S, C, W);
    return {F.v, F.d[0], F.d[1]};
  }

 private:
  template <int ND>
  Root newton(double s0, double omega, bool bracketed, double s_a, double F_a, double s_b,
              double K_hint) const;
  /// newton<ND> between two evaluations (LockstepX4::newton2 drives it for four models).
  struct NewtonState {
    double s, prev_dc, s_prev_eval, R_prev, s_pos, s_neg;
    bool have_pos, have_neg, left_newton;
    int clamps, it;
  };
  void newton_init(NewtonState& st, double s0, bool bracketed, double s_a, double F_a,
                   double s_b) const;
  template <int ND>
  bool newton_step(NewtonState& st, const Eval& e, double K_hint, Root& res) const;
  Root refine(double c1, double F1, double c2, double F2, double omega) const;
  /// dc/domega of a converged root from one two-derivative evaluation (group velocity).
  void add_slope(Root& r, double omega) const;
  Root continue_phase(double s0, double omega, double K_hint) const;
  /// With `bare_below` (only with a mode count) the first bare_below sign changes are not
  /// refined: out[i].c is the upper end of the step holding the root (a one-mode call needs only
  /// the interval, see first_period()).
  int scan(double c_a, double F_a, double c_b, double omega, int need, Root* out,
           int bare_below = 0);
  /// Mode count N(c) at omega (mode_count.hpp); -1 where none is available (Rayleigh waves
  /// with fluid layers).
  int count(double c, double omega) const {
    return wave_ == Wave::love ? love_mode_count(m_, c, omega) : rayleigh_mode_count(m_, c, omega);
  }
  std::size_t verify(double omega, Root* roots, std::size_t K, std::size_t need);
  /// Mode mo alone by bisection on the count (samples_ may hold counts already taken at this
  /// omega), refined and polished into `out`. Returns 1 (found), 0 (no mode mo at omega, or no
  /// sign change in the count's bracket) or -1 (no usable count).
  int isolate(double omega, int mo, Root& out);
  /// Bisection on the count for mode mo between the samples_ taken so far (they hold c_lo with
  /// N = 0 and vs_n with N = n_top > mo), then refined and polished inside the count's bracket
  /// (which holds exactly one root); false without a sign change there. Used by verify() and
  /// isolate() alike.
  bool bisect_mode(double omega, int mo, int n_top, Root& out);
  /// One-mode call, end of a frequency: prove the continued root with one count, or isolate the
  /// mode (see the comment at its definition).
  void prove_solo(double omega);
  /// Lower bound of mode m and the sign of F just below it: the root below, or c_lo and the
  /// parity of m when m is the lowest mode continued.
  double lower_c(std::size_t m) const { return m == m0_ ? m_.c_lo : roots_[m - 1].c; }
  double sign_below(std::size_t m) const {
    return m == 0 ? sign_lo_ : m == m0_ ? ((m & 1u) ? -sign_lo_ : sign_lo_) : roots_[m - 1].sgn_c;
  }
  int dip_search(double a, double Fa, double x, double Fx, double b, double Fb, double omega,
                 Root* out) const;
  int probe_pair(double c, double F, double D, double cn, double Fn, double Dn, double omega,
                 Root* out) const;
  /// Relative size of a step ds at (s, c): max(|dc|/c, 1e-2 |ds|/s) to first order.
  double step_measure(double ds, double s, double c) const {
    return ds * std::max(m_.beta_n * m_.beta_n * s / (c * c), 1e-2 / std::max(s, 1e-7));
  }
  /// dF/dc (scaled like F) from dF/ds; NaN at s = 0 where dc/ds vanishes.
  double dfdc(double Fs, double s, double c) const {
    return s > 0.0 ? Fs * (-c / (m_.beta_n * m_.beta_n * s)) : kNaN;
  }

  PreparedModel m_;
  Wave wave_ = Wave::rayleigh;
  double s_max_ = 0.0;
  double sign_lo_ = 1.0;
  std::vector<Root> roots_, prev_, prev2_, prev3_, prev4_, prev5_, prev6_;
  /// Phase-only predictions of each mode at this frequency from the last 4 and the last 6 roots,
  /// and the errors these two predictors made at the previous frequency.
  std::vector<double> pred4_, pred6_, err4_, err6_;
  std::vector<double> nodes_;  ///< layer velocities inside (c_lo, vs_n), sorted
  std::vector<std::pair<double, int>> samples_;  ///< (c, N(c)) of a count bisection
  bool group_ = false;  ///< derivatives in omega too (group velocity, Hermite prediction)
  // State of a solve() between its steps.
  const double* omega_ = nullptr;
  std::size_t n_freq_ = 0, n_out_ = 0, need_ = 0;
  const int* out_modes_ = nullptr;
  double *phase_ = nullptr, *grp_ = nullptr;
  std::size_t K_ = 0;     ///< modes still tracked (modes disappear towards long periods)
  std::size_t k_ok_ = 0;  ///< modes accepted at this frequency
  bool doubt_ = false;    ///< a guard fired at this frequency: prove with a mode count
  double w_prev_ = kNaN, w_prev2_ = kNaN, w_prev3_ = kNaN, w_prev4_ = kNaN, w_prev5_ = kNaN,
         w_prev6_ = kNaN;
  bool have_count_ = false;  ///< a mode count is available (count() >= 0)
  /// Lowest mode continued: 0, or in a one-mode call (a single output mode > 0, with a mode
  /// count) that mode, which alone is continued and proven by a count at every frequency
  /// (prove_solo()).
  std::size_t m0_ = 0;

  friend class LockstepX4;  // drives the steps of solve() for four models at once
};

void CurveSolver::prepare(const double* h, const double* vp, const double* vs, const double* rho,
                          std::size_t n_layers, const Request& rq) {
  wave_ = rq.wave;
  PreparedModel& m = m_;
  m.h.clear();
  m.rho.clear();
  m.a2inv.clear();
  m.b2inv.clear();
  m.b2.clear();
  m.mu.clear();
  m.vp.clear();
  m.vs.clear();
  m.fluid.clear();
  const double a = rq.earth_radius;
  double depth = 0.0;
  for (std::size_t i = 0; i < n_layers; ++i) {
    const bool half = i + 1 == n_layers;
    double hi = half ? 0.0 : h[i];
    if (!half && hi == 0.0) continue;  // zero-thickness layers are exact identities
    double p = vp[i], s = vs[i], r = rho[i];
    if (rq.spherical) {
      // CPS surf96 `sphere`: flattened thickness a ln(r0/r1), velocities scaled by a / r_mid
      // (r_mid the layer mid-point radius; the half-space uses its top 1 km), density by
      // (a/r_mid)^-5 for Love and ^-2.275 for Rayleigh waves (Biswas 1972).
      const double r0 = a - depth;
      const double r1 = r0 - (half ? 1.0 : hi);
      const double tmp = 2.0 * a / (r0 + r1);
      if (!half) hi = a * std::log(r0 / r1);
      p *= tmp;
      s *= tmp;
      r *= std::pow(tmp, rq.wave == Wave::love ? -5.0 : -2.275);
      depth += half ? 0.0 : h[i];
    }
    m.h.push_back(hi);
    m.rho.push_back(r);
    m.vp.push_back(p);
    m.vs.push_back(s);
    m.a2inv.push_back(1.0 / (p * p));
    m.b2.push_back(s * s);
    m.b2inv.push_back(s > 0.0 ? 1.0 / (s * s) : 0.0);
    m.mu.push_back(r * s * s);
    m.fluid.push_back(s == 0.0 ? 1 : 0);
  }
  m.n = m.h.size() - 1;
  m.fluid_top = m.fluid[0] != 0;
  m.beta_n = m.vs[m.n];
  double lo = m.beta_n;
  for (std::size_t i = 0; i <= m.n; ++i) {
    if (m.fluid[i]) {
      if (rq.wave == Wave::rayleigh) lo = std::min(lo, 0.6 * m.vp[i]);
      continue;
    }
    // Rayleigh velocity of a half-space of this layer: >= 0.874 vs for vp/vs >= sqrt(2),
    // >= 0.689 vs down to vp/vs = sqrt(4/3); Love modes are never slower than min vs.
    const double ratio = m.vp[i] / m.vs[i];
    const double f = rq.wave == Wave::love ? 0.95 : (ratio >= 1.4142 ? 0.85 : 0.65);
    lo = std::min(lo, f * m.vs[i]);
  }
  if (m.fluid_top && rq.wave == Wave::rayleigh) lo *= 0.9;  // Scholte waves on soft floors
  m.c_lo = lo;
  have_count_ = rq.wave == Wave::love || !m.fluid_top;
  s_max_ = s_of_c(m.c_lo);
  // Scan nodes: the layer velocities inside the search range. Modes change character there
  // (the fundamental of a slow layer lies just below its vs, the overtones start just above),
  // so a scan step never straddles one.
  nodes_.clear();
  for (std::size_t i = 0; i < m.n; ++i) {
    if (!m.fluid[i] && m.vs[i] > m.c_lo && m.vs[i] < m.beta_n) nodes_.push_back(m.vs[i]);
    if (rq.wave == Wave::rayleigh && m.vp[i] > m.c_lo && m.vp[i] < m.beta_n)
      nodes_.push_back(m.vp[i]);
  }
  std::sort(nodes_.begin(), nodes_.end());
}

double CurveSolver::wkb_phase(double c, double omega) const {
  const double ic2 = 1.0 / (c * c);
  double sum = 0.0;
  for (std::size_t i = 0; i < m_.n; ++i) {
    double t = 0.0;
    // vertical wavenumber / omega of propagating (c > v) waves: sqrt(1/v^2 - 1/c^2)
    if (!m_.fluid[i]) t += std::sqrt(std::max(0.0, m_.b2inv[i] - ic2));
    if (wave_ == Wave::rayleigh) t += std::sqrt(std::max(0.0, m_.a2inv[i] - ic2));
    sum += m_.h[i] * t;
  }
  return omega * sum;
}

// Safeguarded Newton iteration in s = sqrt(1 - c^2/vs_n^2) on F and its analytic derivative.
// Phase only (ND == 1): on the scale-free G = F / |V| of secular() (nearly linear between
// roots: ~2 evaluations per period instead of ~3.5 on the 40-layer model); with group velocity
// (ND == 2) on the unscaled F, whose last iterates lie closer to the root where dc/domega is
// taken.
// With `bracketed`, [s_a, s_b] holds a sign change and every iterate stays inside it (bisection
// otherwise). Without, the iteration starts from s0 and builds a bracket from its iterates.
// Convergence: the relative step d (step_measure: |dc|/c, and at least 1e-2 |ds|/s so that s
// converges next to the half-space vs) is below 1e-12, or the quadratic-convergence estimate of
// the error of the new iterate, K d^2 (K estimated from the last two steps, or `K_hint` from the
// previous frequency of the same mode, only while every step was a Newton step), is below
// 1e-12. Every evaluation also gives
// dc/domega = -F_omega/F_c, extrapolated (linearly in s) to the root from the last two iterates.
// The body of the iteration is newton_step(): LockstepX4::newton2 runs it for four models at once
// (group velocities), with the evaluations in one AVX2 pass.
template <int ND>
Root CurveSolver::newton(double s0, double omega, bool bracketed, double s_a, double F_a,
                         double s_b, double K_hint) const {
  Root res;
  NewtonState st;
  newton_init(st, s0, bracketed, s_a, F_a, s_b);
  while (st.it < 100) {
    const Eval e = eval<ND>(st.s, omega);
    if (newton_step<ND>(st, e, K_hint, res)) return res;
  }
  return res;
}

void CurveSolver::newton_init(NewtonState& st, double s0, bool bracketed, double s_a, double F_a,
                              double s_b) const {
  st.s = s0;
  st.prev_dc = kNaN;
  st.s_prev_eval = kNaN;
  st.R_prev = kNaN;
  st.have_pos = st.have_neg = false;
  st.s_pos = st.s_neg = 0.0;
  if (bracketed) {
    if (F_a > 0.0) {
      st.s_pos = s_a;
      st.s_neg = s_b;
    } else {
      st.s_pos = s_b;
      st.s_neg = s_a;
    }
    st.have_pos = st.have_neg = true;
  }
  st.clamps = 0;
  st.left_newton = false;  // a bisection or clamped step was taken
  st.it = 0;
}

// One iteration of newton<ND> with the evaluation e = eval<ND>(st.s, omega): true when the
// iteration has ended (res: the root, or not ok), else st holds the next iterate.
template <int ND>
bool CurveSolver::newton_step(NewtonState& st, const Eval& e, double K_hint, Root& res) const {
  const double s = st.s;
  const double c = c_of_s(s);
  if (!std::isfinite(e.F) || !std::isfinite(e.Fs)) {
    res = Root{};
    return true;
  }
  const double dcds = -m_.beta_n * m_.beta_n * s / c;
  double R = ND == 2 ? (e.Fs != 0.0 ? -e.Fw * dcds / e.Fs : 0.0) : kNaN;
  if (e.F == 0.0) {
    res = Root{};
    res.ok = true;
    res.c = c;
    res.sgn_c = -sgn(e.Fs);
    res.dcdw = R;
    res.K = K_hint;
    return true;
  }
  if (e.F > 0.0) {
    st.s_pos = s;
    st.have_pos = true;
  } else {
    st.s_neg = s;
    st.have_neg = true;
  }
  const bool br = st.have_pos && st.have_neg;
  const double lo = br ? std::min(st.s_pos, st.s_neg) : 0.0;
  const double hi = br ? std::max(st.s_pos, st.s_neg) : s_max_;
  // Newton step on the scaled function G = F exp(-L) (same roots): G/G' = F / (F' - F L').
  double Gs = e.Fs - e.F * e.Ls;
  if (!(std::isfinite(Gs) && Gs != 0.0)) Gs = e.Fs;
  double s_new = Gs != 0.0 ? s - e.F / Gs : kNaN;
  bool newton_step = std::isfinite(s_new);
  if (br) {
    if (!(s_new > lo && s_new < hi)) {
      s_new = 0.5 * (lo + hi);
      newton_step = false;
    }
  } else {
    if (!std::isfinite(s_new)) {
      res = Root{};
      return true;
    }
    if (s_new < 0.0 || s_new > s_max_) {
      s_new = std::clamp(s_new, 0.0, s_max_);
      newton_step = false;
      if (++st.clamps > 2) {
        res = Root{};
        return true;
      }
    }
  }
  const double c_new = c_of_s(s_new);
  // Relative step: |dc|/c, but at least 1e-2 |ds|/s, so that next to the half-space vs (small
  // s, where dc = -(vs_n^2 s / c) ds vanishes) s itself converges: dc/domega and the group
  // velocity are proportional to dc/ds ~ s there.
  const double dc = step_measure(std::fabs(s_new - s), s_new, c_new);
  double K = kNaN;
  bool done = dc <= 1e-12;
  if (!done && newton_step && dc <= 1e-5) {
    if (std::isfinite(st.prev_dc) && st.prev_dc > 0.0) {
      K = dc / (st.prev_dc * st.prev_dc);
      done = K * dc * dc <= 1e-12;
    } else if (std::isfinite(K_hint) && !st.left_newton) {
      // (the previous frequency's K only describes an iteration that has stayed in Newton's
      // regime; after a bisection or clamp the curvature here can be anything)
      done = K_hint * dc * dc <= 1e-12;
    }
  }
  if (!done && br) done = step_measure(hi - lo, s_new, c_new) <= 1e-12;
  if (done) {
    res = Root{};
    res.ok = true;
    res.c = c_new;
    res.sgn_c = -sgn(e.Fs);
    if (br) res.sgn_c = (st.s_pos < st.s_neg) ? 1.0 : -1.0;  // F > 0 above the root (larger c)
    // (linear in s: dc/domega ~ s near the half-space vs, smooth in s everywhere)
    if (ND == 2 && std::isfinite(st.s_prev_eval) && st.s_prev_eval != s)
      R += (R - st.R_prev) / (s - st.s_prev_eval) * (s_new - s);
    res.dcdw = R;
    res.K = std::isfinite(K) ? K : K_hint;
    return true;
  }
  st.prev_dc = newton_step ? dc : kNaN;
  if (!newton_step) st.left_newton = true;
  st.s_prev_eval = s;
  st.R_prev = R;
  st.s = s_new;
  ++st.it;
  return false;
}

// Phase-only continuation from a prediction s0: one Newton step on G = F / N from a value +
// slope evaluation, then secant steps on plain evaluations of G (about half the cost of a
// value + slope one; G is nearly linear between roots, see secular()). Convergence: the error
// of the new iterate is estimated as K |d_k| |d_(k-1)| (secant; K |d|^2 after the Newton step),
// K the observed |G''/2G'| in relative units (K_hint from the previous frequency until a
// secant step has measured it); it must be below 1e-12. Anything unusual (a step leaving
// (0, s_max], no sign structure, more than 12 steps) hands over to the safeguarded newton<1>
// from the last iterate, so the outcome is never worse than before.
// LockstepX4::continue_phase repeats this iteration for four models at once, test for test:
// change both together (test_avx2_batches_bit_identical_to_scalar compares them bitwise).
Root CurveSolver::continue_phase(double s0, double omega, double K_hint) const {
  const Eval e = eval<1>(s0, omega);
  const double Gs = e.Fs - e.F * e.Ls;
  if (!(std::isfinite(e.F) && std::isfinite(Gs) && Gs != 0.0 && e.N > 0.0))
    return newton<1>(s0, omega, false, 0.0, 0.0, 0.0, K_hint);
  if (e.F == 0.0) {
    Root r;
    r.ok = true;
    r.c = c_of_s(s0);
    r.sgn_c = -sgn(Gs);
    r.K = K_hint;
    return r;
  }
  double s_prev = s0, G_prev = e.F / e.N, slope = Gs / e.N;
  double s = s0 - G_prev / slope;
  double d_prev = kNaN;  // relative size of the step before the last
  double d = step_measure(std::fabs(s - s_prev), s, c_of_s(s));
  double K = K_hint;
  for (int it = 0; it < 12; ++it) {
    if (!(s > 0.0 && s <= s_max_)) break;
    const double c = c_of_s(s);
    // Error estimate of s (the iterate not yet evaluated): K d^2 after the Newton step,
    // K d d_prev after a secant step.
    const double est = std::isfinite(d_prev) ? K * d * d_prev : K * d * d;
    if (std::isfinite(K) && est <= 1e-12 && d <= 1e-5) {
      Root r;
      r.ok = true;
      r.c = c;
      r.sgn_c = -sgn(slope);
      r.K = K;
      return r;
    }
    if (d <= 1e-14) break;  // stalled without a credible error estimate
    const double G = g0(s, omega);
    if (!std::isfinite(G)) break;
    if (G == 0.0) {
      Root r;
      r.ok = true;
      r.c = c;
      r.sgn_c = -sgn(slope);
      r.K = K;
      return r;
    }
    const double sl = (G - G_prev) / (s - s_prev);
    if (!(std::isfinite(sl) && sl != 0.0) || sgn(sl) != sgn(slope)) break;
    // K from the secant error model e_(k+1) = K e_k e_(k-1), measured as the next step over
    // the product of the last two.
    const double s_next = s - G / sl;
    const double d_next = step_measure(std::fabs(s_next - s), s_next, c_of_s(s_next));
    const double K_obs = d_next / (d * (std::isfinite(d_prev) ? d_prev : d));
    if (std::isfinite(K_obs) && d <= 1e-4) K = std::max(K_obs, std::isfinite(K) ? 0.5 * K : 0.0);
    s_prev = s;
    G_prev = G;
    slope = sl;
    s = s_next;
    d_prev = d;
    d = d_next;
  }
  return newton<1>(std::clamp(s_prev, 0.0, s_max_), omega, false, 0.0, 0.0, 0.0, K_hint);
}

Root CurveSolver::refine(double c1, double F1, double c2, double F2, double omega) const {
  // Bracket [c1, c2] with a sign change; start from the regula-falsi point in s.
  const double s1 = s_of_c(c1), s2 = s_of_c(c2);
  double t = F1 / (F1 - F2);
  if (!(t > 0.05 && t < 0.95)) t = 0.5;
  const double s0 = s1 + t * (s2 - s1);
  // The root by the phase-only Newton on the scale-free G (fewer and cheaper evaluations than
  // newton<2> on the unscaled F); with group velocity, dc/domega then comes from one value +
  // two-derivative evaluation at the converged root.
  Root r = newton<1>(s0, omega, true, s1, F1, s2, kNaN);
  if (r.ok) {
    r.sgn_c = F2 > 0.0 ? 1.0 : -1.0;
    if (group_) add_slope(r, omega);
  }
  return r;
}

void CurveSolver::add_slope(Root& r, double omega) const {
  const double s = s_of_c(r.c);
  const Eval e = eval<2>(s, omega);
  const double dcds = -m_.beta_n * m_.beta_n * s / r.c;
  r.dcdw = e.Fs != 0.0 ? -e.Fw * dcds / e.Fs : 0.0;
  // K of newton<1> describes G, not the unscaled F that newton<2> iterates on at the next
  // frequency: no hint, so that iteration measures its own.
  r.K = kNaN;
}

// Scan (c_a, c_b] for up to `need` sign changes, refining each. Returns the number found.
int CurveSolver::scan(double c_a, double F_a, double c_b, double omega, int need, Root* out,
                      int bare_below) {
  const double dc_max = (m_.beta_n - m_.c_lo) / kMinScanSteps;
  double c = c_a, F = F_a;
  double c_pp = kNaN, F_pp = kNaN;  // the point before c
  double D = kNaN;                  // sign-carrying dF/dc at c (unknown at c_a)
  double phi = wkb_phase(c, omega);
  int found = 0;
  bool pair_found = false;
  while (c < c_b && found < need) {
    double dc = std::min(dc_max, c_b - c);
    const auto node = std::upper_bound(nodes_.begin(), nodes_.end(), c * (1.0 + 1e-12));
    if (node != nodes_.end()) dc = std::min(dc, *node - c);
    double cn = c + dc;
    double phin = wkb_phase(cn, omega);
    while (phin - phi > kMaxScanPhase && dc > 1e-9 * c) {
      dc *= 0.5;
      cn = c + dc;
      phin = wkb_phase(cn, omega);
    }
    const bool last = cn >= c_b * (1.0 - 1e-15);
    if (last) cn = c_b;
    const double sn = last && c_b >= m_.beta_n ? 0.0 : s_of_c(cn);
    // Value and slope; with a mode count the slope (used only by the hidden-pair tests) is not
    // needed and a plain evaluation (~half the cost) gives the sign.
    double Fn, Dn = kNaN;
    if (have_count_) {
      Fn = f0(sn, omega);
    } else {
      const Eval en = eval<1>(sn, omega);
      Fn = en.F;
      Dn = dfdc(en.Fs, sn, cn);
    }
    if (!std::isfinite(Fn)) return found;
    if (sgn(Fn) != sgn(F) && found < bare_below && have_count_ && cn < m_.beta_n) {
      Root r;
      r.ok = true;
      r.c = cn;
      r.sgn_c = Fn > 0.0 ? 1.0 : -1.0;
      out[found++] = r;
    } else if (sgn(Fn) != sgn(F)) {
      Root r = refine(c, F, cn, Fn, omega);
      if (!r.ok) return found;
      if (!(cn >= m_.beta_n && r.c >= m_.beta_n * (1.0 - 1e-14))) out[found++] = r;
    } else if (!have_count_) {
      // (With a mode count, verify() proves afterwards that no pair was stepped over, or finds
      // it by bisection on the count: the pair tests below are only needed without one.)
      // Same sign at both ends; two close roots may hide in between when |F| dips: |F|
      // decreasing at the left end and increasing at the right end, or a dip over three
      // samples. Then search the minimum of |F| for a sign change.
      const double sg = sgn(F);
      const bool slopes = std::isfinite(D) && sg * D < 0.0 && sg * Dn > 0.0;
      const bool three = std::isfinite(F_pp) && sgn(F_pp) == sg && std::fabs(F) < std::fabs(F_pp) &&
                         std::fabs(F) < std::fabs(Fn);
      Root pair[2];
      int k = 0;
      // Newton probes from either end: a narrow resonance (a weakly coupled channel mode makes
      // a pair of roots a few 1e-3 km/s apart) shows as a Newton step pointing into the interval.
      k = probe_pair(c, F, D, cn, Fn, Dn, omega, pair);
      if (k == 0 && slopes) {
        // |F| decreases at the left end and increases at the right end: bisect on the sign
        // of dF/dc down to the bottom of the dip, watching for a sample of the other sign.
        double a = c, b = cn;
        for (int it = 0; it < 60 && b - a > 1e-10 * c; ++it) {
          const double cm = 0.5 * (a + b), sm = s_of_c(cm);
          const Eval em = eval<1>(sm, omega);
          if (!std::isfinite(em.F)) break;
          if (sgn(em.F) != sg) {
            pair[0] = refine(c, F, cm, em.F, omega);
            pair[1] = refine(cm, em.F, cn, Fn, omega);
            k = pair[0].ok && pair[1].ok ? 2 : 0;
            break;
          }
          if (sg * dfdc(em.Fs, sm, cm) < 0.0) {
            a = cm;
          } else {
            b = cm;
          }
        }
      } else if (k == 0 && three) {
        k = dip_search(c_pp, F_pp, c, F, cn, Fn, omega, pair);
      }
      for (int i = 0; i < k && found < need; ++i) out[found++] = pair[i];
      pair_found = k > 0;
    }
    // The three-point dip test spans (c_pp, cn): not over an interval whose pair is known
    // (it would find the same two roots again).
    c_pp = pair_found ? kNaN : c;
    F_pp = pair_found ? kNaN : F;
    pair_found = false;
    c = cn;
    F = Fn;
    D = Dn;
    phi = phin;
  }
  return found;
}

// Probe (c, cn), whose ends have the same sign of F, for a hidden pair of roots: follow Newton
// steps from each end while they stay inside and shrink; a sample of the opposite sign splits
// the interval into two brackets, refined and returned in increasing c.
int CurveSolver::probe_pair(double c, double F, double D, double cn, double Fn, double Dn,
                            double omega, Root* out) const {
  for (int side = 0; side < 2; ++side) {
    double x = side == 0 ? c : cn, Fx = side == 0 ? F : Fn, Dx = side == 0 ? D : Dn;
    double last_step = cn - c;
    for (int it = 0; it < 6; ++it) {
      if (!(std::isfinite(Dx) && Dx != 0.0)) break;
      // Newton target, overshot by half a step so that a root approached from its convex side
      // is crossed (and seen as a sign change) instead of approached forever.
      const double pn = x - Fx / Dx;
      const double step = std::fabs(pn - x);
      if (!(pn > c && pn < cn) || step >= last_step) break;
      double p = x + 1.5 * (pn - x);
      if (!(p > c && p < cn)) p = pn;
      const double sp = s_of_c(p);
      const Eval ep = eval<1>(sp, omega);
      if (!std::isfinite(ep.F)) break;
      if (sgn(ep.F) != sgn(F)) {
        const Root r1 = refine(c, F, p, ep.F, omega);
        const Root r2 = refine(p, ep.F, cn, Fn, omega);
        if (!r1.ok || !r2.ok) return 0;
        out[0] = r1;
        out[1] = r2;
        return 2;
      }
      x = p;
      Fx = ep.F;
      Dx = dfdc(ep.Fs, sp, p);
      last_step = step;
    }
  }
  return 0;
}

// Golden-section search of the minimum of sgn(F_x) F on (a, b) around the interior point x;
// stops at the first sample of the opposite sign (then the two roots on either side are
// refined and returned, in increasing c) or when the interval is below 1e-10 c (no root).
int CurveSolver::dip_search(double a, double Fa, double x, double Fx, double b, double Fb,
                            double omega, Root* out) const {
  const double sg = sgn(Fx);
  for (int it = 0; it < 80 && (b - a) > 1e-10 * x; ++it) {
    const double u = (x - a > b - x) ? x - 0.381966011250105 * (x - a)
                                     : x + 0.381966011250105 * (b - x);
    const double Fu = f0(s_of_c(u), omega);
    if (!std::isfinite(Fu)) return 0;
    if (sg * Fu <= 0.0) {
      const Root r1 = refine(a, Fa, u, Fu, omega);
      const Root r2 = refine(u, Fu, b, Fb, omega);
      if (!r1.ok || !r2.ok) return 0;
      out[0] = r1;
      out[1] = r2;
      return 2;
    }
    if (sg * Fu < sg * Fx) {
      if (u < x) {
        b = x;
        Fb = Fx;
      } else {
        a = x;
        Fa = Fx;
      }
      x = u;
      Fx = Fu;
    } else if (u < x) {
      a = u;
      Fa = Fu;
    } else {
      b = u;
      Fb = Fu;
    }
  }
  return 0;
}

// Proof of completeness, and repair. roots[0..K) are distinct, increasing roots of F (K <= need);
// they are modes 0..K-1 iff no other root lies below the highest one: N(c) just above
// roots[need-1] must be `need` (or N(vs_n) = K when fewer than `need` modes were found). One
// count evaluation proves it. Otherwise every mode 0..need-1 is isolated by bisection on the
// count -- N(a) = m and N(b) = m + 1 leave exactly one root in (a, b), a sign change of F -- and
// refined. Returns the number of modes now in roots[].
std::size_t CurveSolver::verify(double omega, Root* roots, std::size_t K, std::size_t need) {
  const double top = m_.beta_n;
  const double c_chk = K >= need ? std::min(roots[need - 1].c * (1.0 + 1e-9), top) : top;
  const int expect = static_cast<int>(std::min(K, need));
  const int n_chk = count(c_chk, omega);
  if (n_chk < 0 || n_chk == expect) return K;
  const int n_lo = count(m_.c_lo, omega);
  const int n_top = c_chk == top ? n_chk : count(top, omega);
  if (n_lo != 0 || n_top < 0) return K;  // (c_lo is below every mode by construction)
  samples_.clear();
  samples_.emplace_back(m_.c_lo, 0);
  samples_.emplace_back(c_chk, n_chk);
  samples_.emplace_back(top, n_top);
  std::size_t found = 0;
  for (int mo = 0; mo < static_cast<int>(need) && mo < n_top; ++mo) {
    if (!bisect_mode(omega, mo, n_top, roots[found])) break;
    ++found;
  }
  return found;
}

bool CurveSolver::bisect_mode(double omega, int mo, int n_top, Root& out) {
  const double top = m_.beta_n;
  double a = m_.c_lo, b = top;
  int na = 0, nb = n_top;
  for (int it = 0; it < 200; ++it) {
    a = m_.c_lo;
    na = 0;
    b = top;
    nb = n_top;
    for (const auto& sm : samples_) {
      if (sm.second <= mo && sm.first > a) {
        a = sm.first;
        na = sm.second;
      }
      if (sm.second >= mo + 1 && sm.first < b) {
        b = sm.first;
        nb = sm.second;
      }
    }
    if ((na == mo && nb == mo + 1) || b - a <= 1e-13 * b) break;
    const double mid = 0.5 * (a + b);
    samples_.emplace_back(mid, count(mid, omega));
  }
  const double sa = s_of_c(a), sb = b >= top ? 0.0 : s_of_c(b);
  const double Fa = f0(sa, omega), Fb = f0(sb, omega);
  if (!(std::isfinite(Fa) && std::isfinite(Fb)) || sgn(Fa) == sgn(Fb)) return false;
  const Root r = refine(a, Fa, b, Fb, omega);
  if (!r.ok) return false;
  out = r;
  // Polish: the bracketed newton<1> of refine() stops on a convergence estimate whose K comes
  // from steps across the count's bracket, which can fool it: ~1e-10 off next to vs_n (large
  // K), and 2.4e-5 off once in a wide bracket (stress seed 303, model 58, Rayleigh mode 1,
  // 7.73 s). Newton iterations from the refined root, measuring K on their own steps, are
  // repeated until one moves the root by less than 1e-10 (relative); a result is kept only
  // inside the count's bracket (a, b), which holds exactly one root.
  bool moved = false;
  for (int pass = 0; pass < 4; ++pass) {
    Root p = newton<1>(s_of_c(out.c), omega, false, 0.0, 0.0, 0.0, kNaN);
    if (!(p.ok && p.c > a && p.c < b)) break;
    const bool settled = std::fabs(p.c - out.c) <= 1e-10 * out.c;
    p.sgn_c = out.sgn_c;
    p.dcdw = out.dcdw;
    out = p;
    moved = true;
    if (settled) break;
  }
  if (group_ && moved) add_slope(out, omega);  // (refine's slope was taken before the polish)
  return true;
}

int CurveSolver::isolate(double omega, int mo, Root& out) {
  const double top = m_.beta_n;
  const int n_top = count(top, omega);
  if (n_top < 0) return -1;
  if (n_top <= mo) return 0;
  if (count(m_.c_lo, omega) != 0) return -1;  // (c_lo is below every mode by construction)
  samples_.emplace_back(m_.c_lo, 0);
  samples_.emplace_back(top, n_top);
  return bisect_mode(omega, mo, n_top, out) ? 1 : 0;
}

// One-mode call (mode k = m0_): proof that roots[k] is mode k, or isolation of mode k. After a
// frequency's continuation (k_ok_ = 1: the root r was accepted by accept(), whose guards include
// the parity of the number of roots below r: F just below r has the sign sign_lo_ (-1)^k), r
// is mode k iff exactly k roots lie below it. One count N(c+) just above r (c+ = r (1 + 1e-9),
// the window of verify()) decides it: N(c+) = k + 1 with that parity leaves r = mode k, or at
// least two further roots within (r, c+] (a pair closer than 1e-9 relative to r: not excluded
// by this one count; a second count N(r (1 - 1e-9)) = k would exclude it at ~1.5x the cost).
// Any jump of the continuation, up or down, over one mode or over a pair, changes N(c+).
// At the first frequency the scan has found k + 1 sign changes in disjoint steps below c+ (the
// lower k not refined): N(c+) = k + 1 leaves exactly one root in each, so the refined r in the
// highest is mode k (no window assumption). Otherwise (no root accepted, or a count that
// disagrees) mode k is isolated by bisection on the count (isolate) and refined; none: mode k
// has reached its cut-off (NaN from here on, as with verify()).
void CurveSolver::prove_solo(double omega) {
  const std::size_t k = m0_;
  const int kk = static_cast<int>(k);
  if (K_ <= k) return;  // gone at a higher frequency
  Root* roots = roots_.data();
  samples_.clear();
  if (k_ok_ == 1) {
    const double c_hi = std::min(roots[k].c * (1.0 + 1e-9), m_.beta_n);
    const int n_hi = count(c_hi, omega);
    if (n_hi < 0 || n_hi == kk + 1) return;  // (n_hi < 0: no count, not a one-mode call)
    samples_.emplace_back(c_hi, n_hi);
  }
  const int st = isolate(omega, kk, roots[k]);
  if (st < 0 && k_ok_ == 1) return;  // no usable count: keep the continued root (as verify)
  K_ = st > 0 ? k + 1 : k;
}

void CurveSolver::begin(const double* omega, std::size_t n_freq, int mode, const int* out_modes,
                        std::size_t n_out, double* phase, double* grp) {
  need_ = static_cast<std::size_t>(mode) + 1;
  const std::size_t need = need_;
  m0_ = n_out == 1 && mode > 0 && have_count_ ? need - 1 : 0;
  group_ = grp != nullptr;
  omega_ = omega;
  n_freq_ = n_freq;
  out_modes_ = out_modes;
  n_out_ = n_out;
  phase_ = phase;
  grp_ = grp;
  roots_.assign(need, Root{});
  prev_.assign(need, Root{});
  prev2_.assign(need, Root{});
  prev3_.assign(need, Root{});
  prev4_.assign(need, Root{});
  prev5_.assign(need, Root{});
  prev6_.assign(need, Root{});
  pred4_.assign(need, kNaN);
  pred6_.assign(need, kNaN);
  err4_.assign(need, kNaN);
  err6_.assign(need, kNaN);
  K_ = need;  // modes still tracked (modes disappear towards long periods)
  w_prev_ = w_prev2_ = w_prev3_ = w_prev4_ = w_prev5_ = w_prev6_ = kNaN;
}

void CurveSolver::first_period() {
  const double w = omega_[0];
  Root* roots = roots_.data();
  const double F_lo = f0(s_max_, w);
  sign_lo_ = sgn(F_lo);
  if (m0_ > 0) {
    // One-mode call: modes below the requested one are located (a sign change in a scan step)
    // but not refined; prove_solo() proves the requested one with the count.
    K_ = static_cast<std::size_t>(scan(m_.c_lo, F_lo, m_.beta_n, w, static_cast<int>(need_), roots,
                                       static_cast<int>(m0_)));
    k_ok_ = K_ >= need_ ? 1 : 0;
    if (K_ < need_) K_ = need_;  // (prove_solo decides whether mode m0_ exists)
    prove_solo(w);
    if (K_ > m0_ && !group_) {
      // dc/domega of the root (one two-derivative evaluation): the second frequency's
      // prediction is then the tangent instead of the root itself (phase path; the group path
      // has the slope from refine()).
      Root& r = roots[m0_];
      const double s = s_of_c(r.c);
      const Eval e = eval<2>(s, w);
      const double dcds = -m_.beta_n * m_.beta_n * s / r.c;
      r.dcdw = e.Fs != 0.0 ? -e.Fw * dcds / e.Fs : 0.0;
    }
    return;
  }
  K_ = static_cast<std::size_t>(scan(m_.c_lo, F_lo, m_.beta_n, w, static_cast<int>(need_), roots));
  K_ = verify(w, roots, K_, need_);
}

double CurveSolver::predict(std::size_t j, std::size_t m) {
  const double w = omega_[j];
  Root* roots = roots_.data();
  // Predict along the curve: cubic Hermite through the last two roots and their slopes
  // dc/domega (linear from the last one at the second frequency).
  const Root& p1 = prev_[m];
  double c_pred;
  if (!group_) {
    // Phase only (no dc/domega): Lagrange polynomial in ln(omega) through the last (up
    // to) four roots of this mode, or through the last six when that predictor was the
    // more accurate one at the previous frequency and within 1e-4 there (smooth curves:
    // ~10x closer, so the Newton iteration often stops after one evaluation; on curved
    // stretches of overtones the higher order does worse).
    const Root* hist[6] = {&prev_[m], &prev2_[m], &prev3_[m], &prev4_[m], &prev5_[m], &prev6_[m]};
    const double wh[6] = {w_prev_, w_prev2_, w_prev3_, w_prev4_, w_prev5_, w_prev6_};
    int n_h = 0;
    while (n_h < 6 && n_h < static_cast<int>(j) && hist[n_h]->ok) ++n_h;
    const double x = std::log(w);
    double xs[6];
    for (int a = 0; a < n_h; ++a) xs[a] = std::log(wh[a]);
    auto lagrange = [&](int n_p) {
      double acc = 0.0;
      for (int a = 0; a < n_p; ++a) {
        double l = 1.0;
        for (int b = 0; b < n_p; ++b)
          if (b != a) l *= (x - xs[b]) / (xs[a] - xs[b]);
        acc += l * hist[a]->c;
      }
      return acc;
    };
    pred4_[m] = lagrange(std::min(n_h, 4));
    pred6_[m] = n_h == 6 ? lagrange(6) : kNaN;
    const bool six = n_h == 6 && err6_[m] < err4_[m] && err6_[m] < 1e-4 * hist[0]->c;
    c_pred = six ? pred6_[m] : pred4_[m];
    if (m0_ > 0 && n_h == 1 && std::isfinite(p1.dcdw) && p1.dcdw != 0.0)
      c_pred = p1.c + p1.dcdw * w_prev_ * std::log(w / w_prev_);  // (see first_period())
  } else if (j >= 2 && prev2_[m].ok) {
    // in x = ln(omega), where dispersion curves are smoother: dc/dx = omega dc/domega
    const Root& p0 = prev2_[m];
    const double h = std::log(w_prev_ / w_prev2_), t = std::log(w / w_prev2_) / h;
    const double t2 = t * t, t3 = t2 * t;
    c_pred = (2 * t3 - 3 * t2 + 1) * p0.c + (t3 - 2 * t2 + t) * h * (w_prev2_ * p0.dcdw) +
             (-2 * t3 + 3 * t2) * p1.c + (t3 - t2) * h * (w_prev_ * p1.dcdw);
    pred4_[m] = c_pred;
    pred6_[m] = kNaN;
    if (j >= 3 && prev3_[m].ok) {
      // Quintic Hermite through the last three roots and slopes (divided differences on
      // the doubled nodes), used where it beat the cubic at the previous frequency and
      // was within 1e-4 there (as the 6-point Lagrange predictor of the phase path).
      const Root* hp[3] = {&prev3_[m], &prev2_[m], &prev_[m]};
      const double xw[3] = {std::log(w_prev3_), std::log(w_prev2_), std::log(w_prev_)};
      const double ww[3] = {w_prev3_, w_prev2_, w_prev_};
      double z[6], q[6];
      for (int a = 0; a < 3; ++a) {
        z[2 * a] = z[2 * a + 1] = xw[a];
        q[2 * a] = q[2 * a + 1] = hp[a]->c;
      }
      double coef[6];
      coef[0] = q[0];
      // first differences (slopes on doubled nodes)
      double d1[5];
      for (int a = 0; a < 5; ++a)
        d1[a] =
            z[a + 1] == z[a] ? ww[a / 2] * hp[a / 2]->dcdw : (q[a + 1] - q[a]) / (z[a + 1] - z[a]);
      coef[1] = d1[0];
      double prev_row[5];
      for (int a = 0; a < 5; ++a) prev_row[a] = d1[a];
      for (int order = 2; order < 6; ++order) {
        for (int a = 0; a + order < 6; ++a)
          prev_row[a] = (prev_row[a + 1] - prev_row[a]) / (z[a + order] - z[a]);
        coef[order] = prev_row[0];
      }
      const double x = std::log(w);
      double acc = coef[5];
      for (int o = 4; o >= 0; --o) acc = acc * (x - z[o]) + coef[o];
      pred6_[m] = acc;
      const bool hi = err6_[m] < err4_[m] && err6_[m] < 1e-4 * p1.c;
      if (hi && std::isfinite(acc)) c_pred = acc;
    }
  } else {
    c_pred = p1.c + p1.dcdw * w_prev_ * std::log(w / w_prev_);
  }
  const double lower = lower_c(m);
  if (!std::isfinite(c_pred)) c_pred = p1.c;
  c_pred = std::clamp(c_pred, lower + 1e-9 * lower, m_.beta_n * (1.0 - 1e-12));
  return c_pred;
}

bool CurveSolver::accept(std::size_t j, std::size_t m, Root r, double c_pred) {
  const double w = omega_[j];
  Root* roots = roots_.data();
  const Root& p1 = prev_[m];
  const double lower = lower_c(m);
  const double below = sign_below(m);
  // Guards: ordered, parity of the root count below (sign of F just below this root ==
  // sign just above the root below), close to the prediction in WKB phase, and the WKB
  // phase of the mode, ~ its quantisation constant along the branch, has not jumped by
  // a mode or more (a jump over a pair of roots keeps the parity).
  // (the WKB phase is proportional to omega: phases at w_prev_ are rescaled, not redone)
  bool good = r.ok && r.c > lower * (1.0 + 1e-10) && r.c < m_.beta_n && -r.sgn_c == below;
  if (m0_ > 0) {
    // One-mode call: the count of prove_solo() decides at every frequency, so the WKB and
    // smooth-branch guards below (which only call for a count) are not needed; without a root
    // below there is no scan up from it either: prove_solo() isolates mode m by the count.
    if (good) {
      roots[m] = r;
      ++k_ok_;
    } else {
      doubt_ = true;
    }
    return true;
  }
  double phi_r = 0.0, phi_p1 = 0.0;
  if (good) {
    phi_r = wkb_phase(r.c, w);
    phi_p1 = wkb_phase(p1.c, w);
    good = std::fabs(phi_r - wkb_phase(c_pred, w)) <= kMaxJumpPhase &&
           std::fabs(phi_r - phi_p1 * (w_prev_ / w)) <= kPi;
  }
  if (!good) {
    // Recover: scan upward from the root below (or c_lo) for the next root.
    const double ca = m == 0 ? m_.c_lo : roots[m - 1].c * (1.0 + 1e-9);
    const double Fa = m == 0 ? sign_lo_ : f0(s_of_c(ca), w);
    doubt_ = true;
    if (scan(ca, Fa, m_.beta_n, w, 1, &r) == 0) return false;  // mode m and above are gone
  } else {
    // Root-count guard. The guards above keep the parity of the number of roots below
    // the accepted one, so a Newton iteration that overshot a PAIR of roots (crowded or
    // osculating modes of thin-layered and low-velocity-zone models) passes them. Such a
    // jump lands above the true root, on a root near a prediction that overshot or far
    // from the prediction: suspect a root that lies above the lower of the prediction and
    // the tangent (linear in ln omega through the last two roots) by more than kSmooth
    // times the last step of the branch (at the second frequency: the tangent step, group
    // path), or above the previous root by more than a quarter WKB mode spacing.
    // Then (root below, accepted root) is scanned with the adaptive step and hidden-pair
    // tests of the first-frequency scan; the first root found there is the true mode m
    // and replaces the accepted one. (Without this guard, 13 of the fixture's flat
    // models lost the fundamental or first mode at 1-3 periods, errors 4-90 %.)
    const Root& p0 = prev2_[m];
    double c_lin = c_pred, step = kNaN;
    if (j >= 2 && p0.ok) {
      step = std::fabs(p1.c - p0.c);
      c_lin = p1.c + (p1.c - p0.c) * std::log(w / w_prev_) / std::log(w_prev_ / w_prev2_);
    } else if (group_) {
      step = std::fabs(c_pred - p1.c);  // tangent prediction from dc/domega
    }
    // A jump can only go up (the root below bounds it from below), so only an accepted
    // root above the lower of the two predictions, or above the previous root, counts.
    // (the guard keeps the 4-point prediction: its calibration predates the 6-point one)
    const double c_ref = std::isfinite(pred4_[m]) ? pred4_[m] : c_pred;
    const double excess = r.c - std::min(c_ref, c_lin);
    const bool far = phi_r - phi_p1 > kMaxMovePhase;
    const bool bent = std::isfinite(step) && !(excess <= kSmooth * step + 1e-10 * r.c);
    if (far || bent) {
      doubt_ = true;
      // With a mode count (Love waves; Rayleigh waves in solid models) the scan is
      // redundant: verify() below proves the roots with one count, and isolates every
      // mode by bisection on the count if this root was a jump. Without one (fluid
      // layers), scan for a root below the accepted one.
      if (have_count_) {
        roots[m] = r;
        ++k_ok_;
        return true;
      }
      const double ca = m == 0 ? m_.c_lo : roots[m - 1].c * (1.0 + 1e-9);
      const double cb = r.c * (1.0 - 1e-9);
      if (cb > ca) {
        const double Fa = m == 0 ? f0(s_max_, w) : f0(s_of_c(ca), w);
        Root v;
        if (scan(ca, Fa, cb, w, 1, &v) == 1) r = v;
      }
    }
  }
  roots[m] = r;
  ++k_ok_;
  return true;
}

void CurveSolver::end_period(std::size_t j) {
  const double w = omega_[j];
  Root* roots = roots_.data();
  const std::size_t n_freq = n_freq_, n_out = n_out_;
  const int* out_modes = out_modes_;
  double *phase = phase_, *grp = grp_;
  if (j > 0 && m0_ > 0) {
    prove_solo(w);
  } else if (j > 0) {
    if (k_ok_ < K_) doubt_ = true;
    K_ = k_ok_;
    // Love counts cost ~3 secular evaluations: every period is proven. Rayleigh counts cost
    // ~sum(k h) sub-steps: proven at the first period and wherever a guard fired.
    if (doubt_ || wave_ == Wave::love) K_ = verify(w, roots, K_, need_);
  }
  for (std::size_t m = m0_; m < need_; ++m) {
    if (j > 0) {
      err4_[m] = m < K_ ? std::fabs(roots[m].c - pred4_[m]) : kNaN;
      err6_[m] = m < K_ ? std::fabs(roots[m].c - pred6_[m]) : kNaN;
    }
    prev6_[m] = prev5_[m];
    prev5_[m] = prev4_[m];
    prev4_[m] = prev3_[m];
    prev3_[m] = prev2_[m];
    prev2_[m] = prev_[m];
    prev_[m] = m < K_ ? roots[m] : Root{};
  }
  w_prev6_ = w_prev5_;
  w_prev5_ = w_prev4_;
  w_prev4_ = w_prev3_;
  w_prev3_ = w_prev2_;
  w_prev2_ = w_prev_;
  w_prev_ = w;
  for (std::size_t q = 0; q < n_out; ++q) {
    const std::size_t mo = static_cast<std::size_t>(out_modes[q]);
    const std::size_t at = q * n_freq + j;
    if (K_ > mo) {
      const double c = roots[mo].c;
      phase[at] = c;
      if (grp) grp[at] = c / (1.0 - (w / c) * roots[mo].dcdw);
    } else {
      phase[at] = kNaN;
      if (grp) grp[at] = kNaN;
    }
  }
}

void CurveSolver::solve(const double* omega, std::size_t n_freq, int mode, const int* out_modes,
                        std::size_t n_out, double* phase, double* grp) {
  begin(omega, n_freq, mode, out_modes, n_out, phase, grp);
  for (std::size_t j = 0; j < n_freq; ++j) {
    if (j == 0) {
      first_period();
    } else {
      start_period();
      for (std::size_t m = m0_; m < K_; ++m) {
        const double c_pred = predict(j, m);
        const double w = omega[j];
        const Root r = group_ ? newton<2>(s_of_c(c_pred), w, false, 0.0, 0.0, 0.0, prev_[m].K)
                              : continue_phase(s_of_c(c_pred), w, prev_[m].K);
        if (!accept(j, m, r, c_pred)) break;
      }
    }
    end_period(j);
  }
}

// ---------------------------------------------------------------------------------------------
// Lockstep driver: four models per AVX2 pass (batched Rayleigh phase and group velocities, solid
// models).
//
// A batch is cut into fixed groups of four models (4q .. 4q+3: the pool hands out groups, so the
// grouping never depends on the thread count). The four solvers of a group walk through the
// steps of CurveSolver::solve() together: at every frequency after the first, mode by mode,
// each lane predicts its root (scalar), then the phase-only continuation (continue_phase) runs
// for all lanes at once -- one value + slope evaluation at the predictions, then secant steps
// on plain evaluations -- with the secular functions of the lanes still iterating evaluated in
// one AVX2 pass (secular_x4.hpp); a lane whose own convergence test has passed idles (masked)
// until the others are done. Everything unusual stays scalar and per lane, in the lane's own
// order: a failed test hands that lane to newton<1> exactly where continue_phase would, and the
// guards (accept), scans, verify() and the first frequency's scan run on the lane's own
// CurveSolver. Each lane therefore performs exactly the operations of solve() for its model
// (the vector kernel is bit-identical lane by lane), so results do not depend on the group, the
// batch or the thread count. Love waves and models with fluid layers keep solve().
// With group velocities the continuation is newton<2> from the (Hermite) prediction instead:
// newton2 runs newton_step(), the scalar iteration's own body, for every lane, with the Dual<2>
// evaluations of the lanes still iterating in one AVX2 pass (the last lane left iterates alone on
// the scalar evaluation, the same bits).
class LockstepX4 {
 public:
  /// Solve the lanes l with bit l of `on` set; solvers[l] prepared for a lockstep_eligible()
  /// model; outputs as CurveSolver::solve into phase[l] and, when `group` is not null,
  /// group[l] (group velocities).
  void solve(CurveSolver* const* solvers, unsigned on, const double* omega, std::size_t n_freq,
             int mode, const int* out_modes, std::size_t n_out, double* const* phase,
             double* const* group);

 private:
  /// CurveSolver::continue_phase of the lanes in `act` from s0[l] (K_hint[l]) at omega.
  void continue_phase(unsigned act, double omega, const double* s0, const double* K_hint,
                      Root* out) const;
  /// CurveSolver::newton<2> (unbracketed) of the lanes in `act` from s0[l] (K_hint[l]).
  void newton2(unsigned act, double omega, const double* s0, const double* K_hint,
               Root* out) const;

  CurveSolver* sv_[4] = {nullptr, nullptr, nullptr, nullptr};
  LanesX4 lanes_;
};

void LockstepX4::solve(CurveSolver* const* solvers, unsigned on, const double* omega,
                       std::size_t n_freq, int mode, const int* out_modes, std::size_t n_out,
                       double* const* phase, double* const* group) {
  const PreparedModel* pm[4];
  for (int l = 0; l < 4; ++l) {
    sv_[l] = (on >> l & 1u) ? solvers[l] : nullptr;
    pm[l] = sv_[l] != nullptr ? &sv_[l]->m_ : nullptr;
  }
  if (on == 0) return;
  lanes_.set(pm);
  for (int l = 0; l < 4; ++l)
    if (sv_[l])
      sv_[l]->begin(omega, n_freq, mode, out_modes, n_out, phase[l],
                    group != nullptr ? group[l] : nullptr);
  for (std::size_t j = 0; j < n_freq; ++j) {
    if (j == 0) {
      for (int l = 0; l < 4; ++l)
        if (sv_[l]) sv_[l]->first_period();
    } else {
      unsigned alive = on;  // lanes whose mode loop has not stopped at this frequency
      for (int l = 0; l < 4; ++l)
        if (sv_[l]) sv_[l]->start_period();
      std::size_t m_first = ~std::size_t{0};  // (lanes of a group share the request: one value)
      for (int l = 0; l < 4; ++l)
        if (sv_[l]) m_first = std::min(m_first, sv_[l]->first_mode());
      for (std::size_t m = m_first;; ++m) {
        unsigned act = 0;
        double c_pred[4] = {}, s0[4] = {}, K_hint[4] = {};
        for (int l = 0; l < 4; ++l) {
          if (!(alive >> l & 1u) || m < sv_[l]->first_mode() || m >= sv_[l]->modes_tracked())
            continue;
          c_pred[l] = sv_[l]->predict(j, m);
          s0[l] = sv_[l]->s_of_c(c_pred[l]);
          K_hint[l] = sv_[l]->prev_[m].K;
          act |= 1u << l;
        }
        if (act == 0) break;
        Root r[4];
        if (group != nullptr) {
          newton2(act, omega[j], s0, K_hint, r);
        } else {
          continue_phase(act, omega[j], s0, K_hint, r);
        }
        for (int l = 0; l < 4; ++l)
          if ((act >> l & 1u) && !sv_[l]->accept(j, m, r[l], c_pred[l])) alive &= ~(1u << l);
      }
    }
    for (int l = 0; l < 4; ++l)
      if (sv_[l]) sv_[l]->end_period(j);
  }
}

void LockstepX4::newton2(unsigned act, double omega, const double* s0, const double* K_hint,
                         Root* out) const {
  CurveSolver::NewtonState st[4];
  double s[4] = {}, c[4] = {}, dc[4] = {}, F[4] = {}, Fs[4] = {}, Fw[4] = {}, N[4] = {};
  const LanesX4Data& ld = lanes_.data();
  unsigned run = act;
  for (int l = 0; l < 4; ++l)
    if (act >> l & 1u) sv_[l]->newton_init(st[l], s0[l], false, 0.0, 0.0, 0.0);
  while (run != 0) {
    if ((run & (run - 1u)) == 0) {
      // One lane left: its own scalar iteration (the same bits; a vector pass would run at a
      // quarter of its width).
      int l = 0;
      while (!(run >> l & 1u)) ++l;
      const CurveSolver& cs = *sv_[l];
      while (st[l].it < 100) {
        const Eval e = cs.eval<2>(st[l].s, omega);
        if (cs.newton_step<2>(st[l], e, K_hint[l], out[l])) break;
      }
      return;
    }
    for (int l = 0; l < 4; ++l) {
      if (!(run >> l & 1u)) continue;
      const CurveSolver& cs = *sv_[l];
      if (st[l].it >= 100) {  // newton<2> gives up (out[l] stays not ok)
        run &= ~(1u << l);
        continue;
      }
      s[l] = st[l].s;
      c[l] = cs.c_of_s(s[l]);
      dc[l] = -cs.m_.beta_n * cs.m_.beta_n * s[l] / c[l];  // as CurveSolver::eval
    }
    if (run == 0) break;
    secular_x4_group(ld, run, s, c, dc, omega, F, Fs, Fw, N);
    for (int l = 0; l < 4; ++l) {
      if (!(run >> l & 1u)) continue;
      const Eval e{F[l], Fs[l], Fw[l], 0.0, N[l]};  // (eval<2>: no growth term)
      if (sv_[l]->newton_step<2>(st[l], e, K_hint[l], out[l])) run &= ~(1u << l);
    }
  }
}

void LockstepX4::continue_phase(unsigned act, double omega, const double* s0, const double* K_hint,
                                Root* out) const {
  struct Lane {
    double s_prev, G_prev, slope, s, d_prev, d, K;
    int it;
  };
  Lane st[4] = {};
  double s[4] = {}, c[4] = {}, dc[4] = {}, F[4] = {}, Fs[4] = {}, Ls[4] = {}, N[4] = {};
  const LanesX4Data& ld = lanes_.data();
  for (int l = 0; l < 4; ++l) {
    if (!(act >> l & 1u)) continue;
    const CurveSolver& cs = *sv_[l];
    s[l] = s0[l];
    c[l] = cs.c_of_s(s0[l]);
    dc[l] = -cs.m_.beta_n * cs.m_.beta_n * s0[l] / c[l];  // as CurveSolver::eval
  }
  secular_x4_slope(ld, act, s, c, dc, omega, F, Fs, Ls, N);
  unsigned run = 0;
  for (int l = 0; l < 4; ++l) {
    if (!(act >> l & 1u)) continue;
    const CurveSolver& cs = *sv_[l];
    const double Gs = Fs[l] - F[l] * Ls[l];
    if (!(std::isfinite(F[l]) && std::isfinite(Gs) && Gs != 0.0 && N[l] > 0.0)) {
      out[l] = cs.newton<1>(s0[l], omega, false, 0.0, 0.0, 0.0, K_hint[l]);
      continue;
    }
    if (F[l] == 0.0) {
      Root& r = out[l];
      r.ok = true;
      r.c = cs.c_of_s(s0[l]);
      r.sgn_c = -sgn(Gs);
      r.K = K_hint[l];
      continue;
    }
    Lane& L = st[l];
    L.s_prev = s0[l];
    L.G_prev = F[l] / N[l];
    L.slope = Gs / N[l];
    L.s = s0[l] - L.G_prev / L.slope;
    L.d_prev = kNaN;
    L.d = cs.step_measure(std::fabs(L.s - L.s_prev), L.s, cs.c_of_s(L.s));
    L.K = K_hint[l];
    L.it = 0;
    run |= 1u << l;
  }
  while (run != 0) {
    unsigned need = 0;
    for (int l = 0; l < 4; ++l) {
      if (!(run >> l & 1u)) continue;
      const CurveSolver& cs = *sv_[l];
      Lane& L = st[l];
      bool fallback = L.it >= 12 || !(L.s > 0.0 && L.s <= cs.s_max_);
      if (!fallback) {
        const double cc = cs.c_of_s(L.s);
        const double est = std::isfinite(L.d_prev) ? L.K * L.d * L.d_prev : L.K * L.d * L.d;
        if (std::isfinite(L.K) && est <= 1e-12 && L.d <= 1e-5) {
          Root& r = out[l];
          r.ok = true;
          r.c = cc;
          r.sgn_c = -sgn(L.slope);
          r.K = L.K;
          run &= ~(1u << l);
          continue;
        }
        fallback = L.d <= 1e-14;  // stalled without a credible error estimate
        s[l] = L.s;
        c[l] = cc;
      }
      if (fallback) {
        out[l] = cs.newton<1>(std::clamp(L.s_prev, 0.0, cs.s_max_), omega, false, 0.0, 0.0, 0.0,
                              K_hint[l]);
        run &= ~(1u << l);
        continue;
      }
      need |= 1u << l;
    }
    if (need == 0) break;
    secular_x4_value(ld, need, s, c, omega, F, N);
    for (int l = 0; l < 4; ++l) {
      if (!(need >> l & 1u)) continue;
      const CurveSolver& cs = *sv_[l];
      Lane& L = st[l];
      const double G = F[l] / N[l];
      bool fallback = !std::isfinite(G);
      if (!fallback && G == 0.0) {
        Root& r = out[l];
        r.ok = true;
        r.c = c[l];
        r.sgn_c = -sgn(L.slope);
        r.K = L.K;
        run &= ~(1u << l);
        continue;
      }
      if (!fallback) {
        const double sl = (G - L.G_prev) / (L.s - L.s_prev);
        fallback = !(std::isfinite(sl) && sl != 0.0) || sgn(sl) != sgn(L.slope);
        if (!fallback) {
          const double s_next = L.s - G / sl;
          const double d_next = cs.step_measure(std::fabs(s_next - L.s), s_next, cs.c_of_s(s_next));
          const double K_obs = d_next / (L.d * (std::isfinite(L.d_prev) ? L.d_prev : L.d));
          if (std::isfinite(K_obs) && L.d <= 1e-4)
            L.K = std::max(K_obs, std::isfinite(L.K) ? 0.5 * L.K : 0.0);
          L.s_prev = L.s;
          L.G_prev = G;
          L.slope = sl;
          L.s = s_next;
          L.d_prev = L.d;
          L.d = d_next;
          ++L.it;
        }
      }
      if (fallback) {
        out[l] = cs.newton<1>(std::clamp(L.s_prev, 0.0, cs.s_max_), omega, false, 0.0, 0.0, 0.0,
                              K_hint[l]);
        run &= ~(1u << l);
      }
    }
  }
}

}  // namespace

void secular_values(const double* thickness, const double* vp, const double* vs, const double* rho,
                    std::size_t n_layers, const Request& rq, double period, const double* c,
                    std::size_t n_c, double* F, double* dFdc, double* dFdw) {
  CurveSolver solver;
  solver.prepare(thickness, vp, vs, rho, n_layers, rq);
  const double omega = 2.0 * kPi / period;
  if (dFdc == nullptr) {  // plain values only (timing and sign checks)
    for (std::size_t i = 0; i < n_c; ++i) F[i] = solver.value_c(c[i], omega);
    return;
  }
  for (std::size_t i = 0; i < n_c; ++i) {
    const Eval e = solver.eval_c(c[i], omega);
    F[i] = e.F;
    dFdc[i] = e.Fs;
    dFdw[i] = e.Fw;
  }
}

void mode_counts(const double* thickness, const double* vp, const double* vs, const double* rho,
                 std::size_t n_layers, const Request& rq, double period, const double* c,
                 std::size_t n_c, long* count) {
  CurveSolver solver;
  solver.prepare(thickness, vp, vs, rho, n_layers, rq);
  const double omega = 2.0 * kPi / period;
  const double vsn = solver.model().beta_n;
  for (std::size_t i = 0; i < n_c; ++i)
    if (!(c[i] > 0.0 && c[i] <= vsn))
      throw_invalid("c must lie in (0, vs of the (flattened) half-space = ", vsn,
                    " km/s]; found ", c[i], " at index ", i);
  for (std::size_t i = 0; i < n_c; ++i)
    count[i] = rq.wave == Wave::love ? love_mode_count(solver.model(), c[i], omega)
                                     : rayleigh_mode_count(solver.model(), c[i], omega);
}

bool simd_available() { return secular_x4_available(); }

void validate(const double* periods, std::size_t n_periods, const double* thickness,
              const double* vp, const double* vs, const double* rho, std::size_t n_models,
              std::size_t n_layers, const Request& rq) {
  if (rq.mode < 0) throw_invalid("mode must be >= 0, got ", rq.mode);
  for (std::size_t q = 0; q < rq.modes.size(); ++q)
    if (rq.modes[q] < 0) throw_invalid("mode must be >= 0; found ", rq.modes[q], " at index ", q);
  if (!(std::isfinite(rq.earth_radius) && rq.earth_radius > 0.0))
    throw_invalid("earth_radius must be finite and positive (km), got ", rq.earth_radius);
  if (n_periods == 0) throw_invalid("periods is empty");
  for (std::size_t j = 0; j < n_periods; ++j)
    if (!std::isfinite(periods[j]) || !(periods[j] > 0.0))
      throw_invalid("periods must be finite and positive; found ", periods[j], " at index ", j);
  if (n_models == 0 || n_layers == 0)
    throw_invalid("the model is empty (", n_models, " models of ", n_layers, " layers)");
  const char* names[4] = {"thickness", "vp", "vs", "rho"};
  const double* arrays[4] = {thickness, vp, vs, rho};
  for (std::size_t mi = 0; mi < n_models; ++mi) {
    const std::size_t o = mi * n_layers;
    double depth = 0.0;
    if (vs[o + n_layers - 1] == 0.0)
      throw_invalid("vs: the half-space (last layer) must be solid (vs > 0); at model ", mi,
                    ", layer ", n_layers - 1);
    bool solid_seen = false;
    for (std::size_t l = 0; l < n_layers; ++l) {
      for (int a = 0; a < 4; ++a)
        if (!std::isfinite(arrays[a][o + l]))
          throw_invalid(names[a], " must be finite; found ", arrays[a][o + l], " at model ", mi,
                        ", layer ", l);
      const double h = thickness[o + l], p = vp[o + l], s = vs[o + l], r = rho[o + l];
      if (h < 0.0)
        throw_invalid("thickness must be non-negative; found ", h, " at model ", mi, ", layer ",
                      l);
      if (!(p > 0.0))
        throw_invalid("vp must be positive; found ", p, " at model ", mi, ", layer ", l);
      if (s < 0.0)
        throw_invalid("vs must be non-negative; found ", s, " at model ", mi, ", layer ", l);
      if (!(r > 0.0))
        throw_invalid("rho must be positive; found ", r, " at model ", mi, ", layer ", l);
      if (p * p <= (4.0 / 3.0) * s * s)
        throw_invalid("vp^2 must exceed 4/3 vs^2 (positive bulk modulus); at model ", mi,
                      ", layer ", l, ": vp=", p, " km/s, vs=", s, " km/s");
      if (s == 0.0 && solid_seen && !(l + 1 < n_layers && h == 0.0))
        throw_invalid("vs: fluid layers (vs = 0) are only allowed at the top of the model; "
                      "found one below a solid layer at model ",
                      mi, ", layer ", l);
      if (s > 0.0 && (h > 0.0 || l + 1 == n_layers)) solid_seen = true;
      if (l + 1 < n_layers) depth += h;
    }
    if (vs[o + n_layers - 1] <= 0.0)
      throw_invalid("vs: the half-space (last layer) must be solid (vs > 0); at model ", mi,
                    ", layer ", n_layers - 1);
    if (rq.spherical && depth + 1.0 >= rq.earth_radius)
      throw_invalid("thickness: the model is deeper (", depth,
                    " km) than the earth radius allows for earth flattening; at model ", mi);
  }
}

void compute(const double* periods, std::size_t n_periods, const double* thickness,
             const double* vp, const double* vs, const double* rho, std::size_t n_models,
             std::size_t n_layers, const Request& rq, double* phase, double* group,
             long n_threads) {
  // Shortest period (highest frequency) first.
  std::vector<std::size_t> order(n_periods);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return periods[a] < periods[b]; });
  std::vector<double> omega(n_periods);
  for (std::size_t j = 0; j < n_periods; ++j) omega[j] = 2.0 * kPi / periods[order[j]];

  const std::vector<int> modes = rq.modes.empty() ? std::vector<int>{rq.mode} : rq.modes;
  const std::size_t n_out = modes.size();
  const int top = *std::max_element(modes.begin(), modes.end());
  auto store = [&](std::size_t mi, const double* ph, const double* gr) {
    for (std::size_t q = 0; q < n_out; ++q) {
      const std::size_t out = (mi * n_out + q) * n_periods, in = q * n_periods;
      for (std::size_t j = 0; j < n_periods; ++j) {
        phase[out + order[j]] = ph[in + j];
        if (rq.group) group[out + order[j]] = gr[in + j];
      }
    }
  };
  if (rq.simd && n_models > 1 && secular_x4_available() && rq.wave == Wave::rayleigh) {
    // Groups of four models in lockstep (LockstepX4); models with fluid layers of a group, and a
    // group with a single solid model, use the scalar solve() (as does a one-model call).
    const std::size_t n_groups = (n_models + 3) / 4;
    const std::size_t n_workers = resolve_threads(n_threads, n_groups);
    struct GroupWorkspace {
      CurveSolver solver[4];
      LockstepX4 lockstep;
      std::vector<double> ph[4], gr[4];
    };
    std::vector<GroupWorkspace> ws(n_workers);
    for (auto& w : ws)
      for (int l = 0; l < 4; ++l) {
        w.ph[l].resize(n_out * n_periods);
        if (rq.group) w.gr[l].resize(n_out * n_periods);
      }
    parallel_for(n_groups, static_cast<long>(n_workers), [&](std::size_t g, std::size_t wk) {
      GroupWorkspace& w = ws[wk];
      CurveSolver* sv[4];
      double *ph[4], *gr[4];
      unsigned on = 0;
      for (std::size_t l = 0; l < 4; ++l) {
        sv[l] = &w.solver[l];
        ph[l] = w.ph[l].data();
        gr[l] = rq.group ? w.gr[l].data() : nullptr;
        const std::size_t mi = 4 * g + l;
        if (mi >= n_models) continue;
        const std::size_t o = mi * n_layers;
        w.solver[l].prepare(thickness + o, vp + o, vs + o, rho + o, n_layers, rq);
        if (w.solver[l].lockstep_eligible()) {
          on |= 1u << l;
        } else {
          w.solver[l].solve(omega.data(), n_periods, top, modes.data(), n_out, ph[l], gr[l]);
        }
      }
      if (on == 1u || on == 2u || on == 4u || on == 8u) {
        // A single lane: the scalar solver is faster than a vector pass with one lane in use
        // (and gives the same bits).
        for (std::size_t l = 0; l < 4; ++l)
          if (on >> l & 1u)
            w.solver[l].solve(omega.data(), n_periods, top, modes.data(), n_out, ph[l], gr[l]);
      } else {
        w.lockstep.solve(sv, on, omega.data(), n_periods, top, modes.data(), n_out, ph,
                         rq.group ? gr : nullptr);
      }
      for (std::size_t l = 0; l < 4 && 4 * g + l < n_models; ++l) store(4 * g + l, ph[l], gr[l]);
    });
    return;
  }
  const std::size_t n_workers = resolve_threads(n_threads, n_models);
  struct Workspace {
    CurveSolver solver;
    std::vector<double> ph, gr;
  };
  std::vector<Workspace> ws(n_workers);
  for (auto& w : ws) {
    w.ph.resize(n_out * n_periods);
    w.gr.resize(n_out * n_periods);
  }
  parallel_for(n_models, static_cast<long>(n_workers), [&](std::size_t mi, std::size_t wk) {
    Workspace& w = ws[wk];
    const std::size_t o = mi * n_layers;
    w.solver.prepare(thickness + o, vp + o, vs + o, rho + o, n_layers, rq);
    w.solver.solve(omega.data(), n_periods, top, modes.data(), n_out, w.ph.data(),
                   rq.group ? w.gr.data() : nullptr);
    store(mi, w.ph.data(), w.gr.data());
  });
}

}  // namespace geoinvert::dispersion
