#!/usr/bin/env bash
# The tests where memory bugs live, built with AddressSanitizer and
# UndefinedBehaviorSanitizer into build-asan/ and run: core/ (the JSON and
# .npy readers, tensors, parameters; the readers' bounded fuzz test), cli/
# (eval end to end) and certify/ (suites, verdicts, reports, the external
# adapter process handling: pipes, timeouts, restarts). They link, and so
# check, the whole library the CLI is made of, the oracle included.
# Left out: the reference/, properties/, golden/ and bench test executables
# (the oracle's interval arithmetic, its gradients and properties), which are
# most of the build's time and exercise the same fixed-size code on
# well-formed cases; see docs/certify.md ("CI") for the measured costs.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-asan
# GCC 12's -Wmaybe-uninitialized misfires inside <regex> and <functional> when
# the sanitizers instrument them (golden/source_case.cpp); warnings are the
# main build's business (scripts/build.sh, -Werror), so only that one is off.
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wno-maybe-uninitialized"
# -O1 -g1 (line tables, enough for the sanitizers' stack traces), asserts on
# (no -DNDEBUG): the instrumented build compiles in about half the CPU time
# of -O2 -g (1,023 s against 1,777 s; core/registry.cpp 22 s against 45 s).
# No CUDA tier: its kernels need a device, and nvcc would add minutes; the
# tier's host code (lossoracle_cuda_host) is built and checked all the same.
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DLOSSORACLE_WERROR=ON \
  -DLOSSORACLE_CUDA=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
targets=$(cmake --build "$dir" --target help | sed -n 's/^\.\.\. \(\(core\|cli\|certify\)_[a-z_]*_test\)$/\1/p')
# shellcheck disable=SC2086
cmake --build "$dir" -j "${LOSSORACLE_JOBS:-2}" --target lossoracle $targets
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "$dir" -j "${LOSSORACLE_JOBS:-2}" -R '^(core|cli|certify)\.' --output-on-failure
