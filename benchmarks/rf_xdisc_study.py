"""X-discontinuity receiver-function study: diagnosis, oracle bound, classifier training.

Reproduces the numbers of the "RF classifier" section of benchmarks/README.md (issue 6/7):

    nice -n 10 python benchmarks/rf_xdisc_study.py diagnose --n 400
    nice -n 10 python benchmarks/rf_xdisc_study.py generate --out /work/stores/rfx_study
    nice -n 10 python benchmarks/rf_xdisc_study.py train --data /work/stores/rfx_study \
        --test prem --minutes 12

Data: clean radial RFs (dt 0.1 s, 600 samples, P at 5 s, Gaussian a = 1 rad/s, Earth flattening)
of the :class:`geoinvert.earth.priors.RFPrior` models, computed at ``K`` shared slownesses per
model (the kernel batches models x slownesses). Noise is added at training/evaluation time:
white noise smoothed by the same Gaussian (the unit-gain kernel of
:func:`geoinvert.train.augment.rf_noise_augmentation`), standard deviation a fraction of the
trace's direct-P amplitude. A station stack of ``N`` traces = the moveout-corrected
(:func:`geoinvert.invert.xdisc.moveout_stack`, AK135 reference, p_ref 0.06 s/km) mean of ``N``
traces with independent noise at slownesses drawn from the ``K`` computed ones.

Units: s, s/km, km; amplitudes relative to the direct P.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import math
import time
from pathlib import Path

import numpy as np

log = logging.getLogger("rf_xdisc_study")

DT, NS, SHIFT, GAUSS, NFFT = 0.1, 600, 5.0, 1.0, 4096
SLOWNESS = np.linspace(0.04, 0.08, 8)
TIMES = np.arange(NS) * DT - SHIFT
FAMILIES = ("ak135", "iasp91", "prem")


# ------------------------------------------------------------------------------------------
# data
# ------------------------------------------------------------------------------------------
def make_prior(families: tuple[str, ...], lehmann: bool):
    from geoinvert.earth.priors import RFPrior

    return RFPrior(backgrounds=families, p_lehmann=0.5 if lehmann else 0.0)


def compute(prior, params: np.ndarray, slowness=SLOWNESS, n_threads: int = 2) -> np.ndarray:
    """Clean RFs, shape (n, len(slowness), NS)."""
    from geoinvert.data.tasks import RFTask
    from geoinvert.rf import receiver_function

    task = RFTask(prior=prior)
    out = np.empty((params.shape[0], len(slowness), NS), np.float32)
    for i in range(0, params.shape[0], 256):
        th, vp, vs, rho = task.models(params[i : i + 256])
        out[i : i + 256] = receiver_function(
            th, vp, vs, rho, np.asarray(slowness), dt=DT, n_samples=NS, shift=SHIFT,
            gaussian=GAUSS, n_fft=NFFT, spherical=True, n_threads=n_threads,
        )  # fmt: skip
    return out


def sample(prior, n: int, seed: int) -> tuple[np.ndarray, list[str]]:
    from geoinvert.earth.priors import sample_rf_params

    s = sample_rf_params(np.random.default_rng(seed), n, prior)
    return s.params, s.param_names


def noise_kernel() -> np.ndarray:
    half = int(3.0 / (GAUSS * DT))
    t = np.arange(-half, half + 1) * DT
    k = np.exp(-((GAUSS * t) ** 2))
    return k / np.linalg.norm(k)  # unit gain on white-noise variance


def coloured_noise(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Gaussian-filtered noise with unit per-sample variance, shape (..., NS): white noise
    convolved with :func:`noise_kernel` (linear, not circular, convolution via a padded FFT)."""
    k = noise_kernel()
    n_in = shape[-1] + k.size - 1
    n_fft = 1 << (n_in + k.size - 1).bit_length()
    w = rng.standard_normal((*shape[:-1], n_in))
    y = np.fft.irfft(np.fft.rfft(w, n_fft) * np.fft.rfft(k, n_fft), n_fft)
    return y[..., k.size - 1 : k.size - 1 + shape[-1]]


# ------------------------------------------------------------------------------------------
# diagnosis
# ------------------------------------------------------------------------------------------
def diagnose(n: int, seed: int) -> dict:
    """Paired clean traces with and without the X (same model otherwise), per family."""
    from scipy.stats import norm

    res: dict = {}
    k = noise_kernel()
    win = (TIMES >= 20.0) & (TIMES <= 40.0)
    pre = (TIMES >= 18.0) & (TIMES <= 26.0)
    for fam in FAMILIES:
        prior = make_prior((fam,), lehmann=False)
        params, names = sample(prior, n, seed)
        ix = names.index("x_present")
        on, off = params.copy(), params.copy()
        on[:, ix], off[:, ix] = 1.0, 0.0
        p06 = [0.06]
        r_on, r_off = compute(prior, on, p06)[:, 0], compute(prior, off, p06)[:, 0]
        peak = np.abs(r_off).max(axis=1)
        # the X signal relative to P, in the X window only: the X also advances the 410-km Ps
        # (~43 s) through the faster mantle below it, which mantle Vs perturbations mimic
        s = np.where(win[None, :], (r_on - r_off) / peak[:, None], 0.0)
        amp = s.max(axis=1)
        jump = on[:, names.index("x_dlnvs")]
        sharp = on[:, names.index("x_width")] == 0
        bg_win = np.abs(r_off[:, win]).max(axis=1) / peak
        bg_pre = np.abs(r_off[:, pre]).max(axis=1) / peak
        # matched filter with the known X waveform in known background and coloured noise of
        # per-sample std sigma: d = s.s / (sigma * |k * s|); accuracy at equal priors Phi(d/2)
        ks = np.array([np.linalg.norm(np.convolve(si, k, mode="full")) for si in s])
        d1 = (s * s).sum(axis=1) / ks  # detection SNR for sigma = 1 (scales as 1/sigma)
        oracle = {}
        for sigma in (0.02, 0.05, 0.10):
            for n_tr in (1, 10, 30, 100):
                acc = norm.cdf(d1 * math.sqrt(n_tr) / sigma / 2)
                oracle[f"sigma{sigma:g}_N{n_tr}"] = float(acc.mean())
        bins = [0.02, 0.03, 0.04, 0.05, 0.06, 0.07]
        by_jump = {}
        for a, b in itertools.pairwise(bins):
            m = (jump >= a) & (jump < b)
            by_jump[f"{a:.2f}-{b:.2f}"] = {
                "x_ps_amp_sharp": float(np.median(amp[m & sharp])),
                "x_ps_amp_gradient": float(np.median(amp[m & ~sharp])),
                "oracle_sigma0.05_N1": float(norm.cdf(d1[m] / 0.05 / 2).mean()),
                "oracle_sigma0.05_N30": float(norm.cdf(d1[m] * math.sqrt(30) / 0.05 / 2).mean()),
            }
        res[fam] = {
            "x_ps_amp_median": float(np.median(amp)),
            "x_ps_amp_p10_p90": [float(np.percentile(amp, 10)), float(np.percentile(amp, 90))],
            "no_x_max_abs_20_40s_median": float(np.median(bg_win)),
            "no_x_max_abs_18_26s_median": float(np.median(bg_pre)),
            "matched_filter_oracle": oracle,
            "by_jump": by_jump,
        }
        log.info("%s: %s", fam, json.dumps(res[fam], indent=1))
    # a PREM-like 220-km jump (5.1 %, bottom of an LVZ) added to AK135 models without X: how
    # strong and when is its Ps (what a network trained on AK135/IASP91 alone never saw)?
    prior = make_prior(("ak135",), lehmann=True)
    params, names = sample(prior, n, seed)
    params[:, names.index("x_present")] = 0.0
    params[:, names.index("lehmann_depth")] = 220.0
    params[:, names.index("lehmann_dlnvs")] = 0.051
    on, off = params.copy(), params.copy()
    on[:, names.index("lehmann_present")], off[:, names.index("lehmann_present")] = 1.0, 0.0
    r_on, r_off = compute(prior, on, [0.06])[:, 0], compute(prior, off, [0.06])[:, 0]
    peak = np.abs(r_off).max(axis=1)
    dl = (r_on - r_off) / peak[:, None]
    early = TIMES < 28.0  # before the X window's earliest Ps; the 410 Ps also moves
    res["lehmann220_in_ak135"] = {
        "ps_amp_median": float(np.median(dl[:, early].max(axis=1))),
        "ps_time_median_s": float(np.median(TIMES[early][dl[:, early].argmax(axis=1)])),
    }
    log.info("220-km jump in AK135: %s", res["lehmann220_in_ak135"])
    return res


# ------------------------------------------------------------------------------------------
# store of clean traces at K slownesses
# ------------------------------------------------------------------------------------------
def generate(out: Path, n_per_family: int, seed: int, lehmann: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for j, fam in enumerate(FAMILIES):
        f = out / f"{fam}{'_lehmann' if lehmann else ''}.npz"
        if f.exists():
            continue
        prior = make_prior((fam,), lehmann)
        params, names = sample(prior, n_per_family, seed + 1000 * j + (7 if lehmann else 0))
        t0 = time.perf_counter()
        rf = compute(prior, params)
        log.info("%s: %d models x %d slownesses in %.1f s", f.name, len(params),
                 len(SLOWNESS), time.perf_counter() - t0)  # fmt: skip
        np.savez(f, rf=rf.astype(np.float16), params=params, names=np.array(names),
                 slowness=SLOWNESS)  # fmt: skip


# ------------------------------------------------------------------------------------------
# moveout correction (the operator of geoinvert.invert.xdisc.moveout_stack, per slowness)
# ------------------------------------------------------------------------------------------
P_REF = 0.06


def moveout_operators(slowness=SLOWNESS, p_ref: float = P_REF) -> tuple[np.ndarray, np.ndarray]:
    """Linear-interpolation indices and weights mapping a trace at each slowness onto the
    p_ref time axis (AK135 reference, as in the demo); shapes (K, NS)."""
    from geoinvert.earth import layered
    from geoinvert.invert.rf_stacking import ps_delay
    from geoinvert.invert.xdisc import DEPTH_GRID

    m = layered("ak135", max_depth=800.0, layer_thickness=10.0)
    ref = ps_delay(DEPTH_GRID, p_ref, m.thickness, m.vp, m.vs)
    delays = ps_delay(DEPTH_GRID, np.asarray(slowness), m.thickness, m.vp, m.vs)
    i0 = np.tile(np.arange(NS), (len(slowness), 1))
    w = np.zeros((len(slowness), NS))
    after = TIMES >= 0
    for k in range(len(slowness)):
        t_tr = np.interp(np.interp(TIMES[after], ref, DEPTH_GRID), DEPTH_GRID, delays[k])
        u = (t_tr - TIMES[0]) / DT
        j = np.clip(np.floor(u).astype(int), 0, NS - 2)
        i0[k, after], w[k, after] = j, u - j
        beyond = np.zeros(NS, bool)
        beyond[after] = t_tr > TIMES[-1]
        w[k, beyond] = np.nan
    return i0, w


def apply_moveout(x: np.ndarray, k: np.ndarray, ops) -> np.ndarray:
    """Moveout-correct traces x (..., NS) recorded at slowness index k (...)."""
    i0, w = ops
    ii, ww = i0[k], w[k]
    a = np.take_along_axis(x, ii, -1)
    b = np.take_along_axis(x, ii + 1, -1)
    out = a * (1 - ww) + b * ww
    return np.nan_to_num(out, nan=0.0)  # beyond the end of the trace: 0 (right=0.0)


# ------------------------------------------------------------------------------------------
# classifier training and evaluation
# ------------------------------------------------------------------------------------------
AMP = 10.0  # inputs = trace / P peak x AMP (X Ps ~ 0.4-1)
PWIN = np.abs(TIMES) <= 1.0
# network input: -2 to 48 s decimated to 0.2 s (the a = 1 rad/s Gaussian leaves nothing above
# ~0.6 Hz, Nyquist 2.5 Hz), 250 samples: 2.4x less work per trace than the full 600
CROP = slice(30, 530, 2)


def load(root: Path, fam: str, lehmann: bool):
    z = np.load(root / f"{fam}{'_lehmann' if lehmann else ''}.npz")
    names = [str(v) for v in z["names"]]
    return z["rf"].astype(np.float32), z["params"], names


def normalise(x: np.ndarray) -> np.ndarray:
    peak = np.abs(x[..., PWIN]).max(axis=-1, keepdims=True)
    return (x / peak * AMP)[..., CROP].astype(np.float32)


def training_batch(rng, mo, peaks, idx, sigma, n_max):
    """Stacks of N (log-uniform 1..n_max) traces at random slownesses; noise of a stack of N
    traces with per-trace std sigma x P peak approximated by one coloured noise of std
    sigma/sqrt(N) (exact in distribution for one slowness)."""
    b = idx.size
    n_tr = np.exp(rng.uniform(0, np.log(n_max), b)).astype(int).clip(1, n_max)
    counts = np.stack([rng.multinomial(n, np.full(len(SLOWNESS), 1 / len(SLOWNESS))) for n in n_tr])
    w = counts / n_tr[:, None]
    clean = np.einsum("bk,bkt->bt", w, mo[idx])
    sig = rng.uniform(*sigma, b) / np.sqrt(n_tr)
    noise = coloured_noise(rng, (b, NS)) * (sig * peaks[idx])[:, None]
    return normalise(clean + noise)


def station_stacks(rng, rf, ops, idx, n_tr, sigma):
    """Exact evaluation stacks: n_tr traces per model at random slownesses, each with its own
    coloured noise (std sigma x its P peak), each moveout-corrected, then averaged."""
    out = np.empty((idx.size, NS), np.float32)
    for c in range(0, idx.size, max(1, 20000 // n_tr)):
        sel = idx[c : c + max(1, 20000 // n_tr)]
        k = rng.integers(0, len(SLOWNESS), (sel.size, n_tr))
        tr = rf[sel[:, None], k]  # (m, n_tr, NS)
        peak = np.abs(tr[..., PWIN]).max(-1, keepdims=True)
        tr = tr + sigma * peak * coloured_noise(rng, tr.shape)
        kk = np.broadcast_to(k[..., None], tr.shape)
        out[c : c + sel.size] = apply_moveout(tr, kk[..., 0], ops).mean(1)
    return normalise(out)


def auc(y: np.ndarray, s: np.ndarray) -> float:
    from scipy.stats import rankdata

    r = rankdata(s)
    n1 = int(y.sum())
    n0 = y.size - n1
    return float((r[y == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def metrics(y, prob, jump) -> dict:
    pred = prob > 0.5
    y = y.astype(bool)
    out = {
        "accuracy": float((pred == y).mean()),
        "auc": auc(y.astype(int), prob),
        "confusion_tn_fp_fn_tp": [int((~pred & ~y).sum()), int((pred & ~y).sum()),
                                  int((~pred & y).sum()), int((pred & y).sum())],
        "detection_rate_by_jump": {},
    }  # fmt: skip
    for a in (0.02, 0.03, 0.04, 0.05, 0.06):
        m = y & (jump >= a) & (jump < a + 0.01)
        out["detection_rate_by_jump"][f"{a:.2f}-{a + 0.01:.2f}"] = float(pred[m].mean())
    return out


def train_eval(root: Path, train_fams, test_fam: str, *, lehmann: bool, time_bins: int,
               minutes: float, seed: int, n_test: int, out: Path | None,
               channels=(16, 32, 32, 32)) -> dict:  # fmt: skip
    import torch

    from geoinvert.nn import RFCNN1D

    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    ops = moveout_operators()
    rfs, ys = [], []
    for fam in train_fams:
        rf, params, names = load(root, fam, lehmann)
        rfs.append(rf)
        ys.append(params[:, names.index("x_present")])
    rf = np.concatenate(rfs)
    y = np.concatenate(ys).astype(np.float32)
    k_all = np.broadcast_to(np.arange(len(SLOWNESS))[None, :], rf.shape[:2])
    mo = apply_moveout(rf, k_all, ops).astype(np.float32)
    peaks = np.abs(rf[..., PWIN]).max(-1).mean(1)
    n_val = 1000
    perm = rng.permutation(len(y))
    val, tr_idx = perm[:n_val], perm[n_val:]
    net = RFCNN1D(channels=channels, time_bins=time_bins, hidden=64, dropout=0.2)
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    lossf = torch.nn.BCEWithLogitsLoss()
    sigma, n_max, bs = (0.02, 0.12), 100, 256
    t0, step, seen = time.perf_counter(), 0, 0
    total = minutes * 60
    xv = training_batch(rng, mo, peaks, val, sigma, n_max)
    history = []
    while time.perf_counter() - t0 < total:
        frac = (time.perf_counter() - t0) / total
        for g in opt.param_groups:  # cosine decay over the time budget
            g["lr"] = 2e-3 * 0.5 * (1 + math.cos(math.pi * frac))
        idx = rng.choice(tr_idx, bs)
        xb = torch.from_numpy(training_batch(rng, mo, peaks, idx, sigma, n_max))
        net.train()
        loss = lossf(net(xb)[:, 0], torch.from_numpy(y[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step, seen = step + 1, seen + bs
        if step % 200 == 0:
            net.eval()
            with torch.no_grad():
                pv = torch.sigmoid(net(torch.from_numpy(xv))[:, 0]).numpy()
            acc = float(((pv > 0.5) == (y[val] > 0.5)).mean())
            history.append((step, round(float(loss.detach()), 4), round(acc, 4)))
            log.info("step %d loss %.3f val acc (mixed N, sigma) %.3f", step, float(loss), acc)
    train_s = time.perf_counter() - t0
    net.eval()
    rf_t, params_t, names_t = load(root, test_fam, lehmann=False)
    sel = np.arange(min(n_test, len(rf_t)))
    yt = params_t[sel, names_t.index("x_present")]
    jt = params_t[sel, names_t.index("x_dlnvs")]

    def predict(x):
        with torch.no_grad():
            return torch.sigmoid(net(torch.from_numpy(x))[:, 0]).numpy()

    res: dict = {
        "train": list(train_fams), "test_family": test_fam, "lehmann": lehmann,
        "time_bins": time_bins, "channels": list(channels),
        "train_traces": int(rf.shape[0] * rf.shape[1]),
        "steps": step, "samples_seen": seen, "train_s": round(train_s, 1),
        "samples_per_s": round(seen / train_s, 1), "history": history, "test": {},
    }  # fmt: skip
    erng = np.random.default_rng(seed + 99)
    k_mid = np.full(sel.size, 4)  # p = 0.063 s/km, clean
    res["test"]["clean_single"] = metrics(
        yt, predict(normalise(apply_moveout(rf_t[sel, 4], k_mid, ops))), jt
    )
    for sg in (0.05, 0.10):
        for n_tr in (1, 10, 30, 100):
            xs = station_stacks(erng, rf_t, ops, sel, n_tr, sg)
            res["test"][f"sigma{sg:g}_N{n_tr}"] = metrics(yt, predict(xs), jt)
            log.info("%s sigma %g N %d: %s", test_fam, sg, n_tr,
                     {k: v for k, v in res["test"][f"sigma{sg:g}_N{n_tr}"].items()
                      if k in ("accuracy", "auc")})  # fmt: skip
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(res, indent=1))
        torch.save({"state_dict": net.state_dict(), "config": net.get_config(),
                    "amp": AMP, "p_ref": P_REF}, out.with_suffix(".pt"))  # fmt: skip
    return res


def stations(root: Path, model: Path, fam: str, n: int, seed: int) -> dict:
    """CNN (on the moveout-corrected stack) vs depth-migrated stacking with the bootstrap test
    (geoinvert.invert.rf_stacking, 250-350 km) on ``n`` synthetic stations of the held-out family:
    10-100 traces per station at slownesses from the 8 computed ones, noise 5-10 % of the P peak
    per trace (drawn per station)."""
    import torch

    from geoinvert.earth import layered
    from geoinvert.invert.rf_stacking import depth_stack, detect_in_window
    from geoinvert.invert.xdisc import DEPTH_GRID
    from geoinvert.nn import RFCNN1D

    ck = torch.load(model, weights_only=False)
    net = RFCNN1D(**ck["config"])
    net.load_state_dict(ck["state_dict"])
    net.eval()
    rf, params, names = load(root, fam, lehmann=False)
    ops = moveout_operators()
    ref = layered("ak135", max_depth=800.0, layer_thickness=10.0)
    rng = np.random.default_rng(seed)
    truth, cnn, base, jumps = [], [], [], []
    t0 = time.perf_counter()
    for i in range(n):
        n_tr = int(rng.integers(10, 101))
        sigma = rng.uniform(0.05, 0.10)
        k = rng.integers(0, len(SLOWNESS), n_tr)
        tr = rf[i, k].astype(float)
        peak = np.abs(tr[:, PWIN]).max(-1, keepdims=True)
        tr = tr + sigma * peak * coloured_noise(rng, tr.shape)
        stack = apply_moveout(tr, k, ops).mean(0)
        with torch.no_grad():
            prob = float(torch.sigmoid(net(torch.from_numpy(normalise(stack[None])))[0, 0]))
        mig = depth_stack(tr, TIMES, SLOWNESS[k], DEPTH_GRID, ref.thickness, ref.vp, ref.vs)
        det = detect_in_window(mig, DEPTH_GRID, n_bootstrap=300, seed=seed + i)
        truth.append(params[i, names.index("x_present")] > 0.5)
        jumps.append(params[i, names.index("x_dlnvs")])
        cnn.append(prob > 0.5)
        base.append(det.detected)
    tr_a, c_a, b_a = (np.array(v) for v in (truth, cnn, base))
    res = {
        "family": fam, "n_stations": n, "traces_per_station": "10-100",
        "noise": "5-10 % of the P peak per trace", "seconds": round(time.perf_counter() - t0, 1),
        "cnn_accuracy": float((c_a == tr_a).mean()),
        "stacking_accuracy": float((b_a == tr_a).mean()),
        "agreement": float((c_a == b_a).mean()),
        "cnn_recall": float(c_a[tr_a].mean()), "stacking_recall": float(b_a[tr_a].mean()),
        "cnn_false_alarm": float(c_a[~tr_a].mean()),
        "stacking_false_alarm": float(b_a[~tr_a].mean()),
    }  # fmt: skip
    log.info("%s", res)
    return res


def report(files: list[Path]) -> str:
    """Markdown table of train runs (accuracy / ROC-AUC per noise and stack size)."""
    keys = ["clean_single"] + [f"sigma{s:g}_N{n}" for s in (0.05, 0.1) for n in (1, 10, 30, 100)]
    head = ["run", "train -> test", "steps", *keys]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in files:
        r = json.loads(Path(f).read_text())
        fam = r.get("test_family") or Path(f).stem.split("_")[0]
        cells = [Path(f).stem, f"{'+'.join(r['train'])} -> {fam}", str(r["steps"])]
        for k in keys:
            t = r["test"][k]
            cells.append(f"{100 * t['accuracy']:.1f} / {t['auc']:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diagnose")
    d.add_argument("--n", type=int, default=400)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--json", type=Path, default=None)
    g = sub.add_parser("generate")
    g.add_argument("--out", type=Path, required=True)
    g.add_argument("--n", type=int, default=6000, help="models per family")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--lehmann", action="store_true")
    t = sub.add_parser("train")
    t.add_argument("--data", type=Path, required=True)
    t.add_argument("--test", choices=FAMILIES, default="prem")
    t.add_argument("--no-lehmann", action="store_true", help="train without Lehmann-like jumps")
    t.add_argument("--time-bins", type=int, default=16)
    t.add_argument("--minutes", type=float, default=10.0)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--n-test", type=int, default=3000)
    t.add_argument("--json", type=Path, default=None)
    st = sub.add_parser("stations")
    st.add_argument("--data", type=Path, required=True)
    st.add_argument("--model", type=Path, required=True)
    st.add_argument("--test", choices=FAMILIES, default="prem")
    st.add_argument("--n", type=int, default=200)
    st.add_argument("--seed", type=int, default=5)
    st.add_argument("--json", type=Path, default=None)
    r = sub.add_parser("report")
    r.add_argument("files", type=Path, nargs="+")
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    import torch

    # one thread: on this shared 2-core machine two torch threads spin against the other jobs
    # (2.9 s vs 0.31 s per 256-trace training step under load)
    torch.set_num_threads(1)
    if a.cmd == "diagnose":
        r = diagnose(a.n, a.seed)
        if a.json:
            a.json.write_text(json.dumps(r, indent=1))
    elif a.cmd == "generate":
        generate(a.out, a.n, a.seed, a.lehmann)
    elif a.cmd == "stations":
        res = stations(a.data, a.model, a.test, a.n, a.seed)
        if a.json:
            a.json.write_text(json.dumps(res, indent=1))
    elif a.cmd == "report":
        print(report(a.files))
    elif a.cmd == "train":
        fams = tuple(f for f in FAMILIES if f != a.test)
        train_eval(a.data, fams, a.test, lehmann=not a.no_lehmann, time_bins=a.time_bins,
                   minutes=a.minutes, seed=a.seed, n_test=a.n_test, out=a.json)  # fmt: skip


if __name__ == "__main__":
    main()
