#!/usr/bin/env bash
# tests/mpi/fits_ingest.sh MPIEXEC TESTPROG FITS_INGEST_MPI D4M - the command
# d4m-fits-ingest-mpi under mpiexec: a stack of slices loaded by 3 ranks as
# triples and as zstd bricks (voxels checked exactly by TESTPROG --check),
# and its failures: bad usage (exit 2, nothing created), a missing slice and
# an existing table (exit 1, nothing loaded, no files left behind).
set -u
mpiexec=$1 prog=$2 tool=$3 d4m=$4
dir=$(mktemp -d /tmp/d4m-test-fits-ingest-mpi-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
expect() { if [ "$1" = "$2" ]; then ok "$3"; else bad "$3 (got '$1', want '$2')"; fi; }

"$mpiexec" -n 1 "$prog" --write-slices "$dir" || { echo "cannot write the slices"; exit 1; }
slices=("$dir"/z*.fits)
db="$dir/db"

"$mpiexec" -n 3 "$tool" "$db" vt "${slices[@]}"
expect $? 0 "triples: loaded by 3 ranks (the database created)"
"$mpiexec" -n 1 "$prog" --check "$db" vt
expect $? 0 "triples: every voxel exact"
"$mpiexec" -n 3 "$tool" "$db" vz "${slices[@]}" --bricks 4 --codec zstd --overlap 1
expect $? 0 "zstd bricks: loaded by 3 ranks"
"$mpiexec" -n 1 "$prog" --check "$db" vz
expect $? 0 "zstd bricks: every voxel exact"
expect "$("$d4m" info "$db" vz | grep -E '^(volume|layout):')" "volume: 11 x 7 x 13 (z y x), i16, BITPIX 16
layout: bricks 4 x 4 x 4, codec zstd, overlap 1" "d4m info describes the volume"

"$mpiexec" -n 2 "$tool" "$db" vb "${slices[@]}" --bricks 0 2> "$dir/err"
expect $? 2 "a bad brick edge: usage error"
expect "$(grep -c 'bricks wants an edge' "$dir/err")" 1 "and says why, once"
"$mpiexec" -n 2 "$tool" "$db" 2> "$dir/err"
expect $? 2 "no files: usage error"
"$mpiexec" -n 2 "$tool" "$dir/nodb" vb "${slices[@]}" --codec gz 2> /dev/null
expect $? 2 "a bad codec: usage error"
[ -e "$dir/nodb" ] && bad "a usage error created a database" || ok "a usage error creates nothing"

"$mpiexec" -n 3 "$tool" "$db" vm "${slices[@]}" "$dir/missing.fits" 2> "$dir/err"
expect $? 1 "a missing slice: the load fails"
expect "$(grep -c 'missing.fits' "$dir/err")" 3 "every rank names the file"
"$mpiexec" -n 3 "$tool" "$db" vt "${slices[@]}" 2> "$dir/err"
expect $? 1 "an existing table: the load fails"
"$mpiexec" -n 1 "$prog" --check "$db" vt
expect $? 0 "and the table is untouched"
expect "$("$d4m" ls "$db" | tr '\n' ' ')" "vt vz " "no table of the failed loads is left"
expect "$(ls "$db/d4m-tmp" 2>/dev/null | grep -c '^vol-')" 0 "nor any of their files"

echo "$fails failed"
[ "$fails" = 0 ]
