#!/usr/bin/env bash
# `d4m get` of a whole table: streamed in chunks (the default, 65,536
# triples) against the whole answer read at once (--chunk larger than the
# table), in the same run.  N random triples (rows r<k>, columns c<k>, k
# uniform in 1..N/10, values 1..100) are loaded with put --bulk, then each
# way is timed REPS times (best kept) with its peak RSS; output goes to
# /dev/null, and the two outputs are compared once (they must be equal).
# One JSON line per way, then one with the ratios.
#
# Environment: N=4000000, REPS=3, BUILD=build, JOBS=2, DIR= (where the
# database goes; default a temporary directory, removed at the end).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
N="${N:-4000000}"
REPS="${REPS:-3}"
BUILD="${BUILD:-build}"
JOBS="${JOBS:-2}"

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$JOBS" --target d4m-cli >/dev/null
d4m="$BUILD/d4m/tools/d4m"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/d4m-bench-get.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
db="${DIR:-$tmp/db}"
echo "bench-get: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), n=$N, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2

awk -v n="$N" 'BEGIN { srand(1); m = int(n / 10); if (m < 1) m = 1;
    for (i = 0; i < n; i++)
        printf "r%d\tc%d\t%d\n", 1 + int(rand() * m), 1 + int(rand() * m), 1 + int(rand() * 100) }' \
    >"$tmp/in.tsv"
rm -rf "$db"
"$d4m" create "$db" T
"$d4m" put "$db" T "$tmp/in.tsv" --bulk
nnz=$("$d4m" nnz "$db" T)

# best SECONDS and its peak RSS (MB) over REPS runs of: get ARGS...
best() {
    local s="" m=""
    for _ in $(seq "$REPS"); do
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$d4m" get "$db" T : "$@" >/dev/null
        read -r t k <"$tmp/time"
        if [ -z "$s" ] || awk -v a="$t" -v b="$s" 'BEGIN { exit !(a < b) }'; then
            s=$t
            m=$(awk -v k="$k" 'BEGIN { printf "%.1f", k / 1024 }')
        fi
    done
    echo "$s $m"
}

"$d4m" get "$db" T : >"$tmp/a.tsv"
"$d4m" get "$db" T : --chunk $((nnz + 1)) >"$tmp/b.tsv"
cmp -s "$tmp/a.tsv" "$tmp/b.tsv" || { echo "bench-get: the outputs differ" >&2; exit 1; }

read -r s1 m1 < <(best)
read -r s2 m2 < <(best --chunk $((nnz + 1)))
printf '{"bench":"get","name":"get_streamed","n":%s,"seconds":%s,"triples_per_s":%.0f,"peak_rss_mb":%s}\n' \
    "$nnz" "$s1" "$(awk -v n="$nnz" -v s="$s1" 'BEGIN { print n / s }')" "$m1"
printf '{"bench":"get","name":"get_whole","n":%s,"seconds":%s,"triples_per_s":%.0f,"peak_rss_mb":%s}\n' \
    "$nnz" "$s2" "$(awk -v n="$nnz" -v s="$s2" 'BEGIN { print n / s }')" "$m2"
printf '{"bench":"get","name":"streamed_vs_whole","n":%s,"seconds_ratio":%.2f,"rss_ratio":%.2f}\n' \
    "$nnz" "$(awk -v a="$s1" -v b="$s2" 'BEGIN { print a / b }')" \
    "$(awk -v a="$m1" -v b="$m2" 'BEGIN { print a / b }')"
