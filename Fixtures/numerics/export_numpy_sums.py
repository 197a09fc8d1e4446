"""numpy.sum's exact results, for the test of Reductions.sumInNumpyOrder.

numpy sums a contiguous float64 array pairwise (blocks of 128, eight running partial sums
inside a block), so its result differs from a left-to-right sum in the last bits. Guided IG's
closeness tests and gamma, and IDGI's norms, follow numpy's order to reproduce PAIR's and the
official IDGI code's numbers; this fixture pins that order bit for bit.

Run by hand from the repository root (made with numpy 2.4.6):

    python3 Fixtures/numerics/export_numpy_sums.py

Writes next to this script:
    numpy-sum-values.npy   float64 [T]: the arrays, one after another
    numpy-sums.npy         float64 [K, 2]: for each array, its length and numpy.sum of it
The arrays have every length 1...160 and the lengths around numpy's block boundaries up to
10,007; their values are normal draws scaled by 10^u, u uniform in [-6, 6], so that the order
of additions shows in the result. The Swift test (Tests/TensorsTests/ReductionTests.swift)
reads them.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LENGTHS = list(range(1, 161)) + [255, 256, 257, 300, 511, 512, 513, 1000, 1024, 1031, 4097, 10007]

rng = np.random.default_rng(20261123)
values = []
sums = []
for n in LENGTHS:
    a = rng.standard_normal(n) * 10.0 ** rng.uniform(-6, 6, n)
    values.append(a)
    sums.append([n, np.sum(a)])
np.save(os.path.join(HERE, "numpy-sum-values.npy"), np.concatenate(values))
np.save(os.path.join(HERE, "numpy-sums.npy"), np.array(sums, dtype=np.float64))
sequential = sum(1 for a, (_, s) in zip(values, sums) if float(sum(a.tolist())) != s)
print(f"{len(LENGTHS)} arrays; numpy.sum differs from a left-to-right sum for {sequential} of them")
