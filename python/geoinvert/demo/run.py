"""Orchestration of ``geoinvert demo`` and its report."""

from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path
from typing import Any

from .scales import SCALES
from .steps import StepRunner

__all__ = ["PIPELINES", "run_demo"]

log = logging.getLogger(__name__)

PIPELINES = ("crust", "rf", "mt")


def run_demo(
    out: str | Path = "demo_output",
    *,
    scale: str = "small",
    pipelines: tuple[str, ...] = PIPELINES,
    fresh: bool = False,
    seed: int = 0,
    scheduler: str | None = None,
    workers: int | None = None,
    gpus: int | None = None,
) -> dict[str, Any]:
    """Run the demo pipelines and write ``report.md`` and ``summary.json`` into ``out``.

    Parameters
    ----------
    out : path
        Run folder (created; reused for resuming).
    scale : str
        "ci", "small" (default) or "full" (see :mod:`geoinvert.demo.scales`).
    pipelines : tuple of str
        Any of "crust", "rf", "mt".
    fresh : bool
        Recompute every step.
    seed : int
        Seed of data generation, splits, training and noise.
    scheduler : str, optional
        Dask scheduler address for data generation (default: an embedded LocalCluster).
    workers : int, optional
        Workers of the embedded cluster.
    gpus : int, optional
        GPUs for training (default: CPU).

    Returns
    -------
    dict
        Summaries of every step, also written to ``summary.json``.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, got {scale!r}")
    unknown = set(pipelines) - set(PIPELINES)
    if unknown:
        raise ValueError(f"pipelines: unknown {sorted(unknown)}; choose from {PIPELINES}")
    sc = SCALES[scale]
    runner = StepRunner(Path(out), fresh=fresh)
    start = time.perf_counter()
    summary: dict[str, Any] = {"scale": scale, "seed": seed}
    for name in PIPELINES:
        if name not in pipelines:
            continue
        if name == "crust":
            from .crust import run_crust

            summary["crust"] = run_crust(
                runner, sc, seed=seed, scheduler=scheduler, workers=workers, gpus=gpus
            )
        elif name == "rf":
            from .rf import run_rf

            summary["rf"] = run_rf(
                runner, sc, seed=seed, scheduler=scheduler, workers=workers, gpus=gpus
            )
        else:
            from .mt import run_mt

            summary["mt"] = run_mt(
                runner, sc, seed=seed, scheduler=scheduler, workers=workers, gpus=gpus
            )
    summary["timings_s"] = runner.timings
    summary["reused_steps"] = runner.reused
    summary["wall_s"] = time.perf_counter() - start
    from .figures import training_curves

    runs = {
        label: runner.folder / "runs" / run
        for label, run in (
            ("crust MDN", "crust_mdn"),
            ("crust sSAE", "crust_sae"),
            ("RF CNN", "rf_cnn"),
            ("MT U-Net", "mt_unet"),
        )
        if (runner.folder / "runs" / run).exists()
    }
    if runs:
        training_curves(runs, runner.folder / "training_curves.png")
    (runner.folder / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (runner.folder / "report.md").write_text(_report(summary))
    return summary


def _table1_lines(inv: dict) -> list[str]:
    """The paper's Table 1 columns G/H (RMS misfit, correlation vs a reference model)."""
    rows = inv.get("table1_vs_crust1")
    if not rows:
        return []
    out = [
        "- Table 1 columns G/H against CRUST1.0 (the only reference crustal model available "
        "offline, and the source of these observations, so the check is closed-loop):",
        "",
        "  | network | RMS misfit vs CRUST1.0 (km) | correlation with CRUST1.0 |",
        "  |---|---|---|",
    ]
    out += [
        f"  | {name} | {_fmt(r['rms_km'])} | {_fmt(r['correlation'])} |" for name, r in rows.items()
    ]
    return [*out, ""]


def _fmt(v: Any, nd: int = 2) -> str:
    return f"{v:.{nd}f}" if isinstance(v, float) else str(v)


def _report(s: dict[str, Any]) -> str:
    from .. import __version__

    lines = [
        f"# geoinvert demo report (scale `{s['scale']}`)",
        "",
        f"geoinvert {__version__}, Python {platform.python_version()}, {platform.machine()}; "
        f"wall time {s['wall_s']:.0f} s (reused steps: {', '.join(s['reused_steps']) or 'none'}).",
        "",
    ]
    if "crust" in s:
        c = s["crust"]
        g, t, i, m = c["generate"], c["train"], c["invert"], c["monte_carlo"]
        lines += [
            "## Crustal thickness from Rayleigh phase velocities (eastern Tibet)",
            "",
            f"- Training set: {g['samples']} models, {_fmt(g['samples_per_s'], 0)} samples/s, "
            f"{g['failures']} failed forwards; {t['n_train']} train / {t['n_test']} test.",
            f"- Held-out same-prior test with 0.5 % noise: MDN RMS {_fmt(t['mdn_rms_km'])} km "
            f"(68 % interval coverage {_fmt(100 * t['mdn_coverage_68'], 1)} %); sSAE "
            f"`{t['sae_preset']}` RMS {_fmt(t['sae_rms_km'])} km.",
            f"- CRUST1.0 region ({i['n_cells']} cells, 97-110° E, 24-36° N), observations "
            f"computed from CRUST1.0 over PREM with 0.5 % noise: r = "
            f"{_fmt(i['crust1_correlation'])}, RMS {_fmt(i['crust1_rms_km'])} km, bias "
            f"{_fmt(i['crust1_bias_km'])} km; CRUST1.0 inside the MDN 68 % interval at "
            f"{_fmt(100 * i['coverage_68_vs_crust1'], 0)} % of cells; "
            f"{i['out_of_distribution']} cells flagged out of distribution.",
            *_table1_lines(i),
            f"- Eq. 4 relative phase-velocity error of the predicted structure: median "
            f"{_fmt(100 * i['eq4_median'], 3)} %, 95th percentile {_fmt(100 * i['eq4_p95'], 3)} %.",
            f"- Monte Carlo baseline at {m['lon']}° E {m['lat']}° N "
            f"(CRUST1.0 {m['crust1_km']} km): "
            f"{_fmt(m['mc']['mean'], 1)} ± {_fmt(m['mc']['std'], 1)} km in "
            f"{_fmt(m['mc']['seconds'], 1)} s ({m['mc']['n_evaluations']} forward models, "
            f"{m['mc'].get('n_chains', '?')} chains × {m['mc'].get('n_steps', '?')} steps, "
            f"acceptance {_fmt(m['mc']['acceptance'])}, split-R̂ = {_fmt(m['mc']['rhat_moho'])}"
            f"{'' if m['mc'].get('converged', True) else ' -- NOT converged (R̂ ≥ 1.1)'}; "
            f"prior: {m.get('mc_prior', 'two-layer subset of the training prior')}); "
            f"network {_fmt(m['network_mean_km'], 1)} ± "
            f"{_fmt(m['network_std_km'], 1)} km; agree within uncertainties: "
            f"{m['agree_within_uncertainty']}. Whole region: Monte Carlo ≈ "
            f"{_fmt(m['mc_seconds_region_estimate'] / 60, 1)} CPU-min (this point × "
            f"{i['n_cells']} cells; every cell run and compared with the network: "
            f"`python benchmarks/crust_mc_region.py --demo <this folder>`) vs network "
            f"{_fmt(i['network_seconds_region'], 3)} s.",
            "",
            "![map](crust_map.png)",
            "![eq4](crust_eq4.png)",
            "![dispersion](crust_dispersion.png)",
            "",
        ]
    if "rf" in s:
        from .rf import report_lines

        lines += report_lines(s["rf"])
    if "mt" in s:
        from .mt import report_lines as mt_lines

        lines += mt_lines(s["mt"])
    lines += ["## Training curves", "", "![training](training_curves.png)", ""]
    lines += ["## Step timings (s)", ""]
    lines += [f"- {k}: {v:.1f}" for k, v in s["timings_s"].items()]
    return "\n".join(lines) + "\n"
