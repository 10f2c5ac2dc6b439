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
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .rf_stacking import StackDetection, depth_stack, detect_in_window, ps_delay

__all__ = [
    "StationResult",
    "classify_station",
    "moveout_stack",
    "resample_trace",
    "station_report",
]

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


def _is_rf_source(x: Any) -> bool:
    """True for what :func:`geoinvert.io.as_receiver_functions` reads (not a plain array)."""
    from ..io.rfstream import ReceiverFunctions

    if isinstance(x, (ReceiverFunctions, str, Path)) or hasattr(x, "traces"):
        return True
    return (
        isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(v, (str, Path)) for v in x)
    )


def _model_time_axis(model: Any, model_times: ArrayLike | None) -> NDArray[np.float64]:
    """The classifier's input time axis, checked against what the artefact records."""
    n_in = int(np.prod(getattr(model, "input_shape", ()) or (0,)))
    cfg = getattr(model, "prior", None)
    cfg = cfg if isinstance(cfg, dict) else {}
    if model_times is None:
        if not all(k in cfg for k in ("dt", "n_samples", "shift")):
            raise ValueError(
                "model_times: this model does not record its time axis (dt, n_samples, shift); "
                "pass model_times= (s after P)"
            )
        n = int(cfg["n_samples"])
        return np.arange(n, dtype=np.float64) * float(cfg["dt"]) - float(cfg["shift"])
    mt = np.asarray(model_times, dtype=float).reshape(-1)
    if n_in and mt.size != n_in:
        raise ValueError(f"model_times: the classifier takes {n_in} samples, got {mt.size}")
    if mt.size > 1 and not np.all(np.diff(mt) > 0):
        raise ValueError("model_times must be strictly increasing (s after P)")
    if "dt" in cfg and mt.size > 1:
        dt_model = float(cfg["dt"])
        # A relative 1e-6 allows for float rounding of arange-built axes only.
        if not np.allclose(np.diff(mt), dt_model, rtol=1e-6, atol=0.0):
            raise ValueError(
                f"model_times: the classifier was trained on {dt_model:g} s sampling, got "
                f"{float(np.median(np.diff(mt))):g} s"
            )
    if "shift" in cfg and not np.isclose(mt[0], -float(cfg["shift"]), rtol=0.0, atol=1e-6):
        raise ValueError(
            f"model_times[0]: the classifier's window starts {cfg['shift']:g} s before P, "
            f"got {mt[0]:g} s"
        )
    return mt


def classify_station(
    model: Any,
    traces: Any,
    times: ArrayLike | None = None,
    slowness: ArrayLike | None = None,
    reference: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    *,
    model_times: ArrayLike | None = None,
    p_ref: float = 0.06,
    n_bootstrap: int = 300,
    seed: int | None = 0,
) -> StationResult:
    """Classify one station with the CNN (on the moveout-corrected stack) and the baseline.

    Parameters
    ----------
    model : geoinvert.train.TrainedModel
        RF classifier artefact.
    traces : array_like, shape (n_traces, npts), or ReceiverFunctions, obspy.Stream, path(s)
        The station's radial RFs: an array (then ``times`` and ``slowness`` are required), or
        anything :func:`geoinvert.io.as_receiver_functions` reads (RFStream HDF5, SAC,
        MiniSEED with headers, an ObsPy stream), which carries its own times and slowness.
    times : array_like, shape (npts,)
        Time axis of the traces in s after P (uniformly sampled, increasing).
    slowness : array_like, shape (n_traces,)
        Slowness of each trace in s/km.
    reference : (thickness, vp, vs)
        Reference model for moveout and migration (km, km/s).
    model_times : array_like, shape (n_model_samples,), optional
        Time axis (s after P) of the classifier's input samples; default: the axis recorded in
        the artefact (the training store's ``dt``, ``n_samples``, ``shift``). Checked against
        the artefact's input length and sampling.
    p_ref : float
        Reference slowness of the moveout-corrected stack in s/km.
    n_bootstrap : int
        Bootstrap/randomisation resamples of the stacking baseline.
    seed : int, optional
        Random seed of the baseline.

    Returns
    -------
    StationResult
        CNN probability in [0, 1], CNN depth in km, the baseline and the zero-filled fraction.
    """
    if reference is None:
        raise ValueError("reference: a (thickness, vp, vs) model in km, km/s is required")
    if _is_rf_source(traces):
        from ..io import as_receiver_functions

        if times is not None or slowness is not None:
            raise ValueError(
                "times, slowness: give them only with array traces; ReceiverFunctions, streams "
                "and files carry their own"
            )
        rf = as_receiver_functions(traces)
        traces, times, slowness = rf.data, rf.times, rf.slowness
    if times is None or slowness is None:
        raise ValueError("times, slowness: required with array traces (s after P, s/km)")
    tr = np.atleast_2d(np.asarray(traces, float))
    if not np.all(np.isfinite(tr)):
        i = int(np.argwhere(~np.isfinite(tr))[0, 0])
        raise ValueError(f"traces: trace {i} contains NaN or inf")
    t = np.asarray(times, float).reshape(-1)
    if t.size != tr.shape[1]:
        raise ValueError(f"traces has {tr.shape[1]} samples but times has {t.size}")
    if t.size > 1:
        step = np.diff(t)
        # Relative 1e-4 of the step: float rounding of a uniform axis, not a resampled one.
        if not (np.all(step > 0) and np.allclose(step, step[0], rtol=1e-4, atol=0.0)):
            raise ValueError("times must be uniformly sampled and increasing (s after P)")
    mt = _model_time_axis(model, model_times)
    stack = moveout_stack(tr, t, slowness, reference, p_ref=p_ref)
    x, filled = resample_trace(stack, t, mt)
    out = model.predict_distribution(x[None, :].astype(np.float32))
    prob = float(np.asarray(out["probability"]).reshape(-1)[0])
    depth = float(np.asarray(out.get("depth", [np.nan])).reshape(-1)[0])
    thick, vp, vs = reference
    migrated = depth_stack(tr, t, slowness, DEPTH_GRID, thick, vp, vs)
    base = detect_in_window(migrated, DEPTH_GRID, n_bootstrap=n_bootstrap, seed=seed)
    return StationResult(prob, depth, base, float(filled.mean()))


def station_report(
    model: Any,
    rf: Any,
    reference: tuple[ArrayLike, ArrayLike, ArrayLike],
    *,
    model_times: ArrayLike | None = None,
    seed: int | None = 0,
    figure: str | Path | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Classify one station, stack and migrate its traces, and (optionally) plot the stack.

    Parameters
    ----------
    model : geoinvert.train.TrainedModel
        RF classifier artefact.
    rf : geoinvert.io.ReceiverFunctions
        The station's radial receiver functions (times in s after P, slowness in s/km).
    reference : (thickness, vp, vs)
        Reference model for moveout and migration (km, km/s).
    model_times : array_like, optional
        The classifier's input time axis (s after P); default: the artefact's.
    seed : int, optional
        Seed of the stacking baseline's randomisation test.
    figure : str or Path, optional
        Write the stack in time and migrated to depth as a PNG here.
    title : str, optional
        Figure title.

    Returns
    -------
    dict
        ``n_traces``, ``cnn_probability``, ``cnn_depth_km``, ``zero_filled_fraction``,
        ``stacking_detected``, ``stacking_depth_km`` (km), ``stacking_p_value`` and
        ``max_migrated_depth_km`` (deepest depth the traces reach).
    """
    res = classify_station(model, rf, reference=reference, model_times=model_times, seed=seed)
    migrated_all = depth_stack(rf.data, rf.times, rf.slowness, DEPTH_GRID, *reference)
    count = np.isfinite(migrated_all).sum(axis=0)
    migrated = np.where(count > 0, np.nansum(migrated_all, axis=0) / np.maximum(count, 1), np.nan)
    if figure is not None:
        from ..plot import plot_rf_stack

        stack = moveout_stack(rf.data, rf.times, rf.slowness, reference)
        end = _model_time_axis(model, model_times)[-1]
        fig = plot_rf_stack(
            rf.times, stack, DEPTH_GRID, migrated, model_end=float(end),
            detection=res.baseline, out=figure,
            title=title or f"moveout-corrected stack of {rf.n_traces} RFs",
        )  # fmt: skip
        import matplotlib.pyplot as plt

        plt.close(fig)
    b = res.baseline
    reached = DEPTH_GRID[np.isfinite(migrated)]
    return {
        "n_traces": int(rf.n_traces),
        "cnn_probability": res.probability,
        "cnn_depth_km": res.depth,
        "zero_filled_fraction": res.filled_fraction,
        "stacking_detected": bool(b.detected),
        "stacking_depth_km": float(b.depth),
        "stacking_p_value": float(b.p_value),
        "max_migrated_depth_km": float(reached.max()) if reached.size else float("nan"),
    }
