#!/usr/bin/env python3
"""Final test accuracy of the CNNs over several seeds, for one or more `backprop` binaries.

Issue 29's accuracy check: a faster convolution must leave training where it was, within seed noise.
For each binary, model and seed, runs

  backprop train --model M --epochs E --seed S --threads T --json --quiet

and prints each run's final test accuracy, then the mean and spread per binary and model. The runs
are deterministic (same seed, machine and thread count give the same numbers), so a run is never
repeated; results are also appended as JSON lines to --log, so a long sweep that is stopped can be
read back (`--log` rows already there are not run again).

  python3 scripts/accuracy_runs.py --binary before=/tmp/backprop-before --binary after=.build/release/backprop \\
      --models cnn,deep-cnn --seeds 1,2,3 --epochs 20 --threads 1 --log /tmp/accuracy.jsonl
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--binary", action="append", required=True, help="NAME=PATH of a backprop executable (repeatable)")
p.add_argument("--models", default="cnn,deep-cnn", help="comma list of models")
p.add_argument("--seeds", default="1,2,3", help="comma list of seeds")
p.add_argument("--epochs", type=int, default=20)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--log", default="accuracy_runs.jsonl", help="JSON lines of finished runs (read back, appended to)")
args = p.parse_args()

binaries = []
for item in args.binary:
    name, sep, path = item.partition("=")
    if not sep or not os.access(path, os.X_OK):
        sys.exit(f"accuracy_runs.py: --binary {item!r}: expected NAME=PATH of an executable")
    binaries.append((name, path))

done = {}
if os.path.exists(args.log):
    with open(args.log) as f:
        for line in f:
            row = json.loads(line)
            done[(row["binary"], row["model"], row["seed"], row["epochs"], row["threads"])] = row


def final_accuracy(summary):
    """The final test accuracy in `train --json`'s summary."""
    if "test_accuracy" not in summary:
        sys.exit("accuracy_runs.py: `train --json` printed no test_accuracy: " + ", ".join(summary))
    return summary["test_accuracy"]


for model in args.models.split(","):
    for seed in [int(s) for s in args.seeds.split(",")]:
        for name, path in binaries:
            key = (name, model, seed, args.epochs, args.threads)
            if key in done:
                continue
            cmd = [path, "train", "--model", model, "--epochs", str(args.epochs), "--seed", str(seed),
                   "--threads", str(args.threads), "--json", "--quiet"]
            start = time.time()
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"accuracy_runs.py: {' '.join(cmd)} failed ({out.returncode}): {out.stderr.strip()}")
            summary = json.loads(out.stdout.strip().splitlines()[-1])
            row = {"binary": name, "model": model, "seed": seed, "epochs": args.epochs, "threads": args.threads,
                   "test_accuracy": final_accuracy(summary), "seconds": round(time.time() - start, 1)}
            done[key] = row
            with open(args.log, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{name:>8} {model:>8} seed {seed}: test accuracy {row['test_accuracy']:.4f} ({row['seconds']} s)",
                  flush=True)

print(f"\n{'binary':>8} {'model':>8}  {'seeds':>6}  {'test accuracy per seed':<28} mean    spread")
for model in args.models.split(","):
    for name, _ in binaries:
        rows = [r for k, r in sorted(done.items()) if k[0] == name and k[1] == model and k[3] == args.epochs
                and k[4] == args.threads]
        if not rows:
            continue
        accs = [r["test_accuracy"] for r in rows]
        seeds = ",".join(str(r["seed"]) for r in rows)
        print(f"{name:>8} {model:>8}  {seeds:>6}  {' '.join(f'{a:.4f}' for a in accs):<28} "
              f"{statistics.mean(accs):.4f}  {max(accs) - min(accs):.4f}")
