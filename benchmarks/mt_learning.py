"""MT U-Net learning results (issue 6, "mt"): log10-resistivity RMS on held-out sections and the
TE/TM data misfit of the predicted sections computed with the forward kernel.

Trains :func:`geoinvert.train.fit_mt_unet` on an MT store (``geoinvert generate mt``) split
80 : 20 with the store's deterministic split (1000 sections → 800 train, 200 held out), with
2.5 % impedance noise added at training time (:class:`geoinvert.train.augment.MTImpedanceNoise`)
and, by default, every training section also mirrored about the profile centre (an exact
symmetry of 2-D MT, :func:`geoinvert.train.augment.mirror_mt_sections`). Scores:

* model RMS in log10 Ω·m over the whole 60 × 121 grid, on held-out inputs with a fresh 2.5 %
  noise draw, and per section (median); the RMS of predicting the training-mean section;
* data misfit: the predicted sections forward-modelled with the task's own 2-D solver at all
  frequencies and stations, RMS of (predicted − observed)/σ over TE and TM log10 ρa and phase
  (σ of the 2.5 % impedance noise; the true sections score ≈ 1 by construction).

Usage (CPU; ``--gpus 1`` on a GPU machine)::

    python benchmarks/mt_learning.py --data /work/stores/mt1000.zarr --out /work/runs/mt1000 \\
        --width 0.125 --epochs 60 --threads 1

Writes ``results.json`` and ``results.md`` into ``--out``, the artefact ``mt_unet.pt`` and a
figure of held-out sections (truth, prediction) ``sections.png``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

Z_NOISE = 0.025


def data_misfit(
    task: Any, sections: np.ndarray, observed: np.ndarray, sigma: np.ndarray, n_threads: int = 1
) -> list:
    """Normalised RMS misfit of each predicted section's forward response (σ per channel)."""
    from tqdm import tqdm

    out = []
    for grid, obs in tqdm(
        list(zip(sections, observed, strict=True)), desc="forward predicted", unit="section"
    ):
        pred = task.forward({"log10_rho": grid[None].astype(float)}, n_threads=n_threads)[0]
        out.append(float(np.sqrt(np.mean(((pred - obs) / sigma[:, None, None]) ** 2))))
    return out


def store_prior(td: Any) -> Any:
    """The :class:`~geoinvert.earth.priors.MTSectionPrior` recorded in an MT store's attributes."""
    from geoinvert.earth.priors import MTSectionPrior

    return MTSectionPrior.from_dict(td.attrs["prior"])


def refine_with_nlcg(
    td: Any,
    pred: np.ndarray,
    noisy: np.ndarray,
    truth: np.ndarray,
    sigma: np.ndarray,
    n_sections: int,
    iterations: int,
) -> dict[str, Any]:
    """U-Net section as start AND reference of a short NLCG run (the demo's λ, α_z) on the
    U-Net's own 60 × 121 grid at 10 of the frequencies: the roughness penalty acts on the
    update only, so NLCG adds smooth changes that the data ask for to the network's section.
    Model RMS (log10 Ω·m) and data RMS / σ at those frequencies, before and after."""
    from tqdm import tqdm

    from geoinvert.demo.mt import ALPHA_Z, LAM, grid_forward, nlcg_frequency_indices
    from geoinvert.invert.mt import invert_mt_nlcg, observed_from_section

    prior = store_prior(td)
    f_all = np.asarray(td.frequencies, dtype=float)
    fi = nlcg_frequency_indices(f_all.size)
    f = f_all[fi]
    fwd = grid_forward(prior, f)
    w = observed_from_section(
        np.broadcast_to(1.0 / sigma[:, None, None] ** 2, (4, f.size, prior.nx))
    )
    rows = []
    for i in tqdm(range(min(n_sections, len(pred))), desc="U-Net -> NLCG", unit="section"):
        start = pred[i].astype(float)
        t0 = time.perf_counter()
        out = invert_mt_nlcg(
            fwd, observed_from_section(noisy[i][:, fi]), w, start, lam=LAM, alpha_z=ALPHA_Z,
            max_iterations=iterations, reference=start,
        )  # fmt: skip
        rows.append({
            "model_rms_unet": float(np.sqrt(np.mean((start - truth[i]) ** 2))),
            "model_rms_refined": float(np.sqrt(np.mean((out.model - truth[i]) ** 2))),
            "data_rms_unet": float(out.rms[0]),
            "data_rms_refined": float(out.rms[-1]),
            "seconds": time.perf_counter() - t0,
            "iterations": len(out.rms) - 1,
        })  # fmt: skip
    keys = rows[0].keys()
    return {
        "refine_sections": len(rows),
        "refine_frequencies_hz": f.tolist(),
        "refine_lam": LAM,
        "refine_alpha_z": ALPHA_Z,
        "refine_max_iterations": iterations,
        **{f"refine_mean_{k}": float(np.mean([r[k] for r in rows])) for k in keys},
        **{f"refine_median_{k}": float(np.median([r[k] for r in rows])) for k in keys},
        "refine_rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        nargs="+",
        required=True,
        help="MT stores; the first is split train/test, the others only add training sections",
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--width", type=float, default=0.125)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--test-fraction", type=float, default=0.2)
    ap.add_argument(
        "--train-sections",
        type=int,
        default=None,
        help="use only the first N training sections (before mirroring), for learning curves",
    )
    ap.add_argument(
        "--bostick", action="store_true", help="add Bostick depth-mapped input channels"
    )
    ap.add_argument(
        "--column",
        type=Path,
        default=None,
        help="one-station column network artefact (benchmarks/mt_column.py) as an input channel",
    )
    ap.add_argument(
        "--column-lateral",
        action="store_true",
        help="with --column: also the column of the profile's median sounding as a channel",
    )
    ap.add_argument(
        "--column-background",
        type=Path,
        default=None,
        help="with --column: a second column network reading the median sounding (implies "
        "--column-lateral)",
    )
    ap.add_argument("--no-mirror", action="store_true", help="no mirrored training sections")
    ap.add_argument("--low-frequency-first", action="store_true", help="old orientation (ablation)")
    ap.add_argument("--misfit-sections", type=int, default=200, help="0 = skip the forward")
    ap.add_argument(
        "--refine-sections",
        type=int,
        default=0,
        help="polish the first K held-out U-Net sections with NLCG (0 = skip)",
    )
    ap.add_argument("--refine-iterations", type=int, default=10, help="NLCG iterations per section")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads; also the forward solver's threads for the misfit",
    )
    ap.add_argument("--gpus", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--model",
        type=Path,
        default=None,
        help="evaluate this trained artefact (mt_unet.pt) instead of training one",
    )
    ap.add_argument("--resume", type=Path, default=None, help="Lightning checkpoint")
    a = ap.parse_args()

    import torch

    from geoinvert.data import MTSectionTask
    from geoinvert.train import fit_mt_unet, load_model, open_training_data, save_model
    from geoinvert.train.artifact import as_trained_model
    from geoinvert.train.augment import MTImpedanceNoise, mirror_mt_sections, mt_noise_sigma

    torch.set_num_threads(a.threads)
    a.out.mkdir(parents=True, exist_ok=True)
    td = open_training_data(a.data[0], "mt")
    train, test = td.split(a.test_fraction, seed=a.seed)
    # validation = a fixed tenth of the training part, never mirrored
    n_val = max(1, len(train) // 10)
    x_tr, y_tr = train.inputs[n_val:], train.targets[n_val:]
    for extra_path in a.data[1:]:
        extra = open_training_data(extra_path, "mt")
        if not np.allclose(extra.frequencies, td.frequencies) or extra.attrs.get(
            "prior"
        ) != td.attrs.get("prior"):
            raise SystemExit(f"{extra_path}: other frequencies or prior than {a.data[0]}")
        x_tr = np.concatenate([x_tr, extra.inputs])
        y_tr = np.concatenate([y_tr, extra.targets])
    if a.train_sections is not None:
        if not 0 < a.train_sections <= len(x_tr):
            raise SystemExit(f"--train-sections must be in 1..{len(x_tr)}, got {a.train_sections}")
        x_tr, y_tr = x_tr[: a.train_sections], y_tr[: a.train_sections]
    n_train_sections = len(x_tr)
    n_train_examples = n_train_sections * (1 if a.no_mirror else 2)
    val = (train.inputs[:n_val], train.targets[:n_val])
    sigma = mt_noise_sigma(Z_NOISE)
    rng = np.random.default_rng(a.seed + 7)
    noise = sigma[None, :, None, None] * rng.standard_normal(test.inputs.shape)
    noisy = (test.inputs + noise).astype(np.float32)

    if a.model is None:
        # mirrored copies only when training: an evaluation of an artefact needs none
        if not a.no_mirror:
            x_tr, y_tr = mirror_mt_sections(x_tr, y_tr)
        trainer: dict[str, Any] = {}
        if a.gpus:
            trainer = {"accelerator": "gpu", "devices": a.gpus, "precision": "16-mixed"}
        start = time.perf_counter()
        module = fit_mt_unet(
            (x_tr.astype(np.float32), y_tr.astype(np.float32)),
            (val[0].astype(np.float32), val[1].astype(np.float32)),
            width=a.width,
            epochs=a.epochs,
            batch_size=a.batch_size,
            lr=a.lr,
            out_dir=a.out / "runs",
            seed=a.seed,
            input_noise=MTImpedanceNoise(Z_NOISE),
            trainer=trainer,
            ckpt_path=a.resume,
            high_frequency_first=not a.low_frequency_first,
            bostick=a.bostick,
            column=None if a.column is None else load_model(a.column),
            column_lateral=(
                load_model(a.column_background) if a.column_background else a.column_lateral
            ),
            **train.meta(),
        )
        train_s: float | None = time.perf_counter() - start
        save_model(a.out / "mt_unet.pt", module)
        model_path = a.out / "mt_unet.pt"
    else:  # evaluate an existing artefact: no training
        train_s, model_path = None, a.model
    model = as_trained_model(load_model(model_path))

    start = time.perf_counter()
    pred = np.asarray(model.predict(noisy, frequencies=td.frequencies), dtype=np.float64)
    pred = pred.reshape(test.targets.shape)
    predict_s = (time.perf_counter() - start) / len(noisy)
    err = pred - test.targets
    per = np.sqrt(np.mean(err**2, axis=(1, 2)))
    mean_rms = float(np.sqrt(np.mean((train.targets.mean(axis=0) - test.targets) ** 2)))
    res: dict[str, Any] = {
        "data": [str(p) for p in a.data],
        "n_train_sections": n_train_sections,
        "mirrored": not a.no_mirror,
        "n_train_examples": n_train_examples,
        "n_validation": int(n_val),
        "n_test": len(test),
        "width": a.width,
        "epochs": a.epochs,
        "batch_size": a.batch_size,
        "lr": a.lr,
        "threads": a.threads,
        "high_frequency_first": not a.low_frequency_first,
        "bostick": bool(model.network.get_config().get("bostick")),
        "column": bool(model.network.get_config().get("column")),
        "column_lateral": bool((model.network.get_config().get("column") or {}).get("lateral")),
        "column_background": None if a.column_background is None else str(a.column_background),
        "train_s": train_s,
        "train_samples_per_s": n_train_examples * a.epochs / train_s if train_s else None,
        "model": str(model_path),
        "predict_s_per_section": predict_s,
        "z_noise": Z_NOISE,
        "rms_log10": float(np.sqrt(np.mean(err**2))),
        "rms_log10_median_section": float(np.median(per)),
        "rms_log10_p90_section": float(np.quantile(per, 0.9)),
        "rms_log10_mean_model": mean_rms,
    }
    # body-free sections (one layered column at every station) have an exact Bayes floor:
    # benchmarks/mt_floor.py; their score is the network's to compare with it
    names = td.attrs.get("param_names") or []
    if test.params is not None and "n_bodies" in names:
        free = test.params[:, names.index("n_bodies")] == 0
        res["n_test_body_free"] = int(free.sum())
        if free.any():
            res["rms_log10_body_free"] = float(np.sqrt(np.mean(err[free] ** 2)))
        if (~free).any():
            res["rms_log10_with_bodies"] = float(np.sqrt(np.mean(err[~free] ** 2)))
    # layers are flat, so a cell off its row's median is a body cell: where the error lives
    body = np.abs(test.targets - np.median(test.targets, axis=2, keepdims=True)) > 1e-6
    res["body_cell_fraction"] = float(body.mean())
    res["rms_log10_body_cells"] = float(np.sqrt(np.mean(err[body] ** 2))) if body.any() else None
    res["rms_log10_layer_cells"] = float(np.sqrt(np.mean(err[~body] ** 2)))
    res["body_cells_share_of_squared_error"] = float(np.sum(err[body] ** 2) / np.sum(err**2))
    # the error by depth: what the data can and cannot resolve
    res["rms_by_depth_row"] = np.sqrt(np.mean(err**2, axis=(0, 2))).round(4).tolist()
    if a.misfit_sections:
        k = min(a.misfit_sections, len(test))
        prior = store_prior(td)
        task = MTSectionTask(n_frequencies=len(td.frequencies), prior=prior)
        if not np.allclose(task.frequencies, td.frequencies):
            raise SystemExit("the store's frequencies are not the task's log-spaced default")
        start = time.perf_counter()
        unet_fit = data_misfit(task, pred[:k], noisy[:k], sigma, a.threads)
        # the truth scores ≈ 1 by construction: a few sections confirm the yardstick
        k_truth = min(k, 20)
        truth_fit = data_misfit(task, test.targets[:k_truth], noisy[:k_truth], sigma, a.threads)
        res["misfit_sections"] = k
        res["data_rms_unet_median"] = float(np.median(unet_fit))
        res["data_rms_unet_mean"] = float(np.mean(unet_fit))
        res["data_rms_truth_median"] = float(np.median(truth_fit))
        res["truth_misfit_sections"] = k_truth
        res["misfit_s"] = time.perf_counter() - start
        res["data_rms_unet"] = unet_fit
    if a.refine_sections:
        res.update(
            refine_with_nlcg(
                td, pred, noisy, test.targets, sigma, a.refine_sections, a.refine_iterations
            )
        )
    (a.out / "results.json").write_text(json.dumps(res, indent=1))
    np.savez_compressed(a.out / "predictions.npz", pred=pred.astype(np.float32), per=per)
    lines = ["| quantity | value |", "|---|---|"]
    for key, v in res.items():
        if not isinstance(v, list):
            lines.append(f"| {key} | {v:.4g} |" if isinstance(v, float) else f"| {key} | {v} |")
    (a.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    _figure(a.out / "sections.png", test.targets, pred, per)


def _figure(path: Path, truth: np.ndarray, pred: np.ndarray, per: np.ndarray) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    order = np.argsort(per)
    picks = [order[len(order) // 10], order[len(order) // 2], order[(9 * len(order)) // 10]]
    fig, axes = plt.subplots(
        len(picks), 2, figsize=(10, 2.6 * len(picks)), squeeze=False, layout="constrained"
    )
    for row, i in enumerate(picks):
        for col, (img, title) in enumerate(((truth[i], "truth"), (pred[i], "U-Net"))):
            ax = axes[row, col]
            im = ax.imshow(img, aspect="auto", cmap="jet_r", vmin=0.7, vmax=3.7,
                           extent=(0, 600, 180, 0))  # fmt: skip
            ax.set_title(f"held-out {i}: {title}" + (f" (RMS {per[i]:.2f})" if col else ""))
            ax.set_ylabel("depth (km)")
    axes[-1, 0].set_xlabel("distance (km)")
    axes[-1, 1].set_xlabel("distance (km)")
    fig.colorbar(im, ax=axes, label="log10 resistivity (Ω·m)", shrink=0.6)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
