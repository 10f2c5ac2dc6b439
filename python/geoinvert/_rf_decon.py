"""Deconvolution of observed receiver functions (numpy).

Time-domain iterative deconvolution of Ligorría & Ammon (1999, "Iterative deconvolution and
receiver-function estimation", BSSA 89, 1395-1400) and the water-level spectral division
(Clayton & Wiggins 1976; Langston 1979), with the Gaussian low-pass G(ω) = exp(-ω²/(4a²)) of
:mod:`geoinvert.rf` and the same normalisation (inverse FFT without 1/dt), so the output of a
noise-free synthetic matches :func:`geoinvert.rf.receiver_function`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validation import as_float_array, check_finite

__all__ = ["iterative_deconvolution", "water_level_deconvolution"]


def _pair(radial: ArrayLike, vertical: ArrayLike) -> tuple[NDArray, NDArray]:
    r = as_float_array("radial", radial, ndim=(1,))
    z = as_float_array("vertical", vertical, ndim=(1,))
    if r.shape != z.shape:
        raise ValueError(f"radial has shape {r.shape} but vertical has shape {z.shape}")
    if r.size < 4:
        raise ValueError(f"the traces need at least 4 samples, got {r.size}")
    check_finite("radial", r)
    check_finite("vertical", z)
    if not np.any(z):
        raise ValueError("vertical is all zeros")
    return r, z


def _scalar(name: str, value: float, *, positive: bool = True) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be finite{' and > 0' if positive else ''}, got {value}")
    return float(value)


def iterative_deconvolution(
    radial: ArrayLike,
    vertical: ArrayLike,
    *,
    dt: float,
    gaussian: float = 2.5,
    shift: float = 5.0,
    max_iterations: int = 400,
    min_improvement: float = 1e-4,
) -> tuple[NDArray[np.float64], float]:
    """Receiver function by iterative time-domain deconvolution (Ligorría & Ammon 1999).

    Both traces are low-passed with the Gaussian; at each iteration the lag of the largest
    cross-correlation between the residual radial trace and the filtered vertical trace gets a
    spike, until the relative misfit improves by less than ``min_improvement``. The spike train
    is returned low-passed by the same Gaussian and delayed by ``shift``.

    Parameters
    ----------
    radial, vertical : array_like, shape (n,)
        Radial and vertical (up) seismograms sampled at ``dt``, starting before the P arrival.
    dt : float
        Sample interval in s.
    gaussian : float
        Gaussian parameter a in rad/s (``G(ω) = exp(-ω²/(4a²))``).
    shift : float
        Time (s) of zero lag in the output (where a spike at the P arrival lands).
    max_iterations : int
        Maximum number of spikes.
    min_improvement : float
        Stop when the relative misfit ``Σ residual² / Σ filtered radial²`` decreases by less.

    Returns
    -------
    rf : ndarray, shape (n,)
        The receiver function (normalised like :func:`geoinvert.rf.receiver_function`).
    fit : float
        Fraction of the filtered radial trace's energy explained, in [0, 1].
    """
    r, z = _pair(radial, vertical)
    dt = _scalar("dt", dt)
    gaussian = _scalar("gaussian", gaussian)
    shift = _scalar("shift", shift, positive=False)
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, (int, np.integer)):
        raise ValueError(f"max_iterations must be an integer, got {max_iterations!r}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    min_improvement = _scalar("min_improvement", min_improvement, positive=False)
    n = r.size
    nfft = 1 << (2 * n - 1).bit_length()  # no wrap-around in correlations / convolutions
    omega = 2.0 * np.pi * np.fft.rfftfreq(nfft, dt)
    g = np.exp(-(omega**2) / (4.0 * gaussian**2))
    zf_spec = np.fft.rfft(z, nfft) * g
    rf_f = np.fft.irfft(np.fft.rfft(r, nfft) * g, nfft)
    zf = np.fft.irfft(zf_spec, nfft)
    power = float(np.dot(zf, zf))
    total = float(np.dot(rf_f, rf_f))
    spikes = np.zeros(nfft)
    resid = rf_f.copy()
    misfit = 1.0
    if total == 0.0:
        return np.zeros(n), 0.0
    for _ in range(int(max_iterations)):
        # cc[k] = sum_t resid[t + k] zf[t]: only causal lags k < n (P is the first arrival).
        cc = np.fft.irfft(np.fft.rfft(resid) * np.conj(zf_spec), nfft)[:n]
        k = int(np.argmax(np.abs(cc)))
        spikes[k] += cc[k] / power
        resid = rf_f - np.fft.irfft(np.fft.rfft(spikes) * zf_spec, nfft)
        new = float(np.dot(resid, resid)) / total
        done = misfit - new < min_improvement
        misfit = new
        if done:
            break
    out = np.fft.irfft(np.fft.rfft(spikes) * g * np.exp(-1j * omega * shift), nfft)[:n]
    return out, 1.0 - misfit


def water_level_deconvolution(
    radial: ArrayLike,
    vertical: ArrayLike,
    *,
    dt: float,
    gaussian: float = 2.5,
    shift: float = 5.0,
    water_level: float = 1e-3,
) -> NDArray[np.float64]:
    """Receiver function by water-level spectral division (Clayton & Wiggins 1976).

    ``RF(ω) = R Z* / max(|Z|², water_level · max|Z|²) · G(ω) · exp(-iω shift)``.

    Parameters
    ----------
    radial, vertical : array_like, shape (n,)
        Radial and vertical (up) seismograms sampled at ``dt`` (s).
    dt : float
        Sample interval in s.
    gaussian : float
        Gaussian parameter a in rad/s.
    shift : float
        Time (s) of zero lag in the output.
    water_level : float
        Fraction of the peak vertical power used as a floor, >= 0.

    Returns
    -------
    ndarray, shape (n,)
        The receiver function (normalised like :func:`geoinvert.rf.receiver_function`).
    """
    r, z = _pair(radial, vertical)
    dt = _scalar("dt", dt)
    gaussian = _scalar("gaussian", gaussian)
    shift = _scalar("shift", shift, positive=False)
    water_level = _scalar("water_level", water_level, positive=False)
    if water_level < 0:
        raise ValueError(f"water_level must be >= 0, got {water_level}")
    n = r.size
    nfft = 1 << (2 * n - 1).bit_length()
    omega = 2.0 * np.pi * np.fft.rfftfreq(nfft, dt)
    rs, zs = np.fft.rfft(r, nfft), np.fft.rfft(z, nfft)
    pz = np.abs(zs) ** 2
    denom = np.maximum(pz, water_level * pz.max())
    spec = rs * np.conj(zs) / denom
    spec *= np.exp(-(omega**2) / (4.0 * gaussian**2) - 1j * omega * shift)
    return np.fft.irfft(spec, nfft)[:n]
