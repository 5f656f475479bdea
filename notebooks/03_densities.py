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
# # Divergences between densities
#
# `divtools.kl`, `js`, `tv`, `chi2`, `f_divergence`, `squared_hellinger`,
# `bhattacharyya` and `wasserstein_1d` accept two 1-D distributions as well as
# two pmfs: divtools' own `Normal(loc, scale)`, `Exponential(scale, loc)`,
# `Laplace(loc, scale)`, `Uniform(low, high)`, `Bernoulli(p)` and
# `Categorical(probs)`, and frozen `scipy.stats` distributions. For a
# continuous pair
#
# $$D_f(P \,\|\, Q) = \int q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) dx .$$
#
# Where a closed form exists it is used (Gaussians: KL, $H^2$, $\chi^2$,
# $\alpha$-divergences, TV, $W_1$, $W_2$; exponentials, Laplaces, uniforms, ...;
# scipy's `norm`, `expon`, `laplace`, `uniform` are recognised as the same
# families). Otherwise divtools integrates the log densities by adaptive
# Gauss-Kronrod quadrature, and the result is a `divtools.QuadResult`: a float
# carrying the estimated absolute error `.error` and the route taken `.method`.
#
# This notebook checks a closed form against the textbook, shows KL's
# asymmetry, follows a distribution sliding past another (the 1-D version of
# the lecture's parallel lines), compares the quadrature with the closed forms,
# and fits a Gaussian by gradient descent on a divergence with JAX.

# %%
import math
import time

import jax

jax.config.update("jax_enable_x64", True)  # float64 JAX parameters for the fit below

import jax.numpy as jnp
import matplotlib.pyplot as plt
import mpmath as mp
import numpy as np
import scipy.stats as st
from scipy.special import ndtr

import divtools
from divtools import Normal, Uniform

# %% [markdown]
# ## Closed forms and quadrature
#
# Between Gaussians
# $KL(N(m_1, s_1^2) \,\|\, N(m_2, s_2^2)) = \log\frac{s_2}{s_1}
# + \frac{s_1^2 + (m_1 - m_2)^2}{2 s_2^2} - \frac12$.

# %%
m1, s1, m2, s2 = 0.0, 1.0, 1.0, 2.0
kl_div = divtools.kl(Normal(m1, s1), Normal(m2, s2))
kl_book = math.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
print(f"KL(N(0,1) || N(1,4)): divtools {float(kl_div)!r}, textbook {kl_book!r}")
assert abs(kl_div - kl_book) <= 4 * np.finfo(float).eps * kl_book
# scipy's norm is recognised: the same closed form
assert divtools.kl(st.norm(m1, s1), st.norm(m2, s2)) == kl_div

# %% [markdown]
# JS between a normal and a Laplace distribution has no closed form: it is
# integrated, and the result carries its error estimate.

# %%
js_nl = divtools.js(st.norm(0, 1), st.laplace(0, 1))
print(
    f"JS(N(0,1), Laplace(0,1)) = {float(js_nl)!r} nats, estimated error {js_nl.error:.1e}, "
    f"method {js_nl.method!r}"
)
print(repr(js_nl))
assert isinstance(js_nl, divtools.QuadResult) and isinstance(js_nl, float)
assert 0 < js_nl < math.log(2) and js_nl.error < 1e-13 * js_nl

# %% [markdown]
# Infinite values are exact, not large numbers. $KL(N(0,1) \,\|\, U[0,1])$ is
# infinite since the normal puts mass where the uniform has none; the
# quadrature route probes the tails and reports the divergence. Between
# Gaussians $\chi^2(P\|Q) = \int p^2/q - 1$ is finite only if
# $s_1^2 < 2 s_2^2$: with $s_1 = 1$ it is infinite for $s_2 = 0.7$
# ($2 s_2^2 = 0.98$) and finite for $s_2 = 0.75$.

# %%
kl_nu = divtools.kl(st.norm(), st.uniform())
print("KL(N(0,1) || U[0,1]) =", repr(kl_nu))
chi_07 = divtools.chi2(Normal(0.0, 1.0), Normal(0.0, 0.7))
chi_075 = divtools.chi2(Normal(0.0, 1.0), Normal(0.0, 0.75))
chi_075_book = 0.75**2 / math.sqrt(2 * 0.75**2 - 1) - 1  # s2^2 / (s1 sqrt(2 s2^2 - s1^2)) - 1
print(
    f"chi2(N(0,1) || N(0,0.7^2)) = {float(chi_07)},  chi2(N(0,1) || N(0,0.75^2)) = {float(chi_075):.15g}"
    f" (formula {chi_075_book:.15g})"
)
assert math.isinf(kl_nu) and math.isinf(chi_07)
assert math.isinf(divtools.chi2(st.norm(0, 1), st.norm(0, 0.7)))
assert abs(chi_075 - chi_075_book) <= 1e-14 * chi_075_book

# %% [markdown]
# ## KL is not symmetric
#
# For centred Gaussians with variance ratio $r = s_1^2 / s_2^2$,
#
# $$KL(N(0, s_1^2) \,\|\, N(0, s_2^2)) = \tfrac12 (r - 1 - \log r),$$
#
# and the reverse divergence is the same with $r$ replaced by $1/r$. With
# parameter arrays the divergence is vectorised: one call for all 200 ratios.

# %%
r = np.logspace(-3, 3, 200)
forward = divtools.kl(Normal(0.0, np.sqrt(r)), Normal(0.0, 1.0))  # KL(N(0, r) || N(0, 1))
reverse = divtools.kl(Normal(0.0, 1.0), Normal(0.0, np.sqrt(r)))  # KL(N(0, 1) || N(0, r))
assert isinstance(forward, np.ndarray) and forward.shape == r.shape
# the formula cancels near r = 1 in floating point: the reference is taken with 30 digits
mp.mp.dps = 30
book = np.array([float((x - 1 - mp.log(x)) / 2) for x in map(mp.mpf, r)])
book_rev = np.array([float((1 / x - 1 + mp.log(x)) / 2) for x in map(mp.mpf, r)])
assert np.allclose(forward, book, rtol=1e-13, atol=0)
assert np.allclose(reverse, book_rev, rtol=1e-13, atol=0)

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(r, forward, label=r"$KL(N(0, r) \,\|\, N(0, 1))$")
ax.loglog(r, reverse, "--", label=r"$KL(N(0, 1) \,\|\, N(0, r))$")
ax.set_xlabel(r"variance ratio $r$")
ax.set_ylabel("nats")
ax.legend()
ax.set_title("KL between centred Gaussians, both directions")
plt.show()
i_small, i_large = 0, -1
print(f"r = 1e-3: forward {forward[i_small]:.4g}, reverse {reverse[i_small]:.4g}")
print(f"r = 1e+3: forward {forward[i_large]:.4g}, reverse {reverse[i_large]:.4g}")

# %% [markdown]
# $KL(P\|Q)$ integrates $\log(p/q)$ against $P$, so it punishes $P$ putting
# mass where $Q$ has little. When the first argument is the wider one
# ($r \gg 1$ in the forward direction, $r \ll 1$ in the reverse) the
# divergence grows linearly, like $r/2$ (or $1/(2r)$); when the first argument
# is the narrower one it grows only like $\frac12 \log$ of the ratio. This is
# why minimising $KL(\text{data} \,\|\, \text{model})$ favours models that
# cover all the data (mode covering) and the reverse direction favours models
# that sit inside the data (mode seeking).

# %% [markdown]
# ## One Gaussian slides past another (the parallel-lines phenomenon in 1-D)
#
# $P = N(0, 1)$, $Q_\theta = N(\theta, 1)$. In closed form
# $TV = 2\Phi(|\theta|/2) - 1$, $KL = \theta^2/2$, $W_1 = |\theta|$, and
# `squared_hellinger` is $H^2 = \int (\sqrt p - \sqrt q)^2 = 2(1 - BC)$ in
# $[0, 2]$ (the convention without the factor 1/2), with Bhattacharyya
# coefficient $BC = e^{-\theta^2/8}$. JS (in nats, at most $\log 2$) between
# two Gaussians has no closed form: over an array of $\theta$ it is integrated
# element by element.

# %%
thetas = np.linspace(-6.0, 6.0, 241)
P, Q = Normal(0.0, 1.0), Normal(thetas, 1.0)
tv_g = divtools.tv(P, Q)
h2_g = divtools.squared_hellinger(P, Q)
w1_g = divtools.wasserstein_1d(P, Q, p=1)
t0 = time.perf_counter()
js_g = divtools.js(P, Q)  # 241 quadratures
t_js = time.perf_counter() - t0
print(f"JS at {thetas.size} points by quadrature: {t_js:.2f} s")

assert np.allclose(tv_g, 2 * ndtr(np.abs(thetas) / 2) - 1, rtol=1e-13, atol=1e-16)
assert np.allclose(h2_g, -2 * np.expm1(-(thetas**2) / 8), rtol=1e-13, atol=0)
assert np.allclose(divtools.kl(P, Q), thetas**2 / 2, rtol=1e-13, atol=0)
assert np.allclose(divtools.bhattacharyya(P, Q), thetas**2 / 8, rtol=1e-13, atol=0)
assert np.allclose(w1_g, np.abs(thetas), rtol=1e-13, atol=1e-15)
assert np.all(js_g <= math.log(2)) and np.allclose(js_g, js_g[::-1], rtol=1e-12, atol=0)
assert np.all(np.diff(js_g[thetas >= 0]) > 0)  # increasing in |theta|

# %% [markdown]
# Now with supports that can be disjoint: $P = U[0, 1]$,
# $Q_\theta = U[\theta, \theta + 1]$. The supports overlap on a length
# $1 - |\theta|$, so $TV = \min(|\theta|, 1)$,
# $JS = \min(|\theta|, 1) \log 2$ (and $H^2 = 2 \min(|\theta|, 1)$), and
# $KL = \infty$ for every $\theta \ne 0$. Once $|\theta| \ge 1$ the supports
# are disjoint: TV and JS stay at 1 and $\log 2$ however far apart the two
# are, while $W_1 = |\theta|$ keeps growing, as between the lecture's parallel
# lines. (Squeezed to point masses $\delta_0$ and $\delta_\theta$, the
# distributions jump to these values as soon as $\theta \ne 0$.)

# %%
thetas_u = np.linspace(-3.0, 3.0, 241)
P_u, Q_u = Uniform(0.0, 1.0), Uniform(thetas_u, thetas_u + 1.0)
tv_u = divtools.tv(P_u, Q_u)
js_u = divtools.js(P_u, Q_u)
kl_u = divtools.kl(P_u, Q_u)
w1_u = divtools.wasserstein_1d(P_u, Q_u, p=1)
overlap_gap = np.minimum(np.abs(thetas_u), 1.0)
assert np.allclose(tv_u, overlap_gap, rtol=1e-14, atol=1e-16)
assert np.allclose(js_u, overlap_gap * math.log(2), rtol=1e-14, atol=1e-16)
assert np.all(np.isinf(kl_u[thetas_u != 0])) and np.all(kl_u[thetas_u == 0] == 0)
assert np.allclose(w1_u, np.abs(thetas_u), rtol=1e-14, atol=1e-16)

fig, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
panels = [
    (axes[0], thetas, tv_g, js_g, h2_g, w1_g, r"$P = N(0,1)$, $Q_\theta = N(\theta, 1)$"),
    (axes[1], thetas_u, tv_u, js_u, None, w1_u, r"$P = U[0,1]$, $Q_\theta = U[\theta, \theta+1]$"),
]
for ax, th, tv_, js_, h2_, w1_, title in panels:
    ax.plot(th, tv_, label="TV")
    ax.plot(th, js_, label="JS (nats)")
    if h2_ is not None:
        ax.plot(th, h2_, label=r"$H^2$")
    ax.axhline(math.log(2), ls=":", c="gray", label=r"$\log 2$")
    ax.set_ylim(0, 2.1)
    ax.set_xlabel(r"$\theta$")
    ax.set_ylabel("TV, JS" + (", $H^2$" if h2_ is not None else ""))
    ax.set_title(title)
    ax2 = ax.twinx()
    ax2.plot(th, w1_, "k--", label=r"$W_1 = |\theta|$ (right axis)")
    ax2.set_ylim(0, th.max() * 1.05)
    ax2.set_ylabel(r"$W_1$")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper center", fontsize=8)
plt.show()

# %% [markdown]
# For the Gaussians every divergence is smooth in $\theta$, but TV, JS and
# $H^2$ flatten out exponentially fast once the distributions separate: their
# gradient in $\theta$ vanishes, and a generator trained on them would get no
# signal. For the uniforms they are exactly flat beyond $|\theta| = 1$. $W_1$
# has slope $\pm 1$ everywhere: the argument for the Wasserstein GAN.

# %%
slopes = {
    name: np.gradient(v, thetas)[thetas == 4.0][0]
    for name, v in [("TV", tv_g), ("JS", js_g), ("H^2", h2_g), ("W_1", w1_g)]
}
print("slopes at theta = 4 (Gaussians):", {k: f"{v:.2e}" for k, v in slopes.items()})

# %% [markdown]
# ## Quadrature vs closed form
#
# A distribution divtools does not recognise is integrated. A thin wrapper
# around a frozen scipy normal, exposing only `logpdf`, `pdf`, `cdf`, `ppf`,
# `isf` and `support`, forces the quadrature route; the closed forms give the
# reference.


# %%
from divtools.testing import Opaque  # density functions only: forces quadrature

rng = np.random.default_rng(1)
functions = [("kl", divtools.kl), ("H^2", divtools.squared_hellinger), ("chi2", divtools.chi2)]
print(f"{'P':>14} {'Q':>14} {'':>5} {'closed form':>22} {'quadrature':>22} {'rel. diff':>9} {'.error':>8}")
worst = 0.0
for _ in range(4):
    (a1, a2), (b1, b2) = rng.normal(size=2), np.exp(rng.uniform(-0.5, 0.5, size=2))
    for name, fn in functions:
        closed = fn(Normal(a1, b1), Normal(a2, b2))
        quadr = fn(Opaque(st.norm(a1, b1)), Opaque(st.norm(a2, b2)))
        assert isinstance(quadr, divtools.QuadResult) and quadr.method.startswith("quadrature")
        if math.isinf(closed):  # chi^2 with s1^2 >= 2 s2^2: the quadrature finds it divergent
            assert math.isinf(quadr)
            rel = 0.0
        else:
            rel = abs(quadr - closed) / closed
        worst = max(worst, rel)
        print(
            f"N({a1:5.2f},{b1:4.2f}^2) N({a2:5.2f},{b2:4.2f}^2) {name:>5} {float(closed):22.17g} "
            f"{float(quadr):22.17g} {rel:9.1e} {quadr.error:8.1e}"
        )
print(f"largest relative difference: {worst:.1e}")
assert worst < 1e-13

# %% [markdown]
# ## Fitting a Gaussian by minimising a divergence
#
# With JAX parameters the closed forms are traceable, so `jax.grad` and
# `jax.jit` apply. Gradient descent on $\theta = (m, \log s)$ from $(0, 0)$
# towards the target $N(1, 2^2)$, once on $KL(\text{target} \,\|\,
# N(m, s^2))$ and once on the reverse $KL(N(m, s^2) \,\|\, \text{target})$.
# Within the Gaussian family both minimisers are the target itself (KL is 0
# only for equal distributions); the two directions differ when the family
# cannot represent the target.

# %%
target = Normal(jnp.asarray(1.0), jnp.asarray(2.0))


def forward_kl(theta):
    return divtools.kl(target, Normal(theta[0], jnp.exp(theta[1])))


def reverse_kl(theta):
    return divtools.kl(Normal(theta[0], jnp.exp(theta[1])), target)


def fit(loss, lr=0.4, steps=200):
    step = jax.jit(jax.value_and_grad(loss))
    theta, history = jnp.zeros(2), []
    for _ in range(steps):
        value, grad = step(theta)
        history.append(float(value))
        theta = theta - lr * grad
    return theta, np.array(history)


fits = {"forward KL(target || model)": fit(forward_kl), "reverse KL(model || target)": fit(reverse_kl)}
fig, ax = plt.subplots(figsize=(6.5, 4))
for label, (theta, history) in fits.items():
    m, s = float(theta[0]), float(jnp.exp(theta[1]))
    print(f"{label}: m = {m:.12f}, s = {s:.12f}, final loss {history[-1]:.2e}")
    assert abs(m - 1.0) < 1e-8 and abs(s - 2.0) < 1e-8 and history[-1] < 1e-15
    ax.semilogy(history, label=label)
ax.set_xlabel("step")
ax.set_ylabel("loss (nats)")
ax.set_title(r"gradient descent towards $N(1, 2^2)$, lr 0.4")
ax.legend()
plt.show()
