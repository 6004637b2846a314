#!/usr/bin/env bash
# Fuzzes the readers (the JSON case reader and the .npy reader) with libFuzzer
# under ASan and UBSan for a fixed time, FUZZ_SECONDS (default 60): the
# harness tests/core/fuzz/readers_fuzzer.cpp and the core sources the readers
# live in, compiled with clang++, linked against the reference library of
# build/ (scripts/build.sh first). Seeds come from tests/core/readers_fuzz.hpp
# through tests/core/data/ and the golden JSON; a crash leaves its input in
# build-fuzz/ and fails the script. Without clang++ it says so and exits 0:
# tests/core/readers_fuzz_test.cpp runs the same checks in every ctest run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
cxx=${FUZZ_CXX:-clang++}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz: $cxx not found; skipped (apt-get install clang for libFuzzer)"
  exit 0
fi
out=build-fuzz
mkdir -p "$out/corpus"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I. -Itests/core)
"$cxx" "${flags[@]}" tests/core/fuzz/readers_fuzzer.cpp core/protocol.cpp core/params.cpp core/hexfloat.cpp \
  core/tensor.cpp build/reference/liblossoracle_reference.a -lmpfi -lmpfr -lgmp -o "$out/readers_fuzzer"
# Seeds: numpy's own files (first byte 0: the .npy reader) and eval cases (1: the JSON reader).
for f in tests/core/data/*.npy; do { printf '\0'; cat "$f"; } >"$out/corpus/npy-$(basename "$f")"; done
n=0
while IFS= read -r line && [ $n -lt 40 ]; do
  { printf '\1'; printf '%s' "$line"; } >"$out/corpus/case-$n"
  n=$((n + 1))
done < <(./build/cli/lossoracle cases --loss cross_entropy --suite smoke --dtype float32 | head -40)
echo "fuzz: readers_fuzzer for ${seconds}s"
"$out/readers_fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" 2>&1 | tail -15
