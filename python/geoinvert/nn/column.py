"""One-station (1-D) MT network: a sounding's TE/TM curves → the log10-resistivity column below it.

A 1-D forward model costs microseconds, a 2-D section about a second, so a network that reads one
station at a time can be trained on millions of columns drawn from the section prior (see
:func:`geoinvert.train.mt_column.fit_mt_column_net`), far more layered structure than the few
thousand 2-D sections a U-Net sees. Inside :class:`~geoinvert.nn.MTUNet` (``column=...``) its
estimate under every station becomes an input channel on the output's depth grid, as the
Bostick channels do; the U-Net then learns what the 1-D reading gets wrong near 2-D bodies.

Input ``(n, C, n_frequencies)``: channels ``[log10 ρa (log10 Ω·m), phase (degrees)]`` per mode
(C = 2 or 4), standardised by the training module; output ``(n, n_depth)`` standardised log10
resistivity (log10 Ω·m), row 0 at the surface.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from .mlp import MLP

__all__ = ["MTColumnNet"]


class MTColumnNet(nn.Module):
    """MLP from one station's sounding curves to its resistivity column.

    Parameters
    ----------
    in_channels
        2 (one mode) or 4 (TE and TM) channels of ``[log10 ρa, phase]``.
    n_frequencies
        Frequencies per channel (60 for the MT study's 1e-4 - 1e3 Hz).
    n_depth
        Depth cells of the output column (60 for the study's 3 km cells to 180 km).
    hidden
        Hidden widths of the MLP.
    activation
        ``"gelu"``, ``"relu"``, ``"silu"`` or ``"tanh"``.
    """

    architecture = "mt_column"

    def __init__(
        self,
        in_channels: int = 4,
        n_frequencies: int = 60,
        n_depth: int = 60,
        hidden: Sequence[int] = (512, 512, 512),
        *,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        for name, v in (("in_channels", in_channels), ("n_frequencies", n_frequencies)):
            if v < 1:
                raise ValueError(f"{name}: must be >= 1, got {v}")
        if n_depth < 1:
            raise ValueError(f"n_depth: must be >= 1, got {n_depth}")
        self._cfg = {
            "in_channels": int(in_channels),
            "n_frequencies": int(n_frequencies),
            "n_depth": int(n_depth),
            "hidden": [int(h) for h in hidden],
            "activation": activation,
        }
        self.mlp = MLP(
            int(in_channels) * int(n_frequencies), int(n_depth), hidden, activation=activation
        )

    def get_config(self) -> dict:
        """Constructor arguments as a plain dict (artefact format)."""
        return dict(self._cfg)

    def forward(self, x: Tensor) -> Tensor:
        c, nf = self._cfg["in_channels"], self._cfg["n_frequencies"]
        if x.dim() != 3 or x.shape[1] != c or x.shape[2] != nf:
            raise ValueError(f"x: expected shape (n, {c}, {nf}), got {tuple(x.shape)}")
        return self.mlp(x.flatten(1))
