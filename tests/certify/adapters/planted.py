"""A copy of the reference implementation with one planted fault, for the
certify tests: it answers the implementation protocol with the oracle's own
values (from `lossoracle eval`, run as a child process) except where MODE
says otherwise.

    planted.py LOSSORACLE MODE [CASE]

MODE:
  honest                 no fault
  nudge CASE             loss[0] of case CASE one ulp up
  accept-out-of-range    answers a zero loss where the oracle rejects a target as out of bounds
  crash CASE             exits with status 3 on CASE, after writing "planted crash" to stderr
  hang CASE              never answers CASE
  garbage CASE           answers CASE with a line that is not JSON
  crash-always           exits with status 3 on every case
  float64-values         answers float32 requests with binary64 values (exactly, not rounded)
  float32-values         answers bfloat16 and float16 requests with the binary32 roundings
  unsupported CASE       answers CASE with "unsupported" and a reason; its first answer carries versions
  unsupported-empty CASE answers CASE with "unsupported" and an empty reason (a protocol error)
  versions-not-text CASE answers CASE with "versions" whose value is a number (a protocol error)
  convention-unknown CASE answers CASE declaring a convention certify does not know (a protocol error)
"""

import json
import math
import struct
import subprocess
import sys
import time


def to_float32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    target_case = sys.argv[3] if len(sys.argv) > 3 else None
    oracle = subprocess.Popen([binary, "eval", "--half-formats"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    first = True
    for line in sys.stdin:
        request = json.loads(line)
        case = request["id"]
        dtype = request.pop("dtype")
        if mode == "crash-always" or (mode == "crash" and case == target_case):
            sys.stderr.write("planted crash\n")
            sys.exit(3)
        if mode == "hang" and case == target_case:
            time.sleep(3600)
        if mode == "garbage" and case == target_case:
            print("this is not JSON", flush=True)
            continue
        if mode in ("unsupported", "unsupported-empty") and case == target_case:
            reason = "planted: this library has no such case" if mode == "unsupported" else ""
            print(json.dumps({"id": case, "unsupported": reason}), flush=True)
            continue
        oracle.stdin.write(json.dumps(request) + "\n")
        oracle.stdin.flush()
        answer = json.loads(oracle.stdout.readline())
        if "error" in answer:
            reply = {"id": case, "error": answer["error"]["message"]}
            if mode == "accept-out-of-range" and "out of bounds" in answer["error"]["message"]:
                reply = {"id": case, "outputs": {"loss": {"shape": [], "data": ["0x0p+0"]}}}
            print(json.dumps(reply), flush=True)
            continue
        outputs = {}
        for name, out in answer["outputs"].items():
            field = {"float64": "f64", "float32": "f32", "bfloat16": "bf16", "float16": "f16"}[dtype]
            if mode == "float64-values":
                field = "f64"
            if mode == "float32-values":
                field = "f32"
            values = []
            for k, v in enumerate(out[field]):
                if v is None:  # unresolved: the enclosure's lower end, rounded (zero where no check looks)
                    lo = float.fromhex(out["enclosure"][k][0]) if "0x" in out["enclosure"][k][0] else float(out["enclosure"][k][0])
                    v = {"float64": lo, "float32": to_float32(lo)}.get(dtype, 0.0).hex()
                values.append(v)
            if mode == "float64-values" and dtype == "float32":
                # A binary64 that no binary32 equals: what a float32 adapter must never send.
                values = [float.hex(math.nextafter(float.fromhex(v), math.inf)) if "0x" in v else v for v in values]
            outputs[name] = {"shape": out["shape"], "data": values}
        if mode == "nudge" and case == target_case:
            x = float.fromhex(outputs["loss"]["data"][0])
            bumped = math.nextafter(x, math.inf)
            if dtype == "float32":
                bumped = struct.unpack("f", struct.pack("f", x))[0]
                bumped = struct.unpack("<f", struct.pack("<I", struct.unpack("<I", struct.pack("<f", bumped))[0] + 1))[0]
            outputs["loss"]["data"][0] = float.hex(bumped)
        reply = {"id": case, "outputs": outputs}
        if mode == "unsupported" and first:
            reply["versions"] = {"planted": "1.0", "python": sys.version.split()[0]}
        if mode == "versions-not-text" and case == target_case:
            reply["versions"] = {"planted": 1}
        if mode == "convention-unknown" and case == target_case:
            reply["convention"] = "whatever-we-do"
        first = False
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
