"""``geoinvert invert {crust,mt,rf}``: invert observations with a trained network.

Registered on the main app by :mod:`geoinvert.cli`. Only typer is imported at module level;
numpy, torch and matplotlib are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

__all__ = ["invert_app"]

invert_app = typer.Typer(
    help="Invert observations with a trained model (see `geoinvert train`).",
    no_args_is_help=True,
)


def _write_summary(out: Path, summary: dict[str, Any]) -> None:
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n")


def _fail(err: ValueError) -> None:
    typer.echo(f"error: {err}", err=True)
    raise typer.Exit(2)


@invert_app.command("crust")
def invert_crust_cmd(
    model_path: str = typer.Argument(..., metavar="MODEL", help="Crust model artefact (.pt)."),
    data_path: str = typer.Argument(
        ...,
        metavar="DATA",
        help="Observed dispersion grid: CSV or NetCDF (lon, lat, frequency Hz, km/s).",
    ),
    out_dir: str = typer.Option("crust_inversion", "--out", "-o", help="Output folder."),
    crust1: str | None = typer.Option(
        None,
        "--crust1",
        help="Global CRUST1.0 folder (crust1.bnds/.vp/.vs/.rho) for the reference and Eq. 4; "
        "default: the packaged eastern-Tibet region where it covers the points.",
    ),
    draws: int = typer.Option(
        64, help="Input draws that marginalise data σ above the training noise."
    ),
    ood_sigma: float = typer.Option(4.0, help="Out-of-distribution threshold (training stds)."),
    seed: int = typer.Option(0, help="Seed of the noise draws."),
) -> None:
    """Crustal-thickness map (km) with uncertainty from Rayleigh phase (and group) velocities.

    Writes crust_thickness.nc (mean, std, 16/84 % quantiles, OOD flag), crust_thickness.png,
    eq4_phase_error.png (forward model of the predicted structure vs the observations) and
    summary.json; with a CRUST1.0 reference also its RMS misfit and correlation (Table 1 G/H).
    """
    import numpy as np

    model, data, out = Path(model_path), Path(data_path), Path(out_dir)
    from .earth import crust1 as c1
    from .invert.crust import (
        compare_maps,
        crust1_phase_velocities,
        invert_dispersion_grid,
        prem_crust_phase_velocities,
        relative_phase_error,
    )
    from .io import read_dispersion_grid, write_thickness_netcdf, write_thickness_png
    from .plot import plot_phase_error
    from .train import load_model

    try:
        net = load_model(model)
        grid = read_dispersion_grid(data)
        inv = invert_dispersion_grid(net, grid, ood_sigma=ood_sigma, n_draws=draws, seed=seed)
        region = c1.read_crust1(Path(crust1)) if crust1 is not None else c1.load_region()
    except ValueError as err:
        _fail(err)
    out.mkdir(parents=True, exist_ok=True)
    cells, covered = c1.nearest_cells(region, grid.lon, grid.lat)
    moho = np.clip(inv.mean, 5.0, None)
    predicted = prem_crust_phase_velocities(moho, grid.frequencies)
    if covered.any():  # CRUST1.0 crust stretched to the predicted Moho, where it covers a point
        sub = c1.Crust1Region(*(getattr(cells, k)[covered] for k in _CELL_FIELDS))
        predicted[covered] = crust1_phase_velocities(sub, grid.frequencies, moho=moho[covered])
    eq4 = relative_phase_error(predicted, grid.phase)
    write_thickness_netcdf(out / "crust_thickness.nc", grid.lon, grid.lat, inv)
    reference = np.where(covered, cells.crustal_thickness, np.nan) if covered.any() else None
    write_thickness_png(
        out / "crust_thickness.png", grid.lon, grid.lat, inv, reference=reference,
        reference_name="CRUST1.0", title=f"crustal thickness from {data.name}",
    )  # fmt: skip
    plot_phase_error(grid.lon, grid.lat, eq4, out=out / "eq4_phase_error.png")
    summary: dict[str, Any] = {
        "model": str(model),
        "data": str(data),
        "n_points": grid.n_points,
        "n_frequencies": int(grid.frequencies.size),
        "thickness_km": {
            "min": float(np.min(inv.mean)),
            "median": float(np.median(inv.mean)),
            "max": float(np.max(inv.mean)),
        },
        "median_std_km": float(np.nanmedian(inv.std)),
        "out_of_distribution": int(inv.out_of_distribution.sum()),
        "eq4_rms_percent": float(100 * np.sqrt(np.mean(eq4**2))),
        "eq4_crust": f"CRUST1.0 at {int(covered.sum())} points, PREM crust at "
        f"{int((~covered).sum())}",
        "sigma_marginalised": grid.phase_sigma is not None or grid.group_sigma is not None,
    }
    if covered.any():
        summary["vs_crust1"] = {
            "points": int(covered.sum()),
            **compare_maps(inv.mean[covered], cells.crustal_thickness[covered]),
        }
    _write_summary(out, summary)
    typer.echo(
        f"{grid.n_points} points: crustal thickness {summary['thickness_km']['min']:.1f}-"
        f"{summary['thickness_km']['max']:.1f} km (median std {summary['median_std_km']:.2f} km),"
        f" {summary['out_of_distribution']} out of distribution, Eq. 4 RMS "
        f"{summary['eq4_rms_percent']:.2f} %"
    )
    if "vs_crust1" in summary:
        v = summary["vs_crust1"]
        typer.echo(
            f"vs CRUST1.0 ({v['points']} points): RMS {v['rms_km']:.2f} km,"
            f" r {v['correlation']:.3f}"
        )
    typer.echo(f"wrote {out}/crust_thickness.nc, crust_thickness.png, eq4_phase_error.png")


_CELL_FIELDS = ("lon", "lat", "top", "vp", "vs", "rho")


@invert_app.command("mt")
def invert_mt_cmd(
    model_path: str = typer.Argument(..., metavar="MODEL", help="MT U-Net artefact (.pt)."),
    edi: str = typer.Argument(..., help="Folder of EDI files of one profile."),
    out_dir: str = typer.Option("mt_inversion", "--out", "-o", help="Output folder."),
    strike: float | None = typer.Option(
        None, help="Geoelectric strike (degrees east of north); default: from the tensors."
    ),
    nlcg: int = typer.Option(0, help="Also run this many NLCG iterations (0: U-Net only)."),
    stride: int = typer.Option(1, help="Use every STRIDE-th frequency for fits and NLCG."),
    error_floor: float = typer.Option(0.05, help="Relative impedance error floor."),
) -> None:
    """Resistivity section (log10 Ω·m) of an MT profile with the U-Net (and optionally NLCG).

    The data are resampled onto the network's stations and frequencies (how much is
    interpolated rather than held constant is reported: the network has no physics outside the
    observed band/span). Writes mt_section.npz, mt_unet.png (and mt_nlcg.png) and summary.json.
    """
    import numpy as np

    model, out = Path(model_path), Path(out_dir)
    from .invert.mt import invert_profile_nlcg, invert_profile_unet, profile_from_edi
    from .plot import plot_resistivity_section

    try:
        prof = profile_from_edi(edi, strike=strike)
        un = invert_profile_unet(model, prof, error_floor=error_floor, stride=stride)
    except ValueError as err:
        _fail(err)
    out.mkdir(parents=True, exist_ok=True)
    import matplotlib.pyplot as plt

    fig = plot_resistivity_section(
        un.section, un.x_centres - un.grid.offset, un.z_centres, stations=prof.stations,
        title=f"U-Net section, {len(prof.names)} sites (data RMS {un.rms:.2f})",
        out=out / "mt_unet.png",
    )  # fmt: skip
    plt.close(fig.figure)
    summary: dict[str, Any] = {
        "sites": len(prof.names),
        "length_km": float(prof.stations[-1]),
        "strike_deg": prof.strike,
        "frequencies_used": int(un.frequencies.size),
        "grid_fraction_interpolated": un.grid.fraction_interpolated,
        "unet_data_rms": un.rms,
        "unet_seconds": un.seconds,
    }
    arrays: dict[str, Any] = {
        "unet": un.section, "x_km": un.x_centres - un.grid.offset, "z_km": un.z_centres,
        "stations_km": prof.stations, "frequencies": un.frequencies, "observed": un.observed,
        "unet_predicted": un.predicted, "weights": un.weights,
    }  # fmt: skip
    typer.echo(
        f"U-Net: data RMS {un.rms:.2f} ({100 * un.grid.fraction_interpolated:.0f} % of its input"
        f" grid interpolated, the rest extrapolated), {un.seconds:.2f} s"
    )
    if nlcg > 0:
        res, pred, xe, ze = invert_profile_nlcg(
            prof, iterations=nlcg, stride=stride, error_floor=error_floor, progress=True
        )
        fig = plot_resistivity_section(
            res.model, xe, ze, stations=prof.stations,
            title=f"NLCG, {len(res.rms) - 1} iterations (data RMS {res.rms[-1]:.2f})",
            out=out / "mt_nlcg.png",
        )  # fmt: skip
        plt.close(fig.figure)
        arrays.update(nlcg=res.model, nlcg_xe=xe, nlcg_ze=ze, nlcg_predicted=pred)
        summary.update(
            nlcg_rms=[float(r) for r in res.rms],
            nlcg_seconds=res.wall_time,
            nlcg_message=res.message,
        )
        typer.echo(f"NLCG: data RMS {res.rms[0]:.2f} -> {res.rms[-1]:.2f} in {res.wall_time:.1f} s")
    np.savez_compressed(out / "mt_section.npz", **arrays)
    _write_summary(out, summary)
    typer.echo(f"wrote {out}/mt_section.npz, mt_unet.png" + (", mt_nlcg.png" if nlcg else ""))


@invert_app.command("rf")
def invert_rf_cmd(
    model_path: str = typer.Argument(..., metavar="MODEL", help="RF classifier artefact (.pt)."),
    data: list[str] = typer.Argument(  # noqa: B008
        ..., help="The station's radial RFs: RFStream HDF5, SAC or MiniSEED files."
    ),
    out_dir: str = typer.Option("rf_inversion", "--out", "-o", help="Output folder."),
    reference: str = typer.Option("ak135", help="Reference model for moveout and migration."),
    seed: int = typer.Option(0, help="Seed of the stacking baseline's randomisation test."),
) -> None:
    """X-discontinuity at one station: CNN probability and depth, and the stacking baseline."""
    model, out, files = Path(model_path), Path(out_dir), [Path(p) for p in data]
    from .earth import layered
    from .invert.xdisc import station_report
    from .io import as_receiver_functions, read_rf_h5
    from .train import load_model

    try:
        net = load_model(model)
        if len(files) == 1 and files[0].suffix.lower() in (".h5", ".hdf5"):
            rf = read_rf_h5(files[0])
        else:
            rf = as_receiver_functions(data)
        m = layered(reference, max_depth=800.0, layer_thickness=10.0)
        out.mkdir(parents=True, exist_ok=True)
        rep = station_report(
            net, rf, (m.thickness, m.vp, m.vs), seed=seed, figure=out / "rf_stack.png",
            title=f"moveout-corrected stack of {rf.n_traces} RFs ({reference} migration)",
        )  # fmt: skip
    except ValueError as err:
        _fail(err)
    _write_summary(out, {"data": data, "reference": reference, **rep})
    det = "detected" if rep["stacking_detected"] else "not detected"
    typer.echo(
        f"{rep['n_traces']} RFs: CNN P(X) = {rep['cnn_probability']:.3f}"
        f" (depth {rep['cnn_depth_km']:.0f} km); stacking: {det}"
        f" (depth {rep['stacking_depth_km']:.0f} km, p = {rep['stacking_p_value']:.3f})"
    )
    typer.echo(f"wrote {out}/rf_stack.png, summary.json")
