"""Boundary checks shared by every public function.

Two layers (see ``docs`` in the README):

* **Static facts** -- types, dtypes, shapes, the axis, the base -- are checked
  from array metadata, so they raise ``ValueError``/``TypeError`` also under
  ``jax.jit``, ``jax.vmap`` and ``jax.grad``.
* **Value facts** -- NaN, infinities, negative entries, all-zero or
  unnormalised distributions -- are checked on concrete input only, from
  per-row statistics (minimum and sum) computed in one fused pass before the
  divergence. Under tracing the values are unknown; they are not checked
  and the result follows IEEE arithmetic (NaN in gives NaN out), and the
  inputs are divided by their sums whatever ``normalize`` says.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "check_base",
    "check_rows",
    "choice",
    "count",
    "eps",
    "flag",
    "normalization_tolerance",
    "positive",
    "probability",
    "real",
]


_EPS: dict = {}


def eps(dtype) -> float:
    """The machine epsilon of a floating dtype (cached)."""
    value = _EPS.get(dtype)
    if value is None:
        value = _EPS[dtype] = float(np.finfo(dtype).eps)
    return value


def normalization_tolerance(n: int, dtype) -> float:
    """How far from 1 the sum of ``n`` probabilities may be without ``normalize=True``.

    ``64 eps sqrt(n)``: the sum of ``n`` correctly rounded probabilities is off by
    about ``eps sqrt(n) / 2`` (and at most ``n eps``); a vector that is off by
    more was not normalised in this dtype. For float64 this is ``2.5e-14`` at
    ``n = 3`` and ``1.4e-11`` at ``n = 10^6``; for float32 ``2.4e-4`` at ``n = 1000``.
    """
    return 64.0 * eps(dtype) * math.sqrt(max(n, 1))


def check_base(base, logarithmic: bool, what: str):
    """``log(base)`` for a valid base, ``None`` for nats; ``ValueError`` otherwise."""
    if base is None:
        return None
    if not logarithmic:
        raise ValueError(f"base: {what} is not an information divergence and has no unit; leave base=None")
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"base: expected a positive number, got {base!r}") from None
    if not (b > 0.0) or b == 1.0 or not math.isfinite(b):
        raise ValueError(f"base: the logarithm base must be positive, finite and not 1; got {base!r}")
    return math.log(b)


def _where(mask: np.ndarray) -> str:
    """A short description of the first offending row."""
    if mask.ndim == 0:
        return ""
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return f" (first at batch index {idx})"


def check_rows(name: str, row_min, row_sum, n: int, dtype, normalize: bool, axis, row_max=None) -> None:
    """Raise ``ValueError`` if any distribution (row) of ``name`` is invalid.

    ``row_min`` and ``row_sum`` are the minimum and the sum of each row along
    the distribution axis (NumPy arrays of the batch shape); ``row_max``, where
    given, tells an infinite entry from a sum that overflows.
    """
    if isinstance(row_min, float) or np.ndim(row_min) == 0:
        low, total = float(row_min), float(row_sum)  # one row: plain comparisons
        if low >= 0.0 and (
            0.0 < total < math.inf if normalize else abs(total - 1.0) <= normalization_tolerance(n, dtype)
        ):
            return
    elif np.all(row_min >= 0) and (
        np.all((row_sum > 0) & (row_sum < math.inf))
        if normalize
        else np.all(np.abs(row_sum - 1.0) <= normalization_tolerance(n, dtype))
    ):
        return
    row_min = np.asarray(row_min)
    row_sum = np.asarray(row_sum)
    bad = np.isnan(row_min) | np.isnan(row_sum)
    if bad.any():
        raise ValueError(f"{name}: contains NaN{_where(bad)}")
    bad = np.isneginf(row_min)
    if bad.any():
        raise ValueError(f"{name}: contains -inf{_where(bad)}")
    bad = np.isinf(row_sum)
    if bad.any():
        if row_max is not None and np.all(np.isfinite(np.asarray(row_max)[bad])):
            raise ValueError(
                f"{name}: its sum overflows (entries up to {np.max(row_max):.6g}); pass "
                f"normalize=True for weights or counts{_where(bad)}"
            )
        raise ValueError(f"{name}: contains inf{_where(bad)}")
    bad = row_min < 0
    if bad.any():
        raise ValueError(f"{name}: has negative entries (minimum {row_min[bad].min():.6g}){_where(bad)}")
    bad = row_sum == 0
    if bad.any():
        raise ValueError(f"{name}: a distribution has all-zero mass{_where(bad)}")
    if not normalize:
        tol = normalization_tolerance(n, dtype)
        dev = np.abs(row_sum - 1.0)
        bad = dev > tol
        if bad.any():
            worst = row_sum[bad].flat[0]
            raise ValueError(
                f"{name}: does not sum to 1 along axis {axis} (sum = {worst:.17g}, "
                f"tolerance {tol:.2g}); pass normalize=True to divide by the sum"
                f"{_where(bad)}"
            )


# --------------------------------------------------------------------------
# Scalar arguments: one checker per kind, each naming the argument.


def _describe(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def real(
    name: str,
    value,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a float in the given range; ``TypeError``/``ValueError`` naming ``name``.

    Booleans, strings, ``None``, complex numbers, arrays with more than one
    element are rejected; NaN always, infinities when ``finite``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        if not (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"):
            raise TypeError(f"{name}: expected a real number, got {_describe(value)}")
    x = float(value)
    if math.isnan(x) or (finite and math.isinf(x)):
        raise ValueError(f"{name}: expected a finite real number, got {x}")
    below = x <= low if low_open else x < low
    above = x >= high if high_open else x > high
    if below or above:
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        raise ValueError(f"{name}: expected a number in {lo}{low:g}, {high:g}{hi}, got {x:g}")
    return x


def positive(name: str, value, *, finite: bool = True) -> float:
    """``value`` as a positive float (``> 0``)."""
    return real(name, value, low=0.0, low_open=True, finite=finite)


def probability(name: str, value) -> float:
    """``value`` as a float in the open interval ``(0, 1)``."""
    return real(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def count(name: str, value, *, minimum: int = 1) -> int:
    """``value`` as an int ``>= minimum`` (integral floats such as ``4.0`` are not accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)


def flag(name: str, value) -> bool:
    """``value`` as a bool (``True``/``False`` only)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {_describe(value)}")
    return bool(value)


def choice(name: str, value, options) -> str:
    """``value`` as one of the strings ``options``; an unknown one lists them."""
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected one of {', '.join(map(repr, options))}, got {_describe(value)}")
    if value not in options:
        raise ValueError(f"{name}: unknown {value!r}; expected one of {', '.join(map(repr, options))}")
    return value
