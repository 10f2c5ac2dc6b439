"""Region Monte Carlo driver: per-point results, resume from its JSON-lines file, worker count."""

import json

import numpy as np
import pytest

from geoinvert.dispersion import phase_velocity
from geoinvert.earth.priors import CrustPrior
from geoinvert.invert.crust import mc_invert_point, mc_models
from geoinvert.invert.mc_region import mc_invert_region

PRIOR = CrustPrior(moho_depth=(20.0, 60.0), crust_vs=(3.0, 4.0), mantle_dlnvs=(-0.02, 0.02))
F = np.linspace(0.01, 0.035, 6)  # Hz
# Short chains: this checks the driver, not convergence (test_montecarlo.py does that).
MC = dict(sigma=0.01, prior=PRIOR, n_steps=300, n_chains=8, n_initial=400)


def _observed() -> np.ndarray:
    truths = np.array(
        [
            [30.0, 0.5, 3.3, 3.8, 1.75, 1.75, 0.0, 0.0, 0.0],
            [45.0, 0.5, 3.2, 3.7, 1.75, 1.75, 0.0, 0.0, 0.0],
            [55.0, 0.5, 3.4, 3.9, 1.75, 1.75, 0.0, 0.0, 0.0],
        ]
    )
    return phase_velocity(1 / F, *mc_models(truths), spherical=True)


def test_region_equals_point_runs_and_resumes(tmp_path):
    obs = _observed()
    ck = tmp_path / "mc.jsonl"
    r = mc_invert_region(F, obs, checkpoint=ck, n_workers=1, seed=5, progress=False, **MC)
    assert r.mean.shape == (3,) and r.n_resumed == 0
    # point i is mc_invert_point with seed + i, whichever worker ran it
    p1 = mc_invert_point(F, obs[1], seed=6, **MC)
    assert r.mean[1] == pytest.approx(p1["mean"], rel=1e-12)
    assert np.all(r.q16 < r.mean) and np.all(r.mean < r.q84)
    # the deeper truths give deeper posteriors
    assert r.mean[0] < r.mean[1] < r.mean[2]

    # interruption: drop the last point and cut the line before it in half
    lines = ck.read_text().splitlines()
    assert len(lines) == 4  # signature + 3 points
    ck.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])
    again = mc_invert_region(F, obs, checkpoint=ck, n_workers=2, seed=5, progress=False, **MC)
    assert again.n_resumed == 1
    np.testing.assert_allclose(again.mean, r.mean, rtol=1e-12)
    np.testing.assert_allclose(again.std, r.std, rtol=1e-12)
    # everything done: nothing reruns
    third = mc_invert_region(F, obs, checkpoint=ck, seed=5, progress=False, **MC)
    assert third.n_resumed == 3
    np.testing.assert_allclose(third.q84, r.q84, rtol=1e-12)


def test_region_refuses_another_runs_file_and_bad_input(tmp_path):
    obs = _observed()
    ck = tmp_path / "mc.jsonl"
    ck.write_text(json.dumps({"signature": {"other": 1}}) + "\n")
    with pytest.raises(ValueError, match="checkpoint"):
        mc_invert_region(F, obs, checkpoint=ck, n_workers=1, progress=False, **MC)
    bad = obs.copy()
    bad[2, 3] = np.nan
    with pytest.raises(ValueError, match="observed"):
        mc_invert_region(F, bad, n_workers=1, progress=False, **MC)
    with pytest.raises(ValueError, match="observed"):
        mc_invert_region(F, obs[0], n_workers=1, progress=False, **MC)
    with pytest.raises(ValueError, match="n_threads"):
        mc_invert_region(F, obs, n_workers=1, progress=False, **{**MC, "n_threads": 2})
