"""Tests of geoinvert.mt.forward_1d (Wait's recursion)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geoinvert import _core, mt

DATA = Path(__file__).parent / "data" / "mt1d_reference.npz"
WIDE = Path(__file__).parent / "data" / "mt1d_wide.npz"
KERNELS = ("avx2", "vector", "scalar")  # see _core.mt1d_kernels()
VECTOR_KERNELS = [k for k in ("avx2", "vector") if k in _core.mt1d_kernels()]


def _kernel(name):
    if name not in _core.mt1d_kernels():
        pytest.skip(f"1-D kernel {name!r} is not available in this build / on this CPU")
    return name


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


@pytest.mark.parametrize("kernel", KERNELS)
def test_wide_range_against_mpmath(kernel):
    # 46 models (2-60 layers, 0.01-1e6 ohm m, 1e-5-300 km) x 61 unsorted frequencies
    # 1e-5-1e4 Hz (tests/data/make_mt1d_wide.py): every range-reduction interval of the
    # vectorised exp / sin / cos, thin layers (2 Re(kh) ~ 1e-6), the 20-skin-depth restart and
    # the rescaling of deep stacks. Observed max relative error 9e-16 in Z (AVX2 kernel) and
    # 1.2e-15 (portable); 1e-12 leaves room for other compilers' libm but would catch any
    # polynomial or reduction error (each term is ~1e-16 when right, >= 1e-9 when wrong).
    # simd=True falls back to the portable kernel on CPUs without AVX2+FMA.
    d = np.load(WIDE)
    f = d["frequencies"]
    for m, n in enumerate(d["n_layers"]):
        rho, h = d["resistivity"][m, :n], d["thickness"][m, : n - 1]
        ra, ph, z = _core.mt_forward_1d(f, rho, h, 1, kernel=kernel)
        zm = d["Z_mp"][m]
        np.testing.assert_allclose(z, zm, rtol=1e-12, atol=0, err_msg=f"model {m}")
        np.testing.assert_allclose(ra, np.abs(zm) ** 2 / (2 * np.pi * f * mt.MU0), rtol=1e-12)
        np.testing.assert_allclose(ph, np.degrees(np.angle(zm)), rtol=0, atol=1e-10)


@pytest.mark.parametrize("kernel", KERNELS)
def test_frequency_results_independent_of_the_others(kernel):
    # The vector kernels run 2 or 4 frequencies per vector, starting at the shallowest layer
    # that is thick for all lanes and restarting each lane at its own thick layers: a
    # frequency's result must be bit-identical whatever the other frequencies of the call
    # (subset, order, alone).
    kernel = _kernel(kernel)
    d = np.load(WIDE)
    f = d["frequencies"]
    rng = np.random.default_rng(5)
    for m in (0, 7, 41):
        n = d["n_layers"][m]
        rho, h = d["resistivity"][m, :n], d["thickness"][m, : n - 1]
        ra, ph, z = _core.mt_forward_1d(f, rho, h, 1, kernel=kernel)
        perm = rng.permutation(f.size)
        ra_p, ph_p, z_p = _core.mt_forward_1d(f[perm], rho, h, 1, kernel=kernel)
        np.testing.assert_array_equal(ra_p, ra[perm])
        np.testing.assert_array_equal(z_p, z[perm])
        np.testing.assert_array_equal(ph_p, ph[perm])
        for k in (0, 13, 60):
            ra_k, ph_k, z_k = _core.mt_forward_1d(f[k : k + 1], rho, h, 1, kernel=kernel)
            assert (ra_k[0], ph_k[0], z_k[0]) == (ra[k], ph[k], z[k])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-2, 6), min_size=1, max_size=12),
    st.lists(st.floats(-6, 3), min_size=11, max_size=11),
)
def test_vector_kernels_equal_scalar(logrho, logh):
    # Same recursion, different arithmetic (division-free with own polynomials vs complex
    # division and libm): each is accurate to a few ulp, so they agree to 1e-13.
    rho = 10.0 ** np.array(logrho)
    h = 10.0 ** np.array(logh[: rho.size - 1])
    f = np.logspace(-6, 5, 23)
    ra0, ph0, z0 = _core.mt_forward_1d(f, rho, h, 1, kernel="scalar")
    for kernel in VECTOR_KERNELS:
        ra1, ph1, z1 = _core.mt_forward_1d(f, rho, h, 1, kernel=kernel)
        np.testing.assert_allclose(z1, z0, rtol=1e-13, atol=0)
        np.testing.assert_allclose(ra1, ra0, rtol=2e-13, atol=0)
        np.testing.assert_allclose(ph1, ph0, rtol=0, atol=1e-11)


def test_deep_stack_rescaling():
    # 400 layers alternating 0.01 and 1e6 ohm m (growth of the unnormalised N, D up to
    # 4 (1 + 1e4) per layer: 1e1700 without the power-of-two rescaling every 4 layers).
    rho = np.tile([0.01, 1e6], 200)
    h = np.full(399, 1e-3)
    f = np.logspace(-5, 4, 37)
    ra0, _, z0 = _core.mt_forward_1d(f, rho, h, 1, kernel="scalar")
    for kernel in VECTOR_KERNELS:
        ra1, ph1, z1 = _core.mt_forward_1d(f, rho, h, 1, kernel=kernel)
        assert np.isfinite(z1).all() and np.isfinite(ph1).all()
        np.testing.assert_allclose(z1, z0, rtol=1e-11, atol=0)
        np.testing.assert_allclose(ra1, ra0, rtol=2e-11, atol=0)


@pytest.mark.parametrize("kernel", ["avx2", "vector"])
def test_extreme_models_against_mpmath(kernel):
    # 3456 three-layer earths with 1e-300..1e300 ohm m, 0..1e6 km, at 1e-12..1e12 Hz
    # (tests/data/make_mt1d_extreme.py): the vector kernels stay finite and exact (observed
    # 8.9e-16 relative) thanks to the restart at thick layers and the power-of-two rescaling.
    # The scalar fallback (compilers without vector extensions) underflows/overflows on 2284 of
    # these 17280 values; it is held to realistic earths by the other tests.
    kernel = _kernel(kernel)
    d = np.load(Path(__file__).parent / "data" / "mt1d_extreme.npz")
    ra, ph, z = _core.mt_forward_1d(
        d["frequencies"], d["resistivity"], d["thickness"], 1, kernel=kernel
    )
    assert np.isfinite(ra).all() and np.isfinite(ph).all() and np.isfinite(z).all()
    np.testing.assert_allclose(z, d["Z_mp"], rtol=1e-12, atol=0)


def test_auto_kernel_and_bad_kernel():
    f = np.logspace(-3, 2, 9)
    fastest = _core.mt1d_kernels()[0]
    a = _core.mt_forward_1d(f, [10.0, 300.0], [2.0], 1)
    b = _core.mt_forward_1d(f, [10.0, 300.0], [2.0], 1, kernel=fastest)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    with pytest.raises(ValueError, match="kernel must be"):
        _core.mt_forward_1d(f, [10.0, 300.0], [2.0], 1, kernel="fast")


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
    with pytest.raises(ValueError, match="frequencies must not be empty"):
        mt.forward_1d([], [1, 2], [1])
    with pytest.raises(ValueError, match=r"thickness.*index \(1\)"):
        mt.forward_1d(f, [1, 2, 3], [1, np.inf])


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
