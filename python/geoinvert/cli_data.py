"""`geoinvert generate`, `inspect` and `plot-prior`: training-set generation (issue 5).

Plain functions; :mod:`geoinvert.cli` registers them as commands. Only typer is imported at module
level, so ``geoinvert --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["generate", "inspect", "plot_prior_cmd"]

_TASK_HELP = "crust (Rayleigh phase+group dispersion), crust-ps (Moho Ps delays), mt, rf"


def _prior_config(task: str, prior: str) -> dict:
    """Task config for ``--prior``: {} for the default, a CrustPrior for 'prem[:W]'."""
    if prior == "default":
        return {}
    name, _, width = prior.partition(":")
    if task != "crust" or name != "prem":
        raise ValueError(f"--prior: unknown prior {prior!r} for task {task!r}")
    from .earth.priors import CrustPrior

    try:
        w = float(width) if width else 0.05
    except ValueError:
        raise ValueError(f"--prior: width must be a number, got {width!r}") from None
    return {"prior": CrustPrior.prem_based(w)}


def _group_config(task: str, spec: str | None) -> dict:
    """Task config for ``--group-frequencies``: comma-separated mHz, 'same' or 'none'."""
    if spec is None:
        return {}
    if task != "crust":
        raise ValueError(f"--group-frequencies applies to the crust task only, not {task!r}")
    word = spec.strip().lower()
    if word == "same":
        return {}
    if word == "none":
        return {"group_frequencies": ()}
    values = []
    for k, item in enumerate(spec.split(",")):
        try:
            f = float(item)
        except ValueError:
            raise ValueError(
                f"--group-frequencies: item {k} ({item!r}) is not a number (mHz)"
            ) from None
        if not (f > 0 and f < float("inf")):
            raise ValueError(f"--group-frequencies: item {k} must be a positive mHz value, got {f}")
        values.append(round(f, 6) * 1e-3)  # the same rounding as the default set (Hz)
    return {"group_frequencies": tuple(values)}


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
        False,
        "--processes/--no-processes",
        help="Embedded cluster: worker processes, or worker threads in this process (default; "
        "the kernels release the GIL).",
    ),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted store."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing store."),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    prior: str = typer.Option(
        "default",
        "--prior",
        help="crust only: 'default' (broad random crust) or 'prem[:W]' (PREM crust with Vs "
        "perturbed by ±W, default 0.05; mantle ±2 %).",
    ),
    group_frequencies: str | None = typer.Option(
        None,
        "--group-frequencies",
        help="crust only: group-velocity frequencies in mHz, comma separated (e.g. "
        "'10,15,20,25,30,35'), 'same' (default: the 21 phase frequencies, 10-35 mHz) or 'none'.",
    ),
    allow_code_change: bool = typer.Option(
        False,
        "--allow-code-change",
        help="With --resume: continue a store written by different geoinvert code (another "
        "code fingerprint); the change is recorded in the store's attributes.",
    ),
) -> None:
    """Generate a training set into a Zarr v3 store (resumable, deterministic)."""
    import json
    import logging

    from .data import generate as run
    from .data import make_task

    logging.basicConfig(level=logging.WARNING)
    try:
        t = make_task(task, **_prior_config(task, prior), **_group_config(task, group_frequencies))
        summary = run(
            t, n, out, chunk=chunk, seed=seed, scheduler=scheduler, workers=workers,
            threads=threads, processes=processes, resume=resume, overwrite=overwrite,
            progress=progress, allow_code_change=allow_code_change,
        )  # fmt: skip
    except (ValueError, RuntimeError, FileExistsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(str(summary))
    typer.echo(json.dumps(summary.as_dict()))


def inspect(
    store: str = typer.Argument(..., help="Zarr store written by `geoinvert generate`."),
    figure: str | None = typer.Option(None, "--figure", help="PNG path (default STORE.png)."),
    samples: int = typer.Option(4, "--samples", help="Rows to plot."),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Re-hash every chunk against its done marker and report those that no longer "
        "match (exit status 1 if any; `generate --resume` regenerates them).",
    ),
) -> None:
    """Print a store's summary and save a figure of a few samples."""
    import json

    from .data import DatasetStore
    from .plot import plot_store_samples

    st = DatasetStore(Path(store))
    summary = st.summary(verify=verify)
    typer.echo(json.dumps(summary, indent=1))
    corrupt = summary.get("chunks_corrupt") or []
    if corrupt:
        typer.echo(
            f"{len(corrupt)} chunk(s) fail verification: {corrupt}; readers with verify=True "
            "leave them out, and `geoinvert generate ... --resume` regenerates them",
            err=True,
        )
    path = figure or f"{store.rstrip('/')}.png"
    try:
        plot_store_samples(store, samples, out=path)
    except (ValueError, RuntimeError) as exc:  # RuntimeError: a chunk that fails to decode
        typer.echo(f"no figure: {exc}", err=True)
    else:
        typer.echo(f"figure: {path}")
    if corrupt:
        raise typer.Exit(1)


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
