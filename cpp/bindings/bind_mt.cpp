// Python bindings of the magnetotelluric kernels (cpp/mt).
#include <cmath>
#include <complex>
#include <string>

#include "bindings/pybind11.hpp"
#include "common/errors.hpp"
#include "mt/mt1d.hpp"

namespace py = pybind11;

namespace geoinvert::bindings {
namespace {

py::tuple mt_forward_1d(const DoubleArray& freq, const DoubleArray& rho, const DoubleArray& thick,
                        const py::object& n_threads) {
  require_ndim(freq, 1, "frequencies");
  require_ndim(rho, 2, "resistivity");
  require_ndim(thick, 2, "thickness");
  const auto n_models = static_cast<std::size_t>(rho.shape(0));
  const auto n_layers = static_cast<std::size_t>(rho.shape(1));
  const auto n_freq = static_cast<std::size_t>(freq.shape(0));
  if (n_layers == 0) throw_invalid("resistivity must have at least one layer");
  if (static_cast<std::size_t>(thick.shape(0)) != n_models ||
      static_cast<std::size_t>(thick.shape(1)) != n_layers - 1)
    throw_invalid("thickness must have shape (", n_models, ", ", n_layers - 1, "), got (",
                  thick.shape(0), ", ", thick.shape(1), ")");
  const double* r = rho.data();
  const double* h = thick.data();
  for (std::size_t m = 0; m < n_models; ++m) {
    for (std::size_t j = 0; j < n_layers; ++j) {
      const double v = r[m * n_layers + j];
      if (!(v > 0.0) || !std::isfinite(v))
        throw_invalid("resistivity must be positive and finite; found ", v, " at model ", m,
                      ", layer ", j);
    }
    for (std::size_t j = 0; j + 1 < n_layers; ++j) {
      const double v = h[m * (n_layers - 1) + j];
      if (!(v >= 0.0) || !std::isfinite(v))
        throw_invalid("thickness must be non-negative and finite; found ", v, " at model ", m,
                      ", layer ", j);
    }
  }
  const long nt = thread_request(n_threads);
  py::array_t<double> rho_a({n_models, n_freq});
  py::array_t<double> phase({n_models, n_freq});
  py::array_t<std::complex<double>> Z({n_models, n_freq});
  double* pa = rho_a.mutable_data();
  double* pp = phase.mutable_data();
  auto* pz = Z.mutable_data();
  const double* pf = freq.data();
  {
    py::gil_scoped_release release;
    mt::forward_1d_batch(pf, n_freq, r, h, n_models, n_layers, pa, pp, pz, nt);
  }
  return py::make_tuple(rho_a, phase, Z);
}

}  // namespace
}  // namespace geoinvert::bindings

void register_mt(py::module_& m) {
  m.def("mt_forward_1d", &geoinvert::bindings::mt_forward_1d, py::arg("frequencies"),
        py::arg("resistivity"), py::arg("thickness"), py::arg("n_threads") = py::none(),
        "1-D MT impedance (Wait recursion). frequencies (n_f,) Hz; resistivity (n_models, "
        "n_layers) ohm m; thickness (n_models, n_layers-1) km. Returns rho_a (ohm m), phase "
        "(deg), Z (ohm), each (n_models, n_f).");
}
