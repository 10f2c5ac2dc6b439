"""Independent, slow reference solver for surface-wave dispersion (tests and scripts only).

This module is *not* part of the installed package. It exists to check geoinvert's C++
dispersion kernel (and the peer codes disba and CPS surf96/pysurf96) with a formulation that
shares no code and no algorithm with them:

* **Secular function.** The displacement–stress ODE ``dY/dz = A(ω, k) Y`` of Aki & Richards
  (2002, eq. 7.28 for P-SV; eq. 7.24 for SH), ``z`` positive down, is integrated *upward* from the
  two decaying half-space eigen-solutions (one for SH). A layer (or sub-layer) of thickness ``h``
  is crossed with the exact real propagator written with spectral projectors,
  ``expm(-A h) = Σ_w [cosh(ν_w h) I − sinh(ν_w h)/ν_w · A] Π_w``,
  ``Π_a = (A² − ν_b² I)/(ν_a² − ν_b²)`` (``ν² = k² − ω²/v²``; cosh/sinh become cos/sin for
  propagating waves, so everything stays real). Thick layers are cut into sub-layers with
  ``|ν| h ≤ 2.5`` and the two-column P-SV basis is Gram–Schmidt orthonormalised after each one
  (the classical orthonormalisation method; Gilbert & Backus 1966, as in normal-mode codes), the
  logarithm of the discarded positive scale factors is dropped. The secular function is the
  determinant of the 2×2 stress block at the free surface (P-SV) or the surface traction (SH).
  It is an entire function of ``c`` -- no poles -- so every sign change is a root. This is neither
  the Dunkin/delta-matrix (compound) formulation used by CPS, disba and geoinvert, nor the
  Thomson–Haskell product of 4×4 layer matrices.
* **Fluid layers** (``vs == 0``) on top: the solid basis is reduced at the sea floor to the
  combination with zero shear traction, then ``(u_z, σ_zz)`` is propagated through the fluid
  (``dY/dz = [[0, 1/λ − k²/(ω²ρ)], [−ω²ρ, 0]] Y``); the secular function is ``σ_zz`` at the
  surface. Love waves are not defined with a fluid top layer here (CPS skips the water).
* **Root search.** For every period an exhaustive scan of the sign of the secular function on
  2 500 phase velocities from ``0.5·min(vs_solid, vp_fluid)`` to the half-space ``vs``, plus 80
  points geometrically crowded toward the half-space ``vs`` (relative gaps down to 1e-12), then a
  refinement (×40) of every local minimum of ``|F|`` that shows no sign change (a hidden pair of
  roots), recursively. Roots are polished by 60 vectorised bisection steps (relative width
  ≈ 1e-16 of the bracket, i.e. ~1e-13 relative or better on ``c``). A mode whose root does
  not exist below the half-space shear velocity is NaN.
* **Group velocity** by implicit differentiation, ``dc/dω = −F_ω / F_c``, with 4th-order
  5-point central differences of the smooth secular function ``F = f·exp(log_scale)`` around
  the polished root (same sub-layering for all stencil points); the c-derivative is taken in
  ``s = sqrt(1 − c²/vs_halfspace²)``, in which ``F`` is analytic (no branch point at the
  half-space vs, so overtones next to their cut-off stay exact); then
  ``U = c / (1 − (ω/c) dc/dω)``. Agrees with the closed-form Love group velocity to ~1e-10.
* **Earth flattening** exactly as CPS ``surfdisp96.f`` subroutine ``sphere`` (Schwab & Knopoff
  1972; Biswas 1972 density mapping): radius 6370 km, flattened thickness
  ``6370·ln(r_top/r_bot)``, velocities multiplied by ``tmp = 2·6370/(r_top + r_bot)`` (layer
  mid-point in radius), density multiplied by ``tmp**-2.275`` for Rayleigh waves and by
  ``tmp**-5`` for Love waves, the half-space treated as a 1 km layer for its ``tmp`` (CPS sets
  ``d(mmax)=1.0`` before the loop). CPS does this in single precision (``real*4``); here in double.

Units: thickness km, velocities km/s, density g/cm³, periods s. Validated against the analytic
half-space Rayleigh velocity and the closed-form Love dispersion relation of a layer over a
half-space (:func:`rayleigh_halfspace_velocity`, :func:`love_layer_over_halfspace`), see
``tests/test_dispersion_peers.py``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "EARTH_RADIUS_CPS",
    "flatten_cps",
    "love_layer_over_halfspace",
    "rayleigh_halfspace_velocity",
    "reference_curves",
    "secular",
]

EARTH_RADIUS_CPS = 6370.0  # km, as in CPS surfdisp96.f sphere()
_MAX_NU_H = 4.0  # max |ν|·h per sub-layer for evanescent waves (growth ≤ e^4 per step)
_N_SCAN = 2000
_N_TOP = 80

Array = NDArray[np.float64]


def flatten_cps(
    thickness: ArrayLike, vp: ArrayLike, vs: ArrayLike, rho: ArrayLike, wave: str
) -> tuple[Array, Array, Array, Array]:
    """Earth-flattening transform of CPS ``surfdisp96.f`` (subroutine ``sphere``), in double.

    Parameters
    ----------
    thickness, vp, vs, rho : array_like, shape (n_layers,)
        Spherical model: thickness (km; last = half-space, ignored), vp, vs (km/s), rho (g/cm³).
    wave : {"rayleigh", "love"}
        Selects the density mapping: ``rho·tmp**-2.275`` (Rayleigh) or ``rho·tmp**-5`` (Love).

    Returns
    -------
    thickness, vp, vs, rho : ndarray
        The flat-earth model (km, km/s, km/s, g/cm³); half-space thickness set to 0.
    """
    d = np.array(thickness, dtype=float)
    a = np.array(vp, dtype=float)
    b = np.array(vs, dtype=float)
    r = np.array(rho, dtype=float)
    ar = EARTH_RADIUS_CPS
    d = d.copy()
    d[-1] = 1.0
    r_top = ar - np.concatenate([[0.0], np.cumsum(d)[:-1]])
    r_bot = ar - np.cumsum(d)
    dflat = ar * np.log(ar / r_bot) - ar * np.log(ar / r_top)
    tmp = (ar + ar) / (r_top + r_bot)
    expo = -5.0 if wave == "love" else -2.275
    dflat[-1] = 0.0
    return dflat, a * tmp, b * tmp, r * tmp**expo


def _ch_sh(nu2: Array, h: float | Array) -> tuple[Array, Array]:
    """cosh(ν h) and sinh(ν h)/ν for ν² of either sign (cos, sin(κh)/κ when ν² < 0)."""
    s = np.sqrt(np.abs(nu2))
    sh_ = s * h
    pos = nu2 >= 0.0
    ch = np.where(pos, np.cosh(np.where(pos, sh_, 0.0)), np.cos(np.where(pos, 0.0, sh_)))
    small = sh_ < 1e-4
    ssafe = np.where(small, 1.0, s)
    sh = np.where(
        pos,
        np.sinh(np.where(pos, sh_, 0.0)) / ssafe,
        np.sin(np.where(pos, 0.0, sh_)) / ssafe,
    )
    # series for tiny arguments: sinh(x)/x ≈ 1 + x²/6 (sign of x² from ν²)
    sh = np.where(small, h * (1.0 + np.sign(nu2) * sh_**2 / 6.0), sh)
    return ch, sh


def _psv_apply(k, w2, a, b, rho, sc, y):
    """A·Y for the scaled P-SV system (stresses divided by sc); y shape (B, 4, m)."""
    mu = rho * b * b
    mod = rho * a * a
    lam = mod - 2.0 * mu
    zeta = 4.0 * mu * (lam + mu) / mod
    r1, r2, r3, r4 = y[:, 0], y[:, 1], y[:, 2], y[:, 3]
    kk = k[:, None]
    scc = sc[:, None]
    out = np.empty_like(y)
    out[:, 0] = kk * r2 + r3 * scc / mu
    out[:, 1] = -kk * (lam / mod) * r1 + r4 * scc / mod
    out[:, 2] = ((kk * kk * zeta - w2[:, None] * rho) * r1) / scc + kk * (lam / mod) * r4
    out[:, 3] = (-w2[:, None] * rho * r2) / scc - kk * r3
    return out


def _gram_schmidt(y: Array) -> tuple[Array, Array]:
    """Orthonormalise the 2 columns of y (B, 4, 2); return (Q, log det R) with R_ii > 0."""
    c0 = y[:, :, 0]
    n0 = np.linalg.norm(c0, axis=1)
    q0 = c0 / n0[:, None]
    c1 = y[:, :, 1]
    c1 = c1 - np.sum(q0 * c1, axis=1)[:, None] * q0
    c1 = c1 - np.sum(q0 * c1, axis=1)[:, None] * q0  # re-orthogonalise (twice is enough)
    n1 = np.linalg.norm(c1, axis=1)
    q1 = c1 / n1[:, None]
    return np.stack([q0, q1], axis=2), np.log(n0) + np.log(n1)


def _nsub(nu2max: Array, h: float) -> int:
    """Number of sub-layers so that the fastest evanescent growth per step is ≤ e^_MAX_NU_H."""
    if h <= 0.0:
        return 0
    m = float(np.max(np.sqrt(np.maximum(nu2max, 0.0)))) * h
    return max(1, int(np.ceil(m / _MAX_NU_H)))


def secular(
    omega: ArrayLike,
    c: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    wave: str = "rayleigh",
    return_log: bool = False,
) -> Array | tuple[Array, Array]:
    """Sign-faithful, pole-free secular function at (ω, c) pairs (flat model).

    Parameters
    ----------
    omega, c : array_like, shape (B,)
        Angular frequency (rad/s) and phase velocity (km/s), paired. ``c`` must not exceed the
        half-space shear velocity.
    thickness, vp, vs, rho : array_like, shape (n_layers,)
        Flat model (km, km/s, km/s, g/cm³); last layer = half-space. Fluid layers (vs = 0) only
        at the top.
    wave : {"rayleigh", "love"}
    return_log : bool
        Also return ``log_scale``.

    Returns
    -------
    f : ndarray, shape (B,)
        The secular function divided by the positive scale ``exp(log_scale)`` removed by the
        orthonormalisation: its sign changes exactly at the modes, but on its own it can be
        step-like (a mode trapped below an evanescent barrier flips the orientation of the
        basis within a window of relative width ~exp(−2νh)).
    log_scale : ndarray, shape (B,)
        ``F = f·exp(log_scale)`` is the smooth (entire) secular function. Sub-layering is shared
        by the whole batch, so finite differences of ``F`` *within one call* are consistent.
    """
    om = np.atleast_1d(np.asarray(omega, dtype=float))
    cc = np.atleast_1d(np.asarray(c, dtype=float))
    om, cc = np.broadcast_arrays(om, cc)
    om = om.copy()
    cc = cc.copy()
    d = np.asarray(thickness, dtype=float)
    a = np.asarray(vp, dtype=float)
    b = np.asarray(vs, dtype=float)
    r = np.asarray(rho, dtype=float)
    k = om / cc
    w2 = om * om
    n = d.size
    fluid = b <= 0.0
    nfl = 0
    while nfl < n and fluid[nfl]:
        nfl += 1
    if np.any(fluid[nfl:]):
        raise ValueError("reference: fluid layers are supported only at the top of the model")
    if nfl == n:
        raise ValueError("reference: the half-space must be solid")
    if wave == "love":
        if nfl:
            raise ValueError("reference: Love waves need a solid top layer")
        f, logs = _secular_love(k, w2, d, b, r)
    else:
        f, logs = _secular_rayleigh(k, w2, d, a, b, r, nfl)
    return (f, logs) if return_log else f


def _secular_love(k, w2, d, b, r):
    n = d.size
    mu_hs = r[-1] * b[-1] ** 2
    sc = k * mu_hs  # stress scale
    nub2 = k * k - w2 / b[-1] ** 2
    # decaying half-space solution (u, σ/sc) = (1, −μ ν / sc)
    y0 = np.ones_like(k)
    y1 = -mu_hs * np.sqrt(np.maximum(nub2, 0.0)) / sc
    logs = np.zeros_like(k)
    for j in range(n - 2, -1, -1):
        mu = r[j] * b[j] ** 2
        nu2 = k * k - w2 / b[j] ** 2
        m = _nsub(nu2, d[j])
        if m == 0:
            continue
        h = d[j] / m
        ch, sh = _ch_sh(nu2, h)
        a01 = sc / mu  # A[0,1] scaled
        a10 = (k * k * mu - w2 * r[j]) / sc
        for _ in range(m):
            # going up: expm(−A h) = ch I − sh A
            z0 = ch * y0 - sh * a01 * y1
            z1 = ch * y1 - sh * a10 * y0
            nrm = np.hypot(z0, z1)
            logs += np.log(nrm)
            y0, y1 = z0 / nrm, z1 / nrm
    return y1, logs


def _secular_rayleigh(k, w2, d, a, b, r, nfl):
    n = d.size
    solid_mu = r[nfl:] * b[nfl:] ** 2
    sc = k * float(np.mean(solid_mu))
    # half-space decaying eigen-solutions, eigenvalues −ν_a, −ν_b (z down)
    ah, bh, rh = a[-1], b[-1], r[-1]
    mu = rh * bh * bh
    mod = rh * ah * ah
    lam = mod - 2.0 * mu
    nua = np.sqrt(np.maximum(k * k - w2 / ah**2, 0.0))
    nub = np.sqrt(np.maximum(k * k - w2 / bh**2, 0.0))
    y = np.empty((k.size, 4, 2))
    y[:, 0, 0] = 1.0
    y[:, 1, 0] = nua / k
    y[:, 2, 0] = -2.0 * mu * nua / sc
    y[:, 3, 0] = (k * lam - mod * nua**2 / k) / sc
    # S solution scaled by ν_b so that it stays finite up to c = vs_halfspace
    y[:, 0, 1] = nub
    y[:, 1, 1] = k
    y[:, 2, 1] = -mu * (nub**2 + k * k) / sc
    y[:, 3, 1] = -2.0 * k * mu * nub / sc
    y, logs = _gram_schmidt(y)
    for j in range(n - 2, nfl - 1, -1):
        if d[j] <= 0.0:
            continue
        nua2 = k * k - w2 / a[j] ** 2
        nub2 = k * k - w2 / b[j] ** 2
        m = max(_nsub(nua2, d[j]), _nsub(nub2, d[j]))
        h = d[j] / m
        cha, sha = _ch_sh(nua2, h)
        chb, shb = _ch_sh(nub2, h)
        den = nua2 - nub2  # = ω²(1/β² − 1/α²) > 0
        args = (k, w2, a[j], b[j], r[j], sc)
        for _ in range(m):
            ay = _psv_apply(*args, y)
            a2y = _psv_apply(*args, ay)
            a3y = _psv_apply(*args, a2y)
            pa_y = (a2y - nub2[:, None, None] * y) / den[:, None, None]
            pa_ay = (a3y - nub2[:, None, None] * ay) / den[:, None, None]
            pb_y = y - pa_y
            pb_ay = ay - pa_ay
            z = (
                cha[:, None, None] * pa_y
                - sha[:, None, None] * pa_ay
                + chb[:, None, None] * pb_y
                - shb[:, None, None] * pb_ay
            )
            y, lg = _gram_schmidt(z)
            logs += lg
    if nfl == 0:
        return y[:, 2, 0] * y[:, 3, 1] - y[:, 2, 1] * y[:, 3, 0], logs
    # sea floor: the combination with zero shear traction; keep (u_z, σ_zz)
    u = y[:, 1, 0] * y[:, 2, 1] - y[:, 1, 1] * y[:, 2, 0]
    s = y[:, 3, 0] * y[:, 2, 1] - y[:, 3, 1] * y[:, 2, 0]
    nrm = np.hypot(u, s)
    logs += np.log(nrm)
    u, s = u / nrm, s / nrm
    for j in range(nfl - 1, -1, -1):
        if d[j] <= 0.0:
            continue
        lamf = r[j] * a[j] ** 2
        nu2 = k * k - w2 / a[j] ** 2
        m = _nsub(nu2, d[j])
        h = d[j] / m
        ch, sh = _ch_sh(nu2, h)
        a01 = (1.0 / lamf - k * k / (w2 * r[j])) * sc
        a10 = -w2 * r[j] / sc
        for _ in range(m):
            u2 = ch * u - sh * a01 * s
            s2 = ch * s - sh * a10 * u
            nrm = np.hypot(u2, s2)
            logs += np.log(nrm)
            u, s = u2 / nrm, s2 / nrm
    return s, logs


def _c_bounds(vp: Array, vs: Array, wave: str) -> tuple[float, float]:
    """Scan limits (km/s): below every possible mode, and the half-space shear velocity.

    Love: c > min(vs). Rayleigh in solids: c > 0.87 min(vs) (Rayleigh/Stoneley speeds for
    vp/vs ≥ 1.5), we start at 0.8 min(vs). With a fluid (Scholte waves) at 0.6 min(vs, vp_fluid).
    """
    solid = vs > 0.0
    bmin = float(np.min(vs[solid]))
    if wave == "love":
        return bmin * (1.0 - 1e-9), float(vs[-1])
    if np.any(~solid):
        return 0.6 * min(bmin, float(np.min(vp[~solid]))), float(vs[-1])
    return 0.8 * bmin, float(vs[-1])


def _scan_grid(clo: float, chi: float) -> Array:
    g = np.linspace(clo, chi * (1.0 - 1e-13), _N_SCAN)
    top = chi * (1.0 - np.geomspace(0.5 * (chi - clo) / (_N_SCAN * chi), 1e-12, _N_TOP))
    return np.unique(np.concatenate([g, top]))


def _scan(omega: Array, grid: Array, model, wave: str, n_modes: int, chunk: int = 150) -> Array:
    """Secular function on the grid for every period, chunk by chunk upward in c; stops once
    every period shows at least n_modes sign changes (the rest stays NaN)."""
    nt = omega.size
    f = np.full((nt, grid.size), np.nan)
    logf = np.full((nt, grid.size), np.nan)
    active = np.ones(nt, dtype=bool)
    start = 0
    while start < grid.size and np.any(active):
        stop = min(grid.size, start + chunk)
        idx = np.nonzero(active)[0]
        cs = grid[start:stop]
        vals, lg = secular(
            np.repeat(omega[idx], cs.size),
            np.tile(cs, idx.size),
            *model,
            wave=wave,
            return_log=True,
        )
        f[idx, start:stop] = vals.reshape(idx.size, cs.size)
        logf[idx, start:stop] = lg.reshape(idx.size, cs.size)
        sg = np.sign(f[idx, :stop])
        nchg = np.sum(sg[:, 1:] != sg[:, :-1], axis=1)
        active[idx[nchg >= n_modes]] = False
        start = stop
    return f, logf


def _brackets_one_period(f_eval, grid, fvals, logs, n_modes: int, depth: int = 0):
    """Return up to n_modes sign-change brackets (lo, hi) scanning upward; refine hidden pairs.

    A hidden pair (two roots between neighbouring grid points) shows as a local minimum of
    ``log|F| = log|f| + log_scale`` without a sign change; such windows are re-scanned ×40.
    """
    out: list[tuple[float, float]] = []
    s = np.sign(fvals)
    with np.errstate(divide="ignore"):
        lf = np.log(np.abs(fvals)) + logs
    i = 0
    nseg = grid.size - 1
    while i < nseg and len(out) < n_modes:
        if s[i] == 0.0:
            out.append((grid[i], grid[i]))
            i += 1
            continue
        if s[i] != s[i + 1]:
            out.append((grid[i], grid[i + 1]))
            i += 1
            continue
        # hidden pair test: local minimum of |F| inside [i-1, i+1] without a sign change
        if depth < 4 and 0 < i < nseg and s[i - 1] == s[i] == s[i + 1]:
            fa, fm, fb = lf[i - 1], lf[i], lf[i + 1]
            if fm < fa and fm <= fb:
                sub = np.linspace(grid[i - 1], grid[i + 1], 41)
                fs, ls = f_eval(sub)
                if np.any(np.sign(fs) != s[i]):
                    inner = _brackets_one_period(f_eval, sub, fs, ls, n_modes - len(out), depth + 1)
                    out.extend(inner)
                    i += 1  # continue after the refined window
                    continue
        i += 1
    return out


def _bisect(omega, lo, hi, model, wave, n_iter=60):
    flo = secular(omega, lo, *model, wave=wave)
    for _ in range(n_iter):
        mid = 0.5 * (lo + hi)
        fm = secular(omega, mid, *model, wave=wave)
        left = np.sign(fm) == np.sign(flo)
        lo = np.where(left, mid, lo)
        flo = np.where(left, fm, flo)
        hi = np.where(left, hi, mid)
    return 0.5 * (lo + hi)


def _group(omega, c, model, wave, rel=2e-6):
    """Implicit differentiation: U = c / (1 − (ω/c)·dc/dω), dc/dω = −F_ω/F_c (5-point FD).

    F has a square-root branch point at c = vs_halfspace (ν_b = k·sqrt(1 − c²/β²)), so the
    c-derivative is taken in ``s = sqrt(1 − c²/β_hs²)``, in which F is analytic (ν_b = k·s),
    with a step ≤ s/4 that never crosses the branch point: F_c = F_s / (dc/ds),
    dc/ds = −β² s / c. This keeps overtones within 1e-7 of their cut-off exact.
    """
    nr = omega.size
    beta = model[2][-1]
    s0 = np.sqrt(np.maximum(1.0 - (c / beta) ** 2, 0.0))
    hs = np.minimum(rel, 0.25 * s0)
    hw = rel * omega
    offs = np.array([-2.0, -1.0, 1.0, 2.0])
    sj = s0[:, None] + offs * hs[:, None]
    cj = beta * np.sqrt(1.0 - sj**2)
    w_all = np.concatenate([np.repeat(omega, 4), (omega[:, None] + offs * hw[:, None]).ravel()])
    c_all = np.concatenate([cj.ravel(), np.repeat(c, 4)])
    f, logs = secular(w_all, c_all, *model, wave=wave, return_log=True)
    f = f.reshape(2, nr, 4)
    logs = logs.reshape(2, nr, 4)
    # smooth F = f·exp(log_scale), rescaled per root by its stencil maximum
    f = f * np.exp(logs - logs.max(axis=(0, 2), keepdims=True))
    wts = np.array([1.0, -8.0, 8.0, -1.0]) / 12.0
    fs = (f[0] @ wts) / hs
    fc = fs / (-(beta**2) * s0 / c)
    fw = (f[1] @ wts) / hw
    dcdw = -fw / fc
    return c / (1.0 - (omega / c) * dcdw)


def reference_curves(
    periods: ArrayLike,
    thickness: ArrayLike,
    vp: ArrayLike,
    vs: ArrayLike,
    rho: ArrayLike,
    *,
    wave: str = "rayleigh",
    n_modes: int = 2,
    spherical: bool = False,
) -> tuple[Array, Array]:
    """Phase and group velocities of modes 0..n_modes-1 by exhaustive scan (slow).

    Parameters
    ----------
    periods : array_like, shape (n_periods,)
        Periods (s), any order.
    thickness, vp, vs, rho : array_like, shape (n_layers,)
        Model (km, km/s, km/s, g/cm³); last layer = half-space (thickness ignored).
    wave : {"rayleigh", "love"}
    n_modes : int
        Number of modes (0 = fundamental).
    spherical : bool
        Apply the CPS earth-flattening transform (:func:`flatten_cps`) first.

    Returns
    -------
    phase, group : ndarray, shape (n_modes, n_periods)
        Velocities (km/s); NaN where the mode has no root below the half-space shear velocity.
    """
    if wave not in ("rayleigh", "love"):
        raise ValueError(f"wave must be 'rayleigh' or 'love', got {wave!r}")
    t = np.atleast_1d(np.asarray(periods, dtype=float))
    model = [np.asarray(x, dtype=float).copy() for x in (thickness, vp, vs, rho)]
    if spherical:
        model = list(flatten_cps(*model, wave=wave))
    model[0][-1] = 0.0
    clo, chi = _c_bounds(model[1], model[2], wave)
    grid = _scan_grid(clo, chi)
    omega = 2.0 * np.pi / t
    nt = t.size
    fgrid, lgrid = _scan(omega, grid, model, wave, n_modes)
    lo = np.full((n_modes, nt), np.nan)
    hi = np.full((n_modes, nt), np.nan)
    for it in range(nt):

        def f_eval(cs, _w=omega[it]):
            return secular(np.full(cs.size, _w), cs, *model, wave=wave, return_log=True)

        valid = np.isfinite(fgrid[it])
        br = _brackets_one_period(f_eval, grid[valid], fgrid[it][valid], lgrid[it][valid], n_modes)
        for m, (bl, bh) in enumerate(br[:n_modes]):
            lo[m, it], hi[m, it] = bl, bh
    phase = np.full((n_modes, nt), np.nan)
    group = np.full((n_modes, nt), np.nan)
    ok = np.isfinite(lo)
    if np.any(ok):
        w_ok = np.broadcast_to(omega, (n_modes, nt))[ok]
        roots = _bisect(w_ok, lo[ok], hi[ok], model, wave)
        phase[ok] = roots
        # a "root" at the very top of the grid is the half-space limit, not a mode
        group[ok] = _group(w_ok, roots, model, wave)
    return phase, group


def rayleigh_halfspace_velocity(vp: float, vs: float) -> float:
    """Rayleigh velocity (km/s) of a homogeneous half-space, root of the Rayleigh equation.

    ``(2 − ξ)² = 4 sqrt(1 − ξ γ) sqrt(1 − ξ)``, ``ξ = c²/vs²``, ``γ = vs²/vp²``, solved with
    mpmath at 30 digits.
    """
    import mpmath as mp

    mp.mp.dps = 30
    g = mp.mpf(vs) ** 2 / mp.mpf(vp) ** 2

    def f(xi):
        return (2 - xi) ** 2 - 4 * mp.sqrt(1 - xi * g) * mp.sqrt(1 - xi)

    xi = mp.findroot(f, (mp.mpf("0.5"), mp.mpf("0.99999")), solver="anderson")
    return float(mp.sqrt(xi) * vs)


def love_layer_over_halfspace(
    period: float,
    h: float,
    vs1: float,
    rho1: float,
    vs2: float,
    rho2: float,
    mode: int = 0,
    group: bool = False,
) -> float | tuple[float, float]:
    """Love phase velocity (km/s) of a layer over a half-space, closed-form relation.

    ``tan(k h sqrt(c²/β1² − 1)) = μ2 sqrt(1 − c²/β2²) / (μ1 sqrt(c²/β1² − 1))`` with
    ``k = ω/c``; the n-th mode lies on the n-th branch of the tangent. Solved with mpmath
    at 30 digits; NaN below the mode's cut-off. With ``group=True`` returns ``(c, U)``, the
    group velocity by implicit differentiation of the relation (mpmath ``diff``).
    """
    import mpmath as mp

    mp.mp.dps = 30
    w = 2 * mp.pi / mp.mpf(period)
    mu1 = mp.mpf(rho1) * mp.mpf(vs1) ** 2
    mu2 = mp.mpf(rho2) * mp.mpf(vs2) ** 2
    b1, b2, hh = mp.mpf(vs1), mp.mpf(vs2), mp.mpf(h)

    def phase_arg(c):
        return w / c * hh * mp.sqrt(c * c / b1**2 - 1)

    def g(c):  # continuous form: atan of the RHS + mode·π − phase argument
        q = mp.sqrt(c * c / b1**2 - 1)
        return mp.atan(mu2 * mp.sqrt(1 - c * c / b2**2) / (mu1 * q)) + mode * mp.pi - phase_arg(c)

    eps = mp.mpf(10) ** -25
    lo, hi = b1 * (1 + eps), b2 * (1 - eps)
    if g(lo) * g(hi) > 0:
        return (float("nan"), float("nan")) if group else float("nan")
    c = mp.findroot(g, (lo, hi), solver="anderson")
    if not group:
        return float(c)

    def g2(cc, ww):
        q = mp.sqrt(cc * cc / b1**2 - 1)
        rhs = mu2 * mp.sqrt(1 - cc * cc / b2**2) / (mu1 * q)
        return mp.atan(rhs) + mode * mp.pi - ww / cc * hh * q

    dcdw = -mp.diff(lambda x: g2(c, x), w) / mp.diff(lambda x: g2(x, w), c)
    return float(c), float(c / (1 - (w / c) * dcdw))
