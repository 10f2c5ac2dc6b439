"""Make tests/data/prem_mantle.npz: isotropic PREM between the Moho and 771 km from the shared
reference table (/work/shared/data/earth_models/prem.txt, evaluated independently of our code
from the Dziewonski & Anderson 1981 polynomials, printed to 5 decimals).

At a repeated depth (a discontinuity) the table lists the value above, then below; we keep the
value below, which is what ``geoinvert.earth.priors.prem_isotropic`` returns.

Run: python tests/data/make_prem_mantle.py
"""

from pathlib import Path

import numpy as np

tab = np.loadtxt("/work/shared/data/earth_models/prem.txt")
d = tab[:, 0]
keep = (d >= 24.4) & (d <= 771.0) & np.r_[d[1:] != d[:-1], True]
np.savez(
    Path(__file__).with_name("prem_mantle.npz"),
    depth=d[keep],
    vp=tab[keep, 1],
    vs=tab[keep, 2],
    rho=tab[keep, 3],
)
