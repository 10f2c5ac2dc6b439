"""Data tasks on the real kernels: RF models and receiver functions, crust dispersion."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.data import CrustDispersionTask, RFTask
from geoinvert.data.tasks import CRUST_FREQUENCIES

try:
    from geoinvert.rf import receiver_function
except ImportError:  # pragma: no cover - kernel not in this build
    receiver_function = None


def test_crust_frequencies():
    f = CRUST_FREQUENCIES
    assert f.size == 21 and f[0] == pytest.approx(0.010) and f[-1] == pytest.approx(0.035)
    np.testing.assert_allclose(np.diff(f), 1.25e-3, rtol=1e-9)


@pytest.mark.skipif(receiver_function is None, reason="geoinvert.rf not in this build")
def test_rf_models_follow_the_parameters():
    task = RFTask()
    rng = np.random.default_rng(11)
    b = task.sample(rng, 64)
    names = task.param_names
    col = {k: b["params"][:, i] for i, k in enumerate(names)}
    top = np.cumsum(b["thickness"], axis=1) - b["thickness"]
    for i in range(64):
        t = b["thickness"][i]
        # zero-thickness padding only directly above the half-space
        z = np.flatnonzero(t[:-1] == 0)
        if z.size:
            assert np.array_equal(z, np.arange(z[0], t.size - 1))
        # crust: one layer of the drawn thickness and Vs
        assert t[0] == pytest.approx(min(10.0, col["moho_depth"][i])) or t[0] <= 10
        crust = top[i] < col["moho_depth"][i] - 1e-9
        assert np.allclose(b["vs"][i][crust], col["crust_vs"][i])
        assert np.isclose(t[crust].sum(), col["moho_depth"][i])
        assert np.isclose(t.sum(), task.max_depth)
    present = col["x_present"] == 1
    assert 0 < present.sum() < 64
    np.testing.assert_array_equal(b["targets"][:, 0], col["x_present"])
    assert np.all(b["targets"][~present, 1:] == 0)


def test_rf_lehmann_discontinuity_is_a_jump_at_its_depth_and_nothing_below():
    """A Lehmann-like discontinuity: Vs jumps by 1/(1 - dlnvs) at its depth (bottom of a
    linear low-velocity zone over the 100 km above it); below it the model is unchanged."""
    task = RFTask()
    names = task.param_names
    p = task.sample(np.random.default_rng(3), 1)["params"][0].copy()
    p[names.index("background")] = 0  # ak135
    p[names.index("x_present")] = 0
    p[names.index("moho_depth")] = 35.0
    p[names.index("lehmann_depth")] = 205.0  # also a layer boundary when absent
    on, off = p.copy(), p.copy()
    on[names.index("lehmann_present")], off[names.index("lehmann_present")] = 1, 0
    on[names.index("lehmann_dlnvs")] = 0.05
    (t1, _, vs1, _), (t0, _, vs0, _) = (task.models(v[None, :]) for v in (on, off))
    z1 = np.cumsum(t1[0]) - t1[0]  # layer tops
    z0 = np.cumsum(t0[0]) - t0[0]
    i = np.flatnonzero(np.isclose(z1, 205.0))[0]  # the layer starting at the discontinuity
    assert vs1[0, i] / vs1[0, i - 1] > 1.04  # 5 % jump, minus the reference gradient
    below1 = vs1[0][(z1 >= 210.0) & (t1[0] > 0)]
    below0 = vs0[0][(z0 >= 210.0) & (t0[0] > 0)]
    np.testing.assert_array_equal(below1, below0)
    above = (z1 < 100.0) & (z1 >= 40.0)  # above the low-velocity zone: unchanged
    np.testing.assert_array_equal(vs1[0][above], vs0[0][(z0 < 100.0) & (z0 >= 40.0)])


@pytest.mark.skipif(receiver_function is None, reason="geoinvert.rf not in this build")
def test_rf_x_discontinuity_ps_arrives_at_its_delay_time():
    """The RF difference with/without the X-discontinuity peaks at the Ps delay of its depth."""
    task = RFTask()
    names = task.param_names
    p = task.sample(np.random.default_rng(2), 1)["params"][0].copy()
    p[names.index("background")] = 0  # ak135
    p[names.index("x_present")] = 1
    p[names.index("x_depth")] = 300.0
    p[names.index("x_dlnvs")] = 0.06
    p[names.index("x_width")] = 0.0
    slow = p[names.index("slowness")]
    q = p.copy()
    q[names.index("x_present")] = 0
    models = [task.models(v[None, :]) for v in (p, q)]
    kw = {"dt": task.dt, "n_samples": task.n_samples, "shift": task.shift,
          "gaussian": task.gaussian, "n_fft": task.n_fft, "spherical": False}  # fmt: skip
    rfs = [receiver_function(*(a[0] for a in m), slowness=slow, **kw) for m in models]
    diff = rfs[0] - rfs[1]
    # faster velocities below X also advance the 410-km Ps (~43 s), which makes a second,
    # larger difference there; look before it
    times = np.arange(task.n_samples) * task.dt - task.shift
    win = times < 38.0
    t_peak = times[win][np.argmax(diff[win])]
    # predicted Ps - P delay through the model above 300 km (flat earth, same as the RF above)
    th, vp, vs, _ = (a[0] for a in models[1])
    zb = np.cumsum(th)
    above = zb <= 300.0 + 1e-9
    delay = np.sum(
        th[above] * (np.sqrt(vs[above] ** -2 - slow**2) - np.sqrt(vp[above] ** -2 - slow**2))
    )
    # tolerance: one Gaussian pulse half-width (~1/a = 1 s at a = 1 rad/s) plus sampling
    assert abs(t_peak - delay) < 1.1, (t_peak, delay)
    assert diff.max() > 0  # a velocity increase with depth gives a positive Ps
    # no wrapped-around multiples: nothing before the direct P changes (< 5 % of the Ps)
    assert np.abs(diff[times < -1.0]).max() < 0.05 * diff[win].max()


@pytest.mark.skipif(receiver_function is None, reason="geoinvert.rf not in this build")
def test_rf_task_simulate_batch_equals_loop():
    task = RFTask()
    a = task.simulate(np.random.default_rng(5), 12, n_threads=2)
    b = task.simulate(np.random.default_rng(5), 12, n_threads=1)
    assert a.inputs.shape == (12, 600) and a.inputs.dtype == np.float32
    assert np.array_equal(a.inputs, b.inputs) and (a.status == 0).all()
    assert np.isfinite(a.inputs).all()


@pytest.mark.skipif(
    not hasattr(__import__("geoinvert"), "dispersion"),
    reason="geoinvert.dispersion is not in this build",
)
def test_crust_dispersion_task():
    task = CrustDispersionTask()
    d = task.simulate(np.random.default_rng(0), 16, n_threads=2)
    assert d.inputs.shape == (16, 42) and d.targets.shape == (16, 1)
    ok = d.status == 0
    assert ok.all()
    c, u = d.inputs[:, :21], d.inputs[:, 21:]
    # Rayleigh waves are slower than the fastest S speed they sample (< 4.95 km/s above 340 km)
    # and faster than 0.9 x the slowest crustal S speed (2.5 km/s); group velocities may dip
    # lower (Airy phase) but stay positive
    assert np.all((c > 2.25) & (c < 4.95)) and np.all((u > 0.5) & (u < 4.95))
    # lower frequency (longer period) samples deeper, faster structure: c decreases with f
    assert np.all(np.diff(c, axis=1) < 0)
    # a thicker crust is slower at the same frequency (fundamental Rayleigh, 20 mHz)
    r = np.corrcoef(d.targets[:, 0], c[:, 8])[0, 1]
    assert r < -0.5
    # wiring: a separate, reordered group-frequency set gives the same numbers per frequency
    gf = tuple(task.frequencies[i] for i in (20, 3, 11))
    sub = CrustDispersionTask(group_frequencies=gf).simulate(np.random.default_rng(0), 16, 1)
    np.testing.assert_array_equal(sub.inputs[:, :21], c)
    # (the kernel's continuation root search starts from neighbouring periods, so a different
    # period set converges to the same root within its tolerance, ~1e-6 relative: rtol 1e-5)
    np.testing.assert_allclose(sub.inputs[:, 21:], u[:, [20, 3, 11]], rtol=1e-5)


try:
    from geoinvert.mt import Forward2D, forward_1d
except ImportError:  # pragma: no cover
    Forward2D = None


@pytest.mark.skipif(Forward2D is None, reason="geoinvert.mt.Forward2D not in this build")
def test_mt_task_layered_sections_match_1d(tmp_path):
    """Bodies off: every station sees the 1-D response of its column (TE = TM = 1-D)."""
    from geoinvert.data import DatasetStore, MTSectionTask, generate
    from geoinvert.earth.priors import MTSectionPrior

    prior = MTSectionPrior(nx=16, nz=8, n_bodies=(0, 0))
    task = MTSectionTask(n_frequencies=6, fmin=1e-3, fmax=10.0, prior=prior)
    out = tmp_path / "mt.zarr"
    s = generate(task, 4, out, chunk=2, seed=3, workers=1, processes=False, progress=False)
    assert s.failures == 0
    root = DatasetStore(out).root
    x = np.asarray(root["inputs"][:])
    y = np.asarray(root["targets"][:])
    assert x.shape == (4, 4, 6, 16) and y.shape == (4, 8, 16)
    for k in range(4):
        col = 10.0 ** y[k][:, 8].astype(np.float64)
        ra, ph, _ = forward_1d(task.frequencies, col, np.full(7, prior.depth / prior.nz))
        # FE discretisation vs the exact 1-D recursion: measured <= 0.004 in log10 ρa (1 %)
        # and <= 0.1° in phase on this coarse mesh; tolerances 2.5x that
        for m in (0, 2):
            np.testing.assert_allclose(x[k, m, :, 8], np.log10(ra), atol=0.01)
            np.testing.assert_allclose(x[k, m + 1, :, 8], ph, atol=0.25)
