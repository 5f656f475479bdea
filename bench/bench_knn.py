"""KSG mutual information (estimator 1): divtools.knn against scikit-learn, side by side in one process.

    python bench/bench_knn.py [--repeat 5] [--n 6000] [--dims 1 2 5 10 20] [--json bench/results_knn.json]

Samples: ``n`` pairs ``(x, y)`` in ``R^d x R^d``, ``x ~ N(0, I)``, ``y = rho x + sqrt(1 - rho^2) e``
(``rho = 0.6``, coordinates paired), so ``I(X; Y) = -d/2 log(1 - rho^2)``; every
estimator gets the same float64 arrays, ``k = 3``.

* ``divtools``: :func:`divtools.knn.ksg_mutual_information` as a user calls it on
  NumPy arrays: its k-d trees in low dimension, the blocked brute force (jit-compiled)
  above (``search`` in the table). The first call (for the brute force: tracing and
  XLA compilation, once per shape) is timed apart from the median of the warm calls.
  ``brute_s`` is the brute force forced at every dimension, for comparison.
* The scikit-learn anchor: at ``d = 1`` its own ``_compute_mi_cc(x, y, 3)`` (the
  estimator inside ``mutual_info_regression``), which accepts 1-D arrays only (it
  reshapes to ``(-1, 1)``); at ``d > 1`` the same calls with the arrays kept ``(n, d)``
  (``NearestNeighbors(metric="chebyshev")`` for the radii, ``KDTree`` ``query_radius``
  counts), unclamped.
* At ``d = 1`` also the public ``mutual_info_regression(x[:, None], y, random_state=0)``,
  which scales the data and adds noise of ``1e-10`` times the scale (so its value
  differs slightly) and clamps at 0. At ``d > 1`` it estimates one MI per feature
  column against a 1-D target, not the joint MI: not run.

Times are medians over ``--repeat`` interleaved calls after a warm-up call each
(:func:`_timing.interleaved`), on whatever device JAX uses (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

import jax
import numpy as np
import sklearn
from scipy.special import digamma
from sklearn.feature_selection import mutual_info_regression
from sklearn.feature_selection._mutual_info import _compute_mi_cc
from sklearn.neighbors import KDTree, NearestNeighbors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import interleaved

from divtools import knn

RHO = 0.6
K = 3


def sklearn_ksg(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """scikit-learn's ``_compute_mi_cc`` for ``(n, d)`` arrays, unclamped."""
    n = x.shape[0]
    nn = NearestNeighbors(metric="chebyshev", n_neighbors=k).fit(np.hstack((x, y)))
    radius = np.nextafter(nn.kneighbors()[0][:, -1], 0)
    nx = KDTree(x, metric="chebyshev").query_radius(x, radius, count_only=True) - 1.0
    ny = KDTree(y, metric="chebyshev").query_radius(y, radius, count_only=True) - 1.0
    return float(digamma(n) + digamma(k) - np.mean(digamma(nx + 1)) - np.mean(digamma(ny + 1)))


def one_dimension(n: int, d: int, repeat: int) -> dict:
    rng = np.random.default_rng(d)
    x = rng.standard_normal((n, d))
    y = RHO * x + np.sqrt(1 - RHO**2) * rng.standard_normal((n, d))
    ours = lambda: knn.ksg_mutual_information(x, y, k=K)
    search = "tree" if knn._trees(n, 2 * d) else "brute"
    t0 = time.perf_counter()
    first = ours()
    first_s = time.perf_counter() - t0

    def brute():
        knn._SEARCH = "brute"
        try:
            return knn.ksg_mutual_information(x, y, k=K)
        finally:
            knn._SEARCH = None

    if d == 1:
        x1, y1 = x[:, 0], y[:, 0]
        anchor_name = "sklearn _compute_mi_cc"
        anchor = lambda: _compute_mi_cc(x1, y1, K)
    else:
        anchor_name = "sklearn.neighbors KSG (the _compute_mi_cc calls on (n, d) arrays)"
        anchor = lambda: sklearn_ksg(x, y, K)
    fns = {"divtools": ours, "anchor": anchor, "brute": brute}
    if d == 1:
        fns["public"] = lambda: mutual_info_regression(x, y[:, 0], n_neighbors=K, random_state=0)
    t = interleaved(fns, repeat)
    value = float(first.value)
    anchor_value = float(anchor())
    row = {
        "d": d,
        "n": n,
        "exact_mi": -0.5 * d * np.log(1 - RHO**2),
        "divtools": value,
        "divtools_stderr": float(first.stderr),
        "anchor": anchor_name,
        "anchor_value": anchor_value,
        "abs_difference": abs(value - anchor_value),
        "search": search,
        "divtools_first_call_s": first_s,
        "divtools_s": t["divtools"],
        "anchor_s": t["anchor"],
        "ratio_divtools_over_anchor": t["divtools"] / t["anchor"],
        "brute_s": t["brute"],
        "ratio_brute_over_anchor": t["brute"] / t["anchor"],
    }
    if d == 1:
        row["public_mutual_info_regression"] = float(fns["public"]()[0])
        row["public_s"] = t["public"]
        row["ratio_divtools_over_public"] = t["divtools"] / t["public"]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument("--dims", type=int, nargs="*", default=[1, 2, 5, 10, 20])
    ap.add_argument(
        "--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results_knn.json")
    )
    args = ap.parse_args()
    jax.numpy.zeros(1).block_until_ready()  # backend start-up outside the timings
    machine = {
        "cpu": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "jax": jax.__version__,
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
        "devices": [str(dev) for dev in jax.devices()],
    }
    print(
        f"machine: {machine['cpu']}, {machine['cpus']} cpus, jax {jax.__version__}, "
        f"sklearn {sklearn.__version__}, devices {machine['devices']}; load average {os.getloadavg()[0]:.1f}"
    )
    rows = []
    for d in args.dims:
        rows.append(one_dimension(args.n, d, args.repeat))
    out = {"machine": machine, "args": vars(args), "k": K, "rho": RHO, "rows": rows}
    out["load_average_end"] = os.getloadavg()

    print(f"\nKSG-1, k = {K}, n = {args.n} pairs, rho = {RHO} per coordinate; times: median of {args.repeat}")
    head = (
        f"{'d':>3} {'exact':>8} {'divtools':>10} {'anchor':>10} {'|diff|':>8} {'search':>6} "
        f"{'first call':>10} {'divtools':>9} {'anchor':>9} {'ratio':>6} {'brute':>8} {'ratio':>6}"
    )
    print(head)
    for r in rows:
        print(
            f"{r['d']:>3} {r['exact_mi']:>8.4f} {r['divtools']:>10.6f} {r['anchor_value']:>10.6f} "
            f"{r['abs_difference']:>8.1e} {r['search']:>6} {r['divtools_first_call_s']:>9.2f}s "
            f"{r['divtools_s']:>8.3f}s {r['anchor_s']:>8.3f}s {r['ratio_divtools_over_anchor']:>6.2f} "
            f"{r['brute_s']:>7.3f}s {r['ratio_brute_over_anchor']:>6.2f}"
        )
    for r in rows:
        if "public_s" in r:
            print(
                f"d = {r['d']}: public mutual_info_regression {r['public_mutual_info_regression']:.6f} "
                f"in {r['public_s']:.3f} s (divtools / public = {r['ratio_divtools_over_public']:.2f})"
            )
    print("anchor: d = 1 sklearn _compute_mi_cc; d > 1 the same sklearn.neighbors calls on (n, d) arrays")
    with open(args.json, "w") as f:
        json.dump(out, f, indent=2)
    print(f"results in {args.json}")


if __name__ == "__main__":
    main()
