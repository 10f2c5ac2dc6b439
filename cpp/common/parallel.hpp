// Thread pool for batched kernels.
//
// A persistent std::thread pool with an atomic work counter (in the style of scipy's pocketfft
// binding and hnswlib): items are handed out one at a time, so the assignment of items to
// threads varies between runs but every item is computed by exactly the same code, and the
// results never depend on the thread count. The calling thread works on its own batch too and
// waits only for workers that joined it, so concurrent and nested calls cannot deadlock and a
// forked child (no worker threads) still completes. Workers spin briefly before sleeping, so
// back-to-back batches do not pay a thread wake-up each. Exceptions thrown by a worker are
// captured (std::exception_ptr) and rethrown on the calling thread after all workers are done.
#pragma once

#include <cstddef>
#include <functional>

namespace geoinvert {

/// Number of hardware threads (at least 1).
std::size_t hardware_threads() noexcept;

/// Resolve a user request: n <= 0 means "all cores"; never more threads than items.
std::size_t resolve_threads(long n_threads, std::size_t n_items) noexcept;

/// Run body(item, worker) for item in [0, n_items) on up to n_threads threads.
///
/// `worker` is in [0, threads_used) and identifies the calling thread, so kernels can keep
/// one preallocated workspace per worker and allocate nothing per item. With n_threads == 1
/// (or a single item) everything runs on the calling thread. The first exception thrown by
/// any item stops the hand-out of new items and is rethrown here.
void parallel_for(std::size_t n_items, long n_threads,
                  const std::function<void(std::size_t item, std::size_t worker)>& body);

}  // namespace geoinvert
