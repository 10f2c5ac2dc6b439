"""Convolutional classifiers for the X-discontinuity in receiver functions (RFs).

Two input forms:

* :class:`RFCNN1D` -- single RF traces, shape (n, n_samples) or (n, 1, n_samples);
* :class:`RFCNN2D` -- station-stacked RF images, shape (n, n_time, n_bins) or
  (n, 1, n_time, n_bins), with bins in slowness (s/km) or back-azimuth (degrees).

Both are stacks of [conv → batch norm → ReLU → max-pool] blocks, average pooling over
``time_bins`` equal time windows (1 = global pooling, translation-invariant) and two heads: a
binary logit (X discontinuity present) and, when ``aux_depth=True``, a regression of the
(normalised) depth of X in km. ``forward`` returns a tensor of shape (n, 1) or (n, 2): column 0 the
logit, column 1 the depth.

``time_bins > 1`` keeps where along the time axis a feature lies: with global pooling the network
sees *that* a positive converted phase exists but not *when*, so it cannot tell a Ps from the X
window (27-37 s) from one of a 220-km discontinuity (~23 s) or a crustal multiple.

Transfer learning (pre-train on synthetics, fine-tune on a small labelled set):
:func:`freeze_early_layers` freezes the first blocks (weights and batch-norm statistics);
:func:`layerwise_param_groups` gives optimiser groups with a lower learning rate for them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

__all__ = ["RFCNN1D", "RFCNN2D", "freeze_early_layers", "layerwise_param_groups"]


class _RFCNN(nn.Module):
    dim = 1
    architecture = "rf_cnn"

    def __init__(
        self,
        *,
        in_channels: int = 1,
        channels: Sequence[int] = (16, 32, 64, 64),
        kernel_size: int | tuple[int, int] = 7,
        hidden: int = 64,
        dropout: float = 0.2,
        aux_depth: bool = False,
        time_bins: int = 1,
    ) -> None:
        super().__init__()
        conv = nn.Conv1d if self.dim == 1 else nn.Conv2d
        bn = nn.BatchNorm1d if self.dim == 1 else nn.BatchNorm2d
        pool = nn.MaxPool1d if self.dim == 1 else nn.MaxPool2d
        k = kernel_size
        pad = k // 2 if isinstance(k, int) else tuple(int(v) // 2 for v in k)
        self._cfg = {
            "in_channels": int(in_channels),
            "channels": [int(c) for c in channels],
            "kernel_size": k if isinstance(k, int) else [int(v) for v in k],
            "hidden": int(hidden),
            "dropout": float(dropout),
            "aux_depth": bool(aux_depth),
            "time_bins": int(time_bins),
        }
        if int(time_bins) < 1:
            raise ValueError(f"time_bins must be >= 1, got {time_bins}")
        blocks = []
        c_in = int(in_channels)
        for c in channels:
            blocks.append(
                nn.Sequential(
                    conv(c_in, int(c), k, padding=pad, bias=False),  # type: ignore[arg-type]
                    bn(int(c)),
                    nn.ReLU(inplace=True),
                    pool(2, ceil_mode=True),
                )
            )
            c_in = int(c)
        self.blocks = nn.ModuleList(blocks)
        nb = int(time_bins)
        self.pool = nn.AdaptiveAvgPool1d(nb) if self.dim == 1 else nn.AdaptiveAvgPool2d((nb, 1))
        n_feat = c_in * nb
        self.classifier = nn.Sequential(
            nn.Linear(n_feat, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, 1),
        )
        self.depth_head = (
            nn.Sequential(nn.Linear(n_feat, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 1))
            if aux_depth
            else None
        )
        self.n_frozen = 0

    @property
    def aux_depth(self) -> bool:
        return self.depth_head is not None

    def get_config(self) -> dict:
        """Constructor arguments as a plain dict (artefact format)."""
        return dict(self._cfg)

    def _shape(self, x: Tensor) -> Tensor:
        if x.dim() == self.dim + 1:
            x = x.unsqueeze(1)
        if x.dim() != self.dim + 2:
            raise ValueError(
                f"x: expected shape (n, {'n_samples' if self.dim == 1 else 'n_time, n_bins'}) "
                f"with an optional channel axis, got {tuple(x.shape)}"
            )
        return x

    def features(self, x: Tensor) -> Tensor:
        """Pooled features, shape (n, channels[-1] * time_bins)."""
        x = self._shape(x)
        for b in self.blocks:
            x = b(x)
        return self.pool(x).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        h = self.features(x)
        out = self.classifier(h)
        if self.depth_head is not None:
            out = torch.cat([out, self.depth_head(h)], dim=1)
        return out

    def train(self, mode: bool = True) -> _RFCNN:
        super().train(mode)
        for b in self.blocks[: self.n_frozen]:  # frozen blocks keep their batch-norm statistics
            b.eval()
        return self


class RFCNN1D(_RFCNN):
    """1-D CNN on single RF traces (n, n_samples); see the module docstring."""

    dim = 1
    architecture = "rf_cnn1d"


class RFCNN2D(_RFCNN):
    """2-D CNN on RF images (n, n_time, n_bins); ``kernel_size`` may be a (time, bin) pair."""

    dim = 2
    architecture = "rf_cnn2d"

    def __init__(self, *, kernel_size: int | tuple[int, int] = (7, 3), **kw) -> None:
        super().__init__(kernel_size=kernel_size, **kw)


def freeze_early_layers(model: _RFCNN, n_blocks: int) -> _RFCNN:
    """Freeze the first ``n_blocks`` convolution blocks (weights and batch-norm statistics).

    ``n_blocks=0`` unfreezes everything. Returns the model.
    """
    if not 0 <= n_blocks <= len(model.blocks):
        raise ValueError(f"n_blocks: must lie in [0, {len(model.blocks)}], got {n_blocks}")
    for i, b in enumerate(model.blocks):
        for p in b.parameters():
            p.requires_grad_(i >= n_blocks)
    model.n_frozen = int(n_blocks)
    model.train(model.training)
    return model


def layerwise_param_groups(
    model: _RFCNN, lr: float, *, n_early_blocks: int, early_lr_factor: float = 0.1
) -> list[dict]:
    """Optimiser parameter groups: the first ``n_early_blocks`` blocks at ``lr*early_lr_factor``.

    Frozen parameters (``requires_grad=False``) are left out.
    """
    early = [p for b in model.blocks[:n_early_blocks] for p in b.parameters() if p.requires_grad]
    early_ids = {id(p) for p in early}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in early_ids]
    groups = [{"params": rest, "lr": lr}]
    if early:
        groups.append({"params": early, "lr": lr * early_lr_factor})
    return groups
