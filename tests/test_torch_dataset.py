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
    # another split seed gives another assignment
    other = split_indices(store, seed=99)
    assert not np.array_equal(other["test"], te)


def test_split_of_a_row_never_changes_as_more_chunks_complete(tmp_path):
    out = tmp_path / "grow.zarr"
    which = np.full(N, -1)  # split index of each row once it has been usable
    seen = np.zeros(0, dtype=np.int64)
    for step, chunks in enumerate(([3], [0, 6], [1, 2, 4, 5, 7])):
        generate(CrustPsTask(), N, out, chunk=K, seed=8, workers=1, processes=False,
                 only_chunks=chunks, resume=step > 0, progress=False)  # fmt: skip
        s = split_indices(out)
        for k, name in enumerate(("train", "val", "test")):
            rows = s[name]
            assert np.all((which[rows] == -1) | (which[rows] == k)), f"{name} changed"
            which[rows] = k
        now = np.concatenate(list(s.values()))
        assert np.isin(seen, now).all()  # a usable row stays usable
        seen = now
    assert (which >= 0).all()  # every row of the finished store is assigned
    # and the finished store splits exactly like one generated in one go
    once = tmp_path / "once.zarr"
    generate(CrustPsTask(), N, once, chunk=K, seed=8, workers=2, processes=False, progress=False)
    final, direct = split_indices(out), split_indices(once)
    for name in final:
        assert np.array_equal(final[name], direct[name])


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


# ---------------------------------------------------------------------------------------------
# an MT-like store (2-D inputs per channel, 2-D targets) and a receiver-function store
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mt_store(tmp_path_factory):
    pytest.importorskip("geoinvert.mt")
    from geoinvert.data import MTSectionTask
    from geoinvert.earth.priors import MTSectionPrior

    # the real MT task on a small grid: 8 x 16 cells, 6 frequencies (~10 ms per section)
    task = MTSectionTask(n_frequencies=6, fmin=1e-3, fmax=10.0, prior=MTSectionPrior(nx=16, nz=8))
    out = tmp_path_factory.mktemp("mt") / "mt.zarr"
    s = generate(task, 24, out, chunk=8, seed=4, workers=1, processes=False, progress=False)
    assert s.failures == 0
    return out


def test_dataset_on_an_mt_store(mt_store):
    ds = StoreDataset(mt_store, "train", in_memory=False, cache_chunks=1)
    assert ds.input_shape == (4, 6, 16) and ds.target_shape == (8, 16)
    x, y = ds[0]
    assert x.shape == (4, 6, 16) and y.shape == (8, 16)
    assert x.dtype == torch.float32 and y.dtype == torch.float32
    # statistics per input channel (log10 rho_a TE, phase TE, log10 rho_a TM, phase TM) over all
    # frequencies and stations, and per target depth row over all stations
    st = ds.stats
    assert np.asarray(st["inputs_mean"]).shape == (4, 1, 1)
    assert np.asarray(st["targets_mean"]).shape == (8, 1)
    xs = torch.stack([ds[i][0] for i in range(len(ds))])
    ys = torch.stack([ds[i][1] for i in range(len(ds))])
    # the train statistics standardise the train split (float32 rounding only: atol 1e-4)
    assert torch.allclose(xs.mean((0, 2, 3)), torch.zeros(4), atol=1e-4)
    assert torch.allclose(xs.std((0, 2, 3), unbiased=False), torch.ones(4), atol=1e-4)
    assert torch.allclose(ys.mean((0, 2)), torch.zeros(8), atol=1e-4)
    # lazy and in-memory reads agree; targets map back to the stored log10 resistivity
    mem = StoreDataset(mt_store, "train", in_memory=True)
    assert torch.equal(mem[3][0], ds[3][0]) and torch.equal(mem[3][1], ds[3][1])
    raw = np.asarray(DatasetStore(mt_store).root["targets"][int(ds.indices[3])])
    # float32 storage of values up to log10(5000) = 3.7: atol 1e-5
    np.testing.assert_allclose(ds.denormalize_targets(ds[3][1].numpy()), raw, atol=1e-5)
    # a station window cropped from the section keeps the per-channel normalisation
    crop = StoreDataset(mt_store, "train", transform=RandomCrop(10, axis=-1))
    assert tuple(crop[0][0].shape) == (4, 6, 10)
    loader = torch.utils.data.DataLoader(ds, batch_size=4)
    xb, yb = next(iter(loader))
    assert xb.shape == (4, 4, 6, 16) and yb.shape == (4, 8, 16)
    n = sum(v.size for v in split_indices(mt_store).values())
    assert n == 24


@pytest.fixture(scope="module")
def rf_store(tmp_path_factory):
    pytest.importorskip("geoinvert.rf")
    from geoinvert.data import RFTask

    out = tmp_path_factory.mktemp("rf") / "rf.zarr"
    s = generate(RFTask(), 40, out, chunk=20, seed=2, workers=1, processes=False, progress=False)
    assert s.failures == 0
    return out


def test_rf_store_noise_and_crop_augmentation(rf_store):
    """Noise + temporal cropping on real receiver functions, through the Dataset."""
    sigma, length, max_start = 0.02, 400, 60
    aug = Compose([AdditiveNoise(relative_to_max=sigma), RandomCrop(length, max_start=max_start)])
    clean = StoreDataset(rf_store, "train", normalize=False)
    noisy = StoreDataset(rf_store, "train", normalize=False, transform=aug)
    assert len(clean) == len(noisy) > 0
    ratios = []
    for i in range(5):
        torch.manual_seed(i)
        x = noisy[i][0].numpy().astype(np.float64)
        torch.manual_seed(i)
        assert np.array_equal(noisy[i][0].numpy(), x.astype(np.float32))  # reproducible
        c = clean[i][0].numpy().astype(np.float64)
        assert x.shape == (length,) and c.shape == (600,)
        # the crop is a window of the clean trace: find its start by least squares
        err = [np.sum((x - c[s : s + length]) ** 2) for s in range(600 - length + 1)]
        start = int(np.argmin(err))
        assert start <= max_start
        resid = x - c[start : start + length]
        ratios.append(resid.std() / (sigma * np.abs(c).max()))
    # noise of 2 % of each trace's peak: the residual's std estimates it from 400 samples
    # (relative standard error 1/sqrt(800) = 3.5 %): within 15 % for every trace
    assert np.all(np.abs(np.asarray(ratios) - 1.0) < 0.15), ratios
    # with normalisation: one scalar mean/std for long series, applied to the cropped trace
    norm = StoreDataset(rf_store, "train", transform=aug)
    mu, sd = norm.stats["inputs_mean"], norm.stats["inputs_std"]
    assert np.asarray(mu).shape == (1,) and np.asarray(sd).shape == (1,)
    torch.manual_seed(7)
    xn = norm[2][0].numpy().astype(np.float64)
    torch.manual_seed(7)
    xr = noisy[2][0].numpy().astype(np.float64)
    # float32 outputs of O(1) values: atol 1e-5
    np.testing.assert_allclose(xn, (xr - mu[0]) / sd[0], atol=1e-5)
    # targets: x_present, depth (km) and jump, standardised per target
    y = norm[2][1].numpy()
    raw = np.asarray(DatasetStore(rf_store).root["targets"][int(norm.indices[2])])
    np.testing.assert_allclose(norm.denormalize_targets(y), raw, rtol=1e-5, atol=1e-5)
