"""MT training augmentation: impedance noise of the documented size, exact mirrored sections.

The physical claim behind mirroring (a reflected 2-D earth has the same TE/TM impedances at the
reflected stations) is checked on the solver itself in tests/test_mt2d.py::test_mirror_symmetry.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from geoinvert.train.augment import (  # noqa: E402
    MTImpedanceNoise,
    mirror_mt_sections,
    mt_noise_sigma,
)


def test_noise_sigma_formula():
    s = mt_noise_sigma(0.025)
    # |Z|(1+ε) → Δlog10 ρa = 2 log10(1+ε) ≈ 2ε/ln10; phase error asin(ε) in degrees
    np.testing.assert_allclose(s, [0.0217147, 1.432544, 0.0217147, 1.432544], rtol=1e-5)
    assert mt_noise_sigma(0.025, n_modes=1).shape == (2,)
    with pytest.raises(ValueError, match="z_relative"):
        mt_noise_sigma(-0.1)


def test_impedance_noise_statistics():
    torch.manual_seed(0)
    x = torch.zeros(64, 4, 30, 50)
    d = MTImpedanceNoise(0.05)(x) - x
    std = d.std(dim=(0, 2, 3)).numpy()
    np.testing.assert_allclose(std, mt_noise_sigma(0.05), rtol=0.02)  # 96 000 draws/channel
    assert abs(float(d.mean())) < 0.02
    with pytest.raises(ValueError, match="2 channels per mode"):
        MTImpedanceNoise()(torch.zeros(1, 3, 4, 5))


def test_mirror_sections():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(3, 4, 5, 7)), rng.normal(size=(3, 6, 7))
    xm, ym = mirror_mt_sections(x, y)
    assert xm.shape == (6, 4, 5, 7) and ym.shape == (6, 6, 7)
    np.testing.assert_array_equal(xm[:3], x)
    np.testing.assert_array_equal(xm[4, :, :, 0], x[1, :, :, -1])
    np.testing.assert_array_equal(ym[5, :, 2], y[2, :, 4])
    with pytest.raises(ValueError, match="targets"):
        mirror_mt_sections(x, y[:2])
