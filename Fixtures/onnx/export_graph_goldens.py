"""Exports three graph-shaped networks to ONNX with torch and writes what torch and Captum
compute for them, for the Swift loader's and the attribution methods' tests on graphs.

    python3 Fixtures/onnx/export_graph_goldens.py     # needs: pip install torch onnx captum

Random weights (seeded), eval mode, BatchNorm statistics away from the identity. Each network
is exported by torch.onnx.export(..., dynamo=False, opset_version=17) from the same weights in
float64 and in float32 (the float32 twin's weights are the float64 ones rounded):

  graph-resnet    a ResNet-style stem and two BasicBlocks, the second downsampling with a
                  strided 1×1 projection; BatchNorm; global average pool; linear. [3, 12, 12]
  graph-concat    an Inception-style block: a 1×1 branch, a 3×3 branch with ReLU6, and a padded
                  3×3 max-pool branch then 1×1, concatenated on channels; a squeeze-and-
                  excitation gate (global average, linear by 1×1 conv, sigmoid, multiply); a
                  padded average pool with count_include_pad; LeakyReLU; linear. [3, 10, 10]
  graph-depthwise a MobileNet-style depthwise-separable stack: a depthwise 3×3 stride-2 conv
                  (groups = channels), BatchNorm kept as its own node by a residual read, ReLU6,
                  a pointwise 1×1 conv, an asymmetric zero pad (nn.ZeroPad2d), a dilated 3×3
                  conv with stride (1, 2), a free-standing BatchNorm, tanh; global average
                  pool; linear. [4, 11, 9]

Written in graph-goldens/<name>/ (float64 unless said):
  inputs.npy, targets.npy            four points in [0, 1] and the class explained for each
  logits.npy, gradients.npy          torch's logits and ∂z_target/∂x (autograd)
  ig-<rule>-<steps>.npy              Integrated Gradients (zero baseline, the logit of the target)
                                     from Captum's nodes and weights for method gausslegendre (50
                                     steps: Captum's default), riemann_left, riemann_right,
                                     riemann_middle and riemann_trapezoid (20 steps), evaluated in
                                     float64 with torch.autograd gradients
  captum-ig-<rule>-<steps>.npy       captum.attr.IntegratedGradients itself: it builds those nodes
                                     and weights in float32 (torch.linspace, torch.tensor), so it
                                     differs from the float64 rule by ~1e-8 relative
  float32-logits.npy, float32-ig-gausslegendre-50.npy
                                     the float32 twin's, computed by torch in float32
"""
import copy
import os

import numpy as np
import torch
import torch.nn as nn
from captum.attr import IntegratedGradients
from captum.attr._utils.approximation_methods import approximation_parameters

from basic_block import BasicBlock  # this folder's shared ResNet block

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = [("gausslegendre", 50), ("riemann_left", 20), ("riemann_right", 20), ("riemann_middle", 20), ("riemann_trapezoid", 20)]


def randomize_batchnorm(bn):
    bn.running_mean.uniform_(-0.4, 0.4)
    bn.running_var.uniform_(0.5, 1.5)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.2, 0.2)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU())
        self.blocks = nn.Sequential(BasicBlock(6, 6, 1), BasicBlock(6, 10, 2))
        self.fc = nn.Linear(10, 5)

    def forward(self, x):
        h = self.blocks(self.stem(x))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))


class Concat(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch1 = nn.Conv2d(3, 4, 1)
        self.branch3 = nn.Conv2d(3, 5, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=1, padding=1)
        self.pool_project = nn.Conv2d(3, 3, 1)
        self.squeeze = nn.Conv2d(12, 12, 1)
        self.average = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=True)
        self.fc = nn.Linear(12 * 5 * 5, 4)

    def forward(self, x):
        joined = torch.cat([self.branch1(x), nn.functional.relu6(self.branch3(x)), self.pool_project(self.pool(x))], dim=1)
        gate = torch.sigmoid(self.squeeze(nn.functional.adaptive_avg_pool2d(joined, 1)))
        h = nn.functional.leaky_relu(self.average(joined * gate), 0.125)
        return self.fc(torch.flatten(h, 1))


class Depthwise(nn.Module):
    def __init__(self):
        super().__init__()
        self.depthwise = nn.Conv2d(4, 4, 3, stride=2, padding=1, groups=4)
        self.bn1 = nn.BatchNorm2d(4)
        self.pointwise = nn.Conv2d(4, 8, 1)
        self.pad = nn.ZeroPad2d((1, 0, 2, 1))  # left, right, top, bottom
        self.dilated = nn.Conv2d(8, 6, 3, stride=(1, 2), dilation=2)
        self.bn2 = nn.BatchNorm2d(6)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        d = self.depthwise(x)
        # The depthwise output is read twice, so the BatchNorm cannot be folded into it.
        h = nn.functional.relu6(self.bn1(d)) + 0.5 * d
        h = self.dilated(self.pad(self.pointwise(h)))
        h = torch.tanh(self.bn2(h))
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(h, 1), 1))


def nodes_and_weights(method, n):
    """Captum's rule, in float64: Gauss–Legendre from its own definition, the Riemann rules as
    Captum defines them (it builds these with torch.linspace in float32)."""
    if method == "gausslegendre":
        step_sizes, alphas = approximation_parameters(method)
        return np.asarray(alphas(n), dtype=np.float64), np.asarray(step_sizes(n), dtype=np.float64)
    nodes = {"riemann_left": np.linspace(0, 1 - 1 / n, n), "riemann_right": np.linspace(1 / n, 1, n),
             "riemann_middle": np.linspace(1 / (2 * n), 1 - 1 / (2 * n), n), "riemann_trapezoid": np.linspace(0, 1, n)}[method]
    weights = np.full(n, 1 / n)
    if method == "riemann_trapezoid":
        weights[0] /= 2
        weights[-1] /= 2
    return nodes, weights


def integrated_gradients(model, x, targets, method, n):
    """(x − 0) ⊙ Σ_k w_k ∇z_target(α_k x), gradients by autograd, all in float64."""
    nodes, weights = nodes_and_weights(method, n)
    result = []
    for b in range(x.shape[0]):
        points = torch.stack([float(a) * x[b] for a in nodes]).requires_grad_(True)
        model(points)[:, targets[b]].sum().backward()
        summed = sum(float(w) * g for w, g in zip(weights, points.grad))
        result.append((x[b] * summed).detach())
    return torch.stack(result).numpy()


def export(model, example, path):
    torch.onnx.export(model, example, path, dynamo=False, opset_version=17, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def write(name, model, shape):
    folder = os.path.join(HERE, "graph-goldens", name)
    os.makedirs(folder, exist_ok=True)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            randomize_batchnorm(module)
    model = model.double().eval()
    x = torch.rand(4, *shape, dtype=torch.float64)
    targets = [0, 1, 2, 1]
    single = copy.deepcopy(model).float().eval()
    export(model, x[:1], os.path.join(HERE, f"{name}-float64.onnx"))
    export(single, x[:1].float(), os.path.join(HERE, f"{name}-float32.onnx"))

    np.save(os.path.join(folder, "inputs.npy"), x.numpy())
    np.save(os.path.join(folder, "targets.npy"), np.asarray(targets, dtype=np.float64))
    inputs = x.clone().requires_grad_(True)
    logits = model(inputs)
    logits[torch.arange(4), torch.tensor(targets)].sum().backward()
    np.save(os.path.join(folder, "logits.npy"), logits.detach().numpy())
    np.save(os.path.join(folder, "gradients.npy"), inputs.grad.numpy())
    ig = IntegratedGradients(model)
    for method, steps in RULES:
        np.save(os.path.join(folder, f"ig-{method}-{steps}.npy"), integrated_gradients(model, x, targets, method, steps))
        attribution = ig.attribute(x, baselines=torch.zeros_like(x), target=targets, n_steps=steps, method=method)
        np.save(os.path.join(folder, f"captum-ig-{method}-{steps}.npy"), attribution.detach().numpy())
    x32 = x.float()
    np.save(os.path.join(folder, "float32-logits.npy"), single(x32).detach().double().numpy())
    attribution = IntegratedGradients(single).attribute(x32, baselines=torch.zeros_like(x32), target=targets, n_steps=50, method="gausslegendre")
    np.save(os.path.join(folder, "float32-ig-gausslegendre-50.npy"), attribution.detach().double().numpy())


def main():
    torch.manual_seed(25)
    write("graph-resnet", ResNet(), (3, 12, 12))
    write("graph-concat", Concat(), (3, 10, 10))
    write("graph-depthwise", Depthwise(), (4, 11, 9))
    print("wrote the graph goldens in", HERE)


if __name__ == "__main__":
    main()
