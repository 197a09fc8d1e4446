"""Times the official Expected Gradients, LPI and AGI code against `bench --only references`.

Run by hand from the repository root after `swift build -c release`, with the official code
checked out as for the goldens (see Fixtures/reference/export_reference_method_goldens.py):

    python3 Benchmarks/peers_reference_methods.py OFFICIAL [--quick]

On digits-cnn (loaded into PyTorch, float64, threads as torch sets them) and its example digit,
explained for class 2, each official code runs with the budgets `bench` uses:
  - path_explain's PathExplainerTorch.attributions, 50 samples from the 1,437 training digits;
  - LPI's LPI.shap_values with 20 references (the first 20 training digits; the values do not
    change the work) and 5 α's each;
  - AGI's pgd_step toward each of the 9 other classes, 20 iterations each, as AGI_main.py runs it.
The same interventions as the goldens' script keep float64 throughout (its helpers are
imported, not copied). Times are medians after a warm-up. Then `bench --json --only
references` runs and the ratios ours / official are printed.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "reference"))
from model_directory import load_model_directory  # noqa: E402
import export_reference_method_goldens as goldens  # noqa: E402

from peers import QUICK  # noqa: E402
from peers import median_time as peer_median_time  # noqa: E402

BUDGET = 0.5 if QUICK else 2.0
TARGET = 2


def median_time(body):
    """peers.py's median after a warm-up, with a longer budget: these calls take 25–150 ms."""
    return peer_median_time(body, budget=BUDGET, minimum=3)


def official_times(official):
    model = load_model_directory(os.path.join(ROOT, "Fixtures", "models", "digits-cnn")).double().eval()
    x = torch.from_numpy(np.load(os.path.join(ROOT, "Fixtures", "models", "digits-cnn", "example-input.npy")))[None]
    images = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-images.npy"))
    split = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-split.npy"))
    training = torch.from_numpy(images[np.flatnonzero(split == 0)])
    times = {}

    pe = goldens.load(os.path.join(official, "path_explain", "path_explain", "explainers", "path_explainer_torch.py"), "path_explainer_torch")
    explainer = pe.PathExplainerTorch(model)

    def eg():
        with goldens.Float64Everywhere():
            inputs = x.clone().requires_grad_(True)
            explainer.attributions(inputs, training, num_samples=50, use_expectation=True, output_indices=torch.tensor([TARGET]))

    times["expected-gradients"] = median_time(eg)

    lpi_module = goldens.load(os.path.join(official, "LPI", "saliency_methods", "LPI.py"), "LPI")
    references = [training[i] for i in range(20)]

    class ReferenceSet(torch.utils.data.Dataset):
        def __init__(self):
            self.imgs = references  # the official code reads the set's size from .imgs

        def __len__(self):
            return len(self.imgs)

        def __getitem__(self, i):
            return self.imgs[i], 0

    density = torch.full((1, 20), 1 / 20, dtype=torch.float64)
    original_cuda = torch.Tensor.cuda
    torch.Tensor.cuda = lambda tensor, *args, **kwargs: tensor
    try:
        method = lpi_module.LPI(model, 5, density, random_alpha=True, datasets=[ReferenceSet()])

        def lpi():
            with goldens.Float64Everywhere():
                method.shap_values(x.clone(), sparse_labels=torch.tensor([TARGET]))

        times["lpi"] = median_time(lpi)
    finally:
        torch.Tensor.cuda = original_cuda

    goldens.stub_image_libraries()
    utils = goldens.load(os.path.join(official, "AGI", "utils.py"), "agi_utils")
    prediction = torch.tensor([TARGET])

    def agi():
        for t in range(10):
            if t != TARGET:
                utils.pgd_step(x.clone(), 0.05, model, prediction, torch.tensor([t]), 20)

    times["agi"] = median_time(agi)
    return times


def main():
    arguments = [a for a in sys.argv[1:] if a != "--quick"]
    if len(arguments) != 1:
        sys.exit(__doc__)
    theirs = official_times(arguments[0])
    bench = os.path.join(ROOT, ".build", "release", "bench")
    report = json.loads(subprocess.run([bench, "--json", "--only", "references"] + (["--quick"] if QUICK else []),
                                       capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    ours = {}
    for row in report["references"]:
        name = row.get("method", "")
        for key, prefix in (("expected-gradients", "expected-gradients (K 50)"), ("lpi", "lpi (C 1, R 20, k 5)"),
                            ("agi", "agi (9 classes, 20 iterations)")):
            if name == prefix:
                ours[key] = row["seconds"]
    print(f"vector unit: {report.get('vectorUnit')}, torch {torch.__version__} with {torch.get_num_threads()} threads")
    print(f"{'method':>20} {'official ms':>12} {'ours ms':>9} {'ours/official':>14}")
    for key in ("expected-gradients", "lpi", "agi"):
        if key in ours:
            print(f"{key:>20} {1000 * theirs[key]:12.2f} {1000 * ours[key]:9.2f} {ours[key] / theirs[key]:14.3f}")


if __name__ == "__main__":
    main()
