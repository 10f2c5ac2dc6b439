"""Crust inversion helpers: CRUST1.0 forward data, map comparison, Eq. 4, Monte Carlo models."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.dispersion import phase_velocity
from geoinvert.earth import crust1
from geoinvert.earth.priors import CrustPrior, sample_crust
from geoinvert.invert.crust import (
    compare_maps,
    crust1_phase_velocities,
    mc_bounds,
    mc_models,
    prem_mantle,
    relative_phase_error,
)

FREQ = np.arange(10.0, 35.01, 1.25) * 1e-3


def test_prem_mantle_starts_at_moho_and_ends_in_half_space():
    m = prem_mantle(45.0)
    assert m.thickness[0] == pytest.approx(60.0 - 45.0)
    assert m.depth_top[-1] + 45.0 == pytest.approx(CrustPrior().mantle_nodes[-1])
    with pytest.raises(ValueError, match="moho"):
        prem_mantle(700.0)


def test_crust1_forward_is_physical_and_moho_sensitive():
    region = crust1.load_region()
    c = crust1_phase_velocities(region, FREQ)
    assert c.shape == (156, 21) and np.all(np.isfinite(c))
    assert np.all(np.diff(c, axis=1) < 0)  # normal dispersion: slower at higher frequency
    thicker = crust1_phase_velocities(region, FREQ, moho=region.crustal_thickness + 10)
    assert np.all(thicker[:, 0] < c[:, 0])  # a thicker crust slows long periods
    same = crust1_phase_velocities(region, FREQ, moho=region.crustal_thickness)
    np.testing.assert_allclose(same, c, rtol=1e-9)


def test_compare_maps_and_eq4():
    stats = compare_maps([30.0, 40.0, 50.0], [31.0, 41.0, 51.0])
    assert stats["rms_km"] == pytest.approx(1.0) and stats["correlation"] == pytest.approx(1.0)
    np.testing.assert_allclose(relative_phase_error([[4.04]], [[4.0]]), [[0.01]])
    with pytest.raises(ValueError, match="shape"):
        relative_phase_error([1.0, 2.0], [1.0])


def test_mc_models_match_the_prior_construction():
    # A prior draw with two crustal layers maps to the same model through mc_models.
    prior = CrustPrior(n_crust_layers=(2, 2), crust_drho=(0.0, 0.0))
    s = sample_crust(np.random.default_rng(1), 5, prior)
    names = s.param_names
    col = {n: s.params[:, names.index(n)] for n in names}
    theta = np.column_stack(
        [
            col["moho_depth"],
            col["crust_h0"] / col["moho_depth"],
            col["crust_vs0"],
            col["crust_vs1"],
            col["crust_vpvs0"],
            col["crust_vpvs1"],
            col["mantle_dlnvs0"],
            col["mantle_dlnvs1"],
            col["mantle_dlnvs2"],
        ]
    )
    periods = 1 / FREQ
    ours = phase_velocity(periods, *mc_models(theta, prior), spherical=True)
    theirs = phase_velocity(periods, s.thickness, s.vp, s.vs, s.rho, spherical=True)
    # Without the density perturbation (which the MC model omits) the models are identical up to
    # zero-thickness padding layers, so the kernel's answers agree to round-off.
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    lo, hi = mc_bounds(prior)
    assert lo.size == theta.shape[1] and np.all(lo < hi)


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        (np.full((3, 21), 3.8), None),
        (np.full((3, 20), 3.8), "shape"),
        (np.where(np.arange(63).reshape(3, 21) == 30, np.nan, 3.8), "grid point 1, frequency"),
        (np.full((3, 21), 3800.0), "wrong unit"),
        (np.full((3, 21), -3.8), "positive"),
    ],
)
def test_observed_data_errors_name_the_grid_point(observed, message):
    # Validation happens before the model is touched, so no network is needed here.
    from geoinvert.invert.crust import invert_crust

    if message is None:
        with pytest.raises(AttributeError):  # valid data reaches the (absent) model
            invert_crust(None, FREQ, observed)
    else:
        with pytest.raises(ValueError, match=message):
            invert_crust(None, FREQ, observed)
