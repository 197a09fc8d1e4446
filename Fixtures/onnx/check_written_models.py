"""Checks the ONNX files this library writes with two independent readers, and records what
they compute, for the Swift tests to compare with the library's own logits.

    python3 Fixtures/onnx/check_written_models.py     # needs: pip install onnx onnxruntime numpy

For each model directory named below (written by `swift run -c release train-fixtures`):
  model.onnx           float64, the network's bits: validated by onnx.checker (full check,
                       shape inference included) and run by onnx's reference evaluator
                       (numpy, float64) on check/inputs.npy
  model-float32.onnx   the same network with float32 weights: validated, and run by
                       onnxruntime's CPU provider (its convolution has no float64 kernel)
Written beside them, in check/:
  onnx-reference-logits.npy   the reference evaluator's logits (float64)
  onnxruntime-logits.npy      onnxruntime's logits (float32, stored as float64)
  onnx-check.json             the package versions and each runtime's largest difference
                              from check/logits.npy (the library's logits)
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "models")
NAMES = ["shapes-resnet"]


def run(name):
    folder = os.path.join(MODELS, name)
    check = os.path.join(folder, "check")
    inputs = np.load(os.path.join(check, "inputs.npy"))
    expected = np.load(os.path.join(check, "logits.npy"))

    exact_path = os.path.join(folder, "model.onnx")
    single_path = os.path.join(folder, "model-float32.onnx")
    for path in (exact_path, single_path):
        onnx.checker.check_model(onnx.load(path), full_check=True)

    reference = ReferenceEvaluator(exact_path)
    reference_logits = reference.run(None, {"input": inputs.astype(np.float64)})[0]
    session = onnxruntime.InferenceSession(single_path, providers=["CPUExecutionProvider"])
    runtime_logits = session.run(None, {"input": inputs.astype(np.float32)})[0].astype(np.float64)

    np.save(os.path.join(check, "onnx-reference-logits.npy"), reference_logits)
    np.save(os.path.join(check, "onnxruntime-logits.npy"), runtime_logits)
    scale = float(np.max(np.abs(expected)))
    summary = {
        "model": name,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "numpy": np.__version__,
        "points": int(inputs.shape[0]),
        "largestLogit": scale,
        "referenceEvaluatorMaxAbsDifference": float(np.max(np.abs(reference_logits - expected))),
        "onnxruntimeFloat32MaxAbsDifference": float(np.max(np.abs(runtime_logits - expected))),
        "onnxruntimeSamePredictions": bool(np.all(runtime_logits.argmax(1) == expected.argmax(1))),
    }
    with open(os.path.join(check, "onnx-check.json"), "w") as f:
        json.dump(summary, f, indent=2)
        f.write("\n")
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    for model_name in sys.argv[1:] or NAMES:
        run(model_name)
