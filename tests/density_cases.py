"""Pairs of densities for the accuracy tests, their known infinities, and the
50-digit mpmath references (stored in ``density_references.json``).

Regenerate the references with ``python tests/density_cases.py`` (a few
minutes); ``tests/test_densities.py`` recomputes some of them on every run.
"""

from __future__ import annotations

import json
import math
import os
import sys

import mpmath as mp
import numpy as np
import scipy.stats as st

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCES = os.path.join(HERE, "density_references.json")

GENERATORS = [
    "kl",
    "reverse_kl",
    "jeffreys",
    "js",
    "gan",
    "tv",
    "pearson",
    "neyman",
    "squared_hellinger",
    "triangular",
    "alpha(2)",
    "alpha(0.3)",
    "alpha(-0.5)",
    "skew_js(0.2)",
]

# (P, Q) as (scipy family, args); what the pair exercises
PAIRS = {
    "normal-laplace": (("norm", (0.0, 1.0)), ("laplace", (0.5, 1.2))),
    "t3-normal": (("t", (3.0, 0.0, 1.0)), ("norm", (0.2, 1.5))),
    "cauchy-t2": (("cauchy", (0.0, 1.0)), ("t", (2.0, 0.5, 1.0))),
    "logistic-normal": (("logistic", (0.0, 1.0)), ("norm", (0.0, 1.8))),
    "gamma-expon": (("gamma", (2.5, 0.0, 1.0)), ("expon", (0.0, 2.0))),
    "beta-uniform": (("beta", (2.0, 3.0, 0.0, 1.0)), ("uniform", (0.0, 1.0))),
    "nested-uniforms": (("uniform", (0.0, 1.0)), ("uniform", (-1.0, 4.0))),
    "laplace-narrow-normal": (("laplace", (0.0, 1.0)), ("norm", (0.0, 1e-3))),
    "disjoint-uniforms": (("uniform", (0.0, 1.0)), ("uniform", (2.0, 1.0))),
    "nearly-equal-t5": (("t", (5.0, 0.0, 1.0)), ("t", (5.0, 1e-3, 1.0))),
}

# Divergent integrals, from the tails and singularities of each pair:
_HEAVY_P = {"pearson", "alpha(2)"}  # int p^2/q (or p^a q^(1-a), a > 1) diverges
INFINITE = (
    {("t3-normal", g) for g in _HEAVY_P}
    | {
        ("cauchy-t2", g)
        for g in _HEAVY_P  # p^2/q ~ 1/x: logarithmic divergence
    }
    | {("logistic-normal", g) for g in _HEAVY_P}
    | {
        ("normal-laplace", "neyman"),
        ("normal-laplace", "alpha(-0.5)"),  # q^2/p, p^-0.5 q^1.5 grow
        ("gamma-expon", "neyman"),  # q^2/p ~ x^-1.5 at 0
        ("beta-uniform", "neyman"),  # 1/p ~ 1/x at 0
        ("beta-uniform", "alpha(-0.5)"),  # p^-0.5 ~ (1 - x)^-1 at 1
        ("nested-uniforms", "reverse_kl"),
        ("nested-uniforms", "jeffreys"),
        ("nested-uniforms", "neyman"),
        ("nested-uniforms", "alpha(-0.5)"),
        ("laplace-narrow-normal", "pearson"),
        ("laplace-narrow-normal", "alpha(2)"),
    }
    | {
        ("disjoint-uniforms", g)
        for g in ("kl", "reverse_kl", "jeffreys", "pearson", "neyman", "alpha(2)", "alpha(-0.5)")
    }
)


def frozen(spec):
    name, args = spec
    return getattr(st, name)(*args)


def splits(P, Q) -> list[float]:
    """Integration limits and split points for mpmath: support ends, quantiles,
    and the crossings of the two log densities (located in mpmath)."""
    from reference import _mp_logpdf

    dp, dq = frozen(P), frozen(Q)
    lo = min(dp.support()[0], dq.support()[0])
    hi = max(dp.support()[1], dq.support()[1])
    probs = np.array([1e-6, 0.01, 0.1, 0.5, 0.9, 0.99, 1 - 1e-6])
    pts = set(np.concatenate([dp.ppf(probs), dq.ppf(probs)]).tolist())
    pts |= {e for e in (*dp.support(), *dq.support()) if math.isfinite(e)}
    pts = sorted(x for x in pts if lo <= x <= hi and math.isfinite(x))
    lp, lq = _mp_logpdf(*P), _mp_logpdf(*Q)
    grid = np.unique(np.concatenate([pts, np.linspace(pts[0], pts[-1], 400)]))
    delta = [lp(mp.mpf(x)) - lq(mp.mpf(x)) for x in grid]
    crossings = []
    for a, b, fa, fb in zip(grid[:-1], grid[1:], delta[:-1], delta[1:]):
        if not (mp.isfinite(fa) and mp.isfinite(fb)) or fa * fb >= 0:
            continue
        crossings.append(
            float(mp.findroot(lambda x: lp(x) - lq(x), (mp.mpf(a), mp.mpf(b)), solver="anderson"))
        )
    far = set()  # tails in decades: tanh-sinh per decade copes with slow (algebraic) decay
    for k in range(1, 13):
        for x in (10.0**k, -(10.0**k)):
            if lo < x < hi and not (pts[0] <= x <= pts[-1]):
                far.add(x)
    near = set()  # decades next to finite support ends: endpoint singularities (x^-0.75)
    for e in (*dp.support(), *dq.support()):
        if math.isfinite(e):
            for k in range(1, 16):
                for x in (e + 10.0**-k, e - 10.0**-k):
                    if lo < x < hi and x != e:
                        near.add(x)
    inner = {x for x in set(pts) | set(crossings) | far | near if math.isfinite(x)}
    return [lo, *sorted(inner), hi]


def compute(dps: int = 50, save: bool = False) -> dict:
    from reference import density_divergence

    out = load() if save and os.path.exists(REFERENCES) else {}
    for key, (P, Q) in PAIRS.items():
        cuts = splits(P, Q)
        for g in GENERATORS:
            if (key, g) in INFINITE or f"{key}/{g}" in out:
                continue
            value, agreement = density_divergence(P, Q, g, cuts, dps=dps)
            if agreement > 1e-17:  # two tanh-sinh degrees agree far beyond double precision
                raise RuntimeError(f"reference for {key}/{g} not converged ({agreement:.1e})")
            out[f"{key}/{g}"] = mp.nstr(value, 30)
            if save:
                with open(REFERENCES, "w") as fh:
                    json.dump(out, fh, indent=1, sort_keys=True)
            print(key, g, out[f"{key}/{g}"], f"{agreement:.1e}", flush=True)
    return out


def load() -> dict:
    with open(REFERENCES) as fh:
        return json.load(fh)


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    compute(save=True)
