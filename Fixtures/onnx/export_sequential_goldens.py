"""Exports chain-shaped networks to ONNX with torch and writes what torch computes for them,
for the Swift ONNX loader's tests; and a file with ops no loader here builds.

    python3 Fixtures/onnx/export_sequential_goldens.py     # needs: pip install torch onnx

Written (in this folder):
  cnn-float64.onnx, cnn-float32.onnx   Conv-BatchNorm-ReLU-MaxPool-Conv-ReLU-AvgPool-Flatten-
                                       Linear-ReLU-Linear, eval mode, random BatchNorm statistics,
                                       exported by torch.onnx.export(..., dynamo=False,
                                       opset_version=17) from the same weights in float64 and in
                                       float32 (the float32 twin's weights are the float64 ones rounded)
  cnn-float64-batchnorm.onnx           the same, exported without constant folding: the
                                       BatchNormalization stays a node of its own
  mlp-softmax.onnx                     Flatten-Linear-LeakyReLU(0.25)-Linear-Softmax, float64 (ONNX
                                       stores LeakyRelu's alpha as a float32 attribute: 0.25 is exact)
  cnn-goldens/inputs.npy, logits.npy, targets.npy, gradients.npy
                                       the float64 model's logits and ∂z_target/∂x, by torch autograd
  mlp-goldens/logits.npy               the MLP's logits before its Softmax
  resnet-float64.onnx, resnet-float64-batchnorm.onnx
                                       a BasicBlock-style residual block (conv-BN-ReLU-conv-BN,
                                       plus a 1×1 projection of the input, added, ReLU, global
                                       average pool, linear), float64, with constant folding and
                                       without it (BatchNormalization nodes kept)
  resnet-goldens/inputs.npy, logits.npy, targets.npy, gradients.npy
                                       its logits and ∂z_target/∂x, by torch autograd
  unsupported.onnx                     an Erf node and an LSTM node (onnx.helper; never run)
"""
import copy
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


class Block(nn.Module):
    """A BasicBlock-style residual block: conv-BN-ReLU-conv-BN plus a 1×1 projection of the
    input, added, ReLU, global average pool, linear (2 → 4 channels, 3 classes)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(4)
        self.project = nn.Conv2d(2, 4, 1, bias=False)
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        h = torch.relu(h + self.project(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))


def randomize_batchnorm(bn, mean_spread):
    """Inference statistics and affine parameters away from the identity, so folding them shows."""
    bn.running_mean.uniform_(-mean_spread, mean_spread)
    bn.running_var.uniform_(0.5, 1.5)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.2, 0.2)


def write_goldens(model, x, targets, folder):
    """The model's logits for x and ∂z_target/∂x by autograd, with the inputs and targets."""
    goldens = os.path.join(HERE, folder)
    os.makedirs(goldens, exist_ok=True)
    x = x.clone().requires_grad_(True)
    logits = model(x)
    logits[torch.arange(len(targets)), torch.tensor(targets)].sum().backward()
    np.save(os.path.join(goldens, "inputs.npy"), x.detach().numpy())
    np.save(os.path.join(goldens, "logits.npy"), logits.detach().numpy())
    np.save(os.path.join(goldens, "targets.npy"), np.asarray(targets, dtype=np.float64))
    np.save(os.path.join(goldens, "gradients.npy"), x.grad.numpy())


def export(model, example, name, fold=True):
    torch.onnx.export(model, example, os.path.join(HERE, name), dynamo=False, opset_version=17, do_constant_folding=fold,
                      input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def main():
    torch.manual_seed(24)
    cnn = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(6 * 2 * 2, 8), nn.ReLU(), nn.Linear(8, 5),
    ).double()
    randomize_batchnorm(cnn[1], 0.3)
    cnn.eval()
    x = torch.rand(4, 3, 8, 8, dtype=torch.float64)
    export(cnn, x[:1], "cnn-float64.onnx")
    export(cnn, x[:1], "cnn-float64-batchnorm.onnx", fold=False)
    # The twin from a copy: converting the model itself to float32 and back would round its weights.
    export(copy.deepcopy(cnn).float(), x[:1].float(), "cnn-float32.onnx")

    write_goldens(cnn, x, [0, 1, 2, 3], "cnn-goldens")

    mlp = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.LeakyReLU(0.25), nn.Linear(7, 3), nn.Softmax(dim=1)).double().eval()
    v = torch.rand(2, 1, 3, 4, dtype=torch.float64)
    export(mlp, v[:1], "mlp-softmax.onnx")
    mlp_goldens = os.path.join(HERE, "mlp-goldens")
    os.makedirs(mlp_goldens, exist_ok=True)
    np.save(os.path.join(mlp_goldens, "inputs.npy"), v.numpy())
    np.save(os.path.join(mlp_goldens, "logits.npy"), mlp[:-1](v).detach().numpy())

    block = Block().double()
    for bn in (block.bn1, block.bn2):
        randomize_batchnorm(bn, 0.5)
    block.eval()
    r = torch.rand(3, 2, 6, 6, dtype=torch.float64)
    export(block, r[:1], "resnet-float64.onnx")
    export(block, r[:1], "resnet-float64-batchnorm.onnx", fold=False)
    write_goldens(block, r, [2, 0, 1], "resnet-goldens")

    graph = helper.make_graph(
        [helper.make_node("Erf", ["x"], ["e"], name="erf1"), helper.make_node("LSTM", ["e", "w", "r"], ["h"], name="lstm1")],
        "unsupported", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("h", TensorProto.FLOAT, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(HERE, "unsupported.onnx"))
    print("wrote the ONNX goldens in", HERE)


if __name__ == "__main__":
    main()
