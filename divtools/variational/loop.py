"""What the compiled training loops share: keys, host-side draws, static settings.

Each training loop (:func:`divtools.variational.estimate`,
:func:`divtools.variational.mutual_information`, :func:`divtools.gan.train`) is
a module-level function ``_loop(config, *arrays)`` jit-compiled with its
configuration, a frozen dataclass of the static settings, as the static
argument: JAX's own cache then holds one compiled program per configuration
(and per array shapes and dtypes, and per ``jax_enable_x64``), and a second
call with an equal configuration reuses it. A setting that cannot be hashed (a
user's optimiser or sampler, say) enters the configuration through
:func:`static` as a :class:`Static`, compared by identity: the same object
reuses the program, another one (even an equal one) compiles it again.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["Static", "host_permutation", "host_rng", "key_batch", "static", "unwrap"]


class Static:
    """``value`` as (part of) a static argument of ``jax.jit``: equal to another
    :class:`Static` when their keys are equal, or, without a key, when they
    hold the same object (identity; the wrapper keeps the object alive, so its
    ``id`` is not reused while the wrapper is cached)."""

    __slots__ = ("value", "key")

    def __init__(self, value, key: Hashable = None):
        self.value = value
        self.key = key

    def __eq__(self, other):
        if not isinstance(other, Static):
            return NotImplemented
        if self.key is None or other.key is None:
            return self.key is None and other.key is None and self.value is other.value
        return self.key == other.key

    def __hash__(self):
        return hash(self.key) if self.key is not None else id(self.value)

    def __repr__(self):
        return f"Static({self.value!r})" if self.key is None else f"Static(key={self.key!r})"


def static(x: Any) -> Any:
    """``x`` itself if it is hashable, else ``Static(x)`` (compared by identity)."""
    try:
        hash(x)
    except TypeError:
        return Static(x)
    return x


def unwrap(x: Any) -> Any:
    """The value behind :func:`static`."""
    return x.value if isinstance(x, Static) else x


def host_rng(key: Any, salt: int) -> np.random.Generator:
    """A NumPy generator determined by ``key`` and ``salt``, for draws made on the host
    (XLA's CPU sort takes about a second to compile)."""
    seed = np.asarray(jax.random.key_data(key)).ravel().tolist()
    return np.random.default_rng([*seed, salt])


def host_permutation(key: Any, n: int, salt: int) -> np.ndarray:
    """A permutation of ``range(n)`` determined by ``key`` (see :func:`host_rng`)."""
    return host_rng(key, salt).permutation(n).astype(np.int32)


def key_batch(key: Any) -> tuple[jax.Array, bool]:
    """``(key as an array, whether it is a batch of keys)``: typed keys of shape ``(k,)``
    or raw ``uint32`` keys of shape ``(k, 2)`` are batches."""
    key = jnp.asarray(key) if isinstance(key, jax.Array) else key
    typed = jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key)
    return key, (jnp.ndim(key) == 1 if typed else key.ndim == 2)


def precision(dtype) -> contextlib.AbstractContextManager:
    """The context a loop in ``dtype`` runs in: ``jax.enable_x64(True)`` for float64
    (JAX's global flag is never flipped), nothing otherwise."""
    if np.dtype(dtype) == np.float64 and not jax.config.jax_enable_x64:
        return jax.enable_x64(True)
    return contextlib.nullcontext()
