"""Training-time augmentation of receiver functions (torch): realistic noise and time jitter.

Noise in real receiver functions is band-limited by the same Gaussian filter as the signal, so
white noise is smoothed with the time-domain Gaussian of the filter (G(ω) = exp(−ω²/4a²) ⇔
g(t) ∝ exp(−a²t²)) and scaled to a random fraction of each trace's direct-P amplitude. A random
shift of a few samples ("temporal cropping" of a wider window) makes the classifier insensitive
to small onset-picking errors.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["rf_noise_augmentation"]


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
