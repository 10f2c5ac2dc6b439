"""Lightning modules: one per training objective.

All modules take a network from :mod:`geoinvert.nn` and a
:class:`~geoinvert.train.Normalization`; batches arrive in physical units, are (optionally)
augmented by ``input_noise`` (training only), normalised, and the loss is computed in normalised
units. Normalisation statistics are registered as buffers, so checkpoints carry them.

* :class:`RegressionModule` -- MSE (SAE fine-tuning, MLP, deep-ensemble members, MT U-Net)
* :class:`MDNModule` -- Gaussian-mixture negative log-likelihood
* :class:`SAEPretrainModule` -- greedy pre-training of one auto-encoder layer of an SAE
* :class:`RFClassifierModule` -- binary cross-entropy (+ auxiliary depth MSE), accuracy, ROC-AUC
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import lightning.pytorch as pl
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from ..nn import architecture_record, mdn_nll
from ..nn.sae import (
    SAEConfig,
    SparseAutoEncoderLayer,
    StackedSparseAutoEncoder,
    denoise_mask,
    sae_layer_cost,
)
from .normalization import Normalization

__all__ = [
    "MDNModule",
    "RFClassifierModule",
    "RegressionModule",
    "SAEPretrainModule",
    "binary_auc",
    "relative_gaussian_noise",
]


def relative_gaussian_noise(sigma: float) -> Callable[[Tensor], Tensor]:
    """Augmentation ``x (1 + sigma ε)``, ε ~ N(0, 1): e.g. 0.005 = 0.5 % phase-velocity noise."""

    def noise(x: Tensor) -> Tensor:
        return x * (1.0 + sigma * torch.randn_like(x))

    return noise


def binary_auc(scores: Tensor, labels: Tensor) -> float:
    """ROC-AUC by the rank-sum (Mann-Whitney) statistic; NaN if one class is missing."""
    labels = labels.bool()
    n_pos = int(labels.sum())
    n_neg = int(labels.numel() - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = torch.empty_like(scores, dtype=torch.float64)
    ranks[scores.argsort()] = torch.arange(1, scores.numel() + 1, dtype=torch.float64)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


class _Base(pl.LightningModule):
    kind = "regression"
    network: Any  # a geoinvert.nn network (duck-typed: forward, get_config, architecture)
    input_shift: Tensor  # normalisation buffers (see Normalization)
    input_scale: Tensor
    target_shift: Tensor
    target_scale: Tensor

    def __init__(
        self,
        network: nn.Module,
        normalization: Normalization,
        *,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        lr_schedule: str = "plateau",
        input_noise: Callable[[Tensor], Tensor] | None = None,
    ) -> None:
        super().__init__()
        if lr_schedule not in ("plateau", "cosine", "none"):
            raise ValueError(f"lr_schedule: expected plateau, cosine or none, got {lr_schedule!r}")
        self.network = network
        self.normalization = normalization
        for name, arr in normalization.to_dict().items():
            self.register_buffer(name, torch.as_tensor(arr, dtype=torch.float32))
        self.lr = float(lr)
        self.weight_decay = float(weight_decay)
        self.lr_schedule = lr_schedule
        self.input_noise = input_noise
        self._train_sum = torch.zeros(())
        self._train_n = 0
        self.save_hyperparameters(
            {
                "architecture": architecture_record(network),
                "lr": self.lr,
                "weight_decay": self.weight_decay,
                "lr_schedule": lr_schedule,
                "module": type(self).__name__,
            }
        )

    # --- normalisation -------------------------------------------------------------------
    def norm_x(self, x: Tensor) -> Tensor:
        return (x - self.input_shift) / self.input_scale

    def norm_y(self, y: Tensor) -> Tensor:
        return (y - self.target_shift) / self.target_scale

    # --- steps ---------------------------------------------------------------------------
    def step_loss(self, xn: Tensor, yn: Tensor, y: Tensor) -> Tensor:  # pragma: no cover
        raise NotImplementedError

    def training_step(self, batch: Any, batch_idx: int) -> Tensor:
        x, y = batch
        if self.input_noise is not None:
            x = self.input_noise(x)
        loss = self.step_loss(self.norm_x(x), self.norm_y(y), y)
        # Accumulate the epoch mean here and log it once per epoch: Lightning's per-step
        # ``self.log`` costs ~1 ms, as much as a whole step of the small crust networks.
        n = x.shape[0]
        self._train_sum = self._train_sum + loss.detach().float() * n
        self._train_n += n
        return loss

    def on_train_epoch_start(self) -> None:
        self._train_sum = torch.zeros((), device=self.device)
        self._train_n = 0

    def on_train_epoch_end(self) -> None:
        if self._train_n:
            self.log("train_loss", self._train_sum / self._train_n, prog_bar=True, sync_dist=True)

    def validation_step(self, batch: Any, batch_idx: int) -> Tensor:
        x, y = batch
        loss = self.step_loss(self.norm_x(x), self.norm_y(y), y)
        self.log(
            "val_loss",
            loss,
            on_step=False,
            on_epoch=True,
            prog_bar=True,
            batch_size=x.shape[0],
            sync_dist=True,
        )
        return loss

    def trainable_parameters(self) -> Any:
        return [p for p in self.parameters() if p.requires_grad]

    def configure_optimizers(self) -> Any:
        opt = torch.optim.AdamW(
            self.trainable_parameters(), lr=self.lr, weight_decay=self.weight_decay
        )
        return self._with_schedule(opt)

    def _with_schedule(self, opt: torch.optim.Optimizer) -> Any:
        if self.lr_schedule == "none":
            return opt
        if self.lr_schedule == "cosine":
            t_max = max(1, int(self.trainer.max_epochs or 1))
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=t_max)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)
        return {
            "optimizer": opt,
            "lr_scheduler": {"scheduler": plateau, "monitor": "val_loss", "interval": "epoch"},
        }


class RegressionModule(_Base):
    """Mean-squared error in normalised target units (output reshaped to the target's shape)."""

    kind = "regression"

    def step_loss(self, xn: Tensor, yn: Tensor, y: Tensor) -> Tensor:
        pred = self.network(xn).reshape(yn.shape)
        return F.mse_loss(pred.float(), yn.float())


class MDNModule(_Base):
    """Negative log-likelihood of the (scalar, normalised) target under the mixture."""

    kind = "mdn"

    def step_loss(self, xn: Tensor, yn: Tensor, y: Tensor) -> Tensor:
        params = tuple(p.float() for p in self.network(xn))
        return mdn_nll(params, yn.float())  # type: ignore[arg-type]


class SAEPretrainModule(_Base):
    """Greedy pre-training of hidden layer ``layer`` of a :class:`StackedSparseAutoEncoder`.

    The input of the layer is the code of the (frozen) layers below it, computed without
    gradients; only the encoder/decoder of ``layer`` are optimised (Adam, ``config.pretrain_lr``)
    on the cost of :func:`geoinvert.nn.sae.sae_layer_cost` (denoising corruption during training
    only; the validation loss is the same cost on clean inputs). All other parameters have
    ``requires_grad=False`` for the duration of the fit and are restored afterwards.
    """

    kind = "pretrain"
    network: StackedSparseAutoEncoder

    def __init__(
        self,
        network: StackedSparseAutoEncoder,
        layer: int,
        normalization: Normalization,
        *,
        lr_schedule: str = "plateau",
        code_range: tuple[Tensor, Tensor] | None = None,
    ) -> None:
        cfg = network.config
        if not 0 <= layer < cfg.n_hidden:
            raise ValueError(
                f"layer: hidden-layer index must lie in [0, {cfg.n_hidden}), got {layer}"
            )
        super().__init__(network, normalization, lr=cfg.pretrain_lr, lr_schedule=lr_schedule)
        self.layer = int(layer)
        self._set_frozen(True)
        # per-unit affine map of the input codes to [0.05, 0.95] (SAEConfig.rescale_codes)
        self.code_scale: Tensor | None = None
        self.code_shift: Tensor | None = None
        if code_range is not None:
            lo, hi = (torch.as_tensor(t, dtype=torch.float32) for t in code_range)
            span = torch.clamp(hi - lo, min=1e-6)
            self.code_scale = 0.9 / span
            self.code_shift = 0.05 - self.code_scale * lo

    def _set_frozen(self, frozen: bool) -> None:
        for p in self.network.parameters():
            p.requires_grad_(not frozen)
        for p in self.network.layer_parameters(self.layer):
            p.requires_grad_(True)

    def on_fit_end(self) -> None:
        self._set_frozen(False)
        self.network.set_decoders_trainable(True)

    def fold_code_rescaling(self) -> None:
        """Fold the input-code rescaling into the encoder (call once the final weights are in
        place, i.e. after the best checkpoint was restored): v_s = a·v + c gives
        W v_s + b = (W·a) v + (W c + b). The decoder keeps reconstructing v_s (it only serves
        pre-training)."""
        if self.code_scale is not None:
            enc = cast(SparseAutoEncoderLayer, self.network.layers[self.layer]).encoder
            with torch.no_grad():
                a = self.code_scale.to(enc.weight)
                c = self.code_shift.to(enc.weight)  # type: ignore[union-attr]
                enc.bias += enc.weight @ c
                enc.weight *= a[None, :]
            self.code_scale = self.code_shift = None

    def _rescaled(self, v: Tensor) -> Tensor:
        if self.code_scale is None:
            return v
        return v * self.code_scale.to(v) + self.code_shift.to(v)  # type: ignore[union-attr]

    def step_loss(self, xn: Tensor, yn: Tensor, y: Tensor) -> Tensor:
        cfg: SAEConfig = self.network.config
        with torch.no_grad():
            v = self._rescaled(self.network.codes(xn, self.layer))
        v_in = denoise_mask(v, cfg.denoise_fraction) if self.training else v
        cost, parts = sae_layer_cost(
            cast(SparseAutoEncoderLayer, self.network.layers[self.layer]),
            v.float(),
            v_in.float(),
            beta=cfg.beta,
            rho=cfg.rho,
            weight_decay=cfg.weight_decay,
            sparse=self.layer in cfg.sparse_layers,
        )
        if not self.training:  # cost parts on the validation set only (logging is costly)
            for k, val in parts.items():
                self.log(f"val_{k}", val, on_step=False, on_epoch=True, batch_size=xn.shape[0])
        return cost

    def configure_optimizers(self) -> Any:
        opt = torch.optim.Adam(self.network.layer_parameters(self.layer), lr=self.lr)
        return self._with_schedule(opt)


class RFClassifierModule(_Base):
    """Receiver-function X-discontinuity classifier.

    Targets are (n, k >= 2): [present (0/1), depth of X in km (ignored when absent), ...]; the
    target normalisation must leave column 0 unchanged (shift 0, scale 1).
    Loss = BCE(logit, present) + ``aux_weight`` × MSE(normalised depth) over the samples with X
    present (when the network has a depth head). Logs ``val_acc`` (threshold 0.5) and ``val_auc``.

    Parameters
    ----------
    n_early_blocks, early_lr_factor
        Transfer learning: the first ``n_early_blocks`` convolution blocks train at
        ``lr × early_lr_factor`` (use :func:`geoinvert.nn.freeze_early_layers` to freeze them).
    """

    kind = "classifier"

    def __init__(
        self,
        network: nn.Module,
        normalization: Normalization,
        *,
        aux_weight: float = 1.0,
        n_early_blocks: int = 0,
        early_lr_factor: float = 1.0,
        **kw: Any,
    ) -> None:
        super().__init__(network, normalization, **kw)
        if (
            float(normalization.target_shift.reshape(-1)[0]) != 0.0
            or float(normalization.target_scale.reshape(-1)[0]) != 1.0
        ):
            raise ValueError("normalization: the label column 0 must have shift 0 and scale 1")
        self.aux_weight = float(aux_weight)
        self.n_early_blocks = int(n_early_blocks)
        self.early_lr_factor = float(early_lr_factor)
        self._val_scores: list[Tensor] = []
        self._val_labels: list[Tensor] = []

    def step_loss(self, xn: Tensor, yn: Tensor, y: Tensor) -> Tensor:
        out = self.network(xn).float()
        label = y[:, 0].float()
        loss = F.binary_cross_entropy_with_logits(out[:, 0], label)
        if out.shape[1] > 1 and self.aux_weight > 0:
            depth = yn[:, 1].float()
            mask = (label > 0.5) & torch.isfinite(depth)
            if bool(mask.any()):
                loss = loss + self.aux_weight * F.mse_loss(out[mask, 1], depth[mask])
        if not self.training:
            self._val_scores.append(out[:, 0].detach().cpu())
            self._val_labels.append(label.detach().cpu())
        return loss

    def on_validation_epoch_end(self) -> None:
        if not self._val_scores:
            return
        s = torch.cat(self._val_scores)
        lab = torch.cat(self._val_labels) > 0.5
        self._val_scores.clear()
        self._val_labels.clear()
        self.log("val_acc", ((s > 0) == lab).float().mean(), sync_dist=True)
        self.log("val_auc", binary_auc(s, lab), sync_dist=True)

    def configure_optimizers(self) -> Any:
        from ..nn.rf_cnn import layerwise_param_groups

        if self.n_early_blocks > 0 and hasattr(self.network, "blocks"):
            groups = layerwise_param_groups(
                self.network,
                self.lr,
                n_early_blocks=self.n_early_blocks,
                early_lr_factor=self.early_lr_factor,
            )
        else:
            groups = [{"params": self.trainable_parameters(), "lr": self.lr}]
        opt = torch.optim.AdamW(groups, lr=self.lr, weight_decay=self.weight_decay)
        return self._with_schedule(opt)
