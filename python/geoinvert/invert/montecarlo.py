"""Bayesian Monte Carlo sampling: the conventional baseline the networks are compared with.

Three samplers over a uniform box prior (the network's training prior, or a stated subset of
it, so both methods answer the same question), each evaluating many states in ONE batched
likelihood call per step (e.g. ``geoinvert.dispersion.phase_velocity`` on an
(n_chains, n_layers) batch); the likelihood is supplied by the caller:

- :func:`adaptive_metropolis`: random-walk Metropolis with the Haario et al. (2001) covariance;
- :func:`differential_evolution_mcmc`: population DE-MC (ter Braak 2006);
- :func:`de_mcmc_z`: DE-MCz with snooker updates (ter Braak & Vrugt 2008), which mixes far
  better on the curved velocity-depth trade-offs of dispersion data (the crust baseline).

The DE samplers tune their step during burn-in towards a target acceptance and reset outlier
chains (Vrugt et al. 2009); :meth:`MCMCResult.gelman_rubin` gives (split-)R̂.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["MCMCResult", "adaptive_metropolis", "de_mcmc_z", "differential_evolution_mcmc"]

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
    gamma : float
        Differential-evolution step scale after burn-in (NaN for adaptive Metropolis).
    """

    samples: NDArray[np.float64]
    log_likelihood: NDArray[np.float64]
    acceptance: float
    n_evaluations: int
    wall_time: float
    gamma: float = float("nan")

    def flat(self) -> NDArray[np.float64]:
        """All kept samples as (n_samples, n_params)."""
        return self.samples.reshape(-1, self.samples.shape[-1])

    def gelman_rubin(self, *, split: bool = False) -> NDArray[np.float64]:
        """Potential scale reduction R̂ per parameter (≈ 1 when the chains agree).

        ``split=True`` computes split-R̂ (Gelman et al. 2013, BDA3 §11.4): each chain's kept
        samples are cut in two halves treated as separate chains, which also catches chains that
        still drift.
        """
        x = self.samples  # (n, m, p)
        if split:
            h = x.shape[0] // 2
            x = np.concatenate([x[:h], x[h : 2 * h]], axis=1)
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


def _outliers(mean_ll: NDArray) -> NDArray[np.bool_]:
    """Chains whose mean log-likelihood lies below Q1 − 2 IQR of all chains (Vrugt et al. 2009)."""
    q1, q3 = np.quantile(mean_ll, [0.25, 0.75])
    return mean_ll < q1 - 2.0 * (q3 - q1)


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
    target_acceptance: float | None = 0.25,
    reset_outliers: bool = True,
    progress: bool = False,
) -> MCMCResult:
    """Differential-evolution Markov chain Monte Carlo (ter Braak 2006), uniform box prior.

    Each chain proposes x_i + γ (x_a − x_b) + ε from two other randomly chosen chains (γ =
    s · 2.38/√(2d), with γ = 1 every tenth step so that chains can jump between modes), which
    adapts the proposal to the posterior's correlations and lets the population move between
    separated modes -- the velocity-depth trade-off of dispersion data makes such posteriors
    common. Chains are updated in two halves, each half proposing from the other, so the whole
    population is evaluated in two batched likelihood calls per step and detailed balance holds.

    During burn-in only (so that the kept samples come from a fixed kernel), the scale ``s``
    is adapted towards ``target_acceptance`` (a sharp likelihood makes the textbook γ accept
    ~2 % of proposals), and chains stuck in a low-likelihood region are moved onto the state of
    a good chain (the outlier test of DREAM, Vrugt et al. 2009), which otherwise keeps R̂ far
    above 1 for a very long time.

    Parameters
    ----------
    target_acceptance : float, optional
        Acceptance rate the burn-in adapts γ towards (None: the fixed textbook γ).
    reset_outliers : bool
        Reset outlier chains (mean log-likelihood over the last quarter of the burn-in below
        Q1 − 2 IQR of the chains) to the best chain at 1/2 and 3/4 of the burn-in and at its end.

    Other parameters and the return value as for :func:`adaptive_metropolis` (``n_chains`` ≥ 8,
    even; ``x0`` optional starting states of shape (n_chains, n_params)).
    """
    if n_chains < 8 or n_chains % 2:
        raise ValueError(f"n_chains must be an even number >= 8, got {n_chains}")
    if target_acceptance is not None and not 0.0 < target_acceptance < 1.0:
        raise ValueError(f"target_acceptance must lie in (0, 1), got {target_acceptance}")
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
    log_scale = 0.0
    window_acc = window_prop = 0
    resets = {burn_in // 2, (3 * burn_in) // 4, burn_in} if reset_outliers else set()
    ll_history: list[NDArray] = []
    kept, kept_ll = [], []
    accepted = proposed = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        # delay: only runs that take more than a few seconds show a bar
        bar = tqdm(total=n_steps, desc="DE-MCMC", unit="step", delay=3.0, leave=False)
    for step in range(n_steps):
        if step in resets and step > 0 and ll_history:
            recent = np.mean(ll_history[-max(1, burn_in // 4) :], axis=0)
            bad = _outliers(np.where(np.isfinite(recent), recent, -1e300))
            if bad.any():
                best = int(np.argmax(ll))
                x[bad] = x[best]
                ll[bad] = ll[best]
                log.debug("DE-MCMC step %d: reset %d outlier chains", step, int(bad.sum()))
        gamma = 1.0 if step % 10 == 9 else gamma0 * np.exp(log_scale)
        step_acc = 0
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
            step_acc += int(acc.sum())
        if step < burn_in:
            ll_history.append(ll.copy())
            if target_acceptance is not None and step % 10 != 9:
                window_acc += step_acc
                window_prop += n_chains
                if window_prop >= 20 * n_chains:
                    rate = window_acc / window_prop
                    # Robbins-Monro on log s with a slowly decaying gain
                    log_scale += (rate - target_acceptance) * 2.0 / np.sqrt(1 + step / 200)
                    log_scale = float(np.clip(log_scale, -6.0, 1.0))
                    window_acc = window_prop = 0
        else:
            accepted += step_acc
            proposed += n_chains
            if (step - burn_in) % thin == 0:
                kept.append(x.copy())
                kept_ll.append(ll.copy())
        if bar is not None:
            bar.update(1)
            if step % 50 == 0:
                bar.set_postfix(gamma=f"{gamma0 * np.exp(log_scale):.3f}")
    if bar is not None:
        bar.close()
    result = MCMCResult(
        samples=np.array(kept),
        log_likelihood=np.array(kept_ll),
        acceptance=accepted / max(proposed, 1),
        n_evaluations=n_eval,
        wall_time=time.perf_counter() - start,
        gamma=float(gamma0 * np.exp(log_scale)),
    )
    log.info(
        "DE-MCMC: %d evaluations in %.1f s, acceptance %.2f, gamma %.3f",
        n_eval,
        result.wall_time,
        result.acceptance,
        result.gamma,
    )
    return result


def de_mcmc_z(
    log_likelihood: LogLikelihood,
    lower: NDArray[np.float64],
    upper: NDArray[np.float64],
    *,
    n_chains: int = 16,
    n_steps: int = 4000,
    burn_in: int = 1500,
    thin: int = 5,
    seed: int | None = 0,
    x0: NDArray[np.float64] | None = None,
    z0: NDArray[np.float64] | None = None,
    archive_every: int = 5,
    snooker: float = 0.1,
    target_acceptance: float | None = 0.25,
    progress: bool = False,
) -> MCMCResult:
    """DE-MCz with snooker updates (ter Braak & Vrugt 2008), uniform box prior.

    Like :func:`differential_evolution_mcmc`, but the difference vectors are drawn from an
    archive Z of past states of all chains (plus optional initial states ``z0``), not from the
    current population: every chain can then be updated in the same batched likelihood call,
    and few chains mix as well as many (the archive carries the posterior's shape, also along
    curved trade-offs). With probability ``snooker`` a chain makes a snooker jump along the line
    through an archive state (with its (d−1)-power Jacobian). The sampler works in the unit box
    (``(x − lower) / (upper − lower)``), so parameters of different units count alike. During
    burn-in the parallel-step scale adapts towards ``target_acceptance`` and outlier chains are
    reset (as in :func:`differential_evolution_mcmc`); afterwards the kernel is fixed apart
    from the growing archive, which the method's ergodicity proof allows.

    Parameters
    ----------
    z0 : ndarray, shape (m, n_params), optional
        Initial archive (e.g. the best prior draws); default the starting states.
    archive_every : int
        Steps between appending all chains' states to the archive.
    snooker : float
        Probability of a snooker update per chain and step.

    Other parameters and the return value as for :func:`adaptive_metropolis`.
    """
    if n_chains < 2:
        raise ValueError(f"n_chains must be >= 2, got {n_chains}")
    if not 0.0 <= snooker < 1.0:
        raise ValueError(f"snooker must lie in [0, 1), got {snooker}")
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    lower, upper, x_phys = _setup(lower, upper, n_chains, n_steps, burn_in, x0, rng)
    d = lower.size
    span = upper - lower
    evaluate_phys = _finite_loglike(log_likelihood)

    def evaluate(u: NDArray) -> NDArray:
        return evaluate_phys(lower + u * span)

    u = (x_phys - lower) / span
    archive = [u.copy()] if z0 is None else [(np.asarray(z0, float) - lower) / span, u.copy()]
    z = np.concatenate(archive)
    ll = evaluate(u)
    n_eval = n_chains
    gamma0 = 2.38 / np.sqrt(2 * d)
    log_scale = 0.0
    window_acc = window_prop = 0
    resets = {burn_in // 2, (3 * burn_in) // 4, burn_in}
    ll_history: list[NDArray] = []
    kept, kept_ll = [], []
    accepted = proposed = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_steps, desc="DE-MCz", unit="step", delay=3.0, leave=False)
    for step in range(n_steps):
        if step in resets and step > 0 and ll_history:
            recent = np.mean(ll_history[-max(1, burn_in // 4) :], axis=0)
            bad = _outliers(np.where(np.isfinite(recent), recent, -1e300))
            if bad.any():
                best = int(np.argmax(ll))
                u[bad] = u[best]
                ll[bad] = ll[best]
        m = z.shape[0]
        jump = step % 10 == 9
        gamma = 1.0 if jump else gamma0 * np.exp(log_scale)
        ia = rng.integers(0, m, n_chains)
        ib = (ia + rng.integers(1, m, n_chains)) % m
        prop = u + gamma * (z[ia] - z[ib]) + 1e-6 * rng.standard_normal((n_chains, d))
        log_jac = np.zeros(n_chains)
        snook = rng.random(n_chains) < snooker
        if snook.any():
            k = int(snook.sum())
            zc = z[rng.integers(0, m, k)]
            zr1, zr2 = z[rng.integers(0, m, k)], z[rng.integers(0, m, k)]
            e = u[snook] - zc
            ee = np.maximum(np.einsum("ij,ij->i", e, e), 1e-300)
            proj = np.einsum("ij,ij->i", zr1 - zr2, e) / ee
            xs = u[snook] + rng.uniform(1.2, 2.2, k)[:, None] * proj[:, None] * e
            new_dist = np.linalg.norm(xs - zc, axis=1)
            log_jac[snook] = (d - 1) * (np.log(np.maximum(new_dist, 1e-300)) - 0.5 * np.log(ee))
            prop[snook] = xs
        inside = np.all((prop >= 0.0) & (prop <= 1.0), axis=1)
        ll_new = np.full(n_chains, -np.inf)
        if inside.any():
            ll_new[inside] = evaluate(prop[inside])
            n_eval += int(inside.sum())
        with np.errstate(invalid="ignore"):
            acc = np.log(rng.random(n_chains)) < ll_new - ll + log_jac
        u = np.where(acc[:, None], prop, u)
        ll = np.where(acc, ll_new, ll)
        if step % archive_every == archive_every - 1:
            z = np.concatenate([z, u])
        parallel = ~snook
        if step < burn_in:
            ll_history.append(ll.copy())
            if target_acceptance is not None and not jump:
                window_acc += int(acc[parallel].sum())
                window_prop += int(parallel.sum())
                if window_prop >= 20 * n_chains:
                    rate = window_acc / window_prop
                    log_scale += (rate - target_acceptance) * 2.0 / np.sqrt(1 + step / 200)
                    log_scale = float(np.clip(log_scale, -6.0, 1.0))
                    window_acc = window_prop = 0
        else:
            accepted += int(acc.sum())
            proposed += n_chains
            if (step - burn_in) % thin == 0:
                kept.append(lower + u * span)
                kept_ll.append(ll.copy())
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    result = MCMCResult(
        samples=np.array(kept),
        log_likelihood=np.array(kept_ll),
        acceptance=accepted / max(proposed, 1),
        n_evaluations=n_eval,
        wall_time=time.perf_counter() - start,
        gamma=float(gamma0 * np.exp(log_scale)),
    )
    log.info(
        "DE-MCz: %d evaluations in %.1f s, acceptance %.2f, gamma %.3f",
        n_eval,
        result.wall_time,
        result.acceptance,
        result.gamma,
    )
    return result
