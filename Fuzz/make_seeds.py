"""Writes the fuzzers' seed corpora from the committed fixtures (run by Fuzz/run.sh).

    python3 Fuzz/make_seeds.py OUT_DIR

OUT_DIR/npy/: every .npy file under Fixtures/npy. OUT_DIR/onnx/: every .onnx file under
Fixtures/onnx. OUT_DIR/model-directory/: each model directory
under Fixtures/models and Fixtures/pytorch as one container for fuzz-model-directory
(u16 manifest length, manifest, then per file: u8 name length, name, u32 length, bytes).
"""
import os
import shutil
import struct
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def main(out):
    npy = os.path.join(out, "npy")
    models = os.path.join(out, "model-directory")
    os.makedirs(npy, exist_ok=True)
    os.makedirs(models, exist_ok=True)
    onnx = os.path.join(out, "onnx")
    os.makedirs(onnx, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(ROOT, "Fixtures", "onnx"))):
        if name.endswith(".onnx"):
            shutil.copy(os.path.join(ROOT, "Fixtures", "onnx", name), onnx)
    for name in sorted(os.listdir(os.path.join(ROOT, "Fixtures", "npy"))):
        if name.endswith(".npy"):
            shutil.copy(os.path.join(ROOT, "Fixtures", "npy", name), npy)
    for group in ["models", "pytorch"]:
        base = os.path.join(ROOT, "Fixtures", group)
        for model in sorted(os.listdir(base)):
            directory = os.path.join(base, model)
            manifest = open(os.path.join(directory, "model.json"), "rb").read()
            blob = struct.pack("<H", len(manifest)) + manifest
            for name in sorted(os.listdir(directory)):
                if name.endswith(".npy") and name.startswith("layer"):
                    data = open(os.path.join(directory, name), "rb").read()
                    blob += struct.pack("<B", len(name)) + name.encode() + struct.pack("<I", len(data)) + data
            open(os.path.join(models, f"{group}-{model}"), "wb").write(blob)


if __name__ == "__main__":
    main(sys.argv[1])
