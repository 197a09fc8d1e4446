"""Goldens for Expected Gradients, LPI and AGI from their official code.

Get the official code (the commits these goldens were made with), then run by hand from the
repository root (made with torch 2.13.0+cpu, numpy 2.4.6, tqdm):

    git clone https://github.com/suinleelab/path_explain  OFFICIAL/path_explain   # 93c75a5
    git clone https://github.com/ypeiyu/LPI              OFFICIAL/LPI           # 6ff4785
    git clone https://github.com/pd90506/AGI              OFFICIAL/AGI           # 4b28c8b
    python3 Fixtures/reference/export_reference_method_goldens.py OFFICIAL

The model is digits-cnn (loaded into PyTorch from its model directory, float64), the input
its example digit, the target class 2, the references 12 training digits. Each method is run
by the official code, with these documented interventions:
  - every official code casts to float32 somewhere (path_explain and LPI store gradients with
    `.float()`, LPI its references; their α's come from torch.FloatTensor). During each call
    Tensor.float is made a no-op (float64 stays float64) and the α's are drawn here as float32
    numbers, so both sides compute in float64 from identical α's;
  - path_explain: its reference draw (np.random.choice) and its α draw (uniform_) are replaced
    by the draws written here, which the Swift test gives to ExpectedGradients(givenDraws:);
  - LPI: the references and densities are given (one cluster of 6 sub-clusters); its pairing
    bug is fixed — points are built with `ref.repeat(1, k, ...)` (index j is reference j mod R)
    but gradients are read as `bg_id*k + k_id`: the repeat is made a repeat_interleave during
    the call, so gradient bg_id*k + k_id belongs to reference bg_id — and its extra factor 1/R
    (the result is a mean over the R references of ρ-weighted terms) is undone by multiplying
    by R. The unfixed output is written too (lpi-official-unfixed.npy), to show the defect;
  - AGI: `pgd_step` from utils.py, run for every class but the prediction, as AGI_main.py's
    `test` does, gives the official variant; for the corrected variant its `fgsm_step` is
    wrapped to step from the current point instead of the original image. utils.py imports cv2
    and torchvision for image I/O only; they are stubbed.
Writes Fixtures/goldens/reference-methods/: references.npy, eg-draws.json, eg.npy,
lpi-setup.json, lpi.npy, lpi-official-unfixed.npy, agi-official.npy, agi-corrected.npy.
"""
import importlib.util
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "Fixtures", "goldens", "reference-methods")
sys.path.insert(0, HERE)
from model_directory import load_model_directory  # noqa: E402

rng = np.random.default_rng(20261124)
TARGET = 2


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Float64Everywhere:
    """Tensor.float() returns the tensor as float64 while active."""

    def __enter__(self):
        self.original = torch.Tensor.float
        torch.Tensor.float = lambda tensor, *args, **kwargs: tensor.double()

    def __exit__(self, *exc):
        torch.Tensor.float = self.original


def stub_image_libraries():
    """AGI's utils.py imports cv2 and torchvision for image I/O only: empty stand-ins."""
    for name in ("cv2",):
        sys.modules.setdefault(name, types.ModuleType(name))
    torchvision = types.ModuleType("torchvision")
    torchvision.transforms = types.SimpleNamespace(Compose=lambda steps: None, Resize=lambda *a: None, ToTensor=lambda: None,
                                                   Normalize=lambda **a: None)
    torchvision.datasets = types.SimpleNamespace()
    sys.modules.setdefault("torchvision", torchvision)


def given_uniform(values):
    """A stand-in for Tensor.uniform_ that fills the tensor with `values` (drawn here) instead."""
    def uniform(tensor, low=0, high=1):
        tensor.copy_(torch.from_numpy(values).reshape(tensor.shape))
        return tensor
    return uniform


def float32_uniform(count, low, high):
    """Uniform numbers that are exactly float32 values (so float32 and float64 code agree)."""
    return rng.uniform(low, high, count).astype(np.float32).astype(np.float64)


def main(official):
    os.makedirs(OUT, exist_ok=True)
    model = load_model_directory(os.path.join(ROOT, "Fixtures", "models", "digits-cnn")).double().eval()
    x = torch.from_numpy(np.load(os.path.join(ROOT, "Fixtures", "models", "digits-cnn", "example-input.npy")))[None]
    images = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-images.npy"))
    split = np.load(os.path.join(ROOT, "Fixtures", "data", "digits-split.npy"))
    references = images[np.flatnonzero(split == 0)[:12]]
    np.save(os.path.join(OUT, "references.npy"), references)
    refs = torch.from_numpy(references)

    # ---- Expected Gradients: path_explain's estimator (logit of the target) ----------------
    pe = load(os.path.join(official, "path_explain", "path_explain", "explainers", "path_explainer_torch.py"), "path_explainer_torch")
    K = 8
    indices = rng.choice(len(references), size=K, replace=False)
    alphas = float32_uniform(K, 0, 1)
    explainer = pe.PathExplainerTorch(model)
    explainer._get_ref_tensor = lambda baseline, batch_size, num_samples: baseline[torch.from_numpy(indices)]
    original_uniform = torch.Tensor.uniform_

    torch.Tensor.uniform_ = given_uniform(alphas)
    try:
        with Float64Everywhere():
            inputs = x.clone().requires_grad_(True)
            eg = explainer.attributions(inputs, refs, num_samples=K, use_expectation=True, output_indices=torch.tensor([TARGET]))
    finally:
        torch.Tensor.uniform_ = original_uniform
    np.save(os.path.join(OUT, "eg.npy"), eg.detach().numpy()[0])
    with open(os.path.join(OUT, "eg-draws.json"), "w") as f:
        json.dump({"target": TARGET, "references": indices.tolist(), "alphas": alphas.tolist()}, f, indent=1)
        f.write("\n")

    # ---- LPI: the official attribution given references, densities and α's -----------------
    lpi_module = load(os.path.join(official, "LPI", "saliency_methods", "LPI.py"), "LPI")
    R, k = 6, 5
    chosen = rng.choice(len(references), size=R, replace=False)
    sizes = rng.integers(1, 20, R)
    density = sizes / sizes.sum()
    lpi_alphas = float32_uniform(R * k, 0.01, 0.99)  # index bg_id*k + k_id: reference bg_id, sample k_id

    class ReferenceSet(torch.utils.data.Dataset):
        def __init__(self):
            self.imgs = [torch.from_numpy(references[i]) for i in chosen]

        def __len__(self):
            return len(self.imgs)

        def __getitem__(self, i):
            return self.imgs[i], 0

    original_cuda = torch.Tensor.cuda
    torch.Tensor.cuda = lambda tensor, *args, **kwargs: tensor
    original_repeat = torch.Tensor.repeat

    def run_lpi(fix_pairing):
        def repeat(tensor, *sizes):
            if fix_pairing and tensor.dim() == 5 and tuple(sizes) == (1, k, 1, 1, 1):
                return tensor.repeat_interleave(k, dim=1)
            return original_repeat(tensor, *sizes)

        torch.Tensor.repeat = repeat
        torch.Tensor.uniform_ = given_uniform(lpi_alphas)
        try:
            with Float64Everywhere():
                method = lpi_module.LPI(model, k, torch.from_numpy(density)[None], random_alpha=True, datasets=[ReferenceSet()])
                return method.shap_values(x.clone(), sparse_labels=torch.tensor([TARGET])).detach().numpy()[0]
        finally:
            torch.Tensor.repeat = original_repeat
            torch.Tensor.uniform_ = original_uniform

    try:
        fixed = run_lpi(True) * R  # undo the official 1/R
        unfixed = run_lpi(False) * R
    finally:
        torch.Tensor.cuda = original_cuda
    np.save(os.path.join(OUT, "lpi.npy"), fixed)
    np.save(os.path.join(OUT, "lpi-official-unfixed.npy"), unfixed)
    with open(os.path.join(OUT, "lpi-setup.json"), "w") as f:
        json.dump({"target": TARGET, "references": chosen.tolist(), "densities": density.tolist(), "samplesPerReference": k,
                   "alphas": lpi_alphas.reshape(R, k).tolist()}, f, indent=1)
        f.write("\n")

    # ---- AGI: pgd_step for every class but the prediction ------------------------------------
    stub_image_libraries()
    utils = load(os.path.join(official, "AGI", "utils.py"), "agi_utils")
    with torch.no_grad():
        prediction = model(x).argmax(1)
    assert prediction.item() == TARGET
    official_fgsm = utils.fgsm_step

    def agi(corrected):
        total = 0
        for t in range(10):
            if t == prediction.item():
                continue
            state = {"x": None}

            def stepping_from_the_current_point(image, epsilon, data_grad_adv, data_grad_lab):
                start = image if state["x"] is None else state["x"].detach()
                point, delta = official_fgsm(start, epsilon, data_grad_adv, data_grad_lab)
                state["x"] = point
                return point, delta

            utils.fgsm_step = stepping_from_the_current_point if corrected else official_fgsm
            delta, _ = utils.pgd_step(x.clone(), 0.05, model, prediction, torch.tensor([t]), 20)
            total = total + delta
        utils.fgsm_step = official_fgsm
        return total.detach().numpy()[0]

    np.save(os.path.join(OUT, "agi-official.npy"), agi(False))
    np.save(os.path.join(OUT, "agi-corrected.npy"), agi(True))
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
