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

import math
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import numerics as nx
from divtools._core import validate
from divtools.discrete import generators, pmf
from divtools.discrete.generators import Generator

optimize = B.lazy("scipy.optimize")

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
            res = optimize.minimize_scalar(
                lambda x: -h(x),
                bounds=(a, b),
                method="bounded",
                options={"xatol": 1e-13 * max(1.0, abs(grid[k]))},
            )
        if np.isfinite(res.fun):
            best = max(best, -float(res.fun))
    return float(best)


def _points(name: str, x: ArrayLike) -> np.ndarray:
    """Concrete real points (NaN rejected; infinities are points of the extended line)."""
    (x,) = B.take((name,), (x,), optional=()).values
    x = np.asarray(x, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError(f"{name}: contains NaN")
    return x


def conjugate(f: Any, y: ArrayLike) -> Any:
    r"""``f*(y) = sup_{t >= 0} (t y - f(t))`` by 1-D maximisation (NumPy, elementwise).

    ``inf`` outside the conjugate's domain (where the supremum is unbounded:
    ``y > f'(inf)``). A check on the table's closed forms, not a fast path.
    The table's ``f*`` is the f-GAN one (Nowozin et al. 2016, table 2); for
    ``pearson`` and ``triangular`` it conjugates ``f`` extended to ``t < 0`` and
    so exceeds this function (the conjugate of ``f`` on ``[0, inf)``, equal to
    ``-f(0)``) below ``y = f'(0+)`` (-2 and -3): a valid but looser dual there.

    Example:
      >>> import math; from divtools import duality as d
      >>> abs(d.conjugate("kl", 0.5) - math.exp(-0.5)) < 1e-12
      True
    """
    gen = _gen(f)
    y = _points("y", y)
    out = np.empty(y.shape)
    f_np = lambda t: float(gen.f(np.float64(t)))
    for idx in np.ndindex(y.shape):
        yy = float(y[idx])
        if yy > gen.f_prime_at_inf:
            out[idx] = math.inf
            continue
        out[idx] = _maximise_concave(lambda t: t * yy - (f_np(t) if t > 0 else gen.f_at_zero), 0.0, math.inf)
    return float(out[()]) if out.ndim == 0 else out


def biconjugate(f: Any, t: ArrayLike) -> Any:
    r"""``f**(t) = sup_{y in dom f*} (t y - f*(y))`` from the table's ``f*``, by 1-D
    maximisation; equals ``f(t)`` for every convex lower-semicontinuous ``f``
    (Fenchel-Moreau). NumPy, elementwise, ``t >= 0``. Where the supremum is a
    limit (``t = 0``, ``y -> -inf``) the scan stops at ``|y| = 1e12``: an infinite
    ``f(0)`` shows up as a large finite value there.

    Example:
      >>> import divtools; from divtools import duality as d
      >>> g = divtools.GENERATORS["js"]
      >>> abs(d.biconjugate(g, 3.0) - float(g.f(3.0))) < 1e-12
      True
    """
    gen = _gen(f)
    if gen.conjugate is None:
        raise ValueError(f"f: {gen.name} has no conjugate in the table")
    dom = gen.conjugate_domain
    t = _points("t", t)
    if np.any(t < 0):
        raise ValueError(f"t: the generator lives on t >= 0, got {t.min():g}")
    out = np.empty(t.shape)
    fs = lambda y: float(gen.conjugate(np.float64(y)))
    for idx in np.ndindex(t.shape):
        tt = float(t[idx])
        out[idx] = _maximise_concave(
            lambda y: tt * y - fs(y) if dom.contains(y) else -math.inf, dom.low, dom.high
        )
    return float(out[()]) if out.ndim == 0 else out


# --------------------------------------------------------------------------
# The variational representation.


def optimal_critic(p: ArrayLike, q: ArrayLike, f: Any = "kl", *, raw: bool = False) -> Any:
    r"""``T*(x) = f'(p(x)/q(x))``, the critic that attains ``D_f`` in the dual.

    Conventions at the support boundaries: where ``q = 0 < p`` it is
    ``f'(inf)`` (possibly ``inf``), where ``p = 0 < q`` it is ``f'(0+)``
    (possibly ``-inf``), where both are 0 it is ``f'(1)`` (irrelevant: weight 0).

    With ``raw=True`` the critic before the f-GAN activation: ``V*`` with
    ``g_f(V*) = T*`` (``log(p/q)`` for ``js`` and ``gan``, ``log(p/q)/2`` for
    the squared Hellinger distance, ...; the table's ``optimal_raw_critic``),
    from ``log p - log q``. It stays representable where ``T*`` rounds onto the
    edge of the conjugate's domain (``js``'s ``log(2)/2`` once ``p/q > 2**53``)
    or ``p/q`` leaves the float range; :func:`f_dual_value` with ``raw=True``
    then returns the divergence at every pmf.

    Example:
      >>> from divtools import duality as d
      >>> [float(v) for v in d.optimal_critic([0.5, 0.5], [0.25, 0.75], "pearson")]
      [2.0, -0.6666666666666667]
    """
    gen = _gen(f)
    raw = validate.flag("raw", raw)
    if raw and gen.optimal_raw_critic is None:
        raise ValueError(f"f: {gen.name} has no f-GAN activation in the table; use raw=False")
    A, P, Q = pmf.take_pmfs(("p", "q"), (p, q))
    xp = A.evaluator.xp
    with np.errstate(all="ignore"):
        if raw:
            return A.output(gen.optimal_raw_critic(pmf.log_ratio(P, Q)))
        P = P * (_total(Q) / _total(P))[..., None]  # the ratio of p/sum p and q/sum q
        ratio = xp.where(Q > 0, P / xp.where(Q > 0, Q, 1.0), xp.inf)
        ratio = xp.where((P == 0) & (Q == 0), 1.0, ratio)
        inner = xp.where(ratio > 0, xp.where(xp.isinf(ratio), 1.0, ratio), 1.0)
        value = gen.f_prime(inner)
        value = xp.where(xp.isinf(ratio), gen.f_prime_at_inf, value)
        value = xp.where(ratio == 0, _f_prime_at_zero(gen), value)
    return A.output(value)


def _total(x: Any) -> Any:
    """The sum over the outcomes, correctly rounded (double-word)."""
    hi, lo = nx.exact_sum(x)
    return hi + lo


def _f_prime_at_zero(gen: Generator) -> float:
    with np.errstate(all="ignore"):
        v = float(gen.f_prime(np.float64(0.0)))
    return -math.inf if math.isnan(v) else v


def f_dual_value(T: ArrayLike, p: ArrayLike, q: ArrayLike, f: Any = "kl", *, raw: bool = False) -> Any:
    r"""``E_P[T] - E_Q[f*(T)]``: the f-divergence's variational lower bound at the critic ``T``.

    ``T`` holds the critic's values on the outcomes (same shape as ``p``).
    ``D_f(P||Q) >= f_dual_value(T, p, q, f)`` for every ``T``, with equality at
    :func:`optimal_critic`. Outside the conjugate's domain ``f*`` is ``inf``
    (the bound is ``-inf``). Conventions: a term with zero mass contributes 0
    whatever ``T`` is there (``0 * inf = 0``).

    With ``raw=True``, ``T`` holds the critic before the f-GAN activation,
    ``V`` with ``T = g_f(V)`` (every ``V`` is then inside the domain), and
    ``f*(g_f(V))`` is the table's composition, exact where ``g_f(V)`` rounds
    onto the domain's edge; with :func:`optimal_critic`'s ``raw=True`` the
    identity ``f_dual_value(V*, p, q) = D_f(P||Q)`` holds at every pmf.

    The summands ``p T - q f*(T)`` are added exactly; each is computed in
    float64 (where ``q f*(T)`` overflows for a finite product, as Pearson's
    ``q T^2/4`` at ``T ~ 1e200``, in NumPy's extended precision where it has
    one). Near ``P = Q`` the bound is a difference of two expectations of size
    ``sum |p T|``: its absolute accuracy is about ``eps sum |p T|``.

    Example:
      >>> import divtools; from divtools import duality as d
      >>> p, q = [0.5, 0.5], [0.25, 0.75]
      >>> T = d.optimal_critic(p, q, "kl")
      >>> abs(float(d.f_dual_value(T, p, q, "kl")) - float(divtools.kl(p, q))) < 1e-15
      True

    Reference: Nguyen, Wainwright & Jordan (2010); Nowozin et al. (2016), eq. (4);
    CSE6243 lecture 16 (seed 003).
    """
    gen = _gen(f)
    raw = validate.flag("raw", raw)
    if gen.conjugate is None:
        raise ValueError(f"f: {gen.name} has no conjugate in the table")
    if raw and gen.activation is None:
        raise ValueError(f"f: {gen.name} has no f-GAN activation in the table; use raw=False")
    A, P, Q = pmf.take_pmfs(("p", "q", "T"), (p, q, T))
    T = A.values[2]
    if A.evaluator is not B.TRACE:
        host = np.asarray(T)
        try:
            fits = host.shape == np.broadcast_shapes(host.shape, P.shape)
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"T: shape {host.shape} does not match p's {P.shape}")
        if np.isnan(host).any():
            raise ValueError("T: contains NaN")
    with np.errstate(all="ignore"):
        # the distributions they represent, as double-words: near P = Q the bound lives
        # in the digits that p/sum(p), rounded, would drop
        (p_hi, p_lo), (q_hi, q_lo) = _normalised(P), _normalised(Q)
        pieces = []
        for p_part, q_part, low in ((p_hi, q_hi, False), (p_lo, q_lo, True)):
            terms = _dual_terms(gen, T, p_part, q_part, raw, low)
            if A.evaluator is B.NUMPY:
                terms = _extended_where_overflow(gen, terms, T, p_part, q_part, raw, low)
            pieces.append(terms)
        hi, lo = nx.exact_sum(A.evaluator.xp.concatenate(pieces, axis=-1))
        return A.output(hi + lo)


def _normalised(x: Any) -> tuple[Any, Any]:
    """``x / sum(x)`` as a double-word ``(hi, lo)`` (the sum itself a double-word)."""
    s_hi, s_lo = nx.exact_sum(x)
    hi, lo = nx.dd_div(x, 0.0 * x, s_hi[..., None], s_lo[..., None])
    return hi, lo


def _dual_terms(gen: Generator, T: Any, P: Any, Q: Any, raw: bool, low: bool = False) -> Any:
    """``p T - q f*(T)`` per outcome, with ``0 * anything = 0``; for the low words of the
    masses (``low``) only where ``T`` and ``f*(T)`` are finite (the high words carry
    the infinities)."""
    xp = B.namespace(T, P, Q)
    shape = np.broadcast_shapes(np.shape(T), np.shape(P))  # a batch of critics for one pair
    T, P, Q = (xp.broadcast_to(x, shape) for x in (T, P, Q))
    if raw:
        critic, fstar = gen.activation(T), gen.fgan_conjugate(T)
        # at V = -inf the critic sits at the low end of an unbounded domain: f* -> -f(0)
        fstar = xp.where(xp.isneginf(critic), _conjugate_limit(gen), fstar)
    else:
        critic = T
        dom = gen.conjugate_domain
        inside = dom.contains(T) | xp.isneginf(T) & (dom.low == -math.inf)
        safe = xp.where(inside & xp.isfinite(T), T, _interior(dom))
        fstar = gen.conjugate(safe)
        # the limit of f* at the low end of its domain, where T* may sit (T = -inf)
        fstar = xp.where(xp.isneginf(T), _conjugate_limit(gen), fstar)
        fstar = xp.where(inside, fstar, xp.inf)
    if low:
        critic = xp.where(xp.isfinite(critic), critic, 0.0)
        fstar = xp.where(xp.isfinite(fstar), fstar, 0.0)
    pos_p, pos_q = P != 0, Q != 0  # low words may be negative
    first = xp.where(pos_p, P * xp.where(pos_p, critic, 0.0), 0.0)
    second = xp.where(pos_q, Q * xp.where(pos_q, fstar, 0.0), 0.0)
    # T = +inf where both masses are positive: f* grows faster than T (an unbounded
    # domain above), so p T - q f*(T) -> -inf, not inf - inf
    return xp.where(xp.isposinf(critic) & pos_p & pos_q, -xp.inf, first - second)


def _extended_where_overflow(
    gen: Generator, terms: np.ndarray, T: Any, P: Any, Q: Any, raw: bool, low: bool
) -> np.ndarray:
    """Summands that came out infinite from finite inputs, again in NumPy's extended
    precision (``longdouble``, 15 exponent bits on x86), where ``q f*(T)`` is finite."""
    shape = np.broadcast_shapes(np.shape(T), np.shape(P))
    T, P, Q = (np.broadcast_to(x, shape) for x in (T, P, Q))
    redo = ~np.isfinite(terms) & np.isfinite(T) & (P != 0) & (Q != 0)
    if not redo.any() or np.finfo(np.longdouble).maxexp <= 1024:  # no wider exponent here
        return terms
    wide = [np.asarray(x[redo], np.longdouble) for x in (T, P, Q)]
    terms = np.array(terms, copy=True)
    terms[redo] = np.asarray(_dual_terms(gen, *wide, raw, low), np.float64)
    return terms


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


def density_ratio_from_classifier(c: ArrayLike, *, prior: float = 0.5, logits: bool = False) -> Any:
    r"""``r(x) = p(x)/q(x) = ((1 - pi)/pi) c(x) / (1 - c(x))`` from a classifier
    ``c(x) = Pr(y = +1 | x)`` trained with class prior ``pi = Pr(y = +1)`` (P labelled +1).

    Exact when ``c`` is the Bayes posterior (see
    :func:`divtools.games.optimal_discriminator`). ``c = 1`` gives ``inf``.
    Near ``c = 1`` the ratio inherits the relative error ``eps/(1 - c)`` of
    ``1 - c``; a classifier's logit ``l = log(c/(1 - c))`` keeps every digit:
    with ``logits=True``, ``c`` holds logits and ``r = ((1 - pi)/pi) exp(l)``.

    Example:
      >>> from divtools import duality as d, games as g
      >>> p, q = [0.5, 0.3, 0.2], [0.1, 0.6, 0.3]
      >>> [round(float(v), 12) for v in d.density_ratio_from_classifier(g.optimal_discriminator(p, q))]
      [5.0, 0.5, 0.666666666667]

    Reference: Sugiyama, Suzuki & Kanamori (2012), *Density Ratio Estimation in
    Machine Learning*, ch. 4; the density-ratio notes of seed 004.
    """
    prior = validate.probability("prior", prior)
    odds = (1.0 - prior) / prior
    A = B.take(("c",), (c,))
    (c,) = A.values
    xp = A.evaluator.xp
    concrete = A.evaluator is not B.TRACE
    if logits:
        if concrete and np.isnan(np.asarray(c)).any():
            raise ValueError("c: logits contain NaN")
        with np.errstate(over="ignore"):
            return A.output(odds * xp.exp(c))
    if concrete:
        host = np.asarray(c)
        if np.isnan(host).any() or (host < 0).any() or (host > 1).any():
            raise ValueError("c: classifier outputs must lie in [0, 1]")
    with np.errstate(divide="ignore"):
        return A.output(odds * c / (1.0 - c))


# --------------------------------------------------------------------------
# The Gibbs variational principle.


def _energy(A: B.Arrays, E: Any, name: str = "energy") -> None:
    if A.evaluator is B.TRACE:
        return
    host = np.asarray(E)
    if host.size == 0 or host.ndim == 0:
        raise ValueError(f"{name}: expected a non-empty array of energies")
    if np.isnan(host).any() or np.isposinf(host).any():
        raise ValueError(f"{name}: NaN or +inf energies")


def _logsumexp(E: Any, axis: int) -> Any:
    xp = B.namespace(E)
    return B.special(xp).logsumexp(E, axis=axis)


def log_partition(energy: ArrayLike, *, axis: int = -1) -> Any:
    r"""``log sum_x exp(E(x))`` (``-inf`` energies are excluded outcomes)."""
    A = B.take(("energy",), (energy,))
    (E,) = A.values
    _energy(A, E)
    return A.output(_logsumexp(E, axis))


def gibbs_distribution(energy: ArrayLike, *, axis: int = -1) -> Any:
    r"""``softmax(E)``, the maximiser of :func:`gibbs_objective`."""
    A = B.take(("energy",), (energy,))
    (E,) = A.values
    _energy(A, E)
    xp = A.evaluator.xp
    return A.output(xp.exp(E - xp.expand_dims(_logsumexp(E, axis), axis)))


def gibbs_objective(q: ArrayLike, energy: ArrayLike, *, axis: int = -1) -> Any:
    r"""``E_q[E] + H(q)`` (nats), ``<= log sum exp(E)`` with equality iff ``q = softmax(E)``.

    Example:
      >>> import numpy as np; from divtools import duality as d
      >>> E = np.array([0.0, 1.0, 2.0])
      >>> abs(float(d.gibbs_objective(d.gibbs_distribution(E), E)) - float(d.log_partition(E))) < 1e-15
      True
    """
    A, Q, _ = pmf.take_pmfs(("q", "q", "energy"), (q, q, energy), axis=axis)
    E = A.values[2]
    _energy(A, E)
    xp = A.evaluator.xp
    E = xp.moveaxis(E, axis, -1) if axis not in (-1, E.ndim - 1) else E
    h = -xp.sum(_xlogx(Q), axis=-1)
    return A.output(_expectation(Q, E, -1) + h)


def _xlogx(q: Any) -> Any:
    xp = B.namespace(q)
    return xp.where(q > 0, q * xp.log(xp.where(q > 0, q, 1.0)), 0.0)


class GibbsResult(NamedTuple):
    """``log_likelihood = E_data[E] - log Z`` and the minimising ``q = softmax(E)``."""

    log_likelihood: object
    q: object


def ebm_log_likelihood(p_data: ArrayLike, energy: ArrayLike) -> GibbsResult:
    r"""Expected log-likelihood of an energy model ``p_E(x) = exp(E(x))/Z`` under ``p_data``:
    ``E_data[E] - log Z = min_q (E_data[E] - E_q[E] - H(q))``, the minimum at
    ``q = softmax(E)`` (the Gibbs principle; CSE6243 lecture 16, seed 003)."""
    A, P, _ = pmf.take_pmfs(("p_data", "p_data", "energy"), (p_data, p_data, energy))
    E = A.values[2]
    _energy(A, E)
    xp = A.evaluator.xp
    log_z = _logsumexp(E, -1)
    value = _expectation(P, E, -1) - log_z
    q = xp.exp(E - log_z[..., None])
    return GibbsResult(A.output(value), A.output(q))


def _expectation(w: Any, values: Any, axis: int) -> Any:
    """``sum w * values`` with ``0 * anything = 0`` (infinite values where ``w = 0``)."""
    xp = B.namespace(w, values)
    pos = w > 0
    return xp.sum(xp.where(pos, w * xp.where(pos, values, 0.0), 0.0), axis=axis)
