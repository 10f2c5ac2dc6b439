"""Training data and training of the one-station MT column network (:class:`geoinvert.nn.
MTColumnNet`), the U-Net's ``column`` input channel.

Columns are drawn from the full MT section prior (:func:`geoinvert.earth.priors.
sample_mt_sections`: layers and bodies), a few random stations per section, so the network learns
the prior's marginal distribution of a column, bodies included. Each column's response is the 1-D
one of its 60 cells (3 km each, the bottom cell extended as the half-space, as the 2-D solver pads
the section), the same for TE and TM; at stations near a 2-D body the true TE and TM differ from
it, which the U-Net that reads this network's output learns to correct. 1-D responses cost about
20 µs per column at 60 frequencies, so a million columns take a few seconds per core.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..earth.priors import MTSectionPrior, sample_mt_sections
from ..mt import forward_1d

__all__ = ["column_config", "fit_mt_column_net", "sample_mt_columns"]


def sample_mt_columns(
    rng: np.random.Generator,
    n: int,
    frequencies: Sequence[float],
    prior: MTSectionPrior | None = None,
    *,
    per_section: int = 8,
    chunk_sections: int = 2000,
    n_threads: int | None = None,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Noise-free one-station soundings and their columns, drawn from the MT section prior.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the draws.
    n : int
        Number of columns.
    frequencies : sequence of float
        Frequencies in Hz (the order of the returned frequency axis).
    prior : MTSectionPrior, optional
        Section prior (default :class:`MTSectionPrior`); its cells give the column's layers.
    per_section : int
        Stations taken (at random, with replacement) from each drawn section.
    chunk_sections : int
        Sections drawn at once (memory: ``chunk_sections × nz × nx`` doubles).
    n_threads : int, optional
        Threads of the 1-D forward kernel (None = all cores).

    Returns
    -------
    inputs : ndarray, shape (n, 4, n_frequencies)
        [log10 ρa (log10 Ω·m), phase (degrees)] for TE then TM (identical in 1-D).
    targets : ndarray, shape (n, nz)
        log10 resistivity (log10 Ω·m) of the column's cells, top first.
    """
    p = prior or MTSectionPrior()
    f = np.asarray(frequencies, dtype=np.float64)
    if f.ndim != 1 or f.size < 1 or not np.all(np.isfinite(f) & (f > 0)):
        bad = int(np.flatnonzero(~(np.isfinite(f) & (f > 0)))[0]) if f.size else 0
        raise ValueError(f"frequencies: need finite positive values (Hz); index {bad}")
    if n < 0:
        raise ValueError(f"n: must be >= 0, got {n}")
    if per_section < 1 or chunk_sections < 1:
        raise ValueError(
            f"per_section, chunk_sections: must be >= 1, got {per_section}, {chunk_sections}"
        )
    cols = []
    remaining = n
    while remaining > 0:
        n_sec = min(chunk_sections, -(-remaining // per_section))
        grids = sample_mt_sections(rng, n_sec, p).log10_resistivity  # (n_sec, nz, nx)
        ix = rng.integers(0, p.nx, size=(n_sec, per_section))
        picked = np.take_along_axis(grids, ix[:, None, :], axis=2)  # (n_sec, nz, per)
        cols.append(picked.transpose(0, 2, 1).reshape(-1, p.nz)[:remaining])
        remaining -= cols[-1].shape[0]
    targets = np.concatenate(cols) if cols else np.zeros((0, p.nz))
    thickness = np.full((targets.shape[0], p.nz - 1), p.depth / p.nz)
    rho_a, phase, _ = forward_1d(f, 10.0**targets, thickness, n_threads=n_threads)
    one = np.stack([np.log10(rho_a), phase], axis=1)  # (n, 2, nf)
    inputs = np.concatenate([one, one], axis=1)
    return inputs.astype(np.float32), targets.astype(np.float32)


def fit_mt_column_net(
    train_data: tuple[np.ndarray, np.ndarray],
    val_data: tuple[np.ndarray, np.ndarray],
    *,
    frequencies: Sequence[float],
    prior: dict[str, Any] | None = None,
    hidden: Sequence[int] = (512, 512, 512),
    z_relative: float = 0.025,
    epochs: int = 10,
    batch_size: int = 1024,
    lr: float = 1e-3,
    weight_decay: float = 1e-5,
    out_dir: str | Path = "runs/mt_column",
    seed: int = 0,
    trainer: dict[str, Any] | None = None,
    ckpt_path: str | Path | None = None,
) -> Any:
    """Train :class:`~geoinvert.nn.MTColumnNet` (MSE on per-cell standardised log10 ρ).

    ``train_data`` / ``val_data``: ``(inputs (n, C, n_frequencies), targets (n, n_depth))`` as from
    :func:`sample_mt_columns` (noise-free); impedance noise of relative size ``z_relative`` is
    drawn afresh for every training batch (:class:`~geoinvert.train.augment.MTImpedanceNoise`);
    the validation inputs get one fixed draw. ``frequencies`` (Hz) and ``prior`` (its dict) are
    recorded for the artefact; ``ckpt_path`` resumes an interrupted run from its checkpoint
    (the same data must be passed again). Returns the trained :class:`~geoinvert.train.modules.
    RegressionModule` (best validation weights).
    """
    import lightning.pytorch as pl
    import torch

    from ..nn import MTColumnNet
    from .augment import MTImpedanceNoise
    from .data import ArrayDataset
    from .fit import attach_metadata, run_fit
    from .modules import RegressionModule
    from .normalization import Normalization

    x_tr, y_tr = (np.asarray(a, dtype=np.float32) for a in train_data)
    x_va, y_va = (np.asarray(a, dtype=np.float32) for a in val_data)
    if x_tr.ndim != 3 or y_tr.ndim != 2 or x_tr.shape[0] != y_tr.shape[0]:
        raise ValueError(
            f"train_data: expected (n, C, n_frequencies) and (n, n_depth), got "
            f"{x_tr.shape} and {y_tr.shape}"
        )
    if x_va.shape[1:] != x_tr.shape[1:] or y_va.shape[1:] != y_tr.shape[1:]:
        raise ValueError(f"val_data: shapes {x_va.shape}, {y_va.shape} do not match train_data")
    if len(frequencies) != x_tr.shape[2]:
        raise ValueError(
            f"frequencies: {len(frequencies)} values for {x_tr.shape[2]} input frequencies"
        )
    pl.seed_everything(seed, workers=True, verbose=False)
    noise = MTImpedanceNoise(z_relative)
    with torch.random.fork_rng():
        torch.manual_seed(seed + 1)
        x_va = noise(torch.from_numpy(x_va)).numpy()
    norm = Normalization.from_data(x_tr, y_tr, input_axes=(0,), target_axes=(0,))
    net = MTColumnNet(x_tr.shape[1], x_tr.shape[2], y_tr.shape[1], hidden)
    module = RegressionModule(
        net, norm, lr=lr, weight_decay=weight_decay, lr_schedule="cosine", input_noise=noise
    )
    train_ds = ArrayDataset(x_tr, y_tr)
    attach_metadata(module, train_ds, frequencies=[float(v) for v in frequencies], prior=prior)
    run_fit(
        module,
        train_ds,
        ArrayDataset(x_va, y_va),
        out_dir=out_dir,
        max_epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        trainer=trainer,
        ckpt_path=ckpt_path,
    )
    return module


def column_config(
    column_model: Any, unet_normalization: Any, *, lateral: Any = False
) -> tuple[dict[str, Any], dict, dict | None]:
    """``(config, state_dict, background_state_dict)`` for :class:`~geoinvert.nn.MTUNet`
    ``column=`` from a trained column network (its :class:`~geoinvert.train.modules.
    RegressionModule` or loaded :class:`~geoinvert.train.artifact.TrainedModel`) and the U-Net's
    input normalisation. ``lateral``: ``True`` adds the channel of the profile's median sounding
    read by the same network, a second trained column network reads it instead (its state is
    the third item, else None; see :class:`~geoinvert.nn.MTUNet`)."""
    cfg, state = _network_config(column_model, "column_model")
    cfg["unet_input_shift"] = np.asarray(unet_normalization.input_shift).reshape(-1).tolist()
    cfg["unet_input_scale"] = np.asarray(unet_normalization.input_scale).reshape(-1).tolist()
    background = None
    if lateral is True:
        cfg["lateral"] = True
    elif lateral is not False and lateral is not None:
        cfg["lateral"], background = _network_config(lateral, "lateral")
    return cfg, state, background


def _network_config(model: Any, name: str) -> tuple[dict[str, Any], dict]:
    """Config (network + its normalisation) and state dict of a trained column network."""
    net = getattr(model, "network", None)
    if getattr(net, "architecture", None) != "mt_column":
        raise ValueError(f"{name}: expected an mt_column network, got {type(net).__name__}")
    cn = model.normalization
    cfg = {
        "network": net.get_config(),
        "input_shift": np.asarray(cn.input_shift).reshape(-1).tolist(),
        "input_scale": np.asarray(cn.input_scale).reshape(-1).tolist(),
        "target_shift": np.asarray(cn.target_shift).reshape(-1).tolist(),
        "target_scale": np.asarray(cn.target_scale).reshape(-1).tolist(),
    }
    state = {k: v.detach().cpu().clone() for k, v in net.state_dict().items()}
    return cfg, state
