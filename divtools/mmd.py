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

import jax
import jax.numpy as jnp
import numpy as np

from divtools import exact

__all__ = ["gaussian_kernel", "mmd2", "mmd2_discrete"]


def _x64(*arrays) -> bool:
    return not any(isinstance(a, jax.Array) for a in arrays)


def _out(value, host):
    if not host:
        return value
    value = np.asarray(value, dtype=np.float64)
    return value[()] if value.ndim == 0 else value


def gaussian_kernel(a, b, bandwidth: float = 1.0):
    """The Gram matrix ``exp(-|a_i - b_j|^2 / (2 bandwidth^2))`` of ``a (n, d)`` and ``b (m, d)``."""
    a, b = jnp.atleast_2d(a), jnp.atleast_2d(b)
    d2 = (jnp.sum(a * a, -1)[:, None] + jnp.sum(b * b, -1)[None, :] - 2.0 * a @ b.T)
    return jnp.exp(-jnp.maximum(d2, 0.0) / (2.0 * bandwidth**2))


def _samples(name, x):
    if isinstance(x, jax.Array):
        return x if x.ndim == 2 else x.reshape(x.shape[0], -1)
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name}: expected samples of shape (n, d) with n >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def mmd2(x, y, *, bandwidth: float = 1.0, unbiased: bool = False):
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
    host = _x64(x, y)
    x, y = _samples("x", x), _samples("y", y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x, y: dimensions differ ({x.shape[1]} and {y.shape[1]})")
    n, m = x.shape[0], y.shape[0]
    if unbiased and min(n, m) < 2:
        raise ValueError("x, y: the unbiased estimate needs at least 2 samples of each")
    with jax.enable_x64(host or jax.config.jax_enable_x64):
        kxx = gaussian_kernel(x, x, bandwidth)
        kyy = gaussian_kernel(y, y, bandwidth)
        kxy = gaussian_kernel(x, y, bandwidth)
        if unbiased:
            sxx = (jnp.sum(kxx) - jnp.trace(kxx)) / (n * (n - 1))
            syy = (jnp.sum(kyy) - jnp.trace(kyy)) / (m * (m - 1))
        else:
            sxx, syy = jnp.mean(kxx), jnp.mean(kyy)
        value = sxx + syy - 2.0 * jnp.mean(kxy)
        if not unbiased:
            value = jnp.maximum(value, 0.0)
        return _out(value, host)


def mmd2_discrete(p, q, kernel):
    r"""Exact ``MMD^2 = (p - q)^T K (p - q)`` for pmfs ``p``, ``q`` and a positive
    semi-definite Gram matrix ``K`` over the same outcomes (``>= 0``).

    Example:
      >>> import numpy as np, divtools
      >>> float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], np.eye(2)))
      2.0
    """
    host = _x64(p, q, kernel)
    exact.tv(p, q)  # validation with the arguments' names
    if host:
        K = np.asarray(kernel, dtype=np.float64)
        n = np.shape(p)[-1]
        if K.shape != (n, n):
            raise ValueError(f"kernel: expected shape ({n}, {n}), got {K.shape}")
        if not np.all(np.isfinite(K)):
            raise ValueError("kernel: contains NaN or infinite values")
    with jax.enable_x64(host or jax.config.jax_enable_x64):
        d = jnp.asarray(p, dtype=None if not host else jnp.float64) - jnp.asarray(q, dtype=None if not host else jnp.float64)
        K = jnp.asarray(kernel, dtype=None if not host else jnp.float64)
        value = jnp.maximum(jnp.einsum("...i,ij,...j->...", d, K, d), 0.0)
        return _out(value, host)
