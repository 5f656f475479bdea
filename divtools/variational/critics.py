"""Critics: small ReLU networks as plain pytrees, and Lipschitz constraints.

Plain pytrees (a tuple of ``(W, b)`` layers) rather than a neural-network
library: the critics here are a few dense layers, a pytree of arrays vmaps
over seeds and problems without ceremony, optax updates it directly, and
divtools needs no dependency beyond JAX and optax for them.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

__all__ = ["MLP", "clip_weights", "gradient_penalty", "init_mlp", "spectral_normalize"]


class MLP(NamedTuple):
    """A ReLU network ``x (n, d) -> v (n,)``; ``layers`` is a tuple of ``(W, b)``."""

    layers: tuple

    def __call__(self, x):
        h = x
        for W, b in self.layers[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = self.layers[-1]
        return (h @ W + b)[..., 0]


def init_mlp(key, d_in: int, hidden=(128, 128), dtype=jnp.float32) -> MLP:
    """He-uniform weights (PyTorch's default ``Linear`` init: ``U(-1/sqrt(fan_in), 1/sqrt(fan_in))``)."""
    sizes = (d_in, *hidden, 1)
    layers = []
    for k, (a, b) in zip(jax.random.split(key, len(sizes) - 1), zip(sizes[:-1], sizes[1:])):
        kw, kb = jax.random.split(k)
        bound = 1.0 / math.sqrt(a)
        layers.append((jax.random.uniform(kw, (a, b), dtype, -bound, bound),
                       jax.random.uniform(kb, (b,), dtype, -bound, bound)))
    return MLP(tuple(layers))


def clip_weights(critic: MLP, c: float) -> MLP:
    """WGAN's weight clipping to ``[-c, c]`` (Arjovsky et al. 2017, algorithm 1)."""
    return jax.tree_util.tree_map(lambda w: jnp.clip(w, -c, c), critic)


def spectral_normalize(critic: MLP) -> MLP:
    """Each weight matrix divided by its largest singular value (Miyato et al. 2018),
    computed exactly (the matrices are small): the network is then 1-Lipschitz."""
    layers = tuple((W / jnp.maximum(jnp.linalg.norm(W, ord=2), 1e-12), b) for W, b in critic.layers)
    return MLP(layers)


def gradient_penalty(critic: MLP, x_p, x_q, key, weight: float = 10.0):
    """WGAN-GP's ``lambda E (|grad_x v(x_hat)| - 1)^2`` on random interpolates
    ``x_hat = u x_p + (1 - u) x_q`` (Gulrajani et al. 2017, algorithm 1)."""
    n = min(x_p.shape[0], x_q.shape[0])
    u = jax.random.uniform(key, (n, 1), x_p.dtype)
    x_hat = u * x_p[:n] + (1.0 - u) * x_q[:n]
    grads = jax.vmap(jax.grad(lambda z: critic(z[None])[0]))(x_hat)
    norms = jnp.sqrt(jnp.sum(grads * grads, axis=-1) + 1e-12)
    return weight * jnp.mean((norms - 1.0) ** 2)
