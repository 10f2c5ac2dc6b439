// Portable half of secular_x4.hpp: the structure-of-arrays layer data and the run-time check
// for the AVX2 kernels (secular_x4_avx2.cpp).
#include "dispersion/secular_x4.hpp"

#include <algorithm>

namespace geoinvert::dispersion {

bool secular_x4_available() {
#if defined(GEOINVERT_HAVE_AVX2_DISPERSION)
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
#else
  return false;
#endif
}

#if !defined(GEOINVERT_HAVE_AVX2_DISPERSION)
// Never called (secular_x4_available() is false); defined so that the callers link.
void secular_x4_value(const LanesX4Data&, unsigned, const double*, const double*, double, double*,
                      double*) {}
void secular_x4_slope(const LanesX4Data&, unsigned, const double*, const double*, const double*,
                      double, double*, double*, double*, double*) {}
void secular_x4_group(const LanesX4Data&, unsigned, const double*, const double*, const double*,
                      double, double*, double*, double*, double*) {}
#endif

void LanesX4::set(const PreparedModel* const* models) {
  const PreparedModel* first = nullptr;
  std::size_t k_max = 0;
  for (int l = 0; l < 4; ++l) {
    if (models[l] == nullptr) continue;
    if (first == nullptr) first = models[l];
    k_max = std::max(k_max, models[l]->n);
  }
  const std::size_t per = 4 * k_max;
  if (buf_.size() < 13 * per) buf_.resize(13 * per);
  double* const base = buf_.data();
  double *h = base, *rho = base + per, *a2inv = base + 2 * per, *b2inv = base + 3 * per,
         *b2 = base + 4 * per;
  for (int l = 0; l < 4; ++l) {
    const PreparedModel& m = models[l] != nullptr ? *models[l] : *first;
    d_.n[l] = models[l] != nullptr ? static_cast<int>(m.n) : 0;
    d_.rho_n[l] = m.rho[m.n];
    d_.a2inv_n[l] = m.a2inv[m.n];
    d_.b2_n[l] = m.b2[m.n];
    for (std::size_t k = 0; k < k_max; ++k) {
      // step k is layer n-1-k; above the top layer, repeat it (never used for this lane)
      const std::size_t i = k < m.n ? m.n - 1 - k : 0;
      const std::size_t at = 4 * k + static_cast<std::size_t>(l);
      const bool any = m.n > 0;
      h[at] = any ? m.h[i] : 1.0;
      rho[at] = any ? m.rho[i] : m.rho[m.n];
      a2inv[at] = any ? m.a2inv[i] : m.a2inv[m.n];
      b2inv[at] = any ? m.b2inv[i] : m.b2inv[m.n];
      b2[at] = any ? m.b2[i] : m.b2[m.n];
    }
  }
  d_.k_max = k_max;
  d_.h = h;
  d_.rho = rho;
  d_.a2inv = a2inv;
  d_.b2inv = b2inv;
  d_.b2 = b2;
  d_.work = base + 5 * per;
}

}  // namespace geoinvert::dispersion
