#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs them:
#   scripts/fuzz.sh [TARGET|all] [SECONDS] [JOBS]
# TARGET is one of idx gzip safetensors pgm png jpeg pickle npy npz (default all); each runs SECONDS
# (default 20), JOBS targets at a time (default 2), from its seeds in Fuzz/corpus/TARGET. The library
# is built with -sanitize=fuzzer,address into .build-fuzz (apart from the normal .build, whose build
# never sees Fuzz/); each target is one Swift file linked against those objects. New inputs go to
# .build-fuzz/corpus/TARGET, a crashing input to .build-fuzz/crashes/TARGET-crash-…, and the script
# fails if any target crashed, leaked, timed out or allocated past the limits below. FUZZ_SCRATCH
# names another build folder than .build-fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(idx gzip safetensors pgm png jpeg pickle npy npz)
what=${1:-all}
seconds=${2:-20}
jobs=${3:-2}
if [ "$what" = all ]; then targets=("${all[@]}"); else targets=("$what"); fi
for t in "${targets[@]}"; do
    [ -f "Fuzz/$t.swift" ] || { echo "fuzz.sh: no target $t (targets: ${all[*]})" >&2; exit 64; }
done

scratch=${FUZZ_SCRATCH:-.build-fuzz}
mkdir -p "$scratch"
# Debug build (testable, so the gzip target reaches the internal Gzip enum); coverage and ASan in
# every Swift and C module the parsers use.
swift build --scratch-path "$scratch" --target BackpropInterop \
    -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address >"$scratch/build.log" 2>&1 \
    || { cat "$scratch/build.log" >&2; exit 1; }
bin="$scratch/debug"
objects=()
for module in Backprop BackpropRuntime BackpropCore BackpropTraining BackpropCharts BackpropBook BackpropInterop ZIPFoundation SwiftCSV CAtomics CBackpropPNG CBackpropJPEG; do
    while IFS= read -r o; do objects+=("$o"); done < <(find "$bin/$module.build" -name '*.o')
done
modulemaps=()
while IFS= read -r m; do modulemaps+=(-Xcc "-fmodule-map-file=$m"); done \
    < <(find "$bin/" -maxdepth 2 -name module.modulemap; ls Sources/C*/module.modulemap "$scratch"/checkouts/ZIPFoundation/Sources/CZLib/module.modulemap)
mkdir -p "$scratch/fuzz" "$scratch/crashes"
for t in "${targets[@]}"; do
    if [ ! -x "$scratch/fuzz/$t" ] || [ -n "$(find Fuzz/$t.swift Fuzz/FuzzSupport.swift "${objects[@]}" -newer "$scratch/fuzz/$t" 2>/dev/null | head -1)" ]; then
        swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -I "$bin/Modules" "${modulemaps[@]}" \
            -ISources/CAtomics/include -ISources/CBackpropPNG/include -ISources/CBackpropJPEG/include \
            Fuzz/FuzzSupport.swift "Fuzz/$t.swift" "${objects[@]}" -lopenblas -lz -lpng16 -ljpeg -use-ld=lld -o "$scratch/fuzz/$t"
    fi
done

run() {
    local t=$1
    mkdir -p "$scratch/corpus/$t"
    if LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp:print_suppressions=0" "$scratch/fuzz/$t" "$scratch/corpus/$t" "Fuzz/corpus/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$scratch/crashes/$t-" >"$scratch/fuzz/$t.log" 2>&1; then
        echo "fuzz $t: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$scratch/fuzz/$t.log" | grep -o '[0-9]*$') runs in ${seconds} s, $(grep -o 'cov: [0-9]*' "$scratch/fuzz/$t.log" | tail -1)"
    else
        echo "fuzz $t: FAILED (log: $scratch/fuzz/$t.log)" >&2
        grep -E "ERROR|SUMMARY|Fatal error|Test unit written" "$scratch/fuzz/$t.log" | head -5 >&2
        return 1
    fi
}

failed=0
pids=()
for t in "${targets[@]}"; do
    run "$t" & pids+=($!)
    if [ "${#pids[@]}" -ge "$jobs" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit "$failed"
