"""Data-generation tasks: prior sample -> batched forward kernel -> fixed-shape arrays.

A task is a small picklable object that knows its prior, its forward kernel and the shapes of
what it produces. :meth:`Task.simulate` turns a seeded generator into one chunk of rows:

``inputs`` (n, *input_shape) float32
    What a network sees (e.g. phase and group velocities in km/s).
``targets`` (n, *target_shape) float32
    The label (e.g. crustal thickness in km).
``params`` (n, n_params) float64
    Every number drawn from the prior (columns named by ``param_names``).
``status`` (n,) int8
    0 = ok; 1 = the forward returned a non-finite value (e.g. a missing mode, an evanescent
    phase); 2 = the forward raised for this sample. Rows with status > 0 hold NaN in ``inputs``
    and ``targets`` (``params`` are kept), so failures are visible and never shifted or dropped.

A batch that raises is re-run sample by sample so that one bad model only fails itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from ..earth.priors import (
    CrustPrior,
    MTSectionPrior,
    RFPrior,
    sample_crust,
    sample_mt_sections,
    sample_rf_params,
)

__all__ = [
    "STATUS_FORWARD_ERROR",
    "STATUS_NONFINITE",
    "STATUS_OK",
    "ChunkData",
    "CrustDispersionTask",
    "CrustPsTask",
    "MTSectionTask",
    "RFTask",
    "Task",
    "make_task",
]

log = logging.getLogger(__name__)

STATUS_OK = 0
STATUS_NONFINITE = 1
STATUS_FORWARD_ERROR = 2

#: The 21 frequencies of the crustal-thickness study, 10-35 mHz in 1.25 mHz steps (Hz).
CRUST_FREQUENCIES = np.round(np.arange(10.0, 35.0 + 1e-9, 1.25), 6) * 1e-3


@dataclass
class ChunkData:
    """One chunk of generated rows (see the module docstring for the meaning of each array)."""

    inputs: NDArray[np.float32]
    targets: NDArray[np.float32]
    params: NDArray[np.float64]
    status: NDArray[np.int8]


class Task:
    """Base class of a data-generation task.

    Subclasses set ``name`` and implement :meth:`sample` (prior draw, returns a dict of arrays
    with a leading sample axis including ``"params"`` and ``"targets"``), :meth:`forward`
    (batched kernel on such a dict, returns float64 ``(n, *input_shape)``), :attr:`input_shape`,
    :attr:`target_shape`, :attr:`param_names` and :meth:`describe`.
    """

    name: ClassVar[str] = ""

    # --- to implement -------------------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        raise NotImplementedError

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        raise NotImplementedError

    @property
    def input_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def target_shape(self) -> tuple[int, ...]:
        raise NotImplementedError

    @property
    def param_names(self) -> list[str]:
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """JSON-serialisable attributes stored with the data (config, prior, axes)."""
        raise NotImplementedError

    def check_available(self) -> None:
        """Raise ``RuntimeError`` if the forward kernel is not available in this build."""

    # --- shared machinery ---------------------------------------------------------------
    def simulate(self, rng: np.random.Generator, n: int, n_threads: int | None = 1) -> ChunkData:
        """Draw ``n`` samples with ``rng`` and run the forward kernel on them.

        Parameters
        ----------
        rng : numpy.random.Generator
            The chunk's generator; the result depends only on its state, never on
            ``n_threads``.
        n : int
            Number of rows.
        n_threads : int or None
            Threads given to the batched kernel (None = all cores).
        """
        batch = self.sample(rng, n)
        # copies: targets are often views of params, and failed rows' targets become NaN
        params = np.array(batch["params"], dtype=np.float64)
        targets = np.array(batch["targets"], dtype=np.float64).reshape((n, *self.target_shape))
        status = np.zeros(n, dtype=np.int8)
        try:
            out = np.asarray(self.forward(batch, n_threads), dtype=np.float64)
        except (ValueError, RuntimeError, ArithmeticError) as exc:
            log.info("%s: batch of %d failed (%s); isolating per sample", self.name, n, exc)
            out = np.full((n, *self.input_shape), np.nan)
            for i in range(n):
                one = {k: v[i : i + 1] for k, v in batch.items()}
                try:
                    out[i] = np.asarray(self.forward(one, 1), dtype=np.float64)[0]
                except (ValueError, RuntimeError, ArithmeticError):
                    status[i] = STATUS_FORWARD_ERROR
        out = out.reshape((n, *self.input_shape))
        finite = np.isfinite(out.reshape(n, -1)).all(axis=1)
        status[(status == STATUS_OK) & ~finite] = STATUS_NONFINITE
        bad = status != STATUS_OK
        out[bad] = np.nan
        targets[bad] = np.nan
        return ChunkData(
            inputs=out.astype(np.float32),
            targets=targets.astype(np.float32),
            params=params,
            status=status,
        )


def _require(module: str, attr: str, what: str) -> Any:
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the build
        raise RuntimeError(f"{what} needs {module}.{attr}, which is not available: {exc}") from None
    if not hasattr(mod, attr):
        raise RuntimeError(
            f"{what} needs {module}.{attr}, which this build of geoinvert does not provide"
        )
    return getattr(mod, attr)


# ------------------------------------------------------------------------------------------
# Crust: surface-wave dispersion (the crustal-thickness study)
# ------------------------------------------------------------------------------------------


@dataclass
class CrustDispersionTask(Task):
    """Rayleigh phase and group velocities of the crust prior; label = crustal thickness.

    ``inputs`` row = phase velocities (km/s) at ``frequencies`` followed by group velocities
    (km/s) at ``group_frequencies``, both in the given (increasing-frequency) order; computed with
    earth flattening (``spherical=True``) by :mod:`geoinvert.dispersion`. No noise is added: noise
    belongs to training-time augmentation.

    Attributes
    ----------
    frequencies : tuple of float
        Phase-velocity frequencies in Hz (default 10-35 mHz, 1.25 mHz steps, 21 values).
    group_frequencies : tuple of float
        Group-velocity frequencies in Hz (default the same 21; empty for none).
    wave : str
        "rayleigh" or "love".
    mode : int
        Mode number (0 = fundamental).
    spherical : bool
        Earth-flattening correction.
    prior : CrustPrior
    """

    name: ClassVar[str] = "crust"
    frequencies: tuple[float, ...] = tuple(float(f) for f in CRUST_FREQUENCIES)
    group_frequencies: tuple[float, ...] = tuple(float(f) for f in CRUST_FREQUENCIES)
    wave: str = "rayleigh"
    mode: int = 0
    spherical: bool = True
    prior: CrustPrior = field(default_factory=CrustPrior)

    def check_available(self) -> None:
        _require("geoinvert.dispersion", "phase_velocity", "the crust task")

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        s = sample_crust(rng, n, self.prior)
        return {
            "thickness": s.thickness,
            "vp": s.vp,
            "vs": s.vs,
            "rho": s.rho,
            "params": s.params,
            "targets": s.label[:, None],
        }

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        from .. import dispersion

        model = (batch["thickness"], batch["vp"], batch["vs"], batch["rho"])
        kw = {"wave": self.wave, "mode": self.mode, "spherical": self.spherical}
        parts = []
        for fn, freqs in (
            (dispersion.phase_velocity, self.frequencies),
            (dispersion.group_velocity, self.group_frequencies),
        ):
            if len(freqs) == 0:
                continue
            periods = 1.0 / np.asarray(freqs, dtype=np.float64)
            order = np.argsort(periods)  # kernels take periods in any order; sort for speed
            c = fn(periods[order], *model, n_threads=n_threads, **kw)
            out = np.empty_like(c)
            out[:, order] = c
            parts.append(out)
        return np.concatenate(parts, axis=1)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (len(self.frequencies) + len(self.group_frequencies),)

    @property
    def target_shape(self) -> tuple[int, ...]:
        return (1,)

    @property
    def param_names(self) -> list[str]:
        return self.prior.param_names

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "config": {"wave": self.wave, "mode": self.mode, "spherical": self.spherical},
            "prior": self.prior.to_dict(),
            "frequencies": list(self.frequencies),
            "group_frequencies": list(self.group_frequencies),
            "periods": [1.0 / f for f in self.frequencies],
            "input_names": [f"phase_{f * 1e3:g}mHz" for f in self.frequencies]
            + [f"group_{f * 1e3:g}mHz" for f in self.group_frequencies],
            "input_units": "km/s",
            "target_names": ["moho_depth"],
            "target_units": "km",
        }


# ------------------------------------------------------------------------------------------
# Crust: Moho Ps / multiple delay times (a light, pure-numpy forward)
# ------------------------------------------------------------------------------------------


@dataclass
class CrustPsTask(Task):
    """Moho converted-phase delay times of the crust prior; label = crustal thickness.

    For a plane P wave of slowness ``p`` under a stack of crustal layers, the delays after direct
    P of the Moho Ps conversion and its free-surface multiples are (Zhu & Kanamori 2000, eqs. 2-4,
    summed over layers) ``t_Ps = Σ h (η_s - η_p)``, ``t_PpPs = Σ h (η_s + η_p)`` and
    ``t_PpSs+PsPs = Σ 2 h η_s`` with ``η = sqrt(1/v² - p²)``. A slowness at or beyond a layer's
    critical value has no such arrival: the row is non-finite (status 1). A model with a
    non-positive velocity or thickness raises ``ValueError`` (status 2).

    ``inputs`` row = (t_Ps, t_PpPs, t_PpSs) in s at each slowness, slowness-major; this task is
    cheap enough to exercise the generation engine at full speed without a compiled kernel.

    Attributes
    ----------
    slowness : tuple of float
        Ray parameters in s/km (default 0.04, 0.06, 0.08).
    prior : CrustPrior
    """

    name: ClassVar[str] = "crust-ps"
    slowness: tuple[float, ...] = (0.04, 0.06, 0.08)
    prior: CrustPrior = field(default_factory=CrustPrior)

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        s = sample_crust(rng, n, self.prior)
        k = self.prior.max_crust_layers
        ncr = s.params[:, 1].astype(int)
        used = np.arange(k)[None, :] < ncr[:, None]
        h = s.params[:, 2 : 2 + k]
        vs = s.params[:, 2 + k : 2 + 2 * k]
        vp = vs * s.params[:, 2 + 2 * k : 2 + 3 * k]
        return {
            "h": np.where(used, h, 0.0),
            "vp": vp,
            "vs": vs,
            "params": s.params,
            "targets": s.label[:, None],
        }

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        h, vp, vs = batch["h"], batch["vp"], batch["vs"]
        for name, arr in (("h", h), ("vp", vp), ("vs", vs)):
            bad = ~(arr > 0) if name != "h" else ~(arr >= 0)
            if bad.any():
                i, j = np.argwhere(bad)[0]
                raise ValueError(f"{name} must be positive; model {i}, layer {j} is {arr[i, j]}")
        p = np.asarray(self.slowness)[None, :, None]
        with np.errstate(invalid="ignore"):
            es = np.sqrt(1.0 / vs[:, None, :] ** 2 - p**2)
            ep = np.sqrt(1.0 / vp[:, None, :] ** 2 - p**2)
        hh = h[:, None, :]
        live = hh > 0  # zero-thickness (unused) layers contribute nothing, even if evanescent

        def total(x: NDArray) -> NDArray:
            return np.where(live, hh * x, 0.0).sum(axis=2)

        t_ps, t_ppps, t_ppss = total(es - ep), total(es + ep), total(2.0 * es)
        return np.stack([t_ps, t_ppps, t_ppss], axis=2).reshape(h.shape[0], -1)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (3 * len(self.slowness),)

    @property
    def target_shape(self) -> tuple[int, ...]:
        return (1,)

    @property
    def param_names(self) -> list[str]:
        return self.prior.param_names

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "config": {"slowness": list(self.slowness)},
            "prior": self.prior.to_dict(),
            "input_names": [
                f"{ph}_p{p:g}" for p in self.slowness for ph in ("t_Ps", "t_PpPs", "t_PpSs")
            ],
            "input_units": "s",
            "target_names": ["moho_depth"],
            "target_units": "km",
        }


# ------------------------------------------------------------------------------------------
# MT sections (the U-Net study)
# ------------------------------------------------------------------------------------------


@dataclass
class MTSectionTask(Task):
    """TE/TM log10 apparent resistivity and phase of random 2-D sections; label = log10 ρ grid.

    ``inputs`` = (4, n_frequencies, n_stations): log10 ρa TE (Ω·m), phase TE (degrees),
    log10 ρa TM, phase TM; ``targets`` = (nz, nx) log10 resistivity (Ω·m). Needs
    ``geoinvert.mt.Forward2D`` (raises ``RuntimeError`` until that kernel is in the build).

    Attributes
    ----------
    n_frequencies : int
        Log-spaced frequencies between ``fmin`` and ``fmax`` Hz (default 60 in 1e-4-1e3 Hz).
    prior : MTSectionPrior
        Stations sit at the ``nx`` cell centres of the section surface.
    """

    name: ClassVar[str] = "mt"
    n_frequencies: int = 60
    fmin: float = 1e-4
    fmax: float = 1e3
    prior: MTSectionPrior = field(default_factory=MTSectionPrior)

    @property
    def frequencies(self) -> NDArray[np.float64]:
        return np.logspace(np.log10(self.fmin), np.log10(self.fmax), self.n_frequencies)

    def check_available(self) -> None:
        _require("geoinvert.mt", "Forward2D", "the MT task")

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        s = sample_mt_sections(rng, n, self.prior)
        return {
            "log10_rho": s.log10_resistivity,
            "params": s.params,
            "targets": s.log10_resistivity,
        }

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        forward2d = _require("geoinvert.mt", "Forward2D", "the MT task")
        p = self.prior
        mesh = {
            "x_edges": np.linspace(0.0, p.width, p.nx + 1),
            "z_edges": np.linspace(0.0, p.depth, p.nz + 1),
        }
        fwd = forward2d(mesh, p.x_centres, self.frequencies)
        out = []
        for grid in batch["log10_rho"]:
            res = fwd.run(10.0**grid)
            out.append(
                np.stack(
                    [
                        np.log10(res["rho_a_te"]),
                        res["phase_te"],
                        np.log10(res["rho_a_tm"]),
                        res["phase_tm"],
                    ]
                )
            )
        return np.asarray(out)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (4, self.n_frequencies, self.prior.nx)

    @property
    def target_shape(self) -> tuple[int, ...]:
        return (self.prior.nz, self.prior.nx)

    @property
    def param_names(self) -> list[str]:
        return self.prior.param_names

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "config": {"n_frequencies": self.n_frequencies, "fmin": self.fmin, "fmax": self.fmax},
            "prior": self.prior.to_dict(),
            "frequencies": self.frequencies.tolist(),
            "stations_km": self.prior.x_centres.tolist(),
            "input_names": ["log10_rho_a_te", "phase_te", "log10_rho_a_tm", "phase_tm"],
            "input_units": "log10(Ω·m), degrees",
            "target_names": ["log10_resistivity"],
            "target_units": "log10(Ω·m)",
        }


# ------------------------------------------------------------------------------------------
# Receiver functions (the X-discontinuity study)
# ------------------------------------------------------------------------------------------


@dataclass
class RFTask(Task):
    """P receiver functions of deep models with/without an X-discontinuity.

    ``inputs`` = (n_samples_rf,) radial receiver function; ``targets`` = (x_present, x_depth km,
    x_dlnvs), NaN depth/jump when absent. Needs ``geoinvert.rf.receiver_function`` and the
    reference models of ``geoinvert.earth`` (raises ``RuntimeError`` until they are in the
    build).
    """

    name: ClassVar[str] = "rf"
    dt: float = 0.1
    duration: float = 60.0
    prior: RFPrior = field(default_factory=RFPrior)

    def check_available(self) -> None:
        _require("geoinvert.rf", "receiver_function", "the RF task")
        _require("geoinvert.earth", "reference_model", "the RF task")

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        s = sample_rf_params(rng, n, self.prior)
        return {"params": s.params, "targets": s.label}

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        self.check_available()
        raise RuntimeError(
            "the RF task's model construction awaits geoinvert.earth reference models"
        )

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (round(self.duration / self.dt),)

    @property
    def target_shape(self) -> tuple[int, ...]:
        return (3,)

    @property
    def param_names(self) -> list[str]:
        return self.prior.param_names

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "config": {"dt": self.dt, "duration": self.duration},
            "prior": self.prior.to_dict(),
            "input_names": ["radial_rf"],
            "input_units": "1/s",
            "target_names": ["x_present", "x_depth", "x_dlnvs"],
            "target_units": "1, km, 1",
        }


TASKS: dict[str, type[Task]] = {
    t.name: t for t in (CrustDispersionTask, CrustPsTask, MTSectionTask, RFTask)
}


def make_task(name: str, **config: Any) -> Task:
    """Build a task by name ("crust", "crust-ps", "mt", "rf") with optional config fields."""
    try:
        cls = TASKS[name]
    except KeyError:
        raise ValueError(f"task must be one of {sorted(TASKS)}, got {name!r}") from None
    return cls(**config)
