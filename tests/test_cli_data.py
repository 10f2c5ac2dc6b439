"""The data-generation CLI commands: generate, inspect, plot-prior."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from geoinvert.cli import app

pytest.importorskip("dask.distributed")
pytest.importorskip("zarr")


def test_generate_resume_inspect(tmp_path):
    out = str(tmp_path / "s.zarr")
    args = ["generate", "crust-ps", "--n", "300", "--out", out, "--chunk", "100", "--seed", "4",
            "--workers", "2", "--no-processes", "--no-progress"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output.strip().splitlines()[-1])
    assert summary["samples"] == 300 and summary["chunks_generated"] == 3
    assert summary["failures"] == 0 and summary["store_bytes"] > 0
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and "exists" in r.output
    r = CliRunner().invoke(app, [*args, "--resume"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["chunks_skipped"] == 3
    r = CliRunner().invoke(app, [*args[:-6], "--seed", "5", "--no-processes", "--resume"])
    assert r.exit_code == 2 and "seed" in r.output
    png = tmp_path / "fig.png"
    r = CliRunner().invoke(app, ["inspect", out, "--figure", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 1000
    assert '"chunks_complete": 3' in r.output


@pytest.mark.parametrize("name", ["crust", "mt", "rf"])
def test_plot_prior(tmp_path, name):
    png = tmp_path / f"{name}.png"
    r = CliRunner().invoke(app, ["plot-prior", name, "--n", "8", "--out", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 1000


def test_generate_unknown_task(tmp_path):
    r = CliRunner().invoke(app, ["generate", "nope", "--n", "3", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "task must be one of" in r.output


def test_generate_prem_based_crust_prior(tmp_path):
    import zarr

    out = str(tmp_path / "p.zarr")
    args = ["generate", "crust", "--n", "40", "--out", out, "--chunk", "20", "--prior", "prem:0.03",
            "--workers", "1", "--no-processes", "--no-progress"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    prior = zarr.open_group(out, mode="r").attrs["prior"]
    assert prior["crust_model"] == "prem" and prior["prem_crust_width"] == 0.03
    bad = ["generate", "mt", "--n", "2", "--out", str(tmp_path / "m"), "--prior", "prem"]
    r = CliRunner().invoke(app, bad)
    assert r.exit_code == 2 and "--prior" in r.output
