"""The NLCG optimiser and its smoothness regulariser on problems with known minimisers."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert import SmoothnessRegulariser, nlcg


def test_regulariser_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    reg = SmoothnessRegulariser((4, 5), alpha_z=2.5, reference=rng.normal(size=20))
    m = rng.normal(size=20)
    value, grad = reg.value_and_gradient(m)
    eps = 1e-6
    for k in range(20):
        e = np.zeros(20)
        e[k] = eps
        fd = (reg.value_and_gradient(m + e)[0] - reg.value_and_gradient(m - e)[0]) / (2 * eps)
        assert grad[k] == pytest.approx(fd, rel=1e-6, abs=1e-8)
    assert value > 0
    assert reg.value_and_gradient(reg.reference)[0] == 0.0


def test_nlcg_solves_regularised_least_squares():
    # Φ_d = |A m - d|² with the regularised normal equations as the exact answer.
    rng = np.random.default_rng(1)
    shape = (3, 4)
    a = rng.normal(size=(30, 12))
    d = rng.normal(size=30)
    reg = SmoothnessRegulariser(shape, alpha_z=0.5)
    lam = 0.3

    def misfit(m):
        r = a @ m - d
        return float(r @ r), 2 * a.T @ r

    # Exact minimiser: (AᵀA + λ Lᵀ L) m = Aᵀ d, with LᵀL from the regulariser's Hessian.
    h = np.zeros((12, 12))
    for k in range(12):
        e = np.zeros(12)
        e[k] = 1.0
        h[:, k] = reg.value_and_gradient(e)[1] / 2
    exact = np.linalg.solve(a.T @ a + lam * h, a.T @ d)
    result = nlcg(misfit, np.zeros(12), regulariser=reg, lam=lam, max_iterations=500, rtol=1e-14)
    np.testing.assert_allclose(result.model, exact, atol=1e-5)
    assert result.objective[-1] < result.objective[0]
    assert np.all(np.diff(result.objective) <= 0)  # monotone decrease


def test_nlcg_rosenbrock_converges():
    def rosen(m):
        x, y = m
        f = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        g = np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
        return f, g

    result = nlcg(rosen, np.array([-1.2, 1.0]), max_iterations=2000, rtol=0, target_misfit=1e-10)
    assert result.converged
    np.testing.assert_allclose(result.model, [1, 1], atol=1e-4)


def test_nlcg_rejects_bad_arguments():
    with pytest.raises(ValueError, match="lam"):
        nlcg(lambda m: (0.0, m), np.zeros(2), lam=-1)
    with pytest.raises(ValueError, match="m0"):
        nlcg(lambda m: (0.0, m), np.array([np.nan]))
