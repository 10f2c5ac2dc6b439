"""Receiver functions from ObsPy-readable files (SAC, MiniSEED, ...), ObsPy streams or arrays.

All three paths return the :class:`~geoinvert.io.rfstream.ReceiverFunctions` that
:func:`~geoinvert.io.rfstream.read_rf_h5` returns, so a station can be stacked and classified
the same way whatever its source (:func:`geoinvert.invert.xdisc.classify_station`).

Header keys read from each trace (the names the ``rf`` package uses, Eulenfeld 2013-2019):

========================  ==========================  =====================================
quantity                  ``rf``/obspyh5 attribute    SAC header (``rf``'s SAC mapping)
========================  ==========================  =====================================
P onset                   ``stats.onset`` (UTC time)  ``a`` (s after the reference time;
                                                      ``a - b`` is s after the first sample)
slowness                  ``stats.slowness`` (s/°)    ``user1`` (s/°)
back-azimuth              ``stats.back_azimuth`` (°)  ``baz`` (°)
epicentral distance       ``stats.distance`` (°)      ``gcarc`` (°)
========================  ==========================  =====================================

The ``rf`` package stores slowness in s/°; it is converted to s/km with
``KM_PER_DEGREE`` = 111.195 km/° (6371 km sphere). Formats without these headers (MiniSEED)
need ``slowness=`` and ``onset=`` arguments. SAC's "undefined" value (-12345) counts as missing.
ObsPy is an optional dependency, imported only when a file or stream is read.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .rfstream import KM_PER_DEGREE, ReceiverFunctions, align_on_onset, read_rf_h5

__all__ = [
    "as_receiver_functions",
    "read_rf_files",
    "rf_from_arrays",
    "rf_from_stream",
]

SAC_UNDEFINED = -12345.0
#: Horizontal slowness of teleseismic P and its precursors/cores phases in s/km: a value above
#: this after conversion means the unit was wrong (s/° taken for s/km).
MAX_SLOWNESS_S_PER_KM = 0.2
#: ... and below this (in s/°) that s/km values were passed as s/°.
MIN_SLOWNESS_S_PER_DEG = 0.2
_UNITS = ("s/km", "s/deg")


def _to_s_per_km(values: np.ndarray, unit: str, name: str) -> np.ndarray:
    if unit not in _UNITS:
        raise ValueError(f"slowness_unit must be 's/km' or 's/deg', got {unit!r}")
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{name}[{i}]: slowness must be finite and >= 0, got {values[i]}")
    if unit == "s/deg":
        small = np.flatnonzero((values > 0) & (values < MIN_SLOWNESS_S_PER_DEG))
        if small.size:
            i = int(small[0])
            raise ValueError(
                f"{name}[{i}] = {values[i]:.4g} s/° is implausibly small for teleseismic P; "
                "is it in s/km? Pass slowness_unit='s/km'"
            )
        values = values / KM_PER_DEGREE
    elif np.any(values > MAX_SLOWNESS_S_PER_KM):
        i = int(np.argmax(values))
        raise ValueError(
            f"{name}[{i}] = {values[i]:.4g} s/km is too large for teleseismic P "
            f"(> {MAX_SLOWNESS_S_PER_KM}); is it in s/°? Pass slowness_unit='s/deg'"
        )
    return values


def rf_from_arrays(
    traces: ArrayLike,
    dt: float,
    slowness: ArrayLike,
    *,
    onset: float = 0.0,
    slowness_unit: str = "s/km",
    back_azimuth: ArrayLike | None = None,
    distance: ArrayLike | None = None,
    station: str = "",
    channel: str = "",
) -> ReceiverFunctions:
    """Wrap plain arrays as :class:`ReceiverFunctions`, with validation.

    Parameters
    ----------
    traces : array_like, shape (n_traces, n_samples)
        Radial receiver functions on a common time axis (one trace may be 1-D).
    dt : float
        Sampling interval in s (> 0).
    slowness : array_like, shape (n_traces,)
        Horizontal slowness of each trace, in ``slowness_unit``.
    onset : float
        Time of the P onset in s after the first sample (so ``times = arange(n) * dt - onset``).
    slowness_unit : {"s/km", "s/deg"}
        Unit of ``slowness``; s/° is converted to s/km.
    back_azimuth, distance : array_like, optional
        Degrees, shape (n_traces,); NaN when not given.
    station, channel : str
        Labels (NET.STA, e.g. BHR).

    Returns
    -------
    ReceiverFunctions
    """
    data = np.atleast_2d(np.asarray(traces, dtype=float))
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError(f"traces must have shape (n_traces, n_samples), got {data.shape}")
    bad = np.argwhere(~np.isfinite(data))
    if bad.size:
        raise ValueError(f"traces: trace {int(bad[0, 0])} contains NaN or inf")
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive sampling interval in s, got {dt}")
    if not (np.isfinite(onset) and 0 <= onset < data.shape[1] * dt):
        raise ValueError(
            f"onset must lie in the trace window [0, {data.shape[1] * dt:.4g}) s, got {onset}"
        )
    p = np.asarray(slowness, dtype=float).reshape(-1)
    if p.size != data.shape[0]:
        raise ValueError(f"slowness has {p.size} values but traces has {data.shape[0]} rows")
    p = _to_s_per_km(p, slowness_unit, "slowness")

    def _opt(values: ArrayLike | None, name: str) -> np.ndarray:
        if values is None:
            return np.full(data.shape[0], np.nan)
        v = np.asarray(values, dtype=float).reshape(-1)
        if v.size != data.shape[0]:
            raise ValueError(f"{name} has {v.size} values but traces has {data.shape[0]} rows")
        return v

    return ReceiverFunctions(
        data=data,
        dt=float(dt),
        onset=float(onset),
        slowness=p,
        back_azimuth=_opt(back_azimuth, "back_azimuth"),
        distance=_opt(distance, "distance"),
        station=station,
        channel=channel,
    )


def _header(stats: Any, key: str, sac_key: str) -> float:
    """``stats[key]`` (rf attribute) or ``stats.sac[sac_key]``; NaN when absent/undefined."""
    value = stats.get(key)
    if value is None:
        sac = stats.get("sac") or {}
        value = sac.get(sac_key)
    if value is None:
        return float("nan")
    value = float(value)
    return float("nan") if value == SAC_UNDEFINED else value


def _onset_after_start(stats: Any) -> float:
    onset = stats.get("onset")
    if onset is not None:
        return float(onset - stats.starttime)
    sac = stats.get("sac") or {}
    a, b = sac.get("a"), sac.get("b", 0.0)
    if a is None or float(a) == SAC_UNDEFINED:
        return float("nan")
    return float(a) - float(b)


def rf_from_stream(
    stream: Any,
    *,
    component: str | None = "R",
    slowness: ArrayLike | None = None,
    slowness_unit: str | None = None,
    onset: float | None = None,
) -> ReceiverFunctions:
    """Receiver functions from an ObsPy ``Stream`` (or an ``rf.RFStream``).

    Parameters
    ----------
    stream : obspy.Stream
        Traces of one station; all must share one sampling interval.
    component : str, optional
        Keep only traces whose channel code ends with this letter ("R", "Q", ...); None keeps
        every trace.
    slowness : array_like, optional
        Slowness of each kept trace (in ``slowness_unit``, default s/km) when the headers lack
        it (MiniSEED); otherwise read from ``stats.slowness`` or SAC ``user1`` (s/°).
    slowness_unit : {"s/km", "s/deg"}, optional
        Unit of the slowness; default "s/km" for ``slowness=`` and "s/deg" for header values
        (the ``rf`` package's convention).
    onset : float, optional
        P onset in s after each trace's first sample, used when the headers lack it
        (``stats.onset``, SAC ``a``).

    Returns
    -------
    ReceiverFunctions
        Traces aligned on their onsets and cut to the window all of them share.
    """
    traces = list(getattr(stream, "traces", stream))
    if component is not None:
        traces = [tr for tr in traces if str(tr.stats.get("channel", ""))[-1:] == component]
    if not traces:
        raise ValueError(
            f"stream: no traces with a channel ending in {component!r}"
            if component is not None
            else "stream: no traces"
        )
    dts = np.array([float(tr.stats.delta) for tr in traces])
    # Sampling intervals that differ by more than float rounding cannot share a time axis.
    if not np.allclose(dts, dts[0], rtol=1e-6, atol=0.0):
        raise ValueError(f"stream: traces have different sampling intervals {sorted(set(dts))} s")
    dt = float(dts[0])
    onsets = np.array([_onset_after_start(tr.stats) for tr in traces])
    if onset is not None:
        onsets = np.where(np.isnan(onsets), float(onset), onsets)
    if np.isnan(onsets).any():
        i = int(np.flatnonzero(np.isnan(onsets))[0])
        raise ValueError(
            f"onset: trace {i} ({traces[i].id}) has no P onset in its headers (stats.onset or "
            "SAC 'a'); pass onset= (s after the first sample)"
        )
    if slowness is not None:
        p = np.asarray(slowness, dtype=float).reshape(-1)
        if p.size != len(traces):
            raise ValueError(
                f"slowness has {p.size} values but the stream has {len(traces)} traces"
            )
        p = _to_s_per_km(p, slowness_unit or "s/km", "slowness")
    else:
        p = np.array([_header(tr.stats, "slowness", "user1") for tr in traces])
        if np.isnan(p).any():
            i = int(np.flatnonzero(np.isnan(p))[0])
            raise ValueError(
                f"slowness: trace {i} ({traces[i].id}) has no slowness in its headers "
                "(stats.slowness or SAC 'user1', s/°); pass slowness="
            )
        p = _to_s_per_km(p, slowness_unit or "s/deg", "slowness")
    data, before = align_on_onset(
        [np.asarray(tr.data, dtype=float) for tr in traces], list(onsets), dt
    )
    first = traces[0].stats
    return rf_from_arrays(
        data,
        dt,
        p,
        onset=before,
        back_azimuth=[_header(tr.stats, "back_azimuth", "baz") for tr in traces],
        distance=[_header(tr.stats, "distance", "gcarc") for tr in traces],
        station=f"{first.get('network', '')}.{first.get('station', '')}",
        channel=str(first.get("channel", "")),
    )


def _obspy() -> Any:
    try:
        import obspy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "reading receiver functions from SAC/MiniSEED needs ObsPy: pip install obspy"
        ) from exc
    return obspy


def read_rf_files(
    paths: str | Path | Sequence[str | Path],
    *,
    format: str | None = None,
    component: str | None = "R",
    slowness: ArrayLike | None = None,
    slowness_unit: str | None = None,
    onset: float | None = None,
) -> ReceiverFunctions:
    """Read one station's receiver functions from ObsPy-readable files.

    Parameters
    ----------
    paths : path, glob pattern or sequence of them
        Files ObsPy can read (SAC, MiniSEED, SEG-Y, ...; ``obspy.read``).
    format : str, optional
        ObsPy format name ("SAC", "MSEED", ...); guessed from the file when None.
    component, slowness, slowness_unit, onset
        As in :func:`rf_from_stream`.

    Returns
    -------
    ReceiverFunctions
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    files: list[Path] = []
    for item in items:
        text = str(item)
        if glob.has_magic(text):
            found = sorted(glob.glob(text))
            if not found:
                raise ValueError(f"paths: no file matches {text!r}")
            files += [Path(f) for f in found]
        elif not Path(text).is_file():
            raise ValueError(f"paths: receiver-function file {text} does not exist")
        else:
            files.append(Path(text))
    if not files:
        raise ValueError("paths: no files given")
    obspy = _obspy()
    stream = obspy.Stream()
    for f in files:
        stream += obspy.read(str(f), format=format)
    return rf_from_stream(
        stream, component=component, slowness=slowness, slowness_unit=slowness_unit, onset=onset
    )


def as_receiver_functions(source: Any, **kw: Any) -> ReceiverFunctions:
    """:class:`ReceiverFunctions` from whatever a station's data arrive as.

    Parameters
    ----------
    source : ReceiverFunctions, obspy.Stream, path or sequence of paths
        An RFStream HDF5 file (``.h5``/``.hdf5``, :func:`read_rf_h5`), other ObsPy-readable
        files (:func:`read_rf_files`) or a stream (:func:`rf_from_stream`).
    **kw
        Passed to the reader (``component``, ``slowness``, ``onset``, ...; for HDF5 only
        ``channel``).
    """
    if isinstance(source, ReceiverFunctions):
        return source
    if hasattr(source, "traces"):
        return rf_from_stream(source, **kw)
    if isinstance(source, (str, Path)) and Path(source).suffix.lower() in (".h5", ".hdf5"):
        return read_rf_h5(source, **kw)
    if isinstance(source, (str, Path)) or (
        isinstance(source, Sequence) and all(isinstance(s, (str, Path)) for s in source)
    ):
        return read_rf_files(source, **kw)
    raise ValueError(
        "source must be ReceiverFunctions, an obspy Stream or file path(s), "
        f"got {type(source).__name__}"
    )
