"""Speed and accuracy of the divergences between 1-D distributions, side by side.

    python bench/bench_densities.py [--repeat 7] [--n 1000000] [--quad-repeat 7]

Closed forms (issue "Divergences between densities"): ``divtools.kl``, ``tv``
and ``squared_hellinger`` between ``Normal(m1, s1)`` and ``Normal(m2, s2)`` with
float64 parameter arrays of N = 10^6 elements, against the naive NumPy formula
``log(s2/s1) + (s1^2 + (m1 - m2)^2)/(2 s2^2) - 1/2`` on the same arrays; the
relative error of both against 50-digit mpmath on 200 pairs, half of them
nearly equal (``m2 = m1 (1 + 1e-9)``, ``s2 = s1 (1 + 1e-9)``) where the naive
formula cancels; the latency of one scalar call, eager and under ``jax.jit``.

Quadrature (no closed form) between frozen scipy distributions, pairs of
``tests/density_cases.py``: ``divtools.kl(P, Q)`` etc. against the naive user's
``scipy.integrate.quad`` of the integrand over ``(-inf, inf)`` with default
tolerances (warnings suppressed, nan reported as nan); relative errors against
the 50-digit references of ``tests/density_references.json`` and divtools'
own ``.error``. The first divtools call of each case (it compiles the
generator's integrand once per process) is timed separately.
Timings alternate between the contenders so drift affects both alike.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
import warnings

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
from _timing import interleaved
from scipy import integrate

import divtools

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))
from density_cases import PAIRS, REFERENCES, frozen


def naive_kl(m1, s1, m2, s2):
    return np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5


# --------------------------------------------------------------------------
# 50-digit references for Gaussians.


def mp_normal(m1, s1, m2, s2) -> dict:
    m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (m1, s1, m2, s2))
    kl = mp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mp.mpf(1) / 2
    v = s1**2 + s2**2
    h2 = 2 - 2 * mp.sqrt(2 * s1 * s2 / v) * mp.exp(-((m1 - m2) ** 2) / (4 * v))
    # TV from F_P - F_Q at the crossings of the log densities (a x^2 + b x + c = 0)
    gap = lambda x: mp.ncdf((x - m1) / s1) - mp.ncdf((x - m2) / s2)
    if s1 == s2:
        tv = abs(gap((m1 + m2) / 2))
    else:
        a = 1 / (2 * s2**2) - 1 / (2 * s1**2)
        b = m1 / s1**2 - m2 / s2**2
        c = m2**2 / (2 * s2**2) - m1**2 / (2 * s1**2) + mp.log(s2 / s1)
        r = mp.sqrt(b * b - 4 * a * c)
        x1, x2 = sorted([(-b - r) / (2 * a), (-b + r) / (2 * a)])
        d1, d2 = gap(x1), gap(x2)
        tv = (abs(d1) + abs(d2 - d1) + abs(d2)) / 2
    return {"kl": kl, "tv": tv, "squared_hellinger": h2}


def max_rel(values, refs) -> float:
    errs = [abs(mp.mpf(float(v)) - r) / abs(r) for v, r in zip(values, refs)]
    return float(max(errs))


def gaussian_accuracy(m1, s1, m2, s2, rng, k: int = 100) -> dict:
    """Max relative errors on k generic pairs and k nearly equal pairs."""
    idx = rng.choice(m1.size, 2 * k, replace=False)
    g1, t1, g2, t2 = m1[idx[:k]], s1[idx[:k]], m2[idx[:k]], s2[idx[:k]]
    e1, u1 = m1[idx[k:]], s1[idx[k:]]
    e2, u2 = e1 * (1 + 1e-9), u1 * (1 + 1e-9)
    out = {}
    for label, args in (("generic", (g1, t1, g2, t2)), ("nearly equal, 1e-9", (e1, u1, e2, u2))):
        refs = [mp_normal(*row) for row in zip(*args)]
        P, Q = divtools.Normal(args[0], args[1]), divtools.Normal(args[2], args[3])
        with np.errstate(all="ignore"):
            row = {
                "divtools.kl": max_rel(divtools.kl(P, Q), [r["kl"] for r in refs]),
                "naive NumPy KL": max_rel(naive_kl(*args), [r["kl"] for r in refs]),
                "divtools.tv": max_rel(divtools.tv(P, Q), [r["tv"] for r in refs]),
                "divtools.squared_hellinger": max_rel(
                    divtools.squared_hellinger(P, Q), [r["squared_hellinger"] for r in refs]
                ),
            }
        out[label] = row
    return out


# --------------------------------------------------------------------------
# Quadrature cases.

CASES = [("normal-laplace", g) for g in ("kl", "js", "tv", "squared_hellinger")] + [
    ("t3-normal", "kl"),
    ("gamma-expon", "js"),
    ("cauchy-t2", "js"),
]


def naive_integrand(P, Q, gen):
    if gen == "kl":

        def f(x):
            p, q = P.pdf(x), Q.pdf(x)
            return p * np.log(p / q)
    elif gen == "js":

        def f(x):
            p, q = P.pdf(x), Q.pdf(x)
            m = 0.5 * (p + q)
            return 0.5 * (p * np.log(p / m) + q * np.log(q / m))
    elif gen == "tv":

        def f(x):
            return 0.5 * abs(P.pdf(x) - Q.pdf(x))
    elif gen == "squared_hellinger":

        def f(x):
            return (np.sqrt(P.pdf(x)) - np.sqrt(Q.pdf(x))) ** 2

    return f


def naive_quad(P, Q, gen) -> float:
    f = naive_integrand(P, Q, gen)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return float(integrate.quad(f, -np.inf, np.inf)[0])


def load_references() -> tuple[dict, str]:
    """The references as they are now (another process may be writing the file)."""
    for _ in range(10):
        try:
            with open(REFERENCES) as fh:
                return json.load(fh), ""
        except (OSError, ValueError) as exc:
            err = f"{type(exc).__name__}: {exc}"
            time.sleep(0.3)
    return {}, f"could not read {REFERENCES} ({err}); no accuracies"


def rel(value, ref) -> float:
    if math.isnan(value):
        return math.nan
    if ref == 0:
        return abs(value)
    return float(abs(mp.mpf(value) - ref) / abs(ref))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quad-repeat", type=int, default=7)
    ap.add_argument("--n", type=int, default=10**6)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    mp.mp.dps = 50
    refs, note = load_references()
    rng = np.random.default_rng(0)
    caught = []  # warnings raised by divtools
    warnings.simplefilter("always")
    warnings.showwarning = lambda *w, **kw: caught.append(w)
    results: dict = {}

    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, jax {jax.__version__}"
    )

    # ---------------------------------------------------------------- closed forms
    n = args.n
    m1, m2 = rng.standard_normal(n), rng.standard_normal(n)
    s1, s2 = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    P, Q = divtools.Normal(m1, s1), divtools.Normal(m2, s2)
    np.testing.assert_allclose(divtools.kl(P, Q), naive_kl(m1, s1, m2, s2), rtol=1e-9, atol=1e-15)
    t = interleaved(
        {
            "divtools.kl": lambda: divtools.kl(P, Q),
            "naive NumPy KL": lambda: naive_kl(m1, s1, m2, s2),
            "divtools.tv": lambda: divtools.tv(P, Q),
            "divtools.squared_hellinger": lambda: divtools.squared_hellinger(P, Q),
        },
        args.repeat,
    )
    print(f"Gaussians, closed forms, parameter arrays of N = {n}, float64, median of {args.repeat}")
    for k, v in t.items():
        ratio = f"   {v / t['divtools.kl']:6.2f}x divtools.kl" if k == "naive NumPy KL" else ""
        print(f"  {k:30s} {v * 1e3:9.1f} ms {v / n * 1e9:7.1f} ns/element{ratio}")
    results["closed_forms_s"] = t

    acc = gaussian_accuracy(m1, s1, m2, s2, rng)
    labels = list(acc)
    print(f"  max relative error vs 50-digit mpmath, 100 pairs each: {labels[0]:>9s} {labels[1]:>20s}")
    for k in acc[labels[0]]:
        print(f"    {k:52s} {acc[labels[0]][k]:9.1e} {acc[labels[1]][k]:20.1e}")
    results["closed_forms_accuracy"] = acc

    # ------------------------------------------------------------- scalar latency
    a, b = divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0)
    with jax.enable_x64(True):
        f = jax.jit(lambda m, s: divtools.kl(divtools.Normal(m, s), divtools.Normal(1.0, 2.0)))
        jm, js = jnp.asarray(0.0, jnp.float64), jnp.asarray(1.0, jnp.float64)
        t0 = time.perf_counter()
        f(jm, js).block_until_ready()
        compile_s = time.perf_counter() - t0
        exact = math.log(2.0) + 2.0 / 8.0 - 0.5
        assert abs(float(f(jm, js)) - exact) < 1e-15 and abs(float(divtools.kl(a, b)) - exact) < 1e-15
        ts = interleaved(
            {
                "divtools.kl(Normal(0,1), Normal(1,2))": lambda: divtools.kl(
                    divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0)
                ),
                "jax.jit f(m, s), float64": lambda: f(jm, js).block_until_ready(),
                "math formula (anchor)": lambda: math.log(2.0 / 1.0) + (1.0 + 1.0) / 8.0 - 0.5,
            },
            20 * args.repeat,
        )
    print(f"scalar latency, median of {20 * args.repeat} (jit compile, first call: {compile_s * 1e3:.0f} ms)")
    ours = "divtools.kl(Normal(0,1), Normal(1,2))"
    for k, v in ts.items():
        ratio = "" if k == ours else f"   {v / ts[ours]:7.3f}x divtools"
        print(f"  {k:40s} {v * 1e6:9.1f} us{ratio}")
    results["scalar_s"] = {**ts, "jit compile": compile_s}

    # ----------------------------------------------------------------- quadrature
    print(
        f"quadrature, frozen scipy pairs, median of {args.quad_repeat}; "
        "quad: scipy.integrate.quad over (-inf, inf), default tolerances"
    )
    if note:
        print("  note: " + note)
    head = (
        f"  {'case':32s} {'warm-up':>8s} {'divtools':>9s} {'quad':>8s} {'quad/div':>8s}"
        f" {'div rel err':>11s} {'quad rel err':>12s} {'div .error':>10s}"
    )
    print(head)
    missing = []
    results["quadrature"] = {}
    for pair, gen in CASES:
        P, Q = (frozen(s) for s in PAIRS[pair])
        fn = getattr(divtools, gen)
        t0 = time.perf_counter()
        ours = fn(P, Q)
        warm = time.perf_counter() - t0
        theirs = naive_quad(P, Q, gen)
        tq = interleaved(
            {"divtools": lambda: fn(P, Q), "quad": lambda: naive_quad(P, Q, gen)}, args.quad_repeat
        )
        key = f"{pair}/{gen}"
        if key in refs:
            ref = mp.mpf(refs[key])
            e_ours, e_quad = rel(float(ours), ref), rel(theirs, ref)
            errs = f" {e_ours:11.1e} {e_quad:12.1e}"
        else:
            missing.append(key)
            e_ours = e_quad = None
            errs = f" {'-':>11s} {'-':>12s}"
        err = getattr(ours, "error", math.nan)
        print(
            f"  {key:32s} {warm * 1e3:6.0f}ms {tq['divtools'] * 1e3:7.2f}ms {tq['quad'] * 1e3:6.2f}ms"
            f" {tq['quad'] / tq['divtools']:7.2f}x{errs} {err / abs(float(ours)):9.1e}r"
        )
        results["quadrature"][key] = {
            "warm_up_s": warm,
            **{k + "_s": v for k, v in tq.items()},
            "divtools": float(ours),
            "quad": theirs,
            "divtools_error": err,
            "rel_err_divtools": e_ours,
            "rel_err_quad": e_quad,
        }
    print(
        "  (div .error: divtools' estimated absolute error / value; warm-up: first call, "
        "compiles the generator's integrand once per process)"
    )
    if missing:
        print("  note: no reference yet for " + ", ".join(missing) + " (file still being written?)")
    print(f"warnings raised by divtools: {len(caught)}")
    for w in caught:
        print(f"  {w[1].__name__}: {w[0]} ({w[2]}:{w[3]})")

    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2, default=str)


if __name__ == "__main__":
    main()
