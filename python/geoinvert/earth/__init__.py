"""Earth models: the layered-model type, file formats, reference models and priors."""

from .layered import LayeredModel, read_csv, read_model, read_model96, stack_models

__all__ = ["LayeredModel", "read_csv", "read_model", "read_model96", "stack_models"]
