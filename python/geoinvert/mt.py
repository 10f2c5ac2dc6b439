"""Magnetotelluric (MT) forward modelling: 1-D layered earth and 2-D finite elements.

Conventions (package-wide)
--------------------------
* Time dependence :math:`e^{+i\\omega t}`; SI units inside, so impedances ``Z`` are in ohms
  (V/m per A/m).
* ``Z_TE = Ex / Hy`` and ``Z_TM = -Ey / Hx`` (x along strike, z down), so that both phases lie in
  (0°, 90°) for any 1-D earth and equal 45° over a half-space.
* Apparent resistivity :math:`\\rho_a = |Z|^2 / (\\omega \\mu_0)` in Ω·m with
  :math:`\\mu_0 = 4\\pi\\cdot 10^{-7}` H/m; phase :math:`\\arg Z` in degrees.
* Lengths in km, frequencies in Hz, resistivity in Ω·m.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core
from ._validation import as_float_array, check_threads

__all__ = ["MU0", "forward_1d"]

#: Vacuum permeability in H/m (the value used by every MT kernel of the package).
MU0: float = 4.0e-7 * np.pi


def _check_positive_nd(name: str, arr: NDArray, *, allow_zero: bool = False) -> None:
    """Raise ValueError naming the first non-finite / non-positive entry by its full index."""
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        idx = np.unravel_index(int(np.flatnonzero(bad)[0]), arr.shape)
        rel = "non-negative" if allow_zero else "positive"
        where = ", ".join(str(int(i)) for i in idx)
        raise ValueError(f"{name} must be finite and {rel}; found {arr[idx]} at index ({where})")


def check_frequencies(frequencies: Any) -> NDArray:
    """Validate frequencies (Hz): a 1-D array of finite positive values."""
    f = as_float_array("frequencies", frequencies, ndim=(0, 1))
    f = np.atleast_1d(f)
    if f.size == 0:
        raise ValueError("frequencies must not be empty")
    _check_positive_nd("frequencies", f)
    return f


def forward_1d(
    frequencies: Any,
    resistivity: Any,
    thickness: Any,
    *,
    n_threads: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.complex128]]:
    """Magnetotelluric response of layered earths (Wait's impedance recursion).

    The recursion is evaluated from the basement up with an overflow-safe ``tanh``, so thick
    resistive or thin conductive stacks give finite answers at any frequency.

    Parameters
    ----------
    frequencies : array_like, shape (n_frequencies,)
        Frequencies in Hz (positive).
    resistivity : array_like, shape (..., n_layers)
        Layer resistivities in Ω·m, top layer first; the last entry is the half-space.
    thickness : array_like, shape (..., n_layers - 1)
        Layer thicknesses in km (non-negative). Leading dimensions broadcast against those of
        ``resistivity``.
    n_threads : int, optional
        Worker threads; None uses all cores. Results do not depend on it.

    Returns
    -------
    rho_a : ndarray, shape (..., n_frequencies)
        Apparent resistivity :math:`|Z|^2/(\\omega\\mu_0)` in Ω·m.
    phase : ndarray, shape (..., n_frequencies)
        Impedance phase in degrees, in (0°, 90°); 45° over a half-space.
    Z : ndarray of complex128, shape (..., n_frequencies)
        Surface impedance ``Ex/Hy`` in ohms (SI), time dependence :math:`e^{+i\\omega t}`.

    Raises
    ------
    ValueError
        Non-positive or non-finite frequency or resistivity, negative thickness, or shapes that
        do not match; the message names the argument and the index.
    """
    f = check_frequencies(frequencies)
    rho = as_float_array("resistivity", resistivity)
    h = as_float_array("thickness", thickness)
    if rho.ndim == 0 or rho.shape[-1] == 0:
        raise ValueError(f"resistivity must have shape (..., n_layers >= 1), got {rho.shape}")
    n_layers = rho.shape[-1]
    if h.ndim == 0 and n_layers == 1:
        h = np.zeros((0,))
    if h.ndim == 0 or h.shape[-1] != n_layers - 1:
        raise ValueError(
            f"thickness must have shape (..., {n_layers - 1}) for {n_layers} layers, got {h.shape}"
        )
    try:
        batch = np.broadcast_shapes(rho.shape[:-1], h.shape[:-1])
    except ValueError:
        raise ValueError(
            f"leading dimensions of resistivity {rho.shape} and thickness {h.shape} do not "
            "broadcast"
        ) from None
    rho_b = np.ascontiguousarray(np.broadcast_to(rho, (*batch, n_layers)))
    h_b = np.ascontiguousarray(np.broadcast_to(h, (*batch, n_layers - 1)))
    _check_positive_nd("resistivity", rho_b)
    _check_positive_nd("thickness", h_b, allow_zero=True)
    nt = check_threads(n_threads)
    n_models = int(np.prod(batch, dtype=np.int64))
    ra, ph, z = _core.mt_forward_1d(
        f, rho_b.reshape(n_models, n_layers), h_b.reshape(n_models, n_layers - 1), nt or None
    )
    out = (*batch, f.size)
    return ra.reshape(out), ph.reshape(out), z.reshape(out)
