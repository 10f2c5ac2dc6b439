"""`geoinvert demo --scale ci`: every pipeline end to end, then a resumed run that reuses it."""

from __future__ import annotations

import json

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
    assert json.loads((out / "summary.json").read_text())["scale"] == "ci"

    again = run_demo(out, scale="ci", pipelines=PIPELINES, workers=1)
    assert set(again["reused_steps"]) == set(summary["timings_s"])
