"""Speed of the exact core against scipy, side by side in one process.

    python bench/bench_exact.py [--repeat 21] [--json out.json]

Workload of issue "Exact discrete core": a batch of 2000 pairs of 1000-outcome
float64 distributions (NumPy in, NumPy out; validation included). Anchors:
``scipy.spatial.distance.jensenshannon(P, Q, axis=1)`` (squared, to compare
the divergence), ``scipy.stats.entropy(P, Q, axis=1)``, and one streaming pass
``np.add(P, Q)`` as the memory-bound floor. Reports median times and the
ratios, plus the relative error of both libraries on nearly equal pairs.
Timings alternate between the contenders so drift affects both alike.
"""

from __future__ import annotations

import argparse
import json
import platform

import numpy as np
from _timing import interleaved
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

import divtools


def accuracy(rng) -> dict:
    """Relative error against mpmath on nearly equal pairs (eps = 1e-6 and 1e-8)."""
    import mpmath as mp

    mp.mp.dps = 50
    out = {}
    for eps in (1e-6, 1e-8):
        p = rng.dirichlet(np.ones(300))
        q = p * (1 + eps * rng.uniform(-1, 1, 300))
        q /= q.sum()
        P = [mp.mpf(float(x)) for x in p]
        Q = [mp.mpf(float(x)) for x in q]
        sp, sq = mp.fsum(P), mp.fsum(Q)
        P, Q = [x / sp for x in P], [y / sq for y in Q]
        M = [(x + y) / 2 for x, y in zip(P, Q)]
        kl = mp.fsum(x * mp.log(x / y) for x, y in zip(P, Q))
        js = (
            mp.fsum(x * mp.log(x / m) for x, m in zip(P, M))
            + mp.fsum(y * mp.log(y / m) for y, m in zip(Q, M))
        ) / 2
        rel = lambda v, r: float(abs(mp.mpf(float(v)) - r) / abs(r))
        with np.errstate(invalid="ignore"):
            out[f"eps={eps:g}"] = {
                "divtools kl": rel(divtools.kl(p, q), kl),
                "scipy entropy": rel(entropy(p, q), kl),
                "divtools js": rel(divtools.js(p, q), js),
                "scipy jensenshannon^2": rel(jensenshannon(p, q) ** 2, js),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    P = rng.random((2000, 1000))
    Q = rng.random((2000, 1000))
    P /= P.sum(1, keepdims=True)
    Q /= Q.sum(1, keepdims=True)

    np.testing.assert_allclose(divtools.kl(P, Q), entropy(P, Q, axis=1), rtol=1e-12)
    np.testing.assert_allclose(divtools.js(P, Q), jensenshannon(P, Q, axis=1) ** 2, rtol=1e-12)

    t = interleaved(
        {
            "divtools.kl": lambda: divtools.kl(P, Q),
            "scipy entropy": lambda: entropy(P, Q, axis=1),
            "divtools.js": lambda: divtools.js(P, Q),
            "scipy jensenshannon": lambda: jensenshannon(P, Q, axis=1),
            "divtools.tv": lambda: divtools.tv(P, Q),
            "numpy TV": lambda: 0.5 * np.abs(P - Q).sum(1),
            "np.add (streaming pass)": lambda: np.add(P, Q),
        },
        args.repeat,
    )

    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}")
    print("batch of 2000 pairs x 1000 outcomes, float64, median of", args.repeat)
    for k, v in t.items():
        print(f"  {k:26s} {v * 1e3:8.2f} ms")
    ratios = {
        "KL: scipy entropy / divtools.kl": t["scipy entropy"] / t["divtools.kl"],
        "JS: scipy jensenshannon / divtools.js": t["scipy jensenshannon"] / t["divtools.js"],
        "TV: numpy / divtools.tv": t["numpy TV"] / t["divtools.tv"],
        "divtools.kl / streaming pass": t["divtools.kl"] / t["np.add (streaming pass)"],
    }
    for k, v in ratios.items():
        print(f"  {k:40s} {v:6.2f}x")

    acc = accuracy(rng)
    print("relative error against 50-digit mpmath, 300 outcomes, q = p (1 + eps u):")
    for eps, row in acc.items():
        print("  " + eps + ": " + ", ".join(f"{k} {v:.1e}" for k, v in row.items()))

    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"times_s": t, "ratios": ratios, "accuracy": acc}, fh, indent=2)


if __name__ == "__main__":
    main()
