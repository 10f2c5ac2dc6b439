"""Bayesian Monte Carlo sampling: the conventional baseline the networks are compared with.

An adaptive random-walk Metropolis sampler (Haario, Saksman & Tamminen 2001) runs many chains at
once, so that each step evaluates the forward model of all chains in ONE batched kernel call
(e.g. ``geoinvert.dispersion.phase_velocity`` on an (n_chains, n_layers) batch). The prior is
uniform inside box bounds (the training prior of the network, so both methods answer the same
question); the likelihood is supplied by the caller.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["MCMCResult", "adaptive_metropolis", "differential_evolution_mcmc"]

log = logging.getLogger(__name__)

LogLikelihood = Callable[[NDArray[np.float64]], NDArray[np.float64]]


@dataclass(frozen=True)
class MCMCResult:
    """Samples of an :func:`adaptive_metropolis` run.

    Attributes
    ----------
    samples : ndarray, shape (n_kept, n_chains, n_params)
        Post-burn-in, thinned states of every chain.
    log_likelihood : ndarray, shape (n_kept, n_chains)
        Log-likelihood of each kept state.
    acceptance : float
        Fraction of accepted proposals after burn-in.
    n_evaluations : int
        Forward-model evaluations (models, not batched calls).
    wall_time : float
        Seconds.
    """

    samples: NDArray[np.float64]
    log_likelihood: NDArray[np.float64]
    acceptance: float
    n_evaluations: int
    wall_time: float

    def flat(self) -> NDArray[np.float64]:
        """All kept samples as (n_samples, n_params)."""
        return self.samples.reshape(-1, self.samples.shape[-1])

    def gelman_rubin(self) -> NDArray[np.float64]:
        """Potential scale reduction R̂ per parameter (≈ 1 when the chains agree)."""
        x = self.samples  # (n, m, p)
        n = x.shape[0]
        chain_means = x.mean(axis=0)
        b = n * chain_means.var(axis=0, ddof=1)
        w = x.var(axis=0, ddof=1).mean(axis=0)
        var_hat = (n - 1) / n * w + b / n
        return np.sqrt(var_hat / np.maximum(w, 1e-300))


def _setup(
    lower: NDArray,
    upper: NDArray,
    n_chains: int,
    n_steps: int,
    burn_in: int,
    x0: NDArray | None,
    rng: np.random.Generator,
) -> tuple[NDArray, NDArray, NDArray]:
    """Check the box prior and run lengths; starting states (drawn from the prior by default)."""
    lower = np.asarray(lower, float)
    upper = np.asarray(upper, float)
    if lower.shape != upper.shape or lower.ndim != 1:
        raise ValueError("lower and upper must be 1-D arrays of the same length")
    if np.any(upper <= lower):
        i = int(np.flatnonzero(upper <= lower)[0])
        raise ValueError(f"upper must exceed lower; parameter {i}: [{lower[i]}, {upper[i]}]")
    if not 0 <= burn_in < n_steps:
        raise ValueError(f"burn_in must be in [0, n_steps), got {burn_in} with n_steps={n_steps}")
    p = lower.size
    x = lower + rng.random((n_chains, p)) * (upper - lower) if x0 is None else np.array(x0, float)
    if x.shape != (n_chains, p):
        raise ValueError(f"x0 must have shape {(n_chains, p)}, got {x.shape}")
    return lower, upper, x


def _finite_loglike(log_likelihood: LogLikelihood) -> LogLikelihood:
    """Wrap a log-likelihood so that NaN (e.g. a missing dispersion root) becomes -inf."""

    def evaluate(states: NDArray) -> NDArray:
        ll = np.asarray(log_likelihood(states), float)
        return np.where(np.isfinite(ll), ll, -np.inf)

    return evaluate


def adaptive_metropolis(
    log_likelihood: LogLikelihood,
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    *,
    n_chains: int = 16,
    n_steps: int = 2000,
    burn_in: int = 1000,
    thin: int = 5,
    seed: int | None = 0,
    x0: NDArray[np.float64] | None = None,
    progress: bool = False,
) -> MCMCResult:
    """Sample a posterior with a uniform box prior by adaptive Metropolis, chains in parallel.

    Parameters
    ----------
    log_likelihood : callable
        ``x (n_chains, n_params) -> (n_chains,)`` log-likelihood; -inf or NaN rejects a state
        (e.g. a model whose dispersion curve has a missing mode).
    lower, upper : ndarray, shape (n_params,)
        Prior bounds (in the parameters' own units, e.g. km and km/s).
    n_chains : int
        Number of chains, evaluated together in one batched likelihood call per step.
    n_steps : int
        Steps per chain, including burn-in.
    burn_in : int
        Steps discarded; the proposal covariance adapts only during burn-in so that the kept
        samples come from a fixed (valid Markov) kernel.
    thin : int
        Keep every ``thin``-th post-burn-in state.
    seed : int, optional
        Random seed.
    x0 : ndarray, shape (n_chains, n_params), optional
        Starting states; drawn from the prior by default.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    MCMCResult
    """
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    lower, upper, x = _setup(lower, upper, n_chains, n_steps, burn_in, x0, rng)
    p = lower.size
    span = upper - lower
    evaluate = _finite_loglike(log_likelihood)

    ll = evaluate(x)
    n_eval = n_chains
    # Proposal: start at 5% of the prior width, then the within-chain sample covariance scaled
    # by 2.38²/p (Haario et al. 2001) times a factor adapted during burn-in towards an
    # acceptance rate of 0.234 (Roberts & Rosenthal 2009), so that chains sitting in different
    # modes do not inflate the proposal.
    cov = np.diag((0.05 * span) ** 2)
    base = 2.38**2 / p
    log_factor = 0.0
    window_accepts = 0
    history: list[NDArray] = []
    kept, kept_ll = [], []
    accepted = proposed = 0
    steps = range(n_steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="MCMC", unit="step")
    for step in steps:
        chol = np.linalg.cholesky(cov + 1e-12 * np.diag(span**2))
        proposal = x + rng.standard_normal((n_chains, p)) @ chol.T
        inside = np.all((proposal >= lower) & (proposal <= upper), axis=1)
        ll_new = np.full(n_chains, -np.inf)
        if inside.any():
            ll_new[inside] = evaluate(proposal[inside])
            n_eval += int(inside.sum())
        with np.errstate(invalid="ignore"):  # -inf - -inf: both states impossible, reject
            accept = np.log(rng.random(n_chains)) < ll_new - ll
        x = np.where(accept[:, None], proposal, x)
        ll = np.where(accept, ll_new, ll)
        if step < burn_in:
            history.append(x.copy())
            window_accepts += int(accept.sum())
            if step >= 50 and step % 25 == 0:
                rate = window_accepts / (25 * n_chains)
                window_accepts = 0
                log_factor += 1.5 * (rate - 0.234)
                recent = np.stack(history[len(history) // 2 :])  # (steps, chains, p)
                within = recent - recent.mean(axis=0, keepdims=True)
                emp = np.einsum("sci,scj->ij", within, within) / max(
                    within.shape[0] * n_chains - 1, 1
                )
                cov = base * np.exp(2 * log_factor) * emp
        else:
            accepted += int(accept.sum())
            proposed += n_chains
            if (step - burn_in) % thin == 0:
                kept.append(x.copy())
                kept_ll.append(ll.copy())
    result = MCMCResult(
        samples=np.array(kept),
        log_likelihood=np.array(kept_ll),
        acceptance=accepted / max(proposed, 1),
        n_evaluations=n_eval,
        wall_time=time.perf_counter() - start,
    )
    log.info(
        "MCMC: %d evaluations in %.1f s, acceptance %.2f",
        n_eval,
        result.wall_time,
        result.acceptance,
    )
    return result


def differential_evolution_mcmc(
    log_likelihood: LogLikelihood,
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    *,
    n_chains: int = 32,
    n_steps: int = 2000,
    burn_in: int = 1000,
    thin: int = 5,
    seed: int | None = 0,
    x0: NDArray[np.float64] | None = None,
    progress: bool = False,
) -> MCMCResult:
    """Differential-evolution Markov chain Monte Carlo (ter Braak 2006), uniform box prior.

    Each chain proposes x_i + γ (x_a − x_b) + ε from two other randomly chosen chains (γ =
    2.38/√(2d), with γ = 1 every tenth step so that chains can jump between modes), which adapts
    the proposal to the posterior's correlations and lets the population move between separated
    modes -- the velocity-depth trade-off of dispersion data makes such posteriors common. Chains
    are updated in two halves, each half proposing from the other, so the whole population is
    evaluated in two batched likelihood calls per step and detailed balance holds.

    Parameters and return value as for :func:`adaptive_metropolis` (``n_chains`` ≥ 8, even;
    ``x0`` optional starting states of shape (n_chains, n_params)).
    """
    if n_chains < 8 or n_chains % 2:
        raise ValueError(f"n_chains must be an even number >= 8, got {n_chains}")
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    lower, upper, x = _setup(lower, upper, n_chains, n_steps, burn_in, x0, rng)
    d = lower.size
    span = upper - lower
    evaluate = _finite_loglike(log_likelihood)

    ll = evaluate(x)
    n_eval = n_chains
    half = n_chains // 2
    groups = (np.arange(half), np.arange(half, n_chains))
    gamma0 = 2.38 / np.sqrt(2 * d)
    kept, kept_ll = [], []
    accepted = proposed = 0
    steps = range(n_steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="DE-MCMC", unit="step")
    for step in steps:
        gamma = 1.0 if step % 10 == 9 else gamma0
        for g, other in (groups, groups[::-1]):
            ia = rng.integers(0, half, size=half)
            ib = (ia + rng.integers(1, half, size=half)) % half  # a different chain
            a, b = other[ia], other[ib]
            prop = x[g] + gamma * (x[a] - x[b]) + 1e-4 * span * rng.standard_normal((half, d))
            inside = np.all((prop >= lower) & (prop <= upper), axis=1)
            ll_new = np.full(half, -np.inf)
            if inside.any():
                ll_new[inside] = evaluate(prop[inside])
                n_eval += int(inside.sum())
            with np.errstate(invalid="ignore"):
                acc = np.log(rng.random(half)) < ll_new - ll[g]
            x[g] = np.where(acc[:, None], prop, x[g])
            ll[g] = np.where(acc, ll_new, ll[g])
            if step >= burn_in:
                accepted += int(acc.sum())
                proposed += half
        if step >= burn_in and (step - burn_in) % thin == 0:
            kept.append(x.copy())
            kept_ll.append(ll.copy())
    result = MCMCResult(
        samples=np.array(kept),
        log_likelihood=np.array(kept_ll),
        acceptance=accepted / max(proposed, 1),
        n_evaluations=n_eval,
        wall_time=time.perf_counter() - start,
    )
    log.info(
        "DE-MCMC: %d evaluations in %.1f s, acceptance %.2f",
        n_eval,
        result.wall_time,
        result.acceptance,
    )
    return result
