#!/usr/bin/env python3
"""Cross-check of `slace` against the code of seed document 000.

Runs two implementations of SLACELoss on the same random cases, in float64,
and writes the cases and both sets of results (loss under the default `mean`
reduction and its gradient with respect to the input, from autograd) to
seed000_cases.json beside this script:

  * `seed000`: the SLACELoss class as printed in /work/shared/seeds/000_*.txt
    (dlordinal's documentation page), copied below with its indentation
    restored and nothing else changed except the docstrings, shortened;
  * `dlordinal`: dlordinal's installed losses/slace.py (2.7.0), loaded from
    its file so that dlordinal's package __init__ (which needs scipy,
    scikit-learn, ...) is not imported.

tests/reference/slace_crosscheck_test.cpp reads the JSON and compares both
with the oracle.

Run with Debian's torch 1.13.1 (importable from /usr/bin/python3 only) and
dlordinal installed without its dependencies:

  /usr/bin/python3 -m venv --system-site-packages /tmp/venv-ordinal
  /tmp/venv-ordinal/bin/pip install --no-deps dlordinal==2.7.0
  /tmp/venv-ordinal/bin/python golden/crosscheck/seed000_crosscheck.py

Weights are drawn as binary32 values, so that SLACELoss's weight.float()
cast changes nothing; everything else is float64.
"""

import importlib.util
import json
import os
import random
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn


# ---------------------------------------------------------------- seed 000's class


class SLACELoss(nn.Module):
    """SLACE (Soft Labels Accumulating Cross Entropy), as printed in seed 000."""

    prox_dom: Optional[Tensor]

    def __init__(
        self,
        alpha: float,
        num_classes: int,
        weight: Optional[torch.Tensor] = None,
        use_logits: bool = True,
    ):
        super().__init__()
        self.alpha = alpha
        self.num_classes = num_classes
        self.use_logits = use_logits
        if weight is not None:
            self.register_buffer("weight", weight.float())
        else:
            self.weight = None
        # Precompute prox_dom
        labels = torch.arange(self.num_classes)
        h = labels.view(-1, 1, 1)
        i = labels.view(1, -1, 1)
        j = labels.view(1, 1, -1)
        distance_i = torch.abs(i - h)
        distance_j = torch.abs(j - h)
        self.register_buffer("prox_dom", (distance_j <= distance_i).float())

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        if self.use_logits:
            input = F.softmax(input, dim=1)
        # In case target has shape [Batch, 1], flatten to [Batch]
        target = target.view(-1)
        phi = torch.abs(
            torch.arange(self.num_classes, device=input.device).view(1, -1)
            - target.double().view(-1, 1)
        )
        softmax_targets = F.softmax(-self.alpha * phi, dim=1)
        # This is the original formulation by the authors of the paper:
        # one_hot_target = F.one_hot(target, num_classes=self.num_classes).to(
        # input.device
        # )
        # one_hot_target_comp = 1 - one_hot_target
        # mass_weights = (
        # one_hot_target * softmax_targets + one_hot_target_comp * softmax_targets
        # )
        # one_hot_target: x
        # softmax_targets: y
        # one_hot_target_comp: 1 - x
        # mass_weights: x*y + (1-x)*y = y
        # Therefore, mass_weights == softmax_targets
        mass_weights = softmax_targets
        accumulating_softmax = (
            torch.matmul(
                self.prox_dom[target.long()].double(),
                torch.unsqueeze(input, 2).double(),
            )
            .double()
            .squeeze(dim=2)
        )
        per_sample_loss = -torch.sum(
            mass_weights * torch.log(accumulating_softmax + 1e-9), dim=1
        ) # [Batch]
        if self.weight is not None:
            sample_weights = self.weight[target].to(input.device) # [Batch]
            per_sample_loss = per_sample_loss * sample_weights # [Batch]
        return per_sample_loss.mean()


# ---------------------------------------------------------------- dlordinal's class


def dlordinal_slace():
    spec = importlib.util.find_spec("dlordinal")
    if spec is None or not spec.submodule_search_locations:
        return None, None
    root = list(spec.submodule_search_locations)[0]
    path = os.path.join(root, "losses", "slace.py")
    module_spec = importlib.util.spec_from_file_location("dlordinal_slace", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    version = None
    try:
        from importlib.metadata import version as dist_version

        version = dist_version("dlordinal")
    except Exception:
        pass
    return module.SLACELoss, version


# ---------------------------------------------------------------- cases


def make_cases(count, rng):
    cases = []
    for k in range(count):
        C = rng.randint(1, 8)
        N = rng.randint(1, 5)
        alpha = rng.choice([0.5, 1.0, 2.0, 3.75, round(rng.uniform(0.05, 6.0), 6)])
        use_logits = rng.random() < 0.6
        logits = [[rng.uniform(-6.0, 6.0) for _ in range(C)] for _ in range(N)]
        if use_logits:
            x = logits
        else:
            # Probabilities: a float64 softmax of random logits, used as given.
            x = F.softmax(torch.tensor(logits, dtype=torch.float64), dim=1).tolist()
        weight = None
        if rng.random() < 0.5:
            weight = [float(torch.tensor(rng.uniform(0.0, 3.0), dtype=torch.float32)) for _ in range(C)]
        target = [rng.randrange(C) for _ in range(N)]
        cases.append(dict(id=k, alpha=alpha, num_classes=C, use_logits=use_logits, input=x, target=target, weight=weight))
    return cases


def run(cls, case):
    weight = None if case["weight"] is None else torch.tensor(case["weight"], dtype=torch.float64)
    loss_fn = cls(alpha=case["alpha"], num_classes=case["num_classes"], weight=weight, use_logits=case["use_logits"])
    x = torch.tensor(case["input"], dtype=torch.float64, requires_grad=True)
    y = torch.tensor(case["target"], dtype=torch.long)
    loss = loss_fn(x, y)
    loss.backward()
    return dict(loss=float(loss).hex(), grad_input=[float(v).hex() for v in x.grad.reshape(-1).tolist()])


def main():
    rng = random.Random(20250000)
    cases = make_cases(120, rng)
    dl_cls, dl_version = dlordinal_slace()
    for case in cases:
        case["seed000"] = run(SLACELoss, case)
        case["dlordinal"] = run(dl_cls, case) if dl_cls else None
        case["input"] = [[float(v).hex() for v in row] for row in case["input"]]
        if case["weight"] is not None:
            case["weight"] = [float(v).hex() for v in case["weight"]]
        case["alpha"] = float(case["alpha"]).hex()
    out = dict(
        comment="SLACELoss of seed 000 and of dlordinal on random float64 cases; reduction mean; "
        "values are C99 hex floats; written by seed000_crosscheck.py",
        torch=torch.__version__,
        dlordinal=dl_version,
        cases=cases,
    )
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed000_cases.json")
    # One case a line: small diffs when the cases change.
    with open(path, "w") as f:
        head = {k: v for k, v in out.items() if k != "cases"}
        f.write(json.dumps(head)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c) for c in cases))
        f.write("\n]}\n")
    print("wrote", len(cases), "cases to", path, "(dlordinal", dl_version, ")")


if __name__ == "__main__":
    main()
