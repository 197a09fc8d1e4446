"""Reference numbers for the quadrature rules (mpmath) and the Gaussian blur (scipy).

Run by hand from the repository root (made with mpmath 1.3.0, numpy 2.4.6, scipy 1.17.1):

    python3 Fixtures/numerics/export_numerics_goldens.py

Writes next to this script:
    gauss-legendre-<N>.npy   [2, N]: Gauss-Legendre nodes (row 0) and weights (row 1) on [-1, 1],
                             computed with 40-digit mpmath (Newton on P_N from Tricomi's guesses)
                             and rounded to float64 -- the exact rule to half an ulp. (numpy's
                             leggauss is not that accurate for large N: its weight next to 1 at
                             N = 500 is off by 7e-10 relative.)
    blur-<case>.npy          images and scipy.ndimage.gaussian_filter results: for an image
                             of shape [C, H, W], row 0 is the image and row 1 + k its blur at
                             BLUR_SIGMAS[k], each computed as PAIR's BlurIG does, on the H x W x C
                             transpose with sigma=[s, s, 0], mode="constant" (truncate 4.0)
The Swift tests (Tests/AttributionTests/QuadratureRuleTests.swift, GaussianBlurTests.swift)
read them.
"""
import os

import math

import mpmath
import numpy as np
from scipy import ndimage

HERE = os.path.dirname(os.path.abspath(__file__))
GAUSS_LEGENDRE_COUNTS = [1, 2, 3, 4, 5, 8, 16, 50, 100, 200, 500]
BLUR_SIGMAS = [0.0, 0.01, 0.1, 0.3, 0.7, 1.0, 1.5, 2.6, 4.0, 12.5, 50.0]


def pair_blur(image_chw, sigma):
    """PAIR saliency's gaussian_blur on the HWC transpose, returned as CHW."""
    hwc = np.transpose(image_chw, (1, 2, 0))
    if sigma == 0:
        return image_chw
    blurred = ndimage.gaussian_filter(hwc, sigma=[sigma, sigma, 0], mode="constant")
    return np.transpose(blurred, (2, 0, 1))


def gauss_legendre(n):
    """Nodes (ascending) and weights of the n-point rule, to 40 digits, as float64."""
    mpmath.mp.dps = 40
    nodes, weights = [], []
    for k in range(1, n + 1):
        t = mpmath.mpf(math.cos(math.pi * (k - 0.25) / (n + 0.5)))
        for _ in range(100):
            p, q = mpmath.legendre(n, t), mpmath.legendre(n - 1, t)
            derivative = n * (t * p - q) / (t * t - 1)
            step = p / derivative
            t -= step
            if abs(step) < mpmath.mpf(10) ** -38:
                break
        derivative = n * (t * mpmath.legendre(n, t) - mpmath.legendre(n - 1, t)) / (t * t - 1)
        nodes.append(t)
        weights.append(2 / ((1 - t * t) * derivative * derivative))
    order = sorted(range(n), key=lambda i: nodes[i])
    return np.array([float(nodes[i]) for i in order]), np.array([float(weights[i]) for i in order])


def main():
    for n in GAUSS_LEGENDRE_COUNTS:
        nodes, weights = gauss_legendre(n)
        np.save(os.path.join(HERE, f"gauss-legendre-{n}.npy"), np.stack([nodes, weights]))

    rng = np.random.default_rng(7)
    cases = {"1x8x8": (1, 8, 8), "3x5x7": (3, 5, 7), "2x1x9": (2, 1, 9), "1x16x16": (1, 16, 16)}
    for name, shape in cases.items():
        image = rng.uniform(-1, 1, size=shape)
        rows = [image] + [pair_blur(image, s) for s in BLUR_SIGMAS]
        np.save(os.path.join(HERE, f"blur-{name}.npy"), np.stack(rows))
    print(f"wrote {len(GAUSS_LEGENDRE_COUNTS)} Gauss-Legendre rules and {len(cases)} blur cases")


if __name__ == "__main__":
    main()
