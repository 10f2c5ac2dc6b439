"""Independent numpy reference for the receiver-function kernel (tests only).

A different formulation from the C++ kernel (cpp/rf), which propagates one row functional
upward with analytic eigenvectors (Haskell/Thomson propagator). Here:

* the layer eigenvectors are computed *numerically* (``numpy.linalg.eig``) from the 4x4 system
  matrix A of the motion-stress equations db/dz = i omega A b, b = (u_x, u_z, t_x, t_z),
  t = traction / (i omega), derived directly from Hooke's law and the momentum equations;
* the response is built by Kennett's invariant-embedding recursion from the free surface
  downward (Kennett 1983, "Seismic wave propagation in stratified media", ch. 6): a 2x2
  reflection matrix R (up-going -> down-going amplitudes, everything above) and a 2x2 matrix W
  (up-going amplitudes -> surface displacement), updated across each interface with
  F = E_{j+1}^{-1} E_j [R; I], R' = F_d F_u^{-1}, W' = W F_u^{-1}, and across each layer with
  the phase factors. Only decaying exponentials appear, so it is unconditionally stable.

The receiver function uses every non-negative FFT frequency (no Gaussian cut-off), the same
Gaussian G = exp(-omega^2 / (4 a^2)), time shift and ``numpy.fft.irfft`` (no 1/dt factor).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["reference_rf", "reference_spectra", "system_matrix"]


def system_matrix(vp: float, vs: float, rho: float, p: float) -> NDArray:
    """A of db/dz = i omega A b for b = (u_x, u_z, t_x, t_z) (z down, exp(i omega (t - p x)))."""
    mu = rho * vs * vs
    lam = rho * vp * vp - 2.0 * mu
    l2m = lam + 2.0 * mu
    return np.array(
        [
            [0.0, p, 1.0 / mu, 0.0],
            [p * lam / l2m, 0.0, 0.0, 1.0 / l2m],
            [rho - 4.0 * p * p * mu * (lam + mu) / l2m, 0.0, 0.0, p * lam / l2m],
            [0.0, rho, p, 0.0],
        ]
    )


def _eigen(vp: float, vs: float, rho: float, p: float) -> tuple[NDArray, NDArray]:
    """Eigenvalues and unit-displacement eigenvectors ordered down-P, down-S, up-P, up-S."""
    lam, vec = np.linalg.eig(system_matrix(vp, vs, rho, p).astype(np.complex128))
    # b ~ exp(i omega lambda z): down-going waves have lambda < 0 (propagating) or Im > 0
    # (evanescent, decaying downward); |lambda| is smaller for P than for S.
    down = np.where(np.abs(lam.imag) > 1e-12 * np.abs(lam), lam.imag > 0, lam.real < 0)
    order = []
    for want_down in (True, False):
        idx = np.flatnonzero(down == want_down)
        if idx.size != 2:
            raise ValueError("could not classify eigenvalues")
        order.extend(idx[np.argsort(np.abs(lam[idx]))])  # P first (smaller |q|)
    lam, vec = lam[order], vec[:, order]
    for k in range(4):  # unit displacement, u_x real and positive
        v = vec[:, k]
        scale = np.sqrt(abs(v[0]) ** 2 + abs(v[1]) ** 2)
        ph = v[0] / abs(v[0]) if abs(v[0]) > 1e-14 else 1.0
        vec[:, k] = v / (scale * ph)
    return lam, vec


def reference_spectra(
    thickness: NDArray, vp: NDArray, vs: NDArray, rho: NDArray, p: float, omega: NDArray
) -> tuple[NDArray, NDArray]:
    """Radial (away from source) and vertical (up) surface displacement for a unit P wave."""
    omega = np.asarray(omega)  # real, or complex (e.g. a damped omega (1 + 1e-3 i))
    n = len(thickness)
    eig = [_eigen(vp[j], vs[j], rho[j], p) for j in range(n)]
    nf = omega.size
    _, e0 = eig[0]
    # Free surface: tractions of E [R; I] vanish.
    r = np.broadcast_to(-np.linalg.solve(e0[2:, :2], e0[2:, 2:]), (nf, 2, 2)).astype(complex)
    w = np.broadcast_to(e0[:2, :2] @ r[0] + e0[:2, 2:], (nf, 2, 2)).astype(complex)
    for j in range(n - 1):
        lam, e = eig[j]
        h = thickness[j]
        dphase = np.exp(1j * omega[:, None] * lam[None, :2] * h)  # down: D_bot = D_top * this
        uphase = np.exp(-1j * omega[:, None] * lam[None, 2:] * h)  # up: U_top = U_bot * this
        r = dphase[:, :, None] * r * uphase[:, None, :]
        w = w * uphase[:, None, :]
        q = np.linalg.solve(eig[j + 1][1], e)  # E_{j+1}^{-1} E_j
        f_d = q[:2, :2] @ r + q[:2, 2:]
        f_u = q[2:, :2] @ r + q[2:, 2:]
        f_u_inv = np.linalg.inv(f_u)
        r = f_d @ f_u_inv
        w = w @ f_u_inv
    ux = w[:, 0, 0]
    uz = w[:, 1, 0]
    return ux, -uz


def reference_rf(
    thickness: NDArray,
    vp: NDArray,
    vs: NDArray,
    rho: NDArray,
    p: float,
    *,
    dt: float = 0.05,
    n_fft: int = 4096,
    gaussian: float = 2.5,
    shift: float = 5.0,
) -> NDArray:
    """Radial receiver function R/Z (all frequencies), length n_fft."""
    omega = 2.0 * np.pi * np.fft.rfftfreq(n_fft, dt)
    radial, vertical = reference_spectra(
        np.asarray(thickness, float),
        np.asarray(vp, float),
        np.asarray(vs, float),
        np.asarray(rho, float),
        p,
        omega,
    )
    spec = radial / vertical * np.exp(-(omega**2) / (4.0 * gaussian**2) - 1j * omega * shift)
    return np.fft.irfft(spec, n_fft)
