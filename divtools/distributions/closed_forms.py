r"""Closed-form divergences between parametric distributions.

Used automatically by :func:`divtools.kl`, :func:`divtools.f_divergence`, ...
when both arguments are :mod:`divtools.distributions` objects or frozen scipy
distributions of a recognised family. Each formula is written without
cancellation, so nearly equal distributions keep their digits (with
``rho = log(s1/s2)`` taken as ``log1p((s1 - s2)/s2)`` and
``E2(x) = e^x - 1 - x >= 0`` by its series near 0):

==========================  =============================================================
Gaussians ``N(m1, s1^2)``,  ``KL = (E2(2 rho) + (Delta/s2)^2) / 2``, ``Delta = m1 - m2``
``N(m2, s2^2)``             ``H^2 = -2 expm1(log BC)``, ``log BC = -log cosh(rho)/2 - Delta^2/(4 (s1^2 + s2^2))``
                            ``chi^2 = expm1(-log(1 - w^2)/2 + Delta^2/(2 s2^2 - s1^2))``, ``w = expm1(2 rho)``, inf if ``s1^2 >= 2 s2^2``
                            alpha(a): ``expm1(log I)/(a(a-1))``, ``log I = -log R/2 - a(1-a) Delta^2/(2 s_a^2)``, ``R = 1 + a E2(-(1-a)u) + (1-a) E2(a u)`` (factored for ``|u| > 1``, ``a`` outside ``(0, 1)``),
                            ``u = 2 rho``, ``s_a^2 = a s2^2 + (1-a) s1^2`` (inf if ``<= 0``)
                            TV: ``|F_P - F_Q|`` summed at the (one or two) density crossings,
                            each difference ``Phi(z1) - Phi(z2)`` by Gauss-Legendre when ``|z1 - z2| <= 1/4``
                            ``W_2 = hypot(Delta, s1 - s2)``, ``W_1 = s sqrt(2/pi) exp(-Delta^2/2s^2) + Delta erf(Delta/(s sqrt 2))``, ``s = |s1 - s2|``
exponentials (scale, loc)   ``KL = E2(log(s1/s2)) + (l1 - l2)/s2`` (inf if ``l1 < l2``); TV at the crossing (equal locs)
Laplaces (loc, scale)       ``KL = E2(log(b1/b2)) + (b1/b2) E2(-|Delta|/b1)``
uniforms                    every generator: the exact pmf divergence of the cells between the four ends
Bernoullis, categoricals    every generator: the table's kernels on the masses (exact core)
==========================  =============================================================

Jeffreys is ``KL(P||Q) + KL(Q||P)``, reverse KL and Neyman's chi^2 swap the
arguments. The parameters may be arrays (broadcast), and JAX arrays or
tracers (differentiable).

References: Pardo (2006), *Statistical Inference Based on Divergence
Measures*, ch. 1-2 (Gaussian formulas); Gil, Alajaji & Linder (2013), *Renyi
divergence measures for commonly used univariate continuous distributions*;
Devroye, Mehrabian & Reddad (2018) for TV between Gaussians.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from divtools._core import backend as B
from divtools._core.numerics import log1p
from divtools.discrete import pmf
from divtools.distributions.families import (
    Bernoulli,
    Categorical,
    Distribution,
    Exponential,
    Laplace,
    Normal,
    Uniform,
)

__all__ = ["evaluate", "lookup", "normal_bhattacharyya", "normal_w1", "normal_w2", "wasserstein_lookup"]

_SQRT2 = math.sqrt(2.0)
_E2_SERIES = tuple(1.0 / math.factorial(k) for k in range(2, 23))  # x^2/2! + ... + x^22/22!


def e2(x):
    """``e^x - 1 - x >= 0`` without cancellation: the series for ``|x| < 1``."""
    xp = B.namespace(x)
    small = xp.abs(x) < 1.0
    xs = xp.where(small, x, 0.0)
    acc = xp.zeros_like(xs) + _E2_SERIES[-1]
    for c in _E2_SERIES[-2::-1]:
        acc = acc * xs + c
    series = xs * xs * acc
    xl = xp.where(small, 1.0, x)
    return xp.where(small, series, xp.expm1(xl) - xl)


def _log_ratio(s1, s2):
    """``log(s1/s2)`` accurate also for nearly equal scales."""
    return log1p((s1 - s2) / s2)


# --------------------------------------------------------------------------
# Gaussians.


def normal_kl(m1, s1, m2, s2):
    rho = _log_ratio(s1, s2)
    z = (m1 - m2) / s2
    return 0.5 * (e2(2.0 * rho) + z * z)


def _normal_log_bc(m1, s1, m2, s2):
    xp = B.namespace(m1, s1, m2, s2)
    rho = _log_ratio(s1, s2)
    d = m1 - m2
    sh = xp.sinh(0.5 * rho)
    return -0.5 * log1p(2.0 * sh * sh) - d * d / (4.0 * (s1 * s1 + s2 * s2))


def normal_bhattacharyya(m1, s1, m2, s2):
    """``-log int sqrt(p q)`` between ``N(m1, s1^2)`` and ``N(m2, s2^2)``."""
    return -_normal_log_bc(m1, s1, m2, s2)


def normal_squared_hellinger(m1, s1, m2, s2):
    xp = B.namespace(m1, s1, m2, s2)
    return -2.0 * xp.expm1(_normal_log_bc(m1, s1, m2, s2))


def normal_pearson(m1, s1, m2, s2):
    xp = B.namespace(m1, s1, m2, s2)
    rho = _log_ratio(s1, s2)
    w = xp.expm1(2.0 * rho)  # (s1/s2)^2 - 1
    ok = w < 1.0  # s1^2 < 2 s2^2
    w_ok = xp.where(ok, w, 0.0)
    d = m1 - m2
    # log(1 - w^2) = log1p(-w) + log1p(w), and log1p(w) = 2 rho exactly
    log_one_minus_w2 = xp.where(xp.abs(w_ok) < 0.5, log1p(-w_ok * w_ok), log1p(-w_ok) + 2.0 * rho)
    log_i = -0.5 * log_one_minus_w2 + d * d / (s2 * s2 * (1.0 - w_ok))
    return xp.where(ok, xp.expm1(log_i), xp.inf)


@functools.cache
def normal_alpha(a: float):
    def alpha(m1, s1, m2, s2):
        xp = B.namespace(m1, s1, m2, s2)
        u = 2.0 * _log_ratio(s1, s2)
        scale2 = 1.0 + (1.0 - a) * xp.expm1(u)  # s_a^2 / s2^2
        ok = scale2 > 0
        scale2_ok = xp.where(ok, scale2, 1.0)
        d = m1 - m2
        # log R, R = s_a^2 / (s1^(2(1-a)) s2^(2a)) = a e^(-(1-a)u) + (1-a) e^(au):
        # near u = 0 as log1p of the E2 terms (O(u^2), no cancellation); for a outside
        # (0, 1) and |u| > 1 the two terms of R have opposite signs and R may be tiny:
        # factored as e^((a-1)u) (1 + (1-a) expm1(u)) or e^(au) (1 + a expm1(-u)),
        # whichever keeps the log1p argument positive
        w = a * e2(-(1.0 - a) * u) + (1.0 - a) * e2(a * u)
        log_r = log1p(w)
        if a > 1.0 or a < 0.0:
            u_far = xp.where(xp.abs(u) > 1.0, u, 2.0)
            if a > 1.0:
                far = (a - 1.0) * u_far + log1p((1.0 - a) * xp.expm1(u_far))
            else:
                far = a * u_far + log1p(a * xp.expm1(-u_far))
            log_r = xp.where(xp.abs(u) > 1.0, far, log_r)
        log_i = -0.5 * log_r - a * (1.0 - a) * d * d / (2.0 * s2 * s2 * scale2_ok)
        return xp.where(ok, xp.expm1(log_i) / (a * (a - 1.0)), xp.inf)

    return alpha


_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)


def _normal_mass(lo, h):
    """``Phi(lo + h) - Phi(lo)`` for ``h >= 0`` given as the width itself (not as
    ``hi - lo``, which would cancel), to a few ulps."""
    xp = B.namespace(lo, h)
    hi = lo + h
    near = h <= 0.25
    hn = xp.where(near, h, 0.0)
    t = lo[..., None] + 0.5 * hn[..., None] * (1.0 + xp.asarray(_GL_X))
    gl = 0.5 * hn * xp.sum(xp.asarray(_GL_W) * xp.exp(-0.5 * t * t), axis=-1) / math.sqrt(2 * math.pi)
    # far apart: erfc in the tail both lie in, erf when they straddle 0
    right = 0.5 * (B.special(xp).erfc(lo / _SQRT2) - B.special(xp).erfc(hi / _SQRT2))
    left = 0.5 * (B.special(xp).erfc(-hi / _SQRT2) - B.special(xp).erfc(-lo / _SQRT2))
    straddle = 0.5 * (B.special(xp).erf(hi / _SQRT2) - B.special(xp).erf(lo / _SQRT2))
    far = xp.where(lo >= 0, right, xp.where(hi <= 0, left, straddle))
    return xp.where(near, gl, far)


def _cdf_gap(x, m1, s1, m2, s2):
    """``|Phi((x - m1)/s1) - Phi((x - m2)/s2)|`` with the two arguments' gap accurate."""
    xp = B.namespace(x, m1, s1, m2)
    y = x - m2
    z2 = y / s2
    gap = (y * (s2 - s1) - s2 * (m1 - m2)) / (s1 * s2)  # z1 - z2
    lo = xp.minimum(z2, z2 + gap)
    return _normal_mass(lo, xp.abs(gap))


def normal_tv(m1, s1, m2, s2):
    xp = B.namespace(m1, s1, m2, s2)
    d = m1 - m2
    rho = _log_ratio(s1, s2)
    A = -xp.expm1(2.0 * rho)  # 1 - (s1/s2)^2
    equal = A == 0
    # one crossing (equal scales): TV = B.special(xp).erf(|d| / (2 sqrt(2) s))
    single = B.special(xp).erf(xp.abs(d) / (2.0 * _SQRT2 * s1))
    # two crossings y = x - m2: A y^2 - 2 d y + d^2 + 2 rho s1^2 = 0
    R = xp.sqrt(d * d * (1.0 - A) + 2.0 * rho * (-A) * s1 * s1)
    qq = d + xp.where(d >= 0, 1.0, -1.0) * R
    qq = xp.where(qq == 0, 1.0, qq)  # only when d = R = 0, i.e. equal distributions
    A_ok = xp.where(equal, 1.0, A)
    y1 = qq / A_ok
    y2 = (d * d + 2.0 * rho * s1 * s1) / qq
    double = _cdf_gap(m2 + y1, m1, s1, m2, s2) + _cdf_gap(m2 + y2, m1, s1, m2, s2)
    same = (d == 0) & (rho == 0)
    return xp.where(same, 0.0, xp.where(equal, single, xp.minimum(double, 1.0)))


def normal_w2(m1, s1, m2, s2):
    """``W_2 = sqrt((m1 - m2)^2 + (s1 - s2)^2)``."""
    xp = B.namespace(m1, s1, m2, s2)
    return xp.hypot(m1 - m2, s1 - s2)


def normal_w1(m1, s1, m2, s2):
    """``W_1 = E|Delta + s Z|``, the mean of a folded normal (``s = |s1 - s2|``)."""
    xp = B.namespace(m1, s1, m2, s2)
    d = m1 - m2
    s = xp.abs(s1 - s2)
    pos = s > 0
    s_ok = xp.where(pos, s, 1.0)
    folded = s_ok * math.sqrt(2 / math.pi) * xp.exp(-0.5 * (d / s_ok) ** 2) + d * B.special(xp).erf(
        d / (s_ok * _SQRT2)
    )
    return xp.where(pos, folded, xp.abs(d))


# --------------------------------------------------------------------------
# Exponentials and Laplaces.


def exponential_kl(s1, l1, s2, l2):
    xp = B.namespace(s1, l1, s2, l2)
    return xp.where(l1 >= l2, e2(_log_ratio(s1, s2)) + (l1 - l2) / s2, xp.inf)


def exponential_tv(s1, l1, s2, l2):
    xp = B.namespace(s1, l1, s2, l2)
    # rates r = 1/s; densities cross at x* = log(r1/r2)/(r1 - r2) from the common loc
    r1, r2 = 1.0 / s1, 1.0 / s2
    dr = r1 - r2
    same = dr == 0
    dr_ok = xp.where(same, 1.0, dr)
    x = _log_ratio(r1, r2) / dr_ok
    tv = xp.exp(-r2 * x) * xp.abs(xp.expm1(-dr_ok * x))
    return xp.where(same, 0.0, tv)


def laplace_kl(m1, b1, m2, b2):
    xp = B.namespace(m1, b1, m2, b2)
    return e2(_log_ratio(b1, b2)) + (b1 / b2) * e2(-xp.abs(m1 - m2) / b1)


# --------------------------------------------------------------------------
# The table of closed forms: (family, generator key) -> function of the
# parameters of P then Q. Generator keys are table names or ("alpha", a).


def _swap(fn):
    return lambda *args: fn(*args[len(args) // 2 :], *args[: len(args) // 2])


def _sum(f, g):
    return lambda *args: f(*args) + g(*args)


_TABLE: dict[tuple, Callable] = {
    (Normal, "kl"): normal_kl,
    (Normal, "reverse_kl"): _swap(normal_kl),
    (Normal, "jeffreys"): _sum(normal_kl, _swap(normal_kl)),
    (Normal, "pearson"): normal_pearson,
    (Normal, "neyman"): _swap(normal_pearson),
    (Normal, "squared_hellinger"): normal_squared_hellinger,
    (Normal, "tv"): normal_tv,
    (Exponential, "kl"): exponential_kl,
    (Exponential, "reverse_kl"): _swap(exponential_kl),
    (Exponential, "jeffreys"): _sum(exponential_kl, _swap(exponential_kl)),
    (Laplace, "kl"): laplace_kl,
    (Laplace, "reverse_kl"): _swap(laplace_kl),
    (Laplace, "jeffreys"): _sum(laplace_kl, _swap(laplace_kl)),
}


def _key(gen) -> object:
    if gen.family is not None:
        return gen.family
    return gen.name


def _parameter_function(P: Distribution, Q: Distribution, gen) -> Callable | None:
    """A function of the two parameter tuples, or None when no closed form applies."""
    if type(P) is not type(Q):
        return None
    fam = type(P)
    key = _key(gen)
    if fam is Normal and isinstance(key, tuple) and key[0] == "alpha":
        return normal_alpha(key[1])
    if fam is Exponential and key == "tv":
        return None  # only with equal locations: decided by the caller (see lookup)
    return _TABLE.get((fam, key))


def evaluate(fn: Callable, P: Distribution, Q: Distribution, **static) -> Any:
    """``fn(*params of P, *params of Q)`` by the array rule: NumPy parameters by NumPy
    (nothing compiled), JAX parameters as JAX (traced inline under ``jit``)."""
    names = tuple(f"{side}.{k}" for side, d in (("p", P), ("q", Q)) for k in d.params)
    A = B.take(names, (*P.values(), *Q.values()))
    if A.evaluator is B.NUMPY:
        with np.errstate(all="ignore"):  # unselected branches of a where may overflow
            return A.output(fn(*A.values, **static))
    return A.output(A.run(fn, *A.values, **static))


def lookup(P: Distribution, Q: Distribution, gen) -> Callable | None:
    """``() -> value`` computing ``D_f(P || Q)`` in closed form, or None.

    The value follows the array rule of the parameters (NumPy parameters give
    NumPy values); for uniforms, Bernoullis and categoricals it is the pmf
    divergence of the exact core.
    """
    if type(P) is not type(Q):
        return None
    if isinstance(P, Categorical):
        return lambda: pmf.divergence(P.probs, Q.probs, gen)
    if isinstance(P, Bernoulli):
        return lambda: evaluate(_bernoulli, P, Q, gen=gen)
    if isinstance(P, Uniform):
        return lambda: _uniform_cells(P, Q, gen)
    fn = _parameter_function(P, Q, gen)
    if fn is None and isinstance(P, Exponential) and _key(gen) == "tv":
        if not P.is_traced() and not Q.is_traced() and np.all(np.asarray(P.loc) == np.asarray(Q.loc)):
            fn = exponential_tv
    if fn is None:
        return None
    return lambda: evaluate(fn, P, Q)


def _bernoulli(p1, p2, *, gen):
    """Bernoullis are pmfs on two outcomes: the table's kernels on ``(p, 1 - p)``."""
    xp = B.namespace(p1, p2)
    p1, p2 = xp.broadcast_arrays(p1, p2)
    d = p1 - p2
    value = gen.terms(p1, p2, d) + gen.terms(1.0 - p1, 1.0 - p2, -d)
    if gen.infinite_when_q_zero:
        value = xp.where(((p2 == 0) & (p1 > 0)) | ((p2 == 1) & (p1 < 1)), xp.inf, value)
    if gen.infinite_when_p_zero:
        value = xp.where(((p1 == 0) & (p2 > 0)) | ((p1 == 1) & (p2 < 1)), xp.inf, value)
    return value


def _cell_masses(a1, b1, a2, b2):
    xp = B.namespace(a1, b1, a2, b2)
    a1, b1, a2, b2 = xp.broadcast_arrays(a1, b1, a2, b2)
    ends = xp.sort(xp.stack([a1, b1, a2, b2], axis=-1), axis=-1)
    lo, hi = ends[..., :-1], ends[..., 1:]

    def mass(a, b):
        width = xp.clip(xp.minimum(hi, b[..., None]) - xp.maximum(lo, a[..., None]), 0.0, None)
        return width / (b - a)[..., None]

    return mass(a1, b1), mass(a2, b2)


def _uniform_cells(P: Uniform, Q: Uniform, gen):
    """Uniforms: the cells between the four ends carry constant density ratios, so
    the divergence is the pmf divergence of the cell masses."""
    names = ("p.low", "p.high", "q.low", "q.high")
    A = B.take(names, (P.low, P.high, Q.low, Q.high))
    mp, mq = _cell_masses(*A.values)
    return pmf.divergence(mp, mq, gen, normalize=True)


# --------------------------------------------------------------------------
# Wasserstein distances (quantile couplings).


def _laplace_w1(m1, b1, m2, b2):
    """``E|c + d L|`` for a standard Laplace ``L``: ``|c| + d exp(-|c|/d)``."""
    xp = B.namespace(m1, b1, m2, b2)
    c, d = m1 - m2, xp.abs(b1 - b2)
    pos = d > 0
    d_ok = xp.where(pos, d, 1.0)
    return xp.where(pos, xp.abs(c) + d_ok * xp.exp(-xp.abs(c) / d_ok), xp.abs(c))


def _laplace_w2(m1, b1, m2, b2):
    xp = B.namespace(m1, b1, m2, b2)
    return xp.hypot(m1 - m2, _SQRT2 * (b1 - b2))  # Var L = 2


def _exponential_w2(s1, l1, s2, l2):
    xp = B.namespace(s1, l1, s2, l2)
    c, d = l1 - l2, s1 - s2  # E (c + d X)^2 = (c + d)^2 + d^2 for X ~ Exp(1)
    return xp.hypot(c + d, d)


def _exponential_w1(s1, l1, s2, l2):
    """``E|c + d X|``, ``X ~ Exp(1)``: ``|c + d|`` when ``c d >= 0``, else
    ``2|d| exp(c/d) - sign(d) (c + d)`` (the kink at ``X = -c/d``)."""
    xp = B.namespace(s1, l1, s2, l2)
    c, d = l1 - l2, s1 - s2
    same = c * d >= 0
    d_ok = xp.where(same, 1.0, d)
    kinked = 2.0 * xp.abs(d_ok) * xp.exp(c / d_ok) - xp.sign(d_ok) * (c + d)
    return xp.where(same, xp.abs(c + d), kinked)


_W_TABLE = {
    (Normal, 1.0): normal_w1,
    (Normal, 2.0): normal_w2,
    (Laplace, 1.0): _laplace_w1,
    (Laplace, 2.0): _laplace_w2,
    (Exponential, 1.0): _exponential_w1,
    (Exponential, 2.0): _exponential_w2,
}
_SCALE = {Normal: "scale", Laplace: "scale", Exponential: "scale"}


def wasserstein_lookup(P: Distribution, Q: Distribution, p: float) -> Callable | None:
    """``() -> W_p(P, Q)`` in closed form, or None (then the quantile quadrature).

    Gaussians, Laplaces and exponentials for ``p = 1, 2``; any ``p`` (and
    ``p = inf``) when the two differ by a shift only (equal scales): ``|Delta|``.
    Uniforms ``U[a1, b1]``, ``U[a2, b2]``: ``int_0^1 |a + b t|^p dt`` with
    ``a = a1 - a2``, ``b = (b1 - a1) - (b2 - a2)``, by its antiderivative.
    """
    if type(P) is not type(Q) or P.discrete:
        return None
    fam = type(P)
    if fam is Uniform:
        return lambda: evaluate(_uniform_wp, P, Q, p=p)
    fn = _W_TABLE.get((fam, p))
    if fn is not None:
        return lambda: evaluate(fn, P, Q)
    if P.is_traced() or Q.is_traced():
        return None
    s1, s2 = np.asarray(getattr(P, _SCALE[fam])), np.asarray(getattr(Q, _SCALE[fam]))
    if np.all(s1 == s2):
        return lambda: evaluate(_LOC_SHIFT[fam], P, Q)
    return None


def _shift(l1, s1, l2, s2):
    """``W_p = |l1 - l2|`` for every ``p`` between shifts of one distribution."""
    return B.namespace(l1, s1, l2, s2).abs(l1 - l2) + 0.0 * s1


_LOC_SHIFT = {
    Normal: _shift,
    Laplace: _shift,
    Exponential: lambda s1, l1, s2, l2: _shift(l1, s1, l2, s2),
}


def _uniform_wp(a1, b1, a2, b2, *, p):
    xp = B.namespace(a1, b1, a2, b2)
    a, b = a1 - a2, (b1 - a1) - (b2 - a2)
    end = a + b
    if math.isinf(p):
        return xp.maximum(xp.abs(a), xp.abs(end))
    same = a * end >= 0  # no sign change on [0, 1]: |a + b t|^p has no kink
    big = xp.maximum(xp.abs(a), xp.abs(end))
    nb = xp.abs(b)
    moving = nb > 0
    nb_ok, big_ok = xp.where(moving, nb, 1.0), xp.where(moving, big, 1.0)
    # same sign: (big^(p+1) - small^(p+1)) / ((p+1)|b|), small = big - |b|, i.e.
    # big^p (1 - r^(p+1)) / ((p+1)(1 - r)) with 1 - r = |b|/big: no cancellation
    ratio = -xp.expm1((p + 1.0) * log1p(-xp.minimum(nb_ok / big_ok, 1.0))) * big_ok / nb_ok
    same_val = big**p * xp.where(moving, ratio, p + 1.0) / (p + 1.0)
    b_ok = nb_ok
    kinked = (xp.abs(a) ** (p + 1.0) + xp.abs(end) ** (p + 1.0)) / ((p + 1.0) * b_ok)
    wpp = xp.where(same, same_val, kinked)
    return wpp ** (1.0 / p)
