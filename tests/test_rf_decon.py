"""Tests of the observed-data tools of geoinvert.rf: deconvolution and ObsPy/SAC output."""

from __future__ import annotations

import numpy as np
import pytest

import geoinvert.rf as rf

MODEL = ([2.0, 33.0, 0.0], [3.0, 6.3, 8.1], [1.5, 3.6, 4.5], [2.2, 2.8, 3.35])
N, DT, P = 2048, 0.05, 0.06


@pytest.fixture(scope="module")
def seismograms() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact radial/vertical seismograms: surface spectra x a broadband source (a = 8 rad/s)."""
    f, r_spec, z_spec = rf.surface_spectra(*MODEL, slowness=P, df=1 / (N * DT), n_freq=N // 2 + 1)
    omega = 2 * np.pi * f
    source = np.exp(-(omega**2) / (4 * 8.0**2) - 1j * omega * 10.0)
    r = np.fft.irfft(r_spec * source, N)
    z = np.fft.irfft(z_spec * source, N)
    ref = rf.receiver_function(*MODEL, slowness=P, dt=DT, n_samples=N, shift=5.0)
    return r, z, ref


def test_water_level_recovers_the_synthetic(seismograms) -> None:
    r, z, ref = seismograms
    out = rf.water_level_deconvolution(r, z, dt=DT, gaussian=2.5, shift=5.0, water_level=1e-10)
    # Same R/Z and Gaussian; the only difference is the zero padding of the 102-s traces
    # (measured 7.5e-4 of the peak).
    assert np.abs(out - ref).max() <= 2e-3 * ref.max()


def test_iterative_recovers_the_synthetic(seismograms) -> None:
    r, z, ref = seismograms
    out, fit = rf.iterative_deconvolution(r, z, dt=DT, gaussian=2.5, shift=5.0)
    # A sediment model rings for tens of seconds; with sample-aligned spikes the iterative
    # method reaches fit 0.99, correlation 0.995 and a max error of 10 % of the P peak.
    assert fit > 0.98
    assert np.corrcoef(out, ref)[0, 1] > 0.99
    assert np.abs(out - ref).max() <= 0.15 * ref.max()
    assert abs(np.argmax(out) - np.argmax(ref)) <= 1


def test_deconvolution_bad_input() -> None:
    z = np.zeros(64)
    with pytest.raises(ValueError, match="vertical is all zeros"):
        rf.iterative_deconvolution(np.ones(64), z, dt=0.05)
    with pytest.raises(ValueError, match="radial has shape"):
        rf.water_level_deconvolution(np.ones(64), np.ones(32), dt=0.05)
    with pytest.raises(ValueError, match="dt must be finite and > 0"):
        rf.iterative_deconvolution(np.ones(64), np.ones(64), dt=0.0)
    with pytest.raises(ValueError, match="radial must be finite"):
        rf.water_level_deconvolution(np.r_[np.nan, np.ones(63)], np.ones(64), dt=0.05)
    with pytest.raises(ValueError, match="max_iterations"):
        rf.iterative_deconvolution(np.ones(64), np.ones(64), dt=0.05, max_iterations=0)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"dt": 0.0}, r"dt must be finite and > 0"),
        ({"dt": -1.0}, r"dt must be finite and > 0"),
        ({"dt": float("nan")}, r"dt must be finite and > 0"),
        ({"dt": float("inf")}, r"dt must be finite and > 0"),
        ({"dt": True}, r"dt must be a real number"),
        ({"dt": "0.05"}, r"dt must be a real number"),
        ({"shift": float("nan")}, r"shift must be finite"),
        ({"shift": float("-inf")}, r"shift must be finite"),
        ({"shift": None}, r"shift must be a real number"),
    ],
)
def test_to_stream_bad_input(change: dict, match: str) -> None:
    # Checked before obspy is imported: the same ValueError with or without obspy.
    kw = {"dt": DT, "shift": 5.0, **change}
    with pytest.raises(ValueError, match=match):
        rf.to_stream(np.zeros((2, 16)), **kw)
    with pytest.raises(ValueError, match=match):
        rf.write_sac(np.zeros(16), "unused", **kw)


def test_obspy_stream_and_sac(tmp_path) -> None:
    obspy = pytest.importorskip("obspy")
    rfs = rf.receiver_function(*MODEL, slowness=[0.05, 0.07], dt=DT, n_samples=512, shift=5.0)
    st = rf.to_stream(rfs, dt=DT, shift=5.0, slowness=[0.05, 0.07])
    assert len(st) == 2 and st[1].stats.slowness == pytest.approx(0.07)
    assert st[0].stats.delta == pytest.approx(DT)
    paths = rf.write_sac(rfs, tmp_path, dt=DT, shift=5.0, slowness=[0.05, 0.07])
    back = obspy.read(str(paths[1]))[0]
    np.testing.assert_allclose(back.data, rfs[1], rtol=1e-6, atol=1e-7 * np.abs(rfs[1]).max())
    assert back.stats.sac.b == pytest.approx(-5.0)
    assert back.stats.sac.user0 == pytest.approx(0.07)
