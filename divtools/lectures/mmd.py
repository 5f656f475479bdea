r"""Maximum mean discrepancy.

.. math::

    \mathrm{MMD}^2_k(P, Q) = \mathbb{E}\,k(X, X') + \mathbb{E}\,k(Y, Y') - 2\,\mathbb{E}\,k(X, Y),
    \qquad X, X' \sim P,\; Y, Y' \sim Q,

the squared distance between the kernel mean embeddings of ``P`` and ``Q``
(Gretton et al. 2012, JMLR 13, lemma 6). divtools returns the **squared**
MMD (``mmd2``), which is what the estimators estimate without bias; take the
square root of a non-negative value for the distance.

- :func:`mmd2_discrete`: exact for two pmfs and a kernel (Gram) matrix,
  ``(p - q)^T K (p - q)``.
- :func:`mmd2`: from samples ``x (n, d)`` and ``y (m, d)`` with the Gaussian
  kernel ``k(a, b) = exp(-|a - b|^2 / (2 bandwidth^2))``: the biased
  V-statistic (all pairs, ``>= 0``) or the unbiased U-statistic (diagonals
  removed; may be negative).

Both are JAX functions: differentiable, ``jit``/``vmap``-able.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools.discrete import pmf

__all__ = ["gaussian_kernel", "mmd2", "mmd2_discrete"]


def gaussian_kernel(a: ArrayLike, b: ArrayLike, bandwidth: float = 1.0) -> Any:
    """The Gram matrix ``exp(-|a_i - b_j|^2 / (2 bandwidth^2))`` of ``a (n, d)`` and ``b (m, d)``."""
    xp = B.namespace(a, b)
    a, b = xp.atleast_2d(xp.asarray(a)), xp.atleast_2d(xp.asarray(b))
    d2 = xp.sum(a * a, -1)[:, None] + xp.sum(b * b, -1)[None, :] - 2.0 * a @ b.T
    return xp.exp(-xp.maximum(d2, 0.0) / (2.0 * bandwidth**2))


def _samples(name: str, x: Any, concrete: bool) -> Any:
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"{name}: expected samples of shape (n, d) with n >= 1, got {x.shape}")
    if concrete and not np.all(np.isfinite(np.asarray(x))):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return x


def mmd2(x: ArrayLike, y: ArrayLike, *, bandwidth: float = 1.0, unbiased: bool = False) -> Any:
    r"""Squared MMD between the samples ``x`` and ``y`` with a Gaussian kernel.

    Biased (V-statistic): ``mean K_xx + mean K_yy - 2 mean K_xy``, ``>= 0``.
    Unbiased (U-statistic): the same with the diagonals of ``K_xx`` and ``K_yy``
    left out (needs ``n, m >= 2``); its expectation is ``MMD^2`` exactly.

    Example:
      >>> import numpy as np, divtools
      >>> x = np.zeros((3, 1)); float(divtools.mmd2(x, x))
      0.0

    Reference: Gretton, Borgwardt, Rasch, Schoelkopf & Smola (2012), eqs. (3)-(5).
    """
    if not bandwidth > 0:
        raise ValueError(f"bandwidth: must be positive, got {bandwidth}")
    A = B.take(("x", "y"), (x, y))
    concrete = A.evaluator is not B.TRACE
    x, y = (_samples(n, v, concrete) for n, v in zip(("x", "y"), A.values))
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x, y: dimensions differ ({x.shape[1]} and {y.shape[1]})")
    n, m = x.shape[0], y.shape[0]
    if unbiased and min(n, m) < 2:
        raise ValueError("x, y: the unbiased estimate needs at least 2 samples of each")
    xp = A.evaluator.xp
    kxx = gaussian_kernel(x, x, bandwidth)
    kyy = gaussian_kernel(y, y, bandwidth)
    kxy = gaussian_kernel(x, y, bandwidth)
    if unbiased:
        sxx = (xp.sum(kxx) - xp.trace(kxx)) / (n * (n - 1))
        syy = (xp.sum(kyy) - xp.trace(kyy)) / (m * (m - 1))
    else:
        sxx, syy = xp.mean(kxx), xp.mean(kyy)
    value = sxx + syy - 2.0 * xp.mean(kxy)
    if not unbiased:
        value = xp.maximum(value, 0.0)
    return A.output(value)


def mmd2_discrete(p: ArrayLike, q: ArrayLike, kernel: ArrayLike) -> Any:
    r"""Exact ``MMD^2 = (p - q)^T K (p - q)`` for pmfs ``p``, ``q`` and a positive
    semi-definite Gram matrix ``K`` over the same outcomes (``>= 0``).

    Example:
      >>> import numpy as np, divtools
      >>> float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], np.eye(2)))
      2.0
    """
    A, P, Q = pmf.take_pmfs(("p", "q", "kernel"), (p, q, kernel))
    K = A.values[2]
    n = P.shape[-1]
    if K.shape != (n, n):
        raise ValueError(f"kernel: expected shape ({n}, {n}), got {K.shape}")
    if A.evaluator is not B.TRACE and not np.all(np.isfinite(np.asarray(K))):
        raise ValueError("kernel: contains NaN or infinite values")
    xp = A.evaluator.xp
    d = P - Q
    return A.output(xp.maximum(xp.einsum("...i,ij,...j->...", d, K, d), 0.0))
