#!/usr/bin/env bash
# scripts/test.sh - the second command of the README, and what CI runs.
#
#   1. install the dependencies (scripts/install-deps.sh)
#   2. Debug build in build-test/ (tests and benchmarks on); run the Criterion
#      suite directly (its "Synthesis:" summary line goes to stderr and is
#      shown here), then every CTest test (the suite again, and "package":
#      install + use from an outside program, tests/pkg/run.sh)
#   3. unless D4M_SANITIZE_RUN=0: the same in build-asan/ with AddressSanitizer
#      and UndefinedBehaviorSanitizer (-DD4M_SANITIZE=ON), leaks detected; the
#      MEX file is instrumented too and the Octave tests run with the
#      sanitizer runtimes preloaded (tests/CMakeLists.txt)
#   4. if scripts/fuzz.sh exists: a short bounded fuzzing run (15 s)
#
# Every step runs even if an earlier one failed (a build that fails skips its
# own tests); the summary at the end lists each step, and the exit status is
# non-zero if any failed.  At most 2 parallel jobs (CI has 2 cores).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

jobs=2
failed=()
summary=()
t_start=$(date +%s)

# step NAME COMMAND...: run one step, record its result and duration.
step() {
    local name=$1; shift
    local t0 rc=0
    t0=$(date +%s)
    echo
    echo "==> $name"
    echo "    \$ $*"
    "$@" || rc=$?
    local dt=$(( $(date +%s) - t0 ))
    if [ "$rc" -eq 0 ]; then
        summary+=("ok    ${dt}s  $name")
    else
        summary+=("FAIL  ${dt}s  $name (exit $rc)")
        failed+=("$name")
    fi
    return "$rc"
}

# One build directory: configure, build, then the tests if it built.
build_and_test() {
    local dir=$1; shift
    if step "configure $dir" cmake -S . -B "$dir" "$@" &&
       step "build $dir" cmake --build "$dir" -j"$jobs"; then
        # Criterion forks its workers; --jobs bounds them.
        step "criterion $dir" "./$dir/tests/d4m-tests" --jobs "$jobs"
        step "ctest $dir" ctest --test-dir "$dir" --output-on-failure
    fi
}

step "install dependencies" bash scripts/install-deps.sh

build_and_test build-test -DCMAKE_BUILD_TYPE=Debug \
    -DD4M_BUILD_TESTS=ON -DD4M_BUILD_BENCH=ON -DD4M_SANITIZE=OFF

if [ "${D4M_SANITIZE_RUN:-1}" != 0 ]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
    build_and_test build-asan -DCMAKE_BUILD_TYPE=Debug \
        -DD4M_BUILD_TESTS=ON -DD4M_BUILD_BENCH=ON -DD4M_SANITIZE=ON
else
    summary+=("skip      sanitizer build (D4M_SANITIZE_RUN=0)")
fi

if [ -f scripts/fuzz.sh ]; then
    step "fuzz (15 s)" bash scripts/fuzz.sh 15
else
    summary+=("skip      fuzzing (no scripts/fuzz.sh)")
fi

echo
echo "==> summary ($(( $(date +%s) - t_start ))s)"
printf '    %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "test.sh: FAILED: ${failed[*]}"
    exit 1
fi
echo "test.sh: all passed"
