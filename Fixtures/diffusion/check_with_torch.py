"""Cross-checks `attribute denoise` and `attribute --method ddpath` against PyTorch, by hand.

Run from the repository root after building (`swift build -c release`):

    python3 Fixtures/diffusion/check_with_torch.py [.build/release/attribute]

1. Runs `attribute denoise` on every case of Fixtures/diffusion/goldens/cases.json and prints
   max|Swift − PyTorch| / max|PyTorch| (the tests assert < 1e-10).
2. Runs DDPath on a digits check input for each base, term and integrator with
   `--ledger` and `--path-points`, takes ∇p(target) at the path points with torch.autograd
   on digits-cnn loaded by Fixtures/reference/model_directory.py, forms the attribution from
   its definition (path: Σ g_k ⊙ (p_{k+1} − p_k); algorithm-1: (x − x′) ⊙ mean g_k; IDGI:
   Σ g_k² ΔF_k / ‖g_k‖²) and prints the relative difference, Σ A against ΔF, and how many
   steps p(target) falls on.
Writes nothing under Fixtures/ (its scratch files go to a temporary folder).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "reference"))
from model_directory import load_model_directory  # noqa: E402

torch.set_default_dtype(torch.float64)


def fixture(path):
    return os.path.join(ROOT, "Fixtures", path)


def main():
    attribute = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "release", "attribute")
    scratch = tempfile.mkdtemp()
    try:
        check(attribute, scratch)
    finally:
        shutil.rmtree(scratch)


def check(attribute, scratch):
    out = os.path.join(scratch, "out.npy")
    cases = json.load(open(fixture("diffusion/goldens/cases.json")))["cases"]
    worst = 0.0
    for case in cases:
        args = [attribute, "denoise", "--diffusion", fixture(case["diffusion"]), "--input", fixture(case["input"]),
                "--time", str(case["time"]), "--variant", case["variant"], "--out", out]
        if case["targets"]:
            args += ["--targets", fixture(case["targets"]), "--guidance-scale", str(case["scale"])]
        if case["toTime"] is not None:
            args += ["--to-time", str(case["toTime"])]
        subprocess.run(args, check=True, capture_output=True)
        actual, expected = np.load(out), np.load(fixture(case["expected"]))
        error = np.abs(actual - expected).max() / np.abs(expected).max()
        worst = max(worst, error)
        print(f"denoise {case['name']}: {error:.2e}")
    print(f"denoise: worst relative difference {worst:.2e}")

    network = load_model_directory(fixture("models/digits-cnn")).eval()
    x = np.load(fixture("models/digits-cnn/check/inputs.npy"))[5]
    input_file = os.path.join(scratch, "x.npy")
    np.save(input_file, x)
    ledger_file, points_file = os.path.join(scratch, "ledger.json"), os.path.join(scratch, "points.npy")
    for options in (["--base", "ig"], ["--base", "blur-ig"], ["--base", "guided-ig"], ["--base", "ig", "--attribution", "algorithm-1"],
                    ["--base", "ig", "--integrator", "idgi"], ["--base", "guided-ig", "--integrator", "idgi", "--sampling", "stochastic"]):
        run = subprocess.run([attribute, "--model", fixture("models/digits-cnn"), "--input", input_file, "--method", "ddpath",
                              "--diffusion", fixture("diffusion/digits"), "--out", out, "--ledger", ledger_file,
                              "--path-points", points_file] + options, check=True, capture_output=True, text=True)
        report = json.loads(run.stdout.splitlines()[0])
        target = report["target"]
        attribution, points = np.load(out), np.load(points_file)
        steps = json.load(open(ledger_file))["steps"]
        used = torch.tensor(points[[s["point"] for s in steps]], requires_grad=True)
        probability = torch.softmax(network(used), dim=1)[:, target]
        g = torch.autograd.grad(probability.sum(), used)[0].numpy()
        path = np.concatenate([used.detach().numpy(), x[None]], 0)
        values = np.concatenate([probability.detach().numpy(), torch.softmax(network(torch.tensor(x[None])), 1)[:, target].detach().numpy()])
        if "idgi" in options:
            expected = sum(g[k] ** 2 * (values[k + 1] - values[k]) / max((g[k] ** 2).sum(), 1e-300) for k in range(len(steps)))
        elif "algorithm-1" in options:
            expected = (x - path[0]) * g.mean(0)
        else:
            expected = sum(g[k] * (path[k + 1] - path[k]) for k in range(len(steps)))
        error = np.abs(attribution - expected).max() / np.abs(expected).max()
        falls = sum(1 for s in steps if s["endValue"] < s["startValue"] - 1e-12)
        print(f"ddpath {' '.join(options)}: {error:.2e}; Σ A {attribution.sum():.4f}, ΔF {report['value'] - report['baselineValue']:.4f}; "
              f"p falls on {falls} of {len(steps)} steps")


if __name__ == "__main__":
    main()
