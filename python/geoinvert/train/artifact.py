"""One-file model artefacts: ``save_model`` / ``load_model`` and the :class:`TrainedModel` API.

An artefact is ``torch.save`` of a dict holding only tensors and plain Python values (it loads
with ``weights_only=True``)::

    format            "geoinvert-model", format_version 1
    geoinvert_version, torch_version
    kind              "regression" | "mdn" | "classifier"
    architecture      {"architecture": name, **constructor arguments}  (geoinvert.nn.build_network)
    state_dict        the network weights
    normalization     input/target shift and scale (tensors)
    input_shape       shape of one input sample, e.g. [21] or [2, 60, 121]
    target_shape      shape of one target sample, e.g. [1] or [60, 121]
    axis_name/values  "frequencies" (Hz) or "periods" (s) and their values the model expects
    prior             free-form JSON-like description of the training prior
    extra             free-form JSON-like metadata (training config, metrics)

``TrainedModel.predict`` refuses inputs whose shape or frequencies/periods differ from those the
model was trained on (``ValueError`` naming the argument and the first offending index).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ..nn import architecture_record, build_network, mixture_mean_std, mixture_quantiles
from .normalization import Normalization

__all__ = ["TrainedModel", "as_trained_model", "load_model", "model_record", "save_model"]

log = logging.getLogger(__name__)

FORMAT = "geoinvert-model"
FORMAT_VERSION = 1
#: Relative tolerance when comparing frequencies/periods with the model's.
AXIS_RTOL = 1e-6


def _version() -> str:
    import geoinvert

    return str(geoinvert.__version__)


def model_record(
    module: Any,
    *,
    normalization: Normalization | None = None,
    kind: str | None = None,
    input_shape: Sequence[int] | None = None,
    target_shape: Sequence[int] | None = None,
    frequencies: Sequence[float] | None = None,
    periods: Sequence[float] | None = None,
    prior: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The artefact dict of a trained model (what :func:`save_model` writes).

    Parameters
    ----------
    module
        A Lightning module of :mod:`geoinvert.train.modules` (its network, normalisation, kind
        and, when set by the ``fit_*`` functions, ``input_shape``/``target_shape``/``axis``/
        ``prior`` are used) or a bare network (then ``normalization``, ``kind`` and the shapes
        must be given).
    frequencies, periods
        What the model's input axis is: frequencies in Hz or periods in s (at most one).
    prior
        Description of the training prior (JSON-like: str, numbers, lists, dicts).
    """
    network: nn.Module = getattr(module, "network", module)
    norm = normalization or getattr(module, "normalization", None)
    if norm is None:
        raise ValueError("normalization: required when saving a bare network")
    kind = kind or getattr(module, "kind", None)
    if kind not in ("regression", "mdn", "classifier"):
        raise ValueError(f"kind: expected regression, mdn or classifier, got {kind!r}")
    input_shape = input_shape or getattr(module, "input_shape", None)
    target_shape = target_shape or getattr(module, "target_shape", None)
    if input_shape is None or target_shape is None:
        raise ValueError("input_shape/target_shape: required (the fit_* functions set them)")
    if frequencies is not None and periods is not None:
        raise ValueError("frequencies, periods: give at most one")
    axis_name, axis_values = getattr(module, "axis", (None, None))
    if frequencies is not None:
        axis_name, axis_values = "frequencies", frequencies
    elif periods is not None:
        axis_name, axis_values = "periods", periods
    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "geoinvert_version": _version(),
        "torch_version": str(torch.__version__),
        "kind": kind,
        "architecture": architecture_record(network),
        "state_dict": {k: v.detach().cpu() for k, v in network.state_dict().items()},
        "normalization": {k: torch.as_tensor(v) for k, v in norm.to_dict().items()},
        "input_shape": [int(s) for s in input_shape],
        "target_shape": [int(s) for s in target_shape],
        "axis_name": axis_name,
        "axis_values": None if axis_values is None else [float(v) for v in axis_values],
        "prior": prior if prior is not None else getattr(module, "prior", None),
        "extra": extra or {},
    }
    return record


def save_model(path: str | Path, module: Any, **kw: Any) -> Path:
    """Write a trained model to one file (``path``, conventionally ``*.pt``).

    ``module`` and the keyword arguments are those of :func:`model_record`.
    """
    record = model_record(module, **kw)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(record, path)
    log.info(
        "saved %s model (%s) to %s", record["kind"], record["architecture"]["architecture"], path
    )
    return path


def as_trained_model(module: Any, **kw: Any) -> TrainedModel:
    """In-memory :class:`TrainedModel` of a module (same as save + load, without the file)."""
    return TrainedModel(model_record(module, **kw))


class TrainedModel:
    """A restored model artefact (see :func:`load_model`)."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.kind: str = record["kind"]
        self.network: Any = build_network(record["architecture"])
        self.network.load_state_dict(record["state_dict"])
        self.network.eval()
        self.normalization = Normalization.from_dict(
            {k: v.numpy() for k, v in record["normalization"].items()}
        )
        self.input_shape = tuple(record["input_shape"])
        self.target_shape = tuple(record["target_shape"])
        self.axis_name: str | None = record["axis_name"]
        self.axis_values = (
            None if record["axis_values"] is None else np.asarray(record["axis_values"])
        )
        self.prior = record.get("prior")
        self.extra = record.get("extra", {})
        self.version = record.get("geoinvert_version")

    @property
    def frequencies(self) -> np.ndarray | None:
        """Frequencies (Hz) the model expects, if its axis is frequency (else derived/None)."""
        if self.axis_values is None:
            return None
        return self.axis_values if self.axis_name == "frequencies" else 1.0 / self.axis_values

    @property
    def periods(self) -> np.ndarray | None:
        """Periods (s) the model expects (1/frequencies)."""
        f = self.frequencies
        return None if f is None else 1.0 / f

    # --- validation ------------------------------------------------------------------------
    def _check_axis(self, frequencies: Any, periods: Any) -> None:
        if self.axis_values is None:
            return
        if frequencies is None and periods is None:
            raise ValueError(
                f"frequencies: this model expects inputs at {self.axis_values.size} "
                f"{self.axis_name}; pass frequencies= (Hz) or periods= (s) to confirm them"
            )
        if frequencies is not None and periods is not None:
            raise ValueError("frequencies, periods: give one, not both")
        given = np.asarray(
            frequencies if frequencies is not None else 1.0 / np.asarray(periods), dtype=float
        ).reshape(-1)
        name = "frequencies" if frequencies is not None else "periods"
        expected = self.frequencies
        assert expected is not None
        if given.size != expected.size:
            raise ValueError(f"{name}: model expects {expected.size} values, got {given.size}")
        bad = np.flatnonzero(~np.isclose(given, expected, rtol=AXIS_RTOL, atol=0.0))
        if bad.size:
            i = int(bad[0])
            exp_i = expected[i] if name == "frequencies" else 1.0 / expected[i]
            got_i = given[i] if name == "frequencies" else 1.0 / given[i]
            unit = "Hz" if name == "frequencies" else "s"
            raise ValueError(
                f"{name}[{i}]: model was trained at {exp_i:.6g} {unit}, got {got_i:.6g} {unit} "
                f"({bad.size} of {given.size} differ)"
            )

    def _check_inputs(self, inputs: Any) -> np.ndarray:
        x = np.asarray(inputs, dtype=np.float32)
        if x.shape == self.input_shape:
            x = x[None]
        if x.shape[1:] != self.input_shape:
            raise ValueError(
                f"inputs: expected shape (n, {', '.join(map(str, self.input_shape))}), "
                f"got {x.shape}"
            )
        finite = np.isfinite(x.reshape(x.shape[0], -1)).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"inputs[{i}]: contains NaN or inf")
        return x

    def _forward(self, x: np.ndarray, batch_size: int) -> Any:
        n = self.normalization
        shift, scale = torch.as_tensor(n.input_shift), torch.as_tensor(n.input_scale)
        outs: list[Any] = []
        with torch.no_grad():
            for i in range(0, x.shape[0], batch_size):
                xb = (torch.as_tensor(x[i : i + batch_size]) - shift) / scale
                if self.kind == "regression" and hasattr(self.network, "mean_std"):
                    outs.append(self.network.mean_std(xb))
                else:
                    outs.append(self.network(xb))
        if isinstance(outs[0], tuple):
            return tuple(torch.cat([o[j] for o in outs]) for j in range(len(outs[0])))
        return torch.cat(outs)

    # --- public API ------------------------------------------------------------------------
    def predict_distribution(
        self,
        inputs: Any,
        *,
        frequencies: Any = None,
        periods: Any = None,
        quantiles: Sequence[float] = (0.16, 0.5, 0.84),
        batch_size: int = 8192,
        draws: int = 1,
    ) -> dict[str, np.ndarray]:
        """Predictions with their uncertainty, in physical units.

        Parameters
        ----------
        inputs
            Shape (n, *input_shape) (physical units), or (draws · n, *input_shape) with
            ``draws`` > 1: ``draws`` realisations of the same n inputs, draw-major.
        frequencies, periods
            The input axis (Hz or s), as in :meth:`predict`.
        quantiles
            Probabilities of the MDN quantiles.
        batch_size
            Inputs per network call.
        draws
            Number of input realisations to pool (Monte Carlo marginalisation over input noise):
            the predictive distribution of each of the n inputs becomes the equal-weight mixture
            of its ``draws`` predictive distributions (an MDN's mixtures are concatenated, so
            mean, std and quantiles are those of the pooled mixture; a regressor's ``std`` is
            √(mean of its variances + variance of its means)).

        Returns
        -------
        dict
            ``regression``: ``mean`` (n, *target) and, for a deep ensemble or ``draws`` > 1,
            ``std``; ``mdn``: ``mean``, ``std`` (n,), ``quantiles`` (n, m) at ``q``;
            ``classifier``: ``probability`` (n,) of X present and, with a depth head, ``depth``
            (n,) in km.
        """
        self._check_axis(frequencies, periods)
        x = self._check_inputs(inputs)
        if draws < 1 or x.shape[0] % draws:
            raise ValueError(
                f"draws: must be a positive divisor of the number of inputs ({x.shape[0]}), "
                f"got {draws}"
            )
        if draws > 1 and self.kind == "classifier":
            raise ValueError("draws: pooling over input draws is for regression and MDN models")
        t_shift = torch.as_tensor(self.normalization.target_shift)
        t_scale = torch.as_tensor(self.normalization.target_scale)
        out = self._forward(x, batch_size)
        n = x.shape[0] // draws
        if self.kind == "regression" and draws == 1:
            mean, std = out if isinstance(out, tuple) else (out, None)
            res = {"mean": (mean.reshape(n, *self.target_shape) * t_scale + t_shift).numpy()}
            if std is not None:
                res["std"] = (std.reshape(n, *self.target_shape) * t_scale).numpy()
            return res
        if self.kind == "regression":
            mean, std = out if isinstance(out, tuple) else (out, None)
            mean = mean.reshape(draws, n, *self.target_shape).double()
            var = (
                torch.zeros_like(mean)
                if std is None
                else std.reshape(draws, n, *self.target_shape).double() ** 2
            )
            scale = t_scale.double()
            res = {"mean": (mean.mean(0) * scale + t_shift.double()).float().numpy()}
            pooled = var.mean(0) + mean.var(0, unbiased=False)
            res["std"] = (pooled.sqrt() * scale).float().numpy()
            return res
        if self.kind == "mdn":
            s0 = float(t_scale.reshape(-1)[0])
            m0 = float(t_shift.reshape(-1)[0])
            if draws > 1:
                # (draws·n, K) -> (n, draws·K), each draw's weights divided by draws.
                log_pi, mu, sg = (o.reshape(draws, n, -1).permute(1, 0, 2).reshape(n, -1)
                                  for o in out)  # fmt: skip
                out = (log_pi - math.log(draws), mu, sg)
            mean, std = mixture_mean_std(out)
            q = mixture_quantiles(tuple(o.double() for o in out), list(quantiles))
            return {
                "mean": (mean * s0 + m0).numpy(),
                "std": (std * s0).numpy(),
                "quantiles": (q * s0 + m0).float().numpy(),
                "q": np.asarray(quantiles, dtype=float),
            }
        res = {"probability": torch.sigmoid(out[:, 0]).numpy()}
        if out.shape[1] > 1:
            s1 = float(t_scale.reshape(-1)[1])
            m1 = float(t_shift.reshape(-1)[1])
            res["depth"] = (out[:, 1] * s1 + m1).numpy()
        return res

    def predict(
        self,
        inputs: Any,
        *,
        frequencies: Any = None,
        periods: Any = None,
        batch_size: int = 8192,
    ) -> np.ndarray:
        """Point predictions in physical units.

        Parameters
        ----------
        inputs
            Shape (n, *input_shape) or one sample of shape input_shape, physical units
            (km/s for dispersion, log10 Ω·m and degrees for MT, RF amplitudes).
        frequencies, periods
            The input axis (Hz or s); required when the model was saved with one, and must match
            it to relative 1e-6.

        Returns
        -------
        numpy.ndarray
            Regression: (n,) when the target is scalar (crustal thickness in km) else
            (n, *target_shape) (e.g. log10 Ω·m on the 60 × 121 grid); MDN: mixture mean (n,);
            classifier: probability of X present (n,).
        """
        d = self.predict_distribution(
            inputs,
            frequencies=frequencies,
            periods=periods,
            batch_size=batch_size,
            quantiles=(0.5,),
        )
        y = d["probability"] if self.kind == "classifier" else d["mean"]
        if self.kind == "regression" and self.target_shape == (1,):
            y = y.reshape(-1)
        return y


def load_model(path: str | Path) -> TrainedModel:
    """Read an artefact written by :func:`save_model`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no model file at {path}")
    record = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise ValueError(f"path: {path} is not a geoinvert model artefact")
    if int(record.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError(
            f"path: artefact format {record['format_version']} is newer than this geoinvert "
            f"supports ({FORMAT_VERSION})"
        )
    return TrainedModel(record)
