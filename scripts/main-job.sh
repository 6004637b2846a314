#!/usr/bin/env bash
# The main job: certifies, on the standard suite of every loss the registry
# lists, the reference tier (the control: it must pass strict) and PyTorch
# through its adapter (under the pytorch profile: torch.testing.assert_close's
# tolerance), printing a summary table of each. Certificates of the run go to
# build/certificates/ (docs/certificates/ holds the committed ones).
set -euo pipefail
cd "$(dirname "$0")/.."
lossoracle=./build/cli/lossoracle

losses=()
while read -r name _; do losses+=(--loss "$name"); done < <($lossoracle losses | grep -v '^ ')

echo "== reference tier, strict profile, standard suite"
status=0
$lossoracle certify --impl reference "${losses[@]}" --suite standard --profile strict --progress \
  --max-failures-shown 5 --out build/certificates/reference --html || status=$?

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
