"""Prior samplers: determinism, ranges, padded model layout, PREM and Brocher values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoinvert.earth.priors import (
    CrustPrior,
    MTSectionPrior,
    RFPrior,
    brocher_density,
    prem_isotropic,
    sample_crust,
    sample_mt_sections,
    sample_rf_params,
)

FIXTURE = Path(__file__).parent / "data" / "prem_mantle.npz"


def test_prem_polynomials_match_reference_table():
    # reference: the shared PREM table (tests/data/make_prem_mantle.py), printed to 5 decimals
    # (rounding 5e-6). 771 km is excluded: it is a region boundary where the table takes the
    # lower-mantle polynomial, which differs from the 670-771 km one by up to 1.5e-4 km/s.
    ref = np.load(FIXTURE)
    sel = ref["depth"] < 771.0
    vp, vs, rho = prem_isotropic(ref["depth"][sel])
    for got, name in ((vp, "vp"), (vs, "vs"), (rho, "rho")):
        np.testing.assert_allclose(got, ref[name][sel], atol=6e-6, err_msg=name)
    with pytest.raises(ValueError, match="depth"):
        prem_isotropic(10.0)


def test_brocher_density():
    # Brocher (2005) eq. 1 at vp = 6 km/s is 2.717 g/cm³ (his Fig. 1 / Table)
    assert brocher_density(6.0) == pytest.approx(2.7167, abs=2e-4)
    assert np.all(np.diff(brocher_density(np.linspace(1.5, 8.5, 50))) > 0)


def test_crust_is_seeded_and_vectorised():
    a = sample_crust(np.random.default_rng(1), 50)
    b = sample_crust(np.random.default_rng(1), 50)
    assert np.array_equal(a.params, b.params) and np.array_equal(a.vs, b.vs)
    c = sample_crust(np.random.default_rng(2), 50)
    assert not np.array_equal(a.params, c.params)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 40))
def test_crust_model_invariants(seed, n):
    p = CrustPrior()
    s = sample_crust(np.random.default_rng(seed), n, p)
    L = p.n_layers
    for arr in (s.thickness, s.vp, s.vs, s.rho):
        assert arr.shape == (n, L) and np.isfinite(arr).all()
    assert s.params.shape == (n, len(p.param_names)) and len(s) == n
    moho = s.label
    assert np.all((moho >= 20) & (moho <= 100))
    ncr = s.params[:, 1].astype(int)
    # crust = the first n_crust layers; their thicknesses sum to the Moho depth
    crust_h = np.where(np.arange(L)[None, :] < ncr[:, None], s.thickness, 0).sum(1)
    np.testing.assert_allclose(crust_h, moho, rtol=1e-12)
    # total thickness reaches the half-space at the last mantle node
    np.testing.assert_allclose(s.thickness.sum(1), p.mantle_nodes[-1], rtol=1e-12)
    # padding: zero-thickness layers only directly above the half-space, copying it
    for i in range(n):
        t = s.thickness[i]
        zero = np.flatnonzero(t[:-1] == 0)
        if zero.size:
            assert np.array_equal(zero, np.arange(zero[0], L - 1))
            for arr in (s.vp, s.vs, s.rho):
                assert np.all(arr[i, zero] == arr[i, -1])
        vs_c = s.vs[i, : ncr[i]]
        assert np.all(np.diff(vs_c) >= 0) and vs_c.min() >= 2.5 and vs_c.max() <= 4.1
        vpvs = s.vp[i, : ncr[i]] / vs_c
        assert np.all((vpvs >= 1.65 - 1e-12) & (vpvs <= 1.85 + 1e-12))
    # mantle layers: Vs = PREM at the layer's mid-depth x (1 + dlnvs of its zone), |dlnvs| <= 5 %,
    # Vp and density scaled by 0.5x and 0.3x; nothing perturbed below the last zone (400 km)
    k = p.max_crust_layers
    dlnvs = s.params[:, 2 + 4 * k :]
    assert dlnvs.shape == (n, len(p.mantle_zones))
    assert np.all(np.abs(dlnvs) <= 0.05)
    top = np.cumsum(s.thickness, axis=1) - s.thickness
    for i in range(n):
        m = (np.arange(L) >= ncr[i]) & (s.thickness[i] > 0)
        m[-1] = False  # the half-space
        mid = top[i, m] + 0.5 * s.thickness[i, m]
        vp0, vs0, rho0 = prem_isotropic(mid)
        zone = np.searchsorted(np.asarray(p.mantle_zones), mid, side="left")
        d = np.where(zone < dlnvs.shape[1], dlnvs[i, np.minimum(zone, dlnvs.shape[1] - 1)], 0.0)
        # rtol 1e-12: the same products in another order
        np.testing.assert_allclose(s.vs[i, m], vs0 * (1 + d), rtol=1e-12)
        np.testing.assert_allclose(s.vp[i, m], vp0 * (1 + 0.5 * d), rtol=1e-12)
        np.testing.assert_allclose(s.rho[i, m], rho0 * (1 + 0.3 * d), rtol=1e-12)
    # the half-space at 600 km is plain PREM
    assert np.all(s.vs[:, -1] == prem_isotropic(600.0)[1])


def test_crust_prior_validation():
    with pytest.raises(ValueError, match="moho_depth"):
        CrustPrior(moho_depth=(50.0, 20.0))
    with pytest.raises(ValueError, match="n_crust_layers"):
        CrustPrior(n_crust_layers=(0, 2))
    with pytest.raises(ValueError, match="n must be"):
        sample_crust(np.random.default_rng(0), -1)


def test_mt_sections():
    p = MTSectionPrior()
    s = sample_mt_sections(np.random.default_rng(4), 20, p)
    g = s.log10_resistivity
    assert g.shape == (20, 60, 121)
    assert g.min() >= np.log10(5) - 1e-12 and g.max() <= np.log10(5000) + 1e-12
    assert s.params.shape == (20, len(p.param_names))
    n_lay = s.params[:, 0].astype(int)
    n_b = s.params[:, p.param_names.index("n_bodies")].astype(int)
    assert set(n_lay) <= set(range(2, 7)) and set(n_b) <= set(range(5))
    for i in range(20):
        assert np.unique(g[i]).size <= n_lay[i] + n_b[i]
        if n_b[i] == 0:  # purely layered: every column identical
            assert np.all(g[i] == g[i][:, :1])
    again = sample_mt_sections(np.random.default_rng(4), 20, p)
    assert np.array_equal(again.log10_resistivity, g)


def test_rf_params():
    p = RFPrior()
    s = sample_rf_params(np.random.default_rng(5), 4000, p)
    present = s.column("x_present")
    assert 0.45 < present.mean() < 0.55  # p_x = 0.5, 4000 draws: ±4 sigma ≈ ±0.03
    assert np.all((s.column("x_depth") >= 250) & (s.column("x_depth") <= 350))
    assert np.all((s.column("slowness") >= 0.04) & (s.column("slowness") <= 0.08))
    w = s.column("x_width")
    assert 0.45 < (w == 0).mean() < 0.55 and w.max() <= 10
    lab = s.label
    assert lab.shape == (4000, 3) and np.isnan(lab[present == 0, 1:]).all()
    assert set(np.unique(s.column("background"))) == {0.0, 1.0, 2.0}
    assert not s.column("lehmann_present").any()  # default p_lehmann = 0
    s1 = sample_rf_params(np.random.default_rng(5), 4000, RFPrior(p_lehmann=0.5))
    assert 0.45 < s1.column("lehmann_present").mean() < 0.55
    assert np.all((s1.column("lehmann_depth") >= 170) & (s1.column("lehmann_depth") < 250))
    # the Lehmann columns are drawn last: the other columns do not depend on p_lehmann
    np.testing.assert_array_equal(s1.params[:, :-3], s.params[:, :-3])
    with pytest.raises(ValueError, match="backgrounds"):
        RFPrior(backgrounds=("ak135", "mars"))
    with pytest.raises(ValueError, match="p_lehmann"):
        RFPrior(p_lehmann=1.5)


def test_prem_based_crust() -> None:
    w = 0.05
    p = CrustPrior.prem_based(w, mantle_width=0.02)
    s = sample_crust(np.random.default_rng(3), 2000, p)
    d = dict(zip(s.param_names, s.params.T, strict=True))
    assert np.all(d["n_crust_layers"] == 2)
    np.testing.assert_allclose(d["crust_h0"] + d["crust_h1"], d["moho_depth"], rtol=1e-12)
    frac = d["crust_h0"] / d["moho_depth"]
    assert frac.min() >= 0.5 and frac.max() <= 0.75
    for i, vs_prem in enumerate((3.2, 3.9)):
        dv = d[f"crust_vs{i}"] / vs_prem - 1
        assert -w <= dv.min() < -0.9 * w and 0.9 * w < dv.max() <= w
    assert np.abs(s.params[:, -3:]).max() <= 0.02
    # the model arrays carry the drawn crust: first layer vs = crust_vs0
    np.testing.assert_array_equal(s.vs[:, 0], d["crust_vs0"])
    with pytest.raises(ValueError, match="n_crust_layers"):
        CrustPrior(crust_model="prem")
    with pytest.raises(ValueError, match="crust_model"):
        CrustPrior(crust_model="crust1")


def test_mt_prior_dict_round_trip_through_json():
    import json

    p = MTSectionPrior(depth=90.0, nz=30, n_bodies=(0, 2))
    back = MTSectionPrior.from_dict(json.loads(json.dumps(p.to_dict())))
    assert back == p
    with pytest.raises(ValueError, match="unknown MT prior keys"):
        MTSectionPrior.from_dict({"depth": 90.0, "thickness": 3.0})
