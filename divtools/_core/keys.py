"""The randomness rule, written once: a JAX key or an int seed.

Every function of divtools that draws random numbers takes ``key``:

* a JAX PRNG key (typed, ``jax.random.key(0)``, or raw ``uint32[2]``,
  ``jax.random.PRNGKey(0)``), used as it is;
* an int seed ``s`` (a Python or NumPy integer), which stands for
  ``jax.random.key(s)``: the same seed gives the same result as that key;
* where a function trains several independent runs at once, a batch of keys
  (typed ``(k,)`` or raw ``(k, 2)``) or a 1-D integer array of seeds.

Anything else is a ``TypeError`` naming the argument.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from divtools._core.backend import is_jax, is_traced, jax

__all__ = ["KeyLike", "as_key"]

#: What ``key`` arguments accept.
KeyLike = Any


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def as_key(key: KeyLike, name: str = "key", *, batch: bool = False) -> Any:
    """A JAX PRNG key from ``key`` (see the module docstring); with ``batch``, a 1-D
    integer array of seeds or a batch of keys is accepted too."""
    if _is_int(key):
        if not -(2**63) <= int(key) < 2**63:
            raise ValueError(f"{name}: an int seed must fit in a signed 64-bit integer, got {key}")
        return jax.random.key(int(key))
    if is_jax(key):
        if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
            if key.ndim == 0 or (batch and key.ndim == 1):
                return key
            raise ValueError(
                f"{name}: expected a single key{' or a 1-D batch of keys' if batch else ''}, "
                f"got a key array of shape {key.shape}"
            )
        if key.dtype == np.uint32 and (key.shape == (2,) or (batch and key.ndim == 2 and key.shape[1] == 2)):
            return key
        if batch and not is_traced(key) and key.ndim == 1 and np.issubdtype(key.dtype, np.integer):
            return jax.vmap(jax.random.key)(key)
        raise TypeError(
            f"{name}: expected a JAX PRNG key or an int seed, got an array of {key.dtype} "
            f"and shape {key.shape}"
        )
    if batch and isinstance(key, (np.ndarray, list, tuple)):
        try:
            seeds = np.asarray(key)
        except ValueError:  # ragged
            raise TypeError(
                f"{name}: expected a JAX PRNG key, an int seed or a 1-D array of seeds, got {key!r}"
            ) from None
        if seeds.ndim == 1 and seeds.size and np.issubdtype(seeds.dtype, np.integer):
            return jax.vmap(jax.random.key)(jax.numpy.asarray(seeds))
    raise TypeError(f"{name}: expected a JAX PRNG key (jax.random.key(0)) or an int seed, got {key!r}")
