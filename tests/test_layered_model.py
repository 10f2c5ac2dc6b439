"""The layered-model type, its validation and file formats."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.earth import LayeredModel, read_csv, read_model, read_model96, stack_models

MODEL96 = """MODEL.01
test model
ISOTROPIC
KGS
FLAT EARTH
1-D
CONSTANT VELOCITY
LINE08
LINE09
LINE10
LINE11
      H(KM)   VP(KM/S)   VS(KM/S) RHO(GM/CC)     QP         QS       ETAP       ETAS      FREFP      FREFS
     10.0000     6.0000     3.5000     2.7000   0.00       0.00       0.00       0.00       1.00       1.00
     25.0000     6.6000     3.8000     2.9000   0.00       0.00       0.00       0.00       1.00       1.00
      0.0000     8.0000     4.5000     3.3000   0.00       0.00       0.00       0.00       1.00       1.00
"""


def test_read_model96(tmp_path):
    path = tmp_path / "m.mod"
    path.write_text(MODEL96)
    m = read_model96(path)
    np.testing.assert_array_equal(m.thickness, [10, 25, 0])
    np.testing.assert_array_equal(m.vs, [3.5, 3.8, 4.5])
    assert read_model(path).n_layers == 3
    np.testing.assert_array_equal(m.depth_top, [0, 10, 35])


def test_read_csv(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("thickness,vp,vs,rho\n10,6,3.5,2.7\n0,8,4.5,3.3\n")
    m = read_csv(path)
    assert m.n_layers == 2
    np.testing.assert_array_equal(m.rho, [2.7, 3.3])


def test_bad_csv_names_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("10,6,3.5,2.7\n0,8,x,3.3\n")
    with pytest.raises(ValueError, match=":2:"):
        read_csv(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("thickness", -1.0, "thickness must be non-negative"),
        ("vp", np.nan, "vp must be finite"),
        ("rho", 0.0, "rho must be positive"),
        ("vs", 5.9, "vp\\^2 must exceed 4/3 vs\\^2"),
    ],
)
def test_validation_names_argument_and_layer(field, value, message):
    arrays = {"thickness": [10.0, 0.0], "vp": [6.0, 8.0], "vs": [3.5, 4.5], "rho": [2.7, 3.3]}
    arrays[field][0] = value
    with pytest.raises(ValueError, match=message):
        LayeredModel(**{k: np.array(v) for k, v in arrays.items()})


def test_stack_models_pads_with_half_space():
    a = LayeredModel.from_arrays([10, 0], [6, 8], [3.5, 4.5], [2.7, 3.3])
    b = LayeredModel.from_arrays([5, 20, 0], [5, 6, 8], [3, 3.5, 4.6], [2.5, 2.7, 3.3])
    t, _, vs, _ = stack_models([a, b])
    assert t.shape == (2, 3)
    np.testing.assert_array_equal(t[0], [10, 0, 0])
    np.testing.assert_array_equal(vs[0], [3.5, 4.5, 4.5])
