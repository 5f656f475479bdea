"""Speed of the exact Wasserstein solvers against scipy and POT, side by side.

    python bench/bench_wasserstein.py [--repeat 7] [--n 1000000]

1-D (issue "Exact Wasserstein"): N = 10^6 float64 samples each, unweighted and
weighted, against ``scipy.stats.wasserstein_distance`` and ``ot.wasserstein_1d``
(p = 1); a batch of 1000 problems of 1000 samples against a scipy loop.
Finite spaces: ``divtools.optimal_transport`` against ``ot.emd2`` at n = 1000
(random points in the plane, squared Euclidean cost) and, on points of the
line, the sorting solver against ``ot.emd2``. Contenders alternate in every
repetition; medians are reported with the ratios. POT is a runtime dependency
of divtools (its network simplex is the finite-space engine).
"""

from __future__ import annotations

import argparse

import numpy as np
import ot
import scipy.stats as ss
from _timing import interleaved

import divtools


def report(title: str, t: dict, ours: str) -> None:
    print(title)
    for k, v in t.items():
        ratio = "" if k == ours else f"   {v / t[ours]:6.2f}x divtools"
        print(f"  {k:34s} {v * 1e3:9.1f} ms{ratio}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=10**6)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    n = args.n
    u, v = rng.standard_normal(n), 1.5 * rng.standard_normal(n) + 0.2
    a, b = rng.random(n), rng.random(n)
    an, bn = a / a.sum(), b / b.sum()

    assert abs(divtools.wasserstein_1d(u, v) - ss.wasserstein_distance(u, v)) < 1e-12
    assert abs(divtools.wasserstein_1d(u, v, a, b) - ss.wasserstein_distance(u, v, a, b)) < 1e-12

    report(
        f"1-D, unweighted, N = {n}",
        interleaved(
            {
                "divtools.wasserstein_1d": lambda: divtools.wasserstein_1d(u, v),
                "scipy wasserstein_distance": lambda: ss.wasserstein_distance(u, v),
                "POT wasserstein_1d": lambda: ot.wasserstein_1d(u, v, p=1),
            },
            args.repeat,
        ),
        "divtools.wasserstein_1d",
    )
    report(
        f"1-D, weighted, N = {n}",
        interleaved(
            {
                "divtools.wasserstein_1d": lambda: divtools.wasserstein_1d(u, v, a, b),
                "scipy wasserstein_distance": lambda: ss.wasserstein_distance(u, v, a, b),
                "POT wasserstein_1d": lambda: ot.wasserstein_1d(u, v, an, bn, p=1),
            },
            args.repeat,
        ),
        "divtools.wasserstein_1d",
    )

    U, V = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000)) + 0.1
    A, B = rng.random((1000, 1000)), rng.random((1000, 1000))
    report(
        "1-D, batch of 1000 problems x 1000 samples, unweighted",
        interleaved(
            {
                "divtools (one batched call)": lambda: divtools.wasserstein_1d(U, V),
                "scipy loop": lambda: [ss.wasserstein_distance(x, y) for x, y in zip(U, V)],
            },
            max(3, args.repeat // 2),
        ),
        "divtools (one batched call)",
    )
    report(
        "1-D, batch of 1000 problems x 1000 samples, weighted",
        interleaved(
            {
                "divtools (one batched call)": lambda: divtools.wasserstein_1d(U, V, A, B),
                "scipy loop": lambda: [ss.wasserstein_distance(*r) for r in zip(U, V, A, B)],
            },
            max(3, args.repeat // 2),
        ),
        "divtools (one batched call)",
    )

    m = 1000
    x, y = rng.random((m, 2)), rng.random((m, 2))
    C = ot.dist(x, y)
    wa, wb = rng.random(m), rng.random(m)
    wa, wb = wa / wa.sum(), wb / wb.sum()
    assert abs(divtools.optimal_transport(wa, wb, C).value - ot.emd2(wa, wb, C)) < 1e-9
    report(
        f"finite space, n = {m}, random points in the plane",
        interleaved(
            {
                "divtools.optimal_transport": lambda: divtools.optimal_transport(wa, wb, C),
                "POT emd2": lambda: ot.emd2(wa, wb, C),
            },
            args.repeat,
        ),
        "divtools.optimal_transport",
    )

    xl, yl = np.sort(rng.random(m)), np.sort(rng.random(m))
    Cl = np.abs(xl[:, None] - yl[None, :])
    report(
        f"points on the line, n = {m} (W_1)",
        interleaved(
            {
                "divtools.wasserstein (line)": lambda: divtools.wasserstein(
                    wa, wb, divtools.LineMetric(xl, yl)
                ),
                "POT emd2 on the cost matrix": lambda: ot.emd2(wa, wb, Cl),
            },
            args.repeat,
        ),
        "divtools.wasserstein (line)",
    )


if __name__ == "__main__":
    main()
