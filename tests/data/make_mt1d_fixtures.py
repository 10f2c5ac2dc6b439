"""Make tests/data/mt1d_reference.npz: 1-D MT impedances from mpmath and SimPEG.

Run offline (needs mpmath and simpeg; neither is needed by the tests):

    python tests/data/make_mt1d_fixtures.py

* 60 random layered models (seed 20261122): 2-6 layers, resistivity log-uniform in 5-5000 Ω·m,
  thickness log-uniform in 0.01-20 km; 60 frequencies log-spaced in 1e-4..1e3 Hz.
* ``Z_mp``: Wait's recursion in 50-digit arithmetic with mpmath (plain tanh, which cannot
  overflow at 50 digits of working precision), e^{+iωt}, Z = Ex/Hy in ohms.
* ``Z_simpeg``: SimPEG's ``Simulation1DRecursive._get_recursive_impedances`` (z up, so its Z is
  minus ours; the sign is flipped here).
Models are padded to 6 layers with NaN; ``n_layers`` gives the real count.
"""

from __future__ import annotations

from pathlib import Path

import mpmath as mp
import numpy as np

MU0 = mp.mpf(4) * mp.pi * mp.mpf("1e-7")


def z_mpmath(freq: float, rho: np.ndarray, thick_km: np.ndarray) -> complex:
    """Wait's recursion in high precision, top layer first, thickness in km."""
    omega = 2 * mp.pi * mp.mpf(freq)
    iwm = mp.mpc(0, 1) * omega * MU0
    z = mp.sqrt(iwm * mp.mpf(rho[-1]))
    for j in range(len(rho) - 2, -1, -1):
        r = mp.mpf(rho[j])
        zeta = mp.sqrt(iwm * r)
        k = zeta / r
        t = mp.tanh(k * mp.mpf(thick_km[j]) * 1000)
        z = zeta * (z + zeta * t) / (zeta + z * t)
    return complex(z)


def main() -> None:
    mp.mp.dps = 50
    rng = np.random.default_rng(20261122)
    n_models, n_max = 60, 6
    freq = np.logspace(-4, 3, 60)
    n_layers = rng.integers(2, n_max + 1, n_models)
    rho = np.full((n_models, n_max), np.nan)
    thick = np.full((n_models, n_max - 1), np.nan)
    z_mp = np.zeros((n_models, freq.size), complex)
    z_sp = np.zeros_like(z_mp)
    from simpeg.electromagnetics.natural_source import Simulation1DRecursive

    sim = Simulation1DRecursive.__new__(Simulation1DRecursive)
    for m in range(n_models):
        n = int(n_layers[m])
        r = 10 ** rng.uniform(np.log10(5), np.log10(5000), n)
        h = 10 ** rng.uniform(-2, np.log10(20), n - 1)
        rho[m, :n], thick[m, : n - 1] = r, h
        z_mp[m] = [z_mpmath(f, r, h) for f in freq]
        z_sp[m] = -sim._get_recursive_impedances(freq, (h * 1000)[::-1], (1 / r)[::-1])
    out = Path(__file__).with_name("mt1d_reference.npz")
    np.savez_compressed(
        out,
        frequencies=freq,
        n_layers=n_layers,
        resistivity=rho,
        thickness=thick,
        Z_mp=z_mp,
        Z_simpeg=z_sp,
    )
    rel = np.abs(z_sp - z_mp) / np.abs(z_mp)
    print(f"wrote {out}; SimPEG vs mpmath max rel error {rel.max():.2e}")


if __name__ == "__main__":
    main()
