// Evaluation counts of the dispersion kernel (development harness for
// benchmarks/dispersion_eval_counts.py, which builds it and runs it under callgrind): one call of
// dispersion::compute() for case (d) of benchmarks/bench_dispersion.py -- the 4-layer crust,
// 30 periods 1-50 s, Rayleigh phase velocity -- on `n_models` models perturbed by +-2 % in vs
// and vp (a fixed seed; n_models = 1: the unperturbed model), one thread.
//   dispersion_eval_counts MODE N_MODELS ALL_MODES(0/1)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "dispersion/dispersion.hpp"

int main(int argc, char** argv) {
  namespace gd = geoinvert::dispersion;
  const int mode = argc > 1 ? std::atoi(argv[1]) : 4;
  const int nm = argc > 2 ? std::atoi(argv[2]) : 100;
  const bool all = argc > 3 && std::atoi(argv[3]) != 0;
  const double h[5] = {2, 8, 12, 13, 0}, vp[5] = {4.5, 5.8, 6.4, 6.9, 8.1};
  const double vs[5] = {2.6, 3.35, 3.7, 3.95, 4.55}, rho[5] = {2.4, 2.65, 2.85, 3.0, 3.35};
  std::vector<double> H(nm * 5), P(nm * 5), S(nm * 5), R(nm * 5);
  std::mt19937 g(1);
  std::uniform_real_distribution<double> u(-1, 1);
  for (int i = 0; i < nm; ++i)
    for (int l = 0; l < 5; ++l) {
      const double f = nm == 1 ? 1.0 : 1 + 0.02 * u(g);
      H[i * 5 + l] = h[l];
      P[i * 5 + l] = vp[l] * f;
      S[i * 5 + l] = vs[l] * f;
      R[i * 5 + l] = rho[l];
    }
  std::vector<double> per(30);
  for (int j = 0; j < 30; ++j) per[j] = std::exp(std::log(50.0) * j / 29.0);
  gd::Request rq;
  rq.mode = mode;
  if (all)
    for (int k = 0; k <= mode; ++k) rq.modes.push_back(k);
  std::vector<double> out(static_cast<std::size_t>(nm) * 30 * (all ? mode + 1 : 1));
  gd::compute(per.data(), 30, H.data(), P.data(), S.data(), R.data(), nm, 5, rq, out.data(),
              nullptr, 1);
  std::printf("%.15g\n", out[0]);
  return 0;
}
