"""The ``geoinvert`` command line: one command (group) per workflow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app"]

app = typer.Typer(
    name="geoinvert",
    help="Fast layered-earth forward modelling and neural-network inversion.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Fast layered-earth forward modelling and neural-network inversion (units: km, km/s,
    g/cm³, s, Hz, Ω·m, s/km)."""


@app.command()
def version() -> None:
    """Print the package version and the number of hardware threads."""
    import geoinvert

    typer.echo(
        f"geoinvert {geoinvert.__version__} ({geoinvert.hardware_threads()} hardware threads)"
    )


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


@app.command()
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
        opts = {"wave": wave, "spherical": spherical, "n_threads": threads}
        all_modes = [disp.curves(p, *layered.arrays(), mode=m, **opts) for m in range(mode + 1)]
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


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
