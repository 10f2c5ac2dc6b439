// The single pybind11 include of the project, with the array conventions of all bindings:
// arrays arrive C-contiguous float64 (forcecast), shapes are checked while the GIL is held, and
// only then is the GIL released around the kernel call.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace geoinvert::bindings {

namespace py = pybind11;

using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// Number of threads requested from Python: None -> 0 (all cores).
inline long thread_request(const py::object& n_threads) {
  if (n_threads.is_none()) return 0;
  const long n = n_threads.cast<long>();
  if (n < 1) throw std::invalid_argument("n_threads must be None or >= 1, got " + std::to_string(n));
  return n;
}

/// Require a specific number of dimensions, naming the argument in the error.
inline void require_ndim(const DoubleArray& a, py::ssize_t ndim, const char* name) {
  if (a.ndim() != ndim)
    throw std::invalid_argument(std::string(name) + " must have " + std::to_string(ndim) +
                                " dimension(s), got " + std::to_string(a.ndim()));
}

}  // namespace geoinvert::bindings
