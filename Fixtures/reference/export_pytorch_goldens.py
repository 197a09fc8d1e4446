"""Exports two PyTorch networks in the model-directory format, with reference outputs.

Run by hand from the repository root (needs torch and captum; made with torch 2.15, captum 0.9):

    python3 Fixtures/reference/export_pytorch_goldens.py

For each network it writes Fixtures/pytorch/<name>/ (model.json, weights, and
example-input.npy, the first input alone) and
Fixtures/pytorch/<name>/golden/:
    inputs.npy                      a batch of inputs [B, ...]
    targets.npy                     the class explained for each row (as float64)
    logits.npy                      [B, classes]
    values-<kind>.npy               F per row, kind in logit, probability, log-probability
    gradients-<kind>.npy            dF/dx per row (torch.autograd, float64)
    guided-backprop-<kind>.npy      captum.attr.GuidedBackprop of the same output
    input-x-gradient-<kind>.npy     captum.attr.InputXGradient of the same output
The Swift tests (Tests/ModelsTests/PyTorchGoldenTests.swift, Tests/AttributionTests) read these
files and compare at 1e-10 relative. Before writing, the script reloads the exported directory
with load_model_directory and checks it computes the same logits, so the exporter and the loader
agree with each other as well as with the Swift reader.
"""
import os
import sys

import numpy as np
import torch
from captum.attr import GuidedBackprop, InputXGradient
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_directory import load_model_directory, save_model_directory  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch")
KINDS = ("logit", "probability", "log-probability")


def head(kind):
    return {"logit": nn.Identity(), "probability": nn.Softmax(dim=1), "log-probability": nn.LogSoftmax(dim=1)}[kind]


def export(name, model, input_shape, batch, seed):
    torch.manual_seed(seed)
    model = model.to(torch.float64).eval()
    directory = os.path.join(ROOT, name)
    golden = os.path.join(directory, "golden")
    os.makedirs(golden, exist_ok=True)
    save_model_directory(model, input_shape, directory)
    reloaded = load_model_directory(directory)

    inputs = torch.randn((batch, *input_shape), dtype=torch.float64)
    with torch.no_grad():
        logits = model(inputs)
        assert torch.equal(reloaded(inputs), logits), "reloaded model differs"
    classes = logits.shape[1]
    targets = torch.arange(batch) % classes

    def save(file, tensor):
        np.save(os.path.join(golden, file), tensor.detach().numpy().astype(np.float64))

    save("inputs.npy", inputs)
    # One input on its own, for command-line examples (the README's).
    np.save(os.path.join(directory, "example-input.npy"), inputs[0].numpy())
    save("targets.npy", targets.to(torch.float64))
    save("logits.npy", logits)
    for kind in KINDS:
        wrapped = nn.Sequential(model, head(kind)).eval()
        x = inputs.clone().requires_grad_(True)
        values = wrapped(x).gather(1, targets[:, None])[:, 0]
        # Rows are independent, so the gradient of the sum holds each row's own gradient.
        (gradients,) = torch.autograd.grad(values.sum(), x)
        save(f"values-{kind}.npy", values)
        save(f"gradients-{kind}.npy", gradients)
        save(f"guided-backprop-{kind}.npy", GuidedBackprop(wrapped).attribute(inputs.clone(), target=targets))
        save(f"input-x-gradient-{kind}.npy", InputXGradient(wrapped).attribute(inputs.clone(), target=targets))
    print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, logits {tuple(logits.shape)}, "
          f"max |logit| {logits.abs().max().item():.3f}")


def main():
    torch.manual_seed(2026)
    # Every activation kind, after a flatten of a multi-channel input.
    mlp = nn.Sequential(
        nn.Flatten(),
        nn.Linear(18, 16), nn.ReLU(),
        nn.Linear(16, 12), nn.LeakyReLU(0.2),
        nn.Linear(12, 10), nn.Softplus(),
        nn.Linear(10, 8), nn.Tanh(),
        nn.Linear(8, 8), nn.Sigmoid(),
        nn.Linear(8, 5),
    )
    export("mlp-activations", mlp, (2, 3, 3), batch=6, seed=1)

    torch.manual_seed(2027)
    # Both pool kinds (the max pool's windows overlap), stride and padding, a non-square kernel.
    cnn = nn.Sequential(
        nn.Conv2d(2, 4, 3, stride=1, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, stride=2),
        nn.Conv2d(4, 6, (3, 2), stride=2, padding=1), nn.Tanh(),
        nn.AvgPool2d(2, stride=1),
        nn.Flatten(),
        nn.Linear(12, 5),
    )
    export("cnn-pools", cnn, (2, 10, 10), batch=6, seed=2)


if __name__ == "__main__":
    main()
