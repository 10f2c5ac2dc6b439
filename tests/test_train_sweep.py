"""Table 1 model-selection driver on a tiny toy problem."""

from __future__ import annotations

import csv

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("lightning")

from geoinvert.train import sweep_table1  # noqa: E402

TRAINER = {"progress_bar": False, "accelerator": "cpu", "patience": None}
FREQS = np.linspace(0.010, 0.035, 21)


def _toy(n, lo, hi, seed):
    rng = np.random.default_rng(seed)
    h = rng.uniform(lo, hi, n)
    x = 3.5 + 0.6 * np.tanh((h[:, None] - 50) / 30) * np.exp(-FREQS * 40)
    return (x + 0.005 * rng.standard_normal((n, 21))).astype(np.float32), h.astype(np.float32)


def test_sweep_table1(tmp_path):
    torch.set_num_threads(1)
    train, test = _toy(300, 20, 100, 0), _toy(60, 20, 100, 1)
    shifted = _toy(60, 60, 100, 2)  # a different prior: thick crusts only
    rows = sweep_table1(
        train,
        test,
        shifted,
        presets=["t1_01", "t1_04"],
        epochs=1,
        addition_epochs=2,
        ensemble_size=2,
        out_dir=tmp_path,
        trainer=TRAINER,
        frequencies=FREQS,
    )
    assert [r["name"] for r in rows] == ["t1_01", "t1_04", "mlp", "mdn", "ensemble"]
    for r in rows:
        assert np.isfinite(r["rms_test_km"]) and np.isfinite(r["rms_shifted_km"])
        assert (tmp_path / f"{r['name']}.pt").is_file()
    assert 0 <= rows[3]["cover68_test"] <= 1 and 0 <= rows[4]["cover68_shifted"] <= 1
    assert rows[0]["sizes"] == [21, 50, 10, 1] and rows[0]["epochs"] == "1+1"
    with open(tmp_path / "table1.csv") as fh:
        assert len(list(csv.DictReader(fh))) == 5
    md = (tmp_path / "table1.md").read_text()
    assert sum(line.startswith("| ") for line in md.splitlines()) == 6  # header + 5 rows
    assert "t1_04" in md
    with pytest.raises(ValueError, match="presets"):
        sweep_table1(train, test, presets=["nope"], out_dir=tmp_path)
