"""One-station MT column network: sampler, network, frozen U-Net channel, training."""

import dataclasses

import numpy as np
import pytest
import torch

from geoinvert.earth.priors import MTSectionPrior
from geoinvert.mt import forward_1d
from geoinvert.nn import MTColumnNet, MTUNet, build_network
from geoinvert.train import fit_mt_column_net, fit_mt_unet, sample_mt_columns
from geoinvert.train.mt_column import column_config

PRIOR = MTSectionPrior(width=80.0, depth=48.0, nx=16, nz=16)
FREQS = np.logspace(-3, 2, 16)  # as many as depth cells: no resampling of the channel


def test_columns_are_prior_columns_with_their_1d_response():
    x, y = sample_mt_columns(np.random.default_rng(0), 50, FREQS, PRIOR, per_section=3)
    assert x.shape == (50, 4, 16) and y.shape == (50, 16)
    lo, hi = np.log10(PRIOR.resistivity)
    assert np.all((y >= lo - 1e-6) & (y <= hi + 1e-6))
    ra, ph, _ = forward_1d(FREQS, 10.0 ** y[7].astype(float), np.full(15, 3.0))
    np.testing.assert_allclose(x[7, 0], np.log10(ra), atol=1e-5)
    np.testing.assert_allclose(x[7, 1], ph, atol=1e-4)
    np.testing.assert_array_equal(x[:, :2], x[:, 2:])  # TE = TM in 1-D
    with pytest.raises(ValueError, match="frequencies"):
        sample_mt_columns(np.random.default_rng(0), 5, [1.0, -2.0], PRIOR)
    with pytest.raises(ValueError, match="per_section"):
        sample_mt_columns(np.random.default_rng(0), 5, FREQS, PRIOR, per_section=0)


def test_column_net_shapes_and_errors():
    net = MTColumnNet(4, 12, 16, (32,))
    assert net(torch.zeros(3, 4, 12)).shape == (3, 16)
    with pytest.raises(ValueError, match="x: expected"):
        net(torch.zeros(3, 4, 11))
    rebuilt = build_network({"architecture": "mt_column", **net.get_config()})
    assert isinstance(rebuilt, MTColumnNet)


def test_column_training_learns_and_the_unet_channel_is_frozen(tmp_path):
    rng = np.random.default_rng(1)
    tr = sample_mt_columns(rng, 3000, FREQS, PRIOR)
    va = sample_mt_columns(rng, 300, FREQS, PRIOR)
    col = fit_mt_column_net(
        tr, va, frequencies=FREQS, hidden=(64, 64), epochs=8, batch_size=128,
        out_dir=tmp_path / "col", trainer={"progress_bar": False},
    )  # fmt: skip
    with torch.no_grad():
        xn = (torch.from_numpy(va[0]) - col.input_shift) / col.input_scale
        pred = col.network(xn) * col.target_scale + col.target_shift
    rms = float(np.sqrt(np.mean((pred.numpy() - va[1]) ** 2)))
    rms_mean = float(np.sqrt(np.mean((va[1] - tr[1].mean(0)) ** 2)))
    assert rms < 0.8 * rms_mean

    # a tiny U-Net with the column channel: the channel equals the column net per station
    x = np.repeat(va[0][:8, :, :, None], PRIOR.nx, axis=3)  # (8, 4, 16, 16) laterally uniform
    y = np.repeat(va[1][:8, :, None], PRIOR.nx, axis=2)
    unet = fit_mt_unet(
        (x, y), (x[:2], y[:2]), width=1 / 32, column=col, epochs=1, batch_size=4, frequencies=FREQS,
        out_dir=tmp_path / "unet", trainer={"progress_bar": False},
    )  # fmt: skip
    with pytest.raises(ValueError, match="frequencies"):
        fit_mt_unet((x, y), column=col, frequencies=FREQS * 2, epochs=1, out_dir=tmp_path / "u2")
    net = unet.network
    assert net.column is not None and not any(p.requires_grad for p in net.column.parameters())
    for a, b in zip(
        net.column.state_dict().values(), col.network.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b)  # training the U-Net left the column net unchanged
    xs = unet.norm_x(torch.from_numpy(x[:2]))
    ch = net._column_estimate(xs)  # standardised like the first log10 rho_a channel
    log_rho = ch * net.column_unet_input_scale[:, :1] + net.column_unet_input_shift[:, :1]
    torch.testing.assert_close(log_rho[:, 0, :, 3], pred[:2], atol=1e-4, rtol=1e-4)
    rebuilt = build_network({"architecture": "mt_unet", **net.get_config()})
    rebuilt.load_state_dict(net.state_dict())
    rebuilt.eval(), net.eval()
    torch.testing.assert_close(rebuilt(xs), net(xs))


def test_lateral_channel_reads_the_median_sounding(tmp_path):
    rng = np.random.default_rng(2)
    tr = sample_mt_columns(rng, 500, FREQS, PRIOR)
    col = fit_mt_column_net(
        tr, tr, frequencies=FREQS, hidden=(16,), epochs=1, batch_size=128,
        out_dir=tmp_path / "col", trainer={"progress_bar": False},
    )  # fmt: skip
    x = np.repeat(tr[0][:2, :, :, None], PRIOR.nx, axis=3).copy()  # (2, 4, 16, 16)
    x[:, :, :, :5] += 0.7  # a "body" under 5 of 16 stations: the median sounding ignores it
    y = np.repeat(tr[1][:2, :, None], PRIOR.nx, axis=2)
    with pytest.raises(ValueError, match="column_lateral"):
        fit_mt_unet((x, y), column_lateral=True, epochs=1, out_dir=tmp_path / "u0")
    unet = fit_mt_unet(
        (x, y), (x, y), width=1 / 32, column=col, column_lateral=True, epochs=1, batch_size=2,
        frequencies=FREQS, out_dir=tmp_path / "unet", trainer={"progress_bar": False},
    )  # fmt: skip
    net = unet.network
    assert net.get_config()["column"]["lateral"] is True
    assert net.down[0][0].in_channels == 4 + 2  # inputs, per-station and lateral estimate
    xs = unet.norm_x(torch.from_numpy(x))
    ch = net._column_estimate(xs)
    log_rho = ch * net.column_unet_input_scale[:, :1] + net.column_unet_input_shift[:, :1]
    with torch.no_grad():
        clean = torch.from_numpy(tr[0][:2])
        expect = col.network((clean - col.input_shift) / col.input_scale)
        expect = expect * col.target_scale + col.target_shift
    for station in (0, 9, 15):  # the same background estimate under every station
        torch.testing.assert_close(log_rho[:, 1, :, station], expect, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(log_rho[:, 0, :, 9], expect, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(log_rho[:, 0, :, 2], expect, atol=1e-3)  # disturbed station
    rebuilt = build_network({"architecture": "mt_unet", **net.get_config()})
    rebuilt.load_state_dict(net.state_dict())
    rebuilt.eval(), net.eval()
    torch.testing.assert_close(rebuilt(xs), net(xs))

    # a background network of its own reads the median sounding; the column net the stations
    layered = dataclasses.replace(PRIOR, n_bodies=(0, 0))
    bg_data = sample_mt_columns(rng, 500, FREQS, layered)
    bg = fit_mt_column_net(
        bg_data, bg_data, frequencies=FREQS, hidden=(24,), z_relative=0.005, epochs=1,
        batch_size=128, out_dir=tmp_path / "bg", trainer={"progress_bar": False},
    )  # fmt: skip
    unet2 = fit_mt_unet(
        (x, y), (x, y), width=1 / 32, column=col, column_lateral=bg, epochs=1, batch_size=2,
        frequencies=FREQS, out_dir=tmp_path / "unet2", trainer={"progress_bar": False},
    )  # fmt: skip
    net2 = unet2.network
    assert net2.get_config()["column"]["lateral"]["network"]["hidden"] == [24]
    ch2 = net2._column_estimate(xs)
    log_rho2 = ch2 * net2.column_unet_input_scale[:, :1] + net2.column_unet_input_shift[:, :1]
    with torch.no_grad():
        expect_bg = bg.network((clean - bg.input_shift) / bg.input_scale)
        expect_bg = expect_bg * bg.target_scale + bg.target_shift
    torch.testing.assert_close(log_rho2[:, 1, :, 4], expect_bg, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(log_rho2[:, 0, :, 9], expect, atol=1e-4, rtol=1e-4)
    assert not any(p.requires_grad for p in net2.column_background.parameters())
    for a, b in zip(
        net2.column_background.state_dict().values(), bg.network.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b)  # U-Net training left the background net unchanged
    rebuilt2 = build_network({"architecture": "mt_unet", **net2.get_config()})
    rebuilt2.load_state_dict(net2.state_dict())
    rebuilt2.eval(), net2.eval()
    torch.testing.assert_close(rebuilt2(xs), net2(xs))
    with pytest.raises(ValueError, match="frequencies"):
        fit_mt_unet((x, y), column=col, column_lateral=bg, frequencies=FREQS * 2, epochs=1,
                    out_dir=tmp_path / "u3")  # fmt: skip
    with pytest.raises(ValueError, match="background weights"):
        net2.set_column_weights(col.network.state_dict())


def test_column_config_rejects_other_networks():
    class Fake:
        network = MTUNet(4, width=1 / 32, out_shape=None)

    with pytest.raises(ValueError, match="mt_column"):
        column_config(Fake(), None)
    with pytest.raises(ValueError, match="column: missing"):
        MTUNet(4, width=1 / 32, column={"network": {}})
