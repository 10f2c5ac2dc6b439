"""Tests of geoinvert.mt.forward_1d (Wait's recursion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoinvert import mt

DATA = Path(__file__).parent / "data" / "mt1d_reference.npz"


@pytest.fixture(scope="module")
def ref():
    return np.load(DATA)


def _each_model(ref):
    for m, n in enumerate(ref["n_layers"]):
        yield m, ref["resistivity"][m, :n], ref["thickness"][m, : n - 1]


def test_against_mpmath(ref):
    # The recursion in double precision loses a few ulp per layer; 1e-10 is the bound
    # (the observed error is ~1e-14).
    f = ref["frequencies"]
    for m, rho, h in _each_model(ref):
        _, _, z = mt.forward_1d(f, rho, h)
        rel = np.abs(z - ref["Z_mp"][m]) / np.abs(ref["Z_mp"][m])
        assert rel.max() <= 1e-12, (m, rel.max())


def test_against_simpeg(ref):
    # SimPEG's recursion (numpy tanh form) itself differs from the 50-digit answer by up to
    # 1.3e-10 on these models, so the comparison with it is bounded by its own error plus ours.
    f = ref["frequencies"]
    err_ours, err_simpeg = [], []
    for m, rho, h in _each_model(ref):
        _, _, z = mt.forward_1d(f, rho, h)
        zs, zm = ref["Z_simpeg"][m], ref["Z_mp"][m]
        err_ours.append(np.max(np.abs(z - zs) / np.abs(zs)))
        err_simpeg.append(np.max(np.abs(zs - zm) / np.abs(zm)))
    assert np.max(err_ours) <= np.max(err_simpeg) + 1e-13
    assert np.median(err_ours) <= 1e-10


def test_batch_equals_loop_and_threads(ref):
    f = ref["frequencies"]
    sel = ref["n_layers"] == 4
    rho, h = ref["resistivity"][sel, :4], ref["thickness"][sel, :3]
    ra1, _, z1 = mt.forward_1d(f, rho, h, n_threads=1)
    ra2, _, z2 = mt.forward_1d(f, rho, h, n_threads=3)
    np.testing.assert_array_equal(z1, z2)
    np.testing.assert_array_equal(ra1, ra2)
    for i in range(rho.shape[0]):
        _, _, zi = mt.forward_1d(f, rho[i], h[i])
        np.testing.assert_array_equal(zi, z1[i])
    # Leading dimensions are kept and broadcast.
    ra3, _, _ = mt.forward_1d(f, rho.reshape(-1, 1, 4), h[0])
    assert ra3.shape == (rho.shape[0], 1, f.size)


def test_half_space_analytic():
    f = np.logspace(-4, 3, 15)
    for rho in (0.3, 100.0, 1e5):
        ra, ph, z = mt.forward_1d(f, [rho, rho, rho], [1.0, 3.0])
        np.testing.assert_allclose(ra, rho, rtol=1e-13)
        np.testing.assert_allclose(ph, 45.0, atol=1e-11)
        exact = np.sqrt(1j * 2 * np.pi * f * mt.MU0 * rho)
        np.testing.assert_allclose(z, exact, rtol=1e-13)


def test_two_layer_limits():
    # Thin conductive layer at low frequency behaves like the basement; at high frequency the
    # surface layer dominates.
    ra, ph, _ = mt.forward_1d([1e-8, 1e5], [10.0, 1000.0], [0.5])
    assert abs(ra[0] - 1000) / 1000 < 0.05 and abs(ra[1] - 10) / 10 < 1e-6
    assert ph[1] == pytest.approx(45.0, abs=1e-6)


@pytest.mark.parametrize(
    ("rho", "h"),
    [
        ([1e5, 1e5, 1.0], [1000.0, 5000.0]),  # thick resistive stack
        ([1e-2, 1e4, 1e-3], [1e-6, 600.0]),  # thin conductor over thick resistor
        ([0.01, 0.01, 1e6], [5000.0, 1e-4]),  # h / skin depth ~ 1e6 at 1e3 Hz
    ],
)
def test_no_overflow(rho, h):
    f = np.logspace(-6, 6, 121)
    ra, ph, z = mt.forward_1d(f, rho, h)
    assert np.all(np.isfinite(ra)) and np.all(np.isfinite(ph)) and np.all(np.isfinite(z))
    assert np.all(ph > 0) and np.all(ph < 90)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(-1, 4), min_size=1, max_size=8),
    st.lists(st.floats(-3, 3), min_size=7, max_size=7),
    st.floats(-5, 4),
)
def test_phase_in_range_and_finite(logrho, logh, logf):
    rho = 10.0 ** np.array(logrho)
    h = 10.0 ** np.array(logh[: rho.size - 1])
    ra, ph, z = mt.forward_1d([10.0**logf], rho, h)
    assert np.isfinite(z).all()
    assert 0 < ph[0] < 90
    assert ra[0] > 0


def test_bad_inputs():
    f = [1.0, 10.0]
    with pytest.raises(ValueError, match=r"resistivity.*index \(1, 2\)"):
        mt.forward_1d(f, [[1, 2, 3], [1, 2, -3]], [[1, 1], [1, 1]])
    with pytest.raises(ValueError, match=r"resistivity.*nan"):
        mt.forward_1d(f, [1, np.nan], [1])
    with pytest.raises(ValueError, match=r"thickness.*index \(0\)"):
        mt.forward_1d(f, [1, 2], [-1])
    with pytest.raises(ValueError, match=r"thickness must have shape"):
        mt.forward_1d(f, [1, 2, 3], [1])
    with pytest.raises(ValueError, match=r"frequencies.*index \(1\)"):
        mt.forward_1d([1.0, 0.0], [1, 2], [1])
    with pytest.raises(ValueError, match="n_threads"):
        mt.forward_1d(f, [1, 2], [1], n_threads=0)


def test_against_pygimli():
    # pyGIMLi's C++ recursion (pgcore 1.6, fixture from tests/data/make_mt1d_pygimli.py) agrees
    # with ours to rounding where it is finite (observed 2e-15 in rho_a against mpmath); on
    # stacks with a layer more than ~700 skin depths thick it returns NaN, ours the finite
    # answer, which is then that of a half-space of the thick layer (exp(-1400) = 0).
    d = np.load(Path(__file__).parent / "data" / "mt1d_pygimli.npz")
    ref = np.load(DATA)
    f = d["frequencies"]
    for m, rho, h in _each_model(ref):
        ra, ph, _ = mt.forward_1d(f, rho, h)
        np.testing.assert_allclose(ra, d["rho_a"][m], rtol=1e-10)
        np.testing.assert_allclose(ph, d["phase"][m], atol=1e-8)
    n_nan = 0
    for k in range(d["thick_resistivity"].shape[0]):
        rho = d["thick_resistivity"][k][np.isfinite(d["thick_resistivity"][k])]
        h = d["thick_thickness"][k][: rho.size - 1]
        ra, ph, _ = mt.forward_1d(f, rho, h)
        assert np.all(np.isfinite(ra)) and np.all(np.isfinite(ph))
        theirs = d["thick_rho_a"][k]
        ok = np.isfinite(theirs)
        np.testing.assert_allclose(ra[ok], theirs[ok], rtol=1e-10)
        n_nan += int((~ok).sum())
        # where pyGIMLi overflows, the layer that caused it is thick: ours equals the response
        # of the stack cut below that layer (a half-space of it from its top)
        thick = np.flatnonzero(h * 1e3 / (503.3 * np.sqrt(rho[:-1, None] / f)).T > 500)
        if (~ok).any():
            j = int(np.min(thick % h.size))
            ra_cut, _, _ = mt.forward_1d(f[~ok], rho[: j + 1], h[:j])
            np.testing.assert_allclose(ra[~ok], ra_cut, rtol=1e-12)
    assert n_nan > 0  # the fixture does show pyGIMLi's overflow
