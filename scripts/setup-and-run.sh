#!/usr/bin/env bash
# README's first command: install what is missing (torch and .venv included),
# build, run the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --python
./scripts/build.sh
./scripts/main-job.sh
