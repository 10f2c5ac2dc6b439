"""MLP / ensemble, receiver-function CNNs, MT U-Net: shapes, configuration round trips, freezing."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: extra threads only contend on a shared machine
    yield
    torch.set_num_threads(n)


from geoinvert.nn import (  # noqa: E402
    MLP,
    RFCNN1D,
    RFCNN2D,
    DeepEnsemble,
    MTUNet,
    architecture_record,
    build_network,
    freeze_early_layers,
    layerwise_param_groups,
)


def test_mlp_and_ensemble():
    torch.manual_seed(0)
    members = [MLP(21, 1, (16, 8), activation=a) for a in ("relu", "gelu", "silu")]
    ens = DeepEnsemble(members)
    x = torch.randn(4, 21)
    mean, std = ens.mean_std(x)
    stacked = torch.stack([m(x) for m in members])
    assert torch.allclose(mean, stacked.mean(0)) and torch.allclose(ens(x), mean)
    assert torch.allclose(std, stacked.std(0, unbiased=False))
    with pytest.raises(ValueError, match="activation"):
        MLP(3, activation="swish2")
    with pytest.raises(ValueError, match="members"):
        DeepEnsemble([])


@pytest.mark.parametrize(
    "net",
    [
        MLP(21, 1, (8,)),
        RFCNN1D(channels=(4, 8), aux_depth=True),
        RFCNN2D(channels=(4, 8)),
        RFCNN1D(channels=(4, 8), time_bins=6, aux_depth=True),
        RFCNN2D(channels=(4, 8), time_bins=4),
        MTUNet(4, width=1 / 16),
        DeepEnsemble([MLP(3, 1, (4,)), MLP(3, 1, (5,))]),
    ],
)
def test_build_network_roundtrip(net):
    again = build_network(architecture_record(net))
    again.load_state_dict(net.state_dict())  # same structure, same parameter names and shapes
    assert type(again) is type(net)


def test_rf_cnn_shapes():
    x = torch.randn(5, 300)
    assert RFCNN1D()(x).shape == (5, 1)
    assert RFCNN1D(aux_depth=True)(x[:, None]).shape == (5, 2)
    img = torch.randn(3, 64, 16)  # time samples × slowness bins
    assert RFCNN2D(aux_depth=True)(img).shape == (3, 2)
    with pytest.raises(ValueError, match="x: expected shape"):
        RFCNN1D()(torch.randn(2, 1, 1, 10))


def test_rf_cnn_time_bins_see_where_a_pulse_is():
    """time_bins=1 (global pooling) cannot tell a pulse at one time from the same pulse
    elsewhere (away from the edges); time_bins > 1 can."""
    torch.manual_seed(0)
    x = torch.zeros(2, 256)
    x[0, 60] = x[1, 188] = 1.0  # the same spike, shifted by 128 samples (a multiple of 2**4)
    glob = RFCNN1D(channels=(4, 8, 8, 8)).eval()
    binned = RFCNN1D(channels=(4, 8, 8, 8), time_bins=8).eval()
    with torch.no_grad():
        g, b = glob(x)[:, 0], binned(x)[:, 0]
    assert torch.allclose(g[0], g[1], atol=1e-6)
    assert not torch.allclose(b[0], b[1], atol=1e-4)
    assert binned.features(x).shape == (2, 8 * 8)
    assert RFCNN2D(channels=(4, 8), time_bins=3)(torch.randn(2, 40, 5)).shape == (2, 1)
    with pytest.raises(ValueError, match="time_bins"):
        RFCNN1D(time_bins=0)


def test_freeze_early_layers_keeps_weights_and_bn_stats():
    torch.manual_seed(0)
    net = RFCNN1D(channels=(4, 8, 8), aux_depth=True)
    freeze_early_layers(net, 2)
    assert all(not p.requires_grad for b in net.blocks[:2] for p in b.parameters())
    assert all(p.requires_grad for p in net.blocks[2].parameters())
    before = {k: v.clone() for k, v in net.state_dict().items()}
    net.train()
    opt = torch.optim.SGD([p for p in net.parameters() if p.requires_grad], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        net(torch.randn(8, 200)).sum().backward()
        opt.step()
    after = net.state_dict()
    for k, v in before.items():
        if k.startswith(("blocks.0.", "blocks.1.")):
            assert torch.equal(v, after[k]), k  # weights AND running statistics untouched
    assert not torch.equal(before["blocks.2.0.weight"], after["blocks.2.0.weight"])
    assert not torch.equal(before["blocks.2.1.running_mean"], after["blocks.2.1.running_mean"])
    freeze_early_layers(net, 0)
    assert all(p.requires_grad for p in net.parameters())
    with pytest.raises(ValueError, match="n_blocks"):
        freeze_early_layers(net, 9)


def test_layerwise_param_groups():
    net = RFCNN1D(channels=(4, 8, 8))
    groups = layerwise_param_groups(net, 1e-3, n_early_blocks=2, early_lr_factor=0.1)
    assert [g["lr"] for g in groups] == [1e-3, pytest.approx(1e-4)]
    n_total = sum(p.numel() for p in net.parameters())
    assert sum(p.numel() for g in groups for p in g["params"]) == n_total
    early = {id(p) for b in net.blocks[:2] for p in b.parameters()}
    assert {id(p) for p in groups[1]["params"]} == early


@pytest.mark.parametrize("channels", [2, 4])
def test_unet_output_grid(channels):
    net = MTUNet(channels, width=1 / 16).eval()
    # 60 frequencies × 121 stations in → 60 depth cells × 121 columns out
    with torch.no_grad():
        assert net(torch.randn(2, channels, 60, 121)).shape == (2, 1, 60, 121)
    chans = [b[0].out_channels for b in net.down]
    assert chans == [4, 8, 16, 32, 64]  # 64-128-256-512-1024 scaled by 1/16


def test_unet_other_grids():
    net = MTUNet(2, width=1 / 16, out_shape=(40, 80)).eval()
    with torch.no_grad():
        assert net(torch.randn(1, 2, 43, 15)).shape == (1, 1, 40, 80)  # pad, crop, resample
    same = MTUNet(2, width=1 / 16, out_shape=None).eval()
    with torch.no_grad():
        assert same(torch.randn(1, 2, 43, 15)).shape == (1, 1, 43, 15)
    with pytest.raises(ValueError, match="x: expected shape"):
        net(torch.randn(1, 3, 60, 121))


def test_unet_frequency_orientation():
    """high_frequency_first = the same network on the frequency-reversed input; old artefact
    records (no key) rebuild with the old orientation."""
    torch.manual_seed(0)
    new = MTUNet(4, width=1 / 16).eval()
    old = MTUNet(4, width=1 / 16, high_frequency_first=False).eval()
    old.load_state_dict(new.state_dict())
    x = torch.randn(2, 4, 60, 121)
    with torch.no_grad():
        torch.testing.assert_close(new(x), old(x.flip(-2)))
        assert not torch.allclose(new(x), old(x))
    rec = architecture_record(new)
    assert build_network(rec).high_frequency_first
    del rec["high_frequency_first"]
    assert not build_network(rec).high_frequency_first


def test_unet_full_width_channels():
    net = MTUNet(2)  # the study's widths; only instantiate (a forward pass is too slow here)
    assert [b[0].out_channels for b in net.down] == [64, 128, 256, 512, 1024]


def test_import_geoinvert_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys, geoinvert, geoinvert.cli; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
