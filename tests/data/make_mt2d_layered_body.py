"""Make tests/data/mt2d_layered_body.npz: SimPEG's 2-D MT response of a three-layer earth with a
resistive body.

Layers 100 Ω·m (0-2 km), 10 Ω·m (2-10 km), 1000 Ω·m below; a 1000 Ω·m body in |x| <= 3.2 km,
3-6.8 km depth (inside the conductive layer; edges on SimPEG's grid lines). Stations -20..20 km
every 2 km, frequencies 1, 0.1, 0.01 Hz. Run offline (needs simpeg and discretize):

    python tests/data/make_mt2d_layered_body.py

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
LAYERS = np.array([[0.0, 100.0], [2.0, 10.0], [10.0, 1000.0]])  # top (km), rho (ohm m)
BODY = np.array([-3.2, 3.2, 3.0, 6.8, 1000.0])  # x0, x1, z0, z1 (km), rho (ohm m)


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
    depth = -cc[:, 1] / 1e3
    rho = LAYERS[np.searchsorted(LAYERS[:, 0], depth, side="right") - 1, 1]
    xk = cc[:, 0] / 1e3
    eps = 1e-6  # cell centres are never on the body's edges (they lie on grid lines)
    inside = (xk > BODY[0] + eps) & (xk < BODY[1] - eps)
    rho[inside & (depth > BODY[2] + eps) & (depth < BODY[3] - eps)] = BODY[4]
    sigma = 1 / rho
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
    path = Path(__file__).with_name("mt2d_layered_body.npz")
    np.savez_compressed(
        path,
        frequencies=FREQUENCIES,
        stations=STATIONS_KM,
        layers=LAYERS,
        body=BODY,
        **out,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
