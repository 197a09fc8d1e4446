"""The PathAttribution model directory in PyTorch: export a torch.nn.Sequential, load one back.

The format (README, "The model directory"): model.json plus one .npy file per parameter, in
PyTorch's own layouts (Linear weight [out, in]; Conv2d weight [O, C, kh, kw]). What the format
expresses: Linear, Conv2d (zero padding, one stride and one padding for both axes), ReLU,
LeakyReLU, Softplus (beta 1, threshold 20), Tanh, Sigmoid, SiLU, MaxPool2d and AvgPool2d (square
windows, no padding, floor mode), Flatten (from dim 1).

Bring your own model (README, "Bring your own model"):

    python3 Fixtures/reference/model_directory.py export MODEL.pt OUT_DIR --input-shape C H W

MODEL.pt is `torch.save(model, "MODEL.pt")` of an nn.Sequential (nested Sequentials are
flattened). The exporter
  - folds each eval-mode BatchNorm1d/BatchNorm2d into the Linear/Conv2d right before it
    (W' = s W, b' = s (b - mean) + beta, s = gamma / sqrt(var + eps), per output channel);
  - drops Dropout (every kind) and Identity, which do nothing in eval mode;
  - turns Conv2d(padding="same") into integers where that is expressible (stride 1, odd square
    kernel), and padding="valid" into 0;
  - refuses, naming the layer and what to do, anything the format cannot express: residual
    connections or any other module that is not a layer above, ceil_mode, dilation, groups,
    padding modes other than zeros, per-axis strides or paddings, a BatchNorm that does not
    directly follow a Linear or Conv2d;
  - writes into a temporary folder beside OUT_DIR and renames it into place, so a failed export
    leaves nothing; OUT_DIR must not exist yet;
  - finally loads the written directory back into PyTorch and compares its logits with the
    original model's (eval mode, float64) on 16 seeded inputs: they must agree to 1e-10
    relative, or the folder is removed and the export fails.
Needs: Python 3 with numpy and torch.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch
from torch import nn


class ExportError(Exception):
    """A model the format cannot express; the message says which layer and what to do."""


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
        elif isinstance(module, nn.SiLU):
            layer = {"kind": "silu"}
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
        elif kind == "silu":
            module = nn.SiLU()
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


DROPPED = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout, nn.Identity)
LAYERS = (nn.Linear, nn.Conv2d, nn.ReLU, nn.LeakyReLU, nn.Softplus, nn.Tanh, nn.Sigmoid, nn.SiLU, nn.MaxPool2d, nn.AvgPool2d, nn.Flatten)


def _flattened(model, prefix=""):
    """(name, module) for every module of a Sequential, nested Sequentials opened up."""
    for name, module in model.named_children():
        qualified = f"{prefix}{name}"
        if isinstance(module, nn.Sequential):
            yield from _flattened(module, qualified + ".")
        else:
            yield qualified, module


def _describe(name, module):
    return f"layer {name} ({type(module).__name__})"


def _rebuilt(layer, weight, bias, padding=None):
    """A new float64 Linear or Conv2d like `layer`, with these parameters (and padding)."""
    if isinstance(layer, nn.Linear):
        fresh = nn.Linear(layer.in_features, layer.out_features, bias=bias is not None, dtype=torch.float64)
    else:
        fresh = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                          padding=layer.padding if padding is None else padding, bias=bias is not None, dtype=torch.float64)
    with torch.no_grad():
        fresh.weight.copy_(weight)
        if bias is not None:
            fresh.bias.copy_(bias)
    return fresh


def _fold(layer, norm):
    """`layer` (Linear or Conv2d) with the eval-mode BatchNorm `norm` folded in:
    s = gamma / sqrt(var + eps) per output channel, W' = s W, b' = s (b - mean) + beta."""
    if not norm.track_running_stats or norm.running_mean is None:
        raise ExportError("it keeps no running statistics (track_running_stats=False), so eval mode has nothing to fold")
    with torch.no_grad():
        gamma = norm.weight.double() if norm.affine else torch.ones_like(norm.running_var, dtype=torch.float64)
        beta = norm.bias.double() if norm.affine else torch.zeros_like(norm.running_mean, dtype=torch.float64)
        scale = gamma / torch.sqrt(norm.running_var.double() + norm.eps)
        weight = layer.weight.double() * scale.reshape(-1, *([1] * (layer.weight.dim() - 1)))
        bias = layer.bias.double() if layer.bias is not None else torch.zeros_like(scale)
        return _rebuilt(layer, weight, (bias - norm.running_mean.double()) * scale + beta)


def _resolve_padding(name, conv):
    """Conv2d padding as one integer, or an ExportError saying why it cannot be one."""
    if conv.padding == "valid":
        return 0
    if conv.padding == "same":
        kernel = _pair(conv.kernel_size)
        if _pair(conv.stride) != (1, 1) or kernel[0] != kernel[1] or kernel[0] % 2 == 0:
            raise ExportError(f"{_describe(name, conv)}: padding='same' with kernel {kernel} and stride {conv.stride} pads unevenly "
                              "or differently per axis; the format has one padding for all four sides: use an odd square kernel "
                              "with stride 1, or give an explicit integer padding")
        return (kernel[0] - 1) // 2
    padding = _pair(conv.padding)
    if padding[0] != padding[1]:
        raise ExportError(f"{_describe(name, conv)}: padding {padding} differs per axis; the format has one padding: use equal paddings")
    return padding[0]


def simplified(model, input_shape):
    """`model`'s layers as the format can write them: BatchNorms folded, Dropout and Identity
    dropped, padding resolved. Raises ExportError for anything it cannot express."""
    if not isinstance(model, nn.Sequential):
        raise ExportError(f"the model is a {type(model).__name__}, not an nn.Sequential: the format is a sequence of layers; "
                          "rewrite it as nn.Sequential (residual connections cannot be expressed)")
    layers = []
    names = []
    for name, module in _flattened(model):
        if isinstance(module, DROPPED):
            continue
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            previous = layers[-1] if layers else None
            wanted = nn.Linear if isinstance(module, nn.BatchNorm1d) else nn.Conv2d
            if not isinstance(previous, wanted):
                follows = _describe(names[-1], previous) if previous is not None else "the input"
                raise ExportError(f"{_describe(name, module)} follows {follows}, not a {wanted.__name__}: only a BatchNorm "
                                  f"directly after a {wanted.__name__} can be folded into it; move it there or remove it")
            try:
                layers[-1] = _fold(previous, module)
            except ExportError as error:
                raise ExportError(f"{_describe(name, module)}: {error}") from None
            continue
        if not isinstance(module, LAYERS):
            raise ExportError(f"{_describe(name, module)}: the format has no such layer (residual connections, attention, "
                              "normalisations other than a foldable BatchNorm and custom modules cannot be expressed); "
                              "export a model built from " + ", ".join(t.__name__ for t in LAYERS))
        if isinstance(module, nn.Conv2d):
            if _pair(module.dilation) != (1, 1):
                raise ExportError(f"{_describe(name, module)}: dilation {module.dilation} cannot be expressed; use dilation 1")
            if module.groups != 1:
                raise ExportError(f"{_describe(name, module)}: groups={module.groups} cannot be expressed; use groups=1")
            if module.padding_mode != "zeros":
                raise ExportError(f"{_describe(name, module)}: padding_mode={module.padding_mode!r} cannot be expressed; use 'zeros'")
            stride = _pair(module.stride)
            if stride[0] != stride[1]:
                raise ExportError(f"{_describe(name, module)}: stride {stride} differs per axis; use one stride for both")
            padding = _resolve_padding(name, module)
            if module.padding != (padding, padding):
                module = _rebuilt(module, module.weight.detach().double(),
                                  None if module.bias is None else module.bias.detach().double(), padding=padding)
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            if module.weight.numel() == 0:
                raise ExportError(f"{_describe(name, module)}: it has no weights (a zero-sized shape {tuple(module.weight.shape)}); "
                                  "give every layer at least one input and one output")
            for role, tensor in (("weight", module.weight), ("bias", module.bias)):
                if tensor is not None and not torch.isfinite(tensor).all():
                    raise ExportError(f"{_describe(name, module)}: its {role} holds NaN or infinite values; train or load finite weights")
        if isinstance(module, nn.MaxPool2d) and module.return_indices:
            raise ExportError(f"{_describe(name, module)}: return_indices=True returns a tuple, not a tensor; use return_indices=False")
        if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
            if module.ceil_mode:
                raise ExportError(f"{_describe(name, module)}: ceil_mode=True cannot be expressed; use ceil_mode=False")
            if _pair(module.padding) != (0, 0):
                raise ExportError(f"{_describe(name, module)}: padding {module.padding} cannot be expressed; pad with a Conv2d or not at all")
            if isinstance(module, nn.MaxPool2d) and _pair(module.dilation) != (1, 1):
                raise ExportError(f"{_describe(name, module)}: dilation {module.dilation} cannot be expressed; use dilation 1")
            size, stride = _pair(module.kernel_size), _pair(module.stride if module.stride is not None else module.kernel_size)
            if size[0] != size[1] or stride[0] != stride[1]:
                raise ExportError(f"{_describe(name, module)}: window {size} and stride {stride} must be square")
        if isinstance(module, nn.Softplus) and (module.beta != 1 or module.threshold != 20):
            raise ExportError(f"{_describe(name, module)}: Softplus(beta={module.beta}, threshold={module.threshold}) cannot be expressed; use beta 1")
        if isinstance(module, nn.Flatten) and (module.start_dim != 1 or module.end_dim != -1):
            raise ExportError(f"{_describe(name, module)}: Flatten(start_dim={module.start_dim}) cannot be expressed; flatten from dim 1")
        layers.append(module)
        names.append(name)
    if not layers:
        raise ExportError("the model has no layers; export an nn.Sequential of the layers listed in the README")
    if not any(isinstance(layer, (nn.Linear, nn.Conv2d)) for layer in layers):
        raise ExportError("the model has no Linear or Conv2d layer, so no parameters: it cannot be a trained classifier; export one that has")
    return nn.Sequential(*layers)


def _load(model_file):
    """The nn.Sequential saved in `model_file`, or an ExportError saying what the file holds instead."""
    if not os.path.isfile(model_file):
        raise ExportError(f"{model_file}: no such file; give the file torch.save(model, path) wrote")
    if os.path.getsize(model_file) == 0:
        raise ExportError(f"{model_file}: the file is empty; save the model with torch.save(model, path)")
    try:
        model = torch.load(model_file, map_location="cpu", weights_only=False)
    except AttributeError as error:
        # A pickle of a class the saving script defined (in its __main__) cannot be loaded elsewhere.
        raise ExportError(f"{model_file}: it pickles a class this process cannot find ({error}); save an nn.Sequential of "
                          "torch.nn layers, or export from a script that defines or imports that class") from None
    except Exception as error:
        raise ExportError(f"{model_file}: not a model torch.save wrote ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
                          "save it with torch.save(model, path)") from None
    if isinstance(model, dict):
        raise ExportError(f"{model_file}: it holds a dict (a state_dict?), not a model: build the nn.Sequential, call "
                          "load_state_dict on it, and torch.save the model itself")
    if not isinstance(model, nn.Module):
        raise ExportError(f"{model_file}: it holds a {type(model).__name__}, not a torch model; save an nn.Sequential with torch.save(model, path)")
    return model


def export(model_file, directory, input_shape):
    """Exports the nn.Sequential saved in `model_file` to a new model directory; returns the
    largest relative logit difference of the round trip."""
    if os.path.exists(directory):
        raise ExportError(f"{directory} exists already; remove it or choose another folder (the export never overwrites)")
    parent = os.path.dirname(os.path.abspath(directory))
    if not os.path.isdir(parent):
        raise ExportError(f"the folder {parent} does not exist; create it first")
    if not input_shape or any(extent < 1 for extent in input_shape):
        raise ExportError(f"--input-shape {' '.join(map(str, input_shape))}: every extent must be ≥ 1 (C H W for images, N for vectors)")
    model = _load(model_file).double().eval()
    layers = simplified(model, input_shape)
    with torch.no_grad():
        try:
            probe = model(torch.zeros((1, *input_shape), dtype=torch.float64))
        except Exception as error:
            raise ExportError(f"the model cannot take inputs of shape {tuple(input_shape)} ({str(error).splitlines()[0]}); "
                              "give --input-shape the shape of one input without the batch axis") from None
    if not isinstance(probe, torch.Tensor) or probe.dim() != 2 or probe.shape[1] < 2:
        shape = tuple(probe.shape) if isinstance(probe, torch.Tensor) else type(probe).__name__
        raise ExportError(f"the model's output has shape {shape}; it must be logits [N, classes] with at least 2 classes: "
                          "end the network with Flatten and Linear")
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(directory)}.partial-", dir=parent)
    try:
        save_model_directory(layers, input_shape, staging)
        loaded = load_model_directory(staging).double().eval()
        generator = torch.Generator().manual_seed(0)
        inputs = torch.rand((16, *input_shape), generator=generator, dtype=torch.float64)
        with torch.no_grad():
            expected = model(inputs)
            got = loaded(inputs)
        if not torch.isfinite(expected).all():
            raise ExportError("the model's own logits are not finite on inputs in [0, 1) (its weights overflow double precision); "
                              "nothing was written")
        scale = expected.abs().max().item()
        difference = (got - expected).abs().max().item() / (scale if scale > 0 else 1)
        if not difference <= 1e-10:
            raise ExportError(f"the written model's logits differ from the original's by {difference:.3g} (relative), more than "
                              "1e-10: the model uses something the format does not reproduce; nothing was written")
        os.rename(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return difference


def main(arguments=None):
    parser = argparse.ArgumentParser(description="Export a saved torch.nn.Sequential as a PathAttribution model directory.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("export", help="MODEL.pt (torch.save of an nn.Sequential) to a new model directory")
    command.add_argument("model", help="the file torch.save(model, ...) wrote")
    command.add_argument("directory", help="the model directory to create (must not exist)")
    command.add_argument("--input-shape", type=int, nargs="+", required=True, metavar="N",
                         help="the shape of one input without the batch axis: C H W for images, N for vectors")
    options = parser.parse_args(arguments)
    try:
        difference = export(options.model, options.directory, tuple(options.input_shape))
    except (ExportError, OSError) as error:
        print(f"model_directory.py: {error}", file=sys.stderr)
        return 1
    print(f"wrote {options.directory}; its logits match the original model's to {difference:.2g} (relative)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
