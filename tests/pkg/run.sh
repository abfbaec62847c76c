#!/usr/bin/env bash
# tests/pkg/run.sh BUILD_DIR - can an outside C program use an installed d4m?
#
# Installs BUILD_DIR into a temporary prefix, checks the installed files,
# then builds tests/pkg/consumer against that prefix
#   1. with CMake: find_package(d4m) -> d4m::d4m, d4m::d4m_static, d4m::GraphBLAS
#   2. with pkg-config: cc main.c $(pkg-config --cflags --libs d4m), shared,
#      and with --static against libd4m.a alone
# runs each program and compares its output with tests/pkg/expected.txt.
# Registered with CTest as the test "package".
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
expected=$here/expected.txt

tmp=$(mktemp -d "${TMPDIR:-/tmp}/d4m-pkg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

fail() { echo "package: FAIL: $*" >&2; exit 1; }

# Build with the build tree's compiler; a sanitized build needs its consumers
# sanitized too (the ASan runtime must come first).
cache=$build/CMakeCache.txt
[ -f "$cache" ] || fail "$build is not a CMake build directory"
cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$cache")
cc=${cc:-cc}
flags=""
if grep -q '^D4M_SANITIZE:BOOL=ON' "$cache"; then
    flags="-fsanitize=address,undefined -fno-omit-frame-pointer"
fi

echo "package: cmake --install $build --prefix $prefix"
cmake --install "$build" --prefix "$prefix" > "$tmp/install.log" 2>&1 \
    || { cat "$tmp/install.log" >&2; fail "cmake --install"; }

pc=$(find "$prefix" -name d4m.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no d4m.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libd4m.so" "$libdir/libd4m.a" "$prefix/include/d4m.h" \
         "$libdir/cmake/d4m/d4mConfig.cmake" "$libdir/cmake/d4m/d4mConfigVersion.cmake" \
         "$libdir/cmake/d4m/d4mTargets.cmake" "$prefix/bin/d4m-demo"; do
    [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
ls "$libdir"/libd4m.so.[0-9]* > /dev/null 2>&1 || fail "no versioned libd4m.so.N"
for h in "$here"/../../include/d4m/*.h; do
    [ -f "$prefix/include/d4m/$(basename "$h")" ] || fail "header not installed: d4m/$(basename "$h")"
done
if grep -qF "$build" "$libdir/cmake/d4m/"*.cmake "$pc"; then
    fail "installed package files name the build directory $build"
fi

check() {   # check NAME COMMAND...: run, compare output with expected.txt
    local name=$1; shift
    local out=$tmp/$name.out
    local rc=0
    "$@" > "$out" 2> "$tmp/$name.err" || rc=$?
    if [ "$rc" -ne 0 ]; then
        cat "$out" "$tmp/$name.err" >&2
        fail "$name exited with status $rc"
    fi
    if ! diff -u "$expected" "$out" >&2; then
        fail "$name: output differs from expected.txt"
    fi
    echo "package: $name ok"
}

# 1. CMake
echo "package: find_package(d4m) with CMAKE_PREFIX_PATH=$prefix"
cmake -S "$here/consumer" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$tmp/configure.log" 2>&1 \
    || { cat "$tmp/configure.log" >&2; fail "configuring the consumer"; }
cmake --build "$tmp/cmake" > "$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log" >&2; fail "building the consumer"; }
check cmake-shared "$tmp/cmake/consumer"
check cmake-static "$tmp/cmake/consumer_static"
if readelf -d "$tmp/cmake/consumer_static" | grep -q 'libd4m\.so'; then
    fail "consumer_static links libd4m.so"
fi
"$tmp/cmake/consumer_graphblas" > "$tmp/grb.out" 2>&1 \
    || { cat "$tmp/grb.out" >&2; fail "consumer_graphblas"; }
printf 'nvals 3\nnrows 2\n' | diff -u - "$tmp/grb.out" >&2 \
    || fail "consumer_graphblas: unexpected output"
echo "package: cmake-graphblas ok"

# 2. pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
[ "$(pkg-config --modversion d4m)" = "$(sed -n 's/^Version: //p' "$pc")" ] \
    || fail "pkg-config --modversion d4m"
# shellcheck disable=SC2046,SC2086
"$cc" $flags -o "$tmp/pc-shared" "$here/consumer/main.c" \
    $(pkg-config --cflags --libs d4m) || fail "cc with pkg-config --libs d4m"
check pkg-config-shared \
    env LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$tmp/pc-shared"
# --static: a directory holding only libd4m.a, searched first, so -ld4m is the
# archive and Libs.private must supply everything it needs.
mkdir -p "$tmp/static-only"
cp "$libdir/libd4m.a" "$tmp/static-only/"
# shellcheck disable=SC2046,SC2086
"$cc" $flags -o "$tmp/pc-static" "$here/consumer/main.c" -L"$tmp/static-only" \
    $(pkg-config --static --cflags --libs d4m) || fail "cc with pkg-config --static --libs d4m"
if readelf -d "$tmp/pc-static" | grep -q 'libd4m\.so'; then
    fail "pc-static links libd4m.so"
fi
check pkg-config-static "$tmp/pc-static"

echo "package: all ok"
