r"""Gradient descent-ascent on a two-player game ``min_x max_y f(x, y)`` (seed 000).

Synchronous (simultaneous) GDA evaluates both gradients at the same point:

.. math::

    x_{t+1} = x_t - \gamma \nabla_x f(x_t, y_t), \qquad y_{t+1} = y_t + \gamma \nabla_y f(x_t, y_t);

asynchronous (alternating) GDA lets the ascent step see the new ``x``:
``y_{t+1} = y_t + gamma grad_y f(x_{t+1}, y_t)``.

On the bilinear game ``f(x, y) = x y`` (its only equilibrium is ``(0, 0)``)
the two differ qualitatively. Simultaneous GDA is the linear map
``[[1, -gamma], [gamma, 1]]``: a rotation times ``sqrt(1 + gamma^2)``, so
``|z_t| = (1 + gamma^2)^(t/2) |z_0|`` and the iterates spiral out. Alternating
GDA is ``[[1, -gamma], [gamma, 1 - gamma^2]]``, of determinant 1, which for
``gamma < 2`` conserves the quadratic form ``x^2 + y^2 - gamma x y``: the
iterates stay on an ellipse, bounded, and circle the equilibrium forever.

References: seed 000 (CS 446/ECE 449 lecture 21, the gradient descent-ascent
algorithm, synchronous and asynchronous versions); Gidel et al. (2019),
"Negative momentum for improved game dynamics", section 3.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from divtools.variational import checks

__all__ = ["Trajectory", "bilinear", "bilinear_invariant", "gda"]


class Trajectory(NamedTuple):
    """Iterates of :func:`gda`: ``x`` and ``y`` of shape ``(steps + 1, ...)``, the start included."""

    x: jax.Array
    y: jax.Array


def bilinear(x: Any, y: Any) -> Any:
    """The bilinear game's value ``f(x, y) = x . y`` (``x`` minimises, ``y`` maximises);
    its only equilibrium is ``(0, 0)`` (seed 000).

    Example:
      >>> from divtools.gan import gda
      >>> float(gda.bilinear(2.0, 3.0))
      6.0
    """
    return jnp.sum(x * y)


def bilinear_invariant(x: Any, y: Any, step_size: float) -> Any:
    """``|x|^2 + |y|^2 - gamma x . y``: constant along alternating GDA on ``x y``
    (``gamma`` = ``step_size``), while simultaneous GDA grows ``|x|^2 + |y|^2`` by
    ``1 + gamma^2`` a step (seed 000).

    Example:
      >>> import numpy as np
      >>> from divtools.gan import gda
      >>> t = gda.gda(x0=1.0, y0=0.5, step_size=0.1, steps=50, updates="alternating")
      >>> h = [float(gda.bilinear_invariant(x, y, 0.1)) for x, y in zip(t.x, t.y)]
      >>> bool(np.allclose(h, h[0], rtol=1e-5))  # float32: to rounding
      True
    """
    return jnp.sum(x * x) + jnp.sum(y * y) - step_size * jnp.sum(x * y)


def gda(
    f: Callable = bilinear,
    x0: Any = 1.0,
    y0: Any = 1.0,
    *,
    step_size: float = 0.1,
    steps: int = 100,
    updates: str = "simultaneous",
) -> Trajectory:
    """Run gradient descent-ascent on ``min_x max_y f(x, y)``.

    Args:
      f: the value, ``(x, y) -> scalar`` (default :func:`bilinear`).
      x0, y0: the start (finite real scalars or arrays).
      step_size: ``gamma``, a positive finite number.
      steps: number of iterations (a non-negative integer).
      updates: ``"simultaneous"`` (seed 000's synchronous version) or
        ``"alternating"`` (its asynchronous version: ``x`` first, then ``y`` at the new ``x``).

    Returns:
      :class:`Trajectory` with the ``steps + 1`` iterates. Traceable under ``jit``
      and ``vmap`` (``updates`` and ``steps`` are static).

    Example:
      >>> from divtools.gan import gda
      >>> sim = gda.gda(x0=1.0, y0=0.0, step_size=0.1, steps=100, updates="simultaneous")
      >>> alt = gda.gda(x0=1.0, y0=0.0, step_size=0.1, steps=100, updates="alternating")
      >>> float(jnp.hypot(sim.x[-1], sim.y[-1])) > 1.6, float(jnp.hypot(alt.x[-1], alt.y[-1])) < 1.1
      (True, True)
    """
    if not callable(f):
        raise TypeError(f"f: expected a function (x, y) -> scalar, got {checks.describe(f)}")
    updates = checks.choice("updates", updates, ("simultaneous", "alternating"))
    steps = checks.count("steps", steps, minimum=0)
    step_size = checks.positive("step_size", step_size, traced=True)
    checks.samples("x0", x0), checks.samples("y0", y0)
    x0 = jnp.asarray(x0, dtype=jnp.result_type(x0, float))
    y0 = jnp.asarray(y0, dtype=jnp.result_type(y0, float))
    grad_x, grad_y = jax.grad(f, argnums=0), jax.grad(f, argnums=1)

    def step(carry, _):
        x, y = carry
        x_new = x - step_size * grad_x(x, y)
        y_new = y + step_size * grad_y(x_new if updates == "alternating" else x, y)
        return (x_new, y_new), (x_new, y_new)

    _, (xs, ys) = jax.lax.scan(step, (x0, y0), None, length=steps)
    return Trajectory(jnp.concatenate([x0[None], xs]), jnp.concatenate([y0[None], ys]))
