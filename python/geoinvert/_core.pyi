# Type stubs for the compiled module geoinvert._core.

import numpy as np
from numpy.typing import NDArray

__version__: str

def hardware_threads() -> int: ...

# --- dispersion (cpp/bindings/bind_dispersion.cpp) ---

def dispersion_curves(
    periods: NDArray[np.float64],
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    wave: str = "rayleigh",
    mode: int = 0,
    spherical: bool = False,
    group: bool = False,
    n_threads: int | None = None,
    earth_radius: float = 6371.0,
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def dispersion_secular(
    period: float,
    c: NDArray[np.float64],
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    wave: str = "rayleigh",
    spherical: bool = False,
    earth_radius: float = 6371.0,
    derivatives: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
