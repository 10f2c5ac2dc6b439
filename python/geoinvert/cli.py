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


# --- data generation (issue 5) --------------------------------------------------------------

_TASK_HELP = "crust (Rayleigh phase+group dispersion), crust-ps (Moho Ps delays), mt, rf"


@app.command()
def generate(
    task: str = typer.Argument(..., help=_TASK_HELP),
    n: int = typer.Option(..., "--n", help="Number of samples."),
    out: str = typer.Option(..., "--out", help="Zarr store directory to write."),
    chunk: int = typer.Option(1000, "--chunk", help="Samples per chunk (one Dask task)."),
    seed: int = typer.Option(0, "--seed", help="Root seed (chunk i: SeedSequence(seed).spawn)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Existing Dask scheduler, tcp://host:port."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Embedded-cluster workers."),
    threads: int | None = typer.Option(None, "--threads", help="Threads per kernel call."),
    processes: bool = typer.Option(
        True, "--processes/--no-processes", help="Embedded cluster: worker processes or threads."
    ),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted store."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing store."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Generate a training set into a Zarr v3 store (resumable, deterministic)."""
    import json
    import logging

    from .data import generate as run
    from .data import make_task

    logging.basicConfig(level=logging.WARNING)
    try:
        t = make_task(task)
        summary = run(
            t, n, out, chunk=chunk, seed=seed, scheduler=scheduler, workers=workers,
            threads=threads, processes=processes, resume=resume, overwrite=overwrite,
            progress=progress,
        )  # fmt: skip
    except (ValueError, RuntimeError, FileExistsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(str(summary))
    typer.echo(json.dumps(summary.as_dict()))


@app.command()
def inspect(
    store: str = typer.Argument(..., help="Zarr store written by `geoinvert generate`."),
    figure: str | None = typer.Option(None, "--figure", help="PNG path (default STORE.png)."),
    samples: int = typer.Option(4, "--samples", help="Rows to plot."),
) -> None:
    """Print a store's summary and save a figure of a few samples."""
    import json

    from .data import DatasetStore
    from .plot import plot_store_samples

    st = DatasetStore(store)
    typer.echo(json.dumps(st.summary(), indent=1))
    path = figure or f"{store.rstrip('/')}.png"
    try:
        plot_store_samples(store, samples, out=path)
    except ValueError as exc:
        typer.echo(f"no figure: {exc}", err=True)
        return
    typer.echo(f"figure: {path}")


@app.command("plot-prior")
def plot_prior_cmd(
    name: str = typer.Argument(..., help="crust, mt or rf"),
    n: int = typer.Option(30, "--n", help="Samples drawn."),
    seed: int = typer.Option(0, "--seed"),
    out: str = typer.Option("prior.png", "--out", help="PNG path."),
) -> None:
    """Draw samples from a prior and save a figure."""
    from .plot import plot_prior

    try:
        plot_prior(name, n, seed=seed, out=out)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"figure: {out}")


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
