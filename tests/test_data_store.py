"""The generation store: chunk visibility during rewrites, code identity, verification, progress.

All stores here use the ``crust-ps`` task (closed-form numpy forward), so nothing depends on a
compiled kernel and every test runs in about a second.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed")
pytest.importorskip("zarr")

from geoinvert.data import CrustPsTask, DatasetStore, code_fingerprint, generate
from geoinvert.data import engine as engine_mod
from geoinvert.data.store import _installed_fingerprint

N, K, SEED = 120, 40, 13  # 3 chunks of 40 rows
ARRAYS = ("inputs", "targets", "params", "status", "chunk_sha256")
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _arrays(path: Path) -> dict[str, np.ndarray]:
    root = DatasetStore(path).root
    return {k: np.asarray(root[k][:]) for k in ARRAYS}


def _assert_identical(a: dict, b: dict) -> None:
    for k in ARRAYS:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].tobytes() == b[k].tobytes(), f"{k} differs"


def _run(out: Path, **kw) -> engine_mod.GenerationSummary:
    kw = {"chunk": K, "seed": SEED, "workers": 1, "processes": False, "progress": False, **kw}
    return generate(CrustPsTask(), N, out, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("ref") / "ref.zarr"
    _run(out)
    return _arrays(out)


# ---------------------------------------------------------------------------------------------
# 1. a chunk being rewritten is never visible as complete
# ---------------------------------------------------------------------------------------------


class _TornWrites:
    """A Zarr array whose writes fail: the process 'dies' while writing this array."""

    def __init__(self, arr) -> None:
        self._arr = arr

    def __getitem__(self, key):
        return self._arr[key]

    def __setitem__(self, key, value) -> None:
        raise OSError("simulated crash while writing the chunk's rows")

    def __getattr__(self, name):
        return getattr(self._arr, name)


def test_crash_while_rewriting_a_chunk_leaves_it_missing_then_resume_regenerates(
    reference, tmp_path, monkeypatch
):
    from typer.testing import CliRunner

    from geoinvert.cli import app

    out = tmp_path / "c.zarr"
    _run(out)
    st = DatasetStore(out)
    # chunk 1 rots after completion: valid values, but no longer what its marker hashes
    st.root["params"][K : K + 3] = 0.0
    assert st.complete_chunks().all() and not st.complete_chunks(verify=True)[1]
    # the resume that regenerates chunk 1 dies after the inputs, while writing the targets
    real_array = DatasetStore.array

    def array(self, name):
        a = real_array(self, name)
        return _TornWrites(a) if name == "targets" else a

    monkeypatch.setattr(DatasetStore, "array", array)
    with pytest.raises(OSError, match="simulated crash"):
        _run(out, resume=True, retries=0)
    monkeypatch.undo()
    # the chunk really is half-rewritten: new inputs, old (rotted) params ...
    got = _arrays(out)
    rows = slice(K, 2 * K)
    assert got["inputs"][rows].tobytes() == reference["inputs"][rows].tobytes()
    assert (got["params"][K : K + 3] == 0.0).all()
    # ... and no reader sees it as complete: its marker was cleared before the first row
    assert st.marker(1) is None
    assert st.complete_chunks().tolist() == [True, False, True]
    assert not set(st.complete_rows().tolist()) & set(range(K, 2 * K))
    if HAS_TORCH:
        from geoinvert.data.torch_dataset import StoreDataset, split_indices

        usable = np.concatenate(list(split_indices(out).values()))
        assert usable.size == N - K and not ((usable >= K) & (usable < 2 * K)).any()
        ds = StoreDataset(out, "all", normalize=False)
        assert len(ds) == N - K
    # `geoinvert generate ... --resume` regenerates exactly that chunk
    args = ["generate", "crust-ps", "--n", str(N), "--out", str(out), "--chunk", str(K),
            "--seed", str(SEED), "--workers", "1", "--no-progress", "--resume"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output.strip().splitlines()[-1])
    assert (summary["chunks_generated"], summary["chunks_skipped"]) == (1, 2)
    _assert_identical(reference, _arrays(out))


# ---------------------------------------------------------------------------------------------
# 2. code identity
# ---------------------------------------------------------------------------------------------


def test_store_records_the_code_fingerprint(tmp_path):
    out = tmp_path / "s.zarr"
    _run(out, only_chunks=[0])
    st = DatasetStore(out)
    fp = st.attrs["code_sha256"]
    assert re.fullmatch(r"[0-9a-f]{64}", fp) and fp == code_fingerprint()
    assert st.attrs["version"] and st.summary()["code_sha256"] == fp


def test_fingerprint_covers_every_package_file_and_nothing_else(tmp_path):
    def package(root: Path) -> Path:
        (root / "sub").mkdir(parents=True)
        (root / "__pycache__").mkdir()
        (root / "a.py").write_text("x = 1\n")
        (root / "sub" / "ref.txt").write_text("0 1 2\n")
        (root / "_core.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF" + bytes(64))
        (root / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"cache")
        (root / ".a.py.swp").write_bytes(b"editor")
        return root

    a = package(tmp_path / "one" / "geoinvert")
    b = package(tmp_path / "two" / "geoinvert")
    fp = code_fingerprint([a])
    assert fp == code_fingerprint([b])  # same files elsewhere: same code
    (a / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"other cache")
    (a / ".a.py.swp").write_bytes(b"other editor state")
    assert code_fingerprint([a]) == fp  # caches and hidden files do not count
    for change in (
        lambda: (a / "a.py").write_text("x = 2\n"),  # a module
        lambda: (a / "sub" / "ref.txt").write_text("0 1 3\n"),  # package data
        lambda: (a / "_core.cpython-311-x86_64-linux-gnu.so").write_bytes(b"\x7fELF" + bytes(65)),
        lambda: (a / "a.py").rename(a / "b.py"),  # same bytes, another module
    ):
        change()
        new = code_fingerprint([a])
        assert new != fp
        fp = new


def test_fingerprint_is_the_same_in_a_fresh_process():
    code = "from geoinvert.data import code_fingerprint; print(code_fingerprint())"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # computed afresh here (the cached value is from the start of the session)
    assert r.stdout.strip() == _installed_fingerprint.__wrapped__()


def test_resume_with_other_code_is_refused_unless_allowed(reference, tmp_path):
    out = tmp_path / "x.zarr"
    _run(out, only_chunks=[0])
    st = DatasetStore(out)
    old = "0" * 64  # as if another build of geoinvert had written chunk 0
    st.root.attrs.update({"code_sha256": old, "version": "0.0.9"})
    here = code_fingerprint()
    with pytest.raises(ValueError, match="allow-code-change") as exc:
        _run(out, resume=True)
    assert old in str(exc.value) and here in str(exc.value) and "0.0.9" in str(exc.value)
    assert st.complete_chunks().tolist() == [True, False, False]  # nothing was written
    s = _run(out, resume=True, allow_code_change=True)
    assert (s.chunks_generated, s.chunks_skipped) == (2, 1)
    a = st.attrs
    (entry,) = a["code_changes"]
    assert entry["from_code_sha256"] == old and entry["from_version"] == "0.0.9"
    assert entry["to_code_sha256"] == here
    assert entry["chunks_complete_before"] == [[0, 1]]  # chunk 0 came from the other code
    assert a["code_sha256"] == here
    # the store now carries this code's fingerprint: resuming again needs no override
    assert _run(out, resume=True).chunks_skipped == 3
    assert len(st.attrs["code_changes"]) == 1
    assert st.summary()["code_changes"] == 1


def test_demo_regenerates_a_store_of_other_code(reference, tmp_path):
    # The demo's generation step resumes its own partial stores, but one written by other code
    # (an upgraded or edited geoinvert) is regenerated from scratch, never mixed.
    from geoinvert.data.engine import CodeChangedError
    from geoinvert.demo.common import generate_store

    out = tmp_path / "demo.zarr"
    _run(out, only_chunks=[0])
    DatasetStore(out).root.attrs.update({"code_sha256": "0" * 64})
    with pytest.raises(CodeChangedError):
        _run(out, resume=True)
    summary = generate_store(CrustPsTask(), N, out, chunk=K, seed=SEED, scheduler=None, workers=1)
    assert summary["chunks_generated"] == 3 and summary["chunks_skipped"] == 0
    _assert_identical(_arrays(out), reference)
    assert DatasetStore(out).attrs["code_sha256"] == code_fingerprint()
    assert "code_changes" not in DatasetStore(out).attrs


def test_workers_with_other_code_are_refused_unless_allowed(tmp_path, monkeypatch):
    other = "f" * 64
    monkeypatch.setattr(engine_mod, "_warm_up", lambda task: other)
    out = tmp_path / "w.zarr"
    with pytest.raises(ValueError, match=r"workers .* run code with fingerprint") as exc:
        _run(out)
    assert other in str(exc.value) and code_fingerprint() in str(exc.value)
    assert not DatasetStore(out).complete_chunks().any()
    _run(out, resume=True, allow_code_change=True)
    (entry,) = DatasetStore(out).attrs["code_changes"]
    assert set(entry["workers_code_sha256"].values()) == {other}


# ---------------------------------------------------------------------------------------------
# 4. optional verification by readers
# ---------------------------------------------------------------------------------------------


def test_readers_can_verify_and_drop_rotted_chunks(tmp_path):
    out = tmp_path / "v.zarr"
    _run(out)
    st = DatasetStore(out)
    assert st.corrupt_chunks().tolist() == [] and st.summary(verify=True)["chunks_corrupt"] == []
    st.root["inputs"][2 * K + 5] = 1.0  # chunk 2 rots after its marker was written
    s = st.summary(verify=True)
    assert s["chunks_corrupt"] == [2] and s["chunks_complete"] == 2
    assert st.summary()["chunks_complete"] == 3  # markers alone do not see it
    if not HAS_TORCH:
        pytest.skip("torch not installed: the Dataset part is not tested")
    from geoinvert.data.torch_dataset import StoreDataset, split_indices

    assert len(StoreDataset(out, "all", normalize=False)) == N
    ds = StoreDataset(out, "all", normalize=False, verify=True)
    assert ds.dropped_chunks == [2] and len(ds) == 2 * K
    assert int(ds.indices.max()) < 2 * K
    rows = np.concatenate(list(split_indices(out, verify=True).values()))
    assert rows.size == 2 * K and rows.max() < 2 * K


# ---------------------------------------------------------------------------------------------
# 5. progress on resume
# ---------------------------------------------------------------------------------------------


def test_progress_bar_starts_past_the_chunks_already_complete(tmp_path, monkeypatch):
    import tqdm.auto

    bars = []

    class Recorder(tqdm.auto.tqdm):
        def __init__(self, *args, **kwargs):
            self.updates = []
            super().__init__(*args, **kwargs)
            bars.append(self)

        def update(self, n=1):
            self.updates.append(n)
            return super().update(n)

    monkeypatch.setattr(tqdm.auto, "tqdm", Recorder)
    out = tmp_path / "p.zarr"
    n = 230  # 6 chunks of 40, the last one 30 rows
    generate(CrustPsTask(), n, out, chunk=K, seed=SEED, workers=1, only_chunks=[0, 2, 4],
             progress=False)  # fmt: skip
    generate(CrustPsTask(), n, out, chunk=K, seed=SEED, workers=2, resume=True, progress=True)
    bar = bars[-1]
    # the 120 rows found complete are the bar's starting point, not throughput: only the rows
    # generated in this run (chunks 1, 3, 5) advance it, so samples/s and the ETA are honest
    assert bar.total == n and bar.initial == 3 * K
    assert sorted(bar.updates) == [30, K, K] and bar.n == n
