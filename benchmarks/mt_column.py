"""One-station MT column network (issue 6, "mt"): train it on cheap 1-D columns of the section
prior and score it as an estimator on its own.

Scores (log10-resistivity RMS, log10 Ω·m, at the training noise, default 2.5 % of the impedance;
``--layered`` trains on body-free columns, a background network for the U-Net's lateral channel):

* fresh 1-D columns of the full prior (bodies included) and of the layered prior alone (no
  bodies; compare with the one-station Bayes floor of ``mt_floor.py --copies 2``, 0.247);
* the held-out sections of an MT store (true 2-D TE/TM data): the column under every station
  estimated from that station alone, all held-out sections and the body-free ones.

Usage::

    python benchmarks/mt_column.py --data mt1000.zarr --out runs/mt_column --columns 1000000

Writes ``results.json`` and the artefact ``mt_column.pt`` into ``--out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

Z_NOISE = 0.025


def rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, required=True, help="MT store (its held-out split)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--columns", type=int, default=1_000_000)
    ap.add_argument("--hidden", type=int, nargs="+", default=[384, 384, 384])
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--noise", type=float, default=Z_NOISE, help="relative impedance noise (train and score)"
    )
    ap.add_argument(
        "--layered", action="store_true", help="train on body-free columns only (background net)"
    )
    a = ap.parse_args()

    import torch
    from mt_learning import store_prior

    from geoinvert.train import fit_mt_column_net, open_training_data, sample_mt_columns, save_model
    from geoinvert.train.augment import MTImpedanceNoise

    torch.set_num_threads(a.threads)
    a.out.mkdir(parents=True, exist_ok=True)
    td = open_training_data(a.data, "mt")
    prior = store_prior(td)
    train_prior = dataclasses.replace(prior, n_bodies=(0, 0)) if a.layered else prior
    f = np.asarray(td.frequencies, dtype=float)
    rng = np.random.default_rng(a.seed + 100)
    t0 = time.perf_counter()
    train = sample_mt_columns(rng, a.columns, f, train_prior, n_threads=a.threads)
    val = sample_mt_columns(rng, 20_000, f, train_prior, n_threads=a.threads)
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    module = fit_mt_column_net(
        train, val, frequencies=f, prior=train_prior.to_dict(), hidden=a.hidden,
        z_relative=a.noise, epochs=a.epochs, batch_size=a.batch_size, lr=a.lr,
        out_dir=a.out / "fit", seed=a.seed,
    )  # fmt: skip
    t_fit = time.perf_counter() - t0
    save_model(a.out / "mt_column.pt", module)
    noise = MTImpedanceNoise(a.noise)
    module.eval()

    def predict(x: np.ndarray) -> np.ndarray:
        out = []
        with torch.no_grad():
            for xb in torch.from_numpy(np.asarray(x, dtype=np.float32)).split(8192):
                xn = module.norm_x(noise(xb))
                out.append(module.network(xn) * module.target_scale + module.target_shift)
        return torch.cat(out).numpy()

    torch.manual_seed(a.seed + 5)
    test_rng = np.random.default_rng(a.seed + 200)
    x_full, y_full = sample_mt_columns(test_rng, 20_000, f, prior, n_threads=a.threads)
    layered = dataclasses.replace(prior, n_bodies=(0, 0))
    x_lay, y_lay = sample_mt_columns(test_rng, 20_000, f, layered, n_threads=a.threads)
    res = {
        "columns": a.columns,
        "layered": a.layered,
        "noise": a.noise,
        "hidden": a.hidden,
        "epochs": a.epochs,
        "generate_s": t_gen,
        "fit_s": t_fit,
        "train_samples_per_s": a.columns * a.epochs / t_fit,
        "rms_1d_full_prior": rms(predict(x_full), y_full),
        "rms_1d_layered_prior": rms(predict(x_lay), y_lay),
        "rms_1d_mean_column_full_prior": rms(train[1].mean(0), y_full),
    }
    # held-out 2-D sections, every station on its own
    _, test = td.split(0.2, seed=0)
    xs, ys = np.asarray(test.inputs, dtype=np.float32), np.asarray(test.targets)
    n, c, nf, ns = xs.shape
    per_station = xs.transpose(0, 3, 1, 2).reshape(n * ns, c, nf)
    pred = predict(per_station).reshape(n, ns, -1).transpose(0, 2, 1)
    n_bodies = np.asarray(test.params)[:, prior.param_names.index("n_bodies")]
    free = n_bodies == 0
    res.update({
        "store": str(a.data),
        "held_out_sections": int(n),
        "rms_2d_sections_one_station": rms(pred, ys),
        "rms_2d_body_free_one_station": rms(pred[free], ys[free]) if free.any() else None,
        "rms_2d_with_bodies_one_station": rms(pred[~free], ys[~free]),
        "body_free_sections": int(free.sum()),
    })  # fmt: skip
    (a.out / "results.json").write_text(json.dumps(res, indent=2))
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
