"""Magnetotelluric inversion: U-Net sections, regularised 2-D NLCG, and field-data preparation.

Data layout (as in :class:`geoinvert.data.MTSectionTask`): a *section* is an array of shape
``(4, n_frequencies, n_stations)`` with channels ``[log10 ρa TE (log10 Ω·m), phase TE (°),
log10 ρa TM (log10 Ω·m), phase TM (°)]``, frequencies in Hz ascending, stations in km along the
profile. :class:`geoinvert.mt.Forward2D` wants its observations as ``(2, n_frequencies,
n_stations, 2)`` (mode, frequency, station, [log10 ρa, phase]); :func:`observed_from_section`
converts. Conventions of the package: e^{+iωt}, Z_TE = Ex/Hy, Z_TM = -Ey/Hx, both phases in
(0°, 90°) over a 1-D earth.

* :func:`invert_mt_unet` -- trained U-Net (:func:`geoinvert.train.fit_mt_unet`): section →
  log10 resistivity grid (normally 60 depth cells × 121 columns of a 180 km × 600 km section).
* :func:`invert_mt_nlcg` -- Rodi & Mackie (2001) style regularised NLCG on a
  :class:`~geoinvert.mt.Forward2D` mesh, gradient from its adjoint
  (``Forward2D.misfit_and_gradient``), optimiser :func:`geoinvert.invert.nlcg`.
* :func:`profile_from_edi` / :func:`profile_from_sites` -- EDI files → TE/TM section with errors.
* :func:`interpolate_to_grid` -- a field profile onto a network's training grid, with a mask of
  which cells are interpolated and which are extrapolated.

Reference: Rodi, W. & Mackie, R. L. (2001), Nonlinear conjugate gradients algorithm for 2-D
magnetotelluric inversion, Geophysics 66(1), 174-187.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .nlcg import SmoothnessRegulariser, nlcg

__all__ = [
    "CHANNELS",
    "GridInterpolation",
    "MTNLCGResult",
    "MTProfile",
    "UNetProfileResult",
    "interpolate_to_grid",
    "invert_mt_nlcg",
    "invert_mt_unet",
    "invert_profile_nlcg",
    "invert_profile_unet",
    "observed_from_section",
    "profile_from_edi",
    "profile_from_sites",
    "profile_geometry",
    "section_from_result",
    "section_prior",
]

log = logging.getLogger(__name__)

#: Channel names of a section, in order (units: log10 Ω·m, degrees).
CHANNELS = ("log10_rho_a_te", "phase_te", "log10_rho_a_tm", "phase_tm")


def _check_section(name: str, data: NDArray, lead: str = "") -> None:
    """ValueError naming channel, frequency index and station index of the first non-finite."""
    bad = ~np.isfinite(data)
    if bad.any():
        idx = np.unravel_index(int(np.flatnonzero(bad)[0]), data.shape)
        *head, c, fi, si = (int(i) for i in idx)
        where = f"{lead} {head[0]}, " if head else ""
        raise ValueError(
            f"{name} must be finite; found {data[idx]} at {where}channel {c} ({CHANNELS[c]}), "
            f"frequency index {fi}, station index {si}"
        )


#: Largest |log10 ρ| (log10 Ω·m) accepted as a resistivity in log10 units: 1e-7-1e7 Ω·m spans
#: seawater to the most resistive rocks, so a larger value means linear Ω·m was passed.
MAX_ABS_LOG10_RHO = 7.0
#: Phases may stray this far (degrees) outside (0°, 90°) before they are rejected: noise on a
#: phase near 0° or 90° (σ ≈ 1.4° for 2.5 % impedance noise) and mild 2-D effects do that; a
#: unit or sign-convention error (radians, -180°..-90° for TM, 0°..180°) moves them further.
PHASE_TOLERANCE_DEG = 10.0


def _check_units(name: str, data: NDArray, lead: str = "", use: NDArray | None = None) -> None:
    """Channels in the package's units: log10 ρa (log10 Ω·m) and phases in degrees in (0, 90)
    (± ``PHASE_TOLERANCE_DEG``).

    ``data`` has shape (..., 4, n_f, n_s); ``use`` (same shape) masks data that are dropped
    (zero weight) and so are not checked. The message names channel, frequency and station.
    """
    use = np.ones(data.shape, dtype=bool) if use is None else np.asarray(use, dtype=bool)

    def where(idx: tuple) -> str:
        *head, c, fi, si = (int(i) for i in idx)
        pre = f"{lead} {head[0]}, " if head else ""
        return f"{pre}channel {c} ({CHANNELS[c]}), frequency index {fi}, station index {si}"

    rho = data[..., 0::2, :, :]
    bad = (np.abs(rho) > MAX_ABS_LOG10_RHO) & use[..., 0::2, :, :]
    if bad.any():
        idx = list(np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape))
        idx[-3] *= 2
        raise ValueError(
            f"{name}: apparent resistivity must be log10 Ω·m (|value| <= {MAX_ABS_LOG10_RHO:g}); "
            f"found {data[tuple(idx)]:.4g} at {where(tuple(idx))} -- linear Ω·m? Pass log10(ρa)"
        )
    phase = data[..., 1::2, :, :]
    pu = use[..., 1::2, :, :]
    if pu.any() and np.all((phase[pu] > 0) & (phase[pu] < np.pi / 2)) and phase[pu].max() < 1.6:
        raise ValueError(
            f"{name}: phases must be in degrees; all are below π/2 (max {phase[pu].max():.3g}), "
            "which looks like radians"
        )
    tol = PHASE_TOLERANCE_DEG
    bad = ~((phase > -tol) & (phase < 90 + tol)) & pu
    if bad.any():
        idx = list(np.unravel_index(int(np.flatnonzero(bad)[0]), bad.shape))
        idx[-3] = 2 * idx[-3] + 1
        raise ValueError(
            f"{name}: TE/TM phases must lie in (0°, 90°) (package convention e^{{+iωt}}, "
            f"Z_TM = -Ey/Hx; {tol:g}° of noise allowed); found {data[tuple(idx)]:.4g}° at "
            f"{where(tuple(idx))}. Give such data zero weight (or MTProfile.usable) instead"
        )


def _check_frequencies(name: str, f: NDArray) -> None:
    bad = ~np.isfinite(f) | (f <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}[{i}]: frequencies must be positive finite values in Hz, got {f[i]}"
        )


def _check_log10_model(name: str, m: NDArray) -> None:
    bad = np.abs(m) > MAX_ABS_LOG10_RHO
    if bad.any():
        i = np.unravel_index(int(np.flatnonzero(bad)[0]), m.shape)
        raise ValueError(
            f"{name} must be log10 resistivity (log10 Ω·m, |value| <= {MAX_ABS_LOG10_RHO:g}); "
            f"found {m[i]:.4g} at cell {tuple(map(int, i))} -- linear Ω·m? Pass log10(ρ)"
        )


def observed_from_section(section: Any) -> NDArray[np.float64]:
    """Section ``(4, n_f, n_s)`` → ``Forward2D`` observations ``(2, n_f, n_s, 2)``.

    Parameters
    ----------
    section : array_like, shape (4, n_frequencies, n_stations)
        Channels [log10 ρa TE (log10 Ω·m), phase TE (°), log10 ρa TM, phase TM].

    Returns
    -------
    ndarray, shape (2, n_frequencies, n_stations, 2)
        Axis 0 mode (TE, TM), last axis (log10 ρa, phase °).
    """
    s = np.asarray(section, dtype=float)
    if s.ndim != 3 or s.shape[0] != 4:
        raise ValueError(f"section must have shape (4, n_frequencies, n_stations), got {s.shape}")
    return np.ascontiguousarray(s.reshape(2, 2, *s.shape[1:]).transpose(0, 2, 3, 1))


def section_from_result(result: Any) -> NDArray[np.float64]:
    """A :class:`geoinvert.mt.MT2DResult` → section ``(4, n_f, n_s)`` (log10 Ω·m, degrees)."""
    return np.stack(
        [
            np.log10(result.rho_a_te),
            result.phase_te,
            np.log10(result.rho_a_tm),
            result.phase_tm,
        ]
    )


# ------------------------------------------------------------------------------------------
# U-Net
# ------------------------------------------------------------------------------------------


def invert_mt_unet(model: Any, data: Any, frequencies: Any) -> NDArray[np.float64]:
    """Invert TE/TM sections with a trained MT U-Net.

    Parameters
    ----------
    model : TrainedModel or path
        A model from :func:`geoinvert.train.load_model` (or the path of its ``.pt`` file),
        trained by :func:`geoinvert.train.fit_mt_unet`.
    data : array_like, shape (4, n_frequencies, n_stations) or (n, 4, n_frequencies, n_stations)
        Sections: [log10 ρa TE (log10 Ω·m), phase TE (°), log10 ρa TM, phase TM] at the model's
        frequencies and stations (see :func:`interpolate_to_grid` for field data).
    frequencies : array_like, shape (n_frequencies,)
        Frequencies of ``data`` in Hz; must equal the model's training frequencies.

    Returns
    -------
    ndarray, shape (n_depth, n_x) or (n, n_depth, n_x)
        log10 resistivity (log10 Ω·m) on the model's target grid (normally 60 × 121).

    Raises
    ------
    ValueError
        Non-finite data (the message names the section, channel, frequency and station index),
        wrong shape, or frequencies that differ from the model's.
    """
    from ..train import load_model

    if isinstance(model, (str, Path)):
        model = load_model(model)
    x = np.asarray(data, dtype=float)
    single = x.ndim == 3
    if single:
        x = x[None]
    if x.ndim != 4 or x.shape[1] != 4:
        raise ValueError(
            "data must have shape (4, n_frequencies, n_stations) or (n, 4, n_frequencies, "
            f"n_stations), got {np.shape(data)}"
        )
    f = np.atleast_1d(np.asarray(frequencies, dtype=float))
    _check_frequencies("frequencies", f)
    if f.size != x.shape[2]:
        raise ValueError(
            f"frequencies has {f.size} values but data has {x.shape[2]} frequencies (axis -2)"
        )
    _check_section("data", x, "section")
    _check_units("data", x, "section")
    pred = np.asarray(model.predict(x.astype(np.float32), frequencies=f), dtype=float)
    return pred[0] if single else pred


# ------------------------------------------------------------------------------------------
# NLCG
# ------------------------------------------------------------------------------------------


@dataclass
class MTNLCGResult:
    """Outcome of :func:`invert_mt_nlcg`.

    Attributes
    ----------
    model : ndarray, shape ``mesh.model_shape``
        Final log10 resistivity (log10 Ω·m).
    objective, data_misfit, model_norm : list of float
        Per-iteration Ψ = Φ_d + λ Φ_m, Φ_d (weighted sum of squares) and Φ_m, starting with m0.
    rms : list of float
        Normalised data RMS sqrt(Φ_d / N) per iteration (N = data with non-zero weight); with
        weights 1/σ², 1 means fitting to the noise level.
    n_data : int
    n_evaluations : int
        Forward + adjoint evaluations.
    wall_time : float
        Seconds, including the final forward run.
    converged : bool
    message : str
    response : MT2DResult
        Forward response of the final model.
    """

    model: NDArray[np.float64]
    objective: list[float]
    data_misfit: list[float]
    model_norm: list[float]
    rms: list[float]
    n_data: int
    n_evaluations: int
    wall_time: float
    converged: bool
    message: str
    response: Any = field(repr=False, default=None)

    def history(self) -> dict[str, list[float]]:
        """Convergence history as plain lists (JSON-friendly)."""
        return {
            "objective": list(self.objective),
            "data_misfit": list(self.data_misfit),
            "model_norm": list(self.model_norm),
            "rms": list(self.rms),
        }


def invert_mt_nlcg(
    forward: Any,
    observed: Any,
    weights: Any,
    m0: Any,
    *,
    lam: float = 10.0,
    alpha_z: float = 1.0,
    max_iterations: int = 30,
    target_rms: float | None = None,
    reference: Any = None,
    rtol: float = 1e-4,
    initial_step: float = 1.0,
    max_step: float = 2.0,
    progress: bool = False,
) -> MTNLCGResult:
    """Regularised 2-D MT inversion by nonlinear conjugate gradients (Rodi & Mackie 2001).

    Minimises Ψ(m) = Σ w (d(m) - d_obs)² + λ [‖∂x m‖² + α_z ‖∂z m‖²] over m = log10 ρ of the
    mesh's model cells, with d = (log10 ρa, phase °) of TE and TM; the data-misfit gradient is
    the adjoint gradient of ``forward.misfit_and_gradient``.

    Parameters
    ----------
    forward : geoinvert.mt.Forward2D
        Solver with the mesh, station positions (km) and frequencies (Hz) of the data.
    observed : array_like, shape (2, n_frequencies, n_stations, 2)
        Observed (mode TE/TM, frequency, station, [log10 ρa in log10 Ω·m, phase in °]); see
        :func:`observed_from_section`.
    weights : array_like, same shape
        Non-negative data weights, normally 1/σ² (then an RMS of 1 = fit to the noise level);
        zero drops a datum.
    m0 : array_like, shape ``forward.mesh.model_shape``
        Starting log10 resistivity (log10 Ω·m).
    lam : float
        Regularisation trade-off λ ≥ 0.
    alpha_z : float
        Weight of vertical against horizontal roughness.
    max_iterations : int
        Maximum NLCG iterations (line searches).
    target_rms : float, optional
        Stop when the normalised RMS falls to this value.
    reference : array_like, optional
        Reference model (log10 Ω·m) whose roughness is not penalised; default none.
    rtol, initial_step, max_step : float
        Passed to :func:`geoinvert.invert.nlcg` (max_step in decades of resistivity).
    progress : bool
        Show a tqdm bar of the iterations (with the current normalised RMS) once the run has
        taken more than 3 s.

    Returns
    -------
    MTNLCGResult

    Raises
    ------
    ValueError
        Shapes that do not match the solver, non-finite observations or starting model (the
        message names the mode, frequency and station index), negative weights.
    """
    shape = tuple(forward.mesh.model_shape)
    nf, ns = forward.frequencies.size, forward.stations.size
    obs = np.asarray(observed, dtype=float)
    w = np.asarray(weights, dtype=float)
    want = (2, nf, ns, 2)
    for name, a in (("observed", obs), ("weights", w)):
        if a.shape != want:
            raise ValueError(f"{name} must have shape {want} for this solver, got {a.shape}")
    for name, a in (("observed", obs), ("weights", w)):
        bad = ~np.isfinite(a) | ((a < 0) if name == "weights" else False)
        if bad.any():
            mode, fi, si, kind = np.unravel_index(int(np.flatnonzero(bad)[0]), a.shape)
            what = "finite" if name == "observed" else "finite and non-negative"
            raise ValueError(
                f"{name} must be {what}; found {a[mode, fi, si, kind]} for mode "
                f"{('TE', 'TM')[mode]}, frequency index {fi} ({forward.frequencies[fi]:.4g} Hz), "
                f"station index {si}, {('log10 rho_a', 'phase')[kind]}"
            )
    _check_frequencies("forward.frequencies", np.asarray(forward.frequencies, dtype=float))
    # (mode, f, station, kind) -> section channels (mode·2 + kind, f, station)
    _check_units("observed", obs.transpose(0, 3, 1, 2).reshape(4, nf, ns),
                 use=(w > 0).transpose(0, 3, 1, 2).reshape(4, nf, ns))  # fmt: skip
    m_start = np.asarray(m0, dtype=float)
    if m_start.shape != shape:
        raise ValueError(f"m0 must have the mesh's model shape {shape}, got {m_start.shape}")
    if not np.all(np.isfinite(m_start)):
        i = np.unravel_index(int(np.flatnonzero(~np.isfinite(m_start))[0]), shape)
        raise ValueError(f"m0 must be finite; found {m_start[i]} at cell {tuple(map(int, i))}")
    _check_log10_model("m0", m_start)
    if not (np.isfinite(lam) and lam >= 0):
        raise ValueError(f"lam must be finite and >= 0, got {lam}")
    if not (np.isfinite(alpha_z) and alpha_z >= 0):
        raise ValueError(f"alpha_z must be finite and >= 0, got {alpha_z}")
    if int(max_iterations) < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations}")
    n_data = int(np.count_nonzero(w))
    if n_data == 0:
        raise ValueError("weights: all zero, nothing to fit")
    ref = None if reference is None else np.asarray(reference, dtype=float).reshape(shape)
    if ref is not None:
        _check_log10_model("reference", ref)
    reg = SmoothnessRegulariser(shape, alpha_z=alpha_z, reference=ref)

    last: dict[str, Any] = {"m": None, "phi": float("nan")}

    def misfit_and_gradient(m: NDArray) -> tuple[float, NDArray]:
        phi, grad, _ = forward.misfit_and_gradient(10.0 ** m.reshape(shape), obs, w)
        if progress:
            last["m"], last["phi"] = m.copy(), float(phi)
        return phi, grad.ravel()

    bar: Any = None
    callback = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=int(max_iterations), desc="MT NLCG", unit="it", delay=3.0, leave=False)

        def callback(it: int, m: NDArray, objective: float) -> None:
            # The RMS is known when the accepted point was the line search's last evaluation
            # (the usual case); otherwise show the objective Ψ.
            if last["m"] is not None and np.array_equal(last["m"], m):
                bar.set_postfix(rms=f"{np.sqrt(last['phi'] / n_data):.3g}", refresh=False)
            else:
                bar.set_postfix(objective=f"{objective:.4g}", refresh=False)
            bar.update(1)

    start = time.perf_counter()
    try:
        res = nlcg(
            misfit_and_gradient,
            m_start.ravel(),
            regulariser=reg,
            lam=lam,
            max_iterations=max_iterations,
            target_misfit=None if target_rms is None else target_rms**2 * n_data,
            rtol=rtol,
            initial_step=initial_step,
            max_step=max_step,
            callback=callback,
        )
    finally:
        if bar is not None:
            bar.close()
    model = res.model.reshape(shape)
    response = forward.run(10.0**model)
    wall = time.perf_counter() - start
    rms = [float(np.sqrt(d / n_data)) for d in res.data_misfit]
    log.info("MT NLCG: %s; RMS %.3g -> %.3g in %.1f s", res.message, rms[0], rms[-1], wall)
    return MTNLCGResult(
        model=model,
        objective=list(res.objective),
        data_misfit=list(res.data_misfit),
        model_norm=list(res.model_norm),
        rms=rms,
        n_data=n_data,
        n_evaluations=res.n_evaluations,
        wall_time=wall,
        converged=res.converged,
        message=res.message,
        response=response,
    )


# ------------------------------------------------------------------------------------------
# Field data
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MTProfile:
    """A TE/TM data section of a field profile.

    Attributes
    ----------
    names : list of str
        Site names, in profile order.
    stations : ndarray, shape (n_s,)
        Positions along the profile in km (0 at the first site).
    frequencies : ndarray, shape (n_f,)
        Frequencies in Hz, ascending.
    data : ndarray, shape (4, n_f, n_s)
        [log10 ρa TE (log10 Ω·m), phase TE (°), log10 ρa TM, phase TM].
    errors : ndarray, shape (4, n_f, n_s)
        Standard errors of ``data`` (log10 Ω·m, degrees), as given by the files (no floor).
    strike : float
        Geoelectric strike used for TE/TM (degrees east of north; TE = E along strike).
    azimuth : float
        Profile azimuth (degrees east of north).
    """

    names: list[str]
    stations: NDArray[np.float64]
    frequencies: NDArray[np.float64]
    data: NDArray[np.float64]
    errors: NDArray[np.float64]
    strike: float
    azimuth: float

    def observed(self) -> NDArray[np.float64]:
        """Observations for :class:`~geoinvert.mt.Forward2D`, shape (2, n_f, n_s, 2)."""
        return observed_from_section(self.data)

    def usable(self) -> NDArray[np.bool_]:
        """Mask (4, n_f, n_s) of usable data: per mode, phase inside (0°, 90°) (a 2-D TE/TM
        response; outside it the datum is noise or 3-D) and impedance error below 100 %."""
        ok = np.ones(self.data.shape, dtype=bool)
        for c in (0, 2):
            good = (self.data[c + 1] > 0) & (self.data[c + 1] < 90) & (self.errors[c + 1] < 89.9)
            ok[c] = ok[c + 1] = good
        return ok

    def weights(self, error_floor: float = 0.05) -> NDArray[np.float64]:
        """Weights 1/σ² (shape (2, n_f, n_s, 2)) with a relative impedance error floor.

        ``error_floor`` is relative to |Z| (0.05 = 5 %): σ(log10 ρa) ≥ 2·floor/ln 10 and
        σ(phase) ≥ asin(floor) in degrees (0.0434 and 2.87° for 5 %). Data that are not
        :meth:`usable` get weight 0.
        """
        if not (np.isfinite(error_floor) and error_floor >= 0):
            raise ValueError(f"error_floor must be finite and >= 0, got {error_floor}")
        err = self.errors.copy()
        err[0::2] = np.maximum(err[0::2], 2 * error_floor / np.log(10))
        err[1::2] = np.maximum(err[1::2], np.degrees(np.arcsin(min(error_floor, 1.0))))
        if np.any(err <= 0):
            raise ValueError("errors: zero standard errors with error_floor=0; give a floor")
        return observed_from_section(np.where(self.usable(), 1.0 / err**2, 0.0))


def profile_from_sites(sites: list[Any], distance: Any, strike: float | None = None) -> MTProfile:
    """TE/TM section of EDI sites (see :func:`profile_from_edi`).

    Parameters
    ----------
    sites : list of geoinvert.io.EdiSite
        Sites in profile order; all must have the same frequencies.
    distance : array_like, shape (n_sites,)
        Positions along the profile in km.
    strike : float, optional
        Geoelectric strike (degrees east of north). Default: perpendicular to the profile's
        best-fitting azimuth (azimuth − 90°, folded into [−90°, 90°)).
    """
    from ..io.edi import profile_distance

    if not sites:
        raise ValueError("sites must not be empty")
    d = np.asarray(distance, dtype=float)
    if d.shape != (len(sites),):
        raise ValueError(f"distance must have shape ({len(sites)},), got {d.shape}")
    f0 = np.asarray(sites[0].frequencies, dtype=float)
    for k, s in enumerate(sites[1:], start=1):
        f = np.asarray(s.frequencies, dtype=float)
        if f.size != f0.size or not np.allclose(f, f0, rtol=1e-4):
            missing = [float(v) for v in f0 if not np.any(np.isclose(f, v, rtol=1e-4))]
            raise ValueError(
                f"sites: site {k} ({s.name}) has {f.size} frequencies, site 0 ({sites[0].name}) "
                f"has {f0.size}; missing frequencies (Hz) at site {k}: {missing[:5]}. Interpolate "
                "the sites onto common frequencies first."
            )
    lat = np.array([s.lat for s in sites])
    lon = np.array([s.lon for s in sites])
    azimuth = profile_distance(lat, lon)[1] if len(sites) > 1 else 90.0
    if strike is None:
        strike = azimuth % 180.0 - 90.0
    order = np.argsort(f0)
    data: NDArray[np.float64] = np.empty((4, f0.size, len(sites)))
    err: NDArray[np.float64] = np.empty_like(data)
    for j, s in enumerate(sites):
        te, tm = s.te_tm(float(strike))
        for c, mode in ((0, te), (2, tm)):
            data[c, :, j] = np.log10(mode["rho_a"][order])
            data[c + 1, :, j] = mode["phase"][order]
            err[c, :, j] = mode["rho_a_err"][order] / (mode["rho_a"][order] * np.log(10))
            err[c + 1, :, j] = mode["phase_err"][order]
    _check_section("data", data)
    err = np.where(np.isfinite(err), err, 0.0)  # absent variances: the floor decides
    return MTProfile(
        names=[s.name for s in sites],
        stations=d - d.min(),
        frequencies=f0[order],
        data=data,
        errors=err,
        strike=float(strike),
        azimuth=float(azimuth),
    )


def profile_from_edi(folder: str | Path, strike: float | None = None) -> MTProfile:
    """Read a profile of EDI files into a TE/TM section.

    Sites are projected onto their best-fitting straight line (:func:`geoinvert.io.
    read_edi_profile`); the impedance tensors are rotated to ``strike`` (degrees east of north,
    TE = electric field along strike, TM = across). The default strike is perpendicular to the
    profile: for the Paralana line (azimuth ≈ 100.8°, i.e. ESE) that is ≈ 10.8° (≈ N-S).

    Parameters
    ----------
    folder : path
        Folder of ``*.edi`` files (or one file).
    strike : float, optional
        Geoelectric strike in degrees east of north.

    Returns
    -------
    MTProfile
        Stations in km, frequencies in Hz ascending, data and errors (log10 Ω·m, degrees).
    """
    from ..io import read_edi_profile

    sites, dist = read_edi_profile(folder)
    return profile_from_sites(sites, dist, strike)


@dataclass(frozen=True)
class GridInterpolation:
    """A field section resampled onto a network's grid (see :func:`interpolate_to_grid`).

    Attributes
    ----------
    data : ndarray, shape (4, n_f_grid, n_s_grid)
        Resampled section (log10 Ω·m, degrees).
    interpolated : ndarray of bool, shape (n_f_grid, n_s_grid)
        True where the cell lies inside the observed frequency band and station span (linear
        interpolation in log10 f and x); False where the value is extrapolated (nearest observed
        value held constant).
    fraction_interpolated : float
        Fraction of grid cells that are interpolated.
    offset : float
        Grid position (km) of the profile's 0 km.
    frequency_inside, station_inside : ndarray of bool
        Which grid frequencies / stations lie inside the observed band / span.
    """

    data: NDArray[np.float64]
    interpolated: NDArray[np.bool_]
    fraction_interpolated: float
    offset: float
    frequency_inside: NDArray[np.bool_]
    station_inside: NDArray[np.bool_]


def interpolate_to_grid(
    data: Any,
    stations: Any,
    frequencies: Any,
    grid_stations: Any,
    grid_frequencies: Any,
    *,
    offset: float | None = None,
    valid: Any = None,
) -> GridInterpolation:
    """Resample a TE/TM section onto another station/frequency grid (e.g. a U-Net's).

    Linear in log10 f, then linear in x; outside the observed band or span the nearest observed
    value is held constant, which is an *extrapolation* the network has no physics for: it sees
    a laterally uniform earth beyond the profile ends and flat curves beyond the band. The mask
    says which cells are which; report ``fraction_interpolated`` with any such inversion.

    Parameters
    ----------
    data : array_like, shape (4, n_f, n_s)
        Section (log10 Ω·m, degrees) at ``frequencies`` × ``stations``.
    stations : array_like, shape (n_s,)
        Station positions in km along the profile, strictly increasing.
    frequencies : array_like, shape (n_f,)
        Frequencies in Hz, strictly increasing.
    grid_stations : array_like, shape (n_s_grid,)
        Target station positions in km.
    grid_frequencies : array_like, shape (n_f_grid,)
        Target frequencies in Hz.
    offset : float, optional
        Grid position (km) of the profile's 0 km; default centres the profile on the grid.
    valid : array_like of bool, shape (4, n_f, n_s), optional
        Data to use (e.g. :meth:`MTProfile.usable`); others are bridged by the frequency
        interpolation. Default: all.

    Returns
    -------
    GridInterpolation
    """
    x = np.asarray(data, dtype=float)
    st = np.asarray(stations, dtype=float)
    f = np.asarray(frequencies, dtype=float)
    gs = np.asarray(grid_stations, dtype=float)
    gf = np.asarray(grid_frequencies, dtype=float)
    for name, a in (
        ("stations", st),
        ("frequencies", f),
        ("grid_stations", gs),
        ("grid_frequencies", gf),
    ):
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {a.shape}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
        if a.size > 1 and np.any(np.diff(a) <= 0):
            i = int(np.flatnonzero(np.diff(a) <= 0)[0])
            raise ValueError(f"{name} must be strictly increasing; {name}[{i + 1}] <= {name}[{i}]")
    for name, a in (("frequencies", f), ("grid_frequencies", gf)):
        _check_frequencies(name, a)
    if x.shape != (4, f.size, st.size):
        raise ValueError(
            f"data must have shape (4, n_frequencies={f.size}, n_stations={st.size}), got {x.shape}"
        )
    ok = np.ones(x.shape, dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    if ok.shape != x.shape:
        raise ValueError(f"valid must have the shape of data {x.shape}, got {ok.shape}")
    for c, j in zip(*np.nonzero(~ok.any(axis=1)), strict=True):
        raise ValueError(f"valid: no usable frequency in channel {c} at station index {j}")
    _check_section("data", np.where(ok, x, 0.0))
    _check_units("data", x, use=ok)
    if offset is None:
        offset = float(0.5 * (gs[0] + gs[-1]) - 0.5 * (st[0] + st[-1]))
    xs = st + offset
    lf, lgf = np.log10(f), np.log10(gf)
    # frequency first (per station), then along the profile (per grid frequency)
    tmp = np.empty((4, gf.size, st.size))
    for c in range(4):
        for j in range(st.size):
            use = ok[c, :, j]
            tmp[c, :, j] = np.interp(lgf, lf[use], x[c, use, j])
    out = np.empty((4, gf.size, gs.size))
    for c in range(4):
        for i in range(gf.size):
            out[c, i] = np.interp(gs, xs, tmp[c, i])
    f_in = (lgf >= lf[0] - 1e-9) & (lgf <= lf[-1] + 1e-9)
    s_in = (gs >= xs[0] - 1e-9) & (gs <= xs[-1] + 1e-9)
    mask = f_in[:, None] & s_in[None, :]
    return GridInterpolation(
        data=out,
        interpolated=mask,
        fraction_interpolated=float(mask.mean()),
        offset=float(offset),
        frequency_inside=f_in,
        station_inside=s_in,
    )


@dataclass
class UNetProfileResult:
    """U-Net inversion of a field profile (see :func:`invert_profile_unet`).

    Attributes
    ----------
    section : ndarray, shape (nz, nx)
        log10 resistivity (log10 Ω·m) on the network's grid (cell centres ``x_centres``,
        ``z_centres`` in km; the profile's 0 km sits at ``grid.offset``).
    grid : GridInterpolation
        The observations resampled onto the network's stations and frequencies.
    x_centres, z_centres : ndarray
        Cell centres of ``section`` in km.
    frequencies : ndarray, shape (n_f,)
        Frequencies (Hz) of the data fit (the profile's own, possibly thinned).
    predicted : ndarray, shape (4, n_f, n_s)
        The section's TE/TM response at the real site positions (log10 Ω·m, degrees).
    observed, weights : ndarray, shape (4, n_f, n_s)
        The observed data at those frequencies and their weights 1/σ² (0 = unusable).
    rms : float
        Normalised RMS misfit of ``predicted`` (1 = fit to the error level).
    seconds : float
        Wall time of the network call in s.
    """

    section: NDArray[np.float64]
    grid: GridInterpolation
    x_centres: NDArray[np.float64]
    z_centres: NDArray[np.float64]
    frequencies: NDArray[np.float64]
    predicted: NDArray[np.float64]
    observed: NDArray[np.float64]
    weights: NDArray[np.float64]
    rms: float
    seconds: float


def section_prior(model: Any) -> Any:
    """The :class:`~geoinvert.earth.priors.MTSectionPrior` an MT artefact was trained on."""
    from ..earth.priors import MTSectionPrior

    rec = getattr(model, "prior", None) or {}
    if isinstance(rec, dict) and isinstance(rec.get("prior"), dict):
        rec = rec["prior"]  # a store config: {"prior": {...}, ...}
    keys = ("width", "depth", "nx", "nz")
    return MTSectionPrior(**{k: rec[k] for k in keys if isinstance(rec, dict) and k in rec})


def invert_profile_unet(
    model: Any,
    profile: MTProfile,
    *,
    error_floor: float = 0.05,
    stride: int = 1,
) -> UNetProfileResult:
    """Invert a field profile with an MT U-Net and forward-model its section at the sites.

    The observations are resampled onto the network's 121 stations and training frequencies
    (:func:`interpolate_to_grid`, profile centred on the section; cells outside the observed
    band/span are held at the nearest value, which the network has no physics for — report
    ``grid.fraction_interpolated``), inverted, and the predicted section's response is computed
    with the 2-D solver at the real site positions and the profile's own frequencies.

    Parameters
    ----------
    model : TrainedModel or path
        MT U-Net artefact.
    profile : MTProfile
        TE/TM data (:func:`profile_from_edi`).
    error_floor : float
        Relative impedance error floor of the misfit weights (0.05 = 5 %).
    stride : int
        Use every ``stride``-th profile frequency for the data fit (cost).

    Returns
    -------
    UNetProfileResult
    """
    from ..mt import Forward2D, build_mesh
    from ..train import load_model

    if isinstance(model, (str, Path)):
        model = load_model(model)
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    f_model = getattr(model, "frequencies", None)
    if f_model is None:
        raise ValueError("model: the artefact records no frequencies; is it an MT U-Net?")
    prior = section_prior(model)
    grid = interpolate_to_grid(
        profile.data, profile.stations, profile.frequencies, prior.x_centres, f_model,
        valid=profile.usable(),
    )  # fmt: skip
    start = time.perf_counter()
    section = invert_mt_unet(model, grid.data, f_model)
    seconds = time.perf_counter() - start
    sl = slice(None, None, stride)
    f = profile.frequencies[sl]
    mesh = build_mesh(
        np.linspace(0, prior.width, prior.nx + 1),
        np.linspace(0, prior.depth, prior.nz + 1),
        f,
        min_resistivity=1.0,
    )
    predicted = section_from_result(
        Forward2D(mesh, profile.stations + grid.offset, f).run(10.0**section)
    )
    w = profile.weights(error_floor)[:, sl]
    weights = np.stack([w[0, ..., 0], w[0, ..., 1], w[1, ..., 0], w[1, ..., 1]])
    observed = profile.data[:, sl]
    n = max(int(np.count_nonzero(weights)), 1)
    rms = float(np.sqrt(np.sum(weights * (predicted - observed) ** 2) / n))
    return UNetProfileResult(
        section, grid, prior.x_centres, prior.z_centres, f, predicted, observed, weights, rms,
        seconds,
    )  # fmt: skip


def profile_geometry(stations: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A default NLCG model grid for a profile: cell edges ``(xe, ze)`` in km.

    Columns of width ≈ half the median site spacing (at least span/40) over the sites, four
    columns each side growing by 1.6; rows from 0.1 km growing by 1.25 down to about three
    times the profile length (20-200 km). The mesh builder pads beyond this by skin depths.
    """
    s = np.sort(np.asarray(stations, float).reshape(-1))
    if s.size < 2:
        raise ValueError("stations: a profile needs at least two sites")
    span = float(s[-1] - s[0])
    dx = max(float(np.median(np.diff(s))) / 2, span / 40, 1e-3)
    n = int(np.ceil(span / dx)) + 2
    inner = s[0] - dx + np.arange(n + 1) * (span + 2 * dx) / n
    grow = dx * np.cumsum(1.6 ** np.arange(1, 5))
    xe = np.concatenate([inner[0] - grow[::-1], inner, inner[-1] + grow])
    z_max = min(max(3 * span, 20.0), 200.0)
    ze = np.concatenate([[0.0], 0.1 * (1.25 ** np.arange(1, 60) - 1) / 0.25])
    return xe, ze[ze <= z_max]


def invert_profile_nlcg(
    profile: MTProfile,
    *,
    iterations: int = 30,
    stride: int = 1,
    error_floor: float = 0.05,
    lam: float = 3.0,
    alpha_z: float = 1.0,
    geometry: tuple[Any, Any] | None = None,
    progress: bool = False,
) -> tuple[MTNLCGResult, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Regularised NLCG inversion of a field profile (TE and TM) from a half-space start.

    Parameters
    ----------
    profile : MTProfile
        TE/TM data (:func:`profile_from_edi`).
    iterations : int
        NLCG iterations.
    stride : int
        Use every ``stride``-th frequency (cost).
    error_floor : float
        Relative impedance error floor of the weights (0.05 = 5 %).
    lam, alpha_z : float
        Trade-off and vertical smoothing weight (:func:`invert_mt_nlcg`).
    geometry : (xe, ze), optional
        Model cell edges in km; default :func:`profile_geometry`.
    progress : bool
        Progress bar.

    Returns
    -------
    (result, predicted, xe, ze)
        The NLCG result, its response as a (4, n_f, n_s) section (log10 Ω·m, degrees) at the
        used frequencies, and the model's cell edges (km).
    """
    from ..mt import Forward2D, build_mesh

    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    sl = slice(None, None, stride)
    f = profile.frequencies[sl]
    xe, ze = geometry if geometry is not None else profile_geometry(profile.stations)
    mesh = build_mesh(
        xe, ze, f, min_resistivity=1.0, cells_per_skin_depth=4, growth=1.3, z_subdivide=1
    )
    fwd = Forward2D(mesh, profile.stations, f)
    m0 = np.full(mesh.model_shape, float(np.median(profile.data[[0, 2]])))
    res = invert_mt_nlcg(
        fwd, profile.observed()[:, sl], profile.weights(error_floor)[:, sl], m0, lam=lam,
        alpha_z=alpha_z, max_iterations=iterations, progress=progress,
    )  # fmt: skip
    return res, section_from_result(res.response), np.asarray(xe), np.asarray(ze)
