"""Locate the project's reference data (``shared/data``: CRUST1.0, Paralana EDI, NL.OPLO RFs).

The field data used by the demo are not shipped in the wheel (their licences are the providers');
they are looked up, in order, in ``$GEOINVERT_SHARED_DATA``, in a ``shared/data`` folder beside the
source tree, and in ``shared/data`` beside the working directory or one of its parents.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["find_shared"]


def find_shared(*parts: str) -> Path | None:
    """Path of ``shared/data/<parts...>`` if it exists anywhere on the search path, else None."""
    roots: list[Path] = []
    env = os.environ.get("GEOINVERT_SHARED_DATA")
    if env:
        roots.append(Path(env))
    here = Path(__file__).resolve()
    cwd = Path.cwd().resolve()
    for base in (*here.parents[2:6], cwd, *cwd.parents[:3]):
        roots.append(base / "shared" / "data")
    for root in roots:
        candidate = root.joinpath(*parts)
        if candidate.exists():
            return candidate
    return None
