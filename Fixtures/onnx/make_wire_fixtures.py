"""Writes the ONNX files the Swift ONNX reader is tested on, and what the `onnx` package
itself reads from them (the independent parse the Swift tests compare with).

    python3 Fixtures/onnx/make_wire_fixtures.py        # needs: pip install onnx torch

Files (in this folder):
  wire-small.onnx / .json   a graph built with onnx.helper that uses every attribute kind the
                            reader decodes (float, int, string, tensor, floats, ints, strings),
                            initializers as FLOAT raw_data, FLOAT float_data, DOUBLE raw_data,
                            DOUBLE double_data, INT64 int64_data and INT32 int32_data, a
                            symbolic batch dimension, an unknown one, and a Constant node
  resnet-block.onnx / .json a BasicBlock-style residual block with BatchNorm, exported by
                            torch.onnx.export(..., dynamo=False, opset_version=17) in float32
The JSON files hold what onnx.load reads: nodes with their attributes, initializers with
their values (float32 values as the doubles they are exactly), inputs and outputs with shapes.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def tensor_json(t):
    array = numpy_helper.to_array(t)
    return {
        "name": t.name,
        "dims": list(t.dims),
        "dataType": t.data_type,
        "values": [float(v) for v in array.astype(np.float64).reshape(-1)] if t.data_type in (1, 6, 7, 11) else None,
    }


def attribute_json(a):
    kinds = {1: "float", 2: "int", 3: "string", 4: "tensor", 6: "floats", 7: "ints", 8: "strings"}
    kind = kinds.get(a.type, "other")
    if kind == "float":
        value = float(np.float32(a.f))
    elif kind == "int":
        value = int(a.i)
    elif kind == "string":
        value = a.s.decode("utf-8")
    elif kind == "tensor":
        value = tensor_json(a.t)
    elif kind == "floats":
        value = [float(np.float32(v)) for v in a.floats]
    elif kind == "ints":
        value = [int(v) for v in a.ints]
    elif kind == "strings":
        value = [s.decode("utf-8") for s in a.strings]
    else:
        value = None
    return {"name": a.name, "kind": kind, "value": value}


def value_info_json(v):
    shape = None
    t = v.type.tensor_type
    if t.HasField("shape"):
        shape = []
        for d in t.shape.dim:
            if d.HasField("dim_value"):
                shape.append(int(d.dim_value))
            elif d.HasField("dim_param"):
                shape.append(d.dim_param)
            else:
                shape.append(None)
    return {"name": v.name, "elemType": t.elem_type, "shape": shape}


def model_json(path):
    m = onnx.load(path)
    g = m.graph
    return {
        "irVersion": m.ir_version,
        "producerName": m.producer_name,
        "opsets": [[o.domain, o.version] for o in m.opset_import],
        "graph": {
            "name": g.name,
            "nodes": [
                {"name": n.name, "opType": n.op_type, "domain": n.domain, "inputs": list(n.input), "outputs": list(n.output),
                 "attributes": [attribute_json(a) for a in n.attribute]}
                for n in g.node
            ],
            "initializers": [tensor_json(t) for t in g.initializer],
            "inputs": [value_info_json(v) for v in g.input],
            "outputs": [value_info_json(v) for v in g.output],
        },
    }


def write(name, model_path):
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(model_json(model_path), f, indent=1)
        f.write("\n")


def wire_small():
    rng = np.random.default_rng(20261205)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    inits = [
        numpy_helper.from_array(w, "conv.weight"),  # FLOAT, raw_data
        helper.make_tensor("conv.bias", TensorProto.FLOAT, [4], rng.standard_normal(4).astype(np.float32).tolist(), raw=False),
        numpy_helper.from_array(rng.standard_normal((10, 4)), "fc.weight"),  # DOUBLE, raw_data
        helper.make_tensor("fc.bias", TensorProto.DOUBLE, [10], rng.standard_normal(10).tolist(), raw=False),
        helper.make_tensor("shape", TensorProto.INT64, [2], [-1, 4], raw=False),
        helper.make_tensor("axes", TensorProto.INT32, [3], [0, -2, 7], raw=False),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                         strides=[1, 1], dilations=[1, 1], group=1, auto_pad="NOTSET"),
        helper.make_node("LeakyRelu", ["c"], ["r"], name="leaky", alpha=0.125),
        helper.make_node("Constant", [], ["lo"], name="lo", value=helper.make_tensor("lo_value", TensorProto.FLOAT, [], [0.0])),
        helper.make_node("Constant", [], ["hi"], value=helper.make_tensor("hi_value", TensorProto.FLOAT, [], [6.0])),
        helper.make_node("Clip", ["r", "lo", "hi"], ["k"], name="clip"),
        helper.make_node("GlobalAveragePool", ["k"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["f"], name="reshape"),
        helper.make_node("Cast", ["f"], ["d"], name="cast", to=TensorProto.DOUBLE),
        helper.make_node("Gemm", ["d", "fc.weight", "fc.bias"], ["y"], name="fc", alpha=1.0, beta=0.5, transB=1),
        helper.make_node("Custom", ["y"], ["z"], name="every-kind", domain="test.pathattribution",
                         scales=[0.5, -1.25, 3e-8], sizes=[1, -2, 1 << 40], names=["a", "bé"], note="ünïcode", ratio=2.5e-3),
    ]
    graph = helper.make_graph(
        nodes, "wire-small",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 8, 8]),
         helper.make_tensor_value_info("w_unknown", TensorProto.FLOAT, [None, 2])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["batch", 10]),
         helper.make_tensor_value_info("z", TensorProto.DOUBLE, None)],
        initializer=inits)
    model = helper.make_model(graph, producer_name="pathattribution-fixtures",
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("test.pathattribution", 1)])
    path = os.path.join(HERE, "wire-small.onnx")
    onnx.save(model, path)
    write("wire-small", path)


def resnet_block():
    import torch

    from export_sequential_goldens import Block  # the one residual block both scripts export

    torch.manual_seed(0)
    block = Block()
    for bn in (block.bn1, block.bn2):
        bn.running_mean.uniform_(-0.5, 0.5)
        bn.running_var.uniform_(0.5, 1.5)
    block.eval()
    path = os.path.join(HERE, "resnet-block.onnx")
    torch.onnx.export(block, torch.zeros(1, 2, 6, 6), path, dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["logits"], dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
    write("resnet-block", path)


if __name__ == "__main__":
    wire_small()
    resnet_block()
    print("wrote wire-small and resnet-block (.onnx and .json) in", HERE)
