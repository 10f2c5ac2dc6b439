"""Make tests/data/mt2d_commemi.npz: SimPEG's 2-D MT response of the COMMEMI 2D-1 model.

COMMEMI 2D-1 (Zhdanov, Varentsov, Weaver et al. 1997, J. Appl. Geophys. 37, 133-271): a 0.5 Ω·m
block, 1 km wide (|x| <= 0.5 km), from 250 m to 2250 m depth, in a 100 Ω·m half-space.

Run offline (needs simpeg >= 0.22 and discretize; the tests only read the .npz):

    OMP_NUM_THREADS=1 nice -n 10 python tests/data/make_mt2d_commemi.py

SimPEG: TensorMesh with 25 m cells in the core (|x| <= 4 km, z <= 3 km) and 1.3x padding:
26 cells on each side (99 km, 2 skin depths at 0.01 Hz in 100 Ω·m), 29 below (218 km, 4.4
skin depths: SimPEG closes the bottom with a zero tangential field) and 6 + 28 air cells
(168 km); 68 076 cells. Air conductivity 1e-6 S/m (it breaks down at low frequency with 1e-8,
see issue 3); ``forward_only=True``.

Modes: in SimPEG's 2-D (x along the profile, y up, strike along z) ``Simulation2DMagneticField``
(receiver orientation "yx") solves for the magnetic field on the edges, i.e. the in-plane
magnetic field with the electric field along strike: the TE (E-polarisation) mode, stored as
``*_te``. ``Simulation2DElectricField`` ("xy") solves for the in-plane electric field, with the
magnetic field along strike: TM (H-polarisation), stored as ``*_tm``. (The first run of an
earlier version of this script had the two swapped; the fixture is now this script's output as
is.) Stored are its apparent resistivities (Ω·m) and phases (degrees, folded into (0, 90)) at
the stations, the model, the mesh's padding and cell count and the peer's versions.

Solver: SimPEG's default without Pardiso/MUMPS is ``SolverLU`` (scipy's SuperLU). The first
version of this script used it (COLAMD ordering) on a 62 000-cell mesh and took 57 min; on this
mesh SuperLU with MMD_AT_PLUS_A had not finished one factorisation after 11 CPU minutes. The
script passes the same SuperLU after a reverse Cuthill-McKee ordering of the unknowns (natural
column order, one step of iterative refinement): the same linear systems, solved to rounding
(normwise backward error 4e-20 on the TE system at 0.01 Hz), 17 s per factorisation. SimPEG's
discretisation, boundary conditions and data are untouched. Measured: 3.4 min wall (TE 120 s,
TM 79 s) on one core of a shared machine, 12 GB peak memory.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

FREQUENCIES = np.array([100.0, 10.0, 1.0, 0.1, 0.01])
STATIONS_KM = np.arange(-4.0, 4.01, 0.25)
BLOCK = dict(x0=-0.5, x1=0.5, z0=0.25, z1=2.25, rho=0.5, rho_host=100.0)


N_PAD_SIDE, N_PAD_BOTTOM, N_AIR_FINE, N_PAD_AIR = 26, 29, 6, 28


def rcm_splu(A, **_ignored):
    """SuperLU of ``A`` after a reverse Cuthill-McKee ordering, with one refinement step."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as sla
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    A = sp.csr_matrix(A)
    p = reverse_cuthill_mckee(A, symmetric_mode=True)
    lu = sla.splu(
        A[p][:, p].tocsc(),
        permc_spec="NATURAL",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )

    class _Factor:
        def solve(self, rhs):
            rhs = np.asarray(rhs)
            x = np.empty_like(rhs, dtype=complex)
            x[p] = lu.solve(rhs[p])
            r = rhs - A @ x
            x[p] += lu.solve(r[p])
            return x

    return _Factor()


def main() -> None:
    import discretize
    import pymatsolver
    import scipy
    import simpeg
    from simpeg import maps
    from simpeg.electromagnetics import natural_source as ns

    solver = pymatsolver.wrap_direct(rcm_splu, factorize=True, name="SolverLU_RCM")
    dc = 25.0
    ncx, ncz = int(8000 / dc), int(3000 / dc)
    pad = 1.3
    hx = [(dc, N_PAD_SIDE, -pad), (dc, ncx), (dc, N_PAD_SIDE, pad)]
    # below, core earth, fine air, padding air
    hz = [(dc, N_PAD_BOTTOM, -pad), (dc, ncz), (dc, N_AIR_FINE), (dc, N_PAD_AIR, pad)]
    mesh = discretize.TensorMesh([hx, hz], origin="CN")
    # shift so that the surface (z=0) is a node: the fine air cells start at z=0
    zs = mesh.nodes_y[N_PAD_BOTTOM + ncz]
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
        ("te", ns.Simulation2DMagneticField, "yx"),
        ("tm", ns.Simulation2DElectricField, "xy"),
    ):
        rx = [
            ns.receivers.Impedance(loc, orientation=orient, component="apparent_resistivity"),
            ns.receivers.Impedance(loc, orientation=orient, component="phase"),
        ]
        survey = ns.Survey([ns.sources.Planewave(rx, frequency=f) for f in FREQUENCIES])
        sim = sim_cls(
            mesh, survey=survey, sigmaMap=maps.IdentityMap(), forward_only=True, solver=solver
        )
        t = time.perf_counter()
        d = sim.dpred(sigma).reshape(FREQUENCIES.size, 2, STATIONS_KM.size)
        print(f"SimPEG {mode}: {time.perf_counter() - t:.1f} s, {mesh.n_cells} cells", flush=True)
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
        simpeg_n_cells=mesh.n_cells,
        simpeg_padding_km=np.array(  # side, below, air
            [
                mesh.h[0][:N_PAD_SIDE].sum(),
                mesh.h[1][:N_PAD_BOTTOM].sum(),
                mesh.h[1][-(N_AIR_FINE + N_PAD_AIR) :].sum(),
            ]
        )
        / 1e3,
        versions=np.array(
            [
                f"simpeg {simpeg.__version__}",
                f"discretize {discretize.__version__}",
                f"scipy {scipy.__version__}",
            ]
        ),
        **out,
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
