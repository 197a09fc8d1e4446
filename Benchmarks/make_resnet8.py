"""Writes the whole-model benchmark's network: a random-weight ResNet-8 for 3×32×32 images
(CIFAR-style: a 16-channel stem, three BasicBlock stages of 16, 32 and 64 channels, the last two
downsampling with a strided 1×1 projection, BatchNorm, global average pool, 10 classes), exported
by torch.onnx.export(..., dynamo=False, opset_version=17) in float64 and eval mode, and 8 inputs.

    python3 Benchmarks/make_resnet8.py     # needs: pip install torch onnx

Written in Benchmarks/resnet8/: model.onnx, inputs.npy [8, 3, 32, 32], targets.npy (class k % 10
for image k). `bench --only resnet` and Benchmarks/peers.py time IG on them.
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Fixtures", "onnx"))
from basic_block import BasicBlock  # noqa: E402  (the graph goldens' block)


class ResNet8(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.stages = nn.Sequential(BasicBlock(16, 16, 1), BasicBlock(16, 32, 2), BasicBlock(32, 64, 2))
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        h = self.stages(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))


def build():
    """The network and inputs, from fixed seeds (peers.py rebuilds the same ones)."""
    torch.manual_seed(26)
    model = ResNet8()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 1.5)
    model = model.double().eval()
    inputs = torch.rand(8, 3, 32, 32, dtype=torch.float64)
    return model, inputs


def main():
    model, inputs = build()
    folder = os.path.join(HERE, "resnet8")
    os.makedirs(folder, exist_ok=True)
    torch.onnx.export(model, inputs[:1], os.path.join(folder, "model.onnx"), dynamo=False, opset_version=17,
                      input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    np.save(os.path.join(folder, "inputs.npy"), inputs.numpy())
    np.save(os.path.join(folder, "targets.npy"), np.arange(8, dtype=np.float64) % 10)
    print("wrote", folder)


if __name__ == "__main__":
    main()
