# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # GANs from the lectures
#
# The lectures end with the minimax game
#
# $$\min_\theta \max_\phi\ V(g_\theta, f_\phi) = \mathbb{E}_{x \sim p_d} \log f_\phi(x)
#   + \mathbb{E}_{z} \log(1 - f_\phi(g_\theta(z))),$$
#
# solved by gradient descent-ascent (GDA). This notebook follows them with
# `divtools.gan` and judges every run with the exact core:
#
# 1. GDA on the bilinear game $\min_x \max_y xy$: synchronous updates spiral out,
#    asynchronous (alternating) ones circle forever;
# 2. a 1-D GAN converging, its discriminator approaching
#    $D^* = p_d / (p_d + p_g)$, and the exact $W_1$ falling;
# 3. the ring of 8 Gaussians: the minimax loss against WGAN-GP, modes counted.
#
# **Run length.** The test run trains briefly; `DIVTOOLS_FULL=1` selects the
# settings of `divtools.gan.recipes` (those of the tests and `bench/bench_gan.py`).

# %%
import os
import time

import jax

jax.config.update(
    "jax_enable_x64", True
)  # GDA below in float64; the GANs train in float32 (their data's type)

import matplotlib.pyplot as plt
import numpy as np
import optax
from scipy import stats

import divtools
from divtools import gan
from divtools.gan import gda, recipes

FULL = os.environ.get("DIVTOOLS_FULL", "0") == "1"
T_START = time.perf_counter()
print("full-length settings" if FULL else "short settings (set DIVTOOLS_FULL=1 for the full run)")

# %% [markdown]
# ## 1. Gradient descent-ascent on $f(x, y) = xy$
#
# The synchronous version takes both gradients at $(x_t, y_t)$; the linear map
# is a rotation times $\sqrt{1 + \gamma^2}$, so $|z_t| = (1 + \gamma^2)^{t/2} |z_0|$.
# The asynchronous version lets $y$ see $x_{t+1}$; its map has determinant 1
# and conserves $x^2 + y^2 - \gamma xy$, an ellipse around the equilibrium.

# %%
gamma, steps = 0.15, 150
sim = gda.gda(x0=1.0, y0=0.0, step_size=gamma, steps=steps, updates="simultaneous")
alt = gda.gda(x0=1.0, y0=0.0, step_size=gamma, steps=steps, updates="alternating")
r_sim = np.hypot(sim.x, sim.y)
r_alt = np.hypot(alt.x, alt.y)
q_alt = np.asarray(jax.vmap(lambda x, y: gda.bilinear_invariant(x, y, gamma))(alt.x, alt.y))

fig, ax = plt.subplots(1, 2, figsize=(10, 4.2))
ax[0].plot(sim.x, sim.y, ".-", ms=3, label="simultaneous (synchronous)")
ax[0].plot(alt.x, alt.y, ".-", ms=3, label="alternating (asynchronous)")
ax[0].plot(0, 0, "k*", ms=12, label="equilibrium")
ax[0].set(
    xlabel="x (minimises)", ylabel="y (maximises)", aspect="equal", title=r"GDA on $xy$, $\gamma$ = 0.15"
)
ax[0].legend(fontsize=8)
ax[1].semilogy(r_sim, label="simultaneous")
ax[1].semilogy(r_sim[0] * (1 + gamma**2) ** (np.arange(steps + 1) / 2), "k:", label=r"$(1+\gamma^2)^{t/2}$")
ax[1].semilogy(r_alt, label="alternating")
ax[1].set(xlabel="iteration t", ylabel="distance to (0, 0)")
ax[1].legend(fontsize=8)
plt.tight_layout()
plt.show()

print(f"after {steps} steps: simultaneous |z| = {r_sim[-1]:.3f}, alternating |z| = {r_alt[-1]:.3f}")
assert np.allclose(r_sim, (1 + gamma**2) ** (np.arange(steps + 1) / 2), rtol=1e-12)
assert np.allclose(q_alt, q_alt[0], rtol=1e-12) and r_alt.max() < 1.1

# %% [markdown]
# ## 2. A 1-D GAN and its optimal discriminator
#
# The data are $N(1.5, 0.75^2)$; the generator is affine, $G(z) = az + b$,
# started at the identity, so that it first outputs its $N(0, 1)$ noise and
# the distribution it generates is always $N(b, a^2)$. That makes
# $D^*(x) = p_d(x) / (p_d(x) + p_g(x))$ exact at every checkpoint. The minimax
# loss is seed 000's $V$ exactly (the discriminator is a 2x64 ReLU network with
# a sigmoid output); updates alternate (one step each).

# %%
key = jax.random.key(0)
one_d_steps = 2000 if FULL else 600
r1 = recipes.train_one_d(
    "minimax",
    key=key,
    steps=one_d_steps,
    eval_every=one_d_steps // 20,
    learning_rate=optax.cosine_decay_schedule(1e-2, one_d_steps, alpha=0.01),
)
target = recipes.ONE_D_TARGET
a_t = np.asarray(r1.checkpoints.layers[0][0])[:, 0, 0]
b_t = np.asarray(r1.checkpoints.layers[0][1])[:, 0]
w1_exact = [
    float(divtools.wasserstein_1d(divtools.Normal(float(b), abs(float(a))), divtools.Normal(1.5, 0.75)))
    for a, b in zip(a_t, b_t)
]

x = np.linspace(-2.5, 4.5, 400)
p_d = stats.norm(1.5, 0.75).pdf(x)
a_f, b_f = a_t[-1], b_t[-1]
p_g = stats.norm(b_f, abs(a_f)).pdf(x)
d_star = p_d / (p_d + p_g)
d_trained = np.asarray(r1.critic(x[:, None].astype(np.float32)))

fig, ax = plt.subplots(1, 3, figsize=(14, 4))
ax[0].plot(r1.history.steps, r1.history.distance, "o-", ms=3, label="W_1 between samples (2,000 each)")
ax[0].plot(r1.history.steps, w1_exact, "k--", label=r"exact $W_1(N(b, a^2), N(1.5, 0.75^2))$")
ax[0].set(yscale="log", xlabel="generator step", ylabel=r"$W_1$ to the data", title="exact distance falling")
ax[0].legend(fontsize=8)
ax[1].plot(x, p_d, label="data")
ax[1].plot(x, stats.norm(0, 1).pdf(x), ":", label="generator at step 0")
ax[1].plot(x, p_g, "--", label=f"generator: N({b_f:.3f}, {abs(a_f):.3f}^2)")
ax[1].legend(fontsize=8)
ax[1].set(title="densities")
ax[2].plot(x, d_trained, label="D after GAN training")
ax[2].plot(x, d_star, "k--", label=r"$D^* = p_d/(p_d + p_g)$")
ax[2].set(ylim=(0, 1), title="discriminator", xlabel="x")
ax[2].legend(fontsize=8)
plt.tight_layout()
plt.show()
print(f"final W_1: samples {r1.history.distance[-1]:.4f}, exact {w1_exact[-1]:.4f}")
assert w1_exact[-1] < 0.1 and r1.history.distance[-1] < 0.1

# %% [markdown]
# At the end of training $p_g \approx p_d$, so $D^* \approx 1/2$ and the trained
# discriminator hovers near it. The clearer check of the inner maximisation is
# with the generator **frozen** away from the data: `gan.fit_discriminator`
# trains the discriminator alone against the generator at step 0 ($N(0, 1)$),
# and it should reproduce $D^*$ and, through the classifier bound, JS.

# %%
g0 = gan.Generator.affine(1.0, 0.0)
fit = gan.fit_discriminator(target, g0, key=jax.random.key(1), steps=2000 if FULL else 800, hidden=(32, 32))
p0 = stats.norm(0, 1).pdf(x)
d0_star = p_d / (p_d + p0)
d0 = np.asarray(fit.critic(x[:, None].astype(np.float32)))
js_exact = float(divtools.js(divtools.Normal(1.5, 0.75), divtools.Normal(0.0, 1.0)))
plt.figure(figsize=(6, 4))
plt.plot(x, d0, label="D trained against the frozen generator")
plt.plot(x, d0_star, "k--", label=r"$D^*$")
plt.xlabel("x")
plt.legend(fontsize=8)
plt.title(f"JS: learned {float(fit.value):.4f} +- {float(fit.stderr):.4f}, exact {js_exact:.4f}")
plt.show()
bulk = (x > -1.0) & (x < 3.5)
print(f"max |D - D*| on [-1, 3.5]: {np.abs(d0 - d0_star)[bulk].max():.3f}")
assert np.abs(d0 - d0_star)[bulk].max() < 0.08
assert abs(float(fit.value) - js_exact) < 3 * float(fit.stderr) + 0.02

# %% [markdown]
# ## 3. The ring of 8: collapse and coverage
#
# Eight Gaussians of std 0.01 on the unit circle (the mode-collapse papers'
# ring). A generated sample is *high quality* within 3 std of a mode; a mode is
# *covered* if it gets at least 20 of 2,500 samples. Each loss trains several
# seeds in **one** vmapped call. WGAN-GP uses $\lambda = 0.1$, the value of its
# authors' toy script, and learning rates decayed from 1e-3 to 1e-5. The short
# test run (500 steps, 3 seeds) only starts to find the modes; the full run
# (`DIVTOOLS_FULL=1`, 4,000 steps, 16 seeds, as in `bench/bench_gan.py`) gave
# WGAN-GP 8/8 modes in 16 of 16 seeds with 82% of its samples of high quality,
# minimax 8/8 in 14 of 16, and, with simultaneous updates, minimax collapsing to
# 0-1 modes in 3 of 16 seeds.

# %%
ring = gan.datasets.ring()
n_seeds = 16 if FULL else 3
ring_steps = recipes.RING["steps"] if FULL else 500
runs = {}
for loss in ("minimax", "wgan-gp"):
    keys = jax.random.split(jax.random.key(1), n_seeds)
    runs[loss] = recipes.train_ring(loss, key=keys, steps=ring_steps, eval_every=ring_steps // 10)

fig, ax = plt.subplots(1, 3, figsize=(14, 4.4))
data = np.asarray(ring.sample(jax.random.key(5), 2500))
for i, (loss, r) in enumerate(runs.items()):
    xs = np.asarray(r.seed(0).generator(jax.random.key(99), 2500))
    cov = gan.mode_coverage(xs, ring.means, ring.std)
    ax[i].scatter(data[:, 0], data[:, 1], s=2, c="k", alpha=0.3, label="data")
    ax[i].scatter(xs[:, 0], xs[:, 1], s=2, alpha=0.4, label="generated")
    ax[i].set(
        aspect="equal",
        xlim=(-1.6, 1.6),
        ylim=(-1.6, 1.6),
        title=f"{loss}: {cov.modes_covered}/8 modes, {100 * cov.high_quality:.0f}% high quality",
    )
    ax[i].legend(fontsize=7, loc="lower right")
    ax[2].plot(
        r.history.steps, np.median(r.history.distance, axis=0), "o-", ms=3, label=f"{loss} (median of seeds)"
    )
ax[2].set(
    xlabel="generator step",
    ylabel=r"sliced $SW_1$ to the data",
    yscale="log",
    title="exact distances falling",
)
ax[2].legend(fontsize=8)
plt.tight_layout()
plt.show()

for loss, r in runs.items():
    xs = np.asarray(jax.vmap(lambda g: g(jax.random.key(99), 2500))(r.generator))
    covs = [gan.mode_coverage(xi, ring.means, ring.std) for xi in xs]
    binned = gan.binned_divergences(data, xs[0], bins=40, range=[(-1.5, 1.5), (-1.5, 1.5)])
    print(
        f"{loss:8s} modes per seed {[c.modes_covered for c in covs]}, high quality "
        f"{np.mean([c.high_quality for c in covs]):.2f}; binned JS of seed 0 {binned.js:.3f} nats"
    )
    d = r.history.distance
    assert np.median(d[:, -1]) < np.median(d[:, 0])  # the generators approach the data

print(f"notebook time: {time.perf_counter() - T_START:.0f} s")
