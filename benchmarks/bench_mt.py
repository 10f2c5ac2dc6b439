"""Benchmarks of the MT kernels (pytest-benchmark), ours beside SimPEG on the same inputs.

    .venv/bin/python -m pytest benchmarks/bench_mt.py --benchmark-enable -s \
        --benchmark-group-by=group --benchmark-columns=min,median,rounds

Groups:
* ``mt1d``: 2000 random 5-layer models x 60 frequencies (1e-4..1e3 Hz): ours as one batch
  (single thread and all cores; also the portable scalar kernel) and one call per model, beside
  SimPEG's ``Simulation1DRecursive`` recursion (numpy, 200 of the models) and pyGIMLi's C++
  ``MT1dModelling`` (one call per model, as its API works) on the same models.
  ``test_mt1d_ratio_vs_pygimli`` prints the ratios from CPU time with the runs interleaved.
* ``mt2d-seeds``: the seeds' full configuration: 600 km x 180 km section of 60 x 121 cells,
  121 stations at 5 km, 60 frequencies 1e-4..1e3 Hz, TE + TM, default padded mesh; single thread
  and all cores, on one mesh and on per-band meshes (``mt.build_band_meshes``). SimPEG
  (``forward_only=True``, 2-D TE + TM, its default direct solver) runs once on a tensor mesh
  of the same section (5 km x 3 km cells, 1 km near-surface refinement, 1.3x padding,
  sigma_air = 1e-6 S/m) when ``GEOINVERT_BENCH_SIMPEG=1`` (it takes minutes).
The printed summary gives unknowns, factor non-zeros and time per frequency.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from geoinvert import mt

FREQ = np.logspace(-4, 3, 60)
X_EDGES = np.arange(-2.5, 603.0, 5.0)
Z_EDGES = np.linspace(0.0, 180.0, 61)
STATIONS = np.arange(0.0, 601.0, 5.0)


def _seeds_model(seed: int = 0) -> np.ndarray:
    """A smooth random 2-D section (log-normal, 5-5000 ohm m) of shape (60, 121)."""
    rng = np.random.default_rng(seed)
    z = 0.5 * (Z_EDGES[1:] + Z_EDGES[:-1])
    x = 0.5 * (X_EDGES[1:] + X_EDGES[:-1])
    logr = np.full((z.size, x.size), 2.0)
    for _ in range(6):
        x0, z0 = rng.uniform(0, 600), rng.uniform(5, 150)
        sx, sz = rng.uniform(20, 120), rng.uniform(5, 40)
        logr += rng.uniform(-1.2, 1.2) * np.exp(
            -(((x[None] - x0) / sx) ** 2) - ((z[:, None] - z0) / sz) ** 2
        )
    return 10 ** np.clip(logr, np.log10(5), np.log10(5000))


@pytest.fixture(scope="module")
def models_1d():
    rng = np.random.default_rng(0)
    rho = 10 ** rng.uniform(np.log10(5), np.log10(5000), (2000, 5))
    h = 10 ** rng.uniform(-2, 1.3, (2000, 4))
    return rho, h


@pytest.mark.parametrize("n_threads", [1, None])
def test_mt1d_ours(benchmark, models_1d, n_threads):
    # Batch: the 2000 models in one call (per-model cost of a batch).
    benchmark.group = "mt1d"
    rho, h = models_1d
    benchmark(mt.forward_1d, FREQ, rho, h, n_threads=n_threads)
    per_model = benchmark.stats.stats.min / rho.shape[0]
    print(f"\n[mt1d] ours batch n_threads={n_threads}: {per_model * 1e6:.2f} us per model x 60 f")


@pytest.mark.parametrize("kernel", ["vector", "scalar"])
def test_mt1d_ours_portable(benchmark, models_1d, kernel):
    # The portable kernels, batch, 1 thread: "vector" (2 frequencies per generic GCC/Clang
    # vector: SSE2 / NEON) runs where AVX2+FMA is missing; "scalar" only without vector
    # extensions (MSVC).
    from geoinvert import _core

    if kernel not in _core.mt1d_kernels():
        pytest.skip(f"kernel {kernel} not available")
    benchmark.group = "mt1d"
    rho, h = models_1d
    benchmark(_core.mt_forward_1d, FREQ, rho, h, 1, kernel=kernel)
    per_model = benchmark.stats.stats.min / rho.shape[0]
    print(f"\n[mt1d] ours {kernel} kernel, batch: {per_model * 1e6:.2f} us per model x 60 f")


def _ours_calls(rho, h):
    """One ``mt.forward_1d`` call per model, inputs prepared beforehand (as for pyGIMLi)."""
    pars = [(np.ascontiguousarray(rho[m]), np.ascontiguousarray(h[m])) for m in range(len(rho))]

    def run():
        for r, t in pars:
            mt.forward_1d(FREQ, r, t, n_threads=1)

    return run


def test_mt1d_ours_per_call(benchmark, models_1d):
    # One public-API call per model, as pyGIMLi is called (includes the Python overhead).
    benchmark.group = "mt1d"
    rho, h = models_1d

    benchmark.pedantic(_ours_calls(rho, h), rounds=5, iterations=1)
    per_call = benchmark.stats.stats.min / rho.shape[0]
    print(f"\n[mt1d] ours one call per model: {per_call * 1e6:.2f} us per model x 60 f")


def test_mt1d_simpeg(benchmark, models_1d):
    ns = pytest.importorskip("simpeg.electromagnetics.natural_source")
    benchmark.group = "mt1d"
    rho, h = models_1d
    sim = ns.Simulation1DRecursive.__new__(ns.Simulation1DRecursive)
    n = 200

    def run():
        for m in range(n):
            sim._get_recursive_impedances(FREQ, h[m, ::-1] * 1e3, 1 / rho[m, ::-1])

    benchmark.pedantic(run, rounds=3, iterations=1)
    print(f"\n[mt1d] SimPEG recursion: {benchmark.stats.stats.min / n * 1e6:.1f} us per model")


def _pygimli_calls(pg, freq, rho, h):
    """pyGIMLi's MT1dModelling, one ``response`` call per model (its API): a runner."""
    fop = pg.core.MT1dModelling(pg.Vector(1.0 / freq), rho.shape[1], False)
    pars = [pg.Vector(np.r_[h[m] * 1e3, rho[m]]) for m in range(rho.shape[0])]

    def run():
        for p in pars:
            fop.response(p)

    return run


def test_mt1d_pygimli(benchmark, models_1d):
    # Same 2000 models and 60 frequencies; outputs rho_a and phase (ours also returns Z).
    pg = pytest.importorskip("pygimli")
    benchmark.group = "mt1d"
    rho, h = models_1d
    benchmark.pedantic(_pygimli_calls(pg, FREQ, rho, h), rounds=5, iterations=1)
    print(
        f"\n[mt1d] pyGIMLi MT1dModelling: {benchmark.stats.stats.min / rho.shape[0] * 1e6:.1f} "
        "us per model (one call each)"
    )


@pytest.mark.parametrize("n_layers", [5, 2, 10, 20, 50])
def test_mt1d_ratio_vs_pygimli(models_1d, n_layers):
    """Ratios from CPU time, the runs interleaved, best of 15 (robust on a shared machine).

    5 layers: the 2000 models of the ``mt1d`` group; other layer counts: 500 models drawn the
    same way. Rows: ours as one batch (1 thread; the fastest kernel here, and the portable
    "vector" kernel), ours one call per model, pyGIMLi one call per model. pyGIMLi's cost per
    call = binding overhead + its C++ recursion; the overhead is estimated from a
    one-frequency operator on the same models (whose recursion costs 1/60 of the 60-frequency
    one), so ``C++ share = (t60 - t1) * 60 / 59``.
    """
    pg = pytest.importorskip("pygimli")
    from geoinvert import _core

    if n_layers == 5:
        rho, h = models_1d
    else:
        rng = np.random.default_rng(n_layers)
        rho = 10 ** rng.uniform(np.log10(5), np.log10(5000), (500, n_layers))
        h = 10 ** rng.uniform(-2, 1.3, (500, n_layers - 1))
    n = rho.shape[0]
    runs = {
        "ours_batch": lambda: mt.forward_1d(FREQ, rho, h, n_threads=1),
        "ours_vector_batch": lambda: _core.mt_forward_1d(FREQ, rho, h, 1, kernel="vector"),
        "ours_per_call": _ours_calls(rho, h),
        "pygimli_per_call": _pygimli_calls(pg, FREQ, rho, h),
        "pygimli_1f": _pygimli_calls(pg, FREQ[30:31], rho, h),
    }
    if "vector" not in _core.mt1d_kernels():
        del runs["ours_vector_batch"]
    best = dict.fromkeys(runs, np.inf)
    for _ in range(15):
        for k, run in runs.items():
            t = time.process_time()
            run()
            best[k] = min(best[k], (time.process_time() - t) / n)
    pg_cpp = (best["pygimli_per_call"] - best["pygimli_1f"]) * 60 / 59
    vec = best.get("ours_vector_batch", np.nan)
    print(
        f"\n[mt1d] {n_layers} layers x 60 f, CPU us per model, best of 15 interleaved: ours "
        f"batch {best['ours_batch'] * 1e6:.2f} ({_core.mt1d_kernels()[0]}; vector kernel "
        f"{vec * 1e6:.2f}), ours per call {best['ours_per_call'] * 1e6:.2f}, pyGIMLi per call "
        f"{best['pygimli_per_call'] * 1e6:.2f} (C++ share ~{pg_cpp * 1e6:.2f})"
        f"\n[mt1d] {n_layers} layers ratios: pyGIMLi per call / ours batch "
        f"{best['pygimli_per_call'] / best['ours_batch']:.1f}x (vector kernel "
        f"{best['pygimli_per_call'] / vec:.1f}x); per call / per call "
        f"{best['pygimli_per_call'] / best['ours_per_call']:.1f}x; pyGIMLi C++ share / ours "
        f"batch {pg_cpp / best['ours_batch']:.1f}x"
    )


@pytest.fixture(scope="module")
def seeds():
    mesh = mt.build_mesh(X_EDGES, Z_EDGES, FREQ)
    return mesh, _seeds_model()


@pytest.mark.parametrize("n_threads", [1, None])
def test_mt2d_seeds_ours(benchmark, seeds, n_threads):
    benchmark.group = "mt2d-seeds"
    mesh, rho = seeds
    t = time.perf_counter()
    fw = mt.Forward2D(mesh, STATIONS, FREQ, n_threads=n_threads)
    setup = time.perf_counter() - t
    res = benchmark.pedantic(fw.run, args=(rho,), rounds=3, iterations=1)
    assert np.isfinite(res.rho_a_te).all() and np.isfinite(res.rho_a_tm).all()
    best = benchmark.stats.stats.min
    print(
        f"\n[mt2d] ours n_threads={n_threads}: {best:.2f} s per model (setup {setup:.3f} s); "
        f"unknowns TE/TM {fw.n_unknowns}, factor nnz TE/TM {fw.factor_nnz}, "
        f"{best / FREQ.size * 1e3:.1f} ms per frequency (TE+TM)"
    )


@pytest.mark.parametrize("n_threads", [1, None])
def test_mt2d_seeds_ours_bands(benchmark, n_threads):
    # The same model and frequencies on per-band meshes (what the MT data task uses).
    benchmark.group = "mt2d-seeds"
    rho = _seeds_model()
    t = time.perf_counter()
    fw = mt.Forward2D(
        mt.build_band_meshes(X_EDGES, Z_EDGES, FREQ), STATIONS, FREQ, n_threads=n_threads
    )
    setup = time.perf_counter() - t
    res = benchmark.pedantic(fw.run, args=(rho,), rounds=3, iterations=1)
    assert np.isfinite(res.rho_a_te).all() and np.isfinite(res.rho_a_tm).all()
    best = benchmark.stats.stats.min
    print(
        f"\n[mt2d] ours, band meshes, n_threads={n_threads}: {best:.2f} s per model "
        f"(setup {setup:.3f} s), {best / FREQ.size * 1e3:.1f} ms per frequency (TE+TM)"
    )
    for b in fw.band_summary():
        print(
            f"  {b['f_min']:.3g}-{b['f_max']:.3g} Hz ({b['n_frequencies']} f): nodes {b['nodes']}, "
            f"depth {b['depth_km']:.0f} km, unknowns TE/TM {b['unknowns']}, "
            f"factor nnz TE/TM {b['factor_nnz']}"
        )


def _simpeg_seeds_survey_and_mesh():
    import discretize
    from simpeg.electromagnetics import natural_source as ns

    pad = 1.3
    x_pad = sum(5000.0 * pad ** (i + 1) for i in range(12))
    hx = [(5000.0, 12, -pad), (5000.0, 121), (5000.0, 12, pad)]
    # bottom padding, 171 km of 3 km cells, 6 km of 1 km, 3 km of 250 m, then 24 air cells
    hz = [(3000.0, 14, -pad), (3000.0, 57), (1000.0, 6), (250.0, 12), (250.0, 4), (250.0, 20, pad)]
    mesh = discretize.TensorMesh([hx, hz], origin=[-2500.0 - x_pad, 0.0])
    z_surface = mesh.nodes_y[mesh.nodes_y.size - 1 - 24]
    mesh.origin = mesh.origin - np.r_[0.0, z_surface]
    loc = np.c_[STATIONS * 1e3, np.zeros_like(STATIONS)]
    surveys = {}
    # SimPEG 2-D: Simulation2DElectricField ("xy", in-plane E) is TM, the magnetic one TE.
    for mode, orient in (("tm", "xy"), ("te", "yx")):
        rx = [
            ns.receivers.Impedance(loc, orientation=orient, component="apparent_resistivity"),
            ns.receivers.Impedance(loc, orientation=orient, component="phase"),
        ]
        surveys[mode] = ns.Survey([ns.sources.Planewave(rx, frequency=f) for f in FREQ])
    return mesh, surveys


@pytest.mark.skipif(
    os.environ.get("GEOINVERT_BENCH_SIMPEG") != "1", reason="set GEOINVERT_BENCH_SIMPEG=1 (slow)"
)
def test_mt2d_seeds_simpeg(benchmark, seeds):
    ns = pytest.importorskip("simpeg.electromagnetics.natural_source")
    from simpeg import maps

    benchmark.group = "mt2d-seeds"
    _, rho = seeds
    smesh, surveys = _simpeg_seeds_survey_and_mesh()
    cc = smesh.cell_centers
    ix = np.clip(np.searchsorted(X_EDGES * 1e3, cc[:, 0]) - 1, 0, 120)
    iz = np.clip(np.searchsorted(Z_EDGES * 1e3, -cc[:, 1]) - 1, 0, 59)
    sigma = 1 / rho[iz, ix]
    sigma[cc[:, 1] > 0] = 1e-6

    def run():
        out = []
        for mode, cls in (
            ("tm", ns.Simulation2DElectricField),
            ("te", ns.Simulation2DMagneticField),
        ):
            sim = cls(smesh, survey=surveys[mode], sigmaMap=maps.IdentityMap(), forward_only=True)
            out.append(sim.dpred(sigma))
        return out

    benchmark.pedantic(run, rounds=1, iterations=1)
    print(
        f"\n[mt2d] SimPEG forward_only: {benchmark.stats.stats.min:.1f} s per model, "
        f"{smesh.n_cells} cells"
    )
