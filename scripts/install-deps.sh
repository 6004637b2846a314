#!/usr/bin/env bash
# Installs the Debian packages lossoracle builds with, only those missing.
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libboost-dev libmpfr-dev libmpfi-dev libgmp-dev
  libeigen3-dev librapidcheck-dev libgtest-dev libbenchmark-dev
  nlohmann-json3-dev libcli11-dev
)

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
