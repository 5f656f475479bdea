r"""Duality: Fenchel conjugates, the variational representation of
f-divergences, density ratios from classifiers, and the Gibbs variational
principle.

Every f-divergence is a supremum over critics ``T`` (Nguyen, Wainwright &
Jordan 2010; Nowozin, Cseke & Tomioka 2016, the f-GAN):

.. math::

    D_f(P \| Q) = \sup_T \; \mathbb{E}_P[T] - \mathbb{E}_Q[f^*(T)],
    \qquad T^*(x) = f'\!\left(\frac{p(x)}{q(x)}\right),

with ``f*(y) = sup_t (t y - f(t))`` the convex conjugate. Every ``T`` gives a
lower bound (:func:`f_dual_value`); :func:`optimal_critic` attains it. The
conjugates, their domains and ``f'`` come from the generator table
(:data:`divtools.GENERATORS`); :func:`conjugate` and :func:`biconjugate`
recompute ``f*`` and ``f** = f`` by 1-D maximisation, to check the table (and
a student's derivation).

The Gibbs variational principle (CSE6243 lecture 16, seed 003; the EBM
connection): ``log sum_x exp(E(x)) = max_q E_q[E] + H(q)``, attained by
``q = softmax(E)``; the gap is ``KL(q || softmax(E))``. Hence the maximum
likelihood of an energy model ``p_E = exp(E)/Z`` is
``E_data[E] - log Z = min_q E_data[E] - E_q[E] - H(q)``, the same min-max
shape as the f-GAN objective.

Kantorovich-Rubinstein duality (W_1 as a supremum over 1-Lipschitz critics)
is :func:`divtools.kantorovich_rubinstein` and
:func:`divtools.kantorovich_potential_1d`.

All values in nats; NumPy in, NumPy float64 out; JAX in, JAX out.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy import optimize

from divtools import exact, generators
from divtools.generators import Generator

__all__ = [
    "GibbsResult",
    "biconjugate",
    "conjugate",
    "density_ratio_from_classifier",
    "ebm_log_likelihood",
    "f_dual_value",
    "gibbs_distribution",
    "gibbs_objective",
    "log_partition",
    "optimal_critic",
]


def _gen(f) -> Generator:
    return generators.get(f)


# --------------------------------------------------------------------------
# Fenchel conjugates, numerically.


def _maximise_concave(h, lo: float, hi: float) -> float:
    """``sup`` of a concave ``h`` on ``(lo, hi)`` (possibly infinite ends): a log-spaced
    scan to bracket the maximiser, then Brent's method; the supremum may be a limit at
    an end (then the best end value found)."""
    if math.isinf(lo) and math.isinf(hi):
        grid = np.concatenate([-np.logspace(12, -12, 97), [0.0], np.logspace(-12, 12, 97)])
    elif math.isinf(hi):
        grid = lo + np.concatenate([[0.0], np.logspace(-15, 12, 217)])
    elif math.isinf(lo):
        grid = hi - np.concatenate([[0.0], np.logspace(-15, 12, 217)])[::-1]
    else:
        grid = lo + (hi - lo) * np.concatenate([[0.0], np.logspace(-15, 0, 121)])
    with np.errstate(all="ignore"):
        vals = np.array([h(x) for x in grid], dtype=np.float64)
    vals = np.where(np.isnan(vals), -np.inf, vals)
    k = int(np.argmax(vals))
    best = vals[k]
    if 0 < k < len(grid) - 1:
        a, b = float(grid[k - 1]), float(grid[k + 1])
        with np.errstate(all="ignore"):
            res = optimize.minimize_scalar(lambda x: -h(x), bounds=(a, b), method="bounded",
                                           options={"xatol": 1e-13 * max(1.0, abs(grid[k]))})
        if np.isfinite(res.fun):
            best = max(best, -float(res.fun))
    return float(best)


def conjugate(f, y):
    r"""``f*(y) = sup_{t >= 0} (t y - f(t))`` by 1-D maximisation (NumPy, elementwise).

    ``inf`` outside the conjugate's domain (where the supremum is unbounded:
    ``y > f'(inf)``). A check on the table's closed forms, not a fast path.
    The table's ``f*`` is the f-GAN one (Nowozin et al. 2016, table 2); for
    ``pearson`` and ``triangular`` it conjugates ``f`` extended to ``t < 0`` and
    so exceeds this function (the conjugate of ``f`` on ``[0, inf)``, equal to
    ``-f(0)``) below ``y = f'(0+)`` (-2 and -3): a valid but looser dual there.

    Example:
      >>> import math, divtools.duality as d
      >>> abs(d.conjugate("kl", 0.5) - math.exp(-0.5)) < 1e-12
      True
    """
    gen = _gen(f)
    y = np.asarray(y, dtype=np.float64)
    out = np.empty(y.shape)
    f_np = lambda t: float(gen.f(np.float64(t)))  # noqa: E731
    for idx in np.ndindex(y.shape):
        yy = float(y[idx])
        if yy > gen.f_prime_at_inf:
            out[idx] = math.inf
            continue
        out[idx] = _maximise_concave(lambda t: t * yy - (f_np(t) if t > 0 else gen.f_at_zero), 0.0, math.inf)
    return float(out[()]) if out.ndim == 0 else out


def biconjugate(f, t):
    r"""``f**(t) = sup_{y in dom f*} (t y - f*(y))`` from the table's ``f*``, by 1-D
    maximisation; equals ``f(t)`` for every convex lower-semicontinuous ``f``
    (Fenchel-Moreau). NumPy, elementwise, ``t >= 0``. Where the supremum is a
    limit (``t = 0``, ``y -> -inf``) the scan stops at ``|y| = 1e12``: an infinite
    ``f(0)`` shows up as a large finite value there.

    Example:
      >>> import divtools, divtools.duality as d
      >>> g = divtools.GENERATORS["js"]
      >>> abs(d.biconjugate(g, 3.0) - float(g.f(3.0))) < 1e-12
      True
    """
    gen = _gen(f)
    if gen.conjugate is None:
        raise ValueError(f"f: {gen.name} has no conjugate in the table")
    dom = gen.conjugate_domain
    t = np.asarray(t, dtype=np.float64)
    out = np.empty(t.shape)
    fs = lambda y: float(gen.conjugate(np.float64(y)))  # noqa: E731
    for idx in np.ndindex(t.shape):
        tt = float(t[idx])
        out[idx] = _maximise_concave(lambda y: tt * y - fs(y) if dom.contains(y) else -math.inf,
                                     dom.low, dom.high)
    return float(out[()]) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# The variational representation.


def optimal_critic(p, q, f="kl"):
    r"""``T*(x) = f'(p(x)/q(x))``, the critic that attains ``D_f`` in the dual.

    Conventions at the support boundaries: where ``q = 0 < p`` it is
    ``f'(inf)`` (possibly ``inf``), where ``p = 0 < q`` it is ``f'(0+)``
    (possibly ``-inf``), where both are 0 it is ``f'(1)`` (irrelevant: weight 0).

    Example:
      >>> import divtools.duality as d
      >>> [float(v) for v in d.optimal_critic([0.5, 0.5], [0.25, 0.75], "pearson")]
      [2.0, -0.6666666666666667]
    """
    gen = _gen(f)
    jax_in = isinstance(p, jax.Array) or isinstance(q, jax.Array)
    exact.tv(p, q)  # validation, with the arguments' names
    with jax.enable_x64(not jax_in or jax.config.jax_enable_x64):
        P = jnp.asarray(p, dtype=None if jax_in else jnp.float64)
        Q = jnp.asarray(q, dtype=None if jax_in else jnp.float64)
        ratio = jnp.where(Q > 0, P / jnp.where(Q > 0, Q, 1.0), jnp.inf)
        ratio = jnp.where((P == 0) & (Q == 0), 1.0, ratio)
        f_prime_zero = _f_prime_at_zero(gen)
        inner = jnp.where(ratio > 0, jnp.where(jnp.isinf(ratio), 1.0, ratio), 1.0)
        value = gen.f_prime(inner)
        value = jnp.where(jnp.isinf(ratio), gen.f_prime_at_inf, value)
        value = jnp.where(ratio == 0, f_prime_zero, value)
        return value if jax_in else np.asarray(value, dtype=np.float64)


def _f_prime_at_zero(gen: Generator) -> float:
    with np.errstate(all="ignore"), jax.enable_x64(True):
        v = float(gen.f_prime(np.float64(0.0)))
    return -math.inf if math.isnan(v) else v


def f_dual_value(T, p, q, f="kl"):
    r"""``E_P[T] - E_Q[f*(T)]``: the f-divergence's variational lower bound at the critic ``T``.

    ``T`` holds the critic's values on the outcomes (same shape as ``p``).
    ``D_f(P||Q) >= f_dual_value(T, p, q, f)`` for every ``T``, with equality at
    :func:`optimal_critic`. Outside the conjugate's domain ``f*`` is ``inf``
    (the bound is ``-inf``). Conventions: a term with zero mass contributes 0
    whatever ``T`` is there (``0 * inf = 0``).

    Example:
      >>> import divtools, divtools.duality as d
      >>> p, q = [0.5, 0.5], [0.25, 0.75]
      >>> T = d.optimal_critic(p, q, "kl")
      >>> abs(float(d.f_dual_value(T, p, q, "kl")) - float(divtools.kl(p, q))) < 1e-15
      True

    Reference: Nguyen, Wainwright & Jordan (2010); Nowozin et al. (2016), eq. (4);
    CSE6243 lecture 16 (seed 003).
    """
    gen = _gen(f)
    if gen.conjugate is None:
        raise ValueError(f"f: {gen.name} has no conjugate in the table")
    jax_in = any(isinstance(a, jax.Array) for a in (T, p, q))
    exact.tv(p, q)
    if not jax_in:
        t_arr = np.asarray(T, dtype=np.float64)
        if t_arr.shape != np.broadcast_shapes(t_arr.shape, np.shape(p)):
            raise ValueError(f"T: shape {t_arr.shape} does not match p's {np.shape(p)}")
        if np.isnan(t_arr).any():
            raise ValueError("T: contains NaN")
    if jax_in:
        return _dual_kernel(gen)(T, p, q)
    with jax.enable_x64(True):
        args = (jnp.asarray(a, dtype=jnp.float64) for a in (T, p, q))
        value = np.asarray(_dual_kernel_jit(gen)(*args), dtype=np.float64)
        return value[()] if value.ndim == 0 else value


def _dual_kernel(gen: Generator):
    dom = gen.conjugate_domain

    def kernel(T, P, Q):
        inside = dom.contains(T) | jnp.isneginf(T) & (dom.low == -math.inf)
        safe = jnp.where(inside & jnp.isfinite(T), T, _interior(dom))
        fstar = gen.conjugate(safe)
        # the limit of f* at the low end of its domain, where T* may sit (T = -inf)
        fstar = jnp.where(jnp.isneginf(T), _conjugate_limit(gen), fstar)
        fstar = jnp.where(inside, fstar, jnp.inf)
        e_p = _expectation(P, T, -1)
        e_q = _expectation(Q, fstar, -1)
        return e_p - e_q

    return kernel


@functools.lru_cache(maxsize=None)
def _dual_kernel_jit(gen: Generator):
    return jax.jit(_dual_kernel(gen))


def _interior(dom) -> float:
    if math.isinf(dom.low) and math.isinf(dom.high):
        return 0.0
    if math.isinf(dom.low):
        return dom.high - 1.0
    if math.isinf(dom.high):
        return dom.low + 1.0
    return 0.5 * (dom.low + dom.high)


def _conjugate_limit(gen: Generator) -> float:
    """``lim_{y -> -inf} f*(y) = -f(0)`` (the supremum is then taken at ``t = 0``)."""
    return -gen.f_at_zero


# --------------------------------------------------------------------------
# Density ratios from classifiers.


def density_ratio_from_classifier(c, *, prior: float = 0.5, logits: bool = False):
    r"""``r(x) = p(x)/q(x) = ((1 - pi)/pi) c(x) / (1 - c(x))`` from a classifier
    ``c(x) = Pr(y = +1 | x)`` trained with class prior ``pi = Pr(y = +1)`` (P labelled +1).

    Exact when ``c`` is the Bayes posterior (see
    :func:`divtools.games.optimal_discriminator`). ``c = 1`` gives ``inf``.
    Near ``c = 1`` the ratio inherits the relative error ``eps/(1 - c)`` of
    ``1 - c``; a classifier's logit ``l = log(c/(1 - c))`` keeps every digit:
    with ``logits=True``, ``c`` holds logits and ``r = ((1 - pi)/pi) exp(l)``.

    Example:
      >>> import divtools.duality as d, divtools.games as g
      >>> p, q = [0.5, 0.3, 0.2], [0.1, 0.6, 0.3]
      >>> [round(float(v), 12) for v in d.density_ratio_from_classifier(g.optimal_discriminator(p, q))]
      [5.0, 0.5, 0.666666666667]

    Reference: Sugiyama, Suzuki & Kanamori (2012), *Density Ratio Estimation in
    Machine Learning*, ch. 4; the density-ratio notes of seed 004.
    """
    prior = float(prior)
    if not 0.0 < prior < 1.0:
        raise ValueError(f"prior: must lie in (0, 1), got {prior}")
    odds = (1.0 - prior) / prior
    if logits:
        if isinstance(c, jax.Array):
            return odds * jnp.exp(c)
        c = np.asarray(c, dtype=np.float64)
        if np.isnan(c).any():
            raise ValueError("c: logits contain NaN")
        out = odds * np.exp(c)
        return float(out) if out.ndim == 0 else out
    if isinstance(c, jax.Array):
        return odds * c / (1.0 - c)
    c = np.asarray(c, dtype=np.float64)
    if np.isnan(c).any() or (c < 0).any() or (c > 1).any():
        raise ValueError("c: classifier outputs must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        out = (1.0 - prior) / prior * c / (1.0 - c)
    return float(out[()]) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# The Gibbs variational principle.


def _energy(E, name="energy"):
    jax_in = isinstance(E, jax.Array)
    if not jax_in:
        E = np.asarray(E, dtype=np.float64)
        if E.size == 0 or E.ndim == 0:
            raise ValueError(f"{name}: expected a non-empty array of energies")
        if np.isnan(E).any() or np.isposinf(E).any():
            raise ValueError(f"{name}: NaN or +inf energies")
    return E, jax_in


def log_partition(energy, *, axis: int = -1):
    r"""``log sum_x exp(E(x))`` (``-inf`` energies are excluded outcomes)."""
    E, jax_in = _energy(energy)
    with jax.enable_x64(not jax_in or jax.config.jax_enable_x64):
        value = jax.nn.logsumexp(jnp.asarray(E), axis=axis)
        return value if jax_in else _np(value)


def gibbs_distribution(energy, *, axis: int = -1):
    r"""``softmax(E)``, the maximiser of :func:`gibbs_objective`."""
    E, jax_in = _energy(energy)
    with jax.enable_x64(not jax_in or jax.config.jax_enable_x64):
        value = jax.nn.softmax(jnp.asarray(E), axis=axis)
        return value if jax_in else _np(value)


def gibbs_objective(q, energy, *, axis: int = -1):
    r"""``E_q[E] + H(q)`` (nats), ``<= log sum exp(E)`` with equality iff ``q = softmax(E)``.

    Example:
      >>> import numpy as np, divtools.duality as d
      >>> E = np.array([0.0, 1.0, 2.0])
      >>> abs(float(d.gibbs_objective(d.gibbs_distribution(E), E)) - float(d.log_partition(E))) < 1e-15
      True
    """
    E, jax_in = _energy(energy)
    jax_in = jax_in or isinstance(q, jax.Array)
    if not jax_in:
        exact.tv(q, q)  # validates q as a pmf
    with jax.enable_x64(not jax_in or jax.config.jax_enable_x64):
        Q = jnp.asarray(q, dtype=None if jax_in else jnp.float64)
        Ej = jnp.asarray(E, dtype=None if jax_in else jnp.float64)
        e_q = _expectation(Q, Ej, axis)
        h = -jnp.sum(jax.scipy.special.xlogy(Q, Q), axis=axis)
        value = e_q + h
        return value if jax_in else _np(value)


class GibbsResult(NamedTuple):
    """``log_likelihood = E_data[E] - log Z`` and the minimising ``q = softmax(E)``."""

    log_likelihood: object
    q: object


def ebm_log_likelihood(p_data, energy) -> GibbsResult:
    r"""Expected log-likelihood of an energy model ``p_E(x) = exp(E(x))/Z`` under ``p_data``:
    ``E_data[E] - log Z = min_q (E_data[E] - E_q[E] - H(q))``, the minimum at
    ``q = softmax(E)`` (the Gibbs principle; CSE6243 lecture 16, seed 003)."""
    E, jax_in = _energy(energy)
    jax_in = jax_in or isinstance(p_data, jax.Array)
    if not jax_in:
        exact.tv(p_data, p_data)  # validates p_data as a pmf
    with jax.enable_x64(not jax_in or jax.config.jax_enable_x64):
        P = jnp.asarray(p_data, dtype=None if jax_in else jnp.float64)
        Ej = jnp.asarray(E, dtype=None if jax_in else jnp.float64)
        e_data = _expectation(P, Ej, -1)
        value = e_data - jax.nn.logsumexp(Ej, axis=-1)
        q = jax.nn.softmax(Ej, axis=-1)
        if jax_in:
            return GibbsResult(value, q)
        return GibbsResult(_np(value), _np(q))


def _expectation(w, values, axis):
    """``sum w * values`` with ``0 * anything = 0`` (infinite values where ``w = 0``)."""
    pos = w > 0
    return jnp.sum(jnp.where(pos, w * jnp.where(pos, values, 0.0), 0.0), axis=axis)


def _np(v):
    v = np.asarray(v, dtype=np.float64)
    return v[()] if v.ndim == 0 else v
