r"""Maximum mean discrepancy.

.. math::

    \mathrm{MMD}^2_k(P, Q) = \mathbb{E}\,k(X, X') + \mathbb{E}\,k(Y, Y') - 2\,\mathbb{E}\,k(X, Y),
    \qquad X, X' \sim P,\; Y, Y' \sim Q,

the squared distance between the kernel mean embeddings of ``P`` and ``Q``
(Gretton et al. 2012, JMLR 13, lemma 6). divtools returns the **squared**
MMD (``mmd2``), which is what the estimators estimate without bias; take the
square root of a non-negative value for the distance.

- :func:`mmd2_discrete`: exact for two pmfs and a kernel (Gram) matrix,
  ``(p - q)^T K (p - q)``; the kernel must be symmetric positive semi-definite.
- :func:`mmd2`: from samples ``x (n, d)`` and ``y (m, d)`` with the Gaussian
  kernel ``k(a, b) = exp(-|a - b|^2 / (2 bandwidth^2))``: the biased
  V-statistic (all pairs, ``>= 0``) or the unbiased U-statistic (diagonals
  removed; may be negative).

Accuracy: squared distances are summed from the differences ``(a - b) /
bandwidth`` (never from ``|a|^2 + |b|^2 - 2 a.b``, which cancels: points
``1e8`` and ``1e8 + 1`` would be at distance 0), in blocks of rows that bound
the memory; a square that overflows is ``inf``, and its kernel ``exp(-inf) = 0``
is the true value. Since ``k(a, a) = 1``, the statistic is written with
``E = 1 - k = -expm1(-|a - b|^2 / (2 bandwidth^2))``:
``MMD^2 = 2 mean E_xy - mean E_xx - mean E_yy`` (biased), so the ones do not
cancel and nearly equal samples keep their digits.

Both are JAX functions: differentiable, ``jit``/``vmap``-able.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools.discrete import pmf
from divtools.transport import _exact

__all__ = ["gaussian_kernel", "mmd2", "mmd2_discrete"]

#: Elements of the ``(rows, m, d)`` block of differences computed at a time.
BLOCK = 2**20


def _scaled_differences(a: Any, b: Any, bandwidth: Any) -> Any:
    """``(a_i - b_j) / bandwidth`` for rows ``a (r, d)`` and ``b (m, d)``: shape ``(r, m, d)``.

    NumPy: a difference beyond the float range (``1e308 - (-1e308)``) is taken in
    halves. Under XLA a division by a broadcast value becomes a product with its
    reciprocal, which would overflow or be flushed to 0 for extreme bandwidths, and
    subnormal points read as 0: there the points are scaled by ``2^-e``
    (``bandwidth = f 2^e``) from their bits and the differences divided by ``f``."""
    xp = B.namespace(a, b)
    if xp is np:
        with np.errstate(over="ignore", invalid="ignore"):
            diff = a[:, None, :] - b[None, :, :]
            z = diff / bandwidth
            if not np.isfinite(diff).all():
                halves = (a[:, None, :] * 0.5 - b[None, :, :] * 0.5) / bandwidth * 2.0
                z = np.where(np.isfinite(diff), z, halves)
        return z
    # both sides scaled by 2^-e (bandwidth = f 2^e, 0.5 <= f < 1), reading subnormal
    # points from their bits; a point that overflows there is at least 2^1023
    # bandwidths from any other point unless equal to it
    bandwidth = xp.asarray(bandwidth, dtype=a.dtype)
    e = _exact.exponent(bandwidth)
    f = _exact.ldexp(bandwidth, -e)
    z = (_exact.ldexp(a, -e)[:, None, :] - _exact.ldexp(b, -e)[None, :, :]) / f
    return xp.where(xp.isfinite(z), z, xp.where(a[:, None, :] == b[None, :, :], 0.0, xp.inf))


def _one_minus_kernel(a: Any, b: Any, bandwidth: Any) -> Any:
    """``1 - k(a_i, b_j) = -expm1(-|a_i - b_j|^2 / (2 bandwidth^2))`` for row blocks."""
    xp = B.namespace(a, b)
    z = _scaled_differences(a, b, bandwidth)
    if xp is np:
        with np.errstate(over="ignore"):  # a square beyond the range: the kernel is 0
            return -np.expm1(-0.5 * np.sum(z * z, axis=-1))
    return -xp.expm1(-0.5 * xp.sum(z * z, axis=-1))


def gaussian_kernel(a: ArrayLike, b: ArrayLike, bandwidth: float = 1.0) -> Any:
    """The Gram matrix ``exp(-|a_i - b_j|^2 / (2 bandwidth^2))`` of ``a (n, d)`` and ``b (m, d)``,
    from the differences ``a_i - b_j`` (``n m d`` memory)."""
    bandwidth = _exact.check_positive("bandwidth", bandwidth)
    xp = B.namespace(a, b, bandwidth)
    a, b = xp.atleast_2d(xp.asarray(a)), xp.atleast_2d(xp.asarray(b))
    z = _scaled_differences(a, b, bandwidth)
    if xp is np:
        with np.errstate(over="ignore"):
            return np.exp(-0.5 * np.sum(z * z, axis=-1))
    return xp.exp(-0.5 * xp.sum(z * z, axis=-1))


def _sum_one_minus_kernel(a: Any, b: Any, bandwidth: Any) -> Any:
    """``sum_ij (1 - k(a_i, b_j))``, in blocks of rows of ``a`` (at most :data:`BLOCK`
    differences at a time)."""
    xp = B.namespace(a, b)
    n, m, d = a.shape[0], b.shape[0], a.shape[1]
    rows = max(1, BLOCK // max(1, m * d))
    if n <= rows:
        return xp.sum(_one_minus_kernel(a, b, bandwidth))
    if xp is np:
        return sum(np.sum(_one_minus_kernel(a[i : i + rows], b, bandwidth)) for i in range(0, n, rows))
    # JAX: a scan over equal blocks (the last one padded with copies of b's first row, masked)
    blocks = -(-n // rows)
    pad = blocks * rows - n
    padded = xp.concatenate([a, xp.broadcast_to(b[:1], (pad, d))]) if pad else a
    mask = (xp.arange(blocks * rows) < n).reshape(blocks, rows)

    def step(total, block):
        rows_, keep = block
        return total + xp.sum(xp.where(keep[:, None], _one_minus_kernel(rows_, b, bandwidth), 0.0)), None

    zero = xp.zeros((), a.dtype)
    total, _ = B.jax.lax.scan(step, zero, (padded.reshape(blocks, rows, d), mask))
    return total


def _samples(name: str, x: Any, concrete: bool) -> Any:
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name}: expected samples of shape (n, d) with n, d >= 1, got {x.shape}")
    if concrete and not np.all(np.isfinite(np.asarray(x))):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return x


def mmd2(x: ArrayLike, y: ArrayLike, *, bandwidth: float = 1.0, unbiased: bool = False) -> Any:
    r"""Squared MMD between the samples ``x`` and ``y`` with a Gaussian kernel.

    Biased (V-statistic): ``mean K_xx + mean K_yy - 2 mean K_xy``, ``>= 0``.
    Unbiased (U-statistic): the same with the diagonals of ``K_xx`` and ``K_yy``
    left out (needs ``n, m >= 2``); its expectation is ``MMD^2`` exactly.
    Computed as ``2 mean E_xy - mean E_xx - mean E_yy`` with ``E = 1 - K`` from
    the differences of the points (see the module docstring): exact for points
    of any magnitude (``mmd2([[1e8]], [[1e8 + 1]]) = 2 - 2 exp(-1/2)``,
    ``mmd2([[1e160]], [[0.0]]) = 2``).

    Args:
      x, y: samples of shape ``(n, d)`` and ``(m, d)`` (1-D arrays: ``d = 1``).
      bandwidth: the kernel's bandwidth, a finite positive number.
      unbiased: the U-statistic (``True``) or the V-statistic (``False``).

    Example:
      >>> import numpy as np, divtools
      >>> x = np.zeros((3, 1)); float(divtools.mmd2(x, x))
      0.0

    Reference: Gretton, Borgwardt, Rasch, Schoelkopf & Smola (2012), eqs. (3)-(5).
    """
    bandwidth = _exact.check_positive("bandwidth", bandwidth)
    unbiased = _exact.check_flag("unbiased", unbiased)
    _exact.require(x=x, y=y)
    if B.is_jax(bandwidth):  # a JAX bandwidth (traced for its gradient): JAX throughout
        A = B.take(("x", "y", "bandwidth"), (x, y, bandwidth))
        bandwidth = A.values[2]
    else:
        A = B.take(("x", "y"), (x, y))
    concrete = A.evaluator is not B.TRACE
    x, y = (_samples(n, v, concrete) for n, v in zip(("x", "y"), A.values[:2]))
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x, y: dimensions differ ({x.shape[1]} and {y.shape[1]})")
    n, m = x.shape[0], y.shape[0]
    if unbiased and min(n, m) < 2:
        raise ValueError("x, y: the unbiased estimate needs at least 2 samples of each")
    xp = A.evaluator.xp
    exx = _sum_one_minus_kernel(x, x, bandwidth)  # the diagonals are 0: 1 - k(a, a) = 0
    eyy = _sum_one_minus_kernel(y, y, bandwidth)
    exy = _sum_one_minus_kernel(x, y, bandwidth)
    if unbiased:
        value = 2.0 * exy / (n * m) - exx / (n * (n - 1)) - eyy / (m * (m - 1))
    else:
        value = xp.maximum(2.0 * exy / (n * m) - exx / (n * n) - eyy / (m * m), 0.0)
    return A.output(value)


def _check_kernel(K: np.ndarray) -> None:
    """``ValueError`` naming ``kernel`` unless ``K`` is symmetric positive semi-definite up to
    rounding: ``|K - K^T| <= 16 eps max|K|`` and no eigenvalue below ``-16 n eps`` times
    the largest eigenvalue's magnitude."""
    n = K.shape[0]
    eps = np.finfo(np.float64).eps
    top = float(np.max(np.abs(K)))
    if top == 0:
        return
    if np.max(np.abs(K - K.T)) > 16 * eps * top:
        raise ValueError("kernel: a kernel (Gram) matrix is symmetric; this one is not")
    eig = np.linalg.eigvalsh((K + K.T) / 2)
    scale = float(np.max(np.abs(eig)))
    if eig[0] < -16 * n * eps * scale:
        raise ValueError(
            f"kernel: not positive semi-definite (smallest eigenvalue {eig[0]:.6g}, largest "
            f"{eig[-1]:.6g}): the kernel of an MMD is positive semi-definite"
        )


def mmd2_discrete(p: ArrayLike, q: ArrayLike, kernel: ArrayLike) -> Any:
    r"""Exact ``MMD^2 = (p - q)^T K (p - q)`` for pmfs ``p``, ``q`` and a positive
    semi-definite Gram matrix ``K`` over the same outcomes (``>= 0``).

    ``K`` must be symmetric positive semi-definite (checked for concrete input,
    by its eigenvalues, with a rounding tolerance of ``16 n eps`` relative to the
    largest); ``ValueError`` naming ``kernel`` otherwise. A kernel of any
    magnitude is scaled by a power of two before the quadratic form; a value
    beyond the float range is ``inf``.

    Example:
      >>> import numpy as np, divtools
      >>> float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], np.eye(2)))
      2.0

    References: Gretton et al. (2012), "A kernel two-sample test", JMLR 13.
    """
    _exact.require(p=p, q=q, kernel=kernel)
    A, P, Q = pmf.take_pmfs(("p", "q", "kernel"), (p, q, kernel))
    K = A.values[2]
    n = P.shape[-1]
    if K.shape != (n, n):
        raise ValueError(f"kernel: expected shape ({n}, {n}), got {K.shape}")
    xp = A.evaluator.xp
    if A.evaluator is not B.TRACE:
        host = np.asarray(K, dtype=np.float64)
        if not np.all(np.isfinite(host)):
            raise ValueError("kernel: contains NaN or infinite values")
        top = float(np.max(np.abs(host)))
        e = int(np.frexp(top)[1]) - 1 if top > 0 else 0  # the largest entry in [1, 2)
        _check_kernel(np.ldexp(host, -e))
    else:
        e, nonzero = _exact.top_exponent(K.reshape(-1))
        e = xp.where(nonzero, e - 1, 0)
    d = P - Q
    value = xp.einsum("...i,ij,...j->...", d, _exact.ldexp(K, -e), d)  # no overflow
    with np.errstate(over="ignore"):
        return A.output(_exact.ldexp(xp.maximum(value, 0.0), e))
