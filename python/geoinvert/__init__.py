"""geoinvert: fast layered-earth forward solvers and neural-network inversion.

Units everywhere: lengths km, velocities km/s, density g/cm³, periods s, frequencies Hz,
resistivity Ω·m, slowness s/km.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from . import dispersion, earth
from ._core import hardware_threads

try:
    __version__ = version("geoinvert")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = ["__version__", "dispersion", "earth", "hardware_threads"]
