#!/usr/bin/env bash
# scripts/demo.sh - the first command of the README: install the dependencies,
# build d4m (Release, into build/) and run d4m-demo, a short tour of the
# associative-array algebra.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target d4m-demo
echo
./build/d4m/tools/d4m-demo
