// Real inverse FFT for the receiver-function kernel.
//
// An iterative radix-2 decimation-in-time complex FFT of size N/2, with pairs of radix-2 stages
// fused into one pass (radix-4 data flow, contiguous per-pass twiddle tables), plus the standard
// "two real sequences in one complex" post-processing (e.g. Press et al., Numerical Recipes, 3rd ed., sect. 12.3), so a
// real signal of N samples costs one complex FFT of N/2 points. Plans are immutable after
// construction and can be shared by threads; the caller passes its own scratch buffer.
#pragma once

#include <complex>
#include <cstddef>
#include <memory>
#include <vector>

namespace geoinvert::rf {

/// Plan for the inverse real FFT of a power-of-two size n >= 4.
class RealInverseFft {
 public:
  explicit RealInverseFft(std::size_t n);

  std::size_t size() const noexcept { return n_; }

  /// x[t] = sum_{k=0}^{n-1} X[k] exp(+2 pi i k t / n) / n for a Hermitian spectrum given by its
  /// n/2 + 1 non-negative-frequency bins (numpy.fft.irfft convention).
  /// `spectrum` has n/2 + 1 entries, `scratch` n/2 entries, `out` n entries.
  void inverse(const std::complex<double>* spectrum, std::complex<double>* scratch,
               double* out) const;

 private:
  std::size_t n_;
  std::size_t m_;                             // n / 2
  std::vector<std::size_t> bitrev_;           // bit reversal of [0, m)
  bool odd_;                                  // log2(m) odd: one plain radix-2 pass first
  std::vector<std::size_t> pass_len_;         // L of each fused pass (block size 2L)
  std::vector<std::size_t> pass_offset_;      // start of the pass's twiddles in twiddle_
  std::vector<double> twiddle_;               // per pass, j < L/2: w2 = e^{+i pi j/L}, w1 = w2^2
  std::vector<std::complex<double>> post_;    // exp(+2 pi i k / n), k <= m
};

/// A shared immutable plan of size n (built once per size and cached; thread-safe).
std::shared_ptr<const RealInverseFft> real_inverse_fft_plan(std::size_t n);

}  // namespace geoinvert::rf
