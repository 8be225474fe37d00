#!/usr/bin/env python3
"""Training speed in `backprop lab` against `backprop train`, same flags, same binary, one after the other.

    scripts/lab_speed.py [path/to/backprop] [train flags…]     (default: .build/release/backprop --iterations 6000)

Three rounds, the order alternating (train then lab, lab then train, train then lab), so that a machine
getting busier or quieter does not favour one: `backprop train FLAGS --json --quiet` gives its
examples_per_second; `backprop lab --port 0 FLAGS`, started over HTTP and polled four times a second
until finished, gives its examplesPerSecond (the same measure: examples over the seconds spent in steps,
evaluations left out). Prints every figure and the medians.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train_rate(binary, flags):
    train = subprocess.run([binary, "train", *flags, "--json", "--quiet"], capture_output=True, text=True, check=True)
    return json.loads(train.stdout.strip().splitlines()[-1])["examples_per_second"]


def lab_rate(binary, flags):

    lab = subprocess.Popen([binary, "lab", "--port", "0", "--save", "/dev/null", *flags], stdout=subprocess.PIPE, text=True)
    try:
        url = re.search(r"(http://\S+)", lab.stdout.readline()).group(1)
        base, token = url.split("/?token=")

        def call(path, method="GET"):
            request = urllib.request.Request(base + path + "?token=" + token, method=method)
            with urllib.request.urlopen(request) as response:
                return json.load(response)

        call("/api/train/start", "POST")
        state = call("/api/train")
        while state["state"] != "finished":
            time.sleep(0.25)
            state = call("/api/train")
        return state["examplesPerSecond"]
    finally:
        lab.send_signal(signal.SIGINT)
        lab.wait(timeout=20)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "backprop")
    flags = sys.argv[2:] or ["--iterations", "6000"]
    trains, labs = [], []
    for round in range(3):
        if round % 2 == 0:
            trains.append(train_rate(binary, flags))
            labs.append(lab_rate(binary, flags))
        else:
            labs.append(lab_rate(binary, flags))
            trains.append(train_rate(binary, flags))
    train, lab = statistics.median(trains), statistics.median(labs)
    print("flags: " + " ".join(flags))
    print("backprop train: " + ", ".join("%.0f" % r for r in trains) + " examples/s; median %.0f" % train)
    print("backprop lab:   " + ", ".join("%.0f" % r for r in labs) + " examples/s; median %.0f (%.0f%% of train)"
          % (lab, 100 * lab / train))


if __name__ == "__main__":
    main()
