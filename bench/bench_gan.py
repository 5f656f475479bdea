"""GAN training measured by the exact core: the 1-D Gaussian for every loss, and
the ring of 8 for each loss and update scheme over 16 seeds (one vmapped call each).

    python bench/bench_gan.py            # everything (about an hour on 2 CPU cores)
    python bench/bench_gan.py one_d      # only the 1-D table
    python bench/bench_gan.py ring       # only the ring of 8
    python bench/bench_gan.py ring wgan-gp   # only these losses' rows of the ring

Prints, for 1-D, the final W_1 per seed and the steps; for the ring, the
distribution of modes covered over 16 seeds, the share of high-quality
samples, and the wall time (compile included) with steps/s. Writes
bench/results_gan.json.
"""

from __future__ import annotations

import json
import os
import sys
import time

if "xla_cpu_use_thunk_runtime" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()

import jax
import numpy as np

from divtools import gan
from divtools.gan import recipes

HERE = os.path.dirname(os.path.abspath(__file__))


def one_d(n_seeds=4):
    rows = {}
    print(
        f"1-D: N(0, 1) noise -> {recipes.ONE_D_TARGET.name}; W_1 to the target after training, {n_seeds} seeds"
    )
    for loss in gan.LOSSES:
        t = time.perf_counter()
        r = recipes.train_one_d(loss, key=jax.random.split(jax.random.key(0), n_seeds))
        elapsed = time.perf_counter() - t
        final = r.history.distance[:, -1]
        steps = int(r.history.steps[-1])
        rows[loss] = dict(steps=steps, w1=final.tolist(), seconds=elapsed)
        ok = int(np.sum(final < 0.05))
        print(
            f"  {loss:18s} steps {steps:5d}  W_1 {np.array2string(final, precision=3)}  "
            f"< 0.05 in {ok}/{n_seeds}  ({elapsed:.1f} s)",
            flush=True,
        )
    return rows


def ring(n_seeds=16, losses=gan.LOSSES, schemes=("alternating", "simultaneous")):
    data = gan.datasets.ring()
    rows = {}
    settings = recipes.RING
    print(f"ring of 8 (radius 1, std 0.01); {n_seeds} seeds per row in one vmapped call; {settings}")
    for loss in losses:
        for updates in schemes:
            t = time.perf_counter()
            r = recipes.train_ring(loss, key=jax.random.split(jax.random.key(1), n_seeds), updates=updates)
            x = np.asarray(jax.vmap(lambda g: g(jax.random.key(99), 2500))(r.generator))
            elapsed = time.perf_counter() - t
            covs = [gan.mode_coverage(xi, data.means, data.std) for xi in x]
            modes = np.array([c.modes_covered for c in covs])
            hq = np.array([c.high_quality for c in covs])
            dist = np.bincount(modes, minlength=9)
            n_gen = int(r.history.steps[-1])
            rate = n_seeds * n_gen / elapsed
            rows[f"{loss}/{updates}"] = dict(
                modes=modes.tolist(),
                high_quality=hq.tolist(),
                sliced_w1=r.history.distance[:, -1].tolist(),
                seconds=elapsed,
                generator_steps=n_gen,
            )
            print(
                f"  {loss:14s} {updates:12s} modes {modes.mean():.2f} +- {modes.std(ddof=1):.2f}  "
                f"8/8 in {np.sum(modes == 8):2d}/{n_seeds} (first 10: {np.sum(modes[:10] == 8)}/10)  "
                f"high quality {100 * hq.mean():5.1f}%  counts 0..8 {dist.tolist()}  "
                f"SW_1 {np.median(r.history.distance[:, -1]):.3f}  {elapsed:6.1f} s "
                f"({rate:.0f} generator steps/s over the seeds)",
                flush=True,
            )
    return rows


if __name__ == "__main__":
    which = [a for a in sys.argv[1:] if a in ("one_d", "ring")] or ["one_d", "ring"]
    losses = tuple(a for a in sys.argv[1:] if a not in ("one_d", "ring")) or gan.LOSSES
    path = os.path.join(HERE, "results_gan.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    if "one_d" in which:
        results["one_d"] = one_d()
    if "ring" in which:
        results["ring"] = {**results.get("ring", {}), **ring(losses=losses)}
    with open(path, "w") as fh:
        json.dump(results, fh, indent=1)
