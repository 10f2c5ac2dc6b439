"""CPU seconds per MT-task section: the task's per-band meshes against one mesh, same sections.

    python benchmarks/mt_task_cpu.py

Kernel only (``time.process_time``, 1 thread), 6 prior sections, twice; then the differences
between the two meshes' answers and the band table (benchmarks/README.md, MT).
"""

from __future__ import annotations

import time

import numpy as np

from geoinvert import mt
from geoinvert.data import make_task


def main() -> None:
    task = make_task("mt")
    p, f = task.prior, task.frequencies
    xe = np.linspace(0.0, p.width, p.nx + 1)
    ze = np.linspace(0.0, p.depth, p.nz + 1)
    mesh = mt.build_mesh(xe, ze, f, min_resistivity=p.resistivity[0])
    solvers = {"one mesh": mt.Forward2D(mesh, p.x_centres, f, n_threads=1), "bands": task.solver(1)}
    secs = 10.0 ** task.sample(np.random.default_rng(7), 6)["log10_rho"]
    out = {}
    for rep in range(2):
        for name, fw in solvers.items():
            t = time.process_time()
            out[name] = [fw.run(g) for g in secs]
            print(f"{rep} {name}: {(time.process_time() - t) / len(secs):.2f} CPU-s per section")
    for k in ("rho_a_te", "rho_a_tm", "phase_te", "phase_tm"):
        a = np.array([getattr(r, k) for r in out["one mesh"]])
        b = np.array([getattr(r, k) for r in out["bands"]])
        e = np.abs(b / a - 1) * 100 if k.startswith("rho") else np.abs(b - a)
        unit = "%" if k.startswith("rho") else " deg"
        print(f"{k} bands vs one mesh: max {e.max():.2f}{unit}, median {np.median(e):.3f}{unit}")
    for band in solvers["bands"].band_summary():
        print(band)


if __name__ == "__main__":
    main()
