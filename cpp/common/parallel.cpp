#include "common/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace geoinvert {

std::size_t hardware_threads() noexcept {
  // hardware_concurrency() reads /sys on Linux (~10 us): once per process is enough
  static const std::size_t n = [] {
    const unsigned c = std::thread::hardware_concurrency();
    return c == 0 ? std::size_t{1} : static_cast<std::size_t>(c);
  }();
  return n;
}

std::size_t resolve_threads(long n_threads, std::size_t n_items) noexcept {
  std::size_t n = n_threads <= 0 ? hardware_threads() : static_cast<std::size_t>(n_threads);
  n = std::min(n, n_items);
  return std::max<std::size_t>(n, 1);
}

void parallel_for(std::size_t n_items, long n_threads,
                  const std::function<void(std::size_t, std::size_t)>& body) {
  if (n_items == 0) return;
  const std::size_t n_workers = resolve_threads(n_threads, n_items);
  if (n_workers == 1) {
    for (std::size_t i = 0; i < n_items; ++i) body(i, 0);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&](std::size_t worker) {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_items) return;
      try {
        body(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(n_workers - 1);
  for (std::size_t w = 1; w < n_workers; ++w) threads.emplace_back(work, w);
  work(0);  // the calling thread is worker 0
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace geoinvert
