"""divtools' mutual-information estimators against benchmark-mi's (bmi) on bmi's own
tasks, on the same samples, in one process.

How to run (in the benchmark virtual environment, see ``bench/README.md``)::

    bench/.venv-bench/bin/python bench/bench_bmi_suite.py                 # six tasks, 3 seeds: ~20 min on 2 shared cores
    bench/.venv-bench/bin/python bench/bench_bmi_suite.py --tasks all     # eight tasks (~27 min)
    bench/.venv-bench/bin/python bench/bench_bmi_suite.py --help          # options
    bench/.venv-bench/bin/python bench/bench_bmi_suite.py --seeds 1 --tasks 1v1-normal-0.75 \\
        --skip "bmi MINE" "bmi DV" --json /tmp/x.json                      # a quick subset

The environment: ``bench/.venv-bench`` with divtools installed editable, torch, and
``benchmark-mi==0.1.3`` installed with ``--no-deps`` plus its runtime dependencies
(``bench/requirements-bench.txt``). ``import bmi`` fails there (tensorflow-probability's
JAX substrate does not import under jax 0.10), so :func:`import_bmi` registers the
packages ``bmi``, ``bmi.samplers``, ``bmi.benchmark`` and ``bmi.benchmark.tasks`` as empty
modules (their ``__init__`` skipped), imports the tfp-free sampler modules and sets the
names bmi's task modules look up on ``bmi.samplers`` (``SplitMultinormal``,
``BivariateNormalSampler``, ``SplitStudentT``, ``TransformedSampler``,
``GaussianLVMParametrization``). Every task below is then built by bmi's own task
function (``bmi/benchmark/tasks/*.py``), sampled by bmi's own sampler
(``task.sample(5000, seed)``) and its true MI is bmi's own ``task.mutual_information``;
nothing is reproduced by hand.

Tasks (bmi ids; "list" = in bmi 0.1.3's ``BENCHMARK_TASKS_LIST``, ``task_list.py``):

* ``1v1-normal-0.75``: bivariate normal, correlation 0.75 (list).
* ``multinormal-dense-5-5-0.5``: 5 x 5 normal, every correlation 0.5 (list).
* ``multinormal-sparse-5-5-2-2.0``: 5 x 5 normal, 2 interacting pairs of strength 2
  (bmi's "2-pair" task, list).
* ``student-dense-2-2-2-0.5``: 2 x 2 multivariate Student-t, 2 degrees of freedom,
  dense dispersion (off-diagonal 0.5); MI = MI of the normal with that covariance
  + bmi's correction term (``SplitStudentT.mi_correction``). bmi's function
  ``task_student_dense``; not in the list (whose Student tasks have identity dispersion,
  where the normal part is 0).
* ``half_cube-multinormal-sparse-5-5-2-2.0``: the 5 x 5 2-pair normal through
  ``x |x|^{1/2}`` per coordinate (list); MI unchanged by the invertible per-side maps.
* ``spiral-multinormal-sparse-5-5-2-2.0``: the same normal through bmi's spiral
  (a rotation whose angle grows with the radius) on each side (list).

Two more run with ``--tasks all`` (or by id), left out of the default run for time:

* ``wiggly-1v1-normal-0.75``: the bivariate normal through bmi's wiggly maps (list).
* ``asinh-student-identity-2-2-1``: 2 x 2 Student-t (1 degree of freedom, identity
  dispersion: MI is the correction term only) through ``asinh`` (list).

Estimators, each on the same ``(x, y)`` of every task and data seed:

* ``divtools MI smile``: ``divtools.variational.mutual_information(x, y, key=0)`` at
  its defaults (smile, 2 x 32 critic, batch 256, 8 product pairs per row, 1000
  steps, 50% held out). ``divtools MI infonce``: the same with ``objective="infonce"``.
  Float32 samples.
* ``divtools KSG-1``, ``KSG-2``: ``divtools.knn.ksg_mutual_information(x, y, k=3,
  variant=1 | 2)`` on the float64 samples as they are (no standardisation, no noise).
* ``bmi MINE``, ``NWJ``, ``InfoNCE``, ``DV``: ``bmi.estimators.neural`` at their defaults
  (batch 256, 16 x 8 critic, lr 0.1, up to 10,000 steps with early stopping, 50%
  held out, the best test MI), float32 samples.
* ``bmi KSG``: ``bmi.estimators.ksg.KSGEnsembleFirstEstimator()`` at its defaults
  (standardised data, Euclidean norms on each side, the mean of k = 5 and 10), float64.

Per estimator and task: the mean error against bmi's true MI, the mean absolute error
and, for divtools (whose estimates carry a standard error), the mean of
error / stderr. Timing: for divtools' JAX estimators a warm-up call on the first data
set (another key) is made on each task first and reported as "first call" (it
compiles for that task's shapes); the seeds are then timed warm. bmi's neural
estimators jit a fresh training step inside every call (a new closure, so every call
traces and compiles), so they have no warm state: all calls are timed, and their first
call on each task is also reported as "first call". bmi's KSG is NumPy/scikit-learn.
Compile seconds (JAX monitoring events) are recorded per call.

Output: a markdown table (per task and estimator) and a summary table on stdout, and
``bench/results_bmi_suite.json`` (``--json``) with per-seed rows, the environment
(versions, date, /proc/loadavg at the start and the end).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import json
import os
import platform
import sys
import time
import types

import jax
import numpy as np
from _timing import timed

import divtools
from divtools import knn
from divtools import variational as dv

HERE = os.path.dirname(os.path.abspath(__file__))


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().strip()
    except OSError:
        return "n/a"


# ----------------------------------------------------------------------------
# benchmark-mi without tensorflow-probability


def import_bmi():
    """bmi's task functions, its neural and KSG estimators, without ``import bmi``.

    ``bmi/__init__.py`` imports ``bmi.samplers``, whose ``__init__`` imports
    ``bmi.samplers._tfp`` (tensorflow-probability's JAX substrate), which fails under
    jax 0.10 (``jax.interpreters.xla.pytype_aval_mappings`` is gone); ``bmi.benchmark``'s
    ``__init__`` imports the whole task list, some of whose tasks (mixtures, bimodal
    Gaussians) need tfp. The packages ``bmi``, ``bmi.samplers``, ``bmi.benchmark`` and
    ``bmi.benchmark.tasks`` are registered empty, the tfp-free sampler classes are
    imported from their submodules and set on ``bmi.samplers`` (the names bmi's task
    modules use), and the task modules are imported one by one.
    """
    status = {}
    try:
        import bmi  # noqa: F401

        status["import bmi"] = "ok"
    except Exception as e:
        status["import bmi"] = f"{type(e).__name__}: {e}"
    for name in [m for m in sys.modules if m == "bmi" or m.startswith("bmi.")]:
        del sys.modules[name]
    spec = importlib.util.find_spec("bmi")
    if spec is None:
        raise ImportError("benchmark-mi is not installed")
    root = list(spec.submodule_search_locations)[0]
    for name, rel in (
        ("bmi", ""),
        ("bmi.samplers", "samplers"),
        ("bmi.benchmark", "benchmark"),
        ("bmi.benchmark.tasks", os.path.join("benchmark", "tasks")),
    ):
        mod = types.ModuleType(name)
        mod.__path__ = [os.path.join(root, rel) if rel else root]
        sys.modules[name] = mod
        if "." in name:
            parent, child = name.rsplit(".", 1)
            setattr(sys.modules[parent], child, mod)
    samplers = sys.modules["bmi.samplers"]
    from bmi.samplers._matrix_utils import GaussianLVMParametrization
    from bmi.samplers._split_student_t import SplitStudentT
    from bmi.samplers._splitmultinormal import BivariateNormalSampler, SplitMultinormal
    from bmi.samplers._transformed import TransformedSampler
    from bmi.samplers.base import BaseSampler

    for obj in (
        GaussianLVMParametrization,
        SplitStudentT,
        BivariateNormalSampler,
        SplitMultinormal,
        TransformedSampler,
        BaseSampler,
    ):
        setattr(samplers, obj.__name__, obj)
    status["workaround"] = (
        "bmi, bmi.samplers, bmi.benchmark, bmi.benchmark.tasks registered empty (their "
        "__init__ skipped, tfp not imported); tfp-free samplers set on bmi.samplers"
    )
    tasks = types.SimpleNamespace(
        **{
            m: importlib.import_module(f"bmi.benchmark.tasks.{m}")
            for m in ("bivariate_normal", "multinormal", "student", "half_cube", "spiral", "wiggly", "asinh")
        }
    )
    from bmi.estimators.ksg import KSGEnsembleFirstEstimator
    from bmi.estimators.neural import DonskerVaradhanEstimator, InfoNCEEstimator, MINEEstimator, NWJEstimator

    neural = {
        "bmi MINE": MINEEstimator,
        "bmi NWJ": NWJEstimator,
        "bmi InfoNCE": InfoNCEEstimator,
        "bmi DV": DonskerVaradhanEstimator,
    }
    return tasks, neural, KSGEnsembleFirstEstimator, status


def make_tasks(T):
    """bmi's tasks, built by bmi's own task functions (ids as bmi names them)."""
    binormal = T.bivariate_normal.task_bivariate_normal(gaussian_correlation=0.75)
    sparse55 = T.multinormal.task_multinormal_2pair(5, 5)
    out = [
        (binormal, "bmi list"),
        (T.multinormal.task_multinormal_dense(5, 5), "bmi list"),
        (sparse55, "bmi list"),
        (T.student.task_student_dense(2, 2, df=2), "bmi task function (not in bmi's list)"),
        (T.half_cube.transform_half_cube_task(sparse55), "bmi list"),
        (T.spiral.transform_spiral_task(sparse55), "bmi list"),
        (T.wiggly.transform_wiggly_task(binormal), "bmi list"),
        (T.asinh.transform_asinh_task(T.student.task_student_identity(2, 2, df=1)), "bmi list"),
    ]
    return {t.id: (t, src) for t, src in out}


# ----------------------------------------------------------------------------
# estimators


def divtools_estimators():
    """name -> (fn(x32, y32, x64, y64, key) -> (value, stderr), is JAX (warm-up call))."""

    def mi(objective):
        kw = {} if objective == "smile" else {"objective": objective}

        def f(x32, y32, x64, y64, key):
            r = dv.mutual_information(x32, y32, key=key, **kw)
            return float(r.value), float(r.stderr)

        return f

    def ksg(variant):
        def f(x32, y32, x64, y64, key):
            r = knn.ksg_mutual_information(x64, y64, k=3, variant=variant)
            return float(r.value), float(r.stderr)

        return f

    return {
        "divtools MI smile": mi("smile"),
        "divtools MI infonce": mi("infonce"),
        "divtools KSG-1 (k=3)": ksg(1),
        "divtools KSG-2 (k=3)": ksg(2),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=3, help="data seeds per task (0, 1, ...)")
    ap.add_argument("--n", type=int, default=5000, help="samples per data set (bmi's default 5,000)")
    ap.add_argument(
        "--tasks", nargs="*", default=None, help="bmi task ids, or 'all' (default: the first six)"
    )
    ap.add_argument("--skip", nargs="*", default=[], help="estimator names to leave out")
    ap.add_argument("--bmi-steps", type=int, default=0, help="bmi max_n_steps (0: its default 10,000)")
    ap.add_argument("--json", default=os.path.join(HERE, "results_bmi_suite.json"))
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    env = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "loadavg_start": loadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "jax": jax.__version__,
        "jax_backend": jax.default_backend(),
        "numpy": np.__version__,
        "divtools": getattr(divtools, "__version__", "?"),
        "divtools_path": divtools.__file__,
    }
    from importlib.metadata import version

    for pkg in (
        "benchmark-mi",
        "equinox",
        "optax",
        "pydantic",
        "scikit-learn",
        "scipy",
        "tensorflow-probability",
    ):
        try:
            env[pkg] = version(pkg)
        except Exception:
            env[pkg] = "not installed"
    try:
        import subprocess

        git_env = os.environ | {"GIT_OPTIONAL_LOCKS": "0"}  # read-only: no index refresh
        env["divtools_commit"] = subprocess.run(
            ["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, env=git_env
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", HERE, "status", "--porcelain", "--", "../divtools"],
            capture_output=True,
            text=True,
            env=git_env,
        ).stdout.strip()
        env["divtools_dirty"] = bool(dirty)
    except Exception:
        pass

    T, neural, BmiKSG, status = import_bmi()
    env["bmi_import"] = status
    tasks = make_tasks(T)
    if not args.tasks:
        tasks = dict(list(tasks.items())[:6])
    elif args.tasks != ["all"]:
        unknown = [t for t in args.tasks if t not in tasks]
        if unknown:
            ap.error(f"unknown task ids {unknown}; known: {list(tasks)}")
        tasks = {k: tasks[k] for k in args.tasks}
    print(f"# benchmark-mi suite: {len(tasks)} tasks x {args.seeds} seeds, n = {args.n}")
    for k in ("date", "loadavg_start", "jax", "benchmark-mi", "divtools_path"):
        print(f"#   {k}: {env[k]}")
    for k, v in status.items():
        print(f"#   {k}: {v}")

    dt_est = {k: v for k, v in divtools_estimators().items() if k not in args.skip}
    bmi_kw = {"verbose": False}
    if args.bmi_steps:
        bmi_kw["max_n_steps"] = args.bmi_steps
    neural = {k: v for k, v in neural.items() if k not in args.skip}
    use_bmi_ksg = "bmi KSG" not in args.skip

    rows, firsts, task_info = [], [], {}
    for tid, (task, src) in tasks.items():
        truth = float(task.mutual_information)
        task_info[tid] = {
            "name": task.name,
            "dim_x": task.dim_x,
            "dim_y": task.dim_y,
            "mi_true": truth,
            "source": src,
        }
        print(
            f"\n## {tid} ({task.name}, {task.dim_x} x {task.dim_y}), true MI {truth:.5f} nats [{src}]",
            flush=True,
        )
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            x, y = task.sample(args.n, seed)
            t_sample = time.perf_counter() - t0
            x64, y64 = np.asarray(x, np.float64), np.asarray(y, np.float64)
            x32, y32 = x64.astype(np.float32), y64.astype(np.float32)
            assert np.all(np.isfinite(x64)) and np.all(np.isfinite(y64))
            print(f"  seed {seed} (sampled in {t_sample:.2f} s):", flush=True)
            if seed == 0:  # warm-up (compiling) calls of divtools' JAX estimators for this task's shapes
                for name, fn in dt_est.items():
                    try:
                        (v, s), t, c = timed(lambda: fn(x32, y32, x64, y64, 1000))
                        firsts.append(
                            {"estimator": name, "task": tid, "s": t, "compile_s": c["total"], "value": v}
                        )
                        print(
                            f"    {name:22s} first call {t:7.2f} s (compile {c['total']:5.2f} s)", flush=True
                        )
                    except Exception as e:
                        firsts.append(
                            {"estimator": name, "task": tid, "error_message": f"{type(e).__name__}: {e}"}
                        )
                        print(f"    {name:22s} first call FAILED: {type(e).__name__}: {e}", flush=True)

            def record(name, fn, stderr_known):
                base = {"estimator": name, "task": tid, "seed": seed, "mi_true": truth}
                try:
                    (v, s, extra), t, c = timed(fn)
                except Exception as e:
                    rows.append(base | {"error_message": f"{type(e).__name__}: {e}"})
                    print(f"    {name:22s} FAILED: {type(e).__name__}: {e}", flush=True)
                    return
                row = base | {"value": v, "error": v - truth, "s": t, "compile_s": c["total"]} | extra
                line = f"    {name:22s} {v:8.4f}"
                if stderr_known:
                    row["stderr"] = s
                    row["z"] = (v - truth) / s if s > 0 else float("nan")
                    line += f" ± {s:.4f} (error {v - truth:+.4f}, {row['z']:+5.1f} se)"
                else:
                    line += f"          (error {v - truth:+.4f})"
                line += f"  {t:7.2f} s (compile {c['total']:5.2f} s)"
                if "steps" in extra:
                    line += f"  {extra['steps']} steps" + (" early stop" if extra["early_stopped"] else "")
                rows.append(row)
                print(line, flush=True)

            for name, fn in dt_est.items():
                record(name, lambda: (*fn(x32, y32, x64, y64, 0), {}), True)
            for name, E in neural.items():

                def run_neural():
                    info = E(**bmi_kw).estimate_with_info(x32, y32)
                    add = info.additional_information
                    return (
                        float(info.mi_estimate),
                        None,
                        {
                            "steps": add.get("n_training_steps"),
                            "early_stopped": not add.get("early_stopping_not_triggered", False),
                        },
                    )

                record(name, run_neural, False)
            if use_bmi_ksg:
                record("bmi KSG (k=5,10)", lambda: (float(BmiKSG().estimate(x64, y64)), None, {}), False)
        print(f"  (load {loadavg()}, elapsed {time.perf_counter() - t_start:.0f} s)", flush=True)

    # ------------------------------------------------------------------ summary
    names = list(dict.fromkeys(r["estimator"] for r in rows))
    per_task = []
    for tid in tasks:
        for name in names:
            sel = [r for r in rows if r["estimator"] == name and r["task"] == tid and "value" in r]
            fails = [r for r in rows if r["estimator"] == name and r["task"] == tid and "error_message" in r]
            if not sel and not fails:
                continue
            first = [f for f in firsts if f["estimator"] == name and f["task"] == tid and "s" in f]
            if not first:  # no warm-up call: the first timed call on this task
                first = [r for r in sel if r["seed"] == 0]
            d = {
                "task": tid,
                "estimator": name,
                "n": len(sel),
                "failed": len(fails),
                "mean_error": float(np.mean([r["error"] for r in sel])) if sel else None,
                "mean_abs_error": float(np.mean([abs(r["error"]) for r in sel])) if sel else None,
                "mean_z": float(np.mean([r["z"] for r in sel])) if sel and "z" in sel[0] else None,
                "median_s": float(np.median([r["s"] for r in sel])) if sel else None,
                "first_s": float(first[0]["s"]) if first else None,
            }
            per_task.append(d)
    overall = []
    for name in names:
        sel = [r for r in rows if r["estimator"] == name and "value" in r]
        if not sel:
            continue
        fr = [d["first_s"] for d in per_task if d["estimator"] == name and d["first_s"] is not None]
        overall.append(
            {
                "estimator": name,
                "n": len(sel),
                "mean_error": float(np.mean([r["error"] for r in sel])),
                "mean_abs_error": float(np.mean([abs(r["error"]) for r in sel])),
                "mean_abs_z": float(np.mean([abs(r["z"]) for r in sel])) if "z" in sel[0] else None,
                "mean_z": float(np.mean([r["z"] for r in sel])) if "z" in sel[0] else None,
                "median_s": float(np.median([r["s"] for r in sel])),
                "median_first_s": float(np.median(fr)) if fr else None,
                "tasks_won": 0,
            }
        )
    for tid in tasks:  # smallest mean |error| per task
        cand = [d for d in per_task if d["task"] == tid and d["mean_abs_error"] is not None]
        if cand:
            best = min(cand, key=lambda d: d["mean_abs_error"])["estimator"]
            next(o for o in overall if o["estimator"] == best)["tasks_won"] += 1

    def f(v, fmt):
        return "—" if v is None else format(v, fmt)

    print(f"\n### Per task ({args.seeds} seeds, n = {args.n}; errors in nats against bmi's true MI)\n")
    print(
        "| task (true MI) | estimator | mean error | mean abs error | mean error/stderr | median s | first call s |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for d in per_task:
        tlabel = f"{d['task']} ({task_info[d['task']]['mi_true']:.3f})"
        fail = f" ({d['failed']} failed)" if d["failed"] else ""
        print(
            f"| {tlabel} | {d['estimator']}{fail} | {f(d['mean_error'], '+.4f')} | {f(d['mean_abs_error'], '.4f')} | "
            f"{f(d['mean_z'], '+.1f')} | {f(d['median_s'], '.2f')} | {f(d['first_s'], '.2f')} |"
        )
    print(f"\n### Over all {len(tasks)} tasks x {args.seeds} seeds\n")
    print(
        "| estimator | n | mean error | mean abs error | mean error/stderr | mean abs(error/stderr) | "
        "median s per estimate | median first call s | tasks with smallest mean abs error |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for o in overall:
        print(
            f"| {o['estimator']} | {o['n']} | {o['mean_error']:+.4f} | {o['mean_abs_error']:.4f} | "
            f"{f(o['mean_z'], '+.1f')} | {f(o['mean_abs_z'], '.1f')} | {o['median_s']:.2f} | "
            f"{f(o['median_first_s'], '.2f')} | {o['tasks_won']} |"
        )
    total = time.perf_counter() - t_start
    env["loadavg_end"] = loadavg()
    env["total_s"] = total
    print(f"\ntotal {total / 60:.1f} min; load at start {env['loadavg_start']}, at end {env['loadavg_end']}")
    out = {
        "env": env,
        "settings": {
            "n": args.n,
            "seeds": list(range(args.seeds)),
            "divtools": "mutual_information(x, y, key=0) defaults (smile; infonce row: objective='infonce'), "
            "float32; ksg_mutual_information(x, y, k=3, variant=1|2) on raw float64 samples; "
            "divtools first call per task = a warm-up call with key=1000 on seed 0's data",
            "bmi": "neural estimators at defaults"
            + (f" but max_n_steps={args.bmi_steps}" if args.bmi_steps else "")
            + " on float32 (each call jits a fresh training step); KSGEnsembleFirstEstimator() defaults on float64",
        },
        "tasks": task_info,
        "rows": rows,
        "first_calls": firsts,
        "per_task": per_task,
        "overall": overall,
    }
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(out, fh, indent=1)
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
