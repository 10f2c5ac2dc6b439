"""Ray-theory Ps delays, depth migration and the bootstrap detector."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert.rf_stacking import depth_stack, detect_in_window, ps_delay

# A two-layer crust over mantle (km, km/s).
THICK = np.array([20.0, 15.0, 0.0])
VP = np.array([6.0, 6.6, 8.1])
VS = np.array([3.5, 3.8, 4.5])


def test_single_layer_delay_is_closed_form():
    p, h, vp, vs = 0.06, 35.0, 6.3, 3.6
    expected = h * (np.sqrt(1 / vs**2 - p**2) - np.sqrt(1 / vp**2 - p**2))
    got = ps_delay([h], p, [h, 0.0], [vp, 8.0], [vs, 4.5])
    assert got[0] == pytest.approx(expected, rel=1e-12)


def test_delay_is_additive_and_grows_with_slowness():
    z = np.array([10.0, 20.0, 35.0, 300.0])
    d = ps_delay(z, [0.04, 0.08], THICK, VP, VS)
    assert d.shape == (2, 4)
    assert np.all(np.diff(d, axis=1) > 0)
    assert np.all(d[1] > d[0])  # Ps moveout: later at larger slowness
    # Below the last interface the delay grows linearly with the half-space's q.
    q = np.sqrt(1 / VS[-1] ** 2 - 0.04**2) - np.sqrt(1 / VP[-1] ** 2 - 0.04**2)
    assert d[0, 3] - d[0, 2] == pytest.approx(q * 265.0, rel=1e-12)


def _pulse_traces(depth_km, slowness, amplitude, noise, rng):
    times = np.arange(-5, 60, 0.05)
    delays = ps_delay([depth_km], slowness, THICK, VP, VS)[:, 0]
    traces = amplitude * np.exp(-(((times[None, :] - delays[:, None]) / 0.6) ** 2))
    return times, traces + noise * rng.standard_normal(traces.shape)


def test_migration_aligns_a_converter_and_detector_finds_it():
    rng = np.random.default_rng(0)
    slowness = rng.uniform(0.04, 0.08, size=40)
    times, traces = _pulse_traces(300.0, slowness, 0.05, 0.02, rng)
    depth = np.arange(0, 500, 1.0)
    migrated = depth_stack(traces, times, slowness, depth, THICK, VP, VS)
    result = detect_in_window(migrated, depth, seed=1)
    assert result.detected and abs(result.depth - 300.0) <= 3.0
    assert result.lower > 0 and result.probability > 0.9


def test_detector_false_alarm_rate_on_pure_noise():
    # At 95% confidence the false-alarm rate must be about 5% or less: 40 noise-only stations.
    rng = np.random.default_rng(5)
    depth = np.arange(0, 500, 1.0)
    alarms = 0
    for _ in range(40):
        slowness = rng.uniform(0.04, 0.08, size=30)
        times, traces = _pulse_traces(300.0, slowness, 0.0, 0.02, rng)
        migrated = depth_stack(traces, times, slowness, depth, THICK, VP, VS)
        alarms += detect_in_window(migrated, depth, seed=1, n_bootstrap=200).detected
    assert alarms <= 6  # binomial(40, 0.05): P(X > 6) < 1.5%


def test_shape_errors_name_arguments():
    with pytest.raises(ValueError, match="slowness"):
        depth_stack(np.zeros((3, 10)), np.arange(10.0), [0.05, 0.06], [1.0], THICK, VP, VS)
    with pytest.raises(ValueError, match="post-critical"):
        ps_delay([10.0], 0.2, THICK, VP, VS)


def test_moveout_stack_aligns_to_reference_slowness():
    from geoinvert.invert.xdisc import moveout_stack

    rng = np.random.default_rng(2)
    slowness = rng.uniform(0.04, 0.08, size=12)
    times, traces = _pulse_traces(300.0, slowness, 1.0, 0.0, rng)
    stack = moveout_stack(traces, times, slowness, (THICK, VP, VS), p_ref=0.06)
    expected = ps_delay([300.0], 0.06, THICK, VP, VS)[0]
    assert abs(times[np.argmax(stack)] - expected) <= 0.1  # within two samples
    assert stack.max() > 0.9  # aligned pulses stack coherently


def test_station_nan_trace_is_named():
    from geoinvert.invert.xdisc import classify_station

    traces = np.zeros((3, 50))
    traces[2, 7] = np.nan
    with pytest.raises(ValueError, match="trace 2"):
        classify_station(
            None, traces, np.arange(50) * 0.1, [0.05, 0.06, 0.07], (THICK, VP, VS), model_times=[0]
        )
