#include "common/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define GEOINVERT_CPU_RELAX() _mm_pause()
#else
#define GEOINVERT_CPU_RELAX() std::this_thread::yield()
#endif

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define GEOINVERT_HAVE_ATFORK 1
#endif

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

namespace {

// One parallel_for call. Helpers join it through the pool; the caller always works on it
// too, so a job completes even if no helper ever starts (pool busy, or a forked child whose
// pool threads did not survive the fork). The caller waits only for helpers that have
// started, never for queued ones: nested or concurrent calls cannot deadlock.
struct Job {
  std::size_t n_items = 0;
  const std::function<void(std::size_t, std::size_t)>* body = nullptr;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex m;
  std::condition_variable done;
  std::size_t next_worker = 1;  // worker ids handed to helpers (guarded by m)
  std::size_t max_workers = 1;
  int running = 0;              // helpers inside work() (guarded by m)
  bool closed = false;          // the caller has finished; late helpers leave (guarded by m)

  void work(std::size_t worker) {
    for (;;) {
      if (failed.load(std::memory_order_relaxed)) return;
      const std::size_t i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= n_items) return;
      try {
        (*body)(i, worker);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (!error) error = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  }

  /// Run as a helper: take a worker id unless the job is over.
  void help() {
    std::size_t id;
    {
      std::lock_guard<std::mutex> lock(m);
      if (closed || next_worker >= max_workers) return;
      id = next_worker++;
      ++running;
    }
    work(id);
    std::lock_guard<std::mutex> lock(m);
    if (--running == 0) done.notify_all();
  }
};

// Persistent worker threads (created on first use, grown on demand, never joined). Between
// calls a worker first spins for kSpin (watching an atomic counter of queued tasks), then sleeps
// on a condition variable, as OpenMP runtimes do: waking a sleeping thread (futex + an idle CPU
// leaving its sleep state) took >= 100 us on the 2-core VM we measure on, longer than a whole
// 10-model dispersion batch, so back-to-back batched calls ran on one thread.
class Pool {
 public:
  static Pool& instance() {
    // Leaked on purpose: worker threads may still wait on the queue at interpreter exit.
    static Pool* pool = [] {
      auto* p = new Pool;
#ifdef GEOINVERT_HAVE_ATFORK
      pthread_atfork(nullptr, nullptr, [] { Pool::instance().after_fork_in_child(); });
#endif
      return p;
    }();
    return *pool;
  }

  void submit(const std::shared_ptr<Job>& job, std::size_t n_helpers) {
    std::lock_guard<std::mutex> lock(m_);
    while (threads_ < n_helpers && threads_ < kMaxThreads) {
      std::thread(&Pool::loop, this).detach();
      ++threads_;
    }
    for (std::size_t i = 0; i < n_helpers; ++i) queue_.push_back(job);
    queued_.fetch_add(n_helpers, std::memory_order_release);
    wake_.notify_all();  // (no system call when no worker sleeps)
  }

 private:
  static constexpr std::size_t kMaxThreads = 1024;
  static constexpr std::chrono::microseconds kSpin{200};

  void loop() {
    for (;;) {
      const auto t0 = std::chrono::steady_clock::now();
      while (queued_.load(std::memory_order_acquire) == 0 &&
             std::chrono::steady_clock::now() - t0 < kSpin)
        for (int i = 0; i < 64; ++i) GEOINVERT_CPU_RELAX();
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
        queued_.fetch_sub(1, std::memory_order_relaxed);
      }
      job->help();
    }
  }

  void after_fork_in_child() {
    // Only the forking thread survives a fork: forget the workers (new ones start on demand)
    // and the queue. The mutex and condition variable are re-created in place because another
    // thread may have held them at the moment of the fork.
    new (&m_) std::mutex;
    new (&wake_) std::condition_variable;
    new (&queue_) std::deque<std::shared_ptr<Job>>;  // (the old queue's memory is leaked)
    queued_.store(0);
    threads_ = 0;
  }

  std::mutex m_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::atomic<std::size_t> queued_{0};  // queue_.size(), readable without the lock
  std::size_t threads_ = 0;
};

}  // namespace

void parallel_for(std::size_t n_items, long n_threads,
                  const std::function<void(std::size_t, std::size_t)>& body) {
  if (n_items == 0) return;
  const std::size_t n_workers = resolve_threads(n_threads, n_items);
  if (n_workers == 1) {
    for (std::size_t i = 0; i < n_items; ++i) body(i, 0);
    return;
  }
  auto job = std::make_shared<Job>();
  job->n_items = n_items;
  job->body = &body;
  job->max_workers = n_workers;
  Pool::instance().submit(job, n_workers - 1);
  job->work(0);  // the calling thread is worker 0
  std::unique_lock<std::mutex> lock(job->m);
  job->closed = true;
  job->done.wait(lock, [&] { return job->running == 0; });
  if (job->error) std::rethrow_exception(job->error);
}

}  // namespace geoinvert
