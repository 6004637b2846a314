#!/usr/bin/python3
"""Cross-check of the cost-matrix losses against seed 002's own code.

Runs K. Frank's perPairWeightedCE, misclassA and misclassB exactly as the
forum post prints them (PyTorch, float64, autograd for the gradients) on
random cases, and writes each case as a `lossoracle eval` case together with
torch's results (hex floats) to seed002_crosscheck.json beside this script.
tests/reference/cost_matrix_crosscheck_test.cpp evaluates the same cases with
the oracle and reports the largest relative difference.

Also checked: misclass_a_logits as misclassA(softmax(x)), and the specified
misclass_b as the naive float64 formula D[targ] * -(1 - softmax(x)).log()
(accurate for the moderate logits drawn here).

Run with Debian's interpreter (torch 1.13.1):  /usr/bin/python3 golden/crosscheck/seed002_crosscheck.py
"""
import json
import os
import random

import torch


# ---- seed 002, verbatim (the forum post's functions) ----
def perPairWeightedCE (input, target, D):
    logprobs = torch.nn.functional.log_softmax (input, dim = 1)
    return -(target *  (logprobs @ D.T)).sum() / input.shape[0]

def misclassA (pred, targ, D):   # pred[nBatch, nClass], targ[nBatch], D[nClass, nClass]
    return  (D[targ] * pred).mean()

def misclassB (pred, targ, D):   # pred[nBatch, nClass], targ[nBatch], D[nClass, nClass]
    return  (D[targ] * (-(pred - 1.0).clamp (min = 1.e-7).log())).mean()
# ---- end of the document's code ----


def misclassB_intended(logits, targ, D):
    return (D[targ] * (-(1.0 - logits.softmax(dim=1)).log())).mean()


CASES_PER_LOSS = 100
DTYPE = torch.float64


def hexes(t):
    return [float(v).hex() for v in t.detach().reshape(-1).tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "data": hexes(t)}


def draw(rng, gen):
    n = rng.randint(1, 4)
    c = rng.randint(2, 6)
    scale = rng.choice([0.5, 2.0, 5.0])
    logits = torch.randn(n, c, generator=gen, dtype=DTYPE) * scale
    D = torch.rand(c, c, generator=gen, dtype=DTYPE) * rng.choice([1.0, 3.0])
    if rng.random() < 0.5:
        D -= D * torch.eye(c, dtype=DTYPE)  # the document's "no penalty for correct predictions"
    targ = torch.randint(c, (n,), generator=gen)
    if rng.random() < 0.2:
        targ = targ - c  # PyTorch's negative indices D[-1] etc.
    return logits, D, targ


def main():
    rng = random.Random(2022)
    gen = torch.Generator().manual_seed(2022)
    cases = []
    for k in range(CASES_PER_LOSS):
        logits, D, targ = draw(rng, gen)
        x = logits.clone().requires_grad_()
        t = torch.randn(logits.shape, generator=gen, dtype=DTYPE).softmax(dim=1).requires_grad_()
        loss = perPairWeightedCE(x, t, D)
        loss.backward()
        cases.append({"loss": "per_pair_weighted_ce",
                      "inputs": {"input": tensor_json(x), "target": tensor_json(t), "cost_matrix": tensor_json(D)},
                      "torch": {"loss": hexes(loss), "grad_input": hexes(x.grad), "grad_target": hexes(t.grad)}})

        logits, D, targ = draw(rng, gen)
        p = logits.softmax(dim=1).detach().requires_grad_()
        loss = misclassA(p, targ, D)
        loss.backward()
        cases.append({"loss": "misclass_a",
                      "inputs": {"input": tensor_json(p), "target": targ.tolist(), "cost_matrix": tensor_json(D)},
                      "torch": {"loss": hexes(loss), "grad_input": hexes(p.grad)}})

        logits, D, targ = draw(rng, gen)
        x = logits.clone().requires_grad_()
        loss = misclassA(x.softmax(dim=1), targ, D)
        loss.backward()
        cases.append({"loss": "misclass_a_logits",
                      "inputs": {"input": tensor_json(x), "target": targ.tolist(), "cost_matrix": tensor_json(D)},
                      "torch": {"loss": hexes(loss), "grad_input": hexes(x.grad)}})

        logits, D, targ = draw(rng, gen)
        p = logits.softmax(dim=1).detach()
        if k % 3 == 2:
            # Values above 1 + 1e-7, where the clamp does not fire and the gradient is not 0.
            mask = torch.rand(p.shape, generator=gen, dtype=DTYPE) < 0.5
            p = torch.where(mask, 1.0 + 2.0 * torch.rand(p.shape, generator=gen, dtype=DTYPE), p)
        p.requires_grad_()
        loss = misclassB(p, targ, D)
        loss.backward()
        cases.append({"loss": "misclass_b_as_published",
                      "inputs": {"input": tensor_json(p), "target": targ.tolist(), "cost_matrix": tensor_json(D)},
                      "torch": {"loss": hexes(loss), "grad_input": hexes(p.grad)}})

        logits, D, targ = draw(rng, gen)
        x = logits.clone().requires_grad_()
        loss = misclassB_intended(x, targ, D)
        loss.backward()
        cases.append({"loss": "misclass_b",
                      "inputs": {"input": tensor_json(x), "target": targ.tolist(), "cost_matrix": tensor_json(D)},
                      "torch": {"loss": hexes(loss), "grad_input": hexes(x.grad)}})

    out = {"generatedBy": "golden/crosscheck/seed002_crosscheck.py",
           "torch": torch.__version__,
           "dtype": "float64",
           "note": "torch holds PyTorch's float64 results of the document's code on each case's inputs; "
                   "misclass_b is the naive formula of the intended loss, misclass_a_logits misclassA(softmax(x))",
           "cases": cases}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed002_crosscheck.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
