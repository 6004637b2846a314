#!/usr/bin/env bash
# README's second command (and CI's): install what is missing, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build -j "${LOSSORACLE_JOBS:-2}" --output-on-failure
