"""A Lightning ``Trainer`` configured the geoinvert way.

Checkpoints (best by ``val_loss`` + ``last.ckpt``) under ``out_dir/checkpoints``, CSV logs under
``out_dir/logs`` (TensorBoard too when ``tensorboard`` is installed), early stopping, a learning
rate monitor, mixed precision on GPU (bf16 where supported, else fp16) and fp32 on CPU. Multi-GPU
and multi-node DDP are pure configuration: ``devices``, ``strategy`` (e.g. ``"ddp"``) and
``num_nodes`` are passed through to Lightning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

__all__ = ["auto_precision", "make_trainer"]

log = logging.getLogger(__name__)


def auto_precision(accelerator: str = "auto") -> str:
    """``"bf16-mixed"`` on a bf16-capable GPU, ``"16-mixed"`` on another GPU, else ``"32-true"``."""
    import torch

    if accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


def make_trainer(
    out_dir: str | Path,
    *,
    max_epochs: int,
    accelerator: str = "auto",
    devices: int | str | Sequence[int] = "auto",
    strategy: str = "auto",
    num_nodes: int = 1,
    precision: str | None = None,
    patience: int | None = 10,
    monitor: str | None = "val_loss",
    progress_bar: bool = True,
    log_every_n_steps: int = 50,
    deterministic: bool = False,
    callbacks: Sequence[Any] = (),
    **trainer_kwargs: Any,
) -> Any:
    """Build a ``lightning.Trainer``.

    Parameters
    ----------
    out_dir
        Folder for checkpoints (``checkpoints/``) and logs (``logs/``).
    max_epochs
        Epoch limit (resuming with ``ckpt_path`` continues the epoch counter up to this value).
    accelerator, devices, strategy, num_nodes
        Passed to Lightning (``devices=4, strategy="ddp", num_nodes=2`` = 8-GPU DDP).
    precision
        ``None`` = :func:`auto_precision`.
    patience
        Early-stopping patience in epochs on ``monitor`` (``None`` disables early stopping).
    monitor
        Metric for best checkpoint and early stopping (``None``: keep only ``last.ckpt``).
    """
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if precision is None:
        precision = auto_precision(accelerator)
    loggers: list[Any] = [CSVLogger(str(out), name="logs")]
    try:
        import tensorboard  # noqa: F401
        from lightning.pytorch.loggers import TensorBoardLogger

        loggers.append(TensorBoardLogger(str(out), name="tb"))
    except ImportError:
        log.debug("tensorboard not installed: CSV logs only")
    cbs: list[Any] = [
        ModelCheckpoint(
            dirpath=str(out / "checkpoints"),
            monitor=monitor,
            mode="min",
            save_top_k=1,
            save_last=True,
            filename="best-{epoch}",
        ),
        LearningRateMonitor(logging_interval="epoch"),
    ]
    if patience is not None and monitor is not None:
        cbs.append(EarlyStopping(monitor=monitor, mode="min", patience=int(patience)))
    cbs.extend(callbacks)
    return pl.Trainer(
        default_root_dir=str(out),
        max_epochs=int(max_epochs),
        accelerator=accelerator,
        devices=cast(Any, devices),
        strategy=strategy,
        num_nodes=int(num_nodes),
        precision=cast(Any, precision),
        logger=loggers,
        callbacks=cbs,
        enable_progress_bar=progress_bar,
        log_every_n_steps=log_every_n_steps,
        deterministic=deterministic,
        enable_model_summary=False,
        **trainer_kwargs,
    )
