"""ObsPy / SAC interoperability for receiver functions (needs the optional ``obspy``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["to_stream", "write_sac"]


def _real(name: str, value: Any, *, positive: bool) -> float:
    """A finite real scalar (not a bool), > 0 if ``positive``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValueError(f"{name} must be a real number (s), got {value!r}")
    if not math.isfinite(value) or (positive and value <= 0):
        raise ValueError(f"{name} must be finite{' and > 0' if positive else ''}, got {value}")
    return float(value)


def to_stream(
    rfs: ArrayLike,
    *,
    dt: float,
    shift: float = 5.0,
    slowness: ArrayLike | None = None,
    network: str = "XX",
    station: str = "SYN",
    channel: str = "RRF",
) -> Any:
    """Wrap receiver functions in an ObsPy ``Stream`` (one ``Trace`` per RF).

    Parameters
    ----------
    rfs : array_like, shape (..., n_samples)
        Receiver functions, e.g. from :func:`geoinvert.rf.receiver_function`; leading axes are
        flattened in C order.
    dt : float
        Sample interval in s, finite and > 0.
    shift : float
        Time (s, finite) of the direct P after the first sample; stored as SAC ``b = -shift`` and
        ``a = 0`` (P pick) so that SAC/ObsPy tools show time relative to P.
    slowness : array_like, optional
        Slowness (s/km) of each RF, broadcast to the leading axes; stored as ``stats.slowness``
        and SAC ``user0`` (s/km).
    network, station, channel : str
        SEED codes of the traces.

    Returns
    -------
    obspy.Stream
    """
    # Arguments first, so that bad input is reported the same with or without obspy.
    dt = _real("dt", dt, positive=True)
    shift = _real("shift", shift, positive=False)
    data = np.asarray(rfs, dtype=np.float64)
    if data.ndim < 1 or data.shape[-1] < 1:
        raise ValueError(f"rfs must have shape (..., n_samples), got {data.shape}")
    try:
        from obspy import Stream, Trace, UTCDateTime
        from obspy.core.util import AttribDict
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("to_stream needs obspy: pip install obspy") from exc
    lead = data.shape[:-1]
    flat = data.reshape(-1, data.shape[-1])
    if slowness is None:
        slow = np.full(flat.shape[0], np.nan)
    else:
        try:
            slow = np.broadcast_to(np.asarray(slowness, dtype=np.float64), lead).reshape(-1)
        except ValueError:
            raise ValueError(
                f"slowness of shape {np.shape(slowness)} does not broadcast to {lead}"
            ) from None
    st = Stream()
    for i, row in enumerate(flat):
        tr = Trace(data=row.copy())
        tr.stats.network, tr.stats.station, tr.stats.channel = network, station, channel
        tr.stats.delta = dt
        tr.stats.starttime = UTCDateTime(0) - shift
        tr.stats.slowness = float(slow[i])
        tr.stats.sac = AttribDict({"b": -shift, "a": 0.0, "kuser0": "rf"})
        if np.isfinite(slow[i]):
            tr.stats.sac.user0 = float(slow[i])
        st.append(tr)
    return st


def write_sac(
    rfs: ArrayLike, directory: str | Path, *, prefix: str = "rf", **kwargs: Any
) -> list[Path]:
    """Write receiver functions as SAC files ``{prefix}_{index:04d}.sac`` in ``directory``.

    Keyword arguments go to :func:`to_stream` (``dt`` is required). Returns the paths written.
    """
    st = to_stream(rfs, **kwargs)
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, tr in enumerate(st):
        path = out / f"{prefix}_{i:04d}.sac"
        tr.write(str(path), format="SAC")
        paths.append(path)
    return paths
