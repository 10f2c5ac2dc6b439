"""CRUST1.0 (Laske, Masters, Ma & Pasyanos 2013): reader, region extraction and column models.

CRUST1.0 is a global 1° × 1° model of the crust with 9 layers per cell: water, ice, upper, middle
and lower sediments, upper, middle and lower crystalline crust, and the mantle just below the Moho.
Each cell gives the elevation of the top of every layer (km, negative below sea level), vp and vs
(km/s) and density (g/cm³). Zero-thickness layers are absent in that cell.

Citation: Laske, G., Masters, G., Ma, Z. & Pasyanos, M. (2013), Update on CRUST1.0 - A 1-degree
Global Model of Earth's Crust, Geophys. Res. Abstracts 15, EGU2013-2658.

A small region (eastern Tibet and the western Yangtze craton, 97-110° E, 24-36° N) ships with the
package for the demo (``load_region()``); ``read_crust1`` reads the full model from its four files.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layered import LayeredModel

__all__ = [
    "LAYER_NAMES",
    "Crust1Region",
    "extract_region",
    "load_region",
    "nearest_cells",
    "read_crust1",
    "write_region",
]

LAYER_NAMES = (
    "water",
    "ice",
    "upper sediments",
    "middle sediments",
    "lower sediments",
    "upper crust",
    "middle crust",
    "lower crust",
    "mantle",
)
_REGION_FILE = "crust1_east_tibet.csv"


@dataclass(frozen=True)
class Crust1Region:
    """CRUST1.0 cells of a lon/lat box.

    Attributes
    ----------
    lon, lat : ndarray, shape (n_cells,)
        Cell centres in degrees (east, north).
    top : ndarray, shape (n_cells, 9)
        Elevation of the top of each layer in km (negative below sea level).
    vp, vs : ndarray, shape (n_cells, 9)
        Velocities in km/s.
    rho : ndarray, shape (n_cells, 9)
        Density in g/cm³.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    top: NDArray[np.float64]
    vp: NDArray[np.float64]
    vs: NDArray[np.float64]
    rho: NDArray[np.float64]

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.lon.size)

    @property
    def moho_depth(self) -> NDArray[np.float64]:
        """Moho depth below sea level in km."""
        return -self.top[:, 8]

    @property
    def crustal_thickness(self) -> NDArray[np.float64]:
        """Crustal thickness without water, from the top of the ice/solid to the Moho, in km."""
        return self.top[:, 1] - self.top[:, 8]

    def column(
        self, index: int, *, mantle: LayeredModel | None = None, include_water: bool = False
    ) -> LayeredModel:
        """The layered model of one cell: CRUST1.0 crust over a mantle.

        Parameters
        ----------
        index : int
            Cell index in ``[0, n_cells)``.
        mantle : LayeredModel, optional
            Mantle layers to place below the Moho, given from the Moho downwards (their first
            layer starts at the Moho). Without it, the CRUST1.0 sub-Moho values form the
            half-space.
        include_water : bool
            Keep the water layer (vs = 0) on top; by default it is dropped (land region).

        Returns
        -------
        LayeredModel
            Thickness in km, vp and vs in km/s, rho in g/cm³.
        """
        if not 0 <= index < self.n_cells:
            raise ValueError(f"index must be in [0, {self.n_cells}), got {index}")
        first = 0 if include_water else 1
        thick = self.top[index, first:8] - self.top[index, first + 1 : 9]
        keep = thick > 0
        layers = [
            thick[keep],
            self.vp[index, first:8][keep],
            self.vs[index, first:8][keep],
            self.rho[index, first:8][keep],
        ]
        if mantle is None:
            below = [
                np.array([v])
                for v in (0.0, self.vp[index, 8], self.vs[index, 8], self.rho[index, 8])
            ]
        else:
            below = [np.asarray(a) for a in mantle.arrays()]
        t, p, s, r = (np.concatenate([a, b]) for a, b in zip(layers, below, strict=True))
        name = f"CRUST1.0 {self.lon[index]:.1f}E {self.lat[index]:.1f}N"
        return LayeredModel(t, p, s, r, name=name)


def _read_columns(path: Path) -> NDArray[np.float64]:
    data = np.loadtxt(path)
    if data.shape != (64800, 9):
        raise ValueError(f"{path}: expected 64800 rows of 9 columns, got {data.shape}")
    return data


def read_crust1(directory: str | Path) -> Crust1Region:
    """Read the global CRUST1.0 model from ``crust1.bnds``, ``.vp``, ``.vs``, ``.rho``.

    Parameters
    ----------
    directory : path
        Folder holding the four files.

    Returns
    -------
    Crust1Region
        All 64 800 cells (lon and lat in degrees, depths in km, km/s, g/cm³).
    """
    directory = Path(directory)
    arrays = {
        key: _read_columns(directory / f"crust1.{key}") for key in ("bnds", "vp", "vs", "rho")
    }
    ilat, ilon = np.divmod(np.arange(64800), 360)
    lat = 89.5 - ilat
    lon = -179.5 + ilon
    return Crust1Region(
        lon.astype(float),
        lat.astype(float),
        arrays["bnds"],
        arrays["vp"],
        arrays["vs"],
        arrays["rho"],
    )


def extract_region(
    model: Crust1Region, lon_range: tuple[float, float], lat_range: tuple[float, float]
) -> Crust1Region:
    """Cells whose centres lie inside a lon/lat box (degrees), sorted by latitude then longitude."""
    inside = (
        (model.lon >= lon_range[0])
        & (model.lon <= lon_range[1])
        & (model.lat >= lat_range[0])
        & (model.lat <= lat_range[1])
    )
    idx = np.flatnonzero(inside)
    idx = idx[np.lexsort((model.lon[idx], model.lat[idx]))]
    if idx.size == 0:
        raise ValueError(f"no CRUST1.0 cell inside lon {lon_range}, lat {lat_range}")
    return Crust1Region(
        model.lon[idx], model.lat[idx], model.top[idx], model.vp[idx], model.vs[idx], model.rho[idx]
    )


def write_region(region: Crust1Region, path: str | Path) -> None:
    """Write a region as the CSV format of the bundled package data (with citation header)."""
    header = (
        "CRUST1.0 region extracted by geoinvert.earth.crust1.extract_region\n"
        "Source: Laske, Masters, Ma & Pasyanos (2013), Update on CRUST1.0 - A 1-degree Global\n"
        "Model of Earth's Crust, Geophys. Res. Abstracts 15, EGU2013-2658. Values unchanged.\n"
        "Columns: lon, lat (deg, cell centres), then 9 values each of top (km, elevation of the\n"
        "layer top), vp (km/s), vs (km/s), rho (g/cm^3) for the layers: " + ", ".join(LAYER_NAMES)
    )
    table = np.column_stack([region.lon, region.lat, region.top, region.vp, region.vs, region.rho])
    np.savetxt(path, table, fmt="%.2f", delimiter=",", header=header)


def load_region() -> Crust1Region:
    """The bundled demo region: eastern Tibet / western Yangtze craton, 97-110° E, 24-36° N.

    Returns
    -------
    Crust1Region
        156 cells (13 longitudes × 12 latitudes), km, km/s, g/cm³.
    """
    text = resources.files("geoinvert.earth").joinpath("data").joinpath(_REGION_FILE).read_text()
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    table = np.array([[float(v) for v in row.split(",")] for row in rows])
    return Crust1Region(
        table[:, 0], table[:, 1], table[:, 2:11], table[:, 11:20], table[:, 20:29], table[:, 29:38]
    )


def nearest_cells(
    region: Crust1Region, lon: ArrayLike, lat: ArrayLike, *, max_distance: float = 0.75
) -> tuple[Crust1Region, NDArray[np.bool_]]:
    """The CRUST1.0 cell nearest to each point (lon/lat degrees), and which points have one.

    Parameters
    ----------
    region : Crust1Region
        Cells to choose from (the packaged region, or the global model of :func:`read_crust1`).
    lon, lat : array_like, shape (n,)
        Points in degrees east / north.
    max_distance : float
        A point farther than this (degrees, in lon·cos(lat), lat) from every cell centre has no
        cell (CRUST1.0 cells are 1° × 1°, so 0.75 only accepts points inside or at the edge of a
        cell).

    Returns
    -------
    (Crust1Region, ndarray of bool)
        One cell per point (for points without one, the nearest cell anyway, to keep shapes),
        and the mask of points within ``max_distance``.
    """
    lo = np.asarray(lon, float).reshape(-1)
    la = np.asarray(lat, float).reshape(-1)
    if lo.shape != la.shape:
        raise ValueError(f"lon, lat: need the same length, got {lo.size} and {la.size}")
    dlon = (lo[:, None] - region.lon[None, :] + 180.0) % 360.0 - 180.0
    d = np.hypot(dlon * np.cos(np.radians(la[:, None])), la[:, None] - region.lat[None, :])
    idx = np.argmin(d, axis=1)
    found = d[np.arange(lo.size), idx] <= max_distance
    sub = Crust1Region(
        region.lon[idx], region.lat[idx], region.top[idx], region.vp[idx], region.vs[idx],
        region.rho[idx],
    )  # fmt: skip
    return sub, found
