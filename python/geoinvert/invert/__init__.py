"""Inversion drivers: network inversion of observations and conventional baselines."""

from .crust import CrustInversion, invert_crust, invert_dispersion_grid, mc_invert_point
from .mc_region import MCRegionResult, mc_invert_region
from .montecarlo import MCMCResult, adaptive_metropolis, de_mcmc_z, differential_evolution_mcmc
from .mt import (
    MTNLCGResult,
    MTProfile,
    interpolate_to_grid,
    invert_mt_nlcg,
    invert_mt_unet,
    invert_profile_nlcg,
    invert_profile_unet,
    profile_from_edi,
)
from .mt1d_smc import MT1DPosterior, layered_column_model, mt1d_layered_posterior
from .nlcg import NLCGResult, SmoothnessRegulariser, nlcg

__all__ = [
    "CrustInversion",
    "MCMCResult",
    "MCRegionResult",
    "MT1DPosterior",
    "MTNLCGResult",
    "MTProfile",
    "NLCGResult",
    "SmoothnessRegulariser",
    "adaptive_metropolis",
    "de_mcmc_z",
    "differential_evolution_mcmc",
    "interpolate_to_grid",
    "invert_crust",
    "invert_dispersion_grid",
    "invert_mt_nlcg",
    "invert_mt_unet",
    "invert_profile_nlcg",
    "invert_profile_unet",
    "layered_column_model",
    "mc_invert_point",
    "mc_invert_region",
    "mt1d_layered_posterior",
    "nlcg",
    "profile_from_edi",
]
