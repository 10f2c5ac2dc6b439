"""Receiver-function benchmarks: geoinvert vs telewavesim and seispy in the same run.

One radial P receiver function, Gaussian a = 2.5, dt = 0.05 s (20 samples/s), 4096-point FFT,
p = 0.06 s/km, of
  (a) a 2-layer crust over a half-space, and
  (b) AK135 to 800 km in 14-km gradient sub-layers (58 layers + half-space).
Every contender produces the same product: R/Z times the same Gaussian, shifted, inverse FFT.

Run (pytest-benchmark; peers are skipped when not installed):

    python -m pytest benchmarks/bench_rf.py --benchmark-enable --benchmark-only \
        --benchmark-group-by=group --benchmark-columns=min,median,mean,rounds

Peers: ``pip install telewavesim numba`` and ``pip install --no-deps python-seispy`` (seispy's
PyPI name; its package ``__init__`` also imports pandas and pyproj, so install those too). Stock
telewavesim 0.2.1 is compiled for at most 30 layers (``nlaymx`` in src/rmat.f90); for (b) it must
be rebuilt with a larger ``nlaymx`` (the bench skips otherwise): the recipe, with numpy.distutils
and ``setuptools<60``, is in tests/data/make_rf_telewavesim_builds.py (build ``nlay128``).
"""

from __future__ import annotations

import numpy as np
import pytest

import geoinvert.rf as rf
from geoinvert.earth import layered

DT, NFFT, GAUSS, SHIFT, P = 0.05, 4096, 2.5, 5.0, 0.06
OMEGA = 2.0 * np.pi * np.fft.rfftfreq(NFFT, DT)
FILTER = np.exp(-(OMEGA**2) / (4.0 * GAUSS**2) - 1j * OMEGA * SHIFT)

CRUST2 = (
    np.array([15.0, 20.0, 0.0]),
    np.array([6.0, 6.8, 8.1]),
    np.array([3.5, 3.9, 4.5]),
    np.array([2.7, 2.95, 3.35]),
)
AK135 = layered("ak135", max_depth=800.0, layer_thickness=14.0).arrays()
MODELS = {"crust2": CRUST2, "ak135": AK135}


def ours(model, n_threads: int = 1, water_level: float = 1e-3) -> np.ndarray:
    return rf.receiver_function(
        *model,
        slowness=P,
        dt=DT,
        n_samples=NFFT,
        gaussian=GAUSS,
        shift=SHIFT,
        water_level=water_level,
        n_threads=n_threads,
    )


def telewavesim_rf(model) -> np.ndarray:
    from telewavesim import utils

    h, vp, vs, rho = model
    m = utils.Model(list(h), list(rho * 1000.0), list(vp), list(vs), "iso")
    st = utils.run_plane(m, P, NFFT, DT, baz=0.0)
    r, _ = utils.rotate_ne_rt(st[0].data, st[1].data, 0.0)
    return np.fft.irfft(np.fft.rfft(r) / np.fft.rfft(st[2].data) * FILTER, NFFT)


def seispy_rf(model) -> np.ndarray:
    from seispy.seisfwd import fwd_seis

    h, vp, vs, rho = (np.ascontiguousarray(a) for a in model)
    ur, uz = fwd_seis(P, DT, NFFT, 1, vp, vs, rho, h)
    half = NFFT // 2 + 1
    ratio = np.zeros(half, dtype=complex)
    ratio[1:] = np.conj(ur[1:half] / (-uz[1:half]))
    return np.fft.irfft(ratio * FILTER, NFFT)


@pytest.mark.parametrize("water_level", [1e-3, 0.0], ids=["wl1e-3", "exact"])
@pytest.mark.parametrize("name", list(MODELS))
def test_geoinvert_single_thread(benchmark, name: str, water_level: float) -> None:
    """The default (water level 1e-3) and the exact R/Z division the peers compute."""
    benchmark.group = f"rf-{name}"
    model = MODELS[name]
    out = benchmark(ours, model, water_level=water_level)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", list(MODELS))
def test_telewavesim(benchmark, name: str) -> None:
    pytest.importorskip("telewavesim")
    benchmark.group = f"rf-{name}"
    model = MODELS[name]
    try:
        telewavesim_rf(model)
    except IndexError:
        pytest.skip("telewavesim compiled with fewer layers (nlaymx) than the model")
    out = benchmark(telewavesim_rf, model)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", list(MODELS))
def test_seispy(benchmark, name: str) -> None:
    pytest.importorskip("seispy.seisfwd")
    benchmark.group = f"rf-{name}"
    model = MODELS[name]
    seispy_rf(model)  # numba JIT compile outside the timing
    out = benchmark(seispy_rf, model)
    # Same product as ours (seispy skips omega = 0: a constant offset of (R/Z)(0)/NFFT).
    ref = ours(model)
    assert np.abs(out - ref).max() < 0.01 * ref.max()


N_BATCH = 64


@pytest.mark.parametrize("n_threads", [1, 2])
def test_geoinvert_batch(benchmark, n_threads: int) -> None:
    """64 AK135 receiver functions (8 models x 8 slownesses) in one call: RFs per second."""
    benchmark.group = "rf-ak135-batch64"
    rng = np.random.default_rng(0)
    h, vp, vs, rho = (np.tile(a, (8, 1)) for a in AK135)
    vs = vs * (1.0 + 0.01 * rng.standard_normal(vs.shape))
    slow = np.linspace(0.04, 0.08, 8)
    out = benchmark(
        rf.receiver_function,
        h,
        vp,
        vs,
        rho,
        slowness=slow,
        dt=DT,
        n_samples=NFFT,
        gaussian=GAUSS,
        shift=SHIFT,
        n_threads=n_threads,
    )
    assert out.shape == (8, 8, NFFT)
