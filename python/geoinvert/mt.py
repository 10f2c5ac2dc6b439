"""Magnetotelluric (MT) forward modelling: 1-D layered earth and 2-D finite elements.

Conventions (package-wide)
--------------------------
* Time dependence :math:`e^{+i\\omega t}`; SI units inside, so impedances ``Z`` are in ohms
  (V/m per A/m).
* ``Z_TE = Ex / Hy`` and ``Z_TM = -Ey / Hx`` in field coordinates with x along strike, y along the
  profile and z down, so that both phases lie in (0°, 90°) for any 1-D earth and equal 45° over a
  half-space. The 2-D meshes and stations (:class:`MTMesh` ``x_nodes``, ``Forward2D`` stations)
  are positions along the profile, i.e. the field convention's y axis, across strike.
* Apparent resistivity :math:`\\rho_a = |Z|^2 / (\\omega \\mu_0)` in Ω·m with
  :math:`\\mu_0 = 4\\pi\\cdot 10^{-7}` H/m; phase :math:`\\arg Z` in degrees.
* Lengths in km, frequencies in Hz, resistivity in Ω·m.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _core
from ._validation import as_float_array, check_threads
from .mt_mesh import MTBandMeshes, MTMesh, build_band_meshes, build_mesh, skin_depth

__all__ = [
    "MU0",
    "Forward2D",
    "MT2DResult",
    "MTBandMeshes",
    "MTMesh",
    "build_band_meshes",
    "build_mesh",
    "forward_1d",
    "skin_depth",
]

#: Vacuum permeability in H/m (the value used by every MT kernel of the package).
MU0: float = 4.0e-7 * np.pi


def _check_positive_nd(name: str, arr: NDArray, *, allow_zero: bool = False) -> None:
    """Raise ValueError naming the first non-finite / non-positive entry by its full index."""
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        idx = np.unravel_index(int(np.flatnonzero(bad)[0]), arr.shape)
        rel = "non-negative" if allow_zero else "positive"
        where = ", ".join(str(int(i)) for i in idx)
        raise ValueError(f"{name} must be finite and {rel}; found {arr[idx]} at index ({where})")


def check_frequencies(frequencies: Any) -> NDArray:
    """Validate frequencies (Hz): a 1-D array of finite positive values."""
    f = as_float_array("frequencies", frequencies, ndim=(0, 1))
    f = np.atleast_1d(f)
    if f.size == 0:
        raise ValueError("frequencies must not be empty")
    _check_positive_nd("frequencies", f)
    return f


def _forward_1d_fast(
    frequencies: Any, resistivity: Any, thickness: Any, n_threads: int | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.complex128]] | None:
    """The common cases of :func:`forward_1d`, checked by the kernel's binding alone.

    One model ``(n_layers,)`` or a batch ``(n_models, n_layers)`` with thickness of the same
    number of dimensions and 1-D frequencies. Returns None for anything else, and also when the
    binding rejects a shape or a value, so that the full validation runs and words the error
    (argument and index).
    """
    if n_threads is not None and not (type(n_threads) is int and n_threads >= 1):
        return None
    try:
        return _core.mt_forward_1d(frequencies, resistivity, thickness, n_threads)
    except (TypeError, ValueError):
        return None


def forward_1d(
    frequencies: Any,
    resistivity: Any,
    thickness: Any,
    *,
    n_threads: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.complex128]]:
    """Magnetotelluric response of layered earths (Wait's impedance recursion).

    The recursion is evaluated from the basement up with an overflow-safe ``tanh``, so thick
    resistive or thin conductive stacks give finite answers at any frequency.

    Parameters
    ----------
    frequencies : array_like, shape (n_frequencies,)
        Frequencies in Hz (positive).
    resistivity : array_like, shape (..., n_layers)
        Layer resistivities in Ω·m, top layer first; the last entry is the half-space.
    thickness : array_like, shape (..., n_layers - 1)
        Layer thicknesses in km (non-negative). Leading dimensions broadcast against those of
        ``resistivity``.
    n_threads : int, optional
        Worker threads; None uses all cores. Results do not depend on it.

    Returns
    -------
    rho_a : ndarray, shape (..., n_frequencies)
        Apparent resistivity :math:`|Z|^2/(\\omega\\mu_0)` in Ω·m.
    phase : ndarray, shape (..., n_frequencies)
        Impedance phase in degrees, in (0°, 90°); 45° over a half-space.
    Z : ndarray of complex128, shape (..., n_frequencies)
        Surface impedance ``Ex/Hy`` in ohms (SI), time dependence :math:`e^{+i\\omega t}`.

    Raises
    ------
    ValueError
        Non-positive or non-finite frequency or resistivity, negative thickness, or shapes that
        do not match; the message names the argument and the index.

    Notes
    -----
    The kernel runs several frequencies per vector register (AVX2+FMA where the CPU has it,
    else a portable two-lane version; ``geoinvert._core.mt1d_kernels()`` lists them). Against
    a 50-digit evaluation, ``Z`` is accurate to ~1e-15 relative, also for resistivities from
    1e-300 to 1e300 Ω·m and frequencies from 1e-12 to 1e12 Hz. Each frequency's result is the
    same whatever the other frequencies in the call and the thread count.
    """
    fast = _forward_1d_fast(frequencies, resistivity, thickness, n_threads)
    if fast is not None:
        return fast
    f = check_frequencies(frequencies)
    rho = as_float_array("resistivity", resistivity)
    h = as_float_array("thickness", thickness)
    if rho.ndim == 0 or rho.shape[-1] == 0:
        raise ValueError(f"resistivity must have shape (..., n_layers >= 1), got {rho.shape}")
    n_layers = rho.shape[-1]
    if h.ndim == 0 and n_layers == 1:
        h = np.zeros((0,))
    if h.ndim == 0 or h.shape[-1] != n_layers - 1:
        raise ValueError(
            f"thickness must have shape (..., {n_layers - 1}) for {n_layers} layers, got {h.shape}"
        )
    try:
        batch = np.broadcast_shapes(rho.shape[:-1], h.shape[:-1])
    except ValueError:
        raise ValueError(
            f"leading dimensions of resistivity {rho.shape} and thickness {h.shape} do not "
            "broadcast"
        ) from None
    rho_b = np.ascontiguousarray(np.broadcast_to(rho, (*batch, n_layers)))
    h_b = np.ascontiguousarray(np.broadcast_to(h, (*batch, n_layers - 1)))
    _check_positive_nd("resistivity", rho_b)
    _check_positive_nd("thickness", h_b, allow_zero=True)
    nt = check_threads(n_threads)
    n_models = int(np.prod(batch, dtype=np.int64))
    ra, ph, z = _core.mt_forward_1d(
        f, rho_b.reshape(n_models, n_layers), h_b.reshape(n_models, n_layers - 1), nt or None
    )
    out = (*batch, f.size)
    return ra.reshape(out), ph.reshape(out), z.reshape(out)


@dataclass(frozen=True)
class MT2DResult:
    """TE and TM responses at the stations, each of shape (n_frequencies, n_stations), or
    (n_models, n_frequencies, n_stations) for a batch of models.

    ``rho_a_*`` in Ω·m, ``phase_*`` in degrees, ``Z_*`` complex impedances in ohms (SI), with
    ``Z_te = Ex/Hy`` and ``Z_tm = -Ey/Hx`` (e^{+iωt}). A frequency whose factorisation failed is
    NaN.
    """

    rho_a_te: NDArray[np.float64]
    phase_te: NDArray[np.float64]
    Z_te: NDArray[np.complex128]
    rho_a_tm: NDArray[np.float64]
    phase_tm: NDArray[np.float64]
    Z_tm: NDArray[np.complex128]


def _rho_phase(z: NDArray[np.complex128], f: NDArray) -> tuple[NDArray, NDArray]:
    rho_a = np.abs(z) ** 2 / (2 * np.pi * f[:, None] * MU0)
    return rho_a, np.degrees(np.angle(z))


class Forward2D:
    """2-D magnetotelluric forward solver (TE + TM) with adjoint gradients.

    Nodal bilinear finite elements on the rectilinear mesh, a sparse complex-symmetric LDLᵀ in a
    geometric nested-dissection order whose symbolic analysis is done once here and reused for
    every frequency and model (one analysis per mode: TE's system includes the air rows, TM's
    does not). With per-band meshes (:func:`build_band_meshes`) each band has its own mesh and
    symbolic analyses, reused for the band's frequencies. :meth:`run` puts every (band, mode,
    model, frequency) of a call on the thread pool at once (GIL released), with one live factor
    per worker; :meth:`misfit_and_gradient` runs the bands one after the other. See the module
    docstring for the sign and unit conventions.

    Parameters
    ----------
    mesh : MTMesh or MTBandMeshes
        One mesh for all frequencies (see :func:`build_mesh` and :meth:`MTMesh.from_nodes`) or
        one mesh per frequency band (:func:`build_band_meshes`).
    stations : array_like, shape (n_stations,)
        Station positions along the profile in km, strictly inside the mesh.
    frequencies : array_like, shape (n_frequencies,)
        Frequencies in Hz.
    n_threads : int, optional
        Worker threads (None: all cores). Results do not depend on it.
    """

    def __init__(
        self,
        mesh: MTMesh | MTBandMeshes,
        stations: Any,
        frequencies: Any,
        *,
        n_threads: int | None = None,
    ) -> None:
        if isinstance(mesh, MTMesh):
            meshes: tuple[MTMesh, ...] = (mesh,)
        elif isinstance(mesh, MTBandMeshes):
            meshes = mesh.meshes
        else:
            raise ValueError(f"mesh must be an MTMesh or MTBandMeshes, got {type(mesh).__name__}")
        st = np.atleast_1d(as_float_array("stations", stations, ndim=(0, 1)))
        if st.size == 0:
            raise ValueError("stations must not be empty")
        lo = max(m.x_nodes[0] for m in meshes)
        hi = min(m.x_nodes[-1] for m in meshes)
        bad = ~np.isfinite(st) | (st <= lo) | (st >= hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"stations must lie inside the mesh ({lo}, {hi}) km; station {i} is at {st[i]} km"
            )
        self.mesh = mesh
        self.stations = st
        self.frequencies = check_frequencies(frequencies)
        self.n_threads = check_threads(n_threads)
        band = (
            mesh.band_of(self.frequencies)
            if isinstance(mesh, MTBandMeshes)
            else np.zeros(self.frequencies.size, dtype=np.int64)
        )
        # (frequency indices, mesh, compiled problem) per band that has frequencies
        self._bands: list[tuple[NDArray[np.int64], MTMesh, Any]] = []
        for k, m in enumerate(meshes):
            idx = np.flatnonzero(band == k)
            if idx.size:
                p = _core.Mt2dProblem(m.x_nodes * 1e3, m.z_nodes * 1e3, m.n_air, st * 1e3)
                self._bands.append((idx, m, p))
        # the arguments of the batched kernel, per band: problem, cell map, frequencies, rows
        self._batch = (
            [p for _, _, p in self._bands],
            [m.cell_map for _, m, _ in self._bands],
            [np.ascontiguousarray(self.frequencies[idx]) for idx, _, _ in self._bands],
            [idx.astype(np.intc) for idx, _, _ in self._bands],
        )

    @property
    def n_unknowns(self) -> tuple[int, int]:
        """Number of unknowns of the (TE, TM) systems (the largest band's with band meshes)."""
        return (
            max(p.n_unknowns(0) for _, _, p in self._bands),
            max(p.n_unknowns(1) for _, _, p in self._bands),
        )

    @property
    def factor_nnz(self) -> tuple[int, int]:
        """Non-zeros of the strictly lower LDLᵀ factors of the (TE, TM) systems (the largest
        band's with band meshes)."""
        return (
            max(p.factor_nnz(0) for _, _, p in self._bands),
            max(p.factor_nnz(1) for _, _, p in self._bands),
        )

    def band_summary(self) -> list[dict[str, Any]]:
        """Per band (mesh) in use: frequency range (Hz), number of frequencies, mesh nodes
        (x, z), unknowns, factor non-zeros and complex multiply-adds per factorisation, each
        for (TE, TM)."""
        out = []
        for idx, m, p in self._bands:
            f = self.frequencies[idx]
            out.append(
                {
                    "f_min": float(f.min()),
                    "f_max": float(f.max()),
                    "n_frequencies": int(idx.size),
                    "nodes": (int(m.x_nodes.size), int(m.z_nodes.size)),
                    "depth_km": float(m.z_nodes[-1]),
                    "unknowns": (p.n_unknowns(0), p.n_unknowns(1)),
                    "factor_nnz": (p.factor_nnz(0), p.factor_nnz(1)),
                    "factor_ops": (p.factor_ops(0), p.factor_ops(1)),
                }
            )
        return out

    def _model(self, resistivity: Any) -> NDArray[np.float64]:
        rho = as_float_array("resistivity", resistivity)
        if rho.shape != self.mesh.model_shape:
            raise ValueError(
                f"resistivity must have the mesh's model shape {self.mesh.model_shape} "
                f"(depth rows, columns), got {rho.shape}"
            )
        _check_positive_nd("resistivity", rho)
        return rho.ravel()

    def _result(self, zte: NDArray, ztm: NDArray) -> MT2DResult:
        f = self.frequencies
        ra_te, ph_te = _rho_phase(zte, f)
        ra_tm, ph_tm = _rho_phase(ztm, f)
        return MT2DResult(ra_te, ph_te, zte, ra_tm, ph_tm, ztm)

    def run(self, resistivity: Any) -> MT2DResult:
        """Forward-model one resistivity section or a batch of them.

        All bands, modes, models and frequencies of the call are items of one thread-pool run
        (GIL released), with at most one live factorisation per worker whatever the batch
        size. Each item is computed by the same code whatever the thread count and the other
        models of the batch, so a batch is bit-identical to one call per model.

        Parameters
        ----------
        resistivity : array_like, shape ``mesh.model_shape`` or ``(n_models, *mesh.model_shape)``
            Cell resistivities in Ω·m (depth rows, columns along the profile), one section or
            a stack of ``n_models`` sections.

        Returns
        -------
        MT2DResult
            TE and TM apparent resistivity (Ω·m), phase (degrees) and impedance (ohm), each of
            shape (n_frequencies, n_stations), or (n_models, n_frequencies, n_stations) for a
            stack.
        """
        rho = as_float_array("resistivity", resistivity)
        shape = tuple(self.mesh.model_shape)
        single = rho.shape == shape
        if not single and not (rho.ndim == 3 and rho.shape[1:] == shape and rho.shape[0] > 0):
            raise ValueError(
                f"resistivity must have the mesh's model shape {shape} (depth rows, columns) "
                f"or (n_models, {shape[0]}, {shape[1]}), got {rho.shape}"
            )
        _check_positive_nd("resistivity", rho)
        flat = rho.reshape(1 if single else rho.shape[0], shape[0] * shape[1])
        zte, ztm = _core.mt2d_forward_batch(
            *self._batch, flat, self.frequencies.size, self.n_threads or None
        )
        if single:
            zte, ztm = zte[0], ztm[0]
        return self._result(zte, ztm)

    def misfit_and_gradient(
        self, resistivity: Any, observed: Any, weights: Any
    ) -> tuple[float, NDArray[np.float64], MT2DResult]:
        """Weighted misfit on log10 ρa and phase and its gradient w.r.t. log10 resistivity.

        The misfit is ``sum(weights * (d - observed)**2)`` over modes, frequencies, stations and
        the two data kinds ``d = (log10 ρa [log10 Ω·m], phase [degrees])``. The gradient comes
        from one adjoint solve per frequency and mode with the forward factorisation (the
        operator is complex symmetric, so the adjoint system has the same factor).

        Parameters
        ----------
        resistivity : array_like, shape ``mesh.model_shape``
            Cell resistivities in Ω·m.
        observed : array_like, shape (2, n_frequencies, n_stations, 2)
            Observed data: axis 0 is the mode (TE, TM), the last axis (log10 ρa, phase in deg).
        weights : array_like, shape (2, n_frequencies, n_stations, 2)
            Non-negative weights (e.g. 1/σ²); zero drops a datum.

        Returns
        -------
        misfit : float
            The weighted misfit.
        gradient : ndarray, shape ``mesh.model_shape``
            d misfit / d log10(resistivity) of every model cell.
        result : MT2DResult
            The forward response at ``resistivity``.
        """
        rho = self._model(resistivity)
        shape = (2, self.frequencies.size, self.stations.size, 2)
        obs = as_float_array("observed", observed)
        w = as_float_array("weights", weights)
        for name, a in (("observed", obs), ("weights", w)):
            if a.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {a.shape}")
        _check_positive_nd("weights", w, allow_zero=True)
        if not np.all(np.isfinite(obs)):
            bad = np.unravel_index(int(np.flatnonzero(~np.isfinite(obs))[0]), obs.shape)
            where = tuple(int(i) for i in bad)
            raise ValueError(f"observed must be finite; found {obs[bad]} at index {where}")
        n_model = int(np.prod(self.mesh.model_shape))
        misfit = 0.0
        grad = np.zeros(n_model)
        zte = np.empty(shape[1:3], dtype=np.complex128)
        ztm = np.empty(shape[1:3], dtype=np.complex128)
        for idx, m, p in self._bands:
            phi, grad_mesh, a, b = p.misfit_gradient(
                np.ascontiguousarray(rho[m.cell_map]),
                self.frequencies[idx],
                np.ascontiguousarray(obs[:, idx]),
                np.ascontiguousarray(w[:, idx]),
                self.n_threads or None,
            )
            misfit += phi
            grad += np.bincount(m.cell_map.ravel(), weights=grad_mesh.ravel(), minlength=n_model)
            zte[idx], ztm[idx] = a, b
        return float(misfit), grad.reshape(self.mesh.model_shape), self._result(zte, ztm)
