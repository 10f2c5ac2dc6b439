"""Data-generation throughput: the whole engine versus the raw forward kernel on the same models.

Two ways to run it:

pytest-benchmark (small N, group "generate-crust")::

    python -m pytest benchmarks/bench_generate.py --benchmark-enable -q

Full-size timing (the crust study's 500 000 models, phase + group at 21 frequencies)::

    python benchmarks/bench_generate.py crust --n 500000 --chunk 5000 --out /tmp/crust.zarr

which prints the engine summary (wall time, samples/s, store size) and the raw kernel's
samples/s on the models of the first ``--raw-chunks`` chunks (drawn with the same seeds), and
their ratio = the engine's overhead. Also works for ``rf`` and ``mt`` (and ``crust-ps``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

from geoinvert.data import chunk_seed, generate, make_task

CORES = os.cpu_count() or 1


def raw_rate(task_name: str, n: int, chunk: int, seed: int, n_chunks: int, threads: int) -> float:
    """Samples/s of the bare forward kernel (``task.forward``) on the engine's own models.

    Prior sampling is done beforehand and not timed; the kernel gets each chunk as one batch with
    ``threads`` threads, i.e. the best case for the kernel alone.
    """
    task = make_task(task_name)
    batches = []
    for i in range(min(n_chunks, -(-n // chunk))):
        rows = min(chunk, n - i * chunk)
        batches.append(task.sample(np.random.default_rng(chunk_seed(seed, i)), rows))
    t0 = time.perf_counter()
    done = 0
    for b in batches:
        task.forward(b, threads)
        done += b["params"].shape[0]
    return done / (time.perf_counter() - t0)


def cpu_breakdown(task_name: str, chunk: int, seed: int, n_chunks: int) -> dict[str, float]:
    """CPU seconds (``time.process_time``, robust to other load on a shared machine) per sample
    of each engine stage, run serially in this process with a 1-thread kernel: prior sampling,
    forward kernel, hashing + Zarr write of the chunk."""
    from geoinvert.data import create_store

    task = make_task(task_name)
    tmp = tempfile.mkdtemp(prefix="bench_cpu_")
    try:
        store = create_store(Path(tmp) / "s.zarr", task, chunk * n_chunks, chunk, seed)
        cpu = {"sample": 0.0, "forward": 0.0, "write": 0.0}
        for i in range(n_chunks):
            c0 = time.process_time()
            batch = task.sample(np.random.default_rng(chunk_seed(seed, i)), chunk)
            c1 = time.process_time()
            out = task.forward(batch, 1)
            c2 = time.process_time()
            data = task.simulate(np.random.default_rng(chunk_seed(seed, i)), chunk, 1)
            c3 = time.process_time()
            store.write_chunk(i, data)
            c4 = time.process_time()
            del out
            cpu["sample"] += c1 - c0
            cpu["forward"] += c2 - c1
            cpu["write"] += c4 - c3
    finally:
        shutil.rmtree(tmp)
    return {k: v / (chunk * n_chunks) for k, v in cpu.items()}


def dask_roundtrip(n_chunks: int = 300, workers: int = 2) -> float:
    """Wall seconds per chunk per worker that the engine spends outside the timed stages
    (Dask scheduling, result transfer, store open), from one-row ``crust-ps`` chunks."""
    tmp = tempfile.mkdtemp(prefix="bench_rt_")
    try:
        s = generate(make_task("crust-ps"), n_chunks, Path(tmp) / "s.zarr", chunk=1,
                     workers=workers, progress=False)  # fmt: skip
    finally:
        shutil.rmtree(tmp)
    return (s.wall_s * workers - sum(s.worker_s.values())) / n_chunks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("task", choices=["crust", "crust-ps", "rf", "mt"])
    ap.add_argument("--n", type=int, default=500_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument(
        "--no-processes",
        action="store_true",
        help="embedded cluster of worker threads in this process (not processes)",
    )
    ap.add_argument("--out", default=None, help="store path (default: a temporary directory)")
    ap.add_argument("--raw-chunks", type=int, default=10, help="chunks timed for the raw kernel")
    ap.add_argument("--keep", action="store_true", help="keep the store")
    ap.add_argument("--cpu-only", action="store_true", help="only the per-stage CPU-time breakdown")
    ap.add_argument("--roundtrip", action="store_true", help="only the Dask per-chunk round trip")
    args = ap.parse_args()

    if args.roundtrip:
        print(f"Dask round trip: {1e3 * dask_roundtrip():.1f} ms per chunk per worker")
        return

    cpu = cpu_breakdown(args.task, args.chunk, args.seed, min(args.raw_chunks, 4))
    extra = (cpu["sample"] + cpu["write"]) / cpu["forward"]
    print(
        "CPU per sample: "
        + ", ".join(f"{k} {1e6 * v:.1f} us" for k, v in cpu.items())
        + f"; sampling + writing = {100 * extra:.2f} % of the kernel's CPU time"
    )
    if args.cpu_only:
        return

    tmp = None
    out = args.out
    if out is None:
        tmp = tempfile.mkdtemp(prefix="bench_generate_")
        out = str(Path(tmp) / f"{args.task}.zarr")
    if Path(out).exists():
        shutil.rmtree(out)
    task = make_task(args.task)
    summary = generate(task, args.n, out, chunk=args.chunk, seed=args.seed, workers=args.workers,
                       processes=not args.no_processes)  # fmt: skip
    print(summary)
    w = args.workers or CORES
    busy = sum(summary.worker_s.values())
    print(
        f"worker seconds {busy:.1f} over {w} workers x {summary.wall_s:.1f} s wall: "
        f"utilisation {busy / (w * summary.wall_s):.1%}; per stage "
        + ", ".join(f"{k} {v:.1f}" for k, v in summary.worker_s.items())
    )
    raw = raw_rate(args.task, args.n, args.chunk, args.seed, args.raw_chunks, CORES)
    print(
        f"raw kernel ({CORES} threads, models of the first {args.raw_chunks} chunks): "
        f"{raw:.0f} samples/s; engine/raw throughput = {summary.samples_per_s / raw:.3f} "
        f"(overhead {100 * (raw / summary.samples_per_s - 1):.1f} % of the raw kernel's time)"
    )
    if tmp is not None and not args.keep:
        shutil.rmtree(tmp)


# --------------------------------------------------------------------------------------------
# pytest-benchmark entries (small N)
# --------------------------------------------------------------------------------------------

N_BENCH, K_BENCH = 8000, 1000


def _kernel_available() -> bool:
    try:
        make_task("crust").check_available()
    except RuntimeError:
        return False
    return True


needs_kernel = pytest.mark.skipif(not _kernel_available(), reason="no dispersion kernel")


@needs_kernel
@pytest.mark.benchmark(group="generate-crust")
def test_raw_kernel(benchmark):
    task = make_task("crust")
    batches = [
        task.sample(np.random.default_rng(chunk_seed(0, i)), K_BENCH)
        for i in range(N_BENCH // K_BENCH)
    ]
    benchmark.pedantic(lambda: [task.forward(b, CORES) for b in batches], rounds=3)


@needs_kernel
@pytest.mark.benchmark(group="generate-crust")
def test_engine(benchmark, tmp_path):
    task = make_task("crust")
    counter = iter(range(100))

    def run() -> None:
        generate(task, N_BENCH, tmp_path / f"s{next(counter)}.zarr", chunk=K_BENCH, progress=False)

    benchmark.pedantic(run, rounds=3)


if __name__ == "__main__":
    main()
