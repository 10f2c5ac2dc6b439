"""Shared plumbing of the ``fit_*`` functions: data preparation, seeding, one Trainer run."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .data import as_dataset, make_loader, split_dataset
from .trainer import make_trainer

__all__ = ["TrainerOptions", "attach_metadata", "prepare_data", "run_fit"]

log = logging.getLogger(__name__)

TrainerOptions = dict[str, Any]
"""Keyword arguments of :func:`geoinvert.train.make_trainer` (accelerator, devices, strategy,
num_nodes, precision, patience, progress_bar, ...)."""


def prepare_data(
    train_data: Any, val_data: Any, *, val_fraction: float = 0.1, seed: int = 0
) -> tuple[Any, Any]:
    """Datasets for training and validation (validation split off deterministically if absent)."""
    train_ds = as_dataset(train_data)
    if val_data is None:
        return split_dataset(train_ds, val_fraction, seed=seed)
    return train_ds, as_dataset(val_data)


def attach_metadata(
    module: Any,
    train_ds: Any,
    *,
    frequencies: Sequence[float] | None = None,
    periods: Sequence[float] | None = None,
    prior: dict[str, Any] | None = None,
    target_shape: Sequence[int] | None = None,
) -> None:
    """Record what the artefact needs: sample shapes, input axis, prior."""
    x0, y0 = train_ds[0]
    module.input_shape = tuple(int(s) for s in x0.shape)
    module.target_shape = (
        tuple(target_shape) if target_shape is not None else tuple(int(s) for s in y0.shape) or (1,)
    )
    if frequencies is not None and periods is not None:
        raise ValueError("frequencies, periods: give at most one")
    if frequencies is not None:
        module.axis = ("frequencies", [float(f) for f in frequencies])
    elif periods is not None:
        module.axis = ("periods", [float(p) for p in periods])
    module.prior = prior


def run_fit(
    module: Any,
    train_ds: Any,
    val_ds: Any,
    *,
    out_dir: str | Path,
    max_epochs: int,
    batch_size: int,
    seed: int = 0,
    num_workers: int = 0,
    ckpt_path: str | Path | None = None,
    trainer: TrainerOptions | None = None,
    restore_best: bool = True,
) -> Any:
    """One ``Trainer.fit``; returns the Trainer (its ``callback_metrics``, checkpoint paths).

    With ``restore_best`` (default) the module ends with the weights of its best checkpoint
    (lowest ``val_loss``), not those of the last epoch."""
    opts = dict(trainer or {})
    t = make_trainer(out_dir, max_epochs=max_epochs, **opts)
    t.fit(
        module,
        train_dataloaders=make_loader(
            train_ds, batch_size, shuffle=True, seed=seed, num_workers=num_workers
        ),
        val_dataloaders=make_loader(
            val_ds, max(batch_size, 1024), shuffle=False, num_workers=num_workers
        ),
        ckpt_path=None if ckpt_path is None else str(ckpt_path),
    )
    if restore_best:
        _restore_best(module, t)
    return t


def _restore_best(module: Any, trainer: Any) -> None:
    """Load the weights of the best checkpoint (lowest monitored loss) back into ``module``:
    early stopping and noisy late epochs otherwise leave the last, not the best, weights."""
    import torch

    cb = trainer.checkpoint_callback
    best = getattr(cb, "best_model_path", "") if cb is not None else ""
    if not best or getattr(cb, "monitor", None) is None:
        return
    state = torch.load(best, map_location="cpu", weights_only=False)["state_dict"]
    module.load_state_dict(state)
    log.info(
        "restored the best weights (%s = %.4g) from %s",
        cb.monitor,
        float(cb.best_model_score),
        best,
    )
