"""Demo pipeline 3: 2-D magnetotelluric sections, U-Net versus regularised NLCG.

generate random 600 km × 180 km sections (60 × 121 cells, TE+TM ρa and phase at 121 stations)
→ train the MT U-Net → evaluate it on held-out sections with 2.5 % impedance noise → NLCG
(Rodi & Mackie 2001) on a coarse mesh for some of the same sections → table → the Paralana
field profile (15 EDI sites, 14 km) with NLCG on a mesh for that profile and with the U-Net on
data interpolated onto its training grid. Units: km, Hz, Ω·m (log10 Ω·m), degrees.

Sizes that the :class:`~geoinvert.demo.scales.Scale` does not carry are set here: the number of
training frequencies per scale (``MT_FREQUENCIES``: a 2-D forward costs ~0.1 s per frequency on
one idle core, so the CI run uses 8 and the default demo 20 of the study's 60), the NLCG
frequency subset and coarse mesh.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..train.augment import MTImpedanceNoise, mirror_mt_sections, mt_noise_sigma
from .common import generate_store, trainer_options
from .scales import Scale
from .steps import StepRunner

__all__ = [
    "MT_FREQUENCIES",
    "grid_forward",
    "nlcg_frequency_indices",
    "paralana_folder",
    "report_lines",
    "run_mt",
]

log = logging.getLogger(__name__)

#: Training frequencies (log-spaced 1e-4-1e3 Hz) per scale name; the study used 60.
MT_FREQUENCIES = {"ci": 8, "small": 20, "full": 60}
#: Relative impedance noise of the synthetic "observations": 2.5 % of |Z| gives
#: σ(log10 ρa) = 2·0.025/ln 10 = 0.0217 and σ(phase) = asin(0.025) = 1.43°.
Z_NOISE = 0.025
SIGMA = mt_noise_sigma(Z_NOISE)
#: NLCG trade-off and vertical smoothing weight (fixed, as in Rodi & Mackie's examples).
LAM, ALPHA_Z = 3.0, 1.0
#: Relative impedance error floor applied to the Paralana data.
FIELD_ERROR_FLOOR = 0.05
#: Whether the held-out NLCG runs on the U-Net's own 60 × 121 grid (the issue's "same mesh").
#: Measured for one held-out section, 10 frequencies, 20 iterations, 2 cores under load ~2.9:
#: 47 s on the 60 × 121 grid (27 462 / 25 392 FE unknowns TE/TM; RMS 11.6 → 3.1, model RMS
#: 0.68) against 3.1 s on the 14 × 30 coarse model (RMS 11.6 → 1.24, model RMS 0.71). The small
#: demo affords it (five sections: 101 s instead of 14 s on an idle 2-core machine; the whole
#: demo then takes ~7 min); ci keeps the coarse model.
NLCG_SAME_MESH = {"ci": False, "small": True, "full": True}
#: How many of the training frequencies NLCG inverts (log-evenly spread, ends included).
NLCG_FREQUENCIES = 10


def paralana_folder() -> Path | None:
    """The Paralana EDI folder: ``$GEOINVERT_PARALANA`` or the project's shared data folder."""
    from .shared_data import find_shared

    env = os.environ.get("GEOINVERT_PARALANA")
    cands = [Path(env)] if env else []
    found = find_shared("mt", "paralana_pb_edi")
    if found is not None:
        cands.append(found)
    for c in cands:
        if c.is_dir() and any(c.glob("*.edi")):
            return c
    return None


def _task(n_frequencies: int) -> Any:
    from ..data import MTSectionTask

    return MTSectionTask(n_frequencies=n_frequencies)


def _generate(
    folder: str, n: int, n_frequencies: int, seed: int, scheduler: str | None, workers: int | None
) -> dict:
    n_workers = workers or min(os.cpu_count() or 1, 8)
    out = generate_store(
        _task(n_frequencies),
        n,
        Path(folder) / "mt.zarr",
        chunk=max(1, min(50, -(-n // (3 * n_workers)))),
        seed=seed,
        scheduler=scheduler,
        workers=workers,
    )
    out["n_frequencies"] = n_frequencies
    out["seconds_per_section_wall"] = out["wall_s"] / max(out["samples"], 1)
    out["forward_seconds_per_section"] = out["worker_s"].get("forward_s", 0.0) / max(
        out["samples"], 1
    )
    return out


def _held_out(folder: str, seed: int) -> tuple[Any, Any, Any]:
    from ..train import open_training_data

    td = open_training_data(Path(folder) / "mt.zarr", "mt")
    train, test = td.split(0.2, seed=seed)
    rng = np.random.default_rng(seed + 7)
    noisy = test.inputs + SIGMA[None, :, None, None] * rng.standard_normal(test.inputs.shape)
    return td, train, (test, noisy)


def _train(folder: str, epochs: int, width: float, seed: int, gpus: int | None) -> dict:
    from ..invert.mt import invert_mt_unet
    from ..train import fit_mt_unet, load_model, save_model

    folder_p = Path(folder)
    td, train, (test, noisy) = _held_out(folder, seed)
    trainer = trainer_options(gpus)
    start = time.perf_counter()
    # a fixed tenth validates; the rest is also used mirrored (an exact symmetry of 2-D MT)
    n_val = max(1, len(train) // 10)
    x_tr, y_tr = mirror_mt_sections(train.inputs[n_val:], train.targets[n_val:])
    module = fit_mt_unet(
        (x_tr, y_tr),
        (train.inputs[:n_val], train.targets[:n_val]),
        width=width,
        epochs=epochs,
        batch_size=8,
        out_dir=folder_p / "runs" / "mt_unet",
        seed=seed,
        trainer=trainer,
        input_noise=MTImpedanceNoise(Z_NOISE),
        bostick=True,  # Bostick depth-mapped channels: 0.383 -> 0.369 on 3 720 sections
        **train.meta(),
    )
    train_s = time.perf_counter() - start
    save_model(folder_p / "mt_unet.pt", module)
    model = load_model(folder_p / "mt_unet.pt")
    start = time.perf_counter()
    pred = invert_mt_unet(model, noisy, td.frequencies)
    predict_s = (time.perf_counter() - start) / len(noisy)
    err = pred - test.targets
    per = np.sqrt(np.mean(err**2, axis=(1, 2)))
    # the trivial baseline: each held-out section predicted by the training-set mean section
    mean_rms = float(np.sqrt(np.mean((train.targets.mean(axis=0) - test.targets) ** 2)))
    return {
        "n_train": len(train) - n_val,
        "n_validation": n_val,
        "mirrored": True,
        "n_test": len(test),
        "width": width,
        "bostick": True,
        "epochs": epochs,
        "train_s": train_s,
        "predict_s_per_section": predict_s,
        "rms_log10": float(np.sqrt(np.mean(err**2))),
        "rms_log10_median_section": float(np.median(per)),
        "rms_log10_mean_model": mean_rms,
        "noise": {"z_relative": Z_NOISE, "sigma": SIGMA.tolist()},
    }


def nlcg_frequency_indices(n_frequencies: int, n: int = NLCG_FREQUENCIES) -> np.ndarray:
    """Indices of the ``n`` (at most) log-evenly spread frequencies NLCG inverts, of
    ``n_frequencies`` log-spaced training frequencies (ends included)."""
    return np.unique(np.round(np.linspace(0, n_frequencies - 1, min(n, n_frequencies))).astype(int))


def grid_forward(prior: Any, frequencies: Any) -> Any:
    """:class:`~geoinvert.mt.Forward2D` on the prior's own cells (the U-Net's 60 × 121 grid),
    stations at the column centres (km), at ``frequencies`` (Hz)."""
    from ..mt import Forward2D, build_mesh

    f = np.asarray(frequencies, dtype=float)
    mesh = build_mesh(
        np.linspace(0, prior.width, prior.nx + 1),
        np.linspace(0, prior.depth, prior.nz + 1),
        f,
        min_resistivity=prior.resistivity[0],
    )
    return Forward2D(mesh, prior.x_centres, f)


def _coarse_geometry(prior: Any) -> tuple[np.ndarray, np.ndarray]:
    """NLCG model cells for a 600 km × 180 km section: 30 columns of 20 km, 15 rows growing
    from 2 km by 1.25 (a quarter of the columns and rows of the 60 × 121 truth grid)."""
    xe = np.linspace(0.0, prior.width, 31)
    ze = np.concatenate([[0.0], np.cumsum(2.0 * 1.25 ** np.arange(40))])
    ze = np.append(ze[ze < prior.depth - 10.0], prior.depth)
    return xe, ze


def _to_fine(coarse: np.ndarray, xe: np.ndarray, ze: np.ndarray, prior: Any) -> np.ndarray:
    """Coarse cell model → the prior's 60 × 121 grid (value of the cell holding each centre)."""
    iz = np.clip(np.searchsorted(ze, prior.z_centres) - 1, 0, ze.size - 2)
    ix = np.clip(np.searchsorted(xe, prior.x_centres) - 1, 0, xe.size - 2)
    return coarse[np.ix_(iz, ix)]


def _nlcg_synthetic(
    folder: str,
    n_sections: int,
    iterations: int,
    n_frequencies: int,
    seed: int,
    same_mesh: bool = False,
) -> dict:
    from ..invert.mt import (
        invert_mt_nlcg,
        invert_mt_unet,
        observed_from_section,
        section_from_result,
    )
    from ..mt import Forward2D, build_mesh
    from ..train import load_model

    folder_p = Path(folder)
    td, _, (test, noisy) = _held_out(folder, seed)
    task = _task(n_frequencies)
    prior, f_all = task.prior, task.frequencies
    fi = nlcg_frequency_indices(f_all.size)
    f = f_all[fi]
    # Common yardstick: the task's own fine mesh (the U-Net's 60 × 121 cells) at the same
    # frequencies; with same_mesh NLCG inverts on it too.
    fine = grid_forward(prior, f)
    if same_mesh:
        xe, ze = (
            np.linspace(0, prior.width, prior.nx + 1),
            np.linspace(0, prior.depth, prior.nz + 1),
        )
        mesh, fwd = fine.mesh, fine
    else:
        xe, ze = _coarse_geometry(prior)
        mesh = build_mesh(
            xe, ze, f, min_resistivity=prior.resistivity[0], cells_per_skin_depth=4, growth=1.3,
            z_subdivide=1, x_subdivide=2,
        )  # fmt: skip
        fwd = Forward2D(mesh, prior.x_centres, f)
    model = load_model(folder_p / "mt_unet.pt")
    k = min(n_sections, len(test))
    sig = SIGMA[:, None, None] * np.ones((4, f.size, prior.nx))
    w = observed_from_section(1.0 / sig**2)
    rows: list[dict[str, Any]] = []
    keep: dict[str, list[np.ndarray]] = {"truth": [], "unet": [], "nlcg": [], "rms": []}

    def fine_rms(log10_rho: np.ndarray, obs_sec: np.ndarray) -> float:
        pred = section_from_result(fine.run(10.0**log10_rho))
        return float(np.sqrt(np.mean(((pred - obs_sec) / sig) ** 2)))

    from tqdm.auto import tqdm

    for i in tqdm(range(k), desc="MT NLCG sections", unit="section", delay=3.0):
        obs_sec = noisy[i][:, fi]
        truth = test.targets[i].astype(float)
        start = time.perf_counter()
        unet = invert_mt_unet(model, noisy[i], td.frequencies)
        unet_s = time.perf_counter() - start
        m0 = np.full(mesh.model_shape, float(np.median(obs_sec[[0, 2]])))
        res = invert_mt_nlcg(
            fwd, observed_from_section(obs_sec), w, m0, lam=LAM, alpha_z=ALPHA_Z,
            max_iterations=iterations, progress=True,
        )  # fmt: skip
        # NLCG's section on the U-Net's 60 × 121 cells: each cell takes the value of the NLCG
        # cell that contains its centre (identity with same_mesh)
        nl_fine = res.model if same_mesh else _to_fine(res.model, xe, ze, prior)
        rows.append(
            {
                "section": i,
                "unet_model_rms": float(np.sqrt(np.mean((unet - truth) ** 2))),
                "nlcg_model_rms": float(np.sqrt(np.mean((nl_fine - truth) ** 2))),
                "start_model_rms": float(np.sqrt(np.mean((m0.mean() - truth) ** 2))),
                "unet_data_rms": fine_rms(unet, obs_sec),
                "nlcg_data_rms": fine_rms(nl_fine, obs_sec),
                "nlcg_data_rms_own_mesh": res.rms[-1],
                "nlcg_data_rms_start": res.rms[0],
                "truth_data_rms": fine_rms(truth, obs_sec),
                "unet_s": unet_s,
                "nlcg_s": res.wall_time,
                "nlcg_iterations": len(res.rms) - 1,
                "nlcg_evaluations": res.n_evaluations,
                "nlcg_message": res.message,
            }
        )
        keep["truth"].append(truth)
        keep["unet"].append(unet)
        keep["nlcg"].append(nl_fine)
        keep["rms"].append(np.asarray(res.rms))
        log.info("MT NLCG section %d: %s", i, rows[-1])
    n_rms = max(len(r) for r in keep["rms"])
    rms_hist = np.full((k, n_rms), np.nan)
    for i, r in enumerate(keep["rms"]):
        rms_hist[i, : r.size] = r
    np.savez_compressed(
        folder_p / "mt_synthetic_nlcg.npz",
        truth=np.asarray(keep["truth"]),
        unet=np.asarray(keep["unet"]),
        nlcg=np.asarray(keep["nlcg"]),
        rms=rms_hist,
        x=prior.x_centres,
        z=prior.z_centres,
        mesh="60 x 121 grid" if same_mesh else "coarse mesh",
    )

    def mean(key: str) -> float:
        return float(np.mean([r[key] for r in rows]))

    return {
        "n_sections": k,
        "frequencies_hz": f.tolist(),
        "same_mesh": bool(same_mesh),
        "coarse_model_shape": list(mesh.model_shape),
        "unet_model_shape": [int(prior.nz), int(prior.nx)],
        "fe_unknowns": list(fwd.n_unknowns),
        "lam": LAM,
        "alpha_z": ALPHA_Z,
        "rows": rows,
        "mean": {
            key: mean(key)
            for key in (
                "unet_model_rms",
                "nlcg_model_rms",
                "start_model_rms",
                "unet_data_rms",
                "nlcg_data_rms",
                "nlcg_data_rms_own_mesh",
                "truth_data_rms",
                "unet_s",
                "nlcg_s",
            )
        },
    }


def _nlcg_simple(folder: str, seed: int) -> dict:
    """The convergence check of the issue: a 3.2 Ω·m block in 100 Ω·m, data from the same
    coarse mesh (an inverse crime on purpose: it tests the optimiser, not the mesh) with noise
    σ = 0.02 log10 Ω·m in ρa and 0.57° in phase."""
    from ..invert.mt import invert_mt_nlcg, observed_from_section, section_from_result
    from ..mt import Forward2D, build_mesh

    f = np.logspace(-2, 2, 6)
    xe = np.linspace(-20.0, 20.0, 11)
    ze = np.array([0.0, 1, 2.5, 5, 8, 12, 17, 24, 35])
    mesh = build_mesh(
        xe, ze, f, min_resistivity=10.0, cells_per_skin_depth=4, growth=1.3, z_subdivide=1
    )
    fwd = Forward2D(mesh, np.linspace(-16, 16, 9), f)
    true = np.full(mesh.model_shape, 2.0)
    true[2:5, 4:7] = 0.5
    clean = section_from_result(fwd.run(10**true))
    sig = np.array([0.02, 0.57, 0.02, 0.57])[:, None, None] * np.ones_like(clean)
    noisy = clean + sig * np.random.default_rng(seed).standard_normal(clean.shape)
    res = invert_mt_nlcg(
        fwd, observed_from_section(noisy), observed_from_section(1 / sig**2),
        np.full(mesh.model_shape, 2.0), lam=1.0, max_iterations=30,
    )  # fmt: skip
    np.savez_compressed(
        Path(folder) / "mt_nlcg_simple.npz", true=true, model=res.model, xe=xe, ze=ze
    )
    return {
        "rms": res.rms,
        "final_rms": res.rms[-1],
        "iterations_to_2x_noise": next((i for i, r in enumerate(res.rms) if r <= 2.0), None),
        "wall_s": res.wall_time,
        "model_rms": float(np.sqrt(np.mean((res.model - true) ** 2))),
        "message": res.message,
    }


def _paralana_geometry() -> tuple[np.ndarray, np.ndarray]:
    """Model cells for the 14 km Paralana line: 0.8 km columns over the sites, four coarser
    columns each side, rows from 0.1 km growing by 1.25 to ~43 km."""
    xe = np.concatenate([[-8.0, -5, -3, -2], np.arange(-1.0, 15.01, 0.8), [16, 17.5, 20, 24]])
    ze = np.concatenate([[0.0], 0.1 * (1.25 ** np.arange(1, 40) - 1) / 0.25])
    return xe, ze[ze < 45]


def _paralana(
    folder: str, iterations: int, stride: int, n_frequencies: int, seed: int
) -> dict[str, Any]:
    from ..invert.mt import invert_profile_nlcg, invert_profile_unet, profile_from_edi
    from ..train import load_model
    from .mt_figures import paralana_figures

    src = paralana_folder()
    if src is None:
        return {"skipped": "Paralana EDI folder not found (set GEOINVERT_PARALANA)"}
    folder_p = Path(folder)
    prof = profile_from_edi(src)
    res, nlcg_pred, xe, ze = invert_profile_nlcg(
        prof, iterations=iterations, stride=stride, error_floor=FIELD_ERROR_FLOOR, lam=LAM,
        alpha_z=ALPHA_Z, geometry=_paralana_geometry(), progress=True,
    )  # fmt: skip
    f = prof.frequencies[::stride]

    # U-Net: data interpolated onto its training grid (profile centred at 300 km), and its
    # data fit: the 600 km U-Net section forward-modelled at the real site positions.
    task = _task(n_frequencies)
    prior = task.prior
    un = invert_profile_unet(
        load_model(folder_p / "mt_unet.pt"), prof, error_floor=FIELD_ERROR_FLOOR, stride=stride
    )
    unet, grid, unet_pred, wsec, osec = un.section, un.grid, un.predicted, un.weights, un.observed

    np.savez_compressed(
        folder_p / "mt_paralana.npz",
        nlcg=res.model,
        xe=xe,
        ze=ze,
        unet=unet,
        interpolated=grid.interpolated,
        observed=osec,
        weights=wsec,
        nlcg_pred=nlcg_pred,
        unet_pred=unet_pred,
        frequencies=f,
        stations=prof.stations,
        rms=np.asarray(res.rms),
    )
    paralana_figures(
        folder_p, prof, f, osec, wsec, nlcg_pred, unet_pred, res, xe, ze, unet, grid, prior,
        task.frequencies,
    )  # fmt: skip
    return {
        "folder": str(src),
        "n_sites": len(prof.names),
        "length_km": float(prof.stations[-1]),
        "azimuth_deg": prof.azimuth,
        "strike_deg": prof.strike,
        "n_frequencies_used": int(f.size),
        "frequency_range_hz": [float(f[0]), float(f[-1])],
        "error_floor": FIELD_ERROR_FLOOR,
        "masked_data": int(np.count_nonzero(~prof.usable()[:, ::stride])),
        "model_shape": list(np.shape(res.model)),
        "nlcg_rms": res.rms,
        "nlcg_final_rms": res.rms[-1],
        "nlcg_s": res.wall_time,
        "nlcg_message": res.message,
        "unet_rms": un.rms,
        "unet_s": un.seconds,
        "start_rms": res.rms[0],
        "grid_fraction_interpolated": grid.fraction_interpolated,
        "grid_stations_inside": int(grid.station_inside.sum()),
        "grid_frequencies_inside": int(grid.frequency_inside.sum()),
        "grid_offset_km": grid.offset,
    }


def _figures(folder: str) -> dict:
    from .mt_figures import synthetic_figures

    synthetic_figures(Path(folder))
    return {"figures": ["mt_sections.png", "mt_nlcg_convergence.png"]}


def run_mt(
    runner: StepRunner,
    scale: Scale,
    *,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    gpus: int | None = None,
) -> dict[str, Any]:
    """Run (or reuse) the MT pipeline's steps; return their summaries."""
    folder = str(runner.folder)
    nf = MT_FREQUENCIES.get(scale.name, 60)
    gen = runner.run(
        "mt_generate",
        _generate,
        folder=folder,
        n=scale.mt_sections,
        n_frequencies=nf,
        seed=seed,
        scheduler=scheduler,
        workers=workers,
    )
    train = runner.run(
        "mt_train",
        _train,
        folder=folder,
        epochs=scale.mt_epochs,
        width=scale.mt_width,
        seed=seed,
        gpus=gpus,
    )
    simple = runner.run("mt_nlcg_simple", _nlcg_simple, folder=folder, seed=seed)
    synth = runner.run(
        "mt_nlcg_synthetic",
        _nlcg_synthetic,
        folder=folder,
        n_sections=scale.nlcg_sections,
        iterations=scale.nlcg_iterations,
        n_frequencies=nf,
        seed=seed,
        same_mesh=NLCG_SAME_MESH.get(scale.name, False),
    )
    paralana = runner.run(
        "mt_paralana",
        _paralana,
        folder=folder,
        iterations=2 * scale.nlcg_iterations,
        stride=3 if scale.name == "ci" else 1,
        n_frequencies=nf,
        seed=seed,
    )
    figs = runner.run("mt_figures", _figures, folder=folder)
    return {
        "generate": gen,
        "train": train,
        "nlcg_simple": simple,
        "synthetic": synth,
        "paralana": paralana,
        "figures": figs,
    }


def _f(v: Any, nd: int = 2) -> str:
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _mesh_lines(syn: dict[str, Any], g: dict[str, Any]) -> list[str]:
    """What the NLCG and U-Net columns share and what differs (the issue asks for one mesh)."""
    nz, nx = syn.get("unet_model_shape", [60, 121])
    shape = syn["coarse_model_shape"]
    n_f = len(syn["frequencies_hz"])
    head = (
        f"Held-out synthetic sections: NLCG (λ = {syn['lam']}, α_z = {syn['alpha_z']}, "
        f"{n_f} frequencies, FE unknowns TE/TM {syn['fe_unknowns'][0]}/{syn['fe_unknowns'][1]}) "
        f"vs the U-Net (all {g['n_frequencies']} frequencies). "
    )
    if syn.get("same_mesh"):
        body = (
            f"Both models live on the same {nz} × {nx} grid (NLCG inverts the training mesh's own "
            "cells, so for it, as for the U-Net, the data come from the mesh it models). "
        )
    else:
        body = (
            f"Not the same mesh at this scale: NLCG inverts a coarse {shape[0]} × {shape[1]}-cell "
            "model (20 km columns; rows from 2 km thick, growing ×1.25) at "
            f"{n_f} of the {g['n_frequencies']} frequencies, while the U-Net predicts the "
            f"{nz} × {nx} cells (5 km × 3 km) from all of them; NLCG on the {nz} × {nx} grid "
            "costs ~15× more per section (measured 47 s against 3.1 s for 20 iterations on 2 "
            "cores) and runs at `--scale full`. Both are scored on the same cells: NLCG's "
            f"section is sampled onto the {nz} × {nx} cells (each takes the value of the NLCG "
            "cell containing its centre), so part of its model error is the coarse "
            "parameterisation itself. "
        )
    tail = (
        f"Model RMS in log10 Ω·m over the {nz} × {nx} cells; data RMS normalised by the noise "
        f"σ, both models forwarded on the training mesh at the {n_f} NLCG frequencies (the "
        "true model scores ≈ 1 there)."
    )
    return [head + body + tail]


def report_lines(s: dict[str, Any]) -> list[str]:
    """Markdown lines of the MT section of ``report.md``."""
    g, t, simple, syn, par = (
        s["generate"],
        s["train"],
        s["nlcg_simple"],
        s["synthetic"],
        s["paralana"],
    )
    m = syn["mean"]
    lines = [
        "## 2-D magnetotellurics: U-Net vs regularised NLCG",
        "",
        f"- Training set: {g['samples']} random sections (60 × 121 cells, 600 km × 180 km; TE+TM "
        f"at 121 stations and {g['n_frequencies']} frequencies 1e-4-1e3 Hz), "
        f"{_f(g['seconds_per_section_wall'], 1)} s wall per section "
        f"({_f(g['forward_seconds_per_section'], 1)} s of 2-D forward per section on one worker), "
        f"{g['failures']} failed forwards.",
        f"- U-Net (width {t['width']}, {t['epochs']} epochs, {_f(t['train_s'], 0)} s; "
        f"{t['n_train']} training sections and their mirror images): held-out "
        f"log10 ρ RMS {_f(t['rms_log10'], 3)} over {t['n_test']} sections with "
        f"{100 * t['noise']['z_relative']:.1f} % impedance noise (median section "
        f"{_f(t['rms_log10_median_section'], 3)}; predicting the training mean gives "
        f"{_f(t['rms_log10_mean_model'], 3)}; the study's target is ≤ 0.25); "
        f"{_f(1e3 * t['predict_s_per_section'], 1)} ms per section.",
        f"- NLCG convergence on a simple model (3.2 Ω·m block in 100 Ω·m, same mesh for data and "
        f"inversion, 6 frequencies, 9 sites): normalised RMS {_f(simple['rms'][0], 1)} → "
        f"{_f(simple['final_rms'])} in {len(simple['rms']) - 1} iterations "
        f"({_f(simple['wall_s'], 1)} s); within 2× the noise after "
        f"{simple['iterations_to_2x_noise']} iterations.",
        "",
        *_mesh_lines(syn, g),
        "",
        "| section | start model RMS | U-Net model RMS | NLCG model RMS | U-Net data RMS | "
        "NLCG data RMS | true-model data RMS | U-Net s | NLCG s (iterations) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in syn["rows"]:
        lines.append(
            f"| {r['section']} | {_f(r['start_model_rms'], 3)} | {_f(r['unet_model_rms'], 3)} | "
            f"{_f(r['nlcg_model_rms'], 3)} | {_f(r['unet_data_rms'])} | "
            f"{_f(r['nlcg_data_rms'])} | {_f(r['truth_data_rms'])} | {_f(r['unet_s'], 3)} | "
            f"{_f(r['nlcg_s'], 1)} ({r['nlcg_iterations']}) |"
        )
    lines.append(
        f"| mean | {_f(m['start_model_rms'], 3)} | {_f(m['unet_model_rms'], 3)} | "
        f"{_f(m['nlcg_model_rms'], 3)} | {_f(m['unet_data_rms'])} | {_f(m['nlcg_data_rms'])} | "
        f"{_f(m['truth_data_rms'])} | {_f(m['unet_s'], 3)} | {_f(m['nlcg_s'], 1)} |"
    )
    lines += ["", "![sections](mt_sections.png)", "![convergence](mt_nlcg_convergence.png)", ""]
    if "skipped" in par:
        lines += [f"- Paralana field profile: skipped ({par['skipped']}).", ""]
        return lines
    lines += [
        f"Paralana field profile ({par['n_sites']} EDI sites, {_f(par['length_km'], 1)} km, "
        f"azimuth {_f(par['azimuth_deg'], 1)}°; TE/TM for strike {_f(par['strike_deg'], 1)}° "
        f"east of north, i.e. perpendicular to the line; {par['n_frequencies_used']} frequencies "
        f"{par['frequency_range_hz'][0]:.3g}-{par['frequency_range_hz'][1]:.3g} Hz; "
        f"{100 * par['error_floor']:.0f} % impedance error floor; {par['masked_data']} data with "
        "100 % errors or phases outside 0-90° dropped):",
        "",
        f"- NLCG on a {par['model_shape'][0]} × {par['model_shape'][1]}-cell mesh for the profile: "
        f"normalised RMS {_f(par['start_rms'])} → {_f(par['nlcg_final_rms'])} in "
        f"{len(par['nlcg_rms']) - 1} iterations, {_f(par['nlcg_s'], 1)} s ({par['nlcg_message']}).",
        f"- U-Net: data RMS {_f(par['unet_rms'])} ({_f(par['unet_s'], 3)} s). Limits, plainly: "
        f"the network was trained on 600 km sections with 5 km station spacing; the 14 km "
        f"profile covers {par['grid_stations_inside']} of its 121 station columns and "
        f"{par['grid_frequencies_inside']} of its {g['n_frequencies']} frequencies, so only "
        f"{_f(100 * par['grid_fraction_interpolated'], 1)} % of its input cells are "
        "interpolated from data and the rest are extrapolated (held constant beyond the ends and "
        "the band); its 5 km × 3 km cells cannot resolve the structure NLCG images at 0.8 km. "
        "Read its section as a 1-D-like average, not an image of the line.",
        "",
        "![paralana](mt_paralana_sections.png)",
        "![paralana data](mt_paralana_data.png)",
        "",
    ]
    return lines
