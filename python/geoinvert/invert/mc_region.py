"""Monte Carlo inversion of a whole grid of dispersion curves, resumable, on a process pool.

The conventional baseline of the crust study, run the way a user runs it on a region: one
:func:`~geoinvert.invert.crust.mc_invert_point` per grid point, the points spread over worker
processes (each single-threaded: one chain population's batched kernel calls are small, so
points in parallel use the cores better than threads inside a point), every finished point
appended at once to a JSON-lines file, and a rerun with the same file skipping the points it
already holds. Interrupting a region run loses at most the points in flight.

Units: depth km, velocity km/s, frequency Hz.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["MCRegionResult", "mc_invert_region"]

_FIELDS = ("mean", "std", "q16", "q84", "rhat_moho", "seconds")


@dataclass(frozen=True)
class MCRegionResult:
    """Per-point Monte Carlo summaries of a grid (arrays of shape ``(n_points,)``).

    Attributes
    ----------
    mean, std, q16, q84 : ndarray
        Posterior mean, standard deviation and 16/84 % quantiles of the Moho depth, km.
    rhat_moho : ndarray
        Split-R̂ of the Moho depth per point (< 1.1: converged).
    seconds : ndarray
        Wall time of each point's run on its worker, s.
    wall_seconds : float
        Wall time of this call (points already in the file cost nothing), s.
    n_resumed : int
        Points read back from the file instead of being run.
    n_workers : int
        Worker processes used.
    """

    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    q16: NDArray[np.float64]
    q84: NDArray[np.float64]
    rhat_moho: NDArray[np.float64]
    seconds: NDArray[np.float64]
    wall_seconds: float
    n_resumed: int
    n_workers: int

    @property
    def converged(self) -> NDArray[np.bool_]:
        """Points whose Moho chain converged (split-R̂ < 1.1)."""
        return self.rhat_moho < 1.1


def _run_point(index: int, frequencies: NDArray, observed: NDArray, kwargs: dict) -> dict:
    from .crust import mc_invert_point

    out = mc_invert_point(frequencies, observed, n_threads=1, progress=False, **kwargs)
    return {"index": index, **{k: out[k] for k in _FIELDS}}


def _read_done(text: str, path: Path, n_points: int, signature: dict) -> dict[int, dict]:
    """Finished points of an earlier run in ``text``, the content of ``path`` (the first line is
    the run's signature)."""
    done: dict[int, dict] = {}
    lines = text.splitlines()
    if not lines:
        return done
    head = json.loads(lines[0])
    if head.get("signature") != signature:
        raise ValueError(
            f"checkpoint: {path} belongs to a different run (its settings or observed data "
            "differ); remove it or pass another file"
        )
    for line in lines[1:]:
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:  # a line cut by an interruption: that point reruns
            continue
        if 0 <= rec.get("index", -1) < n_points:
            done[int(rec["index"])] = rec
    return done


def mc_invert_region(
    frequencies: ArrayLike,
    observed: ArrayLike,
    *,
    checkpoint: str | os.PathLike | None = None,
    n_workers: int | None = None,
    seed: int = 0,
    progress: bool = True,
    **mc_kwargs: Any,
) -> MCRegionResult:
    """Run :func:`~geoinvert.invert.crust.mc_invert_point` at every point of a grid.

    Parameters
    ----------
    frequencies : array_like, shape (n_f,)
        Hz.
    observed : array_like, shape (n_points, n_f)
        Rayleigh phase velocities in km/s, one row per grid point.
    checkpoint : path, optional
        JSON-lines file that receives every finished point at once; a rerun with the same file,
        data and settings runs only the missing points. A file of another run is refused.
    n_workers : int, optional
        Worker processes (default: all cores); ``1`` runs in this process.
    seed : int
        Point ``i`` runs with seed ``seed + i`` (independent of the worker it lands on, so the
        result does not depend on ``n_workers``).
    progress : bool
        A tqdm bar over the points.
    **mc_kwargs
        Passed to ``mc_invert_point`` (``sigma``, ``n_steps``, ``n_chains``, ``n_initial``,
        ``prior``, ``sampler``, ``parameterisation``, ...).

    Returns
    -------
    MCRegionResult
        Per-point posterior summaries in the order of ``observed``'s rows.
    """
    from tqdm import tqdm

    from .crust import _check_frequencies, _check_observed

    f = np.asarray(frequencies, float)
    obs = np.asarray(observed, float)
    _check_frequencies(f)
    if obs.ndim != 2:
        raise ValueError(f"observed: expected shape (n_points, n_frequencies), got {obs.shape}")
    _check_observed(obs, f)
    for bad in ("seed", "n_threads", "progress"):
        if bad in mc_kwargs:
            raise ValueError(f"{bad}: set by mc_invert_region, not passed through")
    n_points = obs.shape[0]
    workers = int(n_workers or os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"n_workers must be >= 1, got {n_workers}")

    signature = {
        "frequencies": f.tolist(),
        "observed_sha": hashlib.sha256(obs.tobytes()).hexdigest(),
        "seed": seed,
        "mc": {k: repr(v) for k, v in sorted(mc_kwargs.items())},  # (a CrustPrior by its repr)
    }
    path = Path(checkpoint) if checkpoint is not None else None
    text = path.read_text() if path is not None and path.exists() else ""
    done = _read_done(text, path, n_points, signature) if path is not None else {}
    n_resumed = len(done)
    todo = [i for i in range(n_points) if i not in done]

    start = time.perf_counter()
    fh = None
    if path is not None:
        fresh = text == ""
        cut = not fresh and not text.endswith("\n")
        fh = path.open("a")
        if cut:  # end the line an interruption cut, so the next record starts on its own
            fh.write("\n")
        if fresh:
            fh.write(json.dumps({"signature": signature}) + "\n")
            fh.flush()

    def record(rec: dict) -> None:
        done[rec["index"]] = rec
        if fh is not None:
            fh.write(json.dumps(rec) + "\n")
            fh.flush()  # finished work survives an interruption

    bar = tqdm(
        total=n_points, initial=n_resumed, desc="Monte Carlo", unit="point", disable=not progress
    )
    try:
        if workers == 1 or len(todo) <= 1:
            for i in todo:
                record(_run_point(i, f, obs[i], {**mc_kwargs, "seed": seed + i}))
                bar.update()
        else:
            with ProcessPoolExecutor(max_workers=min(workers, len(todo))) as pool:
                futures = [
                    pool.submit(_run_point, i, f, obs[i], {**mc_kwargs, "seed": seed + i})
                    for i in todo
                ]
                for fut in as_completed(futures):
                    record(fut.result())
                    bar.update()
    finally:
        bar.close()
        if fh is not None:
            fh.close()
    arrays = {k: np.array([done[i][k] for i in range(n_points)], float) for k in _FIELDS}
    return MCRegionResult(
        **arrays,
        wall_seconds=time.perf_counter() - start,
        n_resumed=n_resumed,
        n_workers=workers,
    )
