"""Inversion drivers: network inversion of observations and conventional baselines."""

from .montecarlo import MCMCResult, adaptive_metropolis, differential_evolution_mcmc
from .mt import (
    MTNLCGResult,
    MTProfile,
    interpolate_to_grid,
    invert_mt_nlcg,
    invert_mt_unet,
    profile_from_edi,
)
from .nlcg import NLCGResult, SmoothnessRegulariser, nlcg

__all__ = [
    "MCMCResult",
    "MTNLCGResult",
    "MTProfile",
    "NLCGResult",
    "SmoothnessRegulariser",
    "adaptive_metropolis",
    "differential_evolution_mcmc",
    "interpolate_to_grid",
    "invert_mt_nlcg",
    "invert_mt_unet",
    "nlcg",
    "profile_from_edi",
]
