"""Turn bench_dispersion.py's pytest-benchmark JSON into the ratio table of benchmarks/README.md.

Usage::

    python benchmarks/report_dispersion.py .benchmarks/dispersion.json [--readme README]

Throughput is curves per second from the *minimum* time of each benchmark (the least disturbed
round on a shared machine). The table reports ratios only: geoinvert (1 thread) over the faster
peer, group/phase cost, 2 threads over 1 thread. The "## Dispersion" section of the README is
replaced (or appended) between the markers below; other sections are left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from pathlib import Path

START = "<!-- dispersion:start -->"
END = "<!-- dispersion:end -->"
CASES = {
    "a11": "(a) 4-layer crust, 11 periods 28.6–100 s, Rayleigh phase",
    "a21": "(a) same, 21 periods",
    "b11": "(b) as (a11), group velocity",
    "b21": "(b) as (a21), group velocity",
    "c21": "(c) 40-layer crust + upper mantle, 21 periods 5–100 s",
    "d30": "(d) 5 Rayleigh modes, 30 periods 1–50 s",
}
COMMAND = (
    "python -m pytest benchmarks/bench_dispersion.py -o python_files='bench_*.py' "
    "--benchmark-enable --benchmark-json=.benchmarks/dispersion.json -q\n"
    "python benchmarks/report_dispersion.py .benchmarks/dispersion.json"
)


def load(path: Path) -> dict[tuple[str, bool, str, int], float]:
    """(case, batch, impl, threads) -> curves per second."""
    data = json.loads(path.read_text())
    out = {}
    for b in data["benchmarks"]:
        x = b["extra_info"]
        out[(x["case"], bool(x["batch"]), x["impl"], int(x["threads"]))] = (
            x["curves"] / b["stats"]["min"]
        )
    return out


def _fmt(x: float | None, unit: str = "×") -> str:
    return "–" if x is None else f"{x:.1f}{unit}" if x >= 10 else f"{x:.2f}{unit}"


def table(rate: dict[tuple[str, bool, str, int], float]) -> list[str]:
    lines = [
        "| case | call | geoinvert / faster peer | faster peer | disba / cps "
        "| 2 threads / 1 thread |",
        "|---|---|---|---|---|---|",
    ]
    for case, label in CASES.items():
        for batch in (False, True):
            ours = rate.get((case, batch, "geoinvert", 1))
            peers = {p: rate.get((case, batch, p, 1)) for p in ("disba", "cps")}
            avail = {p: v for p, v in peers.items() if v is not None}
            best = max(avail, key=avail.get) if avail else None
            ratio = ours / avail[best] if ours and best else None
            dc = peers["disba"] / peers["cps"] if peers["disba"] and peers["cps"] else None
            two = rate.get((case, batch, "geoinvert", 2))
            thr = two / ours if two and ours and batch else None
            call = "batch" if batch else "single model"
            lines.append(
                f"| {label} | {call} | {_fmt(ratio)} | {best or '–'} | {_fmt(dc)} | {_fmt(thr)} |"
            )
            multi = rate.get((case, batch, "geoinvert-modes", 1))
            if multi and best:
                lines.append(
                    f"| {label}, all modes in one call (`mode=[0, …, 4]`) | {call} | "
                    f"{_fmt(multi / avail[best])} | {best} | – | – |"
                )
    lines += ["", "Group/phase cost (time per curve, group over phase, 1 thread):", ""]
    lines += ["| periods | call | geoinvert | disba | cps |", "|---|---|---|---|---|"]
    for n in ("11", "21"):
        for batch in (False, True):
            cells = []
            for impl in ("geoinvert", "disba", "cps"):
                ph = rate.get((f"a{n}", batch, impl, 1))
                gr = rate.get((f"b{n}", batch, impl, 1))
                cells.append(_fmt(ph / gr if ph and gr else None))
            lines.append(
                f"| {n} | {'batch' if batch else 'single model'} | " + " | ".join(cells) + " |"
            )
    lines += [
        "",
        "Absolute throughput on this run (curves/s, 1 thread; noisy, for orientation only):",
        "",
    ]
    lines += ["| case | call | geoinvert | disba | cps |", "|---|---|---|---|---|"]
    for case in CASES:
        for batch in (False, True):
            cells = [rate.get((case, batch, i, 1)) for i in ("geoinvert", "disba", "cps")]
            lines.append(
                f"| {case} | {'batch' if batch else 'single'} | "
                + " | ".join("–" if c is None else f"{c:,.0f}" for c in cells)
                + " |"
            )
    return lines


def section(rate: dict[tuple[str, bool, str, int], float], note: str = "") -> str:
    body = [
        START,
        "## Dispersion",
        "",
        "geoinvert.dispersion vs disba and CPS surf96 (pysurf96), same models, same run;",
        "ratios of curves per second (minimum time of each benchmark). Batches: geoinvert computes",
        "1000 models per call, the peers loop over 100 models (per-curve rate). Reproduce with:",
        "",
        "```",
        COMMAND,
        "```",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}.",
        *([note, ""] if note else []),
        *table(rate),
        END,
    ]
    return "\n".join(body) + "\n"


def update_readme(readme: Path, text: str) -> None:
    old = readme.read_text() if readme.exists() else "# Benchmarks\n\n"
    if START in old and END in old:
        pre, rest = old.split(START, 1)
        post = rest.split(END, 1)[1].lstrip("\n")
        new = pre + text + ("\n" + post if post else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    readme.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json", type=Path)
    ap.add_argument("--readme", type=Path, default=Path(__file__).resolve().parent / "README.md")
    ap.add_argument("--note", default="", help="a line on the run conditions (load, kernel commit)")
    args = ap.parse_args()
    text = section(load(args.json), args.note)
    update_readme(args.readme, text)
    print(text)


if __name__ == "__main__":
    main()
