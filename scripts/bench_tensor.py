#!/usr/bin/env python3
"""Side-by-side tensor-core benchmark: Backprop (`backprop bench tensor --json`) against NumPy on the
same workloads (float32: 1024x1024 matmul, add / exp / sum over 10^7 elements), alternating the two
for several rounds and reporting medians and ratios.

    swift build -c release && python3 scripts/bench_tensor.py [--rounds 3] [--threads N]

Needs NumPy (`pip install numpy`); without it, prints Backprop's figures alone. Timings are only
meaningful on an idle machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BINARY = os.path.join(HERE, "..", ".build", "release", "backprop")


def numpy_figures(np, n, elements, repeats):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    c = np.empty((n, n), dtype=np.float32)
    x = rng.uniform(-1, 1, elements).astype(np.float32)
    y = rng.uniform(-1, 1, elements).astype(np.float32)

    def median(f):
        f()
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            f()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    nbytes = 4 * elements
    t_mm = median(lambda: np.matmul(a, b, out=c))
    t_add = median(lambda: x + y)
    t_exp = median(lambda: np.exp(x))
    t_sum = median(lambda: x.sum())
    return {
        "matmul": 2 * n ** 3 / t_mm / 1e9,
        "add": 3 * nbytes / t_add / 1e9,
        "exp": 2 * nbytes / t_exp / 1e9,
        "sum": nbytes / t_sum / 1e9,
    }


def backprop_figures(n, elements, repeats, env):
    threads = ["--threads", env["OPENBLAS_NUM_THREADS"]] if "OPENBLAS_NUM_THREADS" in env else []
    out = subprocess.run([BINARY, "bench", "tensor", "--json", "--matrix-size", str(n), "--elements",
                          str(elements), "--repeats", str(repeats)] + threads,
                         check=True, capture_output=True, text=True, env=env).stdout
    results = json.loads(out)
    keys = ["matmul", "cblas_sgemm", "add", "exp", "sum"]
    return {k: r["rate"] for k, r in zip(keys, results)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=11)
    p.add_argument("--matrix-size", type=int, default=1024)
    p.add_argument("--elements", type=int, default=10_000_000)
    p.add_argument("--threads", type=int, default=None,
                   help="threads for both sides (NumPy: BLAS threads; its elementwise loops are single-threaded)")
    args = p.parse_args()

    env = dict(os.environ)
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = env[var] = str(args.threads)
    if not os.path.exists(BINARY):
        sys.exit(f"{BINARY} not found: run `swift build -c release` first")
    try:
        import numpy as np
    except ImportError:
        np = None
        print("NumPy is not installed (pip install numpy): printing Backprop's figures only")

    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(backprop_figures(args.matrix_size, args.elements, args.repeats, env))
        if np is not None:
            theirs.append(numpy_figures(np, args.matrix_size, args.elements, args.repeats))

    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    units = {"matmul": "GFLOP/s", "add": "GB/s", "exp": "GB/s", "sum": "GB/s"}
    print(f"{'workload':<10} {'unit':<8} {'Backprop':>10} {'NumPy':>10} {'ratio':>7}")
    for key, unit in units.items():
        mine = med(ours, key)
        if theirs:
            other = med(theirs, key)
            print(f"{key:<10} {unit:<8} {mine:10.2f} {other:10.2f} {mine / other:7.2f}")
        else:
            print(f"{key:<10} {unit:<8} {mine:10.2f} {'-':>10} {'-':>7}")
    print(f"matmul through Tensor / cblas_sgemm directly: {med(ours, 'matmul') / med(ours, 'cblas_sgemm'):.3f}")


if __name__ == "__main__":
    main()
