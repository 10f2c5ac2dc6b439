// geoinvert._core: wires one register_* function per bound solver (boost-histogram style).
#include "bindings/pybind11.hpp"
#include "common/parallel.hpp"

namespace py = pybind11;

void register_dispersion(py::module_& m);

#ifndef GEOINVERT_VERSION
#define GEOINVERT_VERSION "dev"
#endif

PYBIND11_MODULE(_core, m) {
  m.doc() = "geoinvert compiled kernels (dispersion, magnetotellurics, receiver functions)";
  m.attr("__version__") = GEOINVERT_VERSION;
  m.def("hardware_threads", &geoinvert::hardware_threads,
        "Number of hardware threads used when n_threads=None.");
  register_dispersion(m);
}
