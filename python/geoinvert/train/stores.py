"""Adapter from a generated Zarr v3 store to training arrays.

Agreed store layout (written by :mod:`geoinvert.data`, issue 5)::

    <store>/            Zarr v3 group
        inputs          (n, ...) float32   network inputs in physical units
        targets         (n, ...) float32   labels (crust: (n,) or (n, 1) km; rf: (n, k>=2)
                                           [present, depth km, ...]; mt: (n, 60, 121)
                                           log10 Ω·m)
        params          (n, n_params)      every sampled prior parameter
        status          (n,) int8          0 = ok, >0 = the forward model failed, -1 = never
                                           written (incomplete chunk)
        attrs: task, config, prior, frequencies (Hz) or periods (s), seed, version, and
               optionally normalization = {inputs_mean, inputs_std, targets_mean, targets_std}
               as written by geoinvert.data (nested lists broadcastable against one sample;
               input_shift/input_scale/target_shift/target_scale accepted too)

This module loads the arrays into memory (500 000 crust samples × 21 float32 = 42 MB;
1 000 MT sections × 4 × 60 × 121 = 116 MB); a lazily reading Dataset from geoinvert.data can be
passed to the ``fit_*`` functions instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .normalization import Normalization

__all__ = ["TASKS", "TrainingData", "open_training_data"]

log = logging.getLogger(__name__)

TASKS = ("crust", "rf", "mt")


@dataclass
class TrainingData:
    """Arrays of a store (failed samples removed) and its metadata."""

    inputs: np.ndarray
    targets: np.ndarray
    params: np.ndarray | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    frequencies: np.ndarray | None = None
    periods: np.ndarray | None = None
    normalization: Normalization | None = None

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    def subset(self, idx: np.ndarray) -> TrainingData:
        """Rows ``idx`` (metadata shared)."""
        return TrainingData(
            self.inputs[idx],
            self.targets[idx],
            None if self.params is None else self.params[idx],
            self.attrs,
            self.frequencies,
            self.periods,
            self.normalization,
        )

    def split(
        self, test_fraction: float = 0.25, *, seed: int = 0
    ) -> tuple[TrainingData, TrainingData]:
        """Deterministic (train, test) split; 0.25 = the crust study's 3:1 (380 000 : 120 000)."""
        if not 0.0 < test_fraction < 1.0:
            raise ValueError(f"test_fraction: must lie in (0, 1), got {test_fraction}")
        perm = np.random.default_rng(seed).permutation(len(self))
        n_test = max(1, round(len(self) * test_fraction))
        return self.subset(np.sort(perm[n_test:])), self.subset(np.sort(perm[:n_test]))

    def select_inputs(self, prefix: str) -> TrainingData:
        """Keep the input columns whose ``input_names`` start with ``prefix`` (e.g. ``"phase"``:
        the crust study's 21 phase velocities without the group velocities)."""
        names = self.attrs.get("input_names")
        if not isinstance(names, list | tuple) or len(names) != self.inputs.shape[-1]:
            raise ValueError("prefix: the store has no input_names matching its last input axis")
        cols = [i for i, n in enumerate(names) if str(n).startswith(prefix)]
        if not cols:
            raise ValueError(f"prefix: no input named {prefix!r}... (have {names[:3]} ...)")
        attrs = {**self.attrs, "input_names": [names[i] for i in cols]}
        norm = self.normalization
        if norm is not None:
            shift, scale = norm.input_shift, norm.input_scale
            ok = shift.shape[-1:] == scale.shape[-1:] == (len(names),)
            norm = (
                Normalization(
                    shift[..., cols], scale[..., cols], norm.target_shift, norm.target_scale
                )
                if ok
                else None
            )
        return TrainingData(
            self.inputs[..., cols],
            self.targets,
            self.params,
            attrs,
            self.frequencies,
            self.periods,
            norm,
        )

    def meta(self) -> dict[str, Any]:
        """Keyword arguments (frequencies or periods, prior) for the ``fit_*`` functions."""
        out: dict[str, Any] = {"prior": self.attrs.get("prior", self.attrs.get("config"))}
        if self.frequencies is not None:
            out["frequencies"] = self.frequencies
        elif self.periods is not None:
            out["periods"] = self.periods
        return out


def _normalization(attrs: dict[str, Any]) -> Normalization | None:
    d = attrs.get("normalization")
    if not d:
        return None
    try:
        return Normalization.from_dict(d)
    except ValueError as e:
        raise ValueError(f"store: attrs['normalization'] is unusable ({e})") from None


def open_training_data(store: str | Path, task: str, *, drop_failed: bool = True) -> TrainingData:
    """Read a generated store for training.

    Parameters
    ----------
    store
        Path (or URL understood by zarr) of the Zarr v3 group.
    task
        ``"crust"``, ``"rf"`` or ``"mt"`` (checks the array shapes).
    drop_failed
        Remove samples whose ``status`` is non-zero or whose inputs/targets are not finite
        (rf depths may be NaN when X is absent and are kept).
    """
    import zarr

    if task not in TASKS:
        raise ValueError(f"task: expected one of {TASKS}, got {task!r}")
    try:
        g = zarr.open_group(str(store), mode="r")
    except Exception as e:  # zarr raises several types for a missing/invalid store
        raise ValueError(f"store: cannot open {store} as a Zarr group ({e})") from e
    for name in ("inputs", "targets"):
        if name not in g:
            raise ValueError(f"store: {store} has no {name!r} array")

    def read(name: str) -> np.ndarray:
        arr: Any = g[name]
        return np.asarray(arr[...])

    x = read("inputs").astype(np.float32, copy=False)
    y = read("targets").astype(np.float32, copy=False)
    params = read("params") if "params" in g else None
    status = read("status") if "status" in g else np.zeros(x.shape[0], np.int8)
    attrs = dict(g.attrs)
    if "task" in attrs and attrs["task"] != task:
        raise ValueError(f"task: the store at {store} holds {attrs['task']!r} data, not {task!r}")
    if y.shape[0] != x.shape[0] or status.shape[0] != x.shape[0]:
        raise ValueError(
            f"store: inputs ({x.shape[0]}), targets ({y.shape[0]}) and status "
            f"({status.shape[0]}) lengths differ"
        )
    expected_ndim = {"crust": (2,), "rf": (2, 3), "mt": (4,)}[task]
    if x.ndim not in expected_ndim:
        raise ValueError(f"store: {task} inputs must have ndim in {expected_ndim}, got {x.shape}")
    if task == "rf" and (y.ndim != 2 or y.shape[1] < 2):
        raise ValueError(
            f"store: rf targets must be (n, >=2) [present, depth km, ...], got {y.shape}"
        )
    if task == "crust" and y.ndim == 1:
        y = y[:, None]
    if drop_failed:
        ok = status == 0
        ok &= np.isfinite(x.reshape(x.shape[0], -1)).all(axis=1)
        y_check = y[:, :1] if task == "rf" else y
        ok &= np.isfinite(y_check.reshape(y.shape[0], -1)).all(axis=1)
        n_missing = int((status < 0).sum())  # chunks not written yet (partial store)
        n_bad = int((~ok).sum()) - n_missing
        if n_bad:
            log.warning("open_training_data: dropped %d of %d failed samples", n_bad, ok.size)
        if n_missing:
            log.warning(
                "open_training_data: %d of %d samples not generated yet (partial store; "
                "finish it with `geoinvert generate ... --resume`)",
                n_missing,
                ok.size,
            )
        x, y = x[ok], y[ok]
        params = None if params is None else params[ok]
    freqs = attrs.get("frequencies")
    periods = attrs.get("periods")
    return TrainingData(
        x,
        y,
        params,
        attrs,
        None if freqs is None else np.asarray(freqs, dtype=float),
        None if periods is None else np.asarray(periods, dtype=float),
        _normalization(attrs),
    )
