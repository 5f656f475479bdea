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
# # Wasserstein distances, exactly
#
# CE 22-808's lecture on Wasserstein GANs starts from an example: two
# distributions on parallel lines in the plane, $P_0$ the law of $(0, z)$ and
# $P_\theta$ the law of $(\theta, z)$ with $z \sim U[0, 1]$. For every
# $\theta \ne 0$ the supports are disjoint, so KL is infinite, JS is $\log 2$
# and TV is 1 — none of them says how far apart the lines are — while
# $W(P_0, P_\theta) = |\theta|$. This notebook computes all four exactly,
# then shows the 1-D solver, the Kantorovich-Rubinstein critic (the ideal WGAN
# critic) and sliced Wasserstein in the plane.

# %%
import math
import os
import time

import jax
import matplotlib.pyplot as plt
import numpy as np
import ot
import scipy.stats as st
from scipy.stats import wasserstein_distance

import divtools
from divtools.lectures.examples import parallel_lines

FAST = os.environ.get("DIVTOOLS_FAST") == "1"  # the test run uses smaller sizes

# %% [markdown]
# ## The parallel lines
#
# `parallel_lines(theta, n)` discretises $z$ on $n$ midpoints; the distributions
# live on the union of the two supports and the ground distance is Euclidean.
# `divtools.wasserstein` solves the optimal transport problem exactly.

# %%
thetas = np.linspace(-1.0, 1.0, 41)
rows = []
for t in thetas:
    ex = parallel_lines(t, n=16)
    rows.append(
        (
            divtools.wasserstein(ex.p, ex.q, ex.distance),
            float(divtools.js(ex.p, ex.q)),
            float(divtools.kl(ex.p, ex.q)),
            float(divtools.tv(ex.p, ex.q)),
        )
    )
W, JS, KL, TV = map(np.array, zip(*rows))
assert np.allclose(W, np.abs(thetas), rtol=1e-13, atol=0)
off = thetas != 0
assert np.all(JS[off] == math.log(2)) and np.all(np.isinf(KL[off])) and np.all(TV[off] == 1)
assert JS[~off] == 0 and KL[~off] == 0 and TV[~off] == 0

fig, ax = plt.subplots(1, 2, figsize=(11, 4))
ax[0].plot(thetas, W, label=r"$W(P_0, P_\theta) = |\theta|$")
ax[0].set_xlabel(r"$\theta$")
ax[0].legend()
ax[1].plot(thetas, JS, "o-", ms=3, label=r"$JS(P_0, P_\theta)$")
ax[1].axhline(math.log(2), ls=":", c="gray")
ax[1].set_xlabel(r"$\theta$")
ax[1].legend()
fig.suptitle("Parallel lines: W is continuous in theta, JS jumps to log 2")
plt.show()

print(f"theta=0.5:  W={W[30]:.15g}  JS={JS[30]:.15g} (log 2 = {math.log(2):.15g})  KL={KL[30]}  TV={TV[30]}")

# %% [markdown]
# ## On the real line
#
# Between weighted samples $W_p$ is the integral of $|F^{-1} - G^{-1}|^p$ over
# $[0, 1]$, a finite sum after sorting. divtools returns the distance (the
# $p$-th root taken); scipy's `wasserstein_distance` computes $W_1$ only and
# POT's `wasserstein_1d` returns $W_p^p$.

# %%
rng = np.random.default_rng(0)
u, v = rng.standard_normal(1000), rng.standard_normal(700) * 1.5 + 0.5
a, b = rng.random(1000), rng.random(700)
w1 = float(divtools.wasserstein_1d(u, v, a, b))
print("W_1   divtools", repr(w1), " scipy", repr(wasserstein_distance(u, v, a, b)))
w2 = float(divtools.wasserstein_1d(u, v, a, b, p=2))
pot_w2 = ot.wasserstein_1d(u, v, a / a.sum(), b / b.sum(), p=2) ** 0.5
print("W_2   divtools", repr(w2), " POT (p-th root)", repr(float(pot_w2)))
assert abs(w1 - wasserstein_distance(u, v, a, b)) <= 1e-12 * w1
ps = [1, 1.5, 2, 3, 5, 10, math.inf]
wp = [float(divtools.wasserstein_1d(u, v, a, b, p=p)) for p in ps]
assert all(x <= y * (1 + 1e-15) for x, y in zip(wp, wp[1:]))  # W_p increases with p
print("W_p for p in", ps, ":", np.round(wp, 6))

# %% [markdown]
# Frozen scipy distributions are accepted too: in closed form for the families
# divtools knows (between normals $W_2^2 = (m_1 - m_2)^2 + (s_1 - s_2)^2$),
# otherwise by the quantile integral, whose result carries its error estimate.
# Between a distribution and its translate $W_p$ is the shift.

# %%
w2n = divtools.wasserstein_1d(st.norm(0, 1), st.norm(1, 2), p=2)
print("W_2(N(0,1), N(1,4)) =", float(w2n), " formula", math.sqrt(2))
assert abs(w2n - math.sqrt(2)) <= 1e-15
w2g = divtools.wasserstein_1d(st.gumbel_r(0, 1), st.logistic(0, 1), p=2)
print("W_2(Gumbel, logistic) =", repr(w2g))
w1c = divtools.wasserstein_1d(st.gumbel_r(0, 1), st.gumbel_r(0.3, 1))
assert abs(w1c - 0.3) <= 1e-10

# %% [markdown]
# ## Kantorovich-Rubinstein: the optimal critic
#
# $W_1(\mu, \nu) = \max_{\mathrm{Lip}(f) \le 1} E_\mu f - E_\nu f$. On the line
# the maximiser has slope $-1$ where $F > G$ and $+1$ where $F < G$;
# `kantorovich_potential_1d` returns it as a callable. This is the function a
# WGAN critic is trained to approximate.

# %%
x_p = rng.standard_normal(400)
x_q = np.concatenate([rng.standard_normal(200) - 2, rng.standard_normal(200) + 2])
pot = divtools.kantorovich_potential_1d(x_p, x_q)
w1 = float(divtools.wasserstein_1d(x_p, x_q))
dual = pot(x_p).mean() - pot(x_q).mean()
print(f"W_1 = {w1:.15g}, E_P f - E_Q f = {dual:.15g}")
assert abs(dual - w1) <= 1e-12 * w1

grid = np.linspace(-5, 5, 501)
Fp = np.searchsorted(np.sort(x_p), grid, side="right") / x_p.size
Fq = np.searchsorted(np.sort(x_q), grid, side="right") / x_q.size
fig, ax = plt.subplots(1, 2, figsize=(11, 4))
ax[0].plot(grid, Fp, label="F (P)")
ax[0].plot(grid, Fq, label="G (Q)")
ax[0].legend()
ax[0].set_title("empirical CDFs")
ax[1].plot(grid, pot(grid))
ax[1].set_title("optimal 1-Lipschitz critic f")
plt.show()

# %% [markdown]
# On a finite metric space the same duality holds with the Lipschitz condition
# $|f(x) - f(y)| \le d(x, y)$; `kantorovich_rubinstein` solves the transport
# problem and returns the potential, checking its Lipschitz constant.

# %%
pts = rng.random((30, 2))
D = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
pa, pb = rng.dirichlet(np.ones(30)), rng.dirichlet(np.ones(30))
kr = divtools.kantorovich_rubinstein(pa, pb, D)
ot_res = divtools.optimal_transport(pa, pb, D)
print(
    f"W_1 primal {ot_res.value:.15g}  dual {ot_res.dual_value:.15g}  KR {kr.value:.15g}  Lip(f) {kr.lipschitz:.15g}"
)
assert abs(kr.value - ot_res.value) <= 1e-12 * ot_res.value and kr.lipschitz <= 1 + 1e-12

fig, ax = plt.subplots(figsize=(5, 4.5))
i, j = np.nonzero(ot_res.plan > 1e-12)
for k in range(i.size):
    ax.plot(pts[[i[k], j[k]], 0], pts[[i[k], j[k]], 1], c="gray", lw=0.5 + 30 * ot_res.plan[i[k], j[k]])
sc = ax.scatter(pts[:, 0], pts[:, 1], c=kr.potential, cmap="coolwarm", s=40, zorder=3)
fig.colorbar(sc, label="critic f")
ax.set_title("optimal plan (lines) and KR critic (colour)")
plt.show()

# %% [markdown]
# Badly scaled costs: POT's network simplex returns 88.51 on the problem of its
# issue #229, where the optimum is 57.54; divtools certifies POT's plan with
# its own duals and re-solves when it does not hold.

# %%
M = np.array(
    [
        [2.50275352e02, 3.74653218e02, 2.41352736e03, 1.00000000e32, 1.51751540e-03],
        [2.13082030e02, 3.28812836e02, 2.29487946e03, 1.00000000e32, 1.37109800e-01],
        [1.97333083e02, 3.09175848e02, 2.24250550e03, 1.00000000e32, 2.46506283e00],
        [1.00000000e32, 1.00000000e32, 1.00000000e32, 5.26223432e00, 2.50000000e31],
        [3.84690152e01, 8.09465684e01, 3.33064175e02, 2.50000000e31, 0.00000000e00],
    ]
)
w = np.array([0.125, 0.125, 0.125, 0.125, 0.5])
r229 = divtools.optimal_transport(w, w, M)
print(f"POT emd2 {ot.emd2(w, w, M):.12f}   divtools {r229.value:.12f} (dual {r229.dual_value:.12f})")
assert abs(r229.value - 57.543210383175) < 1e-9

# %% [markdown]
# ## Sliced Wasserstein in the plane
#
# $SW_p^p = E_\theta W_p^p(\theta_\# \mu, \theta_\# \nu)$ over random directions,
# each 1-D problem solved exactly. For a translation by $t$, $SW_1 = |t|\,E|\cos|
# = 2|t|/\pi$; the Monte Carlo error shrinks like $1/\sqrt{k}$ in the number of
# directions $k$.

# %%
x = rng.standard_normal((500, 2))
t = np.array([3.0, 0.0])
ks = [8, 32, 128, 512] if FAST else [8, 32, 128, 512, 2048, 8192]
errs = []
for k in ks:
    vals = [
        float(divtools.sliced_wasserstein(x, x + t, key=jax.random.key(s), n_projections=k, p=1))
        for s in range(8)
    ]
    errs.append(np.std(np.array(vals) - 6 / math.pi))
print("directions:", ks)
print("spread of SW_1 over 8 keys:", np.round(errs, 5))
assert errs[-1] < errs[0] / 4
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.loglog(ks, errs, "o-", label="spread over keys")
ax.loglog(ks, errs[0] * np.sqrt(ks[0] / np.array(ks)), ":", label=r"$\propto k^{-1/2}$")
ax.set_xlabel("directions k")
ax.legend()
plt.show()

# %% [markdown]
# ## Speed
#
# The 1-D solver sorts with NumPy on the host (XLA's CPU sort is far slower);
# under `jit` the same algorithm runs in JAX and gives the same values. A
# quick comparison at a size that keeps the notebook fast (the full benchmark is
# `bench/bench_wasserstein.py`).

# %%
n = 100_000 if FAST else 1_000_000
u, v = rng.standard_normal(n), rng.standard_normal(n) + 0.1


def best(f, repeat=3):
    f()
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return min(out)


t_div = best(lambda: divtools.wasserstein_1d(u, v))
t_sci = best(lambda: wasserstein_distance(u, v))
print(f"N = {n}: divtools {1e3 * t_div:.1f} ms, scipy {1e3 * t_sci:.1f} ms ({t_sci / t_div:.1f}x)")
assert abs(float(divtools.wasserstein_1d(u, v)) - wasserstein_distance(u, v)) <= 1e-12
