"""Pieces every demo pipeline shares: device options for training and the generation step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["generate_store", "trainer_options"]


def trainer_options(gpus: int | None) -> dict[str, Any]:
    """Lightning device options: CPU unless ``gpus`` (number of GPUs) is given."""
    if not gpus:
        return {"accelerator": "cpu", "devices": 1}
    return {"accelerator": "gpu", "devices": gpus}


def generate_store(
    task: Any,
    n: int,
    store: Path,
    *,
    chunk: int,
    seed: int,
    scheduler: str | None,
    workers: int | None,
) -> dict[str, Any]:
    """Generate (or resume) ``n`` samples of ``task`` into ``store``; the engine's summary."""
    from ..data import generate

    summary = generate(
        task, n, store, chunk=chunk, seed=seed, scheduler=scheduler, workers=workers, resume=True
    )
    return summary.as_dict()
