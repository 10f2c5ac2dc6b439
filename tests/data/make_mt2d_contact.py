"""Make tests/data/mt2d_contact.npz: SimPEG's 2-D MT response of a vertical contact.

10 Ω·m for x < 0 and 100 Ω·m for x > 0 (a vertical contact through the whole earth), stations
-20..20 km every 2 km, frequencies 1, 0.1, 0.01 Hz. Run offline (needs simpeg and discretize):

    python tests/data/make_mt2d_contact.py

SimPEG: TensorMesh with 400 m columns in |x| <= 24 km, 100 m rows in the top 4 km, 400 m to
20 km, 1.3x padding (22 cells, > 400 km, i.e. several skin depths at 0.01 Hz in 100 Ω·m),
sigma_air = 1e-6 S/m. ``Simulation2DMagneticField`` ("yx") is TE, ``Simulation2DElectricField``
("xy") is TM in SimPEG's 2-D. Phases folded into (0, 90) degrees.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

FREQUENCIES = np.array([1.0, 0.1, 0.01])
STATIONS_KM = np.arange(-20.0, 20.01, 2.0)
RHO_LEFT, RHO_RIGHT = 10.0, 100.0


def main() -> None:
    import discretize
    from simpeg import maps
    from simpeg.electromagnetics import natural_source as ns

    pad = 1.3
    hx = [(400.0, 22, -pad), (400.0, 120), (400.0, 22, pad)]
    hz = [(400.0, 22, -pad), (400.0, 40), (100.0, 40), (100.0, 6), (100.0, 24, pad)]
    mesh = discretize.TensorMesh([hx, hz], origin=["C", 0.0])
    z_surface = mesh.nodes_y[mesh.nodes_y.size - 1 - 30]  # 30 air cells
    mesh.origin = mesh.origin - np.r_[0.0, z_surface]
    cc = mesh.cell_centers
    sigma = np.where(cc[:, 0] < 0, 1 / RHO_LEFT, 1 / RHO_RIGHT)
    sigma[cc[:, 1] > 0] = 1e-6
    loc = np.c_[STATIONS_KM * 1e3, np.zeros_like(STATIONS_KM)]
    out = {}
    for mode, sim_cls, orient in (
        ("te", ns.Simulation2DMagneticField, "yx"),
        ("tm", ns.Simulation2DElectricField, "xy"),
    ):
        rx = [
            ns.receivers.Impedance(loc, orientation=orient, component="apparent_resistivity"),
            ns.receivers.Impedance(loc, orientation=orient, component="phase"),
        ]
        survey = ns.Survey([ns.sources.Planewave(rx, frequency=f) for f in FREQUENCIES])
        sim = sim_cls(mesh, survey=survey, sigmaMap=maps.IdentityMap())
        t = time.perf_counter()
        d = sim.dpred(sigma).reshape(FREQUENCIES.size, 2, STATIONS_KM.size)
        print(f"SimPEG {mode}: {time.perf_counter() - t:.1f} s, {mesh.n_cells} cells", flush=True)
        out[f"rho_a_{mode}"] = d[:, 0]
        ph = np.abs(d[:, 1])
        out[f"phase_{mode}"] = np.where(ph > 90, 180 - ph, ph)
    path = Path(__file__).with_name("mt2d_contact.npz")
    np.savez_compressed(
        path,
        frequencies=FREQUENCIES,
        stations=STATIONS_KM,
        rho_left_right=np.array([RHO_LEFT, RHO_RIGHT]),
        **out,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
