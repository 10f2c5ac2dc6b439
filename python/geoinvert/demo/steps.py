"""Resumable pipeline steps: a finished step is never run twice unless asked.

Each step writes its outputs into the run folder and, only when it has finished, a small JSON
marker ``.steps/<name>.json`` with its result summary and the parameters it ran with. A second
run with the same parameters loads the summary instead of recomputing; changed parameters or
``fresh=True`` rerun the step. An interrupted step has no marker, so it simply runs again.

While a step runs under ``fresh=True``, :func:`forcing_fresh` is true, so the helpers it calls
(e.g. :func:`geoinvert.demo.common.generate_store`) can redo their own resumable work -- a data
store is regenerated instead of resumed -- without every step passing a flag around.
"""

from __future__ import annotations

import contextvars
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StepRunner", "forcing_fresh"]

log = logging.getLogger(__name__)

_FRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("geoinvert_demo_fresh", default=False)


def forcing_fresh() -> bool:
    """True inside a step run by a ``StepRunner(fresh=True)``: redo work, don't resume it."""
    return _FRESH.get()


@dataclass
class StepRunner:
    """Run named steps in a folder, caching each finished step's JSON summary.

    Parameters
    ----------
    folder : Path
        Run folder (created).
    fresh : bool
        Ignore existing markers and rerun every step.
    """

    folder: Path
    fresh: bool = False
    timings: dict[str, float] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder = Path(self.folder)
        (self.folder / ".steps").mkdir(parents=True, exist_ok=True)

    def _marker(self, name: str) -> Path:
        return self.folder / ".steps" / f"{name}.json"

    def run(self, name: str, func: Callable[..., dict[str, Any]], **params: Any) -> dict[str, Any]:
        """Run ``func(**params)`` unless a finished step with the same parameters exists.

        ``func`` returns a JSON-serialisable summary dict, which is stored and returned. With
        ``fresh=True`` it runs with :func:`forcing_fresh` true.
        """
        marker = self._marker(name)
        key = json.loads(json.dumps(params, default=str))
        if marker.exists() and not self.fresh:
            saved = json.loads(marker.read_text())
            if saved.get("params") == key:
                log.info("step %s: reusing the finished result in %s", name, marker)
                self.reused.append(name)
                self.timings[name] = saved.get("seconds", 0.0)
                return saved["result"]
        log.info("step %s: running%s", name, " (fresh)" if self.fresh else "")
        start = time.perf_counter()
        token = _FRESH.set(self.fresh)
        try:
            result = func(**params)
        finally:
            _FRESH.reset(token)
        seconds = time.perf_counter() - start
        self.timings[name] = seconds
        tmp = marker.with_suffix(".tmp")
        tmp.write_text(
            json.dumps({"params": key, "seconds": seconds, "result": result}, indent=1, default=str)
        )
        tmp.replace(marker)  # atomic: a marker exists only for a finished step
        return result
