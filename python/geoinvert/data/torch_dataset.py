"""Torch side of the training-set store: a lazy ``Dataset``, splits, normalisation, augmentation.

Splits are deterministic and never change as a store grows or is resumed: every row of the
store is assigned to train/val/test by a permutation drawn from the store's seed, and a split
then holds that assignment's rows that are usable (in a complete chunk and ``status == 0``).
By default 1/4 of the rows are test (3:1 train:test) and 10 % of the remaining rows are carved
out of train for validation.

Normalisation statistics (mean and standard deviation of inputs and targets over the *train*
split) are computed once, in float64, and saved in the store attribute ``normalization``; later
opens reuse them. Augmentation transforms act on the raw (physical-unit) inputs before
normalisation, each draw taken from torch's generator so ``lightning.seed_everything`` and
DataLoader worker seeding make it reproducible.

This module imports torch (and lightning for :class:`StoreDataModule`); ``geoinvert.data``
imports it only on first use.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from .store import DatasetStore

__all__ = [
    "AdditiveNoise",
    "Compose",
    "RandomCrop",
    "RelativeNoise",
    "StoreDataModule",  # noqa: F822 - built lazily (lightning import) by __getattr__
    "StoreDataset",
    "normalization_stats",
    "split_indices",
]

log = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
Transform = Callable[[NDArray, np.random.Generator], NDArray]


def split_indices(
    store: DatasetStore | str | Path,
    *,
    test_fraction: float = 0.25,
    val_fraction: float = 0.1,
    seed: int | None = None,
    verify: bool = False,
) -> dict[str, NDArray[np.int64]]:
    """Row indices of the train/val/test splits of a store (sorted, usable rows only).

    Every row of the store is assigned to a split by a permutation of all ``n`` rows drawn
    from ``seed``, whether or not its chunk exists yet; a split then keeps its usable rows.
    A row's split therefore never changes as more chunks complete.

    Parameters
    ----------
    store : DatasetStore or path
    test_fraction : float
        Fraction of all rows assigned to test (default 0.25, i.e. train:test = 3:1).
    val_fraction : float
        Fraction of the non-test rows assigned to validation (default 0.1).
    seed : int, optional
        Seed of the assignment; default the store's generation seed.
    verify : bool
        Re-hash every chunk that has a done marker and leave out those whose rows no longer
        match it (rotted or torn after completion). Costs one read of the whole store; by
        default the markers alone decide.
    """
    st = store if isinstance(store, DatasetStore) else DatasetStore(Path(store))
    _check_fractions(test_fraction, val_fraction)
    return _split(st, test_fraction, val_fraction, seed, st.complete_rows(verify=verify))


def _check_fractions(test_fraction: float, val_fraction: float) -> None:
    for name, f in (("test_fraction", test_fraction), ("val_fraction", val_fraction)):
        if not 0.0 <= f < 1.0:
            raise ValueError(f"{name} must lie in [0, 1), got {f}")


def _split(
    st: DatasetStore,
    test_fraction: float,
    val_fraction: float,
    seed: int | None,
    complete_rows: NDArray[np.int64],
) -> dict[str, NDArray[np.int64]]:
    _check_fractions(test_fraction, val_fraction)
    a = st.attrs
    n = int(a["n"])
    s = int(a["seed"]) if seed is None else int(seed)
    perm = np.random.default_rng([s, 0x5B117]).permutation(n)
    n_test = round(n * test_fraction)
    n_val = round((n - n_test) * val_fraction)
    which = np.empty(n, dtype=np.int8)
    which[perm[:n_test]] = 2
    which[perm[n_test : n_test + n_val]] = 1
    which[perm[n_test + n_val :]] = 0
    usable = np.zeros(n, dtype=bool)
    usable[complete_rows] = True
    usable &= np.asarray(st.root["status"][:]) == 0
    return {name: np.flatnonzero(usable & (which == k)) for k, name in enumerate(SPLITS)}


def _reduce_axes(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes averaged for normalisation: per feature for short vectors, per channel for images
    and stacks (n, C, ...), one scalar for long series (n, T)."""
    if len(shape) == 2:
        return (0,) if shape[1] <= 256 else (0, 1)
    if len(shape) >= 3:
        return (0, *range(2, len(shape)))
    return (0,)


def normalization_stats(
    store: DatasetStore, rows: NDArray[np.int64], *, block: int | None = None
) -> dict[str, Any]:
    """Mean and standard deviation (float64) of ``inputs`` and ``targets`` over ``rows``."""
    root = store.root
    out: dict[str, Any] = {}
    block = block or int(store.attrs["chunk"])
    for name in ("inputs", "targets"):
        arr = root[name]
        axes = _reduce_axes(arr.shape)
        s1 = s2 = None
        count = 0
        for lo in range(0, len(rows), block):
            r = rows[lo : lo + block]
            x = np.asarray(arr.get_orthogonal_selection((r,)), dtype=np.float64)
            a1 = x.sum(axis=axes, keepdims=True)
            a2 = (x * x).sum(axis=axes, keepdims=True)
            s1 = a1 if s1 is None else s1 + a1
            s2 = a2 if s2 is None else s2 + a2
            count += x.size // a1.size
        if s1 is None or s2 is None or count == 0:
            raise ValueError("normalization_stats: no usable rows in the train split")
        mean = s1 / count
        var = np.maximum(s2 / count - mean**2, 0.0)
        std = np.sqrt(var)
        std = np.where(std > 0, std, 1.0)
        out[f"{name}_mean"] = mean[0].tolist()
        out[f"{name}_std"] = std[0].tolist()
    return out


# ------------------------------------------------------------------------------------------
# augmentation hooks
# ------------------------------------------------------------------------------------------


@dataclass
class RelativeNoise:
    """Multiply inputs by ``1 + sigma * N(0, 1)`` (e.g. 0.5 % on phase velocities).

    Attributes
    ----------
    sigma : float
        Relative standard deviation (0.005 = 0.5 %).
    features : slice or sequence of int, optional
        Last-axis features to perturb (default all).
    """

    sigma: float = 0.005
    features: slice | Sequence[int] | None = None

    def __call__(self, x: NDArray, rng: np.random.Generator) -> NDArray:
        x = x.copy()
        sel = (..., self.features) if self.features is not None else (...,)
        part = x[sel]
        x[sel] = part * (1.0 + self.sigma * rng.standard_normal(part.shape))
        return x


@dataclass
class AdditiveNoise:
    """Add Gaussian noise of standard deviation ``sigma`` (in the inputs' units), or of
    ``relative_to_max`` times each sample's peak absolute amplitude (receiver functions)."""

    sigma: float = 0.0
    relative_to_max: float | None = None

    def __call__(self, x: NDArray, rng: np.random.Generator) -> NDArray:
        s = self.sigma
        if self.relative_to_max is not None:
            s = self.relative_to_max * float(np.max(np.abs(x)))
        return x + s * rng.standard_normal(x.shape)


@dataclass
class RandomCrop:
    """Take a random window of ``length`` samples along ``axis`` (temporal cropping).

    ``max_start`` bounds the window start (default: anywhere that fits).
    """

    length: int
    axis: int = -1
    max_start: int | None = None

    def __call__(self, x: NDArray, rng: np.random.Generator) -> NDArray:
        n = x.shape[self.axis]
        if self.length > n:
            raise ValueError(f"RandomCrop: length {self.length} exceeds the axis size {n}")
        hi = n - self.length if self.max_start is None else min(self.max_start, n - self.length)
        start = int(rng.integers(0, hi + 1))
        return np.take(x, np.arange(start, start + self.length), axis=self.axis)


@dataclass
class Compose:
    """Apply transforms in order."""

    transforms: Sequence[Transform]

    def __call__(self, x: NDArray, rng: np.random.Generator) -> NDArray:
        for t in self.transforms:
            x = t(x, rng)
        return x


# ------------------------------------------------------------------------------------------
# Dataset and DataModule
# ------------------------------------------------------------------------------------------


class StoreDataset(torch.utils.data.Dataset):
    """Rows of one split of a generation store as ``(inputs, targets)`` float32 tensors.

    Parameters
    ----------
    store : path or DatasetStore
        The Zarr store written by :func:`geoinvert.data.generate`.
    split : {"train", "val", "test", "all"}
        Which rows ("all" = every usable row).
    test_fraction, val_fraction, split_seed
        See :func:`split_indices`.
    normalize : bool
        Standardise inputs and targets with the train-split statistics (computed once and
        saved in the store attribute ``normalization``).
    transform : callable, optional
        ``transform(x, rng) -> x`` on the raw inputs (augmentation, e.g. :class:`RelativeNoise`).
    in_memory : bool, optional
        Load the whole split into memory at first use (default when inputs are under 2 GiB);
        otherwise rows are read lazily through an LRU cache of ``cache_chunks`` decoded chunks.
    return_params : bool
        Also return the prior parameter row (float64 tensor) as a third item.
    verify : bool
        Re-hash every marked chunk at construction and leave out chunks whose rows do not match
        their done marker (listed in :attr:`dropped_chunks`, with a logged warning); costs one
        read of the whole store. Default: trust the markers.
    """

    def __init__(
        self,
        store: str | Path | DatasetStore,
        split: str = "train",
        *,
        test_fraction: float = 0.25,
        val_fraction: float = 0.1,
        split_seed: int | None = None,
        normalize: bool = True,
        transform: Transform | None = None,
        in_memory: bool | None = None,
        cache_chunks: int = 8,
        return_params: bool = False,
        verify: bool = False,
    ) -> None:
        self.store = store if isinstance(store, DatasetStore) else DatasetStore(Path(store))
        if split not in (*SPLITS, "all"):
            raise ValueError(f"split must be one of {(*SPLITS, 'all')}, got {split!r}")
        _check_fractions(test_fraction, val_fraction)
        self.split = split
        #: chunks with a done marker that failed re-hashing (``verify=True`` only)
        self.dropped_chunks: list[int] = []
        complete = self.store.complete_chunks()
        if verify:
            ok = self.store.complete_chunks(verify=True)
            self.dropped_chunks = np.flatnonzero(complete & ~ok).tolist()
            complete = ok
            if self.dropped_chunks:
                log.warning(
                    "%s: chunks %s do not match their done markers and are left out; "
                    "`geoinvert generate ... --resume` regenerates them",
                    self.store.path,
                    self.dropped_chunks,
                )
        splits = _split(
            self.store,
            test_fraction,
            val_fraction,
            split_seed,
            self.store.rows_of_chunks(complete),
        )
        self.indices = (
            np.sort(np.concatenate(list(splits.values()))) if split == "all" else splits[split]
        )
        attrs = self.store.attrs
        self.chunk = int(attrs["chunk"])
        self.transform = transform
        self.return_params = return_params
        self.cache_chunks = int(cache_chunks)
        self._cache: OrderedDict[int, tuple[NDArray, ...]] = OrderedDict()
        self._memory: tuple[NDArray, ...] | None = None
        if in_memory is None:
            shape = self.store.root["inputs"].shape
            in_memory = 4 * int(np.prod(shape)) < 2 * 2**30
        self.in_memory = bool(in_memory)
        self.stats: dict[str, Any] | None = None
        if normalize:
            key = {
                "test_fraction": test_fraction,
                "val_fraction": val_fraction,
                "split_seed": split_seed,
                "train_rows_sha1": hashlib.sha1(splits["train"].tobytes()).hexdigest(),
            }
            saved = attrs.get("normalization")
            if saved is not None and saved.get("key") == json.loads(json.dumps(key)):
                self.stats = saved
            else:
                self.stats = {"key": key, **normalization_stats(self.store, splits["train"])}
                root = self.store.root
                root.attrs["normalization"] = self.stats
        if self.stats is not None:
            self._mu = [
                np.asarray(self.stats[f"{k}_mean"], np.float64) for k in ("inputs", "targets")
            ]
            self._sd = [
                np.asarray(self.stats[f"{k}_std"], np.float64) for k in ("inputs", "targets")
            ]

    def __len__(self) -> int:
        return int(self.indices.size)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.store.root["inputs"].shape[1:])

    @property
    def target_shape(self) -> tuple[int, ...]:
        return tuple(self.store.root["targets"].shape[1:])

    def _rows(self, row: int) -> tuple[NDArray, ...]:
        names = ("inputs", "targets", "params")
        if self.in_memory:
            if self._memory is None:
                root = self.store.root
                self._memory = tuple(
                    np.asarray(root[k].get_orthogonal_selection((self.indices,))) for k in names
                )
                self._pos = {int(r): i for i, r in enumerate(self.indices)}
            i = self._pos[row]
            return tuple(a[i] for a in self._memory)
        c = row // self.chunk
        block = self._cache.get(c)
        if block is None:
            root = self.store.root
            sl = slice(c * self.chunk, (c + 1) * self.chunk)
            block = tuple(np.asarray(root[k][sl]) for k in names)
            self._cache[c] = block
            while len(self._cache) > self.cache_chunks:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(c)
        return tuple(a[row - c * self.chunk] for a in block)

    def normalize_inputs(self, x: NDArray) -> NDArray:
        """Standardise raw inputs (the statistics broadcast over the trailing axes)."""
        if self.stats is None:
            return x
        return (x - _fit(self._mu[0], x)) / _fit(self._sd[0], x)

    def denormalize_targets(self, y: Any) -> Any:
        """Map normalised targets (array or tensor, trailing shape = target shape) back to units."""
        if self.stats is None:
            return y
        mu, sd = self._mu[1], self._sd[1]
        if isinstance(y, torch.Tensor):
            return y * torch.as_tensor(sd, dtype=y.dtype) + torch.as_tensor(mu, dtype=y.dtype)
        return y * sd + mu

    def __getitem__(self, i: int) -> tuple[torch.Tensor, ...]:
        row = int(self.indices[i])
        x, y, p = self._rows(row)
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if self.transform is not None:
            seed = int(torch.randint(0, 2**62, (1,)).item())
            x = self.transform(x, np.random.default_rng(seed))
        if self.stats is not None:
            x = self.normalize_inputs(x)
            y = (y - self._mu[1]) / self._sd[1]
        out: tuple[torch.Tensor, ...] = (
            torch.from_numpy(x.astype(np.float32)),
            torch.from_numpy(y.astype(np.float32)),
        )
        if self.return_params:
            out = (*out, torch.from_numpy(np.asarray(p, dtype=np.float64)))
        return out

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = OrderedDict()  # worker processes build their own caches
        return state


def _fit(stat: NDArray, x: NDArray) -> NDArray:
    """Broadcast a per-feature/per-channel statistic onto a (possibly cropped) sample."""
    if stat.shape == x.shape or stat.ndim == 0:
        return stat
    if stat.ndim == x.ndim:
        # cropped along some axis: statistics that vary along it cannot follow the crop
        return (
            stat
            if all(s in (1, n) for s, n in zip(stat.shape, x.shape, strict=True))
            else (stat.mean(keepdims=True))
        )
    return stat


def _make_datamodule_class() -> type:
    import lightning.pytorch as pl

    class _StoreDataModule(pl.LightningDataModule):
        """Lightning DataModule over a generation store's train/val/test splits.

        Parameters
        ----------
        store : path
        batch_size : int
        num_workers : int
            DataLoader worker processes.
        train_transform : callable, optional
            Augmentation applied to the train split only (noise, cropping).
        **dataset_kwargs
            Passed to :class:`StoreDataset` (fractions, split_seed, normalize, in_memory, ...).
        """

        def __init__(
            self,
            store: str | Path,
            *,
            batch_size: int = 256,
            num_workers: int = 0,
            train_transform: Transform | None = None,
            **dataset_kwargs: Any,
        ) -> None:
            super().__init__()
            self.store_path = Path(store)
            self.batch_size = batch_size
            self.num_workers = num_workers
            self.train_transform = train_transform
            self.dataset_kwargs = dataset_kwargs
            self.datasets: dict[str, StoreDataset] = {}

        def setup(self, stage: str | None = None) -> None:
            for split in SPLITS:
                if split not in self.datasets:
                    tf = self.train_transform if split == "train" else None
                    self.datasets[split] = StoreDataset(
                        self.store_path, split, transform=tf, **self.dataset_kwargs
                    )

        def _loader(self, split: str, shuffle: bool) -> torch.utils.data.DataLoader:
            self.setup()
            return torch.utils.data.DataLoader(
                self.datasets[split],
                batch_size=self.batch_size,
                shuffle=shuffle,
                num_workers=self.num_workers,
                persistent_workers=self.num_workers > 0,
            )

        def train_dataloader(self) -> torch.utils.data.DataLoader:
            return self._loader("train", True)

        def val_dataloader(self) -> torch.utils.data.DataLoader:
            return self._loader("val", False)

        def test_dataloader(self) -> torch.utils.data.DataLoader:
            return self._loader("test", False)

    _StoreDataModule.__name__ = "StoreDataModule"
    _StoreDataModule.__qualname__ = "StoreDataModule"
    return _StoreDataModule


_DM: type | None = None


def __getattr__(name: str) -> Any:
    global _DM
    if name == "StoreDataModule":
        if _DM is None:
            _DM = _make_datamodule_class()
        return _DM
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
