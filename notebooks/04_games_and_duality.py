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
# # Games, discriminators and duality
#
# The lectures reach the GAN through a game. A referee draws $X$ from $P$ or
# from $Q$ (each with probability 1/2) and shows it to Bob, who guesses which.
# Under the 0-1 loss Bob's best error is $\frac12 - \frac12 TV(P, Q)$; under
# the cross-entropy loss his best loss is $\log 2 - JS(P, Q)$ (CS 446 lecture
# 21). Turning the guesser into a network $D$ gives the GAN value, whose
# optimum is $2 JS - \log 4$ (CE 22-808; UCSB's 165B, which labels the real
# data 0; CSE6243 lecture 16). The f-GAN generalises this with Fenchel
# duality: every f-divergence is a supremum over critics $T$ of
# $\mathbb{E}_P T - \mathbb{E}_Q f^*(T)$. The same duality gives the Gibbs
# variational principle behind energy-based models, and a classifier's
# posterior gives the density ratio $p/q$.
#
# Every identity below is computed exactly on a finite space with
# `divtools.games`, `divtools.duality` and `divtools.mmd`, and checked with an
# `assert`. The notebook ends with the lecture's figure: an isotropic Gaussian
# fitted to a two-component mixture by forward KL, reverse KL, JS and MMD.

# %%
import math
import time

import jax

jax.config.update("jax_enable_x64", True)  # float64 JAX arrays throughout

import matplotlib.pyplot as plt
import numpy as np

import divtools
from divtools import duality, games
from divtools.lectures.examples import fit_isotropic_gaussian, mixture_grid

T_START = time.perf_counter()
EPS = np.finfo(float).eps
rng = np.random.default_rng(0)
B = 512  # one batch size for every family of random strategies, critics, ... (a new array shape costs a compilation)

# two distributions on 8 outcomes, used by most sections
n = 8
p = rng.dirichlet(np.ones(n))
q = rng.dirichlet(np.ones(n))
print("p =", np.round(p, 4))
print("q =", np.round(q, 4))

# %% [markdown]
# ## 1. The distinguishing game under the 0-1 loss (lecture 21)
#
# Bob's strategy $\eta(x) = \Pr(\text{guess } P \mid x)$ may be randomised.
# Its error probability is linear in $\eta$:
#
# $$\Pr(\text{error}) = \tfrac12 \sum_x p(x)\,(1 - \eta(x)) + \tfrac12 \sum_x q(x)\,\eta(x)
#   = \tfrac12 + \tfrac12 \sum_x \eta(x)\,(q(x) - p(x)),$$
#
# so the best strategy is deterministic, $\eta^*(x) = \mathbb{1}[p(x) \ge q(x)]$,
# and its error (the Bayes error) is
#
# $$\min_\eta \Pr(\text{error}) = \tfrac12 - \tfrac12\, TV(P, Q),
#   \qquad TV(P, Q) = \tfrac12 \sum_x |p(x) - q(x)| .$$

# %%
eta_star = games.bayes_strategy(p, q)
err_star = games.bayes_error(p, q)
tv_pq = divtools.tv(p, q)
print(f"Bayes strategy {eta_star}")
print(f"Bayes error {float(err_star):.17g},  1/2 - TV/2 = {0.5 - 0.5 * float(tv_pq):.17g}")
assert np.array_equal(eta_star, (p >= q).astype(float))
assert abs(err_star - (0.5 - 0.5 * tv_pq)) <= 4 * EPS
assert abs(games.zero_one_error(eta_star, p, q) - err_star) <= 4 * EPS

# every deterministic strategy (the 2^8 vertices of the cube [0, 1]^8, where a linear error is
# minimal) and 256 random randomised ones; eta may not carry a batch axis of its own: broadcast p, q
vertices = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(float)
etas = np.concatenate([vertices, rng.uniform(size=(B - 2**n, n))])
P_B, Q_B = np.broadcast_to(p, (B, n)), np.broadcast_to(q, (B, n))
err_all = games.zero_one_error(etas, P_B, Q_B)
err_vertices, err_random = err_all[: 2**n], err_all[2**n :]
assert abs(err_vertices.min() - err_star) <= 4 * EPS and np.array_equal(
    vertices[err_vertices.argmin()], eta_star
)
assert np.all(err_random >= err_star - 4 * EPS)

# the numerical optimum (Adam steps on the logits of eta, 3000 by default) comes within 1e-4
sol01 = games.solve_zero_one(p, q)
print(
    f"solve_zero_one: error {sol01.value:.8f} after {sol01.steps} steps (Bayes error {float(err_star):.8f})"
)
assert err_star <= sol01.value < err_star + 1e-4
assert np.array_equal(np.round(sol01.strategy), eta_star)

# extremal cases: P = Q (Bob can only guess) and disjoint supports (Bob never errs)
assert abs(games.bayes_error(p, p) - 0.5) <= 2 * EPS  # half of p's mass (1 up to rounding)
left = np.array([0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0])
assert games.bayes_error(left, left[::-1]) == 0.0

fig, ax = plt.subplots(figsize=(7, 3.8))
bins = np.linspace(0.0, 1.0, 81)
ax.hist(err_random, bins=bins, alpha=0.7, label=f"{err_random.size} random strategies $\\eta \\in [0,1]^8$")
ax.hist(err_vertices, bins=bins, alpha=0.6, label=f"the {err_vertices.size} deterministic strategies")
ax.axvline(float(err_star), c="k", ls="--", label=r"Bayes error $\frac{1}{2} - \frac{1}{2} TV$")
ax.set_xlabel("error probability")
ax.legend(fontsize=8)
ax.set_title("No strategy beats the Bayes error")
plt.show()

# %% [markdown]
# With an unequal prior $\pi = \Pr(X \sim P)$ the error is
# $\pi \sum_x p\,(1 - \eta) + (1 - \pi) \sum_x q\,\eta$, the optimal strategy
# is $\mathbb{1}[\pi p(x) \ge (1 - \pi) q(x)]$, and
#
# $$\min_\eta \Pr(\text{error}) = \sum_x \min\big(\pi\, p(x),\ (1 - \pi)\, q(x)\big),$$
#
# which for $\pi = 1/2$ is again $\frac12 - \frac12 TV$ (since
# $\min(a, b) = \frac{a + b}{2} - \frac{|a - b|}{2}$).

# %%
for prior in (0.2, 0.5, 0.7):
    be = games.bayes_error(p, q, prior=prior)
    formula = np.sum(np.minimum(prior * p, (1 - prior) * q))
    eta_pi = games.bayes_strategy(p, q, prior=prior)
    err_pi = games.zero_one_error(etas, P_B, Q_B, prior=prior)
    print(
        f"prior {prior}: Bayes error {float(be):.15f} (sum of minima {formula:.15f}), "
        f"best of the {B} strategies {err_pi.min():.15f}"
    )
    assert abs(be - formula) <= 4 * EPS
    assert abs(games.zero_one_error(eta_pi, p, q, prior=prior) - be) <= 4 * EPS
    assert np.all(err_pi >= be - 4 * EPS) and abs(err_pi.min() - be) <= 4 * EPS  # a vertex attains it
    assert np.array_equal(eta_pi, (prior * p >= (1 - prior) * q).astype(float))

# %% [markdown]
# ## 2. The same game under the cross-entropy loss
#
# With soft labels $y \in [0, 1]$ the binary cross-entropy splits into an
# entropy and a KL divergence:
#
# $$\ell_{CE}(\hat y, y) = -y \log \hat y - (1 - y) \log(1 - \hat y)
#   = H(\mathrm{Ber}(y)) + KL\big(\mathrm{Ber}(y) \,\|\, \mathrm{Ber}(\hat y)\big),$$
#
# so for a fixed $y$ it is smallest at $\hat y = y$, where it equals the entropy.

# %%
y_soft = 0.3
y_hat = np.arange(1, 385) / 390  # 384 points, with 117/390 = 0.3 exactly
parts = games.cross_entropy_decomposition(y_soft, y_hat)
direct = -y_soft * np.log(y_hat) - (1 - y_soft) * np.log1p(-y_hat)
h_y = -y_soft * math.log(y_soft) - (1 - y_soft) * math.log(1 - y_soft)
assert np.allclose(parts.cross_entropy, direct, rtol=1e-14, atol=0)
assert np.allclose(parts.cross_entropy, parts.entropy + parts.kl, rtol=1e-15, atol=0)
assert np.allclose(parts.entropy, h_y, rtol=1e-15, atol=0) and np.all(parts.kl >= 0)
i_y = np.flatnonzero(y_hat == y_soft)[0]
assert parts.kl[i_y] == 0 and abs(parts.cross_entropy[i_y] - h_y) <= 2 * EPS
assert np.argmin(parts.cross_entropy) == i_y

fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(y_hat, parts.cross_entropy, label=r"$\ell_{CE}(\hat y, 0.3)$")
ax.plot(y_hat, parts.kl, "--", label=r"$KL(\mathrm{Ber}(0.3) \,\|\, \mathrm{Ber}(\hat y))$")
ax.axhline(h_y, c="gray", ls=":", label=r"$H(\mathrm{Ber}(0.3))$")
ax.plot([y_soft], [h_y], "ko")
ax.set_xlabel(r"prediction $\hat y$")
ax.set_ylabel("nats")
ax.set_ylim(0, 3)
ax.legend(fontsize=8)
ax.set_title("Cross-entropy with a soft label: minimum at $\\hat y = y$")
plt.show()

# %% [markdown]
# In the game, the loss of a strategy $\eta$ is
# $-\frac12 \sum_x p(x) \log \eta(x) - \frac12 \sum_x q(x) \log(1 - \eta(x))$.
# Writing $m = \frac{p + q}{2}$ and $\eta^* = \frac{p}{p + q}$, it is
# $\sum_x m(x)\, \ell_{CE}(\eta(x), \eta^*(x))$, so by the split above the
# optimal strategy is the posterior $\eta^*$ — randomised, unlike the 0-1 game
# — and
#
# $$\min_\eta \ell = \sum_x m(x)\, H(\mathrm{Ber}(\eta^*(x))) = \log 2 - JS(P, Q),
#   \qquad \ell(\eta) - \min \ell = \sum_x m(x)\, KL\big(\mathrm{Ber}(\eta^*(x)) \,\|\, \mathrm{Ber}(\eta(x))\big).$$

# %%
eta_ce = games.optimal_discriminator(p, q)
ce_min = games.cross_entropy_value(p, q)
js_pq = divtools.js(p, q)
print(f"optimal log loss {float(ce_min):.17g},  log 2 - JS = {math.log(2) - float(js_pq):.17g}")
assert np.allclose(eta_ce, p / (p + q), rtol=1e-15, atol=0)
assert abs(ce_min - (math.log(2) - js_pq)) <= 4 * EPS
assert abs(games.cross_entropy_loss(eta_ce, p, q) - ce_min) <= 4 * EPS

m = (p + q) / 2
loss_random = games.cross_entropy_loss(etas, P_B, Q_B)
assert np.all(loss_random >= ce_min)
few = etas[2**n : 2**n + 48]
# 48 x 8 = 384 Bernoulli pairs, flattened: the shape of the plot above, whose compiled code is reused
excess_kl = games.cross_entropy_decomposition(np.broadcast_to(eta_ce, few.shape).ravel(), few.ravel()).kl
excess = np.sum(m * excess_kl.reshape(few.shape), axis=-1)
assert np.allclose(loss_random[2**n : 2**n + 48] - ce_min, excess, rtol=1e-10, atol=1e-15)

sol_ce = games.solve_cross_entropy(p, q)
print(
    f"solve_cross_entropy: loss {sol_ce.value:.15f}, largest |eta - p/(p+q)| "
    f"{np.abs(sol_ce.strategy - eta_ce).max():.1e}"
)
assert abs(sol_ce.value - ce_min) < 1e-12 and np.allclose(sol_ce.strategy, eta_ce, atol=1e-7)

# the extremes: log 2 when P = Q (Bob learns nothing), 0 for disjoint supports
assert abs(games.cross_entropy_value(p, p) - math.log(2)) <= 2 * EPS
assert games.cross_entropy_value(left, left[::-1]) == 0.0

# %% [markdown]
# ## 3. The GAN value (CE 22-808; UCSB 165B; CSE6243 lecture 16)
#
# The discriminator maximises the log-likelihood of the labels,
#
# $$V(D) = \mathbb{E}_{p_{data}} \log D(x) + \mathbb{E}_{p_g} \log(1 - D(x)),$$
#
# which is $-2$ times the game's cross-entropy loss with $\eta = D$. Pointwise,
# $\frac{\partial}{\partial D}\big(p_{data} \log D + p_g \log(1 - D)\big) = 0$
# gives $D^*(x) = \frac{p_{data}(x)}{p_{data}(x) + p_g(x)}$ and
#
# $$\max_D V(D) = KL\Big(p_{data} \,\Big\|\, \tfrac{p_{data} + p_g}{2}\Big)
#   + KL\Big(p_g \,\Big\|\, \tfrac{p_{data} + p_g}{2}\Big) - \log 4 = 2\, JS(p_{data}, p_g) - \log 4,$$
#
# minimal ($-\log 4$) exactly when $p_g = p_{data}$. UCSB's 165B lecture
# labels the real data 0: $V_0(D) = \mathbb{E}_{p_{data}} \log(1 - D) + \mathbb{E}_{p_g} \log D$
# (its slides carry an extra factor $\frac12$, which halves the value). The
# optimum is the same, reached at the swapped discriminator
# $D_0^* = \frac{p_g}{p_{data} + p_g} = 1 - D^*$.

# %%
d1 = games.gan_optimal_discriminator(p, q, real_label=1)
d0 = games.gan_optimal_discriminator(p, q, real_label=0)
v_star = games.gan_optimal_value(p, q)
v1 = games.gan_value(d1, p, q, real_label=1)
v0 = games.gan_value(d0, p, q, real_label=0)
print(
    f"max V: real labelled 1 {float(v1):.17g}, real labelled 0 {float(v0):.17g}, "
    f"2 JS - log 4 = {2 * float(js_pq) - math.log(4):.17g}"
)
assert np.array_equal(d1, eta_ce) and np.allclose(d0, 1 - d1, rtol=0, atol=EPS)
assert abs(v_star - (2 * js_pq - math.log(4))) <= 8 * EPS
assert abs(v1 - v_star) <= 8 * EPS and abs(v0 - v_star) <= 8 * EPS
assert abs(v_star - divtools.f_divergence(p, q, "gan")) <= 8 * EPS
# V = -2 x (the game's log loss); relabelling is D -> 1 - D
v_random1 = games.gan_value(etas, P_B, Q_B)
v_random0 = games.gan_value(1 - etas, P_B, Q_B, real_label=0)
assert np.allclose(v_random1, -2 * loss_random, rtol=1e-14, atol=0)
assert np.allclose(v_random0, v_random1, rtol=1e-14, atol=0)
assert np.all(v_random1 <= v_star)
# the global minimum over generators
assert abs(games.gan_optimal_value(p, p) + math.log(4)) <= 4 * EPS
# gradient ascent on V (Adam on the logits of D), here in the real-labelled-0 convention: it reaches 1 - D*
sol_gan = games.solve_gan(p, q, real_label=0)
print(
    f"solve_gan (real labelled 0): V = {sol_gan.value:.15f}, largest |D - (1 - D*)| "
    f"{np.abs(sol_gan.strategy - d0).max():.1e}"
)
assert abs(sol_gan.value - v_star) < 1e-12 and np.allclose(sol_gan.strategy, d0, atol=1e-7)

# %% [markdown]
# A one-dimensional example: $p_{data} = N(0, 1)$ and $p_g = N(2, 0.7^2)$,
# discretised on 400 points of $[-5, 7]$. $D^*$ is 1/2 where the two
# densities cross (twice: the data is wider, so it wins again far to the
# right), tends to 1 where only the data has mass and to 0 where only the
# generator has.

# %%
x = np.linspace(-5.0, 7.0, 400)
p_data = np.exp(-0.5 * x**2)
p_data /= p_data.sum()
p_g = np.exp(-0.5 * ((x - 2.0) / 0.7) ** 2)
p_g /= p_g.sum()

d_star = games.gan_optimal_discriminator(p_data, p_g)
assert np.allclose(d_star, p_data / (p_data + p_g), rtol=1e-15, atol=0)
# log(p_data / p_g) is a quadratic in x: D* = 1/2 at its two roots (the wider data wins again far right)
roots = np.sort(np.roots([0.5 / 0.7**2 - 0.5, -2.0 / 0.7**2, 2.0 / 0.7**2 + math.log(0.7)]).real)
sign_change = x[:-1][np.diff(np.sign(np.log(p_data / p_g))) != 0]
print(f"D* = 1/2 at x = {roots[0]:.4f} and x = {roots[1]:.4f}")
assert np.all((sign_change <= roots) & (roots <= sign_change + (x[1] - x[0])))

fig, ax = plt.subplots(figsize=(7.5, 4))
ax.plot(x, p_data, label=r"$p_{data} = N(0, 1)$")
ax.plot(x, p_g, label=r"$p_g = N(2, 0.7^2)$")
ax.set_xlabel("x")
ax.set_ylabel("mass per grid point")
ax2 = ax.twinx()
ax2.plot(x, d_star, "k", label=r"$D^*(x) = p_{data} / (p_{data} + p_g)$")
ax2.axhline(0.5, c="gray", ls=":")
ax2.set_ylim(-0.02, 1.02)
ax2.set_ylabel(r"$D(x)$")
h1, l1 = ax.get_legend_handles_labels()
h2, l2 = ax2.get_legend_handles_labels()
ax.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper left")
ax.set_title("The optimal discriminator")
plt.show()

# %% [markdown]
# ## 4. f-divergences as suprema (the f-GAN; CE 22-808, CSE6243 lecture 16)
#
# The convex conjugate $f^*(y) = \sup_t\, (t y - f(t))$ of a convex
# lower-semicontinuous $f$ gives back $f$: $f^{**} = f$ (Fenchel-Moreau), that
# is $f(t) = \sup_y\, (t y - f^*(y))$. `duality.biconjugate` computes that
# supremum numerically from the table's closed-form $f^*$, and
# `duality.conjugate` computes $f^*$ itself by maximising over $t \ge 0$.

# %%
t_pts = np.array([0.0, 2.0])
# one point y of each conjugate's domain (scalars: the table's f* is then evaluated as in the maximisations)
y_pts = {name: 0.3 if g.conjugate_domain.contains(0.3) else -0.4 for name, g in divtools.GENERATORS.items()}
print(f"{'generator':>18}  {'max |f** - f|':>13}  {'f**(0)':>11}  {'f(0)':>5}  {'|f* - table|':>16}  y")
for name, g in divtools.GENERATORS.items():
    assert g.conjugate is not None
    # f** = f, from the table's conjugate
    fb = duality.biconjugate(g, t_pts)
    f_vals = np.array([g.f_at_zero if t == 0 else float(g.f(t)) for t in t_pts])
    finite = np.isfinite(f_vals)
    d_bi = np.max(np.abs(fb[finite] - f_vals[finite]))
    assert d_bi < 1e-11, name
    if not finite[0]:  # f(0) = inf: the supremum is unbounded; the numerical scan stops at a large value
        assert fb[0] > 20, name
    # f* by maximisation over t >= 0, against the table's closed form, at a point of its domain
    y = y_pts[name]
    numeric = duality.conjugate(g, y)
    table = float(g.conjugate(y))
    assert g.conjugate_domain.contains(y) and y >= float(g.f_prime(0.0)), name
    d_conj = abs(numeric - table)
    assert d_conj <= 1e-12 * max(1.0, abs(table)), name
    print(f"{name:>18}  {d_bi:13.1e}  {fb[0] + 0.0:11.6g}  {g.f_at_zero:5.3g}  {d_conj:16.1e}  {y:g}")

# %% [markdown]
# Two remarks on the table.
#
# - Where $f(0) = \infty$ (reverse KL, Jeffreys, Neyman) $f^{**}(0) = \infty$
#   too: $t y - f^*(y)$ grows without bound as $y \to -\infty$. The numerical
#   supremum of `biconjugate` stops where its scan of $y$ ends (near
#   $-10^{12}$), so it returns a large finite number rather than `inf`.
# - Pearson's and the triangular discrimination's closed forms
#   ($y^2/4 + y$ and $4 - y - 4\sqrt{1 - y}$, those of Nowozin et al.) are the
#   conjugates of $(t-1)^2$ and $(t-1)^2/(t+1)$ extended to negative $t$. For
#   $y < f'(0^+)$ ($-2$ and $-3$) the supremum over $t \ge 0$ is attained at
#   $t = 0$, so $f^*(y) = -f(0) = -1$ there, below the table's value. The
#   larger $f^*$ still gives valid lower bounds below (just looser for critics
#   that go below $f'(0^+)$), and the optimal critic never does.

# %%
for name in ("pearson", "triangular"):
    g = divtools.GENERATORS[name]
    f_prime_0 = float(g.f_prime(0.0))  # f'(0+)
    y_low = np.array([f_prime_0 - 2.0, f_prime_0 - 0.5])
    numeric, table = duality.conjugate(g, y_low), np.asarray(g.conjugate(y_low))
    print(f"{name}: f'(0+) = {f_prime_0:g}; at y = {y_low}: sup over t >= 0 = {numeric}, table = {table}")
    assert np.allclose(numeric, -g.f_at_zero, rtol=0, atol=1e-12) and np.all(table > numeric)

# %% [markdown]
# Applying $f = f^{**}$ at $t = p(x)/q(x)$ inside $D_f = \sum_x q(x) f(p(x)/q(x))$
# and choosing $y = T(x)$ separately for each $x$:
#
# $$D_f(P \,\|\, Q) = \sup_{T} \; \mathbb{E}_P[T(x)] - \mathbb{E}_Q[f^*(T(x))]
#   \;\ge\; \mathbb{E}_P[T] - \mathbb{E}_Q[f^*(T)] \quad\text{for every } T,$$
#
# with equality at the critic $T^*(x) = f'\!\left(\frac{p(x)}{q(x)}\right)$.
# Random critics are mapped into the conjugate's domain by the f-GAN output
# activation $g_f$ (`g.activation`). The domains are intervals, so the segment
# $T_s = (1 - s) T_0 + s T^*$ stays inside; along it the bound is concave in
# $s$ and rises to $D_f$ at $s = 1$. Four rows of the table here (each
# generator's `f_divergence` compiles its own program on first use, which
# takes about a second).

# %%
s_grid = np.linspace(0.0, 1.0, B)
dual_names = ("kl", "js", "gan", "tv")
fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), layout="constrained")
print(f"{'generator':>12}  {'D_f(P||Q)':>12}  {'bound at T*':>12}  {f'best of {B} random T':>22}")
for ax, name in zip(axes.ravel(), dual_names):
    g = divtools.GENERATORS[name]
    d_f = divtools.f_divergence(p, q, name)
    T_star = duality.optimal_critic(p, q, name)
    assert np.all(np.asarray(g.conjugate_domain.contains(T_star))), name
    T_random = g.activation(rng.normal(scale=2.0, size=(B, n)))
    T_path = (1 - s_grid[:, None]) * T_random[0] + s_grid[:, None] * T_star
    values = duality.f_dual_value(np.concatenate([T_star[None], T_random, T_path]), p, q, name)
    at_star, bounds, path = values[0], values[1 : B + 1], values[B + 1 :]
    assert abs(at_star - d_f) <= 1e-13 * max(1.0, abs(d_f)), name
    assert np.all(bounds <= d_f + 1e-13), name
    assert np.all(path <= d_f + 1e-13) and abs(path[-1] - d_f) <= 1e-13 * max(1.0, abs(d_f)), name
    assert np.all(np.diff(path, 2) <= 1e-12), name  # concave along the segment
    print(f"{name:>12}  {float(d_f):12.6f}  {float(at_star):12.6f}  {bounds.max():22.6f}")
    ax.plot(s_grid, path)
    ax.axhline(float(d_f), c="k", ls="--", lw=1)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("s")
fig.suptitle(
    r"$\mathbb{E}_P T_s - \mathbb{E}_Q f^*(T_s)$ along $T_s = (1-s)\,T_0 + s\,T^*$; dashed: $D_f(P\|Q)$"
)
plt.show()

# %% [markdown]
# **The GAN row.** For $f(t) = t \log t - (t + 1) \log(t + 1)$ the table gives
# $f^*(y) = -\log(1 - e^y)$ on $y < 0$. With $T = \log D$ for a discriminator
# $D \in (0, 1)$, $f^*(T) = -\log(1 - D)$ and the dual objective is
#
# $$\mathbb{E}_P \log D + \mathbb{E}_Q \log(1 - D) = V(D),$$
#
# the GAN value, so $\sup_D V(D) = D_{gan}(P \| Q) = 2 JS - \log 4$. The
# table's activation $g_f(v) = -\log(1 + e^{-v}) = \log \sigma(v)$ is exactly
# this parametrisation: a logit $v$ gives $D = \sigma(v)$ and $T = \log D$.
# The optimal critic is $T^* = f'(p/q) = \log \frac{p}{p + q} = \log D^*$.

# %%
v_logits = rng.normal(scale=2.0, size=(B, n))
D_random = 1.0 / (1.0 + np.exp(-v_logits))
g_gan = divtools.GENERATORS["gan"]
assert np.allclose(g_gan.activation(v_logits), np.log(D_random), rtol=1e-14, atol=1e-15)
dual_gan = duality.f_dual_value(np.log(D_random), p, q, "gan")
value_gan = games.gan_value(D_random, P_B, Q_B)
print(
    f"largest |f_dual_value(log D) - gan_value(D)| over {B} discriminators: "
    f"{np.max(np.abs(dual_gan - value_gan)):.1e}"
)
assert np.allclose(dual_gan, value_gan, rtol=1e-13, atol=0)
assert np.allclose(duality.optimal_critic(p, q, "gan"), np.log(d1), rtol=1e-14, atol=0)
assert abs(duality.f_dual_value(np.log(d1), p, q, "gan") - v_star) <= 8 * EPS

# %% [markdown]
# ## 5. Density ratios from a classifier (the notes on density-ratio estimation)
#
# Label samples of $p$ with $y = +1$ and samples of $q$ with $y = -1$, with
# class prior $\pi = \Pr(y = +1)$. By Bayes' rule the classifier's posterior
# $c(x) = \Pr(y = +1 \mid x) = \frac{\pi p(x)}{\pi p(x) + (1 - \pi) q(x)}$
# gives the ratio
#
# $$r(x) = \frac{p(x)}{q(x)} = \frac{1 - \pi}{\pi} \cdot \frac{c(x)}{1 - c(x)} .$$
#
# With balanced classes this is the lecture's $\frac{S_+(x)}{1 - S_+(x)}$; the
# optimal GAN discriminator is such a classifier, so $D^*/(1 - D^*) = p_{data}/p_g$.

# %%
for prior in (0.5, 0.2):
    c = games.optimal_discriminator(p, q, prior=prior)
    r = duality.density_ratio_from_classifier(c, prior=prior)
    rel = np.max(np.abs(r / (p / q) - 1))
    print(f"prior {prior}: largest relative error of the recovered ratio {rel:.1e}")
    assert rel < 1e-13
    # the wrong prior gives a ratio off by the constant factor of the prior odds
    r_wrong = duality.density_ratio_from_classifier(c, prior=0.5)
    assert np.allclose(r_wrong, (prior / (1 - prior)) * p / q, rtol=1e-13, atol=0)

# %% [markdown]
# The ratio is only as accurate as $1 - c(x)$. Where $c$ is close to 1 its
# rounding error $\varepsilon c$ (machine epsilon $\varepsilon$) becomes a
# relative error $\approx \varepsilon\, r(x)$ of $1 - c$, and once
# $r > 1/\varepsilon$ the posterior rounds to exactly 1 and the ratio to
# $\infty$. On the Gaussian grid of section 3, with $c = D^*$:

# %%
ratio_true = p_data / p_g
with np.errstate(divide="ignore"):  # D* = 1.0 in floating point gives r = inf
    ratio_grid = duality.density_ratio_from_classifier(d_star)
ok = np.isfinite(ratio_grid)
rel_grid = np.abs(ratio_grid[ok] / ratio_true[ok] - 1)
print(
    f"{ok.sum()} finite ratios, up to {ratio_true[ok].max():.2g}; {np.sum(~ok)} infinite where the true "
    f"ratio is {ratio_true[~ok].min():.2g} or more; largest relative error {rel_grid.max():.2g}"
)
assert np.all(rel_grid <= 2 * EPS * (1 + ratio_true[ok]))
assert np.all(d_star[~ok] == 1.0) and np.all(ratio_true[~ok] > 0.5 / EPS)

fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.loglog(
    ratio_true[ok], np.maximum(rel_grid, EPS / 4), ".", ms=3, label=r"$|\hat r / r - 1|$ from $c = D^*$"
)
ax.loglog(ratio_true[ok], EPS * (1 + ratio_true[ok]), "k--", lw=1, label=r"$\varepsilon\,(1 + r)$")
ax.set_xlabel(r"true ratio $r = p_{data} / p_g$")
ax.set_ylabel("relative error (floored at eps/4)")
ax.legend(fontsize=8)
ax.set_title("A ratio from a probability loses digits as c -> 1")
plt.show()

# %% [markdown]
# ## 6. The Gibbs variational principle and energy-based models (CSE6243 lecture 16)
#
# $\log \sum_x e^{E(x)}$ is the conjugate of the negative entropy, so for
# every distribution $q$
#
# $$\log Z(E) = \log \sum_x e^{E(x)} = \max_q\; \mathbb{E}_q[E] + H(q),
#   \qquad \log Z - \big(\mathbb{E}_q[E] + H(q)\big) = KL\big(q \,\|\, \mathrm{softmax}(E)\big),$$
#
# with the maximum at the Gibbs distribution $q = \mathrm{softmax}(E) = e^E / Z$.
# An energy-based model $p_E = e^{E}/Z$ has expected log-likelihood
# $\mathbb{E}_{p_{data}}[E] - \log Z$, hence
#
# $$\mathbb{E}_{p_{data}} \log p_E = \min_q\; \mathbb{E}_{p_{data}}[E] - \mathbb{E}_q[E] - H(q),$$
#
# and maximum likelihood is $\max_E \min_q$ of this: the same min-max shape as
# the f-GAN, with $q$ playing the sampler and $E$ the critic.

# %%
E = rng.normal(scale=1.5, size=n)
log_z = duality.log_partition(E)
gibbs = duality.gibbs_distribution(E)
assert abs(log_z - np.log(np.sum(np.exp(E)))) <= 4 * EPS * abs(log_z)
assert np.allclose(gibbs, np.exp(E - log_z), rtol=1e-14, atol=0)
assert abs(duality.gibbs_objective(gibbs, E) - log_z) <= 8 * EPS * max(1.0, abs(log_z))

q_random = rng.dirichlet(np.ones(n), size=B)
objective = duality.gibbs_objective(q_random, E)
gap = log_z - objective
kl_gap = divtools.kl(q_random, np.broadcast_to(gibbs, q_random.shape))
print(
    f"log Z = {float(log_z):.15f}; largest |gap - KL(q || softmax E)| over {B} random q: "
    f"{np.max(np.abs(gap - kl_gap)):.1e}"
)
assert np.all(objective <= log_z) and np.allclose(gap, kl_gap, rtol=1e-11, atol=1e-14)

# the EBM's log-likelihood, and its min over q attained at the Gibbs distribution
p_obs = rng.dirichlet(np.ones(n))
ll = duality.ebm_log_likelihood(p_obs, E)
e_data = float(np.sum(p_obs * E))
assert abs(ll.log_likelihood - (e_data - log_z)) <= 8 * EPS * max(1.0, abs(log_z))
assert abs(ll.log_likelihood - np.sum(p_obs * np.log(gibbs))) <= 1e-14
assert np.allclose(ll.q, gibbs, rtol=1e-15, atol=0)
assert np.all(e_data - objective >= ll.log_likelihood)
# maximum likelihood: E = log p_data + const reaches the maximum, -H(p_data)
entropy_obs = -np.sum(p_obs * np.log(p_obs))
ll_best = duality.ebm_log_likelihood(p_obs, np.log(p_obs) + 3.0)
print(
    f"E = log p_data + 3: log-likelihood {float(ll_best.log_likelihood):.15f} = -H(p_data) = {-entropy_obs:.15f}"
)
assert abs(ll_best.log_likelihood + entropy_obs) <= 1e-14 and ll.log_likelihood < ll_best.log_likelihood
assert np.allclose(ll_best.q, p_obs, rtol=1e-14, atol=0)

# along q_s = (1 - s) uniform + s softmax(E) the objective rises to log Z
s_q = np.linspace(0.0, 1.0, B)  # the size of q_random above: no new compilation
q_path = (1 - s_q[:, None]) / n + s_q[:, None] * gibbs
obj_path = duality.gibbs_objective(q_path, E)
kl_path = divtools.kl(q_path, np.broadcast_to(gibbs, q_path.shape))
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(s_q, obj_path, label=r"$\mathbb{E}_{q_s}[E] + H(q_s)$")
ax.plot(s_q[::16], log_z - kl_path[::16], "k.", ms=4, label=r"$\log Z - KL(q_s \,\|\, \mathrm{softmax}(E))$")
ax.axhline(float(log_z), c="gray", ls="--", label=r"$\log Z$")
ax.set_xlabel(r"$s$ in $q_s = (1 - s)\,\mathrm{uniform} + s\,\mathrm{softmax}(E)$")
ax.legend(fontsize=8)
ax.set_title("The Gibbs variational principle")
plt.show()
assert np.allclose(obj_path, log_z - kl_path, rtol=1e-13, atol=1e-14)

# %% [markdown]
# ## 7. The lecture's figure: fitting one Gaussian to two modes (CE 22-808)
#
# The target is an equal mixture of $N((\pm 2, 0), 0.6^2 I)$ on a $96 \times 96$
# grid; the model is an isotropic Gaussian $N(\mu, \sigma^2 I)$ on the same grid,
# fitted by Adam on $(\mu, \log \sigma)$ with gradients through the exact
# divergences, from $\mu = (0.5, 0.5)$, $\sigma = 1$.
#
# - Forward $KL(\text{target} \,\|\, \text{model})$ punishes the model for
#   missing mass: it covers both modes ($\mu \approx 0$, a wide $\sigma$).
# - Reverse $KL(\text{model} \,\|\, \text{target})$ punishes the model for
#   putting mass where the target has none: it sits on one mode
#   ($\mu \approx (\pm 2, 0)$, $\sigma \approx 0.6$).
# - JS and the squared MMD (Gaussian kernel, bandwidth 1) also end on the
#   symmetric, covering fit from this start, JS with a narrower and MMD with a
#   wider Gaussian than forward KL.
#
# 800 Adam steps are enough: the results agree with 1500 steps to about
# $10^{-15}$.

# %%
grid = mixture_grid()
t0 = time.perf_counter()
fits = {
    name: fit_isotropic_gaussian(grid, name, steps=800) for name in ("forward_kl", "reverse_kl", "js", "mmd")
}
t_fits = time.perf_counter() - t0
print(f"four fits in {t_fits:.1f} s")
print(f"{'divergence':>11}  {'mean x':>8}  {'mean y':>8}  {'scale':>7}  {'final loss':>10}")
for name, fit in fits.items():
    mx, my = np.round(fit.mean, 4) + 0.0  # + 0.0: no "-0.0000"
    print(f"{name:>11}  {mx:8.4f}  {my:8.4f}  {fit.scale:7.4f}  {fit.loss:10.6f}")
fw, rv = fits["forward_kl"], fits["reverse_kl"]
assert np.all(np.abs(fw.mean) < 1e-6) and fw.scale > 1.2
assert abs(abs(rv.mean[0]) - 2.0) < 0.05 and abs(rv.mean[1]) < 1e-6 and abs(rv.scale - 0.6) < 0.05
for fit in fits.values():  # Adam has converged: the loss no longer moves
    assert abs(fit.history[-1] - fit.loss) < 1e-9 * max(1.0, abs(fit.loss))

fig, axes = plt.subplots(1, 4, figsize=(16, 4.3), layout="constrained")
titles = {
    "forward_kl": "forward KL(target || model)",
    "reverse_kl": "reverse KL(model || target)",
    "js": "JS",
    "mmd": "MMD$^2$ (bandwidth 1)",
}
angle = np.linspace(0.0, 2 * np.pi, 200)
for ax, (name, fit) in zip(axes, fits.items()):
    ax.contour(grid.axis, grid.axis, grid.target.T, levels=6, cmap="Blues")
    for k, ls in ((1, "-"), (2, "--")):
        ax.plot(
            fit.mean[0] + k * fit.scale * np.cos(angle),
            fit.mean[1] + k * fit.scale * np.sin(angle),
            c="C3",
            ls=ls,
            lw=1.5,
            label=f"{k} sigma",
        )
    ax.plot(*fit.mean, "C3+", ms=10)
    ax.set_aspect("equal")
    ax.set_xlim(-5, 5)
    ax.set_ylim(-4, 4)
    mx, my = np.round(fit.mean, 2) + 0.0
    ax.set_title(f"{titles[name]}\nmean ({mx:.2f}, {my:.2f}), scale {fit.scale:.2f}", fontsize=9)
axes[0].legend(fontsize=8, loc="lower left")
plt.show()

# %% [markdown]
# The JS fit stops at a local minimum. From $\mu = (0.5, 0.5)$ it slides to
# the symmetric point $\mu = 0$, but a Gaussian sitting on one mode has
# a lower JS: the one-mode solution is better, and Adam started near a mode
# finds it (not run here, to keep the notebook fast). Evaluating the exact JS
# at the two candidates shows the difference.


# %%
def grid_gaussian(mean, scale):
    """Masses of N(mean, scale^2 I) on the grid (normalised)."""
    gx = np.exp(-0.5 * ((grid.axis - mean[0]) / scale) ** 2)
    gy = np.exp(-0.5 * ((grid.axis - mean[1]) / scale) ** 2)
    w = np.outer(gx, gy)
    return w / w.sum()


target_flat = grid.target.ravel()
js_fit = float(divtools.js(target_flat, grid_gaussian(fits["js"].mean, fits["js"].scale).ravel()))
js_mode = float(divtools.js(target_flat, grid_gaussian((2.0, 0.0), 0.6).ravel()))
print(
    f"JS at the fitted (0, 0), scale {fits['js'].scale:.3f}: {js_fit:.6f};  "
    f"JS at one mode, N((2, 0), 0.6^2 I): {js_mode:.6f}"
)
assert abs(js_fit - fits["js"].loss) < 1e-12 and js_mode < js_fit

# %% [markdown]
# ## MMD from samples
#
# $\mathrm{MMD}^2_k(P, Q) = \mathbb{E}\,k(X, X') + \mathbb{E}\,k(Y, Y') - 2\,\mathbb{E}\,k(X, Y)$.
# For pmfs $p$, $q$ on points $z_1, \dots, z_K$ with Gram matrix
# $K_{ij} = k(z_i, z_j)$ it is exactly $(p - q)^\top K (p - q)$
# (`mmd2_discrete`). From samples `mmd2` gives the biased V-statistic (all
# pairs) or the unbiased U-statistic (diagonals of $K_{xx}$, $K_{yy}$ left
# out), whose expectation is $\mathrm{MMD}^2$ exactly. With a Gaussian kernel
# ($k(z, z) = 1$) the V-statistic's expectation exceeds it by
# $\frac{1}{n}(1 - p^\top K p) + \frac{1}{m}(1 - q^\top K q)$.

# %%
points = np.array([[-1.0, 0.0], [0.0, 0.0], [0.5, 0.5], [1.5, -0.5], [2.0, 1.0]])
pk = np.array([0.4, 0.3, 0.1, 0.1, 0.1])
qk = np.array([0.1, 0.1, 0.2, 0.3, 0.3])
bandwidth = 1.0
K = np.exp(-np.sum((points[:, None] - points[None]) ** 2, axis=-1) / (2 * bandwidth**2))  # mmd2's kernel
exact_mmd2 = divtools.mmd2_discrete(pk, qk, K)
assert abs(exact_mmd2 - (pk - qk) @ K @ (pk - qk)) <= 4 * EPS

repeats, n_x, n_y = 2000, 40, 30
sample_rng = np.random.default_rng(2024)
xs = points[sample_rng.choice(len(points), size=(repeats, n_x), p=pk)]
ys_ = points[sample_rng.choice(len(points), size=(repeats, n_y), p=qk)]
# mmd2 is a JAX function: one jitted, vmapped call for all repeats
both = jax.jit(
    jax.vmap(
        lambda a, b: (
            divtools.mmd2(a, b, bandwidth=bandwidth, unbiased=True),
            divtools.mmd2(a, b, bandwidth=bandwidth),
        )
    )
)
unbiased, biased = map(np.asarray, both(xs, ys_))
se_u = unbiased.std(ddof=1) / math.sqrt(repeats)
bias_v = (1 - pk @ K @ pk) / n_x + (1 - qk @ K @ qk) / n_y
se_v = biased.std(ddof=1) / math.sqrt(repeats)
print(f"exact MMD^2 {float(exact_mmd2):.5f}")
print(
    f"unbiased: mean over {repeats} repeats {unbiased.mean():.5f} +- {se_u:.5f}; "
    f"{np.mean(unbiased < 0):.1%} negative"
)
print(f"biased:   mean {biased.mean():.5f} +- {se_v:.5f}; expected {float(exact_mmd2) + bias_v:.5f}")
assert abs(unbiased.mean() - exact_mmd2) < 4 * se_u
assert abs(biased.mean() - (exact_mmd2 + bias_v)) < 4 * se_v
assert np.all(biased >= 0) and np.all(biased > unbiased)

fig, ax = plt.subplots(figsize=(6.5, 3.8))
bins = np.linspace(min(unbiased.min(), 0), biased.max(), 60)
ax.hist(unbiased, bins=bins, alpha=0.6, label="unbiased (U-statistic)")
ax.hist(biased, bins=bins, alpha=0.6, label="biased (V-statistic)")
ax.axvline(float(exact_mmd2), c="k", ls="--", label=r"exact $(p-q)^\top K (p-q)$")
ax.set_xlabel(r"estimate of MMD$^2$")
ax.legend(fontsize=8)
ax.set_title(f"{repeats} estimates from {n_x} + {n_y} samples")
plt.show()

print(f"notebook ran in {time.perf_counter() - T_START:.1f} s")
