"""Make tests/data/mt1d_wide.npz: 1-D MT impedances in 50-digit mpmath over a wide range.

Run offline (needs mpmath only; the tests do not):

    python tests/data/make_mt1d_wide.py

Exercises every branch of the vectorised kernel (cpp/mt/mt1d_avx2.cpp) and the portable one:
* 40 random models (seed 20261123): 2-12 layers, resistivity log-uniform 0.1-1e5 Ω·m,
  thickness log-uniform 1e-5-300 km, so that 2 Re(k h) spans 1e-6 to 1e4 (thin layers, every
  range-reduction interval of exp and sin/cos, and layers far beyond the 20-skin-depth restart);
* 6 deep stacks: 30-60 layers, 0.01-1e6 Ω·m, 1e-3-50 km (the power-of-two rescaling of the
  division-free recursion);
* 61 frequencies log-uniform in 1e-5-1e4 Hz in random order (not sorted, not a multiple of 4).
``Z_mp``: Wait's recursion at 50 digits (plain tanh), e^{+iωt}, Z = Ex/Hy in ohms. Models are
padded with NaN; ``n_layers`` gives the real count.
"""

from __future__ import annotations

from pathlib import Path

import mpmath as mp
import numpy as np
from make_mt1d_fixtures import z_mpmath


def main() -> None:
    mp.mp.dps = 50
    rng = np.random.default_rng(20261123)
    freq = 10 ** rng.uniform(-5, 4, 61)
    n_random, n_deep, n_max = 40, 6, 60
    n_layers = np.r_[rng.integers(2, 13, n_random), rng.integers(30, 61, n_deep)]
    rho = np.full((n_layers.size, n_max), np.nan)
    thick = np.full((n_layers.size, n_max - 1), np.nan)
    for m, n in enumerate(n_layers):
        if m < n_random:
            rho[m, :n] = 10 ** rng.uniform(-1, 5, n)
            thick[m, : n - 1] = 10 ** rng.uniform(-5, np.log10(300), n - 1)
        else:
            rho[m, :n] = 10 ** rng.uniform(-2, 6, n)
            thick[m, : n - 1] = 10 ** rng.uniform(-3, np.log10(50), n - 1)
    z_mp = np.array(
        [[z_mpmath(f, rho[m, :n], thick[m, : n - 1]) for f in freq] for m, n in enumerate(n_layers)]
    )
    out = Path(__file__).with_name("mt1d_wide.npz")
    np.savez_compressed(
        out, frequencies=freq, n_layers=n_layers, resistivity=rho, thickness=thick, Z_mp=z_mp
    )
    print(f"wrote {out}: {n_layers.size} models x {freq.size} frequencies")


if __name__ == "__main__":
    main()
