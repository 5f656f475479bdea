"""Speed and accuracy of the variational estimators, against an eager PyTorch
loop and the JAX package ``benchmark-mi`` (bmi), in one process.

    bench/.venv-bench/bin/python bench/bench_variational.py [--steps 2000] [--repeat 3]
        [--vmap-seeds 1 8 64] [--stair-steps 4000] [--bmi-steps 0] [--json PATH]

Runs in the benchmark's own virtual environment (``bench/.venv-bench``, see
``bench/README.md`` and ``bench/requirements-bench.txt``): torch and
benchmark-mi are never dependencies of divtools.

a. JS(N(0, I) || N((1, 0), I)) in 2-D from 20,000 float32 samples each: 2x128
   ReLU critic, batch 512 (each side, indices drawn with replacement), Adam
   1e-3, 2000 steps, 20% held out. ``divtools.variational.estimate("js", ...)``
   (one jit-compiled ``lax.scan``) against an eager PyTorch loop with the same
   network, sampling, classifier loss (BCE with logits, P labelled 1, Q 0) and
   optimiser, ``torch.set_num_threads(2)`` (the anchor; also 1 thread, which
   is faster when the 2 cores are shared with other work). The first divtools call and a
   second call with another key are timed separately (does the second reuse
   the compilation?); then divtools and torch alternate ``--repeat`` times and
   the medians are compared. Compile time is read from JAX's monitoring events.
b. vmap over seeds: one call with ``key = split(key(0), k)``, k = 1, 8, 64.
c. The MI staircase of Poole et al. (2019): d = 20 correlated Gaussians, batch
   64, 256x256 critic, lr 5e-4, 4000 steps, 20,000 fresh evaluation samples;
   objectives smile, nwj, dv, mine, js (JS-trained, NWJ at V + 1) at MI = 2, 4, 6, 8, 10 nats.
d. benchmark-mi 0.1.3 (if importable): its bivariate normal task (1 x 1,
   correlation 0.75), 5,000 samples, on ``--bmi-datasets`` data sets from its own
   sampler: its neural estimators with their defaults against
   ``mutual_information(x, y)`` at its defaults on the same samples (and, on the
   first data set, ``estimate("kl", joint, one shuffle)`` for contrast).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import sys
import time
import types

import jax
import jax.numpy as jnp
import numpy as np
from _timing import timed

import divtools
from divtools import variational as dv


def fmt_s(t: float) -> str:
    return f"{t * 1e3:8.1f} ms" if t < 1 else f"{t:8.2f} s "


def mlp_flops(d_in: int, hidden, n_samples: int) -> float:
    """Training flops per step: 2 flops per MAC, backward ~ 2x forward."""
    sizes = (d_in, *hidden, 1)
    macs = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 2.0 * 3.0 * macs * n_samples


# ----------------------------------------------------------------------------
# a. JS: divtools against eager PyTorch


def torch_js(
    torch, x_p, x_q, *, steps, batch_size, lr, hidden, seed, eval_fraction=0.2, max_s=float("inf"), block=100
):
    """The eager anchor: same network, sampling, loss, optimiser and held-out split.

    Returns ``(estimate, steps done, seconds per block of `block` steps)``; stops
    early once ``max_s`` seconds have passed (shared cores can stall OpenMP)."""
    nn = torch.nn
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)

    def split(x):
        x = torch.from_numpy(x)
        perm = torch.randperm(x.shape[0], generator=g)
        n_eval = round(eval_fraction * x.shape[0])
        return x[perm[n_eval:]], x[perm[:n_eval]]

    tp, ep = split(x_p)
    tq, eq = split(x_q)
    sizes = (x_p.shape[1], *hidden)
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    net = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    labels = torch.cat([torch.ones(batch_size), torch.zeros(batch_size)])
    blocks, t_start = [], time.perf_counter()
    t_block = t_start
    done = 0
    for i in range(steps):
        if i and i % block == 0:
            now = time.perf_counter()
            blocks.append(now - t_block)
            t_block = now
            if now - t_start > max_s:
                break
        ip = torch.randint(0, tp.shape[0], (batch_size,), generator=g)
        iq = torch.randint(0, tq.shape[0], (batch_size,), generator=g)
        v = net(torch.cat([tp[ip], tq[iq]])).squeeze(-1)
        loss = loss_fn(v, labels)  # = (BCE_P + BCE_Q) / 2 = log 2 - JS bound
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        done = i + 1
    if done == steps and steps % block == 0:
        blocks.append(time.perf_counter() - t_block)
    with torch.no_grad():
        fs = torch.nn.functional.logsigmoid
        vp, vq = net(ep).squeeze(-1), net(eq).squeeze(-1)
        value = math.log(2.0) + 0.5 * fs(vp).mean() + 0.5 * fs(-vq).mean()
    return float(value), done, blocks


def matmul_ceiling(steps: int, rows: int, width: int) -> float:
    """GFLOP/s of a bare jitted loop of ``(rows, width) @ (width, width)`` float32 products:
    an upper bound on any training loop whose work is such products."""
    a = jnp.ones((rows, width), jnp.float32)
    b = jnp.full((width, width), 1.0 / width, jnp.float32)
    f = jax.jit(lambda a, b: jax.lax.fori_loop(0, steps, lambda i, c: (c @ b) * 0.5 + a, a))
    f(a, b).block_until_ready()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        f(a, b).block_until_ready()
        best = min(best, time.perf_counter() - t0)
    return 2.0 * rows * width * width * steps / best / 1e9


def bench_js(args, out):
    print("\n== a. JS(N(0, I) || N((1, 0), I)), 2-D, 20,000 float32 samples each ==")
    rng = np.random.default_rng(0)
    x_p = rng.normal(0.0, 1.0, (20_000, 2)).astype(np.float32)
    x_q = (rng.normal(0.0, 1.0, (20_000, 2)) + np.array([1.0, 0.0])).astype(np.float32)
    exact = float(divtools.js(divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 1.0)))
    hidden, steps, bs, lr = (128, 128), args.steps, 512, 1e-3
    flops = mlp_flops(2, hidden, 2 * bs) * steps
    print(
        f"critic 2x128 ReLU, batch {bs} (each side), Adam {lr:g}, {steps} steps; "
        f"exact JS = {exact:.5f} nats; ~{flops / 1e9:.0f} GFLOP of training per estimate"
    )

    def run_dt(seed):
        return dv.estimate(
            "js", x_p, x_q, key=jax.random.key(seed), steps=steps, batch_size=bs, hidden=hidden
        ).value

    res = {"exact": exact, "steps": steps, "gflop_per_estimate": flops / 1e9}
    v1, t1, c1 = timed(lambda: run_dt(0))
    v2, t2, c2 = timed(lambda: run_dt(1))
    res["divtools_first_call"] = {
        "s": t1,
        "value": float(v1),
        **{f"{k}_s" if k != "n_compiles" else k: v for k, v in c1.items()},
    }
    res["divtools_second_call"] = {
        "s": t2,
        "value": float(v2),
        **{f"{k}_s" if k != "n_compiles" else k: v for k, v in c2.items()},
    }
    for label, t, c, v in (("first call  (key 0)", t1, c1, v1), ("second call (key 1)", t2, c2, v2)):
        print(
            f"  divtools {label} {fmt_s(t)}  of which trace {c['trace']:.2f} s + lower "
            f"{c['lower']:.2f} s + XLA compile {c['compile']:.2f} s ({c['n_compiles']} programs)"
            f"  JS = {float(v):.5f}"
        )
    recompiles = c2["n_compiles"] > 0
    res["second_call_recompiles"] = recompiles
    print(
        "  -> the second call "
        + (
            "RECOMPILES (estimate() builds a new jit per call)"
            if recompiles
            else "reuses the compiled program (no XLA compile)"
        )
    )

    try:
        import torch
    except ImportError as e:  # pragma: no cover
        print(f"  torch not importable ({e}); skipping the PyTorch anchor")
        out["js"] = res
        return
    torch_js(torch, x_p, x_q, steps=20, batch_size=bs, lr=lr, hidden=hidden, seed=99)  # warm-up
    tnames = {th: f"torch eager ({th} thread{'s' if th > 1 else ''})" for th in args.torch_threads}
    times = {"divtools": [], "divtools run (excl. compile)": [], **{n: [] for n in tnames.values()}}
    values = {"divtools": [], **{n: [] for n in tnames.values()}}
    blocks = {n: [] for n in tnames.values()}
    truncated = []
    for i in range(args.repeat):
        v, t, c = timed(lambda: run_dt(2 + i))
        times["divtools"].append(t)
        times["divtools run (excl. compile)"].append(t - c["total"])
        values["divtools"].append(float(v))
        for th, name in tnames.items():
            torch.set_num_threads(th)
            t0 = time.perf_counter()
            val, done, blk = torch_js(
                torch,
                x_p,
                x_q,
                steps=steps,
                batch_size=bs,
                lr=lr,
                hidden=hidden,
                seed=i,
                max_s=args.torch_max_s,
            )
            el = time.perf_counter() - t0
            if done < steps:
                truncated.append(
                    f"{name} run {i}: stopped after {done} steps ({el:.0f} s); "
                    f"time extrapolated to {steps} steps"
                )
                el *= steps / done
            times[name].append(el)
            values[name].append(val if done == steps else float("nan"))
            blocks[name] += blk
    med = {k: float(np.median(v)) for k, v in times.items()}
    # best case (least disturbed by other load): fastest divtools call, fastest 100-step torch block
    steady = {
        "divtools (fastest call)": float(np.min(times["divtools"])),
        **{
            f"{n} (fastest 100-step block)": float(np.min(blocks[n])) * steps / 100
            for n in tnames.values()
            if blocks[n]
        },
    }
    print(
        f"torch {torch.__version__}, jax {jax.__version__}; alternating, median of {args.repeat} "
        f"(load average {os.getloadavg()[0]:.1f}):"
    )
    for k, v in med.items():
        print(
            f"  {k:30s} {fmt_s(v)}  {steps / v:8.0f} steps/s  {flops / v / 1e9:6.1f} GFLOP/s"
            f"   [{', '.join(f'{x:.2f}' for x in times[k])} s]"
        )
    for t_ in truncated:
        print("  note: " + t_)
    print(f"  best case (per {steps} steps):")
    for k, v in steady.items():
        print(f"  {k:44s} {fmt_s(v)}  {steps / v:8.0f} steps/s  {flops / v / 1e9:6.1f} GFLOP/s")
    ratios = {}
    for name in tnames.values():
        ratios[f"{name} / divtools (per call)"] = med[name] / med["divtools"]
        ratios[f"{name} / divtools (excl. compile)"] = med[name] / med["divtools run (excl. compile)"]
        key_b = f"{name} (fastest 100-step block)"
        if key_b in steady:
            ratios[f"{name} / divtools (best case)"] = steady[key_b] / steady["divtools (fastest call)"]
    for k, v in ratios.items():
        print(f"  {k:56s} {v:6.2f}x")
    main_name = tnames[args.torch_threads[0]]
    ok = ratios[f"{main_name} / divtools (per call)"] >= 10
    ok_best = ratios.get(f"{main_name} / divtools (best case)", 0.0) >= 10
    print(
        f"  required divtools >= 10x faster than {main_name}: median per call "
        f"{'met' if ok else 'NOT met'}; best case {'met' if ok_best else 'NOT met'}"
    )
    # more threads slower than one thread by a wide margin: OpenMP waiting on a descheduled thread
    stalls = {}
    one = steady.get(f"{tnames[1]} (fastest 100-step block)") if 1 in tnames else None
    for th, name in tnames.items():
        b = steady.get(f"{name} (fastest 100-step block)")
        if th > 1 and one and b and b > 3 * one:
            stalls[name] = b / one
            print(
                f"  WARNING: {name} is {b / one:.0f}x slower than 1 thread even in its best block: "
                "its OpenMP threads stall on the shared, loaded cores, so ratios against it measure "
                "the stall, not the framework; compare with the 1-thread rows"
            )
    ceiling = matmul_ceiling(steps, 2 * bs, hidden[0])
    need = 10.0 * flops / 1e9 / med[main_name]  # GFLOP/s of a loop 10x faster than the anchor
    print(
        f"  ceiling: a bare jitted loop of {steps} float32 ({2 * bs} x {hidden[0]}) @ ({hidden[0]} x "
        f"{hidden[0]}) products runs at {ceiling:.0f} GFLOP/s on this machine; 10x the "
        f"{main_name} loop needs {need:.0f} GFLOP/s"
    )
    res["matmul_ceiling_gflops"] = ceiling
    res["gflops_needed_for_10x"] = need
    print(f"  estimates (exact {exact:.5f}):")
    for k, v in values.items():
        print(f"    {k:28s} " + ", ".join(f"{x:.5f}" for x in v))
    res.update(
        {
            "times_s": times,
            "median_s": med,
            "steady_s": steady,
            "ratios": ratios,
            "values": values,
            "torch_block_s": blocks,
            "truncated": truncated,
            "ten_x_met_median": ok,
            "ten_x_met_best_case": ok_best,
            "openmp_stall": stalls,
            "torch": torch.__version__,
            "load_average": os.getloadavg(),
        }
    )
    out["js"] = res


# ----------------------------------------------------------------------------
# b. vmap over seeds


def bench_vmap(args, out):
    print("\n== b. vmap over seeds: estimate('js', ..., key=split(key(0), k)) ==")
    rng = np.random.default_rng(0)
    x_p = rng.normal(0.0, 1.0, (20_000, 2)).astype(np.float32)
    x_q = (rng.normal(0.0, 1.0, (20_000, 2)) + np.array([1.0, 0.0])).astype(np.float32)
    rows = []
    per_step_seed = None  # seconds per (step x seed), from the previous row
    for k in args.vmap_seeds:
        steps = args.vmap_steps
        if per_step_seed is not None and per_step_seed * k * steps > args.vmap_max_s:
            steps = max(250, int(args.vmap_max_s / (per_step_seed * k)) // 250 * 250)
        r, t, c = timed(
            lambda: dv.estimate(
                "js",
                x_p,
                x_q,
                key=jax.random.split(jax.random.key(0), k),
                steps=steps,
                batch_size=512,
                hidden=(128, 128),
            )
        )
        run = t - c["total"]
        per_step_seed = run / (k * steps)
        vals = np.asarray(r.value)
        row = {
            "k": k,
            "steps": steps,
            "s": t,
            "compile_s": c["total"],
            "run_s": run,
            "s_per_seed": t / k,
            "run_s_per_seed": run / k,
            "steps_per_s": k * steps / t,
            "run_steps_per_s": k * steps / run,
            "value_mean": float(vals.mean()),
            "value_sd": float(vals.std(ddof=1)) if k > 1 else None,
        }
        rows.append(row)
        note = "" if steps == args.vmap_steps else f"  (reduced from {args.vmap_steps} steps: time budget)"
        print(
            f"  k = {k:3d}  {steps} steps  total {fmt_s(t)} (compile {fmt_s(c['total'])})  "
            f"per seed {fmt_s(t / k)}  {k * steps / t:8.0f} steps/s aggregated "
            f"({k * steps / run:8.0f} excl. compile)  JS mean {vals.mean():.5f}"
            + (f" sd {vals.std(ddof=1):.5f}" if k > 1 else "")
            + note,
            flush=True,
        )
    out["vmap"] = rows


# ----------------------------------------------------------------------------
# c. MI staircase


def bench_staircase(args, out):
    print(
        f"\n== c. MI staircase (Poole et al. 2019): d = 20, batch 64, 256x256 critic, lr 5e-4, "
        f"{args.stair_steps} steps, 20,000 evaluation samples =="
    )
    rows = []
    for mi in args.stair_mis:
        pr = dv.correlated_gaussians(mi, d=20, batch_size=64)
        for obj in args.stair_objectives:
            r, t, c = timed(
                lambda: dv.estimate(
                    "kl",
                    pr.joint,
                    pr.product,
                    key=jax.random.key(0),
                    objective=obj,
                    hidden=(256, 256),
                    learning_rate=5e-4,
                    steps=args.stair_steps,
                    eval_size=20_000,
                )
            )
            row = {
                "mi": mi,
                "objective": obj,
                "value": float(r.value),
                "stderr": float(r.stderr),
                "train_value": float(r.train_value),
                "s": t,
                "compile_s": c["total"],
            }
            rows.append(row)
            print(
                f"  MI {mi:4.1f}  {obj:6s} {row['value']:8.3f} ± {row['stderr']:.3f}   "
                f"{fmt_s(t)} (compile {fmt_s(c['total'])})",
                flush=True,
            )
    objs = list(args.stair_objectives)
    print("\n  true MI | " + " | ".join(f"{o:>16s}" for o in objs))
    for mi in args.stair_mis:
        cells = []
        for o in objs:
            r = next(x for x in rows if x["mi"] == mi and x["objective"] == o)
            cells.append(f"{r['value']:7.3f} ± {r['stderr']:6.3f}")
        print(f"  {mi:7.1f} | " + " | ".join(cells))
    print(
        "  time per estimate (s, incl. compile) | "
        + " | ".join(f"{np.median([x['s'] for x in rows if x['objective'] == o]):>6.2f}" for o in objs)
    )
    out["staircase"] = rows


# ----------------------------------------------------------------------------
# d. benchmark-mi


def import_bmi():
    """Import bmi's estimators and its bivariate normal sampler.

    ``import bmi`` runs ``bmi/__init__.py``, which imports ``bmi.samplers``, which
    imports tensorflow-probability's JAX substrate; tfp 0.25.0 (the newest) fails
    against jax 0.10 (``jax.interpreters.xla.pytype_aval_mappings`` is gone). The
    neural estimators and ``BivariateNormalSampler`` do not use tfp, so the
    package modules ``bmi`` and ``bmi.samplers`` are registered empty (their
    ``__init__`` skipped) and the submodules imported directly.
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
            raise
        root = list(spec.submodule_search_locations)[0]
        for name, path in (("bmi", root), ("bmi.samplers", os.path.join(root, "samplers"))):
            mod = types.ModuleType(name)
            mod.__path__ = [path]
            sys.modules[name] = mod
        status["workaround"] = "bmi and bmi.samplers __init__ skipped (tfp not imported)"
    from bmi.estimators.neural import DonskerVaradhanEstimator, InfoNCEEstimator, MINEEstimator, NWJEstimator
    from bmi.samplers._splitmultinormal import BivariateNormalSampler

    ests = {
        "MINE": MINEEstimator,
        "NWJ": NWJEstimator,
        "InfoNCE": InfoNCEEstimator,
        "DV": DonskerVaradhanEstimator,
    }
    return ests, BivariateNormalSampler, status


def bench_bmi(args, out):
    print("\n== d. benchmark-mi: bivariate normal 1 x 1 (correlation 0.75), 5,000 samples ==")
    try:
        from importlib.metadata import version

        bmi_version = version("benchmark-mi")
    except Exception:
        print("  benchmark-mi not installed; skipped")
        out["bmi"] = {"status": "not installed"}
        return
    try:
        ests, Sampler, status = import_bmi()
    except Exception as e:
        print(f"  benchmark-mi {bmi_version} does not import: {type(e).__name__}: {e}")
        out["bmi"] = {"status": f"import failed: {type(e).__name__}: {e}"}
        return
    for k, v in status.items():
        print(f"  {k}: {v}")
    sampler = Sampler(correlation=0.75)  # the task '1v1-normal-0.75'
    true_mi = float(sampler.mutual_information())
    print(
        f"  benchmark-mi {bmi_version}, true MI = {true_mi:.5f} nats; bmi defaults: batch 256, "
        "16x8 critic, lr 0.1, 50% held out, test MI every 250 steps, reports the best test MI"
    )
    print(
        "  divtools: mutual_information(x, y) at its defaults (smile, 2x32 critic, batch 256, 8 "
        "product pairs per row, 1000 steps, 50% held out, all held-out pairs)"
    )
    rows = []
    kw = {"verbose": False}
    if args.bmi_steps:
        kw["max_n_steps"] = args.bmi_steps
    for seed in range(args.bmi_datasets):
        x, y = sampler.sample(5000, rng=seed)
        x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        print(f"  dataset rng={seed}:")
        for name, E in ests.items():
            if args.bmi_estimators and name not in args.bmi_estimators:
                continue
            try:
                est = E(**kw)
                t0 = time.perf_counter()
                info = est.estimate_with_info(x, y)
                t = time.perf_counter() - t0
                value = float(info.mi_estimate)
                add = info.additional_information
                n_steps = add.get("n_training_steps")
                stopped = not add.get("early_stopping_not_triggered", False)
                rows.append(
                    {
                        "estimator": f"bmi {name}",
                        "dataset": seed,
                        "value": value,
                        "error": value - true_mi,
                        "s": t,
                        "steps": n_steps,
                        "early_stopped": stopped,
                    }
                )
                print(
                    f"    bmi {name:8s} {value:8.4f} (error {value - true_mi:+.4f})  {fmt_s(t)}  "
                    f"{n_steps} steps" + (" (early stopping)" if stopped else " (max_n_steps)"),
                    flush=True,
                )
            except Exception as e:
                rows.append(
                    {"estimator": f"bmi {name}", "dataset": seed, "error_message": f"{type(e).__name__}: {e}"}
                )
                print(f"    bmi {name:8s} FAILED: {type(e).__name__}: {e}")
        r, t, c = timed(lambda: dv.mutual_information(x, y, key=jax.random.key(seed)))
        value = float(r.value)
        rows.append(
            {
                "estimator": "divtools mutual_information",
                "dataset": seed,
                "value": value,
                "error": value - true_mi,
                "stderr": float(r.stderr),
                "s": t,
                "compile_s": c["total"],
                "steps": 1000,
            }
        )
        print(
            f"    divtools MI   {value:8.4f} ± {float(r.stderr):.4f} (error {value - true_mi:+.4f})  "
            f"{fmt_s(t)} (compile {fmt_s(c['total'])})",
            flush=True,
        )
        if seed == 0:  # the generic KL estimator on one fixed shuffle, for contrast
            perm = np.random.default_rng(1).permutation(len(y))
            x_p, x_q = np.concatenate([x, y], axis=1), np.concatenate([x, y[perm]], axis=1)
            small = dict(objective="smile", hidden=(32, 32), steps=1000, batch_size=256, eval_fraction=0.5)
            r, t, c = timed(lambda: dv.estimate("kl", x_p, x_q, key=jax.random.key(100), **small))
            value = float(r.value)
            rows.append(
                {
                    "estimator": "divtools estimate(kl) on one shuffle",
                    "dataset": seed,
                    "value": value,
                    "error": value - true_mi,
                    "stderr": float(r.stderr),
                    "s": t,
                }
            )
            print(
                f"    (estimate('kl', joint, one shuffle), same critic: {value:.4f} ± "
                f"{float(r.stderr):.4f}, error {value - true_mi:+.4f})"
            )
    summary = {}
    names = sorted({r["estimator"] for r in rows if "s" in r})
    for name in names:
        sel = [r for r in rows if r["estimator"] == name and "s" in r]
        summary[name] = {
            "mean_abs_error": float(np.mean([abs(r["error"]) for r in sel])),
            "mean_error": float(np.mean([r["error"] for r in sel])),
            "median_s": float(np.median([r["s"] for r in sel])),
            "n": len(sel),
        }
    dt = [r for r in rows if r["estimator"] == "divtools mutual_information"]
    bmi_t = [r["s"] for r in rows if r["estimator"].startswith("bmi") and "s" in r]
    later = [r["s"] for r in dt[1:]] or [dt[0]["s"]]
    ratios = {
        "median_bmi_over_first_call": float(np.median(bmi_t) / dt[0]["s"]) if bmi_t else None,
        "median_bmi_over_later_calls": float(np.median(bmi_t) / np.median(later)) if bmi_t else None,
    }
    print("  mean |error| over datasets (mean error), median time:")
    for name, v in summary.items():
        print(
            f"    {name:40s} {v['mean_abs_error']:.4f} ({v['mean_error']:+.4f})  {fmt_s(v['median_s'])}"
            f"  n={v['n']}"
        )
    if bmi_t:
        print(
            f"  median bmi estimator / divtools: first call (compiling) "
            f"{ratios['median_bmi_over_first_call']:.1f}x, later calls "
            f"{ratios['median_bmi_over_later_calls']:.1f}x"
        )
    out["bmi"] = {
        "status": status,
        "version": bmi_version,
        "true_mi": true_mi,
        "rows": rows,
        "summary": summary,
        "time_ratios": ratios,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=2000, help="a: training steps")
    ap.add_argument("--repeat", type=int, default=3, help="a: alternating repetitions")
    ap.add_argument(
        "--torch-threads",
        type=int,
        nargs="+",
        default=[2, 1],
        help="a: torch.set_num_threads values (the first is the required anchor)",
    )
    ap.add_argument(
        "--torch-max-s",
        type=float,
        default=30.0,
        help="a: stop a torch run after this long and extrapolate its time",
    )
    ap.add_argument("--vmap-seeds", type=int, nargs="*", default=[1, 8, 64])
    ap.add_argument("--vmap-steps", type=int, default=2000)
    ap.add_argument(
        "--vmap-max-s",
        type=float,
        default=120.0,
        help="b: fewer steps for a k whose predicted time exceeds this",
    )
    ap.add_argument("--stair-steps", type=int, default=4000)
    ap.add_argument("--stair-mis", type=float, nargs="*", default=[2, 4, 6, 8, 10])
    ap.add_argument("--stair-objectives", nargs="*", default=["smile", "nwj", "dv", "mine", "js"])
    ap.add_argument("--bmi-steps", type=int, default=0, help="d: max_n_steps for bmi (0: its default)")
    ap.add_argument("--bmi-datasets", type=int, default=6, help="d: datasets (bmi's sampler, rng 0..)")
    ap.add_argument("--bmi-estimators", nargs="*", default=None, help="d: subset of MINE NWJ InfoNCE DV")
    ap.add_argument("--skip", nargs="*", default=[], choices=["js", "vmap", "staircase", "bmi"])
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results_variational.json"))
    args = ap.parse_args()

    jnp.zeros(1).block_until_ready()  # backend start-up outside the timings
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}, jax {jax.__version__}, numpy {np.__version__}, "
        f"devices {jax.devices()}"
    )
    out = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "jax": jax.__version__,
            "numpy": np.__version__,
        },
        "args": vars(args),
    }
    import hashlib

    vdir = os.path.dirname(dv.__file__)
    out["divtools_variational_sha256"] = {
        f: hashlib.sha256(open(os.path.join(vdir, f), "rb").read()).hexdigest()[:16]
        for f in sorted(os.listdir(vdir))
        if f.endswith(".py")
    }
    out["load_average"] = {"start": os.getloadavg()}
    t0 = time.perf_counter()
    for name, fn in (
        ("js", bench_js),
        ("vmap", bench_vmap),
        ("staircase", bench_staircase),
        ("bmi", bench_bmi),
    ):
        if name not in args.skip:
            fn(args, out)
            out["load_average"][f"after {name}"] = os.getloadavg()
            print(f"  [load average after {name}: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus]")
            with open(args.json, "w") as fh:  # partial results survive an interruption
                json.dump(out, fh, indent=2, default=str)
    out["total_s"] = time.perf_counter() - t0
    print(f"\ntotal {out['total_s']:.0f} s; results in {args.json}")
    with open(args.json, "w") as fh:
        json.dump(out, fh, indent=2, default=str)


if __name__ == "__main__":
    main()
