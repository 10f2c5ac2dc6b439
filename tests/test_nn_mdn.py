"""Mixture-density head: NLL against the Gaussian formula, moments, quantiles."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from scipy import optimize, stats  # noqa: E402

from geoinvert.nn import (  # noqa: E402
    MLP,
    MDNHead,
    MixtureDensityNetwork,
    StackedSparseAutoEncoder,
    mdn_nll,
    mixture_cdf,
    mixture_mean_std,
    mixture_quantiles,
)


def _params(log_w, mu, sigma):
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    return torch.log_softmax(t(log_w), -1), t(mu), t(sigma)


def test_nll_single_gaussian_matches_formula():
    mu = np.array([[0.3], [-1.0], [2.0]])
    sigma = np.array([[0.5], [1.5], [0.1]])
    y = np.array([0.1, 0.0, 2.05])
    params = _params(np.zeros((3, 1)), mu, sigma)
    expected = -np.mean(stats.norm.logpdf(y, mu[:, 0], sigma[:, 0]))
    assert float(mdn_nll(params, torch.tensor(y))) == pytest.approx(expected, rel=1e-12)
    # (n, 1) targets are accepted too
    assert float(mdn_nll(params, torch.tensor(y)[:, None])) == pytest.approx(expected, rel=1e-12)


def test_nll_mixture_matches_formula():
    w = np.array([[0.2, 0.8]])
    mu = np.array([[0.0, 3.0]])
    s = np.array([[1.0, 0.5]])
    y = 1.2
    params = _params(np.log(w), mu, s)
    p = 0.2 * stats.norm.pdf(y, 0, 1) + 0.8 * stats.norm.pdf(y, 3, 0.5)
    assert float(mdn_nll(params, torch.tensor([y], dtype=torch.float64))) == pytest.approx(
        -math.log(p), rel=1e-12
    )


def test_mean_std_closed_form():
    w, mu, s = np.array([0.3, 0.7]), np.array([1.0, 4.0]), np.array([0.5, 2.0])
    mean, std = mixture_mean_std(_params(np.log(w)[None], mu[None], s[None]))
    m = np.sum(w * mu)
    v = np.sum(w * (s**2 + mu**2)) - m**2
    assert float(mean[0]) == pytest.approx(m, rel=1e-12)
    assert float(std[0]) == pytest.approx(math.sqrt(v), rel=1e-12)


def test_quantiles_single_gaussian():
    q = [0.025, 0.16, 0.5, 0.84, 0.975]
    mu, s = np.array([[35.0], [-2.0]]), np.array([[4.0], [0.01]])
    got = mixture_quantiles(_params(np.zeros((2, 1)), mu, s), q).numpy()
    expected = stats.norm.ppf(np.array(q)[None], mu, s)
    # 60 bisection steps on a bracket of width ~80 sigma: error ~ 80 sigma / 2^60, i.e. round-off
    assert np.max(np.abs(got - expected) / s) < 1e-9


def test_quantiles_mixture_by_brentq():
    w, mu, s = np.array([0.25, 0.75]), np.array([30.0, 45.0]), np.array([3.0, 5.0])
    params = _params(np.log(w)[None], mu[None], s[None])
    q = np.array([0.1, 0.5, 0.9])
    got = mixture_quantiles(params, q).numpy()[0]
    cdf = lambda x: np.sum(w * stats.norm.cdf(x, mu, s))  # noqa: E731
    ref = [optimize.brentq(lambda x, qq=qq: cdf(x) - qq, 0, 100, xtol=1e-12) for qq in q]
    np.testing.assert_allclose(got, ref, atol=1e-8)
    np.testing.assert_allclose(
        mixture_cdf(params, torch.tensor(got)[None]).numpy()[0], q, atol=1e-10
    )
    with pytest.raises(ValueError, match="q"):
        mixture_quantiles(params, [0.0, 0.5])


def test_head_shapes_and_trunks():
    head = MDNHead(8, n_components=4)
    log_pi, mu, sigma = head(torch.randn(6, 8))
    assert log_pi.shape == mu.shape == sigma.shape == (6, 4)
    assert torch.allclose(log_pi.exp().sum(-1), torch.ones(6))
    assert bool((sigma > 0).all())
    for trunk in (MLP(21, hidden=(16, 8)), StackedSparseAutoEncoder({"sizes": (21, 12, 6, 1)})):
        net = MixtureDensityNetwork(trunk, n_components=3)
        out = net(torch.rand(5, 21))
        assert out[1].shape == (5, 3)
        # every trainable parameter takes part in the loss (no dead output layer left in the
        # trunk; the SAE decoders, used only in pre-training, are frozen) -- DDP requires it
        mdn_nll(out, torch.rand(5)).backward()
        assert all(p.grad is not None for p in net.parameters() if p.requires_grad)
    with pytest.raises(ValueError, match="n_components"):
        MDNHead(4, 0)
