"""Pieces every demo pipeline shares: device options for training and the generation step."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

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
    """Generate (or resume) ``n`` samples of ``task`` into ``store``; the engine's summary.

    A partial store written by other code (an upgraded or edited geoinvert) is regenerated
    from scratch rather than resumed, so a demo store never mixes two codes. Inside a step of
    ``geoinvert demo --fresh`` (:func:`geoinvert.demo.steps.forcing_fresh`) the store is always
    regenerated (overwritten), so the reported generation rate is measured, not 0 samples/s.
    """
    from ..data import generate
    from ..data.engine import CodeChangedError
    from .steps import forcing_fresh

    options: dict[str, Any] = dict(chunk=chunk, seed=seed, scheduler=scheduler, workers=workers)
    if forcing_fresh():
        log.info("--fresh: regenerating %s from scratch", store)
        return generate(task, n, store, overwrite=True, **options).as_dict()
    try:
        summary = generate(task, n, store, resume=True, **options)
    except CodeChangedError as exc:
        log.warning("%s; regenerating %s from scratch", exc, store)
        summary = generate(task, n, store, overwrite=True, **options)
    return summary.as_dict()
