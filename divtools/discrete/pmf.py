r"""Exact f-divergences between pmf arrays: the accurate sums.

``D_f(P || Q) = sum_x q(x) f(p(x)/q(x))`` for arrays of masses, with a row of
the generator table (:mod:`divtools.discrete.generators`). What "exact" means:

* **The divergence of the distributions the vectors represent.** ``p`` and ``q``
  stand for ``p / sum(p)`` and ``q / sum(q)``. The normalisation is carried out
  without rounding each entry: ``p`` and ``q`` are scaled by powers of two
  (exact) so that their totals are near 1 and within a factor sqrt 2 of
  each other, and the remaining factor ``1 + g``,
  ``g = (sum q - sum p) / sum p``, enters through the difference
  ``a - q = (p - q) + g p`` whose sum is known to full relative accuracy.
  For probability vectors (``normalize=False``) and for count vectors with
  equal totals the result is correct to a few ulps; for counts with unequal
  totals it is the exact divergence of inputs perturbed by at most one
  rounding each.
* **Summands of one sign**, evaluated without cancellation (standardised
  generator ``f(t) - f'(1)(t - 1)``, series where closed forms cancel; see
  :mod:`divtools._core.numerics`), so nearly equal distributions keep full
  relative accuracy and no divergence is ever negative (``gan``, whose values
  are ``<= 0``, is summed from terms ``<= 0``).
* **The conventions of the perspective function:** ``0 f(0/0) = 0``,
  ``q f(0)`` where ``p = 0 < q``, ``p f'(inf)`` where ``q = 0 < p``; ``inf``
  exactly when the mathematics says so.

Evaluation (:mod:`divtools._core.backend`): small concrete input is computed
by NumPy (nothing compiled); input with more than :data:`XLA_ABOVE` entries,
and input on an accelerator, by compiled XLA passes (row statistics, then one
fused reduction per kernel part); traced input (``jit``, ``vmap``, ``grad``)
inline, with the table's partial derivatives as its JVP.

Gradients. Inside the support the gradient is that of
``D(p/sum p || q/sum q)``: with respect to ``p_i`` it is
``(f~'(t_i) - sum_j pbar_j f~'(t_j)) / sum p``, ``t = pbar/qbar``, i.e. the
optimal critic ``f'(p/q)`` projected onto the simplex. At an outcome with
``p_i = 0`` or ``q_i = 0``, a partial derivative that is infinite there (such as
``d KL / d p_i = log(p_i/q_i)`` at ``p_i = 0``) is reported as 0, the convention
of :func:`jax.scipy.special.rel_entr`; gradients are finite wherever the
divergence is.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from divtools._core import backend as B
from divtools._core import numerics as nx
from divtools._core import validate
from divtools.discrete.generators import GENERATORS, Generator

__all__ = [
    "XLA_ABOVE",
    "differentiable_terms",
    "divergence",
    "has_subnormal",
    "log_ratio",
    "outcomes_last",
    "partials",
    "take_pmfs",
]

#: Concrete NumPy input with more entries than this (``p`` and ``q`` together)
#: is computed by compiled XLA passes: at 2 x 10^6 float64 entries a fused XLA
#: reduction takes 12 ms for KL against NumPy's 60 ms (one pass per ufunc);
#: below about 2 x 10^5 entries NumPy is as fast and compiles nothing
#: (``bench/bench_latency.py``).
XLA_ABOVE = 2**18


def outcomes_last(p: Any, q: Any, axis: int, names: tuple[str, str] = ("p", "q")) -> tuple[Any, Any]:
    """Move ``axis`` last and broadcast the batch dimensions of two distributions.

    Static checks (valid under tracing): at least one dimension, an axis in
    range, equal and non-zero numbers of outcomes, batch shapes that broadcast.
    """
    if p.ndim == 1 and axis in (0, -1) and p.shape == q.shape and p.shape[0]:
        return p, q  # one pair of distributions: nothing to move or broadcast
    xp = B.namespace(p, q)
    for name, a in zip(names, (p, q)):
        if a.ndim == 0:
            raise ValueError(f"{name}: a distribution needs at least one dimension (got a scalar)")
        if not -a.ndim <= axis < a.ndim:
            raise ValueError(f"axis: {axis} is out of range for {name} with {a.ndim} dimension(s)")
    if axis not in (-1, p.ndim - 1):
        p = xp.moveaxis(p, axis, -1)
    if axis not in (-1, q.ndim - 1):
        q = xp.moveaxis(q, axis, -1)
    n_p, n_q = p.shape[-1], q.shape[-1]
    if n_p == 0 or n_q == 0:
        raise ValueError(f"{names[0] if n_p == 0 else names[1]}: is empty along axis {axis}")
    if n_p != n_q:
        raise ValueError(
            f"{names[0]}, {names[1]}: different numbers of outcomes along axis {axis} ({n_p} and {n_q})"
        )
    if p.shape == q.shape:
        return p, q
    try:
        batch = np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    except ValueError:
        raise ValueError(
            f"{names[0]}, {names[1]}: batch shapes {p.shape[:-1]} and {q.shape[:-1]} do not broadcast"
        ) from None
    shape = (*batch, n_p)
    return xp.broadcast_to(p, shape), xp.broadcast_to(q, shape)


# --------------------------------------------------------------------------
# Normalisation. Two routes to the same numbers:
#
# * exact (counts, or sums not within 64 eps of each other): power-of-two
#   scaling, double-word sums and an error-free g * p;
# * fast (probability vectors): g = -sum(p - q)/sum(p) applied in working
#   precision. Its only departure from the exact route is the rounding of
#   g * p, below (64 eps)**2 of each mass: invisible unless the divergence
#   itself is below about 1e-60 (two vectors that are exact multiples of each
#   other).


def _power_of_two_scales(sum_p: Any, sum_q: Any) -> tuple[Any, Any]:
    """Exact scale factors ``(2**j, 2**k)`` for ``p`` and ``q``.

    ``q`` is brought to a total in ``[1/2, 1)`` unless it is already within
    ``[1/16, 16]`` (probability vectors are left alone), and ``p`` to within a
    factor ``sqrt 2`` of ``q``'s total. Powers of two change no digit, keep
    every entry at most 16 (so the kernels' clamping of ratios at ``1/tiny`` is
    harmless) and leave ``|g| <= 0.42`` for the remaining factor ``1 + g``.
    """
    xp = B.namespace(sum_p, sum_q)
    m_q, e_q = xp.frexp(sum_q)
    m_p, e_p = xp.frexp(sum_p)
    keep = (sum_q >= 0.0625) & (sum_q <= 16.0)
    k = xp.where(keep, 0, -e_q)
    # log2 of the mantissas' ratio plus the exponents' difference: a quotient of the
    # totals themselves could leave the normal range (and XLA flushes subnormals)
    j = (xp.round(xp.log2(m_q / m_p)) + (e_q + k - e_p)).astype(np.int32)
    return _power_of_two(sum_p, j), _power_of_two(sum_q, k)


def _power_of_two(like: Any, e: Any) -> Any:
    """``2**e`` (``|e| <= 1100``), to be multiplied in: as two normal factors where ``2**e``
    alone would be subnormal, so that ``x * scale`` stays exact under XLA (which flushes
    subnormals) wherever the product is normal."""
    xp = B.namespace(like, e)
    half = e // 2
    one = xp.ones_like(like)
    return _Scale(xp.ldexp(one, half), xp.ldexp(one, e - half))


class _Scale:
    """A power of two held as the product of two normal numbers (see :func:`_power_of_two`)."""

    __slots__ = ("first", "second")

    def __init__(self, first: Any, second: Any) -> None:
        self.first, self.second = first, second

    def apply(self, x: Any) -> Any:
        return (x * self.first[..., None]) * self.second[..., None]

    def log(self) -> Any:
        xp = B.namespace(self.first, self.second)
        return xp.log(self.first) + xp.log(self.second)

    def is_one(self) -> Any:
        return (self.first == 1) & (self.second == 1)


def _exact_inputs(p: Any, q: Any) -> tuple[Any, Any, Any, Any, Any, Any]:
    """``(a, b, d, sum b)`` with ``a = p sum(q)/sum(p)`` and ``d = a - b`` error-free.

    After exact power-of-two scaling: the differences ``p - q`` are split
    exactly (Knuth's two-sum); their total and the total of ``p`` are
    double-word sums; the factor ``g = -sum(p - q) / sum(p)`` is a double-word
    quotient; and ``g p`` is split so that its leading part is an exact
    product. Where ``(1 + g) p`` and ``q`` nearly cancel, ``p - q`` is exact
    (Sterbenz) and so is its sum with the leading part of ``g p``.

    Also returns ``log(a/p)`` and ``log(b/q)`` per row (for :func:`_extremes`).
    """
    scale_p, scale_q = _power_of_two_scales(p.sum(-1), q.sum(-1))
    p = scale_p.apply(p)
    q = scale_q.apply(q)
    d_hi, d_lo = nx.two_sum(p, -q)
    sd_hi, sd_lo = nx.exact_sum(d_hi)
    sd_lo = sd_lo + d_lo.sum(-1)
    sp_hi, sp_lo = nx.exact_sum(p)
    # g = -(sd_hi + sd_lo) / (sp_hi + sp_lo) in double-word arithmetic.
    g1 = -sd_hi / sp_hi
    h, low = nx.two_product(g1, sp_hi)
    g2 = ((((-sd_hi - h) - low) - sd_lo) - g1 * sp_lo) / sp_hi
    g_hi = nx.split_high(g1)
    g_lo = ((g1 - g_hi) + g2)[..., None]
    g_hi = g_hi[..., None]
    p_hi = nx.split_high(p)
    d = ((d_hi + g_hi * p_hi) + g_hi * (p - p_hi)) + (g_lo * p + d_lo)
    a = p + (g1 + g2)[..., None] * p
    return a, q, d, q.sum(-1), scale_p.log() + nx.log1p(g1 + g2), scale_q.log()


def _finish(value: Any, sum_q: Any, q_zero: Any, p_zero: Any, gen: Generator, log_base: float | None) -> Any:
    xp = B.namespace(value, sum_q)
    value = value / sum_q
    if gen.infinite_when_q_zero:
        value = xp.where(q_zero, xp.inf, value)
    if gen.infinite_when_p_zero:
        value = xp.where(p_zero, xp.inf, value)
    if log_base is not None:
        value = value / log_base
    return value


# --------------------------------------------------------------------------
# NumPy: small concrete input.


def _host(
    p: np.ndarray,
    q: np.ndarray,
    gen: Generator,
    normalize: bool,
    log_base: float | None,
    axis: int,
    names: tuple[str, str],
) -> Any:
    """Validate, normalise and sum on the host; nothing is compiled."""
    if p.ndim == 1:
        return _host_pair(p, q, gen, normalize, log_base, axis, names)
    n, dtype = p.shape[-1], p.dtype
    with np.errstate(all="ignore"):
        P, Q = (_tamed(x) if normalize else x for x in (p, q))
        for name, x, xs in zip(names, (p, q), (P, Q)):
            validate.check_rows(name, x.min(-1), xs.sum(-1), n, dtype, normalize, axis, x.max(-1))
        a, b, d, sum_b, log_fa, log_fb = _exact_inputs(P, Q)
        log_fa, log_fb = log_fa + _log_scale(p, P), log_fb + _log_scale(q, Q)
        terms = _extremes(gen, a, b, gen.terms(a, b, d), p, q, log_fa, log_fb)
    hi, lo = nx.exact_sum(terms)
    q_zero = gen.infinite_when_q_zero and ((q == 0) & (p > 0)).any(-1)
    p_zero = gen.infinite_when_p_zero and ((p == 0) & (q > 0)).any(-1)
    return _finish(hi + lo, sum_b, q_zero, p_zero, gen, log_base)


def _log_scale(x: np.ndarray, tamed: np.ndarray) -> Any:
    """``log(tamed / x)`` per row (0 where :func:`_tamed` left the row alone)."""
    if tamed is x:
        return 0.0
    top = x.max(-1)
    return np.log(np.where(top > 0, tamed.max(-1) / np.where(top > 0, top, 1.0), 1.0))


def _tamed(x: np.ndarray) -> np.ndarray:
    """Rows whose largest entry reaches ``2**1000`` scaled by a power of two so that it
    is below 2 (their sums would overflow); exact for every entry within ``2**1074``
    of that largest one, which is where a mass's share stays in the float range."""
    top = x.max(-1, keepdims=True)
    if not np.any(top >= 2.0**1000):
        return x
    _, e = np.frexp(np.where(np.isfinite(top) & (top >= 2.0**1000), top, 1.0))
    return np.ldexp(x, -e)


def _extremes(gen: Generator, a: Any, b: Any, terms: Any, p: Any, q: Any, log_fa: Any, log_fb: Any) -> Any:
    """The summands of the outcomes whose masses stand in a ratio beyond the float
    range, recomputed from the logarithms of the masses.

    The kernels raise masses to at least ``gen.log_terms_below * tiny`` so that
    ``a/b`` stays a normal number; that changes the summand only where ``f(0)`` or
    ``f'(inf)`` is infinite (``b log(b/a)``, ``(a - b)^2/b``, ...) or the divergence
    can be as small as such a summand (``gan``), and only where one mass is below
    that bound. There the generator's ``log_terms`` give the summand from
    ``log a = log p + log(a/p)`` and ``log b = log q + log(b/q)``: logarithms of the
    inputs themselves, exact also for subnormal masses (whose normalised values
    would have lost digits). Under XLA subnormal masses read as zero.
    """
    if gen.log_terms is None:
        return terms
    xp = B.namespace(a, b, terms)
    floor = gen.log_terms_below * nx.tiny(a.dtype)
    extreme = (xp.minimum(a, b) < floor) & (p > 0) & (q > 0)
    la_shift = xp.broadcast_to(xp.asarray(log_fa)[..., None], a.shape)
    lb_shift = xp.broadcast_to(xp.asarray(log_fb)[..., None], b.shape)
    if xp is np:
        if extreme.any():
            terms = np.array(terms, copy=True)
            la = np.log(p[extreme]) + la_shift[extreme]
            lb = np.log(q[extreme]) + lb_shift[extreme]
            terms[extreme] = gen.log_terms(la, lb, _mass(a[extreme], la), _mass(b[extreme], lb))
        return terms
    # elsewhere log_terms sees (0, -1): finite, and so is its derivative (a where alone
    # would pass a NaN derivative of the unused branch on to jax.grad)
    safe_p, safe_q = xp.where(extreme, p, 1.0), xp.where(extreme, q, 1.0)
    la = xp.where(extreme, xp.log(safe_p) + la_shift, 0.0)
    lb = xp.where(extreme, xp.log(safe_q) + lb_shift, -1.0)
    ea = xp.where(extreme, _mass(a, la), 1.0)
    eb = xp.where(extreme, _mass(b, lb), math.exp(-1.0))
    return xp.where(extreme, gen.log_terms(la, lb, ea, eb), terms)


def _mass(x: Any, log_x: Any) -> Any:
    """The mass as accurately as known: itself where it is a normal number (its
    exponential has the logarithm's rounding times ``|log x|``), else ``exp(log x)``."""
    xp = B.namespace(x, log_x)
    return xp.where(x >= nx.tiny(x.dtype), x, xp.exp(log_x))


#: The table's kernels raise no floating-point warning on masses of at least the
#: smallest normal number (sanitised ratios, no overflow); NumPy's ``errstate``
#: (about 2 us) is entered only for the others.
_QUIET = frozenset(GENERATORS.values())

#: Masses below this (``32 tiny``) are raised to it in the kernels' ratios.
_FLOOR = 32.0 * float(np.finfo(np.float64).tiny)


def _host_pair(
    p: np.ndarray,
    q: np.ndarray,
    gen: Generator,
    normalize: bool,
    log_base: float | None,
    axis: int,
    names: tuple[str, str],
) -> Any:
    """One pair: the path of a notebook's or a property test's call, kept to a few
    dozen NumPy operations on the host.

    Validation reads exact sums (``math.fsum``); ``a = (1 + g) p`` with
    ``g = -sum(p - q)/sum(p)`` correctly rounded. Where ``p - q`` and ``g p``
    would cancel (vectors that are nearly exact multiples of each other) or the
    totals differ by more than ``64 eps``, the exact route (:func:`_exact_inputs`).
    """
    n, dtype = p.shape[-1], p.dtype
    P, Q = p, q
    pl, ql = p.tolist(), q.tolist()
    sum_p, sum_q = nx.fsum(pl), nx.fsum(ql)
    min_p, min_q = min(pl), min(ql)
    if normalize and not (sum_p < math.inf and sum_q < math.inf):
        P, Q = _tamed(p[None])[0], _tamed(q[None])[0]  # sums beyond the float range: scaled exactly
        sum_p, sum_q = nx.fsum(P.tolist()), nx.fsum(Q.tolist())
    validate.check_rows(
        names[0], min_p, sum_p, n, dtype, normalize, axis, max(pl) if sum_p == math.inf else None
    )
    validate.check_rows(
        names[1], min_q, sum_q, n, dtype, normalize, axis, max(ql) if sum_q == math.inf else None
    )
    diff = P - Q
    g = -nx.fsum(diff.tolist()) / sum_p
    a, b, d, sum_b = P, Q, diff, sum_q
    log_fa = log_fb = 0.0
    if g != 0.0:
        a = None
        if abs(g) <= 64 * validate.eps(dtype) and 0.0625 <= sum_q <= 16.0:
            gp = g * P
            d = diff + gp
            if (np.abs(d) >= np.abs(gp)).all():  # no cancellation: d to a few ulps
                a, log_fa = P + gp, math.log1p(g)
        if a is None:
            a, b, d, sum_b, log_fa, log_fb = _exact_inputs(P, Q)
            sum_b = float(sum_b)
    scaled = a is not P and b is not Q or P is not p  # masses may have become tiny
    if not scaled and min_p >= _FLOOR and min_q >= _FLOOR and gen in _QUIET:
        terms = gen.terms(a, b, d)  # the common case: nothing extreme, nothing to warn about
    else:
        with np.errstate(all="ignore"):  # inf where the mathematics says so, and no warning
            log_fa = log_fa + _log_scale(p[None], P[None])[0]
            log_fb = log_fb + _log_scale(q[None], Q[None])[0]
            terms = _extremes(gen, a, b, gen.terms(a, b, d), p, q, log_fa, log_fb)
    value = nx.fsum(terms.tolist()) / sum_b
    if (gen.infinite_when_q_zero and min_q == 0.0 and ((q == 0) & (p > 0)).any()) or (
        gen.infinite_when_p_zero and min_p == 0.0 and ((p == 0) & (q > 0)).any()
    ):
        value = math.inf
    if log_base is not None:
        value = value / log_base
    return dtype.type(value)


# --------------------------------------------------------------------------
# XLA: large concrete input, or input on an accelerator.


def has_subnormal(x: np.ndarray) -> bool:
    """Whether a NumPy array holds a positive mass below the smallest normal number.

    XLA reads such masses as zero; arrays with them are computed on the host. The
    minimum (one fast pass) settles it unless there are zeros; then the smallest
    positive entry is the smallest of the bit patterns minus one, read as unsigned
    integers (zero wraps around to the largest).
    """
    low = x.min()
    if not low < nx.tiny(x.dtype):  # also NaN: validation reports it
        return False
    if low > 0:
        return True
    bits = x.view(np.uint64 if x.dtype == np.float64 else np.uint32)
    smallest = (bits - bits.dtype.type(1)).min() + bits.dtype.type(1)
    return 0 < float(smallest.view(x.dtype)) < nx.tiny(x.dtype)


def _row_stats(p: Any, q: Any, *, zeros: bool) -> dict:
    """Per-row statistics for validation and the fast route, in one fused pass.

    ``min`` is taken over both inputs at once (the rare failing case is
    diagnosed separately); the zero patterns only when the divergence can be
    infinite.
    """
    low = B.namespace(p, q).minimum(p, q)
    stats = dict(min=low.min(-1), sum_p=p.sum(-1), sum_q=q.sum(-1), sum_d=(p - q).sum(-1))
    if zeros:
        stats["zeros"] = _zero_patterns(p, q)
    return stats


def _positive_min(p: Any, q: Any) -> Any:
    """The smallest ``min(p, q)`` over the outcomes where it is positive (1 where none is):
    exact zeros are lifted to 1 by arithmetic that fuses (a second pass, run only for
    rows that hold zeros)."""
    low = B.namespace(p, q).minimum(p, q)
    return (low + (low == 0).astype(low.dtype)).min(-1)


def _mins(p: Any, q: Any) -> tuple[Any, Any]:
    return p.min(-1), q.min(-1)


#: Outcomes with ``p = 0 < q`` are counted in units of this power of two.
_P_ZERO_UNIT = 2.0**26


def _zero_patterns(p: Any, q: Any) -> Any:
    """``n(q = 0 < p) + 2**26 n(p = 0 < q)`` per row, in one reduction.

    One sum rather than two because XLA on CPU would otherwise materialise
    ``sign(p)`` and ``sign(q)`` for the two consumers.
    """
    xp = B.namespace(p, q)
    sp, sq = xp.sign(p), xp.sign(q)
    return (sp * (1 - sq) + _P_ZERO_UNIT * (sq * (1 - sp))).sum(-1)


def _split_zero_patterns(code: Any) -> tuple[Any, Any]:
    xp = B.namespace(code)
    p_zero = xp.floor(code / _P_ZERO_UNIT)
    return code - p_zero * _P_ZERO_UNIT > 0, p_zero > 0


def _part_sum(p: Any, q: Any, gamma: Any, *, part: Any) -> Any:
    """One kernel part summed over outcomes, with ``a = (1 + g) p``, ``d = a - q``."""
    g = gamma[..., None]
    return part(p + g * p, q, (p - q) + g * p).sum(-1)


def _bucket(k: int) -> int:
    return 1 << max(k - 1, 0).bit_length()


def _padded(p: Any, q: Any) -> tuple[Any, Any, Any]:
    """Flatten the batch and pad both axes to powers of two (small inputs only).

    Padding outcomes with zeros changes no f-divergence (``0 f(0/0) = 0``);
    padded rows hold the point mass ``(1, 0, ...)``. Inputs of many different
    sizes then share a few compiled programs instead of compiling each.
    """
    batch, n = p.shape[:-1], p.shape[-1]
    rows = math.prod(batch)
    rows2, n2 = _bucket(rows), max(_bucket(n), 8)
    if (rows2, n2) != (rows, n):
        padded = []
        for x in (p, q):
            out = np.zeros((rows2, n2), np.dtype(x.dtype))
            out[:rows, :n] = np.asarray(x).reshape(rows, n)
            out[rows:, 0] = 1.0
            padded.append(B.jax.device_put(out))
        p, q = padded
    else:
        p, q = p.reshape(rows, n), q.reshape(rows, n)
    return p, q, lambda r: np.asarray(r).reshape(-1)[:rows].reshape(batch)


_SMALL = 2**17


def _compiled(
    A: B.Arrays,
    p: Any,
    q: Any,
    gen: Generator,
    normalize: bool,
    log_base: float | None,
    axis: int,
    names: tuple[str, str],
) -> Any:
    """Validate and sum by compiled XLA passes; the fast route when it is exact."""
    n, batch = p.shape[-1], p.shape[:-1]
    if A.jax_out and p.size <= _SMALL:  # on an accelerator: a few program shapes, not one per size
        p, q, rows = _padded(p, q)
        host_p = host_q = None
    else:
        p, q = p.reshape(-1, n), q.reshape(-1, n)
        host_p, host_q = p, q
        if not A.jax_out:  # NumPy input: to the device once, for every pass
            p, q = B.to_device(p, 0), B.to_device(q, 1)
        rows = lambda r: np.asarray(r).reshape(batch)
    needs_zeros = gen.infinite_when_q_zero or gen.infinite_when_p_zero
    stats = B.jax.device_get(A.run(_row_stats, p, q, zeros=needs_zeros))
    stats = {key: rows(value) for key, value in stats.items()}
    if gen.log_terms is not None:
        # outcomes with both masses positive and one below the kernels' floor
        # (_extremes): from the minimum, and for rows with zeros a second pass
        floor = gen.log_terms_below * nx.tiny(np.dtype(p.dtype))
        low = stats["min"]
        extreme = (low > 0) & (low < floor)
        if np.any(low == 0):
            extreme = extreme | (rows(B.jax.device_get(A.run(_positive_min, p, q))) < floor)
        stats["extremes"] = extreme
    if normalize and not A.jax_out and not np.all(np.isfinite(stats["sum_p"]) & np.isfinite(stats["sum_q"])):
        return rows(
            _host(host_p, host_q, gen, normalize, log_base, axis, names)
        )  # sums beyond the float range
    dtype = np.dtype(p.dtype)
    min_p = min_q = stats["min"]
    if not np.all(stats["min"] >= 0):  # NaN or negative: find out which input
        min_p, min_q = (rows(m) for m in B.jax.device_get(A.run(_mins, p, q)))
    validate.check_rows(names[0], min_p, stats["sum_p"], n, dtype, normalize, axis)
    validate.check_rows(names[1], min_q, stats["sum_q"], n, dtype, normalize, axis)
    sum_p, sum_q = stats["sum_p"], stats["sum_q"]
    gamma = (-stats["sum_d"] / sum_p).astype(dtype)
    scale_p, scale_q = _power_of_two_scales(sum_p, sum_q)
    fast = (
        np.all(scale_p.is_one())
        and np.all(scale_q.is_one())
        and np.all(np.abs(gamma) <= 64 * np.finfo(dtype).eps)
        and not np.any(stats.get("extremes", 0.0))  # the exact route recomputes those from logs
    )
    if not fast:
        return rows(B.jax.device_get(A.run(_traced, p, q, gen=gen, log_base=log_base)))
    g = np.zeros(p.shape[0], dtype)
    g[: gamma.size] = gamma.reshape(-1)  # padded rows: g = 0
    value = rows(sum(np.asarray(A.run(_part_sum, p, q, g, part=part)) for part in gen.parts))
    q_zero, p_zero = _split_zero_patterns(stats["zeros"]) if needs_zeros else (False, False)
    return _finish(value, sum_q, q_zero, p_zero, gen, log_base)


# --------------------------------------------------------------------------
# Traced input: the exact route inline, with the table's partial derivatives.


@functools.cache
def differentiable_terms(gen: Generator) -> Any:
    """``gen.terms`` with the table's partial derivatives as its JVP (see module docs)."""

    @B.jax.custom_jvp
    def terms(a, b, d):
        return gen.terms(a, b, d)

    @terms.defjvp
    def _jvp(primals, tangents):
        a, b, d = primals
        da, db, _ = tangents  # d = a - b carries no independent direction
        ga, gb = partials(gen, a, b)
        return terms(a, b, d), ga * da + gb * db

    return terms


def partials(gen: Generator, a: Any, b: Any) -> tuple[Any, Any]:
    """``(d/da, d/db)`` of ``b f~(a/b)``, 0 where infinite (boundary convention)."""
    xp = B.namespace(a, b)
    c1 = gen.f_prime_at_one if gen.standardized else 0.0
    pos_a, pos_b = a > 0, b > 0
    both = pos_a & pos_b
    t = xp.where(both, a, 1.0) / xp.where(both, b, 1.0)
    fp = gen.f_prime(t)
    ga = fp - c1
    gb = gen.f(t) - t * fp + c1
    at_zero_a = xp.asarray(gen.f_prime(xp.zeros((), a.dtype)) - c1, a.dtype)
    at_zero_b = gen.f_at_zero + c1
    at_inf_a = gen.f_prime_at_inf - c1
    ga = xp.where(both, ga, xp.where(pos_b, at_zero_a, xp.where(pos_a, at_inf_a, 0.0)))
    gb = xp.where(both, gb, xp.where(pos_b, at_zero_b, 0.0))
    ga = xp.where(xp.isfinite(ga), ga, 0.0)
    gb = xp.where(xp.isfinite(gb), gb, 0.0)
    return ga, gb


def _traced(p: Any, q: Any, *, gen: Generator, log_base: float | None) -> Any:
    """The exact route as one traceable function (no value checks)."""
    a, b, d, sum_q, log_fa, log_fb = _exact_inputs(p, q)
    terms = _extremes(gen, a, b, differentiable_terms(gen)(a, b, d), p, q, log_fa, log_fb)
    hi, lo = nx.exact_sum(terms)  # error ~ eps**2: no drift
    q_zero, p_zero = _split_zero_patterns(_zero_patterns(p, q))  # of the inputs: scaling may underflow
    return _finish(hi + lo, sum_q, q_zero, p_zero, gen, log_base)


def log_ratio(p: Any, q: Any) -> Any:
    """``log(pbar/qbar)`` per outcome for the distributions ``pbar = p/sum p``,
    ``qbar = q/sum q`` that the arrays represent: ``log1p(d/b)`` from the exact
    normalisation's error-free difference ``d = a - b`` where the masses are close
    (``|d| < b/2``), ``log a - log b`` from the inputs' own logarithms elsewhere
    (extreme ratios, subnormal masses); ``+-inf`` where one mass is 0, 0 where both are.
    """
    xp = B.namespace(p, q)
    a, b, d, _, log_fa, log_fb = _exact_inputs(p, q)
    close = xp.abs(d) < 0.5 * b
    near = nx.log1p(xp.where(close, d / xp.where(close, b, 1.0), 0.0))
    pos_p, pos_q = p > 0, q > 0
    # the normalised masses' own ratio where both are normal numbers and so is their
    # ratio (one rounding, and |log| > log 1.5 there); the inputs' logarithms elsewhere
    small = nx.tiny(a.dtype)
    normal = (a >= small) & (b >= small)
    ratio = xp.where(normal, a, 1.0) / xp.where(normal, b, 1.0)
    normal = normal & (ratio >= small) & (ratio <= 1.0 / small)
    direct = xp.log(xp.where(normal, ratio, 1.0))
    from_logs = (xp.log(xp.where(pos_p, p, 1.0)) + log_fa[..., None]) - (
        xp.log(xp.where(pos_q, q, 1.0)) + log_fb[..., None]
    )
    value = xp.where(close, near, xp.where(normal, direct, from_logs))
    value = xp.where(pos_p & ~pos_q, xp.inf, xp.where(~pos_p & pos_q, -xp.inf, value))
    return xp.where(~pos_p & ~pos_q, 0.0, value)


# --------------------------------------------------------------------------
# The entry points.


def take_pmfs(
    names: tuple[str, ...], values: tuple, *, axis: int = -1, normalize: bool = False
) -> tuple[B.Arrays, Any, Any]:
    """The array rule for two pmfs (the first two of ``values``) and any further
    arrays, with the pmfs' outcomes moved last, broadcast and (when concrete)
    validated; the caller computes on ``A.evaluator.xp`` and returns ``A.output``.
    """
    A = B.take(names, values, optional=())
    P, Q = outcomes_last(A.values[0], A.values[1], axis, names[:2])
    if A.evaluator is not B.TRACE:
        n = P.shape[-1]
        for name, x in zip(names[:2], (P, Q)):
            host = np.asarray(x)
            validate.check_rows(name, host.min(-1), host.sum(-1), n, host.dtype, normalize, axis)
    return A, P, Q


def divergence(
    p: Any,
    q: Any,
    gen: Generator,
    *,
    axis: int = -1,
    log_base: float | None = None,
    normalize: bool = False,
    names: tuple[str, str] = ("p", "q"),
) -> Any:
    """``D_f(P || Q)`` between arrays of masses (validated; the array rule)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"axis: expected an integer, got {axis!r}")
    axis = int(axis)
    validate.flag("normalize", normalize)
    A = B.take(names, (p, q), xla_above=XLA_ABOVE, optional=())
    P, Q = outcomes_last(*A.values, axis, names)
    if A.evaluator is B.NUMPY or (not A.jax_out and (has_subnormal(P) or has_subnormal(Q))):
        value = _host(P, Q, gen, normalize, log_base, axis, names)
    elif A.evaluator is B.TRACE:
        value = _traced(P, Q, gen=gen, log_base=log_base)
    else:
        value = _compiled(A, P, Q, gen, normalize, log_base, axis, names)
    return A.output(value)
