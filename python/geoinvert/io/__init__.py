"""Readers for field data formats (MT EDI files, receiver-function streams)."""

from .edi import EdiSite, profile_distance, read_edi, read_edi_profile

__all__ = ["EdiSite", "profile_distance", "read_edi", "read_edi_profile"]
