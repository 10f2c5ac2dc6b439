"""Make tests/data/mt1d_extreme.npz: 1-D MT impedances of extreme 3-layer earths in mpmath.

Run offline (needs mpmath only; the tests do not):

    python tests/data/make_mt1d_extreme.py

Every combination of resistivities {1e-300, 1e-8, 1, 1e8, 1e150, 1e300} Ω·m for three layers
and thicknesses {0, 1e-12, 1, 1e6} km for the two upper ones (3456 models), at 1e-12, 1e-6, 1,
1e6 and 1e12 Hz: neighbouring layers with resistivity ratios up to 1e600, layers from zero to
~1e15 skin depths thick. ``Z_mp``: Wait's recursion at 60 digits (plain tanh), e^{+iωt},
Z = Ex/Hy in ohms; every value is finite and non-zero in double precision.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import mpmath as mp
import numpy as np
from make_mt1d_fixtures import z_mpmath


def main() -> None:
    mp.mp.dps = 60
    freq = np.array([1e-12, 1e-6, 1.0, 1e6, 1e12])
    rho = np.array(list(itertools.product([1e-300, 1e-8, 1.0, 1e8, 1e150, 1e300], repeat=3)))
    thick = np.array(list(itertools.product([0.0, 1e-12, 1.0, 1e6], repeat=2)))
    rho = np.repeat(rho, len(thick), axis=0)
    thick = np.tile(thick, (len(rho) // len(thick), 1))
    z_mp = np.array(
        [[complex(z_mpmath(f, r, h)) for f in freq] for r, h in zip(rho, thick, strict=True)]
    )
    assert np.isfinite(z_mp).all() and (np.abs(z_mp) > 0).all()
    out = Path(__file__).with_name("mt1d_extreme.npz")
    np.savez_compressed(out, frequencies=freq, resistivity=rho, thickness=thick, Z_mp=z_mp)
    print(f"wrote {out}: {len(rho)} models x {freq.size} frequencies")


if __name__ == "__main__":
    main()
