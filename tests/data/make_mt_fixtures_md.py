"""Write tests/data/mt_fixtures.md: every MT fixture comparison in one readable table.

    python tests/data/make_mt_fixtures_md.py

Reads only the committed fixtures (``tests/data/mt*.npz``, each made by its ``make_mt*.py``) and
runs our solvers on the same models with the meshes the tests use (``tests/test_mt2d_peers.py``),
so the numbers are those the tests assert against. Takes a few seconds.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent
TESTS = DATA.parent


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a / b - 1)


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.2f} %" if x >= 1e-4 else f"{100 * x:.1e} %"


def _row(what: str, peer: str, where: str, ra: np.ndarray, ph: np.ndarray) -> str:
    return (
        f"| {what} | {peer} | {where} | {_fmt_pct(float(ra.max()))} | "
        f"{_fmt_pct(float(np.median(ra)))} | {float(ph.max()):.2f}° | "
        f"{float(np.median(ph)):.2f}° |"
    )


def one_d_rows() -> list[str]:
    from geoinvert import _core, mt

    rows = []
    ref = np.load(DATA / "mt1d_reference.npz")
    f = ref["frequencies"]
    ours, simpeg, ours_simpeg = [], [], []
    for m, n in enumerate(ref["n_layers"]):
        rho, h = ref["resistivity"][m, :n], ref["thickness"][m, : n - 1]
        _, _, z = mt.forward_1d(f, rho, h)
        zm, zs = ref["Z_mp"][m], ref["Z_simpeg"][m]
        ours.append(np.abs(z - zm) / np.abs(zm))
        simpeg.append(np.abs(zs - zm) / np.abs(zm))
        ours_simpeg.append(np.abs(z - zs) / np.abs(zs))
    for label, e in (
        ("ours vs mpmath", ours),
        ("SimPEG vs mpmath", simpeg),
        ("ours vs SimPEG", ours_simpeg),
    ):
        a = np.concatenate(e)
        rows.append(
            f"| `mt1d_reference` (60 models, 2-6 layers, 5-5000 Ω·m, 60 f 1e-4-1e3 Hz) | "
            f"{label} | {a.max():.1e} | {np.median(a):.1e} |"
        )
    wide = np.load(DATA / "mt1d_wide.npz")
    for kernel in _core.mt1d_kernels():
        e = []
        for m, n in enumerate(wide["n_layers"]):
            rho, h = wide["resistivity"][m, :n], wide["thickness"][m, : n - 1]
            _, _, z = _core.mt_forward_1d(wide["frequencies"], rho, h, 1, kernel=kernel)
            e.append(np.abs(z - wide["Z_mp"][m]) / np.abs(wide["Z_mp"][m]))
        a = np.concatenate(e)
        rows.append(
            f"| `mt1d_wide` (46 models, 2-60 layers, 0.01-1e6 Ω·m, 61 f 1e-5-1e4 Hz) | "
            f"ours ({kernel} kernel) vs mpmath | {a.max():.1e} | {np.median(a):.1e} |"
        )
    ext = np.load(DATA / "mt1d_extreme.npz")
    for kernel in [k for k in _core.mt1d_kernels() if k != "scalar"]:
        _, _, z = _core.mt_forward_1d(
            ext["frequencies"], ext["resistivity"], ext["thickness"], 1, kernel=kernel
        )
        a = np.abs(z - ext["Z_mp"]) / np.abs(ext["Z_mp"])
        rows.append(
            f"| `mt1d_extreme` (3456 models, 1e-300-1e300 Ω·m, 1e-12-1e12 Hz) | "
            f"ours ({kernel} kernel) vs mpmath | {a.max():.1e} | {np.median(a):.1e} |"
        )
    pg = np.load(DATA / "mt1d_pygimli.npz")
    e = []
    for m, n in enumerate(ref["n_layers"]):
        rho, h = ref["resistivity"][m, :n], ref["thickness"][m, : n - 1]
        ra, _, _ = mt.forward_1d(pg["frequencies"], rho, h)
        e.append(np.abs(ra / pg["rho_a"][m] - 1))
    a = np.concatenate(e)
    n_nan = int(np.isnan(pg["thick_rho_a"]).sum())
    rows.append(
        f"| `mt1d_pygimli` (the 60 reference models; pyGIMLi {pg['pygimli_version']}) | "
        f"ours vs pyGIMLi, ρa | {a.max():.1e} | {np.median(a):.1e} |"
    )
    rows.append(
        f"| `mt1d_pygimli` (4 thick stacks, > 700 skin depths) | pyGIMLi NaN at "
        f"{n_nan} of {pg['thick_rho_a'].size} values, ours finite | — | — |"
    )
    return rows


def two_d_rows() -> list[str]:
    from geoinvert import mt
    from geoinvert.data import make_task

    sys.path.insert(0, str(TESTS))
    import test_mt2d_peers as peers

    rows = []
    c = np.load(DATA / "mt2d_commemi.npz")
    res = peers._commemi_forward(c["frequencies"], c["stations"], c["block"])
    away = np.abs(np.abs(c["stations"]) - 0.5) > 0.3
    for mode in ("te", "tm"):
        ra = _rel(getattr(res, f"rho_a_{mode}")[:, away], c[f"rho_a_{mode}"][:, away])
        ph = np.abs(getattr(res, f"phase_{mode}")[:, away] - c[f"phase_{mode}"][:, away])
        rows.append(
            _row(
                f"COMMEMI 2D-1 {mode.upper()}, 0.01-100 Hz (`mt2d_commemi`)",
                f"SimPEG, 25 m cells, {int(c['simpeg_n_cells']):,} cells".replace(",", " "),
                "stations > 0.3 km from the block edges",
                ra,
                ph,
            )
        )
    k = np.load(DATA / "mt2d_contact.npz")
    res = peers._contact_forward(k["frequencies"], k["stations"], k["rho_left_right"])
    away = np.abs(k["stations"]) > 1.0
    for mode in ("te", "tm"):
        ra = _rel(getattr(res, f"rho_a_{mode}")[:, away], k[f"rho_a_{mode}"][:, away])
        ph = np.abs(getattr(res, f"phase_{mode}")[:, away] - k[f"phase_{mode}"][:, away])
        rows.append(
            _row(
                f"vertical contact 10 \\| 100 Ω·m {mode.upper()}, 0.01-1 Hz (`mt2d_contact`)",
                "SimPEG, 400 m columns",
                "stations > 1 km from the contact",
                ra,
                ph,
            )
        )
    b = np.load(DATA / "mt2d_layered_body.npz")
    res = peers._layered_body_forward(b["frequencies"], b["stations"], b["layers"], b["body"])
    for mode in ("te", "tm"):
        ra = _rel(getattr(res, f"rho_a_{mode}"), b[f"rho_a_{mode}"])
        ph = np.abs(getattr(res, f"phase_{mode}") - b[f"phase_{mode}"])
        rows.append(
            _row(
                f"3 layers + resistive body {mode.upper()}, 0.01-1 Hz (`mt2d_layered_body`)",
                "SimPEG, 400 m columns",
                "all 21 stations",
                ra,
                ph,
            )
        )
    s = np.load(DATA / "mt2d_seeds.npz")
    p = make_task("mt").prior
    f = s["frequencies"]
    xe, ze = np.linspace(0, p.width, p.nx + 1), np.linspace(0, p.depth, p.nz + 1)
    lay = s["layered_resistivity"]
    ra1, ph1, _ = mt.forward_1d(f, lay[:, 0], np.diff(ze)[:-1])
    one = mt.Forward2D(mt.build_mesh(xe, ze, f, min_resistivity=5), p.x_centres, f)
    bands = mt.Forward2D(
        mt.build_band_meshes(xe, ze, f, min_resistivity=5, max_resistivity=5000),
        p.x_centres,
        f,
    )
    for name, fw in (("ours, default one mesh", one), ("ours, band meshes", bands)):
        r = fw.run(lay)
        for mode in ("te", "tm"):
            rows.append(
                _row(
                    f"seeds' section, layered, {mode.upper()}, 1e-3-1 Hz (`mt2d_seeds`)",
                    f"exact 1-D ({name})",
                    "all 121 stations",
                    _rel(getattr(r, f"rho_a_{mode}"), ra1[:, None]),
                    np.abs(getattr(r, f"phase_{mode}") - ph1[:, None]),
                )
            )
    for mode in ("te", "tm"):
        rows.append(
            _row(
                f"seeds' section, layered, {mode.upper()}, 1e-3-1 Hz (`mt2d_seeds`)",
                "exact 1-D (SimPEG, 69 500 cells)",
                "all 121 stations",
                _rel(s[f"layered_rho_a_{mode}"], ra1[:, None]),
                np.abs(s[f"layered_phase_{mode}"] - ph1[:, None]),
            )
        )
    rho = s["prior_resistivity"]
    for name, fw in (("default one mesh", one), ("band meshes, data-task options", bands)):
        r = fw.run(rho)
        for mode in ("te", "tm"):
            rows.append(
                _row(
                    f"seeds' section, prior draw, {mode.upper()}, 1e-3-1 Hz (`mt2d_seeds`)",
                    f"SimPEG, 69 500 cells (ours: {name})",
                    "all 121 stations",
                    _rel(getattr(r, f"rho_a_{mode}"), s[f"prior_rho_a_{mode}"]),
                    np.abs(getattr(r, f"phase_{mode}") - s[f"prior_phase_{mode}"]),
                )
            )
    sel = peers._stations_away_from_surface_contrasts(np.log10(rho))
    fine = mt.Forward2D(
        mt.build_mesh(xe, ze, f, min_resistivity=5, padding_skin_depths=10, x_subdivide=4),
        p.x_centres,
        f,
    ).run(rho)
    for mode in ("te", "tm"):
        rows.append(
            _row(
                f"seeds' section, prior draw, {mode.upper()}, 1e-3-1 Hz (`mt2d_seeds`)",
                "SimPEG, 69 500 cells (ours: 10 skin depths padding, 4 columns per model column)",
                f"{int(sel.sum())} stations > 1 column from surface contrasts",
                _rel(getattr(fine, f"rho_a_{mode}")[:, sel], s[f"prior_rho_a_{mode}"][:, sel]),
                np.abs(getattr(fine, f"phase_{mode}")[:, sel] - s[f"prior_phase_{mode}"][:, sel]),
            )
        )
    return rows


def main() -> None:
    text = [
        "# MT fixtures: what each comparison shows",
        "",
        "Made by `python tests/data/make_mt_fixtures_md.py` from the committed fixtures; each",
        "fixture's `tests/data/make_mt*.py` says how the peer was run (mesh, versions, command).",
        "Our side uses the meshes of the tests that read the fixture (`tests/test_mt1d.py`,",
        "`tests/test_mt2d_peers.py`). Conventions: e^{+iωt}, Z_TE = Ex/Hy, Z_TM = −Ey/Hx,",
        "ρa = |Z|²/(ωμ0) in Ω·m, phase in degrees.",
        "",
        "## 1-D: relative error in Z",
        "",
        "| fixture | comparison | max | median |",
        "|---|---|---|---|",
        *one_d_rows(),
        "",
        "SimPEG's recursion is itself 1.3e-10 from the 50-digit answer; ours vs SimPEG is that.",
        "",
        "## 2-D: apparent resistivity (relative) and phase (absolute) differences",
        "",
        "| model, mode, frequencies (fixture) | against | stations | ρa max | ρa median "
        "| phase max | phase median |",
        "|---|---|---|---|---|---|---|",
        *two_d_rows(),
        "",
        "SimPEG 0.25.2 with σ_air = 1e-6 S/m in every 2-D fixture. Our meshes for `mt2d_seeds`",
        "are built for the fixture's frequencies (1e-3-1 Hz), so their padding is 1 skin depth",
        "at 1e-3 Hz in 100 Ω·m. Where TM differs most (the prior draw next to surface contrasts",
        "and above the deep body's flanks), ours on those meshes is converged neither laterally",
        "(one mesh column per 5 km model column) nor in its padding (3 instead of 1 skin depth",
        "moves our TM by up to 8 % at 1e-3 Hz); with 4 columns per model column and 3 skin",
        "depths of padding ours moves by <= 0.7 % when refined further, so the remaining gap",
        "is partly SimPEG's (2 columns per model column).",
        "",
    ]
    path = DATA / "mt_fixtures.md"
    path.write_text("\n".join(text), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
