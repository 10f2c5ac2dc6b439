// Python bindings of the surface-wave dispersion kernel (cpp/dispersion).
#include <string>

#include "bindings/pybind11.hpp"
#include "dispersion/dispersion.hpp"

namespace py = pybind11;
using geoinvert::bindings::DoubleArray;

namespace {

geoinvert::dispersion::Wave parse_wave(const std::string& wave) {
  if (wave == "rayleigh") return geoinvert::dispersion::Wave::rayleigh;
  if (wave == "love") return geoinvert::dispersion::Wave::love;
  throw std::invalid_argument("wave must be 'rayleigh' or 'love', got '" + wave + "'");
}

py::object dispersion_curves(const DoubleArray& periods, const DoubleArray& thickness,
                             const DoubleArray& vp, const DoubleArray& vs, const DoubleArray& rho,
                             const std::string& wave, int mode, bool spherical, bool group,
                             const py::object& n_threads, double earth_radius,
                             const py::object& modes, const std::string& kernel) {
  namespace gd = geoinvert::dispersion;
  if (kernel != "auto" && kernel != "scalar")
    throw std::invalid_argument("kernel must be 'auto' or 'scalar', got '" + kernel + "'");
  if (periods.ndim() != 1)
    throw std::invalid_argument("periods must be 1-D, got " + std::to_string(periods.ndim()) +
                                " dimensions");
  const DoubleArray* arrays[4] = {&thickness, &vp, &vs, &rho};
  const char* names[4] = {"thickness", "vp", "vs", "rho"};
  const py::ssize_t nd = thickness.ndim();
  if (nd != 1 && nd != 2)
    throw std::invalid_argument("thickness must have 1 or 2 dimension(s), got " +
                                std::to_string(nd));
  for (int a = 1; a < 4; ++a) {
    bool same = arrays[a]->ndim() == nd;
    for (py::ssize_t d = 0; same && d < nd; ++d)
      same = arrays[a]->shape(d) == thickness.shape(d);
    if (!same)
      throw std::invalid_argument(std::string(names[a]) +
                                  " must have the same shape as thickness; all four model "
                                  "arrays must have the same shape");
  }
  const std::size_t n_models = nd == 2 ? static_cast<std::size_t>(thickness.shape(0)) : 1;
  const std::size_t n_layers = static_cast<std::size_t>(thickness.shape(nd - 1));
  const std::size_t n_periods = static_cast<std::size_t>(periods.shape(0));
  gd::Request rq;
  rq.wave = parse_wave(wave);
  rq.mode = mode;
  rq.spherical = spherical;
  rq.group = group;
  rq.earth_radius = earth_radius;
  rq.simd = kernel == "auto";
  if (!modes.is_none()) {
    rq.modes = modes.cast<std::vector<int>>();
    if (rq.modes.empty()) throw std::invalid_argument("modes must not be empty");
  }
  const long threads = geoinvert::bindings::thread_request(n_threads);
  gd::validate(periods.data(), n_periods, thickness.data(), vp.data(), vs.data(), rho.data(),
               n_models, n_layers, rq);
  std::vector<py::ssize_t> shape;
  if (nd == 2) shape.push_back(static_cast<py::ssize_t>(n_models));
  if (!modes.is_none()) shape.push_back(static_cast<py::ssize_t>(rq.modes.size()));
  shape.push_back(static_cast<py::ssize_t>(n_periods));
  DoubleArray phase(shape);
  DoubleArray grp(group ? shape : std::vector<py::ssize_t>{0});
  double* pp = phase.mutable_data();
  double* gp = group ? grp.mutable_data() : nullptr;
  {
    py::gil_scoped_release release;
    gd::compute(periods.data(), n_periods, thickness.data(), vp.data(), vs.data(), rho.data(),
                n_models, n_layers, rq, pp, gp, threads);
  }
  if (group) return py::make_tuple(phase, grp);
  return std::move(phase);
}

py::tuple secular_function(double period, const DoubleArray& c, const DoubleArray& thickness,
                           const DoubleArray& vp, const DoubleArray& vs, const DoubleArray& rho,
                           const std::string& wave, bool spherical, double earth_radius,
                           bool derivatives) {
  namespace gd = geoinvert::dispersion;
  const std::size_t n = static_cast<std::size_t>(thickness.size());
  if (thickness.ndim() != 1 || vp.size() != thickness.size() || vs.size() != thickness.size() ||
      rho.size() != thickness.size())
    throw std::invalid_argument("thickness, vp, vs, rho must be 1-D arrays of the same length");
  gd::Request rq;
  rq.wave = parse_wave(wave);
  rq.spherical = spherical;
  rq.earth_radius = earth_radius;
  gd::validate(&period, 1, thickness.data(), vp.data(), vs.data(), rho.data(), 1, n, rq);
  const double vsn = vs.data()[n - 1];
  for (py::ssize_t i = 0; i < c.size(); ++i)
    if (!(c.data()[i] > 0.0 && c.data()[i] < vsn))
      throw std::invalid_argument("c must lie in (0, vs of the half-space)");
  DoubleArray F(c.size()), Fc(c.size()), Fw(c.size());
  gd::secular_values(thickness.data(), vp.data(), vs.data(), rho.data(), n, rq, period, c.data(),
                     static_cast<std::size_t>(c.size()), F.mutable_data(),
                     derivatives ? Fc.mutable_data() : nullptr, Fw.mutable_data());
  return py::make_tuple(F, Fc, Fw);
}

py::array_t<long> mode_count(double period, const DoubleArray& c, const DoubleArray& thickness,
                             const DoubleArray& vp, const DoubleArray& vs, const DoubleArray& rho,
                             const std::string& wave, bool spherical, double earth_radius) {
  namespace gd = geoinvert::dispersion;
  const std::size_t n = static_cast<std::size_t>(thickness.size());
  if (thickness.ndim() != 1 || vp.size() != thickness.size() || vs.size() != thickness.size() ||
      rho.size() != thickness.size())
    throw std::invalid_argument("thickness, vp, vs, rho must be 1-D arrays of the same length");
  gd::Request rq;
  rq.wave = parse_wave(wave);
  rq.spherical = spherical;
  rq.earth_radius = earth_radius;
  gd::validate(&period, 1, thickness.data(), vp.data(), vs.data(), rho.data(), 1, n, rq);
  if (c.ndim() != 1) throw std::invalid_argument("c must be 1-D");
  py::array_t<long> out(c.size());
  long* op = out.mutable_data();
  {
    py::gil_scoped_release release;
    gd::mode_counts(thickness.data(), vp.data(), vs.data(), rho.data(), n, rq, period, c.data(),
                    static_cast<std::size_t>(c.size()), op);
  }
  return out;
}

}  // namespace

void register_dispersion(py::module_& m) {
  m.def("dispersion_curves", &dispersion_curves, py::arg("periods"), py::arg("thickness"),
        py::arg("vp"), py::arg("vs"), py::arg("rho"), py::arg("wave") = "rayleigh",
        py::arg("mode") = 0, py::arg("spherical") = false, py::arg("group") = false,
        py::arg("n_threads") = py::none(), py::arg("earth_radius") = 6370.0,
        py::arg("modes") = py::none(), py::kw_only(), py::arg("kernel") = "auto",
        "Surface-wave phase velocity (km/s) of a layered model, or (phase, group) with "
        "group=True. periods in s (1-D); thickness (km), vp, vs (km/s), rho (g/cm^3) of shape "
        "(n_layers,) or (n_models, n_layers); output (n_periods,) or (n_models, n_periods); "
        "with modes=[m0, m1, ...] (overrides mode) an axis of modes before the periods: "
        "(n_modes, n_periods) or (n_models, n_modes, n_periods), in one pass. "
        "NaN where the mode does not exist. Validates its input (ValueError). kernel: 'auto' "
        "(batched Rayleigh phase velocities four models per AVX2 vector where the CPU has it, "
        "see dispersion_kernels()) or 'scalar'; both give bit-identical results.");
  m.def(
      "dispersion_kernels",
      [] {
        py::list out;
        if (geoinvert::dispersion::simd_available()) out.append("avx2");
        out.append("scalar");
        return out;
      },
      "Names of the dispersion kernels available in this build on this CPU, fastest first.");
  m.def("dispersion_secular", &secular_function, py::arg("period"), py::arg("c"),
        py::arg("thickness"), py::arg("vp"), py::arg("vs"), py::arg("rho"),
        py::arg("wave") = "rayleigh", py::arg("spherical") = false,
        py::arg("earth_radius") = 6370.0, py::arg("derivatives") = true,
        "Diagnostics: the normalised secular function F and its derivatives dF/dc, dF/domega "
        "at phase velocities c (km/s) for one model at one period (s).");
  m.def("dispersion_mode_count", &mode_count, py::arg("period"), py::arg("c"),
        py::arg("thickness"), py::arg("vp"), py::arg("vs"), py::arg("rho"),
        py::arg("wave") = "rayleigh", py::arg("spherical") = false,
        py::arg("earth_radius") = 6370.0,
        "Diagnostics: the number of modes with phase velocity below each c (km/s) at one "
        "period (s) (exact Sturm count for Love waves; Sturm/Maslov count for Rayleigh waves, "
        "-1 for models with fluid layers).");
}
