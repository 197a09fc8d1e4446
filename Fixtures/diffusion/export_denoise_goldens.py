"""Goldens for `attribute denoise`: an independent PyTorch implementation of the diffusion
directory (DESIGN.md, "The diffusion directory") and of one classifier-guided reverse step.

Run by hand from the repository root after `train-fixtures` has written Fixtures/diffusion
(made with torch 2.13.0+cpu, numpy 2.4.6):

    python3 Fixtures/diffusion/export_denoise_goldens.py

Nothing here is shared with the Swift code but the file format: the networks are loaded into
torch.nn by Fixtures/reference/model_directory.py, the schedule, time embedding, guidance
gradient (torch.autograd through log_softmax) and the three step forms are written from
their definitions:
    β_t = b0 + (b1 − b0)(t − 1)/(T − 1), ᾱ_t = cumprod(1 − β), ᾱ_0 = 1
    e(t) = [sin(t ω_k), cos(t ω_k)], ω_k = P^(−k/(d/2))
    mean: (u − β_t/√(1 − ᾱ_t) ε̂)/√α_t + s σ_t² ∇_u log p(y | u, t),  σ_t² = β_t (1 − ᾱ_{t−1})/(1 − ᾱ_t)
    x0:   ε̂′ = ε̂ − s √(1 − ᾱ_t) ∇_u log p;  x̂_0 = (u − √(1 − ᾱ_t) ε̂′)/√ᾱ_t
    ddim: √ᾱ_{t′} x̂_0 + √(1 − ᾱ_{t′}) ε̂′
with u = 2(x − LO)/(HI − LO) − 1 and the result mapped back to the data's scale.
Writes Fixtures/diffusion/goldens/: cases.json and, per case, its input and expected output.
"""
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "Fixtures", "reference"))
from model_directory import load_model_directory  # noqa: E402

torch.set_default_dtype(torch.float64)


class Diffusion:
    def __init__(self, directory):
        with open(os.path.join(directory, "diffusion.json")) as f:
            manifest = json.load(f)
        assert manifest["format"] == "pathattribution.diffusion" and manifest["version"] == 1
        self.shape = manifest["inputShape"]
        self.low, self.high = manifest["dataRange"]
        schedule = manifest["schedule"]
        assert schedule["kind"] == "linear"
        b0, b1, steps = schedule["betaStart"], schedule["betaEnd"], schedule["steps"]
        t = torch.arange(1, steps + 1, dtype=torch.float64)
        self.betas = b0 + (b1 - b0) * (t - 1) / (steps - 1)
        self.alpha_bars = torch.cat([torch.ones(1), torch.cumprod(1 - self.betas, dim=0)])
        embedding = manifest["timeEmbedding"]
        half = embedding["dimension"] // 2
        self.frequencies = torch.tensor([embedding["maxPeriod"] ** (-k / half) for k in range(half)])
        self.denoiser = load_model_directory(os.path.join(directory, manifest["denoiser"])).double().eval()
        self.classifier = load_model_directory(os.path.join(directory, manifest["classifier"])).double().eval()

    def embed(self, times):
        angles = times[:, None].double() * self.frequencies[None, :]
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)

    def step(self, x, t, targets, scale, variant, to_time=None):
        n = x.shape[0]
        u = (2 * (x - self.low) / (self.high - self.low) - 1).reshape(n, -1)
        times = torch.full((n,), t)
        e = self.embed(times)
        with torch.no_grad():
            eps = self.denoiser(torch.cat([u, e], dim=1))
        g = torch.zeros_like(u)
        if targets is not None:
            v = u.clone().requires_grad_(True)
            log_p = torch.log_softmax(self.classifier(torch.cat([v, e], dim=1)), dim=1)
            picked = log_p[torch.arange(n), torch.tensor(targets)].sum()
            (g,) = torch.autograd.grad(picked, v)
        beta, a_bar, a_bar_prev = self.betas[t - 1], self.alpha_bars[t], self.alpha_bars[t - 1]
        if variant == "mean":
            variance = beta * (1 - a_bar_prev) / (1 - a_bar)
            result = (u - beta / torch.sqrt(1 - a_bar) * eps) / torch.sqrt(1 - beta) + scale * variance * g
        else:
            eps_guided = eps - scale * torch.sqrt(1 - a_bar) * g
            x0 = (u - torch.sqrt(1 - a_bar) * eps_guided) / torch.sqrt(a_bar)
            if variant == "x0":
                result = x0
            else:
                a_to = self.alpha_bars[to_time]
                result = torch.sqrt(a_to) * x0 + torch.sqrt(1 - a_to) * eps_guided
        result = self.low + (result + 1) * (self.high - self.low) / 2
        return result.detach().reshape(x.shape).numpy()


def main():
    out = os.path.join(ROOT, "Fixtures", "diffusion", "goldens")
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(5)
    cases = []
    setups = [
        ("digits", "models/digits-cnn/check/inputs.npy", [
            dict(time=1, targets=None, scale=0, variant="mean"),
            dict(time=60, targets=[0, 3, 7, 2, 9, 5], scale=2.0, variant="mean"),
            dict(time=150, targets=None, scale=0, variant="mean"),
            dict(time=100, targets=[4, 4, 4, 4, 4, 4], scale=4.0, variant="x0"),
            dict(time=120, targets=[1, 6, 8, 0, 2, 3], scale=1.5, variant="ddim", to_time=60),
            dict(time=10, targets=None, scale=0, variant="ddim", to_time=0),
        ]),
        ("shapes", "models/shapes-cnn/check/inputs.npy", [
            dict(time=80, targets=[0, 1, 2, 3, 0, 1], scale=4.0, variant="mean"),
            dict(time=30, targets=None, scale=0, variant="x0"),
            dict(time=180, targets=[3, 2, 1, 0, 3, 2], scale=2.0, variant="ddim", to_time=90),
        ]),
    ]
    for name, images, steps in setups:
        model = Diffusion(os.path.join(ROOT, "Fixtures", "diffusion", name))
        clean = np.load(os.path.join(ROOT, "Fixtures", images))[:6]
        for index, case in enumerate(steps):
            t = case["time"]
            # The input: the clean images noised to time t, in the data's scale (clipped to it).
            a_bar = float(model.alpha_bars[t])
            u0 = 2 * (clean - model.low) / (model.high - model.low) - 1
            u = np.sqrt(a_bar) * u0 + np.sqrt(1 - a_bar) * rng.standard_normal(u0.shape)
            x = model.low + (u + 1) * (model.high - model.low) / 2
            expected = model.step(torch.tensor(x), t, case["targets"], case["scale"], case["variant"], case.get("to_time"))
            stem = f"{name}-{index}"
            np.save(os.path.join(out, f"{stem}-input.npy"), x)
            np.save(os.path.join(out, f"{stem}-expected.npy"), expected)
            if case["targets"] is not None:
                np.save(os.path.join(out, f"{stem}-targets.npy"), np.array(case["targets"], dtype=np.float64))
            cases.append(dict(name=stem, diffusion=f"diffusion/{name}", input=f"diffusion/goldens/{stem}-input.npy",
                              expected=f"diffusion/goldens/{stem}-expected.npy",
                              targets=f"diffusion/goldens/{stem}-targets.npy" if case["targets"] is not None else None,
                              time=t, scale=case["scale"], variant=case["variant"], toTime=case.get("to_time")))
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(dict(generatedBy="Fixtures/diffusion/export_denoise_goldens.py", torch=torch.__version__, cases=cases), f, indent=1)
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
