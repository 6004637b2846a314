"""Graphcore's unit_scaling 0.3.5 behind the implementation protocol:
`unit_scaled_cross_entropy` is `unit_scaling.functional.cross_entropy` (what
`unit_scaling.CrossEntropyLoss` calls), in float32 or float64.

    python3 -m lossoracle_adapters.graphcore_unit_scaling      (with python/ on PYTHONPATH)

Outputs: `loss` (the library's forward) and what the library's backward
leaves in `input.grad` / `target.grad` after `loss.backward(grad_output)`,
named as the oracle names them: `grad_input_unit_scaled` and
`grad_target_unit_scaled` (docs/spec.md section 15: V/sqrt(V-1) times the
mathematical gradient of the sum, with neither `mult` nor 1/B). The
mathematical `grad_input` is not offered: the library does not compute it.
Neither is `per_position`: the library has no `reduction='none'`.

Every parameter is passed to the library as given, `weight` and
`label_smoothing` included, so that it raises its own errors for them.
unit-scaling 0.3.5 declares torch >= 2.2; it is installed with --no-deps
beside Debian's torch 1.13.1, with torch_compat supplying two names it only
touches at import time.
"""

import math

import torch

from lossoracle_adapters.protocol import Rejected, Unsupported, decode_tensor, param_value, python_version, serve
from lossoracle_adapters.torch_compat import supply_torch2_names

supply_torch2_names()
import unit_scaling  # noqa: E402
import unit_scaling.functional as U  # noqa: E402

DTYPES = {"float32": torch.float32, "float64": torch.float64}
DEFAULTS = {"reduction": "mean", "ignore_index": -100, "mult": 1.0, "label_smoothing": 0.0}


def make_target(spec, dtype, input_shape):
    shape, values = decode_tensor(spec)
    probabilities = shape == list(input_shape)
    if not probabilities and all(math.isfinite(v) and v == int(v) for v in values):
        return torch.tensor([int(v) for v in values], dtype=torch.int64).reshape(shape)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def flat(t):
    return list(t.shape), t.detach().reshape(-1).tolist()


def evaluate(request):
    if request["loss"] != "unit_scaled_cross_entropy":
        raise Unsupported("unit_scaling is certified for unit_scaled_cross_entropy only, not " + request["loss"])
    dtype = DTYPES[request["dtype"]]
    p = dict(DEFAULTS)
    p.update({k: param_value(v) for k, v in request.get("params", {}).items()})
    inputs = request["inputs"]
    try:
        shape, values = decode_tensor(inputs["input"])
        x = torch.tensor(values, dtype=dtype).reshape(shape).requires_grad_(True)
        t = make_target(inputs["target"], dtype, x.shape)
        w = None
        if "weight" in inputs:
            ws, wv = decode_tensor(inputs["weight"])
            w = torch.tensor(wv, dtype=dtype).reshape(ws)
        g = None
        if "grad_output" in inputs:
            gs, gv = decode_tensor(inputs["grad_output"])
            g = torch.tensor(gv, dtype=dtype).reshape(gs)
    except (RuntimeError, ValueError) as e:
        raise Rejected(f"no tensor of these inputs: {type(e).__name__}: {e}")
    if t.is_floating_point():
        t.requires_grad_(True)
    try:
        loss = U.cross_entropy(x, t, weight=w, ignore_index=p["ignore_index"], reduction=p["reduction"],
                               label_smoothing=p["label_smoothing"], mult=p["mult"])
        loss.backward(g if g is not None else torch.ones_like(loss))
    except Exception as e:  # what the library (or torch under it) raises for inputs it refuses
        raise Rejected(f"{type(e).__name__}: {e}")
    outputs = {"loss": flat(loss)}
    outputs["grad_input_unit_scaled"] = flat(x.grad if x.grad is not None else torch.zeros_like(x))
    if t.is_floating_point():
        outputs["grad_target_unit_scaled"] = flat(t.grad if t.grad is not None else torch.zeros_like(t))
    return outputs


def main():
    torch.set_num_threads(1)
    serve(evaluate, versions={"unit_scaling": unit_scaling.__version__, "torch": torch.__version__,
                              "python": python_version()})


if __name__ == "__main__":
    main()
