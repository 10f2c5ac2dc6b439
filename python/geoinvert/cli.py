"""The ``geoinvert`` command line: one command (group) per workflow."""

from __future__ import annotations

import typer

# One module per workflow; each command is a plain function registered below.
from .cli_data import generate, inspect, plot_prior_cmd
from .cli_demo import demo
from .cli_forward import dispersion, rf_synthesize
from .cli_invert import invert_app
from .cli_train import train_app

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


app.command()(generate)
app.command()(inspect)
app.command("plot-prior")(plot_prior_cmd)
app.command("rf")(rf_synthesize)
app.command()(dispersion)
app.command()(demo)
app.add_typer(train_app, name="train")
app.add_typer(invert_app, name="invert")


def main() -> None:  # pragma: no cover - entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
