// Error conventions shared by all kernels.
//
// Bad input is std::invalid_argument (pybind11 turns it into ValueError) with a sentence a user
// understands, checked once at the boundary. A model the physics cannot answer (a mode that does
// not exist at a period, a failed factorisation) is reported per model as NaN or a status code,
// so one bad model never aborts a batch.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace geoinvert {

/// Per-model status codes written by batched kernels.
enum class Status : int {
  ok = 0,
  no_root = 1,         ///< the requested mode does not exist (output is NaN)
  not_converged = 2,   ///< iterative refinement failed (output is NaN)
  numerical_error = 3  ///< overflow / singular system (output is NaN)
};

/// Build a message from streamable parts and throw std::invalid_argument.
template <typename... Parts>
[[noreturn]] void throw_invalid(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw std::invalid_argument(out.str());
}

}  // namespace geoinvert
