"""`geoinvert demo`: the three pipelines end to end (issue 7).

Plain functions; :mod:`geoinvert.cli` registers them as commands. Only typer is imported at module
level, so ``geoinvert --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["demo"]


def demo(
    out: Annotated[Path, typer.Option(help="Run folder (figures, report.md, stores).")] = Path(
        "demo_output"
    ),
    scale: Annotated[
        str, typer.Option(help="ci (minutes), small (default, <= 15 min on 2 cores) or full.")
    ] = "small",
    only: Annotated[
        str | None, typer.Option(help="Comma list of pipelines to run: crust,rf,mt.")
    ] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="Recompute finished steps.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of data, splits, training and noise.")] = 0,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (tcp://host:port).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Workers of the embedded cluster.")] = None,
    gpus: Annotated[int | None, typer.Option(help="GPUs for training (default CPU).")] = None,
) -> None:
    """The three studies end to end: generate -> train -> invert -> compare with baselines."""
    import logging

    from .demo import PIPELINES, run_demo

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    # Step names ("step crust_train: running") and per-step progress messages at INFO; other
    # libraries (dask, lightning) stay at WARNING so that the progress bars remain readable.
    logging.getLogger("geoinvert").setLevel(logging.INFO)
    try:  # Lightning sets its loggers to INFO when first imported: import it before quieting them
        import lightning.pytorch  # noqa: F401
    except ImportError:
        pass
    for noisy in ("distributed", "lightning", "lightning.pytorch", "lightning.fabric"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    pipelines = PIPELINES if only is None else tuple(p.strip() for p in only.split(",") if p)
    try:
        run_demo(
            out,
            scale=scale,
            pipelines=pipelines,
            fresh=fresh,
            seed=seed,
            scheduler=scheduler,
            workers=workers,
            gpus=gpus,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"report: {out / 'report.md'}")
    typer.echo((out / "report.md").read_text())
