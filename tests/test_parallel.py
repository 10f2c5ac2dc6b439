"""The shared thread pool (cpp/common/parallel.cpp) seen from Python.

Every kernel's own tests check threads 1 == N on its outputs; these check the pool itself:
persistent workers reused across calls, concurrent batched calls from several Python threads
(the GIL is released, so they overlap inside the pool), nested use from many callers at once,
and a forked child process (whose copy of the pool has no worker threads).
"""

from __future__ import annotations

import multiprocessing as mp
import sys
import threading

import numpy as np
import pytest

from geoinvert import dispersion, mt

PERIODS = np.geomspace(5.0, 60.0, 12)


def _models(n: int, seed: int = 3) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    h = np.tile([8.0, 12.0, 15.0, 0.0], (n, 1))
    vs = np.array([3.0, 3.5, 3.9, 4.6]) * (1.0 + 0.03 * rng.uniform(-1, 1, (n, 4)))
    return h, 1.75 * vs, vs, 0.32 * 1.75 * vs + 0.77


def _phase(n_threads: int, n: int = 40) -> np.ndarray:
    return dispersion.phase_velocity(PERIODS, *_models(n), n_threads=n_threads)


def test_many_small_calls_reuse_the_pool() -> None:
    # Hundreds of pool dispatches (one per call); each result equal to the serial one.
    serial = _phase(1, n=3)
    for _ in range(300):
        np.testing.assert_array_equal(_phase(2, n=3), serial)
    np.testing.assert_array_equal(_phase(8, n=3), serial)  # more threads than items


def test_concurrent_callers_share_the_pool() -> None:
    serial = _phase(1)
    freqs = np.logspace(-3, 2, 25)
    rho = np.exp(np.random.default_rng(1).uniform(0, 8, (64, 5)))
    thick = np.full((64, 4), 2.0)
    mt_serial = mt.forward_1d(freqs, rho, thick, n_threads=1)[2]
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        try:
            for _ in range(20):
                if k % 2:
                    np.testing.assert_array_equal(_phase(3), serial)
                else:
                    z = mt.forward_1d(freqs, rho, thick, n_threads=2)[2]
                    np.testing.assert_array_equal(z, mt_serial)
        except BaseException as exc:  # (re-raised in the main thread)
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a batched call never returned"
    if errors:
        raise errors[0]


def _child(q: mp.Queue) -> None:
    q.put(_phase(2))


@pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX only")
def test_forked_child_runs_batches() -> None:
    # The parent has started pool workers; the child inherits the pool without its threads and
    # must neither hang nor differ.
    parent = _phase(2)
    ctx = mp.get_context("fork")
    q: mp.Queue = ctx.Queue()
    p = ctx.Process(target=_child, args=(q,))
    p.start()
    child = q.get(timeout=60)
    p.join(timeout=60)
    assert p.exitcode == 0
    np.testing.assert_array_equal(child, parent)
