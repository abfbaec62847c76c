#!/usr/bin/env bash
# Build d4m-bench-volume (Release, into build/) and run it: the 1024x1024x256
# 16-bit volume with 200 random 32^3 and 200 random 64^3 boxes (SMALL=1: the
# quick 256x256x64 run).  JSON lines go to out/bench-volume.jsonl
# (overwritten); a table (box, source, ms per box, bytes per voxel, ingest s)
# and the goals follow.  Needs about 4 GB of disk for the voxel triples.
#
# Environment: SMALL=1, BOXES=200, DIR= (where the files and the database go;
# default a temporary directory, removed after), JOBS=2, BUILD=build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
JOBS="${JOBS:-2}"
BUILD="${BUILD:-build}"
out="out/bench-volume.jsonl"
args=()
[ "${SMALL:-0}" = 1 ] && args+=(--small)
[ -n "${BOXES:-}" ] && args+=(--boxes "$BOXES")
[ -n "${DIR:-}" ] && args+=(--dir "$DIR")

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target d4m-bench-volume
bin="$BUILD/bench/d4m-bench-volume"

mkdir -p out
echo "bench-volume: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "bench-volume: $bin ${args[*]}" >&2
"$bin" "${args[@]}" | tee "$out"

python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print()
print(f"{'box':>4} {'source':<22} {'ms/box':>9} {'bytes/voxel':>11} {'ingest s':>9}")
for r in rows:
    if r["bench"] != "volume":
        continue
    print(f"{r['box']:>4} {r['source']:<22} {r['seconds_per_box'] * 1e3:>9.3f} "
          f"{r['bytes_per_voxel']:>11.3f} {r['ingest_seconds']:>9.1f}")
for r in rows:
    if r["bench"] == "volume-goals":
        print()
        for k, v in r.items():
            if k != "bench":
                print(f"{k}: {v}")
PY
