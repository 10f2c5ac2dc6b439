"""The torch Dataset/DataModule over a generation store."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("dask.distributed")
pytest.importorskip("zarr")

from geoinvert.data import CrustPsTask, DatasetStore, generate  # noqa: E402
from geoinvert.data.torch_dataset import (  # noqa: E402
    AdditiveNoise,
    Compose,
    RandomCrop,
    RelativeNoise,
    StoreDataset,
    split_indices,
)

N, K = 400, 50


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("td") / "s.zarr"
    # 0.14 s/km makes ~8 % of the models evanescent (status 1): the splits must skip them
    generate(
        CrustPsTask(slowness=(0.04, 0.14)),
        N,
        out,
        chunk=K,
        seed=3,
        workers=1,
        processes=False,
        only_chunks=list(range(7)),
        progress=False,
    )
    return out


def test_splits_are_deterministic_disjoint_and_3_to_1(store):
    a = split_indices(store)
    b = split_indices(store)
    for k in a:
        assert np.array_equal(a[k], b[k])
    tr, va, te = a["train"], a["val"], a["test"]
    assert not set(tr) & set(te) and not set(tr) & set(va) and not set(va) & set(te)
    st = DatasetStore(store)
    status = np.asarray(st.root["status"][:])
    usable = np.intersect1d(st.complete_rows(), np.flatnonzero(status == 0))
    assert np.array_equal(np.sort(np.concatenate([tr, va, te])), usable)
    assert 0 < usable.size < 7 * K  # the failed rows and the missing chunk 7 are excluded
    # 3:1 train(+val):test within sampling noise of a random assignment of ~300 rows
    ratio = (tr.size + va.size) / te.size
    assert 2.3 < ratio < 3.9
    assert 0.04 < va.size / (tr.size + va.size) < 0.18
    # the assignment of a row never changes when more chunks are completed
    other = split_indices(store, seed=99)
    assert not np.array_equal(other["test"], te)


def test_dataset_shapes_dtypes_and_normalisation(store):
    ds = StoreDataset(store, "train", in_memory=False, cache_chunks=2)
    x, y = ds[0]
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    assert tuple(x.shape) == (6,) and tuple(y.shape) == (1,)
    assert ds.input_shape == (6,) and ds.target_shape == (1,)
    xs = torch.stack([ds[i][0] for i in range(len(ds))])
    ys = torch.stack([ds[i][1] for i in range(len(ds))])
    # train statistics standardise the train split exactly (float32 rounding only)
    assert torch.allclose(xs.mean(0), torch.zeros(6), atol=1e-4)
    assert torch.allclose(xs.std(0, unbiased=False), torch.ones(6), atol=1e-4)
    assert abs(float(ys.mean())) < 1e-4
    # saved once in the store and reused; in-memory and lazy reads agree
    saved = DatasetStore(store).attrs["normalization"]
    assert len(saved["inputs_mean"]) == 6
    ds2 = StoreDataset(store, "train", in_memory=True)
    assert ds2.stats == ds.stats
    assert torch.equal(ds2[5][0], ds[5][0])
    # denormalisation recovers the stored labels (km)
    raw = np.asarray(DatasetStore(store).root["targets"][int(ds.indices[5])])
    assert np.allclose(ds.denormalize_targets(ds[5][1].numpy()), raw, rtol=1e-5)
    test = StoreDataset(store, "test", return_params=True)
    x, y, p = test[0]
    assert p.dtype == torch.float64 and p.shape[0] == len(DatasetStore(store).attrs["param_names"])


def test_augmentation_hooks(store):
    clean = StoreDataset(store, "train", normalize=False)
    noisy = StoreDataset(store, "train", normalize=False, transform=RelativeNoise(0.005))
    torch.manual_seed(0)
    x0, x1 = clean[3][0], noisy[3][0]
    rel = (x1 / x0 - 1).abs()
    assert 0 < float(rel.max()) < 0.005 * 6  # 6 sigma
    torch.manual_seed(0)
    assert torch.equal(noisy[3][0], x1)  # reproducible under torch's seed
    rng = np.random.default_rng(0)
    series = np.arange(100.0)
    crop = Compose([RandomCrop(40), AdditiveNoise(relative_to_max=0.0)])(series, rng)
    assert crop.shape == (40,) and np.all(np.diff(crop) == 1)
    with pytest.raises(ValueError, match="exceeds"):
        RandomCrop(200)(series, rng)


def test_datamodule(store):
    pytest.importorskip("lightning")
    from geoinvert.data import StoreDataModule

    dm = StoreDataModule(store, batch_size=16, train_transform=RelativeNoise(0.005))
    dm.setup("fit")
    xb, yb = next(iter(dm.train_dataloader()))
    assert xb.shape == (16, 6) and yb.shape == (16, 1)
    n = sum(len(dm.datasets[s]) for s in ("train", "val", "test"))
    assert n == sum(v.size for v in split_indices(store).values())
    with pytest.raises(ValueError, match="split must be one of"):
        StoreDataset(store, "bogus")
