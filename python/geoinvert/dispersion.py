"""Surface-wave dispersion curves of layered elastic models (C++ kernel ``cpp/dispersion``).

Units: thickness in km, vp and vs in km/s, rho in g/cm³, periods in s, velocities in km/s.

Methods
-------
Rayleigh waves (P-SV): Dunkin's (1965) compound-matrix (delta-matrix) secular function in the
normalised form of CPS surf96 (Herrmann), written in real arithmetic as analytic functions of
``x² = (ωh)²(1/c² − 1/v²)`` so that it is continuous across every layer velocity. Love waves (SH):
the Thomson–Haskell propagator. Roots are bracketed by an adaptive scan at the shortest period
and then continued period by period from an extrapolated prediction with a safeguarded
Newton/secant iteration (analytic dual-number derivatives) on a scale-free form of the secular
function; ordering, parity and smooth-branch guards catch skipped roots. A mode count N(c) (the
number of modes slower than c: an exact Sturm count for Love waves, a Maslov/focal-point count after
Woodhouse 1988 for Rayleigh waves in solid models) then proves that the roots are modes 0..n
without a gap -- at the shortest period, at every period for Love waves, and wherever a guard
fired for Rayleigh waves -- or isolates every mode by bisection on the count. A call for one mode
k > 0 continues mode k alone and proves it by the count at every period (Love waves, Rayleigh
waves in solid models; with fluid layers modes 0..k are continued together). Roots are refined
to ≤ 1e-10 relative. Group velocity comes from implicit differentiation of the secular function,
``U = c / (1 − (ω/c) dc/dω)`` with ``dc/dω = −F_ω/F_c``, both derivatives exact.

Conventions
-----------
* The last layer is the half-space (its thickness is ignored); it must be solid.
* ``vs = 0`` marks a fluid layer (an ocean); fluid layers are only allowed at the top. Love
  waves ignore them (SH motion does not enter a fluid): the free surface is then the top of
  the first solid layer.
* Zero-thickness layers are removed before the computation, so padding a model with them gives
  bit-identical results.
* A mode that does not exist at a period (its phase velocity would exceed the half-space shear
  velocity, i.e. the period is beyond the mode's cut-off) is NaN.
* ``spherical=True`` applies the earth-flattening transformation of CPS surf96 (Schwab &
  Knopoff 1972; Biswas 1972 density mapping) with an earth radius of ``earth_radius`` km,
  6370 km by default as in CPS surf96.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._validation import as_float_array, check_layered_model, check_threads

__all__ = ["EARTH_RADIUS_KM", "curves", "group_velocity", "phase_velocity"]

#: Default earth radius (km) of the earth-flattening transformation (that of CPS surf96).
EARTH_RADIUS_KM = 6370.0

_WAVES = ("rayleigh", "love")


def _is_mode(m: Any) -> bool:
    return bool(not isinstance(m, (bool, np.bool_)) and isinstance(m, (int, np.integer)) and m >= 0)


def _check_modes(mode: Any) -> list[int] | None:
    """None for a single mode (an int), else the list of modes of a sequence."""
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, (bool, np.bool_)):
        if mode < 0:
            raise ValueError(f"mode must be an integer >= 0, got {mode!r}")
        return None
    if isinstance(mode, (str, bytes)) or not isinstance(mode, (Sequence, range, np.ndarray)):
        raise ValueError(f"mode must be an integer >= 0 or a sequence of them, got {mode!r}")
    modes = list(np.asarray(mode).ravel()) if isinstance(mode, np.ndarray) else list(mode)
    if not modes:
        raise ValueError("mode: the sequence of modes is empty")
    for i, m in enumerate(modes):
        if not _is_mode(m):
            raise ValueError(f"mode must contain integers >= 0; found {m!r} at index {i}")
    return [int(m) for m in modes]


def _check_options(
    wave: Any, mode: Any, spherical: Any, n_threads: Any, earth_radius: Any
) -> tuple[str, int, list[int] | None, int, float]:
    if not isinstance(wave, str) or wave.lower() not in _WAVES:
        raise ValueError(f"wave must be 'rayleigh' or 'love', got {wave!r}")
    modes = _check_modes(mode)
    if not isinstance(spherical, (bool, np.bool_)):
        raise ValueError(f"spherical must be True or False, got {spherical!r}")
    if isinstance(earth_radius, bool) or not isinstance(earth_radius, (int, float, np.number)):
        raise ValueError(f"earth_radius must be a number (km), got {earth_radius!r}")
    if not (np.isfinite(earth_radius) and earth_radius > 0):
        raise ValueError(f"earth_radius must be finite and positive (km), got {earth_radius!r}")
    mode_ = 0 if modes is not None else int(mode)
    return wave.lower(), mode_, modes, check_threads(n_threads), float(earth_radius)


def _compute(
    periods: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    wave: str,
    mode: int | Sequence[int],
    spherical: bool,
    n_threads: int | None,
    group: bool,
    earth_radius: float,
) -> Any:
    wave_, mode_, modes, threads, radius = _check_options(
        wave, mode, spherical, n_threads, earth_radius
    )
    p = as_float_array("periods", periods, ndim=(0, 1))
    p = np.atleast_1d(p)
    arrays = [
        as_float_array(name, a, ndim=(1, 2))
        for name, a in zip(("thickness", "vp", "vs", "rho"), (thickness, vp, vs, rho), strict=True)
    ]
    try:
        return _core.dispersion_curves(
            p,
            arrays[0],
            arrays[1],
            arrays[2],
            arrays[3],
            wave=wave_,
            mode=mode_,
            spherical=bool(spherical),
            group=group,
            n_threads=None if threads == 0 else threads,
            earth_radius=radius,
            modes=modes,
        )
    except ValueError:
        # The kernel validates everything in one fast pass; for the generic checks, re-run the
        # package-wide validation so messages are the same in every solver, then re-raise.
        with np.errstate(over="ignore", invalid="ignore"):
            check_layered_model(*arrays)
        raise


def phase_velocity(
    periods: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    wave: str = "rayleigh",
    mode: int | Sequence[int] = 0,
    spherical: bool = False,
    n_threads: int | None = None,
    earth_radius: float = EARTH_RADIUS_KM,
) -> NDArray[np.float64]:
    """Phase velocity of a surface-wave mode.

    Parameters
    ----------
    periods : array_like, shape (n_periods,)
        Periods in s (> 0, any order; the output follows the given order).
    thickness, vp, vs, rho : array_like, shape (n_layers,) or (n_models, n_layers)
        Layer thickness (km), P and S velocity (km/s) and density (g/cm³), top layer first; the
        last layer is the half-space (thickness ignored). ``vs = 0`` marks a fluid layer, only
        allowed at the top.
    wave : {"rayleigh", "love"}
        Wave type.
    mode : int or sequence of int
        Mode index, 0 for the fundamental mode. A single mode k > 0 is continued alone and
        proven to be mode k by the mode count at every period. A sequence (e.g. ``range(5)``)
        computes several modes in one pass (modes 0..max continued together, cheaper than one
        call per mode) and adds a mode axis to the output.
    spherical : bool
        Apply the earth-flattening transformation of CPS surf96 (spherical earth).
    n_threads : int, optional
        Threads for a batch of models (None: all cores). Results do not depend on it.
    earth_radius : float
        Earth radius in km used by the earth-flattening transformation (> 0; only used with
        ``spherical=True``). Default 6370 km, the value of CPS surf96.

    Returns
    -------
    ndarray, shape (n_periods,) or (n_models, n_periods)
        Phase velocity in km/s; NaN where the mode does not exist (beyond its cut-off period).
        With a sequence of modes: shape (n_modes, n_periods) or (n_models, n_modes, n_periods),
        modes in the order given.

    Raises
    ------
    ValueError
        Bad input, with the argument and the model/layer index: NaN or inf, negative thickness,
        vs < 0, vp² ≤ 4/3 vs², rho ≤ 0, periods ≤ 0, mismatched shapes, an empty model, a fluid
        layer below a solid one, a fluid half-space, unknown wave type, negative mode,
        ``earth_radius`` ≤ 0 or a spherical model deeper than ``earth_radius`` − 1 km.
    """
    return _compute(
        periods, thickness, vp, vs, rho, wave, mode, spherical, n_threads, False, earth_radius
    )


def group_velocity(
    periods: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    wave: str = "rayleigh",
    mode: int | Sequence[int] = 0,
    spherical: bool = False,
    n_threads: int | None = None,
    earth_radius: float = EARTH_RADIUS_KM,
) -> NDArray[np.float64]:
    """Group velocity of a surface-wave mode (km/s).

    Same parameters as :func:`phase_velocity`. The group velocity ``U = dω/dk`` is obtained by
    implicit differentiation of the secular function at the root (analytic derivatives, no
    finite difference). Returns an array of shape (n_periods,) or (n_models, n_periods) (with a
    sequence of modes, a mode axis before the periods), NaN where the mode does not exist.
    """
    return _compute(
        periods, thickness, vp, vs, rho, wave, mode, spherical, n_threads, True, earth_radius
    )[1]


def curves(
    periods: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    wave: str = "rayleigh",
    mode: int | Sequence[int] = 0,
    spherical: bool = False,
    n_threads: int | None = None,
    earth_radius: float = EARTH_RADIUS_KM,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Phase and group velocity (km/s) of a surface-wave mode in one pass.

    Same parameters as :func:`phase_velocity`; returns ``(phase, group)``, each of shape
    (n_periods,) or (n_models, n_periods) (with a sequence of modes, a mode axis before the
    periods), NaN where the mode does not exist. Costs about the
    same as :func:`group_velocity` alone (the phase velocity comes for free).
    """
    phase, group = _compute(
        periods, thickness, vp, vs, rho, wave, mode, spherical, n_threads, True, earth_radius
    )
    return phase, group
