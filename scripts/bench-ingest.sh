#!/usr/bin/env bash
# scripts/bench-ingest.sh - the parallel ingest curve: d4m-bench-ingest at 1,
# 2, 4 and 8 MPI ranks (beyond the cores: oversubscribed, as a curve), the
# integer-keyed voxel volume and the string-keyed edge workload, each against
# raw RocksDB in the same run; then once more with the transpose (--pair) at
# 2 ranks.  JSON lines go to out/bench-ingest.jsonl, the plot of triples/s
# against ranks to out/bench-ingest.png (gnuplot).
#
#   VOLUME=512x512x32 STRINGS=2000000 RANKS="1 2 4 8" BUILD=build bash scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
VOLUME=${VOLUME:-512x512x32}
STRINGS=${STRINGS:-2000000}
RANKS=${RANKS:-"1 2 4 8"}
OUT=${OUT:-out}
MPIEXEC=$(command -v mpiexec.mpich || command -v mpiexec)

if [ ! -x "$BUILD/bench/d4m-bench-ingest" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target d4m-bench-ingest >/dev/null
fi
mkdir -p "$OUT"
json="$OUT/bench-ingest.jsonl"
: > "$json"

load=$(cut -d' ' -f1 /proc/loadavg)
echo "bench-ingest: volume $VOLUME, $STRINGS string triples, ranks $RANKS (load average $load)"
for r in $RANKS; do
    "$MPIEXEC" -n "$r" "$BUILD/bench/d4m-bench-ingest" --volume "$VOLUME" \
        --strings "$STRINGS" --json "$json" >/dev/null
done
"$MPIEXEC" -n 2 "$BUILD/bench/d4m-bench-ingest" --volume "$VOLUME" --strings "$STRINGS" \
    --pair --json "$json" >/dev/null

python3 - "$json" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(f"{'keys':7} {'pair':5} {'ranks':>5} {'triples':>10} {'seconds':>8} {'M/s':>7} {'raw M/s':>8} {'ratio':>6} {'rss MB':>7}")
for d in rows:
    print(f"{d['keys']:7} {str(d['pair']).lower():5} {d['ranks']:5d} {d['triples']:10d} {d['seconds']:8.3f} "
          f"{d['triples_per_s']/1e6:7.2f} {d['raw_triples_per_s']/1e6:8.2f} {d['ratio_to_raw']:6.2f} {d['peak_rss_mb']:7.1f}")
with open(sys.argv[1] + ".dat", "w") as f:
    for keys in ("int", "string"):
        for d in rows:
            if d["keys"] == keys and not d["pair"]:
                f.write(f"{d['ranks']} {d['triples_per_s']/1e6:.4f} {d['raw_triples_per_s']/1e6:.4f}\n")
        f.write("\n\n")
PY

if command -v gnuplot >/dev/null; then
    gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced
set output "$OUT/bench-ingest.png"
set title "d4m parallel ingest: triples/s against MPI ranks (2 cores; volume $VOLUME, $STRINGS string triples)"
set xlabel "MPI ranks"
set ylabel "million triples per second"
set logscale x 2
set xtics (1, 2, 4, 8)
set key bottom right
set xrange [0.9:9]
set grid
set yrange [0:*]
plot "$json.dat" index 0 using 1:2 with linespoints lw 2 title "d4m, integer keys (voxels)", \
     "$json.dat" index 0 using 1:3 with linespoints dt 2 title "raw RocksDB, integer keys", \
     "$json.dat" index 1 using 1:2 with linespoints lw 2 title "d4m, string keys", \
     "$json.dat" index 1 using 1:3 with linespoints dt 2 title "raw RocksDB, string keys"
GP
    echo "bench-ingest: plot in $OUT/bench-ingest.png, JSON lines in $json"
else
    echo "bench-ingest: gnuplot not installed; JSON lines in $json"
fi
