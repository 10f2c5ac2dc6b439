"""Tempered SMC posterior of layered MT columns (geoinvert.invert.mt1d_smc)."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.earth.priors import MTSectionPrior, sample_mt_sections
from geoinvert.invert.mt1d_smc import layered_column_model, mt1d_layered_posterior
from geoinvert.mt import forward_1d

PRIOR = MTSectionPrior(n_bodies=(0, 0))
FREQ = np.logspace(-4, 3, 20)


def _states(params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return params[:, 0].astype(np.int64), params[:, 1:6], params[:, 6:12]


def test_raster_and_compact_model_match_the_prior_sampler() -> None:
    s = sample_mt_sections(np.random.default_rng(3), 300, PRIOR)
    cols, res, thick = layered_column_model(*_states(s.params), PRIOR)
    np.testing.assert_array_equal(cols, s.log10_resistivity[:, :, 0])
    # the compact model answers like the 60-cell column with its bottom cell as half-space
    rho_a, phase, _ = forward_1d(FREQ, res, thick)
    rho_a60, phase60, _ = forward_1d(FREQ, 10.0**cols, np.full((300, 59), 3.0))
    np.testing.assert_allclose(rho_a, rho_a60, rtol=1e-12)
    np.testing.assert_allclose(phase, phase60, atol=1e-10)


def test_posterior_matches_importance_sampling() -> None:
    """At large errors, prior-proposal importance sampling is an exact independent reference."""
    s = sample_mt_sections(np.random.default_rng(7), 1, PRIOR)
    _, res, thick = layered_column_model(*_states(s.params), PRIOR)
    rho_a, phase, _ = forward_1d(FREQ, res, thick)
    sr, sp = 0.15, 8.0
    rng = np.random.default_rng(0)
    d1 = np.log10(rho_a[0]) + sr * rng.standard_normal(FREQ.size)
    d2 = phase[0] + sp * rng.standard_normal(FREQ.size)
    q = sample_mt_sections(np.random.default_rng(8), 100_000, PRIOR).params
    cq, rq, tq = layered_column_model(*_states(q), PRIOR)
    a, b, _ = forward_1d(FREQ, rq, tq)
    ll = -0.5 * ((((np.log10(a) - d1) / sr) ** 2).sum(1) + (((b - d2) / sp) ** 2).sum(1))
    w = np.exp(ll - ll.max())
    w /= w.sum()
    assert 1.0 / (w**2).sum() > 100  # the reference itself is well sampled
    mean_is = w @ cq
    sd_is = np.sqrt(w @ (cq - mean_is) ** 2)
    k_is = np.bincount(q[:, 0].astype(int), weights=w, minlength=7)[2:]
    post = mt1d_layered_posterior(
        FREQ, d1, d2, sigma_log10_rho_a=sr, sigma_phase=sp, prior=PRIOR,
        n_particles=1000, n_moves=4, rng=np.random.default_rng(1),
    )  # fmt: skip
    k_smc = np.bincount(post.n_layers, minlength=7)[2:] / 1000
    # Monte Carlo tolerances: 1000 correlated particles and ~200 effective IS samples
    np.testing.assert_allclose(k_smc, k_is, atol=0.08)
    assert np.all(np.abs(post.mean - mean_is) < 0.25 * sd_is + 0.02)
    np.testing.assert_allclose(post.std, sd_is, rtol=0.3, atol=0.05)
    assert post.n_evaluations > 0 and post.n_stages >= 1


def test_small_errors_recover_a_two_layer_column() -> None:
    params = np.array([[2, 40.0, 200, 200, 200, 200, 2.5, 1.0, 1, 1, 1, 1]], dtype=float)
    cols, res, thick = layered_column_model(*_states(params), PRIOR)
    rho_a, phase, _ = forward_1d(FREQ, res, thick)
    post = mt1d_layered_posterior(
        FREQ, np.log10(rho_a[0]), phase[0], sigma_log10_rho_a=0.01, sigma_phase=0.5,
        prior=PRIOR, n_particles=300, n_moves=3, rng=np.random.default_rng(2),
    )  # fmt: skip
    # top layer and half-space are resolved; the interface sits within a cell or two
    assert abs(post.mean[0] - 2.5) < 0.05 and abs(post.mean[-1] - 1.0) < 0.05
    assert np.sqrt(np.mean((post.mean - cols[0]) ** 2)) < 0.3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma_phase": 0.0}, "sigma_phase"),
        ({"n_particles": 10}, "n_particles"),
        ({"ess_fraction": 1.0}, "ess_fraction"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    args = {"sigma_log10_rho_a": 0.02, "sigma_phase": 1.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        mt1d_layered_posterior(FREQ, np.zeros(20), np.full(20, 45.0), **args)


def test_bad_data_names_the_index() -> None:
    d = np.zeros(20)
    d[4] = np.nan
    with pytest.raises(ValueError, match=r"log10_rho_a.*index 4"):
        mt1d_layered_posterior(FREQ, d, np.full(20, 45.0), sigma_log10_rho_a=0.02, sigma_phase=1.0)
    with pytest.raises(ValueError, match="phase must have shape"):
        mt1d_layered_posterior(
            FREQ, np.zeros(20), np.zeros(3), sigma_log10_rho_a=0.02, sigma_phase=1.0
        )
