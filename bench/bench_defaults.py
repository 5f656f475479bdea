"""Defaults that work: every estimator and GAN loss with nothing but the data and a key.

    python bench/bench_defaults.py              # everything (about 40 minutes on 2 CPU cores)
    python bench/bench_defaults.py w1           # the default W_1 estimate on Gaussian shifts
    python bench/bench_defaults.py one_d        # every GAN loss on 1-D Gaussians
    python bench/bench_defaults.py ring         # WGAN-GP and non-saturating on rings of 8
    python bench/bench_defaults.py ring nonsaturating   # only these losses' ring rows
    python bench/bench_defaults.py progress     # the cost of a progress bar and a callback

* ``w1``: ``estimate("wasserstein", x_p, x_q, key=0)`` on 20,000 + 20,000 samples of
  Gaussians shifted along the first axis (W_1 = the shift), at scales 0.2 to 5 and
  dimensions 1 to 5; the error in units of ``2 stderr + 3%`` (the target: below 1).
* ``one_d``: ``gan.train(x, loss=loss, key=seeds)`` on 20,000 samples of ``N(0, 1)``
  for every loss and of ``N(3, 0.5^2)``, ``N(-10, 5^2)`` for two each, 4 seeds in one vmapped call; the generator's ``W_1`` to the true
  Gaussian from 200,000 generated samples against the exact quantiles (the sampling
  error of that figure is about ``sd / 500``); the target: below 0.05.
* ``ring``: 20,000 samples of rings of 8 (radius 1 to 2, std 0.01 to 0.05), 10 seeds;
  modes covered (within 3 std, at least 20 of 2,500 samples) and high-quality share.

* ``progress``: ``estimate`` (KL, 2-D, 2x128 critic, batch 512, 2,000 steps) and
  ``gan.train`` (2,000 steps) with reporting off, with a tqdm bar, and with a callback;
  compiled first, then median of 5 interleaved runs each.

Writes bench/results_defaults.json.
"""

from __future__ import annotations

import json
import os
import sys
import time

import jax
import numpy as np
from scipy.stats import norm

import divtools.variational as dv
from divtools import gan
from divtools.gan import datasets, scores

HERE = os.path.dirname(os.path.abspath(__file__))


def w1():
    rows = []
    print("default W_1 estimate (objective lp, Lipschitz-normalised): error / (2 stderr + 3%)")
    for d, shift, sd in [
        (1, 0.5, 1.0),
        (1, 1.0, 1.0),
        (1, 1.5, 1.0),
        (1, 3.0, 1.0),
        (2, 1.5, 1.0),
        (5, 1.5, 1.0),
        (1, 1.5, 0.2),
        (1, 10.0, 5.0),
    ]:
        rng = np.random.default_rng(0)
        x_p = rng.normal(0.0, sd, (20_000, d)).astype(np.float32)
        x_q = rng.normal(0.0, sd, (20_000, d)).astype(np.float32)
        x_q[:, 0] += shift
        t = time.perf_counter()
        r = dv.estimate("wasserstein", x_p, x_q, key=0)
        v, se = float(r.value), float(r.stderr)
        ratio = abs(v - shift) / (2 * se + 0.03 * shift)
        rows.append(
            dict(d=d, shift=shift, sd=sd, value=v, stderr=se, ratio=ratio, seconds=time.perf_counter() - t)
        )
        print(f"  d={d} shift={shift:5.2f} sd={sd:4.2f}: {v:8.4f} +- {se:.4f}  ratio {ratio:.2f}", flush=True)
    return rows


def _w1_to_gaussian(generator, mu, sd):
    x = np.sort(np.asarray(generator(jax.random.key(99), 200_000))[:, 0].astype(np.float64))
    u = (np.arange(x.size) + 0.5) / x.size
    return float(np.mean(np.abs(x - norm.ppf(u, mu, sd))))


ONE_D_CASES = [
    (0.0, 1.0, gan.LOSSES),
    (3.0, 0.5, ("nonsaturating", "wgan-gp")),
    (-10.0, 5.0, ("minimax", "kl")),
]
"""N(mu, sd^2) and the losses trained on it: every loss on N(0, 1) (standardised coordinates
make location and scale irrelevant up to the sample's own mean and deviation), two others
at other locations and scales as a check of that."""


def one_d(n_seeds=4):
    rows = []
    print(f"GAN defaults, 1-D Gaussians: W_1 of the generator to the truth, {n_seeds} seeds")
    for mu, sd, losses in ONE_D_CASES:
        x = np.random.default_rng(1).normal(mu, sd, 20_000).astype(np.float32)
        for loss in losses:
            t = time.perf_counter()
            r = gan.train(x, loss=loss, key=np.arange(n_seeds))
            w = [_w1_to_gaussian(r.seed(i).generator, mu, sd) for i in range(n_seeds)]
            rows.append(dict(mu=mu, sd=sd, loss=loss, w1=w, seconds=time.perf_counter() - t))
            ok = sum(v < 0.05 for v in w)
            print(
                f"  N({mu:5.1f}, {sd:3.1f}^2) {loss:18s} W_1 {np.round(w, 4)}  <0.05: {ok}/{n_seeds}",
                flush=True,
            )
    return rows


def ring(n_seeds=10, losses=("wgan-gp", "nonsaturating")):
    rows = []
    print(f"GAN defaults, rings of 8: modes covered over {n_seeds} seeds")
    for radius, std in [(1.0, 0.01), (2.0, 0.02), (1.0, 0.05), (2.0, 0.05)]:
        target = datasets.ring(radius=radius, std=std)
        x = np.asarray(target.sample(jax.random.key(1), 20_000))
        for loss in losses:
            t = time.perf_counter()
            r = gan.train(x, loss=loss, key=np.arange(n_seeds))
            cov = [
                scores.mode_coverage(
                    np.asarray(r.seed(i).generator(jax.random.key(7), 2500)), target.means, std
                )
                for i in range(n_seeds)
            ]
            modes = [c.modes_covered for c in cov]
            hq = [c.high_quality for c in cov]
            rows.append(
                dict(
                    radius=radius,
                    std=std,
                    loss=loss,
                    modes=modes,
                    high_quality=hq,
                    seconds=time.perf_counter() - t,
                )
            )
            print(
                f"  radius {radius} std {std} {loss:14s} modes {modes}  8/8 on {modes.count(8)}/{n_seeds}; "
                f"high quality {np.min(hq):.2f}-{np.max(hq):.2f}",
                flush=True,
            )
    return rows


def progress(repeats=5):
    import statistics

    rng = np.random.default_rng(0)
    x_p = rng.normal(0.0, 1.0, (20_000, 2)).astype(np.float32)
    x_q = rng.normal(0.5, 1.0, (20_000, 2)).astype(np.float32)
    x = rng.normal(3.0, 0.5, (20_000, 1)).astype(np.float32)
    seen = []
    modes = {
        "off": dict(progress=False),
        "bar": dict(progress=True),
        "callback": dict(progress=False, callback=seen.append),
    }
    jobs = {
        "estimate": lambda kw: dv.estimate(
            "kl", x_p, x_q, key=0, batch_size=512, **kw
        ).value.block_until_ready(),
        "gan.train": lambda kw: gan.train(x, key=0, **kw).generator.layers[0][0].block_until_ready(),
    }
    rows = {}
    print("cost of reporting: median seconds of 5 runs (compiled first)")
    for job, run in jobs.items():
        times = {m: [] for m in modes}
        for kw in modes.values():
            run(kw)  # compile
        for _ in range(repeats):
            for m, kw in modes.items():
                t = time.perf_counter()
                run(kw)
                times[m].append(time.perf_counter() - t)
        med = {m: statistics.median(v) for m, v in times.items()}
        rows[job] = {m: dict(median=med[m], runs=times[m], overhead=med[m] / med["off"] - 1) for m in modes}
        print(
            f"  {job:10s} off {med['off']:.3f} s, bar {med['bar']:.3f} s ({100 * (med['bar'] / med['off'] - 1):+.1f}%), "
            f"callback {med['callback']:.3f} s ({100 * (med['callback'] / med['off'] - 1):+.1f}%)",
            flush=True,
        )
    return rows


def main(argv):
    parts = argv[1:] or ["w1", "one_d", "ring", "progress"]
    path = os.path.join(HERE, "results_defaults.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    losses = tuple(p for p in parts if p in gan.LOSSES)  # ring: only these losses' rows
    for part in (p for p in parts if p not in gan.LOSSES):
        if part == "ring" and losses:
            kept = [row for row in results.get("ring", []) if row["loss"] not in losses]
            results["ring"] = kept + ring(losses=losses)
        else:
            results[part] = {"w1": w1, "one_d": one_d, "ring": ring, "progress": progress}[part]()
        with open(path, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv)
