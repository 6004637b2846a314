"""PyTorch behind the implementation protocol: F.log_softmax, F.softmax,
torch.special.entr (entropy), F.nll_loss, F.cross_entropy and F.kl_div with
every parameter lossoracle's registry gives them, in float64, float32,
bfloat16 or float16, the gradients by autograd.

    python3 -m lossoracle_adapters.pytorch      (with python/ on PYTHONPATH)

Inputs reach torch the way a user's code would give them: class-index targets
as int64 when every value is an integer (otherwise as floats, for torch to
judge), probability targets as floats of the dtype.

On the CPU torch 1.13.1 has no float16 kernel for most of these losses
(`"log_softmax_lastdim_kernel_impl" not implemented for 'Half'`): that is a
gap of the library in the dtype, the same for every input, so it is answered
`unsupported` (docs/protocol.md), not as a rejection of the input.
"""

import math
import re

import torch
import torch.nn.functional as F

from lossoracle_adapters.protocol import Rejected, Unsupported, decode_tensor, python_version, serve

DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16}

# torch's name of each dtype in its "not implemented for" dispatch errors.
TORCH_TYPE_NAMES = {"float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "float16": "Half"}


def missing_kernel(error, dtype_name):
    """The kernel torch lacks for the dtype, when `error` says so, else None."""
    m = re.fullmatch(r'"(\w+)" not implemented for \'(\w+)\'', str(error))
    return m.group(1) if m and m.group(2) == TORCH_TYPE_NAMES[dtype_name] else None


def class_dim(x):
    return 0 if x.dim() == 1 else 1


def reduce(values, reduction):
    if reduction == "sum":
        return values.sum()
    if reduction == "mean":
        return values.mean()
    return values


def entropy(x, t, w, p):
    per_position = torch.special.entr(x).sum(dim=class_dim(x))
    return reduce(per_position, p["reduction"]), per_position


def nll_loss(x, t, w, p):
    kw = dict(weight=w, ignore_index=p["ignore_index"])
    return (F.nll_loss(x, t, reduction=p["reduction"], **kw), F.nll_loss(x, t, reduction="none", **kw))


def cross_entropy(x, t, w, p):
    kw = dict(weight=w, ignore_index=p["ignore_index"], label_smoothing=p["label_smoothing"])
    return (F.cross_entropy(x, t, reduction=p["reduction"], **kw), F.cross_entropy(x, t, reduction="none", **kw))


def kl_div(x, t, w, p):
    kw = dict(log_target=p["log_target"])
    return (F.kl_div(x, t, reduction=p["reduction"], **kw), F.kl_div(x, t, reduction="none", **kw))


# name: (function(input, target, weight, params) -> (loss, per_position or None),
#        PyTorch's defaults of its parameters, whether a probability target gets a gradient)
LOSSES = {
    "log_softmax": (lambda x, t, w, p: (F.log_softmax(x, dim=class_dim(x)), None), {}, False),
    "softmax": (lambda x, t, w, p: (F.softmax(x, dim=class_dim(x)), None), {}, False),
    "entropy": (entropy, {"reduction": "none"}, False),
    "nll_loss": (nll_loss, {"reduction": "mean", "ignore_index": -100}, False),
    "cross_entropy": (cross_entropy, {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0}, True),
    "kl_div": (kl_div, {"reduction": "mean", "log_target": False}, True),
}


def param_value(v):
    # Real parameters may come as exact hex floats.
    if isinstance(v, str) and "0x" in v:
        return float.fromhex(v)
    return v


def make_tensor(spec, dtype):
    shape, values = decode_tensor(spec)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def make_target(spec, dtype, input_shape, loss):
    shape, values = decode_tensor(spec)
    probabilities = loss == "kl_div" or (loss == "cross_entropy" and shape == list(input_shape))
    integral = all(math.isfinite(v) and v == int(v) for v in values)
    if not probabilities and integral:
        return torch.tensor([int(v) for v in values], dtype=torch.int64).reshape(shape)
    return torch.tensor(values, dtype=dtype).reshape(shape)


def flat(t):
    return list(t.shape), t.detach().reshape(-1).tolist()


def evaluate(request):
    loss = request["loss"]
    if loss not in LOSSES:
        raise Unsupported("the pytorch adapter does not implement " + loss)
    fn, defaults, target_gradient = LOSSES[loss]
    dtype = DTYPES[request["dtype"]]
    params = dict(defaults)
    params.update({k: param_value(v) for k, v in request.get("params", {}).items()})
    inputs = request["inputs"]

    try:
        x = make_tensor(inputs["input"], dtype).requires_grad_(True)
        t = make_target(inputs["target"], dtype, x.shape, loss) if "target" in inputs else None
        w = make_tensor(inputs["weight"], dtype) if "weight" in inputs else None
        g = make_tensor(inputs["grad_output"], dtype) if "grad_output" in inputs else None
    except (RuntimeError, ValueError) as e:  # data that makes no tensor (a shape its values do not fill)
        raise Rejected(f"no tensor of these inputs: {type(e).__name__}: {e}")
    wants_target_gradient = target_gradient and t is not None and t.is_floating_point()
    if wants_target_gradient:
        t.requires_grad_(True)

    try:
        value, per_position = fn(x, t, w, params)
        if g is None:
            g = torch.ones_like(value)
        wrt = [x, t] if wants_target_gradient else [x]
        grads = torch.autograd.grad(value, wrt, grad_outputs=g, allow_unused=True)
    except Exception as e:  # what torch raises for inputs it refuses
        kernel = missing_kernel(e, request["dtype"])
        if isinstance(e, RuntimeError) and kernel:
            raise Unsupported(f"torch {torch.__version__} has no {request['dtype']} CPU kernel {kernel} ({e})")
        raise Rejected(f"{type(e).__name__}: {e}")

    outputs = {"loss": flat(value)}
    if per_position is not None:
        outputs["per_position"] = flat(per_position)
    for name, grad, wrt_tensor in zip(["grad_input", "grad_target"], grads, wrt):
        # autograd leaves a gradient unset when the output does not depend on
        # the tensor at all (e.g. an empty batch): it is zero.
        outputs[name] = flat(grad if grad is not None else torch.zeros_like(wrt_tensor))
    return outputs


def main():
    # One thread: the cases are tiny, and certify runs beside other work.
    torch.set_num_threads(1)
    serve(evaluate, versions={"torch": torch.__version__, "python": python_version()})


if __name__ == "__main__":
    main()
