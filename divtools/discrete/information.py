r"""Entropy, cross-entropy, mutual information and Renyi measures of pmfs: exact sums.

Every measure here is a sum of non-negative terms, each evaluated without
cancellation, so the results keep full relative accuracy (a few ulps against
a 50-digit reference) where textbook formulas cancel:

* ``H(X) = sum_x pbar log(1/pbar)`` with ``pbar = p / S``: each term is
  ``p log1p((S - p)/p) / S`` with ``S`` a double-word sum, so a point mass
  perturbed by ``1e-300`` still has the right entropy (``log n - KL(p || u)``
  or ``-sum p log p`` after rounding ``p / S`` would not).
* ``H(Y | X) = sum p(x, y) log(p(x) / p(x, y))``: the same kernel with the
  marginal ``p(x)`` in place of ``S`` (``H(X, Y) - H(X)`` cancels).
* ``I(X; Y) = KL(p(x, y) || p(x) p(y))`` with the product of the marginals
  formed in double-word arithmetic and the accurate KL kernel
  (:func:`divtools._core.numerics.relative_entropy_terms`) fed the error-free
  difference ``p - p(x) p(y)``: a nearly independent table keeps all its
  digits where ``H(X) + H(Y) - H(X, Y)`` loses them, and a table that is
  exactly a product (integer counts ``outer(a, b)``) gives exactly 0.
  Conditional mutual information is ``KL(p(x, y, z) || p(x, z) p(y, z) / p(z))``.
* ``D_alpha(P || Q) = log(sum p^a q^(1-a)) / (a - 1)``: from Amari's
  alpha-divergence (one-signed terms) as ``log1p(a (a-1) A_a) / (a - 1)``
  where the sum is near 1 (orders near 1, nearly equal pmfs), and as a
  log-sum-exp of ``log q + a log(p/q)`` elsewhere (no overflow at any order).

Tables and axes. A joint pmf is an array whose axes are random variables
(``joint[x, y] = P(X = x, Y = y)``). ``axes`` names the variables (an axis,
or a tuple of axes for a variable made of several), ``given`` the
conditioning variables; every other axis is a batch axis (sum an axis out
first to marginalise it). Counts are accepted with ``normalize=True``.

Evaluation follows the array rule of :mod:`divtools._core.backend`: NumPy
for small concrete input, compiled XLA passes for large input or input on an
accelerator, inline under ``jit``/``vmap``/``grad``. Values are in nats, or in
``base`` (``base=2`` for bits).

References: Cover & Thomas (2006), *Elements of Information Theory*, ch. 2;
Renyi (1961); van Erven & Harremoes (2014), IEEE Trans. Inf. Theory 60(7).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import numerics as nx
from divtools._core import validate
from divtools.discrete import pmf
from divtools.discrete.generators import GENERATORS
from divtools.discrete.generators import alpha as alpha_generator

__all__ = [
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "entropy",
    "mutual_information",
    "renyi_divergence",
    "renyi_entropy",
]

#: Axis arguments: an axis, or a tuple of axes read as one variable.
Axes = int | tuple[int, ...]

_KL = GENERATORS["kl"]

#: Ratios ``m/x - 1`` beyond this are logged as ``log m - log x`` (no overflow).
_FAR = 2.0**50


# --------------------------------------------------------------------------
# Arguments.


def _axis_group(name: str, spec: Any, ndim: int) -> tuple[int, ...]:
    """An axis or a tuple of axes, as non-negative axes (``ValueError``/``TypeError``)."""
    items = spec if isinstance(spec, (tuple, list)) else (spec,)
    if not items:
        raise ValueError(f"{name}: expected an axis or a non-empty tuple of axes, got {spec!r}")
    out = []
    for a in items:
        if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)):
            raise TypeError(f"{name}: expected an axis (an integer) or a tuple of axes, got {spec!r}")
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: axis {int(a)} is out of range for an array with {ndim} dimension(s)")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeats an axis ({spec!r})")
    return tuple(out)


def _variables(
    ndim: int, axes: Any, given: Any, *, least: int
) -> tuple[list[tuple[int, ...]], tuple[int, ...]]:
    """The variables' axis groups and the conditioning axes, checked to be disjoint."""
    if not isinstance(axes, (tuple, list)) or len(axes) < least:
        raise ValueError(
            f"axes: expected a sequence of at least {least} variables (axes or tuples of axes), got {axes!r}"
        )
    groups = [_axis_group("axes", g, ndim) for g in axes]
    cond = () if given is None else _axis_group("given", given, ndim)
    seen: set[int] = set(cond)
    for g in groups:
        if seen & set(g):
            raise ValueError(
                f"axes, given: the variables must not share an axis (axes={axes!r}, given={given!r})"
            )
        seen |= set(g)
    return groups, cond


def _describe_axes(axes: Any, given: Any) -> str:
    return f"{axes!r}" + ("" if given is None else f" and {given!r}")


def _arranged(x: Any, groups: list[tuple[int, ...]], cond: tuple[int, ...]) -> tuple[Any, tuple[int, ...]]:
    """``x`` as ``(*batch, n_given, n_1, ..., n_k)`` (``n_given = 1`` without ``given``)."""
    xp = B.namespace(x)
    used = set(cond).union(*groups)
    batch_axes = [a for a in range(x.ndim) if a not in used]
    order = batch_axes + list(cond) + [a for g in groups for a in g]
    batch = tuple(x.shape[a] for a in batch_axes)
    sizes = [math.prod(x.shape[a] for a in g) for g in groups]
    n_given = math.prod(x.shape[a] for a in cond)
    if order != list(range(x.ndim)):
        x = xp.transpose(x, order)
    if 0 in sizes or n_given == 0:
        raise ValueError("joint: a variable has no outcomes (an axis of length 0)")
    return x.reshape(*batch, n_given, *sizes), batch


def _take_table(name: str, x: Any, groups, cond, normalize: bool, where: str):
    """The array rule for one table, arranged and (when concrete) validated.

    Returns ``(A, T, batch, stats)``: ``stats`` holds each table's minimum, total and
    largest entry (NumPy; None under tracing), computed in one compiled pass on the
    XLA evaluator (where ``T`` is then on the device already).
    """
    A = B.take((name,), (x,), xla_above=pmf.XLA_ABOVE, optional=())
    (T,) = A.values
    if T.ndim == 0:
        raise ValueError(f"{name}: expected an array with at least one axis, got a scalar")
    if callable(groups):
        groups, cond = groups(T.ndim)
    T, batch = _arranged(T, groups, cond)
    if A.evaluator is B.TRACE:
        return A, T, batch, None
    if A.evaluator is B.XLA and not A.jax_out and pmf.has_subnormal(np.asarray(T)):
        A = B.Arrays((np.asarray(T),), B.NUMPY, False, A.out_dtype)  # XLA reads subnormals as 0
    if A.evaluator is B.XLA:
        if not A.jax_out:
            T = B.to_device(np.ascontiguousarray(T), 0)
        stats = B.jax.device_get(A.run(_table_stats, T, nbatch=len(batch)))
        stats = {k: np.asarray(v) for k, v in stats.items()}
    else:
        with np.errstate(over="ignore"):
            stats = _table_stats(np.asarray(T), nbatch=len(batch))
    n = math.prod(T.shape[len(batch) :])
    total, top = stats["sum"], stats["max"]
    if normalize and not np.all(total < math.inf) and np.all(top < math.inf):
        flat = np.asarray(T).reshape(*batch, -1)
        with np.errstate(all="ignore"):  # counts whose total overflows: scaled exactly
            total = np.ldexp(flat, -np.frexp(top)[1][..., None]).sum(-1)
    validate.check_rows(name, stats["min"], total, n, np.dtype(T.dtype), normalize, where, top)
    return A, T, batch, stats


def _table_stats(T: Any, nbatch: int) -> dict:
    """Minimum, total and largest entry of each table (all axes after the batch's)."""
    flat = T.reshape(*T.shape[:nbatch], -1)
    return dict(min=flat.min(-1), sum=flat.sum(-1), max=flat.max(-1))


def _run(A: B.Arrays, fn, *args: Any, **static: Any) -> Any:
    if A.evaluator is B.NUMPY:
        with np.errstate(all="ignore"):
            return fn(*args, **static)
    if A.evaluator is B.XLA and not A.jax_out:
        args = tuple(a if B.is_jax(a) else B.to_device(np.asarray(a), i) for i, a in enumerate(args))
    return A.run(fn, *args, **static)


def _entropy_fast(T: Any) -> Any:
    """``log S - sum p log p / S`` in one fused pass (rows ``(..., 1, n)``): used where
    every row's total is within ``[1/16, 16]`` and no mass exceeds half of it, so that
    ``H >= log 2`` and the two parts cannot cancel (a few ulps plus the pass's
    summation error); ``max(p, tiny)`` keeps ``0 log 0 = 0`` arithmetic (no ``where``:
    XLA vectorises the reduction)."""
    xp = B.namespace(T)
    T = T[..., 0, :]
    S = T.sum(-1)
    plogp = (T * xp.log(xp.maximum(T, nx.tiny(T.dtype)))).sum(-1)
    return xp.log(S) - plogp / S


def _unit(value: Any, log_base: float | None) -> Any:
    return value if log_base is None else value / log_base


# --------------------------------------------------------------------------
# Kernels (array-namespace generic; NumPy, XLA or traced).


def _scaled(T: Any, axes: tuple[int, ...]) -> Any:
    """``T`` times a power of two bringing each table's total into ``[1/2, 1)`` where it is
    outside ``[1/16, 16]`` (counts): exact, and no product of marginals overflows."""
    xp = B.namespace(T)
    total = xp.sum(T, axis=axes, keepdims=True)
    if xp is np and np.all((total >= 0.0625) & (total <= 16.0)):
        return T  # probabilities: nothing to scale
    top = xp.max(T, axis=axes, keepdims=True)
    # the total may overflow: its exponent from the largest entry's and the count
    _, e_top = xp.frexp(top)
    _, e_sum = xp.frexp(xp.where(xp.isfinite(total), total, 1.0))
    e = xp.where(
        xp.isfinite(total),
        e_sum,
        e_top + int(math.ceil(math.log2(max(math.prod(T.shape[a] for a in axes), 2)))),
    )
    keep = (total >= 0.0625) & (total <= 16.0)
    e = xp.where(keep, 0, e)
    half = e // 2
    one = xp.ones_like(total)
    return (T * xp.ldexp(one, -half)) * xp.ldexp(one, half - e)


def _dd_log(hi: Any, lo: Any) -> Any:
    """``log(hi + lo)`` for a positive double-word."""
    xp = B.namespace(hi, lo)
    safe = xp.where(hi > 0, hi, 1.0)
    return xp.log(safe) + lo / safe


def _row_logs(T: Any) -> tuple[Any, Any, Any]:
    """``L = log(S / x) >= 0`` per entry of rows along the last axis (a finite placeholder
    where ``x = 0``) and the rows' totals ``S`` as a double-word.

    ``L = log1p((S - x)/x)``, or ``log S - log x`` for ratios beyond ``2**50``. The rest
    ``S - x`` is formed without cancellation: for the one entry that may exceed ``S/2``,
    as the exact sum of the others (the double-word total alone is accurate to about
    ``eps**2 S`` under XLA, far more than the rest of a near point mass); for every other
    entry as ``(S_hi - x) + S_lo >= S/2``.
    """
    xp = B.namespace(T)
    s_hi, s_lo = nx.exact_sum(T)
    S, S_lo = s_hi[..., None], s_lo[..., None]
    big = T > 0.5 * S
    o_hi, o_lo = nx.exact_sum(xp.where(big, 0.0, T))
    rest = xp.where(big, (o_hi + o_lo)[..., None], (S - T) + S_lo)
    pos = T > 0
    xs = xp.where(pos, T, 1.0)
    r = xp.where(pos, rest, 0.0) / xs
    close = r <= _FAR
    near = nx.log1p(xp.where(close, r, 0.0))
    Ss = xp.where(S > 0, S, 1.0)
    far = (xp.log(Ss) - xp.log(xs)) + S_lo / Ss
    return xp.where(close, near, far), s_hi, s_lo


def _log1p_over(x: Any) -> Any:
    """``log1p(x) / x`` (1 at ``x = 0``), for ``x >= -1/2``: no underflow of ``x`` matters."""
    xp = B.namespace(x)
    small = xp.abs(x) < 1e-300
    xs = xp.where(small, 1.0, x)
    return xp.where(small, 1.0, nx.log1p(xs) / xs)


def _exprel(z: Any) -> Any:
    """``expm1(z) / z`` (1 at ``z = 0``)."""
    xp = B.namespace(z)
    small = xp.abs(z) < 1e-300
    zs = xp.where(small, 1.0, z)
    return xp.where(small, 1.0, xp.expm1(zs) / zs)


def _ratio(hi: Any, lo: Any, s_hi: Any, s_lo: Any) -> Any:
    """``(hi + lo) / (s_hi + s_lo)``, with ``inf`` passed through."""
    xp = B.namespace(hi, lo, s_hi, s_lo)
    finite = xp.isfinite(hi)
    value = nx.dd_div(xp.where(finite, hi, 0.0), xp.where(finite, lo, 0.0), s_hi, s_lo)[0]
    return xp.where(finite, value, hi)


def _weighted(w: Any, x: Any, L: Any) -> Any:
    """``w L`` with ``0 L = 0`` and ``w log(m/0) = inf``."""
    xp = B.namespace(w, x, L)
    return xp.where(w > 0, xp.where(x > 0, w * L, xp.inf), 0.0)


def _entropy_kernel(T: Any) -> Any:
    """``H(G | Z)`` for ``T`` of shape ``(*batch, n_given, n)``: ``sum T log(T_z / T) / S``."""
    xp = B.namespace(T)
    T = _scaled(T, (-2, -1))
    L, z_hi, z_lo = _row_logs(T)
    terms = _weighted(T, T, L)
    s_hi, s_lo = nx.exact_sum(xp.concatenate([z_hi, z_lo], axis=-1))
    hi, lo = nx.exact_sum(terms.reshape(*terms.shape[:-2], -1))
    return _ratio(hi, lo, s_hi, s_lo)


def _cross_entropy_kernel(P: Any, Q: Any) -> Any:
    """``sum pbar log(1/qbar) = sum p log(S_q/q) / S_p`` (rows along the last axis)."""
    P = _scaled(P, (-1,))
    Q = _scaled(Q, (-1,))
    p_hi, p_lo = nx.exact_sum(P)
    L, _, _ = _row_logs(Q)
    hi, lo = nx.exact_sum(_weighted(P, Q, L))
    return _ratio(hi, lo, p_hi, p_lo)


def _marginals(T: Any, k: int) -> list[tuple[Any, Any]]:
    """Double-word marginals of ``T`` (``(*batch, n_z, n_1, ..., n_k)``) on ``(Z, G_i)``,
    shaped to broadcast against ``T``."""
    xp = B.namespace(T)
    lead = T.ndim - k  # axes before the variables: batch and Z
    out = []
    for i in range(k):
        moved = xp.moveaxis(T, lead + i, -1)  # (..., n_z, others..., n_i)
        moved = xp.moveaxis(moved, -1, lead)  # (..., n_z, n_i, others...)
        flat = moved.reshape(*moved.shape[: lead + 1], -1)
        hi, lo = nx.exact_sum(flat)
        shape = [1] * k
        shape[i] = T.shape[lead + i]
        out.append((hi.reshape(*hi.shape[:lead], *shape), lo.reshape(*lo.shape[:lead], *shape)))
    return out


def _mutual_information_kernel(T: Any, k: int) -> Any:
    """``KL(T || prod_i T(z, g_i) / T(z)^(k-1))`` summed over the variables, ``/ S``."""
    xp = B.namespace(T)
    lead = T.ndim - k  # batch axes and Z
    ones = (1,) * k
    # slices T(z, .) with a total outside [1/16, 16] scaled by a power of two to [1/2, 1)
    # (exact): no product of marginals over- or underflows. The KL terms are homogeneous
    # of degree 1: each slice's sum is scaled back, relative to the largest slice.
    z_hi, z_lo = nx.exact_sum(T.reshape(*T.shape[:lead], -1))
    keep = (z_hi >= 0.0625) & (z_hi <= 16.0)
    e = None
    if not (xp is np and np.all(keep)):
        top = xp.max(T.reshape(*T.shape[:lead], -1), axis=-1)
        _, e_top = xp.frexp(top)
        _, e_sum = xp.frexp(xp.where(xp.isfinite(z_hi), z_hi, 1.0))
        n_cells = math.prod(T.shape[lead:])
        e = xp.where(xp.isfinite(z_hi), e_sum, e_top + int(math.ceil(math.log2(max(n_cells, 2)))))
        e = xp.where(keep | (top == 0), 0, e)
        T = _times_power_of_two(T, -e.reshape(*e.shape, *ones))
        z_hi, z_lo = nx.exact_sum(T.reshape(*T.shape[:lead], -1))
    marg = _marginals(T, k)
    zb_hi, zb_lo = z_hi.reshape(*z_hi.shape, *ones), z_lo.reshape(*z_lo.shape, *ones)
    # q = prod_i m_i / m_z^(k-1) and d = T - q = (T m_z^(k-1) - prod_i m_i) / m_z^(k-1), the
    # numerator in double-word arithmetic: exactly 0 for a table of counts that is a product
    prod_hi, prod_lo = marg[0]
    for hi, lo in marg[1:]:
        prod_hi, prod_lo = nx.dd_mul(prod_hi, prod_lo, hi, lo)
    zk_hi, zk_lo = zb_hi, zb_lo
    for _ in range(k - 2):
        zk_hi, zk_lo = nx.dd_mul(zk_hi, zk_lo, zb_hi, zb_lo)
    q_hi, _ = nx.dd_div(prod_hi, prod_lo, zk_hi, zk_lo)
    t_hi, t_lo = nx.dd_mul(T, 0.0 * T, zk_hi, zk_lo)
    n_hi, n_err = nx.two_sum(t_hi, -prod_hi)
    n_hi, n_lo = nx.fast_two_sum(n_hi, n_err + (t_lo - prod_lo))
    d, _ = nx.dd_div(n_hi, n_lo, zk_hi, zk_lo)
    q_hi, d = xp.broadcast_to(q_hi, T.shape), xp.broadcast_to(d, T.shape)
    kl_terms = pmf.differentiable_terms(_KL) if B.is_traced(T) else _KL.terms
    terms = kl_terms(T, q_hi, d)
    # masses below the kernel's floor (or a product of marginals that underflows): the
    # term from logarithms, a (log a - log q) - a + q
    floor = _KL.log_terms_below * nx.tiny(T.dtype)
    extreme = (T > 0) & (xp.minimum(T, q_hi) < floor)
    if not (xp is np and not extreme.any()):
        log_q = sum(_dd_log(hi, lo) for hi, lo in marg) - (k - 1) * _dd_log(zb_hi, zb_lo)
        la = xp.log(xp.where(extreme, T, 1.0))
        lq = xp.where(extreme, log_q, 0.0)
        q_mass = xp.where(q_hi >= nx.tiny(T.dtype), q_hi, xp.exp(lq))
        terms = xp.where(extreme, _KL.log_terms(la, lq, T, q_mass), terms)
    if e is None:  # nothing scaled
        hi, lo = nx.exact_sum(terms.reshape(*terms.shape[: lead - 1], -1))
        s_hi, s_lo = nx.exact_sum(xp.concatenate([z_hi, z_lo], axis=-1))
        return nx.dd_div(hi, lo, s_hi, s_lo)[0]
    t_hi, t_lo = nx.exact_sum(terms.reshape(*terms.shape[:lead], -1))  # per slice
    rel = e - xp.max(e, axis=-1, keepdims=True)  # slices relative to the largest
    hi, lo = nx.exact_sum(
        xp.concatenate([_times_power_of_two(t_hi, rel), _times_power_of_two(t_lo, rel)], axis=-1)
    )
    s_hi, s_lo = nx.exact_sum(
        xp.concatenate([_times_power_of_two(z_hi, rel), _times_power_of_two(z_lo, rel)], axis=-1)
    )
    return nx.dd_div(hi, lo, s_hi, s_lo)[0]


def _times_power_of_two(x: Any, e: Any) -> Any:
    """``x 2**e`` (integer ``e``, broadcasting), exact while the result is normal: as two
    factors, each a normal number."""
    xp = B.namespace(x, e)
    if xp is np:
        return np.ldexp(x, e)  # exact into the subnormal range (NumPy keeps subnormals)
    half = e // 2
    one = xp.ones_like(x)
    return (x * xp.ldexp(one, xp.broadcast_to(half, x.shape))) * xp.ldexp(
        one, xp.broadcast_to(e - half, x.shape)
    )


def _renyi_entropy_kernel(T: Any, order: float) -> Any:
    """``log(sum pbar^a) / (1 - a)`` for rows along the last axis (``T`` of shape
    ``(*batch, 1, n)``), ``0 < a < inf``, ``a != 1``.

    With ``L = log(1/pbar) >= 0`` and ``c = 1 - a``: ``sum pbar^a = 1 + c y``,
    ``y = sum pbar L expm1(c L)/(c L)``, whose terms share one sign; then
    ``H_a = y log1p(c y)/(c y)`` (no underflow of ``c y`` near ``a = 1``), unless
    ``c y < -1/2`` (a large order): then the log-sum-exp of ``-a L``.
    """
    xp = B.namespace(T)
    T = _scaled(T, (-2, -1))[..., 0, :]
    L, s_hi, s_lo = _row_logs(T)
    pos = T > 0
    pbar = nx.dd_div(T, 0.0 * T, s_hi[..., None], s_lo[..., None])[0]
    c = 1.0 - order
    # pbar expm1(c L) = pbar^a - pbar where c L > 1 (expm1 could overflow), with
    # pbar^a = T^a S^-a from the exact masses (exp(-a L) would carry a L eps)
    z = c * L
    grown = z > 1.0
    power = xp.power(xp.where(pos, T, 1.0), order) * xp.exp(-order * _dd_log(s_hi, s_lo))[..., None]
    term = xp.where(grown, (power - pbar) / c, pbar * L * _exprel(xp.where(grown, 0.0, z)))
    y_hi, y_lo = nx.exact_sum(xp.where(pos, term, 0.0))
    y = y_hi + y_lo
    x = c * y
    near = y * _log1p_over(xp.maximum(x, -0.5))
    L_min = xp.min(xp.where(pos, L, xp.inf), axis=-1)
    shifted = xp.where(pos, xp.exp(-order * (L - L_min[..., None])), 0.0)
    far = (-order * L_min + xp.log(xp.sum(shifted, axis=-1))) / c
    return xp.where(x >= -0.5, near, far)


def _renyi_entropy_limit(T: Any, order: float) -> Any:
    """Orders 0 (``log |supp|``) and inf (``-log max pbar``)."""
    xp = B.namespace(T)
    T = _scaled(T, (-2, -1))[..., 0, :]
    if order == 0.0:
        return xp.log(xp.sum(xp.where(T > 0, 1.0, 0.0), axis=-1))
    L, _, _ = _row_logs(T)
    return xp.min(xp.where(T > 0, L, xp.inf), axis=-1)


def _renyi_far(P: Any, Q: Any, order: float) -> Any:
    """``log sum p^a q^(1-a)`` as the log-sum-exp of ``log qbar + a log(pbar/qbar)``."""
    xp = B.namespace(P, Q)
    lr = pmf.log_ratio(P, Q)
    Q = _scaled(Q, (-1,))
    log_q = -_row_logs(Q)[0]
    both = (P > 0) & (Q > 0)
    e = xp.where(both, log_q + order * xp.where(both, lr, 0.0), -xp.inf)
    top = xp.max(e, axis=-1)
    top_s = xp.where(xp.isfinite(top), top, 0.0)
    total = xp.sum(xp.where(both, xp.exp(e - top_s[..., None]), 0.0), axis=-1)
    return xp.where(xp.isfinite(top), top_s + xp.log(total), top)


# --------------------------------------------------------------------------
# Public functions.


def entropy(p: ArrayLike, *, axis: Axes = -1, base: float | None = None, normalize: bool = False) -> Any:
    r"""Shannon entropy ``H(P) = -sum_x p(x) log p(x)`` (``0 log 0 = 0``).

    Each term ``p log(1/p)`` is non-negative and computed as
    ``p log1p((S - p)/p) / S`` with the exact total ``S``: a few ulps also for
    near point masses and counts. For a joint table, ``axis`` may be a tuple of
    axes: the joint entropy of those variables.

    Args:
      p: masses along ``axis`` (leading dimensions are batch dimensions), or
        counts with ``normalize=True``. The array rule of divtools: NumPy in,
        NumPy out (float64); JAX in, JAX out.
      axis: the axis of the outcomes, or a tuple of axes (joint entropy).
      base: ``None`` for nats, or a logarithm base (``2`` for bits).
      normalize: if False, ``p`` must sum to 1 within ``64 eps sqrt(n)``; if True,
        non-negative weights or counts are divided by their total.

    Returns:
      ``H`` in ``[0, log n]`` for each distribution.

    Raises:
      ValueError: NaN, infinite or negative masses, an all-zero or (without
        ``normalize``) unnormalised distribution, an axis out of range, a bad base.
      TypeError: an array that is not real numbers, an axis that is not an integer.

    Example:
      >>> import divtools
      >>> float(divtools.entropy([0.5, 0.25, 0.25], base=2))
      1.5

    See also :func:`cross_entropy` (``CE = H + KL``) and :func:`renyi_entropy`.
    Reference: Shannon (1948); Cover & Thomas (2006), section 2.1.
    """
    log_base = validate.check_base(base, True, "entropy")
    validate.flag("normalize", normalize)
    A, T, _, stats = _take_table(
        "p",
        p,
        lambda ndim: ([_axis_group("axis", axis, ndim)], ()),
        None,
        normalize,
        f"{axis}",
    )
    kernel = _entropy_kernel
    if A.evaluator is B.XLA and T.shape[-2] == 1:
        total, top = stats["sum"], stats["max"]
        if np.all((total >= 0.0625) & (total <= 16.0) & (top <= 0.5 * total)):
            kernel = _entropy_fast
    return A.output(_unit(_run(A, kernel, T), log_base))


def cross_entropy(
    p: ArrayLike, q: ArrayLike, *, axis: int = -1, base: float | None = None, normalize: bool = False
) -> Any:
    r"""Cross-entropy ``CE(P, Q) = -sum_x p(x) log q(x) = H(P) + KL(P || Q)``.

    The expected code length of ``P`` under a code built for ``Q``; the
    minimum over ``Q`` is ``H(P)``, at ``Q = P``. The lecture's cross-entropy
    game decomposes the same way. ``inf`` iff some ``q(x) = 0 < p(x)``. Terms
    ``p log(1/q) >= 0`` with the exact totals: a few ulps.

    Args:
      p, q: masses over the same outcomes along ``axis`` (leading dimensions
        broadcast), or counts with ``normalize=True``.
      axis: the axis of the outcomes.
      base: ``None`` for nats, or a logarithm base.
      normalize: divide non-negative weights by their totals.

    Returns:
      ``CE >= H(P)`` for each pair.

    Raises:
      ValueError, TypeError: as :func:`divtools.kl`.

    Example:
      >>> import divtools
      >>> p, q = [0.5, 0.5], [0.25, 0.75]
      >>> round(float(divtools.cross_entropy(p, q)), 15)
      0.836988216785836
      >>> round(float(divtools.entropy(p) + divtools.kl(p, q)), 15)
      0.836988216785836

    Reference: Cover & Thomas (2006), section 5.4; CS 446 lecture 21.
    """
    log_base = validate.check_base(base, True, "cross_entropy")
    validate.flag("normalize", normalize)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"axis: expected an integer, got {axis!r}")
    A, P, Q = pmf.take_pmfs(("p", "q"), (p, q), axis=int(axis), normalize=normalize)
    if A.evaluator is not B.TRACE and (pmf.has_subnormal(np.asarray(P)) or pmf.has_subnormal(np.asarray(Q))):
        A = B.Arrays((np.asarray(P), np.asarray(Q)), B.NUMPY, A.jax_out, A.out_dtype)
        P, Q = A.values
    return A.output(_unit(_run(A, _cross_entropy_kernel, P, Q), log_base))


def mutual_information(
    joint: ArrayLike,
    *,
    axes: tuple[Axes, ...] = (-2, -1),
    given: Axes | None = None,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    r"""Mutual information ``I(X; Y) = KL(p(x, y) || p(x) p(y))`` of a joint pmf or a
    contingency table (exact; for the estimator from samples see
    :func:`divtools.variational.mutual_information`).

    ``I = H(X) + H(Y) - H(X, Y) >= 0``, 0 iff the variables are independent.
    With more than two variables, the total correlation
    ``KL(p || prod_i p_i) = sum_i H(X_i) - H(X_1, ..., X_k)``; with ``given``,
    the conditional version ``I(X; Y | Z) = KL(p(x, y, z) || p(x, z) p(y, z) / p(z))``.
    Computed as that KL with the product of the marginals in double-word
    arithmetic: nearly independent tables keep full relative accuracy (the
    entropy formula cancels) and exact product tables give 0.

    Args:
      joint: the joint pmf (or counts with ``normalize=True``), one axis per
        variable. Axes not named in ``axes`` or ``given`` are batch axes.
      axes: the variables, at least two; each an axis or a tuple of axes (a
        variable made of several). Default: the last two axes.
      given: the conditioning variable (an axis or a tuple of axes), or None.
      base: ``None`` for nats, ``2`` for bits.
      normalize: divide counts by their total (``sklearn``'s contingency tables).

    Returns:
      ``I >= 0`` for each table of the batch.

    Raises:
      ValueError: invalid masses (as :func:`entropy`), overlapping or
        out-of-range axes, fewer than two variables.
      TypeError: axes that are not integers, an array that is not real.

    Example:
      >>> import divtools
      >>> float(divtools.mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2))
      1.0
      >>> float(divtools.mutual_information([[3, 6], [1, 2]], normalize=True))
      0.0

    References: Cover & Thomas (2006), sections 2.3-2.5 and 2.10 (total correlation:
    Watanabe, 1960).
    """
    log_base = validate.check_base(base, True, "mutual_information")
    validate.flag("normalize", normalize)
    k = len(axes) if isinstance(axes, (tuple, list)) else 0
    A, T, _, stats = _take_table(
        "joint",
        joint,
        lambda ndim: _variables(ndim, axes, given, least=2),
        None,
        normalize,
        _describe_axes(axes, given),
    )
    return A.output(_unit(_run(A, _mutual_information_kernel, T, k=k), log_base))


def conditional_mutual_information(
    joint: ArrayLike,
    *,
    axes: tuple[Axes, ...] = (-3, -2),
    given: Axes = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    r"""Conditional mutual information ``I(X; Y | Z) = sum_z p(z) I(X; Y | Z = z)``.

    ``= KL(p(x, y, z) || p(x, z) p(y, z) / p(z)) = H(X | Z) - H(X | Y, Z) >= 0``;
    :func:`mutual_information` with ``given`` (see there for the arguments).
    Default: a table ``joint[x, y, z]``.

    Example:
      >>> import divtools, numpy as np
      >>> xor = np.zeros((2, 2, 2))
      >>> for x in (0, 1):
      ...     for y in (0, 1):
      ...         xor[x, y, x ^ y] = 0.25
      >>> float(divtools.mutual_information(xor.sum(-1), base=2))  # X, Y independent
      0.0
      >>> float(divtools.conditional_mutual_information(xor, base=2))  # not given Z
      1.0

    Reference: Cover & Thomas (2006), section 2.5.
    """
    if given is None:
        raise ValueError(
            "given: expected the conditioning axis (or axes); use mutual_information without one"
        )
    return mutual_information(joint, axes=axes, given=given, base=base, normalize=normalize)


def conditional_entropy(
    joint: ArrayLike,
    *,
    axis: Axes = -1,
    given: Axes = -2,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    r"""Conditional entropy ``H(Y | X) = -sum p(x, y) log(p(x, y) / p(x)) = H(X, Y) - H(X)``.

    Terms ``p(x, y) log(p(x)/p(x, y)) >= 0`` computed as ``log1p`` of the rest of
    the row over the mass (no cancellation; ``H(X, Y) - H(X)`` cancels when
    ``Y`` is nearly determined by ``X``). Chain rule: ``H(X, Y) = H(X) + H(Y | X)``.

    Args:
      joint: the joint pmf (or counts with ``normalize=True``); axes in neither
        ``axis`` nor ``given`` are batch axes.
      axis: the variable ``Y`` (an axis or a tuple of axes).
      given: the conditioning variable ``X`` (an axis or a tuple of axes).
      base, normalize: as :func:`entropy`.

    Returns:
      ``0 <= H(Y | X) <= H(Y)`` for each table.

    Example:
      >>> import divtools
      >>> float(divtools.conditional_entropy([[0.25, 0.25], [0.5, 0.0]], base=2))  # joint[x, y]
      0.5

    Reference: Cover & Thomas (2006), section 2.2.
    """
    log_base = validate.check_base(base, True, "conditional_entropy")
    validate.flag("normalize", normalize)
    A, T, _, stats = _take_table(
        "joint",
        joint,
        lambda ndim: _variables(ndim, (axis,), given, least=1),
        None,
        normalize,
        _describe_axes(axis, given),
    )
    return A.output(_unit(_run(A, _entropy_kernel, T), log_base))


def _order(order: Any) -> float:
    return validate.real("order", order, low=0.0, finite=False)


def renyi_entropy(
    p: ArrayLike, order: float, *, axis: Axes = -1, base: float | None = None, normalize: bool = False
) -> Any:
    r"""Renyi entropy ``H_a(P) = log(sum_x p(x)^a) / (1 - a)`` of order ``a`` in ``[0, inf]``.

    ``a = 0``: ``log |supp P|`` (Hartley); ``a = 1``: Shannon's :func:`entropy`
    (the limit); ``a = 2``: the collision entropy ``-log sum p^2``;
    ``a = inf``: the min-entropy ``-log max p``. Non-increasing in ``a``.
    Near ``a = 1`` computed from ``log1p(sum p expm1((1 - a) log(1/p)))`` (terms
    of one sign), so orders like ``1 + 1e-12`` keep full accuracy.

    Args:
      p, axis, base, normalize: as :func:`entropy`.
      order: ``a >= 0``, or ``math.inf``.

    Example:
      >>> import divtools
      >>> round(float(divtools.renyi_entropy([0.5, 0.25, 0.25], 2, base=2)), 12)
      1.415037499279

    Reference: Renyi (1961), Proc. 4th Berkeley Symposium, vol. 1, 547-561.
    """
    a = _order(order)
    if a == 1.0:
        return entropy(p, axis=axis, base=base, normalize=normalize)
    log_base = validate.check_base(base, True, "renyi_entropy")
    validate.flag("normalize", normalize)
    A, T, _, stats = _take_table(
        "p", p, lambda ndim: ([_axis_group("axis", axis, ndim)], ()), None, normalize, f"{axis}"
    )
    kernel = _renyi_entropy_limit if a in (0.0, math.inf) else _renyi_entropy_kernel
    return A.output(_unit(_run(A, kernel, T, order=a), log_base))


def _renyi_near(P: Any, Q: Any, A_alpha: Any, order: float) -> Any:
    """``log1p(y) / (a - 1) = a A_a log1p(y)/y`` with ``y = a (a - 1) A_a = sum p^a q^(1-a) - 1``
    (the second form: no underflow of ``y`` near ``a = 1``)."""
    xp = B.namespace(P, Q, A_alpha)
    y = (order * (order - 1.0)) * A_alpha
    return (order * A_alpha) * _log1p_over(xp.maximum(y, -0.5)), y


def _renyi_zero(P: Any, Q: Any) -> Any:
    """``-log Q(p > 0)`` from the mass of ``q`` outside the support of ``p``."""
    xp = B.namespace(P, Q)
    Q = _scaled(Q, (-1,))
    q_hi, q_lo = nx.exact_sum(Q)
    out_hi, out_lo = nx.exact_sum(xp.where(P > 0, 0.0, Q))
    in_hi, in_lo = nx.exact_sum(xp.where(P > 0, Q, 0.0))
    frac_out = nx.dd_div(out_hi, out_lo, q_hi, q_lo)[0]
    frac_in = nx.dd_div(in_hi, in_lo, q_hi, q_lo)[0]
    far = -xp.log(xp.where(in_hi > 0, frac_in, 0.0))
    return xp.where(frac_out <= 0.5, -nx.log1p(-xp.minimum(frac_out, 0.5)), far)


def _renyi_max(P: Any, Q: Any) -> Any:
    xp = B.namespace(P, Q)
    lr = pmf.log_ratio(P, Q)
    return xp.max(xp.where(P > 0, lr, -xp.inf), axis=-1)


def renyi_divergence(
    p: ArrayLike,
    q: ArrayLike,
    order: float,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    r"""Renyi divergence ``D_a(P || Q) = log(sum_x p(x)^a q(x)^(1-a)) / (a - 1)``, ``a`` in ``[0, inf]``.

    ``a = 0``: ``-log Q(supp P)``; ``a = 1``: :func:`divtools.kl` (the limit);
    ``a = 1/2``: ``-2 log BC`` (twice :func:`divtools.bhattacharyya`);
    ``a = 2``: ``log(1 + chi2)``; ``a = inf``: ``log max p/q``. Non-decreasing
    in ``a``; ``inf`` for ``a >= 1`` where some ``q = 0 < p``, and for every
    ``a > 0`` between disjoint supports. Not an f-divergence but a monotone
    function of Amari's alpha-divergence ``A_a``:
    ``D_a = log1p(a (a - 1) A_a) / (a - 1)``, used where ``a (a - 1) A_a`` is
    finite and at least ``-1/2`` (orders near 1 and nearly equal pmfs included:
    a few ulps); elsewhere the log-sum-exp of ``log q + a log(p/q)`` (any order
    without overflow).

    Args:
      p, q, axis, base, normalize: as :func:`divtools.kl`.
      order: ``a >= 0``, or ``math.inf``.

    Example:
      >>> import divtools
      >>> p, q = [0.5, 0.5], [0.9, 0.1]
      >>> round(float(divtools.renyi_divergence(p, q, 2)), 12)  # log(1 + chi2)
      1.021651247532
      >>> abs(float(divtools.renyi_divergence(p, q, 0.5) / 2 - divtools.bhattacharyya(p, q))) < 1e-16
      True

    References: Renyi (1961); van Erven & Harremoes (2014), IEEE Trans. Inf.
    Theory 60(7), 3797-3820.
    """
    a = _order(order)
    if a == 1.0:
        return pmf.divergence(
            p, q, _KL, axis=axis, log_base=validate.check_base(base, True, "kl"), normalize=normalize
        )
    log_base = validate.check_base(base, True, "renyi_divergence")
    validate.flag("normalize", normalize)
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"axis: expected an integer, got {axis!r}")
    A, P, Q = pmf.take_pmfs(("p", "q"), (p, q), axis=int(axis), normalize=normalize)
    xp = B.namespace(P, Q)
    with np.errstate(all="ignore"):
        if a == 0.0:
            value = _renyi_zero(P, Q)
        elif a == math.inf:
            value = _renyi_max(P, Q)
        else:
            divergence = pmf.divergence(P, Q, alpha_generator(a), normalize=True)
            near, y = _renyi_near(P, Q, divergence, a)
            use_near = (y >= -0.5) & (y < math.inf)
            if xp is np and np.all(use_near):
                value = near
            else:
                value = xp.where(use_near, near, _renyi_far(P, Q, a) / (a - 1.0))
            if a > 1.0:  # q^(1 - a) = inf where q = 0 < p
                value = xp.where(xp.any((Q == 0) & (P > 0), axis=-1), xp.inf, value)
    return A.output(_unit(value, log_base))
