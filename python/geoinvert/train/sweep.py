"""Model selection as in the crust study's Table 1, plus our additions.

:func:`sweep_table1` trains the twelve SAE presets of :data:`geoinvert.nn.TABLE1_PRESETS`
(reconstructed -- check the rows against the paper), then an MLP, an MDN and a deep ensemble,
and reports the RMS error of crustal thickness (km) on a test set from the same prior and,
optionally, on a shifted test set (another prior, e.g. CRUST1.0-like crusts) that exposes
over-fitting to the training prior.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..nn import PAPER_SELECTED_PRESET, TABLE1_PRESETS
from .artifact import as_trained_model
from .crust import fit_ensemble, fit_mdn, fit_mlp, fit_sae
from .data import as_dataset, dataset_arrays
from .fit import TrainerOptions

__all__ = ["sweep_table1", "write_table"]

log = logging.getLogger(__name__)

COLUMNS = [
    "name",
    "model",
    "sizes",
    "batch_size",
    "epochs",
    "train_s",
    "rms_test_km",
    "rms_shifted_km",
    "cover68_test",
    "cover68_shifted",
]


def _scores(model: Any, data: Any) -> tuple[float, float]:
    """RMS (km) and, for MDN/ensemble models, the fraction of truths inside the central 68 %."""
    if data is None:
        return float("nan"), float("nan")
    x, y = dataset_arrays(as_dataset(data))
    y = y.reshape(-1)
    d = model.predict_distribution(x, frequencies=model.frequencies)
    mean = np.asarray(d["mean"]).reshape(-1)
    rms = float(np.sqrt(np.mean((mean - y) ** 2)))
    if "quantiles" in d:
        lo, hi = d["quantiles"][:, 0], d["quantiles"][:, -1]
    elif "std" in d:
        s = np.asarray(d["std"]).reshape(-1)
        lo, hi = mean - s, mean + s
    else:
        return rms, float("nan")
    return rms, float(np.mean((y >= lo) & (y <= hi)))


def write_table(rows: Sequence[dict[str, Any]], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``table1.csv`` and ``table1.md`` (columns :data:`COLUMNS`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / "table1.csv", out / "table1.md"
    with csv_path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "–" if np.isnan(v) else f"{v:.3f}"
        return str(v)

    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
        *("| " + " | ".join(fmt(r.get(k, "")) for k in COLUMNS) + " |" for r in rows),
        "",
        "RMS of crustal thickness in km. cover68: fraction of true thicknesses inside the "
        "predicted 16-84 % interval (MDN) or mean ± 1 std (ensemble); ideal 0.68.",
        f"SAE rows: reconstructed Table 1 presets (paper's selected: {PAPER_SELECTED_PRESET}); "
        "check against Cheng et al. (2019) before quoting.",
    ]
    md_path.write_text("\n".join(lines) + "\n")
    return csv_path, md_path


def sweep_table1(
    train_data: Any,
    test_data: Any,
    shifted_test_data: Any = None,
    *,
    presets: Sequence[str] | None = None,
    epochs: int | None = None,
    additions: bool = True,
    addition_epochs: int = 50,
    ensemble_size: int = 5,
    out_dir: str | Path = "runs/table1",
    seed: int = 0,
    trainer: TrainerOptions | None = None,
    save_models: bool = True,
    **meta: Any,
) -> list[dict[str, Any]]:
    """Train and score the Table 1 configurations and our additions.

    Parameters
    ----------
    train_data, test_data, shifted_test_data
        Datasets / ``(inputs, targets)`` arrays / :class:`~geoinvert.train.stores.TrainingData`
        (inputs in km/s, targets crustal thickness in km).
    presets
        Preset names (default: all twelve).
    epochs
        If given, overrides both the pre-training and fine-tuning epochs of every preset
        (scaled-down sweeps); the presets' own epochs otherwise.
    additions
        Also train the MLP, the MDN and a deep ensemble of ``ensemble_size`` MLPs
        (``addition_epochs`` each).
    save_models
        Write each model's artefact to ``out_dir/<name>.pt``.
    **meta
        ``frequencies`` (Hz) or ``periods`` (s), ``prior``.

    Returns
    -------
    list of dict
        One row per model with :data:`COLUMNS`; also written to ``out_dir/table1.{csv,md}``.
    """
    out = Path(out_dir)
    names = list(TABLE1_PRESETS) if presets is None else list(presets)
    for n in names:
        if n not in TABLE1_PRESETS:
            raise ValueError(f"presets: unknown preset {n!r} (known: {sorted(TABLE1_PRESETS)})")
    train_ds = as_dataset(train_data)
    rows: list[dict[str, Any]] = []

    def record(name: str, kind: str, module: Any, t0: float, **extra: Any) -> None:
        model = as_trained_model(module)
        if save_models:
            from .artifact import save_model

            save_model(out / f"{name}.pt", module)
        rms, cov = _scores(model, test_data)
        rms_s, cov_s = _scores(model, shifted_test_data)
        row = {
            "name": name,
            "model": kind,
            "train_s": round(time.perf_counter() - t0, 1),
            "rms_test_km": rms,
            "rms_shifted_km": rms_s,
            "cover68_test": cov,
            "cover68_shifted": cov_s,
            **extra,
        }
        log.info("table1 %s: rms %.3f km (shifted %.3f)", name, rms, rms_s)
        rows.append(row)
        write_table(rows, out)

    for name in names:
        cfg = TABLE1_PRESETS[name]
        if epochs is not None:
            cfg = cfg.with_epochs(epochs, epochs)
        t0 = time.perf_counter()
        module = fit_sae(
            train_ds, config=cfg, out_dir=out / name, seed=seed, trainer=trainer, **meta
        )
        record(
            name,
            "sSAE",
            module,
            t0,
            sizes=list(cfg.sizes),
            batch_size=cfg.batch_size,
            epochs=f"{cfg.pretrain_epochs}+{cfg.finetune_epochs}",
        )
    if additions:
        common = {"epochs": addition_epochs, "seed": seed, "trainer": trainer, **meta}
        t0 = time.perf_counter()
        m = fit_mlp(train_ds, out_dir=out / "mlp", **common)
        record(
            "mlp",
            "MLP (GELU)",
            m,
            t0,
            sizes=m.network.get_config()["hidden"],
            batch_size=256,
            epochs=addition_epochs,
        )
        t0 = time.perf_counter()
        mdn = fit_mdn(train_ds, out_dir=out / "mdn", **common)
        record("mdn", "MDN (K=5, MLP trunk)", mdn, t0, batch_size=256, epochs=addition_epochs)
        t0 = time.perf_counter()
        m = fit_ensemble(train_ds, n_members=ensemble_size, out_dir=out / "ensemble", **common)
        record(
            "ensemble",
            f"deep ensemble ({ensemble_size} MLPs)",
            m,
            t0,
            batch_size=256,
            epochs=addition_epochs,
        )
    return rows
