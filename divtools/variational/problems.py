"""Problems with known answers for the variational estimators.

:func:`correlated_gaussians` is the mutual-information staircase of Poole et
al. (2019, "On variational bounds of mutual information", section 5): ``x``
and ``y`` in ``R^d``, standard normal, with ``corr(x_i, y_i) = rho`` and every
other pair independent, so ``I(X; Y) = -d/2 log(1 - rho^2)``. The mutual
information is ``KL(P_XY || P_X P_Y)``: the joint sampler draws ``P`` and the
product sampler draws ``Q`` (``y`` replaced by an independent copy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from numpy.typing import DTypeLike

from divtools.variational import checks

__all__ = ["MIProblem", "correlated_gaussians", "rho_for_mi"]


class MIProblem(NamedTuple):
    """Samplers ``key -> (batch, 2 d)`` of the joint (P) and of the product of marginals (Q);
    ``key``: a JAX PRNG key or an int seed (``jax.random.key(seed)``)."""

    joint: Callable
    product: Callable
    mi: float
    rho: float


def rho_for_mi(mi: float, d: int) -> float:
    """``rho`` with ``-d/2 log(1 - rho^2) = mi``: ``sqrt(-expm1(-2 mi/d))`` (``mi >= 0``
    nats, ``d`` a positive integer)."""
    mi = checks.real("mi", mi, low=0.0, low_open=False)
    d = checks.count("d", d)
    return math.sqrt(-math.expm1(-2.0 * mi / d))


def correlated_gaussians(
    mi: float, d: int = 20, batch_size: int = 64, dtype: DTypeLike = jnp.float32
) -> MIProblem:
    """The staircase problem at mutual information ``mi`` nats (``>= 0``) in dimension ``d``,
    with samplers of ``batch_size`` samples in ``dtype`` (a float type); ``rho`` solves
    ``-d/2 log(1 - rho^2) = mi`` (Poole et al. 2019, section 5).

    Example:
      >>> import math
      >>> import divtools.variational as dv
      >>> problem = dv.correlated_gaussians(1.0, d=2, batch_size=16)
      >>> math.isclose(-2 / 2 * math.log(1 - problem.rho**2), problem.mi)
      True
      >>> problem.joint(0).shape, problem.product(1).shape   # (batch, [x, y])
      ((16, 4), (16, 4))
    """
    mi = checks.real("mi", mi, low=0.0, low_open=False)
    d = checks.count("d", d)
    batch_size = checks.count("batch_size", batch_size)
    dtype = checks.float_dtype("dtype", dtype, optional=False)
    rho = rho_for_mi(mi, d)
    s = math.sqrt(1.0 - rho * rho)

    def joint(key):
        key = checks.key(key)
        kx, ke = jax.random.split(key)
        x = jax.random.normal(kx, (batch_size, d), dtype)
        y = rho * x + s * jax.random.normal(ke, (batch_size, d), dtype)
        return jnp.concatenate([x, y], axis=-1)

    def product(key):
        key = checks.key(key)
        return jax.random.normal(key, (batch_size, 2 * d), dtype)

    return MIProblem(joint, product, float(mi), rho)
