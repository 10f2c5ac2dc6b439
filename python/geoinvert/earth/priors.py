"""Seeded, vectorised prior samplers for the three training-set studies.

Every sampler takes a :class:`numpy.random.Generator` and a sample count and returns plain numpy
arrays; the same generator state always gives the same samples. Every drawn number is kept in a
``params`` matrix (float64, one column per name in ``param_names``) so that labels other than the
default one can be learned later without resampling.

Units: depth and thickness km, velocities km/s, density g/cm³, resistivity Ω·m, slowness s/km.

Priors
------
crust
    PREM-based 1-D elastic models for the crustal-thickness study. The perturbation scheme follows
    the idea of de Wit et al. (2014) (PREM background, perturbed crust of random thickness and a
    perturbed upper mantle), but their Tables A.2-A.4 were not available to us, so the ranges are
    our own and are listed in :class:`CrustPrior`.
mt
    2-D resistivity sections (600 km × 180 km, 60 × 121 cells): 2-6 flat layers plus random
    rectangles and ellipses, resistivities log-uniform in 5-5000 Ω·m (:class:`MTSectionPrior`).
rf
    Parameters of deep 1-D models for the X-discontinuity receiver-function study
    (:class:`RFPrior`): reference background, crust, mantle perturbations, X-discontinuity present
    or absent, depth, Vs jump and width, and the ray slowness.

References
----------
Brocher, T. M. (2005). Empirical relations between elastic wavespeeds and density in the Earth's
crust. Bull. Seismol. Soc. Am. 95(6), 2081-2092 (eq. 1, the "Nafe-Drake curve" fit).
de Wit, R. W. L., Käufl, P. J., Valentine, A. P., Trampert, J. (2014). Bayesian inversion of
free oscillations for Earth's radial (an)elastic structure. PEPI 237, 1-17.
Dziewonski, A. M., Anderson, D. L. (1981). Preliminary reference Earth model. PEPI 25, 297-356
(Table 1, isotropic polynomials).
Pugh, S., Jenkins, J., Boyce, A., Cottaar, S. (2021). Global receiver function observations of
the X-discontinuity reveal recycled basalt beneath hotspots. Earth Planet. Sci. Lett. 561,
116813 (X-discontinuity depths and Vs jumps; :class:`RFPrior` ``x_dlnvs``).
Revenaugh, J., Jordan, T. H. (1991). Mantle layering from ScS reverberations: 3. The upper
mantle. J. Geophys. Res. 96(B12), 19781-19810 (the X discontinuity near 300 km and its
impedance contrast; :class:`RFPrior` ``x_dlnvs``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CrustPrior",
    "CrustSamples",
    "MTSectionPrior",
    "MTSectionSamples",
    "RFPrior",
    "RFSamples",
    "brocher_density",
    "prem_isotropic",
    "sample_crust",
    "sample_mt_sections",
    "sample_rf_params",
]

EARTH_RADIUS_KM = 6371.0

# Isotropic PREM (Dziewonski & Anderson 1981, Table 1) between the Moho and 771 km, as
# (r_top, r_bottom, vp coefficients, vs coefficients, rho coefficients); x = r / 6371 km and each
# property is c0 + c1 x (+ c2 x² + c3 x³). The LID and LVZ share the isotropic coefficients.
_PREM_MANTLE: tuple[tuple[float, float, tuple, tuple, tuple], ...] = (
    (6346.6, 6151.0, (4.1875, 3.9382), (2.1519, 2.3481), (2.6910, 0.6924)),
    (6151.0, 5971.0, (20.3926, -12.2569), (8.9496, -4.4597), (7.1089, -3.8045)),
    (5971.0, 5771.0, (39.7027, -32.6166), (22.3512, -18.5856), (11.2494, -8.0298)),
    (5771.0, 5701.0, (19.0957, -9.8672), (9.9839, -4.9324), (5.3197, -1.4836)),
    (
        5701.0,
        5600.0,
        (29.2766, -23.6027, 5.5242, -2.5514),
        (22.3459, -17.2473, -2.0834, 0.9783),
        (7.9565, -6.4761, 5.5283, -3.0807),
    ),
)


# PREM's crust (Dziewonski & Anderson 1981): upper 0-15 km, lower 15-24.4 km.
_PREM_CRUST_VS = np.array([3.2, 3.9])
_PREM_CRUST_VPVS = np.array([5.8 / 3.2, 6.8 / 3.9])


def prem_isotropic(depth: NDArray | float) -> tuple[NDArray, NDArray, NDArray]:
    """Isotropic PREM vp, vs (km/s) and rho (g/cm³) in the mantle between 24.4 and 771 km depth.

    Evaluated from the Dziewonski & Anderson (1981) polynomials; at a discontinuity (220, 400,
    600, 670 km) the value *below* it is returned.

    Parameters
    ----------
    depth : array_like
        Depth in km, 24.4 <= depth <= 771.

    Returns
    -------
    vp, vs, rho : ndarray
        Same shape as ``depth``.
    """
    d = np.asarray(depth, dtype=np.float64)
    if np.any((d < 24.4 - 1e-9) | (d > 771.0 + 1e-9)):
        raise ValueError("depth must lie in the PREM mantle range 24.4-771 km")
    r = EARTH_RADIUS_KM - d
    x = r / EARTH_RADIUS_KM
    out = [np.full_like(d, np.nan) for _ in range(3)]
    for r_top, r_bot, *coefs in _PREM_MANTLE:
        lower = (r > r_bot) if r_bot > 5600.0 else (r >= r_bot - 1e-9)
        sel = (r <= r_top + 1e-9) & lower & np.isnan(out[0])
        for k, c in enumerate(coefs):
            out[k] = np.where(sel, np.polyval(np.asarray(c)[::-1], x), out[k])
    return out[0], out[1], out[2]


def brocher_density(vp: NDArray | float) -> NDArray:
    """Density from P velocity by Brocher's (2005, eq. 1) fit to the Nafe-Drake curve.

    ``rho = 1.6612 vp - 0.4721 vp² + 0.0671 vp³ - 0.0043 vp⁴ + 0.000106 vp⁵``, valid for
    1.5 <= vp <= 8.5 km/s.

    Parameters
    ----------
    vp : array_like
        P velocity in km/s.

    Returns
    -------
    ndarray
        Density in g/cm³.
    """
    v = np.asarray(vp, dtype=np.float64)
    return 1.6612 * v - 0.4721 * v**2 + 0.0671 * v**3 - 0.0043 * v**4 + 0.000106 * v**5


def _to_dict(obj: Any) -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(obj).items()}


# --------------------------------------------------------------------------------------------
# Crust prior
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrustPrior:
    """Ranges of the crustal-thickness prior (all uniform unless stated).

    Attributes
    ----------
    moho_depth : (float, float)
        Moho depth (the label, crustal thickness) in km. Default U(20, 100).
    n_crust_layers : (int, int)
        Number of crustal layers, integer-uniform, inclusive. Default 1-3. Layer thicknesses split
        the crust uniformly on the simplex (normalised Exp(1) draws).
    crust_vs : (float, float)
        Vs of each crustal layer in km/s. Default U(2.5, 4.1); the used layers are sorted so that
        Vs increases with depth (no crustal low-velocity zone).
    crust_vpvs : (float, float)
        Vp/Vs ratio of each crustal layer. Default U(1.65, 1.85).
    crust_drho : (float, float)
        Relative density perturbation about Brocher's (2005) Nafe-Drake law. Default ±3 %.
    mantle_dlnvs : (float, float)
        Relative Vs perturbation of PREM in each of the zones in ``mantle_zones``. Default ±5 %.
    mantle_zones : tuple of float
        Bottom depths (km) of the mantle perturbation zones, the first starting at the Moho.
        Default (120, 220, 400): lid, low-velocity zone, 220-400 km.
    dlnvp_over_dlnvs, dlnrho_over_dlnvs : float
        Fixed scaling of the mantle Vp and density perturbations to the Vs one (0.5 and 0.3,
        typical thermal values for the upper mantle).
    mantle_nodes : tuple of float
        Layer boundaries (km) of the mantle discretisation below the Moho; PREM is evaluated at
        each layer's mid-depth. The half-space starts at the last node (PREM at that depth).
    crust_model : {"random", "prem"}
        "random" (default): the ranges above. "prem": PREM's two-layer crust (upper Vs 3.2,
        Vp 5.8; lower Vs 3.9, Vp 6.8 km/s) stretched to the drawn Moho depth, each layer's Vs
        perturbed by U(±``prem_crust_width``) and its Vp/Vs by U(±``prem_crust_width``/2), the
        upper crust taking a fraction U(``prem_upper_fraction``) of the crust (PREM: 0.61);
        density and mantle as above. The "random PREM-based earth models" of the crust study,
        with the width as the knob that sets how well the velocities are known a priori
        (``n_crust_layers`` must be (2, 2)).
    prem_crust_width : float
        Relative half-width of the PREM crustal Vs perturbation (default 0.05).
    prem_upper_fraction : (float, float)
        Range of the upper crust's share of the crustal thickness (default 0.5-0.75).
    """

    moho_depth: tuple[float, float] = (20.0, 100.0)
    n_crust_layers: tuple[int, int] = (1, 3)
    crust_vs: tuple[float, float] = (2.5, 4.1)
    crust_vpvs: tuple[float, float] = (1.65, 1.85)
    crust_drho: tuple[float, float] = (-0.03, 0.03)
    mantle_dlnvs: tuple[float, float] = (-0.05, 0.05)
    mantle_zones: tuple[float, ...] = (120.0, 220.0, 400.0)
    dlnvp_over_dlnvs: float = 0.5
    dlnrho_over_dlnvs: float = 0.3
    mantle_nodes: tuple[float, ...] = (
        60.0,
        80.0,
        120.0,
        160.0,
        220.0,
        280.0,
        340.0,
        400.0,
        500.0,
        600.0,
    )
    crust_model: str = "random"
    prem_crust_width: float = 0.05
    prem_upper_fraction: tuple[float, float] = (0.5, 0.75)

    @classmethod
    def prem_based(cls, width: float = 0.05, mantle_width: float = 0.02) -> CrustPrior:
        """PREM crust perturbed by ±``width`` (Vs) with mantle Vs perturbed by ±``mantle_width``
        (relative); Moho U(20, 100) km. See ``crust_model``."""
        return cls(
            n_crust_layers=(2, 2),
            mantle_dlnvs=(-mantle_width, mantle_width),
            crust_model="prem",
            prem_crust_width=width,
        )

    def __post_init__(self) -> None:
        if self.crust_model not in ("random", "prem"):
            raise ValueError(f"crust_model must be 'random' or 'prem', got {self.crust_model!r}")
        if self.crust_model == "prem":
            if tuple(self.n_crust_layers) != (2, 2):
                raise ValueError("crust_model='prem' needs n_crust_layers=(2, 2)")
            if not 0 <= self.prem_crust_width < 0.5:
                raise ValueError("prem_crust_width must lie in [0, 0.5)")
            lo_f, hi_f = self.prem_upper_fraction
            if not 0 < lo_f <= hi_f < 1:
                raise ValueError("prem_upper_fraction must be an increasing range inside (0, 1)")
        lo, hi = self.moho_depth
        if not 0 < lo < hi < self.mantle_nodes[-1]:
            raise ValueError("moho_depth must be an increasing range above the last mantle node")
        if not 1 <= self.n_crust_layers[0] <= self.n_crust_layers[1]:
            raise ValueError("n_crust_layers must be an increasing range of positive integers")
        if list(self.mantle_nodes) != sorted(self.mantle_nodes):
            raise ValueError("mantle_nodes must increase")

    @property
    def max_crust_layers(self) -> int:
        return int(self.n_crust_layers[1])

    @property
    def n_layers(self) -> int:
        """Fixed width of the padded model arrays (crust + mantle layers + half-space)."""
        return self.max_crust_layers + len(self.mantle_nodes) + 1

    @property
    def param_names(self) -> list[str]:
        k = self.max_crust_layers
        names = ["moho_depth", "n_crust_layers"]
        names += [f"crust_h{i}" for i in range(k)]
        names += [f"crust_vs{i}" for i in range(k)]
        names += [f"crust_vpvs{i}" for i in range(k)]
        names += [f"crust_drho{i}" for i in range(k)]
        names += [f"mantle_dlnvs{i}" for i in range(len(self.mantle_zones))]
        return names

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable description (stored in the Zarr attributes)."""
        return {"name": "crust", **_to_dict(self)}


@dataclass
class CrustSamples:
    """Samples of :func:`sample_crust`.

    Attributes
    ----------
    thickness, vp, vs, rho : ndarray, shape (n, n_layers)
        Padded layered models (km, km/s, km/s, g/cm³): the real layers come first, then
        zero-thickness copies of the half-space, then the half-space, so every row is a valid
        model for the batched solvers and padding leaves their answers unchanged.
    params : ndarray, shape (n, n_params)
        Every drawn number, columns named by ``param_names``. Crustal layers ``i >=
        n_crust_layers`` are drawn but unused (their thickness column is 0).
    param_names : list of str
    label : ndarray, shape (n,)
        Crustal thickness (= Moho depth) in km.
    """

    thickness: NDArray[np.float64]
    vp: NDArray[np.float64]
    vs: NDArray[np.float64]
    rho: NDArray[np.float64]
    params: NDArray[np.float64]
    param_names: list[str] = field(default_factory=list)

    @property
    def label(self) -> NDArray[np.float64]:
        return self.params[:, 0]

    def __len__(self) -> int:
        return int(self.params.shape[0])


def _compact_layers(thick: NDArray, props: list[NDArray]) -> tuple[NDArray, list[NDArray]]:
    """Move the non-zero layers of each row to the front (keeping order) and pad with zero-
    thickness copies of the half-space (the last column) just above it."""
    L = thick.shape[1]
    real = thick > 0
    real[:, -1] = True
    order = np.argsort(~real, axis=1, kind="stable")
    t = np.take_along_axis(thick, order, axis=1)
    ps = [np.take_along_axis(p, order, axis=1) for p in props]
    n_real = real.sum(axis=1)
    col = np.arange(L)[None, :]
    pad = col >= (n_real - 1)[:, None]
    t = np.where(pad, 0.0, t)
    hs = [p[:, -1:] for p in props]  # half-space values, unchanged by the reordering
    ps = [np.where(pad, h, p) for p, h in zip(ps, hs, strict=True)]
    return t, ps


def perturbed_prem_mantle(
    moho: NDArray[np.float64], dlnvs: NDArray[np.float64], prior: CrustPrior
) -> tuple[NDArray[np.float64], ...]:
    """PREM mantle layers below each Moho at the prior's nodes, scaled by zone perturbations.

    Parameters
    ----------
    moho : ndarray, shape (n,)
        Moho depths in km.
    dlnvs : ndarray, shape (n, n_zones)
        Relative Vs perturbation of each mantle zone (Vp and density follow by the prior's
        scalings).
    prior : CrustPrior
        Nodes, zones and scalings.

    Returns
    -------
    (thickness, vp, vs, rho, half_space)
        Layer arrays (n, n_nodes) in km, km/s, g/cm³ (layers above the Moho have zero
        thickness) and the half-space's (vp, vs, rho), each shape (n,).
    """
    nz = len(prior.mantle_zones)
    nodes = np.asarray(prior.mantle_nodes)
    top = np.maximum(np.concatenate([[0.0], nodes[:-1]])[None, :], moho[:, None])
    bot = np.broadcast_to(nodes[None, :], top.shape)
    h_m = np.maximum(bot - top, 0.0)
    mid = np.clip(0.5 * (top + bot), 24.4, None)
    mid = np.where(h_m > 0, mid, np.clip(bot, 24.4, None))
    vp_m, vs_m, rho_m = prem_isotropic(mid)
    zone = np.searchsorted(np.asarray(prior.mantle_zones), 0.5 * (top + bot), side="left")
    dz = np.zeros_like(h_m)
    inside = zone < nz
    dz[inside] = np.take_along_axis(dlnvs, np.minimum(zone, nz - 1), axis=1)[inside]
    vs_m = vs_m * (1.0 + dz)
    vp_m = vp_m * (1.0 + prior.dlnvp_over_dlnvs * dz)
    rho_m = rho_m * (1.0 + prior.dlnrho_over_dlnvs * dz)
    hs = prem_isotropic(np.full(moho.shape[0], nodes[-1]))
    return h_m, vp_m, vs_m, rho_m, hs


def sample_crust(rng: np.random.Generator, n: int, prior: CrustPrior | None = None) -> CrustSamples:
    """Draw ``n`` PREM-based crust + upper-mantle models (see :class:`CrustPrior`).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness (seed it for reproducibility).
    n : int
        Number of models.
    prior : CrustPrior, optional
        Ranges; defaults to ``CrustPrior()``.

    Returns
    -------
    CrustSamples
        Padded ``(n, prior.n_layers)`` model arrays in km, km/s, g/cm³ and the parameter matrix.
    """
    p = prior or CrustPrior()
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    k = p.max_crust_layers
    moho = rng.uniform(*p.moho_depth, size=n)
    n_crust = rng.integers(p.n_crust_layers[0], p.n_crust_layers[1] + 1, size=n)
    used = np.arange(k)[None, :] < n_crust[:, None]
    e = rng.exponential(1.0, size=(n, k)) * used
    h = moho[:, None] * e / e.sum(axis=1, keepdims=True)
    vs_raw = rng.uniform(*p.crust_vs, size=(n, k))
    # sort the used layers so Vs increases downwards (unused ones pushed to the end)
    vs_c = np.sort(np.where(used, vs_raw, np.inf), axis=1)
    vs_c = np.where(used, vs_c, vs_raw)
    vpvs = rng.uniform(*p.crust_vpvs, size=(n, k))
    drho = rng.uniform(*p.crust_drho, size=(n, k))
    if p.crust_model == "prem":  # drawn after the generic draws, so "random" streams are unchanged
        w = p.prem_crust_width
        frac = rng.uniform(*p.prem_upper_fraction, size=n)
        h = moho[:, None] * np.stack([frac, 1.0 - frac], axis=1)
        vs_c = _PREM_CRUST_VS[None, :] * (1.0 + rng.uniform(-w, w, size=(n, 2)))
        vpvs = _PREM_CRUST_VPVS[None, :] * (1.0 + rng.uniform(-w / 2, w / 2, size=(n, 2)))
    vp_c = vs_c * vpvs
    rho_c = brocher_density(vp_c) * (1.0 + drho)
    nz = len(p.mantle_zones)
    dlnvs = rng.uniform(*p.mantle_dlnvs, size=(n, nz))

    h_m, vp_m, vs_m, rho_m, hs = perturbed_prem_mantle(moho, dlnvs, p)

    thick = np.concatenate([h, h_m, np.zeros((n, 1))], axis=1)
    vp = np.concatenate([vp_c, vp_m, hs[0][:, None]], axis=1)
    vs = np.concatenate([vs_c, vs_m, hs[1][:, None]], axis=1)
    rho = np.concatenate([rho_c, rho_m, hs[2][:, None]], axis=1)
    thick, (vp, vs, rho) = _compact_layers(thick, [vp, vs, rho])
    params = np.concatenate(
        [moho[:, None], n_crust[:, None].astype(np.float64), h, vs_c, vpvs, drho, dlnvs], axis=1
    )
    return CrustSamples(thick, vp, vs, rho, params, p.param_names)


# --------------------------------------------------------------------------------------------
# MT section prior
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MTSectionPrior:
    """Ranges of the 2-D magnetotelluric section prior.

    Attributes
    ----------
    width, depth : float
        Section size in km (default 600 × 180).
    nx, nz : int
        Cells across and down (default 121 × 60; cells of 600/121 ≈ 4.96 km × 3 km).
    n_layers : (int, int)
        Number of flat layers, integer-uniform inclusive (default 2-6); the interfaces are
        uniform in depth (0, ``depth``) and sorted.
    resistivity : (float, float)
        Log-uniform range of layer and body resistivities in Ω·m (default 5-5000).
    n_bodies : (int, int)
        Number of random bodies, integer-uniform inclusive (default 0-4); each is a rectangle or
        an ellipse (probability 1/2) painted over the layers in draw order.
    body_half_width, body_half_height : (float, float)
        Uniform ranges (km) of a body's half-extent across and down (default 10-150 and 5-60).
    """

    width: float = 600.0
    depth: float = 180.0
    nx: int = 121
    nz: int = 60
    n_layers: tuple[int, int] = (2, 6)
    resistivity: tuple[float, float] = (5.0, 5000.0)
    n_bodies: tuple[int, int] = (0, 4)
    body_half_width: tuple[float, float] = (10.0, 150.0)
    body_half_height: tuple[float, float] = (5.0, 60.0)

    @property
    def x_centres(self) -> NDArray[np.float64]:
        """Cell-centre horizontal positions (km), shape (nx,)."""
        return (np.arange(self.nx) + 0.5) * self.width / self.nx

    @property
    def z_centres(self) -> NDArray[np.float64]:
        """Cell-centre depths (km), shape (nz,)."""
        return (np.arange(self.nz) + 0.5) * self.depth / self.nz

    @property
    def param_names(self) -> list[str]:
        kl, kb = self.n_layers[1], self.n_bodies[1]
        names = ["n_layers"] + [f"interface{i}" for i in range(kl - 1)]
        names += [f"log10_rho_layer{i}" for i in range(kl)]
        names += ["n_bodies"]
        for b in range(kb):
            names += [
                f"body{b}_is_ellipse",
                f"body{b}_x",
                f"body{b}_z",
                f"body{b}_half_width",
                f"body{b}_half_height",
                f"body{b}_log10_rho",
            ]
        return names

    def to_dict(self) -> dict[str, Any]:
        return {"name": "mt", **_to_dict(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MTSectionPrior:
        """Inverse of :meth:`to_dict` (e.g. a store's ``attrs["prior"]``; JSON lists → tuples)."""
        names = {f.name for f in fields(cls)}
        unknown = set(d) - names - {"name"}
        if unknown:
            raise ValueError(f"prior: unknown MT prior keys {sorted(unknown)}")
        kept = {k: v for k, v in d.items() if k in names}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in kept.items()})


@dataclass
class MTSectionSamples:
    """Samples of :func:`sample_mt_sections`.

    Attributes
    ----------
    log10_resistivity : ndarray, shape (n, nz, nx)
        log10 of the cell resistivity in Ω·m (row 0 = top), the label of the U-Net study.
    params : ndarray, shape (n, n_params)
        Every drawn number (unused layers/bodies drawn but ignored), named by ``param_names``.
    """

    log10_resistivity: NDArray[np.float64]
    params: NDArray[np.float64]
    param_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.params.shape[0])


def sample_mt_sections(
    rng: np.random.Generator, n: int, prior: MTSectionPrior | None = None
) -> MTSectionSamples:
    """Draw ``n`` 2-D resistivity sections (see :class:`MTSectionPrior`).

    Returns
    -------
    MTSectionSamples
        ``log10_resistivity`` of shape ``(n, nz, nx)`` (Ω·m) and the parameter matrix.
    """
    p = prior or MTSectionPrior()
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    kl, kb = p.n_layers[1], p.n_bodies[1]
    lr = np.log10(np.asarray(p.resistivity, dtype=np.float64))
    n_lay = rng.integers(p.n_layers[0], kl + 1, size=n)
    iface = np.sort(rng.uniform(0.0, p.depth, size=(n, kl - 1)), axis=1)
    used_if = np.arange(kl - 1)[None, :] < (n_lay - 1)[:, None]
    # unused interfaces are moved below the section so they never split a layer
    iface_eff = np.sort(np.where(used_if, iface, np.inf), axis=1)
    iface_eff = np.where(np.arange(kl - 1)[None, :] < (n_lay - 1)[:, None], iface_eff, np.inf)
    rho_l = rng.uniform(lr[0], lr[1], size=(n, kl))
    z = p.z_centres
    layer_idx = (z[None, :, None] > iface_eff[:, None, :]).sum(axis=2)  # (n, nz)
    col = np.take_along_axis(rho_l, layer_idx, axis=1)  # (n, nz)
    grid = np.repeat(col[:, :, None], p.nx, axis=2)

    n_b = rng.integers(p.n_bodies[0], kb + 1, size=n)
    ell = rng.random(size=(n, kb)) < 0.5
    bx = rng.uniform(0.0, p.width, size=(n, kb))
    bz = rng.uniform(0.0, p.depth, size=(n, kb))
    ba = rng.uniform(*p.body_half_width, size=(n, kb))
    bb = rng.uniform(*p.body_half_height, size=(n, kb))
    brho = rng.uniform(lr[0], lr[1], size=(n, kb))
    X = p.x_centres[None, None, :]
    Z = z[None, :, None]
    for b in range(kb):
        u = (X - bx[:, b, None, None]) / ba[:, b, None, None]
        v = (Z - bz[:, b, None, None]) / bb[:, b, None, None]
        inside = np.where(
            ell[:, b, None, None], u**2 + v**2 <= 1.0, (np.abs(u) <= 1) & (np.abs(v) <= 1)
        )
        inside &= (b < n_b)[:, None, None]
        grid = np.where(inside, brho[:, b, None, None], grid)
    body = np.stack([ell.astype(np.float64), bx, bz, ba, bb, brho], axis=2).reshape(n, 6 * kb)
    params = np.concatenate(
        [n_lay[:, None].astype(np.float64), iface, rho_l, n_b[:, None].astype(np.float64), body],
        axis=1,
    )
    return MTSectionSamples(grid, params, p.param_names)


# --------------------------------------------------------------------------------------------
# Receiver-function prior
# --------------------------------------------------------------------------------------------

RF_BACKGROUNDS = ("ak135", "iasp91", "prem")


@dataclass(frozen=True)
class RFPrior:
    """Ranges of the X-discontinuity receiver-function prior (uniform unless stated).

    Attributes
    ----------
    backgrounds : tuple of str
        Reference models drawn with equal probability (AK135, IASP91, PREM).
    moho_depth : (float, float)
        Crustal thickness in km (default 25-50), replacing the reference crust.
    crust_vs, crust_vpvs : (float, float)
        Average crustal Vs (km/s, default 3.3-3.9) and Vp/Vs (default 1.65-1.90).
    mantle_dlnvs : (float, float)
        Relative Vs perturbation (Vp and density scaled by 0.5 and 0.3) of the reference model,
        drawn at the centre of each of ``mantle_zones`` (default ±3 %); the RF task interpolates
        linearly between the centres (zero at the last zone's bottom), so the perturbation adds no
        artificial discontinuities.
    mantle_zones : tuple of float
        Bottom depths (km) of the mantle perturbation zones starting at the Moho.
    p_x : float
        Probability that an X-discontinuity is present (default 0.5).
    x_depth : (float, float)
        X-discontinuity depth in km (default 250-350).
    x_dlnvs : (float, float)
        Relative Vs increase across it (default 2-7 %, the range reported for the X-discontinuity
        by Revenaugh & Jordan 1991 and Pugh et al. 2021); Vp scaled by 0.5, density by 0.3.
    p_sharp : float
        Probability that the jump is a first-order discontinuity (default 0.5); otherwise it is a
        linear gradient of width ``x_width``.
    x_width : (float, float)
        Gradient width in km when not sharp (default 2-10).
    slowness : (float, float)
        Ray parameter in s/km (default 0.04-0.08).
    p_lehmann : float
        Probability of a Lehmann-like (220-km-type) discontinuity above the X window (default
        0: the session-1 prior). Background-family randomisation: PREM has a 5.1 % Vs jump at
        220 km (AK135 and IASP91 have none) whose Ps (~24 s at 0.06 s/km, ~7 % of the radial P
        peak, as strong as a median X) lies next to the X window. Measured
        (benchmarks/rf_xdisc_study.py, train AK135+IASP91, test PREM): a classifier that pools
        globally over time takes it for an X whatever it was trained on, one with
        ``time_bins > 1`` (:mod:`geoinvert.nn.rf_cnn`) does not, and training with
        ``p_lehmann = 0.5`` changed its PREM accuracy by less than the run-to-run scatter.
    lehmann_depth : (float, float)
        Its depth in km (default 170-240, kept 10 km above the X window).
    lehmann_dlnvs : (float, float)
        Its relative Vs jump (default 1-6 %; PREM's 220 km is 5.1 %). It is the top of a
        low-velocity zone: the perturbation decreases linearly from 0 at ``depth - 100`` km to
        ``-dlnvs`` at the depth and is 0 below (Vp 0.5x, density 0.3x), so the model below it
        is unchanged and the jump adds no other converter.
    """

    backgrounds: tuple[str, ...] = RF_BACKGROUNDS
    moho_depth: tuple[float, float] = (25.0, 50.0)
    crust_vs: tuple[float, float] = (3.3, 3.9)
    crust_vpvs: tuple[float, float] = (1.65, 1.90)
    mantle_dlnvs: tuple[float, float] = (-0.03, 0.03)
    mantle_zones: tuple[float, ...] = (120.0, 220.0, 410.0)
    p_x: float = 0.5
    x_depth: tuple[float, float] = (250.0, 350.0)
    x_dlnvs: tuple[float, float] = (0.02, 0.07)
    p_sharp: float = 0.5
    x_width: tuple[float, float] = (2.0, 10.0)
    slowness: tuple[float, float] = (0.04, 0.08)
    p_lehmann: float = 0.0
    lehmann_depth: tuple[float, float] = (170.0, 240.0)
    lehmann_dlnvs: tuple[float, float] = (0.01, 0.06)

    def __post_init__(self) -> None:
        unknown = set(self.backgrounds) - set(RF_BACKGROUNDS)
        if unknown:
            raise ValueError(f"backgrounds: unknown reference model(s) {sorted(unknown)}")
        for name in ("p_x", "p_sharp", "p_lehmann"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{name} must be a probability, got {v}")

    @property
    def param_names(self) -> list[str]:
        names = ["background", "moho_depth", "crust_vs", "crust_vpvs"]
        names += [f"mantle_dlnvs{i}" for i in range(len(self.mantle_zones))]
        names += ["x_present", "x_depth", "x_dlnvs", "x_width", "slowness"]
        names += ["lehmann_present", "lehmann_depth", "lehmann_dlnvs"]
        return names

    def to_dict(self) -> dict[str, Any]:
        return {"name": "rf", **_to_dict(self)}


@dataclass
class RFSamples:
    """Samples of :func:`sample_rf_params`.

    Attributes
    ----------
    params : ndarray, shape (n, n_params)
        Columns named by ``param_names``; ``background`` indexes ``RFPrior.backgrounds``;
        ``x_width`` is 0 for a sharp jump; ``x_depth``, ``x_dlnvs`` and ``x_width`` are drawn
        for every sample but only act when ``x_present`` is 1.
    label : ndarray, shape (n, 3)
        ``(x_present, x_depth, x_dlnvs)``; depth and jump are NaN when absent.
    """

    params: NDArray[np.float64]
    param_names: list[str] = field(default_factory=list)

    def column(self, name: str) -> NDArray[np.float64]:
        return self.params[:, self.param_names.index(name)]

    @property
    def label(self) -> NDArray[np.float64]:
        present = self.column("x_present")
        lab = np.stack([present, self.column("x_depth"), self.column("x_dlnvs")], axis=1)
        lab[present == 0, 1:] = np.nan
        return lab

    def __len__(self) -> int:
        return int(self.params.shape[0])


def sample_rf_params(rng: np.random.Generator, n: int, prior: RFPrior | None = None) -> RFSamples:
    """Draw ``n`` parameter sets of the receiver-function prior (see :class:`RFPrior`).

    The models are built from these parameters on top of the reference tables of
    ``geoinvert.earth`` by the receiver-function data task.
    """
    p = prior or RFPrior()
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    bg = rng.integers(0, len(p.backgrounds), size=n).astype(np.float64)
    moho = rng.uniform(*p.moho_depth, size=n)
    vs = rng.uniform(*p.crust_vs, size=n)
    vpvs = rng.uniform(*p.crust_vpvs, size=n)
    dlnvs = rng.uniform(*p.mantle_dlnvs, size=(n, len(p.mantle_zones)))
    present = (rng.random(n) < p.p_x).astype(np.float64)
    xd = rng.uniform(*p.x_depth, size=n)
    xj = rng.uniform(*p.x_dlnvs, size=n)
    sharp = rng.random(n) < p.p_sharp
    xw = np.where(sharp, 0.0, rng.uniform(*p.x_width, size=n))
    slow = rng.uniform(*p.slowness, size=n)
    # drawn last, so the columns above are the same draws as without them
    lp = (rng.random(n) < p.p_lehmann).astype(np.float64)
    ld = rng.uniform(*p.lehmann_depth, size=n)
    lj = rng.uniform(*p.lehmann_dlnvs, size=n)
    params = np.column_stack([bg, moho, vs, vpvs, dlnvs, present, xd, xj, xw, slow, lp, ld, lj])
    return RFSamples(params, p.param_names)
