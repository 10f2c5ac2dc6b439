"""Make tests/data/mt2d_seeds.npz: SimPEG's 2-D MT response on the seeds' full configuration.

The MT data task's section (``geoinvert.data.make_task("mt")``): 600 km x 180 km, 121 columns of
600/121 km x 60 rows of 3 km, 121 stations at the column centres. Two models:

* ``layered``: 50 / 500 / 10 / 1000 / 100 Ω·m with tops at 0 / 3 / 12 / 30 / 90 km (laterally
  uniform, so the exact answer is the 1-D recursion);
* ``prior``: a draw of the task's prior (layers and bodies reaching the surface, 5-4500 Ω·m;
  seed 13).

Frequencies 1e-3, 1e-2, 0.1 and 1 Hz (SimPEG needs far larger meshes for the rest of the
seeds' 1e-4-1e3 Hz; a subset keeps this under 10 CPU minutes). Run offline (needs simpeg,
discretize and geoinvert for the prior draw):

    nice -n 10 python tests/data/make_mt2d_seeds.py

SimPEG 0.25.2: TensorMesh with 2 columns per model column (2.48 km), rows of 100 m (0-3 km),
250 m (3-12 km), 500 m (12-30 km), 1.5 km (30-180 km), 1.3x padding (18 cells, > 1000 km) on the
sides and below, 30 air cells growing 1.3x from 100 m; sigma_air = 1e-6 S/m; padding cells
repeat the model's edge cells. ``Simulation2DMagneticField`` ("yx") is TE and
``Simulation2DElectricField`` ("xy") TM; its default solver. Phases folded into (0, 90) deg.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

FREQUENCIES = np.array([1e-3, 1e-2, 0.1, 1.0])
LAYERS = np.array([[0.0, 50.0], [3.0, 500.0], [12.0, 10.0], [30.0, 1000.0], [90.0, 100.0]])
PRIOR_SEED = 13


def sections() -> dict[str, np.ndarray]:
    """The two resistivity sections (60, 121) in Ω·m."""
    from geoinvert.data import make_task

    task = make_task("mt")
    zc = task.prior.z_centres
    col = LAYERS[np.searchsorted(LAYERS[:, 0], zc, side="right") - 1, 1]
    layered = np.repeat(col[:, None], task.prior.nx, axis=1)
    prior = 10.0 ** task.sample(np.random.default_rng(PRIOR_SEED), 1)["log10_rho"][0]
    return {"layered": layered, "prior": prior}


def main() -> None:
    import discretize
    from simpeg import maps
    from simpeg.electromagnetics import natural_source as ns

    from geoinvert.data import make_task

    prior = make_task("mt").prior
    width, nx, nz = prior.width * 1e3, prior.nx, prior.nz
    dx = width / nx / 2
    pad = 1.3
    hx = [(dx, 18, -pad), (dx, 2 * nx), (dx, 18, pad)]
    hz = [
        (1500.0, 18, -pad),
        (1500.0, 100),
        (500.0, 36),
        (250.0, 36),
        (100.0, 30),
        (100.0, 30, pad),
    ]
    mesh = discretize.TensorMesh([hx, hz], origin=[0.0, 0.0])
    x_pad = mesh.h[0][:18].sum()
    z_surface = mesh.nodes_y[mesh.nodes_y.size - 1 - 30]
    mesh.origin = np.r_[-x_pad, -z_surface]
    cc = mesh.cell_centers
    ix = np.clip(np.floor(cc[:, 0] / (width / nx)).astype(int), 0, nx - 1)
    iz = np.clip(np.floor(-cc[:, 1] / 3000.0).astype(int), 0, nz - 1)
    loc = np.c_[prior.x_centres * 1e3, np.zeros(nx)]
    out: dict[str, np.ndarray] = {}
    for name, rho in sections().items():
        sigma = 1.0 / rho[iz, ix]
        sigma[cc[:, 1] > 0] = 1e-6
        out[f"{name}_resistivity"] = rho
        for mode, sim_cls, orient in (
            ("te", ns.Simulation2DMagneticField, "yx"),
            ("tm", ns.Simulation2DElectricField, "xy"),
        ):
            rx = [
                ns.receivers.Impedance(loc, orientation=orient, component="apparent_resistivity"),
                ns.receivers.Impedance(loc, orientation=orient, component="phase"),
            ]
            survey = ns.Survey([ns.sources.Planewave(rx, frequency=f) for f in FREQUENCIES])
            sim = sim_cls(mesh, survey=survey, sigmaMap=maps.IdentityMap(), forward_only=True)
            t = time.perf_counter()
            d = sim.dpred(sigma).reshape(FREQUENCIES.size, 2, nx)
            print(f"SimPEG {name} {mode}: {time.perf_counter() - t:.1f} s, {mesh.n_cells} cells")
            out[f"{name}_rho_a_{mode}"] = d[:, 0]
            ph = np.abs(d[:, 1])
            out[f"{name}_phase_{mode}"] = np.where(ph > 90, 180 - ph, ph)
    path = Path(__file__).with_name("mt2d_seeds.npz")
    np.savez_compressed(path, frequencies=FREQUENCIES, layers=LAYERS, **out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
