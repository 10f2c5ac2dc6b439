"""Stacked sparse auto-encoder: shapes, presets, KL penalty, denoising, greedy pre-training."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from geoinvert.nn import (  # noqa: E402
    PAPER_SELECTED_PRESET,
    TABLE1_PRESETS,
    SAEConfig,
    SparseAutoEncoderLayer,
    StackedSparseAutoEncoder,
    kl_sparsity,
    sae_layer_cost,
)
from geoinvert.nn.sae import denoise_mask  # noqa: E402
from geoinvert.train import Normalization, RegressionModule, pretrain_sae_layer  # noqa: E402
from geoinvert.train.data import ArrayDataset, split_dataset  # noqa: E402
from geoinvert.train.fit import run_fit  # noqa: E402

TRAINER = {"progress_bar": False, "accelerator": "cpu", "patience": None}


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: threads only add contention on a shared machine
    yield
    torch.set_num_threads(n)


def _toy(n=600, seed=0):
    rng = np.random.default_rng(seed)
    h = rng.uniform(20, 100, n)
    f = np.linspace(0.010, 0.035, 21)
    x = (
        3.5
        + 0.6 * np.tanh((h[:, None] - 50) / 30) * np.exp(-f * 40)
        + 0.01 * rng.standard_normal((n, 21))
    )
    return x.astype(np.float32), h.astype(np.float32)


def test_table1_presets():
    assert len(TABLE1_PRESETS) == 12
    assert TABLE1_PRESETS["t1_01"].sizes == (21, 50, 10, 1)
    assert TABLE1_PRESETS[PAPER_SELECTED_PRESET].sizes == (21, 200, 100, 50, 20, 10, 5, 1)
    assert {c.batch_size for c in TABLE1_PRESETS.values()} == {10_000, 1_000, 100, 50}
    assert {c.pretrain_epochs for c in TABLE1_PRESETS.values()} == {10, 100}
    for c in TABLE1_PRESETS.values():
        assert c.sparse_layers == (0,) and c.denoise_fraction == 0.5


def test_shapes_and_config_roundtrip():
    net = StackedSparseAutoEncoder(TABLE1_PRESETS["t1_12"])
    x = torch.rand(7, 21)
    assert net(x).shape == (7, 1)
    assert net.features(x).shape == (7, 5)
    assert net.codes(x, 2).shape == (7, 100)
    again = StackedSparseAutoEncoder(net.get_config()["config"])
    assert again.config == net.config


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"sizes": (21, 1)}, "sizes"),
        ({"rho": 1.2}, "rho"),
        ({"denoise_fraction": 1.0}, "denoise_fraction"),
        ({"sparse_layers": (5,)}, "sparse_layers"),
        ({"sizes": (21, 0, 1)}, r"sizes\[1\]"),
    ],
)
def test_config_errors(kw, match):
    with pytest.raises(ValueError, match=match):
        SAEConfig(**kw)


def test_kl_matches_hand_computation():
    a = torch.tensor([[0.1, 0.5, 0.9], [0.3, 0.5, 0.7]], dtype=torch.float64)
    rho = 0.05
    rho_hat = np.array([0.2, 0.5, 0.8])
    expected = np.sum(rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))
    assert float(kl_sparsity(a, rho)) == pytest.approx(expected, rel=1e-12)
    # zero exactly when every unit's mean activation equals rho
    assert float(kl_sparsity(torch.full((4, 3), rho, dtype=torch.float64), rho)) == pytest.approx(
        0.0, abs=1e-15
    )


def test_layer_cost_parts():
    torch.manual_seed(0)
    layer = SparseAutoEncoderLayer(5, 3).double()
    v = torch.rand(10, 5, dtype=torch.float64)
    cost, parts = sae_layer_cost(layer, v, v, beta=2.0, rho=0.1, weight_decay=0.01, sparse=True)
    z = torch.sigmoid(v @ layer.encoder.weight.T + layer.encoder.bias)
    v_hat = torch.sigmoid(z @ layer.decoder.weight.T + layer.decoder.bias)
    recon = 0.5 * ((v_hat - v) ** 2).sum(1).mean()
    l2 = 0.005 * (layer.encoder.weight.pow(2).sum() + layer.decoder.weight.pow(2).sum())
    expected = (recon + 2.0 * kl_sparsity(z, 0.1) + l2).detach()
    assert float(cost.detach()) == pytest.approx(float(expected), rel=1e-12)
    assert float(parts["recon"]) == pytest.approx(float(recon), rel=1e-12)
    assert float(parts["l2"]) == pytest.approx(float(l2), rel=1e-12)
    _, no_sparse = sae_layer_cost(layer, v, v, beta=2.0, rho=0.1, weight_decay=0.0, sparse=False)
    assert float(no_sparse["kl"]) == 0.0


def test_kl_pulls_mean_activation_toward_rho():
    rho = 0.05
    v = torch.rand(256, 21, generator=torch.Generator().manual_seed(1))

    def train(beta):
        torch.manual_seed(0)
        layer = SparseAutoEncoderLayer(21, 30)
        opt = torch.optim.Adam(layer.parameters(), lr=1e-2)
        for _ in range(300):
            opt.zero_grad()
            cost, _ = sae_layer_cost(layer, v, v, beta=beta, rho=rho, weight_decay=0, sparse=True)
            cost.backward()
            opt.step()
        return float(layer.encode(v).mean())

    dense, sparse = train(0.0), train(3.0)
    # With beta = 3 the mean activation must move much closer to rho than without the penalty.
    assert abs(sparse - rho) < 0.5 * abs(dense - rho)
    assert abs(sparse - rho) < 0.05


def test_denoise_mask_fraction():
    x = torch.ones(200, 50)
    m = denoise_mask(x, 0.5, generator=torch.Generator().manual_seed(0))
    frac = float((m == 0).float().mean())
    assert frac == pytest.approx(0.5, abs=0.02)  # 10 000 Bernoulli(0.5): sd 0.005
    assert torch.equal(denoise_mask(x, 0.0), x)


def _stack_and_data():
    x, h = _toy()
    ds = ArrayDataset(x, h)
    tr, va = split_dataset(ds, 0.2, seed=0)
    norm = Normalization.from_data(tr.inputs.numpy(), tr.targets.numpy(), input_method="minmax")
    cfg = SAEConfig(
        sizes=(21, 16, 8, 4, 1),
        pretrain_epochs=2,
        finetune_epochs=15,
        batch_size=32,
        finetune_lr=3e-3,
    )
    torch.manual_seed(0)
    return StackedSparseAutoEncoder(cfg), tr, va, norm


def test_pretraining_changes_only_the_layer_being_trained(tmp_path):
    net, tr, va, norm = _stack_and_data()
    for k in range(net.config.n_hidden):
        before = {n: p.detach().clone() for n, p in net.state_dict().items()}
        pretrain_sae_layer(net, k, tr, va, norm, out_dir=tmp_path / f"l{k}", trainer=TRAINER)
        after = net.state_dict()
        for name, value in before.items():
            if name.startswith(f"layers.{k}."):
                assert not torch.equal(value, after[name]), f"{name} was not trained"
            else:
                assert torch.equal(value, after[name]), f"{name} changed while training layer {k}"
        # everything is trainable again after the stage
        assert all(p.requires_grad for p in net.parameters())


def test_finetuning_reduces_loss(tmp_path):
    net, tr, va, norm = _stack_and_data()
    for k in range(net.config.n_hidden):
        pretrain_sae_layer(net, k, tr, va, norm, out_dir=tmp_path / f"l{k}", trainer=TRAINER)
    module = RegressionModule(net, norm, lr=net.config.finetune_lr)

    def val_mse():
        with torch.no_grad():
            pred = net(module.norm_x(va.inputs)).reshape(va.targets.shape)
            return float(((pred - module.norm_y(va.targets)) ** 2).mean())

    before = val_mse()
    run_fit(
        module,
        tr,
        va,
        out_dir=tmp_path / "ft",
        max_epochs=net.config.finetune_epochs,
        batch_size=32,
        trainer=TRAINER,
    )
    after = val_mse()
    # The regression layer starts untrained (MSE ~ 1 in standardised units); fine-tuning must
    # cut the validation error at least in half.
    assert after < 0.5 * before


def test_code_rescaling_is_folded_into_the_encoder(tmp_path):
    """Layer k >= 1 trains on its input codes rescaled to [0.05, 0.95]; afterwards the encoder
    alone (raw codes in) gives exactly the codes the stage trained on (rescaled codes in)."""
    from geoinvert.train.modules import SAEPretrainModule

    net, tr, va, norm = _stack_and_data()
    pretrain_sae_layer(net, 0, tr, va, norm, out_dir=tmp_path / "l0", trainer=TRAINER)
    x = (tr.inputs - torch.as_tensor(norm.input_shift)) / torch.as_tensor(norm.input_scale)
    with torch.no_grad():
        v = net.codes(x, 1)
    lo, hi = v.amin(0), v.amax(0)
    module = SAEPretrainModule(net, 1, norm, code_range=(lo, hi))
    vs = module._rescaled(v)
    assert float(vs.min()) == pytest.approx(0.05, abs=1e-5)
    assert float(vs.max()) == pytest.approx(0.95, abs=1e-5)
    with torch.no_grad():
        expected = net.layers[1].encode(vs)
    module.fold_code_rescaling()
    with torch.no_grad():
        torch.testing.assert_close(net.layers[1].encode(v), expected, rtol=1e-5, atol=1e-6)
    module.fold_code_rescaling()  # a second call is a no-op
    with torch.no_grad():
        torch.testing.assert_close(net.layers[1].encode(v), expected, rtol=1e-5, atol=1e-6)


def test_rescaled_stack_top_code_varies(tmp_path):
    """After greedy pre-training with rescaled codes the top code still varies over samples."""
    net, tr, va, norm = _stack_and_data()
    for k in range(net.config.n_hidden):
        pretrain_sae_layer(net, k, tr, va, norm, out_dir=tmp_path / f"l{k}", trainer=TRAINER)
    x = (tr.inputs - torch.as_tensor(norm.input_shift)) / torch.as_tensor(norm.input_scale)
    with torch.no_grad():
        top = net.features(x)
    assert float(top.std(0).max()) > 1e-3
