"""Checks this library's DEFLATE and PNG writer with Python's zlib and PIL, and commits what it checked.

Run by hand from the repository root after a build (made with numpy 2.4.6, Pillow 12):

    swift build && python3 Fixtures/deflate/check_with_zlib.py [path/to/attribute]

For each image below (written here as <name>.npy, float32), it runs
`attribute evaluate --metric information --input <name>.npy --png-out <name>.png`, then
  - decompresses the PNG's IDAT with zlib.decompress (which also checks the Adler-32),
  - undoes each row's filter and compares the pixels with round(255 * clip(x, 0, 1)),
  - decodes the file with PIL and compares again,
and records the byte lengths (and what stored blocks would take) in zlib-checked.json. The Swift
test (Tests/EvaluationTests) requires InformationLevel.png to give exactly these bytes again, so
any change to the compressor must be re-checked here.
"""
import json
import os
import subprocess
import sys
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
rng = np.random.default_rng(2026)


def images():
    yy, xx = np.meshgrid(np.linspace(0, 1, 160), np.linspace(0, 1, 128), indexing="ij")
    return {
        "digit": np.load(os.path.join(ROOT, "Fixtures", "models", "digits-cnn", "example-input.npy")),
        "shapes": np.load(os.path.join(ROOT, "Fixtures", "models", "shapes-cnn", "example-input.npy")),
        "noise-rgb": rng.uniform(0, 1, (3, 32, 32)),
        "constant": np.full((1, 10, 10), 0.25),
        "two-planes": rng.uniform(0, 1, (2, 6, 7)),
        "large-textured": (0.5 + 0.3 * np.sin(20 * xx) * np.cos(15 * yy) + 0.1 * rng.standard_normal((160, 128)))[None],
    }


def unfilter(raw, width, height, channels):
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int64)
    for r in range(height):
        kind = raw[r * (stride + 1)]
        line = np.frombuffer(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)], dtype=np.uint8).astype(np.int64)
        for i in range(stride):
            a = out[r, i - channels] if i >= channels else 0
            b = out[r - 1, i] if r > 0 else 0
            c = out[r - 1, i - channels] if r > 0 and i >= channels else 0
            if kind == 0:
                p = 0
            elif kind == 1:
                p = a
            elif kind == 2:
                p = b
            elif kind == 3:
                p = (a + b) // 2
            else:
                pp = a + b - c
                pa, pb, pc = abs(pp - a), abs(pp - b), abs(pp - c)
                p = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[r, i] = (line[i] + p) % 256
    return out.astype(np.uint8)


def main():
    attribute = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build", "debug", "attribute")
    record = {}
    for name, image in images().items():
        npy = os.path.join(HERE, f"{name}.npy")
        png_path = os.path.join(HERE, f"{name}.png")
        np.save(npy, image.astype(np.float32))
        image = np.load(npy).astype(np.float64)
        subprocess.run([attribute, "evaluate", "--metric", "information", "--input", npy, "--png-out", png_path],
                       check=True, stdout=subprocess.DEVNULL)
        png = open(png_path, "rb").read()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        offset, idat, header = 8, b"", None
        while offset < len(png):
            length = int.from_bytes(png[offset:offset + 4], "big")
            kind = png[offset + 4:offset + 8]
            body = png[offset + 8:offset + 8 + length]
            assert zlib.crc32(kind + body) == int.from_bytes(png[offset + 8 + length:offset + 12 + length], "big"), name
            if kind == b"IHDR":
                header = body
            elif kind == b"IDAT":
                idat += body
            offset += 12 + length
        width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
        channels = 3 if header[9] == 2 else 1
        raw = zlib.decompress(idat)  # checks the DEFLATE stream and its Adler-32
        pixels = unfilter(raw, width, height, channels)
        quantized = np.floor(np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)
        expected = np.transpose(quantized, (1, 2, 0)).reshape(height, width * 3) if channels == 3 else quantized.reshape(height, width)
        assert (pixels == expected).all(), name
        decoded = np.asarray(Image.open(png_path))
        assert (decoded.reshape(expected.shape) == expected).all(), name
        stored = len(raw) + 5 * ((len(raw) + 65534) // 65535) + 6
        record[name] = {"bytes": len(png), "scanlineBytes": len(raw), "zlibBytes": len(idat), "storedZlibBytes": stored}
        print(f"{name}: {len(png)} bytes; zlib stream {len(idat)} against {stored} stored; zlib and PIL agree")
    with open(os.path.join(HERE, "zlib-checked.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
