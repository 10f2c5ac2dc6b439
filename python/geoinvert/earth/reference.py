"""Reference Earth models (AK135, IASP91, PREM) and their conversion to layered models.

The tables ship as package data (``geoinvert/earth/data/*.txt``), each citing its source in its
header: AK135 (Kennett, Engdahl & Buland 1995; densities of Montagner & Kennett 1996), IASP91
(Kennett & Engdahl 1991; AK135 densities) and isotropic PREM (Dziewonski & Anderson 1981), the
latter without (``"prem"``) and with (``"prem_ocean"``) its 3-km ocean.

Units: depth and thickness in km, vp and vs in km/s, rho in g/cm³.

Layering (:func:`layered`)
--------------------------
A table is piecewise linear in depth between its nodes; two rows at the same depth are a
first-order discontinuity. :func:`layered` cuts every continuous segment between discontinuities
into equal sub-layers no thicker than ``layer_thickness`` (a segment whose values are constant
stays one layer), so every discontinuity above ``max_depth`` is a layer boundary, exactly.
Within a sub-layer the velocities are *slowness averages*, v = h / ∫ dz / v(z) (integrated
exactly for the linear table), so the vertical P and S travel times of the layered model equal
those of the table to rounding; density is the plain depth average (mass is preserved). The
half-space below ``max_depth`` takes the table values just below ``max_depth``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .layered import LayeredModel

__all__ = [
    "REFERENCE_MODELS",
    "EarthTable",
    "insert_discontinuity",
    "layered",
    "load_reference",
]

#: Names accepted by :func:`load_reference` and :func:`layered`.
REFERENCE_MODELS: tuple[str, ...] = ("ak135", "iasp91", "prem", "prem_ocean")


@dataclass(frozen=True)
class EarthTable:
    """A 1-D Earth model tabulated at depth nodes (piecewise linear between nodes).

    Attributes
    ----------
    depth : ndarray, shape (n,)
        Node depth in km, non-decreasing; two equal consecutive depths mark a first-order
        discontinuity (the first row is the value above, the second the value below).
    vp, vs : ndarray, shape (n,)
        P and S velocity in km/s (vs = 0 in fluids).
    rho : ndarray, shape (n,)
        Density in g/cm³.
    name : str
        Model name.
    citation : str
        Source of the values (the header of the data file).
    """

    depth: NDArray[np.float64]
    vp: NDArray[np.float64]
    vs: NDArray[np.float64]
    rho: NDArray[np.float64]
    name: str = ""
    citation: str = ""

    def __post_init__(self) -> None:
        arrays = []
        for field in ("depth", "vp", "vs", "rho"):
            a = np.array(getattr(self, field), dtype=np.float64)
            if a.ndim != 1:
                raise ValueError(f"{field} must be 1-D, got shape {a.shape}")
            arrays.append(a)
        n = arrays[0].size
        if n < 2:
            raise ValueError(f"a table needs at least 2 depth nodes, got {n}")
        for field, a in zip(("vp", "vs", "rho"), arrays[1:], strict=True):
            if a.size != n:
                raise ValueError(f"{field} has {a.size} values but depth has {n}")
        for field, a in zip(("depth", "vp", "vs", "rho"), arrays, strict=True):
            bad = ~np.isfinite(a)
            if bad.any():
                raise ValueError(f"{field} must be finite; found {a[bad][0]} at row {_first(bad)}")
        d, vp, vs, rho = arrays
        if d[0] < 0:
            raise ValueError(f"depth must start at >= 0 km, got {d[0]} at row 0")
        step = np.diff(d)
        if (step < 0).any():
            raise ValueError(
                f"depth must be non-decreasing; it decreases at row {_first(step < 0) + 1}"
            )
        triple = (step[:-1] == 0) & (step[1:] == 0)
        if triple.any():
            raise ValueError(f"depth repeats three times at row {_first(triple)}")
        for field, a, zero_ok in (("vp", vp, False), ("vs", vs, True), ("rho", rho, False)):
            bad = a < 0 if zero_ok else a <= 0
            if bad.any():
                rel = "non-negative" if zero_ok else "positive"
                raise ValueError(f"{field} must be {rel}; found {a[bad][0]} at row {_first(bad)}")
        for field, a in zip(("depth", "vp", "vs", "rho"), arrays, strict=True):
            a.setflags(write=False)
            object.__setattr__(self, field, a)

    @property
    def discontinuities(self) -> NDArray[np.float64]:
        """Depths (km) of the first-order discontinuities (repeated depth nodes)."""
        d = self.depth
        return d[:-1][np.diff(d) == 0].copy()

    def at(self, depth: ArrayLike, *, below: bool = True) -> tuple[NDArray, NDArray, NDArray]:
        """Linearly interpolated ``(vp, vs, rho)`` at ``depth`` (km).

        At a discontinuity the value below (``below=True``) or above it is returned.
        """
        z = np.asarray(depth, dtype=np.float64)
        d = self.depth
        # side="right" picks the row below a discontinuity, side="left" the row above it;
        # the interval [d[i], d[i+1]] then has d[i] < d[i+1] (clipped at the table ends).
        i = np.searchsorted(d, z, side="right" if below else "left") - 1
        i = np.clip(i, 0, d.size - 2)
        span = d[i + 1] - d[i]
        w = np.clip((z - d[i]) / np.where(span > 0, span, 1.0), 0.0, 1.0)
        out = tuple((1 - w) * a[i] + w * a[i + 1] for a in (self.vp, self.vs, self.rho))
        return out[0], out[1], out[2]


def _first(mask: NDArray) -> int:
    return int(np.flatnonzero(mask)[0])


def load_reference(name: str) -> EarthTable:
    """Load a reference Earth model shipped with geoinvert.

    Parameters
    ----------
    name : {"ak135", "iasp91", "prem", "prem_ocean"}
        Model name (case-insensitive). ``"prem"`` is isotropic PREM with its ocean replaced by
        upper crust (as in ObsPy's TauP ``prem.nd``); ``"prem_ocean"`` keeps the 3-km ocean
        (vs = 0).

    Returns
    -------
    EarthTable
        Depth (km), vp, vs (km/s), rho (g/cm³) nodes; ``citation`` holds the file header.
    """
    if not isinstance(name, str) or name.lower() not in REFERENCE_MODELS:
        raise ValueError(f"name must be one of {REFERENCE_MODELS}, got {name!r}")
    key = name.lower()
    text = (
        files("geoinvert.earth").joinpath("data").joinpath(f"{key}.txt").read_text(encoding="utf-8")
    )
    header = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("#")]
    values = np.loadtxt(text.splitlines(), comments="#", dtype=np.float64)
    return EarthTable(
        values[:, 0], values[:, 1], values[:, 2], values[:, 3], name=key, citation="\n".join(header)
    )


def _as_table(model: Any) -> EarthTable:
    if isinstance(model, EarthTable):
        return model
    if isinstance(model, str):
        return load_reference(model)
    try:
        depth, vp, vs, rho = model
    except (TypeError, ValueError):
        raise ValueError(
            "model must be a reference-model name, an EarthTable or a (depth, vp, vs, rho) tuple"
        ) from None
    return EarthTable(depth, vp, vs, rho, name="table")


def _slowness_integral(v0: float, v1: float, length: float) -> float:
    """∫ dz / v over ``length`` km for v varying linearly from v0 to v1 (s)."""
    d = (v1 - v0) / v0
    if abs(d) < 1e-6:
        return length / v0 * (1.0 - d / 2.0 + d * d / 3.0 - d**3 / 4.0)
    return length * math.log1p(d) / (v1 - v0)


def _average(z: NDArray, v: NDArray, top: float, bottom: float, harmonic: bool) -> float:
    """Average of the piecewise-linear (z, v) over [top, bottom] (z strictly increasing)."""
    inner = z[(z > top) & (z < bottom)]
    knots = np.concatenate([[top], inner, [bottom]])
    vals = np.interp(knots, z, v)
    h = bottom - top
    if harmonic:
        if (vals == 0).all():
            return 0.0
        if (vals <= 0).any():
            raise ValueError(
                f"a velocity vanishes inside the continuous segment {top}-{bottom} km; "
                "fluid/solid boundaries must be discontinuities"
            )
        t = sum(
            _slowness_integral(float(vals[k]), float(vals[k + 1]), float(knots[k + 1] - knots[k]))
            for k in range(knots.size - 1)
        )
        return h / t
    return float(np.sum(0.5 * (vals[1:] + vals[:-1]) * np.diff(knots)) / h)


def layered(
    model: str | EarthTable | tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike],
    *,
    max_depth: float = 800.0,
    layer_thickness: float = 10.0,
    name: str | None = None,
) -> LayeredModel:
    """Turn a tabulated Earth model into a stack of homogeneous layers over a half-space.

    Every first-order discontinuity of the table shallower than ``max_depth`` (AK135: 20, 35,
    210, 410, 660 km; PREM: 15, 24.4, 220, 400, 670 km) is a layer boundary, exactly. Each
    continuous segment between discontinuities is cut into ``ceil(length / layer_thickness)``
    equal sub-layers (one layer if its values are constant). Sub-layer velocities are slowness
    averages ``h / ∫dz/v`` (vertical travel times preserved exactly), densities depth averages.

    Parameters
    ----------
    model : str, EarthTable or (depth, vp, vs, rho)
        A reference-model name (see :data:`REFERENCE_MODELS`), a table, or four 1-D arrays
        (km, km/s, km/s, g/cm³; a repeated depth is a discontinuity).
    max_depth : float
        Depth (km) of the top of the half-space, > 0 and inside the table.
    layer_thickness : float
        Largest sub-layer thickness (km) in gradient segments, > 0.
    name : str, optional
        Name of the result (default: the table's name).

    Returns
    -------
    LayeredModel
        Thickness (km; the half-space thickness is 0), vp, vs (km/s), rho (g/cm³).
    """
    table = _as_table(model)
    for arg, val in (("max_depth", max_depth), ("layer_thickness", layer_thickness)):
        if not isinstance(val, (int, float, np.integer, np.floating)) or not np.isfinite(val):
            raise ValueError(f"{arg} must be a finite number, got {val!r}")
        if val <= 0:
            raise ValueError(f"{arg} must be > 0 km, got {val}")
    d = table.depth
    if max_depth > d[-1] or max_depth <= d[0]:
        raise ValueError(
            f"max_depth must be in ({d[0]}, {d[-1]}] km for this table, got {max_depth}"
        )
    # Continuous segments: maximal runs of rows with strictly increasing depth.
    breaks = np.flatnonzero(np.diff(d) == 0) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [d.size]])
    thick: list[float] = []
    vp: list[float] = []
    vs: list[float] = []
    rho: list[float] = []
    for s, e in zip(starts, ends, strict=True):
        z = d[s:e]
        top, bottom = float(z[0]), min(float(z[-1]), float(max_depth))
        if bottom <= top:
            continue
        cols = (table.vp[s:e], table.vs[s:e], table.rho[s:e])
        inside = (z >= top) & (z <= bottom)
        constant = all(np.ptp(np.interp(np.r_[top, z[inside], bottom], z, c)) == 0 for c in cols)
        n = 1 if constant else max(1, math.ceil((bottom - top) / layer_thickness - 1e-9))
        edges = np.linspace(top, bottom, n + 1)
        edges[-1] = bottom
        for k in range(n):
            a, b = float(edges[k]), float(edges[k + 1])
            thick.append(b - a)
            vp.append(_average(z, cols[0], a, b, harmonic=True))
            vs.append(_average(z, cols[1], a, b, harmonic=True))
            rho.append(_average(z, cols[2], a, b, harmonic=False))
    hp, hs, hr = table.at(float(max_depth), below=True)
    thick.append(0.0)
    vp.append(float(hp))
    vs.append(float(hs))
    rho.append(float(hr))
    label = table.name if name is None else name
    return LayeredModel(np.array(thick), np.array(vp), np.array(vs), np.array(rho), name=label)


def _split(model: LayeredModel, depths: NDArray) -> LayeredModel:
    """Split layers so that each depth in ``depths`` (km, above the half-space) is a boundary."""
    t, vp, vs, rho = (np.asarray(a) for a in model.arrays())
    tops = model.depth_top
    bottoms = tops + t
    new: tuple[list[float], list[float], list[float], list[float]] = ([], [], [], [])
    for i in range(t.size):
        if i == t.size - 1:
            cuts = [tops[i]]
        else:
            inner = depths[(depths > tops[i]) & (depths < bottoms[i])]
            cuts = [tops[i], *np.sort(inner).tolist(), bottoms[i]]
        pieces = np.diff(cuts) if i < t.size - 1 else np.array([0.0])
        for h in pieces:
            for arr, val in zip(new, (h, vp[i], vs[i], rho[i]), strict=True):
                arr.append(float(val))
    return LayeredModel(
        np.array(new[0]), np.array(new[1]), np.array(new[2]), np.array(new[3]), name=model.name
    )


def insert_discontinuity(
    model: LayeredModel,
    depth: float,
    dvs_percent: float,
    *,
    dvp_percent: float | None = None,
    drho_percent: float | None = None,
    thickness: float = 0.0,
    bottom: float | None = None,
    gradient_step: float = 2.0,
) -> LayeredModel:
    """Insert a velocity step (e.g. an X-discontinuity at 250–350 km) into a layered model.

    Below ``depth`` the model's vs (and optionally vp, rho) are multiplied by
    ``1 + dvs_percent/100`` down to ``bottom``; below ``bottom`` the model is unchanged, so the
    next discontinuity's jump shrinks by the same amount (the usual X-discontinuity picture: a
    step at X, the 410 unchanged in absolute velocity below it).

    Parameters
    ----------
    model : LayeredModel
        The model (km, km/s, g/cm³).
    depth : float
        Depth of the step (km), inside the layered part (0 < depth < top of the half-space).
    dvs_percent : float
        Relative S-velocity jump in percent (> -100), positive = faster below.
    dvp_percent, drho_percent : float, optional
        Relative P-velocity and density jumps in percent (default: unchanged).
    thickness : float
        Gradient thickness (km, >= 0): the jump ramps linearly from ``depth - thickness/2`` to
        ``depth + thickness/2`` in sub-layers no thicker than ``gradient_step`` (km). 0 gives a
        first-order step with a layer boundary exactly at ``depth``.
    bottom : float, optional
        Depth (km) where the perturbation ends. Default: the first layer boundary below the
        step where vs jumps by more than 2 % (the 410 in AK135/IASP91, the 400 in PREM), or the
        top of the half-space if there is none (the half-space is then perturbed too).
    gradient_step : float
        Largest sub-layer thickness (km) inside the gradient.

    Returns
    -------
    LayeredModel
        A new model with the extra boundaries.
    """
    if not isinstance(model, LayeredModel):
        raise ValueError(f"model must be a LayeredModel, got {type(model).__name__}")
    for arg, val in (
        ("depth", depth),
        ("dvs_percent", dvs_percent),
        ("thickness", thickness),
        ("gradient_step", gradient_step),
    ):
        if not isinstance(val, (int, float, np.integer, np.floating)) or not np.isfinite(val):
            raise ValueError(f"{arg} must be a finite number, got {val!r}")
    jumps = {"dvs_percent": float(dvs_percent)}
    optional: tuple[tuple[str, float | None], ...] = (
        ("dvp_percent", dvp_percent),
        ("drho_percent", drho_percent),
    )
    for arg, opt in optional:
        if opt is not None:
            if not isinstance(opt, (int, float, np.integer, np.floating)) or not np.isfinite(opt):
                raise ValueError(f"{arg} must be a finite number or None, got {opt!r}")
            jumps[arg] = float(opt)
    for arg, val in jumps.items():
        if val <= -100:
            raise ValueError(f"{arg} must be > -100 %, got {val}")
    if thickness < 0:
        raise ValueError(f"thickness must be >= 0 km, got {thickness}")
    if gradient_step <= 0:
        raise ValueError(f"gradient_step must be > 0 km, got {gradient_step}")
    z_half = float(np.sum(model.thickness[:-1]))
    top, base = depth - thickness / 2.0, depth + thickness / 2.0
    if not (0 < top and base < z_half):
        raise ValueError(
            f"depth ± thickness/2 must lie inside the layered part (0, {z_half}) km; got depth="
            f"{depth} km, thickness={thickness} km"
        )
    bounds = model.depth_top[1:]
    if bottom is None:
        rel = np.abs(np.diff(model.vs)) / np.maximum(model.vs[:-1], 1e-12)
        cand = bounds[(bounds > base) & (rel > 0.02)]
        bottom_depth = float(cand[0]) if cand.size else math.inf
    else:
        if not isinstance(bottom, (int, float, np.integer, np.floating)) or not bottom > base:
            raise ValueError(
                f"bottom must be a depth (km) below depth + thickness/2, got {bottom!r}"
            )
        bottom_depth = float(bottom)
    n_ramp = 0 if thickness == 0 else max(1, math.ceil(thickness / gradient_step - 1e-9))
    cuts = np.linspace(top, base, n_ramp + 1) if n_ramp else np.array([depth])
    extra = (
        cuts if math.isinf(bottom_depth) or bottom_depth >= z_half else np.r_[cuts, bottom_depth]
    )
    out = _split(model, extra)
    mid = out.depth_top + 0.5 * out.thickness
    mid[-1] = z_half  # the half-space: perturbed only when the perturbation reaches it
    if n_ramp:
        # Sub-layers inside the ramp take the ramp value at their mid-depth.
        frac = np.clip((mid - top) / thickness, 0.0, 1.0)
    else:
        frac = (mid > depth).astype(np.float64)
    frac = np.where(mid < bottom_depth, frac, 0.0)
    arrays = {"vs": out.vs.copy(), "vp": out.vp.copy(), "rho": out.rho.copy()}
    for arg, field in (("dvs_percent", "vs"), ("dvp_percent", "vp"), ("drho_percent", "rho")):
        if arg in jumps:
            arrays[field] = arrays[field] * (1.0 + frac * jumps[arg] / 100.0)
    return LayeredModel(out.thickness, arrays["vp"], arrays["vs"], arrays["rho"], name=out.name)
