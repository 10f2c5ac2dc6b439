"""Readers for field data formats (MT EDI files, receiver-function streams)."""

from .edi import EdiSite, profile_distance, read_edi, read_edi_profile
from .rfstream import ReceiverFunctions, read_rf_h5

__all__ = [
    "EdiSite",
    "ReceiverFunctions",
    "profile_distance",
    "read_edi",
    "read_edi_profile",
    "read_rf_h5",
]
