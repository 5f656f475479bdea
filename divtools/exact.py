r"""Exact divergences between discrete distributions.

Every function here is :func:`f_divergence` with a row of the generator table
(:mod:`divtools.generators`). What "exact" means:

* **The divergence of the distributions the vectors represent.** ``p`` and ``q``
  stand for ``p / sum(p)`` and ``q / sum(q)``. The normalisation is carried out
  without rounding each entry: ``p`` and ``q`` are scaled by powers of two
  (exact) so that their totals are near 1 and within a factor sqrt 2 of
  each other, and the remaining factor
  ``1 + g``, ``g = (sum q - sum p) / sum p``, enters through the difference
  ``a - q = (p - q) + g p`` whose sum is known to full relative accuracy.
  For probability vectors (``normalize=False``) and for count vectors with
  equal totals the result is correct to a few ulps; for counts with unequal
  totals it is the exact divergence of inputs perturbed by at most one
  rounding each.
* **Summands of one sign**, evaluated without cancellation (standardised
  generator ``f(t) - f'(1)(t - 1)``, series where closed forms cancel; see
  :mod:`divtools._numerics`), so nearly equal distributions keep full relative
  accuracy and no divergence is ever negative (``gan``, whose values are
  ``<= 0``, is summed from terms ``<= 0``).
* **The conventions of the perspective function:** ``0 f(0/0) = 0``,
  ``q f(0) `` where ``p = 0 < q``, ``p f'(inf)`` where ``q = 0 < p``; ``inf``
  exactly when the mathematics says so.

The array rule is that of :mod:`divtools._arrays` (NumPy in: float64 computed
with JAX under ``jax.enable_x64``, NumPy out; JAX in: traceable JAX, its dtype
respected). On concrete input the values are validated first
(:mod:`divtools._validate`) and the work runs as a few jit-compiled passes:
row statistics, then one fused reduction per kernel part. Under ``jit``,
``vmap`` or ``grad`` the same computation is traced inline.

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

import numpy as np
import jax
import jax.numpy as jnp

from divtools import _arrays, _numerics as nx, _validate, densities
from divtools.generators import BHATTACHARYYA_COEFFICIENT, GENERATORS, Generator, get, skew_js
from divtools.generators import alpha as _alpha_generator

__all__ = [
    "alpha_divergence",
    "bhattacharyya",
    "chi2",
    "f_divergence",
    "jeffreys",
    "js",
    "kl",
    "squared_hellinger",
    "tv",
]


# --------------------------------------------------------------------------
# The computation. Two routes to the same numbers:
#
# * exact (traced input; concrete input of at most 2**17 entries; or sums not
#   within 64 eps of each other): double-word sums and an error-free g * p,
#   traced as one function;
# * fast (concrete, large, normalised input): per-row statistics in one
#   compiled pass, then one fused reduction per kernel part, with
#   g = -sum(p - q)/sum(p) applied in working precision. Its only departure
#   from the exact route is the rounding of g * p, below (64 eps)**2 of each
#   mass: invisible unless the divergence itself is below about 1e-60 (two
#   vectors that are exact multiples of each other).


def _row_stats(p, q, *, zeros: bool):
    """Per-row statistics for validation and the fast route, in few passes.

    ``min`` is taken over both inputs at once (the rare failing case is
    diagnosed separately); the zero patterns only when the divergence can be
    infinite.
    """
    stats = dict(
        min=jnp.minimum(p, q).min(-1), sum_p=p.sum(-1), sum_q=q.sum(-1), sum_d=(p - q).sum(-1)
    )
    if zeros:
        stats["zeros"] = _zero_patterns(p, q)
    return stats


def _mins(p, q):
    return p.min(-1), q.min(-1)


#: Outcomes with ``p = 0 < q`` are counted in units of this power of two.
_P_ZERO_UNIT = 2.0**26


def _zero_patterns(p, q):
    """``n(q = 0 < p) + 2**26 n(p = 0 < q)`` per row, in one reduction.

    One sum rather than two because XLA on CPU would otherwise materialise
    ``sign(p)`` and ``sign(q)`` for the two consumers.
    """
    sp, sq = jnp.sign(p), jnp.sign(q)
    return (sp * (1 - sq) + _P_ZERO_UNIT * (sq * (1 - sp))).sum(-1)


def _split_zero_patterns(code, xp):
    p_zero = xp.floor(code / _P_ZERO_UNIT)
    return code - p_zero * _P_ZERO_UNIT, p_zero


def _part_sum(p, q, gamma, *, part):
    """One kernel part summed over outcomes, with ``a = (1 + g) p``, ``d = a - q``."""
    g = gamma[..., None]
    return part(p + g * p, q, (p - q) + g * p).sum(-1)


def _power_of_two_scales(sum_p, sum_q, xp):
    """Exact scale factors ``(2**j, 2**k)`` for ``p`` and ``q``.

    ``q`` is brought to a total in ``[1/2, 1)`` unless it is already within
    ``[1/16, 16]`` (probability vectors are left alone), and ``p`` to within a
    factor ``sqrt 2`` of ``q``'s total. Powers of two change no digit, keep
    every entry at most 16 (so the kernels' clamping of ratios at ``1/tiny`` is
    harmless) and leave ``|g| <= 0.42`` for the remaining factor ``1 + g``.
    """
    _, e_q = xp.frexp(sum_q)
    keep = (sum_q >= 0.0625) & (sum_q <= 16.0)
    scale_q = xp.ldexp(xp.ones_like(sum_q), xp.where(keep, 0, -e_q))
    j = xp.round(xp.log2(sum_q * scale_q / sum_p)).astype(np.int32)
    return xp.ldexp(xp.ones_like(sum_p), j), scale_q


def _exact_inputs(p, q):
    """``(a, b, d, sum b)`` with ``a = p sum(q)/sum(p)`` and ``d = a - b`` error-free.

    After exact power-of-two scaling: the differences ``p - q`` are split
    exactly (Knuth's two-sum); their total and the total of ``p`` are
    double-word sums; the factor ``g = -sum(p - q) / sum(p)`` is a double-word
    quotient; and ``g p`` is split so that its leading part is an exact
    product. Where ``(1 + g) p`` and ``q`` nearly cancel, ``p - q`` is exact
    (Sterbenz) and so is its sum with the leading part of ``g p``.
    """
    scale_p, scale_q = _power_of_two_scales(p.sum(-1), q.sum(-1), jnp)
    p = p * scale_p[..., None]
    q = q * scale_q[..., None]
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
    return a, q, d, q.sum(-1)


def _finish(value, sum_q, q_zero, p_zero, gen: Generator, log_base, xp):
    value = value / sum_q
    if gen.infinite_when_q_zero:
        value = xp.where(q_zero > 0, xp.inf, value)
    if gen.infinite_when_p_zero:
        value = xp.where(p_zero > 0, xp.inf, value)
    if log_base is not None:
        value = value / log_base
    return value


@functools.lru_cache(maxsize=None)
def _differentiable_terms(gen: Generator):
    """``gen.terms`` with the table's partial derivatives as its JVP (see module docs)."""

    @jax.custom_jvp
    def terms(a, b, d):
        return gen.terms(a, b, d)

    @terms.defjvp
    def _jvp(primals, tangents):
        a, b, d = primals
        da, db, _ = tangents  # d = a - b carries no independent direction
        ga, gb = _partials(gen, a, b)
        return terms(a, b, d), ga * da + gb * db

    return terms


def _partials(gen: Generator, a, b):
    """``(d/da, d/db)`` of ``b f~(a/b)``, 0 where infinite (boundary convention)."""
    c1 = gen.f_prime_at_one if gen.standardized else 0.0
    pos_a, pos_b = a > 0, b > 0
    both = pos_a & pos_b
    t = jnp.where(both, a, 1.0) / jnp.where(both, b, 1.0)
    fp = gen.f_prime(t)
    ga = fp - c1
    gb = gen.f(t) - t * fp + c1
    at_zero_a = jnp.asarray(gen.f_prime(jnp.zeros((), a.dtype)) - c1, a.dtype)
    at_zero_b = gen.f_at_zero + c1
    at_inf_a = gen.f_prime_at_inf - c1
    ga = jnp.where(both, ga, jnp.where(pos_b, at_zero_a, jnp.where(pos_a, at_inf_a, 0.0)))
    gb = jnp.where(both, gb, jnp.where(pos_b, at_zero_b, 0.0))
    ga = jnp.where(jnp.isfinite(ga), ga, 0.0)
    gb = jnp.where(jnp.isfinite(gb), gb, 0.0)
    return ga, gb


def _traced(p, q, *, gen: Generator, log_base):
    """The exact route as one traceable function (no value checks)."""
    a, b, d, sum_q = _exact_inputs(p, q)
    hi, lo = nx.exact_sum(_differentiable_terms(gen)(a, b, d))  # error ~ eps**2: no drift
    value = hi + lo
    q_zero, p_zero = _split_zero_patterns(_zero_patterns(a, b), jnp)
    return _finish(value, sum_q, q_zero, p_zero, gen, log_base, jnp)


@functools.lru_cache(maxsize=None)
def _jit(fn, **static):
    return jax.jit(functools.partial(fn, **static))


#: Inputs up to this many entries always take the exact route (it costs
#: microseconds there); larger ones take the fast route when it is exact.
_SMALL = 2**17


def _bucket(k: int) -> int:
    return 1 << max(k - 1, 0).bit_length()


def _padded(p, q):
    """Flatten the batch and pad both axes to powers of two (small inputs only).

    Padding outcomes with zeros changes no f-divergence (``0 f(0/0) = 0``);
    padded rows hold the point mass ``(1, 0, ...)``. Inputs of many different
    sizes then share a few compiled programs instead of compiling each; the
    padding is done on the host, where it compiles nothing.
    """
    batch, n = p.shape[:-1], p.shape[-1]
    rows = int(np.prod(batch, dtype=np.int64))
    rows2, n2 = _bucket(rows), max(_bucket(n), 8)
    if (rows2, n2) != (rows, n):
        dtype = np.dtype(p.dtype)
        padded = []
        for x in (p, q):
            out = np.zeros((rows2, n2), dtype)
            out[:rows, :n] = np.asarray(x).reshape(rows, n)
            out[rows:, 0] = 1.0
            padded.append(jax.device_put(out))
        p, q = padded
    else:
        p, q = p.reshape(rows, n), q.reshape(rows, n)
    return p, q, lambda r: np.asarray(r)[:rows].reshape(batch)


def _eager(p, q, gen: Generator, normalize: bool, log_base, axis, names):
    """Validate concrete input, then take the fast route if it is exact."""
    n = p.shape[-1]
    unpad = None
    if p.size <= _SMALL:
        p, q, unpad = _padded(p, q)
    value = _eager_rows(p, q, n, gen, normalize, log_base, axis, names, unpad)
    return value if unpad is None else unpad(value)


def _eager_rows(p, q, n, gen, normalize, log_base, axis, names, unpad):
    needs_zeros = gen.infinite_when_q_zero or gen.infinite_when_p_zero
    stats = jax.device_get(_jit(_row_stats, zeros=needs_zeros)(p, q))
    dtype = np.dtype(p.dtype)
    rows = unpad or (lambda r: r)
    min_p = min_q = stats["min"]
    if not np.all(stats["min"] >= 0):  # NaN or negative: find out which input
        min_p, min_q = jax.device_get(_jit(_mins)(p, q))
    _validate.check_rows(names[0], rows(min_p), rows(stats["sum_p"]), n, dtype, normalize, axis)
    _validate.check_rows(names[1], rows(min_q), rows(stats["sum_q"]), n, dtype, normalize, axis)
    sum_p, sum_q = stats["sum_p"], stats["sum_q"]
    gamma = (-stats["sum_d"] / sum_p).astype(dtype)
    scale_p, scale_q = _power_of_two_scales(sum_p, sum_q, np)
    fast = (
        p.size > _SMALL
        and np.all(scale_p == 1)
        and np.all(scale_q == 1)
        and np.all(np.abs(gamma) <= 64 * np.finfo(dtype).eps)
    )
    if not fast:
        return np.asarray(_jit(_traced, gen=gen, log_base=log_base)(p, q))
    value = sum(np.asarray(_jit(_part_sum, part=part)(p, q, gamma)) for part in gen.parts)
    q_zero, p_zero = _split_zero_patterns(stats["zeros"], np) if needs_zeros else (None, None)
    return _finish(value, sum_q, q_zero, p_zero, gen, log_base, np)


def _divergence(p, q, gen: Generator, *, axis, base, normalize, names=("p", "q")):
    log_base = _validate.check_base(base, gen.logarithmic, gen.name)
    if densities.is_distribution(p) or densities.is_distribution(q):
        return densities.divergence(p, q, gen, log_base, names)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"axis: expected an integer, got {axis!r}")
    with _arrays.Inputs.convert(names, (p, q)) as ins:
        P, Q = _arrays.distributions(*ins.arrays, int(axis), names)
        if ins.traced:
            value = _traced(P, Q, gen=gen, log_base=log_base)
        else:
            value = _eager(P, Q, gen, normalize, log_base, int(axis), names)
        return ins.output(value)


# --------------------------------------------------------------------------
# Public functions. Their docstrings share the arguments below (see _documented).

_COMMON = """p, q: masses over the same outcomes along ``axis`` (array-like; leading
        dimensions broadcast). NumPy or list input is computed in float64 and
        returned as NumPy; JAX input stays JAX (see :mod:`divtools._arrays`).
      axis: the axis that indexes the outcomes.
      normalize: if False (default), ``p`` and ``q`` must each sum to 1 within
        ``64 eps sqrt(n)``; if True, non-negative weights or counts are accepted
        and divided by their sums.
      base: ``None`` for nats, or a logarithm base (``2`` for bits)."""

_RAISES = """ValueError: on concrete input with NaN, inf, negative entries, all-zero
        or (without ``normalize``) unnormalised distributions; on mismatched
        shapes, an empty outcome axis or an invalid ``base`` (also under ``jit``)."""


def _documented(fn):
    """Fill the shared ``{common}`` arguments and ``{raises}`` into a docstring."""
    fn.__doc__ = fn.__doc__.replace("{common}", _COMMON).replace("{raises}", _RAISES)
    return fn


@_documented
def f_divergence(p, q, f="kl", *, axis: int = -1, base=None, normalize: bool = False):
    r"""The f-divergence ``D_f(P || Q) = sum_x q(x) f(p(x) / q(x))``.

    With ``0 f(0/0) = 0``, ``q f(0)`` where ``p = 0 < q`` and ``p f'(inf)`` where
    ``q = 0 < p`` (``inf`` where that limit is infinite). Summed from the
    one-signed, cancellation-free summands of the table's kernels: a few ulps
    for float64 input.

    Args:
      {common}
      f: a name in :data:`divtools.GENERATORS` (``"kl"``, ``"js"``, ``"tv"``, ...),
        a :class:`divtools.Generator` (``divtools.generators.alpha(2)``), or a
        convex callable with ``f(1) = 0`` (limits found numerically, see
        :func:`divtools.generators.custom`). ``base`` applies to the
        information divergences only (kl, reverse_kl, jeffreys, js, gan).

    Returns:
      The divergence of each pair of distributions (the broadcast batch shape).

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.f_divergence([0.5, 0.5], [0.9, 0.1], "pearson")), 14)
      1.77777777777778

    References:
      Csiszar (1967); Ali & Silvey (1966); Liese & Vajda (2006). CE 22-808
      lecture "Generative adversarial networks" (f-divergence table).
    """
    return _divergence(p, q, get(f), axis=axis, base=base, normalize=normalize)


@_documented
def kl(p, q, *, axis: int = -1, base=None, normalize: bool = False):
    r"""Kullback-Leibler divergence ``KL(P || Q) = sum_x p(x) log(p(x) / q(x))``.

    ``0 log(0/q) = 0``; ``inf`` iff some ``q(x) = 0 < p(x)``. Summed from
    ``p log(p/q) - p + q >= 0``, each written without cancellation, so nearly
    equal distributions keep all digits (``scipy.stats.entropy`` has relative
    error 5e-4 at ``q = p (1 + 1e-6 u)`` and none left at ``1e-8``).

    Args:
      {common}

    Returns:
      KL in nats (or in ``base``), never negative.

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.kl([0.5, 0.5], [0.9, 0.1])), 14)
      0.51082562376599
      >>> float(divtools.kl([0.5, 0.5], [1.0, 0.0]))
      inf

    Gradient: ``d KL / d p = log(p/q) - KL`` on the simplex; at ``p_i = 0``,
    where it is ``-inf``, it is reported as 0.

    References: Kullback & Leibler (1951); CS 446 lecture 21 (recap of KL).
    """
    return _divergence(p, q, GENERATORS["kl"], axis=axis, base=base, normalize=normalize)


@_documented
def js(p, q, *, weights=None, axis: int = -1, base=None, normalize: bool = False):
    r"""Jensen-Shannon divergence ``JS = KL(P || M)/2 + KL(Q || M)/2``, ``M = (P + Q)/2``.

    The divergence in ``[0, log 2]`` nats (``[0, 1]`` bits), not scipy's
    ``jensenshannon``, which is the distance ``sqrt(JS)``. ``log 2`` for
    disjoint supports, 0 iff ``P = Q``. It is the f-divergence of
    ``f(t) = (t log(2t/(t+1)) + log(2/(t+1)))/2``; the cross-entropy
    distinguishing game has optimal value ``log 2 - JS``.

    Args:
      {common}
      weights: ``(w, 1 - w)`` for the skewed divergence
        ``w KL(P || M) + (1 - w) KL(Q || M)``, ``M = w P + (1 - w) Q`` (dit's
        ``jensen_shannon_divergence`` with weights); default ``(1/2, 1/2)``.

    Returns:
      JS in nats (or in ``base``).

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> float(divtools.js([1.0, 0.0], [0.0, 1.0], base=2))
      1.0

    References: Lin (1991); CS 446 lecture 21.
    """
    if weights is None:
        gen = GENERATORS["js"]
    else:
        try:
            w1, w2 = (float(w) for w in weights)
        except (TypeError, ValueError):
            raise ValueError(f"weights: expected two numbers (w, 1 - w), got {weights!r}") from None
        if not (0.0 <= w1 <= 1.0 and 0.0 <= w2 <= 1.0) or abs(w1 + w2 - 1.0) > 1e-12:
            raise ValueError(f"weights: expected (w, 1 - w) with 0 <= w <= 1, got {weights!r}")
        if w1 in (0.0, 1.0):  # M is P (or Q): the divergence vanishes
            return 0.0 * tv(p, q, axis=axis, normalize=normalize)  # validated zeros
        gen = skew_js(w1)
    return _divergence(p, q, gen, axis=axis, base=base, normalize=normalize)


@_documented
def tv(p, q, *, axis: int = -1, normalize: bool = False):
    r"""Total variation distance ``sup_A |P(A) - Q(A)| = sum_x |p(x) - q(x)| / 2``.

    In ``[0, 1]``; 1 iff the supports are disjoint. The f-divergence of
    ``f(t) = |t - 1| / 2``. The 0-1 distinguishing game has optimal error
    ``1/2 - TV/2``.

    Args:
      {common}

    Returns:
      TV of each pair.

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> float(divtools.tv([0.5, 0.5], [0.9, 0.1]))
      0.4

    References: CS 446 lecture 21 (proposition: TV = ||P - Q||_1 / 2).
    """
    return _divergence(p, q, GENERATORS["tv"], axis=axis, base=None, normalize=normalize)


@_documented
def jeffreys(p, q, *, axis: int = -1, base=None, normalize: bool = False):
    r"""Jeffreys divergence ``KL(P || Q) + KL(Q || P) = sum_x (p - q) log(p / q)``.

    The f-divergence of ``f(t) = (t - 1) log t`` (the lecture table's
    "symmetric KL"); ``inf`` unless the supports coincide.

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.jeffreys([0.5, 0.5], [0.9, 0.1])), 12)
      0.878889830934

    References: Jeffreys (1946).
    """
    return _divergence(p, q, GENERATORS["jeffreys"], axis=axis, base=base, normalize=normalize)


@_documented
def chi2(p, q, *, axis: int = -1, normalize: bool = False):
    r"""Pearson's chi-square divergence ``sum_x (p(x) - q(x))^2 / q(x)``.

    The f-divergence of ``f(t) = (t - 1)^2``; ``inf`` if some ``q = 0 < p``.

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.chi2([0.5, 0.5], [0.9, 0.1])), 14)
      1.77777777777778

    References: Pearson (1900).
    """
    return _divergence(p, q, GENERATORS["pearson"], axis=axis, base=None, normalize=normalize)


@_documented
def squared_hellinger(p, q, *, axis: int = -1, normalize: bool = False):
    r"""Squared Hellinger distance ``sum_x (sqrt p(x) - sqrt q(x))^2 = 2 (1 - BC)``.

    In ``[0, 2]``: the lecture table's ``f(t) = (sqrt t - 1)^2``, without the
    factor 1/2 of dit's convention. Summed as ``(p - q)^2 / (sqrt p + sqrt q)^2``.

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> float(divtools.squared_hellinger([1.0, 0.0], [0.0, 1.0]))
      2.0

    References: Hellinger (1909).
    """
    return _divergence(
        p, q, GENERATORS["squared_hellinger"], axis=axis, base=None, normalize=normalize
    )


@_documented
def bhattacharyya(p, q, *, axis: int = -1, base=None, normalize: bool = False):
    r"""Bhattacharyya distance ``-log BC``, ``BC = sum_x sqrt(p(x) q(x)) = 1 - H^2/2``.

    Not an f-divergence but a function of one. Near ``P = Q`` it is
    ``-log1p(-H^2/2)`` from :func:`squared_hellinger` (``BC`` itself rounds
    to 1); near disjoint supports it is ``-log BC`` with ``BC`` summed directly
    (``1 - H^2/2`` would cancel). ``inf`` for disjoint supports.

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.bhattacharyya([0.5, 0.5], [0.9, 0.1])), 12)
      0.111571775657

    References: Bhattacharyya (1943).
    """
    log_base = _validate.check_base(base, True, "bhattacharyya")
    if densities.is_distribution(p) or densities.is_distribution(q):
        return densities.bhattacharyya(p, q, log_base)
    h2 = squared_hellinger(p, q, axis=axis, normalize=normalize)
    bc = -_divergence(p, q, BHATTACHARYYA_COEFFICIENT, axis=axis, base=None, normalize=normalize)
    xp = np if isinstance(h2, (np.ndarray, np.generic)) else jnp
    with np.errstate(divide="ignore", invalid="ignore"):
        value = xp.where(h2 < 1.0, -xp.log1p(-0.5 * h2), -xp.log(bc))
    return value if log_base is None else value / log_base


@_documented
def alpha_divergence(p, q, alpha: float, *, axis: int = -1, normalize: bool = False):
    r"""Amari's alpha-divergence ``sum_x (p^a q^(1-a) - a p - (1 - a) q) / (a (a - 1))``.

    ``a = 1`` is KL, ``a = 0`` reverse KL, ``a = 2`` half Pearson's chi-square,
    ``a = -1`` half Neyman's, ``a = 1/2`` twice the squared Hellinger distance.
    Relative error below 1e-13; it grows like ``|a log(p/q)| eps`` for
    likelihood ratios beyond 1e100. See :func:`divtools.generators.alpha`.

    Args:
      {common}
      alpha: the order ``a`` (any real number).

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> round(float(divtools.alpha_divergence([0.5, 0.5], [0.9, 0.1], 2.0)), 12)
      0.888888888889

    References: Amari (1985); Cichocki & Amari (2010).
    """
    return _divergence(p, q, _alpha_generator(alpha), axis=axis, base=None, normalize=normalize)
