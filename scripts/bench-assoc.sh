#!/usr/bin/env bash
# Build d4m-bench-assoc (Release, into build/) and run it at n = 1e5 and 1e6,
# one after the other.  JSON lines go to out/bench-assoc.jsonl (overwritten);
# a summary table (op, n, seconds, speedup, goal, met?) is printed at the end.
#
# Environment: NS="1e5 1e6" (the sizes), REPS=3, MIN_TIME=1 (repeat fast ops
# until their runs add up to that many seconds; the minimum is reported),
# SEED=1, JOBS=2, BUILD=build.
# Speedups exist only at n = 1e6, where the Octave 7.3 reference times are.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
NS="${NS:-1e5 1e6}"
REPS="${REPS:-3}"
MIN_TIME="${MIN_TIME:-1}"
SEED="${SEED:-1}"
JOBS="${JOBS:-2}"
BUILD="${BUILD:-build}"
out="out/bench-assoc.jsonl"

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target d4m-bench-assoc
bin="$BUILD/bench/d4m-bench-assoc"

mkdir -p out
: > "$out"
load="$(cut -d' ' -f1 /proc/loadavg)"
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
  echo "bench-assoc: warning: load average $load; other work on this machine skews the times" >&2
fi
echo "bench-assoc: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(nproc) cores" >&2
for n in $NS; do
  echo "bench-assoc: $bin --n $n --reps $REPS --min-time $MIN_TIME --seed $SEED" >&2
  "$bin" --n "$n" --reps "$REPS" --min-time "$MIN_TIME" --seed "$SEED" | tee -a "$out"
done

python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print()
print(f"{'op':<18} {'n':>8} {'seconds':>10} {'cpu s':>10} {'speedup':>8} {'goal':>6}  {'met?':<4} {'load':>5}")
met = total = 0
for r in rows:
    sp = r.get("speedup")
    ok = "" if sp is None else ("yes" if sp >= r["goal_speedup"] else "NO")
    if sp is not None:
        total += 1
        met += sp >= r["goal_speedup"]
    print(f"{r['op']:<18} {r['n']:>8} {r['seconds']:>10.6f} {r.get('cpu_seconds', 0):>10.6f} "
          f"{'' if sp is None else f'{sp:.1f}x':>8} {r['goal_speedup']:>5g}x  {ok:<4} "
          f"{r.get('loadavg_1m', -1):>5.2f}")
if total:
    print(f"\ngoals met at n=1e6: {met} of {total}")
PY
