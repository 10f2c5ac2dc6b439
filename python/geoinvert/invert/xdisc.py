"""Per-station X-discontinuity detection: moveout-corrected stacking, the CNN and the baseline.

A station's radial receiver functions (each with its slowness) are moveout-corrected to a
reference slowness (each time sample is mapped to its conversion depth with the trace's own
slowness and back to time with the reference one, using 1-D ray theory in a reference model),
stacked, resampled onto the classifier's time axis and classified. The conventional baseline is
depth-migrated stacking with a randomisation/bootstrap test in the 250-350 km window
(:mod:`geoinvert.invert.rf_stacking`). Units: s, s/km, km.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .rf_stacking import StackDetection, depth_stack, detect_in_window, ps_delay

__all__ = ["StationResult", "classify_station", "moveout_stack", "resample_trace"]

DEPTH_GRID = np.arange(0.0, 600.0, 1.0)


def moveout_stack(
    traces: ArrayLike,
    times: ArrayLike,
    slowness: ArrayLike,
    reference: tuple[ArrayLike, ArrayLike, ArrayLike],
    *,
    p_ref: float = 0.06,
) -> NDArray[np.float64]:
    """Stack receiver functions after Ps moveout correction to the slowness ``p_ref``.

    Parameters
    ----------
    traces : array_like, shape (n_traces, npts)
        Radial RFs on a common time axis.
    times : array_like, shape (npts,)
        Time after the direct P in s (increasing; negative before it).
    slowness : array_like, shape (n_traces,)
        s/km.
    reference : (thickness, vp, vs)
        Reference layered model for the moveout (km, km/s).
    p_ref : float
        Reference slowness in s/km.

    Returns
    -------
    ndarray, shape (npts,)
        Stack on ``times`` (samples before the P arrival are stacked without correction).
    """
    tr = np.atleast_2d(np.asarray(traces, float))
    t = np.asarray(times, float)
    p = np.asarray(slowness, float).reshape(-1)
    if tr.shape[0] != p.size:
        raise ValueError(f"traces has {tr.shape[0]} rows but slowness has {p.size} values")
    if tr.shape[1] != t.size:
        raise ValueError(f"traces has {tr.shape[1]} samples but times has {t.size}")
    thick, vp, vs = (np.asarray(a, float) for a in reference)
    delay_ref = ps_delay(DEPTH_GRID, p_ref, thick, vp, vs)
    after = t >= 0
    out = np.zeros((p.size, t.size))
    delays = ps_delay(DEPTH_GRID, p, thick, vp, vs)
    for k in range(p.size):
        # time at p_ref -> depth -> time at the trace's slowness
        depth = np.interp(t[after], delay_ref, DEPTH_GRID)
        t_trace = np.interp(depth, DEPTH_GRID, delays[k])
        out[k, after] = np.interp(t_trace, t, tr[k], right=0.0)
        out[k, ~after] = tr[k, ~after]
    return out.mean(axis=0)


def resample_trace(
    trace: ArrayLike, times: ArrayLike, new_times: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Linear resampling onto ``new_times``; returns the trace and a mask of samples that had
    to be filled with zeros because they lie outside the original window."""
    t = np.asarray(times, float)
    nt = np.asarray(new_times, float)
    outside = (nt < t[0]) | (nt > t[-1])
    return np.interp(nt, t, np.asarray(trace, float), left=0.0, right=0.0), outside


@dataclass(frozen=True)
class StationResult:
    """Detection at one station.

    Attributes
    ----------
    probability : float
        CNN probability of an X-discontinuity.
    depth : float
        CNN depth estimate in km (NaN without a depth head).
    baseline : StackDetection
        Depth-migrated stacking result in the 250-350 km window.
    filled_fraction : float
        Fraction of the classifier's input window that had no data (zero-filled).
    """

    probability: float
    depth: float
    baseline: StackDetection
    filled_fraction: float


def classify_station(
    model: Any,
    traces: ArrayLike,
    times: ArrayLike,
    slowness: ArrayLike,
    reference: tuple[ArrayLike, ArrayLike, ArrayLike],
    *,
    model_times: ArrayLike,
    p_ref: float = 0.06,
    n_bootstrap: int = 300,
    seed: int | None = 0,
) -> StationResult:
    """Classify one station with the CNN (on the moveout-corrected stack) and the baseline.

    Parameters
    ----------
    model : geoinvert.train.TrainedModel
        RF classifier artefact.
    traces, times, slowness : array_like
        The station's radial RFs, time axis (s after P) and slownesses (s/km).
    reference : (thickness, vp, vs)
        Reference model for moveout and migration (km, km/s).
    model_times : array_like
        Time axis (s after P) of the classifier's input samples.
    """
    tr = np.atleast_2d(np.asarray(traces, float))
    if not np.all(np.isfinite(tr)):
        i = int(np.argwhere(~np.isfinite(tr))[0, 0])
        raise ValueError(f"traces: trace {i} contains NaN or inf")
    stack = moveout_stack(tr, times, slowness, reference, p_ref=p_ref)
    x, filled = resample_trace(stack, times, model_times)
    out = model.predict_distribution(x[None, :].astype(np.float32))
    prob = float(np.asarray(out["probability"]).reshape(-1)[0])
    depth = float(np.asarray(out.get("depth", [np.nan])).reshape(-1)[0])
    thick, vp, vs = reference
    migrated = depth_stack(tr, times, slowness, DEPTH_GRID, thick, vp, vs)
    base = detect_in_window(migrated, DEPTH_GRID, n_bootstrap=n_bootstrap, seed=seed)
    return StationResult(prob, depth, base, float(filled.mean()))
