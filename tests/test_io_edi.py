"""EDI reader on the real Paralana profile and on malformed input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geoinvert.io import profile_distance, read_edi, read_edi_profile

EDI_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "mt" / "paralana_pb_edi"
needs_edi = pytest.mark.skipif(not EDI_DIR.exists(), reason="shared Paralana EDI files not present")


@needs_edi
def test_read_paralana_profile():
    sites, distance = read_edi_profile(EDI_DIR)
    assert len(sites) == 15
    assert np.all(np.diff(distance) >= 0) and distance[0] == 0
    # An east-west line about 14 km long near 30.21 S.
    assert 12 < distance[-1] < 16
    for s in sites:
        assert s.frequencies.size == 43 and s.z.shape == (43, 2, 2)
        assert -30.3 < s.lat < -30.1 and 139.6 < s.lon < 139.9
        te, tm = s.te_tm(0.0)
        # e^{+iwt} convention: both off-diagonal phases in the first quadrant for this survey.
        assert np.median(te["phase"]) > 0 and np.median(tm["phase"]) > 0
        assert np.all(te["rho_a"] > 0) and np.all(np.isfinite(tm["rho_a_err"]))


def test_rho_a_formula_matches_field_unit_rule(tmp_path):
    # Synthetic file: a 100 ohm-m half-space has |Z_field| = sqrt(5 f rho) at 45 degrees.
    freqs = np.array([10.0, 1.0, 0.1])
    zmag = np.sqrt(5 * freqs * 100.0)
    zxy = zmag * np.exp(1j * np.pi / 4)
    lines = [">HEAD", '   DATAID="syn"', "   LAT=-30.0", "   LONG=139.0", "   ELEV=0", ""]
    lines += [">FREQ NFREQ=3 ORDER=DEC // 3", " ".join(f"{f:.6f}" for f in freqs)]
    for comp, vals in (("ZXX", 0 * zxy), ("ZXY", zxy), ("ZYX", -zxy), ("ZYY", 0 * zxy)):
        lines += [f">{comp}R // 3", " ".join(f"{v.real:.9e}" for v in vals)]
        lines += [f">{comp}I // 3", " ".join(f"{v.imag:.9e}" for v in vals)]
    lines.append(">END")
    path = tmp_path / "syn.edi"
    path.write_text("\n".join(lines) + "\n")
    site = read_edi(path)
    te, tm = site.te_tm(0.0)
    np.testing.assert_allclose(te["rho_a"], 100.0, rtol=1e-7)
    np.testing.assert_allclose(tm["phase"], 45.0, atol=1e-6)
    # Rotation by 90 degrees swaps TE and TM.
    te90, _ = site.te_tm(90.0)
    np.testing.assert_allclose(te90["rho_a"], tm["rho_a"], rtol=1e-12)


def test_missing_block_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.edi"
    path.write_text(">HEAD\n LAT=0\n LONG=0\n>FREQ // 1\n 1.0\n>ZXXR // 1\n 1.0\n>END\n")
    with pytest.raises(ValueError, match=r"missing impedance block ZXX"):
        read_edi(path)


def test_profile_distance_east_west():
    d, az = profile_distance(np.zeros(3), np.array([0.0, 0.1, 0.2]))
    np.testing.assert_allclose(d, [0, 11.12, 22.24], atol=0.01)
    assert az == pytest.approx(90.0)
