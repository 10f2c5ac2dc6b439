"""matplotlib figures (matplotlib is imported inside each function).

Units: depth km, velocity km/s, resistivity Ω·m, time s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_prior", "plot_store_samples"]


def _figure(nrows: int, ncols: int, size: tuple[float, float]) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=size, squeeze=False)


def _step_profile(thickness: np.ndarray, value: np.ndarray, z_max: float) -> tuple:
    top = np.concatenate([[0.0], np.cumsum(thickness[:-1])])
    z = np.repeat(np.concatenate([top, [z_max]]), 2)[1:-1]
    v = np.repeat(value, 2)
    return v, z


def plot_prior(
    name: str, n: int = 30, *, seed: int = 0, out: str | Path | None = None, prior: Any = None
) -> Any:
    """Draw ``n`` samples of a prior ("crust", "mt" or "rf") and plot them.

    crust: Vs, Vp and density profiles (km/s, g/cm³) against depth (km) and the Moho-depth
    histogram; mt: four resistivity sections (log10 Ω·m); rf: histograms of the X-discontinuity
    parameters and the slowness.

    Returns the matplotlib ``Figure`` (saved to ``out`` when given).
    """
    from .earth import priors

    rng = np.random.default_rng(seed)
    if name == "crust":
        s = priors.sample_crust(rng, n, prior)
        fig, ax = _figure(1, 4, (15, 5))
        z_max = 250.0
        for i in range(n):
            for j, arr in enumerate((s.vs, s.vp, s.rho)):
                v, z = _step_profile(s.thickness[i], arr[i], z_max)
                ax[0, j].plot(v, z, lw=0.8, alpha=0.6)
        for j, lab in enumerate(("Vs (km/s)", "Vp (km/s)", "density (g/cm³)")):
            ax[0, j].set_xlabel(lab)
            ax[0, j].set_ylim(z_max, 0)
        ax[0, 0].set_ylabel("depth (km)")
        big = priors.sample_crust(np.random.default_rng(seed + 1), max(2000, n), prior)
        ax[0, 3].hist(big.label, bins=40)
        ax[0, 3].set_xlabel("Moho depth (km)")
        fig.suptitle(f"crust prior: {n} samples (profiles), {len(big)} (histogram)")
    elif name == "mt":
        ms = priors.sample_mt_sections(rng, max(n, 4), prior)
        p = prior or priors.MTSectionPrior()
        fig, ax = _figure(2, 2, (14, 6))
        for k, a in enumerate(ax.flat):
            im = a.imshow(
                ms.log10_resistivity[k],
                extent=(0, p.width, p.depth, 0),
                aspect="auto",
                cmap="viridis_r",
                vmin=np.log10(p.resistivity[0]),
                vmax=np.log10(p.resistivity[1]),
            )
            a.set_xlabel("distance (km)")
            a.set_ylabel("depth (km)")
        fig.colorbar(im, ax=ax, label="log10 resistivity (Ω·m)")
        fig.suptitle("MT section prior: 4 samples")
    elif name == "rf":
        rs = priors.sample_rf_params(rng, max(n, 2000), prior)
        fig, ax = _figure(1, 4, (15, 4))
        present = rs.column("x_present") == 1
        ax[0, 0].hist(rs.column("x_depth")[present], bins=30)
        ax[0, 0].set_xlabel("X depth (km)")
        ax[0, 1].hist(100 * rs.column("x_dlnvs")[present], bins=30)
        ax[0, 1].set_xlabel("X Vs jump (%)")
        ax[0, 2].hist(rs.column("x_width")[present], bins=30)
        ax[0, 2].set_xlabel("X width (km, 0 = sharp)")
        ax[0, 3].hist(rs.column("slowness"), bins=30)
        ax[0, 3].set_xlabel("slowness (s/km)")
        fig.suptitle(f"RF prior: {len(rs)} samples, {present.mean():.0%} with an X-discontinuity")
    else:
        raise ValueError(f"name must be 'crust', 'mt' or 'rf', got {name!r}")
    fig.tight_layout() if name != "mt" else None
    if out is not None:
        fig.savefig(out, dpi=100)
    return fig


def plot_store_samples(store: str | Path, n: int = 4, *, out: str | Path | None = None) -> Any:
    """Plot the inputs of the first ``n`` usable rows of a generation store with their labels.

    1-D inputs are drawn against the feature index named by the store's ``input_names``
    (frequency-ordered phase then group velocities for the crust task); 3-D inputs (MT) show the
    first channel and the target section. Returns the ``Figure``.
    """
    from .data.store import DatasetStore

    st = DatasetStore(Path(store))
    a = st.attrs
    root = st.root
    rows = st.complete_rows()
    status = np.asarray(root["status"][:])
    rows = rows[status[rows] == 0][:n]
    if rows.size == 0:
        raise ValueError(f"{store}: no complete, successful rows to plot")
    x = np.asarray(root["inputs"].get_orthogonal_selection((rows,)))
    y = np.asarray(root["targets"].get_orthogonal_selection((rows,)))
    tnames = a.get("target_names", ["target"])
    if x.ndim == 2:
        fig, ax = _figure(1, 1, (9, 5))
        names = a.get("input_names", [])
        times = a.get("times")
        axis = np.asarray(times) if times is not None and len(times) == x.shape[1] else None
        for r, xi, yi in zip(rows, x, y, strict=True):
            label = ", ".join(f"{t}={v:.4g}" for t, v in zip(tnames, yi.ravel(), strict=False))
            if axis is not None:
                ax[0, 0].plot(axis, xi, lw=0.8, label=f"row {r}: {label}")
            else:
                ax[0, 0].plot(xi, marker=".", label=f"row {r}: {label}")
        if axis is not None:
            ax[0, 0].set_xlabel("time after P (s)")
        elif len(names) == x.shape[1]:
            ax[0, 0].set_xticks(range(len(names)))
            ax[0, 0].set_xticklabels(names, rotation=90, fontsize=6)
        ax[0, 0].set_ylabel(a.get("input_units", ""))
        ax[0, 0].legend(fontsize=7)
    else:
        fig, ax = _figure(len(rows), 2, (12, 3 * len(rows)))
        for k in range(len(rows)):
            ax[k, 0].imshow(x[k].reshape(-1, *x.shape[-2:])[0], aspect="auto")
            ax[k, 0].set_title(f"row {rows[k]}: inputs[0]")
            ax[k, 1].imshow(y[k].reshape(-1, *y.shape[-2:])[0] if y.ndim > 2 else y[k][None],
                            aspect="auto")  # fmt: skip
            ax[k, 1].set_title("targets")
    fig.suptitle(f"{a.get('task')} store {Path(store).name}: {len(rows)} samples")
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=100)
    return fig
