"""Observed surface-wave dispersion on a grid of points, and crustal-thickness maps.

Readers turn a tomography product into a :class:`DispersionGrid` (points × frequencies), the input
of :func:`geoinvert.invert.crust.invert_crust`; writers store a crustal-thickness map with its
uncertainty as NetCDF (CF-style, NetCDF-3 through scipy, readable by xarray/GMT/QGIS) and PNG.

Formats
-------
CSV (long format, one row per point and frequency; header names are case-insensitive)::

    lon,lat,frequency,phase_velocity[,group_velocity][,phase_sigma][,group_sigma]

``frequency`` is in Hz; a ``period`` column (s) may be given instead. Velocities and their
standard deviations are in km/s. Every point must have every frequency exactly once.

NetCDF: coordinate variables ``lon`` (degrees east), ``lat`` (degrees north) and ``frequency``
(Hz, or ``period`` in s) and data variables ``phase_velocity`` and optionally
``group_velocity``, ``phase_sigma``, ``group_sigma`` (km/s) on the dimensions
(lat, lon, frequency) in any order. Read with xarray when it is installed (any NetCDF flavour it
opens), else with :class:`scipy.io.netcdf_file` (NetCDF-3 only).

Units: lon/lat degrees, frequency Hz, velocity km/s, thickness km.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DispersionGrid",
    "read_dispersion_grid",
    "write_dispersion_grid",
    "write_thickness_netcdf",
    "write_thickness_png",
]

log = logging.getLogger(__name__)

MAX_FREQUENCY_HZ = 5.0  # surface-wave tomography lies far below; larger values are mHz or s
_VELOCITY_LIMITS_KM_S = (0.5, 20.0)  # a median outside this is m/s or another wrong unit
_FIELDS = ("phase", "group", "phase_sigma", "group_sigma")
_NAMES = {
    "phase": "phase_velocity",
    "group": "group_velocity",
    "phase_sigma": "phase_sigma",
    "group_sigma": "group_sigma",
}


@dataclass(frozen=True)
class DispersionGrid:
    """Observed dispersion at ``n_points`` locations and ``n_f`` frequencies.

    Attributes
    ----------
    lon, lat : ndarray, shape (n_points,)
        Coordinates in degrees east / north.
    frequencies : ndarray, shape (n_f,)
        Frequencies in Hz, increasing.
    phase : ndarray, shape (n_points, n_f)
        Phase velocity in km/s.
    group : ndarray, shape (n_points, n_f), or None
        Group velocity in km/s.
    phase_sigma, group_sigma : ndarray, shape (n_points, n_f), or None
        One-standard-deviation uncertainties in km/s.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    frequencies: NDArray[np.float64]
    phase: NDArray[np.float64]
    group: NDArray[np.float64] | None = None
    phase_sigma: NDArray[np.float64] | None = None
    group_sigma: NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def n_points(self) -> int:
        return int(self.lon.size)

    @property
    def periods(self) -> NDArray[np.float64]:
        """Periods in s (1 / frequencies)."""
        return 1.0 / self.frequencies

    def point_name(self, i: int) -> str:
        """``'lon 103.5, lat 30.5'`` of point ``i`` (for messages)."""
        return f"lon {self.lon[i]:g}, lat {self.lat[i]:g}"


def _check_frequencies(f: NDArray, what: str = "frequency") -> None:
    bad = ~np.isfinite(f) | (f <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{what}[{i}]: frequencies must be positive finite values in Hz, got {f[i]}"
        )
    if f.max() > MAX_FREQUENCY_HZ:
        raise ValueError(
            f"{what}: values up to {f.max():g} do not look like Hz (surface-wave frequencies lie "
            f"below {MAX_FREQUENCY_HZ:g} Hz); convert mHz to Hz, or give periods in s"
        )


def _validate(g: DispersionGrid) -> None:
    n = g.lon.size
    if g.lon.shape != (n,) or g.lat.shape != (n,):
        raise ValueError(f"lon, lat: must be 1-D of equal length, got {g.lon.shape}, {g.lat.shape}")
    _check_frequencies(g.frequencies, "frequencies")
    shape = (n, g.frequencies.size)
    for field in _FIELDS:
        v = getattr(g, field)
        if v is None:
            continue
        if v.shape != shape:
            raise ValueError(
                f"{field}: must have shape {shape} (points, frequencies), got {v.shape}"
            )
        sigma = field.endswith("sigma")
        bad = ~np.isfinite(v) | ((v < 0) if sigma else (v <= 0))
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(
                f"{_NAMES[field]} at {g.point_name(int(i))} (point {i}), frequency "
                f"{g.frequencies[j]:g} Hz: must be a {'non-negative' if sigma else 'positive'} "
                f"finite value in km/s, got {v[i, j]}"
            )
        if not sigma:
            med = float(np.median(v))
            if not _VELOCITY_LIMITS_KM_S[0] <= med <= _VELOCITY_LIMITS_KM_S[1]:
                raise ValueError(
                    f"{_NAMES[field]}: median {med:g} does not look like km/s (m/s?); "
                    "velocities must be in km/s"
                )
    if g.group_sigma is not None and g.group is None:
        raise ValueError("group_sigma: given without group_velocity")


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------


def read_dispersion_grid(path: str | Path, *, drop_missing: bool = False) -> DispersionGrid:
    """Read observed dispersion from a CSV (``.csv``, ``.txt``) or NetCDF (``.nc``) file.

    Parameters
    ----------
    path : str or Path
        The file; the format follows the suffix (see the module docstring for the layouts).
    drop_missing : bool
        NetCDF only: drop grid points whose phase velocities are NaN at every frequency (e.g.
        cells outside the tomography's coverage) instead of raising. A point with only some
        frequencies missing always raises.

    Returns
    -------
    DispersionGrid
        Points in row-major (lat, lon) order for NetCDF, in order of first appearance for CSV;
        frequencies increasing (Hz).

    Raises
    ------
    ValueError
        Missing file or columns/variables, a frequency axis that is not positive Hz, a duplicated
        or missing (point, frequency) pair, NaN or non-positive velocities (naming the lon/lat).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no file at {path}")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _read_csv(path)
    if suffix in (".nc", ".nc4", ".cdf", ".netcdf"):
        return _read_netcdf(path, drop_missing=drop_missing)
    raise ValueError(f"path: unknown suffix {suffix!r}; use .csv or .nc")


def _read_csv(path: Path) -> DispersionGrid:
    with open(path, newline="") as fh:
        reader = csv.reader(row for row in fh if row.strip() and not row.lstrip().startswith("#"))
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ValueError(f"path: {path} is empty") from None
        rows = list(reader)
    aliases = {
        "lon": ("lon", "longitude"),
        "lat": ("lat", "latitude"),
        "frequency": ("frequency", "frequency_hz", "freq"),
        "period": ("period", "period_s"),
        "phase": ("phase_velocity", "phase", "c"),
        "group": ("group_velocity", "group", "u"),
        "phase_sigma": ("phase_sigma", "sigma", "phase_velocity_sigma"),
        "group_sigma": ("group_sigma", "group_velocity_sigma"),
    }
    col: dict[str, int] = {}
    for key, names in aliases.items():
        for name in names:
            if name in header:
                col[key] = header.index(name)
                break
    missing = [k for k in ("lon", "lat", "phase") if k not in col]
    if "frequency" not in col and "period" not in col:
        missing.append("frequency (Hz) or period (s)")
    if missing:
        raise ValueError(f"path: {path.name} lacks the column(s) {missing}; header is {header}")
    if "frequency" in col and "period" in col:
        raise ValueError(f"path: {path.name} has both frequency and period columns; keep one")
    try:
        table = np.array(
            [[float(r[c]) if r[c].strip() else np.nan for c in col.values()] for r in rows],
            dtype=float,
        ).reshape(len(rows), len(col))
    except (ValueError, IndexError) as exc:
        raise ValueError(f"path: {path.name} has a malformed row ({exc})") from None
    data = dict(zip(col, table.T, strict=True))
    if "period" in data:
        p = data.pop("period")
        bad = ~np.isfinite(p) | (p <= 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"period (row {i + 2}): periods must be positive finite s, got {p[i]}")
        data["frequency"] = 1.0 / p
    return _pivot(data, path.name)


def _pivot(data: dict[str, NDArray], name: str) -> DispersionGrid:
    """Long-format columns → (points, frequencies) arrays, with duplicate/missing checks."""
    lon, lat, f = data["lon"], data["lat"], data["frequency"]
    for key, v in (("lon", lon), ("lat", lat)):
        if not np.all(np.isfinite(v)):
            i = int(np.flatnonzero(~np.isfinite(v))[0])
            raise ValueError(f"{key} (row {i + 2} of {name}): must be finite degrees, got {v[i]}")
    bad = ~np.isfinite(f) | (f <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"frequency (row {i + 2} of {name}): must be positive Hz, got {f[i]}")
    _check_frequencies(f)
    # Frequencies equal to 1e-9 relative (periods converted to Hz) are the same frequency.
    freqs = np.unique(np.round(f, 12))
    fi = np.searchsorted(freqs, np.round(f, 12))
    pts, pi = np.unique(np.column_stack([lon, lat]), axis=0, return_inverse=True)
    pi = pi.reshape(-1)
    first = np.full(len(pts), len(lon))
    np.minimum.at(first, pi, np.arange(len(lon)))
    order = np.argsort(first)  # points in order of first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    pi = rank[pi]
    pts = pts[order]
    count = np.zeros((len(pts), freqs.size), int)
    np.add.at(count, (pi, fi), 1)
    if (count > 1).any():
        i, j = np.argwhere(count > 1)[0]
        raise ValueError(
            f"{name}: duplicated rows for lon {pts[i, 0]:g}, lat {pts[i, 1]:g}, frequency "
            f"{freqs[j]:g} Hz ({count[i, j]} rows)"
        )
    if (count == 0).any():
        i, j = np.argwhere(count == 0)[0]
        raise ValueError(
            f"{name}: no row for lon {pts[i, 0]:g}, lat {pts[i, 1]:g} at frequency {freqs[j]:g} "
            f"Hz ({int((count == 0).sum())} (point, frequency) pairs missing); every point needs "
            "every frequency"
        )
    arrays: dict[str, Any] = {}
    for field in _FIELDS:
        if field in data:
            a = np.full(count.shape, np.nan)
            a[pi, fi] = data[field]
            arrays[field] = a
    return DispersionGrid(pts[:, 0].copy(), pts[:, 1].copy(), freqs, **arrays)


def _open_netcdf(path: Path) -> tuple[dict[str, tuple[tuple[str, ...], NDArray, dict]], Any]:
    """{name: (dims, values, attrs)} of every variable (xarray if available, else scipy)."""
    try:
        import xarray as xr
    except ImportError:
        xr = None
    out: dict[str, tuple[tuple[str, ...], NDArray, dict]] = {}
    if xr is not None:
        with xr.open_dataset(path, decode_times=False) as ds:
            for name, v in {**ds.coords, **ds.data_vars}.items():
                out[str(name)] = (tuple(map(str, v.dims)), np.asarray(v.values), dict(v.attrs))
        return out, "xarray"
    from scipy.io import netcdf_file

    try:
        fh = netcdf_file(str(path), "r", mmap=False)
    except TypeError as exc:  # scipy reads NetCDF-3 only
        raise ValueError(
            f"path: {path.name} is not NetCDF-3 ({exc}); install xarray with netCDF4 or h5netcdf "
            "to read NetCDF-4 files"
        ) from None
    with fh:
        for name, v in fh.variables.items():
            vals = np.array(v[:], dtype=float)
            attrs = {
                k: (a.decode() if isinstance(a, bytes) else a) for k, a in v._attributes.items()
            }
            fill = attrs.get("_FillValue", attrs.get("missing_value"))
            if fill is not None:
                vals[vals == float(np.asarray(fill).reshape(-1)[0])] = np.nan
            out[name] = (tuple(v.dimensions), vals, attrs)
    return out, "scipy"


def _read_netcdf(path: Path, *, drop_missing: bool) -> DispersionGrid:
    var, engine = _open_netcdf(path)
    missing = [k for k in ("lon", "lat", "phase_velocity") if k not in var]
    axis = "frequency" if "frequency" in var else "period" if "period" in var else None
    if axis is None:
        missing.append("frequency (Hz) or period (s)")
    if missing:
        raise ValueError(f"path: {path.name} lacks the variable(s) {missing}; has {sorted(var)}")
    assert axis is not None
    f_dims, f, f_attrs = var[axis]
    units = str(f_attrs.get("units", "Hz" if axis == "frequency" else "s")).strip()
    if axis == "frequency" and units.lower() not in ("hz", "s-1", "1/s", "s^-1"):
        raise ValueError(f"frequency: units are {units!r}; frequencies must be in Hz")
    if axis == "period" and units.lower() not in ("s", "second", "seconds"):
        raise ValueError(f"period: units are {units!r}; periods must be in s")
    f = np.asarray(f, float).reshape(-1)
    if axis == "period":
        if np.any(~np.isfinite(f) | (f <= 0)):
            raise ValueError("period: periods must be positive finite values in s")
        f = 1.0 / f
    _check_frequencies(f)
    dims = {"lat": var["lat"][0][0], "lon": var["lon"][0][0], "f": f_dims[0]}
    lon1, lat1 = np.asarray(var["lon"][1], float), np.asarray(var["lat"][1], float)
    order_f = np.argsort(f)
    arrays: dict[str, Any] = {}
    for field in _FIELDS:
        name = _NAMES[field]
        if name not in var:
            continue
        vdims, vals, attrs = var[name]
        want = (dims["lat"], dims["lon"], dims["f"])
        if sorted(vdims) != sorted(want):
            raise ValueError(f"{name}: dimensions must be (lat, lon, {axis}), got {vdims}")
        vals = np.transpose(np.asarray(vals, float), [vdims.index(d) for d in want])
        vunits = str(attrs.get("units", "km/s")).replace(" ", "").lower()
        if vunits not in ("km/s", "kms-1", "km.s-1", "km s-1"):
            raise ValueError(f"{name}: units are {attrs.get('units')!r}; they must be km/s")
        arrays[field] = vals.reshape(-1, f.size)[:, order_f]
    lon_g, lat_g = np.meshgrid(lon1, lat1)
    lon, lat = lon_g.ravel(), lat_g.ravel()
    if drop_missing:
        keep = ~np.all(np.isnan(arrays["phase"]), axis=1)
        if not keep.all():
            log.info("%s: dropping %d all-NaN grid points", path.name, int((~keep).sum()))
        lon, lat = lon[keep], lat[keep]
        arrays = {k: v[keep] for k, v in arrays.items()}
    log.debug("read %s with %s", path.name, engine)
    return DispersionGrid(lon, lat, f[order_f], **arrays)


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


def write_dispersion_grid(path: str | Path, grid: DispersionGrid) -> Path:
    """Write a :class:`DispersionGrid` as long-format CSV (``.csv``) or NetCDF-3 (``.nc``).

    NetCDF needs the points to fill a regular lon × lat grid (each combination once); the
    layouts are those :func:`read_dispersion_grid` reads.
    """
    path = Path(path)
    fields = [k for k in _FIELDS if getattr(grid, k) is not None]
    if path.suffix.lower() == ".csv":
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["lon", "lat", "frequency"] + [_NAMES[k] for k in fields])
            for i in range(grid.n_points):
                for j, fj in enumerate(grid.frequencies):
                    cells = [repr(float(getattr(grid, k)[i, j])) for k in fields]
                    w.writerow(
                        [
                            repr(float(grid.lon[i])),
                            repr(float(grid.lat[i])),
                            repr(float(fj)),
                            *cells,
                        ]
                    )
        return path
    from scipy.io import netcdf_file

    lons, lats, index = _regular(grid.lon, grid.lat)
    with netcdf_file(str(path), "w") as fh:
        fh.title = "observed surface-wave dispersion (geoinvert)"
        fh.createDimension("lat", lats.size)
        fh.createDimension("lon", lons.size)
        fh.createDimension("frequency", grid.frequencies.size)
        for name, vals, units in (
            ("lat", lats, "degrees_north"),
            ("lon", lons, "degrees_east"),
            ("frequency", grid.frequencies, "Hz"),
        ):
            v = fh.createVariable(name, "f8", (name,))
            v[:] = vals
            v.units = units
        for k in fields:
            cube = np.full((lats.size, lons.size, grid.frequencies.size), np.nan)
            cube[index] = getattr(grid, k)
            v = fh.createVariable(_NAMES[k], "f8", ("lat", "lon", "frequency"))
            v[:] = cube
            v.units = "km/s"
    return path


def _regular(lon: ArrayLike, lat: ArrayLike) -> tuple[NDArray, NDArray, tuple[NDArray, NDArray]]:
    """Unique lon/lat axes and the (lat, lon) index of every point; duplicates raise."""
    lon = np.asarray(lon, float).reshape(-1)
    lat = np.asarray(lat, float).reshape(-1)
    if lon.shape != lat.shape:
        raise ValueError(f"lon, lat: must have the same length, got {lon.size} and {lat.size}")
    lons, lats = np.unique(lon), np.unique(lat)
    idx = (np.searchsorted(lats, lat), np.searchsorted(lons, lon))
    seen = np.zeros((lats.size, lons.size), int)
    np.add.at(seen, idx, 1)
    if (seen > 1).any():
        i, j = np.argwhere(seen > 1)[0]
        raise ValueError(f"lon, lat: the point lon {lons[j]:g}, lat {lats[i]:g} appears twice")
    return lons, lats, idx


def write_thickness_netcdf(
    path: str | Path,
    lon: ArrayLike,
    lat: ArrayLike,
    inversion: Any,
    *,
    title: str = "geoinvert crustal thickness from Rayleigh-wave dispersion",
) -> Path:
    """Crustal-thickness map with its uncertainty as a CF-style NetCDF-3 file.

    Parameters
    ----------
    path : str or Path
        Output file.
    lon, lat : array_like, shape (n_points,)
        Point coordinates in degrees; they are placed on the regular grid of their unique values
        (cells without a point are NaN).
    inversion : geoinvert.invert.crust.CrustInversion
        ``mean``, ``std``, ``q16``, ``q84`` (km), ``out_of_distribution`` and ``max_abs_z``.
    title : str
        Global ``title`` attribute.

    Returns
    -------
    Path
        Variables ``crustal_thickness``, ``crustal_thickness_std``, ``crustal_thickness_q16``,
        ``crustal_thickness_q84`` (km), ``out_of_distribution`` (1/0) and ``max_abs_z`` on
        (lat, lon).
    """
    from scipy.io import netcdf_file

    path = Path(path)
    lons, lats, index = _regular(lon, lat)
    n = np.asarray(inversion.mean).size
    if n != index[0].size:
        raise ValueError(f"inversion: has {n} points but lon/lat have {index[0].size}")

    def grid(values: ArrayLike) -> NDArray:
        g = np.full((lats.size, lons.size), np.nan)
        g[index] = np.asarray(values, float).reshape(-1)
        return g

    with netcdf_file(str(path), "w") as fh:
        fh.title = title
        fh.Conventions = "CF-1.6"
        fh.createDimension("lat", lats.size)
        fh.createDimension("lon", lons.size)
        for name, vals, units in (("lat", lats, "degrees_north"), ("lon", lons, "degrees_east")):
            v = fh.createVariable(name, "f8", (name,))
            v[:] = vals
            v.units = units
        for name, vals, desc, units in (
            ("crustal_thickness", inversion.mean, "Moho depth below the solid surface", "km"),
            ("crustal_thickness_std", inversion.std, "standard deviation", "km"),
            ("crustal_thickness_q16", inversion.q16, "16 % quantile", "km"),
            ("crustal_thickness_q84", inversion.q84, "84 % quantile", "km"),
            (
                "out_of_distribution",
                np.asarray(inversion.out_of_distribution, float),
                "1 where the input lies outside the training distribution",
                "1",
            ),
            ("max_abs_z", inversion.max_abs_z, "largest standardised input", "1"),
        ):
            v = fh.createVariable(name, "f8", ("lat", "lon"))
            v[:] = grid(vals)
            v.long_name = desc
            v.units = units
    return path


def write_thickness_png(
    path: str | Path,
    lon: ArrayLike,
    lat: ArrayLike,
    inversion: Any,
    *,
    reference: ArrayLike | None = None,
    reference_name: str = "reference",
    title: str = "crustal thickness",
) -> Path:
    """Map of the crustal thickness (km) and its standard deviation, optionally a reference.

    Panels: [reference, estimate, estimate − reference,] standard deviation; grid points flagged
    out of distribution are crossed. Matplotlib (Agg) is imported here.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    lons, lats, index = _regular(lon, lat)
    lon_a, lat_a = np.asarray(lon, float), np.asarray(lat, float)

    def grid(values: ArrayLike) -> NDArray:
        g = np.full((lats.size, lons.size), np.nan)
        g[index] = np.asarray(values, float).reshape(-1)
        return g

    mean = np.asarray(inversion.mean, float)
    panels: list[tuple[str, NDArray, str, str | None]] = []
    if reference is not None:
        ref = np.asarray(reference, float).reshape(-1)
        panels.append((f"{reference_name} (km)", ref, "viridis", "abs"))
    panels.append(("network mean (km)", mean, "viridis", "abs"))
    if reference is not None:
        panels.append((f"network − {reference_name} (km)", mean - ref, "RdBu_r", "sym"))
    panels.append(("network standard deviation (km)", inversion.std, "magma", None))
    vals_abs = np.concatenate([p[1] for p in panels if p[3] == "abs"])
    vmin, vmax = np.nanmin(vals_abs), np.nanmax(vals_abs)
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4.2), squeeze=False)
    ood = np.asarray(inversion.out_of_distribution, bool)
    for ax, (label, vals, cmap, kind) in zip(axes[0], panels, strict=True):
        g = grid(vals)
        if kind == "sym":
            lim = float(np.nanmax(np.abs(g))) or 1.0
            kw: dict[str, Any] = {"vmin": -lim, "vmax": lim}
        elif kind == "abs":
            kw = {"vmin": vmin, "vmax": vmax}
        else:
            kw = {}
        im = ax.pcolormesh(lons, lats, g, cmap=cmap, shading="nearest", **kw)
        if label.startswith("network mean") and ood.any():
            ax.plot(lon_a[ood], lat_a[ood], "kx", ms=4, label="out of distribution")
            ax.legend(fontsize=7, loc="lower left")
        ax.set_title(label, fontsize=10)
        ax.set_xlabel("longitude (°E)")
        ax.set_aspect("equal")
        fig.colorbar(im, ax=ax, shrink=0.8)
    axes[0][0].set_ylabel("latitude (°N)")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
