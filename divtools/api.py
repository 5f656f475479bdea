r"""The public functions: each decides once what it was given and routes down.

Arrays of masses go to the exact sums of :mod:`divtools.discrete.pmf`; two
distribution objects (:mod:`divtools.distributions`' families, frozen
``scipy.stats`` distributions, anything with a density) go to
:mod:`divtools.distributions.densities` (closed forms, enumeration of discrete
supports, quadrature). Sample arrays for ``wasserstein_1d`` go to
:mod:`divtools.transport.line`; two distributions to their quantile functions.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import validate
from divtools.discrete import information, pmf
from divtools.discrete.generators import BHATTACHARYYA_COEFFICIENT, GENERATORS, Generator, get, skew_js
from divtools.discrete.generators import alpha as _alpha_generator
from divtools.distributions import densities, gaussian, quantile
from divtools.distributions.families import Normal, is_distribution, recognise
from divtools.transport import line

__all__ = [
    "alpha_divergence",
    "bhattacharyya",
    "chi2",
    "f_divergence",
    "hellinger_distance",
    "jeffreys",
    "js",
    "js_distance",
    "kl",
    "renyi_divergence",
    "squared_hellinger",
    "tv",
    "wasserstein_1d",
]

#: What the divergences accept: arrays of masses, or distribution objects.
PMFOrDistribution = Any


def _gaussian_pair(p, q, names=("p", "q")) -> bool:
    """Whether ``p`` and ``q`` go to the multivariate normal closed forms (both are
    multivariate normals; one alone is an error that names the other)."""
    p_mvn, q_mvn = gaussian.is_multivariate_normal(p), gaussian.is_multivariate_normal(q)
    if p_mvn and q_mvn:
        return True
    if p_mvn or q_mvn:
        other = names[1] if p_mvn else names[0]
        raise TypeError(
            f"{other}: a multivariate normal compares with a multivariate normal only "
            f"(closed forms: {gaussian.GAUSSIAN_CLOSED_FORMS}); got {type(q if p_mvn else p).__name__}"
        )
    return False


def _normal_as_gaussian(d: Any) -> Any:
    """A (1-D) normal as a :class:`~divtools.distributions.MultivariateNormal` with ``d = 1``
    (for the closed forms that only the multivariate module has), else None."""
    if not is_distribution(d) or gaussian.is_multivariate_normal(d):
        return None
    r = recognise(d)
    if not isinstance(r, Normal):
        return None
    xp = B.namespace(r.loc, r.scale)
    loc, scale = xp.asarray(r.loc, dtype=float), xp.asarray(r.scale, dtype=float)
    loc, scale = xp.broadcast_arrays(loc, scale)
    return gaussian.MultivariateNormal.from_diagonal(loc[..., None], (scale * scale)[..., None])


def _divergence(p, q, gen: Generator, *, axis, base, normalize, names=("p", "q")):
    log_base = validate.check_base(base, gen.logarithmic, gen.name)
    if is_distribution(p) or is_distribution(q) or gaussian.is_multivariate_normal(p):
        if _gaussian_pair(p, q, names):
            return gaussian.gaussian_divergence(p, q, gen, log_base, names)
        return densities.divergence(p, q, gen, log_base, names)
    return pmf.divergence(p, q, gen, axis=axis, log_base=log_base, normalize=normalize, names=names)


# --------------------------------------------------------------------------
# Public functions. Their docstrings share the arguments below (see _documented).

_COMMON = """p, q: masses over the same outcomes along ``axis`` (array-like; leading
        dimensions broadcast). NumPy or list input is computed in float64 and
        returned as NumPy; JAX input stays JAX (see :mod:`divtools._core.backend`).
        Or two distributions (frozen ``scipy.stats`` objects, divtools'
        families): closed forms where a family has one, else quadrature.
      axis: the axis that indexes the outcomes.
      normalize: if False (default), ``p`` and ``q`` must each sum to 1 within
        ``64 eps sqrt(n)``; if True, non-negative weights or counts are accepted
        and divided by their sums.
      base: ``None`` for nats, or a logarithm base (``2`` for bits)."""

_RAISES = """ValueError: on concrete input with NaN, inf, negative entries, all-zero
        or (without ``normalize``) unnormalised distributions; on mismatched
        shapes, an empty outcome axis or an invalid ``base`` (also under ``jit``)."""


def _documented(fn):
    """Fill the shared ``{common}`` arguments and ``{raises}`` into a docstring
    (absent under ``python -OO``)."""
    if fn.__doc__:
        fn.__doc__ = fn.__doc__.replace("{common}", _COMMON).replace("{raises}", _RAISES)
    return fn


@_documented
def f_divergence(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    f: str | Generator | Any = "kl",
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
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
def kl(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
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
def js(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    *,
    weights: tuple[float, float] | None = None,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
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
def tv(p: PMFOrDistribution, q: PMFOrDistribution, *, axis: int = -1, normalize: bool = False) -> Any:
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
def jeffreys(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
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
def chi2(p: PMFOrDistribution, q: PMFOrDistribution, *, axis: int = -1, normalize: bool = False) -> Any:
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
def squared_hellinger(
    p: PMFOrDistribution, q: PMFOrDistribution, *, axis: int = -1, normalize: bool = False
) -> Any:
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
    return _divergence(p, q, GENERATORS["squared_hellinger"], axis=axis, base=None, normalize=normalize)


@_documented
def bhattacharyya(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
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
    log_base = validate.check_base(base, True, "bhattacharyya")
    if is_distribution(p) or is_distribution(q):
        if _gaussian_pair(p, q):
            return gaussian.bhattacharyya(p, q, log_base)
        return densities.bhattacharyya(p, q, log_base)
    h2 = squared_hellinger(p, q, axis=axis, normalize=normalize)
    bc = -_divergence(p, q, BHATTACHARYYA_COEFFICIENT, axis=axis, base=None, normalize=normalize)
    xp = B.namespace(h2, bc)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = xp.where(h2 < 1.0, -xp.log1p(-0.5 * h2), -xp.log(bc))
    if log_base is not None:
        value = value / log_base
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


@_documented
def alpha_divergence(
    p: PMFOrDistribution, q: PMFOrDistribution, alpha: float, *, axis: int = -1, normalize: bool = False
) -> Any:
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


@_documented
def js_distance(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    r"""Jensen-Shannon distance ``sqrt(JS(P, Q))``, a metric on distributions.

    What ``scipy.spatial.distance.jensenshannon`` returns (with ``base``, the
    square root of JS in that base): in ``[0, sqrt(log 2)]`` nats, ``[0, 1]``
    with ``base=2``. The square root of :func:`js`, to a few ulps.

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> float(divtools.js_distance([1.0, 0.0], [0.0, 1.0], base=2))
      1.0

    References: Endres & Schindelin (2003), IEEE Trans. Inf. Theory 49(7).
    """
    value = js(p, q, axis=axis, base=base, normalize=normalize)
    return B.namespace(value).sqrt(value)


@_documented
def hellinger_distance(
    p: PMFOrDistribution, q: PMFOrDistribution, *, axis: int = -1, normalize: bool = False
) -> Any:
    r"""Hellinger distance ``H(P, Q) = sqrt(sum_x (sqrt p(x) - sqrt q(x))^2 / 2) = sqrt(1 - BC)``.

    A metric with values in ``[0, 1]`` (1 iff the supports are disjoint): the
    convention of Le Cam and of most texts, so
    ``hellinger_distance**2 = squared_hellinger / 2`` (:func:`squared_hellinger`
    is the lecture table's f-divergence, without the 1/2).

    Args:
      {common}

    Raises:
      {raises}

    Example:
      >>> import divtools
      >>> float(divtools.hellinger_distance([1.0, 0.0], [0.0, 1.0]))
      1.0

    References: Hellinger (1909); Le Cam & Yang (2000), *Asymptotics in Statistics*, ch. 3.
    """
    value = squared_hellinger(p, q, axis=axis, normalize=normalize)
    return B.namespace(value).sqrt(0.5 * value)


def renyi_divergence(
    p: PMFOrDistribution,
    q: PMFOrDistribution,
    order: float,
    *,
    axis: int = -1,
    base: float | None = None,
    normalize: bool = False,
) -> Any:
    if not (is_distribution(p) or is_distribution(q)):
        return information.renyi_divergence(p, q, order, axis=axis, base=base, normalize=normalize)
    a = validate.real("order", order, low=0.0, finite=False)
    log_base = validate.check_base(base, True, "renyi_divergence")
    p_normal, q_normal = _normal_as_gaussian(p), _normal_as_gaussian(q)
    if p_normal is not None and q_normal is not None:
        p, q = p_normal, q_normal
    if _gaussian_pair(p, q):
        return gaussian.renyi(p, q, a, log_base)
    if a == 1.0:
        return kl(p, q, base=base)
    if a in (0.0, math.inf):
        raise TypeError(
            f"order: Renyi divergences of order {a:g} between distributions have closed forms "
            "between normals only (divtools.distributions.MultivariateNormal); orders in (0, inf) "
            "for every pair"
        )
    A = densities.divergence(p, q, _alpha_generator(a), None)
    xp = B.namespace(A)
    y = (a * (a - 1.0)) * A  # int p^a q^(1-a) - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        value = xp.where(y > -1.0, xp.log1p(xp.maximum(y, -1.0)) / (a - 1.0), xp.inf)
    if log_base is not None:
        value = value / log_base
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


renyi_divergence.__doc__ = (information.renyi_divergence.__doc__ or "") + (
    """
    Between two distributions: closed forms for (multivariate) normals at every
    order; for other pairs, orders in ``(0, inf)`` from the alpha-divergence
    (closed form or quadrature).
    """
    if information.renyi_divergence.__doc__
    else ""
)


def wasserstein_1d(
    u_values: ArrayLike | Any,
    v_values: ArrayLike | Any,
    u_weights: ArrayLike | None = None,
    v_weights: ArrayLike | None = None,
    *,
    p: float = 1,
) -> Any:
    r"""Exact Wasserstein distance ``W_p`` between weighted samples on the real line.

    ``W_p = (int_0^1 |F^-1(t) - G^-1(t)|^p dt)^(1/p)`` between the empirical
    measures ``sum_i a_i delta(u_i) / sum a`` and ``sum_j b_j delta(v_j) / sum b``;
    ``W_inf = sup_t |F^-1(t) - G^-1(t)|``. The distance (p-th root taken): scipy's
    ``wasserstein_distance`` is ``W_1`` only; POT's ``wasserstein_1d`` returns
    ``W_p^p``.

    Args:
      u_values, v_values: samples along the last axis (sizes may differ); leading
        axes are batch axes and broadcast. Or two 1-D distributions with a
        ``ppf`` (frozen ``scipy.stats`` objects): then ``W_p`` is the quantile
        integral, computed by adaptive quadrature to a relative error of 1e-10
        (see :mod:`divtools.distributions.quantile`).
      u_weights, v_weights: non-negative weights of the samples (same shapes as
        the values; default equal weights), divided by their sums. Zero
        weights are allowed.
      p: the order, a real number >= 1, or ``math.inf``.

    Returns:
      ``W_p`` for each pair of sample sets (the broadcast batch shape). NumPy in,
      NumPy out (float64); JAX in, JAX out. Differentiable with respect to values
      and weights under ``jax.grad`` (at ``W_p = 0`` the gradient of the root is
      taken as 0).

    Raises:
      ValueError: for NaN or infinite values; negative, NaN, infinite or
        all-zero weights; weights whose shape differs from their values'; an
        empty sample; ``p < 1``.

    Example:
      >>> import divtools
      >>> float(divtools.wasserstein_1d([0.0, 1.0, 3.0], [5.0, 6.0, 8.0]))
      5.0
      >>> float(divtools.wasserstein_1d([0.0, 1.0], [0.0], [3.0, 1.0], [1.0]))
      0.25

    References: Villani (2009), Optimal Transport, remark 2.19; CE 22-808 lecture
    (Earth-Mover distance); Peyre & Cuturi (2019), section 2.6.
    """
    p = line.check_order(p)
    u_dist, v_dist = is_distribution(u_values), is_distribution(v_values)
    if u_dist or v_dist:
        if not (u_dist and v_dist):
            raise TypeError(
                "u_values, v_values: give two distributions (objects with a ppf) or two "
                "sample arrays, not one of each"
            )
        if u_weights is not None or v_weights is not None:
            raise ValueError("u_weights, v_weights: not used with distributions; leave them None")
        return quantile.wasserstein(u_values, v_values, p)
    return line.wasserstein_1d(u_values, v_values, u_weights, v_weights, p=p)
