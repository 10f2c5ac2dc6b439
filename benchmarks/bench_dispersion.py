"""Dispersion benchmarks: geoinvert vs disba vs CPS surf96 (pysurf96), same models, same run.

Run (from the repository root; writes the JSON that ``report_dispersion.py`` turns into the
ratio table of benchmarks/README.md)::

    python -m pytest benchmarks/bench_dispersion.py -o python_files='bench_*.py' \
        --benchmark-enable --benchmark-json=.benchmarks/dispersion.json -q
    python benchmarks/report_dispersion.py .benchmarks/dispersion.json

Cases (issue 2): (a) 4-layer crust over a half-space, 11 and 21 periods 28.6–100 s, Rayleigh
phase; (b) the same, group velocity; (c) a 40-layer crust + upper-mantle model, 21 periods
5–100 s, Rayleigh phase; (d) 5 Rayleigh modes (0–4), 30 periods 1–50 s on the model of (a).
Each case runs as a single-model call and as a batch (``N_BATCH`` perturbed models: one call for
geoinvert, a Python loop for the peers, which have no batch API). For (d), geoinvert runs one
call per mode like the peers (``geoinvert``) and also all five modes in one call
(``geoinvert-modes``, ``mode=[0, 1, 2, 3, 4]``; the peers' APIs return one mode per call).
geoinvert runs with ``n_threads=1`` everywhere and also ``n_threads=2`` in the batches; the
peers are single-threaded.
Every benchmark records ``curves`` (dispersion curves per call) in ``extra_info`` so that the
report compares curves per second. Peers that are not installed, and geoinvert if
``geoinvert.dispersion`` is missing, are skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

N_BATCH = {"geoinvert": 1000, "disba": 100, "cps": 100}  # models per batched call (peers loop)

CRUST4 = (
    np.array([2.0, 8.0, 12.0, 13.0, 0.0]),
    np.array([4.5, 5.8, 6.4, 6.9, 8.1]),
    np.array([2.6, 3.35, 3.7, 3.95, 4.55]),
    np.array([2.4, 2.65, 2.85, 3.0, 3.35]),
)


def _crust40() -> tuple[np.ndarray, ...]:
    z = np.linspace(0.0, 195.0, 40)
    d = np.append(np.diff(z), 0.0)
    vs = np.where(z < 35.0, 3.0 + 0.025 * z, 4.45 + 0.001 * (z - 35.0))
    vs = np.where((z > 80.0) & (z < 160.0), vs - 0.15, vs)  # upper-mantle LVZ
    vs[-1] = 4.75
    vp = 1.78 * vs
    rho = 0.32 * vp + 0.77
    return d, vp, vs, rho


CRUST40 = _crust40()

CASES: dict[str, dict] = {
    "a11": dict(model=CRUST4, periods=np.geomspace(28.6, 100.0, 11), modes=(0,), group=False),
    "a21": dict(model=CRUST4, periods=np.geomspace(28.6, 100.0, 21), modes=(0,), group=False),
    "b11": dict(model=CRUST4, periods=np.geomspace(28.6, 100.0, 11), modes=(0,), group=True),
    "b21": dict(model=CRUST4, periods=np.geomspace(28.6, 100.0, 21), modes=(0,), group=True),
    "c21": dict(model=CRUST40, periods=np.geomspace(5.0, 100.0, 21), modes=(0,), group=False),
    "d30": dict(
        model=CRUST4, periods=np.geomspace(1.0, 50.0, 30), modes=tuple(range(5)), group=False
    ),
}


def _batch(model: tuple[np.ndarray, ...], n: int) -> tuple[np.ndarray, ...]:
    """n models: the base model with ±2 % seeded perturbations of vs (vp, rho scaled alike)."""
    rng = np.random.default_rng(12345)
    f = 1.0 + 0.02 * rng.uniform(-1.0, 1.0, (n, model[0].size))
    d = np.tile(model[0], (n, 1))
    return d, model[1] * f, model[2] * f, np.tile(model[3], (n, 1))


def _runner(impl: str, case: dict, batch: bool, threads: int) -> tuple[Callable[[], object], int]:
    t = case["periods"]
    modes = case["modes"]
    n = N_BATCH[impl.split("-")[0]] if batch else 1
    d, vp, vs, rho = _batch(case["model"], n) if batch else case["model"]
    ncurves = n * len(modes)
    if impl == "geoinvert-modes":  # all modes of the case in one call (mode=[...])
        disp = pytest.importorskip("geoinvert.dispersion")
        fn = disp.group_velocity if case["group"] else disp.phase_velocity

        def run():
            return fn(t, d, vp, vs, rho, wave="rayleigh", mode=list(modes), n_threads=threads)

        return run, ncurves
    if impl == "geoinvert":
        disp = pytest.importorskip("geoinvert.dispersion")
        fn = disp.group_velocity if case["group"] else disp.phase_velocity

        def run():
            return [
                fn(t, d, vp, vs, rho, wave="rayleigh", mode=m, n_threads=threads) for m in modes
            ]

        return run, ncurves
    models = list(zip(*(np.atleast_2d(x) for x in (d, vp, vs, rho)), strict=True))
    if impl == "disba":
        disba = pytest.importorskip("disba")
        cls = disba.GroupDispersion if case["group"] else disba.PhaseDispersion

        def run():
            return [cls(*mod)(t, m, "rayleigh") for mod in models for m in modes]

        return run, ncurves
    pysurf96 = pytest.importorskip("pysurf96")
    vel = "group" if case["group"] else "phase"

    def run():
        return [
            pysurf96.surf96(*mod, t, wave="rayleigh", mode=m + 1, velocity=vel, flat_earth=True)
            for mod in models
            for m in modes
        ]

    return run, ncurves


PARAMS = [
    pytest.param(
        case, batch, impl, threads, id=f"{case}-{'batch' if batch else 'single'}-{impl}-{threads}t"
    )
    for case in CASES
    for batch in (False, True)
    for impl, threads in (
        ("geoinvert", 1),
        ("geoinvert", 2),
        ("geoinvert-modes", 1),
        ("disba", 1),
        ("cps", 1),
    )
    if not (impl == "geoinvert" and threads == 2 and not batch)
    and not (impl == "geoinvert-modes" and len(CASES[case]["modes"]) == 1)
]


@pytest.mark.parametrize(("case", "batch", "impl", "threads"), PARAMS)
def test_dispersion(benchmark, case: str, batch: bool, impl: str, threads: int) -> None:
    run, ncurves = _runner(impl, CASES[case], batch, threads)
    run()  # warm-up (numba JIT for disba, thread pool start for geoinvert)
    benchmark.group = f"dispersion-{case}-{'batch' if batch else 'single'}"
    benchmark.extra_info.update(case=case, batch=batch, impl=impl, threads=threads, curves=ncurves)
    slow = impl != "geoinvert" and batch
    benchmark.pedantic(run, rounds=3 if slow else 20, iterations=1)
