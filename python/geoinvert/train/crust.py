"""Crustal thickness from Rayleigh-wave dispersion: SAE (pre-train + fine-tune), MLP, MDN,
deep ensemble.

Data: items ``(inputs, target)`` with inputs the phase (and group) velocities in km/s at the
model's frequencies (Hz; 21 frequencies 10-35 mHz in the crust study) and target the crustal
thickness in km, shape (1,). See :mod:`geoinvert.train.data` for accepted forms.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor, nn

from ..nn import MLP, TABLE1_PRESETS, DeepEnsemble, MixtureDensityNetwork, SAEConfig
from ..nn import StackedSparseAutoEncoder as SAE
from .data import as_dataset, dataset_arrays
from .fit import TrainerOptions, attach_metadata, prepare_data, run_fit
from .modules import MDNModule, RegressionModule, SAEPretrainModule
from .normalization import Normalization

__all__ = [
    "crust_normalization",
    "fit_ensemble",
    "fit_mdn",
    "fit_mlp",
    "fit_sae",
    "pretrain_sae_layer",
    "rms_error",
]

log = logging.getLogger(__name__)


def crust_normalization(train_ds: Any, *, input_method: str = "standard") -> Normalization:
    """Per-frequency input statistics and scalar target statistics of a training set."""
    x, y = dataset_arrays(train_ds)
    return Normalization.from_data(x, y, input_method=input_method)


def _meta(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: kw.pop(k, None) for k in ("frequencies", "periods", "prior")}


def pretrain_sae_layer(
    network: SAE,
    layer: int,
    train_ds: Any,
    val_ds: Any,
    normalization: Normalization,
    *,
    out_dir: str | Path,
    seed: int = 0,
    trainer: TrainerOptions | None = None,
) -> SAEPretrainModule:
    """Greedy pre-training of one hidden layer (the layers below stay frozen).

    With ``config.rescale_codes`` the input codes of layer ≥ 1 are rescaled per unit to
    [0.05, 0.95] using their range over (up to 20 000 of) the training samples, and the map is
    folded into the encoder when the stage ends (see :class:`geoinvert.nn.SAEConfig`).
    """
    cfg = network.config
    code_range = None
    if cfg.rescale_codes and layer > 0:
        x, _ = dataset_arrays(train_ds, max_items=20_000)
        xt = torch.as_tensor(x, dtype=torch.float32).reshape(len(x), -1)
        shift = torch.as_tensor(normalization.input_shift).reshape(-1)
        scale = torch.as_tensor(normalization.input_scale).reshape(-1)
        with torch.no_grad():
            v = network.codes((xt - shift) / scale, layer)
        code_range = (v.amin(dim=0), v.amax(dim=0))
    module = SAEPretrainModule(network, layer, normalization, code_range=code_range)
    run_fit(
        module,
        train_ds,
        val_ds,
        out_dir=out_dir,
        max_epochs=cfg.pretrain_epochs,
        batch_size=cfg.batch_size,
        seed=seed + layer,
        trainer=trainer,
    )
    module.fold_code_rescaling()  # after run_fit restored the best weights
    return module


def fit_sae(
    train_data: Any,
    val_data: Any = None,
    *,
    config: SAEConfig | str = "t1_12",
    out_dir: str | Path = "runs/sae",
    normalization: Normalization | None = None,
    seed: int = 0,
    pretrain: bool = True,
    input_noise: Callable[[Tensor], Tensor] | None = None,
    trainer: TrainerOptions | None = None,
    ckpt_path: str | Path | None = None,
    **meta: Any,
) -> RegressionModule:
    """Train a stacked sparse auto-encoder the crust study's way.

    1. greedy layer-wise pre-training of each auto-encoder (``config.pretrain_epochs`` each,
       denoising, KL sparsity on the layers in ``config.sparse_layers``);
    2. a linear regression layer on top and supervised fine-tuning of the whole stack
       (MSE, ``config.finetune_epochs``, AdamW with ``config.weight_decay``).

    Parameters
    ----------
    train_data, val_data
        See :mod:`geoinvert.train.data`; 10 % of ``train_data`` is split off when ``val_data``
        is None.
    config
        :class:`~geoinvert.nn.SAEConfig` or a preset name of ``TABLE1_PRESETS``.
    normalization
        Defaults to min-max inputs (→ [0.05, 0.95], sigmoid range) and standardised thickness.
    ckpt_path
        Resume the fine-tuning stage from this checkpoint (pre-training is then skipped).
    **meta
        ``frequencies`` (Hz) or ``periods`` (s), ``prior`` -- stored in the artefact.
    """
    m = _meta(meta)
    if meta:
        raise TypeError(f"fit_sae: unexpected arguments {sorted(meta)}")
    cfg = TABLE1_PRESETS[config] if isinstance(config, str) else config
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    x0, y0 = train_ds[0]
    n_in, n_out = int(np.prod(x0.shape)), int(np.prod(y0.shape)) or 1
    if (cfg.sizes[0], cfg.sizes[-1]) != (n_in, n_out):
        # The presets fix the hidden layers; input/output sizes follow the data (e.g. 42 inputs
        # when group velocities are used besides the study's 21 phase velocities).
        log.info("fit_sae: sizes %s adapted to %d inputs, %d outputs", cfg.sizes, n_in, n_out)
        cfg = replace(cfg, sizes=(n_in, *cfg.sizes[1:-1], n_out))
    norm = normalization or crust_normalization(train_ds, input_method="minmax")
    net = SAE(cfg)
    out = Path(out_dir)
    if pretrain and ckpt_path is None:
        for k in range(cfg.n_hidden):
            pretrain_sae_layer(
                net,
                k,
                train_ds,
                val_ds,
                norm,
                out_dir=out / f"pretrain_{k}",
                seed=seed,
                trainer=trainer,
            )
    net.set_decoders_trainable(False)  # fine-tuning trains the encoders + regression layer
    module = RegressionModule(
        net, norm, lr=cfg.finetune_lr, weight_decay=cfg.weight_decay, input_noise=input_noise
    )
    attach_metadata(module, train_ds, **m)
    run_fit(
        module,
        train_ds,
        val_ds,
        out_dir=out / "finetune",
        max_epochs=cfg.finetune_epochs,
        batch_size=cfg.batch_size,
        seed=seed,
        trainer=trainer,
        ckpt_path=ckpt_path,
    )
    return module


def fit_mlp(
    train_data: Any,
    val_data: Any = None,
    *,
    hidden: Sequence[int] = (128, 128, 64),
    activation: str = "gelu",
    epochs: int = 50,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 1e-5,
    out_dir: str | Path = "runs/mlp",
    normalization: Normalization | None = None,
    seed: int = 0,
    input_noise: Callable[[Tensor], Tensor] | None = None,
    trainer: TrainerOptions | None = None,
    ckpt_path: str | Path | None = None,
    **meta: Any,
) -> RegressionModule:
    """Plain MLP baseline (AdamW, ReduceLROnPlateau, early stopping), no pre-training."""
    m = _meta(meta)
    if meta:
        raise TypeError(f"fit_mlp: unexpected arguments {sorted(meta)}")
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    norm = normalization or crust_normalization(train_ds)
    x0, y0 = train_ds[0]
    net = MLP(int(np.prod(x0.shape)), int(np.prod(y0.shape)), hidden, activation=activation)
    module = RegressionModule(net, norm, lr=lr, weight_decay=weight_decay, input_noise=input_noise)
    attach_metadata(module, train_ds, **m)
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


def fit_mdn(
    train_data: Any,
    val_data: Any = None,
    *,
    trunk: nn.Module | None = None,
    n_components: int = 5,
    hidden: Sequence[int] = (128, 128, 64),
    epochs: int = 50,
    batch_size: int = 256,
    lr: float = 1e-3,
    weight_decay: float = 1e-5,
    out_dir: str | Path = "runs/mdn",
    normalization: Normalization | None = None,
    seed: int = 0,
    input_noise: Callable[[Tensor], Tensor] | None = None,
    trainer: TrainerOptions | None = None,
    ckpt_path: str | Path | None = None,
    **meta: Any,
) -> MDNModule:
    """Mixture-density network (K Gaussians over thickness) on an MLP trunk (default) or a given
    trunk, e.g. a pre-trained :class:`~geoinvert.nn.StackedSparseAutoEncoder` (then pass the
    normalisation it was trained with)."""
    m = _meta(meta)
    if meta:
        raise TypeError(f"fit_mdn: unexpected arguments {sorted(meta)}")
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    norm = normalization or crust_normalization(train_ds)
    x0, _ = train_ds[0]
    if trunk is None:
        trunk = MLP(int(np.prod(x0.shape)), 1, hidden, activation="gelu")
    net = MixtureDensityNetwork(trunk, n_components=n_components)
    module = MDNModule(net, norm, lr=lr, weight_decay=weight_decay, input_noise=input_noise)
    attach_metadata(module, train_ds, **m)
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


def fit_ensemble(
    train_data: Any,
    val_data: Any = None,
    *,
    n_members: int = 5,
    seed: int = 0,
    out_dir: str | Path = "runs/ensemble",
    normalization: Normalization | None = None,
    **mlp_kw: Any,
) -> RegressionModule:
    """Deep ensemble of :func:`fit_mlp` members with seeds ``seed, seed+1, ...``.

    Returns a :class:`RegressionModule` around a :class:`~geoinvert.nn.DeepEnsemble` (its
    artefact predicts the member mean and, via ``predict_distribution``, the spread).
    """
    if n_members < 1:
        raise ValueError(f"n_members: must be >= 1, got {n_members}")
    meta = _meta(mlp_kw)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    norm = normalization or crust_normalization(train_ds)
    members = [
        fit_mlp(
            train_ds,
            val_ds,
            seed=seed + i,
            out_dir=Path(out_dir) / f"member_{i}",
            normalization=norm,
            **mlp_kw,
        )
        for i in range(n_members)
    ]
    module = RegressionModule(DeepEnsemble([mm.network for mm in members]), norm)
    attach_metadata(module, train_ds, **meta)
    return module


def rms_error(module: Any, data: Any) -> float:
    """Root-mean-square error (physical units, km for thickness) of a module/artefact on data."""
    from .artifact import TrainedModel, as_trained_model

    model = module if isinstance(module, TrainedModel) else as_trained_model(module)
    x, y = dataset_arrays(as_dataset(data))
    pred = model.predict(x, frequencies=model.frequencies)
    return float(np.sqrt(np.mean((np.asarray(pred).reshape(y.shape) - y) ** 2)))
