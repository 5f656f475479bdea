"""Latency of small calls, first calls, the command line and large batches, against scipy.

    python bench/bench_latency.py [--repeat 7] [--json out.json] [--skip large]

Targets (issue "Instant small calls"): repeated small calls (one pair, 3 to 64
outcomes, float64 NumPy or lists in) of ``kl``, ``js``, ``tv`` and
``f_divergence`` with any generator and any base at most 30 us median, and at
most scipy's own time for ``entropy`` and ``jensenshannon``; the first call of
each public function on small concrete input in a fresh process at most 50 ms
beyond ``import divtools``, compiling nothing; ``python -m divtools compare``
at most 2.5 s wall; 2000 x 1000 float64 KL and JS at least 3.2x and 4.6x
faster than scipy. Every ratio is measured in this process (or, for the
fresh-process figures, in subprocesses started alike).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
import timeit

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _timing import interleaved


def median_us(fn, number: int, repeat: int) -> float:
    fn()
    return float(np.median(timeit.repeat(fn, number=number, repeat=repeat))) / number * 1e6


def small_calls(repeat: int) -> dict:
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import entropy

    import divtools

    rng = np.random.default_rng(0)
    out = {}
    for n in (3, 8, 64):
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        row = {
            "scipy entropy(p, q)": median_us(lambda: entropy(p, q), 2000, repeat),
            "scipy jensenshannon(p, q)": median_us(lambda: jensenshannon(p, q), 2000, repeat),
            "kl": median_us(lambda: divtools.kl(p, q), 2000, repeat),
            "kl base=2": median_us(lambda: divtools.kl(p, q, base=2), 2000, repeat),
            "kl (lists)": median_us(lambda: divtools.kl(p.tolist(), q.tolist()), 2000, repeat),
            "js": median_us(lambda: divtools.js(p, q), 2000, repeat),
            "tv": median_us(lambda: divtools.tv(p, q), 2000, repeat),
        }
        for name in divtools.GENERATORS:
            row[f"f_divergence {name}"] = median_us(
                lambda name=name: divtools.f_divergence(p, q, name), 2000, repeat
            )
        out[f"n={n}"] = row
    return out


_FIRST = """
import time, logging, json, warnings
import numpy as np
t0 = time.perf_counter()
import divtools
t_import = time.perf_counter() - t0
compiles = []
class H(logging.Handler):
    def emit(self, record):
        if "Compiling" in record.getMessage() or "compil" in record.getMessage().lower():
            compiles.append(record.getMessage())
p, q = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.6, 0.3])
calls = {CALLS}
t0 = time.perf_counter()
eval(calls[{NAME!r}])
t_first = time.perf_counter() - t0
import sys
print(json.dumps(dict(import_s=t_import, first_s=t_first, jax_imported="jax" in sys.modules)))
"""

FIRST_CALLS = {
    "kl": "divtools.kl(p, q)",
    "js": "divtools.js(p, q)",
    "tv": "divtools.tv(p, q)",
    "f_divergence(js, base=2)": "divtools.f_divergence(p, q, 'js', base=2)",
    "bhattacharyya": "divtools.bhattacharyya(p, q)",
    "alpha_divergence": "divtools.alpha_divergence(p, q, 0.3)",
    "kl(Normal, Normal)": "divtools.kl(divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0))",
    "wasserstein_1d": "divtools.wasserstein_1d([0.0, 1.0, 3.0], [0.5, 2.0], [1, 2, 3], [2, 1])",
    "optimal_transport": "divtools.optimal_transport(p, q, np.abs(np.subtract.outer(p, q)))",
    "mmd2_discrete": "divtools.mmd2_discrete(p, q, np.eye(3))",
    "games.bayes_error": "divtools.games.bayes_error(p, q)",
    "duality.f_dual_value": "divtools.duality.f_dual_value(divtools.duality.optimal_critic(p, q, 'js'), p, q, 'js')",
}


def first_calls() -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    out = {}
    for name in FIRST_CALLS:
        code = _FIRST.replace("{CALLS}", repr(FIRST_CALLS)).replace("{NAME!r}", repr(name))
        runs = []
        for _ in range(3):
            res = subprocess.run(
                [sys.executable, "-c", textwrap.dedent(code)],
                capture_output=True,
                text=True,
                env=env,
                check=True,
            )
            runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
        out[name] = dict(
            first_ms=float(np.median([r["first_s"] for r in runs])) * 1e3,
            import_ms=float(np.median([r["import_s"] for r in runs])) * 1e3,
            jax_imported=runs[-1]["jax_imported"],
        )
    return out


def command_line(repeat: int) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "divtools", "compare", "0.5,0.3,0.2", "0.1,0.6,0.3"],
            capture_output=True,
            env=env,
            check=True,
        )
        times.append(time.perf_counter() - t0)
    bare = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, env=env, check=True)
        bare.append(time.perf_counter() - t0)
    return dict(compare_s=float(np.median(times)), bare_interpreter_s=float(np.median(bare)))


def large_batch(repeat: int) -> dict:
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import entropy

    import divtools

    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(1000), size=2000)
    Q = rng.dirichlet(np.ones(1000), size=2000)
    t = interleaved(
        {
            "divtools.kl": lambda: divtools.kl(P, Q),
            "scipy entropy": lambda: entropy(P, Q, axis=1),
            "divtools.js": lambda: divtools.js(P, Q),
            "scipy jensenshannon^2": lambda: jensenshannon(P, Q, axis=1) ** 2,
            "streaming pass np.add(P, Q)": lambda: np.add(P, Q),
        },
        repeat,
    )
    return {k: v * 1e3 for k, v in t.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json", default=None)
    ap.add_argument("--skip", nargs="*", default=[], choices=["small", "first", "cli", "large"])
    args = ap.parse_args()
    results = {}
    if "small" not in args.skip:
        results["small_calls_us"] = small = small_calls(args.repeat)
        print("Repeated small calls, median us (one pair, float64 NumPy in):")
        for n, row in small.items():
            print(f"  {n}")
            for k, v in row.items():
                print(f"    {k:34s} {v:8.2f}")
        worst = max(v for row in small.values() for k, v in row.items() if not k.startswith("scipy"))
        print(
            f"  slowest divtools call {worst:.1f} us (target 30); "
            + ", ".join(
                f"{n}: kl {r['kl'] / r['scipy entropy(p, q)']:.2f}x entropy's time, "
                f"js {r['js'] / r['scipy jensenshannon(p, q)']:.2f}x jensenshannon's"
                for n, r in small.items()
            )
        )
    if "first" not in args.skip:
        results["first_calls"] = first = first_calls()
        print("First call in a fresh process (median of 3), ms beyond `import divtools`:")
        for k, v in first.items():
            print(
                f"  {k:30s} {v['first_ms']:8.1f} ms   (import {v['import_ms']:.0f} ms, "
                f"jax imported: {v['jax_imported']})"
            )
    if "cli" not in args.skip:
        results["command_line"] = cli = command_line(max(3, args.repeat // 2))
        print(
            f"python -m divtools compare 0.5,0.3,0.2 0.1,0.6,0.3: {cli['compare_s']:.2f} s wall "
            f"(bare interpreter {cli['bare_interpreter_s']:.2f} s)"
        )
    if "large" not in args.skip:
        results["large_batch_ms"] = large = large_batch(args.repeat)
        print("2000 x 1000 float64, median ms:")
        for k, v in large.items():
            print(f"  {k:30s} {v:8.1f}")
        print(
            f"  KL: {large['scipy entropy'] / large['divtools.kl']:.1f}x faster than scipy, "
            f"{large['divtools.kl'] / large['streaming pass np.add(P, Q)']:.1f}x a streaming pass; "
            f"JS: {large['scipy jensenshannon^2'] / large['divtools.js']:.1f}x faster than scipy, "
            f"{large['divtools.js'] / large['streaming pass np.add(P, Q)']:.1f}x a streaming pass"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=2)


if __name__ == "__main__":
    main()
