"""Figures of the MT demo pipeline (matplotlib, Agg backend, lazy imports).

Sections are log10 resistivity (log10 Ω·m) against distance (km) and depth (km); data are
apparent resistivity (Ω·m) and phase (degrees) against frequency (Hz).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..plot import cell_edges as _edges
from ..plot import plot_resistivity_section

__all__ = ["paralana_figures", "synthetic_figures"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def synthetic_figures(folder: Path) -> None:
    """``mt_sections.png`` (true / U-Net / NLCG) and ``mt_nlcg_convergence.png``."""
    plt = _plt()
    d = np.load(folder / "mt_synthetic_nlcg.npz")
    truth, unet, nlcg, x, z = d["truth"], d["unet"], d["nlcg"], d["x"], d["z"]
    k = min(3, truth.shape[0])
    xe, ze = _edges(x), _edges(z)
    fig, axes = plt.subplots(k, 3, figsize=(15, 2.6 * k + 0.6), squeeze=False)
    for i in range(k):
        for j, (name, sec) in enumerate((("true", truth), ("U-Net", unet), ("NLCG", nlcg))):
            ax = axes[i, j]
            rms = np.sqrt(np.mean((sec[i] - truth[i]) ** 2))
            title = f"section {i}: {name}" + ("" if j == 0 else f" (RMS {rms:.2f})")
            im = plot_resistivity_section(
                sec[i], xe, ze, ax=ax, vmin=0.5, vmax=3.9, title=title, colorbar=False
            )
            if j:
                ax.set_ylabel("")
            if i < k - 1:
                ax.set_xlabel("")
    fig.subplots_adjust(left=0.06, right=0.9, bottom=0.6 / (2.6 * k + 0.6), top=0.94, hspace=0.45)
    cax = fig.add_axes((0.92, 0.15, 0.012, 0.7))
    fig.colorbar(im, cax=cax, label="log10 resistivity (Ω·m)")
    fig.savefig(folder / "mt_sections.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6.5, 4))
    simple = folder / ".steps" / "mt_nlcg_simple.json"
    if simple.exists():
        import json

        r = json.loads(simple.read_text())["result"]["rms"]
        ax.semilogy(np.arange(len(r)), r, "k-o", ms=3, label="block in half-space (simple model)")
    mesh = str(d["mesh"]) if "mesh" in d.files else "coarse mesh"
    for i, r in enumerate(d["rms"]):
        r = r[np.isfinite(r)]
        ax.semilogy(np.arange(r.size), r, "-", lw=1, label=f"held-out section {i} ({mesh})")
    ax.axhline(1.0, color="g", ls="--", lw=1, label="noise level")
    ax.axhline(2.0, color="r", ls=":", lw=1, label="2 × noise")
    ax.set_xlabel("NLCG iteration")
    ax.set_ylabel("normalised data RMS")
    ax.set_title("NLCG convergence")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(folder / "mt_nlcg_convergence.png", dpi=110)
    plt.close(fig)


def paralana_figures(
    folder: Path,
    profile: Any,
    frequencies: np.ndarray,
    observed: np.ndarray,
    weights: np.ndarray,
    nlcg_pred: np.ndarray,
    unet_pred: np.ndarray,
    result: Any,
    xe: np.ndarray,
    ze: np.ndarray,
    unet: np.ndarray,
    grid: Any,
    prior: Any,
    grid_frequencies: np.ndarray,
) -> None:
    """``mt_paralana_sections.png`` (NLCG, U-Net, its input mask) and ``mt_paralana_data.png``."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(14, 8.5))
    ax = axes[0, 0]
    plot_resistivity_section(
        result.model, xe, ze, ax=ax, stations=profile.stations, vmin=0, vmax=3,
        title=f"NLCG (RMS {result.rms[-1]:.2f})",
    )  # fmt: skip
    ax.set_ylim(30, 0)
    ax.set_xlabel("distance along profile (km)")

    gx, gz = _edges(prior.x_centres), _edges(prior.z_centres)
    ax = axes[0, 1]
    plot_resistivity_section(
        unet, gx - grid.offset, gz, ax=ax, stations=profile.stations, vmin=0, vmax=3,
        title="U-Net on interpolated data (zoom; its cells are 5 km × 3 km)",
    )  # fmt: skip
    ax.set_xlim(-30, 44)
    ax.set_ylim(60, 0)
    ax.set_xlabel("distance along profile (km)")
    ax.set_ylabel("")

    ax = axes[1, 0]
    plot_resistivity_section(
        unet, gx, gz, ax=ax, vmin=0, vmax=3,
        title="U-Net, whole 600 km grid (shaded: the profile)",
    )  # fmt: skip
    ax.axvspan(grid.offset, grid.offset + profile.stations[-1], color="k", alpha=0.25)
    ax.set_xlabel("grid distance (km)")

    ax = axes[1, 1]
    ax.pcolormesh(
        gx, _edges(np.log10(grid_frequencies)), grid.interpolated.astype(float), cmap="Greys",
        vmin=0, vmax=1.4,
    )  # fmt: skip
    ax.set_title(
        f"U-Net input cells: black = interpolated ({100 * grid.fraction_interpolated:.1f} %), "
        "white = extrapolated",
        fontsize=9,
    )
    ax.set_xlabel("grid distance (km)")
    ax.set_ylabel("log10 frequency (Hz)")
    fig.suptitle(
        f"Paralana broadband MT profile, strike {profile.strike:.1f}° (TE = E along strike)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(folder / "mt_paralana_sections.png", dpi=100)
    plt.close(fig)

    sites = sorted({0, len(profile.names) // 2, len(profile.names) - 1})
    fig, axes = plt.subplots(2, len(sites), figsize=(4.6 * len(sites), 7), squeeze=False)
    for j, s in enumerate(sites):
        for c, (mode, col) in enumerate((("TE", "tab:blue"), ("TM", "tab:red"))):
            for row in range(2):
                ax = axes[row, j]
                ch = 2 * c + row
                ok = weights[ch, :, s] > 0
                sig = 1.0 / np.sqrt(np.where(ok, weights[ch, :, s], np.inf))
                y, ys = observed[ch, :, s], sig
                if row == 0:
                    y, lo, hi = 10**y, 10**y - 10 ** (y - ys), 10 ** (y + ys) - 10**y
                    yerr = np.vstack([lo, hi])[:, ok]
                    p1, p2 = 10 ** nlcg_pred[ch, :, s], 10 ** unet_pred[ch, :, s]
                else:
                    yerr = ys[ok]
                    p1, p2 = nlcg_pred[ch, :, s], unet_pred[ch, :, s]
                ax.errorbar(
                    frequencies[ok], y[ok], yerr=yerr, fmt="o", ms=3, color=col, label=f"{mode} obs"
                )
                ax.plot(frequencies, p1, "-", color=col, label=f"{mode} NLCG")
                ax.plot(frequencies, p2, "--", color=col, alpha=0.7, label=f"{mode} U-Net")
                ax.set_xscale("log")
                if row == 0:
                    ax.set_yscale("log")
                    ax.set_title(f"site {profile.names[s]} ({profile.stations[s]:.1f} km)")
                    ax.set_ylabel("apparent resistivity (Ω·m)")
                else:
                    ax.set_ylabel("phase (°)")
                    ax.set_xlabel("frequency (Hz)")
                    ax.set_ylim(0, 90)
                ax.invert_xaxis()
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(folder / "mt_paralana_data.png", dpi=100)
    plt.close(fig)
