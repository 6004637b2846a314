#!/usr/bin/env bash
# Regenerates every committed certificate in docs/certificates/: the reference
# tier (the control) and each library with an adapter in
# python/lossoracle_adapters/, on the standard suite under the profile that
# fits it (strict for the reference; the pytorch profile, assert_close's
# tolerance, for the libraries: none of them claims correct rounding).
#   ./scripts/install-deps.sh --python && ./scripts/build.sh && ./scripts/certificates.sh
# A library's failures are findings about it: they do not stop the script.
set -euo pipefail
cd "$(dirname "$0")/.."
lossoracle=./build/cli/lossoracle
python=.venv/bin/python
out=docs/certificates
if [ ! -x "$python" ]; then
  echo "certificates: no .venv; run ./scripts/install-deps.sh --python first" >&2
  exit 2
fi

certify() {  # DIR MODULE PROFILE LOSS... (SUITE=smoke|standard, standard by default; DTYPES="bfloat16 ...",
             # float64 and float32 by default, in the environment)
  local dir=$1 module=$2 profile=$3 suite=${SUITE:-standard}
  shift 3
  local losses=()
  for l in "$@"; do losses+=(--loss "$l"); done
  for d in ${DTYPES:-}; do losses+=(--dtype "$d"); done
  echo "== $dir"
  rm -rf "${out:?}/$dir"
  local impl=reference
  [ "$module" = reference ] || impl="external:PYTHONPATH=python $python -m lossoracle_adapters.$module"
  "$lossoracle" certify --impl "$impl" "${losses[@]}" --suite "$suite" --profile "$profile" \
    --max-failures-shown 0 --out "$out/$dir" --html | tail -n +2 || true
}

all_losses=()
while read -r name _; do all_losses+=("$name"); done < <($lossoracle losses | grep -v '^ ')

certify reference-standard-strict reference strict "${all_losses[@]}"
certify pytorch-standard-pytorch pytorch pytorch log_softmax softmax entropy nll_loss cross_entropy kl_div
certify optax-standard-pytorch jax_optax pytorch cross_entropy smooth_labels
certify dlordinal-standard-pytorch dlordinal_slace pytorch slace
certify unit-scaling-standard-pytorch graphcore_unit_scaling pytorch unit_scaled_cross_entropy
certify incendio-standard-pytorch incendio_soft_labels pytorch \
  smooth_soft_labels soft_label_cross_entropy_with_logits soft_label_cross_entropy
# PyTorch in bfloat16 (float16 has no CPU kernels in torch 1.13.1 for these but kl_div).
DTYPES=bfloat16 certify pytorch-bfloat16-standard-pytorch pytorch pytorch cross_entropy nll_loss kl_div
# PyTorch under strict too, on the smoke suite: how far from correctly rounded it is.
SUITE=smoke certify pytorch-smoke-strict pytorch strict log_softmax softmax entropy nll_loss cross_entropy kl_div
