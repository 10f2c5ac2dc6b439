"""Receiver functions from SAC/MiniSEED files, ObsPy streams and arrays (geoinvert.io.rf_files)."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.invert.rf_stacking import depth_stack, detect_in_window
from geoinvert.invert.xdisc import DEPTH_GRID, moveout_stack
from geoinvert.io import (
    as_receiver_functions,
    read_rf_files,
    rf_from_arrays,
    rf_from_stream,
)
from geoinvert.io.rfstream import KM_PER_DEGREE
from geoinvert.rf import receiver_function

# 20-km crust over a mantle with a 5 % Vs step at 300 km (km, km/s, g/cm³); see
# tests/test_invert_xdisc.py for why the crust is thin.
THICK = np.array([20.0, 280.0, 0.0])
VP = np.array([6.3, 8.1, 8.3])
VS = np.array([3.7, 4.5, 4.725])
RHO = np.array([2.8, 3.3, 3.3])
REF = (THICK, np.array([6.3, 8.1, 8.1]), np.array([3.7, 4.5, 4.5]))
DT, NPTS, SHIFT = 0.1, 600, 5.0


def _station(n=30, noise=0.02, seed=0):
    rng = np.random.default_rng(seed)
    p = np.sort(rng.uniform(0.04, 0.08, n))
    rfs = receiver_function(
        THICK, VP, VS, RHO, slowness=p, dt=DT, n_samples=NPTS, shift=SHIFT, gaussian=1.0,
        n_fft=4096,
    )  # fmt: skip
    rfs = rfs + noise * np.abs(rfs).max(axis=1, keepdims=True) * rng.standard_normal(rfs.shape)
    return rfs, p


def _write_sac(folder, rfs, p, *, start_offsets=None, slowness_key="user1"):
    """One SAC file per RF as the ``rf`` package writes them: onset in 'a', s/° in 'user1'."""
    obspy = pytest.importorskip("obspy")
    from obspy.io.sac import SACTrace

    paths = []
    for k, (data, pk) in enumerate(zip(rfs, p, strict=True)):
        # trims a few samples off some traces' start so that the reader has to align them
        cut = 0 if start_offsets is None else start_offsets[k]
        sac = SACTrace(
            data=data[cut:].astype(np.float32), delta=DT, knetwk="XX", kstnm="SYN",
            kcmpnm="BHR", baz=10.0 * k, gcarc=60.0,
        )  # fmt: skip
        # the reference time first: moving it later shifts relative times a and b with it
        sac.reftime = obspy.UTCDateTime(2020, 1, 1) + 600 * k
        sac.b, sac.a = 0.0, SHIFT - cut * DT
        setattr(sac, slowness_key, float(pk * KM_PER_DEGREE))
        path = folder / f"rf_{k:03d}.SAC"
        sac.write(str(path))
        paths.append(path)
    return paths


def test_sac_round_trip_and_detection(tmp_path):
    rfs, p = _station()
    offsets = [k % 3 for k in range(len(p))]
    _write_sac(tmp_path, rfs, p, start_offsets=offsets)
    rf = read_rf_files(tmp_path / "*.SAC")
    assert rf.n_traces == len(p) and rf.station == "XX.SYN" and rf.channel == "BHR"
    assert rf.dt == pytest.approx(DT, rel=1e-6)  # SAC stores delta as float32
    # aligned on the onset: the common window starts at the latest-starting trace
    assert rf.onset == pytest.approx(SHIFT - 2 * DT, abs=1e-5)
    assert rf.data.shape == (len(p), NPTS - 2)
    np.testing.assert_allclose(rf.data, rfs[:, 2:], rtol=1e-6, atol=1e-7)  # float32 round trip
    np.testing.assert_allclose(rf.slowness, p, rtol=1e-6)  # s/° → s/km
    np.testing.assert_allclose(rf.back_azimuth, 10.0 * np.arange(len(p)))
    # stack and detect on what was read back
    migrated = depth_stack(rf.data, rf.times, rf.slowness, DEPTH_GRID, *REF)
    det = detect_in_window(migrated, DEPTH_GRID, seed=0)
    assert det.detected and abs(det.depth - 300.0) <= 10.0
    stack = moveout_stack(rf.data, rf.times, rf.slowness, REF)
    assert rf.times[np.argmax(stack)] == pytest.approx(0.0, abs=3 * DT)  # direct P on top


def test_stream_and_miniseed_need_slowness_and_onset(tmp_path):
    obspy = pytest.importorskip("obspy")
    rfs, p = _station(n=6)
    st = obspy.Stream(
        [
            obspy.Trace(data=r.astype(np.float32), header={"delta": DT, "channel": "BHR",
                                                           "network": "XX", "station": "SYN"})
            for r in rfs
        ]
    )  # fmt: skip
    with pytest.raises(ValueError, match="onset"):
        rf_from_stream(st)
    with pytest.raises(ValueError, match="slowness: trace 0"):
        rf_from_stream(st, onset=SHIFT)
    rf = rf_from_stream(st, onset=SHIFT, slowness=p)
    np.testing.assert_allclose(rf.times, np.arange(NPTS) * DT - SHIFT, atol=1e-9)
    # rf package attributes: stats.onset (UTC) and stats.slowness (s/°)
    for tr, pk in zip(st, p, strict=True):
        tr.stats.onset = tr.stats.starttime + SHIFT
        tr.stats.slowness = pk * KM_PER_DEGREE
    np.testing.assert_allclose(rf_from_stream(st).slowness, p, rtol=1e-12)
    np.testing.assert_allclose(as_receiver_functions(st).data, rf.data)
    # MiniSEED keeps no slowness/onset headers: they come as arguments
    st.write(str(tmp_path / "station.mseed"), format="MSEED")
    rf2 = read_rf_files(tmp_path / "station.mseed", slowness=p, onset=SHIFT)
    np.testing.assert_allclose(rf2.data, rf.data, rtol=1e-6)
    with pytest.raises(ValueError, match="channel ending in 'T'"):
        rf_from_stream(st, component="T")


def test_units_and_bad_inputs_are_named(tmp_path):
    rfs, p = _station(n=4)
    with pytest.raises(ValueError, match="s/°"):  # s/° given as s/km
        rf_from_arrays(rfs, DT, p * KM_PER_DEGREE)
    with pytest.raises(ValueError, match="in s/km"):  # s/km given as s/°
        rf_from_arrays(rfs, DT, p, slowness_unit="s/deg")
    np.testing.assert_allclose(
        rf_from_arrays(rfs, DT, p * KM_PER_DEGREE, slowness_unit="s/deg").slowness, p
    )
    with pytest.raises(ValueError, match="slowness_unit"):
        rf_from_arrays(rfs, DT, p, slowness_unit="s/m")
    with pytest.raises(ValueError, match="dt"):
        rf_from_arrays(rfs, -DT, p)
    with pytest.raises(ValueError, match="slowness has 3 values"):
        rf_from_arrays(rfs, DT, p[:3])
    bad = rfs.copy()
    bad[2, 10] = np.nan
    with pytest.raises(ValueError, match="trace 2"):
        rf_from_arrays(bad, DT, p)
    with pytest.raises(ValueError, match="onset"):
        rf_from_arrays(rfs, DT, p, onset=1e3)
    with pytest.raises(ValueError, match="does not exist"):
        read_rf_files(tmp_path / "nope.SAC")
    with pytest.raises(ValueError, match="no file matches"):
        read_rf_files(tmp_path / "*.SAC")
    with pytest.raises(ValueError, match="source"):
        as_receiver_functions(42)


def test_sac_with_undefined_slowness_is_an_error(tmp_path):
    rfs, p = _station(n=3)
    _write_sac(tmp_path, rfs, p, slowness_key="user2")  # user1 left undefined (-12345)
    with pytest.raises(ValueError, match="slowness: trace 0"):
        read_rf_files(sorted(tmp_path.glob("*.SAC")))
    rf = read_rf_files(sorted(tmp_path.glob("*.SAC")), slowness=p)
    np.testing.assert_allclose(rf.slowness, p)
