"""The array rule, written once, and the three evaluators that run divtools' kernels.

**NumPy in, NumPy out; JAX in, JAX out.** Lists, scalars and NumPy arrays give
NumPy results (NumPy scalars for 0-d results): float64 stays float64, float32
stays float32, integers and booleans (counts) are computed in float64, float16
is computed in float32 and returned as float16. If any input is a JAX array or
tracer, the result is a JAX array in the promoted dtype of the inputs, following
JAX's x64 setting (float32 by default); a float64 NumPy array mixed with JAX
arrays while x64 is off would be computed in float32, and divtools warns. JAX's
global x64 flag is never changed: float64 work for NumPy input runs inside the
context manager ``jax.enable_x64(True)``.

The kernels of divtools are written once against an array namespace
(:func:`namespace` returns ``numpy`` or ``jax.numpy`` for the arrays it is
given), and one of three evaluators runs them:

* :data:`NUMPY` -- concrete input on the host (NumPy arrays, lists, and JAX
  arrays on the CPU up to the size where XLA is faster): NumPy's vectorised
  ufuncs, nothing to compile, a few microseconds per call.
* :data:`XLA` -- concrete input on an accelerator, or larger than a size chosen
  by the caller where a compiled, fused pass over memory beats NumPy's one pass
  per operation: the kernel is compiled by ``jax.jit`` once per shape.
* :data:`TRACE` -- traced input (inside ``jit``, ``vmap`` or ``grad``): the kernel
  is traced inline, so it composes with the user's transformation.

JAX itself is imported only when a JAX path is taken (an XLA or TRACE
evaluation, or a JAX array in the input): ``import divtools`` and the NumPy
evaluator do not import it.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import importlib.util
import sys
import threading
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "NUMPY",
    "TRACE",
    "XLA",
    "Arrays",
    "Evaluator",
    "is_jax",
    "is_traced",
    "jax",
    "jnp",
    "lazy",
    "namespace",
    "on_jax_import",
    "take",
    "to_device",
]


class _LazyModule(types.ModuleType):
    """A module imported on first attribute access (``import divtools`` stays cheap)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_target"] = None

    def _load(self) -> types.ModuleType:
        target = self.__dict__["_target"]
        if target is None:
            target = self.__dict__["_target"] = importlib.import_module(self.__name__)
        return target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)


def lazy(name: str) -> Any:
    """The module ``name``, imported when one of its attributes is first used."""
    return _LazyModule(name)


#: ``jax``, ``jax.numpy`` and the special-function modules, imported on first use.
jax: Any = lazy("jax")
jnp: Any = lazy("jax.numpy")
jax_special: Any = lazy("jax.scipy.special")
scipy_special: Any = lazy("scipy.special")

_NUMPY_TYPES = (np.ndarray, np.generic, float, int)


class _JaxImportHook:
    """A meta path finder that runs callbacks right after ``jax`` is imported.

    divtools registers its distributions as JAX pytrees; doing so at
    ``import divtools`` would import JAX (over a second), and doing it later,
    on some divtools call, would miss a user who imports JAX afterwards and
    passes a distribution made earlier straight to ``jax.jit``. So the
    registration waits for the moment JAX itself is imported, whoever imports it.
    """

    callbacks: list = []

    def find_spec(self, name, path=None, target=None):
        if name != "jax":
            return None
        sys.meta_path.remove(self)  # find the real module with the other finders
        spec = importlib.util.find_spec("jax")
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _CallbackLoader(spec.loader, self.callbacks)
        return spec


class _CallbackLoader:
    def __init__(self, loader: Any, callbacks: list) -> None:
        self._loader, self._callbacks = loader, callbacks

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        for callback in self._callbacks:
            callback()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def on_jax_import(callback: Callable[[], None]) -> None:
    """Run ``callback`` now if JAX is imported, else right after it is."""
    if "jax" in sys.modules:
        callback()
        return
    _JaxImportHook.callbacks.append(callback)
    if not any(isinstance(f, _JaxImportHook) for f in sys.meta_path):
        sys.meta_path.insert(0, _JaxImportHook())


def is_jax(x: object) -> bool:
    """Whether ``x`` is a JAX array or tracer (``False`` while JAX is not imported)."""
    module = sys.modules.get("jax")
    return module is not None and isinstance(x, module.Array)


def is_traced(x: object) -> bool:
    """Whether ``x`` is an abstract value inside ``jit``/``vmap``/``grad`` tracing."""
    module = sys.modules.get("jax")
    return module is not None and isinstance(x, module.core.Tracer)


def namespace(*xs: object) -> Any:
    """``numpy`` if every argument is a NumPy array or a Python/NumPy number, else
    ``jax.numpy``: the array namespace a kernel computes in."""
    for x in xs:
        if not isinstance(x, _NUMPY_TYPES):
            return jnp._load()
    return np


def special(xp: Any) -> Any:
    """The special functions (``erf``, ``erfc``, ``ndtr``, ``xlogy``, ...) of namespace ``xp``."""
    return scipy_special._load() if xp is np else jax_special._load()


def bitcast(x: Any, dtype: Any) -> Any:
    """Reinterpret the bits of ``x`` as ``dtype`` (same width)."""
    if isinstance(x, _NUMPY_TYPES):
        return np.asarray(x).view(dtype)
    return jax.lax.bitcast_convert_type(x, dtype)


def pinned(x: Any) -> Any:
    """``x``, rounded once for all of its consumers.

    XLA on the CPU contracts a product into a following addition (an FMA) and
    may recompute a cheap value in every consumer, so the same ``a * b`` can be
    rounded in one place and exact in another. Error-free transformations rely
    on one consistent rounding; a ``where`` that cannot be simplified sits
    between the product and its consumers and pins it. NumPy rounds every
    operation once: nothing to do.
    """
    if isinstance(x, _NUMPY_TYPES):
        return x
    return jnp.where(x == x, x, jnp.nan)  # x == x is False only for NaN: not foldable


# --------------------------------------------------------------------------
# Evaluators.


@dataclasses.dataclass(frozen=True)
class Evaluator:
    """Where a kernel runs: ``"numpy"``, ``"xla"`` (compiled) or ``"trace"`` (inline)."""

    name: str

    @property
    def traced(self) -> bool:
        return self.name == "trace"

    @property
    def xp(self) -> Any:
        return np if self.name == "numpy" else jnp._load()

    def run(self, fn: Callable, *args: Any, x64: bool = False, **static: Any) -> Any:
        """``fn(*args, **static)`` on this evaluator.

        ``static`` keyword arguments are compile-time constants (hashable) for
        the XLA evaluator; ``x64`` runs the compiled program under
        ``jax.enable_x64(True)`` (float64 input from NumPy).
        """
        if self.name != "xla":
            return fn(*args, **static)
        compiled = _compiled(fn, tuple(sorted(static.items())))
        if not x64:
            return compiled(*args)
        with jax.enable_x64(True):
            return compiled(*args)

    def get(self, value: Any) -> Any:
        """A result as NumPy (waits for an XLA computation)."""
        if self.name == "xla":
            return jax.device_get(value)
        return value


NUMPY = Evaluator("numpy")
XLA = Evaluator("xla")
TRACE = Evaluator("trace")


@functools.cache
def _compiled(fn: Callable, static: tuple) -> Callable:
    return jax.jit(functools.partial(fn, **dict(static)))


_STAGING_LIMIT = 64 * 2**20  # bytes per input
_staging = threading.local()


def to_device(a: np.ndarray, slot: int) -> Any:
    """NumPy -> JAX (float64 stays float64) without a fresh allocation per call on the CPU.

    JAX adopts a host buffer without copying only if it is 64-byte aligned;
    otherwise it copies into newly allocated memory, whose page faults cost
    more than a divergence for large inputs. So inputs up to 64 MiB are copied
    into a per-thread, per-argument aligned staging buffer that is reused and
    handed to JAX as an alias. Safe because the XLA evaluator's callers block
    on their results (:meth:`Arrays.output`) before the next call reuses the
    buffer.
    """
    nbytes = a.nbytes
    if nbytes > _STAGING_LIMIT or nbytes == 0 or jax.default_backend() != "cpu":
        with jax.enable_x64(True):
            return jax.device_put(a)
    buffers = getattr(_staging, "buffers", None)
    if buffers is None:
        buffers = _staging.buffers = {}
    buf = buffers.get(slot)
    if buf is None or buf.nbytes < nbytes + 64:
        buf = buffers[slot] = np.empty(max(nbytes + 64, 4096), np.uint8)
    offset = (-buf.ctypes.data) % 64
    view = buf[offset : offset + nbytes].view(a.dtype).reshape(a.shape)
    np.copyto(view, a)
    with jax.enable_x64(True):
        return jax.device_put(view, may_alias=True)


# --------------------------------------------------------------------------
# The array rule.


class Arrays:
    """Inputs converted by the array rule.

    Attributes:
      values: the arrays (``None`` stays ``None``), NumPy for the NumPy evaluator,
        JAX otherwise, all in the computation dtype.
      evaluator: :data:`NUMPY`, :data:`XLA` or :data:`TRACE`.
      jax_out: whether results are returned as JAX arrays.
      out_dtype: the dtype of the results.
    """

    __slots__ = ("evaluator", "jax_out", "out_dtype", "values")

    def __init__(self, values: tuple, evaluator: Evaluator, jax_out: bool, out_dtype: np.dtype) -> None:
        self.values, self.evaluator, self.jax_out, self.out_dtype = values, evaluator, jax_out, out_dtype

    @property
    def x64(self) -> bool:
        """Whether an XLA evaluation needs ``jax.enable_x64`` (float64 NumPy input)."""
        return not self.jax_out

    def run(self, fn: Callable, *args: Any, **static: Any) -> Any:
        """``fn`` on this input's evaluator (see :meth:`Evaluator.run`)."""
        return self.evaluator.run(fn, *args, x64=self.x64, **static)

    def output(self, value: Any) -> Any:
        """A result in the caller's kind and dtype (NumPy scalars for 0-d NumPy results)."""
        if self.jax_out:
            return jnp.asarray(value).astype(self.out_dtype)
        if type(value) is self.out_dtype.type:  # a NumPy scalar of the right type already
            return value
        out = np.asarray(self.evaluator.get(value))
        if out.dtype != self.out_dtype:
            out = out.astype(self.out_dtype)
        return out[()] if out.ndim == 0 else out


_FLOAT64 = np.dtype(np.float64)


def _numpy_array(name: str, v: Any) -> np.ndarray:
    try:
        a = np.asarray(v)
    except Exception as exc:  # ragged lists, ...
        raise TypeError(f"{name}: cannot be read as an array ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
    return a


def _compute_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.kind != "f":
        return _FLOAT64
    return np.dtype(np.float32) if dtype.itemsize < 4 else dtype


def take(
    names: Sequence[str],
    values: Sequence[Any],
    *,
    xla_above: float = float("inf"),
    optional: Sequence[str] | None = None,
) -> Arrays:
    """Convert ``values`` by the array rule and choose their evaluator.

    Args:
      names: the arguments' names, for error messages.
      values: the arguments (``None`` passes through).
      xla_above: concrete NumPy input with more elements than this (all arrays
        together) runs on the XLA evaluator; the caller measured where XLA
        is faster.
      optional: the names that may be ``None`` (by default every one).

    Raises:
      TypeError: an argument that is not an array of real numbers, naming it.
    """
    if optional is not None:
        for name, v in zip(names, values):
            if v is None and name not in optional:
                raise TypeError(f"{name}: expected an array of real numbers, got None")
    jax_module = sys.modules.get("jax")
    jax_array = None if jax_module is None else jax_module.Array
    if jax_array is None or not any(isinstance(v, jax_array) for v in values):
        arrays = []
        same = True  # every array float64: nothing to promote
        size = 0
        for name, v in zip(names, values):
            if v is not None:
                v = v if type(v) is np.ndarray and v.dtype.kind == "f" else _numpy_array(name, v)
                same = same and v.dtype is _FLOAT64
                size += v.size
            arrays.append(v)
        if same:
            compute = out = _FLOAT64
        else:
            present = [a for a in arrays if a is not None]
            compute = np.result_type(*[_compute_dtype(a.dtype) for a in present])
            out = np.dtype(np.result_type(*[a.dtype if a.dtype.kind == "f" else _FLOAT64 for a in present]))
            arrays = [None if a is None else a.astype(compute, copy=False) for a in arrays]
        # on the XLA evaluator the NumPy arrays are moved to the device by the caller
        # (to_device), in blocks of rows where it runs them on several threads
        return Arrays(tuple(arrays), NUMPY if size <= xla_above else XLA, False, out)
    x64 = bool(jax.config.jax_enable_x64)
    arrays = []
    for name, v in zip(names, values):
        if v is None or is_jax(v):
            arrays.append(v)
            continue
        if type(v) in (int, float):  # Python numbers are weakly typed: they take the JAX dtype
            arrays.append(jnp.asarray(v))
            continue
        a = _numpy_array(name, v)
        if a.dtype == _FLOAT64 and not x64:
            warnings.warn(
                f"{name} is float64 NumPy data mixed with JAX arrays while JAX's x64 mode is "
                "off: it is computed in float32. Pass NumPy arrays for all inputs (computed "
                "in float64) or enable x64.",
                stacklevel=4,
            )
        arrays.append(jnp.asarray(a))
    present = [a for a in arrays if a is not None]
    for name, a in zip(names, arrays):
        if a is not None and np.dtype(a.dtype).kind not in "biuf":
            raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
    out = np.dtype(jnp.result_type(*present))
    if out.kind != "f":
        out = np.dtype(jnp.result_type(float))
    compute = np.dtype(np.float32) if out.itemsize < 4 else out
    if any(is_traced(a) for a in present):
        evaluator = TRACE
    elif any(d.platform != "cpu" for a in present for d in a.devices()):
        evaluator = XLA
    elif sum(a.size for a in present) > xla_above:
        evaluator = XLA
    else:  # small, concrete, on the CPU: NumPy computes it without compiling
        converted = tuple(None if a is None else np.asarray(a).astype(compute, copy=False) for a in arrays)
        return Arrays(converted, NUMPY, True, out)
    return Arrays(tuple(None if a is None else a.astype(compute) for a in arrays), evaluator, True, out)
