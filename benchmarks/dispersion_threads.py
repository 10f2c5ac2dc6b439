"""2 threads / 1 thread of geoinvert's batched dispersion calls (development script).

The two thread counts run alternately, REPS times each (default 100), and the minimum wall
time of each is compared, so a neighbour's burst hits both alike. Needs idle cores::

    python benchmarks/dispersion_threads.py [N_MODELS] [CASE ...]   (1000 a11 b11 a21 b21 c21 d30)

d30 times one call for mode 4 (the costliest of the five one-mode calls). REPS is read from
the environment variable GEOINVERT_THREAD_REPS.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_dispersion import CASES, _batch

from geoinvert import dispersion as disp

args = sys.argv[1:]
n = int(args.pop(0)) if args and args[0].isdigit() else 1000
reps = int(os.environ.get("GEOINVERT_THREAD_REPS", "100"))
for name in args or ["a11", "b11", "a21", "b21", "c21", "d30"]:
    case = CASES[name]
    d, vp, vs, rho = _batch(case["model"], n)
    f = disp.group_velocity if case["group"] else disp.phase_velocity
    best = {1: float("inf"), 2: float("inf")}
    for _ in range(reps):
        for nt in (1, 2):
            t = time.perf_counter()
            f(case["periods"], d, vp, vs, rho, mode=max(case["modes"]), n_threads=nt)
            best[nt] = min(best[nt], time.perf_counter() - t)
    print(
        f"{name} {n} models: 1 thread {best[1] * 1e3:.2f} ms, 2 threads {best[2] * 1e3:.2f} ms,"
        f" ratio {best[1] / best[2]:.3f}"
    )
