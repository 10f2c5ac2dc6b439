"""Adaptive Metropolis on posteriors with known moments."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert import adaptive_metropolis


def test_recovers_correlated_gaussian_moments():
    mean = np.array([30.0, 3.6])
    cov = np.array([[4.0, 0.3], [0.3, 0.04]])
    icov = np.linalg.inv(cov)

    def loglike(x):
        d = x - mean
        return -0.5 * np.einsum("ij,jk,ik->i", d, icov, d)

    res = adaptive_metropolis(
        loglike, [10.0, 2.0], [50.0, 5.0], n_chains=32, n_steps=3000, burn_in=1000, seed=3
    )
    flat = res.flat()
    # ~12 800 correlated samples: Monte Carlo error of the mean ~ 0.05 sd; allow 0.15 sd.
    sd = np.sqrt(np.diag(cov))
    assert np.all(np.abs(flat.mean(axis=0) - mean) < 0.15 * sd), flat.mean(axis=0)
    np.testing.assert_allclose(flat.std(axis=0), np.sqrt(np.diag(cov)), rtol=0.1)
    assert 0.1 < res.acceptance < 0.6
    assert np.all(res.gelman_rubin() < 1.1)


def test_respects_prior_bounds_and_rejects_nan_likelihood():
    def loglike(x):
        out = -0.5 * ((x[:, 0] - 1.0) / 0.5) ** 2
        out[x[:, 0] > 1.5] = np.nan  # e.g. a forward model that finds no root there
        return out

    res = adaptive_metropolis(loglike, [0.0], [2.0], n_chains=8, n_steps=800, burn_in=300, seed=0)
    flat = res.flat()
    assert flat.min() >= 0.0 and flat.max() <= 1.5


def test_bad_bounds_raise():
    with pytest.raises(ValueError, match="parameter 1"):
        adaptive_metropolis(lambda x: x[:, 0], [0.0, 1.0], [1.0, 1.0])


def test_de_mcmc_recovers_bimodal_weights():
    # Two equal, well-separated modes: a single random-walk chain sticks in one; the DE population
    # with its gamma = 1 jumps must populate both about equally.
    from geoinvert.invert import differential_evolution_mcmc

    def loglike(x):
        a = -0.5 * ((x[:, 0] - 2.0) / 0.3) ** 2
        b = -0.5 * ((x[:, 0] + 2.0) / 0.3) ** 2
        return np.logaddexp(a, b) - 0.5 * (x[:, 1] / 0.5) ** 2

    res = differential_evolution_mcmc(
        loglike, [-5.0, -3.0], [5.0, 3.0], n_chains=24, n_steps=3000, burn_in=1000, seed=4
    )
    x = res.flat()[:, 0]
    frac = np.mean(x > 0)
    assert 0.3 < frac < 0.7
    assert abs(np.std(x[x > 0]) - 0.3) < 0.06
    with pytest.raises(ValueError, match="even number"):
        differential_evolution_mcmc(loglike, [-5.0, -3.0], [5.0, 3.0], n_chains=7)
