"""Make tests/data/mt1d_pygimli.npz: pyGIMLi's 1-D MT response (``pg.core.MT1dModelling``, its
C++ recursion) on the 60 models of ``mt1d_reference.npz`` and on four stacks with a layer many
skin depths thick, where pyGIMLi overflows to NaN (issue 3). Run offline (needs pygimli/pgcore
1.6; ``pip install pygimli``):

    python tests/data/make_mt1d_pygimli.py

Stored: ``rho_a`` (Ω·m) and ``phase`` (degrees) per model and frequency, NaN where pyGIMLi
returned NaN.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
# (resistivities Ω·m, thicknesses km): thick/skin-depth of a layer up to ~3000 at 1e3 Hz
THICK_STACKS = [
    ([1.0, 1000.0], [100.0]),
    ([0.1, 100.0], [50.0]),
    ([10.0, 10.0, 1.0], [1.0, 300.0]),
    ([1.0, 100.0], [10.0]),
]


def main() -> None:
    import pygimli as pg

    ref = np.load(HERE / "mt1d_reference.npz")
    f = ref["frequencies"]
    periods = pg.Vector(1.0 / f)

    def response(rho: np.ndarray, thk_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fop = pg.core.MT1dModelling(periods, len(rho), False)
        out = np.asarray(fop.response(pg.Vector(np.r_[thk_km * 1e3, rho])))
        return out[: f.size], np.degrees(out[f.size :])

    ra, ph = [], []
    for i in range(ref["resistivity"].shape[0]):
        n = int(ref["n_layers"][i])
        a, b = response(ref["resistivity"][i, :n], ref["thickness"][i, : n - 1])
        ra.append(a)
        ph.append(b)
    n_max = max(len(r) for r, _ in THICK_STACKS)
    t_rho = np.full((len(THICK_STACKS), n_max), np.nan)
    t_thk = np.full((len(THICK_STACKS), n_max - 1), np.nan)
    t_ra, t_ph = [], []
    for k, (r, h) in enumerate(THICK_STACKS):
        t_rho[k, : len(r)] = r
        t_thk[k, : len(h)] = h
        a, b = response(np.asarray(r), np.asarray(h))
        t_ra.append(a)
        t_ph.append(b)
    path = HERE / "mt1d_pygimli.npz"
    np.savez_compressed(
        path,
        frequencies=f,
        rho_a=np.asarray(ra),
        phase=np.asarray(ph),
        thick_resistivity=t_rho,
        thick_thickness=t_thk,
        thick_rho_a=np.asarray(t_ra),
        thick_phase=np.asarray(t_ph),
        pygimli_version=np.asarray(pg.__version__),
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
