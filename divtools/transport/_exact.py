"""Exact scaling by powers of two, and the argument checks of the transport and MMD functions.

Scaling by ``2**k`` is exact for every float whose result stays in the normal
range, so a computation can be moved to where neither sums nor powers overflow
or underflow and moved back at the end. NumPy's ``frexp``/``ldexp`` are exact
for subnormal numbers too. XLA flushes subnormal numbers to zero on the CPU and
on GPUs (a subnormal input reads as 0 in arithmetic), so for JAX arrays the
exponent and the scaling are read from the bits: a subnormal input scaled into
the normal range keeps every digit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from divtools._core import backend as B

__all__ = [
    "check_count",
    "check_flag",
    "check_order",
    "check_positive",
    "exponent",
    "host_array",
    "ldexp",
    "pow2",
    "require",
    "scale2",
    "stop_gradient",
    "top_exponent",
]


# --------------------------------------------------------------------------
# Powers of two.


def _format(dtype: Any) -> tuple[int, int, int, Any]:
    """``(mantissa bits, exponent bias, smallest normal exponent, int type)`` of a float dtype."""
    info = np.finfo(dtype)
    return info.nmant, info.maxexp - 1, info.minexp, np.int64 if info.bits == 64 else np.int32


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant for JAX's autodiff (NumPy: ``x``)."""
    if B.namespace(x) is np:
        return x
    return B.jax.lax.stop_gradient(x)


def _magnitude_bits(x: Any) -> Any:
    """The bits of ``|x|`` as integers (ordered as the magnitudes, subnormal ones too)."""
    itype = _format(x.dtype)[3]
    bits = B.bitcast(stop_gradient(x), itype)
    return bits & B.namespace(bits).asarray(np.iinfo(itype).max, itype)


def _exponent_of_bits(bits: Any, dtype: Any) -> Any:
    xp = B.namespace(bits)
    nmant, bias, minexp, _ = _format(dtype)
    field = bits >> nmant  # the biased exponent
    # a subnormal x is its integer significand times 2**(minexp - nmant); the integer is
    # exact as a float, and normal, so frexp reads its exponent
    sub = xp.frexp(bits.astype(dtype))[1] + (minexp - nmant)
    return xp.where(field == 0, xp.where(bits == 0, 0, sub), field - (bias - 1)).astype(np.int32)


def exponent(x: Any) -> Any:
    """``e`` with ``|x| = f 2**e``, ``0.5 <= f < 1`` (``0`` for ``x = 0``), exact for subnormal ``x``."""
    if B.namespace(x) is np:
        return np.frexp(x)[1]
    return _exponent_of_bits(_magnitude_bits(x), x.dtype)


def top_exponent(x: Any, axis: int = -1) -> tuple[Any, Any]:
    """``(exponent(max |x|), max |x| > 0)`` along ``axis``. For JAX arrays the maximum is
    taken over the bit patterns: XLA's ``max`` and comparisons read subnormal
    numbers as 0."""
    xp = B.namespace(x)
    if xp is np:
        top = np.max(np.abs(x), axis=axis)
        return np.frexp(top)[1], top > 0
    bits = xp.max(_magnitude_bits(x), axis=axis)
    return _exponent_of_bits(bits, x.dtype), bits > 0


def pow2(k: Any, dtype: Any, xp: Any) -> Any:
    """``2**k`` for integer ``k`` in the normal range of ``dtype``, built from its bits."""
    if xp is np:
        return np.ldexp(np.ones((), dtype), k)
    nmant, bias, minexp, itype = _format(dtype)
    k = xp.clip(xp.asarray(k).astype(itype), minexp, bias)
    return B.bitcast((k + bias) << nmant, np.dtype(dtype))


def ldexp(x: Any, k: Any) -> Any:
    """``x * 2**k`` for integer ``k`` (broadcast), exact where the result is a normal number.

    For JAX arrays a subnormal ``x`` is read from its bits (XLA would read it as 0);
    the scaling is done in two steps of normal powers of two, so intermediate
    results neither overflow nor underflow where the result does not. Differentiable
    in ``x`` (``d/dx = 2**k``).
    """
    xp = B.namespace(x, k)
    if xp is np:
        nmant, bias, minexp, _ = _format(x.dtype)
        if np.all((minexp - nmant <= k) & (k <= bias)):  # 2**k is a float: one rounded product,
            return x * np.ldexp(np.ones((), x.dtype), k)  # as ldexp's, 10x faster
        return np.ldexp(x, k)
    nmant, bias, minexp, itype = _format(x.dtype)
    k = xp.asarray(k).astype(np.int32)
    bits = B.bitcast(stop_gradient(x), itype)
    magnitude = bits & xp.asarray(np.iinfo(itype).max, itype)  # the sign bit cleared
    sub = ((magnitude >> nmant) == 0) & (magnitude != 0)  # (zero: x itself, for its gradient)
    significand = magnitude.astype(x.dtype)  # exact: fewer than nmant + 1 bits
    y = xp.where(sub, xp.where(bits < 0, -significand, significand), x)
    kk = xp.where(sub, k + (minexp - nmant), k)
    normal = _times_pow2(y, kk, xp)
    # a subnormal result (XLA would flush it to 0): its integer significand, rounded
    # half to even, written into the bits
    tiny = _exponent_of_bits(_magnitude_bits(y), x.dtype) + kk <= minexp
    n = xp.round(_times_pow2(xp.abs(y), kk - (minexp - nmant), xp)).astype(itype)
    subnormal = B.bitcast(xp.where(bits < 0, n | xp.asarray(np.iinfo(itype).min, itype), n), x.dtype)
    return xp.where(tiny & (y != 0), subnormal, normal)


def scale2(x: Any, k: Any) -> Any:
    """``x * 2**k`` by products with powers of two: exact where ``x`` and the result are
    normal numbers (cheaper than :func:`ldexp`; under XLA a subnormal ``x`` or result
    reads as 0)."""
    xp = B.namespace(x, k)
    if xp is np:
        return ldexp(x, k)
    return _times_pow2(x, xp.asarray(k).astype(np.int32), xp)


def _times_pow2(y: Any, k: Any, xp: Any) -> Any:
    """``y * 2**k`` in two steps of normal powers of two."""
    _, bias, minexp, _ = _format(y.dtype)
    k1 = xp.clip(k, minexp, bias)
    k2 = xp.clip(k - k1, minexp, bias)
    return y * pow2(k1, y.dtype, xp) * pow2(k2, y.dtype, xp)


# --------------------------------------------------------------------------
# Argument checks: each error names the argument and says what was expected.


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _scalar(name: str, value: Any, what: str) -> float:
    """``value`` as a Python float, if it is a real number (not a bool, string, array...)."""
    if _is_bool(value):
        raise TypeError(f"{name}: expected {what}, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) or (B.is_jax(value) and not B.is_traced(value)):
        if value.ndim == 0 and np.dtype(value.dtype).kind in "iuf":
            return float(value)
    raise TypeError(f"{name}: expected {what}, got {_describe(value)}")


def check_order(p: Any, *, finite: bool = False) -> float:
    """The order ``p`` of ``W_p``: a real number ``>= 1`` (or ``inf`` unless ``finite``)."""
    what = "a real number >= 1" + ("" if finite else " or inf")
    x = _scalar("p", p, what)
    if not x >= 1.0:  # NaN too
        raise ValueError(f"p: the order must be at least 1 (or inf); got {p!r}")
    if finite and math.isinf(x):
        raise ValueError(f"p: expected a finite order >= 1, got {p!r}")
    return x


def check_positive(name: str, value: Any) -> Any:
    """A finite positive real scalar (a tracer passes unchecked)."""
    if B.is_traced(value):
        if getattr(value, "ndim", 1) != 0 or np.dtype(value.dtype).kind != "f":
            raise TypeError(f"{name}: expected a real scalar, got a traced array of shape {value.shape}")
        return value
    x = _scalar(name, value, "a positive real number")
    if not (0.0 < x < math.inf):
        raise ValueError(f"{name}: expected a finite positive real number, got {value!r}")
    return x


def check_count(name: str, value: Any, minimum: int = 1) -> int:
    """An integer ``>= minimum`` (Python or NumPy integers; no floats, bools or strings)."""
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def check_flag(name: str, value: Any) -> bool:
    """``True`` or ``False`` (NumPy booleans too)."""
    if not _is_bool(value):
        raise TypeError(f"{name}: expected True or False, got {_describe(value)}")
    return bool(value)


def require(**arrays: Any) -> None:
    """``TypeError`` for a required array argument given as ``None``."""
    for name, value in arrays.items():
        if value is None:
            raise TypeError(f"{name}: expected an array of real numbers, got None")


def host_array(name: str, value: Any) -> np.ndarray:
    """A NumPy float64 array of real numbers (``TypeError`` naming ``name`` otherwise)."""
    if value is None:
        raise TypeError(f"{name}: expected an array of real numbers, got None")
    if B.is_traced(value):
        raise TypeError(f"{name}: needs concrete values here, got a traced array")
    try:
        a = np.asarray(value)
    except Exception as exc:  # ragged lists, ...
        raise TypeError(f"{name}: cannot be read as an array ({exc})") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)
