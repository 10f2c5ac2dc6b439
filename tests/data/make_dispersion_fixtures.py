"""Make tests/data/dispersion_fixtures.npz (+ .md summary): peers and the reference on 236 models.

How it was run (from the repository root, peers installed: ``pip install disba pysurf96``)::

    OMP_NUM_THREADS=1 nice python tests/data/make_dispersion_fixtures.py --workers 2

Peer versions used are written into the .npz (``versions``) and the .md summary. Seeded and
deterministic (``numpy.random.default_rng(SEED)``; the reference is deterministic, the peers too).

Models (all values rounded to float32 so that CPS, which reads ``real*4``, sees the same model):

* ``crust`` 60, ``crust_lvz`` 30 (mid-crust low-velocity zone), ``crust_mantle`` 40 (20–40
  layers to 100–200 km), ``deep_spherical`` 30 (15–40 layers to 400–600 km, earth flattening,
  20–150 s, includes PREM from /work/shared/data), ``ocean`` 30 (water layer, Rayleigh only),
  ``generic`` 20 (3–40 random layers, half-space fastest);
* hard ones: ``slow_top`` 8 (thick slow top layer, 1–4 s, crowded modes), ``love_near_vs`` 6
  (Love roots within ~1e-5–2e-4 of the half-space vs), ``near_cutoff`` 6 (periods around the
  cut-off of mode 1), ``strong_lvz`` 6 (30–40 % crustal LVZ at 1–10 s, channel modes).

For each model: ascending periods (≤ 16), Rayleigh and Love (Love skipped with a water layer),
modes 0 and 1, phase and group, from disba (Dunkin, dc = 0.005, group dt = 0.025: its
defaults), pysurf96 (CPS surfdisp96, flat_earth=False for spherical models) and
``tests/dispersion_reference.py`` (3 modes, the third only to recognise jumped modes).
disba has no earth flattening: it is given the CPS-flattened model (``flatten_cps``, per wave).

Peer status codes per period (``status``): 0 agrees or both have no root, 1 missing (peer has
no value where the reference has a root), 2 spurious (value where the reference has none),
3 jumped (value is another mode of the reference within 1e-4), 4 wrong (phase off by > 1e-4
or group off by > 1e-2), 5 the peer raised, -1 not computed.
"""

from __future__ import annotations

import argparse
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import dispersion_reference as ref  # noqa: E402

SEED = 20261122
NL_MAX = 41  # PREM in 40 layers + half-space
NT_MAX = 16
WAVES = ("rayleigh", "love")
PEERS = ("disba", "cps")
TOL_PHASE = 1e-4  # classification only: peers converge to ~1e-6, a bad root is off by ≫ 1e-4
TOL_GROUP = 1e-2  # classification only: peer group velocities are finite differences (~1e-4)
PREM = Path("/work/shared/data/earth_models/prem.txt")


def f32(x):
    return np.asarray(np.asarray(x, dtype=np.float32), dtype=np.float64)


def _mk(kind, d, vp, vs, rho, periods, spherical=False):
    d, vp, vs, rho = (f32(np.round(np.asarray(x, float), 4)) for x in (d, vp, vs, rho))
    d[-1] = 0.0
    periods = np.unique(f32(np.round(np.asarray(periods, float), 4)))
    return dict(kind=kind, d=d, vp=vp, vs=vs, rho=rho, t=periods, sph=spherical)


def _vp_rho(vs, rng):
    vp = vs * rng.uniform(1.65, 1.85, vs.size)
    rho = 1.74 * vp**0.25  # Brocher-ish, g/cm³
    return vp, rho


def crust(rng, lvz=False):
    n = int(rng.integers(3, 11))
    htot = rng.uniform(20, 50)
    d = rng.dirichlet(np.ones(n - 1)) * htot
    vs = np.sort(rng.uniform(2.6, 4.0, n - 1))
    if lvz and n >= 4:
        j = int(rng.integers(1, n - 2))
        vs[j] = vs[j - 1] * rng.uniform(0.75, 0.9)
    vs = np.append(vs, rng.uniform(4.3, 4.7))
    vp, rho = _vp_rho(vs, rng)
    t = np.geomspace(rng.uniform(2, 5), rng.uniform(40, 80), int(rng.integers(8, 15)))
    return _mk("crust_lvz" if lvz else "crust", np.append(d, 0), vp, vs, rho, t)


def crust_mantle(rng):
    n = int(rng.integers(20, 41))
    zmax = rng.uniform(100, 200)
    d = np.full(n - 1, zmax / (n - 1)) * rng.uniform(0.7, 1.3, n - 1)
    z = np.cumsum(d) - d / 2
    moho = rng.uniform(25, 50)
    vs = np.where(z < moho, 3.0 + 0.02 * z, 4.4 + 0.001 * (z - moho))
    vs = vs + rng.normal(0, 0.05, n - 1)
    if rng.random() < 0.5:  # mantle LVZ
        vs = np.where((z > 80) & (z < 150), vs - rng.uniform(0.1, 0.3), vs)
    vs = np.append(vs, 4.75)
    vp, rho = _vp_rho(vs, rng)
    t = np.geomspace(5, 100, int(rng.integers(10, 17)))
    return _mk("crust_mantle", np.append(d, 0), vp, vs, rho, t)


def _prem_layers(zmax, n):
    tab = np.loadtxt(PREM)
    edges = np.linspace(0, zmax, n)
    mids = 0.5 * (edges[1:] + edges[:-1])
    # evaluate below a repeated depth with the deeper value: sort stable by depth
    z = tab[:, 0] + np.arange(tab.shape[0]) * 1e-9
    vals = [np.interp(mids, z, tab[:, i]) for i in (1, 2, 3)]
    last = [np.interp(zmax, z, tab[:, i]) for i in (1, 2, 3)]
    d = np.append(np.diff(edges), 0.0)
    return d, *(np.append(v, lv) for v, lv in zip(vals, last, strict=True))


def deep_spherical(rng, prem=False):
    if prem:
        d, vp, vs, rho = _prem_layers(600.0, 41)
        return _mk("deep_spherical", d, vp, vs, rho, np.geomspace(20, 150, 14), True)
    n = int(rng.integers(15, 41))
    zmax = rng.uniform(400, 600)
    d, vp, vs, rho = _prem_layers(zmax, n)
    pert = 1 + rng.normal(0, 0.02, n)
    pert[-1] = 1.0
    vs = vs * pert
    vp = vp * (1 + rng.normal(0, 0.01, n))
    vs[-1] = max(vs[-1], vs.max() + 0.05)
    t = np.geomspace(rng.uniform(20, 30), 150, int(rng.integers(10, 17)))
    return _mk("deep_spherical", d, vp, vs, rho, t, True)


def ocean(rng):
    hw = rng.uniform(0.5, 5.0)
    hs = rng.uniform(0.2, 2.0)
    vss = rng.uniform(0.3, 1.0)
    hc = rng.uniform(5, 8)
    d = [hw, hs, hc * 0.4, hc * 0.6, 0]
    vs = np.array([0.0, vss, 3.2, 3.8, 4.5])
    vp = np.array([1.5, vss * rng.uniform(1.8, 3.0), 5.6, 6.7, 8.1])
    rho = np.array([1.03, 1.7, 2.6, 2.9, 3.3])
    t = np.geomspace(rng.uniform(3, 6), 50, int(rng.integers(8, 15)))
    return _mk("ocean", d, vp, vs, rho, t)


def generic(rng):
    n = int(rng.integers(3, 41))
    d = rng.uniform(0.5, 8.0, n)
    vs = rng.uniform(1.0, 4.3, n)
    vs[-1] = vs.max() + rng.uniform(0.1, 0.5)
    vp, rho = _vp_rho(vs, rng)
    t = np.geomspace(rng.uniform(1, 5), rng.uniform(30, 80), int(rng.integers(8, 17)))
    return _mk("generic", d, vp, vs, rho, t)


def slow_top(rng):
    h = rng.uniform(2, 6)
    v1 = rng.uniform(0.8, 1.5)
    d = [h, 15, 0]
    vs = np.array([v1, 3.4, 3.9])
    vp = np.array([v1 * 2.0, 5.9, 6.8])
    rho = np.array([2.0, 2.7, 2.9])
    return _mk("slow_top", d, vp, vs, rho, np.geomspace(1, 4, 12))


def love_near_vs(rng):
    h = rng.uniform(1, 3)
    b1, b2 = rng.uniform(3.2, 3.4), rng.uniform(3.5, 3.6)
    d, vs, rho = [h, 0], np.array([b1, b2]), np.array([2.7, 2.9])
    vp = vs * 1.73
    # periods whose Love fundamental gap 1 - c/β2 spans ~2e-4 .. 1e-5
    tt = np.geomspace(5, 2000, 200)
    gaps = np.array([1 - ref.love_layer_over_halfspace(t, h, b1, 2.7, b2, 2.9) / b2 for t in tt])
    sel = tt[(gaps < 2.5e-4) & (gaps > 8e-6)]
    t = np.geomspace(sel.min(), sel.max(), 12)
    return _mk("love_near_vs", d, vp, vs, rho, t)


def near_cutoff(rng):
    h = rng.uniform(10, 30)
    b1, b2 = rng.uniform(3.0, 3.5), rng.uniform(4.0, 4.6)
    tc = 2 * h * np.sqrt(1 / b1**2 - 1 / b2**2)  # Love mode-1 cut-off period (s)
    d, vs = [h, 0], np.array([b1, b2])
    vp, rho = vs * 1.75, np.array([2.8, 3.3])
    t = np.sort(np.concatenate([np.geomspace(0.6 * tc, 0.995 * tc, 10), [0.9995 * tc]]))
    return _mk("near_cutoff", d, vp, vs, rho, t)


def strong_lvz(rng):
    z1 = rng.uniform(5, 15)
    d = [z1, rng.uniform(3, 8), 30 - z1, 0]
    vs = np.array([3.4, 3.4 * rng.uniform(0.6, 0.7), 3.7, 4.5])
    vp, rho = _vp_rho(vs, rng)
    return _mk("strong_lvz", d, vp, vs, rho, np.geomspace(1, 10, 12))


def build_models():
    rng = np.random.default_rng(SEED)
    ms = [crust(rng) for _ in range(60)]
    ms += [crust(rng, lvz=True) for _ in range(30)]
    ms += [crust_mantle(rng) for _ in range(40)]
    ms += [deep_spherical(rng, prem=True)] + [deep_spherical(rng) for _ in range(29)]
    ms += [ocean(rng) for _ in range(30)]
    ms += [generic(rng) for _ in range(20)]
    ms += [slow_top(rng) for _ in range(8)]
    ms += [love_near_vs(rng) for _ in range(6)]
    ms += [near_cutoff(rng) for _ in range(6)]
    ms += [strong_lvz(rng) for _ in range(6)]
    return ms


def run_disba(m, wave):
    """(2 modes, 2 kinds, nt) from disba; NaN where absent; flag 5 if it raised."""
    from disba import DispersionError, GroupDispersion, PhaseDispersion

    t = m["t"]
    out = np.full((2, 2, t.size), np.nan)
    err = np.zeros((2, 2), dtype=bool)
    mod = [m["d"], m["vp"], m["vs"], m["rho"]]
    if m["sph"]:
        mod = list(ref.flatten_cps(*mod, wave=wave))
    for mode in range(2):
        for kind, cls in enumerate((PhaseDispersion, GroupDispersion)):
            try:
                cur = cls(*mod)(t, mode, wave)
                out[mode, kind, np.isin(t, cur.period)] = cur.velocity
            except DispersionError:
                err[mode, kind] = True
    return out, err


def run_cps(m, wave):
    from pysurf96 import surf96
    from pysurf96.wrapper import Surf96Error

    t = m["t"]
    out = np.full((2, 2, t.size), np.nan)
    err = np.zeros((2, 2), dtype=bool)
    for mode in range(2):
        for kind, vel in enumerate(("phase", "group")):
            try:
                v = surf96(
                    m["d"],
                    m["vp"],
                    m["vs"],
                    m["rho"],
                    t,
                    wave=wave,
                    mode=mode + 1,
                    velocity=vel,
                    flat_earth=not m["sph"],
                )
                v = np.where(v > 0, v, np.nan)
                out[mode, kind] = v
            except Surf96Error:
                err[mode, kind] = True
    return out, err


def run_ref(m, wave):
    ph, gr = ref.reference_curves(
        m["t"], m["d"], m["vp"], m["vs"], m["rho"], wave=wave, n_modes=3, spherical=m["sph"]
    )
    return ph, gr


def work(i_m):
    i, m = i_m
    t0 = time.time()
    nt = m["t"].size
    res = {
        "ref": np.full((2, 3, 2, nt), np.nan),
        "disba": np.full((2, 2, 2, nt), np.nan),
        "cps": np.full((2, 2, 2, nt), np.nan),
        "err": np.zeros((2, 2, 2, 2), dtype=bool),  # peer, wave, mode, kind
        "done": np.zeros(2, dtype=bool),
    }
    for iw, wave in enumerate(WAVES):
        if wave == "love" and m["vs"][0] <= 0:
            continue
        ph, gr = run_ref(m, wave)
        res["ref"][iw, :, 0] = ph
        res["ref"][iw, :, 1] = gr
        res["disba"][iw], res["err"][0, iw] = run_disba(m, wave)
        res["cps"][iw], res["err"][1, iw] = run_cps(m, wave)
        res["done"][iw] = True
    print(
        f"model {i:3d} {m['kind']:15s} {m['d'].size:2d} layers {time.time() - t0:6.1f} s",
        flush=True,
    )
    return i, res


def classify(peer, refv, err, done):
    """Status codes (see module docstring) for one peer: arrays (2 waves, 2 modes, 2 kinds, nt)."""
    st = np.zeros(peer.shape, dtype=np.int8)
    for iw in range(2):
        if not done[iw]:
            st[iw] = -1
            continue
        for mo in range(2):
            for kd in range(2):
                p = peer[iw, mo, kd]
                r = refv[iw, mo, kd]
                s = st[iw, mo, kd]
                if err[iw, mo, kd]:
                    s[:] = 5
                    continue
                s[np.isfinite(r) & ~np.isfinite(p)] = 1
                s[~np.isfinite(r) & np.isfinite(p)] = 2
                both = np.isfinite(r) & np.isfinite(p)
                rel = np.abs(p / np.where(both, r, 1.0) - 1)
                tol = TOL_PHASE if kd == 0 else TOL_GROUP
                bad = both & (rel > tol)
                s[bad] = 4
                if kd == 0:
                    for om in range(3):
                        if om == mo:
                            continue
                        ro = refv[iw, om, 0]
                        jm = (
                            bad
                            & np.isfinite(ro)
                            & (np.abs(p / np.where(np.isfinite(ro), ro, 1) - 1) < 1e-4)
                        )
                        s[jm] = 3
    return st


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="only the first N models (debugging)")
    ap.add_argument("--out", default=str(HERE / "dispersion_fixtures.npz"))
    ap.add_argument("--summary-only", action="store_true", help="rewrite the .md from the .npz")
    args = ap.parse_args()
    if args.summary_only:
        with np.load(args.out) as f:
            vals = {k: f[k] for k in ("ref", "disba", "cps")}
            write_summary(
                Path(args.out).with_suffix(".md"),
                f["kind"],
                f["status"],
                vals,
                f["done"],
                f["versions"],
            )
        return
    models = build_models()
    if args.limit:
        models = models[: args.limit]
    nm = len(models)
    t0 = time.time()
    items = list(enumerate(models))
    if args.workers > 1:
        from multiprocessing import Pool

        with Pool(args.workers) as pool:
            results = dict(pool.imap_unordered(work, items, chunksize=1))
    else:
        results = dict(map(work, items))
    print(f"total {time.time() - t0:.0f} s")

    d = np.zeros((nm, NL_MAX))
    vp = np.zeros((nm, NL_MAX))
    vs = np.zeros((nm, NL_MAX))
    rho = np.zeros((nm, NL_MAX))
    nl = np.zeros(nm, dtype=np.int32)
    t = np.full((nm, NT_MAX), np.nan)
    nt = np.zeros(nm, dtype=np.int32)
    vals = {k: np.full((nm, 2, 2, 2, NT_MAX), np.nan) for k in ("ref", "disba", "cps")}
    ref_mode2 = np.full((nm, 2, 2, NT_MAX), np.nan)
    status = np.full((nm, 2, 2, 2, 2, NT_MAX), -1, dtype=np.int8)  # model, peer, wave, mode, kind
    done = np.zeros((nm, 2), dtype=bool)
    for i, m in enumerate(models):
        n = m["d"].size
        nl[i] = n
        # pad by repeating the half-space *above* it with zero thickness (must not change results)
        for arr, key in ((d, "d"), (vp, "vp"), (vs, "vs"), (rho, "rho")):
            arr[i, : n - 1] = m[key][:-1]
            arr[i, n - 1 :] = m[key][-1]
        d[i, n - 1 :] = 0.0
        k = m["t"].size
        nt[i] = k
        t[i, :k] = m["t"]
        r = results[i]
        done[i] = r["done"]
        # ref array is (wave, mode(3), kind, nt) -> (wave, mode, kind, nt)
        vals["ref"][i, :, :, :, :k] = r["ref"][:, :2]
        ref_mode2[i, :, :, :k] = r["ref"][:, 2]
        for ip, p in enumerate(PEERS):
            vals[p][i, :, :, :, :k] = r[p]
            status[i, ip, :, :, :, :k] = classify(r[p], r["ref"], r["err"][ip], r["done"])
    kinds = np.array([m["kind"] for m in models])
    sph = np.array([m["sph"] for m in models])
    versions = np.array([f"disba {version('disba')}", f"pysurf96 {version('pysurf96')}"])
    np.savez_compressed(
        args.out,
        thickness=d,
        vp=vp,
        vs=vs,
        rho=rho,
        n_layers=nl,
        periods=t,
        n_periods=nt,
        spherical=sph,
        kind=kinds,
        done=done,
        ref=vals["ref"],
        ref_mode2=ref_mode2,
        disba=vals["disba"],
        cps=vals["cps"],
        status=status,
        versions=versions,
        seed=SEED,
    )
    write_summary(Path(args.out).with_suffix(".md"), kinds, status, vals, done, versions)


CODES = {1: "missing", 2: "spurious", 3: "jumped", 4: "wrong", 5: "raised"}

NOTES = """## What the failures are (checked by hand on this fixture)

- *raised*: all 6 `love_near_vs` models. Both peers stop their upward scan at the half-space
  shear velocity in steps of dc = 0.005 km/s and cannot bracket a Love root 1e-5..2e-4 below it;
  they raise (disba `DispersionError`, CPS `Surf96Error`) and return nothing for the model.
- *missing*, mode 1 (nearly all missing values): overtones close to their cut-off (median gap
  `1 − c/vs_halfspace` ≈ 1e-5 for the missing phase values) in the `near_cutoff` family and in
  random models at the long-period end; group velocities are lost more often because the peers
  need two extra roots at T(1 ± dt) and one of them lies beyond the cut-off.
- *wrong*, group (disba 52 values, CPS 34; > 1e-2 off, up to 130–155 %): mostly mode 1
  (33 and 29 values), where the extra root the peers solve for at T(1 ± dt) belongs to another
  mode or lies beyond the cut-off (CPS then returns the phase velocity as the group velocity:
  9 values); in the fundamental mode, disba's ±2.5 % period difference is > 1e-2 off where U
  varies fast (ocean, slow_top, generic models). Where they are right, the peers' group
  velocities are within 1e-2 (disba median 3e-5, CPS 2e-5) of the reference.
- *wrong*, phase (model 193, Love mode 1, T = 3.49 s): both peers return 1.36631 km/s; the
  reference finds two roots 1.32660 and 1.32800 between mode 0 and that value (confirmed by a
  20 001-point scan of the secular function); the peers' 0.005 km/s step holds both roots of the
  pair, no sign change, so both skipped modes 1 and 2 and agree with each other on the wrong mode.
- No peer ever returned a value where the reference finds no mode (*spurious* = 0).
"""


def write_summary(path, kinds, status, vals, done, versions):
    nm = kinds.size
    lines = [
        "# Dispersion fixtures: who is right when the peers disagree",
        "",
        "Made by `tests/data/make_dispersion_fixtures.py` (see its docstring for the command);",
        f"{nm} models, peers: {', '.join(versions)}; reference: `tests/dispersion_reference.py`.",
        "A peer *fails* a curve (model × wave × mode × phase/group) when at one period or more it",
        "misses a root the reference finds, returns a value where no mode exists, returns another",
        "mode (jumped, within 1e-4 of a different reference mode), is otherwise off by > 1e-4",
        "(phase) / > 1e-2 (group), or raises. Counts are models (curves in brackets).",
        "",
        "## Failures by peer and kind",
        "",
        "| peer | models failing | curves failing | " + " | ".join(CODES.values()) + " |",
        "|---|---|---|" + "---|" * len(CODES),
    ]
    for ip, p in enumerate(PEERS):
        st = status[:, ip]
        bad_model = np.any(st > 0, axis=(1, 2, 3, 4))
        bad_curve = np.any(st > 0, axis=-1)
        cells = []
        for c in CODES:
            mc = np.any(st == c, axis=(1, 2, 3, 4)).sum()
            cc = np.any(st == c, axis=-1).sum()
            cells.append(f"{mc} ({cc})")
        lines.append(f"| {p} | {bad_model.sum()} | {bad_curve.sum()} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Failing models per family",
        "",
        "| family | models | disba | cps | both |",
        "|---|---|---|---|---|",
    ]
    for fam in dict.fromkeys(kinds):
        sel = kinds == fam
        fd = np.any(status[sel, 0] > 0, axis=(1, 2, 3, 4))
        fc = np.any(status[sel, 1] > 0, axis=(1, 2, 3, 4))
        lines.append(f"| {fam} | {sel.sum()} | {fd.sum()} | {fc.sum()} | {(fd & fc).sum()} |")
    # agreement where nobody fails
    lines += ["", "## Accuracy where the peer has the right root", ""]
    for ip, p in enumerate(PEERS):
        for kd, kn in enumerate(("phase", "group")):
            r = vals["ref"][:, :, :, kd]
            v = vals[p][:, :, :, kd]
            ok = (status[:, ip, :, :, kd] == 0) & np.isfinite(r) & np.isfinite(v)
            rel = np.abs(v[ok] / r[ok] - 1)
            lines.append(
                f"- {p} {kn}: max |rel diff| vs reference {rel.max():.1e}, "
                f"99th percentile {np.percentile(rel, 99):.1e}, median {np.median(rel):.1e} "
                f"({ok.sum()} values)"
            )
    sd = status[:, 0] > 0
    sc = status[:, 1] > 0
    lines += [
        "",
        "## Peers against each other",
        "",
        f"- values where exactly one peer fails: {np.sum(sd ^ sc)}; both fail: {np.sum(sd & sc)}.",
        "- Where both peers fail at the same value, the reference decides; see `status` in the .npz",
        "  (model, peer, wave, mode, kind, period) for every case.",
        "",
        NOTES,
        "## Failing curves, listed",
        "",
    ]
    for i in range(nm):
        for ip, p in enumerate(PEERS):
            for iw, w in enumerate(WAVES):
                for mo in range(2):
                    for kd, kn in enumerate(("phase", "group")):
                        s = status[i, ip, iw, mo, kd]
                        codes = sorted({CODES[c] for c in s[s > 0]})
                        if codes:
                            lines.append(
                                f"- model {i} ({kinds[i]}), {p}, {w} mode {mo} {kn}: {', '.join(codes)} at {np.sum(s > 0)} periods"
                            )
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
