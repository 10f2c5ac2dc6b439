"""The small data interface the training code consumes.

Anything that is a ``torch.utils.data.Dataset`` whose items are ``(inputs, target)`` float32
tensors in PHYSICAL units (normalisation is applied inside the Lightning modules, from a
:class:`~geoinvert.train.Normalization` given separately) can be trained on. The Zarr-backed
datasets of :mod:`geoinvert.data` satisfy this; so do ``(inputs, targets)`` numpy/torch array
pairs, which :func:`as_dataset` wraps in an :class:`ArrayDataset`.

Shapes per item: crust (n_freq,) -> (1,) km; rf (n_samples,) or (n_time, n_bins) -> (k>=2,)
[present 0/1, depth km (ignored when absent), ...]; mt (C, n_freq, n_stations) ->
(n_depth, n_x) log10 Ω·m.

The :class:`geoinvert.data.StoreDataset` of the data engine fits this interface when opened with
``normalize=False`` (the modules here normalise and keep the statistics for the artefact); pass
its statistics as ``normalization=Normalization.from_dict(store.attrs["normalization"])``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

__all__ = ["ArrayDataset", "as_dataset", "dataset_arrays", "make_loader", "split_dataset"]


class ArrayDataset(Dataset):
    """In-memory (inputs, targets) pair; batches are gathered with one fancy index.

    Parameters
    ----------
    inputs, targets
        Arrays with the same leading length n; converted to float32 tensors.
    """

    def __init__(self, inputs: Any, targets: Any) -> None:
        x = torch.as_tensor(np.asarray(inputs, dtype=np.float32))
        y = torch.as_tensor(np.asarray(targets, dtype=np.float32))
        if x.shape[0] != y.shape[0]:
            raise ValueError(
                f"targets: length {y.shape[0]} differs from inputs length {x.shape[0]}"
            )
        if y.dim() == 1:
            y = y[:, None]
        self.inputs, self.targets = x, y

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.inputs[i], self.targets[i]

    def __getitems__(self, idx: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        t = torch.as_tensor(idx)
        return self.inputs[t], self.targets[t]


def _batch_collate(batch: Any) -> Any:
    return batch


def as_dataset(data: Any) -> Dataset:
    """Dataset from a Dataset (returned as is), an ``(inputs, targets)`` pair, or an object with
    ``inputs`` and ``targets`` attributes (e.g. :class:`~geoinvert.train.stores.TrainingData`)."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple | list) and len(data) == 2:
        return ArrayDataset(*data)
    if hasattr(data, "inputs") and hasattr(data, "targets"):
        return ArrayDataset(data.inputs, data.targets)
    raise ValueError(
        "data: expected a torch Dataset, an (inputs, targets) pair or an object with "
        f"'inputs' and 'targets', got {type(data).__name__}"
    )


def dataset_arrays(ds: Any, *, max_items: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All (inputs, targets) of a dataset as numpy arrays (for statistics and evaluation)."""
    if isinstance(ds, ArrayDataset):
        x, y = ds.inputs, ds.targets
        if max_items is not None:
            x, y = x[:max_items], y[:max_items]
        return x.numpy(), y.numpy()
    n = len(ds) if max_items is None else min(len(ds), max_items)
    xs, ys = [], []
    for xb, yb in DataLoader(torch.utils.data.Subset(ds, range(n)), batch_size=1024):
        xs.append(np.asarray(xb))
        ys.append(np.asarray(yb))
    x, y = np.concatenate(xs), np.concatenate(ys)
    return x, (y[:, None] if y.ndim == 1 else y)


def split_dataset(ds: Any, fraction: float, *, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Deterministic random split into (1 − fraction, fraction) parts."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction: must lie in (0, 1), got {fraction}")
    n = len(ds)
    n_b = max(1, round(n * fraction))
    perm = np.random.default_rng(seed).permutation(n)
    a, b = np.sort(perm[n_b:]), np.sort(perm[:n_b])
    if isinstance(ds, ArrayDataset):
        return (
            ArrayDataset(ds.inputs[a], ds.targets[a]),
            ArrayDataset(ds.inputs[b], ds.targets[b]),
        )
    return torch.utils.data.Subset(ds, a.tolist()), torch.utils.data.Subset(ds, b.tolist())


def make_loader(
    ds: Any, batch_size: int, *, shuffle: bool, num_workers: int = 0, seed: int = 0
) -> DataLoader:
    """DataLoader with a seeded shuffle; :class:`ArrayDataset` batches are gathered in one go."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    kw: dict[str, Any] = {}
    if isinstance(ds, ArrayDataset):
        kw["collate_fn"] = _batch_collate
    return DataLoader(
        ds,
        batch_size=int(min(batch_size, max(1, len(ds)))),
        shuffle=shuffle,
        num_workers=num_workers,
        generator=g if shuffle else None,
        persistent_workers=num_workers > 0,
        **kw,
    )
