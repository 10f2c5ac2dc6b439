"""Teleseismic P receiver functions of layered elastic models (exact, full wavefield).

A plane P wave of horizontal slowness ``p`` (s/km) is incident from the half-space beneath a
stack of isotropic elastic layers with a free surface. The compiled kernel (``cpp/rf``)
computes the exact radial-over-vertical surface response with every P/SV conversion and
multiple (Thomson–Haskell propagator in eigen-coordinates, see ``cpp/rf/receiver_function.hpp``),
multiplies it by the Gaussian ``G(ω) = exp(-ω²/(4a²))`` (``gaussian`` = a in rad/s, the
Ammon / CPS / telewavesim / seispy convention; the ``rf`` package's ``gauss`` is a different
parameterisation) and a delay ``shift``, and returns it on ``n_samples`` samples of ``dt``.

Normalisation: the inverse FFT has no ``1/dt`` factor (numpy ``irfft``, as telewavesim and
seispy), so the samples of a pulse sum to its spectral value at ω = 0; the direct P of a
homogeneous half-space has peak ``(R/Z)(0) · a · dt / √π``.

Units: thickness km, vp and vs km/s, rho g/cm³, slowness s/km, dt and shift s, gaussian rad/s.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from ._rf_decon import iterative_deconvolution, water_level_deconvolution
from ._rf_io import to_stream, write_sac
from ._validation import as_float_array, check_layered_model, check_threads

__all__ = [
    "EARTH_RADIUS",
    "flatten_model",
    "iterative_deconvolution",
    "receiver_function",
    "rf_times",
    "surface_spectra",
    "to_stream",
    "water_level_deconvolution",
    "write_sac",
]

#: Earth radius (km) used by the flattening transformation.
EARTH_RADIUS = 6371.0

# Frequencies with exp(-omega^2/(4 a^2)) <= _CUTOFF are not propagated: the neglected tail of
# the Gaussian is below 1e-9 of the direct-P peak (tested against the full-band reference).
_CUTOFF = 1e-8

# Largest FFT (and n_freq of surface_spectra) accepted: 2**24 samples, 9.7 days at 20 samples/s.
# Anything larger is a typo, and its allocation would end in MemoryError instead of a message.
_MAX_FFT = 1 << 24


def _models(
    thickness: ArrayLike, vp: ArrayLike, vs: ArrayLike, rho: ArrayLike
) -> tuple[NDArray, NDArray, NDArray, NDArray, bool]:
    """Model arrays as (n_models, n_layers) float64, with shapes checked.

    Values are checked by the compiled kernel (it raises ``ValueError`` naming the argument,
    model and layer); when it does, :func:`_explain` re-checks in Python for the wording.
    Anything that is not four equal-shaped 1-D/2-D numeric arrays gets the full validation now.
    """
    try:
        arrs = [np.ascontiguousarray(a, dtype=np.float64) for a in (thickness, vp, vs, rho)]
    except (TypeError, ValueError):
        arrs = []
    if (
        len(arrs) == 4
        and arrs[0].ndim in (1, 2)
        and arrs[0].size > 0
        and all(a.shape == arrs[0].shape for a in arrs)
    ):
        batched = arrs[0].ndim == 2
        t, p, s, r = (a.reshape(1, -1) if a.ndim == 1 else a for a in arrs)
        return t, p, s, r, batched
    return _validated_models(thickness, vp, vs, rho)


def _validated_models(
    thickness: ArrayLike, vp: ArrayLike, vs: ArrayLike, rho: ArrayLike
) -> tuple[NDArray, NDArray, NDArray, NDArray, bool]:
    t, p, s, r, batched = check_layered_model(thickness, vp, vs, rho)
    if (s <= 0).any():
        m, j = np.unravel_index(int(np.flatnonzero(s <= 0)[0]), s.shape)
        raise ValueError(
            "vs must be > 0 km/s: fluid layers (e.g. an ocean) are not supported by the "
            f"receiver-function kernel; found vs={s[m, j]} at model {m}, layer {j}"
        )
    return t, p, s, r, batched


def _slowness(slowness: ArrayLike) -> tuple[NDArray, tuple[int, ...]]:
    """Slowness as a 1-D float64 array and the shape to give the output (values: the kernel)."""
    shape = np.shape(slowness)  # ascontiguousarray would turn a scalar into shape (1,)
    if len(shape) > 1:
        raise ValueError(f"slowness must be a scalar or 1-D, got shape {shape}")
    p = as_float_array("slowness", slowness, ndim=(0, 1)).reshape(-1)
    if p.size == 0:
        raise ValueError("slowness is empty")
    return p, shape


def _check_slowness(p: NDArray, vp_half: NDArray) -> None:
    bad = ~np.isfinite(p) | (p < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"slowness must be finite and >= 0 s/km; found {p[i]} at index {i}")
    limit = 1.0 / vp_half  # per model
    for m, lim in enumerate(limit):
        over = p >= lim
        if over.any():
            i = int(np.flatnonzero(over)[0])
            raise ValueError(
                f"slowness must be < 1/vp of the half-space ({lim:.6g} s/km for model {m}) for "
                f"an incident P wave; found {p[i]} s/km at index {i}"
            )


def _explain(
    thickness: ArrayLike, vp: ArrayLike, vs: ArrayLike, rho: ArrayLike, slowness: NDArray
) -> None:
    """Full Python validation, run after the kernel rejected an input: raises the message that
    names the argument, model and layer (the kernel's own error is re-raised if this passes)."""
    _, p, _, _, _ = _validated_models(thickness, vp, vs, rho)
    _check_slowness(slowness, p[:, -1])


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be finite and > 0, got {value}")
    return float(value)


def flatten_model(
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    radius: float = EARTH_RADIUS,
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Earth-flattening transformation of a spherical layered model (Müller 1977, Biswas 1972).

    Depths map to ``z_f = R ln(R / (R - z))``; each layer's velocities are multiplied by
    ``R / r`` and its density by ``(r / R)^2.275`` (Biswas 1972, the P-SV exponent used by CPS),
    with ``r = R - z`` at the layer's mid-depth (the top of the half-space for the half-space).
    The horizontal slowness (s/km at the surface) is unchanged.

    Parameters
    ----------
    thickness, vp, vs, rho : array_like, shape (n_layers,) or (n_models, n_layers)
        Spherical model (km, km/s, km/s, g/cm³); the half-space thickness is ignored.
    radius : float
        Earth radius R in km.

    Returns
    -------
    thickness, vp, vs, rho : ndarray
        The flat model, same shape as the input.
    """
    t, p, s, r, batched = check_layered_model(thickness, vp, vs, rho)
    radius = _positive("radius", radius)
    t = t.copy()
    t[:, -1] = 0.0
    z_bot = np.cumsum(t, axis=1)
    z_top = z_bot - t
    if (z_bot >= radius).any():
        raise ValueError(f"the model is deeper than the Earth radius {radius} km")
    zf_top = radius * np.log(radius / (radius - z_top))
    zf_bot = radius * np.log(radius / (radius - z_bot))
    r_mid = radius - 0.5 * (z_top + z_bot)
    factor = radius / r_mid
    out = (zf_bot - zf_top, p * factor, s * factor, r * (r_mid / radius) ** 2.275)
    if batched:
        return out
    return out[0][0], out[1][0], out[2][0], out[3][0]


def _water_level(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"water_level must be a real number >= 0, got {value!r}")
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"water_level must be a finite number >= 0, got {value!r}")
    return float(value)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _n_fft(n_fft: Any, n_samples: int) -> int:
    """The FFT size: a power of two in [max(4, n_samples), _MAX_FFT] (default: the smallest)."""
    if n_fft is None:
        if n_samples > _MAX_FFT:
            raise ValueError(f"n_samples must be <= 2**24 = {_MAX_FFT}, got {n_samples}")
        return 1 << max(2, (n_samples - 1).bit_length())
    if isinstance(n_fft, bool) or not isinstance(n_fft, (int, np.integer)):
        raise ValueError(f"n_fft must be an integer, got {n_fft!r}")
    nfft = int(n_fft)
    if nfft < n_samples or nfft < 4 or nfft & (nfft - 1):
        raise ValueError(
            f"n_fft must be a power of two >= max(4, n_samples={n_samples}), got {nfft}"
        )
    if nfft > _MAX_FFT:
        raise ValueError(f"n_fft must be <= 2**24 = {_MAX_FFT}, got {nfft}")
    return nfft


def rf_times(n_samples: int = 4096, dt: float = 0.05, shift: float = 5.0) -> NDArray:
    """Time of each receiver-function sample relative to the direct P (s): ``k dt - shift``."""
    n = _n_samples(n_samples)
    return np.arange(n) * _positive("dt", dt) - float(shift)


def _n_samples(n_samples: Any) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise ValueError(f"n_samples must be an integer, got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    return int(n_samples)


def receiver_function(
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    slowness: ArrayLike,
    dt: float = 0.05,
    n_samples: int = 4096,
    gaussian: float = 2.5,
    water_level: float = 1e-3,
    shift: float = 5.0,
    n_fft: int | None = None,
    spherical: bool = False,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Radial P receiver functions: water-level R/Z deconvolution with a Gaussian low-pass.

    Parameters
    ----------
    thickness, vp, vs, rho : array_like, shape (n_layers,) or (n_models, n_layers)
        Layer thickness (km), P and S velocity (km/s), density (g/cm³), top layer first; the
        last layer is the half-space (its thickness is ignored). vs must be > 0 (no fluids).
        Batches of models with different layer counts: pad with
        :func:`geoinvert.earth.stack_models`.
    slowness : float or array_like, shape (n_slowness,)
        Horizontal slowness (ray parameter) in s/km, ``0 <= p < 1/vp`` of the half-space.
    dt : float
        Sample interval in s.
    n_samples : int
        Number of output samples.
    gaussian : float
        Gaussian parameter a (rad/s) of ``G(ω) = exp(-ω²/(4a²))``; a = 2.5 passes up to ~1.2 Hz.
    shift : float
        Time (s) of the direct P in the output (the trace starts ``shift`` s before it).
    water_level : float
        Water level (a real number >= 0, dimensionless) of the deconvolution
        ``R Z* / max(|Z|², water_level · max|Z|²)``, with the maximum taken over the
        frequencies the Gaussian passes (``G > 1e-8``; the others are not computed and
        contribute nothing to the trace). Default 1e-3, as used on observed data; where
        ``|Z|²`` stays above the level (every model we tried: AK135, IASP91, PREM, crusts with
        sediments) the result equals the exact ``R/Z`` to ~1e-15 of the P peak. 0 gives the
        exact spectral division (about 1.7× cheaper on deep models).
    n_fft : int, optional
        FFT size, a power of two with ``n_samples <= n_fft <= 2**24`` (default: the smallest
        such). The trace is periodic with period ``n_fft · dt``.
    spherical : bool
        Apply the Earth-flattening transformation (:func:`flatten_model`) first; worthwhile
        for models reaching the transition zone.
    n_threads : int, optional
        Worker threads (None = all cores). Results are bit-identical for any value.

    Returns
    -------
    ndarray, shape (n_models?, n_slowness?, n_samples)
        The receiver functions (dimensionless per sample, see the module docstring); the model
        and slowness axes are present when the inputs were batched. NaN for a model and
        slowness at exact grazing incidence in some layer (p equal to 1/vp or 1/vs).
    """
    t, p, s, r, batched = _models(thickness, vp, vs, rho)
    slow, slow_shape = _slowness(slowness)
    dt = _positive("dt", dt)
    gaussian = _positive("gaussian", gaussian)
    n = _n_samples(n_samples)
    if isinstance(shift, bool) or not isinstance(shift, (int, float, np.integer, np.floating)):
        raise ValueError(f"shift must be a number (s), got {shift!r}")
    if not math.isfinite(shift):
        raise ValueError(f"shift must be finite, got {shift}")
    water_level = _water_level(water_level)
    nfft = _n_fft(n_fft, n)
    spherical = _flag("spherical", spherical)
    threads = check_threads(n_threads)
    try:
        if spherical:
            t, p, s, r = flatten_model(t, p, s, r)
            _check_slowness(slow, p[:, -1])
        out = _core.rf_receiver_function(
            t,
            p,
            s,
            r,
            slow,
            dt,
            nfft,
            n,
            gaussian,
            float(shift),
            float(water_level),
            _CUTOFF,
            None if threads == 0 else threads,
        )
    except ValueError:
        _explain(thickness, vp, vs, rho, slow)
        raise
    shape = (t.shape[0],) if batched else ()
    return out.reshape(shape + slow_shape + (n,))


def surface_spectra(
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    slowness: ArrayLike,
    df: float,
    n_freq: int,
    spherical: bool = False,
    n_threads: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.complex128], NDArray[np.complex128]]:
    """Radial and vertical surface displacement spectra for a unit-amplitude incident P wave.

    The time dependence is ``exp(+iωt)`` (numpy's inverse-FFT sign), the radial component is
    positive away from the source and the vertical component positive up.

    Parameters
    ----------
    thickness, vp, vs, rho, slowness : array_like
        As in :func:`receiver_function` (km, km/s, g/cm³, s/km).
    df : float
        Frequency step in Hz; spectra are computed at ``f_k = k df``, ``k < n_freq``.
    n_freq : int
        Number of frequencies, 1 to 2**24.
    spherical : bool
        Apply :func:`flatten_model` first.
    n_threads : int, optional
        Worker threads (None = all cores).

    Returns
    -------
    frequency : ndarray, shape (n_freq,)
        Frequencies in Hz.
    radial, vertical : ndarray of complex, shape (n_models?, n_slowness?, n_freq)
        Displacement per unit incident P displacement.
    """
    t, p, s, r, batched = _models(thickness, vp, vs, rho)
    slow, slow_shape = _slowness(slowness)
    df = _positive("df", df)
    if isinstance(n_freq, bool) or not isinstance(n_freq, (int, np.integer)) or n_freq < 1:
        raise ValueError(f"n_freq must be an integer >= 1, got {n_freq!r}")
    if n_freq > _MAX_FFT:
        raise ValueError(f"n_freq must be <= 2**24 = {_MAX_FFT}, got {n_freq}")
    spherical = _flag("spherical", spherical)
    threads = check_threads(n_threads)
    try:
        if spherical:
            t, p, s, r = flatten_model(t, p, s, r)
            _check_slowness(slow, p[:, -1])
        radial, vertical = _core.rf_surface_spectra(
            t, p, s, r, slow, 2.0 * np.pi * df, int(n_freq), None if threads == 0 else threads
        )
    except ValueError:
        _explain(thickness, vp, vs, rho, slow)
        raise
    shape = ((t.shape[0],) if batched else ()) + slow_shape + (int(n_freq),)
    freq = np.arange(int(n_freq), dtype=np.float64) * df
    return freq, radial.reshape(shape), vertical.reshape(shape)
