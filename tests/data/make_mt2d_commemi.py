"""Make tests/data/mt2d_commemi.npz: SimPEG's 2-D MT response of the COMMEMI 2D-1 model.

COMMEMI 2D-1 (Zhdanov, Varentsov, Weaver et al. 1997, J. Appl. Geophys. 37, 133-271): a 0.5 Ω·m
block, 1 km wide (|x| <= 0.5 km), from 250 m to 2250 m depth, in a 100 Ω·m half-space.

Run offline (needs simpeg >= 0.22 and discretize; the tests only read the .npz):

    python tests/data/make_mt2d_commemi.py

SimPEG: TensorMesh with 25 m cells in the core (|x| <= 4 km, z <= 3 km), 1.3x padding, air
conductivity 1e-6 S/m (it breaks down at low frequency with 1e-8, see issue 3). In SimPEG's 2-D
(x along the profile, y up, strike along z) ``Simulation2DElectricField`` ("xy") solves for the
in-plane electric field, i.e. the TM mode, and ``Simulation2DMagneticField`` ("yx") for the
in-plane magnetic field, i.e. TE. Stored are its apparent resistivities (Ω·m) and phases
(degrees, folded into (0, 90)) at the stations, and the model description.
The padding below the core (22 cells x1.3 from 25 m, ~35 km) is less than one skin depth at
0.01 Hz in 100 Ω·m (50 km), so SimPEG's 0.01 Hz values are boundary-affected (its TM phase is
~25° low everywhere, also far from the block); the tests use 0.1-100 Hz. The script took 57 min
(SuperLU, shared machine).
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

FREQUENCIES = np.array([100.0, 10.0, 1.0, 0.1, 0.01])
STATIONS_KM = np.arange(-4.0, 4.01, 0.25)
BLOCK = dict(x0=-0.5, x1=0.5, z0=0.25, z1=2.25, rho=0.5, rho_host=100.0)


def main() -> None:
    import discretize
    from simpeg import maps
    from simpeg.electromagnetics import natural_source as ns

    dc = 25.0
    ncx, ncz = int(8000 / dc), int(3000 / dc)
    pad = 1.3
    hx = [(dc, 22, -pad), (dc, ncx), (dc, 22, pad)]
    hz = [(dc, 22, -pad), (dc, ncz), (dc, 6), (dc, 24, pad)]  # below, core earth, air
    mesh = discretize.TensorMesh([hx, hz], origin="CN")
    # shift so that the surface (z=0) is a node: the 6 fine air cells start at z=0
    z_nodes = mesh.nodes_y
    zs = z_nodes[np.argmin(np.abs(z_nodes - (z_nodes[0] + mesh.h[1][: 22 + ncz].sum())))]
    mesh.origin = mesh.origin - np.r_[0.0, zs]
    cc = mesh.cell_centers
    sigma = np.full(mesh.n_cells, 1 / BLOCK["rho_host"])
    sigma[cc[:, 1] > 0] = 1e-6
    inb = (
        (cc[:, 0] > BLOCK["x0"] * 1e3)
        & (cc[:, 0] < BLOCK["x1"] * 1e3)
        & (cc[:, 1] < -BLOCK["z0"] * 1e3)
        & (cc[:, 1] > -BLOCK["z1"] * 1e3)
    )
    sigma[inb] = 1 / BLOCK["rho"]
    loc = np.c_[STATIONS_KM * 1e3, np.zeros_like(STATIONS_KM)]
    out = {}
    for mode, sim_cls, orient in (
        ("tm", ns.Simulation2DElectricField, "xy"),
        ("te", ns.Simulation2DMagneticField, "yx"),
    ):
        rx = [
            ns.receivers.Impedance(loc, orientation=orient, component="apparent_resistivity"),
            ns.receivers.Impedance(loc, orientation=orient, component="phase"),
        ]
        survey = ns.Survey([ns.sources.Planewave(rx, frequency=f) for f in FREQUENCIES])
        sim = sim_cls(mesh, survey=survey, sigmaMap=maps.IdentityMap())
        t = time.perf_counter()
        d = sim.dpred(sigma).reshape(FREQUENCIES.size, 2, STATIONS_KM.size)
        print(f"SimPEG {mode}: {time.perf_counter() - t:.1f} s, {mesh.n_cells} cells")
        out[f"rho_a_{mode}"] = d[:, 0]
        ph = np.abs(d[:, 1])
        out[f"phase_{mode}"] = np.where(ph > 90, 180 - ph, ph)
    path = Path(__file__).with_name("mt2d_commemi.npz")
    np.savez_compressed(
        path,
        frequencies=FREQUENCIES,
        stations=STATIONS_KM,
        block=np.array([BLOCK[k] for k in ("x0", "x1", "z0", "z1", "rho", "rho_host")]),
        simpeg_cell_size_m=dc,
        simpeg_sigma_air=1e-6,
        **out,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
