"""MT demo pipeline helpers: coarse-model geometry, its mapping to the truth grid, report lines.

The whole pipeline runs in the demo's ``--scale ci`` job; these are the fast pieces.
"""

from __future__ import annotations

import numpy as np

from geoinvert.demo.mt import (
    MT_FREQUENCIES,
    SIGMA,
    _coarse_geometry,
    _nlcg_simple,
    _to_fine,
    report_lines,
)
from geoinvert.earth.priors import MTSectionPrior


def test_noise_sigma_matches_relative_impedance_noise():
    # 2.5 % in |Z| -> 5 % in ρa -> 0.0217 in log10 ρa; asin(0.025) = 1.432°
    np.testing.assert_allclose(SIGMA, [0.0217147, 1.432544, 0.0217147, 1.432544], rtol=1e-5)
    assert MT_FREQUENCIES["full"] == 60


def test_coarse_model_maps_onto_truth_grid():
    prior = MTSectionPrior()
    xe, ze = _coarse_geometry(prior)
    assert xe[0] == 0 and xe[-1] == prior.width and ze[0] == 0 and ze[-1] == prior.depth
    assert np.all(np.diff(ze) >= 2.0)  # no sliver rows
    coarse = np.arange((ze.size - 1) * (xe.size - 1), dtype=float).reshape(ze.size - 1, -1)
    fine = _to_fine(coarse, xe, ze, prior)
    assert fine.shape == (prior.nz, prior.nx)
    # every fine cell takes the value of the coarse cell that contains its centre
    for i, j in [(0, 0), (30, 60), (59, 120), (17, 3)]:
        zi = np.searchsorted(ze, prior.z_centres[i]) - 1
        xj = np.searchsorted(xe, prior.x_centres[j]) - 1
        assert fine[i, j] == coarse[zi, xj]


def test_same_mesh_where_affordable():
    from geoinvert.demo.mt import NLCG_SAME_MESH

    # The issue compares NLCG and the U-Net on the same mesh: small (the default demo, ~20 s per
    # section on the 60 × 121 grid) and full do; ci keeps the coarse model to stay fast.
    assert NLCG_SAME_MESH == {"ci": False, "small": True, "full": True}


def test_nlcg_simple_step_reaches_noise_level(tmp_path):
    out = _nlcg_simple(str(tmp_path), seed=0)
    assert out["final_rms"] <= 2.0 and out["iterations_to_2x_noise"] is not None
    assert (tmp_path / "mt_nlcg_simple.npz").exists()


def test_report_lines_state_the_limits():
    row = {
        "section": 0,
        "unet_model_rms": 0.4,
        "nlcg_model_rms": 0.5,
        "start_model_rms": 0.9,
        "unet_data_rms": 3.0,
        "nlcg_data_rms": 2.0,
        "nlcg_data_rms_own_mesh": 1.9,
        "nlcg_data_rms_start": 20.0,
        "truth_data_rms": 1.0,
        "unet_s": 0.01,
        "nlcg_s": 10.0,
        "nlcg_iterations": 5,
        "nlcg_evaluations": 12,
        "nlcg_message": "maximum iterations reached",
    }
    mean = {k: v for k, v in row.items() if isinstance(v, float)}
    s = {
        "generate": {
            "samples": 24,
            "n_frequencies": 12,
            "seconds_per_section_wall": 2.0,
            "forward_seconds_per_section": 3.0,
            "failures": 0,
        },
        "train": {
            "width": 0.0625,
            "epochs": 3,
            "train_s": 5.0,
            "rms_log10": 0.9,
            "n_test": 5,
            "n_train": 20,
            "noise": {"z_relative": 0.025},
            "rms_log10_median_section": 0.8,
            "rms_log10_mean_model": 1.0,
            "predict_s_per_section": 0.01,
        },
        "nlcg_simple": {
            "rms": [17.0, 1.5],
            "final_rms": 1.5,
            "wall_s": 1.0,
            "iterations_to_2x_noise": 1,
        },
        "synthetic": {
            "lam": 3.0,
            "alpha_z": 1.0,
            "frequencies_hz": [1.0] * 10,
            "coarse_model_shape": [14, 30],
            "fe_unknowns": [4000, 3000],
            "rows": [row],
            "mean": mean,
        },
        "paralana": {"skipped": "no data"},
    }
    text = "\n".join(report_lines(s))
    assert "| 0 | 0.900 | 0.400 | 0.500 | 3.00 | 2.00 | 1.00 |" in text
    assert "skipped (no data)" in text
    # the coarse NLCG mesh is said plainly, and that both are scored on the 60 × 121 cells
    assert "Not the same mesh at this scale" in text
    assert "coarse 14 × 30-cell model" in text and "10 of the 12 frequencies" in text
    assert "sampled onto the 60 × 121 cells" in text
    same = {**s, "synthetic": {**s["synthetic"], "same_mesh": True}}
    text_same = "\n".join(report_lines(same))
    assert "same 60 × 121 grid" in text_same and "Not the same mesh" not in text_same
    s["paralana"] = {
        "n_sites": 15,
        "length_km": 14.0,
        "azimuth_deg": 100.8,
        "strike_deg": 10.8,
        "n_frequencies_used": 43,
        "frequency_range_hz": [0.0046, 78.1],
        "error_floor": 0.05,
        "masked_data": 6,
        "model_shape": [21, 28],
        "start_rms": 5.6,
        "nlcg_final_rms": 2.0,
        "nlcg_rms": [5.6, 2.0],
        "nlcg_s": 30.0,
        "nlcg_message": "maximum iterations reached",
        "unet_rms": 20.0,
        "unet_s": 0.01,
        "grid_stations_inside": 3,
        "grid_frequencies_inside": 7,
        "grid_fraction_interpolated": 0.014,
    }
    text = "\n".join(report_lines(s))
    assert "only 1.4 % of its input cells are interpolated" in text
    assert "strike 10.8°" in text
