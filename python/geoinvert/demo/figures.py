"""Figures and files written by ``geoinvert demo`` (matplotlib, Agg backend, lazy imports)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["crust_figures", "training_curves"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _grid(region: Any, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lons = np.unique(region.lon)
    lats = np.unique(region.lat)
    grid = np.full((lats.size, lons.size), np.nan)
    grid[np.searchsorted(lats, region.lat), np.searchsorted(lons, region.lon)] = values
    return lons, lats, grid


def training_curves(run_dirs: dict[str, Path], path: Path) -> None:
    """Training/validation loss per epoch of Lightning CSV logs (one panel per run)."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(run_dirs), figsize=(4.5 * len(run_dirs), 3.4), squeeze=False)
    for ax, (label, run) in zip(axes[0], run_dirs.items(), strict=True):
        files = sorted(Path(run).glob("**/metrics.csv"))
        series: dict[str, list[tuple[float, float]]] = {}
        for fcsv in files:
            with open(fcsv) as fh:
                for row in csv.DictReader(fh):
                    for key, val in row.items():
                        if val and key.endswith("loss") and "step" not in key and row.get("epoch"):
                            series.setdefault(key, []).append((float(row["epoch"]), float(val)))
        for key, pts in sorted(series.items()):
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", ms=2, label=key)
        ax.set_title(label)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        if series:
            ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def crust_figures(
    folder: Path,
    region: Any,
    inversion: Any,
    truth: np.ndarray,
    eq4: np.ndarray,
    frequencies: np.ndarray,
    observed: np.ndarray,
    predicted: np.ndarray,
) -> None:
    """Map (CRUST1.0, network, difference, uncertainty), Eq. 4 errors, dispersion examples."""
    plt = _plt()
    panels = [
        ("CRUST1.0 crustal thickness (km)", truth, "viridis", None),
        ("network (MDN) mean (km)", inversion.mean, "viridis", None),
        ("network − CRUST1.0 (km)", inversion.mean - truth, "RdBu_r", "sym"),
        ("network standard deviation (km)", inversion.std, "magma", None),
    ]
    vmin, vmax = np.nanmin(truth), np.nanmax(truth)
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    for ax, (title, vals, cmap, kind) in zip(axes, panels, strict=True):
        lons, lats, grid = _grid(region, vals)
        if kind == "sym":
            lim = float(np.nanmax(np.abs(grid)))
            kw = {"vmin": -lim, "vmax": lim}
        elif "mean" in title or "CRUST1.0 crustal" in title:
            kw = {"vmin": vmin, "vmax": vmax}
        else:
            kw = {}
        im = ax.pcolormesh(lons, lats, grid, cmap=cmap, shading="nearest", **kw)
        ood = inversion.out_of_distribution
        if "mean" in title and ood.any():
            ax.plot(region.lon[ood], region.lat[ood], "kx", ms=4, label="out of distribution")
            ax.legend(fontsize=7, loc="lower left")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("longitude (°E)")
        ax.set_aspect("equal")
        fig.colorbar(im, ax=ax, shrink=0.8)
    axes[0].set_ylabel("latitude (°N)")
    fig.suptitle("Eastern Tibet / western Yangtze craton: crustal thickness", fontsize=11)
    fig.tight_layout()
    fig.savefig(folder / "crust_map.png", dpi=110)
    plt.close(fig)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4))
    a1.hist(100 * eq4.ravel(), bins=50, color="0.4")
    a1.set_xlabel("relative phase-velocity error |c_pred − c_obs| / c_obs (%)")
    a1.set_ylabel("count (points × frequencies)")
    a1.set_title("Eq. 4 of the crust study")
    lons, lats, grid = _grid(region, 100 * eq4.mean(axis=1))
    im = a2.pcolormesh(lons, lats, grid, cmap="magma", shading="nearest")
    a2.set_title("mean Eq. 4 error per grid point (%)")
    a2.set_aspect("equal")
    fig.colorbar(im, ax=a2, shrink=0.8)
    fig.tight_layout()
    fig.savefig(folder / "crust_eq4.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    for i in np.linspace(0, region.n_cells - 1, 4).astype(int):
        (line,) = ax.plot(1e3 * frequencies, observed[i], "o", ms=3)
        ax.plot(
            1e3 * frequencies,
            predicted[i],
            "-",
            color=line.get_color(),
            label=f"{region.lon[i]:.1f}°E {region.lat[i]:.1f}°N",
        )
    ax.set_xlabel("frequency (mHz)")
    ax.set_ylabel("Rayleigh phase velocity (km/s)")
    ax.set_title("observed (dots) and predicted-structure (lines) dispersion")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(folder / "crust_dispersion.png", dpi=110)
    plt.close(fig)
