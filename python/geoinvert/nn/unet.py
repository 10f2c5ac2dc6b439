"""U-Net for 2-D magnetotelluric (MT) inversion: data section → log10 resistivity section.

Architecture: Ronneberger, Fischer & Brox (2015), "U-Net: convolutional networks for biomedical
image segmentation", MICCAI; applied to MT as in the MT study (encoder channels 64-128-256-512-1024,
batch norm, ReLU, 2×2 max-pooling, 2×2 transposed convolutions, skip connections).

Input: (n, C, n_frequencies, n_stations) with C = 2 (log10 apparent resistivity in log10 Ω·m and
phase in degrees, one mode) or C = 4 (TE and TM), normally 60 frequencies (1e-4 - 1e3 Hz) × 121
stations. Output: (n, 1, n_depth, n_x) log10 resistivity (log10 Ω·m), normally 60 depth cells ×
121 columns.

Orientation: the data tasks order frequencies ascending (row 0 = 1e-4 Hz, the deepest-sensing
frequency) while the section's row 0 is the surface. A U-Net's skip connections carry features
to the *same* image position, so with ``high_frequency_first=True`` (the default) the frequency
axis is reversed on entry: row 0 becomes the highest frequency, which senses the shallowest rock,
and depth then grows down both images as it does in a pseudo-section.

Non-power-of-two sizes: the four pooling stages need sides divisible by 16, so the input is padded
at the bottom/right by edge replication (60×121 → 64×128), the network runs on the padded grid
and the output is cropped back to the input size. When ``out_shape`` differs from the input grid,
the cropped output is resampled bilinearly to ``out_shape`` (the frequency axis is mapped onto
the depth axis and stations onto columns -- a learned, not a physical, correspondence).

Physical depth mapping (``bostick=...``, optional): the network also receives, per mode, the
Niblett-Bostick resistivity-depth section of its own input (:class:`~geoinvert.nn.bostick.
BostickDepthMap`) resampled onto the output's depth cells, as extra input channels beside the
(reversed) frequency rows. Each frequency's information then also enters at the depth it senses,
instead of the network having to learn the skin-depth mapping, which is non-linear: with 3 km
cells, the frequencies from 1 kHz to about 1 Hz all sense the top one or two rows.

One-station estimate (``column=...``, optional): a frozen :class:`~geoinvert.nn.column.
MTColumnNet`, trained beforehand on millions of cheap 1-D columns of the section prior, reads
every station's sounding curves and its log10-resistivity column becomes one more input channel
on the output's depth cells. Its weights are part of the U-Net's state (saved and loaded with
it) but are not trained with it. With ``column["lateral"]`` a second channel holds the same
network's estimate from the station-wise median of the sounding curves along the whole profile,
the same under every station: the prior's layers are flat, so where bodies disturb a minority of
stations the median sounding is that of the layered background, with the noise of one station
reduced about tenfold. ``column["lateral"]`` may also hold a network of its own for that channel
(e.g. one trained on body-free columns at that lower noise), in the same format as ``column``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .bostick import BostickDepthMap
from .column import MTColumnNet

__all__ = ["MTUNet"]


def _double_conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class MTUNet(nn.Module):
    """MT U-Net.

    Parameters
    ----------
    in_channels
        2 (log10 ρa, phase) or 4 (TE + TM).
    width
        Multiplier of the study's encoder widths (64, 128, 256, 512, 1024); e.g. 1/8 on a CPU.
    base_channels
        The unscaled encoder widths.
    out_shape
        (n_depth, n_x) of the output grid; ``None`` = same as the input grid.
    high_frequency_first
        Reverse the frequency axis of the input (frequencies given ascending in Hz) so that the
        highest frequency lies next to the surface row of the output (see the module notes).
        Artefacts saved before this option existed load with ``False``.
    bostick
        ``None`` (default) or ``{"frequencies": [...] (Hz, of the input rows), "depth_km": ...
        (km, section depth), "input_shift": [...], "input_scale": [...]}``: add the Bostick
        depth-mapped log10 ρ_B of every mode as input channels (see the module notes). The
        shift/scale (one per input channel) undo the input standardisation that precedes the
        network, because the transform needs physical units (log10 Ω·m, degrees).
    column
        ``None`` (default) or ``{"network": MTColumnNet config, "input_shift", "input_scale"
        (the column network's own standardisation, C x n_frequencies values each), "target_shift",
        "target_scale" (n_depth values each, log10 Ω·m), "unet_input_shift", "unet_input_scale"
        (C values each: the U-Net's input standardisation), optional "lateral" (True, or a dict
        {"network", "input_shift", "input_scale", "target_shift", "target_scale"} of a second
        column network)}``: add the frozen one-station estimate as an input channel, and with
        ``lateral`` the estimate (of the same or the second network) from the profile's median
        sounding as another (see the module notes). Load its weights with
        :meth:`set_column_weights` (or with the U-Net's own state dict).
    """

    architecture = "mt_unet"

    def __init__(
        self,
        in_channels: int = 2,
        *,
        width: float = 1.0,
        base_channels: Sequence[int] = (64, 128, 256, 512, 1024),
        out_shape: tuple[int, int] | None = (60, 121),
        high_frequency_first: bool = True,
        bostick: dict | None = None,
        column: dict | None = None,
    ) -> None:
        super().__init__()
        if in_channels < 1:
            raise ValueError(f"in_channels: must be >= 1, got {in_channels}")
        if width <= 0:
            raise ValueError(f"width: must be > 0, got {width}")
        chans = [max(1, round(c * width)) for c in base_channels]
        self._cfg = {
            "in_channels": int(in_channels),
            "width": float(width),
            "base_channels": [int(c) for c in base_channels],
            "out_shape": None if out_shape is None else [int(v) for v in out_shape],
            "high_frequency_first": bool(high_frequency_first),
            "bostick": None if bostick is None else _bostick_config(bostick, in_channels),
        }
        if column is not None:  # only recorded when used: older artefacts have no such key
            self._cfg["column"] = _column_config(column, in_channels)
        self.high_frequency_first = bool(high_frequency_first)
        self.in_channels = int(in_channels)
        self.out_shape = None if out_shape is None else (int(out_shape[0]), int(out_shape[1]))
        self.multiple = 2 ** (len(chans) - 1)
        self.bostick: BostickDepthMap | None = None
        c_prev = self.in_channels
        if bostick is not None:
            cfg = self._cfg["bostick"]
            n_depth = self.out_shape[0] if self.out_shape is not None else len(cfg["frequencies"])
            self.bostick = BostickDepthMap(cfg["frequencies"], cfg["depth_km"], n_depth)
            c = self.in_channels
            self.register_buffer(
                "bostick_shift", torch.tensor(cfg["input_shift"]).reshape(1, c, 1, 1), False
            )
            self.register_buffer(
                "bostick_scale", torch.tensor(cfg["input_scale"]).reshape(1, c, 1, 1), False
            )
            c_prev += c // 2
        self.column: MTColumnNet | None = None
        if column is not None:
            cfg = self._cfg["column"]
            self.column = MTColumnNet(**cfg["network"])
            for p in self.column.parameters():
                p.requires_grad_(False)
            nf = cfg["network"]["n_frequencies"]
            c = self.in_channels
            for key, shape in (
                ("input_shift", (1, c, nf)),
                ("input_scale", (1, c, nf)),
                ("target_shift", (1, -1)),
                ("target_scale", (1, -1)),
                ("unet_input_shift", (1, c, 1, 1)),
                ("unet_input_scale", (1, c, 1, 1)),
            ):
                self.register_buffer(f"column_{key}", torch.tensor(cfg[key]).reshape(shape), False)
            lateral = cfg.get("lateral", False)
            self.column_lateral = bool(lateral)
            self.column_background: MTColumnNet | None = None
            if isinstance(lateral, dict):  # a network of its own for the median sounding
                self.column_background = MTColumnNet(**lateral["network"])
                for p in self.column_background.parameters():
                    p.requires_grad_(False)
                for key, shape in (
                    ("input_shift", (1, c, nf)),
                    ("input_scale", (1, c, nf)),
                    ("target_shift", (1, -1)),
                    ("target_scale", (1, -1)),
                ):
                    t = torch.tensor(lateral[key]).reshape(shape)
                    self.register_buffer(f"column_background_{key}", t, False)
            c_prev += 2 if self.column_lateral else 1
        self.down = nn.ModuleList()
        for c in chans:
            self.down.append(_double_conv(c_prev, c))
            c_prev = c
        self.up = nn.ModuleList()
        self.up_conv = nn.ModuleList()
        for c in reversed(chans[:-1]):
            self.up.append(nn.ConvTranspose2d(c_prev, c, 2, stride=2))
            self.up_conv.append(_double_conv(2 * c, c))
            c_prev = c
        self.head = nn.Conv2d(c_prev, 1, 1)

    def get_config(self) -> dict:
        """Constructor arguments as a plain dict (artefact format)."""
        return dict(self._cfg)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"x: expected shape (n, {self.in_channels}, n_frequencies, n_stations), "
                f"got {tuple(x.shape)}"
            )
        extra = [self._depth_mapped(x)] if self.bostick is not None else []
        if self.column is not None:
            extra.append(self._column_estimate(x))
        if self.high_frequency_first:
            x = x.flip(-2)
        if extra:
            x = torch.cat([x, *extra], dim=1)
        h, w = x.shape[-2:]
        ph = (-h) % self.multiple
        pw = (-w) % self.multiple
        if ph or pw:
            x = F.pad(x, (0, pw, 0, ph), mode="replicate")
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = F.max_pool2d(x, 2)
        for up, conv, skip in zip(self.up, self.up_conv, reversed(skips), strict=True):
            x = conv(torch.cat([up(x), skip], dim=1))
        y = self.head(x)[..., :h, :w]
        if self.out_shape is not None and tuple(y.shape[-2:]) != self.out_shape:
            y = F.interpolate(y, size=self.out_shape, mode="bilinear", align_corners=False)
        return y

    def _depth_mapped(self, x: Tensor) -> Tensor:
        """Standardised Bostick log10 ρ_B per mode on the input grid (row 0 = surface)."""
        raw = x * self.bostick_scale + self.bostick_shift
        rho_b = self.bostick(raw)  # type: ignore[misc]
        if rho_b.shape[-2] != x.shape[-2]:
            rho_b = F.interpolate(rho_b, size=tuple(x.shape[-2:]), mode="bilinear")
        # the same standardisation as each mode's log10 ρa channel
        return (rho_b - self.bostick_shift[:, 0::2]) / self.bostick_scale[:, 0::2]

    def set_column_weights(self, state: dict, background: dict | None = None) -> None:
        """Load trained :class:`MTColumnNet` state dicts into the frozen column network and,
        when the lateral channel has a network of its own, into that one (``background``)."""
        if self.column is None:
            raise ValueError("set_column_weights: this U-Net has no column network")
        self.column.load_state_dict(state)
        if (background is None) != (self.column_background is None):
            raise ValueError(
                "set_column_weights: background weights are needed exactly when the lateral "
                "channel has a network of its own"
            )
        if background is not None:
            self.column_background.load_state_dict(background)  # type: ignore[union-attr]

    def train(self, mode: bool = True) -> MTUNet:
        super().train(mode)
        if self.column is not None:
            self.column.eval()  # frozen: never in training mode
            if self.column_background is not None:
                self.column_background.eval()
        return self

    def _column_net(self, soundings: Tensor, background: bool = False) -> Tensor:
        """log10 ρ (log10 Ω·m) columns (m, nz) of raw soundings (m, C, n_frequencies), by the
        column network or (``background``) the lateral channel's own network."""
        if background and self.column_background is not None:
            net, pre = self.column_background, "column_background_"
        else:
            net, pre = self.column, "column_"
        shift, scale = getattr(self, pre + "input_shift"), getattr(self, pre + "input_scale")
        with torch.no_grad():
            out = net((soundings - shift) / scale)  # type: ignore[misc]
        return out * getattr(self, pre + "target_scale") + getattr(self, pre + "target_shift")

    def _column_estimate(self, x: Tensor) -> Tensor:
        """Standardised one-station log10 ρ column under every station (row 0 = surface), and
        with ``lateral`` the column of the profile's median sounding beside it."""
        raw = x * self.column_unet_input_scale + self.column_unet_input_shift
        n, c, nf, ns = raw.shape
        log_rho = self._column_net(raw.permute(0, 3, 1, 2).reshape(n * ns, c, nf))
        col = log_rho.reshape(n, ns, -1).permute(0, 2, 1).unsqueeze(1)  # (n, 1, nz, ns)
        if self.column_lateral:
            background = self._column_net(raw.median(dim=-1).values, background=True)  # (n, nz)
            col = torch.cat([col, background[:, None, :, None].expand_as(col)], dim=1)
        if col.shape[-2:] != x.shape[-2:]:
            col = F.interpolate(col, size=tuple(x.shape[-2:]), mode="bilinear")
        # the same standardisation as the first mode's log10 ρa channel
        return (col - self.column_unet_input_shift[:, :1]) / self.column_unet_input_scale[:, :1]


def _column_config(cfg: dict, in_channels: int) -> dict:
    """Validated, JSON-able copy of the ``column`` argument of :class:`MTUNet`."""
    keys = {"network", "input_shift", "input_scale", "target_shift", "target_scale"}
    keys |= {"unet_input_shift", "unet_input_scale"}
    missing = keys - set(cfg)
    if missing:
        raise ValueError(f"column: missing {sorted(missing)}")
    net = dict(cfg["network"])
    net.pop("architecture", None)
    if int(net.get("in_channels", -1)) != in_channels:
        raise ValueError(
            f"column: network reads {net.get('in_channels')} channels, the U-Net {in_channels}"
        )
    out: dict = {"network": net}
    lateral = cfg.get("lateral")
    if isinstance(lateral, dict):
        out["lateral"] = _column_config(
            {**lateral, "unet_input_shift": [0.0], "unet_input_scale": [1.0]}, in_channels
        )
        for key in ("unet_input_shift", "unet_input_scale"):
            del out["lateral"][key]
        if "lateral" in out["lateral"]:
            raise ValueError("column: the lateral network cannot have a lateral channel itself")
        for key in ("n_frequencies", "n_depth"):
            if int(out["lateral"]["network"][key]) != int(net[key]):
                raise ValueError(f"column: the lateral network's {key} differs from the column's")
    elif lateral:  # only recorded when used: older artefacts have no such key
        out["lateral"] = True
    sizes = {
        "input_shift": in_channels * int(net["n_frequencies"]),
        "input_scale": in_channels * int(net["n_frequencies"]),
        "target_shift": int(net["n_depth"]),
        "target_scale": int(net["n_depth"]),
        "unet_input_shift": in_channels,
        "unet_input_scale": in_channels,
    }
    for key, size in sizes.items():
        vals = [float(v) for v in torch.as_tensor(cfg[key], dtype=torch.float64).reshape(-1)]
        if len(vals) not in (1, size):
            raise ValueError(f"column: {key} needs {size} values, got {len(vals)}")
        out[key] = vals * size if len(vals) == 1 else vals
    return out


def _bostick_config(cfg: dict, in_channels: int) -> dict:
    """Validated, JSON-able copy of the ``bostick`` argument of :class:`MTUNet`."""
    missing = {"frequencies", "depth_km", "input_shift", "input_scale"} - set(cfg)
    if missing:
        raise ValueError(f"bostick: missing {sorted(missing)}")
    if in_channels % 2:
        raise ValueError(f"bostick: needs [log10 rho_a, phase] channel pairs, got {in_channels}")
    out = {
        "frequencies": [float(v) for v in cfg["frequencies"]],
        "depth_km": float(cfg["depth_km"]),
        "input_shift": [float(v) for v in cfg["input_shift"]],
        "input_scale": [float(v) for v in cfg["input_scale"]],
    }
    for key in ("input_shift", "input_scale"):
        if len(out[key]) != in_channels:
            raise ValueError(f"bostick: {key} needs {in_channels} values, got {len(out[key])}")
    return out
