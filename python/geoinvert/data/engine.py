"""Chunked, resumable, deterministic training-set generation on Dask ``distributed``.

Each chunk of ``K`` samples is one Dask task: seed -> prior sample -> batched forward kernel ->
write the chunk's rows to the Zarr store -> write its done marker. The task runs on a worker and
writes to the store itself, so the store path must be reachable from every worker (local disk
for a ``LocalCluster``, a shared file system for a real cluster).

Determinism: chunk ``i`` draws from ``SeedSequence(seed, spawn_key=(i,))`` and kernels are
thread-count independent, so the store is bit-identical for any number of workers, threads,
completion order or restarts.

Resume: with ``resume=True`` the existing store's attributes must match the requested job; each
chunk task first checks its marker against a hash of the stored rows and regenerates the chunk
only if the marker is missing, torn, or does not match (partial or corrupted data).

Code identity: the store records :func:`~geoinvert.data.store.code_fingerprint` of the code that
created it (attribute ``code_sha256``). Resuming with different code, or on workers whose code
differs from the driver's, is refused unless ``allow_code_change=True``, which is then recorded
in the attribute ``code_changes`` (so a store never mixes two codes' outputs unknowingly).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .store import DatasetStore, chunk_seed, code_fingerprint, create_store, task_config
from .tasks import Task, available_cpus

__all__ = ["CodeChangedError", "GenerationSummary", "default_workers", "generate", "run_chunk"]


class CodeChangedError(ValueError):
    """A store (or a worker) was written by (runs) other code than this process.

    Raised on resume so that one store never mixes the outputs of two codes; a ``ValueError``
    subclass, so callers that catch ``ValueError`` keep working.
    """


log = logging.getLogger(__name__)


@dataclass
class GenerationSummary:
    """What :func:`generate` did.

    Attributes
    ----------
    samples : int
        Rows in the store.
    chunks_generated, chunks_skipped : int
        Chunks computed in this run, and chunks found complete (resume).
    failures : int
        Rows of the whole store whose forward failed (status > 0).
    wall_s : float
        Wall time of the run in s (cluster start-up excluded).
    samples_per_s : float
        Generated rows per second of wall time.
    store_bytes : int
        Size of the store on disk.
    worker_s : dict
        Seconds summed over chunks: ``verify_s`` (resume checks), ``sample_s`` (prior),
        ``forward_s`` (kernel), ``write_s`` (Zarr writes); ``forward_s`` over their sum is the
        kernel's share of the workers' time.
    """

    path: str
    samples: int
    chunks_generated: int
    chunks_skipped: int
    failures: int
    wall_s: float
    samples_per_s: float
    store_bytes: int
    worker_s: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return (
            f"{self.samples} samples in {self.path}: {self.chunks_generated} chunks generated, "
            f"{self.chunks_skipped} already complete; {self.failures} failed forwards; "
            f"{self.wall_s:.2f} s wall, {self.samples_per_s:.0f} samples/s; "
            f"store {self.store_bytes / 2**20:.1f} MiB; kernel share of worker time "
            f"{self.kernel_share:.1%}"
        )

    @property
    def kernel_share(self) -> float:
        """forward_s / (verify_s + sample_s + forward_s + write_s) summed over chunks."""
        total = sum(self.worker_s.values())
        return self.worker_s.get("forward_s", 0.0) / total if total > 0 else float("nan")


def default_workers() -> int:
    """Workers of the embedded cluster: one per CPU this process may use (kernels then run 1
    thread); see :func:`~geoinvert.data.tasks.available_cpus`."""
    return available_cpus()


def run_chunk(
    task: Task, path: str, index: int, n: int, chunk: int, seed: int, n_threads: int, check: bool
) -> tuple[int, int, int, bool, dict[str, float]]:
    """Generate and write chunk ``index`` (the unit of work of one Dask task).

    Returns ``(index, rows, failed_rows, skipped, timings)``; ``skipped`` is True when ``check``
    found a complete, verified chunk already in the store; ``timings`` holds the seconds spent
    verifying, sampling the prior, in the forward kernel and writing.
    """
    store = DatasetStore(Path(path))
    lo, hi = index * chunk, min((index + 1) * chunk, n)
    t0 = time.perf_counter()
    if check and store.is_complete(index, verify=True):
        return index, hi - lo, 0, True, {"verify_s": time.perf_counter() - t0}
    t1 = time.perf_counter()
    rng = np.random.default_rng(chunk_seed(seed, index))
    data = task.simulate(rng, hi - lo, n_threads)
    t2 = time.perf_counter()
    store.write_chunk(index, data)
    t3 = time.perf_counter()
    timings = {"verify_s": t1 - t0, **data.timings, "write_s": t3 - t2}
    return index, hi - lo, int((data.status > 0).sum()), False, timings


def _warm_up(task: Task) -> str:
    """Import the task's modules on a worker before the clock starts; return its code
    fingerprint."""
    import zarr  # noqa: F401

    task.check_available()
    return code_fingerprint()


def _ranges(mask: np.ndarray) -> list[list[int]]:
    """Half-open ``[start, stop)`` index ranges of the True runs of a boolean mask."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return [[int(a), int(b)] for a, b in zip(starts, stops, strict=True)]


def _check_resumable(
    store: DatasetStore, task: Task, n: int, chunk: int, seed: int, *, allow_code_change: bool
) -> bool:
    """Refuse to resume a store made for another job or by other code.

    Returns True when the code differs and ``allow_code_change`` lets the resume go ahead.
    """
    from .. import __version__

    a = store.attrs
    want = {"n": n, "chunk": chunk, "seed": seed, "task_config": task_config(task)}
    for key, value in want.items():
        have = a.get(key)
        value = json.loads(json.dumps(value, default=lambda o: o.tolist()))
        if have != value:
            raise ValueError(
                f"cannot resume {store.path}: its {key} is {have!r}, the job asks for {value!r}"
            )
    have_code, code = a.get("code_sha256"), code_fingerprint()
    if have_code == code:
        return False
    if not allow_code_change:
        raise CodeChangedError(
            f"cannot resume {store.path}: it was written by geoinvert {a.get('version')} with "
            f"code fingerprint {have_code or '(none recorded)'}, but this is geoinvert "
            f"{__version__} with code fingerprint {code}; resuming would mix the outputs of two "
            "codes in one store. Regenerate it, or pass allow_code_change=True (CLI: "
            "--allow-code-change) to continue anyway; the change is then recorded in the store "
            "attribute 'code_changes'."
        )
    return True


def _record_code_change(
    store: DatasetStore, *, workers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Append an allowed code change to the store attribute ``code_changes``.

    The entry names the previous and the new fingerprint and version, the chunks that had done
    markers before this run (written by the previous code, as ``[start, stop)`` ranges) and,
    for a worker mismatch, each worker's fingerprint. The store's ``code_sha256`` and
    ``version`` become this run's.
    """
    from datetime import datetime, timezone

    from .. import __version__

    a = store.attrs
    code = code_fingerprint()
    entry: dict[str, Any] = {
        "from_code_sha256": a.get("code_sha256"),
        "from_version": a.get("version"),
        "to_code_sha256": code,
        "to_version": __version__,
        "chunks_complete_before": _ranges(store.complete_chunks()),
        "utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if workers is not None:
        entry["workers_code_sha256"] = workers
    changes = [*a.get("code_changes", []), entry]
    store.root.attrs.update({"code_changes": changes, "code_sha256": code, "version": __version__})
    log.warning("%s: code change allowed and recorded: %s", store.path, entry)
    return entry


def generate(
    task: Task,
    n: int,
    out: str | Path,
    *,
    chunk: int = 1000,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    threads: int | None = None,
    processes: bool = False,
    resume: bool = False,
    overwrite: bool = False,
    retries: int = 2,
    only_chunks: list[int] | None = None,
    progress: bool = True,
    allow_code_change: bool = False,
) -> GenerationSummary:
    """Generate ``n`` samples of ``task`` into the Zarr v3 store ``out``.

    Parameters
    ----------
    task : Task
        What to generate (see :mod:`geoinvert.data.tasks`).
    n : int
        Number of samples (rows).
    out : path
        Store directory (must be reachable from every worker).
    chunk : int
        Samples per chunk (= per Dask task = per Zarr chunk).
    seed : int
        Root seed; chunk ``i`` uses ``SeedSequence(seed, spawn_key=(i,))``.
    scheduler : str, optional
        Address of an existing Dask scheduler (``"tcp://host:port"``); default starts an
        embedded ``LocalCluster``.
    workers : int, optional
        Worker count of the embedded cluster (default one per usable CPU,
        :func:`~geoinvert.data.tasks.available_cpus`).
    threads : int, optional
        Threads per forward-kernel call (default ``cpus // workers`` for the embedded cluster,
        1 on an existing cluster).
    processes : bool
        Embedded cluster with worker processes (True) or worker threads in this process (False,
        the default: the kernels release the GIL; on the 2-core machine the 500 000-model crust
        set took 34.2 s with 2 worker threads and 36.8 s with 2 worker processes, engine / raw
        kernel throughput 1.006 vs 0.825, kernel share of the workers' time 95.5 % vs 92.2 %;
        benchmarks/README.md, "Data generation").
    resume : bool
        Continue an existing store: only chunks without a valid marker are (re)generated.
    overwrite : bool
        Replace an existing store.
    retries : int
        Dask retries of a failed chunk task (e.g. a lost worker).
    only_chunks : list of int, optional
        Generate only these chunk indices (sharding a job; tests).
    progress : bool
        Show a tqdm progress bar (samples/s, ETA). On resume the bar starts at the rows of the
        chunks that already have done markers, so that only rows generated in this run count
        towards the rate and the ETA.
    allow_code_change : bool
        Resume a store even though its recorded code fingerprint (attribute ``code_sha256``)
        differs from this code's, or run on workers whose code differs from the driver's. The
        change is recorded in the store attribute ``code_changes``; without this flag such a
        run raises :class:`CodeChangedError` (a ``ValueError``) naming both fingerprints.

    Returns
    -------
    GenerationSummary

    Notes
    -----
    With an embedded cluster of worker *processes*, a script that calls this function
    must do so under ``if __name__ == "__main__":`` (Python's spawn start method re-imports the
    main module in each worker).
    """
    from dask.distributed import Client, LocalCluster, as_completed
    from tqdm.auto import tqdm

    task.check_available()
    out = Path(out)
    code_changed = False
    if resume and out.exists():
        store = DatasetStore(out)
        code_changed = _check_resumable(
            store, task, n, chunk, seed, allow_code_change=allow_code_change
        )
    else:
        store = create_store(out, task, n, chunk, seed, overwrite=overwrite)
    n_chunks = store.attrs["n_chunks"]
    indices = list(range(n_chunks)) if only_chunks is None else sorted(set(only_chunks))
    for i in indices:
        if not 0 <= i < n_chunks:
            raise ValueError(f"only_chunks: chunk index {i} outside 0..{n_chunks - 1}")
    if code_changed:
        _record_code_change(store)

    def rows_of(i: int) -> int:
        return min((i + 1) * chunk, n) - i * chunk

    # chunks with a done marker (resume): the bar starts past them, so that skipping them does
    # not count as throughput (a marked chunk that fails verification is regenerated silently)
    marked = store.complete_chunks() if resume else np.zeros(n_chunks, dtype=bool)
    cluster = None
    if scheduler is not None:
        client = Client(scheduler)
        n_threads = threads or 1
    else:
        w = workers or default_workers()
        n_threads = threads or max(1, available_cpus() // w)
        cluster = LocalCluster(
            n_workers=w,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",  # a free port: never collides with a running cluster
            silence_logs=logging.WARNING,
        )
        client = Client(cluster)
    log.info("generating %d samples in %d chunks on %s", n, len(indices), client)
    generated = skipped = rows_generated = 0
    worker_s: dict[str, float] = {}
    try:
        codes = client.run(_warm_up, task)
        code = store.attrs.get("code_sha256")
        other = {w: c for w, c in codes.items() if c != code}
        if other:
            if not allow_code_change:
                raise CodeChangedError(
                    f"workers {sorted(other)} run code with fingerprint(s) "
                    f"{sorted(set(other.values()))}, but {out} is written by code {code} (this "
                    "driver's); install the same geoinvert on every worker, or pass "
                    "allow_code_change=True (CLI: --allow-code-change) to accept the mix (it "
                    "is recorded in the store attribute 'code_changes')"
                )
            _record_code_change(store, workers=codes)
        t0 = time.perf_counter()
        futures = client.map(
            run_chunk,
            [task] * len(indices),
            [str(out)] * len(indices),
            indices,
            n=n,
            chunk=chunk,
            seed=seed,
            n_threads=n_threads,
            check=resume,
            retries=retries,
            pure=False,
        )
        total = sum(rows_of(i) for i in indices)
        initial = sum(rows_of(i) for i in indices if marked[i])
        with tqdm(
            total=total, initial=initial, unit="samples", disable=not progress, smoothing=0.1
        ) as bar:
            if initial:
                bar.set_postfix_str(f"{int(marked[indices].sum())} chunks already complete")
            for fut in as_completed(futures):
                i, rows, _, was_skipped, timings = fut.result()
                for k, v in timings.items():
                    worker_s[k] = worker_s.get(k, 0.0) + v
                skipped += was_skipped
                generated += not was_skipped
                rows_generated += 0 if was_skipped else rows
                if not marked[i]:
                    bar.update(rows)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    wall = time.perf_counter() - t0
    status = np.asarray(store.root["status"][:])
    summary = GenerationSummary(
        path=str(out),
        samples=n,
        chunks_generated=generated,
        chunks_skipped=skipped,
        failures=int((status > 0).sum()),
        wall_s=wall,
        samples_per_s=rows_generated / wall if wall > 0 else float("nan"),
        store_bytes=store.nbytes_on_disk(),
        worker_s=worker_s,
    )
    log.info("%s", summary)
    return summary
