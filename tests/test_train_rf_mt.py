"""Receiver-function classifier and MT U-Net training on tiny synthetic tensors."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from geoinvert.train import (  # noqa: E402
    as_trained_model,
    fine_tune_rf_classifier,
    fit_mt_unet,
    fit_rf_classifier,
    rms_error,
)
from geoinvert.train.modules import binary_auc  # noqa: E402

TRAINER = {"progress_bar": False, "accelerator": "cpu", "patience": None}


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def toy_rf(n=256, n_t=128, seed=0):
    """Noise traces; half carry a Gaussian pulse whose delay encodes the 'depth' (250-350 km)."""
    rng = np.random.default_rng(seed)
    x = 0.05 * rng.standard_normal((n, n_t))
    present = rng.random(n) < 0.5
    depth = np.where(present, rng.uniform(250, 350, n), np.nan)
    t = np.arange(n_t)
    for i in np.flatnonzero(present):
        x[i] += 0.3 * np.exp(-0.5 * ((t - (depth[i] - 200) / 2) / 2.0) ** 2)
    return x.astype(np.float32), np.c_[present, depth].astype(np.float32)


def test_rf_three_column_targets(tmp_path):
    """geoinvert.data writes (present, depth km, dlnVs) with depth 0 where X is absent."""
    from geoinvert.train import rf_normalization
    from geoinvert.train.data import ArrayDataset

    x, y = toy_rf(64)
    y3 = np.c_[y[:, 0], np.nan_to_num(y[:, 1]), 0.02 * y[:, 0]].astype(np.float32)
    norm = rf_normalization(ArrayDataset(x, y3))
    present = y3[:, 0] > 0.5
    assert norm.target_shift[0] == 0 and norm.target_scale[0] == 1
    assert norm.target_shift[1] == pytest.approx(
        y3[present, 1].mean(), rel=1e-5
    )  # absent rows ignored
    module = fit_rf_classifier(
        (x, y3), channels=(4, 8), epochs=1, out_dir=tmp_path, trainer=TRAINER
    )
    d = as_trained_model(module).predict_distribution(x)
    # depth is de-normalised with column 1's statistics (km), not the last column's
    assert np.all(np.abs(d["depth"] - y3[present, 1].mean()) < 20 * y3[present, 1].std())


def test_binary_auc():
    s = torch.tensor([0.1, 0.4, 0.35, 0.8])
    y = torch.tensor([0, 0, 1, 1])
    assert binary_auc(s, y) == pytest.approx(0.75)  # sklearn's value for this classic example
    assert np.isnan(binary_auc(s, torch.zeros(4)))


def test_rf_pretrain_and_finetune(tmp_path):
    x, y = toy_rf()
    module = fit_rf_classifier(
        (x[:200], y[:200]),
        channels=(8, 16),
        epochs=8,
        batch_size=32,
        lr=3e-3,
        out_dir=tmp_path / "pre",
        trainer=TRAINER,
    )
    model = as_trained_model(module)
    d = model.predict_distribution(x[200:])
    assert d["probability"].shape == d["depth"].shape == (56,)
    lab = y[200:, 0] > 0.5
    assert binary_auc(torch.as_tensor(d["probability"]), torch.as_tensor(lab)) > 0.9
    # transfer learning: block 0 frozen (weights + BN statistics), block 1 at a lower LR
    before = {k: v.clone() for k, v in module.network.state_dict().items()}
    x2, y2 = toy_rf(64, seed=1)
    tuned = fine_tune_rf_classifier(
        module,
        (x2, y2),
        n_frozen_blocks=1,
        n_early_blocks=1,
        epochs=2,
        out_dir=tmp_path / "ft",
        trainer=TRAINER,
    )
    after = tuned.network.state_dict()
    for k, v in before.items():
        if k.startswith("blocks.0."):
            assert torch.equal(v, after[k]), k
    assert not torch.equal(before["blocks.1.0.weight"], after["blocks.1.0.weight"])
    lrs = sorted(g["lr"] for g in tuned.trainer.optimizers[0].param_groups)
    assert lrs == [pytest.approx(3e-5), pytest.approx(3e-4)]


def test_mt_unet_training_and_artefact(tmp_path):
    rng = np.random.default_rng(0)
    n, nf, ns = 12, 60, 121
    freqs = np.logspace(-4, 3, nf)  # Hz
    y = rng.normal(2.0, 0.5, (n, 1, 1)) + 0.1 * rng.standard_normal((n, nf, ns))  # log10 Ω·m
    rho_a = y + 0.05 * rng.standard_normal((n, nf, ns))
    phase = 45 + 5 * rng.standard_normal((n, nf, ns))  # degrees
    x = np.stack([rho_a, phase], 1).astype(np.float32)
    module = fit_mt_unet(
        (x[:10], y[:10]),
        (x[10:], y[10:]),
        width=1 / 16,
        epochs=2,
        batch_size=4,
        out_dir=tmp_path,
        trainer=TRAINER,
        frequencies=freqs,
    )
    model = as_trained_model(module)
    pred = model.predict(x[10:], frequencies=freqs)
    assert pred.shape == (2, 60, 121) and np.all(np.isfinite(pred))
    assert np.isfinite(rms_error(module, (x[10:], y[10:])))
    with pytest.raises(ValueError, match=r"inputs: expected shape \(n, 2, 60, 121\)"):
        model.predict(x[:, :, :50], frequencies=freqs)
    with pytest.raises(ValueError, match="frequencies"):
        model.predict(x[10:], frequencies=freqs[::-1])


def test_mt_unet_with_bostick_channels_saves_and_loads(tmp_path):
    from geoinvert.train import load_model, save_model

    rng = np.random.default_rng(1)
    n, nf, ns = 10, 60, 121
    freqs = np.logspace(-4, 3, nf)  # Hz
    y = rng.normal(2.0, 0.5, (n, 1, 1)) + 0.1 * rng.standard_normal((n, nf, ns))  # log10 Ω·m
    x = np.stack([y, 45 + 5 * rng.standard_normal((n, nf, ns))] * 2, 1).astype(np.float32)
    with pytest.raises(ValueError, match="bostick: needs frequencies"):
        fit_mt_unet((x, y), width=1 / 16, epochs=1, bostick=True, frequencies=freqs)
    module = fit_mt_unet(
        (x[:8], y[:8]),
        (x[8:], y[8:]),
        width=1 / 16,
        epochs=1,
        batch_size=4,
        out_dir=tmp_path,
        trainer=TRAINER,
        bostick=True,
        frequencies=freqs,
        prior={"name": "toy", "depth": 180.0},
    )
    cfg = module.network.get_config()["bostick"]
    assert cfg["depth_km"] == 180.0 and len(cfg["input_shift"]) == 4
    save_model(tmp_path / "m.pt", module)
    loaded = load_model(tmp_path / "m.pt")
    a = as_trained_model(module).predict(x[8:], frequencies=freqs)
    np.testing.assert_allclose(loaded.predict(x[8:], frequencies=freqs), a, rtol=1e-6, atol=1e-6)
