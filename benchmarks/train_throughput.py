"""Training throughput (samples/s per epoch) of geoinvert's networks on random tensors.

Not a pytest-benchmark: it measures whole Lightning epochs (data loading, optimiser, logging,
checkpointing included), which is what a user waits for. Random inputs of the real shapes:
crust 21 phase velocities (km/s) -> 1 thickness (km); MT (C, 60, 121) -> (60, 121).

    python benchmarks/train_throughput.py --task sae --n 50000 --epochs 2
    python benchmarks/train_throughput.py --task unet --n 64 --width 0.125 --epochs 2
    python benchmarks/train_throughput.py --task all --accelerator gpu   # on a GPU machine

Prints one JSON line per measurement: task, stage, batch size, device, precision, samples/s of
the fastest measured epoch (the first epoch is a warm-up and not counted when epochs > 1).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

from geoinvert.nn import TABLE1_PRESETS, MTUNet
from geoinvert.train import Normalization, RegressionModule, SAEPretrainModule
from geoinvert.train.data import ArrayDataset
from geoinvert.train.fit import run_fit


class EpochTimer(Callback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self._t0 = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        self.times.append(time.perf_counter() - self._t0)


def measure(module, train, val, *, epochs, batch_size, trainer_opts, out):
    timer = EpochTimer()
    opts = dict(trainer_opts)
    opts.setdefault("callbacks", [])
    opts["callbacks"] = [*opts["callbacks"], timer]
    run_fit(module, train, val, out_dir=out, max_epochs=epochs, batch_size=batch_size, trainer=opts)
    times = timer.times[1:] if len(timer.times) > 1 else timer.times
    return len(train) / min(times), timer.times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", choices=["sae", "unet", "all"], default="all")
    p.add_argument("--n", type=int, default=None, help="training samples")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--preset", default="t1_12")
    p.add_argument("--batch-sizes", default=None, help="comma list (SAE default: preset's,1000)")
    p.add_argument("--width", type=float, default=0.125)
    p.add_argument("--channels", type=int, default=2)
    p.add_argument("--unet-batch", type=int, default=8)
    p.add_argument("--accelerator", default="cpu")
    p.add_argument("--precision", default=None)
    p.add_argument("--threads", type=int, default=None)
    a = p.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    opts = {
        "accelerator": a.accelerator,
        "devices": 1,
        "precision": a.precision,
        "progress_bar": False,
        "patience": None,
        "monitor": None,
    }
    from geoinvert.train.trainer import auto_precision

    precision = a.precision or auto_precision(a.accelerator)
    device = torch.cuda.get_device_name(0) if a.accelerator in ("gpu", "cuda") else "cpu"
    rng = np.random.default_rng(0)
    tmp = Path(tempfile.mkdtemp(prefix="gi_bench_"))

    def emit(**kw):
        kw.update(device=device, precision=precision, threads=torch.get_num_threads())
        print(json.dumps(kw), flush=True)

    if a.task in ("sae", "all"):
        n = a.n or 50_000
        x = rng.uniform(3.0, 4.5, (n, 21)).astype(np.float32)
        y = rng.uniform(20, 100, n).astype(np.float32)
        train, val = ArrayDataset(x, y), ArrayDataset(x[:1000], y[:1000])
        norm = Normalization.from_data(x, y, input_method="minmax")
        cfg = TABLE1_PRESETS[a.preset]
        sizes = (
            [int(b) for b in a.batch_sizes.split(",")] if a.batch_sizes else [cfg.batch_size, 1000]
        )
        from geoinvert.nn import StackedSparseAutoEncoder

        for bs in sizes:
            net = StackedSparseAutoEncoder(cfg)
            for k in range(cfg.n_hidden):
                sps, t = measure(
                    SAEPretrainModule(net, k, norm),
                    train,
                    val,
                    epochs=a.epochs,
                    batch_size=bs,
                    trainer_opts=opts,
                    out=tmp / f"p{bs}_{k}",
                )
                emit(
                    task="sae",
                    preset=a.preset,
                    stage=f"pretrain_layer{k}",
                    batch=bs,
                    n=n,
                    samples_per_s=round(sps),
                    epoch_s=[round(v, 2) for v in t],
                )
            net.set_decoders_trainable(False)
            sps, t = measure(
                RegressionModule(net, norm),
                train,
                val,
                epochs=a.epochs,
                batch_size=bs,
                trainer_opts=opts,
                out=tmp / f"f{bs}",
            )
            emit(
                task="sae",
                preset=a.preset,
                stage="finetune",
                batch=bs,
                n=n,
                samples_per_s=round(sps),
                epoch_s=[round(v, 2) for v in t],
            )

    if a.task in ("unet", "all"):
        n = a.n if a.task == "unet" and a.n else 64
        x = rng.standard_normal((n, a.channels, 60, 121)).astype(np.float32)
        y = rng.standard_normal((n, 60, 121)).astype(np.float32)
        train, val = ArrayDataset(x, y), ArrayDataset(x[:8], y[:8])
        norm = Normalization.from_data(x, y, input_axes=(0, 2, 3), target_axes="all")
        net = MTUNet(a.channels, width=a.width)
        sps, t = measure(
            RegressionModule(net, norm),
            train,
            val,
            epochs=a.epochs,
            batch_size=a.unet_batch,
            trainer_opts=opts,
            out=tmp / "unet",
        )
        emit(
            task="unet",
            width=a.width,
            channels=a.channels,
            batch=a.unet_batch,
            n=n,
            samples_per_s=round(sps, 1),
            epoch_s=[round(v, 2) for v in t],
        )


if __name__ == "__main__":
    main()
