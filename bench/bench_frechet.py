"""The Frechet distance (FID's formula) against the scipy-``sqrtm`` formula of pytorch-fid
and clean-fid, side by side in one process.

    python bench/bench_frechet.py [--repeat 3] [--n 10000] [--d 2048] [--json bench/results_frechet.json]

1. **Speed** at ``d = 2048``, ``n = 10,000`` samples per side (Gaussian features with a
   decaying spectrum): both pipelines start from the samples (means, covariances,
   trace term). Anchor: ``calculate_frechet_distance`` of pytorch-fid (``np.cov``,
   ``scipy.linalg.sqrtm(sigma1 @ sigma2)``, real part of the trace).
2. **Where the formula fails**: fewer samples than dimensions, a duplicated feature
   (singular covariances), covariances with condition number 1e12, identical inputs.
   For each: scipy's value (complex, NaN, negative?), divtools', and a 50-digit
   mpmath reference (small ``d`` so that the reference is cheap).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings

import mpmath as mp
import numpy as np
import scipy
import scipy.linalg

import divtools


def pytorch_fid(mu1, sigma1, mu2, sigma2):
    """pytorch-fid's ``calculate_frechet_distance`` without its ``eps`` retry: the value,
    and what went wrong (a complex square root, NaN, a negative distance)."""
    diff = mu1 - mu2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean = scipy.linalg.sqrtm(sigma1.dot(sigma2))
    problems = []
    if np.iscomplexobj(covmean):
        imag = float(np.max(np.abs(covmean.imag)))
        if imag > 1e-3:
            problems.append(f"imaginary component {imag:.3g} (pytorch-fid raises ValueError)")
        covmean = covmean.real
    value = float(diff.dot(diff) + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))
    if not np.isfinite(value):
        problems.append("not finite")
    elif value < 0:
        problems.append("negative")
    return value, problems


def from_samples(x, y):
    return pytorch_fid(x.mean(0), np.cov(x, rowvar=False), y.mean(0), np.cov(y, rowvar=False))


def reference(x, y, dps=50):
    """``|m1 - m2|^2 + tr S1 + tr S2 - 2 tr (S1^1/2 S2 S1^1/2)^1/2`` in mpmath."""
    with mp.workdps(dps):

        def moments(a):
            A = [[mp.mpf(float(v)) for v in row] for row in a]
            n, d = len(A), len(A[0])
            m = [mp.fsum(r[j] for r in A) / n for j in range(d)]
            S = mp.matrix(d, d)
            for i in range(d):
                for j in range(i, d):
                    S[i, j] = S[j, i] = mp.fsum((r[i] - m[i]) * (r[j] - m[j]) for r in A) / (n - 1)
            return m, S

        (m1, S1), (m2, S2) = moments(x), moments(y)
        lam, Q = mp.eigsy(S1)
        A = Q * mp.diag([mp.sqrt(max(v, 0)) for v in lam]) * Q.T
        mu, _ = mp.eigsy(A * S2 * A)
        root = mp.fsum(mp.sqrt(max(v, 0)) for v in mu)
        tr = mp.fsum(S1[i, i] + S2[i, i] for i in range(S1.rows))
        return mp.fsum((a - b) ** 2 for a, b in zip(m1, m2)) + tr - 2 * root


def failure_cases(rng) -> list:
    d = 12
    spectrum = np.geomspace(1.0, 1e-12, d)
    Q1, _ = np.linalg.qr(rng.standard_normal((d, d)))
    Q2, _ = np.linalg.qr(rng.standard_normal((d, d)))
    cases = {
        "n < d (8 samples, d = 12)": (rng.standard_normal((8, d)), rng.standard_normal((8, d)) + 0.1),
        "n < d (20 samples, d = 64)": (rng.standard_normal((20, 64)), rng.standard_normal((20, 64)) + 0.1),
        "duplicated feature (singular covariances)": (
            np.repeat(rng.standard_normal((200, d // 2)), 2, axis=1),
            np.repeat(rng.standard_normal((200, d // 2)), 2, axis=1) * 1.1,
        ),
        "condition number 1e12": (
            (rng.standard_normal((400, d)) * np.sqrt(spectrum)) @ Q1.T,
            (rng.standard_normal((400, d)) * np.sqrt(spectrum)) @ Q2.T,
        ),
        "identical samples": (rng.standard_normal((30, d)),) * 2,
    }
    out = []
    for name, (x, y) in cases.items():
        theirs, problems = from_samples(x, y)
        ours = float(divtools.frechet_distance(x, y))
        ref = reference(x, y)
        scale = max(abs(float(ref)), 1e-300)
        out.append(
            {
                "case": name,
                "reference": mp.nstr(ref, 17),
                "divtools": ours,
                "divtools_abs_error": float(abs(mp.mpf(ours) - ref)),
                "divtools_rel_error": float(abs(mp.mpf(ours) - ref) / scale),
                "scipy_sqrtm": theirs,
                "scipy_abs_error": float(abs(mp.mpf(theirs) - ref)) if np.isfinite(theirs) else float("nan"),
                "scipy_problems": problems,
            }
        )
    return out


def speed(rng, n: int, d: int, repeat: int) -> dict:
    spectrum = np.geomspace(1.0, 1e-4, d)  # a decaying spectrum, as features have
    x = rng.standard_normal((n, d)) * np.sqrt(spectrum)
    y = rng.standard_normal((n, d)) * np.sqrt(spectrum * 1.1) + 0.01
    ours_t, theirs_t = [], []
    for _ in range(repeat):  # alternate, so that load drifts hit both
        t0 = time.perf_counter()
        ours = float(divtools.frechet_distance(x, y))
        ours_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        theirs, problems = from_samples(x, y)
        theirs_t.append(time.perf_counter() - t0)
    a, b = float(np.median(ours_t)), float(np.median(theirs_t))
    return {
        "n": n,
        "d": d,
        "divtools_s": a,
        "scipy_sqrtm_s": b,
        "speedup": b / a,
        "divtools": ours,
        "scipy_sqrtm": theirs,
        "relative_difference": abs(ours - theirs) / abs(ours),
        "scipy_problems": problems,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--d", type=int, default=2048)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    result = {
        "machine": platform.processor() or platform.machine(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "failures": failure_cases(rng),
    }
    for row in result["failures"]:
        print(f"{row['case']}:")
        print(f"  reference {row['reference']}")
        print(f"  divtools  {row['divtools']!r:>26}  abs error {row['divtools_abs_error']:.2g}")
        flag = "; ".join(row["scipy_problems"]) or "ok"
        print(f"  sqrtm     {row['scipy_sqrtm']!r:>26}  abs error {row['scipy_abs_error']:.2g}  ({flag})")
    s = speed(rng, args.n, args.d, args.repeat)
    result["speed"] = s
    print(
        f"\nd = {s['d']}, n = {s['n']}: divtools {s['divtools_s']:.2f} s, scipy sqrtm formula "
        f"{s['scipy_sqrtm_s']:.2f} s ({s['speedup']:.1f}x); values {s['divtools']:.10g} and "
        f"{s['scipy_sqrtm']:.10g} (relative difference {s['relative_difference']:.2g})"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
