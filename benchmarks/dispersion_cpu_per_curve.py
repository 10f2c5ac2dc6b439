"""CPU time per dispersion curve of geoinvert's batched calls (development script).

Batches of 100 perturbed models of benchmarks/bench_dispersion.py's cases, one thread, timed in
process CPU time (robust on a shared machine), min of 15 calls. Run it alternately against two
builds to A/B a kernel change::

    python benchmarks/dispersion_cpu_per_curve.py a11 a21 b21 c21 d30
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_dispersion import CASES, _batch

from geoinvert import dispersion as disp

for name in sys.argv[1:] or list(CASES):
    case = CASES[name]
    d, vp, vs, rho = _batch(case["model"], 100)
    f = disp.group_velocity if case["group"] else disp.phase_velocity
    best = float("inf")
    for _ in range(15):
        t = time.process_time()
        f(case["periods"], d, vp, vs, rho, mode=max(case["modes"]), n_threads=1)
        best = min(best, time.process_time() - t)
    print(f"{name} {best * 1e4:.2f} us/curve", end="; ")
print()
