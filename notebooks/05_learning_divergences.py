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
# # Learning a divergence from samples
#
# Every divergence of the previous notebooks was computed from known densities.
# With samples only, the variational representations turn estimation into
# training: a divergence is a supremum over critics $T$ of an expectation
# difference, e.g. for an f-divergence
#
# $$D_f(P \,\|\, Q) = \sup_T\ \mathbb{E}_P\, T(X) - \mathbb{E}_Q\, f^*(T(X)),$$
#
# attained at $T^* = f'(p/q)$; replacing the expectations by sample means and
# the supremum by gradient ascent on a neural network gives a lower bound that
# can be learned (Nguyen, Wainwright & Jordan 2010; the f-GAN, Nowozin et al.
# 2016). `divtools.variational.estimate(divergence, x_p, x_q, key=...)` fits a
# ReLU critic in one compiled training loop and reports the bound on held-out
# samples with its standard error.
#
# The notebook compares the learned values with the exact ones on a discrete
# pair, the learned critics with the optimal ones, runs the mutual-information
# "staircase" of Poole et al. (2019) for the KL estimators (SMILE, NWJ,
# Donsker-Varadhan, MINE), and ends with the WGAN critic against the exact
# Kantorovich potential on the line.
#
# **Run length.** The test run trains briefly (a few hundred steps, small
# critics, fewer staircase levels). Set the environment variable
# `DIVTOOLS_FULL=1` for the full-length settings; the sizes below are all
# chosen from `FULL`. Each `estimate` call compiles its training loop (a few
# seconds on a CPU, whatever the number of steps); a later call with the same
# configuration and data shapes reuses it, so the notebook passes arrays of one
# shape where it can and trains several seeds in one call (a batch of keys).

# %%
import os
import time

import jax

jax.config.update("jax_enable_x64", True)  # float64 where the samples are float64

import matplotlib.pyplot as plt
import numpy as np
import scipy.stats as st
from scipy.integrate import trapezoid

import divtools
from divtools import Normal, duality
from divtools.variational import correlated_gaussians, estimate, objective

FULL = os.environ.get("DIVTOOLS_FULL", "0") == "1"  # full-length training (the test run is short)
T_START = time.perf_counter()
rng = np.random.default_rng(0)
print("full-length settings" if FULL else "short settings (set DIVTOOLS_FULL=1 for the full run)")


def running_mean(h, w):
    """Mean of each window of ``w`` consecutive values (the per-step bounds are noisy)."""
    h = np.asarray(h, dtype=float)
    c = np.cumsum(np.concatenate([[0.0], h]))
    return (c[w:] - c[:-w]) / w


# %% [markdown]
# ## 1. Exact versus learned on four categories
#
# Two distributions on four outcomes and 20 000 samples of each, given as
# category indices (`estimate` one-hot encodes integer arrays). 20% of the
# samples are held out: the estimate is the bound evaluated there, with the
# critic fixed, so it is not inflated by fitting (`train_value` is the same
# bound on the training samples). The objectives:
#
# | divergence | objective | bound maximised over $V$ |
# |---|---|---|
# | KL | `smile` | critic trained by the GAN/JS loss, estimate DV with $V$ clipped to $[-\tau, \tau]$ in $\mathbb{E}_Q$ |
# | KL | `nwj` | $\mathbb{E}_P V - \mathbb{E}_Q e^{V - 1}$ (Nguyen, Wainwright & Jordan) |
# | KL | `dv` | $\mathbb{E}_P V - \log \mathbb{E}_Q e^{V}$ (Donsker-Varadhan) |
# | JS | `classifier` | $\log 2 + \frac12 \mathbb{E}_P \log D + \frac12 \mathbb{E}_Q \log(1 - D)$, $D = \sigma(V)$ |
# | TV | `bounded` | $\mathbb{E}_P T - \mathbb{E}_Q T$, $T = \frac12 \tanh V$ |
# | $H^2$ | `fgan` | $\mathbb{E}_P g_f(V) - \mathbb{E}_Q f^*(g_f(V))$ with the generator $f(t) = (\sqrt t - 1)^2$ |

# %%
STEPS = 2000 if FULL else 600
HIDDEN = (128, 128) if FULL else (64, 64)

p = np.array([0.45, 0.30, 0.15, 0.10])
q = np.array([0.10, 0.20, 0.30, 0.40])
n_samples = 20_000
x_p = rng.choice(4, size=n_samples, p=p)
x_q = rng.choice(4, size=n_samples, p=q)
print("p =", p, " empirical", np.bincount(x_p, minlength=4) / n_samples)
print("q =", q, " empirical", np.bincount(x_q, minlength=4) / n_samples)

RUNS = [
    ("kl", "smile"),
    ("kl", "nwj"),
    ("kl", "dv"),
    ("js", "classifier"),
    ("tv", "bounded"),
    ("squared_hellinger", "fgan"),
]
exact = {div: float(divtools.f_divergence(p, q, div)) for div, _ in RUNS}
results = {}
for i, (div, obj) in enumerate(RUNS):
    t0 = time.perf_counter()
    results[div, obj] = estimate(
        div, x_p, x_q, key=jax.random.key(i), objective=obj, steps=STEPS, hidden=HIDDEN
    )
    print(f"{div}/{obj}: trained in {time.perf_counter() - t0:.1f} s")

print(f"\n{'divergence':<18}{'objective':<25}{'exact':>9}{'estimate +- stderr':>22}{'train':>9}")
for (div, _), r in results.items():
    print(
        f"{div:<18}{r.objective:<25}{exact[div]:9.4f}{float(r.value):12.4f} +- {float(r.stderr):.4f}"
        f"{float(r.train_value):9.4f}"
    )

# %%
fig, axes = plt.subplots(2, 3, figsize=(13, 6.5), layout="constrained")
window = STEPS // 20
for ax, ((div, _), r) in zip(axes.ravel(), results.items()):
    h = np.asarray(r.history)
    ax.plot(np.arange(h.size), h, c="C0", alpha=0.2, lw=0.6, label="batch bound")
    ax.plot(np.arange(window - 1, h.size), running_mean(h, window), c="C0", label=f"running mean ({window})")
    ax.axhline(exact[div], c="k", ls="--", label="exact")
    ax.axhline(float(r.value), c="C3", ls=":", label="held-out estimate")
    lo = min(0.0, exact[div] - 0.3 * abs(exact[div]))
    ax.set_ylim(lo, 1.6 * exact[div])
    ax.set_title(f"{div} / {r.objective}")
    ax.set_xlabel("step")
axes[0, 0].set_ylabel("nats")
axes[1, 0].set_ylabel("nats")
axes[0, 0].legend(fontsize=7)
fig.suptitle(f"The bound on each training batch (batch 512) against the exact divergence; {STEPS} steps")
plt.show()

# %% [markdown]
# With four categories the critic only has to learn four numbers, and every
# objective reaches the exact value within its statistical error. The KL
# bounds differ in their noise: NWJ and DV average $e^V$ over $Q$, whose
# spread grows with the divergence (section 3).

# %%
for (div, obj), r in results.items():
    value, se = float(r.value), float(r.stderr)
    assert np.isfinite(value) and 0 < se < 0.05, (div, obj, value, se)
    assert abs(value - exact[div]) < 4 * se + 0.01, (div, obj, value, exact[div], se)
    assert abs(float(r.train_value) - exact[div]) < 0.05, (div, obj)
assert all(np.asarray(r.history).shape == (STEPS,) for r in results.values())

# %% [markdown]
# ## 2. The learned critic against the optimal critic
#
# The supremum is attained at $T^*(x) = f'(p(x)/q(x))$
# (`divtools.duality.optimal_critic`). `critic(x)` is the trained critic in
# the dual's units ($g_f(V(x))$ for the f-GAN bound), so on the four one-hot
# inputs it can be compared with $T^*$ directly:
#
# * for KL, $f(t) = t \log t$ and $T^* = 1 + \log(p/q)$. NWJ's bound *is* the
#   f-GAN bound of KL (the activation $g_f(v) = v$ and $f^*(t) = e^{t - 1}$),
#   so the NWJ critic of section 1 is the f-GAN KL critic;
# * for $H^2$, $f(t) = (\sqrt t - 1)^2$ and $T^* = 1 - \sqrt{q/p}$;
# * the JS classifier's $D = \sigma(V)$ approaches $p/(p + q)$, so
#   $e^{V} = D/(1 - D)$ approaches the density ratio $p/q$
#   (`critic.density_ratio`). SMILE trains its critic by the same loss, so its
#   $V$ approaches $\log(p/q)$; a DV critic is only defined up to an additive
#   constant ($\mathbb{E}_P V - \log \mathbb{E}_Q e^V$ does not change when $V$ is shifted).

# %%
v_p, v_q = rng.normal(size=(2, 1000))
b_nwj, _ = objective("kl", "nwj").bound(v_p, v_q, ())
b_fgan, _ = objective("kl", "fgan").bound(v_p, v_q, ())
assert abs(float(b_nwj) - float(b_fgan)) <= 1e-15 * abs(float(b_nwj))  # the same bound

onehot = np.eye(4)
ratio = p / q
t_kl = results["kl", "nwj"].critic(onehot)
t_kl_star = duality.optimal_critic(p, q, "kl")
t_h2 = results["squared_hellinger", "fgan"].critic(onehot)
t_h2_star = duality.optimal_critic(p, q, "squared_hellinger")
r_js = results["js", "classifier"].critic.density_ratio(onehot)
v_smile = results["kl", "smile"].critic.raw(onehot)
v_dv = results["kl", "dv"].critic.raw(onehot)
v_dv_shifted = np.asarray(v_dv) - np.log(np.sum(q * np.exp(v_dv)))  # the constant with E_Q e^V = 1
assert np.allclose(t_kl_star, 1 + np.log(ratio), rtol=1e-15, atol=1e-15)
assert np.allclose(t_h2_star, 1 - np.sqrt(q / p), rtol=1e-15, atol=1e-15)

print(
    f"{'x':>3}{'p/q':>8}{'| NWJ T':>10}{'1+log p/q':>11}{'| H2 T':>9}{'1-sqrt(q/p)':>12}"
    f"{'| e^V (JS)':>11}{'| SMILE V':>10}{'DV V - c':>10}{'log p/q':>9}"
)
for k in range(4):
    print(
        f"{k:3d}{ratio[k]:8.3f}{float(t_kl[k]):10.3f}{t_kl_star[k]:11.3f}{float(t_h2[k]):9.3f}"
        f"{t_h2_star[k]:12.3f}{float(r_js[k]):11.3f}{float(v_smile[k]):10.3f}{float(v_dv_shifted[k]):10.3f}"
        f"{np.log(ratio[k]):9.3f}"
    )

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
cats = np.arange(4)
for ax, learned, best, title, label in [
    (axes[0], t_kl, t_kl_star, "KL, f-GAN (= NWJ) critic", r"$T^* = 1 + \log(p/q)$"),
    (axes[1], t_h2, t_h2_star, r"$H^2$, f-GAN critic", r"$T^* = 1 - \sqrt{q/p}$"),
    (axes[2], r_js, ratio, "JS classifier: density ratio", r"$p/q$"),
]:
    ax.bar(cats - 0.2, np.asarray(best), width=0.4, color="0.6", label=label)
    ax.bar(cats + 0.2, np.asarray(learned), width=0.4, color="C0", label="learned")
    ax.axhline(0, c="k", lw=0.5)
    ax.set_xticks(cats)
    ax.set_xlabel("category")
    ax.set_title(title)
    ax.legend(fontsize=8)
axes[2].set_ylabel(r"$e^{V} = D / (1 - D)$")
plt.show()

# %%
gaps = {
    "NWJ T - T*": np.max(np.abs(np.asarray(t_kl) - t_kl_star)),
    "H2 T - T*": np.max(np.abs(np.asarray(t_h2) - t_h2_star)),
    "JS ratio / (p/q) - 1": np.max(np.abs(np.asarray(r_js) / ratio - 1)),
    "SMILE V - log p/q": np.max(np.abs(np.asarray(v_smile) - np.log(ratio))),
    "DV V - c - log p/q": np.max(np.abs(v_dv_shifted - np.log(ratio))),
}
print("largest deviations:", {k: round(float(v), 3) for k, v in gaps.items()})
assert all(v < 0.2 for v in gaps.values())

# %% [markdown]
# ## 3. The mutual-information staircase
#
# Poole et al. (2019, section 5) test the KL estimators on mutual information:
# $x, y \in \mathbb{R}^{20}$ standard normal with $\mathrm{corr}(x_i, y_i) = \rho$, so
# $I(X; Y) = -\frac{20}{2} \log(1 - \rho^2)$, which is
# $KL(P_{XY} \,\|\, P_X P_Y)$. `correlated_gaussians(mi)` returns samplers of
# the joint ($P$) and of the product of the marginals ($Q$) at a given MI.
# Passed to `estimate` directly they give fresh batches at every step; here
# each level draws one large sample from them instead (100 000 of each in the
# short run, more than the training's 600 batches of 64 use, so few samples
# are seen twice; 20% are held out for the estimate). Arrays of one shape let
# the levels share one compiled program per estimator, where a new sampler
# function per level would be compiled anew. Each estimator trains a few
# critics from different seeds at once (a batch of keys) with Poole et al.'s
# batch of 64.
#
# In the short run the staircase has three levels and 600 steps with a small
# critic: it shows the estimators' characters, not their converged values.

# %%
MI_LEVELS = (2.0, 4.0, 6.0, 8.0, 10.0) if FULL else (2.0, 6.0, 10.0)
MI_STEPS = 4000 if FULL else 600
MI_HIDDEN = (256, 256) if FULL else (64, 64)
MI_SAMPLES = 250_000 if FULL else 100_000  # of the joint and of the product, per level
MI_SEEDS = 5 if FULL else 3
MI_ESTIMATORS = ("smile", "nwj", "dv", "mine") if FULL else ("smile", "nwj", "dv")

mi_value = {e: np.zeros((len(MI_LEVELS), MI_SEEDS)) for e in MI_ESTIMATORS}
mi_stderr = {e: np.zeros((len(MI_LEVELS), MI_SEEDS)) for e in MI_ESTIMATORS}
mi_train = {e: np.zeros((len(MI_LEVELS), MI_SEEDS)) for e in MI_ESTIMATORS}
mi_batch = {
    e: np.zeros((len(MI_LEVELS), MI_SEEDS)) for e in MI_ESTIMATORS
}  # the batch bound, last 10% of steps
for i, mi in enumerate(MI_LEVELS):
    problem = correlated_gaussians(mi, d=20, batch_size=MI_SAMPLES)
    k_joint, k_product, k_train = jax.random.split(jax.random.key(100 + i), 3)
    joint, product = problem.joint(k_joint), problem.product(k_product)  # float32 (MI_SAMPLES, 40)
    for e in MI_ESTIMATORS:
        t0 = time.perf_counter()
        r = estimate(
            "kl",
            joint,
            product,
            key=jax.random.split(k_train, MI_SEEDS),
            objective=e,
            steps=MI_STEPS,
            hidden=MI_HIDDEN,
            batch_size=64,
        )
        mi_value[e][i], mi_stderr[e][i], mi_train[e][i] = r.value, r.stderr, r.train_value
        mi_batch[e][i] = np.mean(np.asarray(r.history)[:, -MI_STEPS // 10 :], axis=1)
        print(
            f"MI {mi:4.1f} (rho {problem.rho:.3f})  {e:>5}: {np.array2string(np.asarray(r.value), precision=2)}"
            f"  stderr {np.array2string(np.asarray(r.stderr), precision=2)}  ({time.perf_counter() - t0:.1f} s)"
        )

# %% [markdown]
# For comparison, the estimators evaluated at the *optimal* critic, the exact
# log-ratio $V^* = \log \frac{p(x, y)}{p(x)\, p(y)} = \sum_i \big[-\frac12 \log(1 - \rho^2)
# - \frac{x_i^2 - 2 \rho x_i y_i + y_i^2}{2 (1 - \rho^2)} + \frac{x_i^2 + y_i^2}{2}\big]$,
# on 200 000 fresh samples: what is left is the bias
# of the estimator itself, not of the training.


# %%
def log_ratio(xy, rho, d=20):
    x, y = xy[:, :d], xy[:, d:]
    return np.sum(
        -0.5 * np.log1p(-(rho**2))
        - (x * x - 2 * rho * x * y + y * y) / (2 * (1 - rho**2))
        + (x * x + y * y) / 2,
        axis=1,
    )


mc = np.random.default_rng(5)
n_mc, tau = 200_000, 5.0
smile_at_opt, dv_at_opt = [], []
for mi in MI_LEVELS:
    rho = correlated_gaussians(mi).rho
    x = mc.standard_normal((n_mc, 20))
    v_p = log_ratio(np.hstack([x, rho * x + np.sqrt(1 - rho**2) * mc.standard_normal((n_mc, 20))]), rho)
    v_q = log_ratio(mc.standard_normal((n_mc, 40)), rho)
    lme = lambda v: np.log(np.mean(np.exp(v - v.max()))) + v.max()
    smile_at_opt.append(v_p.mean() - lme(np.clip(v_q, -tau, tau)))
    dv_at_opt.append(v_p.mean() - lme(v_q))
    print(
        f"MI {mi:4.1f}: E_P log-ratio {v_p.mean():.3f}; at the optimal critic SMILE(tau = 5) {smile_at_opt[-1]:.3f},"
        f" DV {dv_at_opt[-1]:.3f}; log-ratio outside [-5, 5] on {np.mean(np.abs(v_q) > tau):.0%} of Q's samples"
    )
assert (
    abs(smile_at_opt[0] - 2.0) < 0.1 and smile_at_opt[-1] > MI_LEVELS[-1] + 1
)  # clipping: biased high at V*

# %%
levels = np.array(MI_LEVELS)
bottom, top = -2.0, levels.max() + 3


def staircase(ax, values, ylabel):
    """Median and range over seeds; values off the axis are drawn as triangles at its edge."""
    ax.plot(levels, levels, "k--", lw=1, label="true MI")
    for j, e in enumerate(MI_ESTIMATORS):
        vals = np.nan_to_num(values[e], nan=-np.inf)
        x = levels + 0.15 * (j - (len(MI_ESTIMATORS) - 1) / 2)
        med = np.clip(np.median(vals, axis=1), bottom - 1, top + 1)
        lo, hi = (
            np.clip(vals.min(axis=1), bottom - 1, top + 1),
            np.clip(vals.max(axis=1), bottom - 1, top + 1),
        )
        below, above = vals < bottom, vals > top
        off = below | above
        label = (
            e
            if not off.any()
            else f"{e} ({off.sum()} of {off.size} off the axis: {vals[off].min():.3g} to {vals[off].max():.3g})"
        )
        ax.errorbar(x, med, yerr=[med - lo, hi - med], fmt="o", c=f"C{j}", capsize=3, label=label)
        xs = np.repeat(x, MI_SEEDS)
        ax.plot(xs[~off.ravel()], vals.ravel()[~off.ravel()], ".", c=f"C{j}", alpha=0.4, ms=4)
        ax.plot(xs[below.ravel()], np.full(below.sum(), bottom + 0.2), "v", c=f"C{j}", alpha=0.6, ms=5)
        ax.plot(xs[above.ravel()], np.full(above.sum(), top - 0.2), "^", c=f"C{j}", alpha=0.6, ms=5)
    ax.set_xlabel("true mutual information (nats)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom, top)


fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained", sharey=True)
staircase(ax, mi_value, "nats")
ax.plot(levels, smile_at_opt, "x", c="C0", ms=8, label="smile at the optimal critic")
ax.set_title(f"Held-out estimate ({MI_SAMPLES // 5} samples of P and of Q)")
ax.legend(fontsize=7, loc="upper left")
staircase(ax2, mi_batch, "")
ax2.legend(fontsize=7, loc="upper left")
ax2.set_title("Bound on the training batches of 64 (last 10% of steps)")
fig.suptitle(
    f"MI staircase, d = 20: {MI_STEPS} steps, {MI_SEEDS} seeds (median and range)"
    + ("" if FULL else " - shortened run")
)
plt.show()

print("held-out estimate: median over seeds (sd) [mean stderr] | on the training samples | batch bound")
for e in MI_ESTIMATORS:
    for i, mi in enumerate(MI_LEVELS):
        print(
            f"{e:>5} MI {mi:4.1f}: {np.median(mi_value[e][i]):10.2f} ({np.std(mi_value[e][i]):.2f})"
            f" [{np.mean(mi_stderr[e][i]):.2f}] | {np.median(mi_train[e][i]):10.2f} | {np.median(mi_batch[e][i]):6.2f}"
        )

# %% [markdown]
# What the estimators are known to do (Poole et al. 2019; Song & Ermon 2020):
#
# * **NWJ** is unbiased for a fixed critic, but $\mathbb{E}_Q e^{V - 1}$ has a
#   variance that grows like $e^{I}$: at high MI its estimates scatter widely
#   and a run can blow up.
# * **DV** (and **MINE**, which is DV with a moving-average correction of the
#   gradient) is tighter, but $\log \mathbb{E}_Q e^V$ estimated from a finite
#   sample is biased and as noisy as NWJ's term: the mean is carried by rare
#   samples with large $V$, so even at the optimal critic it needs of the
#   order of $e^{I}$ samples of $Q$. A trained critic that is large on a few
#   held-out samples of $Q$ drags the held-out estimate down, even below 0.
# * **SMILE** trains the critic by the low-variance GAN/JS loss and clips $V$
#   to $[-\tau, \tau]$ ($\tau = 5$ here) inside $\log \mathbb{E}_Q e^V$: the
#   variance is small, but once MI exceeds about $\tau$ the log-ratio leaves
#   $[-\tau, \tau]$ on most of $Q$'s samples and the estimate is biased even at
#   the optimal critic (the crosses: above the truth, since clipping removes
#   the large values of $e^V$ that $\log \mathbb{E}_Q e^V$ needs). A trained
#   critic is not optimal either, so at high MI SMILE's value depends on the
#   training as much as on the MI; a smaller $\tau$ trades more bias for less
#   variance.
#
# The two panels evaluate the same critics in two ways. Poole et al. plot the
# bound on the training batches (right). On a batch, $\log \mathbb{E}_Q e^V$ is
# a log-mean of 64 values: it misses the rare large values of $V$, so a critic
# can make $\mathbb{E}_P V$ large while the batch's mean of $e^V$ stays small.
# DV's batch bound overshoots at high MI and, trained longer, runs away (in
# the full-length run to tens of thousands of nats from MI = 4 on). On the
# held-out samples (left; 20 000 in the short run) the rare large values are caught and DV's
# estimate falls, below 0 for some seeds (in the full-length run to thousands
# of nats below 0). SMILE's clipped estimate is far steadier; NWJ (and MINE in
# the full-length run) stay well below the truth at high MI.
#
# The short run also is simply short: NWJ, whose gradient flows through
# $e^{V - 1}$, is still far below every level after 600 steps, and no estimator
# reaches the top level. The checks below are the ones that hold for short
# training: SMILE is close at MI = 2 and stable across seeds, NWJ stays below
# the truth on average, and DV scatters far more than SMILE at the top level.

# %%
i2 = MI_LEVELS.index(2.0)
sd_top = {e: float(np.std(mi_value[e][-1])) for e in MI_ESTIMATORS}
print(f"spread over seeds at MI = {MI_LEVELS[-1]:g}:", {e: round(v, 2) for e, v in sd_top.items()})
assert abs(np.mean(mi_value["smile"][i2]) - 2.0) < 1.5
assert np.all(np.isfinite(mi_value["smile"])) and np.all(mi_value["smile"] < levels[:, None] + 1)
assert np.all(np.mean(mi_value["nwj"], axis=1) < levels)
assert sd_top["dv"] > 2 * sd_top["smile"]

# %% [markdown]
# ### Mutual information from one fixed sample
#
# The staircase draws fresh samples of the product $P_X P_Y$ at every step. With
# one fixed sample of $n$ pairs, as in practice, `mutual_information(x, y)`
# takes the product from the data itself: every pair $(x_i, y_j)$, $i \ne j$, of a
# minibatch is a product sample during training, and the held-out estimate
# averages $e^{V}$ over all $m(m - 1)$ held-out pairs (a U-statistic, with its
# projection standard error). For contrast, `estimate("kl", joint, shuffled)`
# sees only one shuffle of the data as the product sample. Bivariate normals of
# correlation $\rho$, $I = -\tfrac12 \log(1 - \rho^2)$, 5,000 pairs.

# %%
from divtools.variational import mutual_information

RHOS = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95) if FULL else (0.0, 0.5, 0.8, 0.95)
mi_pairs, mi_shuffle = [], []
for i, rho in enumerate(RHOS):
    rng_mi = np.random.default_rng(40 + i)
    xs = rng_mi.normal(size=(5000, 1)).astype(np.float32)
    ys = (rho * xs + np.sqrt(1 - rho**2) * rng_mi.normal(size=(5000, 1))).astype(np.float32)
    r = mutual_information(xs, ys, key=jax.random.key(i))
    mi_pairs.append((float(r.value), float(r.stderr)))
    joint, product = np.hstack([xs, ys]), np.hstack([xs, ys[rng_mi.permutation(5000)]])
    r1 = estimate(
        "kl",
        joint,
        product,
        key=jax.random.key(i),
        hidden=(32, 32),
        steps=1000,
        batch_size=256,
        eval_fraction=0.5,
    )
    mi_shuffle.append((float(r1.value), float(r1.stderr)))
mi_exact = -0.5 * np.log1p(-np.square(RHOS))
mi_pairs, mi_shuffle = np.array(mi_pairs), np.array(mi_shuffle)

fig, ax = plt.subplots(figsize=(5.5, 3.5))
rr = np.linspace(0, 0.96, 100)
ax.plot(rr, -0.5 * np.log1p(-(rr**2)), c="k", label="exact")
ax.errorbar(RHOS, mi_pairs[:, 0], 2 * mi_pairs[:, 1], fmt="o", c="C0", label="mutual_information (all pairs)")
ax.errorbar(
    np.array(RHOS) + 0.01,
    mi_shuffle[:, 0],
    2 * mi_shuffle[:, 1],
    fmt="s",
    c="C3",
    label='estimate("kl"), one shuffle',
)
ax.set_xlabel(r"$\rho$")
ax.set_ylabel("nats")
ax.legend(fontsize=8)
ax.set_title("MI from 5,000 pairs (bars: 2 standard errors)")
plt.show()
for rho, e, (v, se), (v1, se1) in zip(RHOS, mi_exact, mi_pairs, mi_shuffle):
    print(f"rho {rho:.2f}: exact {e:.4f}   all pairs {v:.4f} ± {se:.4f}   one shuffle {v1:.4f} ± {se1:.4f}")
assert np.all(np.abs(mi_pairs[:, 0] - mi_exact) < 2 * mi_pairs[:, 1] + 0.05)
assert np.all(mi_pairs[:, 1] < mi_shuffle[:, 1])

# %% [markdown]
# ## 4. The WGAN critic and the Kantorovich potential
#
# By Kantorovich-Rubinstein duality $W_1(P, Q) = \sup_{\mathrm{Lip}(V) \le 1}
# \mathbb{E}_P V - \mathbb{E}_Q V$. On the line the optimal critic is known:
# $V^*(x) = -\int^x \mathrm{sign}(F_P(t) - F_Q(t))\, dt$, slope $-1$ where
# $F_P > F_Q$ and $+1$ where $F_P < F_Q$ (`divtools.kantorovich_potential_1d`,
# with the critic's sign convention: it maximises $\mathbb{E}_P V - \mathbb{E}_Q V$,
# $P$ the first argument). For $P = N(0, 1)$ and $Q = N(2, 0.5^2)$ the CDFs
# cross once, at $x = 4$: $V^*(x) = -|x - 4|$ up to a constant.
#
# Two ways of keeping a network critic Lipschitz:
#
# * **weight clipping** (WGAN, Arjovsky et al. 2017, algorithm 1): every weight
#   is clipped to $[-c, c]$, $c = 0.01$, with RMSProp at $5 \cdot 10^{-5}$. This
#   bounds the Lipschitz constant by some $K$ far below 1, so the critic
#   measures about $K \cdot W_1$: the value is far below $W_1$, and $K$ is
#   unknown (the algorithm's caveat: the critic gives $W$ "up to a constant");
# * **gradient penalty** (WGAN-GP, Gulrajani et al. 2017): maximise
#   $\mathbb{E}_P V - \mathbb{E}_Q V - \lambda\, \mathbb{E}(|V'(\hat x)| - 1)^2$ with
#   $\hat x = u x_P + (1 - u) x_Q$, $u \sim U(0, 1)$, $\lambda = 10$.
#
# The penalty is soft, and on the line its optimum can be written down. Since
# $\mathbb{E}_P V - \mathbb{E}_Q V = \int V'(x)\, (F_Q - F_P)(x)\, dx$, the
# penalised objective is maximised pointwise by a slope of magnitude
# $s(x) = 1 + |F_P - F_Q|(x) / (2 \lambda \rho(x))$, where $\rho$ is the density of
# the interpolates $\hat x$: steeper than 1 wherever the CDFs differ. The
# critic's value $\mathbb{E}_P V - \mathbb{E}_Q V$ at that optimum is
# $W_1 + \int (F_P - F_Q)^2 / (2 \lambda \rho)\, dx$, *above* $W_1$: WGAN-GP's
# estimate is not a lower bound (spectral normalisation, `objective="sn"`, keeps
# every layer 1-Lipschitz and does give one).

# %%
W_STEPS = 3000 if FULL else 1500
W_HIDDEN = (128, 128) if FULL else (64, 64)
LAMBDA = 10.0  # estimate's default penalty
w_p = rng.normal(0.0, 1.0, 20_000)
w_q = rng.normal(2.0, 0.5, 20_000)
w1_exact = float(divtools.wasserstein_1d(Normal(0.0, 1.0), Normal(2.0, 0.5)))
w1_samples = float(divtools.wasserstein_1d(w_p, w_q))
potential = divtools.kantorovich_potential_1d(w_p, w_q)
assert abs(potential.value - w1_samples) < 1e-10 * w1_samples
assert abs(w1_samples - w1_exact) < 0.02

# the optimum of the penalised objective: rho(x) = int_0^1 N(x; 2 (1 - u), u^2 + 0.25 (1 - u)^2) du
x_fine = np.linspace(-10.0, 10.0, 8001)
u_nodes, u_weights = np.polynomial.legendre.leggauss(200)
u_nodes, u_weights = (u_nodes + 1) / 2, u_weights / 2
rho = st.norm.pdf(x_fine[:, None], 2 * (1 - u_nodes), np.hypot(u_nodes, 0.5 * (1 - u_nodes))) @ u_weights
cdf_gap = st.norm.cdf(x_fine) - st.norm.cdf(x_fine, 2.0, 0.5)  # F_P - F_Q
slope_gp = -np.sign(cdf_gap) * (1 + np.abs(cdf_gap) / (2 * LAMBDA * rho))
v_penalised = np.concatenate([[0.0], np.cumsum(np.diff(x_fine) * (slope_gp[1:] + slope_gp[:-1]) / 2)])
w1_quadrature = trapezoid(np.abs(cdf_gap), x_fine)
value_penalised = trapezoid(np.abs(cdf_gap) * np.abs(slope_gp), x_fine)
print(
    f"W_1 exact {w1_exact:.4f}, between the samples {w1_samples:.4f} (potential: {potential.value:.4f}),"
    f" by quadrature {w1_quadrature:.4f}"
)
print(f"E_P V - E_Q V at the optimum of the penalised objective (lambda = {LAMBDA:g}): {value_penalised:.4f}")
assert abs(w1_quadrature - w1_exact) < 1e-6

t0 = time.perf_counter()
wgan_gp = estimate(
    "wasserstein",
    w_p,
    w_q,
    key=jax.random.key(7),
    objective="gp",
    learning_rate=1e-3,
    steps=W_STEPS,
    hidden=W_HIDDEN,
    penalty=LAMBDA,
)
t1 = time.perf_counter()
wgan_clip = estimate(
    "wasserstein", w_p, w_q, key=jax.random.key(7), objective="clip", steps=W_STEPS, hidden=W_HIDDEN
)
t2 = time.perf_counter()
lip = max(1.0, float(wgan_gp.lipschitz))  # the estimate is the critic's bound divided by max(1, L)
raw_gp = lip * float(wgan_gp.value)  # E_P V - E_Q V of the trained critic itself
print(
    f"WGAN-GP   {float(wgan_gp.value):.4f} +- {float(wgan_gp.stderr):.4f} (train {float(wgan_gp.train_value):.4f}),"
    f" {t1 - t0:.1f} s; before dividing by its Lipschitz constant {lip:.3f} on the data: {raw_gp:.4f}"
)
print(
    f"WGAN clip {float(wgan_clip.value):.5f} +- {float(wgan_clip.stderr):.5f} (train "
    f"{float(wgan_clip.train_value):.5f}), {t2 - t1:.1f} s: {float(wgan_clip.value) / w1_exact:.2%} of W_1"
)

# %%
grid = np.linspace(-3.5, 5.5, 361)
x_med = float(np.median(np.concatenate([w_p, w_q])))


def matched(v, v_at_median):
    """A potential shifted to agree with V* at the pooled median (potentials are defined up to a constant)."""
    return np.asarray(v) - float(v_at_median) + float(potential(x_med))


v_star = potential(grid)
v_pen = matched(np.interp(grid, x_fine, v_penalised), np.interp(x_med, x_fine, v_penalised))
v_gp = matched(lip * wgan_gp.critic.raw(grid[:, None]), lip * wgan_gp.critic.raw(np.array([[x_med]]))[0])
scale = w1_exact / float(wgan_clip.value)  # the clipped critic's unknown factor 1/K, read off the exact W_1
v_clip = matched(
    scale * wgan_clip.critic.raw(grid[:, None]), scale * wgan_clip.critic.raw(np.array([[x_med]]))[0]
)

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, 4.2), layout="constrained")
ax.plot(grid, v_star, "k", lw=2, label="exact potential $V^*$")
ax.plot(grid, v_pen, "k:", lw=1.5, label=rf"optimum of the penalised objective ($\lambda = {LAMBDA:g}$)")
ax.plot(grid, v_gp, "C0", label="WGAN-GP critic")
ax.plot(grid, v_clip, "C3--", label=f"clipped critic x {scale:.0f}")
ax.set_xlabel("x")
ax.set_ylabel("critic (shifted to agree at the median)")
ax.legend(fontsize=8, loc="lower left")
ax.set_title("Critics against the Kantorovich potential")
axr = ax.twinx()
axr.hist(w_p, bins=80, density=True, alpha=0.15, color="C2")
axr.hist(w_q, bins=80, density=True, alpha=0.15, color="C1")
axr.set_yticks([])
window = W_STEPS // 30
for r, name, c in [(wgan_gp, "WGAN-GP", "C0"), (wgan_clip, "weight clipping", "C3")]:
    ax2.plot(np.arange(window - 1, W_STEPS), running_mean(r.history, window), c=c, label=name)
ax2.axhline(w1_exact, c="k", ls="--", label="$W_1$")
ax2.axhline(value_penalised, c="k", ls=":", label="penalised optimum")
ax2.set_xlabel("step")
ax2.set_ylabel(r"$\mathbb{E}_P V - \mathbb{E}_Q V$ on the batch (running mean)")
ax2.legend(fontsize=8)
ax2.set_title("Training: the penalty overshoots $W_1$ a little, clipping stays near 0")
plt.show()

# %% [markdown]
# Where the samples are (most of $P$ and all of $Q$ lie left of the kink at
# $x = 4$) the WGAN-GP critic decreases with a slope a little steeper than
# $-1$, as the penalised optimum predicts, and its value lies above $W_1$ by
# about the predicted amount. Beyond the data the critic is unconstrained: the
# penalty only acts between samples. The clipped critic is nearly flat; only
# after multiplying it by $W_1 / \hat W$, a factor unknown in practice, does it
# resemble a potential.
#
# The overshoot is the penalty's slack: the critic is steeper than 1 between the
# samples. `estimate` therefore measures the critic's largest gradient norm on the
# held-out samples and their interpolates ($L$, `Estimate.lipschitz`) and divides
# by $\max(1, L)$: a 1-Lipschitz critic on the data, whose bound cannot exceed
# $W_1$ beyond sampling error. The figures above show the critic before that
# division; the printed estimate is after it.

# %%
bulk = (grid > np.quantile(w_p, 0.01)) & (grid < np.quantile(w_q, 0.99))
gap_star = np.max(np.abs(v_gp - v_star)[bulk])
gap_pen = np.max(np.abs(v_gp - v_pen)[bulk])
print(
    f"on [{grid[bulk][0]:.2f}, {grid[bulk][-1]:.2f}] the WGAN-GP critic is within {gap_pen:.3f} of the "
    f"penalised optimum and within {gap_star:.3f} of V*"
)
assert w1_exact < raw_gp and abs(raw_gp - value_penalised) < 0.15
assert abs(float(wgan_gp.value) - w1_exact) < 2 * float(wgan_gp.stderr) + 0.03 * w1_exact
assert gap_pen < gap_star
assert 0 < float(wgan_clip.value) < 0.05 * w1_exact

# %%
print(f"notebook ran in {time.perf_counter() - T_START:.1f} s")
