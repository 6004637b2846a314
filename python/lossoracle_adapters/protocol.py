"""The adapter side of the implementation protocol (docs/protocol.md,
"Implementation protocol"): one JSON request a line on stdin, one answer a
line on stdout, in order, each echoing the request's id.

An adapter module supplies `evaluate(request) -> {output name: (shape, values)}`
(or that and the name of a documented convention it computes by, as a pair),
raises `Rejected` when the library refuses the input and `Unsupported` when the
library has no way to express the case (decided from the request, before the
library is called); `serve` does the rest.
Anything else that goes wrong inside the adapter is a bug of the adapter, so it
is not caught: the adapter dies with a traceback on stderr, and lossoracle
reports the case it died on.
"""

import json
import math
import sys


class Rejected(Exception):
    """The library refused the input (an error it raises for bad arguments)."""


class Unsupported(Exception):
    """The library cannot be asked this case: a parameter, input or form it lacks."""


def param_value(v):
    """A request's parameter: real parameters come as exact hex floats."""
    if isinstance(v, str) and "0x" in v:
        return float.fromhex(v)
    return v


def python_version():
    return sys.version.split()[0]


def decode_value(v):
    if isinstance(v, str):
        if v in ("inf", "+inf"):
            return math.inf
        if v == "-inf":
            return -math.inf
        if v == "nan":
            return math.nan
        if "0x" in v:
            return float.fromhex(v)
        return float(v)
    return float(v)


def _flatten(v, depth, shape, out):
    if not isinstance(v, list):
        out.append(decode_value(v))
        return
    if depth == len(shape):
        shape.append(len(v))
    for item in v:
        _flatten(item, depth + 1, shape, out)


def decode_tensor(t):
    """(shape, flat row-major values) of a protocol tensor: {"shape", "data"} or a nested array."""
    if isinstance(t, dict):
        return list(t["shape"]), [decode_value(x) for x in t["data"]]
    shape, values = [], []
    _flatten(t, 0, shape, values)
    return shape, values


def encode_value(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return float.hex(x)


def serve(evaluate, stdin=None, stdout=None, versions=None):
    """Answers requests until stdin closes; `versions` ({"library": "1.2.3"})
    goes on the first answer, for the certificate."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        answer = {"id": request.get("id")}
        try:
            outputs = evaluate(request)
            if isinstance(outputs, tuple):  # (outputs, the convention computed by: docs/protocol.md)
                outputs, convention = outputs
                if convention:
                    answer["convention"] = convention
            answer["outputs"] = {
                name: {"shape": list(shape), "data": [encode_value(v) for v in values]}
                for name, (shape, values) in outputs.items()
            }
        except Rejected as e:
            answer["error"] = str(e)
        except Unsupported as e:
            answer["unsupported"] = str(e)
        if versions:
            answer["versions"] = versions
            versions = None
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()
