"""CRUST1.0 reader and the bundled demo region."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geoinvert.earth import crust1

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "crust1.0"


def test_bundled_region_shape_and_range():
    region = crust1.load_region()
    assert region.n_cells == 13 * 12
    assert region.lon.min() == 97.5 and region.lat.max() == 35.5
    # The shared README: crustal thickness spans roughly 28-77 km in this box.
    assert 25 < region.crustal_thickness.min() < region.crustal_thickness.max() < 80


def test_column_is_a_valid_model_with_moho_at_crust1_depth():
    region = crust1.load_region()
    for i in (0, 77, 155):
        model = region.column(i)
        moho = model.depth_top[-1]
        # Depths are measured from the top of the solid surface (elevation of the ice layer top).
        assert moho == pytest.approx(region.crustal_thickness[i], abs=1e-9)
        assert model.vs[-1] == region.vs[i, 8]


@pytest.mark.skipif(not SHARED.exists(), reason="shared CRUST1.0 files not present")
def test_bundled_region_equals_extraction_from_global_files(tmp_path):
    region = crust1.extract_region(crust1.read_crust1(SHARED), (97, 110), (24, 36))
    crust1.write_region(region, tmp_path / "r.csv")
    bundled = crust1.load_region()
    np.testing.assert_array_equal(region.lon, bundled.lon)
    np.testing.assert_allclose(region.top, bundled.top, atol=0)
    np.testing.assert_allclose(region.vs, bundled.vs, atol=0)
