"""Reference attributions from independent implementations, for every method, rule and integrator
of the `attribute` command.

Run by hand from the repository root (made with torch 2.15, captum 0.9.0, saliency 0.2.1,
numpy 2.4.6, scipy 1.17.1):

    python3 Fixtures/reference/export_attribution_goldens.py

Models (model-directory format, Fixtures/pytorch/<name>/; the first two are made here, the third
by export_pytorch_goldens.py), each run in float64 through load_model_directory:
    smooth-mlp     [1, 4, 4] -> flatten -> 16-12 softplus -> 12-8 tanh -> 8-6 sigmoid -> 6-4
    relu-cnn-rgb   [3, 6, 6] -> conv 3->4 3x3 pad 1 -> relu -> maxpool 2 -> flatten -> 36-8 relu -> 8-3
    cnn-pools      [2, 10, 10], both pool kinds (multi-channel input)

For each model it writes Fixtures/goldens/<model>/input.npy and one .npy per case, and lists the
cases in Fixtures/goldens/cases.json: the `attribute` arguments (beyond --model, --input, --out),
the file, the tolerance, and where the numbers come from:
    gradient, input-x-gradient,       Captum Saliency(abs=False), InputXGradient, GuidedBackprop
      guided-backprop
    ig --rule R (every rule)          IG from Captum's node/weight definitions (approximation_methods;
                                      textbook trapezoid and PAIR's uniform from algorithms.md),
                                      evaluated in float64 with torch.autograd gradients
    ig, Captum as shipped             captum.attr.IntegratedGradients itself: its nodes come from
                                      torch.linspace in float32 and its weights are cast to float32,
                                      so it differs from the exact rule by ~1e-7 relative
    ig --rule uniform, PAIR as        saliency.core.IntegratedGradients itself: accumulates the
      shipped                         gradients in float32, ~1e-6 relative
    ig --integrator idgi              the official IDGI(Gradients, Predictions) of yangruo1226/IDGI on
                                      the points k/N, k = 0..N
    blur-ig                           saliency.core.BlurIG itself (float64, H x W x C)
    blur-ig --integrator idgi         the official IDGI on the blur levels (input side first; negated,
                                      since that order walks from the input to the blurred image)
    guided-ig                         saliency.core.GuidedIG itself (float64), with numpy >= 2.4's
                                      np.quantile(method=...) in place of the removed interpolation=
    guided-ig --integrator idgi       the official IDGI on the points Guided IG visits (recorded from
                                      its gradient calls), ending at the input
    smoothgrad                        mean / mean square / variance of Captum Saliency(abs=False) on
                                      the noisy inputs this library draws (xoshiro256**, ported below)
"""
import json
import math
import os
import sys

import numpy as np
import torch
from captum.attr import GuidedBackprop, InputXGradient, IntegratedGradients, Saliency
from captum.attr._utils.approximation_methods import approximation_parameters
from torch import nn

import saliency.core as saliency

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model_directory import load_model_directory, save_model_directory  # noqa: E402

ROOT = os.path.normpath(os.path.join(HERE, ".."))
GOLDENS = os.path.join(ROOT, "goldens")
EXACT = 1e-9  # both sides float64: round-off only

# numpy >= 2.4 removed np.quantile's `interpolation=` keyword, which PAIR's GuidedIG still passes.
_quantile = np.quantile


def _quantile_compatible(a, q, *args, interpolation=None, **kwargs):
    if interpolation is not None:
        kwargs["method"] = interpolation
    return _quantile(a, q, *args, **kwargs)


np.quantile = _quantile_compatible


# ---- The models ------------------------------------------------------------------------------

def make_models():
    torch.manual_seed(31)
    smooth = nn.Sequential(nn.Flatten(), nn.Linear(16, 12), nn.Softplus(), nn.Linear(12, 8), nn.Tanh(),
                           nn.Linear(8, 6), nn.Sigmoid(), nn.Linear(6, 4)).to(torch.float64)
    save_model_directory(smooth, (1, 4, 4), os.path.join(ROOT, "pytorch", "smooth-mlp"))
    torch.manual_seed(32)
    relu = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                         nn.Linear(36, 8), nn.ReLU(), nn.Linear(8, 3)).to(torch.float64)
    save_model_directory(relu, (3, 6, 6), os.path.join(ROOT, "pytorch", "relu-cnn-rgb"))


def head(kind):
    return {"logit": nn.Identity(), "probability": nn.Softmax(dim=1), "log-probability": nn.LogSoftmax(dim=1)}[kind]


class Explained:
    """F = one output of a model directory's network, with batched values and gradients."""

    def __init__(self, name, target, kind="probability"):
        self.network = load_model_directory(os.path.join(ROOT, "pytorch", name)).eval()
        self.model = nn.Sequential(self.network, head(kind)).eval()
        self.target = target

    def values_and_gradients(self, points):
        x = torch.as_tensor(np.asarray(points, dtype=np.float64)).clone().requires_grad_(True)
        values = self.model(x)[:, self.target]
        (gradients,) = torch.autograd.grad(values.sum(), x)
        return values.detach().numpy(), gradients.numpy()

    def values(self, points):
        with torch.no_grad():
            return self.model(torch.as_tensor(np.asarray(points, dtype=np.float64)))[:, self.target].numpy()


# ---- Integrated Gradients from the rules' definitions -----------------------------------------

def rule_nodes_and_weights(rule, n):
    if rule in ("left", "right", "middle", "captum-trapezoid", "gauss-legendre"):
        captum_name = {"left": "riemann_left", "right": "riemann_right", "middle": "riemann_middle",
                       "captum-trapezoid": "riemann_trapezoid", "gauss-legendre": "gausslegendre"}[rule]
        if rule == "gauss-legendre":
            step_sizes, alphas = approximation_parameters(captum_name)
            return np.asarray(alphas(n), dtype=np.float64), np.asarray(step_sizes(n), dtype=np.float64)
        # Captum 0.9 builds these nodes with torch.linspace (float32); its definitions, in float64:
        nodes = {"left": np.linspace(0, 1 - 1 / n, n), "right": np.linspace(1 / n, 1, n),
                 "middle": np.linspace(1 / (2 * n), 1 - 1 / (2 * n), n), "captum-trapezoid": np.linspace(0, 1, n)}[rule]
        weights = np.full(n, 1 / n)
        if rule == "captum-trapezoid":
            weights[0] /= 2
            weights[-1] /= 2
        return nodes, weights
    if rule == "trapezoid":  # the textbook rule (algorithms.md)
        weights = np.full(n, 1 / (n - 1))
        weights[0] /= 2
        weights[-1] /= 2
        return np.linspace(0, 1, n), weights
    if rule == "uniform":  # PAIR saliency's IG (algorithms.md)
        return np.linspace(0, 1, n), np.full(n, 1 / n)
    raise ValueError(rule)


def ig_from_definition(f, x, rule, n):
    nodes, weights = rule_nodes_and_weights(rule, n)
    baseline = np.zeros_like(x)
    points = np.stack([baseline + a * (x - baseline) for a in nodes])
    _, gradients = f.values_and_gradients(points)
    return (x - baseline) * np.tensordot(weights, gradients, axes=1)


def idgi_official(gradients, predictions):
    """yangruo1226/IDGI's IDGI(Gradients, Predictions), as published."""
    assert len(gradients) == len(predictions)
    result = np.zeros_like(gradients[0])
    for i in range(len(gradients) - 1):
        d = predictions[i + 1] - predictions[i]
        element_product = gradients[i] ** 2
        result += element_product * d / np.sum(element_product)
    return result


# ---- PAIR saliency adapters ---------------------------------------------------------------------

def pair_call_model(f, hwc):
    """A PAIR call_model_function. With hwc=True the batches are N x H x W x C (BlurIG's layout)."""

    def call(batch, call_model_args=None, expected_keys=None):
        batch = np.asarray(batch, dtype=np.float64)
        chw = np.transpose(batch, (0, 3, 1, 2)) if hwc else batch
        _, gradients = f.values_and_gradients(chw)
        gradients = np.transpose(gradients, (0, 2, 3, 1)) if hwc else gradients
        return {saliency.base.INPUT_OUTPUT_GRADIENTS: gradients}

    return call


def blur_points(x_chw, max_sigma, steps):
    """The blur levels σ_i = i·max_sigma/steps, i = 0..steps, as PAIR's BlurIG blurs (CHW)."""
    hwc = np.transpose(x_chw, (1, 2, 0))
    sigmas = [float(i) * max_sigma / float(steps) for i in range(0, steps + 1)]
    return np.stack([np.transpose(saliency.blur_ig.gaussian_blur(hwc, s), (2, 0, 1)) for s in sigmas])


# ---- This library's seeded noise, ported (Sources/Tensors/Random.swift) ------------------------

M64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M64


class Xoshiro256StarStar:
    def __init__(self, seed):
        mixer = SplitMix64(seed)
        self.s = [mixer.next() for _ in range(4)]

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def derived(self, index):
        mixer = SplitMix64(self.s[0] ^ rotl(self.s[1], 13) ^ ((index & M64) * 0xD1B54A32D192ED03 & M64))
        return Xoshiro256StarStar(mixer.next())

    def uniform(self):
        return (self.next() >> 11) * 2.0 ** -53

    def normal(self):
        u1 = 1 - self.uniform()
        u2 = self.uniform()
        return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def smoothgrad_noisy_inputs(x, samples, fraction, seed):
    sigma = fraction * (x.max() - x.min())
    source = Xoshiro256StarStar(seed)
    noisy = []
    for s in range(samples):
        draw = source.derived(s)
        flat = x.ravel()
        noisy.append(np.array([v + sigma * draw.normal() for v in flat]).reshape(x.shape))
    return np.stack(noisy)


# ---- The cases ----------------------------------------------------------------------------------

def captum_attribute(method_class, f, x, **kwargs):
    return method_class(f.model).attribute(torch.as_tensor(x[None]), target=f.target, **kwargs).detach().numpy()[0]


def main():
    make_models()
    cases = []
    configurations = [("smooth-mlp", 1), ("relu-cnn-rgb", 2), ("cnn-pools", 1)]
    for name, target in configurations:
        directory = os.path.join(GOLDENS, name)
        os.makedirs(directory, exist_ok=True)
        f = Explained(name, target)
        input_shape = json.load(open(os.path.join(ROOT, "pytorch", name, "model.json")))["inputShape"]
        x = np.random.default_rng(100 + target).uniform(0, 1, size=input_shape)
        np.save(os.path.join(directory, "input.npy"), x)
        common = ["--target", str(target), "--output", "probability"]

        def case(label, arguments, attribution, source, tolerance=EXACT):
            file = f"{name}/{label}.npy"
            np.save(os.path.join(GOLDENS, file), np.asarray(attribution, dtype=np.float64))
            cases.append({"name": f"{name} {label}", "model": f"pytorch/{name}", "input": f"goldens/{name}/input.npy",
                          "arguments": arguments + common, "golden": f"goldens/{file}", "tolerance": tolerance, "source": source})

        # Gradient methods (Captum).
        case("gradient", ["--method", "gradient"], captum_attribute(Saliency, f, x, abs=False), "captum Saliency(abs=False)")
        case("input-x-gradient", ["--method", "input-x-gradient"], captum_attribute(InputXGradient, f, x), "captum InputXGradient")
        case("guided-backprop", ["--method", "guided-backprop"], captum_attribute(GuidedBackprop, f, x), "captum GuidedBackprop")

        # IG, every rule, from the rules' definitions in float64.
        for rule in ["left", "right", "middle", "trapezoid", "gauss-legendre", "uniform", "captum-trapezoid"]:
            case(f"ig-{rule}", ["--method", "ig", "--rule", rule, "--steps", "50"], ig_from_definition(f, x, rule, 50),
                 "the rule's node/weight definition (Captum approximation_methods; algorithms.md), float64")
        # IG as Captum and PAIR ship it.
        for rule, captum_method in [("left", "riemann_left"), ("middle", "riemann_middle"), ("gauss-legendre", "gausslegendre"),
                                    ("captum-trapezoid", "riemann_trapezoid")]:
            case(f"ig-{rule}-captum", ["--method", "ig", "--rule", rule, "--steps", "50"],
                 captum_attribute(IntegratedGradients, f, x, n_steps=50, method=captum_method),
                 "captum IntegratedGradients as shipped: float32 nodes (torch.linspace) and weights (.float())", 1e-6)
        pair_ig = saliency.IntegratedGradients().GetMask(x, pair_call_model(f, hwc=False), x_baseline=np.zeros_like(x), x_steps=50, batch_size=50)
        case("ig-uniform-pair", ["--method", "ig", "--rule", "uniform", "--steps", "50"], pair_ig,
             "saliency IntegratedGradients as shipped: sums gradients in float32", 1e-5)

        # IDGI on IG: the official function on α = k/N, k = 0..N.
        n = 50
        points = np.stack([k / n * x for k in range(n + 1)])
        values, gradients = f.values_and_gradients(points)
        case("ig-idgi", ["--method", "ig", "--integrator", "idgi", "--steps", str(n)], idgi_official(list(gradients), list(values)),
             "official IDGI on the IG points k/N")

        # BlurIG (PAIR) and its IDGI version, at PAIR's defaults and at a small σ_max.
        for max_sigma, steps, label in [(50.0, 100, "blur-ig"), (3.0, 30, "blur-ig-sigma3")]:
            hwc = np.transpose(x, (1, 2, 0))
            mask = saliency.BlurIG().GetMask(hwc, pair_call_model(f, hwc=True), max_sigma=max_sigma, steps=steps, grad_step=0.01, batch_size=1)
            arguments = ["--method", "blur-ig", "--max-sigma", str(max_sigma), "--steps", str(steps)]
            case(label, arguments, np.transpose(mask, (2, 0, 1)), "saliency BlurIG as shipped (float64)")
            blurred = blur_points(x, max_sigma, steps)
            values, gradients = f.values_and_gradients(blurred)
            case(label + "-idgi", arguments + ["--integrator", "idgi"], -idgi_official(list(gradients), list(values)),
                 "official IDGI on PAIR's blur levels, input side first, negated")

        # Guided IG (PAIR) and its IDGI version on the points it visits.
        for max_dist, label in [(0.02, "guided-ig"), (1.0, "guided-ig-unbounded")]:
            visited = []

            def recording(batch, call_model_args=None, expected_keys=None):
                visited.append(np.asarray(batch[0], dtype=np.float64).copy())
                return pair_call_model(f, hwc=False)(batch, call_model_args, expected_keys)

            mask = saliency.GuidedIG().GetMask(x, recording, x_baseline=np.zeros_like(x), x_steps=60, fraction=0.25, max_dist=max_dist)
            arguments = ["--method", "guided-ig", "--steps", "60", "--max-dist", str(max_dist)]
            case(label, arguments, mask, "saliency GuidedIG as shipped (float64; np.quantile method= for numpy >= 2.4)")
            path = np.stack(visited + [x])
            values, gradients = f.values_and_gradients(path)
            case(label + "-idgi", arguments + ["--integrator", "idgi"], idgi_official(list(gradients), list(values)),
                 "official IDGI on the points PAIR's Guided IG visits, ending at the input")

        # SmoothGrad over the gradient, on this library's seeded noise.
        noisy = smoothgrad_noisy_inputs(x, samples=5, fraction=0.15, seed=7)
        maps = np.stack([captum_attribute(Saliency, f, p, abs=False) for p in noisy])
        for smoothing, aggregate in [("mean", maps.mean(0)), ("squared", (maps ** 2).mean(0)),
                                     ("vargrad", (maps ** 2).mean(0) - maps.mean(0) ** 2)]:
            case(f"smoothgrad-{smoothing}", ["--method", "smoothgrad", "--samples", "5", "--noise", "0.15", "--seed", "7", "--smoothing", smoothing],
                 aggregate, "captum Saliency(abs=False) on xoshiro256** noise (ported), aggregated in numpy")

    with open(os.path.join(GOLDENS, "cases.json"), "w") as out:
        json.dump({"cases": cases}, out, indent=1)
        out.write("\n")
    print(f"wrote {len(cases)} cases for {len(configurations)} models to {GOLDENS}")


if __name__ == "__main__":
    main()
