r"""Closed-form divergences between parametric distributions.

Used automatically by :func:`divtools.kl`, :func:`divtools.f_divergence`, ...
when both arguments are :mod:`divtools.distributions` objects or frozen scipy
distributions of a recognised family. Each formula is written without
cancellation, so nearly equal distributions keep their digits (with
``rho = log(s1/s2)`` taken as ``log1p((s1 - s2)/s2)`` near 1, ``log`` of the
ratio while it is a normal number, else ``log s1 - log s2``; and
``E2(x) = e^x - 1 - x >= 0`` by its series for ``|x| <= 2``, else from the
ratio of the scales itself):

==========================  =============================================================
Gaussians ``N(m1, s1^2)``,  ``KL = E2(2 rho)/2 + z^2/2``, ``z = (m1 - m2)/s2`` (``Delta = m1 - m2``)
``N(m2, s2^2)``             ``H^2 = -2 expm1(log BC)``, ``log BC = -log cosh(rho)/2 - (Delta/M)^2/(4 (1 + t^2))``, ``M = max(s)``, ``t = min(s)/M``
                            ``chi^2 = I - 1``, ``I = (s2/s1) (1 - w)^(-1/2) exp(z^2/(1 - w))``, ``w = (s1/s2)^2 - 1``: ``expm1(log I)`` while ``I < 2``; inf if ``s1^2 >= 2 s2^2``
                            alpha(a): ``(I - 1)/(a(a-1))``, ``I = t^e (s_a/M)^(-1) exp(-a(1-a) (Delta/M)^2 / (2 (s_a/M)^2))``,
                            ``s_a^2 = a s2^2 + (1-a) s1^2`` (inf if ``<= 0``), ``e = 1 - a`` (``s1 <= s2``) or ``a``;
                            ``expm1(log I)`` near ``I = 1``, ``log R = log1p(a E2(-(1-a)u) + (1-a) E2(a u))`` (``u = 2 rho``; factored for ``|u| > 1``)
                            TV: in the units of the wider, ``|Phi(v_i) - Phi(u_i)|`` summed at the (one or two)
                            density crossings, each a normal mass from its width; 1 beyond 1000 scales apart
                            ``W_2 = hypot(Delta, s1 - s2)``, ``W_1 = s sqrt(2/pi) exp(-Delta^2/2s^2) + Delta erf(Delta/(s sqrt 2))``, ``s = |s1 - s2|``
exponentials (scale, loc)   ``KL = E2(log(s1/s2)) + (l1 - l2)/s2`` (inf if ``l1 < l2``); TV (equal locs) ``(1 - r) r^(r/(1-r))``, ``r = min(s)/max(s)``
Laplaces (loc, scale)       ``KL = E2(log(b1/b2)) + (b1/b2) E2(-|Delta|/b1)``
uniforms                    every generator: the exact pmf divergence of the widths of the cells between the four ends
Bernoullis, categoricals    every generator: the table's kernels on the masses (exact core)
==========================  =============================================================

Jeffreys is ``KL(P||Q) + KL(Q||P)``, reverse KL and Neyman's chi^2 swap the
arguments. The parameters may be arrays (broadcast), and JAX arrays or
tracers (differentiable).

Range and accuracy: every parameter may be any finite float64 (scales in
``(0, 1.8e308)``, locations in ``(-1.8e308, 1.8e308)``); no intermediate
overflows or underflows where the result does not (``m1 - m2``, ``s1/s2``,
``(Delta/s)^2`` and ``exp`` of large arguments are formed so that they stay
in range). A result beyond the float range (``KL(N(0, 1) || N(0, 1e-200))``,
``chi^2`` of far-apart Gaussians) is ``inf``, never NaN. Checked against
mpmath at 1200 digits on extreme parameters (``tests/test_boundary_distributions.py``):
KL, Jeffreys, ``H^2``, Bhattacharyya, TV and ``W_p`` to a few ulps; chi^2 and
the alpha family outside ``(0, 1)``, where the value is ``exp`` of an
exponent ``E`` (up to 709), to a few ulps times ``1 + 2|E|``, the condition
number of the value (the exponent is formed in float64 from the rounded
``z^2``). Results below the smallest normal number (``2.2e-308``) are
accurate to that absolute size.

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

__all__ = [
    "closed_form_names",
    "evaluate",
    "lookup",
    "normal_bhattacharyya",
    "normal_w1",
    "normal_w2",
    "wasserstein_lookup",
]

_SQRT2 = math.sqrt(2.0)
# x^2/2! + ... + x^28/28!: the tail beyond is below 2^-60 of e2(x) for |x| <= 2
_E2_SERIES = tuple(1.0 / math.factorial(k) for k in range(2, 29))
_E2_SERIES_MAX = 2.0


def e2(x):
    """``e^x - 1 - x >= 0`` without cancellation: the series for ``|x| <= 2``."""
    xp = B.namespace(x)
    small = xp.abs(x) <= _E2_SERIES_MAX
    xs = xp.where(small, x, 0.0)
    acc = xp.zeros_like(xs) + _E2_SERIES[-1]
    for c in _E2_SERIES[-2::-1]:
        acc = acc * xs + c
    series = xs * xs * acc
    xl = xp.where(small, 1.0, x)
    return xp.where(small, series, xp.expm1(xl) - xl)


# --------------------------------------------------------------------------
# Building blocks that stay in the float range: every parameter may lie anywhere
# in (0, 1.8e308) (scales) or (-1.8e308, 1.8e308) (locations).


def _finite_or(x, fill):
    xp = B.namespace(x)
    return xp.where(xp.isfinite(x), x, fill)


def _standardized(m1, m2, s):
    """``(m1 - m2)/s`` where ``m1 - m2`` overflows but the quotient need not."""
    xp = B.namespace(m1, m2, s)
    d = m1 - m2
    wide = xp.isinf(d)
    halves = 0.5 * m1 - 0.5 * m2  # exact for |m| >= 2^-1021; only used when |m1 - m2| > 1.8e308
    return xp.where(wide, (halves / s) * 2.0, _finite_or(d, 0.0) / s)


def _log_ratio(s1, s2):
    """``log(s1/s2)`` to a few ulps for all positive finite ``s1``, ``s2``: ``log1p``
    of the relative difference near 1, ``log(s1/s2)`` while the ratio is a normal
    number, else ``log s1 - log s2`` (then ``|log(s1/s2)| > 708``: no cancellation)."""
    xp = B.namespace(s1, s2)
    r = s1 / s2
    tiny = xp.finfo(xp.result_type(r)).tiny
    near = (r > 0.5) & (r < 2.0)
    normal = (r >= tiny) & xp.isfinite(r)
    r_ok = xp.where(normal, r, 1.0)
    near_v = log1p(xp.where(near, (s1 - s2) / s2, 0.0))
    return xp.where(near, near_v, xp.where(normal, xp.log(r_ok), xp.log(s1) - xp.log(s2)))


def _square_ratio_m1(s1, s2, u):
    """``(s1/s2)^2 - 1`` given ``u = 2 log(s1/s2)``: ``expm1(u)`` near 0, else from the ratio."""
    xp = B.namespace(s1, s2, u)
    near = xp.abs(u) <= 1.0
    r = s1 / s2
    return xp.where(near, xp.expm1(xp.where(near, u, 0.0)), r * r - 1.0)


def _half_e2_of_twice(s1, s2, rho):
    """``e2(2 rho)/2 = ((s1/s2)^2 - 1)/2 - rho`` (``rho = log(s1/s2)``), the scale part
    of the Gaussian KL: the series near 0, else from the ratio itself (not from
    ``exp(2 rho)``, which would multiply the rounding of ``rho`` by ``2 rho``);
    ``inf`` only where the value exceeds the float range."""
    xp = B.namespace(s1, s2, rho)
    u = 2.0 * rho
    near = xp.abs(u) <= _E2_SERIES_MAX
    r = s1 / s2
    far = (0.5 * r) * r - 0.5 - rho
    return xp.where(near, 0.5 * e2(xp.where(near, u, 0.0)), far)


def _e2_of_log_ratio(s1, s2, rho):
    """``e2(rho) = s1/s2 - 1 - rho`` (``rho = log(s1/s2)``), as :func:`_half_e2_of_twice`."""
    xp = B.namespace(s1, s2, rho)
    near = xp.abs(rho) <= _E2_SERIES_MAX
    return xp.where(near, e2(xp.where(near, rho, 0.0)), s1 / s2 - 1.0 - rho)


def _log_cosh(x):
    """``log cosh x`` for all finite ``x``."""
    xp = B.namespace(x)
    near = xp.abs(x) <= 20.0
    sh = xp.sinh(0.5 * xp.where(near, x, 0.0))
    a = xp.abs(x)
    return xp.where(near, log1p(2.0 * sh * sh), a - math.log(2.0) + log1p(xp.exp(-2.0 * a)))


# --------------------------------------------------------------------------
# Gaussians.


def normal_kl(m1, s1, m2, s2):
    """``KL = e2(2 rho)/2 + (Delta/s2)^2/2``; ``inf`` only beyond the float range."""
    rho = _log_ratio(s1, s2)
    z = _standardized(m1, m2, s2)
    return _half_e2_of_twice(s1, s2, rho) + (0.5 * z) * z  # z^2 may overflow where z^2/2 does not


def _normal_log_bc(m1, s1, m2, s2):
    """``log BC = -log cosh(rho)/2 - Delta^2 / (4 (s1^2 + s2^2))``, the second term as
    ``(Delta/M)^2 / (4 (1 + t^2))`` with ``M = max(s1, s2)``, ``t = min/max``."""
    xp = B.namespace(m1, s1, m2, s2)
    rho = _log_ratio(s1, s2)
    big = xp.maximum(s1, s2)
    t = xp.minimum(s1, s2) / big
    z = _standardized(m1, m2, big)
    hz = 0.5 * z
    return -0.5 * _log_cosh(rho) - (hz * hz) / (1.0 + t * t)


def normal_bhattacharyya(m1, s1, m2, s2):
    """``-log int sqrt(p q)`` between ``N(m1, s1^2)`` and ``N(m2, s2^2)``."""
    return -_normal_log_bc(m1, s1, m2, s2)


def normal_squared_hellinger(m1, s1, m2, s2):
    xp = B.namespace(m1, s1, m2, s2)
    return -2.0 * xp.expm1(_normal_log_bc(m1, s1, m2, s2))


def normal_pearson(m1, s1, m2, s2):
    """``chi^2 = I - 1``, ``I = int p^2/q = (s2/s1) (1 - w)^(-1/2) exp(z^2/(1 - w))``,
    ``w = (s1/s2)^2 - 1``, ``z = Delta/s2``: ``expm1(log I)`` while ``I < 2`` (no
    cancellation), else ``I`` itself, whose prefactor is a ratio of the scales (not
    ``exp`` of their logarithm, which would multiply its rounding by ``|log(s2/s1)|``);
    ``inf`` where ``s1^2 >= 2 s2^2`` or beyond the float range."""
    xp = B.namespace(m1, s1, m2, s2)
    rho = _log_ratio(s1, s2)
    w = _square_ratio_m1(s1, s2, 2.0 * rho)
    ok = w < 1.0  # s1^2 < 2 s2^2
    w_ok = xp.where(ok, w, 0.0)
    z = _standardized(m1, m2, s2)
    # log(1 - w^2) = log1p(-w) + log1p(w), and log1p(w) = 2 rho exactly
    log_one_minus_w2 = xp.where(xp.abs(w_ok) < 0.5, log1p(-w_ok * w_ok), log1p(-w_ok) + 2.0 * rho)
    exponent = z * (z / (1.0 - w_ok))
    log_i = -0.5 * log_one_minus_w2 + exponent
    near = log_i <= math.log(2.0)
    root = xp.sqrt(1.0 - w_ok)
    ratio = xp.where(s1 >= 1.0, (s2 / s1) / root, (s2 / root) / s1)  # no spurious overflow
    linear = ratio * xp.exp(xp.where(near, 0.0, exponent)) - 1.0
    return xp.where(ok, xp.where(near, xp.expm1(xp.where(near, log_i, 0.0)), linear), xp.inf)


def _split(e: float) -> tuple[float, float]:
    """``e = hi + lo`` with ``hi`` of 40 significant bits: ``k * hi`` is exact for ``|k| < 2^12``."""
    m, x = math.frexp(e)
    hi = math.ldexp(round(math.ldexp(m, 40)), x - 40)
    return hi, e - hi


def _power_of_ratio(lo, hi, e: float, factor):
    """``factor * (lo/hi)^e`` for ``0 < lo <= hi`` to a few ulps, without overflow where
    the product is finite: from ``lo = m_l 2^k_l``, ``hi = m_h 2^k_h`` as
    ``(m_l/m_h)^e 2^(k e)``, ``k = k_l - k_h``, with ``k e`` split so that ``exp2``
    sees exact arguments (``exp(e log t)`` would multiply the rounding of
    ``e log t`` by its size), and ``factor`` applied before the last power of two."""
    xp = B.namespace(lo, hi)
    ml, kl = xp.frexp(lo)
    mh, kh = xp.frexp(hi)
    k = (kl - kh).astype(xp.result_type(lo, hi))
    e_hi, e_lo = _split(e)
    half = xp.exp2(0.5 * (k * e_hi))
    return ((((ml / mh) ** e) * xp.exp2(k * e_lo)) * factor * half) * half


@functools.cache
def normal_alpha(a: float):
    log_denominator = math.log(abs(a * (a - 1.0)))
    outside = a > 1.0 or a < 0.0  # a (a - 1) > 0: I >= 1 may overflow

    def alpha(m1, s1, m2, s2):
        xp = B.namespace(m1, s1, m2, s2)
        rho = _log_ratio(s1, s2)
        u = 2.0 * rho
        # s_a^2 = a s2^2 + (1 - a) s1^2 relative to M^2, M = max(s1, s2)
        first = s1 <= s2
        w = xp.where(first, _square_ratio_m1(s1, s2, u), _square_ratio_m1(s2, s1, -u))
        scale2 = 1.0 + xp.where(first, 1.0 - a, a) * xp.where(xp.isfinite(w), w, 0.0)
        ok = scale2 > 0
        scale2_ok = xp.where(ok, scale2, 1.0)
        lo, hi = xp.where(first, s1, s2), xp.where(first, s2, s1)  # not min/max: their
        # gradients at ties are shared, and the formula below is not symmetric
        z = _standardized(m1, m2, hi)
        exponent = (a * (1.0 - a) / 2.0) * z * (z / scale2_ok)  # log I = -log(R)/2 - exponent
        # log R, R = s_a^2 / (s1^(2(1-a)) s2^(2a)) = a e^(-(1-a)u) + (1-a) e^(au):
        # near u = 0 as log1p of the E2 terms (O(u^2), no cancellation); for a outside
        # (0, 1) and |u| > 1 the two terms of R have opposite signs and R may be tiny:
        # factored as e^((a-1)u) (1 + (1-a) expm1(u)) or e^(au) (1 + a expm1(-u)),
        # whichever keeps the log1p argument positive; for a in (0, 1) and large |u|
        # (where the E2 terms overflow) as a log-sum-exp of two positive terms
        near = xp.abs(u) <= 1.0
        u_near = xp.where(near, u, 0.0)
        log_r = log1p(a * e2(-(1.0 - a) * u_near) + (1.0 - a) * e2(a * u_near))
        u_far = xp.where(near, 2.0, u)
        if a > 1.0:
            far = (a - 1.0) * u_far + log1p((1.0 - a) * xp.expm1(xp.minimum(u_far, 700.0)))
        elif a < 0.0:
            far = a * u_far + log1p(a * xp.expm1(xp.minimum(-u_far, 700.0)))
        else:
            x1, x2 = math.log(a) - (1.0 - a) * u_far, math.log(1.0 - a) + a * u_far
            far = xp.maximum(x1, x2) + log1p(xp.exp(-xp.abs(x1 - x2)))
        log_r = xp.where(near, log_r, far)
        log_i = -0.5 * log_r - exponent
        small = xp.abs(log_i) <= math.log(2.0)
        # I itself where it is far from 1: R^(-1/2) = t^e / sqrt(s_a^2/M^2) with
        # t = min(s)/max(s), e = 1 - a (s1 <= s2) or a, by powers (not exp of log R);
        # D = I/(a(a-1)) - 1/(a(a-1)), the first term formed as one product
        factor = 1.0 / (xp.sqrt(scale2_ok) * (a * (a - 1.0)))
        prefactor = xp.where(
            first, _power_of_ratio(lo, hi, 1.0 - a, factor), _power_of_ratio(lo, hi, a, factor)
        )
        big = prefactor * xp.exp(-xp.where(small, 0.0, exponent)) - 1.0 / (a * (a - 1.0))
        value = xp.where(small, xp.expm1(xp.where(small, log_i, 0.0)) / (a * (a - 1.0)), big)
        if outside:  # a factor overflowed: exp(log I) / (a (a - 1)) may still be finite
            value = xp.where(xp.isinf(big) & ~small, xp.exp(log_i - log_denominator), value)
        return xp.where(ok, value, xp.inf)

    return alpha


_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)


def _normal_mass(lo, hi, h):
    """``Phi(hi) - Phi(lo)`` for ``lo <= hi``, ``h = hi - lo`` given accurately (not
    computed as ``hi - lo``, which would cancel), to a few ulps: Gauss-Legendre on
    ``[lo, lo + h]`` for ``h <= 1/4``, else from ``erfc`` in the tail both ends lie
    in (``erf`` when they straddle 0)."""
    xp = B.namespace(lo, hi, h)
    near = h <= 0.25
    hn = xp.where(near, h, 0.0)
    t = lo[..., None] + 0.5 * hn[..., None] * (1.0 + xp.asarray(_GL_X))
    gl = 0.5 * hn * xp.sum(xp.asarray(_GL_W) * xp.exp(-0.5 * t * t), axis=-1) / math.sqrt(2 * math.pi)
    sp = B.special(xp)
    right = 0.5 * (sp.erfc(lo / _SQRT2) - sp.erfc(hi / _SQRT2))
    left = 0.5 * (sp.erfc(-hi / _SQRT2) - sp.erfc(-lo / _SQRT2))
    straddle = 0.5 * (sp.erf(hi / _SQRT2) - sp.erf(lo / _SQRT2))
    far = xp.where(lo >= 0, right, xp.where(hi <= 0, left, straddle))
    return xp.where(near, gl, far)


_TV_FAR = 1e3  # beyond this many (larger) standard deviations apart, TV = 1 in float64


def normal_tv(m1, s1, m2, s2):
    """TV between Gaussians in the units of the wider one (TV is symmetric).

    With ``P`` the narrower (``s_P <= s_Q``), ``v = (x - m_P)/s_P``,
    ``u = (x - m_Q)/s_Q = r v + delta`` (``r = s_P/s_Q``, ``delta = (m_P - m_Q)/s_Q``),
    the densities cross where ``v^2 - u^2 = 2 L``, ``L = log(s_Q/s_P) >= 0``:
    ``(1 - r^2) v^2 - 2 r delta v - delta^2 - 2 L = 0``, whose roots are taken
    without cancellation. ``TV = sum |Phi(v_i) - Phi(u_i)|`` over the crossings,
    each difference the normal mass between ``u_i`` and ``v_i`` from their gap
    ``v - u``, itself ``2 L/(v + u)`` where ``v - u`` would cancel.
    """
    xp = B.namespace(m1, s1, m2, s2)
    first = s1 <= s2
    mp, sp_, mq, sq = (xp.where(first, a, b) for a, b in ((m1, m2), (s1, s2), (m2, m1), (s2, s1)))
    delta = _standardized(mp, mq, sq)
    far = ~(xp.abs(delta) <= _TV_FAR)
    delta = xp.where(far, 0.0, delta)
    lr = -_log_ratio(sp_, sq)  # L >= 0
    r = sp_ / sq
    one_minus_r = (sq - sp_) / sq
    A = -_square_ratio_m1(sp_, sq, -2.0 * lr)  # 1 - r^2 in [0, 1]
    equal = A == 0
    # equal scales: one crossing, TV = erf(|Delta| / (2 sqrt 2 s)); s as the mean of the
    # two (equal) scales, so that the gradient is shared as the general formula's is
    mean_scale = 0.5 * sp_ + 0.5 * sq
    single = B.special(xp).erf(xp.abs(_standardized(mp, mq, mean_scale)) / (2.0 * _SQRT2))
    disc = xp.sqrt(delta * delta + 2.0 * A * lr)
    rd = r * delta
    qq = rd + xp.where(rd >= 0, 1.0, -1.0) * disc
    same = qq == 0  # delta = L = 0: equal distributions
    qq = xp.where(same, 1.0, qq)
    A_ok = xp.where(equal, 1.0, A)
    v1 = qq / A_ok
    v2 = -(delta * delta + 2.0 * lr) / qq

    def gap_mass(v):
        direct = one_minus_r * v - delta  # v - u
        total = (1.0 + r) * v + delta  # v + u
        use_direct = xp.abs(direct) >= xp.abs(total)
        total_ok = xp.where(use_direct, 1.0, total)
        gap = xp.where(use_direct, direct, 2.0 * lr / total_ok)
        # u itself from whichever formula rounds less: r v + delta or v - gap
        rv = r * v
        u = xp.where(
            xp.maximum(xp.abs(rv), xp.abs(delta)) <= xp.maximum(xp.abs(v), xp.abs(gap)), rv + delta, v - gap
        )
        return _normal_mass(xp.minimum(u, v), xp.maximum(u, v), xp.abs(gap))

    double = xp.minimum(gap_mass(v1) + gap_mass(v2), 1.0)
    value = xp.where(same, 0.0, xp.where(equal, single, double))
    return xp.where(far, 1.0, value)


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
    z = _standardized(m1, m2, s_ok)
    folded = s_ok * math.sqrt(2 / math.pi) * xp.exp(-0.5 * xp.minimum(z * z, 1e4)) + d * B.special(xp).erf(
        z / _SQRT2
    )
    return xp.where(pos, folded, xp.abs(d))


# --------------------------------------------------------------------------
# Exponentials and Laplaces.


def exponential_kl(s1, l1, s2, l2):
    """``KL = e2(log(s1/s2)) + (l1 - l2)/s2`` for ``l1 >= l2``, else ``inf``."""
    xp = B.namespace(s1, l1, s2, l2)
    rho = _log_ratio(s1, s2)
    return xp.where(l1 >= l2, _e2_of_log_ratio(s1, s2, rho) + _standardized(l1, l2, s2), xp.inf)


def exponential_tv(s1, l1, s2, l2):
    """Equal locations: ``TV = (1 - r) r^(r/(1 - r))``, ``r = min(s)/max(s)`` (the
    densities cross once; symmetric in the two scales)."""
    xp = B.namespace(s1, l1, s2, l2)
    lo, hi = xp.minimum(s1, s2), xp.maximum(s1, s2)
    same = lo == hi
    one_minus_r = (hi - lo) / hi
    r = lo / hi
    rho = _log_ratio(lo, hi)  # log r <= 0
    om_ok = xp.where(same, 1.0, one_minus_r)
    tv = one_minus_r * xp.exp(rho * (r / om_ok))
    return xp.where(same, 0.0, tv)


def laplace_kl(m1, b1, m2, b2):
    """``KL = e2(log(b1/b2)) + (b1/b2) e2(-|Delta|/b1)``; the second term as
    ``|Delta|/b2 + (b1/b2) expm1(-|Delta|/b1)`` where ``|Delta|/b1 > 2``."""
    xp = B.namespace(m1, b1, m2, b2)
    rho = _log_ratio(b1, b2)
    r = b1 / b2
    r_ok = xp.where(xp.isfinite(r), r, 0.0)  # r = inf: the first term is inf already
    c = xp.abs(_standardized(m1, m2, b1))
    near = c <= _E2_SERIES_MAX
    shift = xp.where(
        near, r_ok * e2(-xp.where(near, c, 0.0)), xp.abs(_standardized(m1, m2, b2)) + r_ok * xp.expm1(-c)
    )
    return _e2_of_log_ratio(b1, b2, rho) + shift


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


def closed_form_names(family: type) -> str:
    """The divergences with a closed form between two members of ``family`` (for messages)."""
    if family in (Uniform, Bernoulli, Categorical):
        return "every f-divergence"
    names = [key for fam, key in _TABLE if fam is family]
    if family is Normal:
        names.append("alpha(a)")
    if family is Exponential:
        names.append("tv (equal locations)")
    names += [f"W_{p:g}" for fam, p in _W_TABLE if fam is family]
    return ", ".join(names) if names else "none"


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
    """Bernoullis are pmfs on two outcomes: the table's kernels on ``(p, 1 - p)``, with
    the difference ``p1 - p2`` passed exactly to both (``1 - p`` rounds), and the
    generator's ``log_terms`` where a mass is below the kernels' floor (as the exact
    core does: ``p = 1e-320``)."""
    xp = B.namespace(p1, p2)
    p1, p2 = xp.broadcast_arrays(p1, p2)
    d = p1 - p2
    value = _kernel_terms(gen, p1, p2, d) + _kernel_terms(gen, 1.0 - p1, 1.0 - p2, -d)
    if gen.infinite_when_q_zero:
        value = xp.where(((p2 == 0) & (p1 > 0)) | ((p2 == 1) & (p1 < 1)), xp.inf, value)
    if gen.infinite_when_p_zero:
        value = xp.where(((p1 == 0) & (p2 > 0)) | ((p1 == 1) & (p2 < 1)), xp.inf, value)
    return value


def _halved_if_wide(*ends):
    """The ends, halved (exactly, for normal numbers) where some width between them
    would overflow; the divergences depend on ratios of widths only."""
    xp = B.namespace(*ends)
    top = ends[0] * 0.0
    for e in ends:
        top = xp.maximum(top, xp.abs(e))
    factor = xp.where(top > 2.0**1020, 0.5, 1.0)
    return tuple(e * factor for e in ends)


def _kernel_terms(gen, a, b, d):
    """``b f~(a/b)``: the kernels, or ``log_terms`` where a positive mass is below
    ``gen.log_terms_below`` times the smallest normal number."""
    terms = gen.terms(a, b, d)
    if gen.log_terms is None:
        return terms
    xp = B.namespace(a, b, d)
    floor = gen.log_terms_below * xp.finfo(xp.result_type(a)).tiny
    extreme = (xp.minimum(a, b) < floor) & (a > 0) & (b > 0)
    a_s, b_s = xp.where(extreme, a, 1.0), xp.where(extreme, b, 1.0)
    return xp.where(extreme, gen.log_terms(xp.log(a_s), xp.log(b_s), a_s, b_s), terms)


def _cell_widths(a1, b1, a2, b2):
    """The widths of ``U[a1, b1]``'s and ``U[a2, b2]``'s supports in the cells
    ``(overlap, first only, second only)``: unnormalised weights (their shares
    may underflow: a width ratio of 1e600 is fine here, not as masses)."""
    xp = B.namespace(a1, b1, a2, b2)
    a1, b1, a2, b2 = xp.broadcast_arrays(*_halved_if_wide(a1, b1, a2, b2))
    zero = 0.0 * a1
    overlap = xp.maximum(xp.minimum(b1, b2) - xp.maximum(a1, a2), zero)
    # the parts of each support outside the other: left and right pieces
    only1 = xp.maximum(xp.minimum(b1, a2) - a1, zero) + xp.maximum(b1 - xp.maximum(a1, b2), zero)
    only2 = xp.maximum(xp.minimum(b2, a1) - a2, zero) + xp.maximum(b2 - xp.maximum(a2, b1), zero)
    wp = xp.stack([overlap, only1, zero], axis=-1)
    wq = xp.stack([overlap, zero, only2], axis=-1)
    return wp, wq


def _uniform_cells(P: Uniform, Q: Uniform, gen):
    """Uniforms: the cells between the four ends carry constant density ratios, so
    the divergence is the pmf divergence of the cell masses, given as widths
    (normalised by the exact core, which keeps width ratios beyond the float range)."""
    names = ("p.low", "p.high", "q.low", "q.high")
    A = B.take(names, (P.low, P.high, Q.low, Q.high))
    with np.errstate(all="ignore"):
        wp, wq = _cell_widths(*A.values)
        xp = B.namespace(wp, wq)
        mp_, mq = (w / xp.sum(w, axis=-1, keepdims=True) for w in (wp, wq))
        if xp is np:  # concrete: the widths themselves where a share underflows
            tiny = np.finfo(np.float64).tiny
            if not all(np.all((w == 0) | (m >= tiny)) for w, m in ((wp, mp_), (wq, mq))):
                return pmf.divergence(*_common_exponent(wp, wq), gen, normalize=True)
        return pmf.divergence(mp_, mq, gen, normalize=True)


def _common_exponent(wp, wq):
    """The side with the smaller largest width scaled up by a power of two to the
    other's binary exponent: the shares are unchanged (nothing underflows), and the
    ratio of the two sums, which the exact core forms, stays in the float range."""
    xp = B.namespace(wp, wq)
    _, ep = xp.frexp(xp.max(wp, axis=-1, keepdims=True))
    _, eq = xp.frexp(xp.max(wq, axis=-1, keepdims=True))
    return xp.ldexp(wp, xp.maximum(eq - ep, 0)), xp.ldexp(wq, xp.maximum(ep - eq, 0))


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
    c, d = l1 - l2, s1 - s2  # |c| may overflow (then W_1 >= |c| does too)
    same = (c == 0) | (d == 0) | ((c > 0) == (d > 0))
    d_ok = xp.where(same, 1.0, d)
    c_ok = xp.where(same, 0.0, c)
    kinked = 2.0 * xp.abs(d_ok) * xp.exp(c_ok / d_ok) - xp.sign(d_ok) * (c_ok + d_ok)
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
    """``W_p^p = int_0^1 |a + b t|^p dt``, ``a = a1 - a2``, ``a + b = b1 - b2``,
    computed relative to ``M = max(|a|, |a + b|)`` (no overflow of ``M^p``); the ends
    are quartered first where their differences could overflow (``W_p`` is
    homogeneous of degree 1)."""
    xp = B.namespace(a1, b1, a2, b2)
    top = xp.maximum(xp.maximum(xp.abs(a1), xp.abs(b1)), xp.maximum(xp.abs(a2), xp.abs(b2)))
    wide = top > 2.0**1020
    factor = xp.where(wide, 0.25, 1.0)
    a = a1 * factor - a2 * factor
    end = b1 * factor - b2 * factor  # a + b
    b = end - a  # not the difference of the widths, which would cancel
    unscale = xp.where(wide, 4.0, 1.0)
    if math.isinf(p):
        return xp.maximum(xp.abs(a), xp.abs(end)) * unscale
    big = xp.maximum(xp.abs(a), xp.abs(end))
    pos = big > 0
    big_ok = xp.where(pos, big, 1.0)
    x = xp.minimum(xp.abs(b) / big_ok, 2.0)  # |b|/M
    moving = x > 0
    x_ok = xp.where(moving, x, 1.0)
    same = a * end >= 0  # no sign change on [0, 1]: |a + b t|^p has no kink
    # same sign: (1 - r^(p+1)) / ((p+1)(1 - r)) with 1 - r = |b|/M: no cancellation
    whole = x_ok >= 1.0  # one end at 0: int t^p = 1/(p+1)
    x_in = xp.where(whole, 0.5, x_ok)
    ratio = xp.where(whole, 1.0, -xp.expm1((p + 1.0) * log1p(-x_in)) / x_in)
    same_val = xp.where(moving, ratio, p + 1.0) / (p + 1.0)
    # a sign change: (|a|^(p+1) + |a + b|^(p+1)) / ((p+1)|b|), relative to M^p
    kinked = ((xp.abs(a) / big_ok) ** (p + 1.0) + (xp.abs(end) / big_ok) ** (p + 1.0)) / ((p + 1.0) * x_ok)
    wpp = xp.where(same, same_val, kinked)
    return xp.where(pos, big_ok * wpp ** (1.0 / p) * unscale, 0.0 * big)
