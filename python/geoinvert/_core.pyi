# Type stubs for the compiled module geoinvert._core.

__version__: str

def hardware_threads() -> int: ...

# --- magnetotellurics (cpp/mt, bind_mt.cpp) ---
import numpy as np
from numpy.typing import NDArray

def mt_forward_1d(
    frequencies: NDArray[np.float64],
    resistivity: NDArray[np.float64],
    thickness: NDArray[np.float64],
    n_threads: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.complex128]]: ...
