"""Per-station X detection: the CNN path of ``classify_station`` and the stacking baseline."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert.rf_stacking import depth_stack, detect_in_window
from geoinvert.invert.xdisc import DEPTH_GRID, classify_station
from geoinvert.io import rf_from_arrays
from geoinvert.rf import receiver_function

# A 20-km crust over a uniform mantle (km, km/s, g/cm³). With a thicker crust (25-35 km) the
# second-order crustal reverberations arrive 27-37 s after P, inside the 250-350 km window, and
# the stacking baseline detects them as a positive phase (measured: 3 of 3 noise seeds at
# 25 and 30 km), so the no-X station uses a crust whose multiples end before the window.
THICK = np.array([20.0, 280.0, 0.0])
VP = np.array([6.3, 8.1, 8.1])
VS = np.array([3.7, 4.5, 4.5])
RHO = np.array([2.8, 3.3, 3.3])
REF = (THICK, VP, VS)
DT, N_SAMPLES, SHIFT = 0.1, 600, 5.0  # the RFTask defaults the classifier is trained on
TIMES = np.arange(N_SAMPLES) * DT - SHIFT


def synthetic_station(x: bool, n: int, noise: float, seed: int):
    """RFs of THICK/VP/VS with (x=True) a 5 % Vs step at 300 km, white noise of ``noise`` × peak."""
    rng = np.random.default_rng(seed)
    vp, vs = VP.copy(), VS.copy()
    if x:
        vs[2] *= 1.05
        vp[2] *= 1.025
    p = np.sort(rng.uniform(0.04, 0.08, n))
    rfs = receiver_function(
        THICK, vp, vs, RHO, slowness=p, dt=DT, n_samples=N_SAMPLES, shift=SHIFT,
        gaussian=1.0, n_fft=4096,
    )  # fmt: skip
    rfs = rfs + noise * np.abs(rfs).max(axis=1, keepdims=True) * rng.standard_normal(rfs.shape)
    return rfs, p


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stacking_detects_a_clear_x_at_its_depth_and_nothing_without(seed):
    # 40 traces at 2 % noise: the X Ps (~5 % of the P peak) stacks far above the noise.
    rfs, p = synthetic_station(True, 40, 0.02, seed)
    with_x = detect_in_window(depth_stack(rfs, TIMES, p, DEPTH_GRID, *REF), DEPTH_GRID, seed=0)
    assert with_x.detected
    assert abs(with_x.depth - 300.0) <= 10.0
    assert with_x.lower > 0 and with_x.p_value < 0.05
    rfs, p = synthetic_station(False, 40, 0.02, seed)
    without = detect_in_window(depth_stack(rfs, TIMES, p, DEPTH_GRID, *REF), DEPTH_GRID, seed=0)
    assert not without.detected
    assert without.amplitude < 0.5 * with_x.amplitude


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    """A randomly initialised 1-D CNN with a depth head, saved and loaded as an artefact."""
    torch = pytest.importorskip("torch")
    from geoinvert.nn import RFCNN1D
    from geoinvert.train import load_model, save_model
    from geoinvert.train.normalization import Normalization

    torch.manual_seed(0)
    net = RFCNN1D(channels=(4, 8), hidden=8, aux_depth=True, time_bins=4)
    norm = Normalization(
        np.zeros(1), np.full(1, 0.01), np.array([0.0, 300.0, 0.0]), np.array([1.0, 25.0, 1.0])
    )
    path = tmp_path_factory.mktemp("xdisc") / "rf_cnn.pt"
    save_model(
        path, net, normalization=norm, kind="classifier", input_shape=[N_SAMPLES],
        target_shape=[3], prior={"dt": DT, "n_samples": N_SAMPLES, "shift": SHIFT},
    )  # fmt: skip
    return load_model(path)


def test_classify_station_with_a_saved_cnn(tiny_model):
    rfs, p = synthetic_station(True, 20, 0.02, 3)
    res = classify_station(tiny_model, rfs, TIMES, p, REF, model_times=TIMES, n_bootstrap=100)
    assert 0.0 <= res.probability <= 1.0
    # depth = head output × 25 km + 300 km; an untrained head outputs O(1) values.
    assert np.isfinite(res.depth) and 150.0 < res.depth < 450.0
    assert res.filled_fraction == 0.0  # the station covers the classifier's whole window
    assert res.baseline.detected and abs(res.baseline.depth - 300.0) <= 10.0
    # the model's own time axis is the default; a ReceiverFunctions input carries times/slowness
    rf = rf_from_arrays(rfs, DT, p, onset=SHIFT)
    again = classify_station(tiny_model, rf, reference=REF, n_bootstrap=100)
    assert again.probability == pytest.approx(res.probability, abs=1e-6)  # float32 network
    assert again.depth == pytest.approx(res.depth, abs=1e-3)


def test_classify_station_rejects_wrong_sampling_and_shapes(tiny_model):
    rfs, p = synthetic_station(False, 5, 0.02, 4)
    with pytest.raises(ValueError, match="model_times: the classifier takes 600 samples"):
        classify_station(tiny_model, rfs, TIMES, p, REF, model_times=TIMES[:300])
    with pytest.raises(ValueError, match=r"model_times: the classifier was trained on 0\.1 s"):
        classify_station(tiny_model, rfs, TIMES, p, REF, model_times=np.arange(600) * 0.05 - 5)
    with pytest.raises(ValueError, match=r"model_times\[0\]"):
        classify_station(tiny_model, rfs, TIMES, p, REF, model_times=TIMES + 1.0)
    with pytest.raises(ValueError, match="times has 599"):
        classify_station(tiny_model, rfs, TIMES[:-1], p, REF)
    with pytest.raises(ValueError, match="uniformly sampled"):
        classify_station(tiny_model, rfs, np.sort(TIMES**3), p, REF)
    with pytest.raises(ValueError, match="slowness has 4 values"):
        classify_station(tiny_model, rfs, TIMES, p[:4], REF)
    with pytest.raises(ValueError, match="times, slowness: required"):
        classify_station(tiny_model, rfs, reference=REF)
    with pytest.raises(ValueError, match="reference"):
        classify_station(tiny_model, rfs, TIMES, p)


def test_plot_rf_stack_writes_a_figure(tmp_path):
    pytest.importorskip("matplotlib")
    from geoinvert.invert.xdisc import moveout_stack
    from geoinvert.plot import plot_rf_stack

    rfs, p = synthetic_station(True, 10, 0.02, 5)
    mig = depth_stack(rfs, TIMES, p, DEPTH_GRID, *REF)
    det = detect_in_window(mig, DEPTH_GRID, seed=0, n_bootstrap=50)
    stack = moveout_stack(rfs, TIMES, p, REF)
    fig = plot_rf_stack(
        TIMES, stack, DEPTH_GRID, np.nanmean(mig[:, :400], axis=0).tolist() + [np.nan] * 200,
        detection=det, model_end=60.0, out=tmp_path / "stack.png",
    )  # fmt: skip
    assert (tmp_path / "stack.png").stat().st_size > 10_000 and len(fig.axes) == 2
    assert len(plot_rf_stack(TIMES, stack).axes) == 1  # time panel only
    with pytest.raises(ValueError, match="times has 600"):
        plot_rf_stack(TIMES, stack[:-1])
