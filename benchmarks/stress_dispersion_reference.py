"""Stress test of geoinvert.dispersion against the slow reference on fresh random models.

Development script (not part of the test suite: ~1 s per model). It draws ``generic`` (3-40
random layers) and ``strong_lvz`` models with the generators of
``tests/data/make_dispersion_fixtures.py`` from a seed of your choice, computes Rayleigh and Love
modes 0-2 with the reference (``tests/dispersion_reference.py``) and with both kernel paths
(``phase_velocity`` and ``curves``), and prints every value off by more than 1e-6 (phase) or
1e-5 (group), or NaN on one side only. Run:

    python benchmarks/stress_dispersion_reference.py SEED N_MODELS
"""

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "data"))
import dispersion_reference as ref  # noqa: E402
import make_dispersion_fixtures as mk  # noqa: E402

from geoinvert import dispersion as disp  # noqa: E402


def main(seed: int, n: int) -> int:
    rng = np.random.default_rng(seed)
    n_bad = n_val = 0
    t0 = time.time()
    for k in range(n):
        m = mk.generic(rng) if k % 3 else mk.strong_lvz(rng)
        model = (m["d"], m["vp"], m["vs"], m["rho"])
        for wave in ("rayleigh", "love"):
            ph, gr = ref.reference_curves(m["t"], *model, wave=wave, n_modes=3)
            for mode in range(3):
                p_only = disp.phase_velocity(m["t"], *model, wave=wave, mode=mode)
                p, g = disp.curves(m["t"], *model, wave=wave, mode=mode)
                for name, o, r, tol in (
                    ("phase_velocity", p_only, ph[mode], 1e-6),
                    ("curves phase", p, ph[mode], 1e-6),
                    ("curves group", g, gr[mode], 1e-5),
                ):
                    with np.errstate(invalid="ignore"):
                        rel = np.abs(o / r - 1)
                    bad = (np.isnan(o) != np.isnan(r)) | (np.isfinite(r) & ~(rel <= tol))
                    n_val += int(np.isfinite(r).sum())
                    for j in np.flatnonzero(bad):
                        n_bad += 1
                        print(
                            f"seed {seed} model {k} ({m['kind']}) {wave} mode {mode} {name} "
                            f"T={m['t'][j]:.4g} s: ours {o[j]:.6g}, reference {r[j]:.6g}"
                        )
    print(f"{n} models, {n_bad} bad of {n_val} values, {time.time() - t0:.0f} s")
    return n_bad


if __name__ == "__main__":
    sys.exit(1 if main(int(sys.argv[1]), int(sys.argv[2])) else 0)
