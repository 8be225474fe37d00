#!/usr/bin/env bash
# Installs what Backprop needs on Debian (or Ubuntu) when it is missing, and nothing else:
#   libopenblas-dev (GEMM), pkg-config (finds OpenBLAS), zlib1g-dev (gzip'd IDX files),
#   libpng-dev (PNG images for `backprop predict` and image folders), libjpeg-dev (JPEG images, libjpeg-turbo),
#   dataset-fashion-mnist (the default dataset, in /usr/share/datasets/fashion-mnist), libopenmpi-dev and
#   openmpi-bin (data-parallel training under mpirun, and its tests), graphviz (the tests render
#   `backprop graph`'s .dot output with dot -Tsvg), chromium and chromium-driver (scripts/browser_test.py drives
#   `backprop lab` in headless Chromium); and the Python
#   packages the tests check against (numpy for the book-weights and .npy checks, onnx and onnxruntime
#   for the ONNX export, selenium for the browser test), with pip, only when python3 cannot import them.
# Swift itself must already be installed (swift.org). Safe to run again: it only installs what's absent.
set -euo pipefail

packages=(libopenblas-dev pkg-config zlib1g-dev libpng-dev libjpeg-dev dataset-fashion-mnist libopenmpi-dev openmpi-bin
          graphviz chromium chromium-driver)
command -v python3 >/dev/null 2>&1 || packages+=(python3 python3-pip)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "setup: installing ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH; install Swift 6 from https://www.swift.org/install/linux/" >&2
    exit 1
fi

# The tests' independent Python side: NumPy (Tests/BackpropInteropTests/Python: the book's weights,
# .npy/.npz) and onnx.checker with onnxruntime (Tests/BackpropONNXTests).
if ! python3 -c 'import numpy, onnx, onnxruntime' >/dev/null 2>&1; then
    if ! command -v python3 >/dev/null 2>&1; then
        echo "setup: python3 is missing; the ONNX export tests need it (apt-get install python3 python3-pip)" >&2
        exit 1
    fi
    echo "setup: installing the Python packages numpy onnx onnxruntime" >&2
    python3 -m pip install --quiet --disable-pip-version-check numpy onnx onnxruntime >&2
fi

# The browser test of `backprop lab` (scripts/browser_test.py): Selenium, pointed at Debian's chromium and
# chromedriver (it never downloads a browser).
if ! python3 -c 'import selenium' >/dev/null 2>&1; then
    echo "setup: installing the Python package selenium" >&2
    python3 -m pip install --quiet --disable-pip-version-check selenium >&2
fi
