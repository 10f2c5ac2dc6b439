"""The Zarr v3 training-set store: layout, chunk writes with done markers, verification.

Layout (root group)
-------------------
``inputs``  (n, *input_shape) float32, Zarr chunks (K, *input_shape)
``targets`` (n, *target_shape) float32, chunks (K, *target_shape)
``params``  (n, n_params) float64, chunks (K, n_params) -- every sampled prior parameter
``status``  (n,) int8, chunks (K,) -- 0 ok, 1 non-finite forward, 2 forward raised; -1 = never
written. Rows with status > 0 hold NaN inputs/targets.
``chunk_sha256`` (n_chunks, 32) uint8, chunks (1, 32) -- the per-chunk done marker: the SHA-256
of the chunk's rows (inputs, targets, params, status bytes, in that order). All zeros = not
done. :meth:`DatasetStore.write_chunk` clears it *before* writing any row and writes it only
after the last row, so a chunk that is being (re)written is never seen as complete.

Attributes: ``task``, ``config``, ``prior``, ``frequencies``/``periods`` (task dependent),
``input_names``, ``target_names``, ``param_names``, ``n``, ``chunk``, ``n_chunks``, ``seed``,
``version``, ``code_sha256`` (:func:`code_fingerprint` of the code that wrote the store),
``format`` (= ``"geoinvert-dataset/1"``) and, when they happen, ``normalization`` and
``code_changes`` (resumes that were allowed to continue the store with different code).

Chunk ``i`` covers rows ``[i K, min((i + 1) K, n))`` and is generated from
``numpy.random.SeedSequence(seed, spawn_key=(i,))`` (= ``SeedSequence(seed).spawn(n_chunks)[i]``),
so the store's content depends only on (task config, n, K, seed).
A chunk is *complete* when its marker equals the hash of what is stored; readers must use only
rows of complete chunks (:meth:`DatasetStore.complete_rows`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .tasks import ChunkData, Task

__all__ = [
    "FORMAT",
    "DatasetStore",
    "chunk_digest",
    "chunk_seed",
    "code_fingerprint",
    "create_store",
]

FORMAT = "geoinvert-dataset/1"
_ARRAYS = ("inputs", "targets", "params", "status")
_OPEN: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = {}


def chunk_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed sequence of chunk ``index``: ``SeedSequence(seed).spawn(n)[index]`` for any n."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def chunk_digest(data: ChunkData) -> bytes:
    """SHA-256 of a chunk's rows (inputs, targets, params, status in native C order)."""
    h = hashlib.sha256()
    for name in _ARRAYS:
        h.update(np.ascontiguousarray(getattr(data, name)).tobytes())
    return h.digest()


def code_fingerprint(roots: Sequence[str | Path] | None = None) -> str:
    """SHA-256 (hex) of the code that generates data: every file of the installed package.

    The digest covers each file's path relative to its package directory and its SHA-256 — all
    ``.py`` modules, the compiled ``_core`` extension and the package data (reference models) —
    skipping ``__pycache__``, ``*.pyc`` and hidden or backup files (``.*``, ``*~``), so that two
    installations with the same files give the same fingerprint whatever their location.
    It is stored as the attribute ``code_sha256`` and compared on resume, so that one store
    never silently mixes the outputs of two codes.

    Parameters
    ----------
    roots : sequence of path, optional
        Other package directories to hash (e.g. in tests), uncached. Default: the directories
        of the imported ``geoinvert`` package (``geoinvert.__path__``: in an editable install,
        the source tree and the directory holding ``_core``) plus the ``_core`` extension file;
        computed once per process and cached (about 8 ms for the ~70 files of this package).

    Returns
    -------
    str
        64 hexadecimal digits.
    """
    if roots is None:
        return _installed_fingerprint()
    return _fingerprint([Path(r) for r in roots], [])


@functools.cache
def _installed_fingerprint() -> str:
    import geoinvert

    extra: list[Path] = []
    try:
        from geoinvert import _core

        if getattr(_core, "__file__", None):
            extra.append(Path(_core.__file__))
    except ImportError:  # pragma: no cover - a build without the extension
        pass
    return _fingerprint([Path(p) for p in geoinvert.__path__], extra)


def _fingerprint(roots: list[Path], extra: list[Path]) -> str:
    files: dict[str, Path] = {}
    for root in roots:
        for f in root.rglob("*"):
            rel = f.relative_to(root)
            if (
                "__pycache__" in rel.parts
                or any(part.startswith(".") or part.endswith("~") for part in rel.parts)
                or f.suffix in (".pyc", ".pyo")
                or not f.is_file()
            ):
                continue
            files.setdefault(rel.as_posix(), f)
    for f in extra:  # the extension, if it lies outside the package directories
        if f.resolve() not in {p.resolve() for p in files.values()}:
            files.setdefault(f.name, f)
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256(files[name].read_bytes()).digest())
    return h.hexdigest()


def _jsonable(obj: Any) -> Any:
    return json.loads(
        json.dumps(obj, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))
    )


def create_store(
    path: str | Path, task: Task, n: int, chunk: int, seed: int, *, overwrite: bool = False
) -> DatasetStore:
    """Create an empty store for ``n`` rows of ``task`` in chunks of ``chunk`` rows.

    Raises ``FileExistsError`` if ``path`` exists and ``overwrite`` is false.
    """
    import zarr
    from zarr.codecs import BloscCodec

    from .. import __version__

    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    if chunk <= 0:
        raise ValueError(f"chunk must be positive, got {chunk}")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; use resume=True or overwrite=True")
    n_chunks = -(-n // chunk)
    root = zarr.open_group(str(path), mode="w", zarr_format=3)
    ins, tgs = task.input_shape, task.target_shape
    # Blosc(zstd level 1, byte shuffle): for float rows 40 % less CPU than zarr's default zstd
    # and slightly smaller (benchmarks/README.md, "Data generation")
    fast = BloscCodec(cname="zstd", clevel=1, shuffle="shuffle")
    root.create_array("inputs", shape=(n, *ins), chunks=(chunk, *ins), dtype="float32",
                      fill_value=np.nan, compressors=fast)  # fmt: skip
    root.create_array("targets", shape=(n, *tgs), chunks=(chunk, *tgs), dtype="float32",
                      fill_value=np.nan, compressors=fast)  # fmt: skip
    n_p = len(task.param_names)
    root.create_array("params", shape=(n, n_p), chunks=(chunk, n_p), dtype="float64",
                      fill_value=np.nan, compressors=fast)  # fmt: skip
    root.create_array("status", shape=(n,), chunks=(chunk,), dtype="int8", fill_value=-1)
    root.create_array("chunk_sha256", shape=(n_chunks, 32), chunks=(1, 32), dtype="uint8",
                      fill_value=0)  # fmt: skip
    desc = task.describe()
    attrs = {
        "format": FORMAT,
        "version": __version__,
        "code_sha256": code_fingerprint(),
        "seed": int(seed),
        "n": int(n),
        "chunk": int(chunk),
        "n_chunks": int(n_chunks),
        "param_names": list(task.param_names),
        "task_config": _jsonable(task_config(task)),
        **_jsonable(desc),
    }
    root.attrs.update(attrs)
    return DatasetStore(path)


def task_config(task: Task) -> dict[str, Any]:
    """The dataclass fields of a task (its full configuration, prior included)."""
    from dataclasses import asdict

    return {"name": task.name, **asdict(task)}  # type: ignore[call-overload]


@dataclass
class DatasetStore:
    """A handle on a generation store (opened lazily; picklable, holds only the path)."""

    path: Path

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    @property
    def root(self) -> Any:
        """The root Zarr group (opened once per process and store version, then reused)."""
        return self._open()[0]

    def array(self, name: str) -> Any:
        """One of the store's arrays (cached like :attr:`root`)."""
        cache = self._open()[1]
        if name not in cache:
            cache[name] = self._open()[0][name]
        return cache[name]

    def _open(self) -> tuple[Any, dict[str, Any]]:
        import zarr

        # keyed by the root metadata file's identity: re-created or re-attributed stores reopen
        st = (self.path / "zarr.json").stat()
        key = (str(self.path.resolve()), st.st_mtime_ns, st.st_size, st.st_ino)
        hit = _OPEN.get(key)
        if hit is None:
            if len(_OPEN) > 32:
                _OPEN.clear()
            hit = (zarr.open_group(str(self.path), mode="r+", zarr_format=3), {})
            _OPEN[key] = hit
        return hit

    @property
    def attrs(self) -> dict[str, Any]:
        return dict(self.root.attrs)

    def rows(self, index: int) -> slice:
        a = self.attrs
        k = a["chunk"]
        return slice(index * k, min((index + 1) * k, a["n"]))

    def write_chunk(self, index: int, data: ChunkData) -> bytes:
        """Clear chunk ``index``'s done marker, write its rows, then its new marker.

        Clearing first matters when a chunk is rewritten (a resume regenerating a corrupted or
        torn chunk): a crash part-way leaves the chunk without a marker, i.e. missing to every
        reader, instead of a stale marker over half-old, half-new rows. Returns the digest.
        """
        root = self.root
        k, n = root.attrs["chunk"], root.attrs["n"]
        sl = slice(index * k, min((index + 1) * k, n))
        # all-zero = the fill value: zarr deletes the marker's chunk file (a no-op if absent)
        self.array("chunk_sha256")[index] = np.zeros(32, dtype=np.uint8)
        for name in _ARRAYS:
            self.array(name)[sl] = getattr(data, name)
        digest = chunk_digest(data)
        self.array("chunk_sha256")[index] = np.frombuffer(digest, dtype=np.uint8)
        return digest

    def read_chunk(self, index: int) -> ChunkData:
        sl = self.rows(index)
        inputs, targets, params, status = (np.asarray(self.array(n)[sl]) for n in _ARRAYS)
        return ChunkData(inputs, targets, params, status)

    def marker(self, index: int) -> bytes | None:
        """The stored digest of chunk ``index`` (None if absent or unreadable)."""
        try:
            m = np.asarray(self.array("chunk_sha256")[index], dtype=np.uint8)
        except Exception:  # a torn marker write is simply "not done"
            return None
        return None if not m.any() else m.tobytes()

    def is_complete(self, index: int, *, verify: bool = True) -> bool:
        """Whether chunk ``index`` has a marker (and, with ``verify``, matches its data)."""
        m = self.marker(index)
        if m is None:
            return False
        if not verify:
            return True
        try:
            return chunk_digest(self.read_chunk(index)) == m
        except Exception:  # a partial/corrupt Zarr chunk fails to decode
            return False

    def complete_chunks(self, *, verify: bool = False) -> NDArray[np.bool_]:
        """Boolean mask (n_chunks,) of complete chunks (markers only unless ``verify``)."""
        a = self.attrs
        if not verify:
            try:
                m = np.asarray(self.root["chunk_sha256"][:])
                return np.asarray(m.any(axis=1), dtype=bool)
            except Exception:
                pass
        return np.array(
            [self.is_complete(i, verify=verify) for i in range(a["n_chunks"])], dtype=bool
        )

    def corrupt_chunks(self) -> NDArray[np.int64]:
        """Indices of chunks that have a done marker but whose rows no longer hash to it.

        Re-reads and re-hashes every marked chunk (one read of the whole store). Such chunks
        are rotted or were torn after completion; ``generate(..., resume=True)`` regenerates
        them, and readers with ``verify=True`` leave them out.
        """
        marked = self.complete_chunks(verify=False)
        verified = self.complete_chunks(verify=True)
        return np.flatnonzero(marked & ~verified).astype(np.int64)

    def complete_rows(self, *, verify: bool = False) -> NDArray[np.int64]:
        """Row indices belonging to complete chunks."""
        return self.rows_of_chunks(self.complete_chunks(verify=verify))

    def rows_of_chunks(self, mask: NDArray[np.bool_]) -> NDArray[np.int64]:
        """Row indices of the chunks selected by a boolean mask of shape (n_chunks,)."""
        a = self.attrs
        done = np.flatnonzero(mask)
        k, n = a["chunk"], a["n"]
        if done.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate([np.arange(i * k, min((i + 1) * k, n)) for i in done])

    def nbytes_on_disk(self) -> int:
        """Total size of the store's files in bytes."""
        return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file())

    def summary(self, *, verify: bool = False) -> dict[str, Any]:
        """Counts and attributes for ``geoinvert inspect``.

        ``chunks_complete`` counts done markers. With ``verify``, every marked chunk is also
        re-hashed: ``chunks_corrupt`` lists those whose rows no longer match their marker and
        ``chunks_complete`` counts only the chunks that pass.
        """
        a = self.attrs
        done = self.complete_chunks()
        corrupt: list[int] | None = None
        if verify:
            corrupt = self.corrupt_chunks().tolist()
            done[corrupt] = False
        status = np.asarray(self.root["status"][:])
        out = {
            "path": str(self.path),
            "task": a.get("task"),
            "n": a["n"],
            "chunk": a["chunk"],
            "chunks_complete": int(done.sum()),
            "n_chunks": a["n_chunks"],
            "ok": int((status == 0).sum()),
            "failed": int((status > 0).sum()),
            "missing": int((status < 0).sum()),
            "seed": a["seed"],
            "version": a["version"],
            "code_sha256": a.get("code_sha256"),
            "inputs": list(self.root["inputs"].shape),
            "targets": list(self.root["targets"].shape),
            "store_bytes": self.nbytes_on_disk(),
        }
        if a.get("code_changes"):
            out["code_changes"] = len(a["code_changes"])
        if corrupt is not None:
            out["chunks_corrupt"] = corrupt
        return out
