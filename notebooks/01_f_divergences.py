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
# # f-divergences, exactly
#
# The lectures (CS 446 lecture 21; CE 22-808 "Generative adversarial networks")
# measure the discrepancy between distributions with KL, JS, TV and the
# f-divergences $D_f(P\|Q) = \sum_x q(x)\, f(p(x)/q(x))$. This notebook
# reproduces the lecture's f-divergence table from `divtools.GENERATORS`, shows
# KL's asymmetry and unboundedness and JS's bounds, and measures how many
# digits divtools and scipy keep when the two distributions are nearly equal.
#
# Open it with Jupyter through jupytext (`jupytext --to ipynb notebooks/*.py`),
# or run it as a script.

# %%
import math

import matplotlib.pyplot as plt
import mpmath as mp
import numpy as np
from scipy.spatial.distance import jensenshannon
from scipy.stats import entropy

import divtools
from divtools.discrete.generators import GENERATORS

# %% [markdown]
# ## The table of generators
#
# One record per divergence: $f$, its conjugate $f^*$ with domain, the limits
# $f(0)$ and $f'(\infty) = \lim f(t)/t$, $f'(1)$ and the f-GAN output activation.

# %%
rows = []
for g in GENERATORS.values():
    rows.append(
        (
            g.name,
            g.formula,
            g.conjugate_formula,
            str(g.conjugate_domain),
            f"{g.f_at_zero:.4g}",
            f"{g.f_prime_at_inf:.4g}",
            f"{g.f_prime_at_one:.4g}",
            g.activation_formula,
        )
    )
head = ("name", "f(t)", "f*(y)", "dom f*", "f(0)", "f'(inf)", "f'(1)", "g_f(v)")
widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
for r in [head] + rows:
    print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))

# %% [markdown]
# The lecture's table lists, for each distance, the function $g(t)$. Each row
# is one of the records (TV's $|t-1|$ is twice `tv`'s generator, since
# `divtools.tv` is the distance in $[0, 1]$; the Bhattacharyya row's $\sqrt{t}$
# integrates to the coefficient $BC = 1 - H^2/2$):

# %%
t = np.geomspace(1e-3, 1e3, 200)
seed_rows = {
    "KL-divergence": (t * np.log(t), GENERATORS["kl"].f(t)),
    "Symmetric KL": (t * np.log(t) - np.log(t), GENERATORS["jeffreys"].f(t)),
    "Hellinger": ((np.sqrt(t) - 1) ** 2, GENERATORS["squared_hellinger"].f(t)),
    "Total variation": (np.abs(t - 1), 2 * GENERATORS["tv"].f(t)),
    "Pearson": ((t - 1) ** 2, GENERATORS["pearson"].f(t)),
    "Jensen-Shannon": (0.5 * (t * np.log(2 * t / (t + 1)) + np.log(2 / (t + 1))), GENERATORS["js"].f(t)),
    "Bhattacharyya": (np.sqrt(t), (t + 1) / 2 - GENERATORS["squared_hellinger"].f(t) / 2),
}
for row, (lecture, ours) in seed_rows.items():
    err = float(np.max(np.abs(lecture - np.asarray(ours)) / np.maximum(1, np.abs(lecture))))
    print(f"{row:16s} max difference {err:.1e}")
    assert err < 1e-12

# %% [markdown]
# ## KL is asymmetric and unbounded; JS is bounded
#
# Between two Bernoulli distributions $P = \mathrm{Ber}(a)$ and $Q = \mathrm{Ber}(b)$:
# $KL(P\|Q) \ne KL(Q\|P)$, and $KL(P\|Q) \to \infty$ as $b \to 0$ while $a > 0$.
# JS stays in $[0, \log 2]$ and TV in $[0, 1]$.

# %%
a = 0.3
b = np.concatenate([np.geomspace(1e-12, 1e-2, 40), np.linspace(0.02, 0.98, 60)])
P = np.stack([np.full_like(b, a), np.full_like(b, 1 - a)], axis=-1)
Q = np.stack([b, 1 - b], axis=-1)
fig, ax = plt.subplots(1, 2, figsize=(11, 4))
ax[0].plot(b, divtools.kl(P, Q), label="KL(P || Q)")
ax[0].plot(b, divtools.kl(Q, P), label="KL(Q || P)")
ax[0].plot(b, divtools.js(P, Q), label="JS(P, Q)")
ax[0].plot(b, divtools.tv(P, Q), label="TV(P, Q)")
ax[0].axhline(math.log(2), color="grey", ls=":", label="log 2")
ax[0].set_xscale("log")
ax[0].set_xlabel("b")
ax[0].set_title(f"P = Ber({a}), Q = Ber(b)")
ax[0].legend()
kl_pq = divtools.kl(P, Q)
assert np.all(np.diff(kl_pq[:40]) < 0)  # grows without bound as b -> 0
assert kl_pq[0] > 7 and float(divtools.kl([a, 1 - a], [0.0, 1.0])) == math.inf
assert np.all(divtools.js(P, Q) <= math.log(2)) and np.all(divtools.tv(P, Q) <= 1)

# JS <= TV log 2 and Pinsker TV <= sqrt(KL/2), on random pairs
rng = np.random.default_rng(0)
A = rng.dirichlet(np.full(5, 0.5), 400)
B = rng.dirichlet(np.full(5, 0.5), 400)
tv, js, kl = divtools.tv(A, B), divtools.js(A, B), divtools.kl(A, B)
ax[1].scatter(tv, js, s=6, label="JS")
ax[1].scatter(tv, np.sqrt(kl / 2), s=6, label="sqrt(KL / 2)")
ax[1].plot([0, 1], [0, math.log(2)], "k--", label="TV log 2")
ax[1].plot([0, 1], [0, 1], "k:", label="TV")
ax[1].set_xlabel("TV")
ax[1].set_ylim(0, 1.5)
ax[1].legend()
ax[1].set_title("bounds")
assert np.all(js <= tv * math.log(2) + 1e-15) and np.all(tv <= np.sqrt(kl / 2) + 1e-15)
plt.show()

# %% [markdown]
# ## Digits kept on nearly equal pairs
#
# $q = p\,(1 + \varepsilon z)$, renormalised. The divergences are of order
# $\varepsilon^2$ while every summand $p \log(p/q)$ is of order $\varepsilon$:
# summing the textbook terms cancels. divtools sums the standardised terms
# $p\log(p/q) - p + q \ge 0$ with series where needed; the reference is a
# 50-digit mpmath evaluation of the exactly normalised distributions.

# %%
mp.mp.dps = 50


def mp_kl(p, q):
    P = [mp.mpf(float(x)) for x in p]
    Q = [mp.mpf(float(x)) for x in q]
    sp, sq = mp.fsum(P), mp.fsum(Q)
    return mp.fsum((x / sp) * mp.log((x / sp) / (y / sq)) for x, y in zip(P, Q))


def mp_js(p, q):
    P = [mp.mpf(float(x)) for x in p]
    Q = [mp.mpf(float(x)) for x in q]
    sp, sq = mp.fsum(P), mp.fsum(Q)
    P, Q = [x / sp for x in P], [y / sq for y in Q]
    M = [(x + y) / 2 for x, y in zip(P, Q)]
    return (
        mp.fsum(x * mp.log(x / m) for x, m in zip(P, M)) + mp.fsum(y * mp.log(y / m) for y, m in zip(Q, M))
    ) / 2


eps_grid = np.logspace(-1, -12, 12)
errors = {k: [] for k in ("divtools KL", "scipy entropy", "divtools JS", "scipy jensenshannon^2")}
for eps in eps_grid:
    p = rng.dirichlet(np.ones(200))
    q = p * (1 + eps * rng.uniform(-1, 1, 200))
    q /= q.sum()
    rk, rj = mp_kl(p, q), mp_js(p, q)
    rel = lambda v, r: float(abs(mp.mpf(float(v)) - r) / r)
    errors["divtools KL"].append(rel(divtools.kl(p, q), rk))
    errors["scipy entropy"].append(rel(entropy(p, q), rk))
    errors["divtools JS"].append(rel(divtools.js(p, q), rj))
    errors["scipy jensenshannon^2"].append(rel(jensenshannon(p, q) ** 2, rj))

fig, ax = plt.subplots(figsize=(6, 4))
for label, errs in errors.items():
    ax.loglog(eps_grid, np.maximum(errs, 1e-17), "o-" if "divtools" in label else "s--", label=label)
ax.axhline(2.0**-52, color="grey", ls=":", label="1 ulp")
ax.set_xlabel("eps")
ax.set_ylabel("relative error")
ax.invert_xaxis()
ax.legend()
ax.set_title("nearly equal pairs, 200 outcomes")
plt.show()
print("worst divtools KL error:", max(errors["divtools KL"]))
print("scipy entropy error at eps = 1e-8:", errors["scipy entropy"][7])
assert max(errors["divtools KL"] + errors["divtools JS"]) < 8 * 2.0**-52
assert errors["scipy entropy"][7] > 1e-3
