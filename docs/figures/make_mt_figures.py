"""Make docs/figures/mt_validation.png (docs/mt_validation.md) from the committed fixtures.

    python docs/figures/make_mt_figures.py

Panels: (a, b) COMMEMI 2D-1 TE and TM apparent resistivity, ours against SimPEG
(tests/data/mt2d_commemi.npz); (c) the seeds' configuration, laterally uniform layered model:
the largest error over the 121 stations of TE and TM rho_a against the exact 1-D answer per
frequency, ours (one mesh, per-band meshes) and SimPEG (tests/data/mt2d_seeds.npz); (d) ours at
all 60 frequencies 1e-4-1e3 Hz on the per-band meshes for the hardest layered case of
tests/test_mt2d_bands.py; (e) the vertical contact and (f) the three-layer model with a
resistive body, TE and TM apparent resistivity, ours against SimPEG
(tests/data/mt2d_contact.npz, tests/data/mt2d_layered_body.npz).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from geoinvert import mt
    from geoinvert.data import make_task

    sys.path.insert(0, str(ROOT / "tests"))
    from test_mt2d_peers import _commemi_forward, _contact_forward, _layered_body_forward

    fig, ax = plt.subplots(3, 2, figsize=(11, 12.5))
    # (a, b) COMMEMI 2D-1
    c = np.load(DATA / "mt2d_commemi.npz")
    res = _commemi_forward(c["frequencies"], c["stations"], c["block"])
    for k, mode in enumerate(("te", "tm")):
        a = ax[0, k]
        for i, f in enumerate(c["frequencies"]):
            (line,) = a.semilogy(c["stations"], getattr(res, f"rho_a_{mode}")[i], "-")
            a.semilogy(c["stations"], c[f"rho_a_{mode}"][i], "o", ms=3, color=line.get_color())
            line.set_label(f"{f:g} Hz")
        a.axvspan(-0.5, 0.5, color="0.9", zorder=0)
        a.set_title(f"COMMEMI 2D-1, {mode.upper()}: ours (lines), SimPEG (dots)")
        a.set_xlabel("station (km)")
        a.set_ylabel("apparent resistivity (Ω·m)")
    ax[0, 0].legend(fontsize=8)
    # (c) seeds' configuration, layered model, against exact 1-D
    s = np.load(DATA / "mt2d_seeds.npz")
    task = make_task("mt")
    p = task.prior
    f = s["frequencies"]
    xe, ze = np.linspace(0, p.width, p.nx + 1), np.linspace(0, p.depth, p.nz + 1)
    lay = s["layered_resistivity"]
    ra1 = mt.forward_1d(f, lay[:, 0], np.diff(ze)[:-1])[0]
    runs = {
        "ours, one mesh": mt.Forward2D(
            mt.build_mesh(xe, ze, f, min_resistivity=5), p.x_centres, f
        ).run(lay),
        "ours, band meshes": mt.Forward2D(
            mt.build_band_meshes(xe, ze, f, min_resistivity=5), p.x_centres, f
        ).run(lay),
    }
    a = ax[1, 0]
    for mode, ls in (("te", "-"), ("tm", "--")):
        for name, r in runs.items():
            e = np.abs(getattr(r, f"rho_a_{mode}") / ra1[:, None] - 1).max(1)
            a.loglog(f, 100 * e, ls, marker="o", label=f"{name} {mode.upper()}")
        e = np.abs(s[f"layered_rho_a_{mode}"] / ra1[:, None] - 1).max(1)
        a.loglog(f, 100 * e, ls, marker="s", color="k", label=f"SimPEG {mode.upper()}")
    a.set_title("seeds' section, layered model: max |ρa error| vs exact 1-D")
    a.set_xlabel("frequency (Hz)")
    a.set_ylabel("max over 121 stations (%)")
    a.legend(fontsize=7)
    # (d) 60 frequencies on the band meshes, hardest layered case
    xs = np.arange(-2.5, 603.0, 5.0)
    f60 = np.logspace(-4, 3, 60)
    zc = 0.5 * (ze[1:] + ze[:-1])
    col = np.array([20.0, 5000.0, 5.0, 5000.0])[
        np.searchsorted([0.0, 1.0, 4.0, 50.0], zc, side="right") - 1
    ]
    bm = mt.build_band_meshes(xs, ze, f60, min_resistivity=5, max_resistivity=5000)
    r = mt.Forward2D(bm, np.arange(0.0, 601.0, 5.0), f60).run(
        np.repeat(col[:, None], xs.size - 1, 1)
    )
    ra1 = mt.forward_1d(f60, col, np.diff(ze)[:-1])[0]
    a = ax[1, 1]
    for mode in ("te", "tm"):
        e = np.abs(getattr(r, f"rho_a_{mode}") / ra1[:, None] - 1)
        a.loglog(f60, 100 * e.max(1), label=f"{mode.upper()} max over stations")
        a.loglog(f60, 100 * np.median(e, 1), ":", label=f"{mode.upper()} median")
    for edge in bm.band_edges[1:-1]:
        a.axvline(edge, color="0.8", lw=0.8)
    a.axhline(2.0, color="r", lw=0.8)
    a.set_title("band meshes, 20/5000/5/5000 Ω·m (tops 0/1/4/50 km)")
    a.set_xlabel("frequency (Hz) — grey: band limits, red: 2 % target")
    a.set_ylabel("|ρa error| vs exact 1-D (%)")
    a.legend(fontsize=7)
    # (e, f) vertical contact and layered earth with a resistive body
    k = np.load(DATA / "mt2d_contact.npz")
    b = np.load(DATA / "mt2d_layered_body.npz")
    panels = (
        (ax[2, 0], k, _contact_forward(k["frequencies"], k["stations"], k["rho_left_right"])),
        (
            ax[2, 1],
            b,
            _layered_body_forward(b["frequencies"], b["stations"], b["layers"], b["body"]),
        ),
    )
    for a, ref, res in panels:
        for i, f in enumerate(ref["frequencies"]):
            for mode, ls, mk in (("te", "-", "o"), ("tm", "--", "s")):
                (line,) = a.semilogy(
                    ref["stations"], getattr(res, f"rho_a_{mode}")[i], ls, color=f"C{i}"
                )
                peer = ref[f"rho_a_{mode}"][i]
                a.semilogy(ref["stations"], peer, mk, ms=3, mfc="none", color=f"C{i}")
                if mode == "te":
                    line.set_label(f"{f:g} Hz")
        a.set_xlabel("station (km)")
        a.set_ylabel("apparent resistivity (Ω·m)")
        a.legend(fontsize=8)
    ax[2, 0].set_title("contact 10 | 100 Ω·m: TE (—, o), TM (--, □); SimPEG markers")
    ax[2, 1].axvspan(-3.2, 3.2, color="0.9", zorder=0)
    ax[2, 1].set_title("100/10/1000 Ω·m, 1000 Ω·m body (grey): as (e)")
    fig.tight_layout()
    out = Path(__file__).with_name("mt_validation.png")
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
