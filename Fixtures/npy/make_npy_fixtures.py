"""Writes the NPY interoperability fixtures with numpy itself.

Run by hand from the repository root (any numpy >= 1.17; these were made with numpy 2.4):

    python3 Fixtures/npy/make_npy_fixtures.py

Every array's values follow a formula the Swift test recomputes independently
(Tests/ArrayFormatsTests/NPYInteroperabilityTests.swift), so the test checks the reader
element by element; for the float64 version-1 files it also checks that the Swift writer
produces the same bytes numpy.save produced.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, array, version=None):
    path = os.path.join(HERE, name)
    if version is None:
        np.save(path, array)  # numpy picks version 1 for these small headers
    else:
        with open(path, "wb") as f:
            np.lib.format.write_array(f, array, version=version)
    print(f"{name}: dtype {array.dtype.str} shape {array.shape} version {version or (1, 0)}")


# Readable files: the formulas must match the Swift test's.
save("f8-0d-v1.npy", np.array(3.25))
save("f8-1d-v1.npy", np.array([-0.0, 5e-324, 1.7976931348623157e308, -1e-300, np.pi, 1 / 3, -2.5]))
save("f8-2d-v1.npy", np.arange(15, dtype=np.float64).reshape(3, 5) * 0.1 - 0.7)
save("f8-4d-v1.npy", np.arange(24, dtype=np.float64).reshape(2, 1, 3, 4) * 0.25)
save("f8-empty-v1.npy", np.zeros((2, 0)))
save("f4-3d-v1.npy", (np.arange(24, dtype=np.float32) / 8 - 1.5).reshape(2, 3, 4))
save("f8-2d-v2.npy", np.arange(12, dtype=np.float64).reshape(4, 3) * 0.1 - 0.7, version=(2, 0))
save("f4-1d-v2.npy", np.arange(5, dtype=np.float32) / 8 - 1.5, version=(2, 0))
# Integers and booleans, read exactly into doubles (targets are saved as int64 by default).
save("i8-1d-v1.npy", np.array([0, -3, 7, 2**53, -(2**53)], dtype=np.int64))
save("i4-2d-v1.npy", (np.arange(6, dtype=np.int32) - 3).reshape(2, 3))
save("i2-1d-v1.npy", np.array([-32768, 0, 32767], dtype=np.int16))
save("i1-1d-v1.npy", np.array([-128, 0, 127], dtype=np.int8))
save("u1-1d-v1.npy", np.array([0, 1, 255], dtype=np.uint8))
save("u8-1d-v1.npy", np.array([0, 2**53], dtype=np.uint64))
save("b1-1d-v1.npy", np.array([True, False, True]))

# Files the reader must reject, each for its own reason.
save("reject-fortran-order.npy", np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3)))
save("reject-big-endian.npy", np.arange(3, dtype=">f8"))
save("reject-complex.npy", np.arange(3, dtype=np.complex128))
save("reject-int64-beyond-2-53.npy", np.array([1, 2**53 + 1], dtype=np.int64))
save("reject-structured.npy", np.zeros(2, dtype=[("a", "<f8"), ("b", "<f8")]))
save("reject-nan.npy", np.array([1.0, np.nan, 2.0]))
save("reject-infinity.npy", np.array([[1.0, -np.inf]]))
