"""geoinvert.dispersion against the peers (disba, CPS surf96) and the independent reference.

The fixture ``tests/data/dispersion_fixtures.npz`` is made by
``tests/data/make_dispersion_fixtures.py`` (236 models, Rayleigh and Love, modes 0 and 1,
phase and group; see ``tests/data/dispersion_fixtures.md`` for where the peers fail). The slow
reference (``tests/dispersion_reference.py``) only runs here on the analytic cases; its values
for the fixture models are stored in the .npz.

Tolerances (relative):

* phase vs reference 1e-6, group vs reference 1e-5: the issue's targets. The reference roots
  are bisected to ~1e-15 and its group velocity (implicit differentiation with 5-point
  differences) agrees with 5-point differences of polished roots to ~1e-10
  (``test_reference_group_matches_root_differences``), so the reference error is negligible.
* phase vs peers 1e-5 where the two peers agree to 2e-6 with each other (their roots are
  refined to ~1e-6 relative, CPS in single precision).
* group vs peers: the peers' group velocities are finite differences (disba: ±2.5 % in period,
  CPS: ±0.5 % with single-precision phases) off by up to ~1e-3. Ours must be no farther from a
  peer than the reference is, plus 1e-5: ``|ours/peer − 1| ≤ |ref/peer − 1| + 1e-5``, where the
  peers agree with each other to 1e-3.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import dispersion_reference as ref  # noqa: E402

FIXTURE = HERE / "data" / "dispersion_fixtures.npz"
WAVES = ("rayleigh", "love")
RTOL_PHASE_REF = 1e-6
RTOL_GROUP_REF = 1e-5
RTOL_PHASE_PEER = 1e-5
PEER_PHASE_AGREE = 2e-6
PEER_GROUP_AGREE = 1e-3


# --------------------------------------------------------------------------- the reference itself


@pytest.mark.parametrize(("vp", "vs"), [(6.0, 3.5), (5.0, 2.0), (1.8, 1.0), (8.1, 4.5)])
def test_reference_halfspace_rayleigh(vp: float, vs: float) -> None:
    """A homogeneous model (two identical layers) gives the Rayleigh-equation root at all T."""
    exact = ref.rayleigh_halfspace_velocity(vp, vs)
    ph, gr = ref.reference_curves([0.5, 5.0, 50.0], [7.0, 0.0], [vp, vp], [vs, vs], [2.5, 2.5])
    np.testing.assert_allclose(ph[0], exact, rtol=1e-13)
    np.testing.assert_allclose(gr[0], exact, rtol=1e-8)  # non-dispersive: U = c
    assert np.all(np.isnan(ph[1]))  # a half-space has no overtone


def test_reference_love_layer_over_halfspace() -> None:
    """Modes 0-2 of the closed-form Love relation, phase and group, incl. periods whose mode-1
    root lies within 2e-7 of the half-space vs (0.9995 of the cut-off period)."""
    h, b1, r1, b2, r2 = 30.0, 3.5, 2.8, 4.5, 3.3
    tc = 2 * h * np.sqrt(1 / b1**2 - 1 / b2**2)  # mode-1 cut-off period (s)
    periods = np.array([1.0, 3.0, 10.0, 0.99 * tc, 0.9995 * tc, 40.0, 100.0])
    model = ([h, 0.0], [6.0, 8.0], [b1, b2], [r1, r2])
    ph, gr = ref.reference_curves(periods, *model, wave="love", n_modes=3)
    for mode in range(3):
        exact = np.array(
            [ref.love_layer_over_halfspace(t, h, b1, r1, b2, r2, mode, group=True) for t in periods]
        )
        np.testing.assert_allclose(ph[mode], exact[:, 0], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(gr[mode], exact[:, 1], rtol=1e-8, equal_nan=True)
    assert np.isfinite(ph[1, 4]) and 1 - ph[1, 4] / b2 < 1e-6 and np.isnan(ph[1, 5])


def test_reference_group_matches_root_differences() -> None:
    """Implicit-derivative group velocity == 5-point difference of polished roots in ω."""
    model = (
        [2.0, 8.0, 20.0, 0.0],
        [3.0, 5.5, 6.5, 8.0],
        [1.2, 3.2, 3.7, 4.6],
        [2.1, 2.6, 2.9, 3.3],
    )
    t = np.array([2.0, 6.0, 20.0])
    for wave in WAVES:
        _ph, gr = ref.reference_curves(t, *model, wave=wave)
        w = 2 * np.pi / t
        rel = 1e-4
        ks = []
        for j in (-2, -1, 1, 2):
            wj = w * (1 + j * rel)
            pj, _ = ref.reference_curves(2 * np.pi / wj, *model, wave=wave)
            ks.append(wj / pj)
        dkdw = (ks[0] - 8 * ks[1] + 8 * ks[2] - ks[3]) / (12 * rel * w)
        np.testing.assert_allclose(gr, 1 / dkdw, rtol=1e-8, equal_nan=True)


def test_reference_flattening_is_cps_sphere() -> None:
    """flatten_cps restates CPS sphere(): a=6370 km, mid-radius factor, 1-km half-space."""
    d, _vp, vs, rho = ref.flatten_cps(
        [10.0, 20.0, 5.0], [6.0, 7.0, 8.0], [3.5, 4.0, 4.5], [2.7, 3.0, 3.3], "rayleigh"
    )
    a = 6370.0
    np.testing.assert_allclose(d[:2], [a * np.log(a / 6360), a * np.log(6360 / 6340)], rtol=1e-12)
    tmp = np.array([2 * a / (a + 6360), 2 * a / (6360 + 6340), 2 * a / (6340 + 6339)])
    np.testing.assert_allclose(vs, [3.5, 4.0, 4.5] * tmp, rtol=1e-14)
    np.testing.assert_allclose(rho, [2.7, 3.0, 3.3] * tmp**-2.275, rtol=1e-14)
    _, _, _, rho_l = ref.flatten_cps(
        [10.0, 20.0, 5.0], [6.0, 7.0, 8.0], [3.5, 4.0, 4.5], [2.7, 3.0, 3.3], "love"
    )
    np.testing.assert_allclose(rho_l, [2.7, 3.0, 3.3] * tmp**-5, rtol=1e-14)


# --------------------------------------------------------------------------- geoinvert vs fixtures


@pytest.fixture(scope="module")
def fx() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def ours(fx: dict[str, np.ndarray]) -> np.ndarray:
    """geoinvert phase and group on every fixture case: (model, wave, mode, kind, period)."""
    disp = pytest.importorskip("geoinvert.dispersion", reason="geoinvert.dispersion not built yet")
    nm, ntm = fx["periods"].shape
    out = np.full((nm, 2, 2, 2, ntm), np.nan)
    for i in range(nm):
        nl, nt = int(fx["n_layers"][i]), int(fx["n_periods"][i])
        model = [fx[k][i, :nl] for k in ("thickness", "vp", "vs", "rho")]
        for iw, wave in enumerate(WAVES):
            if not fx["done"][i, iw]:
                continue
            for mode in range(2):
                ph, gr = disp.curves(
                    fx["periods"][i, :nt],
                    *model,
                    wave=wave,
                    mode=mode,
                    spherical=bool(fx["spherical"][i]),
                    n_threads=1,
                )
                out[i, iw, mode, 0, :nt] = ph
                out[i, iw, mode, 1, :nt] = gr
    return out


def _cases(mask: np.ndarray, fx: dict[str, np.ndarray], limit: int = 8) -> str:
    idx = np.argwhere(mask)[:limit]
    return "; ".join(
        f"model {i} ({fx['kind'][i]}) {WAVES[w]} mode {m} {'phase' if k == 0 else 'group'} T={fx['periods'][i, t]:.4g}s"
        for i, w, m, k, t in idx
    )


def _computed(fx: dict[str, np.ndarray]) -> np.ndarray:
    """Mask (model, wave, mode, kind, period) of cases that exist in the fixture."""
    _nm, ntm = fx["periods"].shape
    per = np.arange(ntm)[None, :] < fx["n_periods"][:, None]
    return fx["done"][:, :, None, None, None] & per[:, None, None, None, :]


def test_zero_missed_roots(fx: dict[str, np.ndarray], ours: np.ndarray) -> None:
    """NaN exactly where the reference finds no root: no missed and no spurious modes."""
    valid = _computed(fx)
    r = fx["ref"]
    missed = valid & np.isfinite(r) & ~np.isfinite(ours)
    spurious = valid & ~np.isfinite(r) & np.isfinite(ours)
    assert not missed.any(), f"{missed.sum()} missed roots: {_cases(missed, fx)}"
    assert not spurious.any(), f"{spurious.sum()} spurious values: {_cases(spurious, fx)}"


@pytest.mark.parametrize(
    ("kind", "rtol"), [(0, RTOL_PHASE_REF), (1, RTOL_GROUP_REF)], ids=["phase", "group"]
)
def test_against_reference(
    fx: dict[str, np.ndarray], ours: np.ndarray, kind: int, rtol: float
) -> None:
    r = fx["ref"][:, :, :, kind]
    o = ours[:, :, :, kind]
    both = np.isfinite(r) & np.isfinite(o)
    rel = np.where(both, np.abs(o / np.where(both, r, 1.0) - 1.0), 0.0)
    bad = rel > rtol
    full = np.zeros(ours.shape, dtype=bool)
    full[:, :, :, kind] = bad
    assert not bad.any(), (
        f"max rel {rel.max():.2e} > {rtol:g} at {bad.sum()} values: {_cases(full, fx)}"
    )


def test_phase_against_peers_where_they_agree(fx: dict[str, np.ndarray], ours: np.ndarray) -> None:
    d, c = fx["disba"][:, :, :, 0], fx["cps"][:, :, :, 0]
    agree = np.isfinite(d) & np.isfinite(c)
    agree &= np.abs(d / np.where(agree, c, 1.0) - 1.0) <= PEER_PHASE_AGREE
    # Both peers can agree on the same wrong root (model 193, Love mode 1, T = 3.49 s: both step
    # over a pair of roots 1.4e-3 km/s apart; see dispersion_fixtures.md). Values the fixture
    # script flagged as a peer failure are checked against the reference, with the tighter
    # tolerance, in test_right_where_peers_fail.
    agree &= np.all(fx["status"][:, :, :, :, 0] == 0, axis=1)
    assert agree.sum() > 4000  # the comparison is not vacuous
    o = ours[:, :, :, 0]
    assert np.all(np.isfinite(o[agree])), "NaN where both peers find the same root"
    peer = 0.5 * (d + c)
    rel = np.abs(o[agree] / peer[agree] - 1.0)
    assert rel.max() <= RTOL_PHASE_PEER, f"max rel vs peers {rel.max():.2e}"


def test_group_against_peers_where_they_agree(fx: dict[str, np.ndarray], ours: np.ndarray) -> None:
    d, c = fx["disba"][:, :, :, 1], fx["cps"][:, :, :, 1]
    agree = np.isfinite(d) & np.isfinite(c)
    agree &= np.abs(d / np.where(agree, c, 1.0) - 1.0) <= PEER_GROUP_AGREE
    assert agree.sum() > 3000
    o = ours[:, :, :, 1][agree]
    r = fx["ref"][:, :, :, 1][agree]
    assert np.all(np.isfinite(o)), "NaN where both peers find a group velocity"
    for name, p in (("disba", d[agree]), ("cps", c[agree])):
        excess = np.abs(o / p - 1.0) - (np.abs(r / p - 1.0) + RTOL_GROUP_REF)
        assert excess.max() <= 0.0, (
            f"group farther from {name} than the reference: {excess.max():.2e}"
        )


def test_right_where_peers_fail(fx: dict[str, np.ndarray], ours: np.ndarray) -> None:
    """On every value where disba or CPS fails (missing, jumped, wrong, raised), ours is right."""
    failed = np.any(fx["status"] > 0, axis=1)  # (model, wave, mode, kind, period)
    assert failed.sum() > 50  # the fixture does contain hard cases
    r = fx["ref"][failed]
    o = ours[failed]
    kind = np.broadcast_to(np.arange(2)[None, None, None, :, None], failed.shape)[failed]
    tol = np.where(kind == 0, RTOL_PHASE_REF, RTOL_GROUP_REF)
    same_nan = np.isnan(r) == np.isnan(o)
    close = np.abs(np.where(np.isfinite(r), o / r, 1.0) - 1.0) <= tol
    ok = same_nan & (np.isnan(r) | close)
    assert ok.all(), f"{(~ok).sum()} of {ok.size} peer failures not avoided"


# ------------------------------------------------- the phase-only path and the second overtone


@pytest.fixture(scope="module")
def ours_extra(fx: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(phase-only path, modes 0-1: (model, wave, mode, period); mode 2 phase and group:
    (model, wave, kind, period)). phase_velocity continues roots without dc/domega (another
    predictor than curves), so its mode jumps are not covered by ``ours``."""
    disp = pytest.importorskip("geoinvert.dispersion", reason="geoinvert.dispersion not built yet")
    nm, ntm = fx["periods"].shape
    ph_only = np.full((nm, 2, 2, ntm), np.nan)
    mode2 = np.full((nm, 2, 2, ntm), np.nan)
    for i in range(nm):
        nl, nt = int(fx["n_layers"][i]), int(fx["n_periods"][i])
        model = [fx[k][i, :nl] for k in ("thickness", "vp", "vs", "rho")]
        per = fx["periods"][i, :nt]
        opts = {"spherical": bool(fx["spherical"][i]), "n_threads": 1}
        for iw, wave in enumerate(WAVES):
            if not fx["done"][i, iw]:
                continue
            for mode in range(2):
                ph_only[i, iw, mode, :nt] = disp.phase_velocity(
                    per, *model, wave=wave, mode=mode, **opts
                )
            ph, gr = disp.curves(per, *model, wave=wave, mode=2, **opts)
            mode2[i, iw, 0, :nt] = ph
            mode2[i, iw, 1, :nt] = gr
    return ph_only, mode2


def _mismatch(o: np.ndarray, r: np.ndarray, rtol: float) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(o / r - 1.0)
    return (np.isnan(o) != np.isnan(r)) | (np.isfinite(r) & ~(rel <= rtol))


def test_phase_only_path_against_reference(
    fx: dict[str, np.ndarray], ours_extra: tuple[np.ndarray, np.ndarray]
) -> None:
    """phase_velocity (modes 0 and 1) == reference to 1e-6, NaN exactly where it has no root."""
    ph_only, _ = ours_extra
    r = fx["ref"][:, :, :, 0]
    valid = _computed(fx)[:, :, :, 0]
    bad = valid & _mismatch(ph_only, r, RTOL_PHASE_REF)
    assert not bad.any(), f"{bad.sum()} values: {np.argwhere(bad)[:8].tolist()}"


@pytest.mark.parametrize(
    ("kind", "rtol"), [(0, RTOL_PHASE_REF), (1, RTOL_GROUP_REF)], ids=["phase", "group"]
)
def test_second_overtone_against_reference(
    fx: dict[str, np.ndarray], ours_extra: tuple[np.ndarray, np.ndarray], kind: int, rtol: float
) -> None:
    """Mode 2 (needs modes 0 and 1 counted right below it) == the reference's ``ref_mode2``."""
    _, mode2 = ours_extra
    valid = _computed(fx)[:, :, 0, 0]
    bad = valid & _mismatch(mode2[:, :, kind], fx["ref_mode2"][:, :, kind], rtol)
    assert not bad.any(), f"{bad.sum()} values: {np.argwhere(bad)[:8].tolist()}"
