"""Crust training: SAE procedure end to end, MLP/MDN/ensemble, checkpoints and resume."""

from __future__ import annotations

import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from geoinvert.nn import DeepEnsemble, SAEConfig  # noqa: E402
from geoinvert.train import (  # noqa: E402
    as_trained_model,
    fit_ensemble,
    fit_mdn,
    fit_mlp,
    fit_sae,
    relative_gaussian_noise,
    rms_error,
)

TRAINER = {"progress_bar": False, "accelerator": "cpu", "patience": None}
FREQS = np.linspace(0.010, 0.035, 21)  # Hz, the crust study's 21 frequencies (1.25 mHz steps)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def toy_crust(n=800, seed=0):
    """Smooth, monotone toy 'dispersion' (km/s) of thickness h (km): a learnable map."""
    rng = np.random.default_rng(seed)
    h = rng.uniform(20, 100, n)
    x = 3.5 + 0.6 * np.tanh((h[:, None] - 50) / 30) * np.exp(-FREQS * 40)
    x = x + 0.005 * rng.standard_normal((n, 21))
    return x.astype(np.float32), h.astype(np.float32)


def _metrics(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_fit_sae_end_to_end(tmp_path):
    x, h = toy_crust()
    cfg = SAEConfig(
        sizes=(21, 16, 8, 1), pretrain_epochs=2, finetune_epochs=12, batch_size=64, finetune_lr=1e-2
    )
    module = fit_sae(
        (x[:600], h[:600]),
        config=cfg,
        out_dir=tmp_path,
        trainer=TRAINER,
        frequencies=FREQS,
        prior={"name": "toy"},
    )
    assert (tmp_path / "pretrain_0" / "checkpoints" / "last.ckpt").is_file()
    assert (tmp_path / "pretrain_1" / "checkpoints" / "last.ckpt").is_file()
    assert (tmp_path / "finetune" / "checkpoints" / "last.ckpt").is_file()
    rows = _metrics(tmp_path / "finetune" / "logs" / "version_0" / "metrics.csv")
    assert any(r.get("val_loss") for r in rows) and any(r.get("lr-AdamW") for r in rows)
    # thickness spans 20-100 km (std ~23 km); a working fit is far better than the mean guess
    rms = rms_error(module, (x[600:], h[600:]))
    assert rms < 0.5 * h.std()
    model = as_trained_model(module)
    assert model.prior == {"name": "toy"} and model.input_shape == (21,)


def test_mlp_mdn_ensemble(tmp_path):
    x, h = toy_crust()
    tr, te = (x[:600], h[:600]), (x[600:], h[600:])
    mlp = fit_mlp(
        tr,
        epochs=15,
        out_dir=tmp_path / "mlp",
        trainer=TRAINER,
        frequencies=FREQS,
        input_noise=relative_gaussian_noise(0.001),
    )
    assert rms_error(mlp, te) < 0.3 * h.std()
    mdn = fit_mdn(
        tr, epochs=15, n_components=3, out_dir=tmp_path / "mdn", trainer=TRAINER, frequencies=FREQS
    )
    d = as_trained_model(mdn).predict_distribution(te[0], frequencies=FREQS, quantiles=(0.16, 0.84))
    assert d["mean"].shape == d["std"].shape == (200,) and d["quantiles"].shape == (200, 2)
    assert np.all(d["std"] > 0) and np.all(d["quantiles"][:, 0] < d["quantiles"][:, 1])
    assert rms_error(mdn, te) < 0.3 * h.std()
    ens = fit_ensemble(
        tr, n_members=2, epochs=3, out_dir=tmp_path / "ens", trainer=TRAINER, frequencies=FREQS
    )
    assert isinstance(ens.network, DeepEnsemble) and len(ens.network.members) == 2
    d = as_trained_model(ens).predict_distribution(te[0], frequencies=FREQS)
    assert d["mean"].shape == (200, 1) and np.all(d["std"] >= 0) and np.any(d["std"] > 0)


def test_resume_continues_epoch_counter(tmp_path):
    x, h = toy_crust(300)
    fit_mlp((x, h), epochs=2, out_dir=tmp_path / "a", trainer=TRAINER)
    last = tmp_path / "a" / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=False)["epoch"] == 1  # epochs 0 and 1 done
    resumed = fit_mlp((x, h), epochs=4, out_dir=tmp_path / "b", trainer=TRAINER, ckpt_path=last)
    rows = _metrics(tmp_path / "b" / "logs" / "version_0" / "metrics.csv")
    epochs = {int(r["epoch"]) for r in rows if r.get("epoch")}
    assert epochs == {2, 3}  # the resumed run trained only the missing epochs
    assert resumed.trainer.current_epoch == 4
    ck = torch.load(tmp_path / "b" / "checkpoints" / "last.ckpt", weights_only=False)
    assert ck["epoch"] == 3
    # normalisation statistics travel with the checkpoint
    assert "input_shift" in ck["state_dict"]


def test_bad_arguments():
    x, h = toy_crust(50)
    with pytest.raises(ValueError, match="targets: length"):
        fit_mlp((x, h[:10]))
    with pytest.raises(ValueError, match="data: expected"):
        fit_mlp(x)
    with pytest.raises(TypeError, match="unexpected"):
        fit_mlp((x, h), frequency=FREQS)


def test_mixed_precision_path_runs_on_cpu(tmp_path):
    """The GPU recipe uses "bf16-mixed"; Lightning supports it on CPU too, which exercises the
    autocast code paths (SAE pre-training costs, MDN likelihood) without a GPU."""
    x, h = toy_crust(200)
    opts = {**TRAINER, "precision": "bf16-mixed"}
    cfg = SAEConfig(sizes=(21, 8, 4, 1), pretrain_epochs=1, finetune_epochs=1, batch_size=64)
    sae = fit_sae((x, h), config=cfg, out_dir=tmp_path / "sae", trainer=opts)
    mdn = fit_mdn((x, h), epochs=1, out_dir=tmp_path / "mdn", trainer=opts)
    for m in (sae, mdn):
        assert np.isfinite(rms_error(m, (x, h)))
        assert np.isfinite(float(m.trainer.callback_metrics["val_loss"]))


def test_sae_sizes_follow_the_data(tmp_path):
    x, h = toy_crust(100)
    x2 = np.c_[x, x]  # e.g. phase + group velocities: 42 inputs
    cfg = SAEConfig(sizes=(21, 6, 1), pretrain_epochs=1, finetune_epochs=1, batch_size=50)
    m = fit_sae((x2, h), config=cfg, out_dir=tmp_path, trainer=TRAINER)
    assert m.network.config.sizes == (42, 6, 1)
    assert as_trained_model(m).predict(x2).shape == (100,)
