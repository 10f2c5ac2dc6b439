"""Readers for field data formats (MT EDI files, receiver-function streams, dispersion grids)."""

from .dispersion_grid import (
    DispersionGrid,
    read_dispersion_grid,
    write_dispersion_grid,
    write_thickness_netcdf,
    write_thickness_png,
)
from .edi import EdiSite, profile_distance, read_edi, read_edi_profile
from .rf_files import as_receiver_functions, read_rf_files, rf_from_arrays, rf_from_stream
from .rfstream import ReceiverFunctions, read_rf_h5

__all__ = [
    "DispersionGrid",
    "EdiSite",
    "ReceiverFunctions",
    "as_receiver_functions",
    "profile_distance",
    "read_dispersion_grid",
    "read_edi",
    "read_edi_profile",
    "read_rf_files",
    "read_rf_h5",
    "rf_from_arrays",
    "rf_from_stream",
    "write_dispersion_grid",
    "write_thickness_netcdf",
    "write_thickness_png",
]
