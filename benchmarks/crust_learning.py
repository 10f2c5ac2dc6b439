"""Crustal-thickness learning results at the study's scale (issue 6, "crust").

Trains the networks on a crust store (``geoinvert generate crust``) split 380 000 : 120 000 as the
study did, with 0.5 % relative Gaussian noise on the inputs at training time, and scores each on
the held-out models with clean inputs and with a fresh 0.5 % noise draw. For the MDN it also
reports the coverage of its central 68 % interval and its mean predicted standard deviation, the
*sharpness*: for a calibrated posterior the RMS error of the posterior mean cannot be smaller
than the root-mean posterior variance, so this number is the floor any estimator meets on this
prior and noise level (see the note in benchmarks/README.md, "Crust learning at scale").

Usage (CPU; ``--gpus 1`` on a GPU machine)::

    python benchmarks/crust_learning.py --data /work/stores/crust500k.zarr \\
        --out /work/runs/crust500k --models mlp,mdn --epochs 30

Writes ``results.md`` / ``results.json`` into ``--out`` (one row per model) and each artefact.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np


def _arrays(data: Any) -> tuple[np.ndarray, np.ndarray]:
    from geoinvert.train.data import as_dataset, dataset_arrays

    x, y = dataset_arrays(as_dataset(data))
    return np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float64).reshape(-1)


def score(module: Any, x: np.ndarray, y: np.ndarray, noise: float, seed: int) -> dict[str, float]:
    """RMS (km) with clean and noisy inputs; MDN/ensemble coverage and sharpness (km)."""
    from geoinvert.train import as_trained_model

    model = as_trained_model(module)
    rng = np.random.default_rng(seed)
    noisy = (x * (1.0 + noise * rng.standard_normal(x.shape))).astype(np.float32)
    out: dict[str, float] = {}
    for tag, inp in (("clean", x), ("noisy", noisy)):
        d = model.predict_distribution(inp, frequencies=model.frequencies)
        mean = np.asarray(d["mean"], dtype=np.float64).reshape(-1)
        out[f"rms_{tag}"] = float(np.sqrt(np.mean((mean - y) ** 2)))
        out[f"bias_{tag}"] = float(np.mean(mean - y))
        if "std" in d:
            s = np.asarray(d["std"], dtype=np.float64).reshape(-1)
            out[f"sharpness_{tag}"] = float(np.sqrt(np.mean(s**2)))
            if "quantiles" in d:
                lo, hi = d["quantiles"][:, 0], d["quantiles"][:, -1]
            else:
                lo, hi = mean - s, mean + s
            out[f"coverage68_{tag}"] = float(np.mean((y >= lo) & (y <= hi)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--models", default="mlp,mdn", help="comma list: mlp, mdn, sae:<preset>")
    ap.add_argument("--inputs", default="all", help="'all' (phase+group) or 'phase'")
    ap.add_argument("--n-test", type=int, default=120_000)
    ap.add_argument("--n-train", type=int, default=0, help="0: all the rest")
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=512)
    ap.add_argument("--hidden", default="256,256,128")
    ap.add_argument("--noise", type=float, default=0.005)
    ap.add_argument("--gpus", type=int, default=0)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from geoinvert.train import (
        fit_mdn,
        fit_mlp,
        fit_sae,
        open_training_data,
        relative_gaussian_noise,
        save_model,
    )
    from geoinvert.train.crust import TABLE1_PRESETS

    td = open_training_data(args.data, "crust")
    if args.inputs != "all":
        td = td.select_inputs(args.inputs)
    n = len(td)
    train, test = td.split(args.n_test / n, seed=args.seed)
    if args.n_train:
        train, _ = train.split(1.0 - args.n_train / len(train), seed=args.seed)
    x_test, y_test = _arrays(test)
    trainer = {"accelerator": "gpu" if args.gpus else "cpu", "devices": args.gpus or 1}
    trainer["precision"] = "16-mixed" if args.gpus else "32-true"
    hidden = tuple(int(h) for h in args.hidden.split(","))
    aug = relative_gaussian_noise(args.noise)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in args.models.split(","):
        kind, _, preset = spec.partition(":")
        kw: dict[str, Any] = {
            "out_dir": args.out / spec.replace(":", "_"),
            "seed": args.seed,
            "trainer": trainer,
            "input_noise": aug,
            **train.meta(),
        }
        t0 = time.perf_counter()
        if kind == "mlp":
            module = fit_mlp(train, hidden=hidden, epochs=args.epochs, batch_size=args.batch_size,
                             normalization=td.normalization, **kw)  # fmt: skip
        elif kind == "mdn":
            module = fit_mdn(train, hidden=hidden, epochs=args.epochs, batch_size=args.batch_size,
                             normalization=td.normalization, **kw)  # fmt: skip
        elif kind == "sae":
            cfg = TABLE1_PRESETS[preset or "t1_12"].with_epochs(args.epochs, args.epochs)
            module = fit_sae(train, config=cfg, **kw)
        else:
            raise SystemExit(f"unknown model {spec!r}")
        wall = time.perf_counter() - t0
        save_model(args.out / f"{spec.replace(':', '_')}.pt", module)
        row = {
            "model": spec,
            "inputs": args.inputs,
            "n_train": len(train),
            "n_test": len(test),
            "epochs": args.epochs,
            "train_s": round(wall, 1),
            "train_samples_per_s": round(len(train) * args.epochs / wall),
            **score(module, x_test, y_test, args.noise, args.seed + 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
        (args.out / "results.json").write_text(json.dumps(rows, indent=1))
    keys = list(rows[0])
    for r in rows[1:]:
        keys += [k for k in r if k not in keys]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        cells = [f"{r[k]:.3f}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys]
        lines.append("| " + " | ".join(cells) + " |")
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
