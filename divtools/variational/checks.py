"""Boundary checks of the training functions (:mod:`divtools.variational`,
:mod:`divtools.gan`), written once.

Each check takes the argument's name and its value, returns the value in the
form the code uses (a Python ``int`` or ``float``, a tuple of widths, a NumPy
dtype, a JAX key), and otherwise raises ``TypeError`` (the wrong kind of
object) or ``ValueError`` (the right kind, a bad value) with a message that
starts with the argument's name and says what was expected.

They run on the host before anything is traced or compiled. Where a function
is itself traceable (:func:`divtools.variational.clip_weights`,
:func:`divtools.gan.gda.gda`...), ``traced=True`` lets a traced value through
unchecked: its value is unknown until it runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from divtools._core.backend import is_jax, is_traced
from divtools._core.keys import as_key

__all__ = [
    "boolean",
    "choice",
    "count",
    "float_dtype",
    "fraction",
    "key",
    "learning_rate",
    "optimizer",
    "real",
    "positive",
    "sample_matrix",
    "sampler_shape",
    "samples",
    "widths",
]


def describe(value: Any) -> str:
    """``value`` for an error message: its repr (shortened) and its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _scalar(value: Any, kinds: str) -> Any:
    """``value`` as a NumPy scalar if it is a number (or 0-d array) of one of ``kinds``
    (NumPy dtype kinds), else ``None``."""
    if _is_bool(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value if np.asarray(value).dtype.kind in kinds or isinstance(value, int) else None
    if isinstance(value, np.ndarray) or (is_jax(value) and not is_traced(value)):
        if value.ndim == 0 and np.dtype(value.dtype).kind in kinds:
            return value.item()
    return None


def count(name: str, value: Any, *, minimum: int = 1, optional: bool = False) -> int | None:
    """An integer ``>= minimum`` (a positive integer by default; ``None`` if ``optional``)."""
    if value is None and optional:
        return None
    v = _scalar(value, "iu")
    what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
    if v is None:
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    if v < minimum:
        raise ValueError(f"{name}: expected {what}, got {v}")
    return int(v)


def real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = True,
    high_open: bool = True,
    optional: bool = False,
    traced: bool = False,
) -> Any:
    """A finite real number (a Python ``float``) in the interval given by ``low``, ``high``
    (open ends by default); ``None`` if ``optional``; a traced value as it is if ``traced``."""
    if value is None and optional:
        return None
    if traced and is_traced(value):
        return value
    what = _interval(low, high, low_open, high_open)
    v = _scalar(value, "iuf")
    if v is None:
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    try:
        v = float(v)
    except OverflowError:
        raise ValueError(f"{name}: expected {what}, got {value} (beyond the float range)") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: expected {what}, got {v}")
    if low is not None and (v <= low if low_open else v < low):
        raise ValueError(f"{name}: expected {what}, got {v}")
    if high is not None and (v >= high if high_open else v > high):
        raise ValueError(f"{name}: expected {what}, got {v}")
    return v


def _interval(low, high, low_open, high_open) -> str:
    if low is None and high is None:
        return "a finite real number"
    if high is None:
        if low == 0:
            return "a positive finite real number" if low_open else "a non-negative finite real number"
        return f"a finite real number {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"a finite real number {'<' if high_open else '<='} {high:g}"
    return f"a real number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def positive(name: str, value: Any, *, optional: bool = False, traced: bool = False) -> Any:
    """A positive finite real number (see :func:`real`)."""
    return real(name, value, low=0.0, optional=optional, traced=traced)


def fraction(name: str, value: Any, *, closed_high: bool = False) -> float:
    """A real number in ``(0, 1)`` (``(0, 1]`` with ``closed_high``)."""
    return real(name, value, low=0.0, high=1.0, high_open=not closed_high)


def learning_rate(name: str, value: Any, *, optional: bool = True) -> Any:
    """A positive finite learning rate, an optax schedule (a callable ``step -> rate``),
    or ``None`` (the default optimiser's own rate) if ``optional``."""
    if callable(value):
        return value
    if value is None and optional:
        return None
    v = _scalar(value, "iuf")
    if v is None:
        raise TypeError(
            f"{name}: expected a positive finite real number or an optax schedule"
            f"{' (or None)' if optional else ''}, got {describe(value)}"
        )
    return positive(name, value)


def boolean(name: str, value: Any) -> bool:
    """``True`` or ``False``."""
    if not _is_bool(value):
        raise TypeError(f"{name}: expected True or False, got {describe(value)}")
    return bool(value)


def choice(name: str, value: Any, options: Iterable[str], *, optional: bool = False) -> str | None:
    """One of the names ``options`` (``None`` if ``optional``)."""
    options = tuple(options)
    if value is None and optional:
        return None
    listed = ", ".join(repr(o) for o in options)
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {listed}; got {describe(value)}")
    if value not in options:
        raise ValueError(f"{name}: expected one of {listed}; got {value!r}")
    return value


def widths(name: str, value: Any, *, empty: bool = True) -> tuple[int, ...]:
    """Layer widths: a sequence of positive integers (``()`` allowed if ``empty``)."""
    what = f"a sequence of positive integers{'' if empty else ' (at least one)'}"
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, range)):
        raise TypeError(f"{name}: expected {what}, got {describe(value)}")
    if not value and not empty:
        raise ValueError(f"{name}: expected {what}, got {describe(value)}")
    out = []
    for w in value:
        v = _scalar(w, "iu")
        if v is None:
            raise TypeError(f"{name}: expected {what}, got {describe(value)}")
        if v < 1:
            raise ValueError(f"{name}: expected {what}, got {describe(value)}")
        out.append(int(v))
    return tuple(out)


def float_dtype(name: str, value: Any, *, optional: bool = True) -> np.dtype | None:
    """A floating-point dtype (``None`` if ``optional``: the data's own)."""
    if value is None and optional:
        return None
    try:
        dt = np.dtype(value)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name}: expected a float dtype (e.g. numpy.float32), got {describe(value)}"
        ) from None
    if value is None or not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(f"{name}: expected a float dtype (e.g. numpy.float32), got {describe(value)}")
    return dt


def optimizer(name: str, value: Any) -> Any:
    """An optax optimiser (``init`` and ``update``) or ``None``."""
    if value is None:
        return None
    if not (callable(getattr(value, "init", None)) and callable(getattr(value, "update", None))):
        raise TypeError(
            f"{name}: expected an optax optimiser (with init and update) or None, got {describe(value)}"
        )
    return value


def key(value: Any, name: str = "key", *, batch: bool = False) -> Any:
    """:func:`divtools._core.keys.as_key`, with every error naming the argument."""
    try:
        return as_key(value, name, batch=batch)
    except (TypeError, ValueError) as e:
        if str(e).startswith(f"{name}:"):
            raise
        raise TypeError(
            f"{name}: expected a JAX PRNG key or an int seed"
            f"{' (or a batch of keys, or a 1-D array of int seeds)' if batch else ''}, got {describe(value)}"
        ) from None


def samples(name: str, value: Any) -> Any:
    """A non-empty array of finite real numbers (integer and boolean arrays too:
    category indices, counts). NumPy input comes back as a NumPy array; a JAX
    array is checked from its dtype and shape, and its values where it is not
    traced."""
    what = "an array of real numbers"
    if is_jax(value):
        arr = value
    else:
        if value is None or isinstance(value, (str, bytes)):
            raise TypeError(f"{name}: expected {what}, got {describe(value)}")
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as e:
            raise ValueError(
                f"{name}: expected {what} (a rectangular one), got {describe(value)}: {e}"
            ) from None
    if np.dtype(arr.dtype).kind not in "biuf":
        raise TypeError(f"{name}: expected {what}, got dtype {arr.dtype}")
    if arr.size == 0:
        raise ValueError(f"{name}: empty sample (shape {arr.shape})")
    if (
        np.dtype(arr.dtype).kind == "f"
        and not is_traced(arr)
        and not bool(np.all(np.isfinite(np.asarray(arr))))
    ):
        raise ValueError(f"{name}: contains NaN or infinite values")
    return arr


def sample_matrix(name: str, value: Any) -> Any:
    """:func:`samples` of shape ``(n, d)`` (``(n,)`` is ``d = 1``)."""
    arr = samples(name, value)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected samples of shape (n, d), got shape {arr.shape}")
    return arr


def sampler_shape(name: str, sampler: Callable, *args: Any) -> tuple[int, int]:
    """The shape ``(batch, d)`` of ``sampler(key, *args)``, traced (not run) with
    :func:`jax.eval_shape`; ``TypeError``/``ValueError`` naming ``name`` if the call
    fails or does not return ``(batch, d)`` floats (``(batch,)`` is ``d = 1``)."""
    try:
        out = jax.eval_shape(lambda k: sampler(k, *args), jax.random.key(0))
    except Exception as e:  # the user's function: any error, reported under its argument's name
        raise TypeError(f"{name}: calling the sampler on a key failed: {type(e).__name__}: {e}") from e
    shape = getattr(out, "shape", None)
    dtype = getattr(out, "dtype", None)
    if shape is None or dtype is None or np.dtype(dtype).kind not in "biuf":
        raise TypeError(f"{name}: a sampler must return an array of real numbers, got {out}")
    if len(shape) == 1:
        shape = (shape[0], 1)
    if len(shape) != 2 or shape[0] == 0 or shape[1] == 0:
        raise ValueError(f"{name}: a sampler must return samples of shape (batch, d), got shape {shape}")
    return tuple(int(s) for s in shape)
