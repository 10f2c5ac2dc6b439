"""Stress test of geoinvert.dispersion against the slow reference on fresh random models.

Development script (not part of the test suite: ~1-2 s per model). It draws ``generic`` (3-40
random layers) and ``strong_lvz`` models with the generators of
``tests/data/make_dispersion_fixtures.py`` from a seed of your choice, computes Rayleigh and Love
modes 0-2 with the reference (``tests/dispersion_reference.py``) and with both kernel paths
(``phase_velocity`` and ``curves``), and prints every value off by more than 1e-6 (phase) or
1e-5 (group), or NaN on one side only.

The reference finds roots by sampling its secular function, so it can step over a pair of
roots closer than its finest refinement (isolated channel modes in deep low-velocity zones make
pairs 1e-6..1e-5 km/s apart). A disagreement is therefore adjudicated with the REFERENCE's own
secular function (independent of the kernel): if every kernel root of modes 0..2 at that period
is a sign change of the reference's secular function (within 1e-9 relative) and the kernel's
roots are distinct and lie at or below the reference's, the kernel has found roots that the
reference's scan skipped; the value is reported as "reference missed a root" and not counted
as wrong. Everything else counts as wrong. Run:

    python benchmarks/stress_dispersion_reference.py SEED N_MODELS

The reference curves (which do not depend on the kernel) are cached per seed and model in
build/stress_cache/ (or $GEOINVERT_STRESS_CACHE), so re-runs after a kernel change are fast.
"""

import os
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

N_MODES = 3
CACHE = Path(os.environ.get("GEOINVERT_STRESS_CACHE", ROOT / "build" / "stress_cache"))


def cached_reference(seed: int, k: int, m: dict, model: tuple, wave: str):
    """Reference (phase, group) of modes 0..N_MODES-1, cached on disk (keyed by the model)."""
    f = CACHE / f"seed{seed}_model{k}_{wave}.npz"
    if f.exists():
        z = np.load(f)
        keys = ("t", "d", "vp", "vs", "rho")
        if all(np.array_equal(z[a], b) for a, b in zip(keys, (m["t"], *model), strict=True)):
            return z["ph"], z["gr"]
    ph, gr = ref.reference_curves(m["t"], *model, wave=wave, n_modes=N_MODES)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(f, t=m["t"], d=model[0], vp=model[1], vs=model[2], rho=model[3], ph=ph, gr=gr)
    return ph, gr


def reference_missed(model, wave: str, period: float, ours: np.ndarray, theirs: np.ndarray) -> bool:
    """True when the kernel's roots ``ours`` (modes 0..N_MODES-1 at one period) are genuine,
    distinct sign changes of the reference's secular function and lie at or below the
    reference's roots ``theirs`` (so the reference skipped at least one root)."""
    o = ours[np.isfinite(ours)]
    if o.size == 0 or np.any(np.diff(o) <= 0.0):
        return False
    vsn = float(model[2][-1])
    lo = o * (1.0 - 1e-9)
    hi = np.minimum(o * (1.0 + 1e-9), vsn)
    w = 2.0 * np.pi / period
    f = ref.secular(np.full(2 * o.size, w), np.concatenate([lo, hi]), *model, wave=wave)
    if not np.all(np.sign(f[: o.size]) != np.sign(f[o.size :])):
        return False
    t = theirs[: o.size]
    return bool(np.all(~np.isfinite(t) | (o <= t * (1.0 + 1e-9))) and np.any(o < t * (1 - 1e-6)))


def main(seed: int, n: int) -> int:
    rng = np.random.default_rng(seed)
    n_bad = n_val = n_refmiss = 0
    t0 = time.time()
    for k in range(n):
        m = mk.generic(rng) if k % 3 else mk.strong_lvz(rng)
        model = (m["d"], m["vp"], m["vs"], m["rho"])
        for wave in ("rayleigh", "love"):
            ph, gr = cached_reference(seed, k, m, model, wave)
            ours = np.array(
                [disp.phase_velocity(m["t"], *model, wave=wave, mode=mo) for mo in range(N_MODES)]
            )
            for mode in range(N_MODES):
                p_only = ours[mode]
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
                        missed = reference_missed(model, wave, m["t"][j], ours[:, j], ph[:, j])
                        if missed:
                            n_refmiss += 1
                        else:
                            n_bad += 1
                        print(
                            f"seed {seed} model {k} ({m['kind']}) {wave} mode {mode} {name} "
                            f"T={m['t'][j]:.4g} s: ours {o[j]:.6g}, reference {r[j]:.6g}"
                            + (" (reference missed a root)" if missed else " WRONG")
                        )
    print(
        f"{n} models, {n_bad} bad of {n_val} values, {n_refmiss} where the reference missed a "
        f"root (kernel roots verified with the reference's secular function), "
        f"{time.time() - t0:.0f} s"
    )
    return n_bad


if __name__ == "__main__":
    sys.exit(1 if main(int(sys.argv[1]), int(sys.argv[2])) else 0)
