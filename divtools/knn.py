r"""Non-parametric k-nearest-neighbour estimators: mutual information and KL divergence
from samples, with no density, critic or training.

* :func:`ksg_mutual_information`: the Kraskov-Stögbauer-Grassberger estimators 1 and 2
  of ``I(X; Y)`` from paired samples (max-norm in the joint space).
* :func:`wkv_kl_divergence`: the Wang-Kulkarni-Verdú estimator of ``KL(P || Q)`` from
  samples of ``P`` and of ``Q`` (Euclidean distances).

Both return a :class:`KNNEstimate` ``(value, stderr)`` in nats (``base`` for other
units) and follow the array rule of :mod:`divtools._core.backend`: NumPy input (or
lists) gives NumPy scalars, float64 computed in float64 (JAX's x64 flag is never
flipped; the computation runs inside ``jax.enable_x64``); JAX input gives JAX
arrays in JAX's dtype. Integer samples are computed in float64.

Two exact searches give the same neighbours and counts, chosen once per call from
what was given:

* concrete host input (NumPy arrays, lists, concrete JAX arrays on the CPU) in low
  dimension: k-d trees (``scipy.spatial.cKDTree``, exact queries on all cores), time
  about ``O(n log n)`` there, no compilation. "Low" is measured: a joint dimension
  (KSG) or dimension (WKV) up to 4, up to 6 from 3,000 points, up to 8 from 10,000;
* otherwise (higher dimension, traced input, arrays on an accelerator): brute force
  in XLA, described next.

Brute-force distances are exact and blocked: query rows are taken ``block_size`` at
a time (``jax.lax.map``) against all points, and only the ``k`` smallest of each row
are kept, so memory is ``O(block_size * n)``, never ``n x n``; time is ``O(n^2 d)``.
The ``k``-th smallest is found in ``k`` passes of a min and a count for ``k <= 32``
(XLA's CPU ``top_k`` sorts each float64 row, some 30 times slower), ``k`` passes of
``argmin`` where the neighbours themselves are needed (KSG's estimator 2), and by
``jax.lax.top_k`` above. The same jit-compiled program (static ``k``, ``variant``,
block) runs on the CPU and on an accelerator.

Ties (repeated values, discretised data) are not broken at random: nothing random
is added. Duplicates make distances 0, where the estimators' derivation (continuous
densities) no longer holds; add noise far below the data's resolution first, as
scikit-learn does (``1e-10`` times the scale). See each function for what a zero
distance does.

References:
  Kraskov, Stögbauer & Grassberger (2004), "Estimating mutual information",
  Phys. Rev. E 69, 066138.
  Wang, Kulkarni & Verdú (2009), "Divergence estimation for multidimensional
  densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5), 2392-2405.
"""

from __future__ import annotations

import functools
import math
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import digamma

from divtools._core import backend, validate
from divtools.variational import checks, loop

__all__ = ["KNNEstimate", "ksg_mutual_information", "wkv_kl_divergence"]

#: Up to this ``k`` the ``k``-th smallest distance of a row is found in ``k`` passes
#: (``O(k n)``); above it by ``jax.lax.top_k`` (a sort on XLA's CPU for float64).
_PASSES_K = 32
#: Up to this dimension distances are built one coordinate at a time.
_UNROLL_D = 64
#: Elements of one block's distance matrix (``block_size * n``) when ``block_size=None``:
#: on the CPU a few MiB, which stay in cache through the passes over the block (blocks
#: of 64 to 128 rows of 6000 run 1.3 to 1.5 times faster than 1024 there); on an
#: accelerator large blocks, few sequential steps.
_BLOCK_ELEMENTS = {"cpu": 2**19}
_BLOCK_ELEMENTS_ACCELERATOR = 2**23
_MAX_BLOCK = 1024
#: Concrete host input is searched with k-d trees up to a dimension (the joint one for
#: KSG) that grows with the number of points: ``(points, dimension)`` pairs, measured
#: on the CPU (at 6,000 points a tree takes 0.02 s in dimension 2 and 0.26 s in 8,
#: the brute force 0.17 to 0.26 s; at 20,000 points 0.07 and 1.5 s against 1.5 to
#: 2.8 s). Small inputs also skip the brute force's compilation.
_TREE_D = ((0, 4), (3000, 6), (10_000, 8))


class KNNEstimate(NamedTuple):
    """The result of a k-nearest-neighbour estimator.

    Attributes:
      value: the estimate (nats unless ``base`` was given).
      stderr: the standard deviation of the per-point terms over ``sqrt(n)``: the
        sampling spread of the average, treating the terms as independent. It does
        not cover the estimator's bias, nor the dependence between the terms (each
        point's neighbours are other points of the sample).
    """

    value: Any
    stderr: Any


# --------------------------------------------------------------------------
# Boundary checks.


def _samples(name: str, value: Any) -> Any:
    """``(n, d)`` finite samples (``(n,)`` is ``d = 1``), checked; NumPy or JAX as given."""
    arr = checks.samples(name, value)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name}: expected samples of shape (n,) or (n, d), got shape {arr.shape}")
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape[1] == 0:
        raise ValueError(f"{name}: samples of dimension 0 (shape {arr.shape})")
    return arr


def _neighbours(k: Any, available: int, what: str) -> int:
    """``k``, a positive integer with at most ``available`` candidate neighbours."""
    k = checks.count("k", k)
    if k > available:
        raise ValueError(f"k: expected at most {available} ({what}), got {k}")
    return k


def _block(block_size: Any, n: int, width: int) -> int:
    """Query rows per block, of ``n`` rows against ``width`` points: ``block_size``, or
    as many as keep a block's distance matrix near ``_BLOCK_ELEMENTS`` entries (at most
    ``_MAX_BLOCK``, at least 8), evened out so that the last block is not mostly padding."""
    if block_size is not None:
        return min(checks.count("block_size", block_size), n)
    elements = _BLOCK_ELEMENTS.get(jax.default_backend(), _BLOCK_ELEMENTS_ACCELERATOR)
    rows = max(8, min(_MAX_BLOCK, elements // width))
    blocks = -(-n // rows)
    return -(-n // blocks)


#: Forced search for tests and benchmarks: None (measured rule), "tree" or "brute".
_SEARCH: str | None = None


def _trees(n: int, d: int) -> bool:
    """Whether concrete host input of ``n`` points in dimension ``d`` is searched with
    k-d trees (else blocked brute force in XLA)."""
    if _SEARCH is not None:
        return _SEARCH == "tree"
    return d <= max(dim for points, dim in _TREE_D if n >= points)


def _concrete_zero(count: Any) -> int:
    """The number of zero distances as a Python int, or 0 for a traced count."""
    if backend.is_traced(count):
        return 0
    return int(np.asarray(jax.device_get(count)))


# --------------------------------------------------------------------------
# Kernels.


def _kth_smallest(d: Any, k: int) -> Any:
    """The ``k``-th smallest entry of each row of ``d`` (counting repeated values)."""
    if k > _PASSES_K:
        return -jax.lax.top_k(-d, k)[0][:, -1]
    # t climbs through the distinct values of the row; c = #{d <= t}: after k
    # steps c >= k, and t is the k-th smallest. A step is a min and a count, each a
    # pass over the row (argmin, which would also give the columns, is slower on the CPU).
    t = jnp.full(d.shape[:1], -jnp.inf, d.dtype)
    c = jnp.zeros(d.shape[:1], jnp.int32)
    for _ in range(k):
        above = jnp.min(jnp.where(d > t[:, None], d, jnp.inf), axis=1)
        t = jnp.where(c >= k, t, above)
        c = jnp.sum(d <= t[:, None], axis=1, dtype=jnp.int32)
    return t


def _smallest_columns(d: Any, k: int) -> Any:
    """The columns of the ``k`` smallest entries of each row of ``d``; among equal
    entries the lower column first."""
    if k > _PASSES_K:
        return jax.lax.top_k(-d, k)[1]
    cols = jnp.arange(d.shape[1])
    indices = []
    for step in range(k):
        i = jnp.argmin(d, axis=1)
        indices.append(i)
        if step < k - 1:
            d = jnp.where(cols[None, :] == i[:, None], jnp.inf, d)
    return jnp.stack(indices, axis=1)


def _blocks(a: Any, block: int) -> tuple[Any, Any]:
    """``a`` (``(n, d)``) padded to whole blocks, ``(blocks, block, d)``, and the global
    row numbers ``(blocks, block)`` (``>= n`` on padding)."""
    n = a.shape[0]
    nb = -(-n // block)
    padded = jnp.pad(a, ((0, nb * block - n), (0, 0)))
    return padded.reshape(nb, block, a.shape[1]), jnp.arange(nb * block).reshape(nb, block)


def _chebyshev(qb: Any, a: Any) -> Any:
    """Max-norm distances between the rows of ``qb`` and of ``a``, ``(block, n)``."""
    if a.shape[1] > _UNROLL_D:
        return jnp.max(jnp.abs(qb[:, None, :] - a[None, :, :]), axis=-1)
    # one coordinate at a time: elementwise passes that XLA vectorises (a reduction
    # over a broadcast (block, n, d) difference runs some twice slower on the CPU)
    out = jnp.abs(qb[:, 0, None] - a[None, :, 0])
    for c in range(1, a.shape[1]):
        out = jnp.maximum(out, jnp.abs(qb[:, c, None] - a[None, :, c]))
    return out


def _sq_euclidean(qb: Any, a: Any) -> Any:
    """Squared Euclidean distances from differences (no ``|a|^2 + |b|^2 - 2ab``
    cancellation), ``(block, n)``."""
    if a.shape[1] > _UNROLL_D:
        diff = qb[:, None, :] - a[None, :, :]
        return jnp.sum(diff * diff, axis=-1)
    out = jnp.square(qb[:, 0, None] - a[None, :, 0])
    for c in range(1, a.shape[1]):
        out = out + jnp.square(qb[:, c, None] - a[None, :, c])
    return out


@functools.partial(jax.jit, static_argnames=("k", "variant", "block"))
def _ksg_counts(x: Any, y: Any, *, k: int, variant: int, block: int) -> tuple[Any, Any]:
    """The marginal counts ``(n_x, n_y)`` of every point (the self excluded)."""
    n = x.shape[0]
    xs, rows = _blocks(x, block)
    ys, _ = _blocks(y, block)
    cols = jnp.arange(n)

    def one(args):
        xb, yb, r = args
        dx, dy = _chebyshev(xb, x), _chebyshev(yb, y)
        self_ = r[:, None] == cols[None, :]
        dz = jnp.where(self_, jnp.inf, jnp.maximum(dx, dy))
        if variant == 1:
            # strictly inside eps: distance <= the float below eps (scikit-learn's radius);
            # for eps = 0 (duplicates) that is the points at distance 0
            eps = _kth_smallest(dz, k)
            rx = ry = jnp.nextafter(eps, jnp.zeros((), eps.dtype))
        else:  # eps_x, eps_y: the marginal extents of the k neighbours, counted with <=
            idx = _smallest_columns(dz, k)
            rx = jnp.max(jnp.take_along_axis(dx, idx, axis=1), axis=1)
            ry = jnp.max(jnp.take_along_axis(dy, idx, axis=1), axis=1)
        nx = jnp.sum((dx <= rx[:, None]) & ~self_, axis=1, dtype=jnp.int32)
        ny = jnp.sum((dy <= ry[:, None]) & ~self_, axis=1, dtype=jnp.int32)
        return nx, ny

    nx, ny = jax.lax.map(one, (xs, ys, rows))
    return nx.reshape(-1)[:n], ny.reshape(-1)[:n]


@functools.partial(jax.jit, static_argnames=("k", "variant", "block"))
def _ksg(x: Any, y: Any, log_base: Any, *, k: int, variant: int, block: int) -> tuple[Any, Any]:
    n = x.shape[0]
    nx, ny = _ksg_counts(x, y, k=k, variant=variant, block=block)
    dtype = x.dtype
    nx, ny = nx.astype(dtype), ny.astype(dtype)
    const = digamma(jnp.asarray(k, dtype)) + digamma(jnp.asarray(n, dtype))
    if variant == 1:
        px, py = digamma(nx + 1), digamma(ny + 1)
    else:
        const = const - 1.0 / k
        px, py = digamma(nx), digamma(ny)
    # the order of scikit-learn's _compute_mi_cc: constant minus the two means
    value = const - jnp.mean(px) - jnp.mean(py)
    terms = const - px - py
    stderr = jnp.std(terms, ddof=1) / math.sqrt(n)
    return value / log_base, stderr / log_base


@functools.partial(jax.jit, static_argnames=("k", "block"))
def _wkv(xp: Any, xq: Any, log_base: Any, *, k: int, block: int) -> tuple[Any, Any, Any, Any]:
    n, d = xp.shape
    m = xq.shape[0]
    # a power of two, exact: no overflow or underflow of the squared distances
    top = jnp.maximum(jnp.max(jnp.abs(xp)), jnp.max(jnp.abs(xq)))
    scale = jnp.ldexp(jnp.ones((), xp.dtype), jnp.frexp(jnp.where(top > 0, top, 1.0))[1])
    xp, xq = xp / scale, xq / scale
    qs, rows = _blocks(xp, block)
    cols = jnp.arange(n)

    def one(args):
        qb, r = args
        dpp = jnp.where(r[:, None] == cols[None, :], jnp.inf, _sq_euclidean(qb, xp))
        return _kth_smallest(dpp, k), _kth_smallest(_sq_euclidean(qb, xq), k)

    rho2, nu2 = jax.lax.map(one, (qs, rows))
    rho2, nu2 = rho2.reshape(-1)[:n], nu2.reshape(-1)[:n]
    terms = 0.5 * d * (jnp.log(nu2) - jnp.log(rho2)) + math.log(m / (n - 1))
    value = jnp.mean(terms)
    stderr = jnp.std(terms, ddof=1) / math.sqrt(n)
    return value / log_base, stderr / log_base, jnp.sum(rho2 == 0), jnp.sum(nu2 == 0)


# --------------------------------------------------------------------------
# k-d trees: concrete host input in low dimension.


def _tree(points: np.ndarray) -> Any:
    from scipy.spatial import cKDTree

    return cKDTree(points)


def _query(tree: Any, points: np.ndarray, k: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest points of ``tree`` to each row of ``points``: distances and
    rows ``(n, k)``, nearest first (exact: ``eps = 0``)."""
    dist, idx = tree.query(points, k=k, p=p, workers=-1)
    n = points.shape[0]
    return dist.reshape(n, k), idx.reshape(n, k)


def _others(dist: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The neighbours of each row with the row itself removed: ``(dist, idx)`` of one
    column fewer, and the rows where the query did not return the row itself (more
    copies of it than neighbours asked for), whose columns are not to be used."""
    n, w = idx.shape
    self_ = idx == np.arange(n)[:, None]
    missing = ~self_.any(axis=1)
    self_[missing, -1] = True  # drop the farthest instead (all at distance 0 then)
    keep = ~self_
    return dist[keep].reshape(n, w - 1), idx[keep].reshape(n, w - 1), missing


def _ksg_tree_counts(x: np.ndarray, y: np.ndarray, k: int, variant: int) -> tuple[np.ndarray, np.ndarray]:
    """The counts of :func:`_ksg_counts` from k-d trees (``scipy.spatial.cKDTree``,
    max-norm, exact queries), in ``O(n log n)`` time for low dimension. The counts are
    the same: max-norm distances are the same floats (no arithmetic but a subtraction),
    a radius query counts the distances ``<=`` the radius, and a tie at the ``k``-th
    joint distance is broken by the lower row, as in :func:`_smallest_columns`."""
    n = x.shape[0]
    z = np.hstack((x, y))
    tz = _tree(z)
    # the k + 1 nearest, the point itself among them; for variant 2 one more, past the
    # k-th other, to see whether the k-th distance is tied
    dist, idx, redo = _others(*_query(tz, z, min(k + (2 if variant == 2 else 1), n), np.inf))
    eps = dist[:, k - 1]
    if variant == 1:
        rx = ry = np.nextafter(eps, 0.0)
    else:
        chosen = idx[:, :k]
        if dist.shape[1] > k:  # the k-th joint distance tied with the next: redo the row
            redo |= dist[:, k] == eps
        for i in np.flatnonzero(redo):
            cand = np.asarray(tz.query_ball_point(z[i], eps[i], p=np.inf), dtype=np.intp)
            cand = cand[cand != i]
            d = np.max(np.abs(z[cand] - z[i]), axis=1)
            chosen[i] = cand[np.lexsort((cand, d))[:k]]
        rx = np.max(np.abs(x[chosen] - x[:, None, :]), axis=(1, 2))
        ry = np.max(np.abs(y[chosen] - y[:, None, :]), axis=(1, 2))
    nx = _tree(x).query_ball_point(x, rx, p=np.inf, return_length=True, workers=-1) - 1
    ny = _tree(y).query_ball_point(y, ry, p=np.inf, return_length=True, workers=-1) - 1
    return nx, ny


def _ksg_tree(x: np.ndarray, y: np.ndarray, log_base: float, *, k: int, variant: int) -> tuple[Any, Any]:
    """:func:`_ksg` on the counts of :func:`_ksg_tree_counts`, in float64 NumPy."""
    from scipy.special import digamma as psi

    n = x.shape[0]
    nx, ny = _ksg_tree_counts(np.asarray(x, np.float64), np.asarray(y, np.float64), k, variant)
    const = psi(float(k)) + psi(float(n))
    if variant == 1:
        px, py = psi(nx + 1.0), psi(ny + 1.0)
    else:
        const = const - 1.0 / k
        px, py = psi(nx.astype(np.float64)), psi(ny.astype(np.float64))
    value = const - np.mean(px) - np.mean(py)
    stderr = np.std(const - px - py, ddof=1) / math.sqrt(n)
    return value / log_base, stderr / log_base


def _power_of_two_scale(*arrays: np.ndarray) -> float:
    """A power of two near the largest magnitude (exact division: the squared
    distances neither overflow nor underflow), as in :func:`_wkv`."""
    top = max(float(np.max(np.abs(a))) for a in arrays)
    return math.ldexp(1.0, math.frexp(top)[1]) if top > 0 else 1.0


def _kth_sq(points: np.ndarray, data: np.ndarray, idx: np.ndarray, j: int) -> np.ndarray:
    """The ``j``-th smallest (from 0) squared Euclidean distance from each row of
    ``points`` to the rows ``idx`` of ``data``, summed coordinate by coordinate as
    :func:`_sq_euclidean` sums them."""
    diff = data[idx] - points[:, None, :]
    sq = diff[..., 0] ** 2
    for c in range(1, points.shape[1]):
        sq = sq + diff[..., c] ** 2
    return np.sort(sq, axis=1)[:, j]


def _wkv_tree(xp: np.ndarray, xq: np.ndarray, log_base: float, *, k: int) -> tuple[Any, Any, int, int]:
    """:func:`_wkv` with the neighbours from k-d trees (``scipy.spatial.cKDTree``),
    in float64 NumPy. The squared distances are recomputed from the neighbours'
    rows as :func:`_wkv` computes them, one more neighbour than needed so that the
    order is that of those sums."""
    xp, xq = np.asarray(xp, np.float64), np.asarray(xq, np.float64)
    n, d = xp.shape
    m = xq.shape[0]
    scale = _power_of_two_scale(xp, xq)
    xp, xq = xp / scale, xq / scale
    # k + 1 in x_p (the point itself is at distance 0, the smallest), k in x_q
    kp, kq = min(k + 2, n), min(k + 1, m)
    rho2 = _kth_sq(xp, xp, _query(_tree(xp), xp, kp, 2.0)[1], k)
    nu2 = _kth_sq(xp, xq, _query(_tree(xq), xp, kq, 2.0)[1], k - 1)
    with np.errstate(divide="ignore", invalid="ignore"):  # zero distances: raised by the caller
        terms = 0.5 * d * (np.log(nu2) - np.log(rho2)) + math.log(m / (n - 1))
        value = np.mean(terms)
        stderr = np.std(terms, ddof=1) / math.sqrt(n)
    return value / log_base, stderr / log_base, int(np.sum(rho2 == 0)), int(np.sum(nu2 == 0))


def _run(A: backend.Arrays, fn, *args: Any, **static: Any) -> Any:
    """``fn`` on the converted arrays, in their dtype (float64 inside ``jax.enable_x64``)."""
    dtype = np.dtype(A.values[0].dtype)
    with loop.precision(dtype):
        values = [a if backend.is_jax(a) else jnp.asarray(a) for a in A.values]
        return fn(*values, *args, **static)


# --------------------------------------------------------------------------
# The estimators.


def ksg_mutual_information(
    x: Any,
    y: Any,
    *,
    k: int = 3,
    variant: int = 1,
    base: float | None = None,
    block_size: int | None = None,
) -> KNNEstimate:
    r"""Estimate ``I(X; Y)`` from paired samples by the KSG k-nearest-neighbour estimators.

    With ``N`` pairs ``z_i = (x_i, y_i)``, distances in the max-norm
    ``||z - z'|| = max(||x - x'||_inf, ||y - y'||_inf)``, ``eps(i)`` the distance
    from ``z_i`` to its ``k``-th nearest neighbour (itself excluded) and ``psi``
    the digamma function:

    * estimator 1 (``variant=1``)::

          I = psi(k) + psi(N) - < psi(n_x(i) + 1) + psi(n_y(i) + 1) >

      with ``n_x(i) = #{j != i : ||x_j - x_i|| < eps(i)}`` (strictly inside), likewise ``n_y``;
    * estimator 2 (``variant=2``)::

          I = psi(k) - 1/k + psi(N) - < psi(n_x(i)) + psi(n_y(i)) >

      with ``n_x(i) = #{j != i : ||x_j - x_i|| <= eps_x(i)}``, where ``eps_x(i)`` is the
      largest ``x``-distance from ``x_i`` to its ``k`` joint nearest neighbours (likewise ``y``).

    ``< . >`` is the mean over the ``N`` points. Variant 1 is the estimator of
    scikit-learn's ``mutual_info_regression`` (for one feature): on the same arrays,
    ``_compute_mi_cc`` gives the same number up to rounding, except that
    scikit-learn replaces a negative estimate by 0 while this function reports it
    as it is (a negative value says the MI is near 0, within the estimator's
    error). ``mutual_info_regression`` also scales the data and adds noise before
    estimating; this function adds nothing.

    Conventions: nats unless ``base`` (``base=2`` for bits). The estimate is
    invariant under a permutation of the pairs and symmetric in ``x`` and ``y``;
    it is not invariant under rescaling one variable (the max-norm mixes them).
    Ties: "strictly inside ``eps``" is counted as scikit-learn counts it (distances
    ``<=`` the float just below ``eps``), so where duplicates make ``eps(i) = 0`` the
    count is the points that coincide with ``x_i``, and the result matches
    scikit-learn on tied data too; with ``variant=2`` a tie at the ``k``-th joint
    distance is broken by the lower index. Neither is the estimator for
    continuous data: add tiny noise to tied data first.

    Args:
      x, y: samples ``(N, d_x)`` and ``(N, d_y)`` (``(N,)`` is one dimension), paired
        by row; finite.
      k: the neighbour order, ``1 <= k <= N - 1`` (3 in scikit-learn; larger ``k``:
        less variance, more bias).
      variant: ``1`` or ``2`` (KSG's ``I^(1)`` and ``I^(2)``).
      base: ``None`` for nats, or a logarithm base.
      block_size: query rows per block of the brute-force distances (memory
        ``O(block_size * N)``); default about ``2**19 / N`` on the CPU, ``2**23 / N``
        on an accelerator (8 to 1024). It changes the speed, not the result; the
        k-d tree search (concrete input in low dimension) does not use it.

    Returns:
      :class:`KNNEstimate`: the estimate (unclamped: it can be negative) and the
      standard deviation of the per-point terms
      ``psi(k) + psi(N) - psi(n_x(i) + 1) - psi(n_y(i) + 1)`` (variant 2: its own
      terms) over ``sqrt(N)``. The standard error covers the sampling spread of the
      average only: not the estimator's bias, which grows with the MI and the
      dimension (KSG underestimate strong dependence), nor the dependence between
      the points' terms. NumPy in, NumPy scalars out; JAX in, JAX arrays out.

    Raises:
      ValueError, TypeError: a bad argument, named, before anything is computed
        (non-finite or empty samples, ``x`` and ``y`` of different lengths, ``k``
        not an integer in ``[1, N - 1]``, ``variant`` not 1 or 2, a base that is
        not positive or is 1).

    Example:
      >>> import numpy as np, divtools.knn as knn
      >>> rng = np.random.default_rng(0)
      >>> x = rng.normal(size=2000); y = 0.75 * x + np.sqrt(1 - 0.75**2) * rng.normal(size=2000)
      >>> r = knn.ksg_mutual_information(x, y, k=3)
      >>> exact = -0.5 * np.log(1 - 0.75**2)        # 0.4133 nats
      >>> bool(abs(r.value - exact) < 4 * r.stderr), r.value.dtype
      (True, dtype('float64'))

    Reference:
      Kraskov, Stögbauer & Grassberger (2004), "Estimating mutual information",
      Phys. Rev. E 69, 066138, equations (8) and (9).
    """
    xs = _samples("x", x)
    ys = _samples("y", y)
    n = xs.shape[0]
    if ys.shape[0] != n:
        raise ValueError(f"x, y: paired samples must have the same length ({n} and {ys.shape[0]})")
    if n < 2:
        raise ValueError(f"x, y: at least 2 pairs are needed, got {n}")
    k = _neighbours(k, n - 1, "N - 1, the other points")
    variant = checks.count("variant", variant)
    if variant not in (1, 2):
        raise ValueError(f"variant: expected 1 or 2, got {variant}")
    log_base = validate.check_base(base, True, "mutual information")
    lb = 1.0 if log_base is None else log_base
    block = _block(block_size, n, n)
    trees = _trees(n, xs.shape[1] + ys.shape[1])
    A = backend.take(("x", "y"), (xs, ys), xla_above=float("inf") if trees else 0)
    if A.evaluator is backend.NUMPY:
        value, stderr = _ksg_tree(*A.values, lb, k=k, variant=variant)
    else:
        value, stderr = _run(A, _ksg, lb, k=k, variant=variant, block=block)
    return KNNEstimate(A.output(value), A.output(stderr))


def wkv_kl_divergence(
    x_p: Any,
    x_q: Any,
    *,
    k: int = 1,
    base: float | None = None,
    block_size: int | None = None,
) -> KNNEstimate:
    r"""Estimate ``KL(P || Q)`` from samples of ``P`` and ``Q`` by the Wang-Kulkarni-Verdú
    k-nearest-neighbour estimator.

    With ``n`` samples ``x_p`` of ``P`` and ``m`` samples ``x_q`` of ``Q`` in ``R^d``,
    Euclidean distances, ``rho_k(i)`` the distance from ``x_p[i]`` to its ``k``-th
    nearest neighbour among the other points of ``x_p`` and ``nu_k(i)`` the distance
    to its ``k``-th nearest neighbour in ``x_q``::

        D = d/n * sum_i log(nu_k(i) / rho_k(i)) + log(m / (n - 1))

    (Wang, Kulkarni & Verdú 2009, equation (5) with ``k = l``). Consistent as ``n, m``
    grow for fixed ``k``; biased at finite ``n`` (more in higher dimension), and
    it can be negative. Nats unless ``base``. The estimate is invariant under a
    common permutation, translation, rotation or scaling of both samples.

    Ties: a zero distance (``x_p`` holding a point twice, within its first ``k``
    neighbours, or a point of ``x_p`` equal to ``k`` points of ``x_q``) makes a term
    infinite; with concrete input that is a ``ValueError`` naming the sample
    (add tiny noise first), and under ``jax.jit`` an infinite or NaN estimate.

    Args:
      x_p: samples of ``P``, ``(n, d)`` (``(n,)`` is ``d = 1``); finite.
      x_q: samples of ``Q``, ``(m, d)``, the same ``d``; finite.
      k: the neighbour order, ``1 <= k <= n - 1`` and ``k <= m``.
      base: ``None`` for nats, or a logarithm base.
      block_size: rows of ``x_p`` per block of the brute-force distances (memory
        ``O(block_size * (n + m))``); default as for :func:`ksg_mutual_information`,
        with ``max(n, m)`` points; not used by the k-d tree search.

    Returns:
      :class:`KNNEstimate`: the estimate and the standard deviation of the
      per-point terms ``d log(nu_k(i) / rho_k(i)) + log(m / (n - 1))`` over
      ``sqrt(n)`` (the spread of the average only: not the bias, nor the dependence
      between the terms). NumPy in, NumPy scalars out; JAX in, JAX arrays out.

    Raises:
      ValueError, TypeError: a bad argument, named, before anything is computed
        (non-finite or empty samples, different dimensions, ``k`` not an integer
        in range, a bad base); ``ValueError`` for a zero nearest-neighbour distance.

    Example:
      >>> import numpy as np, divtools.knn as knn
      >>> rng = np.random.default_rng(0)
      >>> p, q = rng.normal(0.0, 1.0, 5000), rng.normal(1.0, 1.0, 5000)
      >>> r = knn.wkv_kl_divergence(p, q)            # KL(N(0,1) || N(1,1)) = 0.5
      >>> bool(abs(r.value - 0.5) < 4 * r.stderr)
      True

    Reference:
      Wang, Kulkarni & Verdú (2009), "Divergence estimation for multidimensional
      densities via k-nearest-neighbor distances", IEEE Trans. Inf. Theory 55(5),
      2392-2405.
    """
    ps = _samples("x_p", x_p)
    qs = _samples("x_q", x_q)
    n, d = ps.shape
    m = qs.shape[0]
    if qs.shape[1] != d:
        raise ValueError(f"x_q: expected samples of dimension {d} (that of x_p), got shape {qs.shape}")
    if n < 2:
        raise ValueError(f"x_p: at least 2 samples are needed, got {n}")
    k = _neighbours(k, min(n - 1, m), f"n - 1 = {n - 1} other points of x_p and m = {m} of x_q")
    log_base = validate.check_base(base, True, "KL divergence")
    lb = 1.0 if log_base is None else log_base
    block = _block(block_size, n, max(n, m))
    trees = _trees(max(n, m), d)
    A = backend.take(("x_p", "x_q"), (ps, qs), xla_above=float("inf") if trees else 0)
    if A.evaluator is backend.NUMPY:
        value, stderr, zero_rho, zero_nu = _wkv_tree(*A.values, lb, k=k)
    else:
        value, stderr, zero_rho, zero_nu = _run(A, _wkv, lb, k=k, block=block)
        zero_rho, zero_nu = _concrete_zero(zero_rho), _concrete_zero(zero_nu)
    if zero_rho:
        raise ValueError(
            f"x_p: {zero_rho} points are at distance 0 from their {k}-th nearest neighbour "
            "in x_p (repeated samples); add tiny noise to break the ties"
        )
    if zero_nu:
        raise ValueError(
            f"x_q: {zero_nu} points of x_p are at distance 0 from their {k}-th nearest "
            "neighbour in x_q (samples shared by x_p and x_q); add tiny noise to break the ties"
        )
    return KNNEstimate(A.output(value), A.output(stderr))
