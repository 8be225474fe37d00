#!/usr/bin/env python3
"""Training speed in `backprop lab` against `backprop train`, same flags, same binary, one after the other.

    scripts/lab_speed.py [path/to/backprop] [train flags…]     (default: .build/release/backprop --iterations 1200)

Runs `backprop train FLAGS --json --quiet` and reads its examplesPerSecond; then starts `backprop lab
--port 0 FLAGS`, presses Start over HTTP, waits for the run to finish and reads the lab's examples per
second (the same measure: examples over the seconds spent in steps, evaluations left out). Prints both.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "backprop")
    flags = sys.argv[2:] or ["--iterations", "1200"]
    train = subprocess.run([binary, "train", *flags, "--json", "--quiet"], capture_output=True, text=True, check=True)
    train_rate = json.loads(train.stdout.strip().splitlines()[-1])["examplesPerSecond"]

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
        lab_rate = state["examplesPerSecond"]
    finally:
        lab.send_signal(signal.SIGINT)
        lab.wait(timeout=20)
    print("flags: " + " ".join(flags))
    print("backprop train: %8.0f examples/s" % train_rate)
    print("backprop lab:   %8.0f examples/s (%.1f%% of train)" % (lab_rate, 100 * lab_rate / train_rate))


if __name__ == "__main__":
    main()
