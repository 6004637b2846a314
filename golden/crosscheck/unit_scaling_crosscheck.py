#!/usr/bin/python3
"""Cross-check of unit_scaled_cross_entropy against Graphcore's unit_scaling.

Runs unit_scaling 0.3.5's unit_scaling.functional.cross_entropy (forward and
autograd backward) in float64 on random cases and writes each case as a
`lossoracle eval` case with the library's results (hex floats) to
unit_scaling_crosscheck.json beside this script:
  loss                      the library's forward
  grad_input_unit_scaled    input.grad after loss.backward(g): the library's scaled backward
  grad_target_unit_scaled   target.grad, for probability targets
  grad_input                autograd of the plain composition F.cross_entropy(mult * x, reduction='sum') / B
                            (no scale_fwd/scale_bwd): the loss's mathematical gradient
tests/reference/unit_scaled_test.cpp compares the oracle with them.

unit-scaling 0.3.5 requires torch >= 2.2; Debian's torch 1.13.1 lacks two
names that it only touches at import time, so this script supplies them
(F.scaled_dot_product_attention, never called here, and the type alias
torch.optim.optimizer.ParamsT). Setup:
  /usr/bin/python3 -m venv --system-site-packages /tmp/venv-us
  /tmp/venv-us/bin/pip install --no-deps unit-scaling==0.3.5 docstring-parser einops tabulate
  /tmp/venv-us/bin/python golden/crosscheck/unit_scaling_crosscheck.py
"""
import json
import os
import random

import torch
import torch.nn.functional as F

if not hasattr(F, "scaled_dot_product_attention"):
    def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
        """Stands in for torch >= 2.0's function so that unit_scaling imports.

        Args:
            query (Tensor): unused.
        """
        raise NotImplementedError
    F.scaled_dot_product_attention = scaled_dot_product_attention
import torch.optim.optimizer as _optimizer
if not hasattr(_optimizer, "ParamsT"):
    _optimizer.ParamsT = object  # a type alias in torch >= 2.2, used in annotations only

import unit_scaling  # noqa: E402
import unit_scaling.functional as U  # noqa: E402

CASES = 120
DTYPE = torch.float64


def hexes(t):
    return [float(v).hex() for v in t.detach().reshape(-1).tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "data": hexes(t)}


def main():
    rng = random.Random(3)
    gen = torch.Generator().manual_seed(3)
    cases = []
    for k in range(CASES):
        unbatched = rng.random() < 0.15
        B = 1 if unbatched else rng.randint(1, 5)
        V = rng.randint(2, 9)
        shape = (V,) if unbatched else (B, V)
        x = (torch.randn(shape, generator=gen, dtype=DTYPE) * rng.choice([0.5, 2.0, 6.0])).requires_grad_()
        mult = rng.choice([1.0, 0.5, 2.5, rng.uniform(-3, 3)])
        reduction = rng.choice(["mean", "sum"])
        g = rng.choice([1.0, rng.uniform(-2, 2)])
        params = {"reduction": reduction, "mult": float(mult).hex()}
        probabilities = rng.random() < 0.3
        if probabilities:
            t = torch.randn(shape, generator=gen, dtype=DTYPE).softmax(dim=-1).requires_grad_()
            target_json = tensor_json(t)
        else:
            ignore = rng.choice([-100, rng.randrange(V)])
            t = torch.randint(V, shape[:-1], generator=gen)
            if not unbatched:
                t[torch.rand(t.shape, generator=gen) < 0.3] = ignore
            params["ignore_index"] = ignore
            target_json = {"shape": list(t.shape), "data": t.reshape(-1).tolist()}
        loss = U.cross_entropy(x, t, reduction=reduction, mult=mult,
                               **({} if probabilities else {"ignore_index": params["ignore_index"]}))
        loss.backward(torch.tensor(g, dtype=DTYPE))
        out = {"loss": hexes(loss), "grad_input_unit_scaled": hexes(x.grad)}
        if probabilities:
            out["grad_target_unit_scaled"] = hexes(t.grad)
        # The mathematical gradient of the same loss, by plain autograd.
        x2 = x.detach().clone().requires_grad_()
        plain = F.cross_entropy(mult * x2, t.detach(), reduction="sum",
                                **({} if probabilities else {"ignore_index": params["ignore_index"]}))
        if reduction == "mean":
            plain = plain / (1 if unbatched else B)
        plain.backward(torch.tensor(g, dtype=DTYPE))
        out["grad_input"] = hexes(x2.grad)
        inputs = {"input": tensor_json(x), "target": target_json,
                  "grad_output": {"shape": [], "data": [float(g).hex()]}}
        cases.append({"loss": "unit_scaled_cross_entropy", "params": params, "inputs": inputs, "library": out})
    doc = {"generatedBy": "golden/crosscheck/unit_scaling_crosscheck.py",
           "unit_scaling": unit_scaling.__version__, "torch": torch.__version__, "dtype": "float64",
           "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "unit_scaling_crosscheck.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
