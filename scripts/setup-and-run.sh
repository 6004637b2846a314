#!/usr/bin/env bash
# README's first command: install what is missing, build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
./scripts/main-job.sh
