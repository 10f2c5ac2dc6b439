"""The ``geoinvert`` command line: one command (group) per workflow."""

from __future__ import annotations

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


@app.command("rf")
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
    spherical: bool = typer.Option(False, help="Apply the Earth-flattening transformation."),
    sac: bool = typer.Option(False, help="Write SAC files into the folder OUT (needs obspy)."),
) -> None:
    """Synthesize exact radial P receiver functions of a layered model."""
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
            np.asarray(slowness),
            dt=dt,
            n_samples=n_samples,
            gaussian=gaussian,
            shift=shift,
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


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
