#!/usr/bin/env bash
# GPU/TPU measurements of the training loops: steps per second and the fraction of the
# device's matrix-multiply peak, for estimate, mutual_information and gan.train, on one
# device and (when there are several) on all of them.
#
#   bench/accelerator.sh            # from the repository root, in the project's environment
#
# On a machine without an accelerator it says so and exits 0 without measuring.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
"$PY" - <<'PY'
import json, os, sys, time

import jax
import jax.numpy as jnp
import numpy as np

accel = [d for d in jax.devices() if d.platform != "cpu"]
if not accel:
    print(f"no accelerator: JAX sees only {jax.devices()[0].platform} devices; nothing measured")
    sys.exit(0)

import divtools.variational as dv
from divtools import gan

dev = accel[0]
print(f"devices: {len(accel)} x {dev.device_kind} ({dev.platform})")


def matmul_peak(n=8192, dtype=jnp.float32, reps=20):
    """Measured matrix-multiply rate of one device (the denominator of the fractions)."""
    a = jax.device_put(jnp.ones((n, n), dtype), dev)
    f = jax.jit(lambda a: a @ a)
    f(a).block_until_ready()
    t = time.perf_counter()
    for _ in range(reps):
        out = f(a)
    out.block_until_ready()
    return 2 * n**3 * reps / (time.perf_counter() - t)


def mlp_flops(d_in, hidden, rows):
    """Forward + backward flops of a ReLU MLP on ``rows`` inputs (3x the forward products)."""
    sizes = (d_in, *hidden, 1)
    return 3 * 2 * rows * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def timed(fn, repeats=3):
    fn()  # compile
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


peak = matmul_peak()
print(f"float32 matmul peak (measured, 8192^2): {peak / 1e12:.1f} TFLOP/s")
rng = np.random.default_rng(0)
rows = []
for d, width, batch in [(2, 128, 512), (32, 512, 4096), (128, 1024, 16384)]:
    x_p = rng.normal(size=(200_000, d)).astype(np.float32)
    x_q = (rng.normal(size=(200_000, d)) + 0.5).astype(np.float32)
    steps = 2000
    for devices in [None, "all"] if len(accel) > 1 else [None]:
        t = timed(lambda: dv.estimate("kl", x_p, x_q, key=0, hidden=(width, width), batch_size=batch,
                                      steps=steps, devices=devices).value.block_until_ready())
        flops = steps * mlp_flops(d, (width, width), 2 * batch)
        n_dev = len(accel) if devices else 1
        row = dict(task="estimate kl", d=d, width=width, batch=batch, devices=n_dev, seconds=t,
                   steps_per_s=steps / t, fraction_of_peak=flops / t / (peak * n_dev))
        rows.append(row)
        print(f"estimate d={d:4d} 2x{width:<5d} batch {batch:6d} devices {n_dev}: {steps / t:8.0f} steps/s, "
              f"{100 * row['fraction_of_peak']:.1f}% of the matmul peak")
x = rng.normal(size=(20_000, 16)).astype(np.float32)
y = (0.5 * x + rng.normal(size=x.shape)).astype(np.float32)
t = timed(lambda: dv.mutual_information(x, y, key=0, hidden=(256, 256), batch_size=1024, steps=2000).value.block_until_ready())
rows.append(dict(task="mutual_information", seconds=t, steps_per_s=2000 / t))
print(f"mutual_information 2x256 batch 1024: {2000 / t:.0f} steps/s")
data = rng.normal(size=(20_000, 2)).astype(np.float32)
t = timed(lambda: gan.train(data, key=np.arange(8), steps=2000).generator.layers[0][0].block_until_ready())
rows.append(dict(task="gan.train 8 seeds", seconds=t, steps_per_s=2000 / t))
print(f"gan.train nonsaturating, 8 seeds vmapped: {2000 / t:.0f} generator steps/s")
path = os.path.join("bench", "results_accelerator.json")
with open(path, "w") as fh:
    json.dump(dict(device=dev.device_kind, n_devices=len(accel), peak_flops=peak, rows=rows), fh, indent=1)
print(f"wrote {path}")
PY
