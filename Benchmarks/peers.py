"""Times the peers on the same models, inputs and steps as `bench`, and prints our time over theirs.

Run by hand from the repository root, after `swift build -c release` (needs torch and captum;
saliency is optional):

    python3 Benchmarks/peers.py [--quick] [--only resnet]

In one run it (ours first: the peers' BLAS threads spin for a while after their work and
would slow a process started beside them):
  0. runs `.build/release/bench --json` (quick mode with --quick) and prints its tables;
  1. measures numpy's dgemm (float64, all threads numpy uses) at the path-batch shapes `bench` uses;
  2. times Captum IntegratedGradients (float64, n_steps=200, riemann_left and gausslegendre) and,
     if saliency is installed, PAIR saliency's IntegratedGradients (x_steps=200, batch 200, with a
     PyTorch gradient) on digits-mlp and digits-cnn, each on the model's example input;
  3. prints, per shape and per model, our GFLOP/s against numpy's and our IG time over the faster
     peer's;
  4. for 100 digits test images (one file), times one `attribute` process per method — process
     start, loading and writing included — for ig, ig with IDGI, blur-ig and guided-ig at their
     default steps, against PAIR saliency's IntegratedGradients, BlurIG and GuidedIG (and Captum's
     IG, all 100 images in one call) attributing the same 100 images in this warm process.
  5. ResNet sizes (with --only resnet, only these and the products): PyTorch float64
     convolutions — forward, input gradient, weight gradient — at the layer shapes of `bench --only resnet`, on 1 and 2
     threads, beside ours; and IG (left rule, 50 steps, the logit) on the 8 images of
     Benchmarks/resnet8 through its ResNet-8: one `attribute` process on model.onnx against
     Captum warm (float64, 2 threads), with our in-process time and its fraction of the peak,
     and the fraction of the peak IG on 100 digits reaches.
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


def batch_times(count=100):
    """Ours: one `attribute` process per method on `count` test digits; peers: warm, same images."""
    import tempfile
    from captum.attr import IntegratedGradients
    try:
        import saliency.core as saliency
    except ImportError:
        saliency = None
    if saliency is not None and not getattr(np.quantile, "accepts_interpolation", False):
        # PAIR's Guided IG passes numpy < 2's `interpolation=`, which numpy ≥ 2.4 removed (its
        # `method=` is the same thing), as in Fixtures/reference/export_attribution_goldens.py.
        quantile = np.quantile

        def quantile_with_interpolation(*arguments, interpolation=None, **keywords):
            if interpolation is not None:
                keywords["method"] = interpolation
            return quantile(*arguments, **keywords)
        quantile_with_interpolation.accepts_interpolation = True
        np.quantile = quantile_with_interpolation
    images = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-images.npy"))
    split = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-split.npy"))
    batch = images[np.flatnonzero(split == 1)[:count]]
    scratch = tempfile.mkdtemp()
    input_file = os.path.join(scratch, "digits.npy")
    np.save(input_file, batch)
    attribute = os.path.join(ROOT, ".build", "release", "attribute")
    rows = []
    for model in ["digits-mlp", "digits-cnn"]:
        directory = os.path.join(ROOT, "Fixtures", "models", model)
        network = nn.Sequential(load_model_directory(directory), nn.Softmax(dim=1)).eval()
        x = torch.from_numpy(batch)
        with torch.no_grad():
            targets = network(x).argmax(1)

        def ours(method, extra=()):
            time.sleep(2)  # let the peers' threads go idle before our process starts
            args = [attribute, "--model", directory, "--input", input_file, "--method", method, "--out", os.path.join(scratch, "a.npy")] + list(extra)
            return median_time(lambda: subprocess.run(args, check=True, capture_output=True), minimum=3)

        peers = {}
        ig = IntegratedGradients(network)
        peers["captum ig (riemann_left)"] = median_time(
            lambda: ig.attribute(x, target=targets, n_steps=200, method="riemann_left", internal_batch_size=200), minimum=3)
        if saliency is not None:
            def call_model_for(target):
                def call_model(points, call_model_args=None, expected_keys=None):
                    tensor = torch.from_numpy(np.asarray(points, dtype=np.float64)).permute(0, 3, 1, 2).requires_grad_(True)
                    (gradients,) = torch.autograd.grad(network(tensor)[:, target].sum(), tensor)
                    return {saliency.base.INPUT_OUTPUT_GRADIENTS: gradients.permute(0, 2, 3, 1).numpy()}
                return call_model
            channels_last = [image.transpose(1, 2, 0) for image in batch]
            calls = [call_model_for(int(t)) for t in targets]
            pair_ig, pair_blur, pair_guided = saliency.IntegratedGradients(), saliency.BlurIG(), saliency.GuidedIG()
            peers["pair ig"] = median_time(lambda: [pair_ig.GetMask(image, call, x_baseline=np.zeros_like(image), x_steps=200, batch_size=200)
                                                    for image, call in zip(channels_last, calls)], minimum=3)
            peers["pair blur-ig"] = median_time(lambda: [pair_blur.GetMask(image, call, max_sigma=50, steps=100, batch_size=100)
                                                         for image, call in zip(channels_last, calls)], minimum=3)
            peers["pair guided-ig"] = median_time(lambda: [pair_guided.GetMask(image, call, x_baseline=np.zeros_like(image), x_steps=200,
                                                                              fraction=0.25, max_dist=0.02)
                                                           for image, call in zip(channels_last, calls)], minimum=3)
        for name, time_ours, against in [
            ("ig", ours("ig"), ["pair ig", "captum ig (riemann_left)"]),
            ("ig --integrator idgi", ours("ig", ["--integrator", "idgi"]), ["pair ig"]),
            ("blur-ig", ours("blur-ig"), ["pair blur-ig"]),
            ("guided-ig", ours("guided-ig"), ["pair guided-ig"]),
        ]:
            available = {k: peers[k] for k in against if k in peers}
            if not available:
                continue
            fastest = min(available, key=available.get)
            rows.append((model, name, time_ours, fastest, available[fastest]))
    return rows


RESNET_SHAPES = [  # name, C, H, O, k, stride, groups — as bench's resnetConvolutions
    ("stem 3→16 3×3 @32", 3, 32, 16, 3, 1, 1), ("16→16 3×3 @32", 16, 32, 16, 3, 1, 1), ("16→32 3×3 s2 @32", 16, 32, 32, 3, 2, 1),
    ("32→32 3×3 @16", 32, 16, 32, 3, 1, 1), ("32→64 3×3 s2 @16", 32, 16, 64, 3, 2, 1), ("64→64 3×3 @8", 64, 8, 64, 3, 1, 1),
    ("1×1 16→32 s2 @32", 16, 32, 32, 1, 2, 1), ("1×1 32→64 @16", 32, 16, 64, 1, 1, 1),
    ("depthwise 32 3×3 @16", 32, 16, 32, 3, 1, 32), ("depthwise 64 3×3 s2 @16", 64, 16, 64, 3, 2, 64),
]


def torch_convolutions(batch):
    """GFLOP/s of torch's float64 conv2d forward, input gradient and weight gradient per shape and thread count."""
    results = {}
    for name, c, h, o, k, stride, groups in RESNET_SHAPES:
        x = torch.rand(batch, c, h, h, dtype=torch.float64)
        w = torch.rand(o, c // groups, k, k, dtype=torch.float64)
        y = nn.functional.conv2d(x, w, stride=stride, padding=k // 2, groups=groups)
        dy = torch.rand_like(y)
        flops = 2 * y.numel() * (c // groups) * k * k
        for threads in (1, 2):
            torch.set_num_threads(threads)
            forward = median_time(lambda: nn.functional.conv2d(x, w, stride=stride, padding=k // 2, groups=groups))
            dx = median_time(lambda: torch.nn.grad.conv2d_input(x.shape, w, dy, stride=stride, padding=k // 2, groups=groups))
            dw = median_time(lambda: torch.nn.grad.conv2d_weight(x, w.shape, dy, stride=stride, padding=k // 2, groups=groups))
            results[(name, threads)] = [flops / t / 1e9 for t in (forward, dx, dw)]
    torch.set_num_threads(2)
    return results


def resnet_rows(ours):
    """Our convolution rates (`bench`'s resnet rows, parsed) beside torch's, and IG through
    ResNet-8: ours (one process) against Captum warm."""
    from captum.attr import IntegratedGradients
    sys.path.insert(0, HERE)
    from make_resnet8 import build

    batch = next(e["batch"] for e in ours if "batch" in e)
    theirs = torch_convolutions(batch)
    print(f"\nConvolution at ResNet shapes, batch {batch}, GFLOP/s: ours / PyTorch float64 (forward, input gradient, weight gradient)")
    print(f"{'layer':>24}  {'threads':>7}  {'forward':>13}  {'input grad':>13}  {'weight grad':>13}")
    for e in ours:
        if "layer" not in e:
            continue
        t = theirs[(e["layer"], e["threads"])]
        cells = [f"{a:5.1f} / {b:5.1f}" for a, b in zip((e["forwardGflops"], e["inputGradientGflops"], e["weightGradientGflops"]), t)]
        print(f"{e['layer']:>24}  {e['threads']:>7}  " + "  ".join(f"{c:>13}" for c in cells))

    torch.set_num_threads(2)
    model, inputs = build()
    targets = [k % 10 for k in range(8)]
    ig = IntegratedGradients(model)
    captum = median_time(lambda: ig.attribute(inputs, baselines=torch.zeros_like(inputs), target=targets, n_steps=50,
                                              method="riemann_left", internal_batch_size=400), minimum=3)
    folder = os.path.join(HERE, "resnet8")
    attribute = os.path.join(ROOT, ".build", "release", "attribute")
    out = os.path.join("/tmp", f"resnet8-ig-{os.getpid()}.npy")
    command = [attribute, "--model", os.path.join(folder, "model.onnx"), "--input", os.path.join(folder, "inputs.npy"),
               "--targets", os.path.join(folder, "targets.npy"), "--method", "ig", "--rule", "left", "--steps", "50",
               "--output", "logit", "--threads", "2", "--out", out]
    time.sleep(2)  # let torch's threads go idle before our process starts
    process = median_time(lambda: subprocess.run(command, capture_output=True, check=True), minimum=3)
    os.remove(out)
    row = next(e for e in ours if e.get("model") == "resnet8")
    print(f"\nIG, left rule, 50 steps, 8 images of 3×32×32 through ResNet-8 (float64, 2 threads)")
    print(f"  one `attribute` process on model.onnx (start, load, write included): {process:.3f} s")
    print(f"  in process (bench): {row['seconds']:.3f} s, {row['gflops']:.1f} GFLOP/s = {100 * row['fractionOfPeak']:.0f}% of the 2-thread peak")
    print(f"  Captum IntegratedGradients warm (riemann_left, internal_batch_size=400): {captum:.3f} s")
    print(f"  ours / Captum: {process / captum:.2f} (process), {row['seconds'] / captum:.2f} (in process)")
    for e in ours:
        if e.get("images") == 100:
            print(f"IG, 200 steps, 100 digits through {e['model']} in process: {e['seconds']:.3f} s, {e['gflops']:.1f} GFLOP/s"
                  f" = {100 * e['fractionOfPeak']:.0f}% of the 2-thread peak")


def gemm_rows(ours, gemm):
    print(f"\nMatrix products A·B: ours on 1 and 2 threads against numpy dgemm ({torch.get_num_threads()} threads, OpenBLAS with FMA)")
    print(f"{'m×n×k':>12}  {'numpy GF/s':>10}  {'ours 1t':>7}  {'ours 2t':>7}  {'ours 2t/numpy':>13}")
    for (m, n, k), reference in gemm.items():
        rates = {e["threads"]: e["gflops"] for e in ours["gemm"] if (e["m"], e["n"], e["k"]) == (m, n, k) and e["form"] == "plain"}
        print(f"{f'{m}×{n}×{k}':>12}  {reference:10.1f}  {rates[1]:7.1f}  {rates[2]:7.1f}  {rates[2] / reference:13.2f}")


def main():
    torch.set_default_dtype(torch.float64)
    only_resnet = "--only" in sys.argv and sys.argv[sys.argv.index("--only") + 1] == "resnet"
    # Ours first: numpy's OpenBLAS threads and torch's keep spinning for a while after their
    # work, and would take a core from a process started while they do.
    bench = os.path.join(ROOT, ".build", "release", "bench")
    quick = ["--quick"] if QUICK else []
    if only_resnet:
        output = subprocess.run([bench, "--json", "--only", "gemm"] + quick, capture_output=True, text=True, check=True).stdout
        resnet_output = subprocess.run([bench, "--json", "--only", "resnet"] + quick, capture_output=True, text=True, check=True).stdout
        print(resnet_output.strip().rsplit("\n", 1)[0])
        ours = json.loads(output.strip().splitlines()[-1])
        ours["resnet"] = json.loads(resnet_output.strip().splitlines()[-1])["resnet"]
    else:
        output = subprocess.run([bench, "--json"] + quick, capture_output=True, text=True, check=True).stdout
        print(output.strip().rsplit("\n", 1)[0])
        ours = json.loads(output.strip().splitlines()[-1])
    gemm = numpy_gemm()
    gemm_rows(ours, gemm)
    if not only_resnet:
        peers = peer_ig_times()
        print("\nIntegrated Gradients, 200 steps, one image, float64: our time over the faster peer's")
        print(f"{'model':>11}  {'peer':>24}  {'peer ms':>8}  {'ours ms':>8}  {'ours/peer':>9}")
        for model in ["digits-mlp", "digits-cnn"]:
            ours_ig = min(e["seconds"] for e in ours["attribution"] if e["model"] == model and e["method"] == "ig")
            candidates = {name: t for (m, name), t in peers.items() if m == model}
            fastest = min(candidates, key=candidates.get)
            for name, t in sorted(candidates.items(), key=lambda item: item[1]):
                print(f"{model:>11}  {name:>24}  {1000 * t:8.3f}  {1000 * ours_ig:8.3f}  {ours_ig / t:9.2f}" + ("   ← faster peer" if name == fastest else ""))

        print("\n100 digits test images: one `attribute` process (start, load, write included) against the faster peer, warm")
        print(f"{'model':>11}  {'method':>21}  {'ours ms':>8}  {'peer':>24}  {'peer ms':>8}  {'ours/peer':>9}")
        for model, name, time_ours, peer, time_peer in batch_times():
            print(f"{model:>11}  {name:>21}  {1000 * time_ours:8.1f}  {peer:>24}  {1000 * time_peer:8.1f}  {time_ours / time_peer:9.3f}")
    resnet_rows(ours["resnet"])


if __name__ == "__main__":
    main()
