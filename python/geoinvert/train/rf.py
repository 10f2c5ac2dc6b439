"""Receiver-function X-discontinuity classifier: pre-training on synthetics and fine-tuning.

Data items: ``(rf, target)``; ``rf`` a trace (n_samples,) or an image (n_time, n_bins)
(amplitudes relative to the direct P, dimensionless), ``target`` (k >= 2,) = [X present (0/1),
depth of X in km, ...]; depth is ignored where X is absent (any value, NaN or 0). geoinvert.data
writes k = 3 (present, depth km, Vs jump dlnVs); the extra columns are not learned.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
from torch import Tensor, nn

from ..nn import RFCNN1D, RFCNN2D, freeze_early_layers
from .data import dataset_arrays
from .fit import TrainerOptions, attach_metadata, prepare_data, run_fit
from .modules import RFClassifierModule
from .normalization import Normalization

__all__ = ["fine_tune_rf_classifier", "fit_rf_classifier", "rf_normalization"]


def rf_normalization(train_ds: Any) -> Normalization:
    """Global input standardisation; the label column 0 untouched; the other target columns
    (depth of X in km, jump ...) standardised over the samples with X present."""
    x, y = dataset_arrays(train_ds)
    if y.ndim != 2 or y.shape[1] < 2:
        raise ValueError(
            f"targets: expected shape (n, >=2) [present, depth km, ...], got {y.shape}"
        )
    norm = Normalization.from_data(x, y[:, :1], input_axes="all", target_method="none")
    shift, scale = np.zeros(y.shape[1]), np.ones(y.shape[1])
    present = y[:, 0] > 0.5
    for j in range(1, y.shape[1]):
        col = y[present, j]
        col = col[np.isfinite(col)]
        if col.size:
            shift[j] = float(col.mean())
        if col.size > 1 and col.std() > 0:
            scale[j] = float(col.std())
    return Normalization(norm.input_shift, norm.input_scale, shift, scale)


def fit_rf_classifier(
    train_data: Any,
    val_data: Any = None,
    *,
    network: nn.Module | None = None,
    image: bool = False,
    aux_depth: bool = True,
    channels: Sequence[int] = (16, 32, 64, 64),
    time_bins: int = 16,
    epochs: int = 30,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 1e-4,
    aux_weight: float = 0.5,
    out_dir: str | Path = "runs/rf",
    normalization: Normalization | None = None,
    seed: int = 0,
    input_noise: Callable[[Tensor], Tensor] | None = None,
    trainer: TrainerOptions | None = None,
    ckpt_path: str | Path | None = None,
    **meta: Any,
) -> RFClassifierModule:
    """Train a 1-D (``image=False``) or 2-D CNN X-discontinuity classifier (pre-training stage).

    ``time_bins``: pooling windows along time (see :mod:`geoinvert.nn.rf_cnn`; 1 = global
    pooling, which cannot tell when a converted phase arrives). ``normalization`` defaults to
    :func:`rf_normalization` (one global input scale; a per-time-sample scale computed on clean
    traces blows noise up at late times). ``**meta``: ``prior`` (stored in the artefact).
    """
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    norm = normalization or rf_normalization(train_ds)
    if network is None:
        cls = RFCNN2D if image else RFCNN1D
        network = cls(channels=channels, aux_depth=aux_depth, time_bins=time_bins)
    module = RFClassifierModule(
        network,
        norm,
        lr=lr,
        weight_decay=weight_decay,
        aux_weight=aux_weight,
        input_noise=input_noise,
    )
    attach_metadata(module, train_ds, prior=meta.pop("prior", None))
    if meta:
        raise TypeError(f"fit_rf_classifier: unexpected arguments {sorted(meta)}")
    run_fit(
        module,
        train_ds,
        val_ds,
        out_dir=out_dir,
        max_epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        trainer=trainer,
        ckpt_path=ckpt_path,
    )
    return module


def fine_tune_rf_classifier(
    pretrained: RFClassifierModule,
    train_data: Any,
    val_data: Any = None,
    *,
    n_frozen_blocks: int = 2,
    n_early_blocks: int = 0,
    early_lr_factor: float = 0.1,
    epochs: int = 20,
    batch_size: int = 32,
    lr: float = 3e-4,
    out_dir: str | Path = "runs/rf_finetune",
    seed: int = 0,
    trainer: TrainerOptions | None = None,
) -> RFClassifierModule:
    """Transfer learning: fine-tune a pre-trained classifier on a small labelled set.

    The first ``n_frozen_blocks`` blocks are frozen (weights and batch-norm statistics); the next
    ``n_early_blocks`` blocks train at ``lr × early_lr_factor``; the normalisation of the
    pre-training set is kept.
    """
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    net = pretrained.network
    freeze_early_layers(net, n_frozen_blocks)
    module = RFClassifierModule(
        net,
        pretrained.normalization,
        lr=lr,
        aux_weight=pretrained.aux_weight,
        n_early_blocks=n_frozen_blocks + n_early_blocks,
        early_lr_factor=early_lr_factor,
    )
    attach_metadata(module, train_ds, prior=getattr(pretrained, "prior", None))
    run_fit(
        module,
        train_ds,
        val_ds,
        out_dir=out_dir,
        max_epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        trainer=trainer,
    )
    return module
