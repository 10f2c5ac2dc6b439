"""The ``geoinvert rf`` command."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_rf_command_writes_sac(tmp_path) -> None:
    obspy = pytest.importorskip("obspy")
    out = tmp_path / "sac"
    args = ["rf", "ak135", "-o", str(out), "-p", "0.05", "-p", "0.07", "--sac"]
    args += ["--n-samples", "512", "--layer-thickness", "50", "--spherical"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    paths = sorted(out.glob("rf_*.sac"))
    assert len(paths) == 2
    m = layered("ak135", max_depth=800.0, layer_thickness=50.0)
    expected = rf.receiver_function(
        *m.arrays(), slowness=[0.05, 0.07], n_samples=512, spherical=True
    )
    back = obspy.read(str(paths[1]))[0]
    # SAC stores float32: 1e-7 of the peak is its rounding.
    np.testing.assert_allclose(back.data, expected[1], rtol=0, atol=1e-7 * expected.max())
    assert back.stats.sac.b == pytest.approx(-5.0)
    assert back.stats.sac.user0 == pytest.approx(0.07)
