#!/usr/bin/env bash
# Installs the Debian packages lossoracle builds with, only those missing.
# With --python also what certifying Python libraries needs: Debian's torch
# (python3-torch) and a virtual environment .venv that sees it, into which
# the libraries the adapters certify are installed from PyPI, pinned (optax
# with jax's CPU wheels; dlordinal, unit-scaling, incendio with --no-deps). CI's path (scripts/test.sh)
# leaves --python out: the tests that need torch say so and skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config
  libboost-dev libmpfr-dev libmpfi-dev libgmp-dev
  libeigen3-dev librapidcheck-dev libgtest-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3
  clang  # libFuzzer for scripts/fuzz.sh
)
python=false
if [ "${1:-}" = "--python" ]; then
  python=true
  packages+=(python3-torch python3-venv)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "lossoracle: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if $python && [ ! -x .venv/bin/python ]; then
  # Debian's torch is importable from /usr/bin/python3 only: the venv must see
  # the system's site-packages.
  echo "lossoracle: making .venv (with system site-packages, for python3-torch)"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi

if $python; then
  # The libraries the adapters in python/lossoracle_adapters certify, pinned.
  # numpy stays Debian's (torch 1.13.1 is built against numpy 1.x; a numpy 2
  # in .venv would shadow it and break torch's numpy interop).
  constraints=$(mktemp)
  trap 'rm -f "$constraints"' EXIT
  /usr/bin/python3 -c 'import numpy; print("numpy==" + numpy.__version__)' >"$constraints"
  pin() { .venv/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('$1') != '$2')" 2>/dev/null; }
  # optax on jax's CPU wheels (jax 0.4.30 is the last to take numpy 1.24).
  if ! pin optax 0.2.3 || ! pin jax 0.4.30 || ! pin jaxlib 0.4.30; then
    echo "lossoracle: installing optax 0.2.3, jax/jaxlib 0.4.30 (CPU) into .venv"
    .venv/bin/pip install -q -c "$constraints" jax==0.4.30 jaxlib==0.4.30 optax==0.2.3
  fi
  # These declare torch (unit-scaling: torch >= 2.2) and more; with their
  # dependencies pip would install a second torch beside Debian's. --no-deps,
  # and only what the adapters import: unit_scaling needs docstring-parser,
  # einops and tabulate at import time; dlordinal's slace.py and incendio's
  # losses.py need nothing beyond torch (the adapters import those files alone).
  for p in dlordinal==2.7.0 unit-scaling==0.3.5 incendio==0.14.0 docstring-parser==0.18.0 einops==0.8.2 tabulate==0.10.0; do
    if ! pin "${p%%==*}" "${p##*==}"; then
      echo "lossoracle: installing $p into .venv (--no-deps)"
      .venv/bin/pip install -q --no-deps -c "$constraints" "$p"
    fi
  done
fi
