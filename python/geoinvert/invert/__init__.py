"""Inversion drivers: network inversion of observations and conventional baselines."""

from .nlcg import NLCGResult, SmoothnessRegulariser, nlcg

__all__ = ["NLCGResult", "SmoothnessRegulariser", "nlcg"]
