"""Training of geoinvert's networks (PyTorch Lightning; importing this imports torch).

Entry points: :func:`fit_sae`, :func:`fit_mlp`, :func:`fit_mdn`, :func:`fit_ensemble` (crust),
:func:`fit_rf_classifier` (receiver functions), :func:`fit_mt_unet` (MT), :func:`sweep_table1`
(model selection), :func:`save_model` / :func:`load_model` (one-file artefacts) and
:func:`open_training_data` (Zarr store adapter).
"""

from __future__ import annotations

from .artifact import TrainedModel, as_trained_model, load_model, model_record, save_model
from .crust import fit_ensemble, fit_mdn, fit_mlp, fit_sae, pretrain_sae_layer, rms_error
from .data import ArrayDataset, as_dataset, make_loader, split_dataset
from .modules import (
    MDNModule,
    RegressionModule,
    RFClassifierModule,
    SAEPretrainModule,
    relative_gaussian_noise,
)
from .mt import fit_mt_unet, mt_normalization
from .mt_column import fit_mt_column_net, sample_mt_columns
from .normalization import Normalization
from .rf import fine_tune_rf_classifier, fit_rf_classifier, rf_normalization
from .stores import TrainingData, open_training_data
from .sweep import sweep_table1, write_table
from .trainer import auto_precision, make_trainer

__all__ = [
    "ArrayDataset",
    "MDNModule",
    "Normalization",
    "RFClassifierModule",
    "RegressionModule",
    "SAEPretrainModule",
    "TrainedModel",
    "TrainingData",
    "as_dataset",
    "as_trained_model",
    "auto_precision",
    "fine_tune_rf_classifier",
    "fit_ensemble",
    "fit_mdn",
    "fit_mlp",
    "fit_mt_column_net",
    "fit_mt_unet",
    "fit_rf_classifier",
    "fit_sae",
    "load_model",
    "make_loader",
    "make_trainer",
    "model_record",
    "mt_normalization",
    "open_training_data",
    "pretrain_sae_layer",
    "relative_gaussian_noise",
    "rf_normalization",
    "rms_error",
    "sample_mt_columns",
    "save_model",
    "split_dataset",
    "sweep_table1",
    "write_table",
]
