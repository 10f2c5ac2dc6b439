"""``geoinvert train {crust,rf,mt,mt-column}``: train the networks on a generated store.

Registered on the main app by :mod:`geoinvert.cli`. Only typer is imported here; torch and
Lightning are imported inside the commands, so ``import geoinvert.cli`` stays light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

__all__ = ["train_app"]

# --- geoinvert train {crust,rf,mt} ------------------------------------------------------------
train_app = typer.Typer(
    help="Train the networks on a generated store (see `geoinvert generate`).",
    no_args_is_help=True,
)


def _trainer_options(gpus: int | None, nodes: int) -> dict:
    """--gpus: None = auto (GPU if present), 0 = CPU, N = N GPUs (DDP when N > 1 or nodes > 1)."""
    if gpus is None:
        return {"num_nodes": nodes}
    if gpus == 0:
        return {"accelerator": "cpu", "devices": 1}
    return {
        "accelerator": "gpu",
        "devices": gpus,
        "num_nodes": nodes,
        "strategy": "ddp" if gpus > 1 or nodes > 1 else "auto",
    }


def _epochs(epochs: int | None) -> dict[str, Any]:
    return {} if epochs is None else {"epochs": epochs}


_STORE_KEYS = (
    "task",
    "config",
    "format",
    "seed",
    "version",
    "n",
    "group_frequencies",
    "stations_km",
    "input_names",
    "input_units",
    "target_names",
    "target_units",
)


def _store_summary(store: Path, attrs: dict) -> dict:
    """What the artefact records about the training store (JSON-like values only)."""
    return {"store": str(store), **{k: attrs[k] for k in _STORE_KEYS if k in attrs}}


_DATA = typer.Option(..., "--data", help="Zarr v3 store written by `geoinvert generate`.")
_OUT = typer.Option(..., "--out", help="Model artefact to write (.pt); a folder for --sweep.")
_EPOCHS = typer.Option(None, "--epochs", help="Override the number of epochs.")
_GPUS = typer.Option(None, "--gpus", help="GPUs per node (0 = CPU; default: auto).")
_NODES = typer.Option(1, "--nodes", help="Nodes for multi-node DDP.")
_SHIFTED = typer.Option(None, "--shifted", help="Shifted-prior test store (with --sweep).")
_RESUME = typer.Option(
    None, "--resume", help="Checkpoint (.ckpt) to resume from (SAE: its fine-tuning stage)."
)
_SEED = typer.Option(0, "--seed", help="Seed (splits, initialisation, batches).")
_RUNS = typer.Option(
    None, "--runs", help="Folder for checkpoints and logs (default: next to --out)."
)


@train_app.command("crust")
def train_crust(
    data: Path = _DATA,
    out: Path = _OUT,
    model: str = typer.Option("sae", "--model", help="sae, mlp, mdn or ensemble."),
    preset: str = typer.Option("t1_12", "--preset", help="SAE preset (t1_01 ... t1_12)."),
    epochs: int | None = _EPOCHS,
    gpus: int | None = _GPUS,
    nodes: int = _NODES,
    sweep: str | None = typer.Option(
        None, "--sweep", help="'table1': train and score all presets."
    ),
    shifted: Path | None = _SHIFTED,
    test_fraction: float = typer.Option(0.25, "--test-fraction", help="Held-out fraction (3:1)."),
    noise: float = typer.Option(0.005, "--noise", help="Relative input noise at training time."),
    inputs: str = typer.Option(
        "all", "--inputs", help="'all' or an input-name prefix, e.g. 'phase' (the study's 21)."
    ),
    seed: int = _SEED,
    runs: Path | None = _RUNS,
    resume: Path | None = _RESUME,
) -> None:
    """Crustal thickness (km) from Rayleigh phase velocities (km/s): sSAE, MLP, MDN, ensemble."""
    from geoinvert.train import (
        fit_ensemble,
        fit_mdn,
        fit_mlp,
        fit_sae,
        open_training_data,
        relative_gaussian_noise,
        rms_error,
        save_model,
        sweep_table1,
    )
    from geoinvert.train.crust import TABLE1_PRESETS

    opts = _trainer_options(gpus, nodes)
    td = open_training_data(data, "crust")
    if inputs != "all":
        td = td.select_inputs(inputs)
    train, test = td.split(test_fraction, seed=seed)
    if sweep is not None:
        if sweep != "table1":
            raise typer.BadParameter(
                f"unknown sweep {sweep!r} (known: table1)", param_hint="--sweep"
            )
        shifted_td = open_training_data(shifted, "crust") if shifted is not None else None
        if shifted_td is not None and inputs != "all":
            shifted_td = shifted_td.select_inputs(inputs)
        rows = sweep_table1(
            train,
            test,
            shifted_td,
            epochs=epochs,
            out_dir=out,
            seed=seed,
            trainer=opts,
            **train.meta(),
        )
        typer.echo((out / "table1.md").read_text())
        typer.echo(f"{len(rows)} models; table in {out / 'table1.csv'}")
        return
    run_dir = runs or out.with_suffix("")
    kw = {
        "ckpt_path": resume,
        "out_dir": run_dir,
        "seed": seed,
        "trainer": opts,
        "normalization": td.normalization,
        **train.meta(),
    }
    aug = relative_gaussian_noise(noise) if noise > 0 else None
    module: Any
    if model == "sae":
        if preset not in TABLE1_PRESETS:
            raise typer.BadParameter(f"unknown preset {preset!r}", param_hint="--preset")
        cfg = TABLE1_PRESETS[preset]
        if epochs is not None:
            cfg = cfg.with_epochs(epochs, epochs)
        kw.pop("normalization")  # the SAE needs its own min-max input scaling
        module = fit_sae(train, config=cfg, input_noise=aug, **kw)
    elif model in ("mlp", "mdn"):
        fit = fit_mlp if model == "mlp" else fit_mdn
        module = fit(train, input_noise=aug, **_epochs(epochs), **kw)
    elif model == "ensemble":
        if kw.pop("ckpt_path") is not None:
            raise typer.BadParameter("cannot resume a whole ensemble", param_hint="--resume")
        module = fit_ensemble(train, input_noise=aug, **_epochs(epochs), **kw)
    else:
        raise typer.BadParameter(f"unknown model {model!r}", param_hint="--model")
    # The training noise is what invert_crust subtracts from an observation's sigma.
    extra = {**_store_summary(data, td.attrs), "input_noise_relative": noise}
    save_model(out, module, extra=extra)
    msg = f"test RMS {rms_error(module, test):.3f} km (noise-free inputs)"
    if noise > 0:  # the same relative Gaussian noise as in training, seeded
        import numpy as np

        rng = np.random.default_rng(seed + 1)
        noisy = test.inputs * (1.0 + noise * rng.standard_normal(test.inputs.shape))
        rms_noisy = rms_error(module, (noisy.astype(np.float32), test.targets))
        msg += f", {rms_noisy:.3f} km ({100 * noise:g} % input noise)"
    typer.echo(f"{msg} on {len(test)} held-out models; model written to {out}")


@train_app.command("rf")
def train_rf(
    data: Path = _DATA,
    out: Path = _OUT,
    epochs: int | None = _EPOCHS,
    gpus: int | None = _GPUS,
    nodes: int = _NODES,
    image: bool = typer.Option(False, "--image/--trace", help="2-D CNN on stacked RF images."),
    aux_depth: bool = typer.Option(True, "--depth/--no-depth", help="Auxiliary depth head."),
    test_fraction: float = typer.Option(0.25, "--test-fraction", help="Held-out fraction."),
    seed: int = _SEED,
    runs: Path | None = _RUNS,
    resume: Path | None = _RESUME,
) -> None:
    """X-discontinuity classifier (present/absent + depth in km) on receiver functions."""
    import numpy as np

    from geoinvert.train import as_trained_model, fit_rf_classifier, open_training_data, save_model
    from geoinvert.train.modules import binary_auc

    td = open_training_data(data, "rf")
    train, test = td.split(test_fraction, seed=seed)
    module = fit_rf_classifier(
        train,
        image=image,
        aux_depth=aux_depth,
        out_dir=runs or out.with_suffix(""),
        seed=seed,
        trainer=_trainer_options(gpus, nodes),
        ckpt_path=resume,
        prior=td.attrs.get("config"),
        **_epochs(epochs),
    )
    save_model(out, module, extra=_store_summary(data, td.attrs))
    import torch

    p = as_trained_model(module).predict(test.inputs)
    lab = test.targets[:, 0] > 0.5
    acc = float(np.mean((p > 0.5) == lab))
    auc = binary_auc(torch.as_tensor(p), torch.as_tensor(lab))
    typer.echo(f"held-out accuracy {acc:.3f}, ROC-AUC {auc:.3f} on {len(test)}; model in {out}")


_COLUMN = typer.Option(
    None,
    "--column",
    help="One-station column-network artefact (`geoinvert train mt-column`) whose per-station "
    "estimate becomes a frozen input channel; it must expect the store's frequencies (Hz).",
)


_COLUMN_BACKGROUND = typer.Option(
    None,
    "--column-background",
    help="With --column: a second column-network artefact (e.g. `train mt-column --layered`) "
    "that reads the profile's median sounding; implies --column-lateral.",
)


def _column_model(path: Path, frequencies: Any, hint: str) -> Any:
    """A column-network artefact, refused before training (the check fit_mt_unet makes) when
    it expects other frequencies (Hz) than the store's."""
    from geoinvert.train import load_model
    from geoinvert.train.mt import check_column_frequencies

    model = load_model(path)
    try:
        check_column_frequencies(model, frequencies)
    except ValueError as err:
        raise typer.BadParameter(f"{path}: {err}", param_hint=hint) from err
    return model


@train_app.command("mt")
def train_mt(
    data: Path = _DATA,
    out: Path = _OUT,
    epochs: int | None = _EPOCHS,
    gpus: int | None = _GPUS,
    nodes: int = _NODES,
    width: float = typer.Option(0.125, "--width", help="U-Net width factor (1 = 64...1024)."),
    batch_size: int = typer.Option(8, "--batch-size", help="Sections per batch."),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Held-out fraction."),
    bostick: bool = typer.Option(
        True,
        "--bostick/--no-bostick",
        help="Add Niblett-Bostick depth-mapped input channels (needs the prior's depth, km).",
    ),
    column: Path | None = _COLUMN,
    column_lateral: bool = typer.Option(
        False,
        "--column-lateral/--no-column-lateral",
        help="With --column: also the column network's estimate from the profile's median "
        "sounding (the layered background) as an input channel.",
    ),
    column_background: Path | None = _COLUMN_BACKGROUND,
    seed: int = _SEED,
    runs: Path | None = _RUNS,
    resume: Path | None = _RESUME,
) -> None:
    """MT U-Net: TE/TM log10 ρa and phase sections → log10 resistivity (Ω·m) section."""
    from geoinvert.train import fit_mt_unet, open_training_data, rms_error, save_model

    td = open_training_data(data, "mt")
    prior = td.meta()["prior"]
    if bostick and not (isinstance(prior, dict) and "depth" in prior):
        raise typer.BadParameter(
            f"{data}: the store's prior gives no section depth (km); use --no-bostick",
            param_hint="--bostick",
        )
    column_model, lateral = None, column_lateral
    if column is not None:
        column_model = _column_model(column, td.frequencies, "--column")
        if column_background is not None:
            lateral = _column_model(column_background, td.frequencies, "--column-background")
    elif column_lateral or column_background is not None:
        raise typer.BadParameter("needs --column MODEL", param_hint="--column-lateral")
    train, test = td.split(test_fraction, seed=seed)
    module = fit_mt_unet(
        train,
        width=width,
        bostick=bostick,
        column=column_model,
        column_lateral=lateral,
        batch_size=batch_size,
        out_dir=runs or out.with_suffix(""),
        seed=seed,
        trainer=_trainer_options(gpus, nodes),
        ckpt_path=resume,
        normalization=td.normalization,
        **_epochs(epochs),
        **train.meta(),
    )
    save_model(out, module, extra=_store_summary(data, td.attrs))
    typer.echo(
        f"held-out log10-resistivity RMS {rms_error(module, test):.3f} on {len(test)} "
        f"sections; model in {out}"
    )


_COLUMN_DATA = typer.Option(
    ..., "--data", help="MT store whose prior and frequencies (Hz) the columns follow."
)


@train_app.command("mt-column")
def train_mt_column(
    data: Path = _COLUMN_DATA,
    out: Path = _OUT,
    columns: int = typer.Option(1_000_000, "--columns", help="1-D training columns to draw."),
    hidden: str = typer.Option("384,384,384", "--hidden", help="Hidden widths, comma-separated."),
    epochs: int = typer.Option(10, "--epochs", help="Epochs."),
    batch_size: int = typer.Option(1024, "--batch-size", help="Columns per batch."),
    lr: float = typer.Option(2e-3, "--lr", help="Peak learning rate (cosine schedule)."),
    noise: float = typer.Option(0.025, "--noise", help="Relative impedance noise per batch."),
    layered: bool = typer.Option(
        False, "--layered", help="Body-free columns only (a background network, low --noise)."
    ),
    gpus: int | None = _GPUS,
    nodes: int = _NODES,
    seed: int = _SEED,
    runs: Path | None = _RUNS,
    resume: Path | None = _RESUME,
) -> None:
    """One-station MT column network (for `geoinvert train mt --column`): TE/TM log10 ρa and
    phase at one station → log10 resistivity (Ω·m) column, trained on 1-D columns of the
    store's section prior (layers and bodies; only layers with --layered)."""
    import dataclasses

    import numpy as np

    from geoinvert.earth.priors import MTSectionPrior
    from geoinvert.train import fit_mt_column_net, open_training_data, sample_mt_columns, save_model

    try:
        widths = [int(v) for v in hidden.split(",") if v.strip()]
    except ValueError as err:
        raise typer.BadParameter(f"{hidden!r}: {err}", param_hint="--hidden") from err
    if not widths or min(widths) < 1:
        raise typer.BadParameter(f"{hidden!r}: need positive widths", param_hint="--hidden")
    if columns < 1:
        raise typer.BadParameter(f"{columns}: need at least one column", param_hint="--columns")
    td = open_training_data(data, "mt")
    rec = td.attrs.get("prior")
    if not isinstance(rec, dict):
        raise typer.BadParameter(f"{data}: the store records no MT prior", param_hint="--data")
    prior = MTSectionPrior.from_dict(rec)
    if layered:
        prior = dataclasses.replace(prior, n_bodies=(0, 0))
    f = np.asarray(td.frequencies, dtype=float)
    rng = np.random.default_rng(seed + 100)  # a fixed draw: --resume sees the same columns
    train = sample_mt_columns(rng, columns, f, prior)
    val = sample_mt_columns(rng, max(1000, min(20_000, columns // 50)), f, prior)
    module = fit_mt_column_net(
        train,
        val,
        frequencies=f,
        prior=prior.to_dict(),
        hidden=widths,
        z_relative=noise,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        out_dir=runs or out.with_suffix(""),
        seed=seed,
        trainer=_trainer_options(gpus, nodes),
        ckpt_path=resume,
    )
    save_model(out, module, extra=_store_summary(data, td.attrs))
    import torch

    from geoinvert.train import rms_error
    from geoinvert.train.augment import MTImpedanceNoise

    x_te, y_te = sample_mt_columns(np.random.default_rng(seed + 200), 5000, f, prior)
    torch.manual_seed(seed + 5)
    x_te = MTImpedanceNoise(noise)(torch.from_numpy(x_te)).numpy()
    typer.echo(
        f"fresh-column log10-resistivity RMS {rms_error(module, (x_te, y_te)):.3f} on "
        f"{len(y_te)} noisy columns of the prior; trained on {columns}; model in {out}"
    )
