"""Tests of the reference Earth models and their layering (geoinvert.earth.reference)."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.earth import (
    REFERENCE_MODELS,
    EarthTable,
    LayeredModel,
    insert_discontinuity,
    layered,
    load_reference,
)

EXPECTED_DISCONTINUITIES = {
    "ak135": [20.0, 35.0, 210.0, 410.0, 660.0],
    "iasp91": [20.0, 35.0, 210.0, 410.0, 660.0],
    "prem": [15.0, 24.4, 220.0, 400.0, 670.0],
    "prem_ocean": [3.0, 15.0, 24.4, 220.0, 400.0, 670.0],
}


def _table_tau(table: EarthTable, z_max: float, p: float, wave: str) -> float:
    """∫_0^z_max sqrt(1/v² - p²) dz of the piecewise-linear table by fine quadrature (s/km·km)."""
    total = 0.0
    d = table.depth
    v_all = table.vp if wave == "p" else table.vs
    for i in range(d.size - 1):
        a, b = d[i], min(d[i + 1], z_max)
        if b <= a:
            continue
        z = np.linspace(a, b, 4001)
        v = np.interp(z, [d[i], d[i + 1]], [v_all[i], v_all[i + 1]])
        f = np.sqrt(1.0 / v**2 - p * p)
        # Simpson's rule on 4000 intervals: error ~1e-15 relative for these smooth integrands.
        hstep = (b - a) / 4000
        total += hstep / 3 * (f[0] + f[-1] + 4 * f[1:-1:2].sum() + 2 * f[2:-1:2].sum())
    return total


@pytest.mark.parametrize("name", REFERENCE_MODELS)
def test_tables_load_with_citation(name: str) -> None:
    t = load_reference(name)
    assert t.citation and ("19" in t.citation)  # a year of the cited paper
    np.testing.assert_allclose(
        t.discontinuities[: len(EXPECTED_DISCONTINUITIES[name])], EXPECTED_DISCONTINUITIES[name]
    )
    assert t.depth[-1] == pytest.approx(6371.0)


def test_prem_ocean() -> None:
    t = load_reference("prem_ocean")
    assert t.vs[0] == 0.0 and t.vp[0] == pytest.approx(1.45) and t.rho[0] == pytest.approx(1.02)
    m = layered("prem_ocean", max_depth=100.0)
    assert m.vs[0] == 0.0 and m.thickness[0] == pytest.approx(3.0)


@pytest.mark.parametrize("name", REFERENCE_MODELS)
@pytest.mark.parametrize("dz", [5.0, 14.0, 50.0])
def test_discontinuities_are_layer_boundaries(name: str, dz: float) -> None:
    m = layered(name, max_depth=800.0, layer_thickness=dz)
    bounds = np.cumsum(m.thickness[:-1])
    for z in EXPECTED_DISCONTINUITIES[name]:
        # exact (the boundaries are the table depths, added up): 1e-9 km allows summation
        # rounding of a few dozen float64 additions.
        assert np.min(np.abs(bounds - z)) < 1e-9, z
    assert bounds[-1] == pytest.approx(800.0, abs=1e-9)
    # Gradient segments are cut to <= dz; constant crustal segments (<= 20 km) stay whole.
    assert (m.thickness[:-1] <= max(dz, 20.0) + 1e-9).all()
    # The half-space takes the values just below 800 km.
    vp, vs, rho = load_reference(name).at(800.0)
    assert (m.vp[-1], m.vs[-1], m.rho[-1]) == pytest.approx((vp, vs, rho))


@pytest.mark.parametrize("name", ["ak135", "iasp91", "prem"])
def test_vertical_travel_time_is_exact(name: str) -> None:
    # Slowness averaging makes the vertical travel time of every layer equal the table's.
    table = load_reference(name)
    m = layered(name, max_depth=800.0, layer_thickness=14.0)
    for wave, v in (("p", m.vp), ("s", m.vs)):
        t_layers = float(np.sum(m.thickness[:-1] / v[:-1]))
        t_table = _table_tau(table, 800.0, 0.0, wave)
        assert t_layers == pytest.approx(t_table, rel=1e-12, abs=0), wave


@pytest.mark.parametrize("name", ["ak135", "prem"])
def test_oblique_travel_time_close(name: str) -> None:
    # At p = 0.06 s/km the averaging is not exact, but the delay time differs from the table's
    # by far less than one sample at 20 Hz (0.05 s): measured < 4e-5 s with 14-km layers.
    table = load_reference(name)
    m = layered(name, max_depth=800.0, layer_thickness=14.0)
    p = 0.06
    for wave, v in (("p", m.vp), ("s", m.vs)):
        tau = float(np.sum(m.thickness[:-1] * np.sqrt(1 / v[:-1] ** 2 - p * p)))
        assert tau == pytest.approx(_table_tau(table, 800.0, p, wave), abs=2e-4), wave


def test_constant_segments_stay_single_layers() -> None:
    m = layered("ak135", max_depth=100.0, layer_thickness=5.0)
    assert m.thickness[0] == pytest.approx(20.0) and m.thickness[1] == pytest.approx(15.0)
    assert m.vp[0] == pytest.approx(5.8) and m.vs[1] == pytest.approx(3.85)


def test_custom_table_tuple() -> None:
    m = layered(
        ([0, 10, 10, 30], [5, 5, 6, 7], [3, 3, 3.5, 4], [2.5, 2.5, 2.8, 3.0]),
        max_depth=30.0,
        layer_thickness=10.0,
    )
    assert m.n_layers == 4
    np.testing.assert_allclose(m.thickness, [10, 10, 10, 0])
    # Slowness average of a linear 6 -> 6.5 km/s over 10 km: 0.5 / ln(6.5/6).
    assert m.vp[1] == pytest.approx(0.5 / np.log(6.5 / 6.0))


@pytest.mark.parametrize("thickness", [0.0, 10.0])
def test_insert_x_discontinuity(thickness: float) -> None:
    base = layered("ak135", max_depth=800.0, layer_thickness=14.0)
    x = insert_discontinuity(base, 300.0, 3.0, thickness=thickness)
    tops = x.depth_top
    above = np.flatnonzero(tops < 300.0 - thickness / 2 - 1e-9)[-1]
    below = np.flatnonzero(tops >= 300.0 + thickness / 2 - 1e-9)[0]
    ratio = x.vs[below] / base_vs_at(base, tops[below])
    assert ratio == pytest.approx(1.03, rel=1e-12)
    assert x.vs[above] == pytest.approx(base_vs_at(base, tops[above]), rel=1e-12)
    if thickness == 0.0:
        assert np.min(np.abs(tops - 300.0)) < 1e-9
    # Vp and rho unchanged; the perturbation stops at the 410, which keeps its absolute values.
    i410 = np.flatnonzero(np.isclose(tops, 410.0))[0]
    assert x.vs[i410] == pytest.approx(base_vs_at(base, 410.0))
    assert x.vs[i410 - 1] == pytest.approx(1.03 * base_vs_at(base, tops[i410 - 1]))
    np.testing.assert_allclose(x.vp, [base_vp_at(base, z) for z in tops])


def base_vs_at(m: LayeredModel, z: float) -> float:
    i = np.searchsorted(m.depth_top, z + 1e-9) - 1
    return float(m.vs[i])


def base_vp_at(m: LayeredModel, z: float) -> float:
    i = np.searchsorted(m.depth_top, z + 1e-9) - 1
    return float(m.vp[i])


def test_insert_with_vp_rho_and_bottom() -> None:
    base = layered("iasp91", max_depth=800.0)
    x = insert_discontinuity(base, 260.0, -2.0, dvp_percent=1.0, drho_percent=0.5, bottom=330.0)
    i = np.flatnonzero(np.isclose(x.depth_top, 260.0))[0]
    assert x.vp[i] == pytest.approx(1.01 * base_vp_at(base, 260.0))
    assert x.vs[i] == pytest.approx(0.98 * base_vs_at(base, 260.0))
    j = np.flatnonzero(np.isclose(x.depth_top, 330.0))[0]
    assert x.vs[j] == pytest.approx(base_vs_at(base, 330.0))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"depth": 900.0, "dvs_percent": 3.0}, "depth"),
        ({"depth": -5.0, "dvs_percent": 3.0}, "depth"),
        ({"depth": 300.0, "dvs_percent": -150.0}, "dvs_percent"),
        ({"depth": 300.0, "dvs_percent": float("nan")}, "dvs_percent"),
        ({"depth": 300.0, "dvs_percent": 3.0, "thickness": -1.0}, "thickness"),
        ({"depth": 300.0, "dvs_percent": 3.0, "dvp_percent": "a"}, "dvp_percent"),
        ({"depth": 300.0, "dvs_percent": 3.0, "bottom": 200.0}, "bottom"),
    ],
)
def test_insert_validation(kwargs: dict, match: str) -> None:
    base = layered("ak135", max_depth=800.0)
    with pytest.raises(ValueError, match=match):
        insert_discontinuity(base, **kwargs)


def test_layered_validation() -> None:
    with pytest.raises(ValueError, match="name must be one of"):
        layered("ak137")
    with pytest.raises(ValueError, match="max_depth"):
        layered("ak135", max_depth=7000.0)
    with pytest.raises(ValueError, match="layer_thickness"):
        layered("ak135", layer_thickness=0.0)
    with pytest.raises(ValueError, match="depth must be non-decreasing; it decreases at row 2"):
        EarthTable([0, 10, 5], [5, 6, 7], [3, 3, 3], [2, 2, 2])
    with pytest.raises(ValueError, match=r"vp must be positive; found -6\.0 at row 1"):
        EarthTable([0, 10, 20], [5, -6, 7], [3, 3, 3], [2, 2, 2])
