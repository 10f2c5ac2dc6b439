"""Earth models: the layered-model type, file formats, reference models and priors."""

from pathlib import Path

from .layered import LayeredModel, read_csv, read_model, read_model96, stack_models

__all__ = [
    "LayeredModel",
    "example_model_path",
    "read_csv",
    "read_model",
    "read_model96",
    "stack_models",
]


def example_model_path() -> Path:
    """Path of the bundled example model (``example_crust.model96``: a continental crust, 35 km
    thick, over an upper mantle with a weak low-velocity zone; km, km/s, g/cm³)."""
    return Path(__file__).parent / "data" / "example_crust.model96"
