#!/usr/bin/env bash
# Build d4m-bench-store (Release, into build/) and run it at n = 1e6, then,
# with FULL=1, at n = 1e7 (the issue's full size), one after the other.
# JSON lines go to out/bench-store.jsonl (overwritten); a summary table (op,
# keys, n, the store's figure, raw RocksDB's, their ratio, goal, met?) is
# printed at the end.
#
# Environment: FULL=1 (add n = 1e7), KEYS=both (str, int), QUERIES=10000,
# REPS=3 (runs per op at 1e6, each half's best is kept), REPS_FULL=1 (at 1e7),
# OPS= (comma-separated; default all), SEED=1, JOBS=2, BUILD=build,
# DIR= (where the databases go; default a temporary directory per run),
# RAW_ONLY=1 (only the raw RocksDB baselines).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
KEYS="${KEYS:-both}"
QUERIES="${QUERIES:-10000}"
SEED="${SEED:-1}"
REPS="${REPS:-3}"
REPS_FULL="${REPS_FULL:-1}"
JOBS="${JOBS:-2}"
BUILD="${BUILD:-build}"
out="out/bench-store.jsonl"
NS="1000000"
if [ "${FULL:-0}" = 1 ]; then
  NS="$NS 10000000"
fi
extra=()
[ -n "${OPS:-}" ] && extra+=(--ops "$OPS")
[ -n "${DIR:-}" ] && extra+=(--dir "$DIR")
[ "${RAW_ONLY:-0}" = 1 ] && extra+=(--raw-only)

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target d4m-bench-store
bin="$BUILD/bench/d4m-bench-store"

mkdir -p out
: > "$out"
echo "bench-store: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for n in $NS; do
  reps="$REPS"
  [ "$n" = 10000000 ] && reps="$REPS_FULL"
  echo "bench-store: $bin --n $n --keys $KEYS --queries $QUERIES --reps $reps --seed $SEED ${extra[*]}" >&2
  "$bin" --n "$n" --keys "$KEYS" --queries "$QUERIES" --reps "$reps" --seed "$SEED" "${extra[@]}" | tee -a "$out"
done

python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def fig(r, raw):
    p = "raw_" if raw else ""
    if r.get("p50_us" if not raw else "raw_p50_us") is not None and r["op"] != "prefix_query":
        return f"{r[p + 'p50_us']:.1f}/{r[p + 'p99_us']:.1f} us"
    v = r.get(p + "triples_per_s")
    return "" if v is None else f"{v / 1e6:.2f} M/s"

print()
print(f"{'op':<13} {'keys':<4} {'n':>9} {'store':>17} {'raw':>17} {'ratio':>6}  {'goal':<26} met?")
met = total = 0
for r in rows:
    ratio = r.get("ratio_to_raw")
    ok = r.get("goal_met")
    if ok is not None:
        total += 1
        met += bool(ok)
    print(f"{r['op']:<13} {r['keys']:<4} {r['n']:>9} {fig(r, False):>17} {fig(r, True):>17} "
          f"{'' if ratio is None else f'{ratio:.2f}':>6}  {r['goal'] or '-':<26} "
          f"{'' if ok is None else ('yes' if ok else 'NO')}")
print("\nstore/raw: triples per second (puts, scan, prefix_query) or p50/p99 latency (row_query, col_query);")
print("ratio_to_raw: store speed / raw speed (latency ops: raw p50 / store p50), 1 = parity.")
if total:
    print(f"goals met: {met} of {total}")
loads = [r["loadavg_1m"] for r in rows if r.get("loadavg_1m") is not None]
if loads and max(loads) > 1.5:
    print(f"warning: 1-minute load average up to {max(loads):.1f} on {__import__('os').cpu_count()} cores:"
          " other work skewed these figures; take figures for the record on an idle machine")
PY
