"""Shared by the boundary tests (``test_boundary_*.py``): bad values by kind of
argument, and the assertion that a call rejects one with an error naming it.

Every public function's arguments fall into a few kinds; for each kind the
values below are invalid. ``rejects(call, name)`` asserts that ``call()`` raises
``ValueError`` or ``TypeError`` (nothing else: no ``AttributeError``,
``ZeroDivisionError``, broadcasting or NumPy errors) whose message names the
argument, so that the user learns which argument was wrong.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

#: Values that are not numbers at all.
NOT_NUMBERS = ["abc", None, object(), {"a": 1}]

#: Invalid for a finite real scalar (a hyperparameter, an order, a prior...).
BAD_REAL = [*NOT_NUMBERS, complex(1, 1), math.nan, math.inf, -math.inf, [1.0, 2.0], np.ones(2)]

#: Invalid for a positive real scalar (bandwidth, learning rate, scale...).
BAD_POSITIVE = [*BAD_REAL, 0.0, -1.0]

#: Invalid for a positive integer (steps, counts of projections, batch sizes).
BAD_COUNT = [*NOT_NUMBERS, 2.5, 0, -3, math.nan, complex(2, 0), [4]]

#: Invalid for a probability in (0, 1).
BAD_PROBABILITY = [*BAD_REAL, 0.0, 1.0, 1.5, -0.2]

#: Invalid for a JAX key or int seed.
BAD_KEY = ["abc", None, 1.5, True, [[1, 2], [3]], complex(1, 0)]


def bad_arrays(n: int) -> list:
    """Invalid for an array of ``n`` real numbers (values checked where concrete)."""
    return [
        "abc",
        None,
        np.full(n, 1 + 1j),
        np.full(n, np.nan),
        np.full(n, np.inf),
        [[0.1] * n, [0.1] * (n + 1)],  # ragged
        np.array(["a"] * n),
    ]


def rejects(call, name: str, *, match: str | None = None) -> None:
    """``call()`` raises ``ValueError``/``TypeError`` naming ``name`` (and matching ``match``)."""
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert name in message, f"the error does not name {name!r}: {type(info.value).__name__}: {message}"
    if match is not None:
        assert match in message, message
