#!/usr/bin/env python3
"""GPU comparison of the CUDA tier's fused cross_entropy forward+backward
(docs/benchmarks.md, "GPU"): one invocation times, at each shape and dtype,

  * a device-to-device copy of the logits (the bandwidth ceiling), and the
    CUDA tier (build/bench/gpu/lossoracle_gpu_bench, run as a subprocess);
  * PyTorch eager F.cross_entropy forward + backward;
  * torch.compile of the same function (mode "max-autotune-no-cudagraphs");
  * Liger Kernel's LigerCrossEntropyLoss (hard targets only: Liger has no
    probability targets).

and prints a Markdown table (or writes it with --out). Soft targets use
PyTorch's own probability-target path, eager and compiled. Needs a CUDA
device, torch with CUDA, and optionally liger-kernel
(`pip install --no-deps liger-kernel`). Every number is measured here;
nothing is filled in when a row cannot run (the cell says why).
"""
import argparse
import json
import subprocess
import sys


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", default="build/bench/gpu/lossoracle_gpu_bench")
    p.add_argument("--shapes", default="4096x32000,8192x128256,16384x131072")
    p.add_argument("--dtypes", default="float32,bfloat16")
    p.add_argument("--targets", default="hard,soft")
    p.add_argument("--iters", type=int, default=50)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--no-compile", action="store_true", help="skip torch.compile (slow first compile)")
    p.add_argument("--out", help="write the Markdown table here (also printed)")
    return p.parse_args()


def run_ours(args):
    cmd = [args.bench, "--shapes", args.shapes, "--dtypes", args.dtypes, "--targets", args.targets,
           "--iters", str(args.iters), "--warmup", str(args.warmup)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return cmd, rows


def time_ms(torch, fn, warmup, iters):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    for _ in range(iters):
        fn()
    b.record()
    b.synchronize()
    return a.elapsed_time(b) / iters


def torch_rows(args):
    import torch
    import torch.nn.functional as F

    try:
        from liger_kernel.transformers.cross_entropy import LigerCrossEntropyLoss
        liger = LigerCrossEntropyLoss()
        liger_why = None
    except Exception as e:  # noqa: BLE001 - reported in the table
        liger, liger_why = None, f"liger-kernel unavailable: {type(e).__name__}"

    def fwd_bwd(x, t):
        loss = F.cross_entropy(x, t)
        loss.backward()
        return loss

    compiled = None if args.no_compile else torch.compile(fwd_bwd, mode="max-autotune-no-cudagraphs")
    results = {}
    for shape in args.shapes.split(","):
        N, C = (int(v) for v in shape.split("x"))
        for dname in args.dtypes.split(","):
            dtype = getattr(torch, dname)
            for target in args.targets.split(","):
                key = (target, N, C, dname)
                cell = {}
                torch.manual_seed(0)
                x = torch.randn(N, C, device="cuda", dtype=dtype).requires_grad_(True)
                t = (torch.randint(0, C, (N,), device="cuda") if target == "hard"
                     else torch.full((N, C), 1.0 / C, device="cuda", dtype=dtype))

                def step(fn):
                    x.grad = None
                    fn(x, t)

                try:
                    cell["eager"] = time_ms(torch, lambda: step(fwd_bwd), args.warmup, args.iters)
                except RuntimeError as e:
                    cell["eager"] = f"failed: {str(e).splitlines()[0][:60]}"
                if compiled is not None:
                    try:
                        cell["compile"] = time_ms(torch, lambda: step(compiled), args.warmup, args.iters)
                    except Exception as e:  # noqa: BLE001
                        cell["compile"] = f"failed: {type(e).__name__}"
                if target == "hard":
                    if liger is None:
                        cell["liger"] = liger_why
                    else:
                        # Liger writes the gradient into its input: time it on a copy per call
                        # would add a copy, so it runs in place on a scratch tensor, as in training.
                        xs = x.detach().clone().requires_grad_(True)

                        def liger_step():
                            xs.grad = None
                            liger(xs, t).backward()

                        try:
                            cell["liger"] = time_ms(torch, liger_step, args.warmup, args.iters)
                        except Exception as e:  # noqa: BLE001
                            cell["liger"] = f"failed: {type(e).__name__}"
                else:
                    cell["liger"] = "n/a (no probability targets)"
                results[key] = cell
                del x, t
                torch.cuda.empty_cache()
    return torch.__version__, results


def fmt(v):
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main():
    args = parse_args()
    cmd, ours = run_ours(args)
    device = next((r for r in ours if "device" in r), {}).get("device", "?")
    copies = {(r["N"], r["C"], r["dtype"]): r for r in ours if r.get("kind") == "copy"}
    kernels = {(r["target"], r["N"], r["C"], r["dtype"]): r for r in ours if r.get("kind") == "lossoracle_cuda"}
    torch_version, theirs = torch_rows(args)
    lines = [
        f"Device: {device}; torch {torch_version}; {args.iters} timed iterations after {args.warmup} warm-up.",
        f"Command: `{' '.join(sys.argv)}` (our kernels: `{' '.join(cmd)}`)",
        "",
        "| target | N x C | dtype | d2d copy GB/s | lossoracle ms | of copy bw | eager ms | compile ms | Liger ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, k in kernels.items():
        target, N, C, dname = key
        c = copies[(N, C, dname)]
        t = theirs.get(key, {})
        lines.append(f"| {target} | {N} x {C} | {dname} | {c['GBps']:.0f} | {k['ms']:.3f} | {100 * k['of_copy']:.0f}% | "
                     f"{fmt(t.get('eager', '-'))} | {fmt(t.get('compile', 'skipped'))} | {fmt(t.get('liger', '-'))} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table)


if __name__ == "__main__":
    main()
