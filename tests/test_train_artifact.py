"""One-file model artefacts: round trip, refusal of wrong frequencies/shapes/NaN."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

import geoinvert  # noqa: E402
from geoinvert.train import fit_mdn, fit_mlp, load_model, save_model  # noqa: E402

TRAINER = {"progress_bar": False, "accelerator": "cpu", "patience": None}
FREQS = np.linspace(0.010, 0.035, 21)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    x = (3.5 + 0.1 * rng.standard_normal((200, 21))).astype(np.float32)
    h = rng.uniform(20, 100, 200).astype(np.float32)
    out = tmp_path_factory.mktemp("art")
    mlp = fit_mlp(
        (x, h),
        epochs=1,
        out_dir=out / "mlp",
        trainer=TRAINER,
        frequencies=FREQS,
        prior={"moho_km": [20, 100]},
    )
    mdn = fit_mdn((x, h), epochs=1, out_dir=out / "mdn", trainer=TRAINER, periods=1 / FREQS)
    return x, mlp, mdn, out


def test_roundtrip_identical_outputs(trained):
    x, mlp, _, out = trained
    path = save_model(out / "m.pt", mlp)
    model = load_model(path)
    pred = model.predict(x, frequencies=FREQS)
    mlp.eval()
    with torch.no_grad():
        ref = mlp.network(mlp.norm_x(torch.as_tensor(x))) * mlp.target_scale + mlp.target_shift
    np.testing.assert_array_equal(pred, ref.numpy().reshape(-1))  # bitwise: same ops, same order
    assert model.version == geoinvert.__version__
    assert model.prior == {"moho_km": [20, 100]}
    np.testing.assert_allclose(model.frequencies, FREQS)
    # a single sample (no batch axis) is accepted
    assert model.predict(x[0], frequencies=FREQS).shape == (1,)


def test_mdn_roundtrip_with_periods(trained):
    x, _, mdn, out = trained
    model = load_model(save_model(out / "mdn.pt", mdn))
    a = model.predict_distribution(x, periods=1 / FREQS)
    b = load_model(out / "mdn.pt").predict_distribution(x, frequencies=FREQS)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    assert a["quantiles"].shape == (200, 3)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({}, "frequencies: this model expects inputs at 21"),
        ({"frequencies": FREQS[:20]}, "frequencies: model expects 21 values, got 20"),
        ({"frequencies": np.r_[FREQS[:5], 0.0155, FREQS[6:]]}, r"frequencies\[5\]"),
        ({"periods": 1 / FREQS * 1.01}, r"periods\[0\]"),
        ({"frequencies": FREQS, "periods": 1 / FREQS}, "give one"),
    ],
)
def test_wrong_frequencies_refused(trained, kw, match):
    x, mlp, _, out = trained
    model = load_model(save_model(out / "m2.pt", mlp))
    with pytest.raises(ValueError, match=match):
        model.predict(x, **kw)


def test_wrong_shape_and_nan_refused(trained):
    x, mlp, _, out = trained
    model = load_model(save_model(out / "m3.pt", mlp))
    with pytest.raises(ValueError, match=r"inputs: expected shape \(n, 21\)"):
        model.predict(x[:, :20], frequencies=FREQS)
    bad = x.copy()
    bad[7, 3] = np.nan
    with pytest.raises(ValueError, match=r"inputs\[7\]"):
        model.predict(bad, frequencies=FREQS)


def test_not_an_artefact(tmp_path):
    torch.save({"weights": torch.zeros(2)}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="not a geoinvert model"):
        load_model(tmp_path / "x.pt")
    with pytest.raises(ValueError, match="no model file"):
        load_model(tmp_path / "missing.pt")
