#!/usr/bin/env bash
# Installs what Backprop needs on Debian (or Ubuntu) when it is missing, and nothing else:
#   libopenblas-dev (GEMM), pkg-config (finds OpenBLAS), zlib1g-dev (gzip'd IDX files),
#   dataset-fashion-mnist (the default dataset, in /usr/share/datasets/fashion-mnist);
#   and for the tests' independent NumPy side (Tests/BackpropInteropTests/Python), python3 and NumPy
#   (NumPy with pip, only when `import numpy` fails).
# Swift itself must already be installed (swift.org). Safe to run again: it only installs what's absent.
set -euo pipefail

packages=(libopenblas-dev pkg-config zlib1g-dev dataset-fashion-mnist)
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

# pip_if_missing MODULE PACKAGE: pip-installs PACKAGE when python3 cannot import MODULE.
pip_if_missing() {
    python3 -c "import $1" >/dev/null 2>&1 && return 0
    echo "setup: installing $2 (pip)" >&2
    python3 -m pip install --quiet "$2" >&2 \
        || python3 -m pip install --quiet --break-system-packages "$2" >&2
}
pip_if_missing numpy numpy

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH; install Swift 6 from https://www.swift.org/install/linux/" >&2
    exit 1
fi
