#!/usr/bin/env bash
# README's second command (and CI's): install what is missing, build, run every
# test; fuzz the JSON and .npy readers with libFuzzer (ASan + UBSan) for
# FUZZ_SECONDS, 60 by default (scripts/fuzz.sh; FUZZ_SECONDS=0 leaves it out);
# then build the core/, cli/ and certify/ tests with ASan + UBSan and run them
# (scripts/sanitize.sh; LOSSORACLE_SANITIZE=0 leaves it out). docs/certify.md,
# "Robustness checks in CI", gives what each costs.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
ctest --test-dir build -j "${LOSSORACLE_JOBS:-2}" --output-on-failure
if [ "${FUZZ_SECONDS:-60}" != 0 ]; then FUZZ_SECONDS="${FUZZ_SECONDS:-60}" ./scripts/fuzz.sh; fi
if [ "${LOSSORACLE_SANITIZE:-1}" != 0 ]; then ./scripts/sanitize.sh; fi
