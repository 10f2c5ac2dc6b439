"""`geoinvert invert {crust,mt,rf}` end to end with tiny real artefacts (plumbing, files, errors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")
pytest.importorskip("lightning")

from geoinvert.cli import app

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
for _cand in (SHARED, Path("/work/shared/data")):
    if _cand.is_dir():
        SHARED = _cand
        break
PARALANA = SHARED / "mt" / "paralana_pb_edi"
OPLO = SHARED / "rf" / "oplo" / "rfstreams_Moho.h5"
TRAINER = {"accelerator": "cpu", "devices": 1, "progress_bar": False}
runner = CliRunner()


@pytest.fixture(scope="module")
def crust_model(tmp_path_factory):
    """An MDN trained 2 epochs on 300 draws of the default phase+group store (plumbing only)."""
    import torch

    from geoinvert.data import CrustDispersionTask, generate
    from geoinvert.train import fit_mdn, open_training_data, save_model

    tmp = tmp_path_factory.mktemp("cli_crust")
    generate(
        CrustDispersionTask(), 300, tmp / "s.zarr", chunk=150, seed=0, workers=1,
        processes=False, progress=False,
    )  # fmt: skip
    td = open_training_data(tmp / "s.zarr", "crust")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        module = fit_mdn(
            td, epochs=2, n_components=2, out_dir=tmp / "run", seed=0,
            trainer={**TRAINER, "patience": None}, normalization=td.normalization, **td.meta(),
        )  # fmt: skip
    finally:
        torch.set_num_threads(n)
    save_model(tmp / "mdn.pt", module, extra={"input_noise_relative": 0.005})
    return tmp / "mdn.pt", np.asarray(td.inputs[:12], float), np.asarray(td.meta()["frequencies"])


def test_invert_crust_command_writes_map_eq4_and_reference_stats(crust_model, tmp_path):
    from geoinvert.earth import crust1
    from geoinvert.io import DispersionGrid, write_dispersion_grid

    path, x, f = crust_model
    region = crust1.load_region()
    cells = np.arange(0, 156, 13)  # 12 CRUST1.0 cells of the packaged region
    phase, group = x[:, :21], x[:, 21:]
    sigma = 0.02 * phase
    grid = DispersionGrid(
        region.lon[cells], region.lat[cells], f, phase, group=group, phase_sigma=sigma
    )
    csv = write_dispersion_grid(tmp_path / "obs.csv", grid)
    out = tmp_path / "out"
    res = runner.invoke(app, ["invert", "crust", str(path), str(csv), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "vs CRUST1.0 (12 points)" in res.output
    for name in ("crust_thickness.nc", "crust_thickness.png", "eq4_phase_error.png"):
        assert (out / name).stat().st_size > 1000
    s = json.loads((out / "summary.json").read_text())
    assert s["n_points"] == 12 and s["sigma_marginalised"]
    assert s["eq4_crust"] == "CRUST1.0 at 12 points, PREM crust at 0"
    # (store samples are random crusts, not these CRUST1.0 cells: only finiteness is checked)
    assert 0 < s["eq4_rms_percent"] < 100 and np.isfinite(s["vs_crust1"]["rms_km"])
    from scipy.io import netcdf_file

    with netcdf_file(str(out / "crust_thickness.nc"), mmap=False) as fh:
        thick = fh.variables["crustal_thickness"][:]
    assert np.isfinite(thick).sum() == 12
    # Points outside every CRUST1.0 cell of the packaged region: PREM crust for Eq. 4, no stats.
    far = DispersionGrid(np.full(12, 20.0) + np.arange(12), np.full(12, 0.0), f, phase, group)
    csv2 = write_dispersion_grid(tmp_path / "far.csv", far)
    res = runner.invoke(app, ["invert", "crust", str(path), str(csv2), "--out", str(out / "b")])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "b" / "summary.json").read_text())
    assert s["eq4_crust"] == "CRUST1.0 at 0 points, PREM crust at 12" and "vs_crust1" not in s


def test_invert_crust_command_errors_name_the_problem(crust_model, tmp_path):
    from geoinvert.io import DispersionGrid, write_dispersion_grid

    path, x, f = crust_model
    lon, lat = np.arange(100.0, 112.0), np.full(12, 30.5)
    grid = DispersionGrid(lon, lat, f[:-1], x[:, :20], group=x[:, 21:41])
    csv = write_dispersion_grid(tmp_path / "short.csv", grid)
    res = runner.invoke(app, ["invert", "crust", str(path), str(csv), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "missing [35] mHz" in res.output
    res = runner.invoke(app, ["invert", "crust", str(tmp_path / "nope.pt"), str(csv)])
    assert res.exit_code == 2 and "no model file" in res.output


@pytest.mark.skipif(not PARALANA.is_dir(), reason="Paralana EDI files (shared data) absent")
def test_invert_mt_command_on_paralana(tmp_path):
    from geoinvert.train import fit_mt_unet, save_model

    rng = np.random.default_rng(0)
    f = np.logspace(-4, 3, 8)
    x = rng.normal(size=(4, 4, 8, 121)).astype(np.float32)
    x[:, 1::2] = 45.0 + 5 * x[:, 1::2]
    y = rng.normal(2.0, 0.5, size=(4, 60, 121)).astype(np.float32)
    module = fit_mt_unet(
        (x, y), width=1 / 32, epochs=1, batch_size=2, out_dir=tmp_path / "run",
        trainer=TRAINER, frequencies=f,
    )  # fmt: skip
    save_model(tmp_path / "unet.pt", module)
    out = tmp_path / "out"
    args = ["invert", "mt", str(tmp_path / "unet.pt"), str(PARALANA), "--out", str(out)]
    res = runner.invoke(app, [*args, "--stride", "8", "--nlcg", "2"])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["sites"] == 15 and s["frequencies_used"] == 6
    assert 0 < s["grid_fraction_interpolated"] < 1 and np.isfinite(s["unet_data_rms"])
    assert s["nlcg_rms"][-1] < s["nlcg_rms"][0]  # two NLCG iterations reduce the misfit
    with np.load(out / "mt_section.npz") as z:
        assert z["unet"].shape == (60, 121) and z["unet_predicted"].shape == (4, 6, 15)
    assert (out / "mt_unet.png").stat().st_size > 5000 and (out / "mt_nlcg.png").exists()


@pytest.mark.skipif(not OPLO.exists(), reason="shared OPLO receiver functions absent")
def test_invert_rf_command_on_oplo(tmp_path):
    import torch

    from geoinvert.nn import RFCNN1D
    from geoinvert.train import save_model
    from geoinvert.train.normalization import Normalization

    torch.manual_seed(0)
    net = RFCNN1D(channels=(4, 8), hidden=8, aux_depth=True, time_bins=4)
    norm = Normalization(
        np.zeros(1), np.full(1, 0.01), np.array([0.0, 300.0, 0.0]), np.array([1.0, 25.0, 1.0])
    )
    save_model(
        tmp_path / "cnn.pt", net, normalization=norm, kind="classifier", input_shape=[500],
        target_shape=[3], prior={"dt": 0.1, "n_samples": 500, "shift": 5.0},
    )  # fmt: skip
    out = tmp_path / "out"
    res = runner.invoke(app, ["invert", "rf", str(tmp_path / "cnn.pt"), str(OPLO), "-o", str(out)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    assert s["n_traces"] > 10 and 0 <= s["cnn_probability"] <= 1
    assert isinstance(s["stacking_detected"], bool) and (out / "rf_stack.png").exists()
    res = runner.invoke(app, ["invert", "rf", str(tmp_path / "cnn.pt"), str(tmp_path / "x.h5")])
    assert res.exit_code != 0
