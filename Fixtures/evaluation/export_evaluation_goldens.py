"""Golden numbers for the Evaluation module, from independent implementations.

Run by hand from the repository root (made with torch 2.13.0+cpu, captum 0.9.0,
pytorch-msssim 1.0.0, scikit-learn 1.9.1, saliency 0.2.1, scipy 1.17.1, numpy 2.4.6):

    python3 Fixtures/evaluation/export_evaluation_goldens.py

Writes next to this script (all float64; the Swift tests in Tests/EvaluationTests read them):
  ms-ssim-<case>.npy      [2, C, H, W]: an image x and a distorted y
  ms-ssim.json            pytorch_msssim's MS-SSIM(y, x) per case: at 192x192 its own
                          ms_ssim() with a float64 window (and, for the record, with its stock
                          float32 window); at 64x64 -- too small for ms_ssim()'s 5 scales --
                          its _ssim() and avg_pool2d in the loop of ms_ssim() over the 3 scales
                          the small-image rule gives, with the first 3 weights renormalized
  localization-*.npy      localization-maps.npy [K, 1, H, W] attributions, localization-masks.npy
                          [K, H, W] masks; localization.json: scikit-learn's roc_auc_score and the
                          best F1 over precision_recall_curve's thresholds, on s = sum_c |A| scaled
  infidelity-*.npy        the input, an attribution, and S given perturbations for digits-cnn;
  infidelity.json         Captum's infidelity (normalize False and True) with F = softmax(y)
  sensitivity-*.npy       S given perturbations; sensitivity.json: Captum's sensitivity_max
                          for Saliency (the gradient of softmax(y)) with those perturbations
  pic.json                PAIR's compute_pic_metric curve for given information levels and
                          predictions (its entropy and blur functions replaced by the given
                          numbers): curve_x, curve_y and its 1,001-point trapezoid AUC
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
from model_directory import load_model_directory  # noqa: E402

rng = np.random.default_rng(20261124)


def save(name, array):
    np.save(os.path.join(HERE, name), np.ascontiguousarray(array, dtype=np.float64))


def dump(name, value):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def window64(size, sigma):
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return (g / g.sum()).reshape(1, 1, -1)


def ms_ssim_golden():
    from pytorch_msssim import ms_ssim
    from pytorch_msssim.ssim import _ssim

    def smooth(c, h, w):
        # Smooth structure plus texture, in [0, 1].
        yy, xx = np.meshgrid(np.linspace(0, 1, h), np.linspace(0, 1, w), indexing="ij")
        base = np.stack([0.5 + 0.3 * np.sin(6 * xx + 2 * k) * np.cos(5 * yy - k) for k in range(c)])
        return np.clip(base + 0.08 * rng.standard_normal((c, h, w)), 0, 1)

    results = {}
    for name, (c, h, w) in {"192-gray": (1, 192, 192), "64-gray": (1, 64, 64), "64-rgb": (3, 64, 64)}.items():
        x = smooth(c, h, w)
        y = np.clip(x + 0.1 * rng.standard_normal(x.shape), 0, 1)
        save(f"ms-ssim-{name}.npy", np.stack([x, y]))
        X, Y = torch.from_numpy(y[None]), torch.from_numpy(x[None])  # MS-SSIM(y, x) as the Swift test calls value(y, x)
        if h > 160:
            win = window64(11, 1.5).repeat(c, 1, 1, 1)
            value = ms_ssim(X, Y, data_range=1.0, win=win).item()
            stock = ms_ssim(X, Y, data_range=1.0).item()
            results[name] = {"value": value, "stockFloat32Window": stock, "scales": 5}
        else:
            scales, weights = 3, np.array([0.0448, 0.2856, 0.3001])
            weights = torch.from_numpy(weights / weights.sum())
            win = window64(11, 1.5).repeat(c, 1, 1, 1)
            mcs = []
            for i in range(scales):
                ssim_per_channel, cs = _ssim(X, Y, win=win, data_range=1.0, size_average=False, K=(0.01, 0.03))
                if i < scales - 1:
                    mcs.append(torch.relu(cs))
                    padding = [s % 2 for s in X.shape[2:]]
                    X = F.avg_pool2d(X, kernel_size=2, padding=padding)
                    Y = F.avg_pool2d(Y, kernel_size=2, padding=padding)
            ssim_per_channel = torch.relu(ssim_per_channel)
            stacked = torch.stack(mcs + [ssim_per_channel], dim=0)
            value = torch.prod(stacked ** weights.view(-1, 1, 1), dim=0).mean(1).item()
            results[name] = {"value": value, "scales": scales}
    dump("ms-ssim.json", results)


def localization_golden():
    from sklearn.metrics import precision_recall_curve, roc_auc_score
    maps, masks, results = [], [], []
    for k in range(12):
        h, w = 12, 16
        attribution = rng.standard_normal((1, h, w))
        if k % 3 == 0:
            attribution = np.round(attribution * 2) / 2  # ties
        mask = np.zeros((h, w))
        r0, c0 = rng.integers(0, h - 4), rng.integers(0, w - 5)
        mask[r0:r0 + 4 + k % 3, c0:c0 + 5] = 1
        s = np.abs(attribution).sum(0)
        s = (s - s.min()) / (s.max() - s.min())
        auc = roc_auc_score(mask.ravel(), s.ravel())
        precision, recall, _ = precision_recall_curve(mask.ravel(), s.ravel())
        with np.errstate(invalid="ignore", divide="ignore"):
            f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0)
        maps.append(attribution)
        masks.append(mask)
        results.append({"rocAuc": auc, "bestF1": float(f1.max()), "mae": float(np.abs(s - mask).mean())})
    save("localization-maps.npy", np.stack(maps))
    save("localization-masks.npy", np.stack(masks))
    dump("localization.json", results)


def captum_goldens():
    from captum.attr import Saliency
    from captum.metrics import infidelity, sensitivity_max
    model = load_model_directory(os.path.join(HERE, "..", "models", "digits-cnn")).double().eval()

    def probability(x):
        return torch.softmax(model(x), dim=1)

    x = torch.from_numpy(np.load(os.path.join(HERE, "..", "models", "digits-cnn", "example-input.npy"))[None])
    target = 2
    samples = 8
    attribution = torch.from_numpy(rng.standard_normal((1, 1, 8, 8)) * 0.05)
    perturbations = torch.from_numpy(rng.standard_normal((samples, 1, 8, 8)) * 0.03)
    save("infidelity-input.npy", x[0].numpy())
    save("infidelity-attribution.npy", attribution[0].numpy())
    save("infidelity-perturbations.npy", perturbations.numpy())

    def perturb(inputs):
        return perturbations, inputs - perturbations

    values = {}
    for normalize in (False, True):
        score = infidelity(probability, perturb, x, attribution, target=target, n_perturb_samples=samples, normalize=normalize)
        values["normalized" if normalize else "plain"] = score.item()
    values["target"] = target
    dump("infidelity.json", values)

    deltas = torch.from_numpy(rng.uniform(-0.02, 0.02, (samples, 1, 8, 8)))
    save("sensitivity-perturbations.npy", deltas.numpy())

    def shift(inputs, perturb_radius=0.02):
        return inputs + deltas

    saliency = Saliency(probability)
    score = sensitivity_max(saliency.attribute, x, perturb_func=shift, n_perturb_samples=samples, target=target, abs=False)
    dump("sensitivity.json", {"score": score.item(), "target": target, "method": "gradient", "output": "probability"})


def pic_golden():
    from saliency.metrics import pic
    np.trapz = getattr(np, "trapz", np.trapezoid)  # numpy >= 2.4 removed trapz, which pic.py calls
    cases = []
    for k in range(6):
        n = 13
        entropies = [10_000.0, 2_000.0] + sorted(rng.uniform(1_500, 10_500, n).tolist())
        predictions = [0.93, 0.11] + rng.uniform(0.0, 1.0, n).tolist()
        calls = {"entropy": iter(entropies), "prediction": iter(predictions)}
        pic.estimate_image_entropy = lambda image: next(calls["entropy"])
        pic.create_blurred_image = lambda full_img, pixel_mask: full_img
        img = np.zeros((4, 4, 3), dtype=np.uint8)
        result = pic.compute_pic_metric(
            img=img, saliency_map=rng.uniform(size=(4, 4)), random_mask=np.zeros((4, 4), dtype=bool),
            pred_func=lambda batch: [next(calls["prediction"])], saliency_thresholds=pic_thresholds(n), min_pred_value=0.5)
        cases.append({"entropies": entropies, "predictions": predictions,
                      "curveX": result.curve_x.tolist(), "curveY": result.curve_y.tolist(), "auc": float(result.auc)})
    dump("pic.json", cases)


def pic_thresholds(n):
    return [0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.07, 0.10, 0.13, 0.21, 0.34, 0.5, 0.75][:n]


if __name__ == "__main__":
    ms_ssim_golden()
    localization_golden()
    captum_goldens()
    pic_golden()
    print("wrote", sorted(f for f in os.listdir(HERE) if not f.endswith(".py")))
