"""RFStream HDF5 reader on the real NL.OPLO receiver functions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("h5py")
from geoinvert.io import read_rf_h5

RF_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "rf" / "oplo"
needs_rf = pytest.mark.skipif(not RF_DIR.exists(), reason="shared OPLO receiver functions absent")


@needs_rf
@pytest.mark.parametrize(("name", "n"), [("rfstreams_Moho.h5", 14), ("rfstreams_Sed.h5", 11)])
def test_read_oplo(name, n):
    rf = read_rf_h5(RF_DIR / name)
    assert rf.n_traces == n and rf.station == "NL.OPLO" and rf.channel == "BHR"
    assert rf.dt == pytest.approx(0.025)
    assert rf.times[0] == pytest.approx(-10.0, abs=1e-3)
    # Teleseismic P: 30-95 degrees -> slowness 0.04-0.08 s/km.
    assert np.all((rf.slowness > 0.035) & (rf.slowness < 0.085))
    # The stacked radial RF peaks within a couple of seconds after the onset (delayed by the
    # thick sediments at OPLO, as the rfsed study reports).
    peak_time = rf.times[np.argmax(rf.data.mean(axis=0))]
    assert 0.0 <= peak_time < 3.0


def test_missing_file_is_value_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_rf_h5(tmp_path / "nope.h5")
