"""Meshes for the 2-D magnetotelluric finite-element solver (:class:`geoinvert.mt.Forward2D`).

A mesh is a rectilinear node grid in km: ``x_nodes`` along the profile and ``z_nodes`` in depth
(positive down, 0 at the surface, negative in the air), with the first ``n_air`` cell rows in the
air. Every earth cell of the finite-element grid points (``cell_map``) at one cell of the user's
model section, so that padding cells repeat the edge cells of the model and a fine vertical mesh
near the surface repeats the model's top cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._validation import as_float_array

__all__ = ["MTMesh", "build_mesh", "skin_depth"]


def skin_depth(frequency: Any, resistivity: Any) -> NDArray[np.float64]:
    """Plane-wave skin depth in km, :math:`\\sqrt{2\\rho/(\\omega\\mu_0)}` ≈ 0.503 √(ρ/f) km.

    Parameters
    ----------
    frequency : array_like
        Frequency in Hz.
    resistivity : array_like
        Resistivity in Ω·m.
    """
    f = np.asarray(frequency, dtype=float)
    r = np.asarray(resistivity, dtype=float)
    return np.sqrt(2.0 * r / (2.0 * np.pi * f * 4e-7 * np.pi)) / 1000.0


def _geometric(h0: float, growth: float, extent: float) -> NDArray[np.float64]:
    """Offsets 0, h0, h0 + h0 g, ... until ``extent`` is reached (inclusive)."""
    out = [0.0]
    h = h0
    while out[-1] < extent:
        out.append(out[-1] + h)
        h *= growth
    return np.asarray(out)


@dataclass(frozen=True)
class MTMesh:
    """A rectilinear finite-element mesh for 2-D MT, lengths in km.

    Attributes
    ----------
    x_nodes : ndarray, shape (n_x,)
        Node coordinates along the profile in km, strictly increasing.
    z_nodes : ndarray, shape (n_z,)
        Node depths in km, strictly increasing; ``z_nodes[n_air] == 0`` is the surface and the
        first ``n_air`` cell rows are air (used by TE only).
    n_air : int
        Number of air cell rows.
    cell_map : ndarray of int, shape (n_z - 1 - n_air, n_x - 1)
        For each earth cell of the mesh, the flat index of the model cell it takes its
        resistivity from.
    model_shape : tuple of int
        Shape of the resistivity arrays the mesh accepts (depth rows, columns).
    """

    x_nodes: NDArray[np.float64]
    z_nodes: NDArray[np.float64]
    n_air: int
    cell_map: NDArray[np.int64]
    model_shape: tuple[int, int]

    @property
    def n_cells(self) -> tuple[int, int]:
        """(earth cell rows, cell columns) of the finite-element mesh."""
        return self.cell_map.shape  # type: ignore[return-value]

    @classmethod
    def from_nodes(
        cls,
        x_nodes: Any,
        z_nodes: Any,
        *,
        air_growth: float = 2.5,
        air_height: float | None = None,
    ) -> MTMesh:
        """A mesh from explicit node grids; the model is one resistivity per mesh cell.

        Parameters
        ----------
        x_nodes : array_like, shape (n_x,)
            Node coordinates along the profile in km, strictly increasing.
        z_nodes : array_like, shape (n_z,)
            Earth node depths in km, strictly increasing from 0 (the surface). Air layers
            (needed by TE) are added above: geometrically growing by ``air_growth`` from the
            first earth cell thickness up to ``air_height`` km (default: the larger of 1000 km
            and the profile length).

        Returns
        -------
        MTMesh
            A mesh whose ``model_shape`` is ``(n_z - 1, n_x - 1)``.
        """
        x = as_float_array("x_nodes", x_nodes, ndim=(1,))
        z = as_float_array("z_nodes", z_nodes, ndim=(1,))
        _check_increasing("x_nodes", x, 4)
        _check_increasing("z_nodes", z, 3)
        if z[0] != 0.0:
            raise ValueError(f"z_nodes must start at the surface 0 km, got z_nodes[0] = {z[0]}")
        height = air_height if air_height is not None else max(1000.0, float(x[-1] - x[0]))
        air = -_geometric(float(z[1] - z[0]), air_growth, height)[1:][::-1]
        shape = (z.size - 1, x.size - 1)
        cmap = np.arange(shape[0] * shape[1], dtype=np.int64).reshape(shape)
        return cls(np.ascontiguousarray(x), np.concatenate([air, z]), air.size, cmap, shape)


def _check_increasing(name: str, a: NDArray, min_size: int) -> None:
    if a.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} nodes, got {a.size}")
    if not np.all(np.isfinite(a)):
        i = int(np.flatnonzero(~np.isfinite(a))[0])
        raise ValueError(f"{name} must be finite; found {a[i]} at index {i}")
    d = np.diff(a)
    if np.any(d <= 0):
        i = int(np.flatnonzero(d <= 0)[0])
        raise ValueError(f"{name} must be strictly increasing; {name}[{i + 1}] <= {name}[{i}]")


def build_mesh(
    x_edges: Any,
    z_edges: Any,
    frequencies: Any,
    *,
    min_resistivity: float = 1.0,
    padding_resistivity: float = 100.0,
    cells_per_skin_depth: float = 6.0,
    growth: float = 1.1,
    padding_growth: float = 1.5,
    padding_skin_depths: float = 1.0,
    x_subdivide: int = 1,
    z_subdivide: int = 2,
    air_growth: float = 2.5,
) -> MTMesh:
    """Padded finite-element mesh for a model section given by its cell edges (km).

    Vertically, the first cell is ``skin_depth(f_max, min_resistivity) / cells_per_skin_depth``
    thick and cells grow by ``growth`` with depth, never crossing a model cell edge (every model
    edge is a mesh node). Below the model and on both sides, padding cells grow by
    ``padding_growth`` until ``padding_skin_depths`` skin depths at the lowest frequency in
    ``padding_resistivity`` are covered; padding cells repeat the edge cells of the model. Air
    layers (TE) grow by ``air_growth`` up to the larger of 1000 km and the padded width.

    Parameters
    ----------
    x_edges : array_like, shape (n_cols + 1,)
        Model cell edges along the profile in km, strictly increasing.
    z_edges : array_like, shape (n_rows + 1,)
        Model cell edges in depth in km, strictly increasing from 0.
    frequencies : array_like
        The frequencies (Hz) the mesh must serve; only the extremes are used.
    min_resistivity : float
        Smallest resistivity (Ω·m) expected near the surface; sets the first cell size.
    padding_resistivity : float
        Resistivity (Ω·m) used to size the padding.
    cells_per_skin_depth : float
        Cells per minimum skin depth at the surface.
    growth, padding_growth, air_growth : float
        Geometric growth factors of the cells in the model, the padding and the air.
    padding_skin_depths : float
        Padding extent in skin depths at the lowest frequency.
    x_subdivide : int
        Number of mesh columns per model column.
    z_subdivide : int
        Minimum number of mesh rows per model row (more near the surface where the growth
        law asks for it).

    Returns
    -------
    MTMesh
        The mesh; ``model_shape == (n_rows, n_cols)``.
    """
    xe = as_float_array("x_edges", x_edges, ndim=(1,))
    ze = as_float_array("z_edges", z_edges, ndim=(1,))
    _check_increasing("x_edges", xe, 2)
    _check_increasing("z_edges", ze, 2)
    if ze[0] != 0.0:
        raise ValueError(f"z_edges must start at the surface 0 km, got z_edges[0] = {ze[0]}")
    f = np.atleast_1d(as_float_array("frequencies", frequencies))
    if f.size == 0 or not np.all(np.isfinite(f)) or np.any(f <= 0):
        raise ValueError("frequencies must be a non-empty array of positive finite values (Hz)")
    for name, v in (
        ("min_resistivity", min_resistivity),
        ("padding_resistivity", padding_resistivity),
        ("cells_per_skin_depth", cells_per_skin_depth),
        ("padding_skin_depths", padding_skin_depths),
    ):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be positive and finite, got {v}")
    for name, v in (("growth", growth), ("padding_growth", padding_growth)):
        if not (np.isfinite(v) and v >= 1.0):
            raise ValueError(f"{name} must be >= 1, got {v}")
    for name, v in (("x_subdivide", x_subdivide), ("z_subdivide", z_subdivide)):
        if int(v) < 1:
            raise ValueError(f"{name} must be >= 1, got {v}")
    h0 = float(skin_depth(f.max(), min_resistivity)) / cells_per_skin_depth
    pad = float(skin_depth(f.min(), padding_resistivity)) * padding_skin_depths

    # Vertical nodes inside the model: spacing s(z) = h0 + (growth - 1) z, cut at model edges.
    z_nodes = [0.0]
    z_row = []
    g1 = max(growth - 1.0, 1e-12)
    for k in range(ze.size - 1):
        za, zb = ze[k], ze[k + 1]
        sa, sb = h0 + g1 * za, h0 + g1 * zb
        n = max(int(z_subdivide), int(np.ceil(np.log(sb / sa) / np.log1p(g1) - 1e-9)))
        zz = (sa * (sb / sa) ** (np.arange(1, n + 1) / n) - h0) / g1 if growth > 1 else None
        if zz is None:
            zz = za + (zb - za) * np.arange(1, n + 1) / n
        zz[-1] = zb
        z_nodes.extend(zz.tolist())
        z_row.extend([k] * n)
    last = z_nodes[-1] - z_nodes[-2]
    zpad = _geometric(last * padding_growth, padding_growth, pad)[1:]
    z_nodes.extend((ze[-1] + zpad).tolist())
    z_row.extend([ze.size - 2] * zpad.size)

    # Horizontal nodes: model columns (subdivided) plus padding both sides.
    nsub = int(x_subdivide)
    xs = [xe[0]]
    x_col = []
    for k in range(xe.size - 1):
        xs.extend((xe[k] + (xe[k + 1] - xe[k]) * np.arange(1, nsub + 1) / nsub).tolist())
        x_col.extend([k] * nsub)
    wl = (xe[1] - xe[0]) / nsub
    wr = (xe[-1] - xe[-2]) / nsub
    left = xe[0] - _geometric(wl * padding_growth, padding_growth, pad)[1:][::-1]
    right = xe[-1] + _geometric(wr * padding_growth, padding_growth, pad)[1:]
    x_nodes = np.concatenate([left, xs, right])
    x_col = [0] * left.size + x_col + [xe.size - 2] * right.size

    base = MTMesh.from_nodes(
        x_nodes,
        np.asarray(z_nodes),
        air_growth=air_growth,
        air_height=max(1000.0, float(x_nodes[-1] - x_nodes[0])),
    )
    shape = (ze.size - 1, xe.size - 1)
    cmap = np.asarray(z_row)[:, None] * shape[1] + np.asarray(x_col)[None, :]
    return MTMesh(base.x_nodes, base.z_nodes, base.n_air, cmap.astype(np.int64), shape)
