"""Inversion drivers: network inversion of observations and conventional baselines."""

from .montecarlo import MCMCResult, adaptive_metropolis, differential_evolution_mcmc
from .nlcg import NLCGResult, SmoothnessRegulariser, nlcg

__all__ = [
    "MCMCResult",
    "NLCGResult",
    "SmoothnessRegulariser",
    "adaptive_metropolis",
    "differential_evolution_mcmc",
    "nlcg",
]
