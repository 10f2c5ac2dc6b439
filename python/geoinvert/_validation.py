"""Input validation shared by the public APIs.

Every check raises :class:`ValueError` with a message that names the argument and, for batches,
the model and layer index, so that a user can find the offending value at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "as_float_array",
    "check_finite",
    "check_layered_model",
    "check_positive",
    "check_threads",
]


def as_float_array(name: str, value: Any, *, ndim: tuple[int, ...] | None = None) -> NDArray:
    """Convert ``value`` to a C-contiguous float64 array, checking dimensionality.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        The input.
    ndim : tuple of int, optional
        Allowed numbers of dimensions.
    """
    try:
        arr = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if ndim is not None and arr.ndim not in ndim:
        allowed = " or ".join(str(n) for n in ndim)
        raise ValueError(f"{name} must have {allowed} dimension(s), got shape {arr.shape}")
    return arr


def _index_text(arr: NDArray, flat_index: int, labels: tuple[str, ...]) -> str:
    idx = np.unravel_index(flat_index, arr.shape)
    if not labels:
        return f"index {tuple(int(i) for i in idx)}"
    names = labels[-arr.ndim :] if arr.ndim <= len(labels) else labels
    return ", ".join(f"{n} {int(i)}" for n, i in zip(names, idx, strict=False))


def check_finite(name: str, arr: NDArray, labels: tuple[str, ...] = ()) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or inf, naming the first offending index."""
    bad = ~np.isfinite(arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must be finite; found {arr.flat[i]} at {_index_text(arr, i, labels)}"
        )


def check_positive(
    name: str, arr: NDArray, labels: tuple[str, ...] = (), *, allow_zero: bool = False
) -> None:
    """Raise ``ValueError`` unless every element is finite and > 0 (>= 0 with ``allow_zero``)."""
    check_finite(name, arr, labels)
    bad = arr < 0 if allow_zero else arr <= 0
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        rel = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{name} must be {rel}; found {arr.flat[i]} at {_index_text(arr, i, labels)}"
        )


def check_threads(n_threads: int | None) -> int:
    """Map ``n_threads`` (None = all cores) to the kernel convention (0 = all cores)."""
    if n_threads is None:
        return 0
    if isinstance(n_threads, bool) or not isinstance(n_threads, (int, np.integer)):
        raise ValueError(f"n_threads must be None or a positive integer, got {n_threads!r}")
    if n_threads < 1:
        raise ValueError(f"n_threads must be None or >= 1, got {n_threads}")
    return int(n_threads)


def check_layered_model(
    thickness: Any,
    vp: Any,
    vs: Any,
    rho: Any,
    *,
    allow_fluid: bool = True,
) -> tuple[NDArray, NDArray, NDArray, NDArray, bool]:
    """Validate an elastic layered model or a batch of them.

    Parameters
    ----------
    thickness, vp, vs, rho : array_like, shape (n_layers,) or (n_models, n_layers)
        Layer thickness (km), P and S velocity (km/s) and density (g/cm³), top layer first; the
        last layer is the half-space and its thickness is ignored.
    allow_fluid : bool
        Accept ``vs == 0`` (a fluid layer, e.g. an ocean).

    Returns
    -------
    thickness, vp, vs, rho : ndarray, shape (n_models, n_layers)
        C-contiguous float64 copies (views when possible).
    batched : bool
        Whether the input was 2-D.
    """
    names = ("thickness", "vp", "vs", "rho")
    arrays = [
        as_float_array(n, a, ndim=(1, 2))
        for n, a in zip(names, (thickness, vp, vs, rho), strict=True)
    ]
    batched = arrays[0].ndim == 2
    for n, a in zip(names, arrays, strict=True):
        if a.shape != arrays[0].shape:
            raise ValueError(
                f"{n} has shape {a.shape} but thickness has shape {arrays[0].shape}; "
                "all four model arrays must have the same shape"
            )
    if arrays[0].shape[-1] == 0 or (batched and arrays[0].shape[0] == 0):
        raise ValueError(f"the model is empty (thickness has shape {arrays[0].shape})")
    t, p, s, r = (np.atleast_2d(a) for a in arrays)
    labels = ("model", "layer")
    check_positive("thickness", t, labels, allow_zero=True)
    check_positive("vp", p, labels)
    check_positive("vs", s, labels, allow_zero=True)
    check_positive("rho", r, labels)
    if not allow_fluid:
        check_positive("vs", s, labels)
    # A real isotropic solid needs a positive bulk modulus: vp^2 > 4/3 vs^2.
    bad = p * p <= (4.0 / 3.0) * s * s
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        m, layer = np.unravel_index(i, p.shape)
        raise ValueError(
            f"vp^2 must exceed 4/3 vs^2 (positive bulk modulus); at model {m}, layer {layer}: "
            f"vp={p[m, layer]} km/s, vs={s[m, layer]} km/s"
        )
    return t, p, s, r, batched
