#!/usr/bin/env bash
# The main job: certifies, on the standard suite, every built-in tier on the
# losses it implements -- the reference tier (the control: it must pass
# strict), the optimized CPU tier (its documented ulp budgets: tight), the CUDA
# tier when a device is present -- and PyTorch through its adapter (under the
# pytorch profile: torch.testing.assert_close's tolerance), printing a summary
# table of each. A built-in tier that fails makes the job fail. Certificates of the run go to
# build/certificates/ (docs/certificates/ holds the committed ones).
set -euo pipefail
cd "$(dirname "$0")/.."
lossoracle=./build/cli/lossoracle

losses_of() {  # --loss flags for every loss the tier implements
  local name _
  while read -r name _; do printf -- '--loss\n%s\n' "$name"; done < <($lossoracle losses --tier "$1" | grep -v '^ ')
}
mapfile -t losses < <(losses_of reference)
mapfile -t optimized_losses < <(losses_of optimized)
mapfile -t cuda_losses < <(losses_of cuda)

echo "== reference tier, strict profile, standard suite"
status=0
$lossoracle certify --impl reference "${losses[@]}" --suite standard --profile strict --progress \
  --max-failures-shown 5 --out build/certificates/reference --html || status=$?

echo
echo "== optimized CPU tier, tight profile (docs/accuracy.md budgets), standard suite"
$lossoracle certify --impl optimized "${optimized_losses[@]}" --suite standard --profile tight --progress \
  --max-failures-shown 5 --out build/certificates/optimized --html || status=$?

echo
echo "== CUDA tier, tight profile, standard suite"
cuda_status=0
$lossoracle certify --impl cuda "${cuda_losses[@]}" --suite standard --profile tight --progress \
  --max-failures-shown 5 --out build/certificates/cuda --html || cuda_status=$?
# Exit 2 is certify's usage error: here, that the tier cannot run (its message
# says why: no nvcc at configure time, or no CUDA device).
if [ "$cuda_status" -eq 2 ]; then echo "== CUDA tier: skipped (reason above)"; elif [ "$cuda_status" -ne 0 ]; then status=$cuda_status; fi

# The PyTorch adapter implements these; losses other engineers add to the
# list get their own adapters.
torch_losses=(--loss log_softmax --loss softmax --loss entropy --loss nll_loss --loss cross_entropy --loss kl_div)
python=/usr/bin/python3
if [ -x .venv/bin/python ]; then python=.venv/bin/python; fi
echo
if "$python" -c 'import torch' 2>/dev/null; then
  echo "== PyTorch $("$python" -c 'import torch; print(torch.__version__)'), pytorch profile, standard suite"
  # Failures here are findings about PyTorch, reported, not a failure of the job.
  $lossoracle certify --impl "external:PYTHONPATH=python $python -m lossoracle_adapters.pytorch" \
    "${torch_losses[@]}" --suite standard --profile pytorch --progress --max-failures-shown 5 \
    --out build/certificates/pytorch --html || true
else
  echo "== PyTorch: skipped, torch is not importable by $python (./scripts/install-deps.sh --python installs it)"
fi
exit $status
