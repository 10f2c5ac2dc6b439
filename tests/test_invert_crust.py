"""Crust inversion helpers: CRUST1.0 forward data, map comparison, Eq. 4, Monte Carlo models."""

from __future__ import annotations

import numpy as np
import pytest

from geoinvert.dispersion import phase_velocity
from geoinvert.earth import crust1
from geoinvert.earth.priors import CrustPrior, sample_crust
from geoinvert.invert.crust import (
    compare_maps,
    crust1_phase_velocities,
    mc_bounds,
    mc_models,
    prem_mantle,
    relative_phase_error,
)

FREQ = np.arange(10.0, 35.01, 1.25) * 1e-3


def test_prem_mantle_starts_at_moho_and_ends_in_half_space():
    m = prem_mantle(45.0)
    assert m.thickness[0] == pytest.approx(60.0 - 45.0)
    assert m.depth_top[-1] + 45.0 == pytest.approx(CrustPrior().mantle_nodes[-1])
    with pytest.raises(ValueError, match="moho"):
        prem_mantle(700.0)


def test_crust1_forward_is_physical_and_moho_sensitive():
    region = crust1.load_region()
    c = crust1_phase_velocities(region, FREQ)
    assert c.shape == (156, 21) and np.all(np.isfinite(c))
    assert np.all(np.diff(c, axis=1) < 0)  # normal dispersion: slower at higher frequency
    thicker = crust1_phase_velocities(region, FREQ, moho=region.crustal_thickness + 10)
    assert np.all(thicker[:, 0] < c[:, 0])  # a thicker crust slows long periods
    same = crust1_phase_velocities(region, FREQ, moho=region.crustal_thickness)
    np.testing.assert_allclose(same, c, rtol=1e-9)


def test_compare_maps_and_eq4():
    stats = compare_maps([30.0, 40.0, 50.0], [31.0, 41.0, 51.0])
    assert stats["rms_km"] == pytest.approx(1.0) and stats["correlation"] == pytest.approx(1.0)
    np.testing.assert_allclose(relative_phase_error([[4.04]], [[4.0]]), [[0.01]])
    with pytest.raises(ValueError, match="shape"):
        relative_phase_error([1.0, 2.0], [1.0])


def test_mc_models_match_the_prior_construction():
    # A prior draw with two crustal layers maps to the same model through mc_models.
    prior = CrustPrior(n_crust_layers=(2, 2), crust_drho=(0.0, 0.0))
    s = sample_crust(np.random.default_rng(1), 5, prior)
    names = s.param_names
    col = {n: s.params[:, names.index(n)] for n in names}
    theta = np.column_stack(
        [
            col["moho_depth"],
            col["crust_h0"] / col["moho_depth"],
            col["crust_vs0"],
            col["crust_vs1"],
            col["crust_vpvs0"],
            col["crust_vpvs1"],
            col["mantle_dlnvs0"],
            col["mantle_dlnvs1"],
            col["mantle_dlnvs2"],
        ]
    )
    periods = 1 / FREQ
    ours = phase_velocity(periods, *mc_models(theta, prior), spherical=True)
    theirs = phase_velocity(periods, s.thickness, s.vp, s.vs, s.rho, spherical=True)
    # Without the density perturbation (which the MC model omits) the models are identical up to
    # zero-thickness padding layers, so the kernel's answers agree to round-off.
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)
    lo, hi = mc_bounds(prior)
    assert lo.size == theta.shape[1] and np.all(lo < hi)


@pytest.mark.parametrize(
    ("observed", "message"),
    [
        (np.full((3, 21), 3.8), None),
        (np.full((3, 20), 3.8), "shape"),
        (np.where(np.arange(63).reshape(3, 21) == 30, np.nan, 3.8), "grid point 1, frequency"),
        (np.full((3, 21), 3800.0), "wrong unit"),
        (np.full((3, 21), -3.8), "positive"),
    ],
)
def test_observed_data_errors_name_the_grid_point(observed, message):
    # Validation happens before the model is touched, so no network is needed here.
    from geoinvert.invert.crust import invert_crust

    if message is None:
        with pytest.raises(AttributeError):  # valid data reaches the (absent) model
            invert_crust(None, FREQ, observed)
    else:
        with pytest.raises(ValueError, match=message):
            invert_crust(None, FREQ, observed)


# --------------------------------------------------------------------------------------------
# invert_crust with a real (tiny) trained model: a phase+group store made by the data engine
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def phase_group_model(tmp_path_factory):
    """An MDN trained for 2 epochs on 400 prior draws of the default phase+group task (42 inputs).

    Tiny on purpose (about 5 s): the tests check plumbing, units and flags, not accuracy.
    """
    torch = pytest.importorskip("torch")
    pytest.importorskip("lightning")
    pytest.importorskip("zarr")
    from geoinvert.data import CrustDispersionTask, generate
    from geoinvert.train import as_trained_model, fit_mdn, open_training_data

    tmp = tmp_path_factory.mktemp("crust_model")
    store = tmp / "crust.zarr"
    generate(
        CrustDispersionTask(),
        400,
        store,
        chunk=200,
        seed=0,
        workers=1,
        processes=False,
        progress=False,
    )
    td = open_training_data(store, "crust")
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        module = fit_mdn(
            td,
            epochs=2,
            n_components=2,
            out_dir=tmp / "mdn",
            seed=0,
            trainer={"progress_bar": False, "accelerator": "cpu", "patience": None},
            normalization=td.normalization,
            **td.meta(),
        )
    finally:
        torch.set_num_threads(n)
    return as_trained_model(module), td


def test_invert_crust_phase_and_group_with_a_trained_model(phase_group_model):
    from geoinvert.invert.crust import invert_crust

    model, td = phase_group_model
    assert model.input_shape == (42,)
    f = np.asarray(model.frequencies)
    x = np.asarray(td.inputs[:8], float)
    phase, group = x[:, :21], x[:, 21:]
    inv = invert_crust(model, f, phase, group=group)
    assert inv.mean.shape == inv.std.shape == inv.q16.shape == (8,)
    assert np.all(np.isfinite(inv.mean)) and np.all(inv.std > 0)
    assert np.all(inv.q16 < inv.q84)
    assert not inv.out_of_distribution.any()  # training inputs lie inside the training prior
    # Columns in another order are put back into the model's order: identical answer.
    perm = np.random.default_rng(0).permutation(21)
    again = invert_crust(model, f[perm], phase[:, perm], group=group[:, perm])
    np.testing.assert_allclose(again.mean, inv.mean, rtol=1e-6)
    with pytest.raises(ValueError, match="group: this model was trained on phase and group"):
        invert_crust(model, f, phase)


def test_invert_crust_ood_flag_and_errors_name_lon_lat(phase_group_model):
    from geoinvert.invert.crust import invert_crust

    model, td = phase_group_model
    f = np.asarray(model.frequencies)
    x = np.asarray(td.inputs[:5], float)
    phase, group = x[:, :21].copy(), x[:, 21:].copy()
    phase[2] = 1.5  # far slower than any crust of the prior
    inv = invert_crust(model, f, phase, group=group)
    assert inv.out_of_distribution.tolist() == [False, False, True, False, False]
    assert inv.max_abs_z[2] > 4.0
    lon, lat = np.arange(100.0, 105.0), np.full(5, 30.5)
    # missing and extra frequencies are listed, before anything is standardised
    with pytest.raises(ValueError, match=r"missing \[35\] mHz"):
        invert_crust(model, f[:-1], phase[:, :-1], group=group[:, :-1], lon=lon, lat=lat)
    with pytest.raises(ValueError, match=r"not in the model \[10000, .*Hz, not mHz"):
        invert_crust(model, f * 1e3, phase, group=group)
    nan = group.copy()
    nan[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"grid point 3 \(lon 103, lat 30.5\), frequency index 4"):
        invert_crust(model, f, phase, group=nan, lon=lon, lat=lat)
    with pytest.raises(ValueError, match="lon, lat: need one value per grid point"):
        invert_crust(model, f, phase, group=group, lon=lon[:2], lat=lat[:2])


def test_invert_dispersion_grid_reads_a_csv(phase_group_model, tmp_path):
    from geoinvert.invert.crust import invert_crust, invert_dispersion_grid
    from geoinvert.io import DispersionGrid, read_dispersion_grid, write_dispersion_grid

    model, td = phase_group_model
    f = np.asarray(model.frequencies)
    x = np.asarray(td.inputs[:4], float)
    grid = DispersionGrid(
        np.array([100.0, 101.0, 100.0, 101.0]),
        np.array([30.0, 30.0, 31.0, 31.0]),
        f,
        x[:, :21],
        x[:, 21:],
    )
    back = read_dispersion_grid(write_dispersion_grid(tmp_path / "obs.csv", grid))
    inv = invert_dispersion_grid(model, back)
    np.testing.assert_allclose(
        inv.mean, invert_crust(model, f, x[:, :21], group=x[:, 21:]).mean, rtol=1e-6
    )


def test_invert_crust_marginalises_data_noise_above_the_training_noise(phase_group_model):
    """σ below the recorded training noise changes nothing; a larger σ widens the interval."""
    import copy

    from geoinvert.invert.crust import invert_crust

    model, td = phase_group_model
    model = copy.copy(model)
    model.extra = {**model.extra, "input_noise_relative": 0.005}
    f = np.asarray(model.frequencies)
    x = np.asarray(td.inputs[:6], float)
    phase, group = x[:, :21], x[:, 21:]
    base = invert_crust(model, f, phase, group=group)
    within = invert_crust(
        model, f, phase, group=group, phase_sigma=0.004 * phase, group_sigma=0.004 * group
    )
    np.testing.assert_array_equal(within.mean, base.mean)
    np.testing.assert_array_equal(within.std, base.std)
    # 3 % noise on the phase velocities of points 1 and 4 only: those get wider, the others not.
    sp = 0.004 * phase
    sp[[1, 4]] = 0.03 * phase[[1, 4]]
    wide = invert_crust(model, f, phase, group=group, phase_sigma=sp, n_draws=48, seed=3)
    # (this 2-epoch MDN barely looks at its inputs: the linear model below checks the size)
    assert np.all(wide.std[[1, 4]] >= base.std[[1, 4]] * (1 - 1e-4))
    np.testing.assert_allclose(wide.std[[0, 2, 3, 5]], base.std[[0, 2, 3, 5]], rtol=1e-5)
    assert np.all(wide.q16 < wide.mean) and np.all(wide.mean < wide.q84)
    again = invert_crust(model, f, phase, group=group, phase_sigma=sp, n_draws=48, seed=3)
    np.testing.assert_array_equal(again.mean, wide.mean)  # seeded
    bad = sp.copy()
    bad[2, 7] = -1.0
    with pytest.raises(ValueError, match=r"phase_sigma at grid point 2, frequency index 7"):
        invert_crust(model, f, phase, group=group, phase_sigma=bad)
    with pytest.raises(ValueError, match="phase_sigma must have the shape"):
        invert_crust(model, f, phase, group=group, phase_sigma=sp[:, :3])


def test_pooled_draws_of_identical_inputs_equal_one_draw(phase_group_model):
    model, td = phase_group_model
    x = np.asarray(td.inputs[:4], float)
    f = np.asarray(model.frequencies)
    one = model.predict_distribution(x, frequencies=f)
    pooled = model.predict_distribution(np.concatenate([x, x, x]), frequencies=f, draws=3)
    np.testing.assert_allclose(pooled["mean"], one["mean"], rtol=1e-6)
    np.testing.assert_allclose(pooled["std"], one["std"], rtol=1e-5)
    np.testing.assert_allclose(pooled["quantiles"], one["quantiles"], rtol=1e-5)
    with pytest.raises(ValueError, match="draws: must be a positive divisor"):
        model.predict_distribution(x[:3], frequencies=f, draws=2)


def test_marginalised_spread_of_a_linear_regressor_is_the_propagated_sigma(tmp_path):
    """y = w·(x − shift)/scale · t_scale + t_shift: the pooled std must be |w/scale|·σ·t_scale."""
    torch = pytest.importorskip("torch")
    from geoinvert.invert.crust import invert_crust
    from geoinvert.nn import MLP
    from geoinvert.train import load_model, save_model
    from geoinvert.train.normalization import Normalization

    torch.manual_seed(0)
    net = MLP(21, 1, hidden=())  # no hidden layer: one linear map
    norm = Normalization(np.full(21, 3.8), np.full(21, 0.1), np.array([40.0]), np.array([10.0]))
    path = tmp_path / "linear.pt"
    save_model(
        path, net, normalization=norm, kind="regression", input_shape=[21], target_shape=[1],
        frequencies=FREQ, extra={"input_noise_relative": 0.005},
    )  # fmt: skip
    model = load_model(path)
    phase = np.full((2, 21), 3.8) + np.linspace(0, 0.3, 21)
    sigma = np.full((2, 21), 0.05)
    inv = invert_crust(model, FREQ, phase, phase_sigma=sigma, n_draws=4000, seed=1)
    (w,) = [
        v.numpy().reshape(-1).astype(float) for k, v in net.state_dict().items() if "weight" in k
    ]
    excess = np.sqrt(sigma[0] ** 2 - (0.005 * phase[0]) ** 2)
    expected = 10.0 * np.sqrt(np.sum((w / 0.1 * excess) ** 2))
    np.testing.assert_allclose(inv.std, expected, rtol=0.05)  # 4000 draws: ~1.1 % MC error
    plain = invert_crust(model, FREQ, phase)
    np.testing.assert_allclose(inv.mean, plain.mean, atol=4 * expected / np.sqrt(4000))
    assert np.all(np.isnan(plain.std))  # a plain regressor has no spread without data noise


def test_full_prior_mc_models_reproduce_the_training_prior_draws():
    """Every sample_crust draw (1-3 layers, density perturbation) maps to the same model."""
    from geoinvert.invert.crust import mc_bounds_full, mc_models_full, mc_parameters_full

    prior = CrustPrior()
    s = sample_crust(np.random.default_rng(4), 60, prior)
    col = {n: s.params[:, s.param_names.index(n)] for n in s.param_names}
    n = col["n_crust_layers"].astype(int)
    assert set(n) == {1, 2, 3}
    h = np.column_stack([col[f"crust_h{i}"] for i in range(3)]) / col["moho_depth"][:, None]
    q0 = np.where(n == 3, 1 - (1 - h[:, 0]) ** 2, np.where(n == 2, h[:, 0], 0.5))
    q1 = np.where(n == 3, h[:, 1] / np.maximum(1 - h[:, 0], 1e-300), 0.5)
    theta = np.column_stack(
        [col["moho_depth"], n + 0.5, q0, q1]
        + [col[f"crust_{w}{i}"] for w in ("vs", "vpvs", "drho") for i in range(3)]
        + [col[f"mantle_dlnvs{i}"] for i in range(3)]
    )
    assert theta.shape[1] == len(mc_parameters_full(prior)) == 16
    lo, hi = mc_bounds_full(prior)
    assert np.all(theta >= lo) and np.all(theta <= hi)
    periods = 1 / FREQ
    ours = phase_velocity(periods, *mc_models_full(theta, prior), spherical=True)
    theirs = phase_velocity(periods, s.thickness, s.vp, s.vs, s.rho, spherical=True)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9)


def test_full_prior_box_draws_follow_the_prior_layer_statistics():
    """Uniform draws in the box give the sampler's layer-count and thickness statistics."""
    from geoinvert.invert.crust import mc_bounds_full, mc_models_full

    lo, hi = mc_bounds_full()
    rng = np.random.default_rng(0)
    theta = lo + rng.random((30000, lo.size)) * (hi - lo)
    thick = mc_models_full(theta)[0][:, :3] / theta[:, :1]
    used = (thick > 0).sum(axis=1)
    np.testing.assert_allclose(np.bincount(used)[1:] / used.size, [1 / 3] * 3, atol=0.015)
    three = thick[used == 3]
    ref = sample_crust(np.random.default_rng(1), 30000)
    rp = ref.params[:, ref.param_names.index("n_crust_layers")] == 3
    ref_h = ref.params[rp][:, [ref.param_names.index(f"crust_h{i}") for i in range(3)]]
    ref_h /= ref.params[rp][:, [ref.param_names.index("moho_depth")]]
    # Dirichlet(1, 1, 1): each fraction has mean 1/3 and variance 1/18, in both constructions.
    np.testing.assert_allclose(three.mean(axis=0), ref_h.mean(axis=0), atol=0.01)
    np.testing.assert_allclose(three.var(axis=0), [1 / 18] * 3, atol=0.004)
