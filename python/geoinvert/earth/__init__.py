"""Earth models: the layered-model type, file formats, reference models and priors."""

from .layered import LayeredModel, read_csv, read_model, read_model96, stack_models
from .reference import REFERENCE_MODELS, EarthTable, insert_discontinuity, layered, load_reference

__all__ = [
    "REFERENCE_MODELS",
    "EarthTable",
    "LayeredModel",
    "insert_discontinuity",
    "layered",
    "load_reference",
    "read_csv",
    "read_model",
    "read_model96",
    "stack_models",
]
