"""The array rule: what comes in decides where and in which dtype divtools computes.

* **NumPy in, NumPy out.** Lists, scalars and NumPy arrays are computed by JAX
  inside ``jax.enable_x64(True)`` -- a context manager, so JAX's global flag is
  never changed -- and returned as NumPy arrays (NumPy scalars for 0-d results).
  float64 stays float64; float32 stays float32; integers and booleans (counts)
  are computed in float64; float16 is computed in float32 and returned as float16.
* **JAX in, JAX out.** If any input is a JAX array or tracer, the computation is
  ordinary traceable JAX code in the promoted dtype of the inputs, following
  JAX's x64 setting (float32 by default). A float64 NumPy array mixed with JAX
  arrays while x64 is disabled would be computed in float32: divtools warns.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import warnings

import numpy as np
import jax
import jax.numpy as jnp

__all__ = ["Inputs", "is_traced"]


_STAGING_LIMIT = 64 * 2**20  # bytes per input
_staging = threading.local()


def _to_device(a: np.ndarray, dtype: np.dtype, slot: int) -> jax.Array:
    """NumPy -> JAX on the CPU without a fresh allocation per call.

    JAX adopts a host buffer without copying only if it is 64-byte aligned;
    otherwise it copies into newly allocated memory, whose page faults cost
    more than the divergence itself for large inputs. So inputs up to 64 MiB
    are copied into a per-thread, per-argument aligned staging buffer that is
    reused, and handed to JAX as an alias. Safe because the eager path blocks
    on its results before returning, after which nothing refers to the alias.
    """
    nbytes = a.size * dtype.itemsize
    if nbytes > _STAGING_LIMIT or jax.default_backend() != "cpu" or nbytes == 0:
        return jax.device_put(np.asarray(a, dtype=dtype))
    buffers = getattr(_staging, "buffers", None)
    if buffers is None:
        buffers = _staging.buffers = {}
    buf = buffers.get(slot)
    if buf is None or buf.nbytes < nbytes + 64:
        buf = buffers[slot] = np.empty(max(nbytes + 64, 4096), np.uint8)
    offset = (-buf.ctypes.data) % 64
    view = buf[offset : offset + nbytes].view(dtype).reshape(a.shape)
    np.copyto(view, a, casting="unsafe")
    return jax.device_put(view, may_alias=True)


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialised NumPy array whose data is 64-byte aligned.

    JAX adopts such host buffers without copying (``device_put(..., may_alias=True)``
    or as a jitted function's argument), so NumPy results that go on to XLA
    should be written into them with ``out=``.
    """
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    buf = np.empty(count * dtype.itemsize + 64, np.uint8)
    offset = (-buf.ctypes.data) % 64
    return buf[offset : offset + count * dtype.itemsize].view(dtype).reshape(shape)


def is_traced(x) -> bool:
    """Whether ``x`` is an abstract value inside ``jit``/``vmap``/``grad`` tracing."""
    return isinstance(x, jax.core.Tracer)


def _numpy_compute_dtype(dtype: np.dtype, name: str) -> np.dtype:
    if dtype.kind in "biu":
        return np.dtype(np.float64)
    if dtype.kind == "f":
        return np.dtype(np.float32) if dtype.itemsize < 4 else dtype
    raise TypeError(f"{name}: expected real numbers, got dtype {dtype}")


@dataclasses.dataclass
class Inputs:
    """Inputs converted by the array rule; use as a context manager around the computation."""

    arrays: tuple
    numpy_mode: bool
    traced: bool
    out_dtype: np.dtype
    _stack: contextlib.ExitStack = dataclasses.field(default_factory=contextlib.ExitStack)

    @classmethod
    def convert(cls, names: tuple[str, ...], values: tuple) -> "Inputs":
        jax_mode = any(isinstance(v, jax.Array) for v in values)
        if not jax_mode:
            arrays = []
            for name, v in zip(names, values):
                try:
                    a = np.asarray(v)
                except Exception as exc:  # ragged lists, strings, ...
                    raise TypeError(f"{name}: cannot be read as an array ({exc})") from None
                arrays.append(a)
            dtypes = [_numpy_compute_dtype(a.dtype, n) for n, a in zip(names, arrays)]
            compute = np.result_type(*dtypes)
            out = np.result_type(*[a.dtype if a.dtype.kind == "f" else np.float64 for a in arrays])
            ins = cls(tuple(arrays), True, False, np.dtype(out))
            ins._stack.enter_context(jax.enable_x64(True))
            ins.arrays = tuple(_to_device(a, compute, i) for i, a in enumerate(arrays))
            return ins
        arrays = []
        x64 = jax.config.jax_enable_x64
        for name, v in zip(names, values):
            if not isinstance(v, jax.Array):
                a = np.asarray(v)
                if a.dtype == np.float64 and not x64:
                    warnings.warn(
                        f"{name} is float64 NumPy data mixed with JAX arrays while JAX's x64 "
                        "mode is off: it is computed in float32. Pass NumPy arrays for all "
                        "inputs (computed in float64) or enable x64.",
                        stacklevel=4,
                    )
                v = jnp.asarray(a)
            arrays.append(v)
        for name, a in zip(names, arrays):
            if not (jnp.issubdtype(a.dtype, jnp.floating) or jnp.issubdtype(a.dtype, jnp.integer)
                    or a.dtype == jnp.bool_):
                raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
        out = jnp.result_type(*arrays)
        if not jnp.issubdtype(out, jnp.floating):
            out = jnp.result_type(float)
        compute = jnp.float32 if jnp.finfo(out).bits < 32 else out
        traced = any(is_traced(a) for a in arrays)
        ins = cls(tuple(a.astype(compute) for a in arrays), False, traced, np.dtype(out))
        return ins

    def __enter__(self) -> "Inputs":
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.arrays[0].dtype)

    def output(self, value):
        """Cast to the output dtype and to NumPy in NumPy mode."""
        if self.numpy_mode:
            out = np.asarray(value).astype(self.out_dtype, copy=False)
            return out[()] if out.ndim == 0 else out
        return jnp.asarray(value).astype(self.out_dtype)


def distributions(p, q, axis: int, names=("p", "q")):
    """Move ``axis`` last and broadcast the batch dimensions of two distributions.

    Static checks (valid under tracing): at least one dimension, an axis in
    range, equal and non-zero numbers of outcomes, batch shapes that broadcast.
    """
    for name, a in zip(names, (p, q)):
        if a.ndim == 0:
            raise ValueError(f"{name}: a distribution needs at least one dimension (got a scalar)")
        if not -a.ndim <= axis < a.ndim:
            raise ValueError(f"axis: {axis} is out of range for {name} with {a.ndim} dimension(s)")
    if axis not in (-1, p.ndim - 1):
        p = jnp.moveaxis(p, axis, -1)
    if axis not in (-1, q.ndim - 1):
        q = jnp.moveaxis(q, axis, -1)
    n_p, n_q = p.shape[-1], q.shape[-1]
    if n_p == 0 or n_q == 0:
        empty = names[0] if n_p == 0 else names[1]
        raise ValueError(f"{empty}: is empty along axis {axis}")
    if n_p != n_q:
        raise ValueError(
            f"{names[0]}, {names[1]}: different numbers of outcomes along axis {axis} "
            f"({n_p} and {n_q})"
        )
    try:
        batch = np.broadcast_shapes(p.shape[:-1], q.shape[:-1])
    except ValueError:
        raise ValueError(
            f"{names[0]}, {names[1]}: batch shapes {p.shape[:-1]} and {q.shape[:-1]} "
            "do not broadcast"
        ) from None
    shape = batch + (n_p,)
    if p.shape != shape:
        p = jnp.broadcast_to(p, shape)
    if q.shape != shape:
        q = jnp.broadcast_to(q, shape)
    return p, q
