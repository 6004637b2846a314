"""dlordinal 2.7.0's `SLACELoss` behind the implementation protocol: the
registry's `slace`, in float32 or float64, the input gradient by autograd.

    python3 -m lossoracle_adapters.dlordinal_slace      (with python/ on PYTHONPATH)

dlordinal/losses/slace.py is imported from its file, unchanged: dlordinal's
package __init__ imports every loss, metric and dataset module (scikit-learn,
scipy, pandas, deprecated, ...), none of which SLACELoss uses (docs/spec.md
section 16 and golden/crosscheck/seed000_crosscheck.py do the same).

What SLACELoss cannot be asked is answered `unsupported` (docs/protocol.md):
a `reduction` other than `mean` (it has only `per_sample_loss.mean()`) and an
`epsilon` other than 1e-9 (hard-coded). `num_classes = -1` (the registry's
"the input's width") is given to SLACELoss as the width, `alpha` as given.

dlordinal's dtypes are its own (docs/spec.md section 16, differences 1-2): it
casts the weight to float32 and returns a float64 loss for float32 input. The
protocol wants values of the request's dtype, so a float32 request's loss is
rounded to float32 here, as `loss.float()` would in a user's float32 model.
Targets are int64 when every value is an integer, float otherwise (dlordinal
then computes with them silently, as docs/spec.md records).
"""

import importlib.util
import math
import os

import torch

from lossoracle_adapters.protocol import Rejected, Unsupported, decode_tensor, param_value, python_version, serve

EPSILON = 1e-9  # SLACELoss's `torch.log(accumulating_softmax + 1e-9)`


def import_slace():
    spec = importlib.util.find_spec("dlordinal")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("dlordinal is not installed (scripts/install-deps.sh --python installs it into .venv)")
    path = os.path.join(list(spec.submodule_search_locations)[0], "losses", "slace.py")
    module_spec = importlib.util.spec_from_file_location("dlordinal_losses_slace", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module.SLACELoss


SLACELoss = import_slace()
DTYPES = {"float32": torch.float32, "float64": torch.float64}
DEFAULTS = {"reduction": "mean", "alpha": 1.0, "num_classes": -1, "use_logits": True, "epsilon": EPSILON}


def make_tensor(spec, dtype):
    shape, values = decode_tensor(spec)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def make_target(spec, dtype):
    shape, values = decode_tensor(spec)
    if all(math.isfinite(v) and v == int(v) for v in values):
        return torch.tensor([int(v) for v in values], dtype=torch.int64).reshape(shape)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def flat(t):
    return list(t.shape), t.detach().reshape(-1).tolist()


def evaluate(request):
    if request["loss"] != "slace":
        raise Unsupported("dlordinal's SLACELoss is certified as slace only, not " + request["loss"])
    dtype = DTYPES[request["dtype"]]
    p = dict(DEFAULTS)
    p.update({k: param_value(v) for k, v in request.get("params", {}).items()})
    if p["reduction"] != "mean":
        raise Unsupported(f"dlordinal's SLACELoss has only the mean reduction, not '{p['reduction']}'")
    if p["epsilon"] != EPSILON:
        raise Unsupported(f"dlordinal's SLACELoss hard-codes epsilon = 1e-9, not {p['epsilon']!r}")
    inputs = request["inputs"]
    try:
        x = make_tensor(inputs["input"], dtype).requires_grad_(True)
        t = make_target(inputs["target"], dtype)
        w = make_tensor(inputs["weight"], dtype) if "weight" in inputs else None
        g = make_tensor(inputs["grad_output"], dtype) if "grad_output" in inputs else None
    except (RuntimeError, ValueError) as e:
        raise Rejected(f"no tensor of these inputs: {type(e).__name__}: {e}")
    num_classes = p["num_classes"]
    if num_classes == -1:
        num_classes = x.shape[-1] if x.dim() else 0
    try:
        loss = SLACELoss(alpha=p["alpha"], num_classes=num_classes, weight=w, use_logits=p["use_logits"])(x, t)
        loss = loss.to(dtype)
        (grad,) = torch.autograd.grad(loss, [x], grad_outputs=g.reshape(loss.shape) if g is not None else None,
                                      allow_unused=True)
    except Exception as e:  # what dlordinal (or torch under it) raises for inputs it refuses
        raise Rejected(f"{type(e).__name__}: {e}")
    return {"loss": flat(loss), "grad_input": flat(grad if grad is not None else torch.zeros_like(x))}


def main():
    torch.set_num_threads(1)
    from importlib.metadata import version

    serve(evaluate, versions={"dlordinal": version("dlordinal"), "torch": torch.__version__, "python": python_version()})


if __name__ == "__main__":
    main()
