"""Training-time augmentation (torch/numpy): receiver-function noise and time jitter; MT
impedance noise and mirrored sections.

Noise in real receiver functions is band-limited by the same Gaussian filter as the signal, so
white noise is smoothed with the time-domain Gaussian of the filter (G(ω) = exp(−ω²/4a²) ⇔
g(t) ∝ exp(−a²t²)) and scaled to a random fraction of each trace's direct-P amplitude. A random
shift of a few samples ("temporal cropping" of a wider window) makes the classifier insensitive
to small onset-picking errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # torch is imported where a function runs (this module is torch-free to import)
    from torch import Tensor

__all__ = ["MTImpedanceNoise", "mirror_mt_sections", "mt_noise_sigma", "rf_noise_augmentation"]


def rf_noise_augmentation(
    *,
    dt: float,
    gaussian: float,
    level: tuple[float, float] = (0.02, 0.2),
    max_shift: float = 0.3,
) -> Callable[[Tensor], Tensor]:
    """Return ``x -> augmented x`` for batches of radial RFs of shape (batch, n_samples).

    Parameters
    ----------
    dt : float
        Sampling interval of the traces in s.
    gaussian : float
        Gaussian filter parameter a of the traces in rad/s.
    level : (float, float)
        Range of the noise standard deviation as a fraction of each trace's peak |amplitude|
        (drawn uniformly per trace).
    max_shift : float
        Largest random time shift in s (circular shift; the trace ends are near zero).
    """
    import torch

    half = int(max(3.0 / (gaussian * dt), 1))
    t = torch.arange(-half, half + 1, dtype=torch.float32) * dt
    kernel = torch.exp(-((gaussian * t) ** 2))
    kernel = (kernel / kernel.norm()).view(1, 1, -1)  # unit gain on white-noise variance
    max_roll = round(max_shift / dt)

    def augment(x: Tensor) -> Tensor:
        shape = x.shape
        flat = x.reshape(-1, shape[-1])
        noise = torch.nn.functional.conv1d(
            torch.randn(flat.shape[0], 1, shape[-1] + 2 * half, device=x.device, dtype=x.dtype),
            kernel.to(x.device, x.dtype),
        ).squeeze(1)
        peak = flat.abs().amax(dim=-1, keepdim=True)
        lo, hi = level
        scale = lo + (hi - lo) * torch.rand(flat.shape[0], 1, device=x.device, dtype=x.dtype)
        out = flat + noise * scale * peak
        if max_roll > 0:
            shifts = torch.randint(-max_roll, max_roll + 1, (flat.shape[0],))
            idx = (torch.arange(shape[-1])[None, :] - shifts[:, None]) % shape[-1]
            out = torch.gather(out, 1, idx.to(x.device))
        return out.reshape(shape)

    return augment


def mt_noise_sigma(z_relative: float = 0.025, n_modes: int = 2) -> np.ndarray:
    """Per-channel σ of [log10 ρa, phase] × modes for a relative impedance error ``z_relative``.

    Gaussian noise of relative size ε on |Z| gives σ(log10 ρa) = 2ε/ln 10 (log10 Ω·m) and
    σ(phase) = asin ε (degrees); e.g. ε = 0.025 → 0.0217 and 1.43°.
    """
    if not 0.0 <= z_relative < 1.0:
        raise ValueError(f"z_relative: must lie in [0, 1), got {z_relative}")
    return np.array([2 * z_relative / np.log(10), np.degrees(np.arcsin(z_relative))] * n_modes)


class MTImpedanceNoise:
    """``x -> x + noise`` for MT sections (batch, C, n_frequencies, n_stations), C = 2 or 4, or
    single-station soundings (batch, C, n_frequencies).

    Channels [log10 ρa (log10 Ω·m), phase (degrees)] per mode get independent Gaussian noise of
    :func:`mt_noise_sigma` ``(z_relative)``. A class rather than a closure so that it pickles
    (data-loader workers, checkpoints).
    """

    def __init__(self, z_relative: float = 0.025) -> None:
        self.z_relative = float(z_relative)
        self._sigma = mt_noise_sigma(self.z_relative)

    def __call__(self, x: Tensor) -> Tensor:
        import torch

        c = x.shape[1]
        if c % 2:
            raise ValueError(f"x: expected 2 channels per mode (log10 rho_a, phase), got {c}")
        shape = (1, c) + (1,) * (x.dim() - 2)  # sections (4-D) or single soundings (3-D)
        s = torch.as_tensor(self._sigma[:c], dtype=x.dtype, device=x.device).view(shape)
        return x + s * torch.randn_like(x)


def mirror_mt_sections(inputs: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sections mirrored about the profile centre (x → −x), appended to the originals.

    A 2-D earth reflected about a vertical plane along strike has the same TE and TM impedances
    at the reflected stations (E is a polar and H an axial vector: Ex/Hy and Ey/Hx keep their
    sign), so a mirrored section is an exact new training example when the stations are placed
    symmetrically, as the MT task's cell-centre stations are.

    Parameters
    ----------
    inputs : ndarray (n, C, n_frequencies, n_stations)
        Data sections; the station axis is last.
    targets : ndarray (n, n_depth, n_x)
        log10 resistivity (log10 Ω·m); the x axis is last.
    """
    if inputs.shape[0] != targets.shape[0]:
        raise ValueError(
            f"targets: {targets.shape[0]} sections for {inputs.shape[0]} input sections"
        )
    return (
        np.concatenate([inputs, inputs[..., ::-1]]),
        np.concatenate([targets, targets[..., ::-1]]),
    )
