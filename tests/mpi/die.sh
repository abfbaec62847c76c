#!/usr/bin/env bash
# tests/mpi/die.sh MPIEXEC PROGRAM - a rank killed in the middle of a parallel
# ingest: the job ends, the table is as before, a new job's rerun succeeds.
set -uo pipefail
mpiexec=$1 prog=$2
dir=$(mktemp -d /tmp/d4m-test-die-XXXXXX)
trap 'rm -rf "$dir"' EXIT
if timeout 120 "$mpiexec" -n 3 "$prog" --die "$dir/db" >"$dir/out" 2>&1; then
    cat "$dir/out"
    echo "die.sh: the job with a killed rank exited 0"
    echo "0 passed, 1 failed"
    exit 1
fi
timeout 120 "$mpiexec" -n 3 "$prog" --after-die "$dir/db"
