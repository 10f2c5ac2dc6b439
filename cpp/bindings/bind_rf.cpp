// Python bindings of the receiver-function kernel (cpp/rf).
#include <complex>

#include "bindings/pybind11.hpp"
#include "rf/receiver_function.hpp"

namespace py = pybind11;
using geoinvert::bindings::DoubleArray;

namespace {

struct Models {
  const double *h, *vp, *vs, *rho;
  std::size_t n_models, n_layers;
};

Models read_models(const DoubleArray& h, const DoubleArray& vp, const DoubleArray& vs,
                   const DoubleArray& rho) {
  geoinvert::bindings::require_ndim(h, 2, "thickness");
  const char* names[] = {"vp", "vs", "rho"};
  const DoubleArray* arrs[] = {&vp, &vs, &rho};
  for (int i = 0; i < 3; ++i) {
    geoinvert::bindings::require_ndim(*arrs[i], 2, names[i]);
    if (arrs[i]->shape(0) != h.shape(0) || arrs[i]->shape(1) != h.shape(1))
      throw std::invalid_argument(std::string(names[i]) +
                                  " must have the same shape as thickness");
  }
  if (h.shape(0) < 1 || h.shape(1) < 1)
    throw std::invalid_argument("thickness must have at least one model and one layer");
  return {h.data(), vp.data(), vs.data(), rho.data(), static_cast<std::size_t>(h.shape(0)),
          static_cast<std::size_t>(h.shape(1))};
}

py::array_t<double> receiver_function(const DoubleArray& h, const DoubleArray& vp,
                                      const DoubleArray& vs, const DoubleArray& rho,
                                      const DoubleArray& slowness, double dt, std::size_t n_fft,
                                      std::size_t n_samples, double gaussian, double shift,
                                      double water_level, double cutoff,
                                      const py::object& n_threads) {
  const Models m = read_models(h, vp, vs, rho);
  geoinvert::bindings::require_ndim(slowness, 1, "slowness");
  const long threads = geoinvert::bindings::thread_request(n_threads);
  geoinvert::rf::RfOptions opt;
  opt.dt = dt;
  opt.n_fft = n_fft;
  opt.n_samples = n_samples;
  opt.gaussian = gaussian;
  opt.shift = shift;
  opt.water_level = water_level;
  opt.cutoff = cutoff;
  geoinvert::rf::check_options(opt);
  const std::size_t n_slow = static_cast<std::size_t>(slowness.shape(0));
  py::array_t<double> out({static_cast<py::ssize_t>(m.n_models), static_cast<py::ssize_t>(n_slow),
                           static_cast<py::ssize_t>(n_samples)});
  double* o = out.mutable_data();
  const double* p = slowness.data();
  {
    py::gil_scoped_release release;
    geoinvert::rf::receiver_function_batch(m.h, m.vp, m.vs, m.rho, m.n_models, m.n_layers, p,
                                           n_slow, opt, o, threads);
  }
  return out;
}

py::tuple surface_spectra(const DoubleArray& h, const DoubleArray& vp, const DoubleArray& vs,
                          const DoubleArray& rho, const DoubleArray& slowness, double domega,
                          std::size_t n_freq, const py::object& n_threads) {
  const Models m = read_models(h, vp, vs, rho);
  geoinvert::bindings::require_ndim(slowness, 1, "slowness");
  const long threads = geoinvert::bindings::thread_request(n_threads);
  const std::size_t n_slow = static_cast<std::size_t>(slowness.shape(0));
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(m.n_models),
                                 static_cast<py::ssize_t>(n_slow),
                                 static_cast<py::ssize_t>(n_freq)};
  py::array_t<std::complex<double>> radial(shape), vertical(shape);
  auto* r = radial.mutable_data();
  auto* z = vertical.mutable_data();
  const double* p = slowness.data();
  {
    py::gil_scoped_release release;
    geoinvert::rf::spectra_batch(m.h, m.vp, m.vs, m.rho, m.n_models, m.n_layers, p, n_slow,
                                 domega, n_freq, r, z, threads);
  }
  return py::make_tuple(radial, vertical);
}

}  // namespace

void register_rf(py::module_& m) {
  m.def("rf_receiver_function", &receiver_function, py::arg("thickness"), py::arg("vp"),
        py::arg("vs"), py::arg("rho"), py::arg("slowness"), py::arg("dt"), py::arg("n_fft"),
        py::arg("n_samples"), py::arg("gaussian"), py::arg("shift"), py::arg("water_level"),
        py::arg("cutoff"), py::arg("n_threads") = py::none(),
        "Radial P receiver functions, shape (n_models, n_slowness, n_samples). Private: use "
        "geoinvert.rf.receiver_function.");
  m.def("rf_n_propagated",
        [](double dt, std::size_t n_fft, double gaussian, double cutoff) {
          geoinvert::rf::RfOptions opt;
          opt.dt = dt;
          opt.n_fft = n_fft;
          opt.n_samples = n_fft;
          opt.gaussian = gaussian;
          opt.cutoff = cutoff;
          geoinvert::rf::check_options(opt);
          return geoinvert::rf::n_propagated(opt);
        },
        py::arg("dt"), py::arg("n_fft"), py::arg("gaussian"), py::arg("cutoff"),
        "Number of non-negative frequencies propagated for these options.");
  m.def("rf_surface_spectra", &surface_spectra, py::arg("thickness"), py::arg("vp"),
        py::arg("vs"), py::arg("rho"), py::arg("slowness"), py::arg("domega"), py::arg("n_freq"),
        py::arg("n_threads") = py::none(),
        "Radial and vertical (up) surface displacement spectra for a unit incident P at "
        "omega_k = k * domega (rad/s), shape (n_models, n_slowness, n_freq).");
}
