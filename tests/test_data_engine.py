"""The generation engine: determinism, resume, corruption, failures, existing cluster.

These tests use the ``crust-ps`` task (Moho Ps delay times, a real closed-form forward in numpy)
so they run without any compiled kernel; the dispersion task is tested where the kernel exists.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed")
pytest.importorskip("zarr")

from geoinvert.data import (
    CrustPsTask,
    DatasetStore,
    chunk_seed,
    generate,
    make_task,
)
from geoinvert.data.tasks import STATUS_FORWARD_ERROR, STATUS_NONFINITE

N, K, SEED = 230, 40, 7  # 6 chunks, the last one partial (30 rows)
ARRAYS = ("inputs", "targets", "params", "status", "chunk_sha256")


def _arrays(path: Path) -> dict[str, np.ndarray]:
    root = DatasetStore(path).root
    return {k: np.asarray(root[k][:]) for k in ARRAYS}


def _assert_identical(a: dict, b: dict) -> None:
    for k in ARRAYS:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].tobytes() == b[k].tobytes(), f"{k} differs"


@pytest.fixture(autouse=True)
def _fresh_code_fingerprint():
    """Recompute this process's code fingerprint for every test (8 ms). Several tests compare it
    with that of processes they start (a driver, cluster workers); in an editable install the
    package files may be edited while the suite runs, and the fingerprint cached at the start
    of the session would then differ from theirs."""
    from geoinvert.data.store import _installed_fingerprint

    _installed_fingerprint.cache_clear()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, np.ndarray]:
    """An uninterrupted run: 1 worker thread, in process."""
    out = tmp_path_factory.mktemp("ref") / "ref.zarr"
    s = generate(
        CrustPsTask(), N, out, chunk=K, seed=SEED, workers=1, processes=False, progress=False
    )
    assert s.chunks_generated == 6 and s.failures == 0
    return _arrays(out)


def test_chunk_seed_is_spawn():
    kids = np.random.SeedSequence(SEED).spawn(6)
    for i in range(6):
        a = np.random.default_rng(chunk_seed(SEED, i)).random(4)
        b = np.random.default_rng(kids[i]).random(4)
        assert np.array_equal(a, b)


def test_store_layout(reference, tmp_path):
    out = tmp_path / "s.zarr"
    generate(CrustPsTask(), N, out, chunk=K, seed=SEED, workers=1, processes=False, progress=False)
    st = DatasetStore(out)
    a = st.attrs
    for key in ("config", "prior", "seed", "version", "task", "param_names", "input_names"):
        assert key in a, key
    assert a["task"] == "crust-ps" and a["seed"] == SEED and a["n_chunks"] == 6
    root = st.root
    assert root["inputs"].shape == (N, 9) and root["inputs"].dtype == np.float32
    assert root["targets"].shape == (N, 1) and root["targets"].dtype == np.float32
    assert root["params"].shape == (N, len(a["param_names"]))
    assert root["params"].dtype == np.float64 and root["status"].dtype == np.int8
    assert root["inputs"].chunks == (K, 9)
    # the label is the first prior parameter (Moho depth) and lies in the prior range
    t = reference["targets"][:, 0]
    assert np.array_equal(t, reference["params"][:, 0].astype(np.float32))
    assert t.min() >= 20 and t.max() <= 100
    # physics sanity: Ps delay grows with Moho depth (~ H / 8 km/s)
    ps = reference["inputs"][:, 0]
    assert np.corrcoef(ps, t)[0, 1] > 0.8
    assert st.complete_chunks(verify=True).all()


@pytest.mark.parametrize(
    ("workers", "processes"), [(2, False), (3, False), (2, True)], ids=["2thr", "3thr", "2proc"]
)
def test_deterministic_across_workers(reference, tmp_path, workers, processes):
    out = tmp_path / "w.zarr"
    generate(
        CrustPsTask(),
        N,
        out,
        chunk=K,
        seed=SEED,
        workers=workers,
        processes=processes,
        threads=2,
        progress=False,
    )
    _assert_identical(reference, _arrays(out))


@pytest.mark.skipif(
    not hasattr(__import__("geoinvert"), "dispersion"),
    reason="geoinvert.dispersion is not in this build",
)
def test_dispersion_kernel_store_is_the_same_on_1_and_2_worker_threads(tmp_path):
    """The real crust task (compiled dispersion kernel, phase + group, flattening) through the
    engine: 1 worker x 1 kernel thread and 2 worker threads x 2 kernel threads give the same
    store, and the store's attributes describe its frequency axis."""
    from geoinvert.data.tasks import CRUST_FREQUENCIES

    n, k = 24, 8
    one, two = tmp_path / "one.zarr", tmp_path / "two.zarr"
    task = make_task("crust")
    s1 = generate(task, n, one, chunk=k, seed=5, workers=1, threads=1, progress=False)
    s2 = generate(task, n, two, chunk=k, seed=5, workers=2, threads=2, processes=False,
                  progress=False)  # fmt: skip
    assert s1.failures == 0 and s2.failures == 0 and s2.chunks_generated == 3
    a, b = _arrays(one), _arrays(two)
    _assert_identical(a, b)
    assert a["inputs"].shape == (n, 42) and np.isfinite(a["inputs"]).all()
    attrs = DatasetStore(one).attrs
    freqs = [float(f) for f in CRUST_FREQUENCIES]  # 10-35 mHz in 1.25 mHz steps
    # JSON round-trips floats exactly, so the axis values are compared exactly
    assert attrs["frequencies"] == freqs and attrs["group_frequencies"] == freqs
    assert attrs["periods"] == [1.0 / f for f in freqs]
    assert attrs["periods"][0] == pytest.approx(100.0, rel=1e-12)
    assert attrs["input_names"][0] == "phase_10mHz" and attrs["input_names"][21] == "group_10mHz"
    assert attrs["input_names"][-1] == "group_35mHz" and attrs["input_units"] == "km/s"
    assert attrs["target_names"] == ["moho_depth"] and attrs["task"] == "crust"
    assert attrs["config"] == {"wave": "rayleigh", "mode": 0, "spherical": True}


def test_different_seed_differs(reference, tmp_path):
    out = tmp_path / "s2.zarr"
    generate(
        CrustPsTask(), N, out, chunk=K, seed=SEED + 1, workers=1, processes=False, progress=False
    )
    assert not np.array_equal(_arrays(out)["params"], reference["params"])


def test_resume_after_partial_run_equals_uninterrupted(reference, tmp_path):
    out = tmp_path / "r.zarr"
    s1 = generate(
        CrustPsTask(),
        N,
        out,
        chunk=K,
        seed=SEED,
        workers=1,
        processes=False,
        only_chunks=[4, 1, 2],
        progress=False,
    )
    assert s1.chunks_generated == 3
    st = DatasetStore(out)
    assert st.complete_chunks().tolist() == [False, True, True, False, True, False]
    assert set(np.flatnonzero(np.asarray(st.root["status"][:]) < 0) // K) == {0, 3, 5}
    s2 = generate(
        CrustPsTask(),
        N,
        out,
        chunk=K,
        seed=SEED,
        workers=2,
        processes=False,
        resume=True,
        progress=False,
    )
    assert (s2.chunks_generated, s2.chunks_skipped) == (3, 3)
    _assert_identical(reference, _arrays(out))


def test_resume_refuses_a_different_job(tmp_path):
    out = tmp_path / "x.zarr"
    generate(
        CrustPsTask(),
        N,
        out,
        chunk=K,
        seed=SEED,
        workers=1,
        processes=False,
        only_chunks=[0],
        progress=False,
    )
    with pytest.raises(ValueError, match="seed"):
        generate(
            CrustPsTask(),
            N,
            out,
            chunk=K,
            seed=SEED + 1,
            workers=1,
            processes=False,
            resume=True,
            progress=False,
        )
    with pytest.raises(ValueError, match="task_config"):
        generate(
            CrustPsTask(slowness=(0.05,)),
            N,
            out,
            chunk=K,
            seed=SEED,
            workers=1,
            processes=False,
            resume=True,
            progress=False,
        )
    with pytest.raises(FileExistsError):
        generate(
            CrustPsTask(), N, out, chunk=K, seed=SEED, workers=1, processes=False, progress=False
        )


def _chunk_files(path: Path, name: str, index: int) -> list[Path]:
    files = [f for f in (path / name / "c").rglob("*") if f.is_file()]
    return [f for f in files if f.relative_to(path / name / "c").parts[0] == str(index)]


def test_corrupted_and_partial_chunks_are_regenerated(reference, tmp_path):
    out = tmp_path / "c.zarr"
    generate(CrustPsTask(), N, out, chunk=K, seed=SEED, workers=1, processes=False, progress=False)
    st = DatasetStore(out)
    # chunk 1: bytes of the compressed inputs chunk damaged (torn / bit-rotted file)
    (f,) = _chunk_files(out, "inputs", 1)
    raw = bytearray(f.read_bytes())
    f.write_bytes(bytes(raw[: len(raw) // 2]))
    # chunk 2: data rewritten with valid but different values (marker no longer matches)
    root = st.root
    root["params"][2 * K : 2 * K + 3] = 0.0
    # chunk 3: data present but the done marker never written (killed between the two writes)
    root["chunk_sha256"][3] = np.zeros(32, dtype=np.uint8)
    # chunk 4: the marker file itself torn
    (m,) = _chunk_files(out, "chunk_sha256", 4)
    m.write_bytes(m.read_bytes()[:3])
    ok = st.complete_chunks(verify=True)
    assert ok.tolist() == [True, False, False, False, False, True]
    s = generate(
        CrustPsTask(),
        N,
        out,
        chunk=K,
        seed=SEED,
        workers=1,
        processes=False,
        resume=True,
        progress=False,
    )
    assert (s.chunks_generated, s.chunks_skipped) == (4, 2)
    _assert_identical(reference, _arrays(out))


@dataclass
class _RejectedModelTask(CrustPsTask):
    """The crust-ps task with a physically invalid model (negative Vs) injected at sample 5 of
    every chunk: the forward's own validation rejects it."""

    def sample(self, rng, n):
        batch = super().sample(rng, n)
        if n > 5:
            batch["vs"] = batch["vs"].copy()
            batch["vs"][5, 0] = -1.0
        return batch


def test_failing_forward_is_counted_not_dropped(reference, tmp_path):
    out = tmp_path / "f.zarr"
    s = generate(
        _RejectedModelTask(), N, out, chunk=K, seed=SEED, workers=2, processes=False, progress=False
    )
    got = _arrays(out)
    bad = np.zeros(N, bool)
    bad[[i * K + 5 for i in range(6)]] = True
    assert s.failures == 6
    assert np.array_equal(got["status"] == STATUS_FORWARD_ERROR, bad)
    assert np.isnan(got["inputs"][bad]).all() and np.isnan(got["targets"][bad]).all()
    # every other row is exactly the clean run's row: nothing shifted
    for k in ("inputs", "targets"):
        assert got[k][~bad].tobytes() == reference[k][~bad].tobytes()
    assert got["params"].tobytes() == reference["params"].tobytes()


def test_evanescent_slowness_is_status_nonfinite(tmp_path):
    # 0.2 s/km is beyond the critical slowness 1/Vp of any crustal layer with Vp > 5 km/s: no
    # transmitted P, hence no Ps arrival, exists for those models
    out = tmp_path / "e.zarr"
    s = generate(
        CrustPsTask(slowness=(0.2,)),
        200,
        out,
        chunk=50,
        seed=1,
        workers=1,
        processes=False,
        progress=False,
    )
    root = DatasetStore(out).root
    status = np.asarray(root["status"][:])
    params = np.asarray(root["params"][:])
    k = 3
    used = np.arange(k)[None, :] < params[:, 1:2]
    vp = params[:, 2 + k : 2 + 2 * k] * params[:, 2 + 2 * k : 2 + 3 * k]
    expect = np.where(used, vp, 0).max(axis=1) >= 1 / 0.2
    assert 0 < expect.sum() < 200
    assert np.array_equal(status == STATUS_NONFINITE, expect)
    assert s.failures == int(expect.sum())
    assert np.isfinite(np.asarray(root["inputs"][:])[~expect]).all()


def test_make_task_errors():
    with pytest.raises(ValueError, match="task must be one of"):
        make_task("nope")
    mt = make_task("mt")
    try:
        import geoinvert.mt as gmt

        has = hasattr(gmt, "Forward2D")
    except ImportError:
        has = False
    if not has:
        with pytest.raises(RuntimeError, match="Forward2D"):
            mt.check_available()


# ---------------------------------------------------------------------------------------------
# real processes: SIGKILL of the driver, and an existing cluster
# ---------------------------------------------------------------------------------------------

_DRIVER = textwrap.dedent(
    """
    import sys, time
    from geoinvert.data import CrustPsTask, generate

    class Slow(CrustPsTask):  # the real task, slowed so the run can be killed mid-way
        def simulate(self, rng, n, n_threads=1):
            time.sleep(0.25)
            return super().simulate(rng, n, n_threads)

    generate(Slow(), int(sys.argv[2]), sys.argv[1], chunk=int(sys.argv[3]),
             seed=int(sys.argv[4]), workers=1, processes=False, progress=False)
    """
)


def test_sigkill_driver_then_resume(reference, tmp_path):
    out = tmp_path / "k.zarr"
    script = tmp_path / "driver.py"
    script.write_text(_DRIVER)
    n, k = N, 10  # 23 chunks of 0.25 s
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(n), str(k), str(SEED)])
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            if (out / "zarr.json").exists():
                try:
                    if DatasetStore(out).complete_chunks().sum() >= 3:
                        break
                except Exception:
                    pass
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done = DatasetStore(out).complete_chunks()
    assert 3 <= done.sum() < done.size, "the kill should land mid-run"
    s = generate(
        CrustPsTask(),
        n,
        out,
        chunk=k,
        seed=SEED,
        workers=2,
        processes=False,
        resume=True,
        progress=False,
    )
    assert s.chunks_skipped >= 3 and s.chunks_generated + s.chunks_skipped == done.size
    # chunk size 10 differs from the reference's 40, so compare with a fresh uninterrupted run
    ref = tmp_path / "k_ref.zarr"
    generate(CrustPsTask(), n, ref, chunk=k, seed=SEED, workers=1, processes=False, progress=False)
    _assert_identical(_arrays(ref), _arrays(out))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def external_cluster():
    """A real Dask cluster on loopback: `dask scheduler` + `dask worker --nworkers 2`."""
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    sched = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dask",
            "worker",
            addr,
            "--nworkers",
            "2",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from dask.distributed import Client

        with Client(addr, timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
        yield addr
    finally:
        # a graceful shutdown through the scheduler stops both at once; a bare SIGTERM makes
        # the worker nanny wait ~5 s before it exits
        try:
            with Client(addr, timeout=10) as c:
                c.shutdown()
        except Exception:  # already gone, or unreachable: the signals below still apply
            pass
        for p in (worker, sched):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.terminate()
        for p in (worker, sched):
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_existing_cluster_over_tcp(reference, tmp_path, external_cluster):
    out = tmp_path / "tcp.zarr"
    s = generate(
        CrustPsTask(), N, out, chunk=K, seed=SEED, scheduler=external_cluster, progress=False
    )
    assert s.chunks_generated == 6
    _assert_identical(reference, _arrays(out))


def test_cli_generate_on_existing_scheduler(reference, tmp_path, external_cluster):
    """`geoinvert generate --scheduler tcp://...` runs the job on the external cluster."""
    from typer.testing import CliRunner

    from geoinvert.cli import app

    out = tmp_path / "cli_tcp.zarr"
    args = ["generate", "crust-ps", "--n", str(N), "--out", str(out), "--chunk", str(K),
            "--seed", str(SEED), "--scheduler", external_cluster, "--no-progress"]  # fmt: skip
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output.strip().splitlines()[-1])["chunks_generated"] == 6
    _assert_identical(reference, _arrays(out))


def test_sigkill_of_a_worker_mid_run(tmp_path, external_cluster):
    """A worker process SIGKILLed mid-run: the nanny restarts it, its chunks are recomputed and
    the store equals an uninterrupted run's."""
    import threading

    from dask.distributed import Client

    from geoinvert.data import RFTask

    n, k = 600, 20  # 30 chunks of real receiver functions (~0.6 ms CPU each)
    ref = tmp_path / "ref.zarr"
    generate(RFTask(), n, ref, chunk=k, seed=1, workers=1, processes=False, progress=False)
    with Client(external_cluster, timeout=60) as c:
        c.wait_for_workers(2, timeout=60)
        pid = next(iter(c.run(os.getpid).values()))
    out = tmp_path / "w.zarr"
    killed = []

    def killer() -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if DatasetStore(out).complete_chunks().sum() >= 3:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                    return
            except Exception:
                pass
            time.sleep(0.02)

    th = threading.Thread(target=killer)
    th.start()
    s = generate(RFTask(), n, out, chunk=k, seed=1, scheduler=external_cluster, progress=False)
    th.join()
    assert killed, "the worker was not killed"
    assert s.chunks_generated == 30
    assert DatasetStore(out).complete_chunks(verify=True).all()
    _assert_identical(_arrays(ref), _arrays(out))


@dataclass
class _FlakyOnceTask(CrustPsTask):
    """Chunk 2's first attempt dies with an I/O error (a lost file system, say); the flag file
    makes the second attempt succeed. Exercises Dask's task retries."""

    flag: str = ""

    def simulate(self, rng, n, n_threads=1):
        flag = Path(self.flag)
        if n == K and not flag.exists() and rng.bit_generator.seed_seq.spawn_key == (2,):
            flag.write_text("failed once")
            raise OSError("transient failure of chunk 2")
        return super().simulate(rng, n, n_threads)


def test_failed_task_is_retried(reference, tmp_path):
    out = tmp_path / "retry.zarr"
    task = _FlakyOnceTask(flag=str(tmp_path / "flag"))
    s = generate(task, N, out, chunk=K, seed=SEED, workers=2, processes=False, progress=False)
    assert (tmp_path / "flag").exists() and s.chunks_generated == 6
    _assert_identical(reference, _arrays(out))
