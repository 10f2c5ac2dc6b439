#include "rf/fft.hpp"

#include <cmath>
#include <map>
#include <mutex>

#include "common/errors.hpp"

namespace geoinvert::rf {

namespace {
constexpr double kPi = 3.14159265358979323846;
}

RealInverseFft::RealInverseFft(std::size_t n) : n_(n), m_(n / 2) {
  if (n < 4 || (n & (n - 1)) != 0)
    throw_invalid("the FFT size must be a power of two >= 4, got ", n);
  std::size_t bits = 0;
  while ((std::size_t{1} << bits) < m_) ++bits;
  bitrev_.resize(m_);
  for (std::size_t i = 0; i < m_; ++i) {
    std::size_t r = 0;
    for (std::size_t b = 0; b < bits; ++b)
      if (i & (std::size_t{1} << b)) r |= std::size_t{1} << (bits - 1 - b);
    bitrev_[i] = r;
  }
  odd_ = bits % 2 == 1;
  // Fused passes cover the radix-2 stages of block sizes (L, 2L): L = 2, 8, 32, ... or, after
  // a first block-size-2 pass when log2(m) is odd, L = 4, 16, 64, ...
  for (std::size_t len = odd_ ? 4 : 2; 2 * len <= m_; len *= 4) {
    pass_len_.push_back(len);
    pass_offset_.push_back(twiddle_.size());
    for (std::size_t j = 0; j < len / 2; ++j) {
      const double a2 = kPi * static_cast<double>(j) / static_cast<double>(len);
      const double a1 = 2.0 * a2;
      twiddle_.insert(twiddle_.end(), {std::cos(a2), std::sin(a2), std::cos(a1), std::sin(a1)});
    }
  }
  post_.resize(m_ + 1);
  for (std::size_t k = 0; k <= m_; ++k) {
    const double a = 2.0 * kPi * static_cast<double>(k) / static_cast<double>(n_);
    post_[k] = {std::cos(a), std::sin(a)};
  }
}

void RealInverseFft::inverse(const std::complex<double>* X, std::complex<double>* z,
                             double* out) const {
  using C = std::complex<double>;
  // Pre-processing: Z[k] = Xe[k] + i Xo[k] with Xe = (X[k] + conj X[m-k]) / 2 and
  // Xo = (X[k] - conj X[m-k]) exp(+2 pi i k / n) / 2, written in bit-reversed order.
  for (std::size_t k = 0; k < m_; ++k) {
    const C a = X[k];
    const C b = std::conj(X[m_ - k]);
    const C e = 0.5 * (a + b);
    const C d = 0.5 * (a - b);
    const C w = post_[k];
    const double ore = d.real() * w.real() - d.imag() * w.imag();
    const double oim = d.real() * w.imag() + d.imag() * w.real();
    z[bitrev_[k]] = C(e.real() - oim, e.imag() + ore);  // e + i * o
  }
  double* d = reinterpret_cast<double*>(z);  // interleaved (re, im), as std::complex allows
  if (odd_) {  // radix-2 pass with len 2: twiddle 1
    for (std::size_t i = 0; i < m_; i += 2) {
      const double ar = d[2 * i], ai = d[2 * i + 1], br = d[2 * i + 2], bi = d[2 * i + 3];
      d[2 * i] = ar + br;
      d[2 * i + 1] = ai + bi;
      d[2 * i + 2] = ar - br;
      d[2 * i + 3] = ai - bi;
    }
  }
  // Fused passes: radix-2 stages of block sizes L (twiddle w1 = e^{+2 pi i j / L}) and 2L
  // (twiddles w2 = e^{+2 pi i j / (2L)} and i w2) on the four points a = s + j, b = a + L/2,
  // c = a + L, e = c + L/2, j < L/2.
  for (std::size_t p = 0; p < pass_len_.size(); ++p) {
    const std::size_t len = pass_len_[p];
    const double* tw = twiddle_.data() + pass_offset_[p];
    const std::size_t half = len / 2;
    for (std::size_t s = 0; s < m_; s += 2 * len) {
      double* x = d + 2 * s;
      for (std::size_t j = 0; j < half; ++j) {
        const double w2r = tw[4 * j], w2i = tw[4 * j + 1], w1r = tw[4 * j + 2], w1i = tw[4 * j + 3];
        double* pa = x + 2 * j;
        double* pb = pa + 2 * half;
        double* pc = pa + 2 * len;
        double* pe = pc + 2 * half;
        // stage 1: (a, b) and (c, e) with w1
        const double tbr = pb[0] * w1r - pb[1] * w1i, tbi = pb[0] * w1i + pb[1] * w1r;
        const double ter = pe[0] * w1r - pe[1] * w1i, tei = pe[0] * w1i + pe[1] * w1r;
        const double a1r = pa[0] + tbr, a1i = pa[1] + tbi, b1r = pa[0] - tbr, b1i = pa[1] - tbi;
        const double c1r = pc[0] + ter, c1i = pc[1] + tei, e1r = pc[0] - ter, e1i = pc[1] - tei;
        // stage 2: (a1, c1) with w2 and (b1, e1) with i w2
        const double tcr = c1r * w2r - c1i * w2i, tci = c1r * w2i + c1i * w2r;
        const double u_r = e1r * w2r - e1i * w2i, u_i = e1r * w2i + e1i * w2r;  // w2 e1
        pa[0] = a1r + tcr;
        pa[1] = a1i + tci;
        pc[0] = a1r - tcr;
        pc[1] = a1i - tci;
        pb[0] = b1r - u_i;  // b1 + i (w2 e1)
        pb[1] = b1i + u_r;
        pe[0] = b1r + u_i;  // b1 - i (w2 e1)
        pe[1] = b1i - u_r;
      }
    }
  }
  const double scale = 1.0 / static_cast<double>(m_);
  for (std::size_t t = 0; t < m_; ++t) {
    out[2 * t] = z[t].real() * scale;
    out[2 * t + 1] = z[t].imag() * scale;
  }
}

std::shared_ptr<const RealInverseFft> real_inverse_fft_plan(std::size_t n) {
  // Plans are immutable, so one per size can be shared by all threads and calls (as pocketfft
  // caches its plans). The cache holds at most a handful of sizes in practice.
  static std::mutex mutex;
  static std::map<std::size_t, std::shared_ptr<const RealInverseFft>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  auto plan = std::make_shared<const RealInverseFft>(n);
  if (cache.size() < 16) cache.emplace(n, plan);
  return plan;
}

}  // namespace geoinvert::rf
