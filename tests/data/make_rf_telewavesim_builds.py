"""Make tests/data/rf_telewavesim_builds.npz: two rebuilt telewavesims on the RF fixture models.

Stock telewavesim 0.2.1 (the ``telewavesim`` column of rf_fixtures.npz) accepts at most 30 layers
and has a bug in its reverberation operator. This script runs two builds of the same 0.2.1 sdist
on all 31 models of rf_fixtures.npz (same slownesses and settings, read from that file):

* ``nlay128``: ``src/rmat.f90`` with ``nlaymx = 30`` raised to 128, nothing else changed. It
  takes the 59-81-layer models to 800 km; it is the build benchmarks/bench_rf.py times.
* ``fixed``: the same, and in ``src/rmat_sub.f90`` subroutine ``addit()`` the four products
  that multiply by ``reverb = I - Rds Ru`` (lines 112-119) use its inverse ``reverbi`` (computed
  on line 110 by ``xinv3`` and then never used), as the comments above them say:
  ``sed -i '112,119s/MATMUL(reverb,/MATMUL(reverbi,/' src/rmat_sub.f90``.

tests/test_rf.py uses the columns to show that ``fixed``, evaluated like telewavesim at the
damped frequency ω(1 - 0.001i), equals the numpy reference to rounding on every model (so the
addit() bug and the damping explain the whole discrepancy), and to measure the P410s/P660s
amplitude errors of telewavesim on the deep models.

Build (from a directory outside the repository; numpy.distutils needs setuptools < 60 and a
numpy of the same major version as the one the tests run with; gfortran and liblapack-dev):

    python -m venv bvenv && bvenv/bin/pip install numpy==<the runtime's> "setuptools<60" wheel
    curl -LO <PyPI URL of telewavesim-0.2.1.tar.gz>   # pip download fails building metadata
    tar xzf telewavesim-0.2.1.tar.gz && cp -r telewavesim-0.2.1 tw128
    sed -i 's/nlaymx = 30/nlaymx = 128/' tw128/src/rmat.f90
    cp -r tw128 twfix && sed -i '112,119s/MATMUL(reverb,/MATMUL(reverbi,/' twfix/src/rmat_sub.f90
    bvenv/bin/pip wheel --no-build-isolation --no-deps -w w128 ./tw128
    bvenv/bin/pip wheel --no-build-isolation --no-deps -w wfix ./twfix
    pip install --no-deps --target site128 w128/*.whl
    pip install --no-deps --target sitefix wfix/*.whl

(copy the trees before building: a stale ``build/`` folder is reused by numpy.distutils). Then,
from the repository root, once per build (each run replaces only its own column):

    PYTHONPATH=site128 python tests/data/make_rf_telewavesim_builds.py nlay128
    PYTHONPATH=sitefix python tests/data/make_rf_telewavesim_builds.py fixed

The script checks which build it got (compiled nlaymx, and whether the two-interface crust2_a
matches the damped reference) and refuses a mismatch. Made 2026-12-07 with gfortran 12, numpy
2.4.6, obspy 1.5.1. Columns: ``<build>`` (31, 1600) float64 RFs as in make_rf_fixtures.py
(radial R/Z, a = 2.5 rad/s, dt = 0.05 s, 4096-point FFT, shift 5 s), ``has_<build>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from make_rf_fixtures import NKEEP, telewavesim_rf  # noqa: E402
from rf_reference import reference_spectra  # noqa: E402

from geoinvert.earth import LayeredModel  # noqa: E402

OUT = HERE / "rf_telewavesim_builds.npz"
BUILDS = ("nlay128", "fixed")


def fixture_models() -> tuple[list[LayeredModel], np.ndarray, dict]:
    """The rf_fixtures.npz models (padding removed), their slownesses and the settings."""
    with np.load(HERE / "rf_fixtures.npz") as d:
        fx = {k: d[k] for k in d.files}
    ms = []
    for i, name in enumerate(fx["names"]):
        n = int(np.flatnonzero(fx["thickness"][i] > 0)[-1]) + 2
        arrays = (fx[k][i][:n] for k in ("thickness", "vp", "vs", "rho"))
        ms.append(LayeredModel.from_arrays(*arrays, name=str(name)))
    return ms, fx["slowness"], fx


def damped_reference(model: LayeredModel, p: float, fx: dict) -> np.ndarray:
    """The numpy reference at telewavesim's complex frequency (exp(+iωt): ω(1 - 0.001i))."""
    nfft, dt = int(fx["n_fft"]), float(fx["dt"])
    omega = 2.0 * np.pi * np.fft.rfftfreq(nfft, dt)
    r, z = reference_spectra(*model.arrays(), p, omega * (1.0 - 1e-3j))
    g = np.exp(-(omega**2) / (4.0 * float(fx["gaussian"]) ** 2) - 1j * omega * float(fx["shift"]))
    return np.fft.irfft(r / z * g, nfft)[:NKEEP]


def check_build(build: str, ms: list[LayeredModel], slow: np.ndarray, fx: dict) -> None:
    from telewavesim import rmat_f

    if int(rmat_f.conf.nlaymx) < max(m.n_layers for m in ms):
        raise SystemExit(f"this telewavesim has nlaymx = {rmat_f.conf.nlaymx}: not a {build} build")
    i = [m.name for m in ms].index("crust2_a")
    tw = telewavesim_rf(ms[i], float(slow[i]))
    ref = damped_reference(ms[i], float(slow[i]), fx)
    matches = np.abs(tw - ref).max() < 1e-9 * ref.max()
    if matches != (build == "fixed"):
        raise SystemExit(f"addit() is {'fixed' if matches else 'stock'} in this build, not {build}")


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1] not in BUILDS:
        raise SystemExit(f"usage: make_rf_telewavesim_builds.py {{{'|'.join(BUILDS)}}}")
    build = sys.argv[1]
    ms, slow, fx = fixture_models()
    check_build(build, ms, slow, fx)
    rfs = np.array([telewavesim_rf(m, float(p)) for m, p in zip(ms, slow, strict=True)])
    data: dict[str, np.ndarray] = {}
    if OUT.exists():
        with np.load(OUT) as d:
            data = {k: d[k] for k in d.files}
    for b in BUILDS:
        data.setdefault(b, np.full((len(ms), NKEEP), np.nan))
        data.setdefault(f"has_{b}", np.array(False))
    data[build] = rfs
    data[f"has_{build}"] = np.array(True)
    data["names"] = fx["names"]
    np.savez_compressed(OUT, **data)
    print(f"{build}: {len(ms)} models written to {OUT.name}")


if __name__ == "__main__":
    main()
