"""Make tests/data/dispersion_stress_regression.npz: stress-test models that broke the root search.

``benchmarks/stress_dispersion_reference.py SEED 60`` draws ``generic`` and ``strong_lvz``
models (generators of ``make_dispersion_fixtures.py``). With the kernel of main before the
mode counts (commit 321e426), these models gave wrong roots (close pairs stepped over by the
first-period scan, continuation jumps the guards did not flag): seed 101 models 27, 29, 30, 31
and seed 202 models 16, 31, 39, 50, 54, plus seed 202 model 37 where the reference itself
skips a pair of roots (see MODELS). This script regenerates them, runs the
slow reference (``tests/dispersion_reference.py``, modes 0-2, Rayleigh and Love) and stores
models, periods and reference values. The reference samples its secular function and can
itself skip a pair of roots closer than its finest refinement; ``ref_missed`` marks the values
where the kernel's root (i) is a sign change of the REFERENCE's secular function and (ii) lies
below the reference's root of the same mode, i.e. the reference skipped a root (the test
re-checks (i) and (ii) with the reference itself). Run from the repository root::

    python tests/data/make_dispersion_stress_regression.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
import dispersion_reference as ref  # noqa: E402
import make_dispersion_fixtures as mk  # noqa: E402
from stress_dispersion_reference import reference_missed  # noqa: E402

from geoinvert import dispersion as disp  # noqa: E402

MODELS = {101: (27, 29, 30, 31), 202: (16, 31, 37, 39, 50, 54)}
WAVES = ("rayleigh", "love")


def draw(seed: int, index: int) -> dict:
    rng = np.random.default_rng(seed)
    for k in range(index + 1):
        m = mk.generic(rng) if k % 3 else mk.strong_lvz(rng)
    return m


def main() -> None:
    ms = [draw(s, i) for s, idx in MODELS.items() for i in idx]
    nl = max(m["d"].size for m in ms)
    nt = max(m["t"].size for m in ms)
    n = len(ms)
    out = {k: np.zeros((n, nl)) for k in ("thickness", "vp", "vs", "rho")}
    periods = np.zeros((n, nt))
    refv = np.full((n, 2, 3, 2, nt), np.nan)
    missed = np.zeros((n, 2, 3, nt), dtype=bool)
    for i, m in enumerate(ms):
        L, T = m["d"].size, m["t"].size
        for k, src in (("thickness", "d"), ("vp", "vp"), ("vs", "vs"), ("rho", "rho")):
            out[k][i, :L] = m[src]
        periods[i, :T] = m["t"]
        model = (m["d"], m["vp"], m["vs"], m["rho"])
        for iw, wave in enumerate(WAVES):
            ph, gr = ref.reference_curves(m["t"], *model, wave=wave, n_modes=3)
            refv[i, iw, :, 0, :T] = ph
            refv[i, iw, :, 1, :T] = gr
            ours = np.array(
                [disp.phase_velocity(m["t"], *model, wave=wave, mode=mo) for mo in range(3)]
            )
            for j in range(T):
                if reference_missed(model, wave, m["t"][j], ours[:, j], ph[:, j]):
                    for mo in range(3):
                        if np.isfinite(ph[mo, j]) and abs(ours[mo, j] / ph[mo, j] - 1) > 1e-6:
                            missed[i, iw, mo, j] = True
        print(f"model {i}: {L} layers, {T} periods, reference misses {missed[i].sum()}")
    np.savez_compressed(
        HERE / "dispersion_stress_regression.npz",
        **out,
        n_layers=np.array([m["d"].size for m in ms]),
        periods=periods,
        n_periods=np.array([m["t"].size for m in ms]),
        ref=refv,
        ref_missed=missed,
        seeds=np.array([s for s, idx in MODELS.items() for _ in idx]),
        indices=np.array([i for idx in MODELS.values() for i in idx]),
    )


if __name__ == "__main__":
    main()
