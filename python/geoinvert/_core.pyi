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
    earth_radius: float = 6370.0,
    modes: list[int] | None = None,
    *,
    kernel: str = "auto",
) -> NDArray[np.float64] | tuple[NDArray[np.float64], NDArray[np.float64]]: ...
def dispersion_kernels() -> list[str]: ...
def dispersion_secular(
    period: float,
    c: NDArray[np.float64],
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    wave: str = "rayleigh",
    spherical: bool = False,
    earth_radius: float = 6370.0,
    derivatives: bool = True,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]: ...
def dispersion_mode_count(
    period: float,
    c: NDArray[np.float64],
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    wave: str = "rayleigh",
    spherical: bool = False,
    earth_radius: float = 6370.0,
) -> NDArray[np.int64]: ...

# --- magnetotellurics (cpp/mt, bind_mt.cpp) ---

def mt_forward_1d(
    frequencies: NDArray[np.float64],
    resistivity: NDArray[np.float64],
    thickness: NDArray[np.float64],
    n_threads: int | None = None,
    *,
    kernel: str = "auto",
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.complex128]]: ...
def mt1d_kernels() -> list[str]: ...

class Mt2dProblem:
    n_cells_y: int
    n_cells_z: int
    def __init__(
        self,
        y: NDArray[np.float64],
        z: NDArray[np.float64],
        n_air: int,
        stations: NDArray[np.float64],
    ) -> None: ...
    def n_unknowns(self, mode: int) -> int: ...
    def factor_nnz(self, mode: int) -> int: ...
    def factor_ops(self, mode: int) -> float: ...
    def forward(
        self,
        resistivity: NDArray[np.float64],
        frequencies: NDArray[np.float64],
        n_threads: int | None = None,
    ) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]: ...
    def misfit_gradient(
        self,
        resistivity: NDArray[np.float64],
        frequencies: NDArray[np.float64],
        observed: NDArray[np.float64],
        weights: NDArray[np.float64],
        n_threads: int | None = None,
    ) -> tuple[float, NDArray[np.float64], NDArray[np.complex128], NDArray[np.complex128]]: ...

def mt2d_forward_batch(
    problems: list[Mt2dProblem],
    cell_maps: list[NDArray[np.int64]],
    frequencies: list[NDArray[np.float64]],
    rows: list[NDArray[np.intc]],
    resistivity: NDArray[np.float64],
    n_frequencies: int,
    n_threads: int | None = None,
) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]: ...

# --- receiver functions (cpp/rf, bind_rf.cpp) ---
def rf_receiver_function(
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    slowness: NDArray[np.float64],
    dt: float,
    n_fft: int,
    n_samples: int,
    gaussian: float,
    shift: float,
    water_level: float,
    cutoff: float,
    n_threads: int | None = None,
) -> NDArray[np.float64]: ...
def rf_n_propagated(dt: float, n_fft: int, gaussian: float, cutoff: float) -> int: ...
def rf_surface_spectra(
    thickness: NDArray[np.float64],
    vp: NDArray[np.float64],
    vs: NDArray[np.float64],
    rho: NDArray[np.float64],
    slowness: NDArray[np.float64],
    domega: float,
    n_freq: int,
    n_threads: int | None = None,
) -> tuple[NDArray[np.complex128], NDArray[np.complex128]]: ...
