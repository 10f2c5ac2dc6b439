"""Make tests/data/rf_fixtures.npz: reference receiver functions for tests/test_rf.py.

Run from the repository root (needs the geoinvert package for the reference Earth models;
telewavesim is optional):

    python tests/data/make_rf_fixtures.py

Contents (all RFs: radial R/Z, Gaussian a = 2.5 rad/s, dt = 0.05 s, 4096-point FFT, direct P at
shift = 5 s, first 1600 samples (80 s) kept, float64; telewavesim float32):

* ``thickness, vp, vs, rho`` (n_models, n_layers): models padded with stack_models (km, km/s,
  g/cm³); ``names`` their labels (unique; X-discontinuity variants are ``<base>_x<depth>...``);
  ``slowness`` (n_models,) in s/km (0.04-0.08).
* ``family`` (n_models,): the model's kind (``crust1``, ``sed``, ``ak135``, ...); ``x_depth`` and
  ``x_dvs`` (n_models,): depth (km) and Vs jump (%) of the inserted X-discontinuity, NaN and 0
  for models without one; ``max_depth`` (n_models,): depth of the half-space's top (km).
* ``reference`` (n_models, 1600): the independent numpy Kennett-recursion reference of
  tests/rf_reference.py (full band, no Gaussian cut-off).
* ``telewavesim`` (n_models, 1600) and ``has_telewavesim``: telewavesim 0.2.1's run_plane
  displacements turned into R/Z with the same Gaussian, shift and irfft; NaN for models with
  more than 30 layers (stock telewavesim's compiled limit nlaymx = 30) or if telewavesim was not
  importable.

* ``seispy`` (n_models, 1600) and ``has_seispy``: seispy's numba Thomson-Haskell forward
  (``seispy.seisfwd.fwd_seis``, PyPI package ``python-seispy`` 1.3.11 - the PyPI name ``seispy``
  is a different, Python >= 3.12 package) turned into R/Z the same way. fwd_seis skips omega = 0,
  so the DC bin takes the exact static limit from the numpy reference; NaN without seispy.

Peers were installed in a private venv: ``pip install telewavesim numba`` and
``pip install --no-deps python-seispy`` (telewavesim needs liblapack-dev to build). The file was
last regenerated (2026-12-07) with *stock* telewavesim 0.2.1 (sdist built unchanged, nlaymx = 30,
on the PYTHONPATH) and python-seispy 1.3.11 (its package ``__init__`` also imports pandas and
pyproj); the builds of telewavesim with more layers and with addit() corrected are in
make_rf_telewavesim_builds.py.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rf_reference import reference_rf, reference_spectra  # noqa: E402

from geoinvert.earth import LayeredModel, insert_discontinuity, layered, stack_models  # noqa: E402

DT, NFFT, GAUSS, SHIFT, NKEEP = 0.05, 4096, 2.5, 5.0, 1600


@dataclass(frozen=True)
class Case:
    """A fixture model and what it is: family, inserted X-discontinuity (depth km, Vs jump %)."""

    model: LayeredModel
    family: str
    x_depth: float = float("nan")
    x_dvs: float = 0.0


def cases() -> list[Case]:
    out: list[Case] = []

    def add(name, h, vp, vs, rho):
        family = name.split("_")[0]
        out.append(Case(LayeredModel.from_arrays(h, vp, vs, rho, name=name), family))

    def add_x(base, depth, dvs, tag="", **kw):
        m = insert_discontinuity(base, depth, dvs, **kw)
        out.append(Case(replace(m, name=f"{base.name}_x{depth:g}{tag}"), base.name, depth, dvs))

    # Simple crusts: one layer over a half-space.
    for k, (h, vp, vs) in enumerate(
        [(25, 6.0, 3.45), (35, 6.3, 3.6), (45, 6.5, 3.75), (30, 6.2, 3.4)]
    ):
        add(f"crust1_{k}", [h, 0], [vp, 8.1], [vs, 4.5], [2.8, 3.35])
    add("crust1_weak", [35, 0], [6.6, 7.2], [3.8, 4.0], [2.9, 3.1])
    add("crust1_strong", [40, 0], [5.8, 8.3], [3.2, 4.7], [2.6, 3.4])
    # Two-layer crusts (two interfaces: the case telewavesim gets wrong).
    add("crust2_a", [15, 20, 0], [6.0, 6.8, 8.1], [3.5, 3.9, 4.5], [2.7, 2.95, 3.35])
    add("crust2_b", [20, 15, 0], [5.8, 6.6, 8.0], [3.35, 3.8, 4.45], [2.65, 2.9, 3.3])
    add("crust2_c", [10, 30, 0], [6.1, 6.9, 8.2], [3.5, 4.0, 4.6], [2.75, 3.0, 3.4])
    add("crust2_d", [25, 15, 0], [6.2, 7.0, 8.1], [3.6, 3.95, 4.5], [2.8, 3.0, 3.35])
    # Sediments over a crust.
    add("sed_thin", [1.0, 30, 0], [2.5, 6.3, 8.1], [1.2, 3.6, 4.5], [2.1, 2.8, 3.35])
    add("sed_2km", [2.0, 32, 0], [3.0, 6.3, 8.1], [1.5, 3.6, 4.5], [2.2, 2.8, 3.35])
    add(
        "sed_soft",
        [0.5, 1.5, 30, 0],
        [1.9, 3.2, 6.2, 8.0],
        [0.7, 1.7, 3.55, 4.45],
        [1.9, 2.3, 2.8, 3.3],
    )
    add("sed_thick", [4.0, 28, 0], [3.5, 6.4, 8.1], [1.9, 3.7, 4.5], [2.35, 2.85, 3.35])
    # Crustal low-velocity layers.
    add(
        "lvl_mid",
        [12, 6, 17, 0],
        [6.1, 5.6, 6.6, 8.1],
        [3.55, 3.0, 3.8, 4.5],
        [2.75, 2.6, 2.9, 3.35],
    )
    add(
        "lvl_upper",
        [5, 4, 26, 0],
        [6.0, 5.2, 6.5, 8.0],
        [3.5, 2.8, 3.75, 4.45],
        [2.7, 2.5, 2.9, 3.3],
    )
    add(
        "lvl_lower",
        [18, 8, 10, 0],
        [6.2, 6.9, 6.0, 8.1],
        [3.6, 4.0, 3.3, 4.5],
        [2.8, 3.0, 2.85, 3.35],
    )
    # Multi-layer crusts and a mantle LVZ.
    add(
        "multi_8",
        [2, 5, 8, 10, 10, 8, 40, 0],
        [4.5, 5.8, 6.1, 6.4, 6.7, 7.0, 8.05, 8.2],
        [2.5, 3.35, 3.5, 3.7, 3.85, 4.0, 4.5, 4.6],
        [2.4, 2.65, 2.75, 2.85, 2.95, 3.05, 3.35, 3.4],
    )
    add(
        "mantle_lvz",
        [35, 45, 40, 0],
        [6.4, 8.1, 7.8, 8.3],
        [3.65, 4.55, 4.2, 4.65],
        [2.85, 3.35, 3.3, 3.4],
    )
    add(
        "gradient_crust",
        np.r_[np.full(10, 3.5), 0.0],
        np.r_[np.linspace(5.9, 6.9, 11)[:10], 8.1],
        np.r_[np.linspace(3.4, 3.95, 11)[:10], 4.5],
        np.r_[np.linspace(2.65, 3.0, 11)[:10], 3.35],
    )
    # Reference Earth models to 800 km, with and without an X-discontinuity.
    for name in ("ak135", "iasp91", "prem"):
        base = layered(name, max_depth=800.0, layer_thickness=14.0)
        out.append(Case(base, name))
        add_x(base, 300.0, 3.0)
        add_x(base, 280.0, 2.0, "_g10", dvp_percent=1.0, thickness=10.0)
    ak = layered("ak135", max_depth=800.0, layer_thickness=14.0)
    add_x(ak, 330.0, 4.0, "_rho", drho_percent=1.0)
    prem10 = layered("prem", max_depth=800.0, layer_thickness=10.0)
    out.append(Case(replace(prem10, name="prem_dz10"), "prem"))
    return out


def models() -> list[LayeredModel]:
    """The fixture models, in the order of the npz rows."""
    return [c.model for c in cases()]


def telewavesim_rf(model: LayeredModel, p: float) -> np.ndarray:
    from telewavesim import utils

    h, vp, vs, rho = model.arrays()
    tw_model = utils.Model(list(h), list(rho * 1000.0), list(vp), list(vs), "iso")
    st = utils.run_plane(tw_model, p, NFFT, DT, baz=0.0)
    tfs_in = st
    ntr, etr, ztr = tfs_in[0], tfs_in[1], tfs_in[2]
    rdata, _ = utils.rotate_ne_rt(ntr.data, etr.data, 0.0)
    omega = 2.0 * np.pi * np.fft.rfftfreq(NFFT, DT)
    spec = np.fft.rfft(rdata) / np.fft.rfft(ztr.data)
    spec *= np.exp(-(omega**2) / (4.0 * GAUSS**2) - 1j * omega * SHIFT)
    return np.fft.irfft(spec, NFFT)[:NKEEP]


def seispy_rf(model: LayeredModel, p: float) -> np.ndarray:
    from seispy.seisfwd import fwd_seis

    h, vp, vs, rho = (np.ascontiguousarray(a, dtype=np.float64) for a in model.arrays())
    ur, uz = fwd_seis(float(p), DT, NFFT, 1, vp, vs, rho, h)
    half = NFFT // 2 + 1
    # seispy builds time series with ifft(...)[::-1], i.e. the exp(-i omega t) convention and a
    # vertical positive down: our R/Z_up spectrum is conj(ur / -uz).
    ratio = np.zeros(half, dtype=complex)
    ratio[1:] = np.conj(ur[1:half] / (-uz[1:half]))
    r0, z0 = reference_spectra(h, vp, vs, rho, p, np.array([0.0]))
    ratio[0] = (r0 / z0)[0]
    omega = 2.0 * np.pi * np.fft.rfftfreq(NFFT, DT)
    ratio *= np.exp(-(omega**2) / (4.0 * GAUSS**2) - 1j * omega * SHIFT)
    return np.fft.irfft(ratio, NFFT)[:NKEEP]


def main() -> None:
    cs = cases()
    ms = [c.model for c in cs]
    slow = np.linspace(0.04, 0.08, 5)[np.arange(len(ms)) % 5]
    t, vp, vs, rho = stack_models(ms)
    ref = np.array(
        [
            reference_rf(*m.arrays(), p, dt=DT, n_fft=NFFT, gaussian=GAUSS, shift=SHIFT)[:NKEEP]
            for m, p in zip(ms, slow, strict=True)
        ]
    )
    try:
        import telewavesim  # noqa: F401

        # Stock telewavesim is compiled with at most nlaymx = 30 layers (src/rmat.f90).
        tw = np.array(
            [
                telewavesim_rf(m, p) if m.n_layers <= 30 else np.full(NKEEP, np.nan)
                for m, p in zip(ms, slow, strict=True)
            ]
        )
        has_tw = True
    except ImportError:
        tw = np.full_like(ref, np.nan)
        has_tw = False
    try:
        import seispy.seisfwd  # noqa: F401

        sp = np.array([seispy_rf(m, p) for m, p in zip(ms, slow, strict=True)])
        has_sp = True
    except ImportError:
        sp = np.full_like(ref, np.nan)
        has_sp = False
    np.savez_compressed(
        HERE / "rf_fixtures.npz",
        thickness=t,
        vp=vp,
        vs=vs,
        rho=rho,
        names=np.array([m.name for m in ms]),
        family=np.array([c.family for c in cs]),
        x_depth=np.array([c.x_depth for c in cs]),
        x_dvs=np.array([c.x_dvs for c in cs]),
        max_depth=np.array([m.thickness[:-1].sum() for m in ms]),
        slowness=slow,
        reference=ref,
        telewavesim=tw.astype(np.float32),
        has_telewavesim=has_tw,
        seispy=sp,
        has_seispy=has_sp,
        dt=DT,
        n_fft=NFFT,
        gaussian=GAUSS,
        shift=SHIFT,
    )
    print(f"{len(ms)} models, max layers {t.shape[1]}, telewavesim: {has_tw}, seispy: {has_sp}")


if __name__ == "__main__":
    main()
