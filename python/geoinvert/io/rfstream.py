"""Reader for receiver functions stored as RFStream/obspyh5 HDF5 files (the ``rf`` package).

Reads the traces and the header values a receiver-function analysis needs with h5py alone, so
neither ObsPy nor ``rf`` has to be installed. Times are in s; slowness is converted from the
file's s/° to s/km (1° = 111.195 km on a 6371 km sphere).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

__all__ = ["KM_PER_DEGREE", "ReceiverFunctions", "align_on_onset", "read_rf_h5"]

KM_PER_DEGREE = 6371.0 * np.pi / 180.0


@dataclass(frozen=True)
class ReceiverFunctions:
    """A set of receiver-function traces of one component on a common time axis.

    Attributes
    ----------
    data : ndarray, shape (n_traces, npts)
        Amplitudes (dimensionless receiver-function units).
    dt : float
        Sampling interval in s.
    onset : float
        Time of the P onset relative to the first sample, in s (time 0 of ``times``).
    slowness : ndarray, shape (n_traces,)
        Horizontal slowness in s/km.
    back_azimuth, distance : ndarray, shape (n_traces,)
        Back-azimuth and epicentral distance in degrees.
    station, channel : str
        Station code (NET.STA) and channel (e.g. BHR, BHQ).
    """

    data: NDArray[np.float64]
    dt: float
    onset: float
    slowness: NDArray[np.float64]
    back_azimuth: NDArray[np.float64]
    distance: NDArray[np.float64]
    station: str
    channel: str

    @property
    def n_traces(self) -> int:
        """Number of traces."""
        return int(self.data.shape[0])

    @property
    def times(self) -> NDArray[np.float64]:
        """Time of each sample relative to the P onset, in s."""
        return np.arange(self.data.shape[1], dtype=np.float64) * self.dt - self.onset


def align_on_onset(
    traces: list[NDArray[np.float64]], onsets: list[float], dt: float
) -> tuple[NDArray[np.float64], float]:
    """Cut traces of different lengths and start times to the window they all share.

    Parameters
    ----------
    traces : list of ndarray
        One 1-D array per trace, all sampled at ``dt``.
    onsets : list of float
        P-onset time of each trace in s after its first sample.
    dt : float
        Sampling interval in s.

    Returns
    -------
    data : ndarray, shape (n_traces, npts)
        Traces aligned on their onsets.
    before : float
        Onset time in s after the first sample of ``data`` (the shortest pre-onset window).
    """
    before = min(onsets)
    after = min(len(tr) * dt - o for tr, o in zip(traces, onsets, strict=True))
    if before < 0 or after <= 0:
        raise ValueError(
            f"onsets: every trace must contain its P onset (got onsets from {before:.3g} s; "
            f"shortest window after the onset {after:.3g} s)"
        )
    npts = round((before + after) / dt)
    data = np.empty((len(traces), npts))
    for k, (tr, o) in enumerate(zip(traces, onsets, strict=True)):
        start = round((o - before) / dt)
        data[k] = tr[start : start + npts]
    return data, before


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.rstrip("Z"))


def read_rf_h5(path: str | Path, *, channel: str = "R") -> ReceiverFunctions:
    """Read one component of the receiver functions in an RFStream HDF5 file.

    Parameters
    ----------
    path : path
        File written by ``rf.RFStream.write(path, "H5")`` (obspyh5 layout).
    channel : str
        Last letter of the channel to read: "R" (radial, default), "Q", "T", "L", "Z".

    Returns
    -------
    ReceiverFunctions
        Traces cut to a common length around the onset (s, s/km, degrees).
    """
    import h5py

    path = Path(path)
    if not path.exists():
        raise ValueError(f"receiver-function file {path} does not exist")
    traces, headers = [], []
    with h5py.File(path, "r") as f:
        if f.attrs.get("file_format") != "obspyh5" or "waveforms" not in f:
            raise ValueError(f"{path}: not an obspyh5/RFStream file")

        def visit(_: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset) and str(obj.attrs.get("channel", ""))[-1:] == channel:
                traces.append(np.asarray(obj[()], dtype=float))
                headers.append(dict(obj.attrs))

        f["waveforms"].visititems(visit)
    if not traces:
        raise ValueError(f"{path}: no traces with a channel ending in {channel!r}")
    dts = {float(h["delta"]) for h in headers}
    if len(dts) != 1:
        raise ValueError(f"{path}: traces have different sampling intervals {sorted(dts)}")
    dt = dts.pop()
    onsets = [(_time(h["onset"]) - _time(h["starttime"])).total_seconds() for h in headers]
    data, before = align_on_onset(traces, onsets, dt)
    slowness_deg = np.array([float(h.get("slowness", np.nan)) for h in headers])
    station = f"{headers[0].get('network', '')}.{headers[0].get('station', '')}"
    return ReceiverFunctions(
        data=data,
        dt=dt,
        onset=before,
        slowness=slowness_deg / KM_PER_DEGREE,
        back_azimuth=np.array([float(h.get("back_azimuth", np.nan)) for h in headers]),
        distance=np.array([float(h.get("distance", np.nan)) for h in headers]),
        station=station,
        channel=str(headers[0]["channel"]),
    )
