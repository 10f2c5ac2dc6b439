"""Zarr store adapter and the `geoinvert train` command line on a tiny store."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")
zarr = pytest.importorskip("zarr")

from typer.testing import CliRunner  # noqa: E402

from geoinvert.cli import app  # noqa: E402
from geoinvert.train import load_model, open_training_data  # noqa: E402

FREQS = np.linspace(0.010, 0.035, 21)


def make_store(path, n=240, *, task="crust", failed=(3,), normalization=False):
    """A store in the agreed layout (inputs, targets, params, status, attrs), written with zarr."""
    rng = np.random.default_rng(0)
    h = rng.uniform(20, 100, n)
    x = 3.5 + 0.6 * np.tanh((h[:, None] - 50) / 30) * np.exp(-FREQS * 40)
    x += 0.005 * rng.standard_normal((n, 21))
    status = np.zeros(n, np.int8)
    for i in failed:
        status[i] = 1
        x[i] = np.nan
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    g.create_array("inputs", data=x.astype(np.float32), chunks=(64, 21))
    g.create_array("targets", data=h.astype(np.float32), chunks=(64,))
    g.create_array("params", data=np.c_[h, rng.random((n, 3))], chunks=(64, 4))
    g.create_array("status", data=status, chunks=(64,))
    attrs = {
        "config": {"prior": "toy crust", "moho_km": [20, 100]},
        "frequencies": FREQS.tolist(),
        "seed": 1,
        "version": "0.1.0",
    }
    if normalization:
        attrs["normalization"] = {
            "inputs_mean": x[status == 0].mean(0).tolist(),
            "inputs_std": x[status == 0].std(0).tolist(),
            "targets_mean": [float(h.mean())],
            "targets_std": [float(h.std())],
            "key": {"split_seed": None},  # extra keys (as geoinvert.data writes) are ignored
        }
    g.attrs.update(attrs)
    return path


def test_open_training_data(tmp_path):
    store = make_store(tmp_path / "s.zarr", normalization=True)
    td = open_training_data(store, "crust")
    assert len(td) == 239  # the failed sample is dropped, not shifted
    assert td.inputs.dtype == np.float32 and td.targets.shape == (239, 1)
    assert td.params.shape == (239, 4)
    np.testing.assert_allclose(td.params[:, 0], td.targets[:, 0], rtol=1e-6)  # rows stay aligned
    np.testing.assert_allclose(td.frequencies, FREQS)
    assert td.normalization is not None and td.normalization.input_shift.shape == (21,)
    tr, te = td.split(0.25, seed=0)
    assert len(tr) + len(te) == 239 and len(te) == 60
    tr2, _ = td.split(0.25, seed=0)
    np.testing.assert_array_equal(tr.inputs, tr2.inputs)  # deterministic
    assert td.meta()["prior"]["prior"] == "toy crust"


def test_select_inputs(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=30, failed=(), normalization=True)
    g = zarr.open_group(str(store), mode="a")
    names = [f"phase_{i}" for i in range(11)] + [f"group_{i}" for i in range(10)]
    g.attrs["input_names"] = names
    td = open_training_data(store, "crust")
    ph = td.select_inputs("phase")
    assert ph.inputs.shape == (30, 11)
    np.testing.assert_array_equal(ph.inputs, td.inputs[:, :11])
    np.testing.assert_array_equal(ph.normalization.input_shift, td.normalization.input_shift[:11])
    with pytest.raises(ValueError, match="no input named"):
        td.select_inputs("love")


def test_store_task_attribute_checked(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=20)
    zarr.open_group(str(store), mode="a").attrs["task"] = "mt"
    with pytest.raises(ValueError, match="holds 'mt' data"):
        open_training_data(store, "crust")


def test_open_training_data_errors(tmp_path):
    with pytest.raises(ValueError, match="task"):
        open_training_data(tmp_path, "gravity")
    store = make_store(tmp_path / "s.zarr")
    with pytest.raises(ValueError, match="mt inputs must have ndim"):
        open_training_data(store, "mt")
    with pytest.raises(ValueError, match="rf targets"):
        open_training_data(store, "rf")
    g = zarr.open_group(str(tmp_path / "empty.zarr"), mode="w", zarr_format=3)
    g.create_array("inputs", data=np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="no 'targets' array"):
        open_training_data(tmp_path / "empty.zarr", "crust")


def test_cli_train_crust(tmp_path):
    store = make_store(tmp_path / "s.zarr")
    out = tmp_path / "model.pt"
    res = CliRunner().invoke(
        app,
        [
            "train",
            "crust",
            "--data",
            str(store),
            "--out",
            str(out),
            "--model",
            "mlp",
            "--epochs",
            "2",
            "--gpus",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "test RMS" in res.output
    model = load_model(out)
    assert model.predict(np.full((2, 21), 3.5), frequencies=FREQS).shape == (2,)
    assert model.prior["prior"] == "toy crust"
    assert model.extra["seed"] == 1 and model.extra["store"].endswith("s.zarr")
    assert (tmp_path / "model" / "checkpoints" / "last.ckpt").is_file()
    # resume the same run for one more epoch from its last checkpoint
    res = CliRunner().invoke(
        app,
        [
            "train",
            "crust",
            "--data",
            str(store),
            "--out",
            str(out),
            "--model",
            "mlp",
            "--epochs",
            "3",
            "--gpus",
            "0",
            "--resume",
            str(tmp_path / "model" / "checkpoints" / "last.ckpt"),
        ],
    )
    assert res.exit_code == 0, res.output
    ck = torch.load(tmp_path / "model" / "checkpoints" / "last.ckpt", weights_only=False)
    assert ck["epoch"] == 2


def test_cli_bad_preset(tmp_path):
    store = make_store(tmp_path / "s.zarr", n=40)
    res = CliRunner().invoke(
        app,
        [
            "train",
            "crust",
            "--data",
            str(store),
            "--out",
            str(tmp_path / "m.pt"),
            "--preset",
            "t1_99",
            "--gpus",
            "0",
        ],
    )
    assert res.exit_code != 0 and "t1_99" in res.output


def _write(path, inputs, targets, attrs):
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    g.create_array("inputs", data=inputs.astype(np.float32))
    g.create_array("targets", data=targets.astype(np.float32))
    g.create_array("params", data=np.zeros((len(inputs), 2)))
    g.create_array("status", data=np.zeros(len(inputs), np.int8))
    g.attrs.update(attrs)
    return path


def test_cli_train_rf_and_mt(tmp_path):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    present = rng.random(64) < 0.5
    rf = _write(
        tmp_path / "rf.zarr",
        rng.standard_normal((64, 100)),
        np.c_[present, np.where(present, 300.0, np.nan)],
        {"config": {"prior": "rf"}},
    )
    res = CliRunner().invoke(
        app,
        [
            "train",
            "rf",
            "--data",
            str(rf),
            "--out",
            str(tmp_path / "rf.pt"),
            "--epochs",
            "1",
            "--gpus",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "ROC-AUC" in res.output
    assert load_model(tmp_path / "rf.pt").predict(np.zeros((3, 100))).shape == (3,)

    freqs = np.logspace(-4, 3, 60)
    mt = _write(
        tmp_path / "mt.zarr",
        rng.standard_normal((6, 2, 60, 121)),
        rng.standard_normal((6, 60, 121)),
        {"frequencies": freqs.tolist()},
    )
    res = CliRunner().invoke(
        app,
        [
            "train",
            "mt",
            "--data",
            str(mt),
            "--out",
            str(tmp_path / "mt.pt"),
            "--epochs",
            "1",
            "--gpus",
            "0",
            "--width",
            "0.0625",
            "--batch-size",
            "2",
            "--no-bostick",
        ],
    )
    assert res.exit_code == 0, res.output
    model = load_model(tmp_path / "mt.pt")
    assert model.predict(np.zeros((1, 2, 60, 121)), frequencies=freqs).shape == (1, 60, 121)
    # the default Bostick channels need the prior's section depth, which this store lacks
    res = CliRunner().invoke(
        app, ["train", "mt", "--data", str(mt), "--out", str(tmp_path / "b.pt"), "--epochs", "1"]
    )
    assert res.exit_code == 2 and "--no-bostick" in res.output
    # a column network for other frequencies than the store's is refused before training
    from geoinvert.earth.priors import MTSectionPrior
    from geoinvert.train import fit_mt_column_net, sample_mt_columns, save_model

    small, f12 = MTSectionPrior(nx=8, nz=60), np.logspace(-2, 1, 12)
    cols = sample_mt_columns(rng, 64, f12, small, n_threads=1)
    col = fit_mt_column_net(
        cols, cols, frequencies=f12, hidden=(8,), epochs=1, batch_size=32,
        out_dir=tmp_path / "col", trainer={"progress_bar": False},
    )  # fmt: skip
    save_model(tmp_path / "col.pt", col)
    args = ["train", "mt", "--data", str(mt), "--out", str(tmp_path / "c.pt"), "--epochs", "1"]
    res = CliRunner().invoke(app, [*args, "--no-bostick", "--column", str(tmp_path / "col.pt")])
    assert res.exit_code == 2 and "frequencies" in res.output, res.output


def test_cli_train_mt_column_then_unet_with_lateral_channel(tmp_path):
    from geoinvert.earth.priors import MTSectionPrior

    torch.set_num_threads(1)
    rng = np.random.default_rng(3)
    freqs = np.logspace(-4, 3, 60)
    attrs = {"frequencies": freqs.tolist(), "prior": MTSectionPrior().to_dict()}
    mt = _write(
        tmp_path / "mt4.zarr",
        rng.standard_normal((4, 4, 60, 121)),
        rng.standard_normal((4, 60, 121)),
        attrs,
    )
    bare = _write(tmp_path / "bare.zarr", rng.standard_normal((2, 4, 60, 121)),
                  rng.standard_normal((2, 60, 121)), {"frequencies": freqs.tolist()})  # fmt: skip
    col = ["train", "mt-column", "--out", str(tmp_path / "col.pt"), "--gpus", "0"]
    small = ["--columns", "300", "--hidden", "16,16", "--epochs", "1"]
    res = CliRunner().invoke(app, [*col, "--data", str(bare), *small])
    assert res.exit_code == 2 and "no MT prior" in res.output, res.output
    res = CliRunner().invoke(app, [*col, "--data", str(mt), *small, "--hidden", "16,x"])
    assert res.exit_code == 2 and "--hidden" in res.output, res.output
    res = CliRunner().invoke(app, [*col, "--data", str(mt), *small, "--layered"])
    assert res.exit_code == 0, res.output
    assert "fresh-column log10-resistivity RMS" in res.output
    column = load_model(tmp_path / "col.pt")
    assert list(column.prior["n_bodies"]) == [0, 0]  # --layered: a body-free background net
    assert column.predict(np.zeros((2, 4, 60)), frequencies=freqs).shape == (2, 60)

    unet = ["train", "mt", "--data", str(mt), "--out", str(tmp_path / "u.pt"), "--epochs", "1"]
    unet += ["--gpus", "0", "--width", "0.0625", "--batch-size", "2"]
    res = CliRunner().invoke(app, [*unet, "--column-lateral"])
    assert res.exit_code == 2 and "--column" in res.output, res.output
    res = CliRunner().invoke(app, [*unet, "--column", str(tmp_path / "col.pt"), "--column-lateral"])
    assert res.exit_code == 0, res.output
    net = load_model(tmp_path / "u.pt").network
    assert net.get_config()["column"]["lateral"] is True and net.column_lateral
    background = ["--column-background", str(tmp_path / "col.pt")]
    res = CliRunner().invoke(app, [*unet, *background])
    assert res.exit_code == 2 and "--column" in res.output, res.output
    res = CliRunner().invoke(app, [*unet, "--column", str(tmp_path / "col.pt"), *background])
    assert res.exit_code == 0, res.output
    net = load_model(tmp_path / "u.pt").network
    assert isinstance(net.get_config()["column"]["lateral"], dict)
