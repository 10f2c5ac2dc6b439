"""Mixture-density network head: a K-component Gaussian mixture over a scalar target.

Method: Bishop, C. M. (1994), "Mixture density networks", NCRG/94/004; applied to crustal
thickness from surface-wave dispersion by Meier, U., Curtis, A. & Trampert, J. (2007), "Global
crustal thickness from neural network inversion of surface wave data", GJI 169, 706-722.

The head maps a feature vector to mixture weights π_k (softmax), means μ_k and standard deviations
σ_k (softplus + floor) of ``p(y | x) = Σ_k π_k N(y; μ_k, σ_k²)``. The loss is the negative
log-likelihood (log-sum-exp, numerically stable). Mean, standard deviation and quantiles of the
mixture are computed in closed form / by bisection on the mixture CDF.

Units: whatever the (normalised) target is; :class:`geoinvert.train.Normalization` maps back to km.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

__all__ = [
    "MDNHead",
    "MixtureDensityNetwork",
    "MixtureParams",
    "mdn_nll",
    "mixture_cdf",
    "mixture_mean_std",
    "mixture_quantiles",
]

MixtureParams = tuple[Tensor, Tensor, Tensor]
"""(log_pi, mu, sigma), each of shape (n, K)."""

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class MDNHead(nn.Module):
    """Linear map from features to a K-component Gaussian mixture.

    Parameters
    ----------
    n_features
        Size of the incoming feature vector.
    n_components
        K, the number of Gaussians.
    min_sigma
        Floor added to σ (in normalised target units) to keep the NLL bounded.
    """

    def __init__(self, n_features: int, n_components: int = 5, min_sigma: float = 1e-3) -> None:
        super().__init__()
        if n_components < 1:
            raise ValueError(f"n_components: must be >= 1, got {n_components}")
        self.n_components = int(n_components)
        self.min_sigma = float(min_sigma)
        self.proj = nn.Linear(n_features, 3 * self.n_components)

    def forward(self, h: Tensor) -> MixtureParams:
        logits, mu, s = self.proj(h).chunk(3, dim=-1)
        log_pi = torch.log_softmax(logits, dim=-1)
        sigma = nn.functional.softplus(s) + self.min_sigma
        return log_pi, mu, sigma


def mdn_nll(params: MixtureParams, y: Tensor) -> Tensor:
    """Mean negative log-likelihood of targets ``y`` (shape (n,) or (n, 1)) under the mixture."""
    log_pi, mu, sigma = params
    y = y.reshape(-1, 1)
    z = (y - mu) / sigma
    log_comp = -0.5 * z * z - torch.log(sigma) - _LOG_SQRT_2PI
    return -torch.logsumexp(log_pi + log_comp, dim=-1).mean()


def mixture_mean_std(params: MixtureParams) -> tuple[Tensor, Tensor]:
    """Mean and standard deviation of the mixture, each shape (n,)."""
    log_pi, mu, sigma = params
    pi = log_pi.exp()
    mean = (pi * mu).sum(-1)
    second = (pi * (sigma * sigma + mu * mu)).sum(-1)
    var = (second - mean * mean).clamp_min(0.0)
    return mean, var.sqrt()


def mixture_cdf(params: MixtureParams, y: Tensor) -> Tensor:
    """Mixture CDF at ``y`` (shape (n,) or (n, m)); returns the same shape as ``y``."""
    log_pi, mu, sigma = params
    squeeze = y.dim() == 1
    yy = y.reshape(y.shape[0], -1, 1)  # (n, m, 1)
    z = (yy - mu[:, None, :]) / sigma[:, None, :]
    comp = 0.5 * torch.erfc(-z / math.sqrt(2.0))
    out = (log_pi.exp()[:, None, :] * comp).sum(-1)
    return out[:, 0] if squeeze else out


def mixture_quantiles(
    params: MixtureParams, q: Sequence[float] | Tensor, *, n_iter: int = 60
) -> Tensor:
    """Quantiles of the mixture by bisection on its CDF.

    Parameters
    ----------
    params
        (log_pi, mu, sigma), shape (n, K) each.
    q
        Probabilities in (0, 1), shape (m,).
    n_iter
        Bisection steps; the bracket [min μ − 10 max σ, max μ + 10 max σ] shrinks by 2^-n_iter
        (60 steps reach float64 resolution).

    Returns
    -------
    Tensor
        Shape (n, m).
    """
    _, mu, sigma = params
    qt = torch.as_tensor(q, dtype=mu.dtype, device=mu.device).reshape(1, -1)
    if torch.any((qt <= 0) | (qt >= 1)):
        raise ValueError("q: quantile probabilities must lie strictly in (0, 1)")
    n, m = mu.shape[0], qt.shape[1]
    smax = sigma.max(-1).values
    lo = (mu.min(-1).values - 10 * smax)[:, None].expand(n, m).clone()
    hi = (mu.max(-1).values + 10 * smax)[:, None].expand(n, m).clone()
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        below = mixture_cdf(params, mid) < qt
        lo = torch.where(below, mid, lo)
        hi = torch.where(below, hi, mid)
    return 0.5 * (lo + hi)


class MixtureDensityNetwork(nn.Module):
    """A trunk (any module with ``features(x)`` or a plain feature extractor) + an MDN head.

    Parameters
    ----------
    trunk
        Module mapping inputs (n, n_in) to features (n, n_features). If it has a ``features``
        method (e.g. :class:`~geoinvert.nn.StackedSparseAutoEncoder`, :class:`~geoinvert.nn.MLP`)
        that is used, otherwise its ``forward``.
    n_features
        Feature size (defaults to ``trunk.n_features``).
    n_components
        Number of Gaussians K.
    """

    architecture = "mdn"
    trunk: Any

    def __init__(self, trunk: Any, n_features: int | None = None, n_components: int = 5) -> None:
        super().__init__()
        nf = int(n_features if n_features is not None else trunk.n_features)
        # The trunk's own output layer is not used by the mixture head: drop it so that no
        # parameter is left without a gradient (DDP requires that).
        for name in ("out", "regressor"):
            if isinstance(getattr(trunk, name, None), nn.Linear):
                setattr(trunk, name, nn.Identity())
        if hasattr(trunk, "set_decoders_trainable"):
            trunk.set_decoders_trainable(False)
        self.trunk = trunk
        self.head = MDNHead(nf, n_components)

    def get_config(self) -> dict:
        """Constructor arguments (the trunk as its own architecture record)."""
        from .mlp import architecture_record

        return {
            "trunk": architecture_record(self.trunk),
            "n_components": self.head.n_components,
        }

    def forward(self, x: Tensor) -> MixtureParams:
        h = self.trunk.features(x) if hasattr(self.trunk, "features") else self.trunk(x)
        return self.head(h)
