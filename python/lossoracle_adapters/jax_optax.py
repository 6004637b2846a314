"""optax behind the implementation protocol, on jax's CPU backend:

  cross_entropy   class-index targets: optax.softmax_cross_entropy_with_integer_labels;
                  probability targets (shaped like the input): optax.softmax_cross_entropy;
                  label_smoothing: optax.smooth_labels on the (one-hot) labels, then
                  optax.softmax_cross_entropy (docs/spec.md sections 7, 8, 11)
  smooth_labels   optax.smooth_labels(jax.nn.one_hot(target, num_classes), eps)

    python3 -m lossoracle_adapters.jax_optax      (with python/ on PYTHONPATH)

float64 runs with jax_enable_x64. Gradients (`grad_input`, and `grad_target`
for probability targets) by jax.vjp with the request's grad_output.

optax's losses return one value per example, classes on the last axis, with
no reduction, class weights or ignore_index (docs/spec.md section 7's peers).
This adapter writes what an optax user writes around them, and nothing more:
the class axis moved last with jnp.moveaxis for (N, C, d1..dk) inputs;
`sum` and `mean` as jnp.sum and jnp.mean of the per-example losses (PyTorch's
`mean` divides by the positions that are not ignored, which is all of them
here). What optax cannot be asked is answered `unsupported`: a `weight`; a
target equal to `ignore_index` (optax has no ignore_index); a class-index
target that is not an integer (optax takes integer labels); `ignore_index`
other than -100 with probability targets (PyTorch's error, optax has no such
parameter). optax does not bounds-check labels: an out-of-range label is
computed, and certify reports the accepted input.
"""

import math

import jax

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

from lossoracle_adapters.protocol import Rejected, Unsupported, decode_tensor, param_value, python_version, serve  # noqa: E402

DTYPES = {"float32": jnp.float32, "float64": jnp.float64}
DEFAULTS = {
    "cross_entropy": {"reduction": "mean", "ignore_index": -100, "label_smoothing": 0.0},
    "smooth_labels": {"eps": 0.1},
}


def array(spec, dtype):
    shape, values = decode_tensor(spec)
    try:
        return jnp.asarray(np.array(values, dtype=dtype).reshape(shape))
    except ValueError as e:  # data that makes no array of that shape
        raise Rejected(f"no array of these inputs: ValueError: {e}")


def integer_labels(spec, ignore_index):
    shape, values = decode_tensor(spec)
    for k, v in enumerate(values):
        if not (math.isfinite(v) and v == int(v)):
            raise Unsupported(f"optax takes integer labels; target value {v!r} (element {k}) is not one")
        if ignore_index is not None and int(v) == ignore_index:
            raise Unsupported(f"optax has no ignore_index; target element {k} equals it ({ignore_index})")
    for k, v in enumerate(values):
        if not -(2**63) <= v < 2**63:
            raise Unsupported(f"optax's integer labels are int64; target element {k} = {int(v)} is beyond it")
    try:
        return jnp.asarray(np.array([int(v) for v in values], dtype=np.int64).reshape(shape))
    except ValueError as e:
        raise Rejected(f"no array of these inputs: ValueError: {e}")


def class_last(x):
    # PyTorch's class dimension is 1 for (N, C, d1..dk); optax's is the last.
    return jnp.moveaxis(x, 1, -1) if x.ndim > 2 else x


def reduce(per_example, reduction):
    if reduction == "sum":
        return jnp.sum(per_example)
    if reduction == "mean":
        return jnp.mean(per_example)
    return per_example


def flat(a):
    return list(a.shape), [float(v) for v in np.asarray(a).reshape(-1)]


def cross_entropy(request, dtype, p):
    inputs = request["inputs"]
    if "weight" in inputs:
        raise Unsupported("optax has no class weights (softmax_cross_entropy and _with_integer_labels take none)")
    x = array(inputs["input"], dtype)
    t_shape, _ = decode_tensor(inputs["target"])
    probabilities = list(t_shape) == list(x.shape)
    if p["reduction"] not in ("none", "sum", "mean"):
        raise Unsupported(f"optax has no reduction; this adapter reduces by none, sum or mean, not '{p['reduction']}'")
    # The registry's label_smoothing is PyTorch's: it smooths only when > 0
    # (docs/spec.md section 7); optax.smooth_labels would apply any alpha.
    eps = p["label_smoothing"] if p["label_smoothing"] > 0 else 0.0
    if probabilities:
        if p["ignore_index"] != -100:
            raise Unsupported("optax has no ignore_index (PyTorch refuses one with probability targets)")
        t = array(inputs["target"], dtype)

        def per_example(x, t):
            labels = class_last(t)
            if eps != 0:
                labels = optax.smooth_labels(labels, eps)
            return optax.softmax_cross_entropy(class_last(x), labels)

        def fn(x, t):
            e = per_example(x, t)
            return reduce(e, p["reduction"]), e

        primals = (x, t)
    else:
        t = integer_labels(inputs["target"], p["ignore_index"])
        classes = x.shape[1] if x.ndim > 1 else x.shape[0] if x.ndim == 1 else 0

        def per_example(x):
            if eps != 0:
                labels = optax.smooth_labels(jax.nn.one_hot(t, classes, dtype=dtype), eps)
                return optax.softmax_cross_entropy(class_last(x), labels)
            return optax.softmax_cross_entropy_with_integer_labels(class_last(x), t)

        def fn(x):
            e = per_example(x)
            return reduce(e, p["reduction"]), e

        primals = (x,)
    try:
        (value, per_position), vjp = jax.vjp(fn, *primals)
        g = array(inputs["grad_output"], dtype) if "grad_output" in inputs else jnp.ones_like(value)
        grads = vjp((g.reshape(value.shape), jnp.zeros_like(per_position)))
    except (TypeError, ValueError, IndexError) as e:  # what jax/optax raise for arrays they refuse
        raise Rejected(f"{type(e).__name__}: {e}")
    outputs = {"loss": flat(value), "per_position": flat(per_position), "grad_input": flat(grads[0])}
    if probabilities:
        outputs["grad_target"] = flat(grads[1])
    # Smoothing the labels first has no 0 * (-inf) term where PyTorch's
    # (1 - e) nll + e/C sum(-log p) has one (docs/spec.md section 13).
    return outputs, "labels-smoothed-first" if eps > 0 else None


def smooth_labels(request, dtype, p):
    if "num_classes" not in request.get("params", {}):
        raise Rejected("smooth_labels needs num_classes")
    t = integer_labels(request["inputs"]["target"], None)
    try:
        labels = optax.smooth_labels(jax.nn.one_hot(t, p["num_classes"], dtype=dtype), p["eps"])
    except (TypeError, ValueError, IndexError) as e:
        raise Rejected(f"{type(e).__name__}: {e}")
    return {"loss": flat(labels)}


LOSSES = {"cross_entropy": cross_entropy, "smooth_labels": smooth_labels}


def evaluate(request):
    loss = request["loss"]
    if loss not in LOSSES:
        raise Unsupported("the optax adapter implements cross_entropy and smooth_labels, not " + loss)
    p = dict(DEFAULTS[loss])
    p.update({k: param_value(v) for k, v in request.get("params", {}).items()})
    return LOSSES[loss](request, DTYPES[request["dtype"]], p)


def main():
    from importlib.metadata import version

    serve(evaluate, versions={"optax": version("optax"), "jax": jax.__version__, "jaxlib": version("jaxlib"),
                              "python": python_version()})


if __name__ == "__main__":
    main()
