"""Crustal-thickness inversion of Rayleigh phase velocities with a trained network.

The driver takes observed phase velocities on a grid of points, checks them, runs a trained
crust model (MDN or ensemble: mean, standard deviation and 16/84 % quantiles of the Moho depth),
flags inputs outside the training distribution, and evaluates the paper's checks: RMS misfit and
correlation against a reference crustal model on the same grid, and the relative phase-velocity
error of the predicted structure (the paper's Eq. 4: |c_pred − c_obs| / c_obs, per point and
frequency), obtained by forward modelling.

Units: depth km, velocity km/s, frequency Hz, lon/lat degrees.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..earth.crust1 import Crust1Region
from ..earth.layered import LayeredModel
from ..earth.priors import CrustPrior, perturbed_prem_mantle, prem_isotropic

log = logging.getLogger(__name__)

__all__ = [
    "CrustInversion",
    "compare_maps",
    "crust1_phase_velocities",
    "invert_crust",
    "invert_dispersion_grid",
    "prem_crust_phase_velocities",
    "prem_mantle",
    "relative_phase_error",
]


def prem_mantle(moho: float, prior: CrustPrior | None = None) -> LayeredModel:
    """PREM mantle layers from the Moho down, discretised at the crust prior's mantle nodes.

    Parameters
    ----------
    moho : float
        Moho depth in km (the first returned layer starts there).
    prior : CrustPrior, optional
        Supplies the layer boundaries (``mantle_nodes``); PREM is evaluated at each layer's
        mid-depth exactly as the prior does with zero perturbation, so network inputs computed
        on these columns follow the training distribution's physics.

    Returns
    -------
    LayeredModel
        Thickness km, vp and vs km/s, rho g/cm³; the last layer is the half-space.
    """
    p = prior or CrustPrior()
    nodes = np.asarray(p.mantle_nodes)
    tops: NDArray[np.float64] = (
        np.concatenate([[moho], nodes[nodes > moho][:-1]]) if np.any(nodes > moho) else nodes[:0]
    )
    bots = nodes[nodes > moho]
    if len(bots) == 0:
        raise ValueError(f"moho={moho} km lies below the deepest mantle node {nodes[-1]} km")
    mids = np.clip(0.5 * (np.asarray(tops) + bots), 24.4, None)
    vp, vs, rho = prem_isotropic(mids)
    hs = prem_isotropic(np.array([nodes[-1]]))
    return LayeredModel(
        np.concatenate([bots - tops, [0.0]]),
        np.concatenate([vp, hs[0]]),
        np.concatenate([vs, hs[1]]),
        np.concatenate([rho, hs[2]]),
        name="PREM mantle",
    )


def crust1_phase_velocities(
    region: Crust1Region,
    frequencies: ArrayLike,
    *,
    noise: float = 0.0,
    seed: int | None = 0,
    prior: CrustPrior | None = None,
    moho: ArrayLike | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Fundamental-mode Rayleigh phase velocities of CRUST1.0 columns over a PREM mantle.

    Parameters
    ----------
    region : Crust1Region
        Cells (sediments and crystalline crust from CRUST1.0).
    frequencies : array_like, shape (n_f,)
        Frequencies in Hz.
    noise : float
        Relative Gaussian noise added to each velocity (0.005 = 0.5 %).
    seed : int, optional
        Noise seed.
    prior : CrustPrior, optional
        Mantle discretisation (see :func:`prem_mantle`).
    moho : array_like, shape (n_cells,), optional
        Replace each cell's Moho depth (km below the solid surface) by this value, stretching the
        CRUST1.0 crystalline crust proportionally: the "predicted structure" of Eq. 4.
    n_threads : int, optional
        Threads for the dispersion kernel.

    Returns
    -------
    ndarray, shape (n_cells, n_f)
        Phase velocity in km/s, with earth flattening.
    """
    from ..dispersion import phase_velocity
    from ..earth.layered import stack_models

    f = np.asarray(frequencies, float)
    models = []
    for i in range(region.n_cells):
        column = region.column(i)
        crust_t = column.thickness[:-1].copy()
        if moho is not None:
            target = float(np.asarray(moho)[i])
            if not np.isfinite(target) or target <= 0:
                raise ValueError(f"moho[{i}] must be a positive depth in km, got {target}")
            crust_t *= target / crust_t.sum()
        depth = float(crust_t.sum())
        mantle = prem_mantle(depth, prior)
        models.append(
            LayeredModel(
                np.concatenate([crust_t, mantle.thickness]),
                np.concatenate([column.vp[:-1], mantle.vp]),
                np.concatenate([column.vs[:-1], mantle.vs]),
                np.concatenate([column.rho[:-1], mantle.rho]),
            )
        )
    t, vp, vs, rho = stack_models(models)
    c = phase_velocity(1.0 / f, t, vp, vs, rho, spherical=True, n_threads=n_threads)
    if noise > 0:
        c = c * (1.0 + noise * np.random.default_rng(seed).standard_normal(c.shape))
    return c


#: PREM's crust (Dziewonski & Anderson 1981): upper 0-15 km and lower 15-24.4 km layers.
PREM_CRUST = {"fraction_upper": 15.0 / 24.4, "vp": (5.8, 6.8), "vs": (3.2, 3.9), "rho": (2.6, 2.9)}


def prem_crust_phase_velocities(
    moho: ArrayLike,
    frequencies: ArrayLike,
    *,
    prior: CrustPrior | None = None,
    n_threads: int | None = None,
) -> NDArray[np.float64]:
    """Rayleigh phase velocities of PREM's two-layer crust stretched to each Moho depth.

    The "predicted structure" of Eq. 4 where no reference crust (CRUST1.0) covers a point: the
    network predicts only the Moho depth, so the crustal velocities are PREM's, the upper/lower
    crust boundary at PREM's relative depth, over the PREM mantle of :func:`prem_mantle`.

    Parameters
    ----------
    moho : array_like, shape (n,)
        Moho depths in km (positive).
    frequencies : array_like, shape (n_f,)
        Frequencies in Hz.
    prior : CrustPrior, optional
        Mantle discretisation.
    n_threads : int, optional
        Threads of the dispersion kernel.

    Returns
    -------
    ndarray, shape (n, n_f)
        Fundamental-mode phase velocity in km/s, with earth flattening.
    """
    from ..dispersion import phase_velocity
    from ..earth.layered import stack_models

    depths = np.asarray(moho, float).reshape(-1)
    models = []
    for i, h in enumerate(depths):
        if not (np.isfinite(h) and h > 0):
            raise ValueError(f"moho[{i}] must be a positive depth in km, got {h}")
        mantle = prem_mantle(float(h), prior)
        upper = PREM_CRUST["fraction_upper"] * h
        models.append(
            LayeredModel(
                np.concatenate([[upper, h - upper], mantle.thickness]),
                np.concatenate([PREM_CRUST["vp"], mantle.vp]),
                np.concatenate([PREM_CRUST["vs"], mantle.vs]),
                np.concatenate([PREM_CRUST["rho"], mantle.rho]),
            )
        )
    t, vp, vs, rho = stack_models(models)
    f = np.asarray(frequencies, float)
    return phase_velocity(1.0 / f, t, vp, vs, rho, spherical=True, n_threads=n_threads)


@dataclass(frozen=True)
class CrustInversion:
    """Network estimate of crustal thickness at each grid point.

    Attributes
    ----------
    mean, std : ndarray, shape (n_points,)
        Moho depth estimate and its standard deviation in km (std is NaN for a plain regressor).
    q16, q84 : ndarray, shape (n_points,)
        16 % and 84 % quantiles in km (mean ∓ std for an ensemble; NaN for a plain regressor).
    out_of_distribution : ndarray of bool, shape (n_points,)
        Inputs outside the training distribution (any standardised input beyond ``ood_sigma``).
    max_abs_z : ndarray, shape (n_points,)
        Largest standardised input of each point (|x − mean| / std of the training inputs).
    """

    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    q16: NDArray[np.float64]
    q84: NDArray[np.float64]
    out_of_distribution: NDArray[np.bool_]
    max_abs_z: NDArray[np.float64]


def _point(i: int, lon: NDArray | None, lat: NDArray | None) -> str:
    """``grid point 3`` or ``grid point 3 (lon 103.5, lat 30.5)`` for messages."""
    if lon is None or lat is None:
        return f"grid point {i}"
    return f"grid point {i} (lon {lon[i]:g}, lat {lat[i]:g})"


def _check_observed(
    observed: NDArray,
    frequencies: NDArray,
    *,
    name: str = "observed",
    what: str = "phase",
    lon: NDArray | None = None,
    lat: NDArray | None = None,
) -> None:
    n_f = frequencies.size
    if observed.ndim != 2 or observed.shape[1] != n_f:
        raise ValueError(
            f"{name} must have shape (n_points, {n_f}) matching frequencies, got {observed.shape}"
        )
    bad = ~np.isfinite(observed) | (observed <= 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} {what} velocity at {_point(int(i), lon, lat)}, frequency index {j} "
            f"({frequencies[j]:g} Hz) must be a positive finite value in km/s, "
            f"got {observed[i, j]}"
        )
    med = float(np.median(observed))
    if med > 20 or med < 0.5:
        raise ValueError(
            f"{name}: {what} velocities look like the wrong unit (median {med:g}); "
            "they must be in km/s"
        )


def _check_sigma(
    sigma: ArrayLike | None,
    shape: tuple[int, ...],
    name: str,
    lon: NDArray | None,
    lat: NDArray | None,
) -> NDArray | None:
    """Uncertainties in km/s of the observations' shape: finite and non-negative."""
    if sigma is None:
        return None
    s = np.asarray(sigma, float)
    if s.shape != shape:
        raise ValueError(f"{name} must have the shape of observed {shape}, got {s.shape}")
    bad = ~np.isfinite(s) | (s < 0)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ValueError(
            f"{name} at {_point(int(i), lon, lat)}, frequency index {j} must be a finite "
            f"non-negative standard deviation in km/s, got {s[i, j]}"
        )
    return s


def _check_frequencies(f: NDArray) -> None:
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"frequencies must be a non-empty 1-D array in Hz, got shape {f.shape}")
    bad = ~np.isfinite(f) | (f <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"frequencies[{i}] must be a positive frequency in Hz, got {f[i]}")


def _match_model_frequencies(model: Any, f: NDArray) -> NDArray[np.intp]:
    """Column order that puts ``f`` in the model's order; ValueError listing missing/extra."""
    expected = getattr(model, "frequencies", None)
    if expected is None:
        return np.arange(f.size)
    expected = np.asarray(expected, float).reshape(-1)
    # Same relative tolerance as the artefact's own axis check.
    close = np.isclose(f[:, None], expected[None, :], rtol=1e-6, atol=0.0)
    extra = f[~close.any(axis=1)]
    missing = expected[~close.any(axis=0)]
    if extra.size or missing.size or f.size != expected.size:

        def mhz(v: NDArray) -> str:
            return "[" + ", ".join(f"{1e3 * x:g}" for x in v) + "] mHz"

        parts = []
        if missing.size:
            parts.append(f"missing {mhz(missing)}")
        if extra.size:
            parts.append(f"not in the model {mhz(extra)}")
        if not parts:
            parts.append("some frequency is given twice")
        hint = ""
        if extra.size and np.all(extra > 1.0):
            hint = " (frequencies must be in Hz, not mHz or periods in s)"
        raise ValueError(
            f"frequencies: the model was trained at {expected.size} frequencies "
            f"{mhz(expected)}; {'; '.join(parts)}{hint}"
        )
    return np.argmax(close, axis=0)  # column of f for each model frequency


def _uses_group(model: Any, n_f: int) -> bool:
    """Whether the model's input row is phase (n_f) or phase then group (2 n_f) velocities."""
    shape = getattr(model, "input_shape", None)
    if shape is None:
        return False
    n_in = int(np.prod(shape))
    if n_in == n_f:
        return False
    if n_in == 2 * n_f:
        return True
    raise ValueError(
        f"model: expects {n_in} inputs, which is neither {n_f} phase velocities nor {n_f} phase "
        f"+ {n_f} group velocities at its frequencies"
    )


def invert_crust(
    model: Any,
    frequencies: ArrayLike,
    observed: ArrayLike,
    *,
    group: ArrayLike | None = None,
    lon: ArrayLike | None = None,
    lat: ArrayLike | None = None,
    ood_sigma: float = 4.0,
    phase_sigma: ArrayLike | None = None,
    group_sigma: ArrayLike | None = None,
    n_draws: int = 64,
    seed: int | None = 0,
) -> CrustInversion:
    """Invert phase (and group) velocities for crustal thickness with a trained crust model.

    Parameters
    ----------
    model : geoinvert.train.TrainedModel
        A loaded crust artefact (``geoinvert.train.load_model``), trained on phase velocities
        (``n_f`` inputs) or on phase then group velocities at the same frequencies (``2 n_f``
        inputs, the default ``CrustDispersionTask`` store).
    frequencies : array_like, shape (n_f,)
        Frequencies of the observations in Hz; they must be the model's frequencies, in any
        order (the columns are reordered to the model's).
    observed : array_like, shape (n_points, n_f)
        Phase velocities in km/s.
    group : array_like, shape (n_points, n_f), optional
        Group velocities in km/s; required by a phase+group model, ignored (with a warning) by a
        phase-only model.
    lon, lat : array_like, shape (n_points,), optional
        Coordinates in degrees, used to name grid points in error messages.
    ood_sigma : float
        Threshold (in training standard deviations) for the out-of-distribution flag.
    phase_sigma, group_sigma : array_like, shape (n_points, n_f), optional
        One-standard-deviation uncertainties of the observations in km/s. The network already
        accounts for the noise it was trained with (relative ``ε``, recorded in the artefact as
        ``extra['input_noise_relative']``; 0 when absent); where an observation's σ exceeds
        ``ε · c``, the excess ``√(σ² − (ε c)²)`` is marginalised by Monte Carlo: ``n_draws``
        Gaussian realisations of the inputs are inverted and their predictive distributions
        pooled (:meth:`TrainedModel.predict_distribution` with ``draws``), so a noisier point
        gets a wider (and honest) interval. σ below the training noise changes nothing (the
        network cannot be more certain than its training data allowed).
    n_draws : int
        Realisations for that marginalisation (only used when some excess σ is positive).
    seed : int, optional
        Seed of those realisations (reproducible by default).

    Returns
    -------
    CrustInversion

    Raises
    ------
    ValueError
        Bad shapes, NaN/non-positive or m/s velocities (naming the grid point), or frequencies
        that differ from the model's (listing the missing and extra ones).
    """
    f = np.asarray(frequencies, float)
    _check_frequencies(f)
    x = np.asarray(observed, float)
    lon_a = None if lon is None else np.asarray(lon, float).reshape(-1)
    lat_a = None if lat is None else np.asarray(lat, float).reshape(-1)
    if (lon_a is None) != (lat_a is None):
        raise ValueError("lon, lat: give both or neither")
    if (
        lon_a is not None
        and lat_a is not None
        and x.ndim == 2
        and (lon_a.size != x.shape[0] or lat_a.size != x.shape[0])
    ):
        raise ValueError(
            f"lon, lat: need one value per grid point ({x.shape[0]}), got {lon_a.size} and "
            f"{lat_a.size}"
        )
    _check_observed(x, f, lon=lon_a, lat=lat_a)
    g = None
    if group is not None:
        g = np.asarray(group, float)
        _check_observed(g, f, name="group", what="group", lon=lon_a, lat=lat_a)
        if g.shape != x.shape:
            raise ValueError(f"group must have the shape of observed {x.shape}, got {g.shape}")
    sp = _check_sigma(phase_sigma, x.shape, "phase_sigma", lon_a, lat_a)
    sg = _check_sigma(group_sigma, x.shape, "group_sigma", lon_a, lat_a)
    order = _match_model_frequencies(model, f)
    f, x = f[order], x[:, order]
    if _uses_group(model, f.size):
        if g is None:
            raise ValueError(
                f"group: this model was trained on phase and group velocities at {f.size} "
                "frequencies; pass group= (km/s)"
            )
        inputs = np.concatenate([x, g[:, order]], axis=1)
        sigma = np.concatenate(
            [
                np.zeros_like(x) if sp is None else sp[:, order],
                np.zeros_like(x) if sg is None else sg[:, order],
            ],
            axis=1,
        )
    else:
        if g is not None:
            log.warning("group: the model uses phase velocities only; group velocities ignored")
        inputs = x
        sigma = np.zeros_like(x) if sp is None else sp[:, order]
    norm = model.normalization
    shift = np.asarray(norm.input_shift, float).reshape(1, -1)
    scale = np.asarray(norm.input_scale, float).reshape(1, -1)
    z = (inputs - shift) / scale
    max_abs_z = np.max(np.abs(z), axis=1)
    eps = float(getattr(model, "extra", {}).get("input_noise_relative", 0.0) or 0.0)
    excess = np.sqrt(np.clip(sigma**2 - (eps * inputs) ** 2, 0.0, None))
    if excess.any():
        if n_draws < 2:
            raise ValueError(f"n_draws must be >= 2 to marginalise the data noise, got {n_draws}")
        rng = np.random.default_rng(seed)
        noisy = inputs[None] + excess[None] * rng.standard_normal((n_draws, *inputs.shape))
        noisy = np.clip(noisy, 1e-3, None)  # a 1-sigma-huge point must not go negative
        out = model.predict_distribution(
            noisy.reshape(-1, inputs.shape[1]), frequencies=f, draws=n_draws
        )
    else:
        out = model.predict_distribution(inputs, frequencies=f)
    mean = np.asarray(out["mean"], float).reshape(-1)
    std = np.asarray(out.get("std", np.full_like(mean, np.nan)), float).reshape(-1)
    if "quantiles" in out:
        q = np.asarray(out["quantiles"], float)
        q16, q84 = q[:, 0], q[:, -1]
    else:
        q16, q84 = mean - std, mean + std
    return CrustInversion(mean, std, q16, q84, max_abs_z > ood_sigma, max_abs_z)


def invert_dispersion_grid(
    model: Any, grid: Any, *, ood_sigma: float = 4.0, **kw: Any
) -> CrustInversion:
    """:func:`invert_crust` of a :class:`geoinvert.io.DispersionGrid` (errors name lon/lat).

    The grid's group velocities are passed when it has them, and its uncertainties
    (``phase_sigma``, ``group_sigma``) are marginalised where they exceed the network's training
    noise (see :func:`invert_crust`).
    """
    return invert_crust(
        model,
        grid.frequencies,
        grid.phase,
        group=grid.group,
        lon=grid.lon,
        lat=grid.lat,
        ood_sigma=ood_sigma,
        phase_sigma=grid.phase_sigma,
        group_sigma=grid.group_sigma,
        **kw,
    )


def compare_maps(estimate: ArrayLike, reference: ArrayLike) -> dict[str, float]:
    """RMS difference (km), mean difference (km) and Pearson correlation of two maps."""
    a = np.asarray(estimate, float).ravel()
    b = np.asarray(reference, float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"estimate has {a.size} points but reference has {b.size}")
    ok = np.isfinite(a) & np.isfinite(b)
    d = a[ok] - b[ok]
    return {
        "rms_km": float(np.sqrt(np.mean(d * d))),
        "bias_km": float(np.mean(d)),
        "correlation": float(np.corrcoef(a[ok], b[ok])[0, 1]),
        "n_points": int(ok.sum()),
    }


def relative_phase_error(predicted: ArrayLike, observed: ArrayLike) -> NDArray[np.float64]:
    """The paper's Eq. 4: |c_pred − c_obs| / c_obs per point and frequency (dimensionless)."""
    p = np.asarray(predicted, float)
    o = np.asarray(observed, float)
    if p.shape != o.shape:
        raise ValueError(f"predicted has shape {p.shape} but observed has shape {o.shape}")
    return np.abs(p - o) / o


# --------------------------------------------------------------------------------------------
# Conventional baseline: Bayesian Monte Carlo inversion of one grid point
# --------------------------------------------------------------------------------------------

MC_PARAMETERS = (
    "moho_depth",
    "upper_fraction",
    "vs_upper",
    "vs_lower",
    "vpvs_upper",
    "vpvs_lower",
    "mantle_dlnvs0",
    "mantle_dlnvs1",
    "mantle_dlnvs2",
)


def mc_bounds(prior: CrustPrior | None = None) -> tuple[NDArray, NDArray]:
    """Box bounds of the Monte Carlo parameters (:data:`MC_PARAMETERS`) from the crust prior.

    The training prior's ranges of Moho depth (km), crustal Vs (km/s) and Vp/Vs and of the
    mantle Vs perturbations in its zones, for a two-layer crust whose upper-layer fraction is
    U(0, 1) -- the prior's two-layer member (thicknesses uniform on the simplex). What the
    Monte Carlo prior is *not*: the training prior also draws one- and three-layer crusts and
    a ±3 % density perturbation per layer. One-layer crusts are the two-layer models with equal
    layers; three-layer crusts and density perturbations are left out to keep the dimension
    (9 instead of 15 plus a layer count) small enough to converge in a minute.
    """
    p = prior or CrustPrior()
    lo = [p.moho_depth[0], 0.0, p.crust_vs[0], p.crust_vs[0], p.crust_vpvs[0], p.crust_vpvs[0]]
    hi = [p.moho_depth[1], 1.0, p.crust_vs[1], p.crust_vs[1], p.crust_vpvs[1], p.crust_vpvs[1]]
    lo += [p.mantle_dlnvs[0]] * len(p.mantle_zones)
    hi += [p.mantle_dlnvs[1]] * len(p.mantle_zones)
    return np.array(lo), np.array(hi)


def mc_models(theta: NDArray, prior: CrustPrior | None = None) -> tuple[NDArray, ...]:
    """Layered models (km, km/s, g/cm³) of Monte Carlo parameter vectors, vectorised.

    The construction follows :func:`geoinvert.earth.priors.sample_crust` (Brocher density, PREM
    mantle at the prior's nodes scaled by zone perturbations with the prior's Vp and density
    scalings), restricted to a two-layer crust. Mantle layers above the Moho get zero thickness,
    which leaves the dispersion unchanged, so every model has the same number of layers.
    """
    from ..earth.priors import brocher_density

    p = prior or CrustPrior()
    th = np.atleast_2d(np.asarray(theta, float))
    n = th.shape[0]
    moho, frac = th[:, 0], th[:, 1]
    vs_c = th[:, 2:4]
    vp_c = vs_c * th[:, 4:6]
    h_m, vp_m, vs_m, rho_m, hs = perturbed_prem_mantle(moho, th[:, 6:], p)
    thick = np.column_stack([frac * moho, (1 - frac) * moho, h_m, np.zeros(n)])
    vp = np.column_stack([vp_c, vp_m, hs[0]])
    vs = np.column_stack([vs_c, vs_m, hs[1]])
    rho = np.column_stack([brocher_density(vp_c), rho_m, hs[2]])
    return thick, vp, vs, rho


#: Parameters of the full-prior Monte Carlo (``parameterisation="full"``), 16 for the default
#: prior: Moho depth (km); the layer count as a continuous u in [n_min, n_max + 1) (n = ⌊u⌋);
#: two stick-breaking fractions q of the layer thicknesses; per crustal slot a raw Vs (sorted
#: over the used layers, as the sampler does), Vp/Vs and relative density perturbation; the
#: mantle zones' Vs perturbations.
def mc_parameters_full(prior: CrustPrior | None = None) -> tuple[str, ...]:
    """Names of the full-prior Monte Carlo parameters (see :func:`mc_models_full`)."""
    p = prior or CrustPrior()
    k = p.max_crust_layers
    names = ["moho_depth", "n_crust_u"] + [f"q{i}" for i in range(k - 1)]
    for what in ("vs", "vpvs", "drho"):
        names += [f"crust_{what}{i}" for i in range(k)]
    return tuple(names + [f"mantle_dlnvs{i}" for i in range(len(p.mantle_zones))])


def mc_bounds_full(prior: CrustPrior | None = None) -> tuple[NDArray, NDArray]:
    """Box bounds of :func:`mc_parameters_full`: a uniform box that maps onto the training prior.

    Uniform u gives the prior's integer-uniform layer count; uniform stick-breaking fractions
    give thicknesses uniform on the simplex (the sampler's normalised exponentials); raw
    uniform Vs values sorted over the used layers have the sampler's order-statistic density.
    So a flat prior in this box *is* :func:`geoinvert.earth.priors.sample_crust`'s prior.
    """
    p = prior or CrustPrior()
    if p.crust_model != "random":
        raise ValueError("prior: the full-prior Monte Carlo needs crust_model='random'")
    k = p.max_crust_layers
    lo = [p.moho_depth[0], p.n_crust_layers[0]] + [0.0] * (k - 1)
    hi = [p.moho_depth[1], p.n_crust_layers[1] + 1.0] + [1.0] * (k - 1)
    for rng_ in (p.crust_vs, p.crust_vpvs, p.crust_drho):
        lo += [rng_[0]] * k
        hi += [rng_[1]] * k
    lo += [p.mantle_dlnvs[0]] * len(p.mantle_zones)
    hi += [p.mantle_dlnvs[1]] * len(p.mantle_zones)
    return np.array(lo), np.array(hi)


def _stick_breaking(q: NDArray, n: NDArray, k: int) -> NDArray:
    """Weights (m, k) uniform on the (n−1)-simplex from uniform q (m, k−1); zero past n."""
    w = np.zeros((q.shape[0], k))
    rest = np.ones(q.shape[0])
    for i in range(k):
        left = n - i  # layers still to place, including this one
        last = left <= 1
        # Beta(1, left − 1) by inversion: 1 − (1 − q)^(1/(left − 1)); the last takes the rest.
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = 1.0 - (1.0 - q[:, min(i, k - 2)]) ** (1.0 / np.maximum(left - 1, 1))
        take = np.where(last, 1.0, frac) * rest
        w[:, i] = np.where(left >= 1, take, 0.0)
        rest = rest - w[:, i]
    return w


def mc_models_full(theta: NDArray, prior: CrustPrior | None = None) -> tuple[NDArray, ...]:
    """Layered models (km, km/s, g/cm³) of full-prior Monte Carlo vectors, vectorised.

    The same construction as :func:`geoinvert.earth.priors.sample_crust` (layer count, simplex
    thicknesses, sorted Vs, per-slot Vp/Vs and density perturbation of the Brocher density,
    PREM mantle at the prior's nodes with zone perturbations); unused slots and mantle layers
    above the Moho get zero thickness (no effect on the dispersion).
    """
    from ..earth.priors import brocher_density

    p = prior or CrustPrior()
    k = p.max_crust_layers
    th = np.atleast_2d(np.asarray(theta, float))
    moho = th[:, 0]
    n = np.clip(np.floor(th[:, 1]).astype(int), p.n_crust_layers[0], p.n_crust_layers[1])
    q = th[:, 2 : 1 + k]
    vs_raw, vpvs, drho = (th[:, 1 + k + j * k : 1 + k + (j + 1) * k] for j in range(3))
    used = np.arange(k)[None, :] < n[:, None]
    vs_c = np.sort(np.where(used, vs_raw, np.inf), axis=1)
    vs_c = np.where(used, vs_c, vs_raw)
    vp_c = vs_c * vpvs
    rho_c = brocher_density(vp_c) * (1.0 + drho)
    h = moho[:, None] * _stick_breaking(q, n, k)
    h_m, vp_m, vs_m, rho_m, hs = perturbed_prem_mantle(moho, th[:, 1 + 4 * k :], p)
    thick = np.column_stack([h, h_m, np.zeros(th.shape[0])])
    vp = np.column_stack([vp_c, vp_m, hs[0]])
    vs = np.column_stack([vs_c, vs_m, hs[1]])
    rho = np.column_stack([rho_c, rho_m, hs[2]])
    return thick, vp, vs, rho


def mc_invert_point(
    frequencies: ArrayLike,
    observed: ArrayLike,
    *,
    sigma: float = 0.005,
    prior: CrustPrior | None = None,
    n_chains: int = 16,
    n_steps: int = 20000,
    burn_in: int | None = None,
    thin: int = 10,
    n_initial: int = 20000,
    seed: int | None = 0,
    n_threads: int | None = 1,
    sampler: str = "de-mcz",
    progress: bool = False,
    parameterisation: str = "two-layer",
) -> dict[str, Any]:
    """Bayesian Monte Carlo inversion of one dispersion curve for crustal thickness.

    Differential-evolution MCMC with an archive and snooker updates
    (:func:`geoinvert.invert.de_mcmc_z`; γ tuned to ~25 % acceptance and outlier chains reset
    during burn-in) over
    :data:`MC_PARAMETERS` with a uniform prior inside :func:`mc_bounds` (crustal Vs increasing
    with depth, as in the training prior; see :func:`mc_bounds` for how it is a subset of the
    network's prior), a Gaussian likelihood with relative standard deviation ``sigma`` on each
    phase velocity, and our dispersion kernel evaluating all chains in one batched call per step.

    Parameters
    ----------
    frequencies : array_like, shape (n_f,)
        Hz.
    observed : array_like, shape (n_f,)
        Phase velocities in km/s.
    sigma : float
        Relative data standard deviation (0.005 = 0.5 %).
    prior : CrustPrior, optional
        Ranges (default ``CrustPrior()``, the demo network's training prior).
    n_chains : int
        Chains (≥ 2; even and ≥ 8 for ``sampler="de-mc"``).
    n_steps : int
        Steps per chain including burn-in. The default (20 000 × 16 chains, ~2.6·10⁵ forward
        models, ~25 s on one core) gives split-R̂ 1.05 on the demo's eastern-Tibet point
        (0.5 % noise); 3 000 steps of the former population DE-MC gave R̂ 1.76.
    burn_in : int, optional
        Discarded steps (default a third of ``n_steps``).
    thin : int
        Keep every ``thin``-th post-burn-in state.
    n_initial : int
        Prior draws evaluated in one batch to start the chains (the best ``n_chains``).
    seed : int, optional
        Random seed.
    n_threads : int, optional
        Threads of the dispersion kernel (None: all cores; batches of 16 models gain little).
    sampler : {"de-mcz", "de-mc"}
        :func:`~geoinvert.invert.de_mcmc_z` (default) or the population
        :func:`~geoinvert.invert.differential_evolution_mcmc`.
    progress : bool
        Show a tqdm bar when the run takes more than a few seconds.
    parameterisation : {"two-layer", "full"}
        ``"two-layer"`` (default): the training prior's two-layer member without density
        perturbations (:data:`MC_PARAMETERS`, 9 parameters); ``"full"``: the network's whole
        training prior (:func:`mc_bounds_full`, :func:`mc_models_full`: 1-3 layers, density
        perturbations; 16 parameters). Measured on the demo's eastern-Tibet point (0.5 %
        noise): two-layer 20 000 steps split-R̂ 1.05 (44.5 ± 7.8 km, ~25 s); full needs
        150 000 steps for R̂ 1.097 (43.9 ± 8.0 km, ~5 min; chains hop between layer counts
        slowly; 50 000 steps give R̂ 1.135).

    Returns
    -------
    dict
        ``mean``, ``std``, ``q16``, ``q84`` of the Moho depth (km); ``acceptance`` (post burn-in);
        ``rhat_moho`` (split-R̂ of the Moho depth) and ``rhat_max`` (largest split-R̂ over all
        parameters); ``converged`` (``rhat_moho`` < 1.1); ``gamma``, ``n_chains``,
        ``n_steps``, ``n_evaluations``, ``seconds``.
    """
    from ..dispersion import phase_velocity
    from .montecarlo import de_mcmc_z, differential_evolution_mcmc

    if sampler not in ("de-mcz", "de-mc"):
        raise ValueError(f"sampler must be 'de-mcz' or 'de-mc', got {sampler!r}")
    f = np.asarray(frequencies, float)
    obs = np.asarray(observed, float).reshape(-1)
    _check_frequencies(f)
    _check_observed(obs[None, :], f)
    if not 0 < sigma < 1:
        raise ValueError(f"sigma must be a relative standard deviation in (0, 1), got {sigma}")
    if parameterisation not in ("full", "two-layer"):
        raise ValueError(
            f"parameterisation must be 'full' or 'two-layer', got {parameterisation!r}"
        )
    full = parameterisation == "full"
    burn = n_steps // 3 if burn_in is None else burn_in
    periods = 1.0 / f
    lower, upper = mc_bounds_full(prior) if full else mc_bounds(prior)
    build = mc_models_full if full else mc_models

    def loglike(theta: NDArray) -> NDArray:
        out = np.full(theta.shape[0], -np.inf)
        # two-layer: Vs increases with depth in the crust (full: sorted inside the model)
        ok = np.ones(theta.shape[0], bool) if full else theta[:, 2] <= theta[:, 3]
        if ok.any():
            c = phase_velocity(
                periods, *build(theta[ok], prior), spherical=True, n_threads=n_threads
            )
            r = (c - obs[None, :]) / (sigma * obs[None, :])
            out[ok] = -0.5 * np.sum(r * r, axis=1)  # NaN (missing root) is rejected
        return out

    # Start the population from the best of a batch of prior draws (one batched kernel call), as
    # a neighbourhood-style first stage: chains started at random in a 9-D box with a likelihood
    # this peaked would need very long burn-ins.
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    draws = lower + rng.random((n_initial, lower.size)) * (upper - lower)
    if not full:
        draws[:, 2:4] = np.sort(draws[:, 2:4], axis=1)
    ll0 = loglike(draws)
    best = draws[np.argsort(np.where(np.isfinite(ll0), ll0, -np.inf))[::-1]]
    x0 = best[:n_chains]
    if sampler == "de-mcz":
        res = de_mcmc_z(
            loglike,
            lower,
            upper,
            x0=x0,
            z0=best[: max(10 * lower.size, n_chains)],
            n_chains=n_chains,
            n_steps=n_steps,
            burn_in=burn,
            thin=thin,
            seed=seed,
            progress=progress,
        )
    else:
        res = differential_evolution_mcmc(
            loglike,
            lower,
            upper,
            x0=x0,
            n_chains=n_chains,
            n_steps=n_steps,
            burn_in=burn,
            thin=thin,
            seed=seed,
            progress=progress,
        )
    moho = res.flat()[:, 0]
    rhat = res.gelman_rubin(split=True)
    return {
        "mean": float(moho.mean()),
        "std": float(moho.std()),
        "q16": float(np.quantile(moho, 0.16)),
        "q84": float(np.quantile(moho, 0.84)),
        "acceptance": res.acceptance,
        "rhat_moho": float(rhat[0]),
        "rhat_max": float(np.max(rhat)),
        "converged": bool(rhat[0] < 1.1),
        "gamma": res.gamma,
        "n_chains": n_chains,
        "n_steps": n_steps,
        "n_evaluations": res.n_evaluations + n_initial,
        "parameterisation": parameterisation,
        "n_parameters": int(lower.size),
        "seconds": time.perf_counter() - start,
    }
