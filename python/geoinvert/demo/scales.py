"""Problem sizes of ``geoinvert demo --scale {ci,small,full}``.

``ci`` runs end to end in a few minutes on 2 cores (CI); ``small`` is the default demo (≤ 15 min
on a 2-core laptop); ``full`` follows the papers' sizes (500 000 crust models, 1 000 MT sections,
100 000 receiver functions) and is meant for ``--scheduler``/``--gpus``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SCALES", "Scale"]


@dataclass(frozen=True)
class Scale:
    """Sizes of one demo scale (sample counts, epochs, Monte Carlo steps)."""

    name: str
    crust_samples: int
    crust_epochs: int
    sae_epochs: tuple[int, int]  # (pre-training per layer, fine-tuning)
    mc_steps: int  # per chain of the 16 DE-MCz chains (20 000 at small: split-R-hat ~1.05)
    mc_initial: int
    mt_sections: int
    mt_epochs: int
    mt_width: float
    nlcg_iterations: int
    nlcg_sections: int
    rf_samples: int
    rf_epochs: int
    rf_stations: int


SCALES = {
    "ci": Scale("ci", 3000, 8, (1, 2), 2000, 3000, 24, 3, 0.0625, 4, 1, 1500, 3, 12),
    "small": Scale(
        "small", 60000, 40, (5, 20), 20000, 20000, 120, 15, 0.125, 20, 5, 20000, 12, 200
    ),
    "full": Scale(
        "full", 500000, 100, (10, 100), 40000, 50000, 1000, 60, 0.5, 40, 5, 100000, 30, 1000
    ),
}
