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


def _last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


def test_generate_mt_default_section(tmp_path):
    """`geoinvert generate mt` at the study's default size (60 frequencies x 121 stations over a
    60 x 121-cell section): one section, ~1.5 s on 2 threads of the 2-core machine (the CLI has
    no size options; the engine runs small MT grids in tests/test_data_tasks.py)."""
    import numpy as np
    import zarr

    pytest.importorskip("geoinvert.mt")
    out = str(tmp_path / "mt.zarr")
    args = ["generate", "mt", "--n", "1", "--out", out, "--chunk", "1", "--seed", "1",
            "--workers", "1", "--threads", "2", "--no-progress"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    s = _last_json(r.output)
    assert s["samples"] == 1 and s["failures"] == 0
    root = zarr.open_group(out, mode="r")
    assert root["inputs"].shape == (1, 4, 60, 121) and root["targets"].shape == (1, 60, 121)
    f = np.asarray(root.attrs["frequencies"])
    assert f.size == 60 and f[0] == pytest.approx(1e-4) and f[-1] == pytest.approx(1e3)
    assert len(root.attrs["stations_km"]) == 121 and root.attrs["task"] == "mt"
    x = np.asarray(root["inputs"][:])
    assert np.isfinite(x).all()
    # sanity: TE phases in the first quadrant (always so in 1-D; this section is mildly 2-D)
    assert (x[:, 1] > 0).all() and (x[:, 1] < 90).all()
    png = tmp_path / "mt.png"
    r = CliRunner().invoke(app, ["inspect", out, "--figure", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 1000 and '"chunks_complete": 1' in r.output


def test_generate_rf(tmp_path):
    import numpy as np
    import zarr

    pytest.importorskip("geoinvert.rf")
    out = str(tmp_path / "rf.zarr")
    args = ["generate", "rf", "--n", "40", "--out", out, "--chunk", "20", "--seed", "2",
            "--workers", "2", "--no-progress"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    s = _last_json(r.output)
    assert s["samples"] == 40 and s["chunks_generated"] == 2 and s["failures"] == 0
    root = zarr.open_group(out, mode="r")
    assert root["inputs"].shape == (40, 600) and root["targets"].shape == (40, 3)
    a = root.attrs
    assert a["task"] == "rf" and a["config"]["max_depth"] == 500.0
    assert a["target_names"] == ["x_present", "x_depth", "x_dlnvs"] and len(a["times"]) == 600
    y = np.asarray(root["targets"][:])
    assert set(np.unique(y[:, 0])) <= {0.0, 1.0}
    png = tmp_path / "rf.png"
    r = CliRunner().invoke(app, ["inspect", out, "--figure", str(png)])
    assert r.exit_code == 0, r.output
    assert png.stat().st_size > 1000


def test_generate_group_frequencies(tmp_path):
    import zarr

    pytest.importorskip("geoinvert.dispersion")
    base = ["generate", "crust", "--n", "16", "--chunk", "8", "--workers", "1", "--no-progress"]
    out = str(tmp_path / "g.zarr")
    r = CliRunner().invoke(app, [*base, "--out", out, "--group-frequencies", "10, 20,35"])
    assert r.exit_code == 0, r.output
    root = zarr.open_group(out, mode="r")
    # mHz on the command line, Hz in the store, with the default set's rounding
    assert root.attrs["group_frequencies"] == [0.01, 0.02, 0.035]
    assert root["inputs"].shape == (16, 24)
    assert root.attrs["input_names"][21:] == ["group_10mHz", "group_20mHz", "group_35mHz"]
    out = str(tmp_path / "none.zarr")
    r = CliRunner().invoke(app, [*base, "--out", out, "--group-frequencies", "none"])
    assert r.exit_code == 0, r.output
    assert zarr.open_group(out, mode="r")["inputs"].shape == (16, 21)
    for bad, msg in (("10,x", "item 1"), ("-5", "positive"), ("0", "positive")):
        r = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "b"), "--group-frequencies",
                                     bad])  # fmt: skip
        assert r.exit_code == 2 and msg in r.output, (bad, r.output)
    r = CliRunner().invoke(app, ["generate", "rf", "--n", "2", "--out", str(tmp_path / "r"),
                                 "--group-frequencies", "10"])  # fmt: skip
    assert r.exit_code == 2 and "crust task only" in r.output


def test_resume_after_code_change_needs_allow_code_change(tmp_path):
    import zarr

    out = str(tmp_path / "c.zarr")
    args = ["generate", "crust-ps", "--n", "60", "--out", out, "--chunk", "20",
            "--workers", "1", "--no-progress"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    zarr.open_group(out, mode="r+").attrs["code_sha256"] = "a" * 64  # another build wrote it
    r = CliRunner().invoke(app, [*args, "--resume"])
    assert r.exit_code == 2 and "a" * 64 in r.output and "--allow-code-change" in r.output
    r = CliRunner().invoke(app, [*args, "--resume", "--allow-code-change"])
    assert r.exit_code == 0, r.output
    (entry,) = zarr.open_group(out, mode="r").attrs["code_changes"]
    assert entry["from_code_sha256"] == "a" * 64 and entry["chunks_complete_before"] == [[0, 3]]


def test_inspect_verify_reports_rotted_chunks(tmp_path):
    import zarr

    out = str(tmp_path / "v.zarr")
    args = ["generate", "crust-ps", "--n", "60", "--out", out, "--chunk", "20",
            "--workers", "1", "--no-progress"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    png = str(tmp_path / "v.png")
    r = CliRunner().invoke(app, ["inspect", out, "--figure", png, "--verify"])
    assert r.exit_code == 0, r.output
    assert '"chunks_corrupt": []' in r.output
    zarr.open_group(out, mode="r+")["targets"][25] = 0.0  # chunk 1 changes after its marker
    r = CliRunner().invoke(app, ["inspect", out, "--figure", png])
    assert r.exit_code == 0 and '"chunks_complete": 3' in r.output  # markers alone: complete
    r = CliRunner().invoke(app, ["inspect", out, "--figure", png, "--verify"])
    assert r.exit_code == 1, r.output
    assert '"chunks_corrupt": [\n  1\n ]' in r.output and '"chunks_complete": 2' in r.output
    assert "1 chunk(s) fail verification: [1]" in r.output
    r = CliRunner().invoke(app, [*args, "--resume"])  # regenerates it
    assert r.exit_code == 0 and _last_json(r.output)["chunks_generated"] == 1
    r = CliRunner().invoke(app, ["inspect", out, "--figure", png, "--verify"])
    assert r.exit_code == 0 and '"chunks_corrupt": []' in r.output
