"""MT U-Net training: TE/TM apparent-resistivity and phase sections → log10 resistivity.

Data items: ``(section, model)``; ``section`` (C, n_frequencies, n_stations) with channels
[log10 ρa (log10 Ω·m), phase (degrees)] per mode (C = 2 or 4), ``model`` (n_depth, n_x) log10
resistivity (log10 Ω·m), normally 60 × 121.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from torch import Tensor

from ..nn import MTUNet
from .data import dataset_arrays
from .fit import TrainerOptions, attach_metadata, prepare_data, run_fit
from .modules import RegressionModule
from .mt_column import column_config
from .normalization import Normalization

__all__ = ["check_column_frequencies", "fit_mt_unet", "mt_normalization"]


def mt_normalization(train_ds: Any) -> Normalization:
    """Per-channel input standardisation and one global target standardisation."""
    x, y = dataset_arrays(train_ds)
    if x.ndim != 4:
        raise ValueError(f"inputs: expected (n, C, n_frequencies, n_stations), got {x.shape}")
    return Normalization.from_data(x, y, input_axes=(0, 2, 3), target_axes="all")


def fit_mt_unet(
    train_data: Any,
    val_data: Any = None,
    *,
    width: float = 0.125,
    high_frequency_first: bool = True,
    bostick: bool = False,
    column: Any = None,
    column_lateral: Any = False,
    out_shape: Sequence[int] | None = None,
    epochs: int = 50,
    batch_size: int = 8,
    lr: float = 1e-3,
    weight_decay: float = 1e-5,
    lr_schedule: str = "cosine",
    out_dir: str | Path = "runs/mt",
    normalization: Normalization | None = None,
    seed: int = 0,
    input_noise: Callable[[Tensor], Tensor] | None = None,
    trainer: TrainerOptions | None = None,
    ckpt_path: str | Path | None = None,
    **meta: Any,
) -> RegressionModule:
    """Train the MT U-Net (MSE on standardised log10 resistivity).

    ``out_shape`` defaults to the target grid of the data; ``high_frequency_first`` orients the
    frequency axis as depth (see :class:`geoinvert.nn.MTUNet`). ``bostick=True`` adds the
    Niblett-Bostick depth-mapped resistivity of each mode as input channels; it needs
    ``frequencies`` (Hz) and a ``prior`` with the section ``depth`` (km). ``column``: a trained
    one-station column network (:func:`~geoinvert.train.fit_mt_column_net`) whose estimate under
    every station becomes a frozen input channel; ``column_lateral=True`` adds its estimate from
    the profile's median sounding, a second trained column network (e.g. one of body-free
    columns at low noise) makes that estimate instead. ``**meta``:
    ``frequencies`` (Hz), ``prior``.
    """
    pl.seed_everything(seed, workers=True, verbose=False)
    train_ds, val_ds = prepare_data(train_data, val_data, seed=seed)
    norm = normalization or mt_normalization(train_ds)
    x0, y0 = train_ds[0]
    shape = tuple(out_shape) if out_shape is not None else tuple(int(s) for s in y0.shape[-2:])
    bostick_cfg = None
    if bostick:
        freqs, prior = meta.get("frequencies"), meta.get("prior")
        if freqs is None or not isinstance(prior, dict) or "depth" not in prior:
            raise ValueError("bostick: needs frequencies (Hz) and a prior with its depth (km)")
        bostick_cfg = {
            "frequencies": [float(f) for f in freqs],
            "depth_km": float(prior["depth"]),
            "input_shift": norm.input_shift.reshape(-1).tolist(),
            "input_scale": norm.input_scale.reshape(-1).tolist(),
        }
    column_cfg, column_state, background_state = (None, None, None)
    if column is not None:
        check_column_frequencies(column, meta.get("frequencies"))
        if column_lateral not in (False, True, None):
            check_column_frequencies(column_lateral, meta.get("frequencies"))
        column_cfg, column_state, background_state = column_config(
            column, norm, lateral=column_lateral
        )
    elif column_lateral:
        raise ValueError("column_lateral: needs a column network (column=...)")
    net = MTUNet(
        int(x0.shape[0]),
        width=width,
        out_shape=shape,  # type: ignore[arg-type]
        high_frequency_first=high_frequency_first,
        bostick=bostick_cfg,
        column=column_cfg,
    )
    if column_state is not None:
        net.set_column_weights(column_state, background_state)
    module = RegressionModule(
        net,
        norm,
        lr=lr,
        weight_decay=weight_decay,
        lr_schedule=lr_schedule,
        input_noise=input_noise,
    )
    attach_metadata(
        module,
        train_ds,
        frequencies=meta.pop("frequencies", None),
        prior=meta.pop("prior", None),
        target_shape=shape,
    )
    if meta:
        raise TypeError(f"fit_mt_unet: unexpected arguments {sorted(meta)}")
    run_fit(
        module,
        train_ds,
        val_ds,
        out_dir=out_dir,
        max_epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        trainer=trainer,
        ckpt_path=ckpt_path,
    )
    return module


def check_column_frequencies(column: Any, frequencies: Any) -> None:
    """A column network reads the data's frequency rows as they are: refuse other frequencies."""
    import numpy as np

    axis = getattr(column, "axis", None)  # a training module: ("frequencies", [...])
    f_col = getattr(column, "frequencies", None)  # a loaded artefact
    if f_col is None and axis is not None and axis[0] == "frequencies":
        f_col = axis[1]
    if f_col is None or frequencies is None:
        raise ValueError("column: needs the frequencies (Hz) of both the column network and data")
    f_col, f_data = np.asarray(f_col, dtype=float), np.asarray(frequencies, dtype=float)
    if f_col.shape != f_data.shape or not np.allclose(f_col, f_data, rtol=1e-9):
        raise ValueError("column: the column network's frequencies (Hz) differ from the data's")
