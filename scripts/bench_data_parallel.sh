#!/usr/bin/env bash
# Data-parallel benchmark (not a test): per network, the median step time alone and on 2 ranks under
# mpirun on this machine (loopback, shared memory), and the median time in the one gradient all-reduce
# per step. Usage: scripts/bench_data_parallel.sh [ranks (default 2)] [extra flags for the bench, e.g. --model cnn]
# Builds release first. The figures feed the README's arithmetic for N machines on a 10 Gb/s network.
set -euo pipefail
cd "$(dirname "$0")/.."
ranks=${1:-2}
shift || true
swift build -c release --product backprop >&2
backprop=.build/release/backprop
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
echo "alone, all threads:"
"$backprop" bench data-parallel "$@"
echo "alone, $(( $(nproc) / ranks > 0 ? $(nproc) / ranks : 1 )) thread(s) (what each of $ranks ranks gets here):"
"$backprop" bench data-parallel --threads $(( $(nproc) / ranks > 0 ? $(nproc) / ranks : 1 )) "$@"
echo "$ranks ranks under mpirun:"
mpirun --oversubscribe --allow-run-as-root -q -np "$ranks" "$backprop" bench data-parallel "$@"
