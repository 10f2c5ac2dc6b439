"""Input/label normalisation statistics shared by training, artefacts and prediction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["Normalization"]

Axes = Sequence[int] | Literal["all"]

#: min-max scaling maps [min, max] onto [MINMAX_LO, MINMAX_HI] (inside the sigmoid's range).
MINMAX_LO, MINMAX_HI = 0.05, 0.95


def _stats(a: np.ndarray, axes: Axes, method: str) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 0:
        raise ValueError("data must have a leading sample axis")
    ax = tuple(range(a.ndim)) if axes == "all" else tuple(sorted({0, *axes}))
    with np.errstate(invalid="ignore"):
        if method == "standard":
            shift = np.nanmean(a, axis=ax, keepdims=True)
            scale = np.nanstd(a, axis=ax, keepdims=True)
        elif method == "minmax":
            lo = np.nanmin(a, axis=ax, keepdims=True)
            hi = np.nanmax(a, axis=ax, keepdims=True)
            scale = (hi - lo) / (MINMAX_HI - MINMAX_LO)
            shift = lo - MINMAX_LO * scale
        elif method == "none":
            shift = np.zeros((1,) * a.ndim)
            scale = np.ones((1,) * a.ndim)
        else:
            raise ValueError(f"method: expected 'standard', 'minmax' or 'none', got {method!r}")
    scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    return shift[0].astype(np.float32), scale[0].astype(np.float32)


@dataclass
class Normalization:
    """Affine normalisation ``x_n = (x − shift) / scale`` of inputs and targets.

    The arrays broadcast against one sample (no batch axis), e.g. shape (21,) per-feature for the
    crust inputs, (C, 1, 1) per-channel for MT sections, (1, 1) global for MT targets. Physical
    units are those of the data (km/s, km, log10 Ω·m, ...); normalised values are dimensionless.
    """

    input_shift: np.ndarray
    input_scale: np.ndarray
    target_shift: np.ndarray
    target_scale: np.ndarray

    def __post_init__(self) -> None:
        for name in ("input_shift", "input_scale", "target_shift", "target_scale"):
            v = np.asarray(getattr(self, name), dtype=np.float32)
            if not np.all(np.isfinite(v)):
                raise ValueError(f"{name}: normalisation statistics must be finite")
            setattr(self, name, v)
        for name in ("input_scale", "target_scale"):
            if np.any(getattr(self, name) == 0):
                raise ValueError(f"{name}: scale must be non-zero")

    @classmethod
    def from_data(
        cls,
        inputs: np.ndarray,
        targets: np.ndarray,
        *,
        input_method: str = "standard",
        target_method: str = "standard",
        input_axes: Axes = (0,),
        target_axes: Axes = (0,),
    ) -> Normalization:
        """Statistics of training data (NaNs ignored).

        Parameters
        ----------
        inputs, targets
            Arrays with a leading sample axis.
        input_method, target_method
            ``"standard"`` (mean/std), ``"minmax"`` ([min, max] → [0.05, 0.95], for sigmoid
            auto-encoders) or ``"none"``.
        input_axes, target_axes
            Axes reduced over besides the sample axis 0 (``"all"`` = one global scalar).
        """
        i_shift, i_scale = _stats(inputs, input_axes, input_method)
        t_shift, t_scale = _stats(targets, target_axes, target_method)
        return cls(i_shift, i_scale, t_shift, t_scale)

    @classmethod
    def identity(cls, input_ndim: int = 1, target_ndim: int = 1) -> Normalization:
        """No-op normalisation."""
        return cls(
            np.zeros((1,) * input_ndim),
            np.ones((1,) * input_ndim),
            np.zeros((1,) * target_ndim),
            np.ones((1,) * target_ndim),
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of numpy arrays (artefact format)."""
        return {k: np.array(getattr(self, k)) for k in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Normalization:
        """Inverse of :meth:`to_dict`; also accepts mean/std statistics as saved by
        :mod:`geoinvert.data` (``inputs_mean``, ``inputs_std``, ``targets_mean``,
        ``targets_std``; singular ``input_``/``target_`` spellings too). Extra keys are ignored.
        """
        alias = {
            "inputs_mean": "input_shift",
            "inputs_std": "input_scale",
            "targets_mean": "target_shift",
            "targets_std": "target_scale",
            "input_mean": "input_shift",
            "input_std": "input_scale",
            "target_mean": "target_shift",
            "target_std": "target_scale",
        }
        dd = {alias.get(k, k): v for k, v in d.items()}
        missing = [k for k in cls.__dataclass_fields__ if k not in dd]
        if missing:
            raise ValueError(f"d: normalisation statistics lack {missing}")
        return cls(**{k: np.asarray(dd[k]) for k in cls.__dataclass_fields__})
