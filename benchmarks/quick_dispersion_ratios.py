"""Quick curves/s ratios of geoinvert.dispersion vs disba and pysurf96 (development script).

Interleaved best-of-5 timings in one process (robust on a shared machine); the formal
pytest-benchmark suite is benchmarks/bench_dispersion.py. Run:
    python benchmarks/quick_dispersion_ratios.py
Cases follow issue 2: (a) 4-layer crust, 11/21 periods 28.6-100 s, Rayleigh phase; (b) group;
(c) 40-layer crust + upper mantle, 21 periods 5-100 s; (d) 5th Rayleigh mode, 30 periods 1-50 s.
"""

import sys
import time
import warnings

import numpy as np

from geoinvert import dispersion as disp

warnings.filterwarnings("ignore")
try:
    from disba import GroupDispersion, PhaseDispersion
    from pysurf96 import surf96
except ImportError as exc:  # peers are optional ([compare] extra)
    sys.exit(f"peer codes not installed: {exc}")
t = np.array([10.0, 20.0, 35.0, 0.0])
vp = np.array([5.8, 6.3, 6.8, 8.1])
vs = np.array([3.36, 3.64, 3.93, 4.5])
rho = np.array([2.6, 2.7, 2.9, 3.3])
rng = np.random.default_rng(0)
n = 40
t40 = np.full(n, 2.0)
t40[-1] = 0
z = np.cumsum(t40)
vs40 = 3.0 + 1.6 * (z / z.max()) ** 0.7 + 0.05 * rng.standard_normal(n)
vp40 = 1.75 * vs40
rho40 = 2.3 + 0.25 * vs40


def rate(f, reps, per_call=1):
    f()
    t0 = time.perf_counter()
    for _ in range(reps):
        f()
    return reps * per_call / (time.perf_counter() - t0)


M4 = (t, vp, vs, rho)
M40 = (t40, vp40, vs40, rho40)
cases = [
    ("(a) 4-layer, 11 periods 28.6-100 s, phase", M4, np.linspace(28.6, 100, 11), "phase", 0, 300),
    ("(a) 4-layer, 21 periods 28.6-100 s, phase", M4, np.linspace(28.6, 100, 21), "phase", 0, 300),
    ("(b) 4-layer, 21 periods, group", M4, np.linspace(28.6, 100, 21), "group", 0, 200),
    ("(c) 40-layer, 21 periods 5-100 s, phase", M40, np.geomspace(5, 100, 21), "phase", 0, 40),
    (
        "(d) 4-layer, mode 4 (5th mode), 30 periods 1-50 s, phase",
        M4,
        np.linspace(1, 50, 30),
        "phase",
        4,
        40,
    ),
]


def run_case(name, m, per, kind, mode, reps):
    B = 100
    mb = [np.tile(a, (B, 1)) for a in m]
    D = (PhaseDispersion if kind == "phase" else GroupDispersion)(*m, dc=0.005)
    ours = disp.phase_velocity if kind == "phase" else disp.group_velocity
    fns = {
        "disba": (lambda: D(per, mode=mode, wave="rayleigh"), reps, 1),
        "pysurf96": (
            lambda: surf96(
                m[0],
                m[1],
                m[2],
                m[3],
                per,
                wave="rayleigh",
                mode=mode + 1,
                velocity=kind,
                flat_earth=True,
            ),
            reps,
            1,
        ),
        "ours single": (lambda: ours(per, *m, mode=mode, n_threads=1), reps * 4, 1),
        "ours batch 1 thr": (lambda: ours(per, *mb, mode=mode, n_threads=1), max(reps // 25, 2), B),
        "ours batch 2 thr": (lambda: ours(per, *mb, mode=mode, n_threads=2), max(reps // 25, 2), B),
    }
    best = {k: 0.0 for k in fns}
    for _ in range(5):
        for k, (f, r, pc) in fns.items():
            best[k] = max(best[k], rate(f, r, pc))
    peer = max(best["disba"], best["pysurf96"])
    print(name + ": " + ", ".join(f"{k} {v:.0f}/s" for k, v in best.items()))
    single = best["ours single"] / peer
    batch = best["ours batch 1 thr"] / peer
    threads = best["ours batch 2 thr"] / best["ours batch 1 thr"]
    print(f"    single/faster peer {single:.1f}x, batch(1 thr)/faster peer {batch:.1f}x, ", end="")
    print(f"2thr/1thr {threads:.2f}")


if __name__ == "__main__":
    for case in cases:
        run_case(*case)
