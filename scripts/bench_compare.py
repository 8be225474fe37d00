#!/usr/bin/env python3
"""Backprop's training step side by side with the NumPy and PyTorch references, in one run.

For each workload and thread count, runs `backprop bench model ... --json` and the reference programs
alternately, `--rounds` times, and prints the median ms per step of each and the ratios
(reference time / ours: above 1 means Backprop is faster).

  workload    ours                  references
  two-layer   float64 and float32   ref_numpy.py --model mlp (float64, float32), ref_torch.py --model mlp
  cnn         float32               ref_numpy.py --model cnn (float32), ref_torch.py --model cnn
  deep-cnn    float32               scripts/ref_torch_deepconvnet.py
  mlp         float32               (no reference: Backprop's figure only)

The references live in ../shared/bench (ref_numpy.py, ref_torch.py; --refs DIR to point elsewhere)
and need `pip install numpy torch` (CPU). When they or their packages are missing, the script says
so and still prints Backprop's figures. Build first: `swift build -c release`.

  python3 scripts/bench_compare.py                         # everything, 1 and 2 threads, 3 rounds
  python3 scripts/bench_compare.py --models cnn --threads 1 --rounds 5
  python3 scripts/bench_compare.py --baseline /tmp/backprop-main --threads 1   # before/after in one run

With `--baseline`, another `backprop` executable (say, a build of main) is timed in every round too,
between ours and the reference, and each row also prints its time and baseline/ours: the before and
after tables taken in the same moments, so the machine's load hits all three alike.

With more than one thread count, it ends with Backprop's own scaling on the CNNs: `backprop bench
model --scaling`, which times the largest thread count against 1 thread alternately in one process
(the median speed-up over `--rounds` runs), beside the speed-up a 512² matrix product got in the same
moments (timed between the blocks of steps): the ceiling this machine gave compute-bound work then.

Two-thread figures taken while anything else runs on a 2-core machine are worthless: run it idle.
"""
import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--models", default="two-layer,cnn,deep-cnn,mlp", help="comma list of workloads")
p.add_argument("--threads", default="1,2", help="comma list of thread counts")
p.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians over rounds are reported)")
p.add_argument("--refs", default=os.path.join(ROOT, "..", "shared", "bench"), help="folder of ref_numpy.py / ref_torch.py")
p.add_argument("--backprop", default=os.path.join(ROOT, ".build", "release", "backprop"), help="the backprop executable")
p.add_argument("--no-numpy", action="store_true", help="skip the NumPy references")
p.add_argument("--baseline", help="another backprop executable to time in the same rounds (before/after)")
p.add_argument("--json", action="store_true", help="also print all figures as one JSON object at the end")
args = p.parse_args()

STEPS = {"two-layer": 2000, "mlp": 1000, "cnn": 100, "deep-cnn": 40}        # ours (timed steps)
REF_STEPS = {"two-layer": 2000, "cnn": 100, "deep-cnn": 50}                  # references (incl. 10 warm-up)


def have(module):
    return importlib.util.find_spec(module) is not None


def run_json(cmd):
    """Runs a command; returns its last JSON object (a `RESULT {...}` line or a bare object), or None."""
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, "stderr", "") or str(e)
        print(f"  ! {' '.join(cmd[:3])}...: {err.strip().splitlines()[-1] if err.strip() else e}", file=sys.stderr)
        return None
    for line in reversed(out.strip().splitlines()):
        line = line.strip()
        if line.startswith("RESULT "):
            line = line[len("RESULT "):]
        if line.startswith("{"):
            return json.loads(line)
    return None


def ours(model, dtype, threads, executable=None):
    r = run_json([executable or args.backprop, "bench", "model", "--model", model, "--dtype", dtype, "--threads", str(threads),
                  "--iterations", str(STEPS[model]), "--json"])
    return r and r["ms_per_step_median"]


def reference(impl, model, dtype, threads):
    if impl == "torch-deep":
        cmd = [sys.executable, os.path.join(ROOT, "scripts", "ref_torch_deepconvnet.py"), "--iters", str(REF_STEPS[model])]
    else:
        script = os.path.join(args.refs, "ref_numpy.py" if impl == "numpy" else "ref_torch.py")
        cmd = [sys.executable, script, "--model", "mlp" if model == "two-layer" else "cnn",
               "--iters", str(REF_STEPS[model]), "--dtype", dtype, "--no-eval"]
    r = run_json(cmd + ["--threads", str(threads), "--json"])
    return r and r["ms_per_iter_median"]


def main():
    for executable in [args.backprop] + ([args.baseline] if args.baseline else []):
        if not os.path.exists(executable):
            sys.exit(f"{executable} not found: run `swift build -c release` first")
    refs_found = os.path.exists(os.path.join(args.refs, "ref_numpy.py"))
    numpy_ok = have("numpy") and refs_found and not args.no_numpy
    torch_ok = have("torch") and have("numpy")
    if not refs_found:
        print(f"note: no reference programs in {args.refs} (--refs DIR); printing Backprop's figures only")
    if not have("numpy") or not have("torch"):
        print("note: the references need `pip install numpy torch` (CPU); "
              + "missing: " + ", ".join(m for m in ("numpy", "torch") if not have(m)))

    # (label, our workload, our dtype, reference impl or None, reference dtype)
    rows = []
    for model in args.models.split(","):
        if model == "two-layer":
            rows += [("two-layer f64 vs NumPy f64", model, "float64", "numpy", "float64"),
                     ("two-layer f32 vs PyTorch f32", model, "float32", "torch", "float32"),
                     ("two-layer f32 vs NumPy f32", model, "float32", "numpy", "float32")]
        elif model == "cnn":
            rows += [("cnn f32 vs PyTorch f32", model, "float32", "torch", "float32"),
                     ("cnn f32 vs NumPy f32", model, "float32", "numpy", "float32")]
        elif model == "deep-cnn":
            rows += [("deep-cnn f32 vs PyTorch f32", model, "float32", "torch-deep", "float32")]
        elif model == "mlp":
            rows += [("mlp 784-100-100-100-10 f32 (Adam)", model, "float32", None, None)]
        else:
            sys.exit(f"unknown workload {model}")

    def available(impl):
        if impl is None:
            return False
        if impl == "numpy":
            return numpy_ok
        if impl == "torch":
            return torch_ok and refs_found
        return torch_ok

    figures = []
    for threads in [int(t) for t in args.threads.split(",")]:
        for label, model, dtype, impl, ref_dtype in rows:
            mine, theirs, before = [], [], []
            for _ in range(args.rounds):      # alternate, so that load from elsewhere hits all alike
                m = ours(model, dtype, threads)
                if m is not None:
                    mine.append(m)
                b = ours(model, dtype, threads, args.baseline) if args.baseline else None
                if b is not None:
                    before.append(b)
                if available(impl):
                    t = reference(impl, model, ref_dtype, threads)
                    if t is not None:
                        theirs.append(t)
            row = {"workload": label, "threads": threads,
                   "ours_ms": statistics.median(mine) if mine else None,
                   "ref_ms": statistics.median(theirs) if theirs else None}
            row["ratio"] = row["ref_ms"] / row["ours_ms"] if row["ours_ms"] and row["ref_ms"] else None
            fmt = lambda v, f: (f % v) if v is not None else "-"  # noqa: E731
            baseline = ""
            if args.baseline:
                row["baseline_ms"] = statistics.median(before) if before else None
                row["baseline_ratio"] = row["ref_ms"] / row["baseline_ms"] if row["baseline_ms"] and row["ref_ms"] else None
                row["speedup_over_baseline"] = row["baseline_ms"] / row["ours_ms"] if row["baseline_ms"] and row["ours_ms"] else None
                baseline = (f"   baseline {fmt(row['baseline_ms'], '%9.3f')} ms (ref/baseline "
                            f"{fmt(row['baseline_ratio'], '%5.2f')}×, baseline/ours {fmt(row['speedup_over_baseline'], '%5.2f')}×)")
            figures.append(row)
            print(f"{label:36s} {threads} thr   ours {fmt(row['ours_ms'], '%9.3f')} ms   "
                  f"ref {fmt(row['ref_ms'], '%9.3f')} ms   ref/ours {fmt(row['ratio'], '%5.2f')}×{baseline}", flush=True)
    most = max(int(t) for t in args.threads.split(","))
    for model in [m for m in args.models.split(",") if m in ("cnn", "deep-cnn")] if most > 1 else []:
        runs = [run_json([args.backprop, "bench", "model", "--model", model, "--threads", str(most),
                          "--iterations", str(STEPS[model]), "--scaling", "--json"]) for _ in range(args.rounds)]
        speedups = [r["speedup_over_1_thread"] for r in runs if r]
        references = [r["reference_gemm_speedup_over_1_thread"] for r in runs if r]
        row = {"workload": f"{model} f32 scaling", "threads": most,
               "speedup_over_1_thread": statistics.median(speedups) if speedups else None,
               "speedups": speedups,
               "reference_gemm_speedup_over_1_thread": statistics.median(references) if references else None,
               "reference_gemm_speedups": references}
        figures.append(row)
        shown = ", ".join(f"{s:.2f}" for s in speedups) or "-"
        shown_ref = ", ".join(f"{s:.2f}" for s in references) or "-"
        print(f"{model + ' f32, ' + str(most) + ' threads vs 1 (same run)':36s} speed-up "
              f"{row['speedup_over_1_thread'] or 0:5.2f}× (median of {shown}); a 512² matrix product "
              f"timed between the blocks: {row['reference_gemm_speedup_over_1_thread'] or 0:5.2f}× "
              f"(median of {shown_ref})", flush=True)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
