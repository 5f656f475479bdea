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

__all__ = ["MIProblem", "correlated_gaussians", "rho_for_mi"]


class MIProblem(NamedTuple):
    """Samplers ``key -> (batch, 2 d)`` of the joint (P) and of the product of marginals (Q)."""

    joint: Callable
    product: Callable
    mi: float
    rho: float


def rho_for_mi(mi: float, d: int) -> float:
    """``rho`` with ``-d/2 log(1 - rho^2) = mi``: ``sqrt(-expm1(-2 mi/d))``."""
    return math.sqrt(-math.expm1(-2.0 * mi / d))


def correlated_gaussians(
    mi: float, d: int = 20, batch_size: int = 64, dtype: DTypeLike = jnp.float32
) -> MIProblem:
    """The staircase problem at mutual information ``mi`` nats in dimension ``d``."""
    rho = rho_for_mi(mi, d)
    s = math.sqrt(1.0 - rho * rho)

    def joint(key):
        kx, ke = jax.random.split(key)
        x = jax.random.normal(kx, (batch_size, d), dtype)
        y = rho * x + s * jax.random.normal(ke, (batch_size, d), dtype)
        return jnp.concatenate([x, y], axis=-1)

    def product(key):
        return jax.random.normal(key, (batch_size, 2 * d), dtype)

    return MIProblem(joint, product, float(mi), rho)
