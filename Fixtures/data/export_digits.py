"""Exports the 8x8 handwritten digits to NPY, with a fixed, seeded train/test split.

Source: the UCI "Optical Recognition of Handwritten Digits" data set (Alpaydin & Kaynak, 1998),
test portion, 1,797 images of 10 classes with pixel values 0..16, as shipped by scikit-learn's
`sklearn.datasets.load_digits`. Licence: CC BY 4.0 (UCI Machine Learning Repository,
https://doi.org/10.24432/C50P49).

Run by hand from the repository root (made with scikit-learn 1.9.1, numpy 2.4):

    python3 Fixtures/data/export_digits.py

Writes, next to this script:
    digits-images.npy   float64 [1797, 1, 8, 8], the pixel values divided by 16 (so in [0, 1])
    digits-labels.npy   float64 [1797], the digit 0..9
    digits-split.npy    float64 [1797], 1 for the 360 test images, 0 for the 1,437 training images:
                        the first 360 of numpy.random.default_rng(0).permutation(1797)
"""
import os

import numpy as np
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_COUNT = 360

digits = load_digits()
images = (digits.images.astype(np.float64) / 16.0).reshape(-1, 1, 8, 8)
labels = digits.target.astype(np.float64)
split = np.zeros(len(labels))
split[np.random.default_rng(0).permutation(len(labels))[:TEST_COUNT]] = 1.0

np.save(os.path.join(HERE, "digits-images.npy"), images)
np.save(os.path.join(HERE, "digits-labels.npy"), labels)
np.save(os.path.join(HERE, "digits-split.npy"), split)
print(f"{len(labels)} images, {int(split.sum())} test; per class "
      f"{np.bincount(digits.target).tolist()}; test per class {np.bincount(digits.target[split == 1]).tolist()}")
