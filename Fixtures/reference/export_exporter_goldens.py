"""Exercises the exporter (model_directory.py export) and writes what the Swift tests check.

Run by hand from the repository root (made with torch 2.13.0+cpu, numpy 2.4.6):

    python3 Fixtures/reference/export_exporter_goldens.py

1. Builds a small CNN for 8x8 digits with BatchNorm2d, BatchNorm1d, Dropout2d, Dropout,
   Identity and padding="same", gives the batch norms seeded non-trivial statistics, saves it
   with torch.save, and exports it with the exporter's command line into
   Fixtures/pytorch/batchnorm-cnn/ (the exporter checks the round trip to 1e-10 itself).
   Writes golden/inputs.npy (16 seeded inputs) and golden/logits.npy: the ORIGINAL model's
   logits (eval mode, float64, batch norms unfolded). Tests/ModelsTests/PyTorchGoldenTests.swift
   loads the directory in Swift and compares.
2. Checks that the exporter refuses, with a message naming the layer, a residual block, a
   ceil_mode pool, a dilated and a grouped convolution, a BatchNorm after a ReLU, a per-axis
   padding, MaxPool2d(return_indices=True), a zero-sized Linear, NaN weights, weights whose
   logits overflow, an empty and a parameter-free Sequential, an output that is not logits,
   and an existing output folder -- and leaves nothing behind; and that it answers, in one
   line and never with a traceback, files that hold no model (a state_dict, a dict, an empty
   or garbage file, a class pickled from another script's __main__) and an --input-shape the
   model cannot take. Checks that SiLU exports. Prints each message.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import model_directory  # noqa: E402

OUT = os.path.join(HERE, "..", "pytorch", "batchnorm-cnn")
SHAPE = (1, 8, 8)


class Residual(nn.Module):
    """y = x + f(x): a skip connection, which a sequence of layers cannot express."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner(x)


def seeded_model():
    torch.manual_seed(7)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding="same"), nn.BatchNorm2d(4), nn.ReLU(), nn.Dropout2d(0.3),
        nn.MaxPool2d(2), nn.Flatten(), nn.Identity(),
        nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16)), nn.Tanh(), nn.Dropout(0.5),
        nn.Linear(16, 10)).double()
    generator = torch.Generator().manual_seed(11)
    for norm in (model[1], model[7][1]):
        count = norm.num_features
        with torch.no_grad():
            norm.running_mean.copy_(torch.randn(count, generator=generator, dtype=torch.float64) * 0.5)
            norm.running_var.copy_(torch.rand(count, generator=generator, dtype=torch.float64) * 2 + 0.2)
            norm.weight.copy_(torch.randn(count, generator=generator, dtype=torch.float64))
            norm.bias.copy_(torch.randn(count, generator=generator, dtype=torch.float64) * 0.3)
    return model.eval()


def export_with_cli(model, directory, shape=SHAPE):
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "model.pt")
        torch.save(model, path)
        return model_directory.main(["export", path, directory, "--input-shape", *map(str, shape)])


def main():
    model = seeded_model()
    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    assert export_with_cli(model, OUT) == 0, "the export failed"
    golden = os.path.join(OUT, "golden")
    os.makedirs(golden)
    inputs = torch.rand((16, *SHAPE), generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    with torch.no_grad():
        logits = model(inputs)
    np.save(os.path.join(golden, "inputs.npy"), inputs.numpy())
    np.save(os.path.join(golden, "logits.npy"), logits.numpy())
    with open(os.path.join(OUT, "model.json")) as f:
        kinds = [layer["kind"] for layer in json.load(f)["layers"]]
    print(f"exported {OUT}: layers {kinds}")

    refused = {
        "residual block": nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), Residual(nn.Sequential(nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1))), nn.Flatten(), nn.Linear(128, 10)),
        "ceil_mode pool": nn.Sequential(nn.MaxPool2d(3, ceil_mode=True), nn.Flatten(), nn.Linear(9, 10)),
        "dilated convolution": nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), nn.Flatten(), nn.Linear(32, 10)),
        "grouped convolution": nn.Sequential(nn.Conv2d(1, 2, 3, groups=1), nn.Conv2d(2, 2, 3, groups=2), nn.Flatten(), nn.Linear(32, 10)),
        "BatchNorm after ReLU": nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(72, 10)),
        "per-axis padding": nn.Sequential(nn.Conv2d(1, 2, 3, padding=(1, 0)), nn.Flatten(), nn.Linear(96, 10)),
        "even kernel, padding same": nn.Sequential(nn.Conv2d(1, 2, 2, padding="same"), nn.Flatten(), nn.Linear(128, 10)),
        "pool returning indices": nn.Sequential(nn.MaxPool2d(2, return_indices=True), nn.Flatten(), nn.Linear(16, 10)),
        "zero-sized Linear": nn.Sequential(nn.Flatten(), nn.Linear(64, 0)),
        "NaN weights": nan_model(),
        "overflowing logits": huge_model(),
        "empty Sequential": nn.Sequential(),
        "no parameters": nn.Sequential(nn.Flatten(), nn.ReLU()),
        "output not logits": nn.Sequential(nn.Conv2d(1, 3, 3)),
    }
    with tempfile.TemporaryDirectory() as scratch:
        for name, bad in refused.items():
            target = os.path.join(scratch, "out")
            status = export_with_cli(bad.double().eval(), target)
            assert status == 1, f"{name}: the exporter accepted it"
            assert not os.path.exists(target) and not any(".partial-" in entry for entry in os.listdir(scratch)), f"{name}: left files"
        # An existing folder is never overwritten.
        os.makedirs(os.path.join(scratch, "taken"))
        assert export_with_cli(model, os.path.join(scratch, "taken")) == 1
        # SiLU is a layer of the format.
        silu = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.SiLU(), nn.Linear(16, 10)).double().eval()
        assert export_with_cli(silu, os.path.join(scratch, "silu")) == 0, "SiLU was refused"
        check_files_that_hold_no_model(scratch)
    print("refusals checked (messages above)")


def nan_model():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    with torch.no_grad():
        model[1].weight[0, 0] = float("nan")
    return model


def huge_model():
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10), nn.Linear(10, 10)).double()
    with torch.no_grad():
        for layer in (model[1], model[2]):
            layer.weight.fill_(1e300)
    return model


def check_files_that_hold_no_model(scratch):
    """Each file is answered in one line on stderr with status 1: no traceback, nothing written."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    files = {}
    files["state_dict"] = os.path.join(scratch, "state.pt")
    torch.save(model.state_dict(), files["state_dict"])
    files["dict"] = os.path.join(scratch, "dict.pt")
    torch.save({"model": 1}, files["dict"])
    files["empty"] = os.path.join(scratch, "empty.pt")
    open(files["empty"], "wb").close()
    files["garbage"] = os.path.join(scratch, "garbage.pt")
    with open(files["garbage"], "wb") as f:
        f.write(b"not a pickle at all")
    files["__main__ class"] = os.path.join(scratch, "main.pt")
    subprocess.run([sys.executable, "-c", "import torch\nfrom torch import nn\nclass Net(nn.Module):\n    pass\n"
                    f"torch.save(Net(), {files['__main__ class']!r})"], check=True)
    exporter = os.path.join(HERE, "model_directory.py")
    good = os.path.join(scratch, "good.pt")
    torch.save(model, good)
    cases = [(name, [path, "--input-shape", "1", "8", "8"]) for name, path in files.items()]
    cases += [("shape with a zero", [good, "--input-shape", "0", "8", "8"]), ("shape the model cannot take", [good, "--input-shape", "3", "8", "8"])]
    for name, arguments in cases:
        target = os.path.join(scratch, "from-file")
        run = subprocess.run([sys.executable, exporter, "export", arguments[0], target] + arguments[1:], capture_output=True, text=True)
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 1 and len(lines) == 1 and "Traceback" not in run.stderr, f"{name}: {run.returncode} {run.stderr}"
        assert not os.path.exists(target), f"{name}: wrote {target}"
        print(f"{name}: {lines[0]}")


if __name__ == "__main__":
    main()
