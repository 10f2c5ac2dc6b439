"""Make tests/data/mineos_prem.csv: fundamental-mode Rayleigh and Love phase and group velocities
of our packaged isotropic PREM (``geoinvert.earth.load_reference("prem")``, no ocean) computed by
Mineos ``minos_bran`` on the sphere, at 40, 50, ..., 150 s.

How Mineos was obtained and built (nothing of it is committed here)
-------------------------------------------------------------------
Mineos 1.0 (Masters, Woodhouse & Gilbert; CIG, GPL-2), repository ``geodynamics/mineos``:
``minos_bran.f`` as stored at commit 1beba68f11ce7576bcd4e842ba8c2377d898bb84 (header "MINEOS
version 1.0"), a single self-contained Fortran 77 file, compiled with GNU Fortran 12.2::

    gfortran -O2 -std=legacy -fdec-char-conversions -o minos_bran minos_bran.f

(``-fdec-char-conversions``: its ``data ichar/' s',' t',...'/`` puts characters into integers).
Build check: the DEMO ``prem_noocean.txt`` (anisotropic PREM, tref 1 s) with eps 1e-10, wgrav
10 mHz gives 0S2 0.3092454 mHz (Q 509.7), 0S3 0.4684812 mHz, 0T2 0.3788970 mHz -- the textbook
PREM values (0S2 ~0.309 mHz, a 53.9-min period; 0T2 ~0.379 mHz) -- with Rayleigh-quotient
residuals < 1e-9. The index holds no reference output of the DEMO to compare digit by digit.

The "no gravity at all" rows (``gravity=none``) come from a second build of the same file whose
gravitational constant (``data bigg .../6.6723d-11...`` in subroutine ``model``) is divided by
1e12: Mineos works in units where pi*G*rhobar = 1, so every gravity term (background g, the 4 pi G
rho terms and the potential perturbation) shrinks by 1e-12 relative to the elastic ones -- the
physics of a flat-earth code. ``gravity=cowling`` is the stock binary with wgrav = 0 (Mineos's
"gravity neglected": the Cowling approximation, background g kept); ``gravity=full`` is wgrav =
1000 mHz (self-gravitation everywhere). Toroidal modes do not involve gravity in Mineos at all.

The Mineos model
----------------
Our table (piecewise linear in depth between its nodes, discontinuities as repeated depths),
sampled at every table node plus extra levels (<= 5 km apart above 900 km depth, <= 50 km
below) so Mineos's cubic splines (per continuous segment) follow the linear segments; 6371 km
radius; isotropic (vpv = vph = vp, vsv = vsh = vs, eta = 1); ``tref = -1`` so Mineos applies no
physical-dispersion correction (Q is only reported). Mineos is run with eps = 1e-10 for
l = 20..450, 4-40 mHz, n = 0 (spheroidal: jcom 3, toroidal: jcom 2).

Interpolation to the periods
----------------------------
Mineos gives one mode per angular order l: frequency f, phase velocity c = 2 pi f a / (l + 1/2)
(Jeans' relation, ``cvel=b*rn/(l+0.5)`` in ``rotspl``, a = 6371 km) and group velocity U from the
energy integral of the eigenfunction. Both are interpolated to the target periods with a cubic
spline in frequency through the modes (~0.1 mHz apart): a spline through every second mode
differs by <= 1.4e-7, linear interpolation by <= 1.2e-5 (printed as ``interp``). As a check of
Mineos's own U, ``a dw/d(l+1/2)`` from a spline of f(l) is printed too (``U_fd``): they agree to
<= 8e-5, the scatter of a derivative of frequencies printed to 7 digits (Mineos's U is smooth in
l to 4e-7, its f jitters by ~1e-7). Modes with a poor Rayleigh-quotient check are dropped
(``RAYLQUO_MAX``).

Run (the binaries are user-supplied; nothing is downloaded or built here)::

    MINEOS_BRAN=/path/to/minos_bran MINEOS_BRAN_G0=/path/to/minos_bran_G_over_1e12 \\
        python tests/data/make_mineos_prem_fixture.py

Without ``MINEOS_BRAN_G0`` the ``none`` rows are skipped. ``--check-toroidal`` also prints an
independent check of Mineos's toroidal frequencies (:func:`toroidal_check`, scipy).
"""

from __future__ import annotations

import csv
import itertools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy.interpolate import CubicSpline

from geoinvert.earth import load_reference

RADIUS_KM = 6371.0
PERIODS = np.arange(40.0, 151.0, 10.0)
OUT = Path(__file__).with_name("mineos_prem.csv")
EPS, LMIN, LMAX, WMIN, WMAX = 1e-10, 20, 450, 4.0, 40.0
_ROW = re.compile(r"^\s*(\d+)\s+([stc])\s+(\d+)" + r"\s+(\S+)" * 6)
#: Modes whose Rayleigh-quotient check (last column: (w - w_rayleigh) / w) is worse than this are
#: dropped: the G/1e12 build has eigenfunction trouble (|.| up to 4) at l <= 48 (T > 180 s).
RAYLQUO_MAX = 1e-6


def _levels() -> list[tuple[float, float, float, float]]:
    """(depth km, vp, vs, rho) levels from the surface down, discontinuities repeated."""
    tab = load_reference("prem")
    d = tab.depth
    breaks = np.flatnonzero(np.diff(d) == 0) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, d.size]
    rows: list[tuple[float, float, float, float]] = []
    for s, e in zip(starts, ends, strict=True):
        z = d[s:e]
        pts = [float(z[0])]
        for a, b in itertools.pairwise(z):
            step = 5.0 if a < 900.0 else 50.0
            n = max(1, int(np.ceil((b - a) / step - 1e-9)))
            const = all(c[s:e][z == a][0] == c[s:e][z == b][0] for c in (tab.vp, tab.vs, tab.rho))
            n = 1 if const else n
            pts += list(np.linspace(a, b, n + 1)[1:])
        for zz in pts:
            rows.append(
                (
                    zz,
                    float(np.interp(zz, z, tab.vp[s:e])),
                    float(np.interp(zz, z, tab.vs[s:e])),
                    float(np.interp(zz, z, tab.rho[s:e])),
                )
            )
    return rows


def write_model(path: Path) -> int:
    """Write the Mineos card-deck model (radius increasing); return the number of levels."""
    rows = _levels()[::-1]  # centre first
    n = len(rows)
    if n > 350:
        raise SystemExit(f"{n} levels: minos_bran allows at most 350 (parameter mk)")
    fluid = [vs == 0.0 for _, _, vs, _ in rows]
    noc = max(i for i, f in enumerate(fluid) if f) + 1  # 1-based, fluid side of the CMB
    nic = min(i for i, f in enumerate(fluid) if f)  # 1-based, solid side of the ICB
    lines = [
        "geoinvert PREM isotropic no ocean (tests/data/make_mineos_prem_fixture.py)",
        "   0   -1.0   1",
        f"{n:6d} {nic:4d} {noc:4d}",
    ]
    for z, vp, vs, rho in rows:
        r = (RADIUS_KM - z) * 1000.0
        qmu = 0.0 if vs == 0.0 else 600.0
        lines.append(
            f"{r:12.3f} {rho * 1000:10.4f} {vp * 1000:10.4f} {vs * 1000:10.4f} "
            f"{57823.0:9.1f} {qmu:7.1f} {vp * 1000:10.4f} {vs * 1000:10.4f} {1.0:8.5f}"
        )
    path.write_text("\n".join(lines) + "\n")
    return n


def run_mineos(binary: str, model: Path, jcom: int, wgrav: float, work: Path) -> np.ndarray:
    """Run minos_bran; return rows (l, f mHz, c km/s, U km/s) of the n = 0 branch.

    Only the longest run of consecutive l with a good Rayleigh quotient is kept.
    """
    out, eig = work / f"out_{jcom}_{wgrav:g}", work / f"eig_{jcom}_{wgrav:g}"
    stdin = f"{model}\n{out}\n{eig}\n{EPS:g} {wgrav:g}\n{jcom}\n{LMIN} {LMAX} {WMIN} {WMAX} 0 0\n"
    subprocess.run([binary], input=stdin, text=True, check=True, capture_output=True, cwd=work)
    rows = []
    for line in out.read_text().splitlines():
        m = _ROW.match(line)
        if m and int(m.group(1)) == 0 and abs(float(m.group(9))) <= RAYLQUO_MAX:
            ell, c, f, u = int(m.group(3)), float(m.group(4)), float(m.group(5)), float(m.group(7))
            rows.append((ell, f, c, u))
    a = np.array(sorted(rows))
    if a.size == 0:
        raise SystemExit(f"{binary} jcom={jcom}: no good n = 0 modes in {out}")
    runs = np.split(a, np.flatnonzero(np.diff(a[:, 0]) != 1) + 1)
    return max(runs, key=len)


def interpolate(modes: np.ndarray) -> dict[str, np.ndarray]:
    ell, f, c, u = modes.T
    fq = 1000.0 / PERIODS
    if fq.min() < f.min() or fq.max() > f.max():
        raise SystemExit("the modes do not cover the periods")
    cs_c, cs_u = CubicSpline(f, c), CubicSpline(f, u)
    c_lin, u_lin = np.interp(fq, f, c), np.interp(fq, f, u)
    nu = ell + 0.5
    fl = CubicSpline(nu, f * 2e-3 * np.pi)  # omega (rad/s) vs l + 1/2
    nu_q = CubicSpline(f, nu)(fq)
    u_fd = RADIUS_KM * fl(nu_q, 1)
    return {
        "c": cs_c(fq),
        "U": cs_u(fq),
        "interp": np.maximum(np.abs(c_lin / cs_c(fq) - 1), np.abs(u_lin / cs_u(fq) - 1)),
        "U_fd": u_fd,
    }


def toroidal_check(modes: np.ndarray, orders: tuple[int, ...] = (62, 100, 170, 260)) -> None:
    """Independent check of Mineos's toroidal frequencies (our code, not Mineos's).

    Integrates the non-gravitating toroidal equations dW/dr = W/r + T/mu,
    dT/dr = ((l-1)(l+2) mu / r^2 - rho w^2) W - 3 T / r (scipy DOP853, rtol 1e-11) upward from
    1800 km depth on the linear-in-depth table, W and T continuous across discontinuities, and
    finds the w with T(a) = 0 next to Mineos's frequency.
    """
    from scipy.integrate import solve_ivp
    from scipy.optimize import brentq

    tab = load_reference("prem")
    d = tab.depth
    breaks = np.flatnonzero(np.diff(d) == 0) + 1
    segs = [
        (d[s:e], tab.vs[s:e], tab.rho[s:e])
        for s, e in zip(np.r_[0, breaks], np.r_[breaks, d.size], strict=True)
        if d[s] < 1800.0
    ][::-1]

    def traction(w: float, ell: int) -> float:
        lm = (ell - 1) * (ell + 2)
        y = None
        for z, vs, rho in segs:
            top, bot = float(z[0]), min(float(z[-1]), 1800.0)

            def rhs(r: float, yy: np.ndarray, z=z, vs=vs, rho=rho) -> list[float]:
                b, p = np.interp(RADIUS_KM - r, z, vs), np.interp(RADIUS_KM - r, z, rho)
                mu = p * b * b
                return [
                    yy[0] / r + yy[1] / mu,
                    (lm * mu / r**2 - p * w * w) * yy[0] - 3 * yy[1] / r,
                ]

            if y is None:  # evanescent start: the growing solution takes over upward
                b, p, r = float(vs[-1]), float(rho[-1]), RADIUS_KM - bot
                q = np.sqrt(max((lm + 2) / r**2 - w * w / b**2, 1e-12))
                y = np.array([1.0, p * b * b * (q - 1 / r)])
            sol = solve_ivp(
                rhs,
                (RADIUS_KM - bot, RADIUS_KM - top),
                y,
                method="DOP853",
                rtol=1e-11,
                atol=1e-14 * np.abs(y).max(),
            )
            y = sol.y[:, -1] / abs(sol.y[0, -1])
        return float(y[1])

    by_l = {int(ell): f for ell, f, _, _ in modes}
    for ell in orders:
        w0 = 2e-3 * np.pi * by_l[ell]
        w = brentq(traction, w0 * (1 - 3e-3), w0 * (1 + 3e-3), args=(ell,), xtol=1e-14)
        print(
            f"  toroidal ODE check l={ell} ({2 * np.pi / w:.1f} s): f/f_Mineos - 1 = {w / w0 - 1:+.1e}"
        )


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    binary = os.environ.get("MINEOS_BRAN") or (args[0] if args else "")
    if not binary:
        raise SystemExit("give the minos_bran binary: MINEOS_BRAN=/path/to/minos_bran")
    runs = [
        (wave, jcom, grav, binary, wgrav)
        for wave, jcom in (("rayleigh", 3), ("love", 2))
        for grav, wgrav in (("cowling", 0.0), ("full", 1000.0))
    ]
    g0 = os.environ.get("MINEOS_BRAN_G0")
    if g0:
        runs += [("rayleigh", 3, "none", g0, 0.0), ("love", 2, "none", g0, 0.0)]
    out_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model = work / "prem_geoinvert.txt"
        print(f"Mineos model: {write_model(model)} levels")
        for wave, jcom, grav, exe, wgrav in runs:
            modes = run_mineos(exe, model, jcom, wgrav, work)
            res = interpolate(modes)
            gap = np.abs(res["U_fd"] / res["U"] - 1).max()
            print(f"{wave:8s} {grav:8s} interp<= {res['interp'].max():.1e}  |U_fd/U-1|<= {gap:.1e}")
            if wave == "love" and grav == "full" and "--check-toroidal" in sys.argv:
                toroidal_check(modes)
            for t, c, u in zip(PERIODS, res["c"], res["U"], strict=True):
                out_rows.append((f"{t:.0f}", wave, grav, f"{c:.7f}", f"{u:.7f}"))
    with OUT.open("w", newline="") as fh:
        fh.write("# Mineos minos_bran (1.0, geodynamics/mineos@1beba68) fundamental modes of\n")
        fh.write("# geoinvert's isotropic PREM (no ocean), a = 6371 km, no attenuation.\n")
        fh.write("# Made by tests/data/make_mineos_prem_fixture.py; velocities in km/s.\n")
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["period_s", "wave", "gravity", "phase_kms", "group_kms"])
        w.writerows(out_rows)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
