"""`geoinvert rf` and `geoinvert dispersion`: forward modelling from the command line.

Plain functions; :mod:`geoinvert.cli` registers them as commands. Only typer is imported at module
level, so ``geoinvert --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["dispersion", "rf_synthesize"]


def rf_synthesize(
    model: str = typer.Argument(
        ..., help="Reference model (ak135, iasp91, prem) or a model file (model96 or CSV)."
    ),
    out: str = typer.Option("rf.npz", "--out", "-o", help="Output .npz, or a folder with --sac."),
    slowness: list[float] = typer.Option(  # noqa: B008
        [0.06], "--slowness", "-p", help="Slowness in s/km (repeat for several)."
    ),
    max_depth: float = typer.Option(800.0, help="Half-space depth (km) for reference models."),
    layer_thickness: float = typer.Option(10.0, help="Sub-layer thickness (km), reference models."),
    x_depth: float = typer.Option(
        0.0, help="Insert an X-discontinuity at this depth (km); 0: none."
    ),
    x_dvs: float = typer.Option(3.0, help="Vs jump of the X-discontinuity in percent."),
    dt: float = typer.Option(0.05, help="Sample interval (s)."),
    n_samples: int = typer.Option(4096, help="Samples per receiver function."),
    gaussian: float = typer.Option(2.5, help="Gaussian parameter a (rad/s)."),
    shift: float = typer.Option(5.0, help="Time of the direct P (s)."),
    water_level: float = typer.Option(
        1e-3, help="Water level of the R/Z deconvolution (fraction of max |Z|²); 0: exact."
    ),
    spherical: bool = typer.Option(False, help="Apply the Earth-flattening transformation."),
    sac: bool = typer.Option(False, help="Write SAC files into the folder OUT (needs obspy)."),
) -> None:
    """Synthesize full-wavefield radial P receiver functions of a layered model."""
    from pathlib import Path

    import numpy as np

    from . import rf
    from .earth import REFERENCE_MODELS, insert_discontinuity, layered, read_model

    try:
        if model.lower() in REFERENCE_MODELS:
            m = layered(model, max_depth=max_depth, layer_thickness=layer_thickness)
        else:
            m = read_model(model)
        if x_depth > 0:
            m = insert_discontinuity(m, x_depth, x_dvs)
        rfs = rf.receiver_function(
            *m.arrays(),
            slowness=np.asarray(slowness),
            dt=dt,
            n_samples=n_samples,
            gaussian=gaussian,
            shift=shift,
            water_level=water_level,
            spherical=spherical,
        )
        if sac:
            paths = rf.write_sac(rfs, out, dt=dt, shift=shift, slowness=np.asarray(slowness))
            typer.echo(f"wrote {len(paths)} SAC files to {out}")
            return
        np.savez(
            Path(out),
            rf=rfs,
            time=rf.rf_times(n_samples, dt, shift),
            slowness=np.asarray(slowness),
            thickness=m.thickness,
            vp=m.vp,
            vs=m.vs,
            rho=m.rho,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"wrote {rfs.shape[0]} receiver functions ({m.n_layers} layers) to {out}")


def _parse_periods(text: str) -> list[float]:
    """``"a:b:n"`` -> n periods log-spaced from a to b (s); ``"p1,p2,..."`` -> that list."""
    import numpy as np

    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            a, b, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1 or a <= 0 or b <= 0:
                raise ValueError
            return [float(v) for v in (np.geomspace(a, b, n) if n > 1 else [a])]
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"--periods must be 'a:b:n' (n log-spaced periods from a to b s, a, b > 0) or a "
            f"comma-separated list of periods in s, got {text!r}"
        ) from None
    if not values:
        raise typer.BadParameter("--periods is empty")
    return values


def dispersion(
    model: Annotated[
        Path | None,
        typer.Argument(
            help="Model file (CPS model96 or CSV: thickness km, vp, vs km/s, rho g/cm³ per "
            "row). Default: the bundled example continental crust (example_crust.model96)."
        ),
    ] = None,
    periods: Annotated[
        str,
        typer.Option(help="'a:b:n' = n periods log-spaced from a to b (s), or a comma list (s)."),
    ] = "5:100:20",
    wave: Annotated[str, typer.Option(help="rayleigh or love.")] = "rayleigh",
    mode: Annotated[int, typer.Option(help="Mode index (0 = fundamental).")] = 0,
    group: Annotated[
        bool, typer.Option("--group", help="Also print the group velocity (always in --out).")
    ] = False,
    spherical: Annotated[
        bool, typer.Option("--spherical", help="Earth-flattening transformation.")
    ] = False,
    out: Annotated[Path | None, typer.Option(help="Write a CSV of the curves.")] = None,
    plot: Annotated[
        Path, typer.Option(help="PNG of phase and group curves (modes 0..mode).")
    ] = Path("dispersion.png"),
    threads: Annotated[int | None, typer.Option(help="Threads (default: all cores).")] = None,
) -> None:
    """Surface-wave phase/group velocity curves (km/s) of a layered model: table, CSV, PNG."""
    import numpy as np

    from . import dispersion as disp
    from .earth import example_model_path, read_model

    path = model if model is not None else example_model_path()
    try:
        layered = read_model(path)
        p = np.asarray(_parse_periods(periods))
        # modes 0..mode in one kernel call (one root scan serves them all)
        phases, groups = disp.curves(
            p, *layered.arrays(), wave=wave, mode=range(mode + 1), spherical=spherical,
            n_threads=threads,
        )  # fmt: skip
        all_modes = list(zip(phases, groups, strict=True))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    phase, grp = all_modes[mode]
    name = layered.name or str(path)
    typer.echo(f"# {wave} mode {mode}, model {name} ({layered.n_layers} layers)")
    typer.echo("# period_s  phase_km_s" + ("  group_km_s" if group else ""))
    for i in range(p.size):
        row = f"{p[i]:10.4f}  {phase[i]:10.6f}"
        if group:
            row += f"  {grp[i]:10.6f}"
        typer.echo(row)
    if out is not None:
        header = "period_s,phase_km_s,group_km_s"
        np.savetxt(
            out,
            np.column_stack([p, phase, grp]),
            delimiter=",",
            header=header,
            comments="",
            fmt="%.10g",
        )
        typer.echo(f"wrote {out}")
    _plot_curves(plot, p, all_modes, wave, name)
    typer.echo(f"wrote {plot}")


def _plot_curves(path: Path, periods: Any, all_modes: list[Any], wave: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for m, (phase, grp) in enumerate(all_modes):
        axes[0].plot(periods, phase, "o-", ms=3, label=f"mode {m}")
        axes[1].plot(periods, grp, "o-", ms=3, label=f"mode {m}")
    for ax, kind in zip(axes, ("phase", "group"), strict=True):
        ax.set_xscale("log")
        ax.set_xlabel("period (s)")
        ax.set_title(f"{wave} {kind} velocity")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    axes[0].set_ylabel("velocity (km/s)")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
