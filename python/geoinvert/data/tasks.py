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
import os
import time
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
    "available_cpus",
    "make_task",
]

log = logging.getLogger(__name__)

STATUS_OK = 0
STATUS_NONFINITE = 1
STATUS_FORWARD_ERROR = 2

#: The 21 frequencies of the crustal-thickness study, 10-35 mHz in 1.25 mHz steps (Hz).
CRUST_FREQUENCIES = np.round(np.arange(10.0, 35.0 + 1e-9, 1.25), 6) * 1e-3


def available_cpus() -> int:
    """CPUs this process may run on (at least 1).

    ``len(os.sched_getaffinity(0))`` where the platform has it (Linux), which honours
    ``taskset``, cgroup cpusets and the CPU pinning of batch schedulers (Slurm) and containers;
    ``os.cpu_count()`` (all CPUs of the machine) elsewhere.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS, Windows
        return max(1, os.cpu_count() or 1)


@dataclass
class ChunkData:
    """One chunk of generated rows (see the module docstring for the meaning of each array)."""

    inputs: NDArray[np.float32]
    targets: NDArray[np.float32]
    params: NDArray[np.float64]
    status: NDArray[np.int8]
    #: seconds spent drawing from the prior and in the forward kernel (not stored)
    timings: dict[str, float] = field(default_factory=dict, compare=False)


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
        t0 = time.perf_counter()
        batch = self.sample(rng, n)
        t1 = time.perf_counter()
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
        t2 = time.perf_counter()
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
            timings={"sample_s": t1 - t0, "forward_s": t2 - t1},
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
    earth flattening (``spherical=True``) by :func:`geoinvert.dispersion.curves` (phase and
    group from one root search) or :func:`geoinvert.dispersion.phase_velocity`. No noise is
    added: noise belongs to training-time augmentation.

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
        _require("geoinvert.dispersion", "curves", "the crust task")

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
        # geoinvert.dispersion.curves returns phase and group velocity from one root search, so
        # equal phase and group frequency sets cost a single call; bad models raise ValueError
        from .. import dispersion

        model = (batch["thickness"], batch["vp"], batch["vs"], batch["rho"])
        kw: dict[str, Any] = {
            "wave": self.wave,
            "mode": self.mode,
            "spherical": self.spherical,
            "n_threads": n_threads,
        }

        def run(freqs: tuple[float, ...], group: bool) -> Any:
            periods = 1.0 / np.asarray(freqs, dtype=np.float64)
            order = np.argsort(periods)
            back = np.argsort(order)
            if group:
                c, u = dispersion.curves(periods[order], *model, **kw)
                return c[:, back], u[:, back]
            return dispersion.phase_velocity(periods[order], *model, **kw)[:, back]

        pf, gf = self.frequencies, self.group_frequencies
        if len(gf) == 0:
            return run(pf, False)
        if tuple(gf) == tuple(pf):
            c, u = run(pf, True)
            return np.concatenate([c, u], axis=1)
        c = run(pf, False)
        return np.concatenate([c, run(gf, True)[1]], axis=1)

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

    def solver(self, n_threads: int | None) -> Any:
        """The 2-D solver for this section geometry (mesh and symbolic factorisation built once
        per process and reused for every section)."""
        forward2d = _require("geoinvert.mt", "Forward2D", "the MT task")
        from ..mt_mesh import build_band_meshes

        cache = self.__dict__.setdefault("_solver_cache", {})
        key = n_threads
        if key not in cache:
            p = self.prior
            f = self.frequencies
            # one mesh per frequency band, cut where the fields in the prior's most resistive
            # rock have decayed (2.7x less work than one mesh for all frequencies)
            mesh = build_band_meshes(
                np.linspace(0.0, p.width, p.nx + 1),
                np.linspace(0.0, p.depth, p.nz + 1),
                f,
                min_resistivity=p.resistivity[0],
                max_resistivity=p.resistivity[1],
            )
            cache[key] = forward2d(mesh, p.x_centres, f, n_threads=n_threads)
        return cache[key]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_solver_cache", None)  # compiled solver objects stay in their process
        return state

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        fwd = self.solver(n_threads)
        out = []
        for grid in batch["log10_rho"]:
            r = fwd.run(10.0**grid)
            out.append(
                np.stack([np.log10(r.rho_a_te), r.phase_te, np.log10(r.rho_a_tm), r.phase_tm])
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
    """Radial P receiver functions of deep 1-D models with/without an X-discontinuity.

    Model construction (from the :class:`~geoinvert.earth.priors.RFPrior` parameters): the
    reference model (AK135, IASP91 or PREM, tabulated by :func:`geoinvert.earth.load_reference`)
    is layered on a fixed 10-km grid down to ``max_depth`` (half-space below), with extra layer
    boundaries at the Moho, the Lehmann-like depth and at 5 nodes across the X-discontinuity
    ramp; each layer takes the reference value at its mid-depth. The reference crust is
    replaced by one layer of the drawn thickness, Vs and Vp/Vs, density from Brocher (2005).
    Below the Moho, Vs is scaled by ``1 + dlnvs`` of its perturbation zone (Vp by 0.5×,
    density by 0.3× that), by the low-velocity zone above a Lehmann-like discontinuity when one
    is drawn, and, when an X-discontinuity is present, by ``1 + x_dlnvs`` everywhere below it
    (a step, or a linear ramp over ``x_width`` km; Vp 0.5×, density 0.3×). Zero-thickness
    layers are moved above the half-space.

    ``inputs`` = (n_samples,) radial receiver function from :func:`geoinvert.rf.receiver_function`
    (Earth flattening on, direct P at ``shift`` s, ``dt`` s sampling, Gaussian ``gaussian``) at
    the sample's own slowness (s/km); ``targets`` = (x_present, x_depth km, x_dlnvs) with depth
    and jump set to 0 when absent (mask with x_present; ``params`` keep every drawn value).

    Attributes
    ----------
    dt, n_samples, shift, gaussian : float, int, float, float
        Sampling (s), trace length, P time (s) and Gaussian parameter (rad/s) of the RF.
    max_depth : float
        Top of the half-space in km (default 500: the 410 km discontinuity is included).
    n_fft : int
        FFT length; the trace is periodic in ``n_fft * dt`` s. 4096 (410 s) keeps the late
        free-surface multiples of the deep discontinuities from wrapping into the window (at 1024
        they do, by up to 10 % of the X-discontinuity Ps amplitude).
    prior : RFPrior
    """

    name: ClassVar[str] = "rf"
    dt: float = 0.1
    n_samples: int = 600
    shift: float = 5.0
    gaussian: float = 1.0
    max_depth: float = 500.0
    n_fft: int = 4096
    prior: RFPrior = field(default_factory=RFPrior)

    def check_available(self) -> None:
        _require("geoinvert.rf", "receiver_function", "the RF task")
        _require("geoinvert.earth", "load_reference", "the RF task")

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, NDArray]:
        s = sample_rf_params(rng, n, self.prior)
        thick, vp, vs, rho = self.models(s.params)
        return {
            "thickness": thick,
            "vp": vp,
            "vs": vs,
            "rho": rho,
            "slowness": s.column("slowness"),
            "params": s.params,
            "targets": np.nan_to_num(s.label, nan=0.0),
        }

    def models(self, params: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """Padded layered models (km, km/s, km/s, g/cm³), shape (n, n_layers), from params."""
        from ..earth import load_reference
        from ..earth.priors import _compact_layers, brocher_density

        p = self.prior
        names = p.param_names
        col = {k: params[:, i] for i, k in enumerate(names)}
        n = params.shape[0]
        grid = np.arange(10.0, self.max_depth + 1e-9, 10.0)
        ramp = col["x_depth"][:, None] + col["x_width"][:, None] * np.linspace(0, 1, 5)[None, :]
        nodes = np.sort(
            np.concatenate(
                [
                    np.broadcast_to(grid, (n, grid.size)),
                    col["moho_depth"][:, None],
                    col["lehmann_depth"][:, None],
                    ramp,
                ],
                1,
            ),
            axis=1,
        )
        top = np.concatenate([np.zeros((n, 1)), nodes[:, :-1]], axis=1)
        h = nodes - top
        mid = 0.5 * (top + nodes)
        vp = np.empty_like(mid)
        vs = np.empty_like(mid)
        rho = np.empty_like(mid)
        bg = col["background"].astype(int)
        hs = np.empty((n, 3))
        for k, name in enumerate(p.backgrounds):
            sel = bg == k
            if not sel.any():
                continue
            table = load_reference(name)
            a, b, c = table.at(mid[sel])
            vp[sel], vs[sel], rho[sel] = a, b, c
            hs[sel] = np.asarray(table.at(self.max_depth))[None, :]
        crust = mid < col["moho_depth"][:, None]
        vs_c = col["crust_vs"][:, None]
        vp_c = vs_c * col["crust_vpvs"][:, None]
        # Mantle Vs perturbation: a continuous, piecewise-linear profile through the drawn value
        # at each zone's centre, constant above the first centre and back to zero at the last
        # zone's bottom. Steps between zones would be artificial converters as strong as an
        # X-discontinuity (two adjacent ±3 % zones make a 6 % step) a few seconds earlier.
        zones = np.asarray(p.mantle_zones)
        tops = np.concatenate([[0.0], zones[:-1]])
        knots = np.concatenate([0.5 * (tops + zones), zones[-1:]])
        dl = np.stack([col[f"mantle_dlnvs{i}"] for i in range(zones.size)], 1)
        vals = np.concatenate([dl, np.zeros((n, 1))], axis=1)
        zc = np.clip(mid, knots[0], knots[-1])
        k = np.clip(np.searchsorted(knots, zc, side="right") - 1, 0, knots.size - 2)
        t = (zc - knots[k]) / (knots[k + 1] - knots[k])
        d = np.take_along_axis(vals, k, 1) * (1 - t) + np.take_along_axis(vals, k + 1, 1) * t
        # Lehmann-like discontinuity: the bottom of a low-velocity zone whose perturbation falls
        # linearly to -dlnvs over the 100 km above it; zero below (see RFPrior.p_lehmann)
        ld = col["lehmann_depth"][:, None]
        lz = np.clip((mid - (ld - 100.0)) / 100.0, 0.0, 1.0) * (mid < ld)
        d = (1 + d) * (1 - lz * (col["lehmann_present"] * col["lehmann_dlnvs"])[:, None]) - 1
        w = col["x_width"][:, None]
        xd = col["x_depth"][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(w > 0, np.clip((mid - xd) / w, 0.0, 1.0), (mid > xd).astype(float))
        dx = frac * (col["x_present"] * col["x_dlnvs"])[:, None]
        fs = (1 + d) * (1 + dx)
        fp = (1 + 0.5 * d) * (1 + 0.5 * dx)
        fr = (1 + 0.3 * d) * (1 + 0.3 * dx)
        vs = np.where(crust, vs_c, vs * fs)
        vp = np.where(crust, vp_c, vp * fp)
        rho = np.where(crust, brocher_density(vp_c), rho * fr)
        # half-space below max_depth carries the deepest zone's X factor too
        fx = (1 + col["x_present"] * col["x_dlnvs"])[:, None]
        half = [
            hs[:, 0:1] * (1 + 0.5 * (fx - 1)),
            hs[:, 1:2] * fx,
            hs[:, 2:3] * (1 + 0.3 * (fx - 1)),
        ]
        thick = np.concatenate([h, np.zeros((n, 1))], 1)
        props = [np.concatenate([a, b], 1) for a, b in zip((vp, vs, rho), half, strict=True)]
        thick, props = _compact_layers(thick, props)
        return thick, props[0], props[1], props[2]

    def forward(self, batch: dict[str, NDArray], n_threads: int | None) -> NDArray:
        from ..rf import receiver_function

        kw: dict[str, Any] = {
            "dt": self.dt,
            "n_samples": self.n_samples,
            "shift": self.shift,
            "gaussian": self.gaussian,
            "n_fft": self.n_fft,
            "spherical": True,
        }
        n = batch["params"].shape[0]
        out = np.empty((n, self.n_samples))

        # the kernel batches models at shared slownesses; each sample has its own slowness, so
        # run one model per call (GIL released inside), spread over n_threads Python threads
        def one(i: int) -> None:
            out[i] = receiver_function(
                batch["thickness"][i], batch["vp"][i], batch["vs"][i], batch["rho"][i],
                slowness=float(batch["slowness"][i]), n_threads=1, **kw,
            )  # fmt: skip

        threads = n_threads or available_cpus()
        if threads <= 1 or n < 2:
            for i in range(n):
                one(i)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(threads) as ex:
                list(ex.map(one, range(n)))
        return out

    @property
    def input_shape(self) -> tuple[int, ...]:
        return (self.n_samples,)

    @property
    def target_shape(self) -> tuple[int, ...]:
        return (3,)

    @property
    def param_names(self) -> list[str]:
        return self.prior.param_names

    def describe(self) -> dict[str, Any]:
        return {
            "task": self.name,
            "config": {
                "dt": self.dt,
                "n_samples": self.n_samples,
                "shift": self.shift,
                "gaussian": self.gaussian,
                "max_depth": self.max_depth,
                "n_fft": self.n_fft,
                "spherical": True,
            },
            "prior": self.prior.to_dict(),
            "times": (np.arange(self.n_samples) * self.dt - self.shift).tolist(),
            "input_names": ["radial_rf"],
            "input_units": "1 (RF amplitude per sample)",
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
