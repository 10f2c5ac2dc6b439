"""Secular-function and mode-count evaluations per dispersion curve (development script).

Builds benchmarks/dispersion_eval_counts.cpp against cpp/ (g++, -O3 -g, the AVX2 kernels as in
CMakeLists.txt) and runs it under ``valgrind --tool=callgrind`` for case (d) of
bench_dispersion.py (4-layer crust, 30 periods 1-50 s, Rayleigh phase, a batch of N perturbed
models, one thread), one call per mode 0..4; prints per curve the calls of the mode count, the
4-lane kernels (a vector pass serves up to four models), the scalar plain and value + slope
evaluations, and the instructions executed (callgrind counts are repeatable on a noisy shared
machine, unlike times). Run from the repository root::

    python benchmarks/dispersion_eval_counts.py [N_MODELS] [CPP_DIR]

CPP_DIR (default cpp) may point at another checkout's cpp/ to compare builds.
"""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FUNCS = {
    "counts": "rayleigh_mode_count(",
    "x4 plain": "secular_x4_value(",
    "x4 slope": "secular_x4_slope(",
    "plain": "double geoinvert::dispersion::secular<double>(",
    "value+slope": "Dual<1> geoinvert::dispersion::secular<",
    "2 derivatives": "Dual<2> geoinvert::dispersion::secular<",
}


def build(cpp: Path, out: Path) -> Path:
    flags = ["-std=c++17", "-O3", "-g", "-DGEOINVERT_HAVE_AVX2_DISPERSION", f"-I{cpp}"]
    objs = []
    for src, extra in (
        ("dispersion/dispersion.cpp", []),
        ("dispersion/secular_x4.cpp", []),
        ("dispersion/secular_x4_avx2.cpp", ["-mavx2", "-ffp-contract=off"]),
        ("common/parallel.cpp", []),
    ):
        o = out / (Path(src).stem + ".o")
        subprocess.run(["g++", *flags, *extra, "-c", str(cpp / src), "-o", str(o)], check=True)
        objs.append(str(o))
    exe = out / "eval_counts"
    harness = ROOT / "benchmarks" / "dispersion_eval_counts.cpp"
    subprocess.run(["g++", *flags, str(harness), *objs, "-o", str(exe), "-lpthread"], check=True)
    return exe


def calls(profile: Path) -> dict[str, int]:
    names: dict[str, str] = {}
    tot = dict.fromkeys(FUNCS, 0)
    callee = None
    for line in profile.read_text().splitlines():
        m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line)
        if m:
            if m.group(3):
                names[m.group(2)] = m.group(3)
            callee = names.get(m.group(2), "") if m.group(1) == "cfn" else None
        elif line.startswith("calls=") and callee is not None:
            n = int(line.split("=")[1].split()[0])
            for k, pat in FUNCS.items():
                if pat in callee:
                    tot[k] += n
            callee = None
    return tot


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    cpp = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "cpp"
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(cpp.resolve(), Path(tmp))
        print(f"per curve, {n} models, one thread ({cpp}):")
        print("mode  " + "  ".join(f"{k:>13}" for k in FUNCS) + "  instructions")
        for mode in range(5):
            prof = Path(tmp) / f"cg.{mode}"
            r = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={prof}",
                    str(exe),
                    str(mode),
                    str(n),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            ir = int(re.search(r"refs:\s+([\d,]+)", r.stderr).group(1).replace(",", ""))
            c = calls(prof)
            print(
                f"{mode:>4}  "
                + "  ".join(f"{c[k] / n:>13.1f}" for k in FUNCS)
                + f"  {ir / n:>12.0f}"
            )


if __name__ == "__main__":
    main()
