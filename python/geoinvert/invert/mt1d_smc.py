"""Bayesian 1-D magnetotelluric inversion over the layered part of the MT section prior.

The posterior of a layered column (the flat layers of
:class:`geoinvert.earth.priors.MTSectionPrior`:
2-6 layers, interfaces uniform in depth, log-uniform resistivities, rasterised at the cell
centres exactly as :func:`geoinvert.earth.priors.sample_mt_sections` does) given one sounding's
log10 apparent resistivity and phase with Gaussian errors, sampled by sequential Monte Carlo
with adaptive likelihood tempering (Del Moral et al. 2006; the ESS rule of Jasra et al. 2011):
particles start as prior draws, each stage raises the likelihood exponent β as far as keeps half
the effective sample size, resamples, and moves every particle with Metropolis-Hastings steps that
leave the tempered posterior invariant. The state has a fixed dimension - the number of layers
``k``, all ``k_max - 1`` sorted interface depths and all ``k_max`` resistivities, of which only the
first ``k - 1`` and ``k`` are used - so a change of ``k`` is an ordinary symmetric move and needs
no reversible-jump Jacobian; the unused values keep their prior.

Its use here: the posterior mean is the estimator of least mean-square error, so the RMS of the
posterior mean against the truth over prior draws is the floor no network trained on the same
prior can beat (``benchmarks/mt_floor.py`` computes it for the sections of the MT study that have
no bodies, whose 121 stations x 2 modes are 242 copies of one 1-D sounding).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..earth.priors import MTSectionPrior
from ..mt import forward_1d

__all__ = ["MT1DPosterior", "layered_column_model", "mt1d_layered_posterior"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MT1DPosterior:
    """Result of :func:`mt1d_layered_posterior`.

    Attributes
    ----------
    columns : ndarray, shape (n_particles, nz)
        Equally weighted posterior draws of the rasterised column, log10 resistivity (Ω·m) at
        the prior's cell centres (row 0 = top).
    n_layers : ndarray of int, shape (n_particles,)
        Number of layers of each draw.
    mean, std : ndarray, shape (nz,)
        Posterior mean and standard deviation of log10 resistivity per cell (log10 Ω·m).
    log_evidence : float
        log p(data) up to the Gaussian normalisation constant (nats).
    n_stages : int
        Tempering stages (β from 0 to 1).
    n_evaluations : int
        Forward-model evaluations (models).
    acceptance : float
        Metropolis-Hastings acceptance rate of the last stage.
    wall_time : float
        Seconds.
    """

    columns: NDArray[np.float64]
    n_layers: NDArray[np.int64]
    mean: NDArray[np.float64]
    std: NDArray[np.float64]
    log_evidence: float
    n_stages: int
    n_evaluations: int
    acceptance: float
    wall_time: float


def layered_column_model(
    n_layers: NDArray[np.int64],
    interfaces: NDArray[np.float64],
    log10_rho: NDArray[np.float64],
    prior: MTSectionPrior,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Rasterised columns and the equivalent compact layered models of layered-prior states.

    Parameters
    ----------
    n_layers : ndarray of int, shape (n,)
        Layers used (between the prior's bounds).
    interfaces : ndarray, shape (n, k_max - 1)
        Sorted interface depths in km; the first ``n_layers - 1`` are used.
    log10_rho : ndarray, shape (n, k_max)
        Layer log10 resistivities (Ω·m), top first.
    prior : MTSectionPrior
        Gives the cell centres (km) and ``k_max``.

    Returns
    -------
    columns : ndarray, shape (n, nz)
        log10 resistivity (Ω·m) at the cell centres, as :func:`sample_mt_sections` paints them.
    resistivity : ndarray, shape (n, k_max)
        Resistivities (Ω·m) of a layered earth whose response equals that of the rasterised
        column with its bottom cell extended as the half-space (the 2-D solver's padding).
    thickness : ndarray, shape (n, k_max - 1)
        Layer thicknesses in km (zero for layers that no cell centre falls in).
    """
    z = prior.z_centres
    dz = prior.depth / prior.nz
    kmax = prior.n_layers[1]
    used = np.arange(kmax - 1)[None, :] < (n_layers - 1)[:, None]
    # an interface is seen by the raster as the edge below the last cell centre above it
    n_above = (z[None, None, :] < interfaces[:, :, None]).sum(axis=2)  # (n, kmax - 1)
    visible = used & (n_above < prior.nz)
    layer_idx = (z[None, :, None] > np.where(used, interfaces, np.inf)[:, None, :]).sum(axis=2)
    columns = np.take_along_axis(log10_rho, layer_idx, axis=1)
    # compact model: layer j spans the raster edges of interfaces j-1 and j; layers below the
    # last visible interface repeat the bottom cell's value (thickness 0 beyond it)
    edges = np.where(visible, n_above * dz, np.nan)
    k_vis = 1 + visible.sum(axis=1)
    j = np.arange(kmax)[None, :]
    res_idx = np.minimum(j, (k_vis - 1)[:, None])
    resistivity = 10.0 ** np.take_along_axis(log10_rho, res_idx, axis=1)
    tops = np.concatenate([np.zeros((len(n_layers), 1)), edges], axis=1)[:, :-1]
    thickness = np.where(visible, edges - tops, 0.0)
    return columns, resistivity, thickness


def _log_falling_factorial(n: int, m: NDArray) -> NDArray:
    """log(n! / (n - m)!) elementwise."""
    table = np.cumsum(np.concatenate([[0.0], np.log(np.arange(n, 0, -1.0))]))
    return table[m]


def _check_data(
    frequencies: NDArray[np.float64], name: str, value: object, *, positive: bool = False
) -> NDArray[np.float64]:
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), frequencies.shape)
    bad = np.flatnonzero(~np.isfinite(arr) | ((arr <= 0) if positive else False))
    if bad.size:
        what = "positive and finite" if positive else "finite"
        raise ValueError(f"{name} must be {what}; index {bad[0]} is {arr.flat[bad[0]]}")
    return np.array(arr)


def mt1d_layered_posterior(
    frequencies: NDArray[np.float64],
    log10_rho_a: NDArray[np.float64],
    phase: NDArray[np.float64],
    *,
    sigma_log10_rho_a: float | NDArray[np.float64],
    sigma_phase: float | NDArray[np.float64],
    prior: MTSectionPrior | None = None,
    n_particles: int = 2000,
    n_moves: int = 12,
    ess_fraction: float = 0.5,
    rng: np.random.Generator | None = None,
    n_threads: int | None = 1,
) -> MT1DPosterior:
    """Posterior of the layered MT column given one sounding, by tempered sequential Monte Carlo.

    Parameters
    ----------
    frequencies : ndarray, shape (n_frequencies,)
        Frequencies in Hz.
    log10_rho_a, phase : ndarray, shape (n_frequencies,)
        Observed log10 apparent resistivity (log10 Ω·m) and impedance phase (degrees).
    sigma_log10_rho_a, sigma_phase : float or ndarray, shape (n_frequencies,)
        Standard deviations of the Gaussian errors (log10 Ω·m and degrees), > 0.
    prior : MTSectionPrior, optional
        Its layer count, depth range, resistivity range and cells define the prior (bodies are
        ignored); default the MT study's.
    n_particles : int
        Particles (>= 50).
    n_moves : int
        Metropolis-Hastings sweeps per stage (each: one joint random-walk move, one move of a
        single coordinate, one birth/death move of a layer).
    ess_fraction : float
        Effective-sample-size fraction kept by each tempering step, in (0, 1).
    rng : numpy.random.Generator, optional
        Random generator (default ``np.random.default_rng()``).
    n_threads : int or None
        Threads of the 1-D forward kernel (None = all cores).

    Returns
    -------
    MT1DPosterior

    Raises
    ------
    ValueError
        Shapes that do not match the frequencies, non-finite data, non-positive errors or
        frequencies, or out-of-range sampler settings.
    """
    t0 = time.perf_counter()
    f = np.asarray(frequencies, dtype=np.float64)
    if f.ndim != 1 or f.size == 0:
        raise ValueError(f"frequencies must have shape (n_frequencies,), got {f.shape}")
    f = _check_data(f, "frequencies", f, positive=True)
    for name, arr in (("log10_rho_a", log10_rho_a), ("phase", phase)):
        if np.shape(arr) != f.shape:
            raise ValueError(f"{name} must have shape {f.shape}, got {np.shape(arr)}")
    d_rho = _check_data(f, "log10_rho_a", log10_rho_a)
    d_phi = _check_data(f, "phase", phase)
    s_rho = _check_data(f, "sigma_log10_rho_a", sigma_log10_rho_a, positive=True)
    s_phi = _check_data(f, "sigma_phase", sigma_phase, positive=True)
    if n_particles < 50:
        raise ValueError(f"n_particles must be >= 50, got {n_particles}")
    if n_moves < 1:
        raise ValueError(f"n_moves must be >= 1, got {n_moves}")
    if not 0.0 < ess_fraction < 1.0:
        raise ValueError(f"ess_fraction must be in (0, 1), got {ess_fraction}")
    p = prior or MTSectionPrior()
    rng = rng or np.random.default_rng()
    kmin, kmax = p.n_layers
    lo_r, hi_r = np.log10(p.resistivity)
    n = n_particles
    n_evals = 0

    def log_likelihood(k: NDArray, u: NDArray, r: NDArray) -> NDArray:
        nonlocal n_evals
        _, res, thick = layered_column_model(k, u, r, p)
        rho_a, phi, _ = forward_1d(f, res, thick, n_threads=n_threads)
        n_evals += len(k)
        chi2 = (((np.log10(rho_a) - d_rho) / s_rho) ** 2).sum(axis=1)
        chi2 += (((phi - d_phi) / s_phi) ** 2).sum(axis=1)
        return -0.5 * chi2

    n_pool = kmax - 1  # the prior's interfaces: the used ones are the smallest k - 1 of these
    log_box = np.log(p.depth * (hi_r - lo_r))

    def log_prior(k: NDArray, u: NDArray) -> NDArray:
        # k uniform, the k resistivities uniform on (lo_r, hi_r); the k - 1 smallest of
        # n_pool uniform depths have density
        # n_pool!/(n_pool - m)! D^-n_pool (D - z_m)^(n_pool - m), m = k - 1
        m = k - 1
        z_max = np.take_along_axis(u, (m - 1)[:, None], axis=1)[:, 0]
        log_pz = (n_pool - m) * np.log(p.depth - z_max) + _log_falling_factorial(n_pool, m)
        return log_pz - k * np.log(hi_r - lo_r)

    k = rng.integers(kmin, kmax + 1, size=n)
    u = np.sort(rng.uniform(0.0, p.depth, size=(n, n_pool)), axis=1)
    r = rng.uniform(lo_r, hi_r, size=(n, kmax))
    slot = np.arange(n_pool)[None, :]
    u = np.where(slot < (k - 1)[:, None], u, np.inf)  # unused interfaces: below everything
    ll = log_likelihood(k, u, r)
    lp = log_prior(k, u)  # kept beside ll so each move evaluates only the proposal's
    beta, log_z, n_stages, scale, acc = 0.0, 0.0, 0, 0.5, float("nan")
    while beta < 1.0:
        # next exponent: the largest that keeps ess_fraction of the particles effective
        def ess(b: float, beta: float = beta, ll: NDArray = ll) -> float:
            w = np.exp((b - beta) * (ll - ll.max()))
            return float(w.sum() ** 2 / (w**2).sum())

        if ess(1.0) >= ess_fraction * n:
            new_beta = 1.0
        else:
            a, b = beta, 1.0
            for _ in range(60):
                mid = 0.5 * (a + b)
                a, b = (mid, b) if ess(mid) >= ess_fraction * n else (a, mid)
            new_beta = max(a, beta + 1e-12)
        logw = (new_beta - beta) * ll
        mx = logw.max()
        log_z += mx + np.log(np.mean(np.exp(logw - mx)))
        beta = new_beta
        n_stages += 1
        # systematic resampling
        w = np.exp(logw - mx)
        cdf = np.cumsum(w / w.sum())
        idx = np.minimum(np.searchsorted(cdf, (rng.random() + np.arange(n)) / n), n - 1)
        k, u, r, ll, lp = k[idx], u[idx], r[idx], ll[idx], lp[idx]
        # step sizes per (number of layers, coordinate) from the particles, fixed for the stage
        sd_u = np.full((kmax + 1, n_pool), 0.1 * p.depth)
        sd_r = np.full((kmax + 1, kmax), 0.1 * (hi_r - lo_r))
        for kk in range(kmin, kmax + 1):
            g = k == kk
            if g.sum() >= 10:
                sd_u[kk, : kk - 1] = np.maximum(u[g, : kk - 1].std(axis=0), 1e-3)
                sd_r[kk, :kk] = np.maximum(r[g, :kk].std(axis=0), 1e-4)
        n_acc, n_prop = 0, 0
        for _ in range(n_moves):
            for kind in ("joint", "single", "redraw", "birth", "death"):
                k2, u2, r2 = k, u, r
                log_q = np.zeros(n)  # log q(x | x') - log q(x' | x)
                m = k - 1
                if kind in ("joint", "single"):
                    su, sr = sd_u[k], sd_r[k]
                    if kind == "joint":
                        f_scale = scale * 2.38 / np.sqrt(2 * k - 1)[:, None]
                        du = rng.standard_normal((n, n_pool)) * su * f_scale
                        dr = rng.standard_normal((n, kmax)) * sr * f_scale
                    else:  # one used coordinate, drawn uniformly among the 2k - 1
                        c = (rng.random(n) * (2 * k - 1)).astype(np.int64)
                        du = np.where(slot == c[:, None], 1.0, 0.0) * su
                        dr = np.where(np.arange(kmax)[None, :] == (c - m)[:, None], 1.0, 0.0) * sr
                        z = rng.standard_normal(n)[:, None] * scale
                        du, dr = du * z, dr * z
                    u2 = np.where(slot < m[:, None], u + du, np.inf)
                    r2 = np.where(np.arange(kmax)[None, :] < k[:, None], r + dr, r)
                elif kind == "redraw":  # one used resistivity from the prior (independence)
                    j = (rng.random(n) * k).astype(np.int64)
                    r2 = r.copy()
                    r2[np.arange(n), j] = rng.uniform(lo_r, hi_r, size=n)
                elif kind == "birth":  # a new interface anywhere; the layer below it is new
                    k2 = np.minimum(k + 1, kmax)
                    z_new = rng.uniform(0.0, p.depth, size=n)
                    u2 = np.sort(np.where(slot == m[:, None], z_new[:, None], u), axis=1)
                    pos = (u < z_new[:, None]).sum(axis=1)  # layer that is split
                    jj = np.arange(kmax)[None, :]
                    src = np.where(jj <= pos[:, None], jj, jj - 1)
                    r2 = np.take_along_axis(r, np.maximum(src, 0), axis=1)
                    r2[np.arange(n), np.minimum(pos + 1, kmax - 1)] = rng.uniform(
                        lo_r, hi_r, size=n
                    )
                    log_q = log_box - np.log(k2 - 1.0)
                    log_q = np.where(k < kmax, log_q, 0.0)
                else:  # death: remove one interface and the resistivity of the layer below it
                    k2 = np.maximum(k - 1, kmin)
                    i = (rng.random(n) * np.maximum(m, 1)).astype(np.int64)
                    u2 = np.sort(np.where(slot == i[:, None], np.inf, u), axis=1)
                    jj = np.arange(kmax)[None, :]
                    src = np.where(jj <= i[:, None], jj, np.minimum(jj + 1, kmax - 1))
                    r2 = np.take_along_axis(r, src, axis=1)
                    log_q = np.log(np.maximum(m, 1).astype(np.float64)) - log_box
                    log_q = np.where(k > kmin, log_q, 0.0)
                valid = (k2 != k) if kind in ("birth", "death") else np.ones(n, dtype=bool)
                used_u = np.where(slot < (k2 - 1)[:, None], u2, 0.5 * p.depth)
                inside = (
                    valid
                    & (used_u > 0.0).all(axis=1)
                    & (used_u < p.depth).all(axis=1)
                    & (r2 > lo_r).all(axis=1)
                    & (r2 < hi_r).all(axis=1)
                )
                if kind in ("joint", "single"):
                    # a symmetric Gaussian step; interfaces out of order leave the support
                    with np.errstate(invalid="ignore"):
                        order = np.diff(u2, axis=1)
                    inside &= ((order > 0) | ~(slot[:, 1:] < (k2 - 1)[:, None])).all(axis=1)
                ok = np.zeros(n, dtype=bool)
                if inside.any():
                    sel = np.flatnonzero(inside)
                    ll_new = log_likelihood(k2[sel], u2[sel], r2[sel])
                    log_a = beta * (ll_new - ll[sel]) + log_q[sel]
                    lp_new = log_prior(k2[sel], u2[sel])
                    log_a += lp_new - lp[sel]
                    ok[sel] = np.log(rng.random(sel.size)) < log_a
                    ll = ll.copy()
                    ll[sel[ok[sel]]] = ll_new[ok[sel]]
                    lp = lp.copy()
                    lp[sel[ok[sel]]] = lp_new[ok[sel]]
                k = np.where(ok, k2, k)
                u = np.where(ok[:, None], u2, u)
                r = np.where(ok[:, None], r2, r)
                if kind == "joint":
                    n_acc += int(ok.sum())
                    n_prop += n
        acc = n_acc / max(n_prop, 1)
        # keep the joint move's acceptance near 0.25 (Roberts et al. 1997)
        scale *= float(np.exp(np.clip(acc - 0.25, -0.2, 0.2) * 2.0))
        scale = float(np.clip(scale, 1e-3, 3.0))
        log.debug("stage %d: beta %.3g, acceptance %.2f, scale %.2f", n_stages, beta, acc, scale)
    columns, _, _ = layered_column_model(k, u, r, p)
    return MT1DPosterior(
        columns=columns,
        n_layers=k.astype(np.int64),
        mean=columns.mean(axis=0),
        std=columns.std(axis=0),
        log_evidence=float(log_z),
        n_stages=n_stages,
        n_evaluations=n_evals,
        acceptance=acc,
        wall_time=time.perf_counter() - t0,
    )
