r"""Distinguishing games and the GAN objective, with their exact optima.

A referee draws ``X`` from ``P`` (with prior ``pi``, default 1/2) or from ``Q``
and shows it to a player, whose strategy ``eta(x) = Pr(guess P | x)`` may be
randomised. On a finite space everything is a sum over outcomes:

==========================  ===================================================  ===============================
game                        loss of a strategy ``eta``                           optimum (``pi = 1/2``)
==========================  ===================================================  ===============================
0-1 loss                    ``pi sum p (1 - eta) + (1 - pi) sum q eta``          ``1/2 - TV/2`` at ``eta = 1[p >= q]``
cross-entropy (log loss)    ``-pi sum p log eta - (1 - pi) sum q log(1 - eta)``  ``log 2 - JS`` at ``eta = p/(p + q)``
GAN value ``V(D)``          ``sum p_data log D + sum p_g log(1 - D)`` (maximised)  ``2 JS - log 4`` at ``D = p_data/(p_data + p_g)``
==========================  ===================================================  ===============================

With a prior ``pi`` the optimal 0-1 error is ``sum min(pi p, (1 - pi) q)`` (the
Bayes error) and the optimal log loss is the conditional entropy
``H(Y | X)``. The GAN value comes in the two labelings of the lectures: real
labelled 1 (Goodfellow et al.; the lecture of seed 001: ``D* = p_data/(p_data + p_g)``) and
real labelled 0 (UCSB 165B, seed 002: ``D* = p_g/(p_data + p_g)``); both
reach ``2 JS - log 4``.

All values are in nats, computed in float64 for NumPy input (the optimal
values from sums of non-negative terms: no cancellation where the
distributions are nearly equal or nearly disjoint). The ``solve_*`` functions
find the optima numerically (Adam on the logits of ``eta = sigmoid(theta)``,
so that ``eta`` stays in ``[0, 1]^n``), for tests and for students who want to see the optimisation
reach the closed form.

References: CS 446/ECE 449 lecture 21 (seed 000: the distinguishing games);
the GAN lectures of seeds 001 and 002 (UCSB 165B); Goodfellow et al. (2014), proposition 1
and theorem 1.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import numerics as nx
from divtools._core import validate
from divtools._core.backend import jax, jnp
from divtools._core.keys import KeyLike, as_key
from divtools.discrete import pmf
from divtools.discrete.generators import GENERATORS

_optax = B.lazy("optax")

__all__ = [
    "CrossEntropyParts",
    "GameSolution",
    "bayes_error",
    "bayes_strategy",
    "cross_entropy_decomposition",
    "cross_entropy_loss",
    "cross_entropy_value",
    "gan_optimal_discriminator",
    "gan_optimal_value",
    "gan_value",
    "optimal_discriminator",
    "solve_cross_entropy",
    "solve_gan",
    "solve_zero_one",
    "zero_one_error",
]


# --------------------------------------------------------------------------
# Input handling: pmfs validated by the exact core's rules, strategies in [0, 1].


def _inputs(p, q, *strategy, names=("p", "q"), logits=False):
    """The array rule for two pmfs and an optional strategy (probabilities in [0, 1], or
    logits: any real number or +-inf); validated when concrete."""
    extra = ("eta",) if strategy and names == ("p", "q") else ("d",) if strategy else ()
    A, P, Q = pmf.take_pmfs((*names, *extra), (p, q, *strategy))
    if not strategy:
        return A, P, Q
    eta = A.values[2]
    name = extra[0]
    if A.evaluator is not B.TRACE:
        host = np.asarray(eta)
        try:  # a strategy per outcome; leading (batch) axes broadcast
            np.broadcast_shapes(host.shape, P.shape)
            ok = host.ndim >= 1 and host.shape[-1] == P.shape[-1]
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{name}: shape {host.shape} does not match the distributions' {P.shape}")
        if np.isnan(host).any():
            raise ValueError(f"{name}: contains NaN")
        if not logits and ((host < 0).any() or (host > 1).any()):
            raise ValueError(f"{name}: values must lie in [0, 1] (or pass logits=True for log-odds)")
    return A, P, Q, eta


def _prior(prior) -> float:
    return validate.probability("prior", prior)


def _log_sigmoids(eta, logits):
    """``(log eta, log(1 - eta))`` of a strategy given as probabilities or as logits
    ``l = log(eta/(1 - eta))``: ``-softplus(-l)`` and ``-softplus(l)``, which keep their
    digits where ``eta`` rounds to 0 or 1."""
    xp = B.namespace(eta)
    if logits:
        return -xp.logaddexp(-eta, 0.0), -xp.logaddexp(eta, 0.0)
    with np.errstate(divide="ignore"):
        return xp.log(eta), xp.log1p(-eta)


def _weighted(w, log_values):
    """``sum w log_values`` over the outcomes with ``0 log 0 = 0`` (a zero weight
    contributes nothing, whatever the value)."""
    xp = B.namespace(w, log_values)
    return xp.sum(xp.where(w > 0, w * xp.where(w > 0, log_values, 0.0), 0.0), axis=-1)


def _exact_sum(x):
    """The sum along the last axis, correctly rounded up to a few ulps (double-word)."""
    hi, lo = nx.exact_sum(x)
    return hi + lo


# --------------------------------------------------------------------------
# The 0-1 game.


def zero_one_error(eta: ArrayLike, p: ArrayLike, q: ArrayLike, *, prior: float = 0.5) -> Any:
    r"""Probability that the strategy ``eta`` guesses wrong under the 0-1 loss.

    ``err(eta) = pi sum_x p(x) (1 - eta(x)) + (1 - pi) sum_x q(x) eta(x)``, where
    ``eta(x) = Pr(guess P | x)`` (a randomised strategy in ``[0, 1]``).

    Example:
      >>> from divtools import games as g
      >>> float(g.zero_one_error([1.0, 0.0], [0.75, 0.25], [0.25, 0.75]))
      0.25

    Reference: CS 446/ECE 449 lecture 21, the distinguishing game (seed 000).
    """
    pi = _prior(prior)
    A, p, q, eta = _inputs(p, q, eta)
    xp = A.evaluator.xp
    value = pi * xp.sum(p * (1.0 - eta), axis=-1) + (1.0 - pi) * xp.sum(q * eta, axis=-1)
    return A.output(value)


def bayes_strategy(p: ArrayLike, q: ArrayLike, *, prior: float = 0.5) -> Any:
    """The Bayes-optimal strategy ``eta(x) = 1[pi p(x) >= (1 - pi) q(x)]`` (ties: guess P)."""
    pi = _prior(prior)
    A, p, q = _inputs(p, q)
    xp = A.evaluator.xp
    return A.output(xp.where(pi * p >= (1.0 - pi) * q, 1.0, 0.0))


def bayes_error(p: ArrayLike, q: ArrayLike, *, prior: float = 0.5) -> Any:
    r"""The optimal 0-1 error ``sum_x min(pi p(x), (1 - pi) q(x))``; ``1/2 - TV/2`` for ``pi = 1/2``.

    A sum of non-negative terms (no ``1/2 - TV/2`` cancellation when TV is near 1).

    Example:
      >>> from divtools import games as g
      >>> float(g.bayes_error([0.75, 0.25], [0.25, 0.75]))
      0.25

    Reference: CS 446/ECE 449 lecture 21 (seed 000): the optimal error of the distinguishing
    game is ``1/2 - TV(P, Q)/2``.
    """
    pi = _prior(prior)
    A, p, q = _inputs(p, q)
    xp = A.evaluator.xp
    return A.output(_exact_sum(xp.minimum(pi * p, (1.0 - pi) * q)))


# --------------------------------------------------------------------------
# The cross-entropy game and the GAN value.


def cross_entropy_loss(
    eta: ArrayLike, p: ArrayLike, q: ArrayLike, *, prior: float = 0.5, logits: bool = False
) -> Any:
    r"""Expected log loss ``-pi sum p log eta - (1 - pi) sum q log(1 - eta)`` (nats).

    ``inf`` where the strategy is certain and wrong on an outcome of positive
    mass; ``0 log 0 = 0``. With ``logits=True``, ``eta`` holds log-odds
    ``log(eta/(1 - eta))`` (:func:`optimal_discriminator` returns them with
    ``logits=True``): then ``log eta = -softplus(-l)`` keeps its digits where
    ``eta`` itself would round to 0 or 1, and the loss at the optimum is
    ``H(Y | X)`` at every pmf.

    Example:
      >>> from divtools import games as g
      >>> round(float(g.cross_entropy_loss([0.5, 0.5], [0.9, 0.1], [0.1, 0.9])), 12)
      0.69314718056
    """
    pi = _prior(prior)
    logits = validate.flag("logits", logits)
    A, p, q, eta = _inputs(p, q, eta, logits=logits)
    log_eta, log_not_eta = _log_sigmoids(eta, logits)
    return A.output(-(pi * _weighted(p, log_eta) + (1.0 - pi) * _weighted(q, log_not_eta)))


def optimal_discriminator(p: ArrayLike, q: ArrayLike, *, prior: float = 0.5, logits: bool = False) -> Any:
    r"""``eta*(x) = pi p(x) / (pi p(x) + (1 - pi) q(x))``, the posterior of "from P".

    Optimal for the log loss (and the GAN discriminator for ``pi = 1/2``).
    Where ``p = q = 0`` (no evidence) it is the prior ``pi``. With
    ``logits=True`` the log-odds ``log(pi p / ((1 - pi) q))`` (``+-inf`` where one
    mass is 0), exact where ``eta*`` rounds to 0 or 1; pass them on with
    ``logits=True`` to :func:`cross_entropy_loss` or :func:`gan_value`.
    """
    pi = _prior(prior)
    logits = validate.flag("logits", logits)
    A, p, q = _inputs(p, q)
    xp = A.evaluator.xp
    if logits:
        return A.output(pmf.log_ratio(p, q) + math.log(pi / (1.0 - pi)))
    a, b = pi * p, (1.0 - pi) * q
    m = a + b
    value = xp.where(m > 0, a / xp.where(m > 0, m, 1.0), pi)
    return A.output(value)


def _posterior_entropy_terms(a, b):
    """``a log((a+b)/a) + b log((a+b)/b) >= 0`` without cancellation (0 where a or b is 0)."""
    xp = B.namespace(a, b)
    a_s = xp.where(a > 0, a, 1.0)
    b_s = xp.where(b > 0, b, 1.0)
    return xp.where(a > 0, a * nx.log1p(b / a_s), 0.0) + xp.where(b > 0, b * nx.log1p(a / b_s), 0.0)


def cross_entropy_value(p: ArrayLike, q: ArrayLike, *, prior: float = 0.5) -> Any:
    r"""The optimal log loss, ``H(Y | X) = sum_x [a log((a+b)/a) + b log((a+b)/b)]``,
    ``a = pi p(x)``, ``b = (1 - pi) q(x)``; equal to ``log 2 - JS(P, Q)`` for ``pi = 1/2``.

    Computed from non-negative terms (no ``log 2 - JS`` cancellation when JS
    is near ``log 2``).

    Example:
      >>> import math, divtools; from divtools import games as g
      >>> p, q = [0.9, 0.1], [0.2, 0.8]
      >>> abs(float(g.cross_entropy_value(p, q)) - (math.log(2) - float(divtools.js(p, q)))) < 1e-15
      True

    Reference: CS 446/ECE 449 lecture 21 (seed 000): the cross-entropy game's value is
    ``log 2 - JS``.
    """
    pi = _prior(prior)
    A, p, q = _inputs(p, q)
    return A.output(_exact_sum(_posterior_entropy_terms(pi * p, (1.0 - pi) * q)))


class CrossEntropyParts(NamedTuple):
    """``cross_entropy = entropy + kl``: ``CE(y, yhat) = H(Ber(y)) + KL(Ber(y) || Ber(yhat))``."""

    cross_entropy: object
    entropy: object
    kl: object


def cross_entropy_decomposition(y: ArrayLike, y_hat: ArrayLike) -> CrossEntropyParts:
    r"""Binary cross-entropy of a (soft) label ``y`` and a prediction ``y_hat``, split as
    ``-y log y_hat - (1 - y) log(1 - y_hat) = H(Ber(y)) + KL(Ber(y) || Ber(y_hat))`` (nats).

    Elementwise over broadcast arrays; the KL part is computed by the exact
    core's kernel (non-negative, accurate when ``y_hat`` is near ``y``).

    Example:
      >>> from divtools import games as g
      >>> parts = g.cross_entropy_decomposition(0.3, 0.3)
      >>> float(parts.kl), abs(float(parts.cross_entropy - parts.entropy)) < 1e-16
      (0.0, True)
    """
    A = B.take(("y", "y_hat"), (y, y_hat))
    y_, h_ = A.values
    if A.evaluator is not B.TRACE:
        for name, v in (("y", y_), ("y_hat", h_)):
            host = np.asarray(v)
            if np.isnan(host).any() or (host < 0).any() or (host > 1).any():
                raise ValueError(f"{name}: values must lie in [0, 1]")
    xp = A.evaluator.xp
    y_, h_ = xp.broadcast_arrays(y_, h_)
    pmf_y = xp.stack([y_, 1.0 - y_], axis=-1)
    pmf_h = xp.stack([h_, 1.0 - h_], axis=-1)
    entropy = _posterior_entropy_terms(y_, 1.0 - y_)
    kl = pmf.divergence(pmf_y, pmf_h, GENERATORS["kl"])
    return CrossEntropyParts(A.output(entropy + kl), A.output(entropy), A.output(kl))


def _gan_labels(real_label):
    if real_label not in (0, 1):
        raise ValueError(
            f"real_label: 1 (real labelled 1, D* = p_data/(p_data + p_g)) or 0, got {real_label!r}"
        )
    return real_label


def gan_value(
    d: ArrayLike, p_data: ArrayLike, p_g: ArrayLike, *, real_label: int = 1, logits: bool = False
) -> Any:
    r"""The GAN objective ``V(D)`` that the discriminator maximises (nats).

    ``real_label=1`` (Goodfellow et al. 2014; seed 001):
    ``V = sum p_data log D + sum p_g log(1 - D)``; ``real_label=0`` (UCSB 165B,
    seed 002, real labelled 0): ``V = sum p_data log(1 - D) + sum p_g log D``.
    Either way ``max_D V = 2 JS(p_data, p_g) - log 4``. With ``logits=True``,
    ``d`` holds the discriminator's logits (as :func:`gan_optimal_discriminator`
    returns them with ``logits=True``): ``V(D*) = 2 JS - log 4`` then holds at
    every pmf, tiny masses included.

    Example:
      >>> import math; from divtools import games as g
      >>> round(float(g.gan_value([0.5, 0.5], [0.5, 0.5], [0.5, 0.5])), 12) == round(-math.log(4), 12)
      True
    """
    _gan_labels(real_label)
    logits = validate.flag("logits", logits)
    A, p, q, d = _inputs(p_data, p_g, d, names=("p_data", "p_g"), logits=logits)
    log_d, log_not_d = _log_sigmoids(d, logits)
    if real_label == 0:
        log_d, log_not_d = log_not_d, log_d
    return A.output(_weighted(p, log_d) + _weighted(q, log_not_d))


def gan_optimal_discriminator(
    p_data: ArrayLike, p_g: ArrayLike, *, real_label: int = 1, logits: bool = False
) -> Any:
    """``D* = p_data/(p_data + p_g)`` (``real_label=1``) or ``p_g/(p_data + p_g)``
    (``real_label=0``); with ``logits=True`` its log-odds (see :func:`optimal_discriminator`)."""
    _gan_labels(real_label)
    d = optimal_discriminator(p_data, p_g, logits=logits)
    if real_label == 1:
        return d
    return -d if logits else 1.0 - d


def gan_optimal_value(p_data: ArrayLike, p_g: ArrayLike) -> Any:
    r"""``max_D V(D) = 2 JS(p_data, p_g) - log 4``, in ``[-log 4, 0]`` (the ``gan`` generator's divergence)."""
    return pmf.divergence(p_data, p_g, GENERATORS["gan"], names=("p_data", "p_g"))


# --------------------------------------------------------------------------
# Brute-force solvers.


class GameSolution(NamedTuple):
    """A numerically optimised strategy and its objective value."""

    strategy: object
    value: object
    steps: int


def _ascend(objective, n, steps, lr, dtype, key):
    """Maximise ``objective(eta)`` over ``eta in [0, 1]^n``: gradient steps on the
    logits with Adam-style normalisation (``optax.adam``), in one ``lax.scan``."""
    opt = _optax.adam(lr)
    theta0 = 0.01 * jax.random.normal(key, (n,), dtype=dtype)
    state0 = opt.init(theta0)

    def step(carry, _):
        theta, state = carry
        grad = jax.grad(lambda t: -objective(jax.nn.sigmoid(t)))(theta)
        updates, state = opt.update(grad, state)
        return (_optax.apply_updates(theta, updates), state), None

    (theta, _), _ = jax.lax.scan(step, (theta0, state0), None, length=steps)
    eta = jax.nn.sigmoid(theta)
    return eta, objective(eta)


def _solve(objective_of, p, q, steps, lr, key):
    steps = validate.count("steps", steps)
    lr = validate.positive("lr", lr)
    key = as_key(key)
    _, p, q = _inputs(p, q)
    if np.ndim(p) != 1:
        raise ValueError("p, q: the solvers take one pair of pmfs (1-D)")
    with jax.enable_x64(True):
        P, Q = jnp.asarray(np.asarray(p), jnp.float64), jnp.asarray(np.asarray(q), jnp.float64)
        run = jax.jit(lambda k: _ascend(objective_of(P, Q), P.shape[0], steps, lr, jnp.float64, k))
        eta, value = run(key)
        return GameSolution(np.asarray(eta), float(value), steps)


def solve_zero_one(
    p: ArrayLike, q: ArrayLike, *, prior: float = 0.5, steps: int = 3000, lr: float = 0.1, key: KeyLike = 0
) -> GameSolution:
    """Minimise the 0-1 error numerically; ``value`` is the error reached (compare
    :func:`bayes_error`)."""
    pi = _prior(prior)
    sol = _solve(
        lambda P, Q: lambda e: -(pi * jnp.sum(P * (1 - e)) + (1 - pi) * jnp.sum(Q * e)), p, q, steps, lr, key
    )
    return sol._replace(value=-sol.value)


def solve_cross_entropy(
    p: ArrayLike, q: ArrayLike, *, prior: float = 0.5, steps: int = 3000, lr: float = 0.1, key: KeyLike = 0
) -> GameSolution:
    """Minimise the log loss numerically; ``value`` is the loss reached (compare
    :func:`cross_entropy_value`)."""
    pi = _prior(prior)

    def objective(P, Q):
        return lambda e: (
            pi * jnp.sum(jax.scipy.special.xlogy(P, e))
            + (1 - pi) * jnp.sum(jax.scipy.special.xlogy(Q, 1 - e))
        )

    sol = _solve(objective, p, q, steps, lr, key)
    return sol._replace(value=-sol.value)


def solve_gan(
    p_data: ArrayLike,
    p_g: ArrayLike,
    *,
    real_label: int = 1,
    steps: int = 3000,
    lr: float = 0.1,
    key: KeyLike = 0,
) -> GameSolution:
    """Maximise ``V(D)`` numerically over ``D in [0, 1]^n`` (compare
    :func:`gan_optimal_value` and :func:`gan_optimal_discriminator`)."""
    _gan_labels(real_label)

    def objective(P, Q):
        def v(d):
            d_real = d if real_label == 1 else 1 - d
            return jnp.sum(jax.scipy.special.xlogy(P, d_real)) + jnp.sum(
                jax.scipy.special.xlogy(Q, 1 - d_real)
            )

        return v

    return _solve(objective, p_data, p_g, steps, lr, key)
