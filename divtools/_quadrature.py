"""Results that came from numerical quadrature carry their error estimate."""

from __future__ import annotations

__all__ = ["QuadResult"]


class QuadResult(float):
    """A float with the quadrature's error estimate attached.

    Behaves as the value in arithmetic and comparisons; ``.error`` is the
    estimated absolute error and ``.method`` names how the value was obtained.

    >>> r = QuadResult(1.5, 2e-14, "quadrature")
    >>> r + 1, r.error
    (2.5, 2e-14)
    """

    __slots__ = ("error", "method")

    def __new__(cls, value: float, error: float, method: str = ""):
        obj = super().__new__(cls, value)
        obj.error = float(error)
        obj.method = method
        return obj

    def __repr__(self) -> str:
        return f"{float(self)!r} (+/- {self.error:.1e}, {self.method})"
