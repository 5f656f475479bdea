"""Networks for critics and generators: the built-in ReLU MLP, or the user's own.

A :class:`Network` is a pair of pure functions, ``init(key, x) -> params`` (``x`` an
example batch) and ``apply(params, x) -> outputs``, with the parameters a pytree that
optax updates. :func:`as_network` accepts

* ``None``: the built-in ReLU MLP of ``hidden`` widths (:mod:`.critics`);
* a pair ``(init, apply)`` of such functions;
* a ``flax.linen`` module (``module.init``, ``module.apply``);
* a ``flax.nnx`` module (split into its graph and its state; the state is the
  parameters; a batch of keys starts every run from the module's own parameters);
* an ``equinox`` module (partitioned into arrays and the rest; applied per example
  under ``vmap``, equinox's convention; initial parameters as for ``nnx``).

Outputs of shape ``(n, 1)`` are read as ``(n,)`` for a critic; a generator's
``(n,)`` as ``(n, 1)``. flax and equinox are imported only when one of their
modules is given.

A :class:`Frame` puts a network in standardised coordinates: it sees
``u = (x - loc) / scale`` (the pooled mean and one isotropic scale of the data),
so the same widths, initialisation and learning rates serve data at any location
and scale; a critic of ``W_1`` has its outputs multiplied by ``scale`` so that
its Lipschitz constant in ``x`` equals the network's in ``u``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from divtools.variational import checks
from divtools.variational import critics as cr

__all__ = ["Frame", "Network", "as_network", "frame_of"]


class Network(NamedTuple):
    """``init(key, x) -> params`` and ``apply(params, x) -> outputs`` (pure functions),
    and what the network is (``"mlp"``, ``"pair"``, ``"linen"``, ``"nnx"``, ``"equinox"``)."""

    init: Callable
    apply: Callable
    kind: str
    hidden: tuple = ()


def _module_root(obj: Any) -> str:
    for cls in type(obj).__mro__:
        root = (cls.__module__ or "").split(".")[0]
        if root in ("flax", "equinox"):
            return cls.__module__ or ""
    return ""


def _mlp(hidden: tuple, dtype: Any, d_out: int) -> Network:
    def init(key, x):
        return cr.MLP(cr.init_layers(key, (x.shape[-1], *hidden, d_out), dtype))

    def apply(params, x):
        h = x
        for W, b in params.layers[:-1]:
            h = jax.nn.relu(h @ W + b)
        W, b = params.layers[-1]
        return h @ W + b

    return Network(init, apply, "mlp", hidden)


def as_network(name: str, spec: Any, *, hidden: tuple, dtype: Any, d_out: int = 1) -> Network:
    """The :class:`Network` of ``spec`` (see the module docstring); ``TypeError`` naming
    ``name`` for anything else. ``hidden`` and ``dtype`` shape the built-in MLP."""
    if spec is None:
        return _mlp(tuple(hidden), dtype, d_out)
    if isinstance(spec, Network):
        return spec
    if isinstance(spec, tuple) and len(spec) == 2 and all(callable(f) for f in spec):
        init, apply = spec
        return Network(lambda key, x: init(key, x), lambda params, x: apply(params, x), "pair")
    root = _module_root(spec)
    if root.startswith("flax.linen") or (
        root.startswith("flax") and hasattr(spec, "init") and hasattr(spec, "apply")
    ):
        return Network(lambda key, x: spec.init(key, x), spec.apply, "linen")
    if root.startswith("flax"):  # nnx
        from flax import nnx

        graphdef, state = nnx.split(spec)
        return Network(lambda key, x: state, lambda params, x: nnx.merge(graphdef, params)(x), "nnx")
    if root.startswith("equinox"):
        import equinox as eqx

        params, rest = eqx.partition(spec, eqx.is_array)

        def apply(p, x):
            model = eqx.combine(p, rest)
            return jax.vmap(model)(x)

        return Network(lambda key, x: params, apply, "equinox")
    raise TypeError(
        f"{name}: expected None (the built-in MLP), a pair (init, apply) of functions, a flax "
        f"(linen or nnx) module or an equinox module; got {checks.describe(spec)}"
    )


def critic_values(out: Any) -> Any:
    """A critic's output as ``(n,)`` (``(n, 1)`` squeezed)."""
    out = jnp.asarray(out)
    if out.ndim == 2 and out.shape[-1] == 1:
        return out[:, 0]
    if out.ndim != 1:
        raise ValueError(f"critic: expected outputs of shape (n,) or (n, 1), got {out.shape}")
    return out


def generator_values(out: Any) -> Any:
    """A generator's output as ``(n, d)``."""
    out = jnp.asarray(out)
    return out[:, None] if out.ndim == 1 else out


class Frame(NamedTuple):
    """Standardised coordinates: a network applied to ``x`` sees ``(x - loc) / scale``
    and its outputs are multiplied by ``out`` (``scale`` for a ``W_1`` critic, else 1).
    ``loc``: ``(d,)``; ``scale``, ``out``: scalars. A pytree (passes through ``jit``)."""

    loc: Any
    scale: Any
    out: Any

    def inputs(self, x: Any) -> Any:
        """``(x - loc) / scale``."""
        return (x - self.loc) / self.scale

    @staticmethod
    def identity(d: int, dtype: Any) -> Frame:
        """The frame that changes nothing."""
        one = jnp.ones((), dtype)
        return Frame(jnp.zeros((d,), dtype), one, one)


def frame_of(samples: Any, *, lipschitz: bool, dtype: Any) -> Frame:
    """The :class:`Frame` of the pooled ``samples`` (a sequence of ``(n, d)`` arrays):
    their mean, and the root mean (over dimensions) of their variance as the scale, so
    that distances keep their shape; a scale of 0 (constant data) or one that is not
    finite is taken as 1. ``lipschitz``: a ``W_1`` critic (outputs times ``scale``)."""
    pooled = np.concatenate([np.asarray(s, np.float64) for s in samples])
    loc = pooled.mean(axis=0)
    scale = float(np.sqrt(np.mean(pooled.var(axis=0))))
    if not (np.isfinite(scale) and scale > 0 and np.isfinite(loc).all()):
        loc, scale = np.zeros_like(loc), 1.0
    scale = np.asarray(scale, dtype)
    return Frame(jnp.asarray(loc, dtype), jnp.asarray(scale), jnp.asarray(scale if lipschitz else 1.0, dtype))
