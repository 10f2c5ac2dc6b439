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


# `geoinvert train {crust,rf,mt}` lives in its own module (typer only; torch loads lazily).
from .cli_train import train_app  # noqa: E402

app.add_typer(train_app, name="train")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
