#!/bin/sh
# Heap allocations per training step, for each workload: builds scripts/malloc_count.c into a
# preloadable library (gcc), then runs `backprop bench model` under it, which then reports
# "allocations_per_step" and "allocated_bytes_per_step" (timed steps only, after the warm-up).
#   scripts/count_allocations.sh [bench flags, e.g. --model cnn --threads 1]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
lib=$root/.build/malloc_count.so
mkdir -p "$root/.build"
gcc -O2 -shared -fPIC -o "$lib" "$root/scripts/malloc_count.c"
[ -x "$root/.build/release/backprop" ] || (cd "$root" && swift build -c release)
LD_PRELOAD=$lib "$root/.build/release/backprop" bench model "$@"
