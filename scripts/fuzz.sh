#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - build the libFuzzer harnesses of tests/fuzz/
# with clang (ASan + UBSan) and run each for SECONDS (default 20).
#
# Each harness is compiled together with the library's common/ and algebra/ sources
# (so the library is instrumented too) into build-fuzz/.  The seed corpora
# of tests/fuzz/corpus/<name>/ are read but never written: new inputs go to
# build-fuzz/corpus/<name>/, crash artifacts to build-fuzz/artifacts/.
# Exits non-zero if a harness fails to build or finds a crash, leak or
# timeout.
set -euo pipefail

secs="${1:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/build-fuzz"
cc="${CC_FUZZ:-clang}"
harnesses=(query tsv csv)

mkdir -p "$out/artifacts"
cd "$root"

flags=(-g -O1 -std=gnu11 -Wall -Wextra
       -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -fopenmp -I include -I common -I algebra)
for h in "${harnesses[@]}"; do
    echo "fuzz.sh: building fuzz_$h"
    "$cc" "${flags[@]}" -o "$out/fuzz_$h" "tests/fuzz/fuzz_$h.c" common/*.c algebra/*.c \
        -lgraphblas -lm -lpthread
done

failed=()
for h in "${harnesses[@]}"; do
    mkdir -p "$out/corpus/$h"
    echo "fuzz.sh: running fuzz_$h for ${secs}s"
    if ! UBSAN_OPTIONS=print_stacktrace=1 \
         "$out/fuzz_$h" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=4096 \
             -timeout=25 -print_final_stats=1 \
             -artifact_prefix="$out/artifacts/$h-" \
             "$out/corpus/$h" "tests/fuzz/corpus/$h" \
             >"$out/fuzz_$h.log" 2>&1; then
        failed+=("$h")
        echo "fuzz.sh: fuzz_$h FAILED; last lines of $out/fuzz_$h.log:"
        tail -n 40 "$out/fuzz_$h.log"
    else
        grep -E '^stat::number_of_executed_units|^Done' "$out/fuzz_$h.log" || true
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: crashes in: ${failed[*]} (artifacts in $out/artifacts/)"
    exit 1
fi
echo "fuzz.sh: no crashes"
