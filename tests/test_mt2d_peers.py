"""2-D MT against SimPEG on the COMMEMI 2D-1 model (fixture made by make_mt2d_commemi.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geoinvert import mt
from geoinvert.mt_mesh import _geometric

DATA = Path(__file__).parent / "data" / "mt2d_commemi.npz"


def _commemi_forward(freqs, stations, block):  # also used by docs/figures/make_mt_figures.py
    """Our mesh for COMMEMI 2D-1: 50 m columns in |x| <= 5 km, 5 m cells at the surface and at
    the block top growing by 1.15, 1.2-1.3x padding to 250-300 km."""
    x0, x1, z0, z1, rb, rh = block
    core = np.arange(-5.0, 5.0001, 0.05)
    pad = _geometric(0.05 * 1.3, 1.3, 250.0)[1:]
    x = np.concatenate([core[0] - pad[::-1], core, core[-1] + pad])
    zs = _geometric(0.005, 1.15, z0)
    zs = zs[zs < z0 - 0.002]
    zb = z0 + _geometric(0.005, 1.15, z1 - z0)
    zb = zb[zb < z1 - 0.01]
    zd = z1 + _geometric(0.02, 1.2, 300.0)
    z = np.concatenate([zs, zb, zd])
    mesh = mt.MTMesh.from_nodes(x, z)
    xc, zc = 0.5 * (x[1:] + x[:-1]), 0.5 * (z[1:] + z[:-1])
    rho = np.full(mesh.model_shape, rh)
    rho[np.ix_((zc > z0) & (zc < z1), (xc > x0) & (xc < x1))] = rb
    return mt.Forward2D(mesh, stations, freqs).run(rho)


@pytest.fixture(scope="module")
def commemi():
    ref = np.load(DATA)
    res = _commemi_forward(ref["frequencies"], ref["stations"], ref["block"])
    return ref, res


def test_commemi_2d1_against_simpeg(commemi):
    ref, res = commemi
    x = ref["stations"]
    # All five frequencies 0.01-100 Hz (the fixture's SimPEG mesh has 4.4 skin depths of
    # padding below at 0.01 Hz), stations more than 0.3 km from the block edges (|x| = 0.5 km),
    # where both codes' cell sizes (SimPEG 25 m, ours 50 m) and SimPEG's staggered-grid
    # interpolation of the fields matter most. Observed: TE rho_a max 2.07 %, median 0.08 %,
    # phase max 0.23 deg; TM 2.44 %, 0.75 %, 0.70 deg (both maxima at 100 Hz, where a skin depth
    # in the host is 20 SimPEG cells); at 0.01 Hz TE 1.46 % / 0.14 deg, TM 1.30 % / 0.05 deg.
    assert ref["frequencies"].min() == pytest.approx(0.01)
    away = np.abs(np.abs(x) - 0.5) > 0.3
    for mode in ("te", "tm"):
        rel = np.abs(getattr(res, f"rho_a_{mode}")[:, away] / ref[f"rho_a_{mode}"][:, away] - 1)
        dph = np.abs(getattr(res, f"phase_{mode}")[:, away] - ref[f"phase_{mode}"][:, away])
        assert rel.max() < 0.03 and np.median(rel) < 0.01, (mode, rel.max(), np.median(rel))
        assert dph.max() < 1.0 and np.median(dph) < 0.3, (mode, dph.max(), np.median(dph))
        low = np.argmin(ref["frequencies"])
        assert rel[low].max() < 0.02 and dph[low].max() < 0.3, (mode, rel[low].max())


def test_commemi_low_frequency_far_field(commemi):
    # At 0.01 Hz, 4 km from a 1 km wide block, TM (galvanic, local) is nearly the 100 ohm m
    # half-space: phase 45 deg, in ours and in SimPEG's fixture (44.9 deg both).
    ref, res = commemi
    i = int(np.argmin(ref["frequencies"]))
    assert ref["frequencies"][i] == pytest.approx(0.01)
    np.testing.assert_allclose(res.phase_tm[i, [0, -1]], 45.0, atol=0.5)
    np.testing.assert_allclose(ref["phase_tm"][i, [0, -1]], 45.0, atol=0.5)


def test_commemi_symmetry(commemi):
    _, res = commemi
    # The model and the stations are symmetric about x = 0.
    np.testing.assert_allclose(res.rho_a_te, res.rho_a_te[:, ::-1], rtol=1e-8)
    np.testing.assert_allclose(res.rho_a_tm, res.rho_a_tm[:, ::-1], rtol=1e-8)


CONTACT = Path(__file__).parent / "data" / "mt2d_contact.npz"


def _contact_forward(freqs, stations, rho_lr):
    """Our mesh for the contact: 250 m columns in |x| <= 24 km, 1.3x padding to 500 km; rows
    from 20 m growing by 1.1 to 2 km, then 1.3x to 500 km."""
    core = np.arange(-24.0, 24.001, 0.25)
    pad = _geometric(0.25 * 1.3, 1.3, 500.0)[1:]
    x = np.concatenate([core[0] - pad[::-1], core, core[-1] + pad])
    z1 = _geometric(0.02, 1.1, 20.0)
    z = np.concatenate([z1, z1[-1] + _geometric(2.0, 1.3, 500.0)[1:]])
    mesh = mt.MTMesh.from_nodes(x, z)
    xc = 0.5 * (x[1:] + x[:-1])
    rho = np.where(xc < 0, rho_lr[0], rho_lr[1])[None, :].repeat(z.size - 1, 0)
    return mt.Forward2D(mesh, stations, freqs).run(rho)


@pytest.mark.skipif(not CONTACT.exists(), reason="contact fixture not generated")
def test_vertical_contact_against_simpeg():
    ref = np.load(CONTACT)
    x = ref["stations"]
    res = _contact_forward(ref["frequencies"], x, ref["rho_left_right"])
    # Stations more than 1 km from the contact (SimPEG's 400 m cells smear the TM jump).
    # Observed: TE rho_a max 0.45 %, phase 0.07 deg; TM 3.1 % (median 0.4 %), 0.9 deg; the TM
    # maximum is SimPEG's far-field 1 Hz value over 10 ohm m (its 100 m top cells), where ours
    # gives the half-space's 10.00 ohm m.
    away = np.abs(x) > 1.0
    RA_MAX, RA_MED, PH_MAX, PH_MED = 0.04, 0.01, 1.2, 0.4
    for mode in ("te", "tm"):
        rel = np.abs(getattr(res, f"rho_a_{mode}")[:, away] / ref[f"rho_a_{mode}"][:, away] - 1)
        dph = np.abs(getattr(res, f"phase_{mode}")[:, away] - ref[f"phase_{mode}"][:, away])
        assert rel.max() < RA_MAX and np.median(rel) < RA_MED, (mode, rel.max(), np.median(rel))
        assert dph.max() < PH_MAX and np.median(dph) < PH_MED, (mode, dph.max(), np.median(dph))


BODY = Path(__file__).parent / "data" / "mt2d_layered_body.npz"


def _layered_body_forward(freqs, stations, layers, body):
    """Our mesh: 200 m columns in |x| <= 24 km, rows 20 m growing by 1.1 with nodes on every
    interface, 1.3x padding to 500 km."""
    core = np.linspace(-24.0, 24.0, 241)
    pad = _geometric(0.2 * 1.3, 1.3, 500.0)[1:]
    x = np.concatenate([core[0] - pad[::-1], core, core[-1] + pad])
    z1 = np.union1d(_geometric(0.02, 1.1, 20.0), [*layers[1:, 0], *body[2:4]])
    z1 = z1[np.r_[True, np.diff(z1) > 0.01]]
    z = np.concatenate([z1, z1[-1] + _geometric(2.0, 1.3, 500.0)[1:]])
    mesh = mt.MTMesh.from_nodes(x, z)
    xc, zc = 0.5 * (x[1:] + x[:-1]), 0.5 * (z[1:] + z[:-1])
    col = layers[np.searchsorted(layers[:, 0], zc, side="right") - 1, 1]
    rho = col[:, None].repeat(x.size - 1, 1)
    x0, x1, z0, z1_, rb = body
    rho[np.ix_((zc > z0) & (zc < z1_), (xc > x0) & (xc < x1))] = rb
    return mt.Forward2D(mesh, stations, freqs).run(rho)


@pytest.mark.skipif(not BODY.exists(), reason="layered-body fixture not generated")
def test_layered_resistive_body_against_simpeg():
    ref = np.load(BODY)
    x = ref["stations"]
    res = _layered_body_forward(ref["frequencies"], x, ref["layers"], ref["body"])
    # All stations (the body's edges lie on SimPEG's grid lines and on our nodes). Observed:
    # TE rho_a max 0.21 %, phase 0.04 deg; TM 2.2 % (median 0.3 %), 0.36 deg (0.01 Hz, over the
    # body's edges).
    RA_MAX, RA_MED, PH_MAX, PH_MED = 0.03, 0.005, 0.6, 0.2
    for mode in ("te", "tm"):
        rel = np.abs(getattr(res, f"rho_a_{mode}") / ref[f"rho_a_{mode}"] - 1)
        dph = np.abs(getattr(res, f"phase_{mode}") - ref[f"phase_{mode}"])
        assert rel.max() < RA_MAX and np.median(rel) < RA_MED, (mode, rel.max(), np.median(rel))
        assert dph.max() < PH_MAX and np.median(dph) < PH_MED, (mode, dph.max(), np.median(dph))


@pytest.fixture(scope="module")
def seeds_config():
    """The MT data task's section and stations at the fixture's frequencies, on our one-mesh
    and per-band-mesh solvers, with SimPEG's answers (tests/data/make_mt2d_seeds.py)."""
    from geoinvert.data import make_task

    ref = np.load(Path(__file__).parent / "data" / "mt2d_seeds.npz")
    p = make_task("mt").prior
    f = ref["frequencies"]
    xe, ze = np.linspace(0, p.width, p.nx + 1), np.linspace(0, p.depth, p.nz + 1)
    fws = {
        "one mesh": mt.Forward2D(mt.build_mesh(xe, ze, f, min_resistivity=5), p.x_centres, f),
        "band meshes": mt.Forward2D(
            mt.build_band_meshes(xe, ze, f, min_resistivity=5, max_resistivity=5000),
            p.x_centres,
            f,
        ),
    }
    return ref, ze, fws


def test_seeds_layered_against_exact_and_simpeg(seeds_config):
    # Laterally uniform model on the seeds' section (121 stations, 1e-3..1 Hz): the exact
    # answer is the 1-D recursion. Observed rho_a max error TE / TM: ours one mesh 0.13 / 0.14 %,
    # band meshes 0.24 / 0.25 %, SimPEG (69 500-cell fine mesh) 0.08 / 1.95 %; phase <= 0.03
    # deg (ours), 0.37 deg (SimPEG TM). Bounds: the 2-D-vs-1-D targets.
    ref, ze, fws = seeds_config
    f = ref["frequencies"]
    lay = ref["layered_resistivity"]
    ra1, ph1, _ = mt.forward_1d(f, lay[:, 0], np.diff(ze)[:-1])
    for fw in fws.values():
        res = fw.run(lay)
        for mode in ("te", "tm"):
            err = np.abs(getattr(res, f"rho_a_{mode}") / ra1[:, None] - 1)
            assert err.max() < 0.02 and np.median(err) < 0.005, (mode, err.max())
            assert np.abs(getattr(res, f"phase_{mode}") - ph1[:, None]).max() < 1.0
    # SimPEG's own error on this model, for the record (fixture sanity: a few percent at most)
    for mode in ("te", "tm"):
        assert np.abs(ref[f"layered_rho_a_{mode}"] / ra1[:, None] - 1).max() < 0.05


def test_seeds_prior_section_against_simpeg(seeds_config):
    # A draw of the MT task's prior (bodies reaching the surface, 5-4500 ohm m), 1e-3..1 Hz.
    # TE agrees closely: observed max 2.3 %, median 0.17 %, phase max 0.74 deg (0.73 % / 0.13
    # deg at stations whose +-2 neighbouring columns equal theirs in the top 60 km). TM agrees
    # in the median (0.64 %, phase 0.18 deg) but less next to surface contrasts: max 26 %, p90
    # 6.3 % (37 % / 6.4 % before the Jy surface-field recovery); with 4 mesh columns per model
    # column our TM moves to within 1-4.5 % of SimPEG at 1e-2..1 Hz (17 % at 1e-3 Hz), i.e.
    # what remains is mostly lateral resolution of the 5 km columns (benchmarks/README.md,
    # MT). Bounds sit just above what is observed, so a regression shows; they are not accuracy
    # claims for TM near contrasts.
    ref, _, fws = seeds_config
    rho = ref["prior_resistivity"]
    for fw in fws.values():
        res = fw.run(rho)
        e_te = np.abs(res.rho_a_te / ref["prior_rho_a_te"] - 1)
        e_tm = np.abs(res.rho_a_tm / ref["prior_rho_a_tm"] - 1)
        assert e_te.max() < 0.03 and np.median(e_te) < 0.003, (e_te.max(), np.median(e_te))
        assert np.abs(res.phase_te - ref["prior_phase_te"]).max() < 1.0
        assert np.median(e_tm) < 0.01 and np.percentile(e_tm, 90) < 0.09, np.median(e_tm)
        assert e_tm.max() < 0.3
        assert np.median(np.abs(res.phase_tm - ref["prior_phase_tm"])) < 0.3


def _stations_away_from_surface_contrasts(log10_rho, min_columns=1.0):
    """Stations (one per model column) more than ``min_columns`` columns from every column
    edge where the top model row changes resistivity."""
    edges = np.flatnonzero(np.abs(np.diff(log10_rho[0])) > 1e-9) + 0.5
    j = np.arange(log10_rho.shape[1])
    dist = np.min(np.abs(j[:, None] - edges[None, :]), axis=1) if edges.size else np.inf + j
    return dist > min_columns


def test_seeds_prior_section_away_from_surface_contrasts():
    # The prior draw of the fixture, stations more than one model column (5 km) from the two
    # surface contrasts (117 of 121), ours on a converged mesh: padding 10 skin depths (TM at
    # 1e-3 Hz changes by 2.8 % / 1.6 deg from 3 to 6 skin depths, 0.4 % / 0.07 deg from 6 to 10,
    # 0.04 % from 10 to 20) and 4 mesh columns per model column (<= 0.6 % / 0.4 deg from 4 to 8).
    # Observed against SimPEG (1e-3, 1e-2, 0.1, 1 Hz): TM rho_a max 9.2 / 5.0 / 1.1 / 0.8 %,
    # phase max 1.0 / 0.8 / 0.5 / 0.3 deg; TE max 1.2 %, 0.18 deg. The TM rho_a maxima sit above
    # the deep body's dipping flanks (stations 38-45 and 80-86); away from them (102 stations)
    # TM rho_a is within 5.5 / 1.2 / 0.7 / 0.8 %. SimPEG's mesh has 2 columns per model column,
    # which costs our own solver ~2 % in TM there.
    ref = np.load(Path(__file__).parent / "data" / "mt2d_seeds.npz")
    from geoinvert.data import make_task

    p = make_task("mt").prior
    f = ref["frequencies"]
    xe, ze = np.linspace(0, p.width, p.nx + 1), np.linspace(0, p.depth, p.nz + 1)
    rho = ref["prior_resistivity"]
    sel = _stations_away_from_surface_contrasts(np.log10(rho))
    assert sel.sum() == 117
    mesh = mt.build_mesh(xe, ze, f, min_resistivity=5, padding_skin_depths=10, x_subdivide=4)
    res = mt.Forward2D(mesh, p.x_centres, f).run(rho)
    e_tm = np.abs(res.rho_a_tm / ref["prior_rho_a_tm"] - 1)
    e_te = np.abs(res.rho_a_te[:, sel] / ref["prior_rho_a_te"][:, sel] - 1)
    bound = np.array([0.10, 0.055, 0.015, 0.01])  # per frequency, just above the observed
    assert np.all(e_tm[:, sel].max(axis=1) < bound), e_tm[:, sel].max(axis=1)
    flanks = np.zeros(sel.size, bool)
    flanks[38:46] = flanks[80:87] = True
    away = sel & ~flanks
    assert np.all(e_tm[:, away].max(axis=1) < [0.06, 0.015, 0.01, 0.01]), e_tm[:, away].max(1)
    assert np.median(e_tm[:, sel]) < 0.006
    assert np.abs(res.phase_tm[:, sel] - ref["prior_phase_tm"][:, sel]).max() < 1.1
    assert e_te.max() < 0.015
    assert np.abs(res.phase_te[:, sel] - ref["prior_phase_te"][:, sel]).max() < 0.3
