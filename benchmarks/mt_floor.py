r"""Bayes floor of the MT study's log10-resistivity RMS on its layered (body-free) sections.

A section of the MT prior without bodies is one layered column repeated at all 121 stations, so
its TE and TM data are 242 noisy copies of one 1-D sounding: with the U-Net study's 2.5 %
impedance noise (σ log10 ρa = 0.0217, σ phase = 1.43°) the average of the copies carries all the
information, with σ/√242. The posterior mean given that average
(:func:`geoinvert.invert.mt1d_smc.mt1d_layered_posterior`, exact 1-D forward) is the estimator of
least mean-square error for these sections, even for one that knows they have no bodies, so its
RMS against the truth is a floor for any network on them. ``--copies 2`` gives the floor of
one station (TE and TM) read on its own.

Checks written beside the floor: the mean posterior variance (equal to the posterior mean's
mean-square error when the sampler is right, a calibration test over prior draws), and how many
truths have a log-likelihood far above every particle (the sampler missed their mode).

    python benchmarks/mt_floor.py --copies 242 --columns 40 \
        --out benchmarks/mt_learning_results/floor_242.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from geoinvert.earth.priors import MTSectionPrior, sample_mt_sections
from geoinvert.invert.mt1d_smc import layered_column_model, mt1d_layered_posterior
from geoinvert.mt import forward_1d
from geoinvert.train.augment import mt_noise_sigma


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=float, default=242.0, help="noisy copies averaged")
    ap.add_argument("--columns", type=int, default=40)
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--moves", type=int, default=6)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    prior = MTSectionPrior(n_bodies=(0, 0))
    f = np.logspace(-4, 3, 60)  # the study's 60 frequencies (Hz)
    s_rho, s_phi = mt_noise_sigma(0.025)[:2] / np.sqrt(a.copies)
    params = sample_mt_sections(np.random.default_rng(a.seed), a.columns, prior).params
    rng = np.random.default_rng(a.seed + 1)
    rows = []
    for i in range(a.columns):
        state = (
            params[i : i + 1, 0].astype(np.int64),
            params[i : i + 1, 1:6],
            params[i : i + 1, 6:12],
        )
        col, res, thick = layered_column_model(*state, prior)
        rho_a, phase, _ = forward_1d(f, res, thick)
        d_rho = np.log10(rho_a[0]) + s_rho * rng.standard_normal(f.size)
        d_phi = phase[0] + s_phi * rng.standard_normal(f.size)
        post = mt1d_layered_posterior(
            f, d_rho, d_phi, sigma_log10_rho_a=s_rho, sigma_phase=s_phi, prior=prior,
            n_particles=a.particles, n_moves=a.moves, rng=rng,
        )  # fmt: skip

        def log_lik(
            cols: np.ndarray, d_rho: np.ndarray = d_rho, d_phi: np.ndarray = d_phi
        ) -> np.ndarray:
            r, q, _ = forward_1d(f, 10.0**cols, np.full((len(cols), prior.nz - 1), 3.0))
            chi2 = (((np.log10(r) - d_rho) / s_rho) ** 2).sum(1)
            return -0.5 * (chi2 + (((q - d_phi) / s_phi) ** 2).sum(1))

        rows.append(
            {
                "n_layers": int(params[i, 0]),
                "mse": float(((post.mean - col[0]) ** 2).mean()),
                "posterior_var": float((post.std**2).mean()),
                "sq_err_by_row": ((post.mean - col[0]) ** 2).tolist(),
                "truth_loglik": float(log_lik(col)[0]),
                "best_particle_loglik": float(log_lik(post.columns).max()),
                "stages": post.n_stages,
                "seconds": post.wall_time,
            }
        )
        print(
            i,
            f"rms {np.sqrt(rows[-1]['mse']):.3f} std {np.sqrt(rows[-1]['posterior_var']):.3f}",
            flush=True,
        )
    mse = np.array([r["mse"] for r in rows])
    var = np.array([r["posterior_var"] for r in rows])
    missed = sum(r["truth_loglik"] > r["best_particle_loglik"] + 10.0 for r in rows)
    by_row = np.sqrt(np.mean([r["sq_err_by_row"] for r in rows], axis=0))
    out = {
        "copies": a.copies,
        "sigma_log10_rho_a": float(s_rho),
        "sigma_phase_deg": float(s_phi),
        "columns": a.columns,
        "particles": a.particles,
        "moves": a.moves,
        "floor_rms_log10": float(np.sqrt(mse.mean())),
        "floor_rms_log10_stderr": float(mse.std() / np.sqrt(len(mse)) / (2 * np.sqrt(mse.mean()))),
        "posterior_std_rms": float(np.sqrt(var.mean())),
        "truths_missed_by_10_nats": int(missed),
        "rms_by_depth_row": by_row.tolist(),
        "seconds_per_column": float(np.mean([r["seconds"] for r in rows])),
        "rows": rows,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(out, indent=1))
    print(
        json.dumps(
            {k: v for k, v in out.items() if k not in ("rows", "rms_by_depth_row")}, indent=1
        )
    )


if __name__ == "__main__":
    main()
