"""Times the peers' metrics against `bench --only metrics`.

Run by hand from the repository root after `swift build -c release` (needs torch, captum;
saliency for PAIR's PIC, which is skipped when it is missing):

    python3 Benchmarks/peers_metrics.py [--quick]

On digits-cnn (PyTorch, float64) and its example digit, explained for class 2 with F = p(2):
  - Captum's `infidelity` with 10 Gaussian perturbations (σ = 0.003) of an IG map;
  - Captum's `sensitivity_max` of `Saliency` (the gradient) with 10 perturbations of radius 0.02;
  - PAIR saliency's `compute_pic_metric` (SIC: the softmax as prediction; 13 thresholds; its own
    WebP-size information and interpolating blur) on the digit as an 8×8 uint8 image.
This library's times for the same metrics come from `bench --json --only metrics`. Times are
medians after a warm-up.
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
from peers import QUICK, median_time  # noqa: E402  (the same budget and warm-up as peers.py)

TARGET = 2
THRESHOLDS = [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.10, 0.13, 0.21, 0.34, 0.5, 0.75]


def peer_times():
    from captum.attr import IntegratedGradients, Saliency
    from captum.metrics import infidelity, sensitivity_max
    model = load_model_directory(os.path.join(ROOT, "Fixtures", "models", "digits-cnn")).double().eval()

    def probability(x):
        return torch.softmax(model(x), dim=1)

    x = torch.from_numpy(np.load(os.path.join(ROOT, "Fixtures", "models", "digits-cnn", "example-input.npy"))[None])
    attribution = IntegratedGradients(probability).attribute(x, target=TARGET, n_steps=200)

    def perturb(inputs):
        noise = torch.randn((10,) + tuple(inputs.shape[1:]), dtype=torch.float64) * 0.003
        return noise, inputs - noise

    times = {"infidelity": median_time(lambda: infidelity(probability, perturb, x, attribution, target=TARGET, n_perturb_samples=10))}
    saliency = Saliency(probability)
    times["max-sensitivity"] = median_time(
        lambda: sensitivity_max(saliency.attribute, x, perturb_radius=0.02, n_perturb_samples=10, target=TARGET))
    try:
        from saliency.metrics import pic
    except ImportError:
        print("saliency is not installed: PAIR's PIC is skipped")
        return times
    np.trapz = getattr(np, "trapz", np.trapezoid)  # numpy >= 2.4 removed trapz, which pic.py calls
    image = np.repeat((x[0, 0].numpy() * 255).round().astype(np.uint8)[:, :, None], 3, axis=2)
    saliency_map = attribution[0, 0].detach().numpy()

    def predict(batch):
        tensor = torch.from_numpy(batch[..., 0].astype(np.float64) / 255)[:, None]
        with torch.no_grad():
            return probability(tensor)[:, TARGET].numpy()

    def sic():
        pic.compute_pic_metric(img=image, saliency_map=saliency_map, random_mask=np.zeros((8, 8), dtype=bool),
                               pred_func=predict, saliency_thresholds=THRESHOLDS, min_pred_value=0.5)

    try:
        times["sic"] = median_time(sic)
    except Exception as error:  # PAIR's PIC refuses some images (too little information); say so
        print(f"PAIR's compute_pic_metric did not run on the 8×8 digit: {error}")
    return times


def main():
    theirs = peer_times()
    bench = os.path.join(ROOT, ".build", "release", "bench")
    report = json.loads(subprocess.run([bench, "--json", "--only", "metrics"] + (["--quick"] if QUICK else []),
                                       capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])
    ours = {}
    for row in report["metrics"]:
        name = row["metric"]
        for key in ("infidelity", "max-sensitivity", "sic"):
            if name.lower().startswith(key):
                ours[key] = row["seconds"]
    print(f"vector unit: {report.get('vectorUnit')}, torch {torch.__version__} with {torch.get_num_threads()} threads")
    print(f"{'metric':>16} {'peer ms':>9} {'ours ms':>9} {'ours/peer':>10}")
    for key in ("infidelity", "max-sensitivity", "sic"):
        if key in theirs and key in ours:
            print(f"{key:>16} {1000 * theirs[key]:9.3f} {1000 * ours[key]:9.3f} {ours[key] / theirs[key]:10.3f}")


if __name__ == "__main__":
    main()
