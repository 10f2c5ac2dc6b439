"""Training-set generation: tasks, the Zarr store, the Dask engine and the torch Dataset.

``geoinvert.data.torch_dataset`` (torch, lightning) is imported only when used.
"""

from __future__ import annotations

from typing import Any

from .engine import CodeChangedError, GenerationSummary, default_workers, generate, run_chunk
from .store import FORMAT, DatasetStore, chunk_digest, chunk_seed, code_fingerprint, create_store
from .tasks import (
    ChunkData,
    CrustDispersionTask,
    CrustPsTask,
    MTSectionTask,
    RFTask,
    Task,
    make_task,
)

__all__ = [
    "FORMAT",
    "ChunkData",
    "CodeChangedError",
    "CrustDispersionTask",
    "CrustPsTask",
    "DatasetStore",
    "GenerationSummary",
    "MTSectionTask",
    "RFTask",
    "StoreDataModule",
    "StoreDataset",
    "Task",
    "chunk_digest",
    "chunk_seed",
    "code_fingerprint",
    "create_store",
    "default_workers",
    "generate",
    "make_task",
    "run_chunk",
]


def __getattr__(name: str) -> Any:
    if name in ("StoreDataset", "StoreDataModule"):
        from . import torch_dataset

        return getattr(torch_dataset, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
