"""Niblett-Bostick depth mapping (geoinvert.nn.bostick) and the MT U-Net's use of it."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from geoinvert.mt import forward_1d  # noqa: E402
from geoinvert.nn import MTUNet, build_network  # noqa: E402
from geoinvert.nn.bostick import BostickDepthMap, bostick_transform  # noqa: E402

FREQS = np.logspace(-4, 3, 60)  # Hz


def sounding(resistivity, thickness):
    """(1, 2, 60, 1) tensor [log10 ρa (log10 Ω·m), phase (degrees)] of a layered earth."""
    rho_a, phase, _ = forward_1d(FREQS, resistivity, thickness)
    return torch.tensor(np.stack([np.log10(rho_a), phase])[None, :, :, None], dtype=torch.float32)


def test_half_space_depth_and_resistivity():
    # ρa = 100 Ω·m at 1 Hz: z = sqrt(ρ / (ω μ0)) = 3.559 km; φ = 45° gives ρ_B = ρa exactly
    ln_z, log_rho = bostick_transform(
        torch.tensor([[2.0]]), torch.tensor([[45.0]]), torch.tensor([1.0])
    )
    z_km = math.sqrt(100 / (2 * math.pi * 4e-7 * math.pi)) / 1e3
    assert math.exp(ln_z.item()) == pytest.approx(z_km, rel=1e-5)
    assert log_rho.item() == pytest.approx(2.0, abs=1e-6)
    out = BostickDepthMap(FREQS, 180.0, 60)(sounding([100.0], []))
    assert out.shape == (1, 1, 60, 1)
    np.testing.assert_allclose(out.numpy(), 2.0, atol=1e-4)


@pytest.mark.parametrize(
    ("resistivity", "top", "bottom"), [([10.0, 1000.0], 1.0, 3.0), ([1000.0, 10.0], 3.0, 1.0)]
)
def test_two_layers_recovered_at_the_right_end(resistivity, top, bottom):
    # the top 3 km cell sees the upper layer; 150 km depth approaches the basement
    out = BostickDepthMap(FREQS, 180.0, 60)(sounding(resistivity, [10.0]))[0, 0, :, 0].numpy()
    assert out[0] == pytest.approx(top, abs=0.05)
    assert abs(out[50] - bottom) < abs(out[0] - bottom) / 2
    step = np.diff(out[2:])
    assert np.all(step * np.sign(bottom - top) > -0.01)  # monotone towards the basement


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="frequencies"):
        BostickDepthMap([1.0, -1.0], 180.0, 60)
    with pytest.raises(ValueError, match="depth_km"):
        BostickDepthMap(FREQS, 0.0, 60)
    with pytest.raises(ValueError, match="n_depth"):
        BostickDepthMap(FREQS, 180.0, 0)
    with pytest.raises(ValueError, match="x: expected"):
        BostickDepthMap(FREQS, 180.0, 60)(torch.zeros(1, 3, 60, 4))


def bostick_cfg(channels=4):
    return {
        "frequencies": FREQS.tolist(),
        "depth_km": 180.0,
        "input_shift": [2.0, 45.0] * (channels // 2),
        "input_scale": [1.0, 10.0] * (channels // 2),
    }


def test_unet_with_bostick_channels_round_trips():
    torch.manual_seed(0)
    net = MTUNet(4, width=1 / 16, bostick=bostick_cfg()).eval()
    # the first convolution sees the 4 data channels + one Bostick channel per mode
    assert net.down[0][0].in_channels == 6
    x = torch.randn(2, 4, 60, 121)
    rebuilt = build_network({"architecture": "mt_unet", **net.get_config()})
    rebuilt.load_state_dict(net.state_dict())
    rebuilt.eval()
    with torch.no_grad():
        y = net(x)
        assert y.shape == (2, 1, 60, 121)
        torch.testing.assert_close(rebuilt(x), y)
        # the depth-mapped channels are used: changing the input scale changes the output
        other = MTUNet(4, width=1 / 16, bostick={**bostick_cfg(), "input_scale": [2.0, 5.0] * 2})
        other.load_state_dict(net.state_dict())
        assert not torch.allclose(other.eval()(x), y)


def test_unet_bostick_config_errors():
    with pytest.raises(ValueError, match="missing"):
        MTUNet(4, bostick={"frequencies": FREQS.tolist()})
    with pytest.raises(ValueError, match="input_shift needs 4"):
        MTUNet(4, bostick={**bostick_cfg(), "input_shift": [0.0, 0.0]})
    with pytest.raises(ValueError, match="channel pairs"):
        MTUNet(3, bostick=bostick_cfg())
