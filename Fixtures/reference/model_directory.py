"""The PathAttribution model directory in PyTorch: export a torch.nn.Sequential, load one back.

The format (README, "The model directory"): model.json plus one .npy file per parameter, in
PyTorch's own layouts (Linear weight [out, in]; Conv2d weight [O, C, kh, kw]). Only what the
format describes is supported: Linear, Conv2d (zero padding, one stride and padding for both
axes), ReLU, LeakyReLU, Softplus (beta 1), Tanh, Sigmoid, MaxPool2d and AvgPool2d (no padding,
square windows), Flatten.
"""
import json
import os

import numpy as np
import torch
from torch import nn


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


def save_model_directory(model: nn.Sequential, input_shape, directory):
    """Writes `model` as a model directory; returns the manifest it wrote."""
    os.makedirs(directory, exist_ok=True)
    layers = []
    for index, module in enumerate(model):
        def parameter(tensor, role):
            name = f"layer{index}.{role}.npy"
            np.save(os.path.join(directory, name), tensor.detach().to(torch.float64).cpu().numpy())
            return name

        if isinstance(module, nn.Linear):
            layer = {"kind": "dense", "weight": parameter(module.weight, "weight")}
            if module.bias is not None:
                layer["bias"] = parameter(module.bias, "bias")
        elif isinstance(module, nn.Conv2d):
            stride, padding = _pair(module.stride), _pair(module.padding)
            assert stride[0] == stride[1] and padding[0] == padding[1], "one stride and padding for both axes"
            assert module.padding_mode == "zeros" and module.groups == 1 and _pair(module.dilation) == (1, 1)
            layer = {"kind": "conv2d", "weight": parameter(module.weight, "weight")}
            if module.bias is not None:
                layer["bias"] = parameter(module.bias, "bias")
            layer.update(stride=stride[0], padding=padding[0])
        elif isinstance(module, nn.ReLU):
            layer = {"kind": "relu"}
        elif isinstance(module, nn.LeakyReLU):
            layer = {"kind": "leakyrelu", "slope": module.negative_slope}
        elif isinstance(module, nn.Softplus):
            assert module.beta == 1, "softplus with beta 1 only"
            layer = {"kind": "softplus"}
        elif isinstance(module, nn.Tanh):
            layer = {"kind": "tanh"}
        elif isinstance(module, nn.Sigmoid):
            layer = {"kind": "sigmoid"}
        elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            size, stride = _pair(module.kernel_size), _pair(module.stride)
            assert size[0] == size[1] and stride[0] == stride[1] and _pair(module.padding) == (0, 0)
            assert not module.ceil_mode
            layer = {"kind": "maxpool2d" if isinstance(module, nn.MaxPool2d) else "avgpool2d", "size": size[0], "stride": stride[0]}
        elif isinstance(module, nn.Flatten):
            assert module.start_dim == 1 and module.end_dim == -1
            layer = {"kind": "flatten"}
        else:
            raise ValueError(f"layer {index}: {type(module).__name__} has no model-directory kind")
        layers.append(layer)

    with torch.no_grad():
        classes = model(torch.zeros((1, *input_shape), dtype=next(model.parameters()).dtype)).shape[1]
    manifest = {"format": "pathattribution.model", "version": 1, "inputShape": list(input_shape),
                "classes": int(classes), "layers": layers}
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest


def load_model_directory(directory) -> nn.Sequential:
    """Builds a float64 torch.nn.Sequential from a model directory."""
    with open(os.path.join(directory, "model.json")) as f:
        manifest = json.load(f)
    assert manifest["format"] == "pathattribution.model" and manifest["version"] == 1

    def array(name):
        return torch.from_numpy(np.load(os.path.join(directory, name)).astype(np.float64))

    modules = []
    for layer in manifest["layers"]:
        kind = layer["kind"]
        if kind == "dense":
            weight = array(layer["weight"])
            module = nn.Linear(weight.shape[1], weight.shape[0], bias="bias" in layer, dtype=torch.float64)
            with torch.no_grad():
                module.weight.copy_(weight)
                if "bias" in layer:
                    module.bias.copy_(array(layer["bias"]))
        elif kind == "conv2d":
            weight = array(layer["weight"])
            module = nn.Conv2d(weight.shape[1], weight.shape[0], tuple(weight.shape[2:]), stride=layer.get("stride", 1),
                               padding=layer.get("padding", 0), bias="bias" in layer, dtype=torch.float64)
            with torch.no_grad():
                module.weight.copy_(weight)
                if "bias" in layer:
                    module.bias.copy_(array(layer["bias"]))
        elif kind == "relu":
            module = nn.ReLU()
        elif kind == "leakyrelu":
            module = nn.LeakyReLU(layer.get("slope", 0.01))
        elif kind == "softplus":
            module = nn.Softplus()
        elif kind == "tanh":
            module = nn.Tanh()
        elif kind == "sigmoid":
            module = nn.Sigmoid()
        elif kind in ("maxpool2d", "avgpool2d"):
            size = layer["size"]
            stride = layer.get("stride", size)
            module = nn.MaxPool2d(size, stride) if kind == "maxpool2d" else nn.AvgPool2d(size, stride)
        elif kind == "flatten":
            module = nn.Flatten()
        else:
            raise ValueError(f"unknown layer kind {kind}")
        modules.append(module)
    return nn.Sequential(*modules)
