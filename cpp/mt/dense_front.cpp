// Baseline-ISA copy of the dense front kernel and the run-time dispatch (see dense_front.hpp).
#include "mt/dense_front.hpp"

#include <Eigen/Core>

#define GEOINVERT_FRONT_FUNC factor_front_baseline
#include "mt/dense_front_impl.inc"
#undef GEOINVERT_FRONT_FUNC

namespace geoinvert::mt {

namespace detail {
#if !defined(GEOINVERT_HAVE_AVX2_FRONT)
bool factor_front_avx2(const FrontArgs& a) { return factor_front_baseline(a); }
#endif

bool cpu_has_avx2_fma() {
#if defined(GEOINVERT_HAVE_AVX2_FRONT) && (defined(__GNUC__) || defined(__clang__))
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}
}  // namespace detail

bool factor_front(const FrontArgs& a) {
  return detail::cpu_has_avx2_fma() ? detail::factor_front_avx2(a)
                                    : detail::factor_front_baseline(a);
}

}  // namespace geoinvert::mt
