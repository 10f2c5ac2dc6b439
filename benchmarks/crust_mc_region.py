"""Monte Carlo over the whole demo region vs the network (issue 7, conventional baseline).

The crust study's baseline took 3 weeks on 4 processors; the demo reports one Monte Carlo point
and extrapolates. This script runs the Monte Carlo at EVERY cell of the demo region
(eastern Tibet / western Yangtze craton, CRUST1.0 columns over PREM, 0.5 % noise: the very
observations of ``geoinvert demo``, same seed) with :func:`geoinvert.invert.mc_region.
mc_invert_region` on all cores, resumable, and compares it with the demo's trained MDN:

* wall time of the region: Monte Carlo (measured, not extrapolated) vs the network;
* agreement per cell: |MC mean − network mean| ≤ the joint 1σ (and 2σ), correlation and RMS
  difference of the two maps, and each against CRUST1.0 (the source of the observations);
* calibration of each against CRUST1.0: fraction of cells whose truth lies in the 16-84 %
  interval.

Usage (after ``geoinvert demo --only crust --out DEMO``)::

    python benchmarks/crust_mc_region.py --demo DEMO --out runs/mc_region [--steps 20000]

Writes ``mc.jsonl`` (the per-cell checkpoint; a rerun resumes), ``results.json``,
``results.md`` and ``mc_region.png`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def _grid(lon: np.ndarray, lat: np.ndarray, values: np.ndarray):
    lons, lats = np.unique(lon), np.unique(lat)
    grid = np.full((lats.size, lons.size), np.nan)
    grid[np.searchsorted(lats, lat), np.searchsorted(lons, lon)] = values
    return lons, lats, grid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", type=Path, required=True, help="demo folder with crust_mdn.pt")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--steps", type=int, default=20000, help="steps per chain (16 chains)")
    ap.add_argument("--workers", type=int, default=None, help="processes (default all cores)")
    ap.add_argument("--seed", type=int, default=0, help="the demo's seed (same observations)")
    ap.add_argument(
        "--rerun-unconverged",
        type=int,
        default=0,
        metavar="STEPS",
        help="second pass: cells with split R-hat >= 1.1 again with STEPS steps per chain",
    )
    a = ap.parse_args()

    from geoinvert.data.tasks import CRUST_FREQUENCIES
    from geoinvert.demo.crust import NOISE
    from geoinvert.earth import crust1
    from geoinvert.invert.crust import compare_maps, crust1_phase_velocities, invert_crust
    from geoinvert.invert.mc_region import mc_invert_region
    from geoinvert.train import load_model

    a.out.mkdir(parents=True, exist_ok=True)
    region = crust1.load_region()
    f = np.asarray(CRUST_FREQUENCIES)
    observed = crust1_phase_velocities(region, f, noise=NOISE, seed=a.seed)
    truth = region.crustal_thickness

    model = load_model(a.demo / "crust_mdn.pt")
    t0 = time.perf_counter()
    net = invert_crust(model, f, observed, lon=region.lon, lat=region.lat)
    net_s = time.perf_counter() - t0

    mc = mc_invert_region(
        f,
        observed,
        checkpoint=a.out / "mc.jsonl",
        n_workers=a.workers,
        seed=a.seed,
        sigma=NOISE,
        n_steps=a.steps,
    )
    first_pass = {
        "converged_fraction": float(mc.converged.mean()),
        "rhat_moho_max": float(mc.rhat_moho.max()),
        "wall_seconds": mc.wall_seconds,
        "point_seconds_sum": float(mc.seconds.sum()),
    }
    if a.rerun_unconverged and not mc.converged.all():
        # Longer chains where 16 x STEPS did not mix (an independent seed range: seed + 10^6)
        bad = np.flatnonzero(~mc.converged)
        again = mc_invert_region(
            f,
            observed[bad],
            checkpoint=a.out / f"mc_rerun_{a.rerun_unconverged}.jsonl",
            n_workers=a.workers,
            seed=a.seed + 10**6,
            sigma=NOISE,
            n_steps=a.rerun_unconverged,
        )
        fields = {k: getattr(mc, k).copy() for k in ("mean", "std", "q16", "q84", "rhat_moho")}
        for k, v in fields.items():
            v[bad] = getattr(again, k)
        seconds = mc.seconds.copy()
        seconds[bad] += again.seconds
        mc = type(mc)(
            **fields,
            seconds=seconds,
            wall_seconds=mc.wall_seconds + again.wall_seconds,
            n_resumed=mc.n_resumed,
            n_workers=mc.n_workers,
        )
        first_pass["rerun_cells"] = int(bad.size)
        first_pass["rerun_steps"] = a.rerun_unconverged
        first_pass["rerun_converged_fraction"] = float(again.converged.mean())
    diff = mc.mean - net.mean
    joint = np.hypot(mc.std, net.std)
    res = {
        "n_cells": region.n_cells,
        "steps_per_chain": a.steps,
        "first_pass": first_pass,
        "n_workers": mc.n_workers,
        "mc_wall_seconds_this_call": mc.wall_seconds,
        "mc_cells_resumed": mc.n_resumed,
        "mc_point_seconds_sum": float(mc.seconds.sum()),
        "mc_point_seconds_median": float(np.median(mc.seconds)),
        "network_seconds_region": net_s,
        "mc_converged_fraction": float(mc.converged.mean()),
        "mc_rhat_moho_max": float(mc.rhat_moho.max()),
        "agree_1sigma_fraction": float(np.mean(np.abs(diff) <= joint)),
        "agree_2sigma_fraction": float(np.mean(np.abs(diff) <= 2 * joint)),
        "mc_vs_network": compare_maps(mc.mean, net.mean),
        "mc_vs_crust1": compare_maps(mc.mean, truth),
        "network_vs_crust1": compare_maps(net.mean, truth),
        "mc_std_mean_km": float(mc.std.mean()),
        "network_std_mean_km": float(net.std.mean()),
        "mc_cover68_crust1": float(np.mean((truth >= mc.q16) & (truth <= mc.q84))),
        "network_cover68_crust1": float(np.mean((truth >= net.q16) & (truth <= net.q84))),
    }
    (a.out / "results.json").write_text(json.dumps(res, indent=2))

    m, n, c = res["mc_vs_network"], res["network_vs_crust1"], res["mc_vs_crust1"]
    md = [
        f"Region Monte Carlo vs network, {region.n_cells} cells, {a.steps} steps x 16 chains, "
        f"{mc.n_workers} worker processes",
        "",
        "| quantity | Monte Carlo | network (MDN) |",
        "|---|---|---|",
        f"| time, whole region | {mc.seconds.sum() / 60:.1f} CPU-min (sum of cells; "
        f"{mc.wall_seconds / 60:.1f} min wall in this call on {mc.n_workers} processes) "
        f"| {net_s:.3f} s |",
        f"| r / RMS vs CRUST1.0 | {c['correlation']:.3f} / {c['rms_km']:.2f} km | "
        f"{n['correlation']:.3f} / {n['rms_km']:.2f} km |",
        f"| mean posterior std | {mc.std.mean():.2f} km | {net.std.mean():.2f} km |",
        f"| CRUST1.0 inside 16-84 % | {res['mc_cover68_crust1']:.3f} | "
        f"{res['network_cover68_crust1']:.3f} |",
        "",
        f"MC vs network: r {m['correlation']:.3f}, RMS {m['rms_km']:.2f} km, bias "
        f"{m['bias_km']:.2f} km; cells agreeing within the joint 1 sigma "
        f"{res['agree_1sigma_fraction']:.3f}, 2 sigma {res['agree_2sigma_fraction']:.3f}; "
        f"MC converged (split R-hat < 1.1) at {res['mc_converged_fraction']:.3f} of the cells "
        f"(max R-hat {res['mc_rhat_moho_max']:.3f})"
        + (
            f", after rerunning the {first_pass['rerun_cells']} cells that had not converged in "
            f"the first pass ({first_pass['converged_fraction']:.3f}) with "
            f"{first_pass['rerun_steps']} steps."
            if "rerun_cells" in first_pass
            else "."
        ),
    ]
    (a.out / "results.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("CRUST1.0 (km)", truth, "viridis"),
        ("Monte Carlo mean (km)", mc.mean, "viridis"),
        ("network (MDN) mean (km)", net.mean, "viridis"),
        ("(MC − network) / joint σ", diff / joint, "RdBu_r"),
    ]
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.2))
    lo, hi = np.nanmin(truth), np.nanmax(truth)
    for ax, (title, vals, cmap) in zip(axes[:4], panels, strict=True):
        lons, lats, grid = _grid(region.lon, region.lat, vals)
        kw = {"vmin": -3, "vmax": 3} if "σ" in title else {"vmin": lo, "vmax": hi}
        im = ax.pcolormesh(lons, lats, grid, cmap=cmap, shading="nearest", **kw)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("longitude (°E)")
        ax.set_aspect("equal")
        fig.colorbar(im, ax=ax, shrink=0.8)
    axes[0].set_ylabel("latitude (°N)")
    ax = axes[4]
    ax.errorbar(net.mean, mc.mean, xerr=net.std, yerr=mc.std, fmt="o", ms=3, alpha=0.5, lw=0.6)
    ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
    ax.set_xlabel("network mean ± σ (km)")
    ax.set_ylabel("Monte Carlo mean ± σ (km)")
    ax.set_title("per cell")
    fig.tight_layout()
    fig.savefig(a.out / "mc_region.png", dpi=110)


if __name__ == "__main__":
    main()
