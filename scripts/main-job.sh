#!/usr/bin/env bash
# The main job. Until `lossoracle certify` exists (issue #8) it evaluates the
# oracle on the demonstration cases and prints every value with its proof.
set -euo pipefail
cd "$(dirname "$0")/.."
./build/cli/lossoracle losses
echo
./build/cli/lossoracle eval --format table --input cli/demo.jsonl
