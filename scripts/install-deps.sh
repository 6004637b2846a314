#!/usr/bin/env bash
# Installs the Debian packages lossoracle builds with, only those missing.
# With --python also what certifying Python libraries needs: Debian's torch
# (python3-torch) and a virtual environment .venv that sees it, into which
# adapters for other libraries are installed. CI's path (scripts/test.sh)
# leaves --python out: the tests that need torch say so and skip.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config
  libboost-dev libmpfr-dev libmpfi-dev libgmp-dev
  libeigen3-dev librapidcheck-dev libgtest-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
  python3
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
