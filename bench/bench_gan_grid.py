"""GAN training at divtools' defaults on the 5x5 grid and the Swiss roll, with the
WGAN-GP and non-saturating losses: mode coverage, sliced W_1 and the Frechet
distance over training.

    python bench/bench_gan_grid.py                  # 4 seeds, 4000 steps (10 minutes on 2 CPU cores at load 4)
    python bench/bench_gan_grid.py --seeds 2 --steps 800 --eval-every 200   # a quick look

For each loss and dataset, one call of ``divtools.gan.train`` trains all seeds under
one ``vmap`` (``key=np.arange(seeds)``) with only ``data``, ``loss``, ``key``,
``steps`` and ``eval_every`` set: every other setting is ``train``'s default. The
generator is trained on the dataset itself (fresh minibatches drawn inside the
compiled loop), not on a fixed array.

Measured, per seed:

* at every checkpoint (``r.checkpoints``, every ``eval_every`` generator steps, the
  initial generator first): the sliced ``SW_1`` of the training history
  (``r.history.distance``: ``divtools.gan.scores.sample_distance`` between 2,000
  generated samples and 2,000 data samples), and the Frechet distance
  ``divtools.frechet_distance(generated, data)`` (``W_2^2`` between Gaussians fitted
  to 2,500 generated samples and a fixed reference of 20,000 data samples
  ``ds.sample(jax.random.key(1), 20000)``); on the grid also the modes covered
  (``divtools.gan.scores.mode_coverage`` on the same 2,500 samples);
* after training: modes covered of 25 and the high-quality share (grid), the final
  sliced ``W_1`` and the Frechet distance at the start and the end;
* the wall time of the call (compile included; scoring excluded).

The noise floors (data against data, same sample sizes) are printed and stored:
a perfect generator scores these, not 0.

Prints a markdown table and the Frechet distance per checkpoint; writes
bench/results_gan_grid.json (date, /proc/loadavg at start and end, per seed and per
checkpoint values).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time

if "xla_cpu_use_thunk_runtime" not in os.environ.get("XLA_FLAGS", ""):  # as tests/conftest.py
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()

import jax
import numpy as np

import divtools
from divtools import gan
from divtools.gan import losses, scores

HERE = os.path.dirname(os.path.abspath(__file__))
N_REFERENCE = 20_000  # the fixed data sample of the Frechet distance
N_GENERATED = 2_500  # generated samples per checkpoint (mode coverage's convention)
EVAL_SIZE = 2_000  # train's default eval_size: the samples of history.distance
DATASETS = {"grid": gan.datasets.grid, "swiss_roll": gan.datasets.swiss_roll}
LOSSES = ("wgan-gp", "nonsaturating")


def loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return f.read().strip()
    except OSError:
        return "unavailable"


def floors(ds, reference) -> dict:
    """The scores of the data themselves (independent samples of the generated sizes)."""
    x = np.asarray(ds.sample(jax.random.key(7), N_GENERATED), dtype=np.float64)
    k_eval = jax.random.fold_in(jax.random.key(0), 1)  # train's evaluation sample of the data
    y = np.asarray(ds.sample(jax.random.key(8), EVAL_SIZE), dtype=np.float64)
    out = {
        "frechet": float(divtools.frechet_distance(x, reference)),
        "sliced_w1": scores.sample_distance(y, np.asarray(ds.sample(k_eval, EVAL_SIZE), dtype=np.float64)),
    }
    if hasattr(ds, "means"):
        cov = scores.mode_coverage(x, ds.means, ds.std)
        out["modes_covered"], out["high_quality"] = cov.modes_covered, cov.high_quality
    return out


def run_one(name: str, loss: str, n_seeds: int, steps: int, eval_every: int) -> dict:
    ds = DATASETS[name]()
    reference = np.asarray(ds.sample(jax.random.key(1), N_REFERENCE), dtype=np.float64)
    t0 = time.perf_counter()
    r = gan.train(ds, loss=loss, key=np.arange(n_seeds), steps=steps, eval_every=eval_every)
    jax.block_until_ready((r.generator, r.checkpoints))
    seconds = time.perf_counter() - t0  # compile, training and the history's SW_1

    ckpt_steps = [int(s) for s in r.history.steps]
    seeds = []
    for s in range(n_seeds):
        rs = r.seed(s)
        frechet, modes, hq = [], [], []
        for i in range(len(ckpt_steps)):
            g = jax.tree_util.tree_map(lambda a, i=i: a[i], rs.checkpoints)
            fake = np.asarray(g(jax.random.key(2), N_GENERATED), dtype=np.float64)
            if not np.isfinite(fake).all():  # a diverged generator
                frechet.append(float("nan"))
                continue
            frechet.append(float(divtools.frechet_distance(fake, reference)))
            if hasattr(ds, "means"):
                cov = scores.mode_coverage(fake, ds.means, ds.std)
                modes.append(cov.modes_covered)
                hq.append(cov.high_quality)
        row = {
            "seed": s,
            "sliced_w1": [float(v) for v in rs.history.distance],
            "frechet": frechet,
        }
        if hasattr(ds, "means"):  # the last checkpoint is the final generator
            row["modes_covered"], row["high_quality"] = modes, hq
        seeds.append(row)
    return {
        "loss": loss,
        "dataset": name,
        "seeds": n_seeds,
        "steps": steps,
        "eval_every": eval_every,
        "checkpoint_steps": ckpt_steps,
        "seconds": seconds,
        "per_seed": seeds,
        "noise_floor": floors(ds, reference),
    }


def fmt_range(values, digits=3) -> str:
    v = np.asarray(values, dtype=float)
    return " ".join(f"{x:.{digits}f}" for x in v)


def table(rows) -> str:
    lines = [
        "| loss | dataset | modes covered / 25 (per seed) | high quality (per seed) | final sliced W_1 "
        "(per seed) | Frechet start -> end (median over seeds; per-seed end) | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ps = row["per_seed"]
        if row["dataset"] == "grid":
            modes = " ".join(str(p["modes_covered"][-1]) for p in ps)
            hq = " ".join(f"{p['high_quality'][-1]:.2f}" for p in ps)
        else:
            modes = hq = "n/a"
        w1 = fmt_range([p["sliced_w1"][-1] for p in ps])
        start = np.median([p["frechet"][0] for p in ps])
        end = np.median([p["frechet"][-1] for p in ps])
        ends = fmt_range([p["frechet"][-1] for p in ps])
        lines.append(
            f"| {row['loss']} | {row['dataset']} | {modes} | {hq} | {w1} | "
            f"{start:.3f} -> {end:.3f} ({ends}) | {row['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--eval-every", type=int, default=400)
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--losses", nargs="+", default=list(LOSSES))
    p.add_argument("--out", default=os.path.join(HERE, "results_gan_grid.json"))
    args = p.parse_args()

    load_start, t_start = loadavg(), time.perf_counter()
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    print(f"loadavg at start: {load_start}", flush=True)
    rows = []
    for name in args.datasets:
        for loss in args.losses:
            row = run_one(name, loss, args.seeds, args.steps, args.eval_every)
            rows.append(row)
            fl = row["noise_floor"]
            print(
                f"\n{loss} on {name}: {row['seconds']:.1f} s (compile included); noise floor: "
                f"Frechet {fl['frechet']:.4f}, sliced W_1 {fl['sliced_w1']:.4f}",
                flush=True,
            )
            print("  step     " + " ".join(f"{s:>7d}" for s in row["checkpoint_steps"]))
            for ps in row["per_seed"]:
                print(f"  FD s{ps['seed']}    " + " ".join(f"{v:7.3f}" for v in ps["frechet"]))
                print(f"  SW1 s{ps['seed']}   " + " ".join(f"{v:7.3f}" for v in ps["sliced_w1"]))
                if "modes_covered" in ps:
                    print(f"  modes s{ps['seed']} " + " ".join(f"{v:7d}" for v in ps["modes_covered"]))
    total = time.perf_counter() - t_start
    load_end = loadavg()
    print(f"\nloadavg at end: {load_end}; total {total:.0f} s\n")
    print(table(rows))

    defaults = {}
    for loss in args.losses:
        spec = losses.loss(loss)
        defaults[loss] = {
            "n_critic": spec.n_critic,
            "peak_rate": spec.rate,
            "penalty": spec.penalty,
            "schedule": "cosine decay to 1% over each player's steps",
            "batch_size": 256,
            "hidden": [128, 128],
            "latent_dim": 2,
            "prior": "normal",
            "standardize": True,
            "updates": "alternating",
        }
    result = {
        "date": started,
        "loadavg_start": load_start,
        "loadavg_end": load_end,
        "total_seconds": total,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "jax": jax.__version__},
        "devices": [str(d) for d in jax.devices()],
        "xla_flags": os.environ.get("XLA_FLAGS", ""),
        "training_data": "the dataset object itself (fresh minibatches inside the loop)",
        "frechet_reference": f"ds.sample(jax.random.key(1), {N_REFERENCE}), float64",
        "generated_per_checkpoint": f"{N_GENERATED} samples, generator(jax.random.key(2), {N_GENERATED})",
        "sliced_w1": f"r.history.distance (train's eval_size {EVAL_SIZE}, 128 projections)",
        "train_defaults": defaults,
        "runs": rows,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
