#!/usr/bin/env bash
# Runs the test suites that touch BLAS (tensor, kernels, layers, networks, optimizers, gradients,
# checkpoints and training, data-parallel) once more under another processor's OpenBLAS kernels.
#
# OpenBLAS picks its GEMM kernels, and with them the order in which a dot product is summed, by the
# processor it finds (and per transpose flag). OPENBLAS_CORETYPE makes it pick another processor's
# kernels, so a test that holds only on this machine's kernels fails here, in CI, and not on a user's
# machine. The core type is chosen to differ from this machine's and to run on it:
#   this machine SkylakeX (e.g. AMD Zen 4 under OpenBLAS 0.3.21)   → Haswell
#   any other AVX-512 machine (e.g. Intel Sapphire Rapids, which
#   Debian 12's OpenBLAS does not know and runs on Prescott)      → SkylakeX
#   AVX2 without AVX-512 (Haswell, Zen 1–3)                      → Sandybridge
#   otherwise                                                     → Nehalem
# BACKPROP_OTHER_CORETYPE=NAME forces a core type. Usage: scripts/test_other_core.sh [swift test flags]
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests >/dev/null
# The core OpenBLAS detects by itself, as in the test process (the CLI would relaunch itself with a
# better one where OpenBLAS falls back to Prescott; BACKPROP_BLAS_RELAUNCHED=1 stops that here).
native=$(BACKPROP_BLAS_RELAUNCHED=1 OPENBLAS_VERBOSE=2 .build/debug/backprop --version 2>&1 | sed -n 's/^Core: //p' | head -1)
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
if [ -n "${BACKPROP_OTHER_CORETYPE:-}" ]; then
    other=$BACKPROP_OTHER_CORETYPE
elif [[ $flags == *avx512f* ]]; then
    if [ "$native" = SkylakeX ]; then other=Haswell; else other=SkylakeX; fi
elif [[ $flags == *avx2* ]]; then
    other=Sandybridge
else
    other=Nehalem
fi

# The suites of those folders, by their type names (Swift Testing's IDs are Module.Type/test).
folders=(Tensor Kernels Layers Networks Optimizers Gradients Checkpoints DataParallel)
suites=$(for f in "${folders[@]}"; do grep -ho '^struct [A-Za-z0-9_]*' "Tests/BackpropTests/$f"/*.swift; done \
    | sed 's/^struct //' | sort -u | paste -sd'|')
echo "test_other_core: OpenBLAS core ${native:-unknown} here; running ${folders[*]} under OPENBLAS_CORETYPE=$other" >&2
OPENBLAS_CORETYPE=$other swift test --skip-build --filter "^BackpropTests\\.($suites)/" "$@"
