"""Depth-migrated receiver-function stacking with a bootstrap test: the conventional X-detector.

Each radial receiver function is mapped from Ps delay time to conversion depth with the 1-D
ray-theory delay of a reference model,
    t_Ps(z, p) = ∫₀ᶻ ( √(1/vs(z')² − p²) − √(1/vp(z')² − p²) ) dz',
then all traces are stacked in depth (which removes the slowness moveout). A positive Ps phase is
declared in a depth window (250-350 km for the X-discontinuity) when the maximum of the stack in
the window is significant against a sign-flip randomisation null (random polarity per trace
destroys any coherent conversion but keeps each trace's noise; this accounts for picking the
maximum over the window) AND the lower bootstrap confidence bound of the amplitude there is
positive (Efron & Tibshirani 1993).

Units: depth and thickness km, velocities km/s, slowness s/km, time s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["StackDetection", "depth_stack", "detect_in_window", "ps_delay"]


def ps_delay(
    depth: ArrayLike,
    slowness: float | ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
) -> NDArray[np.float64]:
    """Ps − P delay time (s) of a conversion at each depth, for each slowness.

    Parameters
    ----------
    depth : array_like, shape (n_depth,)
        Conversion depths in km (≥ 0).
    slowness : float or array_like, shape (n_p,)
        Horizontal slowness in s/km.
    thickness, vp, vs : array_like, shape (n_layers,)
        Layered reference model (km, km/s); the last layer is the half-space.

    Returns
    -------
    ndarray, shape (n_p, n_depth) (or (n_depth,) for a scalar slowness)
        Delay in s, exact for the piecewise-constant model.
    """
    z = np.asarray(depth, float)
    p = np.atleast_1d(np.asarray(slowness, float))
    h = np.asarray(thickness, float).copy()
    a = np.asarray(vp, float)
    b = np.asarray(vs, float)
    if np.any(b <= 0):
        raise ValueError("vs must be positive for Ps delays (no fluid layers)")
    if np.any(p[:, None] >= 1 / a[None, :]):
        raise ValueError("slowness must be below 1/vp of every layer (post-critical P)")
    h[-1] = np.inf
    tops = np.concatenate([[0.0], np.cumsum(h[:-1])])
    # Thickness of each layer above each depth: clip(z - top, 0, h).
    above = np.clip(z[:, None] - tops[None, :], 0.0, h[None, :])  # (n_depth, n_layers)
    q = np.sqrt(1 / b[None, :] ** 2 - p[:, None] ** 2) - np.sqrt(
        1 / a[None, :] ** 2 - p[:, None] ** 2
    )
    delay = q @ above.T  # (n_p, n_depth)
    return delay[0] if np.ndim(slowness) == 0 else delay


def depth_stack(
    traces: ArrayLike,
    times: ArrayLike,
    slowness: ArrayLike,
    depth: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
) -> NDArray[np.float64]:
    """Migrate each receiver function to depth (linear interpolation in time).

    Parameters
    ----------
    traces : array_like, shape (n_traces, npts)
        Radial receiver functions.
    times : array_like, shape (npts,)
        Time relative to the direct P (s), increasing.
    slowness : array_like, shape (n_traces,)
        Slowness of each trace (s/km).
    depth : array_like, shape (n_depth,)
        Depth grid (km).
    thickness, vp, vs : array_like
        Reference model used for migration (km, km/s).

    Returns
    -------
    ndarray, shape (n_traces, n_depth)
        Amplitude of each trace at each depth; stack with ``.mean(axis=0)``.
    """
    tr = np.atleast_2d(np.asarray(traces, float))
    t = np.asarray(times, float)
    p = np.asarray(slowness, float)
    if tr.shape[0] != p.size:
        raise ValueError(f"traces has {tr.shape[0]} rows but slowness has {p.size} values")
    if tr.shape[1] != t.size:
        raise ValueError(f"traces has {tr.shape[1]} samples but times has {t.size}")
    delays = ps_delay(depth, p, thickness, vp, vs)
    return np.stack(
        [np.interp(d, t, row, left=np.nan, right=np.nan) for d, row in zip(delays, tr, strict=True)]
    )


@dataclass(frozen=True)
class StackDetection:
    """Result of :func:`detect_in_window`.

    Attributes
    ----------
    detected : bool
        Lower confidence bound of the peak amplitude > 0.
    depth : float
        Depth (km) of the maximum of the stack in the window.
    amplitude : float
        Stacked amplitude there.
    lower, upper : float
        Bootstrap confidence bounds of that amplitude.
    p_value : float
        Probability of an in-window stack maximum at least this large under the sign-flip null.
    probability : float
        1 - p_value, a detection score in [0, 1].
    """

    detected: bool
    depth: float
    amplitude: float
    lower: float
    upper: float
    p_value: float
    probability: float


def detect_in_window(
    migrated: ArrayLike,
    depth: ArrayLike,
    *,
    window: tuple[float, float] = (250.0, 350.0),
    n_bootstrap: int = 500,
    confidence: float = 0.95,
    seed: int | None = 0,
) -> StackDetection:
    """Bootstrap test for a positive converted phase in a depth window.

    Parameters
    ----------
    migrated : array_like, shape (n_traces, n_depth)
        Depth-migrated receiver functions (:func:`depth_stack`).
    depth : array_like, shape (n_depth,)
        Depth grid in km.
    window : tuple of float
        Depth window in km.
    n_bootstrap : int
        Number of bootstrap resamples of the traces.
    confidence : float
        Two-sided confidence level of the bounds.
    seed : int, optional
        Random seed.
    """
    m = np.asarray(migrated, float)
    z = np.asarray(depth, float)
    inside = (z >= window[0]) & (z <= window[1])
    if not inside.any():
        raise ValueError(f"window {window} km holds no depth samples")
    if m.shape[0] < 2:
        raise ValueError("at least two traces are needed for a bootstrap test")
    rng = np.random.default_rng(seed)
    # Mean over the traces that reach each depth; NaN (not a warning) where none does.
    count = np.sum(np.isfinite(m), axis=0)
    stack = np.where(count > 0, np.nansum(m, axis=0) / np.maximum(count, 1), np.nan)
    k = int(np.flatnonzero(inside)[np.nanargmax(stack[inside])])
    idx = rng.integers(0, m.shape[0], size=(n_bootstrap, m.shape[0]))
    boot = np.nanmean(m[idx][:, :, k], axis=1)  # bootstrap amplitude at the picked depth
    alpha = (1 - confidence) / 2
    lower, upper = np.quantile(boot, [alpha, 1 - alpha])
    # Sign-flip randomisation null for the in-window maximum.
    window_traces = m[:, inside]
    signs = rng.choice([-1.0, 1.0], size=(n_bootstrap, m.shape[0]))
    null_max = np.nanmax(np.einsum("bt,td->bd", signs, np.nan_to_num(window_traces)), axis=1)
    null_max /= np.sum(np.isfinite(window_traces), axis=0).max()
    observed = float(stack[k])
    p_value = float((1 + np.sum(null_max >= observed)) / (1 + n_bootstrap))
    return StackDetection(
        detected=bool(lower > 0 and p_value < 1 - confidence),
        depth=float(z[k]),
        amplitude=float(stack[k]),
        lower=float(lower),
        upper=float(upper),
        p_value=p_value,
        probability=1.0 - p_value,
    )
