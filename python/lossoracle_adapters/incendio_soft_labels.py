"""incendio 0.14.0's soft-label losses behind the implementation protocol:
`smooth_soft_labels`, `soft_label_cross_entropy_with_logits` and
`soft_label_cross_entropy` from `incendio/losses.py`, called with the
registry's parameters (`alpha`, `reduction`), in float32 or float64,
gradients by autograd (`grad_input`, and `grad_target` for the labels).

    python3 -m lossoracle_adapters.incendio_soft_labels      (with python/ on PYTHONPATH)

incendio/losses.py runs unchanged. Importing it normally fails on Python 3.11:
incendio's package imports htools 7.7.0, whose `from collections import
Sequence` was removed in Python 3.10, and incendio/layers.py pulls in einops,
numpy, incendio.core/data/utils. So losses.py alone is imported, with stand-ins
for the three names it takes from htools (`add_docstring` only joins
docstrings; `valuecheck` and `identity` are unused by these functions) and for
`incendio.layers.SmoothLogSoftmax` (unused by them). docs/spec.md section 12
records the same procedure.

incendio's own behaviour is kept, as the oracle specifies it: terms that are
NaN or infinite become 0 in soft_label_cross_entropy (the NaN-to-zero rule,
decided by incendio on its float terms); a negative alpha raises NameError,
since incendio raises `InvalidArgumentError`, which it never imports
(docs/spec.md S5): that NameError is incendio refusing the input, answered as
a rejection. `classification_mae_with_logits` is the notebook's, not
incendio's: unsupported here.
"""

import importlib
import importlib.util
import os
import sys
import types

import torch

from lossoracle_adapters.protocol import Rejected, Unsupported, decode_tensor, param_value, python_version, serve


def import_incendio_losses():
    spec = importlib.util.find_spec("incendio")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("incendio is not installed (scripts/install-deps.sh --python installs it into .venv)")
    root = list(spec.submodule_search_locations)[0]

    def add_docstring(func):
        def decorate(f):
            f.__doc__ = (f.__doc__ or "") + "\n" + (func.__doc__ or "")
            return f

        return decorate

    htools = types.ModuleType("htools")
    htools.add_docstring = add_docstring
    htools.valuecheck = lambda f: f
    htools.identity = lambda x: x
    package = types.ModuleType("incendio")
    package.__path__ = [root]
    layers = types.ModuleType("incendio.layers")
    layers.SmoothLogSoftmax = None
    sys.modules.update({"htools": htools, "incendio": package, "incendio.layers": layers})
    module_spec = importlib.util.spec_from_file_location("incendio.losses", os.path.join(root, "losses.py"))
    module = importlib.util.module_from_spec(module_spec)
    sys.modules["incendio.losses"] = module
    module_spec.loader.exec_module(module)
    return module


losses = import_incendio_losses()

DTYPES = {"float32": torch.float32, "float64": torch.float64}


def with_logits(x, t, p):
    return losses.soft_label_cross_entropy_with_logits(x, t, alpha=p["alpha"], reduction=p["reduction"])


def on_probabilities(x, t, p):
    return losses.soft_label_cross_entropy(x, t, alpha=p["alpha"], reduction=p["reduction"])


# name: (function(input, target, params), incendio's defaults)
LOSSES = {
    "smooth_soft_labels": (lambda x, t, p: losses.smooth_soft_labels(x, alpha=p["alpha"]), {"alpha": 0.1}),
    "soft_label_cross_entropy_with_logits": (with_logits, {"alpha": 0.0, "reduction": "mean"}),
    "soft_label_cross_entropy": (on_probabilities, {"alpha": 0.0, "reduction": "mean"}),
}


def make_tensor(spec, dtype):
    shape, values = decode_tensor(spec)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def flat(t):
    return list(t.shape), t.detach().reshape(-1).tolist()


def evaluate(request):
    loss = request["loss"]
    if loss not in LOSSES:
        raise Unsupported("incendio 0.14.0 has no " + loss)
    fn, defaults = LOSSES[loss]
    dtype = DTYPES[request["dtype"]]
    p = dict(defaults)
    p.update({k: param_value(v) for k, v in request.get("params", {}).items()})
    inputs = request["inputs"]
    try:
        x = make_tensor(inputs["input"], dtype).requires_grad_(True)
        t = make_tensor(inputs["target"], dtype).requires_grad_(True) if "target" in inputs else None
        g = make_tensor(inputs["grad_output"], dtype) if "grad_output" in inputs else None
    except (RuntimeError, ValueError) as e:
        raise Rejected(f"no tensor of these inputs: {type(e).__name__}: {e}")
    try:
        value = fn(x, t, p)
        wrt = [x] if t is None else [x, t]
        grads = torch.autograd.grad(value, wrt, grad_outputs=g if g is not None else torch.ones_like(value),
                                    allow_unused=True)
    except Exception as e:  # what incendio (or torch under it) raises for inputs it refuses
        raise Rejected(f"{type(e).__name__}: {e}")
    outputs = {"loss": flat(value)}
    for name, grad, tensor in zip(["grad_input", "grad_target"], grads, wrt):
        outputs[name] = flat(grad if grad is not None else torch.zeros_like(tensor))
    return outputs


def main():
    torch.set_num_threads(1)
    from importlib.metadata import version

    serve(evaluate, versions={"incendio": version("incendio"), "torch": torch.__version__, "python": python_version()})


if __name__ == "__main__":
    main()
