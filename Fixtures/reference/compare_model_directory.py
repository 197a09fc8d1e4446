"""Loads model directories into PyTorch and checks they predict what this library predicts.

Run by hand from the repository root (needs numpy and torch):

    python3 Fixtures/reference/compare_model_directory.py               # every model in Fixtures/models
    python3 Fixtures/reference/compare_model_directory.py DIR [DIR …]   # chosen model directories

For each model directory: builds the network with load_model_directory (float64), runs the
inputs in DIR/check/inputs.npy, and compares with DIR/check/logits.npy — the logits the Swift
library computed (train-fixtures writes both) — reporting the largest relative difference and
whether every predicted class agrees. For the digits models it also recomputes the test
accuracy on Fixtures/data and compares it with DIR/metrics.json. Exits 1 on any disagreement.
A version-2 directory (a graph) is skipped here: load_model_directory builds chains, and
Fixtures/onnx/check_written_models.py checks graphs through their ONNX files instead.
"""
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_directory import load_model_directory  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, ".."))


def compare(directory):
    name = os.path.basename(os.path.normpath(directory))
    with open(os.path.join(directory, "model.json")) as f:
        if json.load(f)["version"] != 1:
            print(f"SKIP {name}: model.json version 2 (a graph); see Fixtures/onnx/check_written_models.py")
            return True
    model = load_model_directory(directory).eval()
    inputs = torch.from_numpy(np.load(os.path.join(directory, "check", "inputs.npy")))
    expected = np.load(os.path.join(directory, "check", "logits.npy"))
    with torch.no_grad():
        logits = model(inputs).numpy()
    relative = np.abs(logits - expected).max() / np.abs(expected).max()
    same_predictions = bool((logits.argmax(1) == expected.argmax(1)).all())
    ok = relative < 1e-12 and same_predictions
    line = f"{name}: {len(inputs)} check inputs, max relative logit difference {relative:.2e}, predictions agree: {same_predictions}"

    metrics_path = os.path.join(directory, "metrics.json")
    # The textured digits are composited by the Swift library, so only the plain digits are recomputed here.
    if name.startswith("digits") and "textured" not in name and os.path.exists(metrics_path):
        images = np.load(os.path.join(ROOT, "data", "digits-images.npy"))
        labels = np.load(os.path.join(ROOT, "data", "digits-labels.npy")).astype(int)
        split = np.load(os.path.join(ROOT, "data", "digits-split.npy"))
        with torch.no_grad():
            predicted = model(torch.from_numpy(images[split == 1])).numpy().argmax(1)
        correct = int((predicted == labels[split == 1]).sum())
        with open(metrics_path) as f:
            recorded = json.load(f)["testCorrect"]
        ok = ok and correct == recorded
        line += f"; PyTorch test accuracy {correct}/{int(split.sum())} (recorded {recorded})"
    print(("OK   " if ok else "FAIL ") + line)
    return ok


def main():
    directories = sys.argv[1:] or sorted(
        os.path.join(ROOT, "models", d) for d in os.listdir(os.path.join(ROOT, "models")))
    results = [compare(d) for d in directories]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
