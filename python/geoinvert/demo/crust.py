"""Demo pipeline 1: crustal thickness from Rayleigh phase velocities (eastern Tibet).

generate (crust prior → phase velocities at 21 frequencies, 10-35 mHz) → train an MDN and the
paper's sSAE → invert CRUST1.0-derived "observed" velocities of eastern Tibet (0.5 % noise) →
compare with CRUST1.0 (r, RMS), Eq. 4 phase-velocity errors, and a Monte Carlo baseline at one
grid point. Units: km, km/s, Hz.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from .common import generate_store, trainer_options
from .scales import Scale
from .steps import StepRunner

__all__ = ["run_crust"]

log = logging.getLogger(__name__)

NOISE = 0.005  # relative phase-velocity noise of the "observations" and of training augmentation

MC_PRIOR = (
    "the training prior's two-layer member (Moho, Vs, Vp/Vs and mantle ranges as trained; "
    "no 3-layer crusts, no density perturbation)"
)


def _generate(folder: str, n: int, seed: int, scheduler: str | None, workers: int | None) -> dict:
    from ..data import CrustDispersionTask

    task = CrustDispersionTask(group_frequencies=())
    store = Path(folder) / "crust.zarr"
    chunk = max(500, n // 40)
    return generate_store(
        task, n, store, chunk=chunk, seed=seed, scheduler=scheduler, workers=workers
    )


def _train(folder: str, epochs: int, sae_epochs: list[int], seed: int, gpus: int | None) -> dict:
    from ..nn import PAPER_SELECTED_PRESET, TABLE1_PRESETS
    from ..train import (
        fit_mdn,
        fit_sae,
        load_model,
        open_training_data,
        relative_gaussian_noise,
        save_model,
    )

    folder_p = Path(folder)
    trainer = trainer_options(gpus)
    td = open_training_data(folder_p / "crust.zarr", "crust")
    train, test = td.split(0.25, seed=seed)
    aug = relative_gaussian_noise(NOISE)
    out: dict[str, Any] = {"n_train": len(train), "n_test": len(test)}
    rng = np.random.default_rng(seed + 1)
    noisy_test = test.inputs * (1 + NOISE * rng.standard_normal(test.inputs.shape))
    truth = test.targets.reshape(-1)

    start = time.perf_counter()
    mdn = fit_mdn(
        train,
        epochs=epochs,
        out_dir=folder_p / "runs" / "crust_mdn",
        seed=seed,
        trainer=trainer,
        normalization=td.normalization,
        input_noise=aug,
        **train.meta(),
    )
    out["mdn_train_s"] = time.perf_counter() - start
    save_model(folder_p / "crust_mdn.pt", mdn, extra={"input_noise_relative": NOISE})
    dist = load_model(folder_p / "crust_mdn.pt").predict_distribution(
        noisy_test, frequencies=td.frequencies
    )
    err = np.asarray(dist["mean"]).reshape(-1) - truth
    q = np.asarray(dist["quantiles"])
    out["mdn_rms_km"] = float(np.sqrt(np.mean(err**2)))
    out["mdn_coverage_68"] = float(np.mean((truth >= q[:, 0]) & (truth <= q[:, -1])))

    cfg = TABLE1_PRESETS[PAPER_SELECTED_PRESET].with_epochs(*sae_epochs)
    start = time.perf_counter()
    sae = fit_sae(
        train,
        config=cfg,
        out_dir=folder_p / "runs" / "crust_sae",
        seed=seed,
        trainer=trainer,
        input_noise=aug,
        **train.meta(),
    )
    out["sae_train_s"] = time.perf_counter() - start
    save_model(folder_p / "crust_sae.pt", sae, extra={"input_noise_relative": NOISE})
    pred = load_model(folder_p / "crust_sae.pt").predict(noisy_test, frequencies=td.frequencies)
    out["sae_preset"] = PAPER_SELECTED_PRESET
    out["sae_rms_km"] = float(np.sqrt(np.mean((np.asarray(pred).reshape(-1) - truth) ** 2)))
    return out


def _invert(folder: str, seed: int) -> dict:
    from ..data.tasks import CRUST_FREQUENCIES
    from ..earth import crust1
    from ..invert.crust import (
        compare_maps,
        crust1_phase_velocities,
        invert_crust,
        relative_phase_error,
    )
    from ..io import write_thickness_netcdf
    from ..nn import PAPER_SELECTED_PRESET
    from ..train import load_model
    from .figures import crust_figures

    folder_p = Path(folder)
    region = crust1.load_region()
    f = np.asarray(CRUST_FREQUENCIES)
    observed = crust1_phase_velocities(region, f, noise=NOISE, seed=seed)
    model = load_model(folder_p / "crust_mdn.pt")
    start = time.perf_counter()
    inv = invert_crust(model, f, observed, lon=region.lon, lat=region.lat)
    network_s = time.perf_counter() - start
    truth = region.crustal_thickness
    stats = compare_maps(inv.mean, truth)
    predicted = crust1_phase_velocities(region, f, moho=np.clip(inv.mean, 5, None))
    eq4 = relative_phase_error(predicted, observed)
    write_thickness_netcdf(
        folder_p / "crust_thickness.nc",
        region.lon,
        region.lat,
        inv,
        title="geoinvert demo: crustal thickness of eastern Tibet from Rayleigh phase velocities "
        "(MDN)",
    )
    crust_figures(folder_p, region, inv, truth, eq4, f, observed, predicted)
    coverage = float(np.mean((truth >= inv.q16) & (truth <= inv.q84)))
    # The paper's Table 1 columns G and H (RMS misfit and correlation against a reference
    # crustal model on the same grid) for every network trained here; CRUST1.0 is the only
    # reference model available offline (and the source of these synthetic observations).
    table1 = {"MDN": stats}
    sae_path = folder_p / "crust_sae.pt"
    if sae_path.exists():
        sae = load_model(sae_path)
        table1[f"sSAE {PAPER_SELECTED_PRESET}"] = compare_maps(
            np.asarray(sae.predict(observed, frequencies=f)).reshape(-1), truth
        )
    return {
        "table1_vs_crust1": table1,
        **{f"crust1_{k}": v for k, v in stats.items()},
        "network_seconds_region": network_s,
        "coverage_68_vs_crust1": coverage,
        "eq4_median": float(np.median(eq4)),
        "eq4_p95": float(np.quantile(eq4, 0.95)),
        "out_of_distribution": int(inv.out_of_distribution.sum()),
        "n_cells": region.n_cells,
    }


def _monte_carlo(folder: str, steps: int, n_initial: int, seed: int) -> dict:
    from ..data.tasks import CRUST_FREQUENCIES
    from ..earth import crust1
    from ..invert.crust import crust1_phase_velocities, invert_crust, mc_invert_point
    from ..train import load_model

    region = crust1.load_region()
    f = np.asarray(CRUST_FREQUENCIES)
    cell = int(np.argmin(np.hypot(region.lon - 103.5, region.lat - 30.5)))  # central cell
    observed = crust1_phase_velocities(region, f, noise=NOISE, seed=seed)[cell]
    log.info(
        "Monte Carlo baseline at %.1f E %.1f N: %d steps", region.lon[cell], region.lat[cell], steps
    )
    mc = mc_invert_point(
        f, observed, sigma=NOISE, n_steps=steps, n_initial=n_initial, seed=seed, progress=True
    )
    net = invert_crust(load_model(Path(folder) / "crust_mdn.pt"), f, observed[None, :])
    diff = abs(mc["mean"] - float(net.mean[0]))
    joint = float(np.hypot(mc["std"], net.std[0]))
    return {
        "cell": cell,
        "lon": float(region.lon[cell]),
        "lat": float(region.lat[cell]),
        "crust1_km": float(region.crustal_thickness[cell]),
        "mc": mc,
        "mc_prior": MC_PRIOR,
        "mc_seconds_region_estimate": mc["seconds"] * region.n_cells,
        "network_mean_km": float(net.mean[0]),
        "network_std_km": float(net.std[0]),
        "agree_within_uncertainty": bool(diff <= joint),
    }


def run_crust(
    runner: StepRunner,
    scale: Scale,
    *,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    gpus: int | None = None,
) -> dict[str, Any]:
    """Run (or reuse) the crust pipeline's steps; return their summaries."""
    folder = str(runner.folder)
    gen = runner.run(
        "crust_generate",
        _generate,
        folder=folder,
        n=scale.crust_samples,
        seed=seed,
        scheduler=scheduler,
        workers=workers,
    )
    train = runner.run(
        "crust_train",
        _train,
        folder=folder,
        epochs=scale.crust_epochs,
        sae_epochs=list(scale.sae_epochs),
        seed=seed,
        gpus=gpus,
    )
    inv = runner.run("crust_invert", _invert, folder=folder, seed=seed)
    mc = runner.run(
        "crust_monte_carlo",
        _monte_carlo,
        folder=folder,
        steps=scale.mc_steps,
        n_initial=scale.mc_initial,
        seed=seed,
    )
    return {"generate": gen, "train": train, "invert": inv, "monte_carlo": mc}
