"""`geoinvert demo --scale ci`: every pipeline end to end, then a resumed run that reuses it."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("zarr")

from geoinvert.demo import PIPELINES, run_demo
from geoinvert.demo.steps import StepRunner


def test_step_runner_reuses_finished_steps_and_reruns_changed_ones(tmp_path):
    calls = []

    def step(x):
        calls.append(x)
        return {"value": x * 2}

    runner = StepRunner(tmp_path)
    assert runner.run("a", step, x=1) == {"value": 2}
    assert StepRunner(tmp_path).run("a", step, x=1) == {"value": 2}
    assert calls == [1]  # reused
    StepRunner(tmp_path).run("a", step, x=2)  # parameters changed -> rerun
    StepRunner(tmp_path, fresh=True).run("a", step, x=2)  # --fresh -> rerun
    assert calls == [1, 2, 2]


def test_fresh_regenerates_data_stores(tmp_path, monkeypatch):
    # --fresh must overwrite a finished store, not resume it (which skips every chunk and then
    # reports 0 samples/s); a normal run resumes. The engine itself is stubbed: this checks the
    # step logic only (tests/test_data_engine.py covers resume/overwrite of real stores).
    import geoinvert.data
    from geoinvert.demo.common import generate_store
    from geoinvert.demo.steps import forcing_fresh

    calls = []

    class Summary:
        def as_dict(self):
            return {"samples": 10}

    def fake_generate(task, n, store, **kw):
        calls.append({k: kw.get(k, False) for k in ("resume", "overwrite")})
        return Summary()

    monkeypatch.setattr(geoinvert.data, "generate", fake_generate)

    def step():
        return generate_store(
            None, 10, tmp_path / "s.zarr", chunk=5, seed=0, scheduler=None, workers=1
        )

    StepRunner(tmp_path).run("gen", step)
    StepRunner(tmp_path).run("gen", step)  # reused: the engine is not called at all
    StepRunner(tmp_path, fresh=True).run("gen", step)
    assert calls == [
        {"resume": True, "overwrite": False},
        {"resume": False, "overwrite": True},
    ]
    assert not forcing_fresh()  # reset after the step, even for later steps in the process


def test_demo_ci_end_to_end_and_resume(tmp_path):
    out = tmp_path / "demo"
    summary = run_demo(out, scale="ci", pipelines=PIPELINES, workers=1)
    report = (out / "report.md").read_text()
    for heading in ("Crustal thickness", "X-discontinuity", "magnetotellurics", "Training curves"):
        assert heading in report
    for png in ("crust_map.png", "crust_eq4.png", "crust_dispersion.png", "training_curves.png"):
        assert (out / png).stat().st_size > 10_000
    crust = summary["crust"]
    assert crust["generate"]["samples"] == 3000 and crust["generate"]["failures"] == 0
    assert crust["invert"]["n_cells"] == 156
    # Even the tiny ci network must see the main trend of CRUST1.0 (thick Tibet, thin craton).
    assert crust["invert"]["crust1_correlation"] > 0.5
    table1 = crust["invert"]["table1_vs_crust1"]  # the paper's columns G/H, one row per network
    assert set(table1) == {"MDN", "sSAE t1_12"}
    assert all(np.isfinite(r["rms_km"]) and -1 <= r["correlation"] <= 1 for r in table1.values())
    assert json.loads((out / "summary.json").read_text())["scale"] == "ci"
    # the map with its uncertainty, written by the public writer (geoinvert.io)
    from scipy.io import netcdf_file

    with netcdf_file(str(out / "crust_thickness.nc"), "r", mmap=False) as nc:
        assert {"crustal_thickness", "crustal_thickness_std", "out_of_distribution"} <= set(
            nc.variables
        )
        assert nc.variables["crustal_thickness"].units == b"km"
    mc = crust["monte_carlo"]["mc"]
    assert {"rhat_moho", "acceptance", "converged", "n_chains"} <= set(mc)
    assert 0.05 < mc["acceptance"] < 0.6  # tuned during burn-in (was ~0.02 before)
    assert "split-R̂" in report

    again = run_demo(out, scale="ci", pipelines=PIPELINES, workers=1)
    assert set(again["reused_steps"]) == set(summary["timings_s"])
