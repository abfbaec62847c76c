#!/usr/bin/env bash
# scripts/demo.sh - the first command of the README: install the dependencies,
# build d4m (Release, into build/), take the short tour of the algebra
# (d4m-demo), then run the main job: the parallel ingest benchmark on the
# embedded store at 1, 2, 4 and 8 MPI ranks (scripts/bench-ingest.sh), which
# writes out/bench-ingest.jsonl and the plot out/bench-ingest.png.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target d4m-demo d4m-cli d4m-bench-ingest
echo
./build/d4m/tools/d4m-demo
echo
BUILD=build bash scripts/bench-ingest.sh
