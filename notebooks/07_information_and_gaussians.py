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
# # Information measures and Gaussians
#
# Four sections, each checked with `assert`s:
#
# 1. **Cross-entropy = entropy + KL.** The lecture's cross-entropy game: Bob
#    announces a distribution $q$ and pays $-\log q(x)$ when $x \sim p$ comes up. His
#    expected loss is $CE(p, q) = H(p) + KL(p \| q)$, minimised by telling the truth,
#    $q = p$. With two hypotheses this is the distinguishing game whose best loss is
#    $\log 2 - JS$.
# 2. **Mutual information of a joint table**: a binary symmetric channel, the chain
#    rule, and a nearly independent table where $H(X) + H(Y) - H(X, Y)$ loses its
#    digits and the KL form does not.
# 3. **KL and $W_2$ between two 2-D Gaussians**, drawn as ellipses, as one of them
#    turns.
# 4. **The Frechet distance falling as a GAN trains** (`divtools.gan`).

# %%
import math
import os
import time

import jax

jax.config.update("jax_enable_x64", True)

import matplotlib.pyplot as plt
import numpy as np

import divtools
from divtools import MultivariateNormal, gan

T_START = time.perf_counter()
FAST = os.environ.get("DIVTOOLS_FAST") == "1"  # the test run: shorter GAN training
EPS = np.finfo(float).eps
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. Cross-entropy = entropy + KL
#
# Bob's announced $q_t = (1 - t)\,u + t\,p$ moves from the uniform distribution
# ($t = 0$) to the truth ($t = 1$). His expected loss falls to $H(p)$, and the gap
# is exactly $KL(p \| q_t)$.

# %%
p = np.array([0.5, 0.25, 0.125, 0.0625, 0.0625])
u = np.full(5, 0.2)
ts = np.linspace(0.0, 1.0, 41)
ce = np.array([divtools.cross_entropy(p, (1 - t) * u + t * p, base=2) for t in ts])
kl = np.array([divtools.kl(p, (1 - t) * u + t * p, base=2) for t in ts])
H = float(divtools.entropy(p, base=2))
print(f"H(p) = {H} bits (a dyadic pmf: exactly 1.875)")
assert H == 1.875
assert np.all(np.abs(ce - (H + kl)) <= 4 * EPS * ce)  # CE = H + KL, to the last bits
assert ce[-1] == H and np.all(np.diff(ce) < 0)  # the truth is the best announcement

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(ts, ce, label="cross-entropy CE(p, q_t)")
ax.axhline(H, color="k", lw=0.8, ls="--", label="entropy H(p)")
ax.fill_between(ts, H, ce, alpha=0.25, label="KL(p || q_t)")
ax.set_xlabel("t  (q_t = (1 - t) uniform + t p)")
ax.set_ylabel("bits")
ax.legend()
plt.show()

# %% [markdown]
# The two-hypothesis version is the distinguishing game of lecture 21: $x$ comes
# from $P$ or $Q$ with probability 1/2 each, and Bob's best cross-entropy loss is
# $H(\text{label} \mid X) = \log 2 - JS(P, Q)$: the conditional entropy of the
# joint table (label, outcome).

# %%
P, Q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
joint = 0.5 * np.stack([P, Q])  # joint[label, x]
best_loss = divtools.conditional_entropy(joint, axis=0, given=1)
assert abs(best_loss - (math.log(2) - divtools.js(P, Q))) <= 4 * EPS
assert (
    abs(divtools.games.cross_entropy_loss(divtools.games.optimal_discriminator(P, Q), P, Q) - best_loss)
    <= 8 * EPS
)
print(f"best cross-entropy loss {best_loss:.12f} = log 2 - JS = {math.log(2) - divtools.js(P, Q):.12f}")
# and the mutual information between the label and the outcome is JS itself
assert abs(divtools.mutual_information(joint) - divtools.js(P, Q)) <= 4 * EPS

# %% [markdown]
# ## 2. Mutual information of a joint table
#
# A binary symmetric channel flips a fair bit with probability $\varepsilon$:
# $I(X; Y) = 1 - h_2(\varepsilon)$ bits.

# %%
eps_grid = np.linspace(0.0, 0.5, 51)
tables = np.stack([0.5 * np.array([[1 - e, e], [e, 1 - e]]) for e in eps_grid])  # a batch of tables
mi = divtools.mutual_information(tables, base=2)  # batched over the leading axis
h2 = np.array([divtools.entropy([e, 1 - e], base=2) for e in eps_grid])
assert np.allclose(mi, 1 - h2, rtol=1e-14, atol=1e-15)
assert mi[-1] == 0.0  # a product table: exactly zero

# the chain rule H(X, Y) = H(X) + H(Y | X) on a random table
T = rng.dirichlet(np.ones(12)).reshape(3, 4)
lhs = divtools.entropy(T, axis=(0, 1))
rhs = divtools.entropy(T.sum(1)) + divtools.conditional_entropy(T, axis=1, given=0)
assert abs(lhs - rhs) <= 8 * EPS * lhs

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(eps_grid, mi)
ax.set_xlabel("flip probability")
ax.set_ylabel("I(X; Y), bits")
ax.set_title("binary symmetric channel")
plt.show()

# %% [markdown]
# Nearly independent variables: the entropies are about 1 nat each, the
# information about $10^{-18}$. The decomposition $H(X) + H(Y) - H(X, Y)$ rounds
# the entropies to $10^{-16}$ and returns noise (or a negative number); the KL form
# $KL(p(x, y) \| p(x) p(y))$ keeps every digit.

# %%
a, b = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(4))
T = np.outer(a, b) * (1 + 1e-9 * rng.standard_normal((3, 4)))
T /= T.sum()
exact = divtools.mutual_information(T)
naive = divtools.entropy(T.sum(1)) + divtools.entropy(T.sum(0)) - divtools.entropy(T, axis=(0, 1))
print(f"KL form      {exact:.6e}")
print(f"H + H - H    {naive:.6e}")
assert 0 < exact < 1e-16 and abs(naive - exact) >= 0.5 * exact  # not one digit right

# %% [markdown]
# ## 3. KL and $W_2$ between two Gaussians in the plane
#
# $P = N(0, \Sigma)$ with an elongated $\Sigma$; $Q$ is $P$ rotated by an angle
# $\theta$ and shifted. KL is asymmetric and blows up as the ellipses cross at
# right angles; $W_2$ (the Frechet distance, Bures' formula) grows smoothly.


# %%
def rotation(theta):
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


Sigma = np.diag([4.0, 0.25])
P = MultivariateNormal(np.zeros(2), Sigma)


def Q_at(theta):
    R = rotation(theta)
    return MultivariateNormal(np.array([1.0, 0.5]), R @ Sigma @ R.T)


thetas = np.linspace(0, np.pi / 2, 31)
kl_pq = np.array([divtools.kl(P, Q_at(t)) for t in thetas])
kl_qp = np.array([divtools.kl(Q_at(t), P) for t in thetas])
w2 = np.sqrt([divtools.frechet_distance_gaussian(P, Q_at(t)) for t in thetas])

# at theta = 0 the covariances agree: KL is the Mahalanobis term, W_2 the shift
shift = np.array([1.0, 0.5])
assert abs(kl_pq[0] - 0.5 * shift @ np.linalg.solve(Sigma, shift)) <= 8 * EPS * kl_pq[0]
assert abs(w2[0] - np.linalg.norm(shift)) <= 8 * EPS
# in d = 2 with equal means, W_2 between rotations has a closed form to check against
same = MultivariateNormal(np.zeros(2), rotation(np.pi / 2) @ Sigma @ rotation(np.pi / 2).T)
assert abs(divtools.frechet_distance_gaussian(P, same) - 2 * (2.0 - 0.5) ** 2) <= 1e-14


def ellipse(ax, dist, **kw):
    lam, V = np.linalg.eigh(np.asarray(dist.cov))
    t = np.linspace(0, 2 * np.pi, 200)
    pts = (V * np.sqrt(lam)) @ np.stack([np.cos(t), np.sin(t)])
    for k in (1, 2):
        ax.plot(dist.mean[0] + k * pts[0], dist.mean[1] + k * pts[1], **kw)


fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for theta, style in ((0.0, "-"), (np.pi / 6, "--"), (np.pi / 2, ":")):
    ellipse(axes[0], Q_at(theta), color="C1", ls=style)
ellipse(axes[0], P, color="C0")
axes[0].set_aspect("equal")
axes[0].set_title("P (blue) and Q rotated by 0, pi/6, pi/2")
axes[1].plot(thetas, kl_pq, label="KL(P || Q)")
axes[1].plot(thetas, kl_qp, label="KL(Q || P)")
axes[1].plot(thetas, w2, label="W_2")
axes[1].set_xlabel("rotation angle")
axes[1].legend()
plt.show()

# %% [markdown]
# ## 4. The Frechet distance as a GAN trains
#
# FID is the Frechet distance between Gaussians fitted to features of real and
# generated samples. In the plane the samples are their own features: the target
# is a correlated Gaussian away from the origin, the generator a small network
# that starts near the origin (in the data's own coordinates, `standardize=False`;
# by default it would start at the data's mean and scale), trained with the
# non-saturating loss. The distance
# between the data and each checkpoint falls as the generator's moments approach
# the data's. `frechet_distance` takes the samples directly (no matrix square
# root: it is real and non-negative even with fewer samples than dimensions).

# %%
target_mean, target_cov = np.array([3.0, -2.0]), np.array([[2.0, 0.8], [0.8, 1.0]])
data = rng.multivariate_normal(target_mean, target_cov, size=4000)
steps = 600 if FAST else 2000
r = gan.train(data, loss="nonsaturating", key=0, steps=steps, eval_every=steps // 10, standardize=False)
fid = []
for i in range(len(r.history.steps)):
    generator = jax.tree_util.tree_map(lambda a, i=i: a[i], r.checkpoints)
    fake = np.asarray(generator(jax.random.key(2), 2000), dtype=np.float64)
    fid.append(float(divtools.frechet_distance(fake, data)))
print("Frechet distance at the checkpoints:", np.round(fid, 4))
assert fid[-1] < 0.1 * fid[0]  # from about 15 to below 1.5
# the distance between the fitted Gaussians, as a closed form between two MultivariateNormal
fit = MultivariateNormal.from_samples(fake)
assert abs(divtools.frechet_distance_gaussian(fit, MultivariateNormal.from_samples(data)) - fid[-1]) <= 1e-12

fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(r.history.steps, fid, marker="o")
ax.set_xlabel("generator step")
ax.set_ylabel("Frechet distance (W_2^2 of the fitted Gaussians)")
ax.set_yscale("log")
plt.show()

# %%
print(f"notebook ran in {time.perf_counter() - T_START:.1f} s")
