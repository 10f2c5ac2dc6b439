"""Quick curves/s ratios of geoinvert.dispersion vs disba and pysurf96 (development script).

Interleaved best-of-5 timings in one process, single-threaded runs timed in process CPU time
(robust on a loaded shared machine; 2 threads / 1 thread is benchmarks/dispersion_threads.py,
which needs idle cores); the formal
pytest-benchmark suite is benchmarks/bench_dispersion.py, and this script uses ITS models and
periods (imported from it), so the ratios are those of the issue's cases:
(a) 4-layer crust, 11/21 periods 28.6-100 s, Rayleigh phase; (b) group; (c) 40-layer crust +
upper mantle (with an upper-mantle LVZ), 21 periods 5-100 s; (d) 5 Rayleigh modes (0-4, one call
per mode, as for the peers), 30 periods 1-50 s. Batches: ours one call of 100 models, the peers
the per-curve rate of their single calls (they have no batch API). Run:
    python benchmarks/quick_dispersion_ratios.py [CASE ...]      (CASE in a11 a21 b11 b21 c21 d30)
"""

import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_dispersion import CASES, _batch

from geoinvert import dispersion as disp

warnings.filterwarnings("ignore")
try:
    from disba import GroupDispersion, PhaseDispersion
    from pysurf96 import surf96
except ImportError as exc:  # peers are optional ([compare] extra)
    sys.exit(f"peer codes not installed: {exc}")

REPS = {"a11": 300, "a21": 200, "b11": 200, "b21": 150, "c21": 30, "d30": 20}


def rate(f, reps, per_call=1, clock=time.process_time):
    """Calls per second in process CPU time (robust to the time slicing of a loaded shared
    machine, equal to wall time on an idle one; every run here is single-threaded)."""
    f()
    t0 = clock()
    for _ in range(reps):
        f()
    return reps * per_call / (clock() - t0)


def run_case(name: str) -> tuple[float, float]:
    case = CASES[name]
    m, per, modes, group = case["model"], case["periods"], case["modes"], case["group"]
    reps = REPS[name]
    B = 100
    mb = _batch(m, B)
    nm = len(modes)
    D = (GroupDispersion if group else PhaseDispersion)(*m)
    ours = disp.group_velocity if group else disp.phase_velocity
    kind = "group" if group else "phase"

    def peer_cps():
        for mo in modes:
            surf96(*m, per, wave="rayleigh", mode=mo + 1, velocity=kind, flat_earth=True)

    fns = {
        "disba": (lambda: [D(per, mode=mo, wave="rayleigh") for mo in modes], reps, nm),
        "pysurf96": (peer_cps, reps, nm),
        "ours single": (
            lambda: [ours(per, *m, mode=mo, n_threads=1) for mo in modes],
            reps * 4,
            nm,
        ),
        "ours batch 1 thr": (
            lambda: [ours(per, *mb, mode=mo, n_threads=1) for mo in modes],
            max(reps // 25, 2),
            B * nm,
        ),
    }
    if nm > 1:  # all modes in one call (mode=[...]); the peers return one mode per call
        fns["ours single, modes in one call"] = (
            lambda: ours(per, *m, mode=list(modes), n_threads=1),
            reps * 4,
            nm,
        )
        fns["ours batch 1 thr, modes in one call"] = (
            lambda: ours(per, *mb, mode=list(modes), n_threads=1),
            max(reps // 25, 2),
            B * nm,
        )
    best = {k: 0.0 for k in fns}
    for _ in range(5):
        for k, (f, r, pc) in fns.items():
            best[k] = max(best[k], rate(f, r, pc))
    peer = max(best["disba"], best["pysurf96"])
    print(name + ": " + ", ".join(f"{k} {v:.0f}/s" for k, v in best.items()))
    single = best["ours single"] / peer
    batch = best["ours batch 1 thr"] / peer
    print(f"    single/faster peer {single:.2f}x, batch(1 thr)/faster peer {batch:.2f}x")
    if nm > 1:
        s1 = best["ours single, modes in one call"] / peer
        b1 = best["ours batch 1 thr, modes in one call"] / peer
        print(f"    modes in one call: single/faster peer {s1:.2f}x, batch {b1:.2f}x", flush=True)
    return single, batch


if __name__ == "__main__":
    for name in sys.argv[1:] or list(CASES):
        run_case(name)
