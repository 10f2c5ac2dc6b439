// AVX2 + FMA copy of the dense front kernel (this file is compiled with -mavx2 -mfma on x86-64
// GCC/Clang only; see CMakeLists.txt). Eigen's namespace is renamed in this translation unit so
// that none of its template instantiations are shared with the baseline copy.
#if defined(GEOINVERT_HAVE_AVX2_FRONT)
#include "mt/dense_front.hpp"

#define Eigen geoinvert_eigen_avx2
#include <Eigen/Core>

#define GEOINVERT_FRONT_FUNC factor_front_avx2
#include "mt/dense_front_impl.inc"
#undef GEOINVERT_FRONT_FUNC
#undef Eigen
#endif
