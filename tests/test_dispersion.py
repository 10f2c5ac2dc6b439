"""Tests of the surface-wave dispersion kernel (geoinvert.dispersion): analytic cases,
invariances (padding, batching, threads), bad input, fuzzing and the CLI.

Peer comparisons (disba, pysurf96) and the slow exhaustive reference live in their own tests
with fixtures; here every reference is computed independently inside the test.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from geoinvert import dispersion as disp
from geoinvert.earth import example_model_path, read_model

# --------------------------------------------------------------------------------------------
# Helpers: independent analytic references


def rayleigh_halfspace_velocity(vp: float, vs: float) -> float:
    """Root of the Rayleigh equation (2 - x)^2 = 4 sqrt(1 - x) sqrt(1 - x vs^2/vp^2), x = c^2/vs^2."""
    g = (vs / vp) ** 2

    def f(x: float) -> float:
        return (2.0 - x) ** 2 - 4.0 * np.sqrt(1.0 - x) * np.sqrt(1.0 - x * g)

    x = brentq(f, 1e-6, 1.0 - 1e-14, xtol=1e-16, rtol=1e-15)
    return vs * np.sqrt(x)


def love_layer_phase(period: float, h: float, b1: float, r1: float, b2: float, r2: float, n: int):
    """Phase velocity of Love mode n in a layer (h, b1, r1) over a half-space (b2, r2).

    Dispersion relation tan(k h q) = mu2 s / (mu1 q), q = sqrt(c^2/b1^2 - 1), s = sqrt(1 -
    c^2/b2^2), solved as mu1 q sin(khq) - mu2 s cos(khq) = 0 on the branch khq in
    (n pi, n pi + pi/2). Returns NaN when the mode does not exist (beyond cut-off).
    """
    w = 2.0 * np.pi / period
    mu1, mu2 = r1 * b1**2, r2 * b2**2

    def phase(c: float) -> float:  # k h q = omega h sqrt(1/b1^2 - 1/c^2)
        return w * h * np.sqrt(max(1.0 / b1**2 - 1.0 / c**2, 0.0))

    def f(c: float) -> float:
        q = np.sqrt(c**2 / b1**2 - 1.0)
        s = np.sqrt(max(1.0 - c**2 / b2**2, 0.0))
        k = w / c
        return mu1 * q * np.sin(k * h * q) - mu2 * s * np.cos(k * h * q)

    def c_at(target: float) -> float:  # c where phase(c) = target (monotone)
        if target <= 0:
            return b1
        inv = 1.0 / b1**2 - (target / (w * h)) ** 2
        return np.inf if inv <= 0 else 1.0 / np.sqrt(inv)

    ca = c_at(n * np.pi) * (1 + 1e-15)
    cb = min(c_at(n * np.pi + 0.5 * np.pi), b2)
    if ca >= b2 or f(ca) * f(cb) > 0:
        return np.nan
    return brentq(f, ca, cb, xtol=1e-15, rtol=1e-15)


def example_model() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return read_model(example_model_path()).arrays()


def group_by_difference(periods, model, **kw):
    """U = d omega / dk from a 4-point central difference of k(omega) = omega / c(omega)."""
    w = 2 * np.pi / np.asarray(periods)
    out = []
    for wi in w:
        h = 1e-3 * wi
        ws = wi + h * np.array([-2.0, -1.0, 1.0, 2.0])
        c = disp.phase_velocity(2 * np.pi / ws, *model, **kw)
        k = ws / c
        out.append(12 * h / (k[0] - 8 * k[1] + 8 * k[2] - k[3]))
    return np.array(out)


# --------------------------------------------------------------------------------------------
# Analytic cases


@pytest.mark.parametrize("n_layers", [1, 2, 5])
@pytest.mark.parametrize(("vp", "vs"), [(6.0, 3.5), (1.8, 1.0), (5.0, 1.0), (2.0, 1.6)])
def test_rayleigh_homogeneous_halfspace(n_layers: int, vp: float, vs: float) -> None:
    # A model of identical solid layers is a homogeneous half-space: non-dispersive Rayleigh
    # wave at the root of the Rayleigh equation. Roots are refined to <= 1e-10 relative; the
    # group velocity uses derivatives at the last Newton iterate (<= ~1e-5 from the root),
    # extrapolated to the root, which leaves errors of order 1e-8 (the target is 1e-5).
    t = np.full(n_layers, 7.0)
    periods = np.array([0.5, 3.0, 20.0, 150.0])
    phase, group = disp.curves(
        periods, t, np.full(n_layers, vp), np.full(n_layers, vs), np.full(n_layers, 2.7)
    )
    c_ref = rayleigh_halfspace_velocity(vp, vs)
    np.testing.assert_allclose(phase, c_ref, rtol=1e-10)
    np.testing.assert_allclose(group, c_ref, rtol=3e-7)


LOVE_MODEL = (30.0, 3.2, 2.7, 4.6, 3.3)  # h (km), vs1, rho1, vs2, rho2


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_love_layer_over_halfspace(mode: int) -> None:
    h, b1, r1, b2, r2 = LOVE_MODEL
    periods = np.geomspace(1.0, 80.0, 25)
    got = disp.phase_velocity(
        periods, [h, 0.0], [5.6, 8.0], [b1, b2], [r1, r2], wave="love", mode=mode
    )
    ref = np.array([love_layer_phase(p, h, b1, r1, b2, r2, mode) for p in periods])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
    if mode > 0:
        assert np.isnan(ref).any() and (~np.isnan(ref)).any()  # the cut-off is in the range
    ok = ~np.isnan(ref)
    # 1e-10: the kernel's root tolerance (brentq reference good to ~1e-15).
    np.testing.assert_allclose(got[ok], ref[ok], rtol=1e-10)


def test_love_group_velocity_matches_analytic_difference() -> None:
    # Group velocity of the analytic Love case from a 4-point difference of the closed-form
    # phase (brentq to 1e-15, step 1e-3 omega: truncation ~1e-11, round-off ~1e-11).
    h, b1, r1, b2, r2 = LOVE_MODEL
    periods = np.array([2.0, 5.0, 10.0, 20.0, 40.0])
    for mode in (0, 1):
        got = disp.group_velocity(
            periods, [h, 0.0], [5.6, 8.0], [b1, b2], [r1, r2], wave="love", mode=mode
        )
        for p, u in zip(periods, got, strict=True):
            w = 2 * np.pi / p
            dw = 1e-3 * w
            ws = w + dw * np.array([-2.0, -1.0, 1.0, 2.0])
            c = np.array([love_layer_phase(2 * np.pi / x, h, b1, r1, b2, r2, mode) for x in ws])
            if np.isnan(c).any():
                assert np.isnan(u) or np.isnan(c).all()
                continue
            k = ws / c
            u_ref = 12 * dw / (k[0] - 8 * k[1] + 8 * k[2] - k[3])
            np.testing.assert_allclose(u, u_ref, rtol=1e-7)


@pytest.mark.parametrize("wave", ["rayleigh", "love"])
@pytest.mark.parametrize("mode", [0, 1])
def test_group_velocity_matches_difference_of_phase(wave: str, mode: int) -> None:
    # Implicit-differentiation group velocity vs a high-order difference of our own phase
    # (phase accurate to ~1e-12 relative, step 1e-3 omega -> difference error ~1e-9).
    model = example_model()
    periods = np.array([3.0, 8.0, 15.0, 40.0, 90.0])
    u = disp.group_velocity(periods, *model, wave=wave, mode=mode)
    u_ref = group_by_difference(periods, model, wave=wave, mode=mode)
    ok = ~np.isnan(u_ref)
    np.testing.assert_array_equal(np.isnan(u[ok]), False)
    np.testing.assert_allclose(u[ok], u_ref[ok], rtol=1e-7)


def test_curves_consistent_with_single_functions() -> None:
    model = example_model()
    periods = np.geomspace(2, 120, 15)[::-1]
    phase, group = disp.curves(periods, *model)
    # phase_velocity alone iterates with dF/dc only (different Newton path): equal to the root
    # tolerance, not bit for bit.
    np.testing.assert_allclose(phase, disp.phase_velocity(periods, *model), rtol=1e-10)
    np.testing.assert_array_equal(group, disp.group_velocity(periods, *model))
    # Output follows the input order.
    perm = np.random.default_rng(1).permutation(periods.size)
    np.testing.assert_array_equal(disp.curves(periods[perm], *model)[0], phase[perm])


def test_modes_are_ordered_and_bounded() -> None:
    model = example_model()
    periods = np.geomspace(1, 60, 20)
    c = np.array([disp.phase_velocity(periods, *model, mode=m) for m in range(4)])
    vs_half = model[2][-1]
    for m in range(1, 4):
        ok = ~np.isnan(c[m])
        assert np.all(c[m][ok] > c[m - 1][ok])
        # once a mode is gone (towards long periods) it stays gone
        gone = np.flatnonzero(~ok)
        if gone.size:
            assert np.all(~ok[gone[0] :])
    assert np.nanmax(c) < vs_half


def test_mode_beyond_cutoff_is_nan() -> None:
    h, b1, r1, b2, r2 = LOVE_MODEL
    # Love overtone n cut-off period: T_n = 2 pi h sqrt(1/b1^2 - 1/b2^2) / (n pi).
    t1 = 2 * h * np.sqrt(1 / b1**2 - 1 / b2**2)
    periods = np.array([0.5 * t1, 0.9 * t1, 1.1 * t1, 3 * t1])
    c = disp.phase_velocity(periods, [h, 0], [5.6, 8.0], [b1, b2], [r1, r2], wave="love", mode=1)
    assert np.all(np.isfinite(c[:2])) and np.all(np.isnan(c[2:]))
    u = disp.group_velocity(periods, [h, 0], [5.6, 8.0], [b1, b2], [r1, r2], wave="love", mode=1)
    assert np.all(np.isnan(u[2:]))


LVZ_MODELS = [
    # (thickness, vs) with vp = 1.75 vs, rho = 1.7 + 0.3 vp: crustal low-velocity zones where
    # a channel mode and a surface mode make close pairs of roots (found by random search).
    (
        [1.56, 3.43, 11.24, 14.8, 5.6, 9.85, 14.95, 11.31, 1.22, 2.2, 9.96, 0.0],
        [2.588, 2.896, 3.072, 3.376, 3.384, 3.406, 2.786, 3.539, 3.637, 3.722, 4.423, 4.5],
    ),
    (
        [6.69, 12.42, 11.81, 14.68, 12.46, 9.17, 4.22, 0.0],
        [2.766, 2.814, 2.848, 2.389, 3.053, 3.982, 3.984, 4.5],
    ),
    (
        [8.34, 8.73, 6.5, 11.73, 6.08, 5.1, 4.6, 1.72, 8.88, 0.0],
        [2.806, 3.235, 3.341, 2.707, 3.684, 3.705, 4.045, 4.051, 4.387, 4.557],
    ),
]


@pytest.mark.parametrize("index", range(len(LVZ_MODELS)))
@pytest.mark.parametrize("wave", ["rayleigh", "love"])
def test_no_root_skipped_against_exhaustive_scan(index: int, wave: str) -> None:
    # Independent root search: sign changes of the secular function on a fine grid (step
    # ~1e-4 km/s, finer than the closest pairs here, ~5e-3 km/s), vs the kernel's modes 0..3.
    t, vs = (np.asarray(a) for a in LVZ_MODELS[index])
    vp = 1.75 * vs
    rho = 1.7 + 0.3 * vp
    periods = np.array([2.0, 3.39, 4.41, 5.74, 9.0, 20.0])
    from geoinvert import _core

    grid = np.linspace(0.8 * vs.min(), vs[-1] * (1 - 1e-9), 25_000)
    for period in periods:
        F = _core.dispersion_secular(period, grid, t, vp, vs, rho, wave=wave, derivatives=False)[0]
        roots = grid[:-1][np.sign(F[:-1]) != np.sign(F[1:])]
        for mode in range(4):
            c = disp.phase_velocity([period], t, vp, vs, rho, wave=wave, mode=mode)[0]
            if mode < roots.size:
                assert abs(c - roots[mode]) < 2e-4, (period, mode, c, roots[:5])
            else:
                assert np.isnan(c) or c > grid[-2]


# --------------------------------------------------------------------------------------------
# Fluid layers and spherical earth


OCEAN = (
    np.array([3.0, 1.0, 10.0, 20.0, 0.0]),
    np.array([1.5, 5.0, 6.2, 6.8, 8.1]),
    np.array([0.0, 2.9, 3.6, 3.9, 4.5]),
    np.array([1.03, 2.4, 2.7, 2.9, 3.3]),
)


def test_ocean_layer_rayleigh_and_love() -> None:
    periods = np.geomspace(1.0, 80.0, 20)
    phase, group = disp.curves(periods, *OCEAN)
    assert np.all(np.isfinite(phase)) and np.all(np.isfinite(group))
    # Scholte/Rayleigh velocity below the water P velocity at short periods.
    assert phase[0] < 1.5
    # Splitting the ocean into two identical fluid layers changes nothing (rounding only).
    t, vp, vs, rho = OCEAN
    split = (np.r_[1.2, 1.8, t[1:]], np.r_[1.5, vp], np.r_[0.0, vs], np.r_[1.03, rho])
    np.testing.assert_allclose(disp.phase_velocity(periods, *split), phase, rtol=1e-10)
    # Love waves ignore the fluid layer: same as the model without it.
    love = disp.phase_velocity(periods, *OCEAN, wave="love")
    love_dry = disp.phase_velocity(periods, t[1:], vp[1:], vs[1:], rho[1:], wave="love")
    np.testing.assert_allclose(love, love_dry, rtol=1e-12)


def test_spherical_flattening_effect() -> None:
    model = example_model()
    periods = np.array([2.0, 50.0, 150.0])
    flat = disp.phase_velocity(periods, *model)
    sph = disp.phase_velocity(periods, *model, spherical=True)
    # The flattening correction grows with period (penetration depth) and is positive.
    rel = sph / flat - 1
    assert 0 < rel[0] < 2e-3 and rel[0] < rel[1] < rel[2] < 0.05


def test_earth_radius_default_and_keyword() -> None:
    """Default flattening radius is CPS surf96's 6370 km; earth_radius changes it (keyword, km)
    and is ignored for a flat earth."""
    assert disp.EARTH_RADIUS_KM == 6370.0
    model = example_model()
    periods = np.array([5.0, 50.0, 150.0])
    for fn in (disp.phase_velocity, disp.group_velocity):
        default = fn(periods, *model, spherical=True)
        np.testing.assert_array_equal(
            default, fn(periods, *model, spherical=True, earth_radius=6370)
        )
        other = fn(periods, *model, spherical=True, earth_radius=6371.0)
        # a 1/6370 change of radius: a small, non-zero change of the flattening correction
        rel = np.abs(other / default - 1)
        assert 0 < rel.max() < 1e-4
        flat = fn(periods, *model)
        np.testing.assert_array_equal(flat, fn(periods, *model, earth_radius=1.0))
    ph, _ = disp.curves(periods, *model, spherical=True, earth_radius=6371.0)
    np.testing.assert_allclose(
        ph,
        disp.phase_velocity(periods, *model, spherical=True, earth_radius=6371.0),
        rtol=1e-10,
    )


@pytest.mark.parametrize("radius", [0.0, -6370.0, np.nan, np.inf, "6370", True, None])
def test_bad_earth_radius_raises(radius) -> None:
    with pytest.raises(ValueError, match="earth_radius"):
        disp.phase_velocity([10.0], *example_model(), spherical=True, earth_radius=radius)


def test_deep_spherical_model_long_periods() -> None:
    # A 600 km deep layered upper mantle (PREM-like gradient) at periods up to 150 s.
    z = np.linspace(0, 600, 61)
    vs = 3.6 + 1.2 * z / 600
    t = np.r_[np.diff(z), 0.0]
    out = disp.curves(np.geomspace(20, 150, 8), t, 1.8 * vs, vs, 2.7 + 0.2 * vs, spherical=True)
    for arr in out:
        assert np.all(np.isfinite(arr))


# --------------------------------------------------------------------------------------------
# Invariances


def random_models(rng: np.random.Generator, n_models: int, n_layers: int):
    t = rng.uniform(0.5, 15.0, (n_models, n_layers))
    t[:, -1] = 0.0
    vs = rng.uniform(1.5, 4.5, (n_models, n_layers))
    vs[:, -1] = rng.uniform(4.5, 5.0, n_models)
    vp = vs * rng.uniform(1.6, 2.0, (n_models, n_layers))
    rho = rng.uniform(2.0, 3.4, (n_models, n_layers))
    return t, vp, vs, rho


@pytest.mark.parametrize("wave", ["rayleigh", "love"])
def test_batch_equals_loop_and_threads_invariant(wave: str) -> None:
    rng = np.random.default_rng(7)
    models = random_models(rng, 24, 6)
    periods = np.geomspace(2, 60, 12)
    for mode in (0, 2):
        batch1 = disp.curves(periods, *models, wave=wave, mode=mode, n_threads=1)
        batch2 = disp.curves(periods, *models, wave=wave, mode=mode, n_threads=2)
        batch4 = disp.curves(periods, *models, wave=wave, mode=mode, n_threads=4)
        for a, b, c in zip(batch1, batch2, batch4, strict=True):
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)
        for i in range(models[0].shape[0]):
            single = disp.curves(periods, *(m[i] for m in models), wave=wave, mode=mode)
            np.testing.assert_array_equal(single[0], batch1[0][i])
            np.testing.assert_array_equal(single[1], batch1[1][i])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    n_pad=st.integers(1, 4),
    wave=st.sampled_from(["rayleigh", "love"]),
    spherical=st.booleans(),
)
def test_zero_thickness_padding_is_bit_identical(
    seed: int, n_pad: int, wave: str, spherical: bool
) -> None:
    rng = np.random.default_rng(seed)
    t, vp, vs, rho = (a[0] for a in random_models(rng, 1, int(rng.integers(2, 7))))
    periods = np.geomspace(1.0, 100.0, 9)
    ref = disp.curves(periods, t, vp, vs, rho, wave=wave, mode=1, spherical=spherical)
    # Insert zero-thickness layers with arbitrary (solid) properties anywhere above the
    # half-space: they are exact identities.
    tp, pp, sp, rp = (list(a) for a in (t, vp, vs, rho))
    for _ in range(n_pad):
        k = int(rng.integers(0, len(tp)))
        s_new = float(rng.uniform(1.0, 5.0))
        tp.insert(k, 0.0)
        sp.insert(k, s_new)
        pp.insert(k, s_new * 1.8)
        rp.insert(k, float(rng.uniform(2.0, 3.5)))
    got = disp.curves(periods, tp, pp, sp, rp, wave=wave, mode=1, spherical=spherical)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])


def test_padding_to_common_layer_count_in_batch() -> None:
    from geoinvert.earth import LayeredModel, stack_models

    rng = np.random.default_rng(3)
    models = []
    for n in (2, 4, 7):
        t, vp, vs, rho = (a[0] for a in random_models(rng, 1, n))
        models.append(LayeredModel.from_arrays(t, vp, vs, rho))
    periods = np.geomspace(2, 80, 10)
    batch = disp.phase_velocity(periods, *stack_models(models))
    for i, m in enumerate(models):
        np.testing.assert_array_equal(batch[i], disp.phase_velocity(periods, *m.arrays()))


# --------------------------------------------------------------------------------------------
# Bad input

GOOD = ([5.0, 10.0, 0.0], [5.0, 6.0, 8.0], [2.9, 3.5, 4.5], [2.5, 2.7, 3.3])


def _with(index: int, layer: int, value: float):
    arrays = [list(a) for a in GOOD]
    arrays[index][layer] = value
    return arrays


@pytest.mark.parametrize(
    ("arrays", "match"),
    [
        (_with(0, 1, np.nan), "thickness.*finite.*layer 1"),
        (_with(1, 2, np.inf), "vp.*finite.*layer 2"),
        (_with(0, 0, -1.0), "thickness.*non-negative.*layer 0"),
        (_with(2, 1, -0.5), "vs.*non-negative.*layer 1"),
        (_with(1, 1, 4.0), r"vp\^2.*layer 1"),
        (_with(3, 2, 0.0), "rho.*positive.*layer 2"),
        (_with(2, 1, 0.0), "vs.*fluid.*layer 1"),
        (_with(2, 2, 0.0), "vs.*half-space"),
        (([5.0, 0.0], [5.0, 8.0], [2.9, 4.5], [2.5, 3.3, 3.0]), "rho.*shape"),
        (([], [], [], []), "empty"),
    ],
)
def test_bad_model_raises(arrays, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        disp.phase_velocity([10.0], *arrays)


def test_bad_batch_names_model_and_layer() -> None:
    t, vp, vs, rho = (np.tile(np.asarray(a, float), (3, 1)) for a in GOOD)
    vs[2, 1] = -1.0
    with pytest.raises(ValueError, match=r"vs.*model 2, layer 1"):
        disp.group_velocity([10.0], t, vp, vs, rho)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"periods": [10.0, 0.0]}, "periods.*index 1"),
        ({"periods": [10.0, -3.0]}, "periods"),
        ({"periods": [np.nan]}, "periods"),
        ({"periods": []}, "periods is empty"),
        ({"periods": [[1.0, 2.0]]}, "periods"),
        ({"wave": "sh"}, "wave"),
        ({"mode": -1}, "mode"),
        ({"mode": 1.5}, "mode"),
        ({"n_threads": 0}, "n_threads"),
    ],
)
def test_bad_options_raise(kwargs: dict, match: str) -> None:
    periods = kwargs.pop("periods", [10.0])
    with pytest.raises(ValueError, match=match):
        disp.phase_velocity(periods, *GOOD, **kwargs)


def test_spherical_model_deeper_than_earth_raises() -> None:
    with pytest.raises(ValueError, match=r"thickness.*earth"):
        disp.phase_velocity(
            [10.0], [7000.0, 0.0], [6.0, 8.0], [3.5, 4.5], [2.7, 3.3], spherical=True
        )


# --------------------------------------------------------------------------------------------
# Fuzzing: no input crashes the interpreter; output is finite (in range) or NaN.

weird = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=0.0, max_value=10.0),
    st.sampled_from([0.0, 1e-300, 1e-8, 1e8, -0.0]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 5),
    data=st.data(),
    wave=st.sampled_from(["rayleigh", "love"]),
    mode=st.integers(0, 3),
    spherical=st.booleans(),
)
def test_fuzz_never_crashes(n: int, data, wave: str, mode: int, spherical: bool) -> None:
    draw = data.draw
    sane = draw(st.booleans())
    if sane:  # physically valid but extreme models
        vs = np.array(draw(st.lists(st.floats(0.05, 8.0), min_size=n, max_size=n)))
        t = np.array(draw(st.lists(st.floats(0.0, 300.0), min_size=n, max_size=n)))
        vp = vs * np.array(draw(st.lists(st.floats(1.16, 6.0), min_size=n, max_size=n)))
        rho = np.array(draw(st.lists(st.floats(0.5, 6.0), min_size=n, max_size=n)))
        if draw(st.booleans()) and n > 1:
            vs[0] = 0.0  # ocean
    else:
        t, vp, vs, rho = (np.array(draw(st.lists(weird, min_size=n, max_size=n))) for _ in range(4))
    periods = np.array(
        draw(st.lists(st.one_of(weird, st.floats(0.05, 500.0)), min_size=1, max_size=6))
    )
    try:
        c, u = disp.curves(periods, t, vp, vs, rho, wave=wave, mode=mode, spherical=spherical)
    except ValueError:
        return
    assert c.shape == periods.shape and u.shape == periods.shape
    assert np.all(np.isnan(c) | np.isfinite(c))
    assert np.all(np.isnan(c) == np.isnan(u))
    if not spherical:
        ok = np.isfinite(c)
        assert np.all(c[ok] > 0) and np.all(c[ok] <= vs[-1] * (1 + 1e-12))


# --------------------------------------------------------------------------------------------
# CLI


def test_cli_dispersion(tmp_path, monkeypatch) -> None:
    from typer.testing import CliRunner

    from geoinvert.cli import app

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["dispersion"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "dispersion.png").stat().st_size > 1000
    assert "wrote dispersion.png" in res.output
    rows = [r for r in res.output.splitlines() if r and not r.startswith(("#", "wrote"))]
    assert len(rows) == 20

    csv = tmp_path / "c.csv"
    res = runner.invoke(
        app,
        [
            "dispersion",
            str(example_model_path()),
            "--periods",
            "5,10,20",
            "--wave",
            "love",
            "--mode",
            "1",
            "--group",
            "--out",
            str(csv),
            "--plot",
            str(tmp_path / "p.png"),
        ],
    )
    assert res.exit_code == 0, res.output
    table = np.loadtxt(csv, delimiter=",", skiprows=1)
    ref = disp.curves([5.0, 10.0, 20.0], *example_model(), wave="love", mode=1)
    np.testing.assert_allclose(table[:, 1], ref[0], rtol=1e-9)
    np.testing.assert_allclose(table[:, 2], ref[1], rtol=1e-9)
    assert (tmp_path / "p.png").exists()

    res = runner.invoke(app, ["dispersion", "--periods", "5:1"])
    assert res.exit_code != 0
    res = runner.invoke(app, ["dispersion", str(tmp_path / "missing.model96")])
    assert res.exit_code == 2 and "does not exist" in res.output


def _random_batch(seed: int, n: int, n_layers: int) -> tuple[np.ndarray, ...]:
    """n random layered models of 1..n_layers-1 layers over a half-space, padded with
    zero-thickness layers to n_layers (so the models of a batch differ in layer count), low-
    velocity zones included; model 3 has a water layer on top."""
    rng = np.random.default_rng(seed)
    d = np.zeros((n, n_layers))
    vs = np.empty((n, n_layers))
    for i in range(n):
        k = int(rng.integers(1, n_layers))
        d[i, :k] = rng.uniform(0.5, 12.0, k)
        vs[i, :k] = rng.uniform(1.5, 4.3, k)
        vs[i, k:] = 4.6
    vp = 1.75 * vs
    rho = 1.8 + 0.3 * vs
    if n > 3:
        d[3, 0], vp[3, 0], vs[3, 0], rho[3, 0] = 2.0, 1.5, 0.0, 1.03
    return d, vp, vs, rho


def test_avx2_batches_bit_identical_to_scalar() -> None:
    # The lockstep AVX2 path (four models per vector, Rayleigh phase and group velocities)
    # performs each model's floating-point operations of the scalar solver in the same order:
    # results must be identical to the last bit, in a batch, alone, and on any thread count.
    from geoinvert import _core

    t = np.geomspace(2.0, 80.0, 15)
    model = _random_batch(7, 11, 9)
    for wave in ("rayleigh", "love"):
        ref = _core.dispersion_curves(t, *model, wave=wave, modes=[0, 1, 2], kernel="scalar")
        for threads in (1, 2):
            got = _core.dispersion_curves(
                t, *model, wave=wave, modes=[0, 1, 2], n_threads=threads, kernel="auto"
            )
            assert np.array_equal(got.view(np.int64), ref.view(np.int64))
        for i in range(len(model[0])):
            one = _core.dispersion_curves(t, *(a[i] for a in model), wave=wave, modes=[0, 1, 2])
            assert np.array_equal(one.view(np.int64), ref[i].view(np.int64))
    # Group velocities (curves(): the lockstep runs newton<2> on a Dual<2> vector kernel): phase
    # and group velocity, batch == scalar kernel == one model at a time, any thread count.
    ref_p, ref_g = _core.dispersion_curves(
        t, *model, wave="rayleigh", modes=[0, 1, 2], group=True, kernel="scalar"
    )
    for threads in (1, 2):
        got_p, got_g = _core.dispersion_curves(
            t, *model, wave="rayleigh", modes=[0, 1, 2], group=True, n_threads=threads
        )
        assert np.array_equal(got_p.view(np.int64), ref_p.view(np.int64))
        assert np.array_equal(got_g.view(np.int64), ref_g.view(np.int64))
        pub_p, pub_g = disp.curves(t, *model, mode=[0, 1, 2], n_threads=threads)
        assert np.array_equal(pub_p.view(np.int64), ref_p.view(np.int64))
        assert np.array_equal(pub_g.view(np.int64), ref_g.view(np.int64))
    for i in range(len(model[0])):
        one_p, one_g = disp.curves(t, *(a[i] for a in model), mode=[0, 1, 2])
        assert np.array_equal(one_p.view(np.int64), ref_p[i].view(np.int64))
        assert np.array_equal(one_g.view(np.int64), ref_g[i].view(np.int64))
    assert _core.dispersion_kernels()[-1] == "scalar"
    with pytest.raises(ValueError, match="kernel"):
        _core.dispersion_curves(t, *model, kernel="avx512")
