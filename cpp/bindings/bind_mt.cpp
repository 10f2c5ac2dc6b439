// Python bindings of the magnetotelluric kernels (cpp/mt).
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "bindings/pybind11.hpp"
#include "common/errors.hpp"
#include "mt/mt1d.hpp"
#include "mt/mt2d.hpp"

namespace py = pybind11;

namespace geoinvert::bindings {
namespace {

py::tuple mt_forward_1d(const DoubleArray& freq, const DoubleArray& rho, const DoubleArray& thick,
                        const py::object& n_threads, const std::string& kernel) {
  mt::Mt1dKernel k = mt::Mt1dKernel::automatic;
  if (kernel == "avx2")
    k = mt::Mt1dKernel::avx2;
  else if (kernel == "vector")
    k = mt::Mt1dKernel::vector;
  else if (kernel == "scalar")
    k = mt::Mt1dKernel::scalar;
  else if (kernel != "auto")
    throw_invalid("kernel must be 'auto', 'avx2', 'vector' or 'scalar', got '", kernel, "'");
  // One model (rho (n_layers,), thick (n_layers-1,)) -> outputs (n_f,), or a batch
  // (n_models, n_layers) -> (n_models, n_f).
  require_ndim(freq, 1, "frequencies");
  const bool single = rho.ndim() == 1;
  require_ndim(rho, single ? 1 : 2, "resistivity");
  require_ndim(thick, single ? 1 : 2, "thickness");
  const auto n_models = single ? std::size_t{1} : static_cast<std::size_t>(rho.shape(0));
  const auto n_layers = static_cast<std::size_t>(rho.shape(single ? 0 : 1));
  const auto n_freq = static_cast<std::size_t>(freq.shape(0));
  if (n_layers == 0) throw_invalid("resistivity must have at least one layer");
  if (n_freq == 0) throw_invalid("frequencies must not be empty");
  const auto t_models = single ? std::size_t{1} : static_cast<std::size_t>(thick.shape(0));
  const auto t_layers = static_cast<std::size_t>(thick.shape(single ? 0 : 1));
  if (t_models != n_models || t_layers != n_layers - 1)
    throw_invalid("thickness must have ", n_layers - 1, " layers per model for ", n_models,
                  " model(s) of ", n_layers, " layers");
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
  std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n_freq)};
  if (!single) shape.insert(shape.begin(), static_cast<py::ssize_t>(n_models));
  py::array_t<double> rho_a(shape);
  py::array_t<double> phase(shape);
  py::array_t<std::complex<double>> Z(shape);
  double* pa = rho_a.mutable_data();
  double* pp = phase.mutable_data();
  auto* pz = Z.mutable_data();
  const double* pf = freq.data();
  {
    py::gil_scoped_release release;
    mt::forward_1d_batch(pf, n_freq, r, h, n_models, n_layers, pa, pp, pz, nt, k);
  }
  return py::make_tuple(rho_a, phase, Z);
}

std::vector<double> to_vector(const DoubleArray& a, const char* name) {
  require_ndim(a, 1, name);
  return std::vector<double>(a.data(), a.data() + a.shape(0));
}

void check_rho_2d(const mt::Mt2dProblem& p, const DoubleArray& rho) {
  require_ndim(rho, 2, "resistivity");
  if (rho.shape(0) != p.n_cells_z() || rho.shape(1) != p.n_cells_y())
    throw_invalid("resistivity must have shape (", p.n_cells_z(), ", ", p.n_cells_y(),
                  ") (earth cell rows, cell columns), got (", rho.shape(0), ", ", rho.shape(1),
                  ")");
}

using CArray = py::array_t<std::complex<double>>;

py::tuple mt2d_forward(const mt::Mt2dProblem& p, const DoubleArray& rho, const DoubleArray& freq,
                       const py::object& n_threads) {
  check_rho_2d(p, rho);
  require_ndim(freq, 1, "frequencies");
  const long nt = thread_request(n_threads);
  const auto nf = static_cast<std::size_t>(freq.shape(0));
  const std::size_t ns = static_cast<std::size_t>(p.n_stations());
  CArray zte({nf, ns}), ztm({nf, ns});
  auto* a = zte.mutable_data();
  auto* b = ztm.mutable_data();
  const double* r = rho.data();
  const double* f = freq.data();
  {
    py::gil_scoped_release release;
    p.forward(r, f, static_cast<int>(nf), a, b, nt);
  }
  return py::make_tuple(zte, ztm);
}

py::tuple mt2d_misfit_gradient(const mt::Mt2dProblem& p, const DoubleArray& rho,
                               const DoubleArray& freq, const DoubleArray& obs,
                               const DoubleArray& w, const py::object& n_threads) {
  check_rho_2d(p, rho);
  require_ndim(freq, 1, "frequencies");
  const auto nf = static_cast<std::size_t>(freq.shape(0));
  const std::size_t ns = static_cast<std::size_t>(p.n_stations());
  for (const auto* arr : {&obs, &w}) {
    const char* name = arr == &obs ? "observed" : "weights";
    require_ndim(*arr, 4, name);
    if (static_cast<std::size_t>(arr->shape(0)) != 2 ||
        static_cast<std::size_t>(arr->shape(1)) != nf ||
        static_cast<std::size_t>(arr->shape(2)) != ns || arr->shape(3) != 2)
      throw_invalid(name, " must have shape (2, ", nf, ", ", ns, ", 2)");
  }
  const long nt = thread_request(n_threads);
  CArray zte({nf, ns}), ztm({nf, ns});
  py::array_t<double> grad({static_cast<std::size_t>(p.n_cells_z()),
                            static_cast<std::size_t>(p.n_cells_y())});
  double misfit = 0.0;
  {
    auto* a = zte.mutable_data();
    auto* b = ztm.mutable_data();
    double* g = grad.mutable_data();
    const double *r = rho.data(), *f = freq.data(), *o = obs.data(), *ww = w.data();
    py::gil_scoped_release release;
    misfit = p.misfit_gradient(r, f, static_cast<int>(nf), o, ww, g, a, b, nt);
  }
  return py::make_tuple(misfit, grad, zte, ztm);
}

using Int64Array = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>;
using IntArray = py::array_t<int, py::array::c_style | py::array::forcecast>;

// Batched forward over meshes (bands) and models: one pool run for every (mesh, mode, model,
// frequency). problems[b], cell_maps[b] (n_cells_z, n_cells_y) int64, frequencies[b] (n_f_b,)
// Hz, rows[b] (n_f_b,) output row of each; resistivity (n_models, n_model_cells) ohm m.
py::tuple mt2d_forward_batch(const py::sequence& problems, const py::sequence& cell_maps,
                             const py::sequence& frequencies, const py::sequence& rows,
                             const DoubleArray& rho, int n_freq_out,
                             const py::object& n_threads) {
  const std::size_t nb = py::len(problems);
  if (nb == 0) throw_invalid("problems must not be empty");
  if (py::len(cell_maps) != nb || py::len(frequencies) != nb || py::len(rows) != nb)
    throw_invalid("problems, cell_maps, frequencies and rows must have the same length, got ",
                  nb, ", ", py::len(cell_maps), ", ", py::len(frequencies), ", ",
                  py::len(rows));
  require_ndim(rho, 2, "resistivity");
  if (n_freq_out < 1) throw_invalid("n_frequencies must be >= 1, got ", n_freq_out);
  // Keep the converted arrays alive while the kernel runs without the GIL.
  std::vector<Int64Array> cms;
  std::vector<DoubleArray> fs;
  std::vector<IntArray> rs;
  std::vector<mt::Mt2dBand> bands(nb);
  for (std::size_t b = 0; b < nb; ++b) {
    const auto* p = problems[b].cast<const mt::Mt2dProblem*>();
    cms.push_back(py::cast<Int64Array>(cell_maps[b]));
    fs.push_back(py::cast<DoubleArray>(frequencies[b]));
    rs.push_back(py::cast<IntArray>(rows[b]));
    const Int64Array& cm = cms.back();
    if (cm.ndim() != 2 || cm.shape(0) != p->n_cells_z() || cm.shape(1) != p->n_cells_y())
      throw_invalid("cell_maps[", b, "] must have shape (", p->n_cells_z(), ", ",
                    p->n_cells_y(), ") (earth cell rows, cell columns of its mesh)");
    require_ndim(fs.back(), 1, "frequencies[b]");
    if (rs.back().ndim() != 1 || rs.back().shape(0) != fs.back().shape(0))
      throw_invalid("rows[", b, "] must have one entry per frequency of mesh ", b);
    bands[b].problem = p;
    bands[b].cell_map = cm.data();
    bands[b].freq = fs.back().data();
    bands[b].freq_row = rs.back().data();
    bands[b].n_freq = static_cast<int>(fs.back().shape(0));
  }
  const long nt = thread_request(n_threads);
  const auto nm = static_cast<std::size_t>(rho.shape(0));
  const auto ncell = static_cast<std::size_t>(rho.shape(1));
  const auto nf = static_cast<std::size_t>(n_freq_out);
  const auto ns = static_cast<std::size_t>(bands[0].problem->n_stations());
  CArray zte({nm, nf, ns}), ztm({nm, nf, ns});
  auto* a = zte.mutable_data();
  auto* bz = ztm.mutable_data();
  const double* r = rho.data();
  {
    py::gil_scoped_release release;
    mt::Mt2dProblem::forward_batch(bands.data(), static_cast<int>(nb), r, nm, ncell, n_freq_out,
                                   a, bz, nt);
  }
  return py::make_tuple(zte, ztm);
}

}  // namespace
}  // namespace geoinvert::bindings

void register_mt(py::module_& m) {
  m.def("mt_forward_1d", &geoinvert::bindings::mt_forward_1d, py::arg("frequencies"),
        py::arg("resistivity"), py::arg("thickness"), py::arg("n_threads") = py::none(),
        py::kw_only(), py::arg("kernel") = "auto",
        "1-D MT impedance (Wait recursion). frequencies (n_f,) Hz; resistivity (n_models, "
        "n_layers) or (n_layers,) ohm m; thickness (n_models, n_layers-1) or (n_layers-1,) km. "
        "Returns rho_a (ohm m), phase (deg), Z (ohm), each (n_models, n_f) or (n_f,). kernel: "
        "'auto' (the fastest available), 'avx2', 'vector' or 'scalar' (see mt1d_kernels()).");
  m.def(
      "mt1d_kernels",
      [] {
        py::list out;
        for (auto [name, k] : {std::pair{"avx2", geoinvert::mt::Mt1dKernel::avx2},
                               std::pair{"vector", geoinvert::mt::Mt1dKernel::vector},
                               std::pair{"scalar", geoinvert::mt::Mt1dKernel::scalar}})
          if (geoinvert::mt::mt1d_kernel_available(k)) out.append(name);
        return out;
      },
      "Names of the 1-D MT kernels available in this build on this CPU, fastest first.");
  namespace b = geoinvert::bindings;
  py::class_<geoinvert::mt::Mt2dProblem>(m, "Mt2dProblem",
                                         "2-D MT finite-element problem on a node grid (SI units)")
      .def(py::init([](const b::DoubleArray& y, const b::DoubleArray& z, int n_air,
                       const b::DoubleArray& st) {
             return std::make_unique<geoinvert::mt::Mt2dProblem>(
                 b::to_vector(y, "y"), b::to_vector(z, "z"), n_air, b::to_vector(st, "stations"));
           }),
           py::arg("y"), py::arg("z"), py::arg("n_air"), py::arg("stations"))
      .def("n_unknowns", &geoinvert::mt::Mt2dProblem::n_unknowns, py::arg("mode"))
      .def("factor_nnz", &geoinvert::mt::Mt2dProblem::factor_nnz, py::arg("mode"))
      .def("factor_ops", &geoinvert::mt::Mt2dProblem::factor_ops, py::arg("mode"))
      .def_property_readonly("n_cells_y", &geoinvert::mt::Mt2dProblem::n_cells_y)
      .def_property_readonly("n_cells_z", &geoinvert::mt::Mt2dProblem::n_cells_z)
      .def("forward", &b::mt2d_forward, py::arg("resistivity"), py::arg("frequencies"),
           py::arg("n_threads") = py::none())
      .def("misfit_gradient", &b::mt2d_misfit_gradient, py::arg("resistivity"),
           py::arg("frequencies"), py::arg("observed"), py::arg("weights"),
           py::arg("n_threads") = py::none());
  m.def("mt2d_forward_batch", &b::mt2d_forward_batch, py::arg("problems"), py::arg("cell_maps"),
        py::arg("frequencies"), py::arg("rows"), py::arg("resistivity"),
        py::arg("n_frequencies"), py::arg("n_threads") = py::none(),
        "2-D MT forward of several models over several meshes (frequency bands) in one thread "
        "pool run. problems: Mt2dProblem per mesh; cell_maps: (n_cells_z, n_cells_y) int64 per "
        "mesh, the model cell of each earth cell; frequencies: Hz per mesh; rows: output row of "
        "each of those frequencies; resistivity (n_models, n_model_cells) ohm m. Returns Z_te, "
        "Z_tm (ohm), each (n_models, n_frequencies, n_stations); rows no mesh serves are NaN.");
}
