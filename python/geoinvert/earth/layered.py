"""The layered-earth model type shared by all forward solvers, and its file formats.

Units: thickness in km, vp and vs in km/s, rho in g/cm³. Layers are listed top first; the last
layer is the half-space (its thickness is ignored by the solvers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import check_layered_model

__all__ = ["LayeredModel", "read_csv", "read_model", "read_model96", "stack_models"]


@dataclass(frozen=True)
class LayeredModel:
    """An isotropic elastic layered model.

    Attributes
    ----------
    thickness : ndarray, shape (n_layers,)
        Layer thickness in km; the last entry (half-space) is ignored by solvers.
    vp, vs : ndarray, shape (n_layers,)
        P and S velocity in km/s (vs = 0 marks a fluid layer, e.g. an ocean at the top).
    rho : ndarray, shape (n_layers,)
        Density in g/cm³.
    name : str
        A label for tables and plots.
    """

    thickness: NDArray[np.float64]
    vp: NDArray[np.float64]
    vs: NDArray[np.float64]
    rho: NDArray[np.float64]
    name: str = ""

    def __post_init__(self) -> None:
        t, p, s, r, batched = check_layered_model(self.thickness, self.vp, self.vs, self.rho)
        if batched:
            raise ValueError("LayeredModel holds one model; thickness must be 1-D")
        for field, arr in zip(("thickness", "vp", "vs", "rho"), (t, p, s, r), strict=True):
            arr = arr[0].copy()
            arr.setflags(write=False)
            object.__setattr__(self, field, arr)

    @property
    def n_layers(self) -> int:
        """Number of layers including the half-space."""
        return int(self.thickness.size)

    @property
    def depth_top(self) -> NDArray[np.float64]:
        """Depth of the top of each layer in km."""
        return np.concatenate([[0.0], np.cumsum(self.thickness[:-1])])

    def arrays(self) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Return ``(thickness, vp, vs, rho)``, the argument order of every solver."""
        return self.thickness, self.vp, self.vs, self.rho

    @classmethod
    def from_arrays(
        cls, thickness: ArrayLike, vp: ArrayLike, vs: ArrayLike, rho: ArrayLike, name: str = ""
    ) -> LayeredModel:
        """Build a model from four 1-D arrays (km, km/s, km/s, g/cm³)."""
        return cls(np.asarray(thickness), np.asarray(vp), np.asarray(vs), np.asarray(rho), name)


def stack_models(
    models: Sequence[LayeredModel],
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Stack models with different layer counts into padded ``(n_models, n_layers)`` arrays.

    Shorter models are padded by repeating their half-space as zero-thickness layers *above* it,
    which leaves every solver's answer unchanged.
    """
    if not models:
        raise ValueError("models is empty")
    n = max(m.n_layers for m in models)
    out = [np.empty((len(models), n)) for _ in range(4)]
    for i, m in enumerate(models):
        k = m.n_layers
        for arr, src in zip(out, m.arrays(), strict=True):
            arr[i, : k - 1] = src[: k - 1]
            arr[i, k - 1 :] = src[k - 1]
        out[0][i, k - 1 :] = 0.0
    return out[0], out[1], out[2], out[3]


def read_model96(path: str | Path) -> LayeredModel:
    """Read a CPS ``model96`` file (isotropic, flat or spherical, km, km/s, g/cm³).

    The file has 12 header lines (``MODEL.01``, title, ISOTROPIC, KGS, FLAT EARTH / SPHERICAL
    EARTH, 1-D, CONSTANT VELOCITY, and the ``LINE08``–``LINE11`` lines), then a column header
    ``H VP VS RHO QP QS ETAP ETAS FREFP FREFS`` and one line per layer. Q and reference
    frequencies are read and ignored (the solvers are elastic).
    """
    path = Path(path)
    lines = path.read_text().splitlines()
    start = None
    for i, line in enumerate(lines):
        if line.strip().upper().startswith("H") and "VP" in line.upper():
            start = i + 1
            break
    if start is None or not lines or not lines[0].strip().upper().startswith("MODEL"):
        raise ValueError(f"{path}: not a CPS model96 file (no MODEL header or H VP VS RHO line)")
    if len(lines) > 4 and "ISOTROPIC" not in lines[2].upper():
        raise ValueError(f"{path}: only ISOTROPIC model96 files are supported")
    rows = []
    for k, line in enumerate(lines[start:], start=start + 1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) < 4:
            raise ValueError(f"{path}:{k}: expected at least 4 columns (H VP VS RHO), got {line!r}")
        try:
            rows.append([float(v) for v in parts[:4]])
        except ValueError:
            raise ValueError(f"{path}:{k}: non-numeric value in {line!r}") from None
    if not rows:
        raise ValueError(f"{path}: no layers found")
    a = np.array(rows)
    return LayeredModel(a[:, 0], a[:, 1], a[:, 2], a[:, 3], name=path.stem)


def read_csv(path: str | Path) -> LayeredModel:
    """Read a CSV model: one row per layer, columns thickness (km), vp, vs (km/s), rho (g/cm³).

    Lines starting with ``#`` are comments; a first non-numeric row is taken as a header.
    """
    path = Path(path)
    rows: list[list[float]] = []
    for k, line in enumerate(path.read_text().splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        parts = [p.strip() for p in s.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            if not rows:
                continue  # header line
            raise ValueError(f"{path}:{k}: non-numeric value in {line!r}") from None
        if len(values) != 4:
            raise ValueError(
                f"{path}:{k}: expected 4 columns (thickness,vp,vs,rho), got {len(values)}"
            )
        rows.append(values)
    if not rows:
        raise ValueError(f"{path}: no layers found")
    a = np.array(rows)
    return LayeredModel(a[:, 0], a[:, 1], a[:, 2], a[:, 3], name=path.stem)


def read_model(path: str | Path) -> LayeredModel:
    """Read a model file, choosing the format from its content (model96) or suffix (.csv)."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"model file {path} does not exist")
    head = path.read_text().lstrip()[:16].upper()
    if head.startswith("MODEL"):
        return read_model96(path)
    return read_csv(path)
