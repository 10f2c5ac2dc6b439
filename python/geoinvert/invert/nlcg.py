"""Regularised nonlinear conjugate-gradient (NLCG) minimisation, Rodi & Mackie (2001) style.

The objective is Ψ(m) = Φ_d(m) + λ Φ_m(m) with a data misfit Φ_d supplied with its gradient (for
MT, from the adjoint of ``geoinvert.mt.Forward2D``) and a smoothness penalty
Φ_m = ||W_x (m - m_ref)||² + α_z ||W_z (m - m_ref)||² built from first differences on the cell grid.
Search directions are Polak-Ribière+ conjugate gradients with restarts; each line search brackets
the step with an Armijo condition and refines it by a safeguarded quadratic/cubic interpolation, as
in Rodi & Mackie (2001, Geophysics 66, 174-187).

Reference: Rodi, W. & Mackie, R. L. (2001), Nonlinear conjugate gradients algorithm for 2-D
magnetotelluric inversion, Geophysics 66(1), 174-187.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["NLCGResult", "SmoothnessRegulariser", "nlcg"]

log = logging.getLogger(__name__)

MisfitAndGradient = Callable[[NDArray[np.float64]], tuple[float, NDArray[np.float64]]]


@dataclass(frozen=True)
class SmoothnessRegulariser:
    """First-difference roughness of a model on an (n_z, n_x) cell grid.

    Φ_m(m) = Σ (Δ_x m)² + alpha_z Σ (Δ_z m)², with differences between neighbouring cells
    (dimensionless; m is typically log10 resistivity).

    Parameters
    ----------
    shape : tuple of int
        Cell grid shape (n_z, n_x), depth first.
    alpha_z : float
        Weight of vertical against horizontal roughness.
    reference : ndarray, optional
        Reference model m_ref (same shape); the roughness of m - m_ref is penalised.
    """

    shape: tuple[int, int]
    alpha_z: float = 1.0
    reference: NDArray[np.float64] | None = None

    def _delta(self, m: NDArray) -> NDArray:
        m = m.reshape(self.shape)
        return m if self.reference is None else m - self.reference.reshape(self.shape)

    def value_and_gradient(self, m: NDArray) -> tuple[float, NDArray]:
        """Return Φ_m and its gradient with respect to m (flattened like m)."""
        d = self._delta(m)
        dx = np.diff(d, axis=1)
        dz = np.diff(d, axis=0)
        value = float(np.sum(dx * dx) + self.alpha_z * np.sum(dz * dz))
        grad = np.zeros(self.shape)
        grad[:, 1:] += 2 * dx
        grad[:, :-1] -= 2 * dx
        grad[1:, :] += 2 * self.alpha_z * dz
        grad[:-1, :] -= 2 * self.alpha_z * dz
        return value, grad.ravel()


@dataclass
class NLCGResult:
    """Outcome of :func:`nlcg`.

    Attributes
    ----------
    model : ndarray
        Final model (flattened).
    objective, data_misfit, model_norm : list of float
        Per-iteration history, starting with the initial model.
    n_evaluations : int
        Calls of the misfit-and-gradient function (forward + adjoint solves).
    wall_time : float
        Seconds.
    converged : bool
        Whether a stopping criterion (target misfit or relative decrease) was met.
    message : str
        Why it stopped.
    """

    model: NDArray[np.float64]
    objective: list[float] = field(default_factory=list)
    data_misfit: list[float] = field(default_factory=list)
    model_norm: list[float] = field(default_factory=list)
    n_evaluations: int = 0
    wall_time: float = 0.0
    converged: bool = False
    message: str = ""


def _cubic_min(a0: float, f0: float, d0: float, a1: float, f1: float, d1: float) -> float:
    """Minimiser of the cubic through (a0, f0, f'0) and (a1, f1, f'1), kept inside the interval."""
    lo, hi = min(a0, a1), max(a0, a1)
    d_1 = d0 + d1 - 3 * (f0 - f1) / (a0 - a1)
    disc = d_1 * d_1 - d0 * d1
    if disc >= 0:
        d_2 = np.copysign(np.sqrt(disc), a1 - a0)
        a = a1 - (a1 - a0) * (d1 + d_2 - d_1) / (d1 - d0 + 2 * d_2)
        if lo + 0.1 * (hi - lo) <= a <= hi - 0.1 * (hi - lo):
            return float(a)
    return 0.5 * (lo + hi)


def _wolfe_line_search(evaluate, m, f0, slope0, direction, alpha, *, c1=1e-4, c2=0.1, max_eval=12):
    """Strong-Wolfe line search (Nocedal & Wright 2006, Algorithms 3.5-3.6) with cubic zoom.

    Each evaluation returns the gradient too (forward + adjoint), so the directional derivative is
    used both for the curvature condition and for cubic interpolation. Returns the accepted
    (model, objective, data misfit, model norm, gradient) or None.
    """
    a_prev, f_prev, d_prev = 0.0, f0, slope0
    best = None
    n = 0
    lo = hi = None
    while n < max_eval:
        x = m + alpha * direction
        f_a, d_a, n_a, g_a = evaluate(x)
        n += 1
        der = float(g_a @ direction)
        point = (alpha, f_a, der, (x, f_a, d_a, n_a, g_a))
        if f_a <= f0 + c1 * alpha * slope0 and (best is None or f_a < best[1]):
            best = point
        if lo is None:  # bracketing phase
            if f_a > f0 + c1 * alpha * slope0 or (n > 1 and f_a >= f_prev):
                lo, hi = (a_prev, f_prev, d_prev), (alpha, f_a, der)
            elif abs(der) <= -c2 * slope0:
                return point[3]
            elif der >= 0:
                lo, hi = (alpha, f_a, der), (a_prev, f_prev, d_prev)
            else:
                a_prev, f_prev, d_prev = alpha, f_a, der
                alpha *= 2.5
                continue
        else:  # zoom phase
            if f_a > f0 + c1 * alpha * slope0 or f_a >= lo[1]:
                hi = (alpha, f_a, der)
            else:
                if abs(der) <= -c2 * slope0:
                    return point[3]
                if der * (hi[0] - lo[0]) >= 0:
                    hi = lo
                lo = (alpha, f_a, der)
        alpha = _cubic_min(lo[0], lo[1], lo[2], hi[0], hi[1], hi[2])
        if abs(hi[0] - lo[0]) < 1e-12 * max(1.0, abs(lo[0])):
            break
    # Curvature condition not met within the budget: accept the best sufficient decrease.
    return None if best is None else best[3]


def nlcg(
    misfit_and_gradient: MisfitAndGradient,
    m0: NDArray[np.float64],
    *,
    regulariser: SmoothnessRegulariser | None = None,
    lam: float = 1.0,
    max_iterations: int = 50,
    target_misfit: float | None = None,
    rtol: float = 1e-4,
    initial_step: float = 1.0,
    max_step: float = 2.0,
    callback: Callable[[int, NDArray, float], None] | None = None,
) -> NLCGResult:
    """Minimise Φ_d(m) + λ Φ_m(m) by Polak-Ribière+ nonlinear conjugate gradients.

    Parameters
    ----------
    misfit_and_gradient : callable
        ``m -> (Φ_d, ∂Φ_d/∂m)`` for a flattened model m (e.g. log10 resistivity, Ω·m).
    m0 : ndarray
        Starting model.
    regulariser : SmoothnessRegulariser, optional
        Model roughness penalty; none means unregularised.
    lam : float
        Trade-off parameter λ ≥ 0.
    max_iterations : int
        Maximum number of CG iterations (line searches).
    target_misfit : float, optional
        Stop once Φ_d falls to this value.
    rtol : float
        Stop when the objective decreases by less than ``rtol`` (relative) in an iteration.
    initial_step : float
        Largest model change (max |Δm|) tried by the first line search; later searches start
        from the previous accepted step length.
    max_step : float
        Upper bound on max |Δm| of any step (in units of m, e.g. decades of resistivity).
    callback : callable, optional
        ``callback(iteration, m, objective)`` after every iteration.

    Returns
    -------
    NLCGResult
    """
    if lam < 0:
        raise ValueError(f"lam must be >= 0, got {lam}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    start = time.perf_counter()
    m = np.array(m0, dtype=float).ravel()
    if not np.all(np.isfinite(m)):
        raise ValueError("m0 must be finite")
    result = NLCGResult(model=m)

    def evaluate(x: NDArray) -> tuple[float, float, float, NDArray]:
        result.n_evaluations += 1
        phi_d, g_d = misfit_and_gradient(x)
        phi_m, g_m = (
            (0.0, np.zeros_like(x)) if regulariser is None else regulariser.value_and_gradient(x)
        )
        return phi_d + lam * phi_m, phi_d, phi_m, np.asarray(g_d, float).ravel() + lam * g_m

    f, phi_d, phi_m, g = evaluate(m)
    result.objective.append(f)
    result.data_misfit.append(phi_d)
    result.model_norm.append(phi_m)
    direction = -g
    g_prev = g
    last_step: tuple[float, float] | None = None  # (alpha, slope) of the previous search
    for it in range(1, max_iterations + 1):
        if target_misfit is not None and phi_d <= target_misfit:
            result.converged, result.message = True, f"target misfit reached at iteration {it - 1}"
            break
        found = None
        for attempt in range(2):
            slope = float(g @ direction)
            if slope >= 0 or attempt == 1:  # restart with steepest descent
                direction, slope = -g, -float(g @ g)
            dmax = float(np.max(np.abs(direction)))
            if dmax == 0.0:
                break
            # First trial: the first step changes m by at most initial_step; later ones reuse the
            # previous step's predicted decrease (Nocedal & Wright eq. 3.60).
            alpha = (
                initial_step / dmax if last_step is None else last_step[0] * last_step[1] / slope
            )
            alpha = min(alpha, max_step / dmax)
            found = _wolfe_line_search(evaluate, m, f, slope, direction, alpha)
            if found is not None:
                break
        if found is None:
            if dmax == 0.0:
                result.converged, result.message = True, "zero gradient"
            else:
                result.message = f"line search failed at iteration {it}"
            break
        trial, f_t, d_t, mnorm_t, g_t = found
        alpha_used = float(np.max(np.abs(trial - m))) / dmax
        last_step = (alpha_used, slope)
        rel = (f - f_t) / max(abs(f), 1e-300)
        m, f, phi_d, phi_m, g = trial, f_t, d_t, mnorm_t, g_t
        result.objective.append(f)
        result.data_misfit.append(phi_d)
        result.model_norm.append(phi_m)
        log.info("NLCG iteration %d: objective %.6g, data misfit %.6g", it, f, phi_d)
        if callback is not None:
            callback(it, m, f)
        if rel < rtol:
            result.converged, result.message = True, f"relative decrease {rel:.2e} < rtol"
            break
        # Polak-Ribière+ update (non-negative beta gives an automatic restart).
        beta = max(0.0, float(g @ (g - g_prev)) / max(float(g_prev @ g_prev), 1e-300))
        direction = -g + beta * direction
        g_prev = g
    else:
        result.message = "maximum iterations reached"
    result.model = m
    result.wall_time = time.perf_counter() - start
    return result
