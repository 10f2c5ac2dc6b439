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
  twiddle_.resize(m_ / 2 > 0 ? m_ / 2 : 1);
  for (std::size_t j = 0; j < twiddle_.size(); ++j) {
    const double a = 2.0 * kPi * static_cast<double>(j) / static_cast<double>(m_);
    twiddle_[j] = {std::cos(a), std::sin(a)};
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
  // Iterative radix-2 decimation-in-time butterflies with exp(+2 pi i j / m) twiddles.
  for (std::size_t len = 2; len <= m_; len <<= 1) {
    const std::size_t half = len / 2;
    const std::size_t stride = m_ / len;
    for (std::size_t start = 0; start < m_; start += len) {
      for (std::size_t j = 0; j < half; ++j) {
        const C w = twiddle_[j * stride];
        const C u = z[start + j];
        const C v0 = z[start + j + half];
        const C v(v0.real() * w.real() - v0.imag() * w.imag(),
                  v0.real() * w.imag() + v0.imag() * w.real());
        z[start + j] = u + v;
        z[start + j + half] = u - v;
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
