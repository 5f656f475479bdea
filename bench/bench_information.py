"""Information measures against scipy and scikit-learn, side by side in one process.

    python bench/bench_information.py [--repeat 7] [--json bench/results_information.json]

* Small calls (one pmf or one table, repeated; median): ``entropy`` against
  ``scipy.stats.entropy(p)``, ``cross_entropy`` against ``entropy(p) + entropy(p, q)``
  (scipy has no cross-entropy), ``mutual_information`` of a contingency table against
  ``sklearn.metrics.mutual_info_score(None, None, contingency=C)``.
* Batches: the entropies of 2000 pmfs of 1000 outcomes against
  ``scipy.stats.entropy(P, axis=1)``; the mutual information of 500 tables 16 x 16
  (one call, batched) against a loop of ``mutual_info_score``.
* Accuracy where the entropy decomposition cancels: nearly independent tables of counts,
  against an 80-digit mpmath reference.
* Multivariate normal KL at ``d = 2048`` against the textbook Cholesky formula in NumPy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import timeit

import mpmath as mp
import numpy as np
from scipy.stats import entropy
from sklearn.metrics import mutual_info_score

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved

import divtools


def median_us(fn, number: int, repeat: int) -> float:
    fn()
    return float(np.median(timeit.repeat(fn, number=number, repeat=repeat))) / number * 1e6


def small_calls(repeat: int) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for n in (3, 8, 64):
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        out[f"pmf n={n}"] = {
            "divtools entropy": median_us(lambda: divtools.entropy(p), 1000, repeat),
            "scipy entropy(p)": median_us(lambda: entropy(p), 1000, repeat),
            "divtools cross_entropy": median_us(lambda: divtools.cross_entropy(p, q), 1000, repeat),
            "scipy entropy(p) + entropy(p, q)": median_us(lambda: entropy(p) + entropy(p, q), 1000, repeat),
        }
    for shape in ((2, 2), (10, 10)):
        C = rng.integers(1, 50, shape)
        out[f"table {shape[0]}x{shape[1]}"] = {
            "divtools mutual_information": median_us(
                lambda: divtools.mutual_information(C, normalize=True), 300, repeat
            ),
            "sklearn mutual_info_score": median_us(
                lambda: mutual_info_score(None, None, contingency=C), 300, repeat
            ),
        }
    return out


def batches(repeat: int) -> dict:
    rng = np.random.default_rng(1)
    P = rng.dirichlet(np.ones(1000), size=2000)
    tables = rng.integers(1, 100, (500, 16, 16)).astype(float)
    t = interleaved(
        {
            "divtools entropy": lambda: divtools.entropy(P),
            "scipy entropy": lambda: entropy(P, axis=1),
            "divtools mutual_information": lambda: divtools.mutual_information(tables, normalize=True),
            "sklearn loop": lambda: [mutual_info_score(None, None, contingency=C) for C in tables],
        },
        repeat,
    )
    ours = divtools.mutual_information(tables, normalize=True)
    theirs = np.array([mutual_info_score(None, None, contingency=C) for C in tables])
    return {
        "entropy 2000 x 1000 (ms)": {
            "divtools": t["divtools entropy"] * 1e3,
            "scipy": t["scipy entropy"] * 1e3,
        },
        "mutual information 500 x 16 x 16 (ms)": {
            "divtools": t["divtools mutual_information"] * 1e3,
            "sklearn loop": t["sklearn loop"] * 1e3,
        },
        "max relative difference to sklearn": float(np.max(np.abs(ours - theirs) / theirs)),
    }


def _reference_mi(T) -> mp.mpf:
    n, m = T.shape
    Tm = [[mp.mpf(float(v)) for v in row] for row in T]
    S = mp.fsum(sum(Tm, []))
    px = [mp.fsum(r) for r in Tm]
    py = [mp.fsum(Tm[i][j] for i in range(n)) for j in range(m)]
    return mp.fsum(
        Tm[i][j] / S * mp.log(Tm[i][j] * S / (px[i] * py[j]))
        for i in range(n)
        for j in range(m)
        if Tm[i][j] > 0
    )


def accuracy() -> dict:
    """Nearly independent tables: counts ``round(outer(a, b) (1 + eps z) 2**24)`` (what
    scikit-learn takes), both libraries on the same counts, against mpmath."""
    rng = np.random.default_rng(2)
    out = {}
    for eps in (1e-4, 1e-6):
        a, b = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(7))
        C = np.round(np.outer(a, b) * (1 + eps * rng.standard_normal((6, 7))) * 2**24)
        with mp.workdps(80):
            ref = _reference_mi(C)
            rel = lambda v: float(abs(mp.mpf(float(v)) - ref) / ref)
            out[f"eps={eps:g}"] = {
                "mutual information": float(ref),
                "divtools": rel(divtools.mutual_information(C, normalize=True)),
                "sklearn mutual_info_score": rel(
                    mutual_info_score(None, None, contingency=C.astype(np.int64))
                ),
                "entropy decomposition": rel(
                    divtools.entropy(C.sum(1), normalize=True)
                    + divtools.entropy(C.sum(0), normalize=True)
                    - divtools.entropy(C, axis=(0, 1), normalize=True)
                ),
            }
    return out


def gaussian_kl(repeat: int) -> dict:
    import scipy.linalg

    rng = np.random.default_rng(3)
    d = 2048
    A, Bm = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    S1, S2 = A @ A.T / d + np.eye(d), Bm @ Bm.T / d + np.eye(d)
    m1, m2 = rng.standard_normal(d), rng.standard_normal(d)

    def textbook():
        L1, L2 = np.linalg.cholesky(S1), np.linalg.cholesky(S2)
        M = scipy.linalg.solve_triangular(L2, L1, lower=True)
        y = scipy.linalg.solve_triangular(L2, m2 - m1, lower=True)
        logdet = 2 * (np.log(np.diag(L2)).sum() - np.log(np.diag(L1)).sum())
        return 0.5 * (np.sum(M * M) - d + y @ y + logdet)

    P, Q = divtools.MultivariateNormal(m1, S1), divtools.MultivariateNormal(m2, S2)
    t = interleaved({"divtools": lambda: divtools.kl(P, Q), "textbook": textbook}, repeat)
    return {
        "d": d,
        "divtools_s": t["divtools"],
        "textbook_s": t["textbook"],
        "relative_difference": float(abs(divtools.kl(P, Q) - textbook()) / textbook()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    result = {
        "small calls (us)": small_calls(args.repeat),
        "batches": batches(args.repeat),
        "accuracy (relative error)": accuracy(),
        "multivariate normal KL": gaussian_kl(3),
    }
    print(json.dumps(result, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
