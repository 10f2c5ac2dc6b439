"""Plain multilayer perceptron baseline and deep ensembles over seeds.

Deep ensembles: Lakshminarayanan, Pritzel & Blundell (2017), "Simple and scalable predictive
uncertainty estimation using deep ensembles", NeurIPS. Members differ only by their seed (weight
initialisation and mini-batch order); the ensemble mean is the prediction and the standard
deviation across members a (lower-bound) spread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor, nn

__all__ = ["MLP", "DeepEnsemble"]

_ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "silu": nn.SiLU, "tanh": nn.Tanh}


class MLP(nn.Module):
    """Fully connected network ``n_in -> hidden... -> n_out`` with ReLU/GELU, no pre-training.

    Parameters
    ----------
    n_in, n_out
        Input and output sizes (21 phase velocities -> 1 crustal thickness for the crust task).
    hidden
        Hidden widths.
    activation
        ``"relu"``, ``"gelu"``, ``"silu"`` or ``"tanh"``.
    dropout
        Dropout probability after each hidden activation.
    layer_norm
        Insert LayerNorm before each activation.
    """

    architecture = "mlp"

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        hidden: Sequence[int] = (128, 128, 64),
        *,
        activation: str = "gelu",
        dropout: float = 0.0,
        layer_norm: bool = False,
    ) -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"activation: expected one of {sorted(_ACTIVATIONS)}, got {activation!r}"
            )
        self._cfg = {
            "n_in": int(n_in),
            "n_out": int(n_out),
            "hidden": [int(h) for h in hidden],
            "activation": activation,
            "dropout": float(dropout),
            "layer_norm": bool(layer_norm),
        }
        layers: list[nn.Module] = []
        width = int(n_in)
        for h in hidden:
            layers.append(nn.Linear(width, int(h)))
            if layer_norm:
                layers.append(nn.LayerNorm(int(h)))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = int(h)
        self.body = nn.Sequential(*layers)
        self.n_features = width
        self.out = nn.Linear(width, int(n_out))

    def get_config(self) -> dict:
        """Constructor arguments as a plain dict (artefact format)."""
        return dict(self._cfg)

    def features(self, x: Tensor) -> Tensor:
        """Last hidden layer, shape (n, hidden[-1])."""
        return self.body(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.out(self.body(x))


def architecture_record(net: Any) -> dict[str, Any]:
    """``{"architecture": name, **constructor arguments}`` of a geoinvert network."""
    return {"architecture": net.architecture, **net.get_config()}


class DeepEnsemble(nn.Module):
    """Average of independently trained members.

    ``forward(x)`` returns the member mean; :meth:`mean_std` returns mean and standard deviation
    across members (same shape as one member's output).
    """

    architecture = "ensemble"

    def __init__(self, members: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(members) < 1:
            raise ValueError("members: an ensemble needs at least one member")
        self.members = nn.ModuleList(members)

    def get_config(self) -> dict:
        """Architecture records of all members (artefact format)."""
        return {"members": [architecture_record(m) for m in self.members]}

    def stacked(self, x: Tensor) -> Tensor:
        """All member outputs, shape (n_members, n, ...)."""
        return torch.stack([m(x) for m in self.members])

    def mean_std(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Ensemble mean and spread (standard deviation, ddof=0)."""
        s = self.stacked(x)
        return s.mean(0), s.std(0, unbiased=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.stacked(x).mean(0)
