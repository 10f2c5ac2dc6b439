"""The ``geoinvert rf`` command."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

import geoinvert.rf as rf
from geoinvert.cli import app
from geoinvert.earth import insert_discontinuity, layered


def test_rf_command_writes_npz(tmp_path) -> None:
    out = tmp_path / "x.npz"
    args = [
        "rf",
        "ak135",
        "-o",
        str(out),
        "-p",
        "0.05",
        "-p",
        "0.07",
        "--x-depth",
        "300",
        "--n-samples",
        "1024",
        "--layer-thickness",
        "20",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    d = np.load(out)
    assert d["rf"].shape == (2, 1024)
    m = insert_discontinuity(layered("ak135", max_depth=800.0, layer_thickness=20.0), 300.0, 3.0)
    expected = rf.receiver_function(*m.arrays(), slowness=[0.05, 0.07], n_samples=1024)
    np.testing.assert_array_equal(d["rf"], expected)


def test_rf_command_bad_input(tmp_path) -> None:
    result = CliRunner().invoke(app, ["rf", "ak135", "-o", str(tmp_path / "y.npz"), "-p", "0.5"])
    assert result.exit_code == 2
    assert "slowness" in result.output
