"""Times the peers on the same models, inputs and steps as `bench`, and prints our time over theirs.

Run by hand from the repository root, after `swift build -c release` (needs torch and captum;
saliency is optional):

    python3 Benchmarks/peers.py [--quick]

In one run it:
  1. measures numpy's dgemm (float64, all threads numpy uses) at the path-batch shapes `bench` uses;
  2. times Captum IntegratedGradients (float64, n_steps=200, riemann_left and gausslegendre) and,
     if saliency is installed, PAIR saliency's IntegratedGradients (x_steps=200, batch 200, with a
     PyTorch gradient) on digits-mlp and digits-cnn, each on the model's example input;
  3. runs `.build/release/bench --json` (quick mode with --quick) and reads its numbers;
  4. prints, per shape and per model, our GFLOP/s against numpy's and our IG time over the faster
     peer's.
Times are medians over repeated runs after a warm-up, like bench's.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "reference"))
from model_directory import load_model_directory  # noqa: E402

QUICK = "--quick" in sys.argv
BUDGET = 0.3 if QUICK else 1.0


def median_time(body, budget=BUDGET, minimum=5):
    body()
    samples = []
    start = time.perf_counter()
    while len(samples) < minimum or time.perf_counter() - start < budget:
        began = time.perf_counter()
        body()
        samples.append(time.perf_counter() - began)
    samples.sort()
    return samples[len(samples) // 2]


def numpy_gemm():
    results = {}
    for m, n, k in [(200, 128, 64), (200, 128, 128), (200, 256, 784)]:
        a = np.random.rand(m, k)
        b = np.random.rand(k, n)
        seconds = median_time(lambda: a @ b)
        results[(m, n, k)] = 2 * m * n * k / seconds / 1e9
    return results


def peer_ig_times():
    from captum.attr import IntegratedGradients
    try:
        import saliency.core as saliency
    except ImportError:
        saliency = None
    times = {}
    for model in ["digits-mlp", "digits-cnn"]:
        directory = os.path.join(ROOT, "Fixtures", "models", model)
        network = nn.Sequential(load_model_directory(directory), nn.Softmax(dim=1)).eval()
        x = torch.from_numpy(np.load(os.path.join(directory, "example-input.npy")))[None]
        target = int(network(x).argmax())
        for method in ["riemann_left", "gausslegendre"]:
            ig = IntegratedGradients(network)
            times[(model, f"captum {method}")] = median_time(
                lambda: ig.attribute(x, target=target, n_steps=200, method=method, internal_batch_size=200))
        if saliency is not None:
            def call_model(batch, call_model_args=None, expected_keys=None):
                points = torch.from_numpy(np.asarray(batch, dtype=np.float64)).requires_grad_(True)
                (gradients,) = torch.autograd.grad(network(points)[:, target].sum(), points)
                return {saliency.base.INPUT_OUTPUT_GRADIENTS: gradients.numpy()}
            pair = saliency.IntegratedGradients()
            x0 = x[0].numpy()
            times[(model, "pair saliency")] = median_time(
                lambda: pair.GetMask(x0, call_model, x_baseline=np.zeros_like(x0), x_steps=200, batch_size=200))
    return times


def main():
    torch.set_default_dtype(torch.float64)
    gemm = numpy_gemm()
    peers = peer_ig_times()
    bench = os.path.join(ROOT, ".build", "release", "bench")
    output = subprocess.run([bench, "--json"] + (["--quick"] if QUICK else []), capture_output=True, text=True, check=True).stdout
    ours = json.loads(output.strip().splitlines()[-1])

    print(f"\nMatrix products A·B: ours (the better of 1 and 2 threads) against numpy dgemm ({torch.get_num_threads()} threads)")
    print(f"{'m×n×k':>12}  {'numpy GF/s':>10}  {'ours GF/s':>9}  {'ours/numpy':>10}")
    for (m, n, k), reference in gemm.items():
        best = max(e["gflops"] for e in ours["gemm"] if (e["m"], e["n"], e["k"]) == (m, n, k) and e["form"] == "plain")
        print(f"{f'{m}×{n}×{k}':>12}  {reference:10.1f}  {best:9.1f}  {best / reference:10.2f}")

    print("\nIntegrated Gradients, 200 steps, one image, float64: our time over the faster peer's")
    print(f"{'model':>11}  {'peer':>24}  {'peer ms':>8}  {'ours ms':>8}  {'ours/peer':>9}")
    for model in ["digits-mlp", "digits-cnn"]:
        ours_ig = min(e["seconds"] for e in ours["attribution"] if e["model"] == model and e["method"] == "ig")
        candidates = {name: t for (m, name), t in peers.items() if m == model}
        fastest = min(candidates, key=candidates.get)
        for name, t in sorted(candidates.items(), key=lambda item: item[1]):
            print(f"{model:>11}  {name:>24}  {1000 * t:8.3f}  {1000 * ours_ig:8.3f}  {ours_ig / t:9.2f}" + ("   ← faster peer" if name == fastest else ""))


if __name__ == "__main__":
    main()
