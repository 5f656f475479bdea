"""Critics: small ReLU networks as plain pytrees, and Lipschitz constraints.

Plain pytrees (a tuple of ``(W, b)`` layers) rather than a neural-network
library: the critics here are a few dense layers, a pytree of arrays vmaps
over seeds and problems without ceremony, optax updates it directly, and
divtools needs no dependency beyond JAX and optax for them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
from numpy.typing import DTypeLike

from divtools._core.keys import KeyLike
from divtools.variational import checks

__all__ = ["MLP", "clip_weights", "gradient_penalty", "init_layers", "init_mlp", "spectral_normalize"]


class MLP(NamedTuple):
    """A ReLU network ``x (n, d) -> v (n,)``; ``layers`` is a tuple of ``(W, b)``."""

    layers: tuple

    def __call__(self, x):
        h = x
        for W, b in self.layers[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = self.layers[-1]
        return (h @ W + b)[..., 0]


def init_layers(key: KeyLike, sizes: Sequence[int], dtype: DTypeLike = jnp.float32) -> tuple:
    """Dense layers ``sizes[0] -> sizes[1] -> ...`` as ``(W, b)`` pairs, drawn like PyTorch's
    default ``Linear``: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))`` for weights and biases.

    ``key``: a JAX PRNG key or an int seed (``jax.random.key(seed)``); ``sizes``: at
    least two positive integers; ``dtype``: a float type."""
    key = checks.key(key)
    sizes = checks.widths("sizes", sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least two widths (input and output), got {sizes}")
    dtype = checks.float_dtype("dtype", dtype, optional=False)
    layers = []
    for k, (a, b) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        kw, kb = jax.random.split(k)
        bound = 1.0 / math.sqrt(a)
        layers.append(
            (
                jax.random.uniform(kw, (a, b), dtype, -bound, bound),
                jax.random.uniform(kb, (b,), dtype, -bound, bound),
            )
        )
    return tuple(layers)


def init_mlp(
    key: KeyLike, d_in: int, hidden: Sequence[int] = (128, 128), dtype: DTypeLike = jnp.float32
) -> MLP:
    """A critic ``R^d_in -> R`` with ReLU hidden layers ``hidden`` (see :func:`init_layers`;
    ``hidden=()`` is a linear critic). ``key``: a JAX PRNG key or an int seed
    (``jax.random.key(seed)``).

    Example:
      >>> import jax.numpy as jnp
      >>> import divtools.variational as dv
      >>> critic = dv.init_mlp(0, 3, hidden=(8,))
      >>> [(W.shape, b.shape) for W, b in critic.layers]
      [((3, 8), (8,)), ((8, 1), (1,))]
      >>> critic(jnp.ones((5, 3))).shape
      (5,)
    """
    key = checks.key(key)
    d_in = checks.count("d_in", d_in)
    hidden = checks.widths("hidden", hidden)
    dtype = checks.float_dtype("dtype", dtype, optional=False)
    return MLP(init_layers(key, (d_in, *hidden, 1), dtype))


def clip_weights(critic: MLP, c: float) -> MLP:
    """WGAN's weight clipping to ``[-c, c]`` (Arjovsky et al. 2017, algorithm 1); ``c``
    positive (unchecked where it is traced).

    Example:
      >>> import jax
      >>> import divtools.variational as dv
      >>> critic = dv.clip_weights(dv.init_mlp(0, 2, hidden=(8,)), 0.01)
      >>> max(float(abs(w).max()) for w in jax.tree_util.tree_leaves(critic)) <= 0.01
      True
    """
    c = checks.positive("c", c, traced=True)
    return jax.tree_util.tree_map(lambda w: jnp.clip(w, -c, c), critic)


def spectral_normalize(critic: MLP) -> MLP:
    """Each weight matrix divided by its largest singular value (Miyato et al. 2018),
    computed exactly (the matrices are small): the network is then 1-Lipschitz.

    Example:
      >>> import jax.numpy as jnp
      >>> import divtools.variational as dv
      >>> critic = dv.spectral_normalize(dv.init_mlp(0, 3, hidden=(8,)))
      >>> [round(float(jnp.linalg.norm(W, ord=2)), 5) for W, _ in critic.layers]
      [1.0, 1.0]
    """
    layers = tuple((W / jnp.maximum(jnp.linalg.norm(W, ord=2), 1e-12), b) for W, b in critic.layers)
    return MLP(layers)


def gradient_penalty(
    critic: MLP, x_p: Any, x_q: Any, key: KeyLike, weight: float = 10.0, one_sided: bool = False
) -> Any:
    """WGAN-GP's ``lambda E (|grad_x v(x_hat)| - 1)^2`` on random interpolates
    ``x_hat = u x_p + (1 - u) x_q`` (Gulrajani et al. 2017, algorithm 1); with
    ``one_sided``, WGAN-LP's ``lambda E max(0, |grad_x v(x_hat)| - 1)^2`` (Petzka,
    Fischer & Lukovnikov 2018), which does not penalise slopes below 1.

    Why both: on the line the two-sided penalty traps the critic. When the
    generated samples overshoot the data by ``delta`` the critic must reverse its
    slope ``s``, but ``s delta - lambda (|s| - 1)^2`` keeps a local maximum at
    ``s = 1 - delta/(2 lambda) > 0`` while ``delta < 2 lambda``: gradient ascent
    stays there and the generator is pushed further, until ``delta`` reaches
    ``2 lambda`` (20 for ``lambda = 10``). The one-sided penalty has no such
    maximum.

    ``x_p``, ``x_q``: samples ``(n, d)``; ``key``: a JAX PRNG key or an int seed;
    ``weight``: ``lambda``, positive (unchecked where it is traced).

    Example:
      >>> import jax.numpy as jnp
      >>> import divtools.variational as dv
      >>> x_p, x_q = jnp.ones((8, 2)), jnp.zeros((8, 2))
      >>> steep = dv.MLP(((jnp.array([[3.0], [4.0]]), jnp.zeros(1)),))   # v(x) = 3 x_1 + 4 x_2
      >>> round(float(dv.gradient_penalty(steep, x_p, x_q, key=0)), 6)   # 10 (|(3, 4)| - 1)^2
      160.0
      >>> flat = dv.MLP(((jnp.array([[0.3], [0.4]]), jnp.zeros(1)),))   # slope 0.5
      >>> float(dv.gradient_penalty(flat, x_p, x_q, key=0, one_sided=True))
      0.0
    """
    key = checks.key(key)
    weight = checks.positive("weight", weight, traced=True)
    one_sided = checks.boolean("one_sided", one_sided)
    x_p, x_q = (checks.sample_matrix(name, x) for name, x in (("x_p", x_p), ("x_q", x_q)))
    x_p, x_q = (jnp.asarray(x, jnp.result_type(x, float)) for x in (x_p, x_q))
    if x_p.shape[1] != x_q.shape[1]:
        raise ValueError(f"x_p, x_q: sample dimensions differ ({x_p.shape[1]} and {x_q.shape[1]})")
    n = min(x_p.shape[0], x_q.shape[0])
    u = jax.random.uniform(key, (n, 1), x_p.dtype)
    x_hat = u * x_p[:n] + (1.0 - u) * x_q[:n]
    grads = jax.vmap(jax.grad(lambda z: critic(z[None])[0]))(x_hat)
    norms = jnp.sqrt(jnp.sum(grads * grads, axis=-1) + 1e-12)
    excess = jnp.maximum(norms - 1.0, 0.0) if one_sided else norms - 1.0
    return weight * jnp.mean(excess**2)
