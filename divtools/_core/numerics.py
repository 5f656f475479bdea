"""Accurate elementwise building blocks for the generator table.

Every f-divergence term in :mod:`divtools.generators` is assembled from the few
functions here. They share three design rules:

* **No cancellation.** Each returned term has one sign and is computed from
  the difference ``d = a - b`` (passed in, accurate) rather than from ``a`` and
  ``b`` separately, so nearly equal arguments keep full relative accuracy.
* **Finite everywhere.** Inputs are sanitised with ``maximum`` so that no
  ``0 * log 0``, ``0 / 0`` or ``inf - inf`` can occur; the mathematically
  infinite cases (``q = 0 < p`` for KL, ...) are detected from the inputs by
  the caller and substituted after the reduction.
* **Branch-free.** The switch between a series and a closed form is a
  multiplication by ``w = floor(|s| + 1 - tau)`` (0 or 1) instead of a
  ``where``: XLA's CPU backend fuses arithmetic, ``log``, ``sqrt``, ``abs``,
  ``floor``, ``minimum`` and ``maximum`` into one vectorised reduction, while a
  ``select`` splits the computation into several passes over memory (3-10x
  slower on the benchmark of ``bench/bench_exact.py``).
* **One namespace.** Each function computes in the namespace of its arguments
  (:func:`divtools._core.backend.namespace`): NumPy arrays by NumPy, JAX arrays
  and tracers by ``jax.numpy``, with the same formulas and the same numbers to
  a few ulps.
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

import numpy as np

from divtools._core.backend import bitcast, namespace, pinned

__all__ = [
    "JS_TAU",
    "TAU",
    "blend",
    "dd_div",
    "dd_mul",
    "economize",
    "exact_sum",
    "fast_two_sum",
    "fsum",
    "horner",
    "js_series",
    "js_terms",
    "log1p",
    "relative_entropy_terms",
    "sanitize_ratio",
    "shifted_polynomial",
    "split_high",
    "step",
    "tiny",
    "twice_atanh_minus",
    "twice_atanh_minus_series",
    "two_product",
    "two_sum",
]

#: Switch point of :func:`twice_atanh_minus`: the series is used for ``|s| < TAU``.
#: At ``|s| = TAU`` the closed form ``log(a/b)/2 - s`` has lost a factor
#: ``(1 + s)/s**2 ~ 11`` to cancellation (a few ulps in the final term); a
#: smaller ``TAU`` would lose more, a larger one needs more series terms.
TAU = Fraction(7, 20)


def economize(coefficient, x_max: Fraction, target: Fraction) -> tuple[Fraction, ...]:
    """Chebyshev economisation of ``sum_k coefficient(k) x**k`` on ``[0, x_max]``.

    The series is truncated where its tail is below ``target / 16``; then the
    highest power is repeatedly replaced by its shifted Chebyshev polynomial
    ``T*_n(x / x_max)`` (leading coefficient ``2**(2n-1) / x_max**n``, magnitude
    at most 1 on the interval) while the accumulated error stays below
    ``target``. Exact rational arithmetic throughout. The coefficients decay
    geometrically, so about half of the Taylor terms remain.
    """
    n = 1
    while abs(coefficient(n)) * x_max**n / (1 - x_max) > target / 16:
        n += 1
    poly = [Fraction(coefficient(k)) for k in range(n)]
    error = abs(coefficient(n)) * x_max**n / (1 - x_max)
    cheb = [[Fraction(1)], [Fraction(-1), Fraction(2) / x_max]]
    while len(cheb) < n:
        prev, last = cheb[-2], cheb[-1]
        nxt = [Fraction(0)] * (len(last) + 1)
        for j, c in enumerate(last):  # T*_{n+1} = 2 (2x/X - 1) T*_n - T*_{n-1}
            nxt[j] -= 2 * c
            nxt[j + 1] += 4 * c / x_max
        for j, c in enumerate(prev):
            nxt[j] -= c
        cheb.append(nxt)
    degree = n - 1
    while degree > 0:
        scale = poly[degree] / cheb[degree][degree]
        if error + abs(scale) > target:
            break
        for j, c in enumerate(cheb[degree]):
            poly[j] -= scale * c
        error += abs(scale)
        degree -= 1
    return tuple(poly[: degree + 1])


def _target(dtype) -> Fraction:
    return Fraction(1, 2**56) if np.dtype(dtype) == np.float64 else Fraction(1, 2**28)


_TAU = float(TAU)


@functools.cache
def twice_atanh_minus_series(dtype) -> tuple[float, ...]:
    """Coefficients ``c`` with ``2 (atanh(s) - s) ~= s * sum_k c[k] x**(k + 1)``, ``x = s**2``,
    for ``|s| <= TAU``.

    Twice the economised Taylor series ``R(x) = sum_k x**k / (2k + 3)``;
    truncation error below ``2**-56`` (float64) or ``2**-28`` (float32).
    """
    coeffs = economize(lambda k: Fraction(1, 2 * k + 3), TAU * TAU, _target(dtype))
    return tuple(float(2 * c) for c in coeffs)


#: Switch point of :func:`js_terms`: the series is used for ``|sigma| < JS_TAU``.
JS_TAU = Fraction(1, 2)


_JS_TAU = float(JS_TAU)


@functools.cache
def js_series(dtype) -> tuple[float, ...]:
    """``c`` with ``((1+s) log(1+s) + (1-s) log(1-s)) / 4 = sum_k c[k] x**(k + 1)``,
    ``x = s**2``, for ``|s| <= JS_TAU``.

    A quarter of ``G(x) = sum_k x**k / ((k + 1)(2k + 1))``, economised as above.
    """
    coeffs = economize(lambda k: Fraction(1, (k + 1) * (2 * k + 1)), JS_TAU * JS_TAU, _target(dtype))
    return tuple(float(c / 4) for c in coeffs)


def horner(coefficients, x):
    """``sum_k coefficients[k] * x**k`` by Horner's rule."""
    acc = coefficients[-1]
    for c in coefficients[-2::-1]:
        acc = acc * x + c
    return acc


def shifted_polynomial(coefficients, x):
    """``sum_k coefficients[k] * x**(k + 1)``.

    XLA evaluates ``x * horner(...)``, fused into the surrounding kernel. NumPy
    pays about a microsecond per operation on small arrays, so there the powers
    ``x, ..., x**K`` come from one cumulative product and meet the coefficients
    in one dot product: three operations for any degree (the same value to an
    ulp or two: the series' terms decay geometrically).
    """
    if type(x) is np.ndarray and x.size <= 4096:
        c = _coefficient_array(tuple(coefficients), x.dtype)
        return np.multiply.accumulate(x[..., None].repeat(c.size, axis=-1), axis=-1).dot(c)
    return x * horner(coefficients, x)


@functools.lru_cache(maxsize=64)
def _coefficient_array(coefficients: tuple, dtype) -> np.ndarray:
    return np.array(coefficients, dtype=dtype)


def blend(x, threshold: float, above, below):
    """``above`` where ``x >= threshold`` and ``below`` where ``x < threshold``, for
    ``x`` in ``[0, 1]``: ``np.where`` for NumPy, and for JAX a multiplication by
    :func:`step`, which fuses (see the module docstring)."""
    if type(x) is np.ndarray:
        return np.where(x >= threshold, above, below)
    w = step(x, threshold)
    return w * above + (1.0 - w) * below  # exactly one of the two: w is 0 or 1


_TINY: dict = {}


def tiny(dtype) -> float:
    """The smallest normal number of a floating dtype.

    Not the smallest subnormal: XLA flushes subnormals to zero on CPU and GPU,
    so a subnormal constant or input is 0 inside a compiled kernel.
    """
    value = _TINY.get(dtype)
    if value is None:
        value = _TINY[dtype] = float(np.finfo(dtype).tiny)
    return value


def sanitize_ratio(a, b):
    """``(a_s, b_s)``: ``a``, ``b`` raised to at least ``32 tiny``, so that ``a_s / b_s``
    is a positive normal number for entries up to 16 (the callers' scaling
    guarantees that bound).

    Only exact zeros and masses below ``7e-307`` change; the kernels multiply
    the affected terms by that mass (a change below ``1e-303`` absolute), or
    the caller reports the outcome as infinite.
    """
    xp = namespace(a, b)
    floor = 32.0 * tiny(a.dtype)
    return xp.maximum(a, floor), xp.maximum(b, floor)


def step(x, threshold):
    """``1`` where ``x >= threshold`` and ``0`` where ``x < threshold``, for ``x`` in ``[0, 1]``.

    ``floor(x + 1 - threshold)``: arithmetic rather than a comparison, so that it
    fuses with the surrounding kernel (see the module docstring).
    """
    return namespace(x).floor(x + (1 - threshold))


def twice_atanh_minus(s, a_s, b_s):
    """``2 A(s) = 2 (atanh(s) - s)`` for ``s = (a - b) / (a + b)``, to a few ulps.

    ``|s| < TAU``: the economised series ``2 s**3 R(s**2)``. Otherwise the
    closed form ``log(a_s / b_s) - 2 s``, where ``2 atanh(s) = log(a / b)`` is
    taken from ``a`` and ``b`` directly (near ``|s| = 1`` the value of ``s``
    alone no longer determines ``atanh(s)`` accurately).
    """
    xp = namespace(s, a_s, b_s)
    series = s * shifted_polynomial(twice_atanh_minus_series(s.dtype), s * s)
    closed = xp.log(a_s / b_s) - (s + s)
    return blend(xp.abs(s), _TAU, closed, series)


def log1p(x):
    """``log(1 + x)`` to a few ulps for ``x > -1``.

    NumPy's ``log1p`` is accurate. XLA's own ``log1p`` on CPU is off by up to
    ~120 ulps near ``x = -0.41`` (measured: 2.7e-14 relative), and Goldberg's
    ``log(u) x / (u - 1)`` is undone by XLA's simplifier (``(1 + x) - 1 -> x``);
    so under JAX ``log1p(x) = 2 atanh(s)`` with ``s = x / (2 + x)``, and
    ``atanh(s) - s`` from :func:`twice_atanh_minus` (its series near 0,
    ``log(1 + x)/2 - s`` beyond).
    """
    xp = namespace(x)
    if xp is np:
        return np.log1p(x)
    s = x / (2.0 + x)
    return (s + s) + twice_atanh_minus(s, 1.0 + x, xp.ones_like(x))


def js_terms(a, b, d):
    """``(a log(2a/(a+b)) + b log(2b/(a+b))) / 2 >= 0``, the Jensen-Shannon summand.

    With ``m = a + b`` and ``sigma = d / m`` the summand is ``(m/4) g(sigma)``,
    ``g(s) = (1+s) log(1+s) + (1-s) log(1-s)``: the economised series
    :func:`js_series` for ``|sigma| < 1/2``; the closed form from ``a`` and ``b``
    otherwise, where its two logarithms cancel by at most a factor 3.7.
    """
    xp = namespace(a, b, d)
    small = tiny(a.dtype)
    m = xp.maximum(a + b, small)
    sigma = d / m
    x = sigma * sigma
    series = m * shifted_polynomial(js_series(a.dtype), x)
    a_s, b_s = sanitize_ratio(a, b)
    closed = 0.5 * (a * xp.log(2.0 * a_s / m) + b * xp.log(2.0 * b_s / m))
    return blend(xp.abs(sigma), _JS_TAU, closed, series)


def relative_entropy_terms(a, b, diff):
    """``a log(a/b) - a + b >= 0`` elementwise, with ``diff = a - b`` given accurately.

    The standardised KL term, rewritten without cancellation: with
    ``m = a + b`` and ``s = diff / m``,

        a log(a/b) - a + b = diff * s + 2 a (atanh(s) - s),

    where both parts are non-negative for ``a >= b`` and the second is at
    most 1/12 of the first for ``a < b``. Relative error: a few ulps for all
    ``a, b >= 0``. Values at the boundary: ``b`` when ``a = 0``; a large finite
    value when ``b = 0 < a`` (the caller reports ``inf``); 0 when both are 0.
    """
    xp = namespace(a, b, diff)
    s = diff / xp.maximum(a + b, tiny(a.dtype))
    a_s, b_s = sanitize_ratio(a, b)
    return diff * s + a * twice_atanh_minus(s, a_s, b_s)


# --------------------------------------------------------------------------
# Error-free transformations for the exact normalisation (divtools.discrete).
# Only additions, subtractions and bit masks: unlike Veltkamp's splitting they
# stay exact if a compiler contracts a multiply and an add into an FMA.


def split_high(x):
    """``x`` with the low half of its significand cleared (26 of 53 bits kept).

    ``x - split_high(x)`` is exact, and the product of two such high parts,
    or of a high part and any 27-bit number, is exact.
    """
    dtype = np.dtype(x.dtype)
    info = np.finfo(dtype)
    clear = (info.nmant + 1) // 2 + 1  # 27 for float64, 12 for float32
    int_type = np.int64 if info.bits == 64 else np.int32
    xp = namespace(x)
    bits = bitcast(x, int_type) & xp.asarray(~((1 << clear) - 1), dtype=int_type)
    return bitcast(bits, dtype)


def two_product(x, y):
    """``(h, l)`` with ``h = fl(x y)`` and ``h + l = x y`` up to ``2**-105 |x y|``."""
    xh, yh = split_high(x), split_high(y)
    xl, yl = x - xh, y - yh
    h = pinned(x * y)
    return h, ((xh * yh - h) + xh * yl + xl * yh) + xl * yl


def two_sum(a, b):
    """``(s, e)`` with ``s = fl(a + b)`` and ``s + e = a + b`` exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def fast_two_sum(a, b):
    """``two_sum`` for ``|a| >= |b|`` (Dekker): renormalises a double-word."""
    s = a + b
    return s, b - (s - a)


def dd_div(a_hi, a_lo, b_hi, b_lo):
    """``(a_hi + a_lo) / (b_hi + b_lo)`` as a double-word, to about ``2**-104``."""
    q1 = a_hi / b_hi
    h, low = two_product(q1, b_hi)
    q2 = ((((a_hi - h) - low) + a_lo) - q1 * b_lo) / b_hi
    return fast_two_sum(q1, q2)


def dd_mul(a_hi, a_lo, b_hi, b_lo):
    """``(a_hi + a_lo) (b_hi + b_lo)`` as a double-word, to about ``2**-104``."""
    h, low = two_product(a_hi, b_hi)
    return fast_two_sum(h, low + (a_hi * b_lo + a_lo * b_hi))


def exact_sum(x):
    """``(hi, lo)``: the sum of ``x`` along the last axis as a double-word.

    NumPy rows are summed by :func:`math.fsum` (correctly rounded), the
    remainder by a second ``fsum``. Otherwise Rump, Ogita & Oishi's error-free
    extraction (SIAM J. Sci. Comput. 31, 2008): with ``sigma`` a power of two
    at least ``2 n max|x|``, the parts ``t = (sigma + x) - sigma`` are multiples
    of ``ulp(sigma)`` whose sum is exact in any order; the remainders ``x - t``
    are exact and tiny. Two extractions leave an error below
    ``n**2 eps**2 max|x|``.
    """
    xp = namespace(x)
    if xp is np and x.size <= 4096:
        return _fsum_rows(x)
    n = x.shape[-1]
    log2n = int(np.ceil(np.log2(max(n, 2)))) + 1
    small = tiny(x.dtype)
    top = np.finfo(x.dtype).maxexp - log2n - 2
    # rows whose largest entry is within 2 n of the float range would overflow sigma:
    # they are summed scaled down by a power of two (as two normal factors: XLA flushes
    # subnormal constants), and scaled back
    finite = xp.isfinite(x)
    infinite = xp.sum(xp.where(finite, 0.0, x), axis=-1)  # +-inf, or nan for inf - inf and nan
    x = xp.where(finite, x, 0.0)
    _, e_max = xp.frexp(xp.max(xp.abs(x), axis=-1, keepdims=True))
    shift = xp.maximum(e_max - top, 0)
    one = xp.ones_like(x[..., :1])
    down = (xp.ldexp(one, -(shift // 2)), xp.ldexp(one, -(shift - shift // 2)))
    x = pinned((x * down[0]) * down[1])  # else x = a * b may be contracted into sigma + x in one place only

    def extract(v):
        m = xp.maximum(xp.max(xp.abs(v), axis=-1, keepdims=True), small)
        _, e = xp.frexp(m)
        sigma = xp.ldexp(xp.ones_like(m), e + log2n)
        t = (sigma + v) - sigma
        return t.sum(-1), v - t

    s1, r = extract(x)
    s2, r = extract(r)
    hi, lo = two_sum(s1, s2 + r.sum(-1))
    up0, up1 = 1.0 / down[0][..., 0], 1.0 / down[1][..., 0]
    hi, lo = (hi * up0) * up1, (lo * up0) * up1
    return xp.where(infinite == 0, hi, infinite), xp.where(infinite == 0, lo, 0.0)


def fsum(values: list) -> float:
    """``math.fsum``, correctly rounded, with ``nan`` for ``inf - inf`` and ``+-inf`` for a
    sum beyond the float range (not errors)."""
    try:
        return math.fsum(values)
    except ValueError:  # inf - inf
        return math.nan
    except OverflowError:  # finite terms whose sum leaves the float range
        return math.copysign(math.inf, sum(values))


def _fsum_rows(x):
    """Double-word row sums of a NumPy array by ``math.fsum``."""
    dtype = x.dtype
    rows = x.reshape(-1, x.shape[-1]).tolist() if x.ndim else [[float(x)]]
    his, los = [], []
    for row in rows:
        hi = float(dtype.type(fsum(row)))
        his.append(hi)
        if math.isfinite(hi):
            row.append(-hi)
            los.append(math.fsum(row))
        else:
            los.append(0.0)
    shape = x.shape[:-1]
    return (np.array(his, dtype).reshape(shape), np.array(los, dtype).reshape(shape))
