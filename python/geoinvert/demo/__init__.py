"""``geoinvert demo``: the three studies end to end at a chosen scale, resumable.

Each pipeline generates data with the compiled kernels, trains its network, inverts
observations and compares with the conventional baseline; the run folder collects figures and a
``report.md``. Finished steps are reused by a second run (``fresh=True`` recomputes).
"""

from __future__ import annotations

from .run import PIPELINES, run_demo
from .scales import SCALES, Scale

__all__ = ["PIPELINES", "SCALES", "Scale", "run_demo"]
