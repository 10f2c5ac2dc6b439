"""Neural networks of geoinvert (PyTorch; importing this package imports torch).

* :mod:`~geoinvert.nn.sae` -- stacked sparse denoising auto-encoder (crust study) + Table 1 presets
* :mod:`~geoinvert.nn.mdn` -- Gaussian mixture-density head (mean, std, quantiles)
* :mod:`~geoinvert.nn.mlp` -- plain MLP baseline and deep ensembles
* :mod:`~geoinvert.nn.rf_cnn` -- 1-D / 2-D receiver-function CNN classifiers
* :mod:`~geoinvert.nn.unet` -- MT U-Net
* :mod:`~geoinvert.nn.column` -- one-station MT column network (a U-Net input channel)

:func:`build_network` rebuilds any of them from the ``{"architecture": ..., **get_config()}``
record stored in a model artefact.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from .column import MTColumnNet
from .mdn import (
    MDNHead,
    MixtureDensityNetwork,
    mdn_nll,
    mixture_cdf,
    mixture_mean_std,
    mixture_quantiles,
)
from .mlp import MLP, DeepEnsemble, architecture_record
from .rf_cnn import RFCNN1D, RFCNN2D, freeze_early_layers, layerwise_param_groups
from .sae import (
    PAPER_SELECTED_PRESET,
    TABLE1_PRESETS,
    SAEConfig,
    SparseAutoEncoderLayer,
    StackedSparseAutoEncoder,
    kl_sparsity,
    sae_layer_cost,
)
from .unet import MTUNet

__all__ = [
    "MLP",
    "PAPER_SELECTED_PRESET",
    "RFCNN1D",
    "RFCNN2D",
    "TABLE1_PRESETS",
    "DeepEnsemble",
    "MDNHead",
    "MTColumnNet",
    "MTUNet",
    "MixtureDensityNetwork",
    "SAEConfig",
    "SparseAutoEncoderLayer",
    "StackedSparseAutoEncoder",
    "architecture_record",
    "build_network",
    "freeze_early_layers",
    "kl_sparsity",
    "layerwise_param_groups",
    "mdn_nll",
    "mixture_cdf",
    "mixture_mean_std",
    "mixture_quantiles",
    "sae_layer_cost",
]


def build_network(record: dict[str, Any]) -> nn.Module:
    """Rebuild a network (untrained) from :func:`architecture_record` output."""
    rec = dict(record)
    arch = rec.pop("architecture", None)
    if arch == "sae":
        return StackedSparseAutoEncoder(rec["config"])
    if arch == "mlp":
        return MLP(**rec)
    if arch == "mdn":
        return MixtureDensityNetwork(build_network(rec["trunk"]), n_components=rec["n_components"])
    if arch == "ensemble":
        return DeepEnsemble([build_network(m) for m in rec["members"]])
    if arch == "rf_cnn1d":
        return RFCNN1D(**rec)
    if arch == "rf_cnn2d":
        return RFCNN2D(**rec)
    if arch == "mt_column":
        return MTColumnNet(**rec)
    if arch == "mt_unet":
        rec.setdefault("high_frequency_first", False)  # artefacts from before the option
        return MTUNet(**rec)
    raise ValueError(f"record: unknown architecture {arch!r}")
