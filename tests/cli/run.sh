#!/usr/bin/env bash
# tests/cli/run.sh BUILD_DIR - the d4m command-line tool, end to end.
#
# Runs BUILD_DIR/d4m/tools/d4m on a temporary database: every subcommand and
# flag, TSV escapes, queries (':', key lists, ranges, prefixes, columns of a
# pair), combiners, degree tables, integer keys, and the errors with their
# exit status (1 for failures, 2 for usage errors).  Each check compares the
# exact stdout (and, for the tool's own messages, stderr) with a here-doc.
# Prints "N passed, M failed" last; exits 1 if any check failed.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
d4m=$build/d4m/tools/d4m
[ -x "$d4m" ] || { echo "cli: no executable $d4m" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/d4m-cli.XXXXXX")
writer_pid=
cleanup() {
    if [ -n "$writer_pid" ]; then kill "$writer_pid" 2>/dev/null || true; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
db=$tmp/db
tab=$'\t'

passed=0
failed=0
status=0

# run CMD...: run with no input; stdout, stderr and status are kept.
run() {
    set +e
    "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
    status=$?
    set -e
}
# run_in FILE CMD...: the same with FILE on stdin.
run_in() {
    local in=$1
    shift
    set +e
    "$@" <"$in" >"$tmp/out" 2>"$tmp/err"
    status=$?
    set -e
}

pass() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
    if [ -s "$tmp/err" ]; then sed 's/^/    stderr: /' "$tmp/err" >&2; fi
}

# expect NAME [STATUS]: the last run exited with STATUS (default 0) and
# printed exactly stdin on stdout.  With STATUS 0, stderr must be empty.
expect() {
    local name=$1 want=${2:-0}
    cat >"$tmp/want"
    if [ "$status" -ne "$want" ]; then
        fail "$name: exit status $status, expected $want"
        return 0
    fi
    if [ "$want" -eq 0 ] && [ -s "$tmp/err" ]; then
        fail "$name: unexpected stderr"
        return 0
    fi
    if diff -u "$tmp/want" "$tmp/out" >"$tmp/diff"; then
        pass
    else
        fail "$name: stdout differs"
        sed 's/^/    /' "$tmp/diff" >&2
    fi
}

# expect_err NAME STATUS: the last run exited with STATUS, printed nothing
# on stdout, and exactly stdin on stderr.
expect_err() {
    local name=$1 want=$2
    cat >"$tmp/want"
    if [ "$status" -ne "$want" ]; then
        fail "$name: exit status $status, expected $want"
    elif [ -s "$tmp/out" ]; then
        fail "$name: unexpected stdout"
    elif diff -u "$tmp/want" "$tmp/err" >"$tmp/diff"; then
        pass
    else
        fail "$name: stderr differs"
        sed 's/^/    /' "$tmp/diff" >&2
    fi
}

# expect_fail NAME STATUS PREFIX: the last run exited with STATUS, printed
# nothing on stdout, and one stderr line PREFIX followed by a message (the
# library's words, not pinned here).
expect_fail() {
    local name=$1 want=$2 prefix=$3
    if [ "$status" -ne "$want" ]; then
        fail "$name: exit status $status, expected $want"
    elif [ -s "$tmp/out" ]; then
        fail "$name: unexpected stdout"
    elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
        fail "$name: expected one line on stderr"
    elif [ "$(head -c ${#prefix} "$tmp/err")" != "$prefix" ] ||
         [ "$(wc -c <"$tmp/err")" -le $((${#prefix} + 1)) ]; then
        fail "$name: stderr is not '$prefix<message>'"
    else
        pass
    fi
}

# ------------------------------------------------------------ help, version
run "$d4m" --version
if [ "$status" -eq 0 ] && grep -Eqx 'd4m [0-9]+\.[0-9]+\.[0-9]+.*' "$tmp/out" &&
   [ "$(wc -l <"$tmp/out")" -eq 1 ]; then pass; else fail "--version"; fi

lists_commands() {
    local c
    for c in create put get nnz ls drop info; do
        grep -q "^  $c " "$1" || return 1
    done
}
run "$d4m" --help
if [ "$status" -eq 0 ] && [ ! -s "$tmp/err" ] &&
   grep -q '^usage: d4m COMMAND' "$tmp/out" && lists_commands "$tmp/out"; then
    pass; else fail "--help"; fi

run "$d4m" help put
if [ "$status" -eq 0 ] && [ ! -s "$tmp/err" ] &&
   [ "$(head -n 1 "$tmp/out")" = "usage: d4m put DB TABLE [FILE] [--bulk] [--chunk N]" ] &&
   grep -q -- '--bulk' "$tmp/out"; then pass; else fail "help put"; fi

run "$d4m" get --help
if [ "$status" -eq 0 ] &&
   [ "$(head -n 1 "$tmp/out")" = "usage: d4m get DB TABLE ROWQ [COLQ] [--chunk N]" ]; then
    pass; else fail "get --help"; fi

# ------------------------------------------------------------ usage errors
run "$d4m"
if [ "$status" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q '^usage: d4m' "$tmp/err"; then
    pass; else fail "no arguments: exit 2 and usage"; fi

run "$d4m" frobnicate
expect_err "unknown command" 2 <<'EOF'
d4m: unknown command 'frobnicate'
Try 'd4m --help'.
EOF

run "$d4m" help frobnicate
expect_err "help of an unknown command" 2 <<'EOF'
d4m: help: unknown command 'frobnicate'
Try 'd4m --help'.
EOF

run "$d4m" get "$db"
expect_err "get with too few arguments" 2 <<'EOF'
d4m: get: missing arguments
usage: d4m get DB TABLE ROWQ [COLQ] [--chunk N]
Try 'd4m help get'.
EOF

run "$d4m" nnz "$db" T extra
expect_err "nnz with too many arguments" 2 <<'EOF'
d4m: nnz: too many arguments ('extra')
usage: d4m nnz DB TABLE
Try 'd4m help nnz'.
EOF

run "$d4m" create "$db" T --paired
expect_err "create with an unknown option" 2 <<'EOF'
d4m: create: unknown option '--paired'
usage: d4m create DB TABLE [--pair] [--degree] [--int-keys] [--shards N] [--combiner sum|min|max]
Try 'd4m help create'.
EOF

run "$d4m" create "$db" T --combiner avg
expect_err "create with a bad combiner" 2 <<'EOF'
d4m: create: --combiner is sum, min, max or none, not 'avg'
usage: d4m create DB TABLE [--pair] [--degree] [--int-keys] [--shards N] [--combiner sum|min|max]
Try 'd4m help create'.
EOF

run "$d4m" create "$db" T --shards many
expect_err "create with a bad shard count" 2 <<'EOF'
d4m: create: --shards wants a number, not 'many'
usage: d4m create DB TABLE [--pair] [--degree] [--int-keys] [--shards N] [--combiner sum|min|max]
Try 'd4m help create'.
EOF

run "$d4m" create "$db" T --shards
expect_err "create with --shards missing its value" 2 <<'EOF'
d4m: create: option '--shards' needs a value
usage: d4m create DB TABLE [--pair] [--degree] [--int-keys] [--shards N] [--combiner sum|min|max]
Try 'd4m help create'.
EOF

if [ ! -e "$db" ]; then pass; else fail "usage errors created the database"; fi

# -------------------------------------------------------------------- create
run "$d4m" create "$db" Tedge --pair --degree --shards 3
expect "create a pair with degrees (and the database)" </dev/null
if [ -d "$db" ]; then pass; else fail "create made no database directory"; fi

run "$d4m" create "$db" Tsum --combiner sum --shards 2
expect "create --combiner sum" </dev/null
run "$d4m" create "$db" Tmin --combiner=min --shards=1
expect "create --combiner=min --shards=1" </dev/null
run "$d4m" create "$db" Tmax --combiner max
expect "create --combiner max" </dev/null
run "$d4m" create "$db" Tint --int-keys --shards 2
expect "create --int-keys" </dev/null
run "$d4m" create "$db" Tstr --shards 4
expect "create a plain table" </dev/null
for t in Tbulk Tchunk Tcheck Tnul; do
    run "$d4m" create "$db" "$t" --shards 1
    expect "create $t" </dev/null
done

run "$d4m" create "$db" Tstr
expect_fail "create an existing table" 1 "d4m: create: "

run "$d4m" ls "$db"
expect "ls" <<'EOF'
Tbulk
Tcheck
Tchunk
Tedge
TedgeDeg
TedgeT
Tint
Tmax
Tmin
Tnul
Tstr
Tsum
EOF

# ---------------------------------------------------------------------- info
info_without_size() {
    run "$@"
    if grep -Eqx 'approx_bytes: [0-9]+' "$tmp/out"; then
        grep -v '^approx_bytes: ' "$tmp/out" >"$tmp/out2" || true
        mv "$tmp/out2" "$tmp/out"
    else
        echo "approx_bytes line missing or not a number" >"$tmp/out"
    fi
}
info_without_size "$d4m" info "$db" Tedge
expect "info of a pair with degrees" <<'EOF'
name: Tedge
keys: string
shards: 3
pair: yes
degree: yes
combiner: none
col_combiners: 0
EOF
info_without_size "$d4m" info "$db" Tsum
expect "info of a sum table" <<'EOF'
name: Tsum
keys: string
shards: 2
pair: no
degree: no
combiner: sum
col_combiners: 0
EOF
info_without_size "$d4m" info "$db" Tint
expect "info of an integer-keyed table" <<'EOF'
name: Tint
keys: int
shards: 2
pair: no
degree: no
combiner: none
col_combiners: 0
EOF

# ------------------------------------------------------ put from a file, get
cat >"$tmp/edges.tsv" <<EOF
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
bob${tab}chess${tab}2
bob${tab}piano${tab}4
carol${tab}hiking${tab}6
al${tab}chess${tab}1
EOF
run "$d4m" put "$db" Tedge "$tmp/edges.tsv"
expect "put from a file" </dev/null

run "$d4m" nnz "$db" Tedge
expect "nnz" <<'EOF'
6
EOF

cat >"$tmp/sorted.tsv" <<EOF
al${tab}chess${tab}1
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
bob${tab}chess${tab}2
bob${tab}piano${tab}4
carol${tab}hiking${tab}6
EOF
run "$d4m" get "$db" Tedge :
expect "get :" <"$tmp/sorted.tsv"
run "$d4m" get "$db" Tedge : :
expect "get : :" <"$tmp/sorted.tsv"

run "$d4m" get "$db" Tedge 'bob alice '
expect "get a key list" <<EOF
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
bob${tab}chess${tab}2
bob${tab}piano${tab}4
EOF

run "$d4m" get "$db" Tedge 'carol,zed,'
expect "get a key list with a missing key and another separator" <<EOF
carol${tab}hiking${tab}6
EOF

run "$d4m" get "$db" Tedge 'alice : bob '
expect "get a range" <<EOF
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
bob${tab}chess${tab}2
bob${tab}piano${tab}4
EOF

run "$d4m" get "$db" Tedge 'bob : end '
expect "get a range open above" <<EOF
bob${tab}chess${tab}2
bob${tab}piano${tab}4
carol${tab}hiking${tab}6
EOF

run "$d4m" get "$db" Tedge ': alice '
expect "get a range open below" <<EOF
al${tab}chess${tab}1
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
EOF

run "$d4m" get "$db" Tedge 'al* '
expect "get a prefix" <<EOF
al${tab}chess${tab}1
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
EOF

run "$d4m" get "$db" Tedge 'al* carol '
expect "get a prefix and a key" <<EOF
al${tab}chess${tab}1
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
carol${tab}hiking${tab}6
EOF

run "$d4m" get "$db" Tedge : 'chess '
expect "get a column of a pair" <<EOF
al${tab}chess${tab}1
alice${tab}chess${tab}3
bob${tab}chess${tab}2
EOF

run "$d4m" get "$db" Tedge : 'h* piano '
expect "get columns by prefix and key" <<EOF
alice${tab}hiking${tab}5
bob${tab}piano${tab}4
carol${tab}hiking${tab}6
EOF

run "$d4m" get "$db" Tedge 'alice bob ' 'chess : hiking '
expect "get rows and a column range" <<EOF
alice${tab}chess${tab}3
alice${tab}hiking${tab}5
bob${tab}chess${tab}2
EOF

run "$d4m" get "$db" Tedge 'zed '
expect "get nothing" </dev/null

run "$d4m" get "$db" TedgeT :
expect "the transpose table" <<EOF
chess${tab}al${tab}1
chess${tab}alice${tab}3
chess${tab}bob${tab}2
hiking${tab}alice${tab}5
hiking${tab}carol${tab}6
piano${tab}bob${tab}4
EOF

run "$d4m" get "$db" TedgeDeg :
expect "the degree table" <<EOF
al${tab}OutDeg${tab}1
alice${tab}OutDeg${tab}2
bob${tab}OutDeg${tab}2
carol${tab}OutDeg${tab}1
chess${tab}InDeg${tab}3
hiking${tab}InDeg${tab}2
piano${tab}InDeg${tab}1
EOF

# --------------------------------- put from stdin: escapes, strings, numbers
printf '%s\n' \
    "r1${tab}c1${tab}hello" \
    "r1${tab}c2${tab}world wide" \
    '' \
    'x\ty'"${tab}"'c\\d'"${tab}"'a\nb\r' \
    "r2${tab}c1${tab}0.1" \
    "r2${tab}c2${tab}-2.5e1" \
    "r3${tab}c1${tab}7"$'\r' \
    "r4${tab}c1${tab}" \
    >"$tmp/mixed.tsv"
run_in "$tmp/mixed.tsv" "$d4m" put "$db" Tstr
expect "put from stdin" </dev/null

run "$d4m" nnz "$db" Tstr
expect "nnz after put from stdin (blank line and empty value skipped)" <<'EOF'
6
EOF

run "$d4m" get "$db" Tstr :
expect "get mixed values: all strings, escapes round-trip" <<EOF
r1${tab}c1${tab}hello
r1${tab}c2${tab}world wide
r2${tab}c1${tab}0.1
r2${tab}c2${tab}-25
r3${tab}c1${tab}7
x\\ty${tab}c\\\\d${tab}a\\nb\\r
EOF

run "$d4m" get "$db" Tstr 'r2 r3 '
expect "get numbers: shortest exact form" <<EOF
r2${tab}c1${tab}0.1
r2${tab}c2${tab}-25
r3${tab}c1${tab}7
EOF

printf '%s\n' 'x\ty'"${tab}"'c\\d'"${tab}"'replaced' >"$tmp/one.tsv"
run_in "$tmp/one.tsv" "$d4m" put "$db" Tstr -
expect "put from stdin with '-'" </dev/null
run "$d4m" get "$db" Tstr $'x\ty,'
expect "a later put replaces the value (no combiner)" <<EOF
x\\ty${tab}c\\\\d${tab}replaced
EOF

printf '%s\n' 'z\0'"${tab}"'\0'"${tab}"'n\0l' 'z'"${tab}"'\\0'"${tab}"'1' >"$tmp/nul.tsv"
run "$d4m" put "$db" Tnul "$tmp/nul.tsv"
expect "put keys with NUL bytes" </dev/null
run "$d4m" get "$db" Tnul :
expect "NUL bytes round-trip" <<EOF
z${tab}\\\\0${tab}1
z\\0${tab}\\0${tab}n\\0l
EOF

# ----------------------------------------------------------------- combiners
printf 'a\tb\t2\na\tc\t1\n' >"$tmp/s1.tsv"
printf 'a\tb\t2\n' >"$tmp/s2.tsv"
run "$d4m" put "$db" Tsum "$tmp/s1.tsv"
expect "put into a sum table" </dev/null
run_in "$tmp/s2.tsv" "$d4m" put "$db" Tsum
expect "put the same triple again" </dev/null
run "$d4m" get "$db" Tsum :
expect "the sum combiner adds" <<EOF
a${tab}b${tab}4
a${tab}c${tab}1
EOF

puts_ok=1
for v in 5 3 7; do
    printf 'k\tc\t%s\n' "$v" >"$tmp/v.tsv"
    for t in Tmin Tmax; do
        run "$d4m" put "$db" "$t" "$tmp/v.tsv"
        if [ "$status" -ne 0 ]; then puts_ok=0; fi
    done
done
if [ "$puts_ok" -eq 1 ]; then pass; else fail "puts into the min and max tables"; fi
run "$d4m" get "$db" Tmin :
expect "the min combiner" <<EOF
k${tab}c${tab}3
EOF
run "$d4m" get "$db" Tmax :
expect "the max combiner" <<EOF
k${tab}c${tab}7
EOF

# -------------------------------------------------------------- integer keys
cat >"$tmp/int.tsv" <<EOF
2${tab}1${tab}5
10${tab}1${tab}6
1${tab}10${tab}7
3${tab}2${tab}x
EOF
run "$d4m" put "$db" Tint "$tmp/int.tsv"
expect "put into an integer-keyed table" </dev/null
run "$d4m" get "$db" Tint :
expect "integer keys sort numerically (2 < 10)" <<EOF
1${tab}10${tab}7
2${tab}1${tab}5
3${tab}2${tab}x
10${tab}1${tab}6
EOF
run "$d4m" get "$db" Tint '2 : 10 ' '1 '
expect "integer range and column key" <<EOF
2${tab}1${tab}5
10${tab}1${tab}6
EOF
run "$d4m" get "$db" Tint '10 1 '
expect "integer key list" <<EOF
1${tab}10${tab}7
10${tab}1${tab}6
EOF

printf '1\t2\t3\nabc\t1\t1\n' >"$tmp/badint.tsv"
run "$d4m" put "$db" Tint "$tmp/badint.tsv"
expect_err "a non-integer key on an integer-keyed table" 1 <<EOF
d4m: put: $tmp/badint.tsv:2: row key 'abc' is not an integer from 1 to 2^53 (the table has integer keys)
EOF
for k in 0 -3 9007199254740993 99999999999999999999; do
    printf '%s\t1\t1\n' "$k" >"$tmp/badint2.tsv"
    run "$d4m" put "$db" Tint "$tmp/badint2.tsv"
    expect_fail "integer key $k out of range: named with its line" 1 "d4m: put: $tmp/badint2.tsv:1: row key '$k' is not an integer from 1 to 2^53"
done

# A nonzero number too small for a double is kept as text, not lost as 0.
printf 'u\tc\t1e-400\nu\td\t0.0e-400\nu\te\t4.9e-324\n' >"$tmp/tiny.tsv"
run "$d4m" create "$db" Ttiny
run "$d4m" put "$db" Ttiny "$tmp/tiny.tsv"
expect "put numbers too small for a double" </dev/null
run "$d4m" get "$db" Ttiny :
expect "1e-400 stays text; 0.0e-400 is a zero, no entry" <<EOF
u${tab}c${tab}1e-400
u${tab}e${tab}4.94065645841247e-324
EOF
run "$d4m" drop "$db" Ttiny

# ------------------------------------------------------------ get in chunks
# get reads and prints the answer chunk by chunk: in chunks of 1, 2 or 3
# triples (rows cut between chunks, chunks of numbers among chunks of
# strings) it prints exactly what the checks above pinned with the default
# chunk, which holds these whole answers.
chunks_ok=1
while IFS='|' read -r t rq cq lines; do
    args=("$db" "$t" "$rq")
    if [ -n "$cq" ]; then args+=("$cq"); fi
    run "$d4m" get "${args[@]}"
    cp "$tmp/out" "$tmp/whole"
    if [ "$status" -ne 0 ] || [ "$(wc -l <"$tmp/whole")" -ne "$lines" ]; then
        chunks_ok=0
        echo "    get ${args[*]}: status $status, $(wc -l <"$tmp/whole") lines, expected $lines" >&2
    fi
    for n in 1 2 3; do
        run "$d4m" get "${args[@]}" --chunk "$n"
        if [ "$status" -ne 0 ] || [ -s "$tmp/err" ] || ! cmp -s "$tmp/whole" "$tmp/out"; then
            chunks_ok=0
            echo "    get ${args[*]} --chunk $n differs" >&2
        fi
    done
done <<'EOF'
Tedge|:||6
Tedge|bob alice ||4
Tedge|al* carol ||4
Tedge|: alice ||3
Tedge|:|h* piano |3
Tedge|alice bob |chess : hiking |3
Tedge|zed ||0
TedgeT|:||6
TedgeDeg|:||7
Tstr|:||6
Tstr|r2 r3 ||3
Tint|:||4
Tint|2 : 10 |1 |2
EOF
if [ "$chunks_ok" -eq 1 ]; then pass; else fail "get in chunks prints what get prints whole"; fi

# A sum that comes to 0 is stored, but is no entry: not printed, whatever the
# chunks (a chunk of nothing but it is skipped, not taken for the end).  A
# database of its own, not to change the ls checks below.
printf 'a\tx\t1\nb\tx\t2\nb\ty\t2\nc\tx\t3\n' >"$tmp/z1.tsv"
printf 'b\tx\t-2\nb\ty\t-2\n' >"$tmp/z2.tsv"
run "$d4m" create "$tmp/zdb" Tzero --combiner sum
expect "create a sum table" </dev/null
run "$d4m" put "$tmp/zdb" Tzero "$tmp/z1.tsv"
expect "put into it" </dev/null
run "$d4m" put "$tmp/zdb" Tzero "$tmp/z2.tsv"
expect "put sums that come to 0" </dev/null
run "$d4m" nnz "$tmp/zdb" Tzero
expect "the zeros are stored" <<'EOF'
4
EOF
for n in 1 2 65536; do
    run "$d4m" get "$tmp/zdb" Tzero : --chunk "$n"
    expect "get skips the zeros (--chunk $n)" <<EOF
a${tab}x${tab}1
c${tab}x${tab}3
EOF
done
run "$d4m" get "$tmp/zdb" Tzero 'b ' --chunk 1
expect "get a row of zeros: nothing" </dev/null

run "$d4m" get "$db" Tedge : --chunk 0
expect_err "get --chunk 0" 2 <<'EOF'
d4m: get: --chunk wants a positive number, not '0'
usage: d4m get DB TABLE ROWQ [COLQ] [--chunk N]
Try 'd4m help get'.
EOF
run "$d4m" get "$db" Tedge : --chunk=ten
expect_err "get --chunk ten" 2 <<'EOF'
d4m: get: --chunk wants a positive number, not 'ten'
usage: d4m get DB TABLE ROWQ [COLQ] [--chunk N]
Try 'd4m help get'.
EOF

# ---------------------------------------------------------------------- bulk
run "$d4m" put "$db" Tbulk --bulk "$tmp/edges.tsv"
expect "put --bulk" </dev/null
run "$d4m" get "$db" Tbulk 'b* '
expect "get after a bulk load" <<EOF
bob${tab}chess${tab}2
bob${tab}piano${tab}4
EOF
run "$d4m" nnz "$db" Tbulk
expect "nnz after a bulk load" <<'EOF'
6
EOF

# -------------------------------------------------------------- bad TSV input
printf 'a\tb\t1\nc\td\t2\ne\tf\n' >"$tmp/short.tsv"
run "$d4m" put "$db" Tcheck "$tmp/short.tsv"
expect_err "a line with two fields" 1 <<EOF
d4m: put: $tmp/short.tsv:3: 2 fields, expected 3 (row<TAB>column<TAB>value)
EOF
run "$d4m" nnz "$db" Tcheck
expect "a bad line in a file writes nothing" <<'EOF'
0
EOF

printf 'a\tb\t1\nline without tabs\n' >"$tmp/one-field.tsv"
run_in "$tmp/one-field.tsv" "$d4m" put "$db" Tcheck
expect_err "a line with one field on stdin" 1 <<'EOF'
d4m: put: stdin:2: 1 field, expected 3 (row<TAB>column<TAB>value)
EOF

printf 'a\tb\tc\td\n' >"$tmp/four.tsv"
run "$d4m" put "$db" Tcheck "$tmp/four.tsv"
expect_err "a line with four fields" 1 <<EOF
d4m: put: $tmp/four.tsv:1: more than 3 fields, expected 3 (row<TAB>column<TAB>value)
EOF

printf '%s\n' 'a\qb'"${tab}"'c'"${tab}"'1' >"$tmp/esc.tsv"
run "$d4m" put "$db" Tcheck "$tmp/esc.tsv"
expect_err "an unknown escape" 1 <<EOF
d4m: put: $tmp/esc.tsv:1: unknown escape '\\q' in the row field (escapes: \\t \\n \\r \\\\ \\0)
EOF

run "$d4m" nnz "$db" Tcheck
expect "bad input wrote nothing" <<'EOF'
0
EOF

# stdin is checked chunk by chunk: chunks before the bad line stay written.
printf 'r1\tc\t1\nr2\tc\t1\nr3\tc\t1\nr4\tc\t1\nr5\tc\n' >"$tmp/chunks.tsv"
run_in "$tmp/chunks.tsv" "$d4m" put "$db" Tchunk --chunk 2
expect_err "a bad line on stdin after two chunks" 1 <<'EOF'
d4m: put: stdin:5: 2 fields, expected 3 (row<TAB>column<TAB>value)
d4m: put: 4 triples were written before the error
EOF
run "$d4m" nnz "$db" Tchunk
expect "the chunks before the bad line stay written" <<'EOF'
4
EOF

# ------------------------------------------------------------ failing calls
run "$d4m" get "$db" Tedge 'a : '
expect_err "a query that does not parse" 1 <<'EOF'
d4m: get: range at byte 2 has no upper key; write 'a : b ' or 'a : end '
EOF

run "$d4m" get "$db" Tedge : 'chess'
expect_err "a column query without its separator" 1 <<'EOF'
d4m: get: query must end with its separator, e.g. 'a b ' or 'a,:,b,'; it ends in 's'
EOF

run "$d4m" get "$db" Nope :
expect_fail "get from a missing table" 1 "d4m: get: "
run "$d4m" nnz "$db" Nope
expect_fail "nnz of a missing table" 1 "d4m: nnz: "
run "$d4m" info "$db" Nope
expect_fail "info of a missing table" 1 "d4m: info: "
run "$d4m" put "$db" Nope "$tmp/edges.tsv"
expect_fail "put into a missing table" 1 "d4m: put: "
run "$d4m" ls "$tmp/no-such-db"
expect_fail "ls of a missing database" 1 "d4m: ls: "
if [ ! -e "$tmp/no-such-db" ]; then pass; else fail "ls created a database"; fi
run "$d4m" put "$db" Tcheck "$tmp/no-such-file.tsv"
expect_err "put from a missing file" 1 <<EOF
d4m: put: cannot open $tmp/no-such-file.tsv: No such file or directory
EOF

# ---------------------------------------------- reading while another writes
mkfifo "$tmp/fifo"
"$d4m" put "$db" Tcheck <"$tmp/fifo" >/dev/null 2>"$tmp/writer.err" &
writer_pid=$!
exec 3>"$tmp/fifo"
printf 'w\tc\t1\n' >&3
sleep 1
run "$d4m" nnz "$db" Tedge
expect "nnz while another process writes" <<'EOF'
6
EOF
run "$d4m" get "$db" Tedge 'carol '
expect "get while another process writes" <<EOF
carol${tab}hiking${tab}6
EOF
exec 3>&-
set +e
wait "$writer_pid"
wstatus=$?
set -e
writer_pid=
if [ "$wstatus" -eq 0 ]; then pass; else
    fail "the writer exited with $wstatus: $(cat "$tmp/writer.err")"; fi
run "$d4m" get "$db" Tcheck :
expect "the writer's triple" <<EOF
w${tab}c${tab}1
EOF

# ----------------------------------------------------------- a full disk
# A put that fills the disk fails with the reason, and what was stored stays
# (RocksDB's own log once aborted the process here).  Needs a mount
# namespace (unshare -m) for a private 3 MB tmpfs; where there is none the
# check says so and is skipped.
if unshare -m --propagation private true 2>/dev/null; then
    mkdir -p "$tmp/small"
    head -c 3000000 /dev/urandom | base64 -w0 | awk '{ print "k\tc\t" $0 }' >"$tmp/big.tsv"
    set +e
    unshare -m --propagation private bash -c '
        d4m=$1; t=$2
        mount -t tmpfs -o size=3m tmpfs "$t/small" || exit 99
        "$d4m" create "$t/small/db" T || exit 98
        printf "a\tb\t1\n" | "$d4m" put "$t/small/db" T || exit 97
        "$d4m" put "$t/small/db" T "$t/big.tsv" 2>"$t/full.err"
        echo "$?" >"$t/full.status"
        "$d4m" put "$t/small/db" T "$t/big.tsv" --bulk 2>"$t/full2.err"
        echo "$?" >"$t/full2.status"
        "$d4m" get "$t/small/db" T "a " >"$t/full.out" 2>&1
        echo "$?" >>"$t/full.out"' _ "$d4m" "$tmp"
    ustatus=$?
    set -e
    if [ "$ustatus" -ne 0 ]; then
        fail "full disk: the set-up failed ($ustatus)"
    elif [ "$(cat "$tmp/full.status")" = 1 ] && grep -q 'No space left on device' "$tmp/full.err" &&
         [ "$(cat "$tmp/full2.status")" = 1 ] && grep -q 'No space left on device' "$tmp/full2.err" &&
         [ "$(cat "$tmp/full.out")" = "a${tab}b${tab}1"$'\n'"0" ]; then
        pass
    else
        fail "full disk: put exited $(cat "$tmp/full.status") / $(cat "$tmp/full2.status"): $(head -c 300 "$tmp/full.err") / $(head -c 300 "$tmp/full2.err"); get: $(head -c 300 "$tmp/full.out")"
    fi
    rm -f "$tmp/big.tsv"
else
    echo "cli: no mount namespace here (unshare -m): the full-disk check is skipped" >&2
fi

# ---------------------------------------------------------------------- drop
run "$d4m" drop "$db" TedgeT
expect_err "drop the transpose alone" 1 <<'EOF'
d4m: drop: 'TedgeT' is the transpose of another table; drop that table, which drops both
EOF
run "$d4m" drop "$db" TedgeDeg
expect_fail "drop the degree table alone" 1 "d4m: drop: "
run "$d4m" nnz "$db" TedgeT
expect "the transpose is still there" <<'EOF'
6
EOF
run "$d4m" drop "$db" Tedge
expect "drop a pair with degrees" </dev/null
run "$d4m" ls "$db"
expect "ls after drop (transpose and degree tables gone too)" <<'EOF'
Tbulk
Tcheck
Tchunk
Tint
Tmax
Tmin
Tnul
Tstr
Tsum
EOF
run "$d4m" drop "$db" Tedge
expect_fail "drop a missing table" 1 "d4m: drop: "
run "$d4m" create "$db" Tedge --pair
expect "create a dropped table again" </dev/null
run "$d4m" nnz "$db" Tedge
expect "a table made again starts empty" <<'EOF'
0
EOF

# ------------------------------------------------------ fits-ingest, volume
# FITS fixtures from tests/fits_gen.c (d4m-test-fits-gen): voxel (x, y, z) of
# type i16 is z*1000 + y*30 + x - 500, (1, 0, 0) BLANK; of u16 (BZERO 32768)
# 40000 + z*1000 + y*30 + x.  `gen dump F` prints a file's header and pixels.
gen=$build/tests/d4m-test-fits-gen
vdb=$tmp/vdb
vd=$tmp/vol
mkdir -p "$vd"
# describe DB TABLE: the volume's description without approx_bytes (its
# size on disk varies)
describe() {
    run "$d4m" volume "$@"
    sed -i '/^approx_bytes: /d' "$tmp/out"
}
# usage_error NAME: the last run exited with 2 and said why on stderr.
usage_error() {
    if [ "$status" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -s "$tmp/out" ]; then
        pass
    else
        fail "$1: exit status $status, expected 2 and a message"
    fi
}
if [ ! -x "$gen" ]; then
    fail "no FITS fixture writer $gen"
else
"$gen" cube "$vd/c.fits" i16 4 3 2
"$gen" slices "$vd/s" u16 3 2 3
"$gen" cube "$vd/other.fits" u16 4 2 1

run "$d4m" fits-ingest "$vdb" cube "$vd/c.fits"
expect "fits-ingest a cube (triples)" </dev/null
describe "$vdb" cube
expect "volume describes the cube" <<'EOF'
dims: 2 3 4
type: i16
layout: triples
bitpix: 16
bscale: 1
bzero: 0
blank: -32768
cards: 5
EOF
run "$d4m" volume "$vdb" cube 0:1 0:1 0:3
expect "a box of the cube (the BLANK voxel absent)" <<EOF
0${tab}0${tab}0${tab}-500
0${tab}0${tab}2${tab}-498
0${tab}0${tab}3${tab}-497
0${tab}1${tab}0${tab}-470
0${tab}1${tab}1${tab}-469
0${tab}1${tab}2${tab}-468
0${tab}1${tab}3${tab}-467
1${tab}0${tab}0${tab}500
1${tab}0${tab}1${tab}501
1${tab}0${tab}2${tab}502
1${tab}0${tab}3${tab}503
1${tab}1${tab}0${tab}530
1${tab}1${tab}1${tab}531
1${tab}1${tab}2${tab}532
1${tab}1${tab}3${tab}533
EOF
run "$d4m" get "$vdb" cube 6, :
expect "the triples layout is an ordinary table (row z*ny+y+1, col x+1)" <<EOF
6${tab}1${tab}560
6${tab}2${tab}561
6${tab}3${tab}562
6${tab}4${tab}563
EOF
run "$d4m" volume "$vdb" cube 1 2 3
expect "a box of one voxel" <<EOF
1${tab}2${tab}3${tab}563
EOF
run "$d4m" fits-ingest "$vdb" cubez "$vd/c.fits" --compress --bricks 3
expect "fits-ingest a cube (lz4 bricks)" </dev/null
run "$d4m" volume "$vdb" cube 0:1 0:2 0:3
cp "$tmp/out" "$tmp/cube_all"
run "$d4m" volume "$vdb" cubez 0:1 0:2 0:3
expect "lz4 bricks read as the triples do" <"$tmp/cube_all"

run "$d4m" fits-ingest "$vdb" stack "$vd/s000.fits" "$vd/s001.fits" "$vd/s002.fits" \
    --bricks 2 --codec zstd --overlap 1
expect "fits-ingest a stack of slices (zstd bricks, overlap 1)" </dev/null
describe "$vdb" stack
expect "volume describes the stack" <<'EOF'
dims: 3 2 3
type: u16
layout: bricks
brick: 2 2 2
overlap: 1
codec: zstd
bitpix: 16
bscale: 1
bzero: 32768
cards: 5
EOF
run "$d4m" volume "$vdb" stack 0:2 1 1:2
expect "a box of the stack" <<EOF
0${tab}1${tab}1${tab}40031
0${tab}1${tab}2${tab}40032
1${tab}1${tab}1${tab}41031
1${tab}1${tab}2${tab}41032
2${tab}1${tab}1${tab}42031
2${tab}1${tab}2${tab}42032
EOF
run "$d4m" volume "$vdb" stack 1:2 0:1 1:2 --out "$vd/box.fits"
expect "volume --out writes the box" </dev/null
run "$gen" dump "$vd/box.fits"
expect "the box as FITS: BITPIX, BZERO, NAXISn, cards, CRPIX1 shifted, pixels" <<'EOF'
bitpix 16
bzero 32768
naxis 3 2 2 2
object d4mtest
crpix1 9
41001
41002
41031
41032
42001
42002
42031
42032
EOF
run "$d4m" fits-ingest "$vdb" boxrt "$vd/box.fits"
run "$d4m" volume "$vdb" boxrt 0:1 0:1 0:1
expect "the box ingested again" <<EOF
0${tab}0${tab}0${tab}41001
0${tab}0${tab}1${tab}41002
0${tab}1${tab}0${tab}41031
0${tab}1${tab}1${tab}41032
1${tab}0${tab}0${tab}42001
1${tab}0${tab}1${tab}42002
1${tab}1${tab}0${tab}42031
1${tab}1${tab}1${tab}42032
EOF
run "$d4m" volume "$vdb" cube 0:1 0:2 0:3 --out "$vd/cube.fits"
run "$gen" dump "$vd/cube.fits"
cp "$tmp/out" "$tmp/cube_dump"
run "$gen" dump "$vd/c.fits"
expect "the whole cube written back equals the source" <"$tmp/cube_dump"

# errors: a message on stderr, a non-zero status, nothing half-written
run "$d4m" volume "$vdb" cube 0:2 0:0 0:0
expect_fail "volume: a box outside the volume" 1 "d4m: volume: "
for box in "0:9223372036854775807 0 0" "0 0:4294967295 0:4294967295" "0 0 9223372036854775806:9223372036854775807"; do
    # shellcheck disable=SC2086
    run "$d4m" volume "$vdb" cube $box
    expect_fail "volume: a box of huge ranges ($box)" 1 "d4m: volume: the box z "
done
run "$d4m" volume "$vdb" stack 0:1 0:1 0:3 --out "$vd/bad.fits"
expect_fail "volume --out: a box outside the volume" 1 "d4m: volume: "
if [ -e "$vd/bad.fits" ]; then fail "a failed --out left a file"; else pass; fi
run "$d4m" volume "$vdb" stack 0:1 0:1 0:1 --out "$vd/no/dir.fits"
expect_fail "volume --out into a missing folder" 1 "d4m: volume: "
if [ -e "$vd/no" ]; then fail "a failed --out left a folder"; else pass; fi
cp "$vd/box.fits" "$tmp/box_before"
run "$d4m" volume "$vdb" stack 0:0 0:0 0:0 --out "$vd/box.fits"
expect_fail "volume --out over an existing file" 1 "d4m: volume: "
if cmp -s "$tmp/box_before" "$vd/box.fits"; then pass; else fail "--out changed an existing file"; fi
run "$d4m" volume "$vdb" cube 0-1 0:1 0:1
usage_error "volume: a bad range"
run "$d4m" volume "$vdb" cube 0:1 0:1
usage_error "volume: two ranges"
run "$d4m" volume "$vdb" nothere
expect_fail "volume of a missing table" 1 "d4m: volume: "
run "$d4m" create "$vdb" plain
run "$d4m" volume "$vdb" plain
expect_fail "volume of a table that is no volume" 1 "d4m: volume: "
run "$d4m" fits-ingest "$vdb" bad1 "$vd/missing.fits"
expect_fail "fits-ingest of a missing file" 1 "d4m: fits-ingest: "
head -c 3000 "$vd/c.fits" >"$vd/trunc.fits"
run "$d4m" fits-ingest "$vdb" bad2 "$vd/trunc.fits" --bricks 2
expect_fail "fits-ingest of a truncated file" 1 "d4m: fits-ingest: "
run "$d4m" fits-ingest "$vdb" bad3 "$vd/s000.fits" "$vd/s001.fits" "$vd/missing.fits"
expect_fail "fits-ingest of a stack with a missing slice" 1 "d4m: fits-ingest: "
run "$d4m" fits-ingest "$vdb" bad4 "$vd/s000.fits" "$vd/other.fits" --compress
expect_fail "fits-ingest of slices that disagree" 1 "d4m: fits-ingest: "
run "$d4m" fits-ingest "$vdb" bad5 "$vd/c.fits" --hdu 2
expect_fail "fits-ingest of an HDU the file lacks" 1 "d4m: fits-ingest: "
run "$d4m" fits-ingest "$vdb" cube "$vd/c.fits"
expect_fail "fits-ingest over an existing table" 1 "d4m: fits-ingest: "
run "$d4m" fits-ingest "$vdb" bad6 "$vd/c.fits" --codec gzip
usage_error "fits-ingest --codec gzip"
run "$d4m" fits-ingest "$vdb" bad7 "$vd/c.fits" --bricks 0
usage_error "fits-ingest --bricks 0"
run "$d4m" fits-ingest "$vdb" bad8
usage_error "fits-ingest without files"
run "$d4m" ls "$vdb"
expect "failed ingests leave no table" <<'EOF'
boxrt
cube
cubez
plain
stack
EOF
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
