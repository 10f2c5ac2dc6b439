"""matplotlib figures (matplotlib is imported inside each function).

Units: depth km, velocity km/s, resistivity Ω·m, time s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MT_CMAP",
    "cell_edges",
    "plot_phase_error",
    "plot_prior",
    "plot_resistivity_section",
    "plot_rf_stack",
    "plot_store_samples",
]

#: Colour map of resistivity sections: conductors red, resistors blue (the usual MT rendering).
MT_CMAP = "turbo_r"


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


def cell_edges(centres: Any) -> np.ndarray:
    """Cell edges (n + 1,) of a 1-D grid of cell centres (n,), the outer cells symmetric.

    Parameters
    ----------
    centres : array_like, shape (n,)
        Strictly increasing or decreasing cell centres (any unit, e.g. km); n ≥ 2.
    """
    c = np.asarray(centres, dtype=float).reshape(-1)
    step = np.diff(c)
    if c.size < 2 or not (np.all(step > 0) or np.all(step < 0)):
        raise ValueError(f"centres must be >= 2 strictly monotonic values, got {c}")
    mid = 0.5 * (c[1:] + c[:-1])
    return np.concatenate([[2 * c[0] - mid[0]], mid, [2 * c[-1] - mid[-1]]])


def plot_resistivity_section(
    log10_resistivity: Any,
    x: Any,
    z: Any,
    *,
    ax: Any = None,
    stations: Any = None,
    vmin: float = 0.0,
    vmax: float = 4.0,
    title: str | None = None,
    colorbar: bool = True,
    cmap: str = MT_CMAP,
    out: str | Path | None = None,
) -> Any:
    """Draw a 2-D resistivity section (log10 Ω·m) against distance and depth.

    Parameters
    ----------
    log10_resistivity : array_like, shape (n_z, n_x)
        log10 of resistivity in Ω·m, rows from the top down.
    x, z : array_like
        Horizontal positions and depths in km: cell centres, shape (n_x,) and (n_z,), or cell
        edges, shape (n_x + 1,) and (n_z + 1,) (non-uniform meshes with padding cells too).
    ax : matplotlib Axes, optional
        Draw into this axes (e.g. one panel of a comparison figure); a new figure otherwise.
    stations : array_like, optional
        Site positions along the profile in km, drawn as triangles at the surface.
    vmin, vmax : float
        Colour limits in log10 Ω·m.
    title : str, optional
    colorbar : bool
        Add a colour bar labelled in log10 Ω·m to this axes.
    cmap : str
        Colour map (default :data:`MT_CMAP`, conductors red).
    out : path, optional
        Save the figure holding ``ax`` there.

    Returns
    -------
    matplotlib.collections.QuadMesh
        The drawn mesh (``.axes``, ``.figure``; pass it to ``colorbar`` for a shared bar).
    """
    rho = np.asarray(log10_resistivity, dtype=float)
    if rho.ndim != 2:
        raise ValueError(f"log10_resistivity must be 2-D (n_z, n_x), got shape {rho.shape}")
    edges = []
    for name, v, n in (("x", x, rho.shape[1]), ("z", z, rho.shape[0])):
        v = np.asarray(v, dtype=float).reshape(-1)
        if v.size == n:
            v = cell_edges(v)
        elif v.size != n + 1:
            raise ValueError(
                f"{name} must hold {n} cell centres or {n + 1} edges for a section of shape "
                f"{rho.shape}, got {v.size} values"
            )
        edges.append(v)
    if ax is None:
        _, axes = _figure(1, 1, (8, 4))
        ax = axes[0, 0]
    mesh = ax.pcolormesh(edges[0], edges[1], rho, cmap=cmap, vmin=vmin, vmax=vmax)
    if stations is not None:
        st = np.asarray(stations, dtype=float)
        ax.plot(st, np.zeros_like(st), "kv", ms=6, clip_on=False)
    ax.set_ylim(edges[1][-1], edges[1][0])
    ax.set_xlabel("distance (km)")
    ax.set_ylabel("depth (km)")
    if title:
        ax.set_title(title, fontsize=9)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="log10 resistivity (Ω·m)")
    if out is not None:
        ax.figure.savefig(out, dpi=100)
    return mesh


def plot_rf_stack(
    times: Any,
    stack: Any,
    depth: Any = None,
    migrated: Any = None,
    *,
    window: tuple[float, float] = (250.0, 350.0),
    model_end: float | None = None,
    detection: Any = None,
    title: str = "moveout-corrected stack",
    p_ref: float = 0.06,
    out: str | Path | None = None,
) -> Any:
    """A station's receiver-function stack: in time and, when given, migrated to depth.

    Parameters
    ----------
    times : array_like, shape (npts,)
        Time after the direct P in s.
    stack : array_like, shape (npts,)
        Moveout-corrected stack (:func:`geoinvert.invert.xdisc.moveout_stack`).
    depth, migrated : array_like, shape (n_depth,), optional
        Depth grid in km and the depth-migrated stack on it (mean of
        :func:`geoinvert.invert.rf_stacking.depth_stack`; NaN where no trace reaches).
    window : tuple of float
        Depth window of the X-discontinuity test in km, shaded.
    model_end : float, optional
        End of the classifier's input window in s; the part after the last sample is shaded
        as "no data (zero-filled for the CNN)".
    detection : StackDetection, optional
        Result of :func:`geoinvert.invert.rf_stacking.detect_in_window`, marked at its depth.
    title : str
        Title of the time panel.
    p_ref : float
        Reference slowness of the stack in s/km (for the label).
    out : path, optional
        Save the figure there.

    Returns
    -------
    matplotlib.figure.Figure
    """
    t = np.asarray(times, dtype=float).reshape(-1)
    s = np.asarray(stack, dtype=float).reshape(-1)
    if t.size != s.size:
        raise ValueError(f"stack has {s.size} samples but times has {t.size}")
    with_depth = depth is not None and migrated is not None
    fig, axes = _figure(1, 2 if with_depth else 1, (11, 3.6) if with_depth else (6, 3.6))
    a1 = axes[0, 0]
    a1.plot(t, s, "k", lw=1)
    if model_end is not None and model_end > t[-1]:
        a1.axvspan(t[-1], model_end, color="0.85", label="no data (zero-filled for the CNN)")
        a1.legend(fontsize=7)
    a1.set_xlabel(f"time after P (s), moveout-corrected to p = {p_ref:g} s/km")
    a1.set_ylabel("amplitude")
    a1.set_title(title, fontsize=9)
    if with_depth:
        z = np.asarray(depth, dtype=float).reshape(-1)
        m = np.asarray(migrated, dtype=float).reshape(-1)
        if z.size != m.size:
            raise ValueError(f"migrated has {m.size} values but depth has {z.size}")
        a2 = axes[0, 1]
        a2.plot(z, m, "k", lw=1)
        a2.axvspan(*window, color="tab:orange", alpha=0.2, label="X window")
        if detection is not None:
            mark = "detected" if detection.detected else "not detected"
            a2.plot(
                [detection.depth], [detection.amplitude], "v", color="tab:red",
                label=f"window maximum ({mark}, p = {detection.p_value:.3f})",
            )  # fmt: skip
        a2.set_xlabel("depth (km)")
        a2.set_title("depth-migrated stack", fontsize=9)
        a2.legend(fontsize=7)
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=110)
    return fig


def plot_phase_error(
    lon: Any,
    lat: Any,
    relative_error: Any,
    *,
    title: str = "relative phase-velocity error of the predicted structure (Eq. 4)",
    out: str | Path | None = None,
) -> Any:
    """Map of the RMS over frequency of Eq. 4's relative error per point, and its histogram.

    Parameters
    ----------
    lon, lat : array_like, shape (n,)
        Points in degrees.
    relative_error : array_like, shape (n, n_f)
        (c_predicted − c_observed) / c_observed per point and frequency (dimensionless).
    title : str
        Figure title.
    out : str or Path, optional
        Write a PNG here.
    """
    e = np.asarray(relative_error, float)
    rms = 100 * np.sqrt(np.nanmean(e**2, axis=1))
    fig, axes = _figure(1, 2, (11, 4.2))
    ax = axes[0, 0]
    sc = ax.scatter(np.asarray(lon), np.asarray(lat), c=rms, cmap="magma_r", marker="s", s=40)
    fig.colorbar(sc, ax=ax, shrink=0.8, label="RMS over frequency (%)")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_aspect("equal")
    ax = axes[0, 1]
    ax.hist(100 * e[np.isfinite(e)].ravel(), bins=40, color="0.4")
    ax.set_xlabel("relative phase-velocity error (%)")
    ax.set_ylabel("count (points × frequencies)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if out is not None:
        fig.savefig(out, dpi=120)
    return fig
