"""Hypothesis strategies for distributions, for divtools' tests and for yours.

Every strategy draws NumPy float64 probability vectors that pass divtools'
validation with ``normalize=False``: non-negative, normalised by dividing by
their float sum, entries either 0 or at least ``min_mass`` (default 1e-300,
above the smallest normal float). Install the ``[dev]`` extra (hypothesis) to
use them.

Example::

    from hypothesis import given
    import divtools
    from divtools.testing import distribution_pairs

    @given(distribution_pairs(max_size=20))
    def test_pinsker(pair):
        p, q = pair
        assert divtools.tv(p, q) <= (divtools.kl(p, q) / 2) ** 0.5 + 1e-12

Profiles: :func:`register_profiles` registers ``"divtools-ci"`` (few examples,
no deadline: the first call of a jitted function compiles) and
``"divtools-thorough"`` (many examples); select one with
``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

__all__ = [
    "Opaque",
    "batches",
    "disjoint_pairs",
    "distribution_pairs",
    "distributions",
    "joint_tables",
    "markov_kernels",
    "nearly_equal_pairs",
    "product_tables",
    "register_profiles",
]


def register_profiles() -> None:
    """Register the ``divtools-ci`` and ``divtools-thorough`` hypothesis profiles.

    Example:
      >>> import hypothesis
      >>> from divtools import testing
      >>> testing.register_profiles()
      >>> ci = hypothesis.settings.get_profile("divtools-ci")
      >>> ci.max_examples, ci.deadline  # few examples, no deadline (first calls compile)
      (25, None)
    """
    settings.register_profile("divtools-ci", max_examples=25, deadline=None, derandomize=True)
    settings.register_profile("divtools-thorough", max_examples=1000, deadline=None)


def _normalise(w: np.ndarray) -> np.ndarray:
    return w / w.sum(axis=-1, keepdims=True)


@st.composite
def _weights(draw, n: int, zeros: bool, min_log10: float) -> np.ndarray:
    """Positive weights spread over many orders of magnitude, some exactly zero."""
    exps = draw(st.lists(st.floats(min_log10, 0.0), min_size=n, max_size=n).map(np.array))
    mant = draw(st.lists(st.floats(1.0, 10.0), min_size=n, max_size=n).map(np.array))
    w = mant * 10.0**exps
    if zeros and n > 1:
        mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        keep = draw(st.integers(0, n - 1))
        mask[keep] = False
        w = np.where(mask, 0.0, w)
    return w


def _size(size, min_size, max_size):
    return st.just(size) if size is not None else st.integers(min_size, max_size)


@st.composite
def distributions(
    draw,
    size: int | None = None,
    *,
    min_size: int = 1,
    max_size: int = 32,
    zeros: bool = True,
    min_mass: float = 1e-300,
    spread: float = 12.0,
):
    """A probability vector of a given or drawn length.

    Args:
      size: the number of outcomes (drawn from ``[min_size, max_size]`` if None).
      zeros: whether some entries may be exactly 0.
      min_mass: smallest non-zero probability (before normalisation, roughly).
      spread: decades spanned by the non-zero masses (at most
        ``-log10(min_mass)``); 12 gives typical distributions, 300 extreme ones.

    Example:
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> p = find(testing.distributions(4), lambda p: True)  # the simplest draw: uniform
      >>> p.shape, float(p.sum())
      ((4,), 1.0)
    """
    n = draw(_size(size, min_size, max_size))
    low = max(-spread, np.log10(min_mass))
    w = draw(_weights(n, zeros, low))
    return _normalise(w)


@st.composite
def distribution_pairs(
    draw,
    size: int | None = None,
    *,
    min_size: int = 1,
    max_size: int = 32,
    zeros: bool = True,
    spread: float = 12.0,
):
    """Two probability vectors over the same outcomes (independent).

    Example:
      >>> import divtools
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> p, q = find(testing.distribution_pairs(3), lambda pq: True)
      >>> float(divtools.kl(p, q)) >= 0.0  # Gibbs' inequality, for every pair drawn
      True
    """
    n = draw(_size(size, min_size, max_size))
    p = draw(distributions(n, zeros=zeros, spread=spread))
    q = draw(distributions(n, zeros=zeros, spread=spread))
    return p, q


@st.composite
def nearly_equal_pairs(
    draw,
    size: int | None = None,
    *,
    min_size: int = 2,
    max_size: int = 32,
    min_eps: float = 1e-12,
    max_eps: float = 1e-1,
    spread: float = 12.0,
):
    """``(p, q)`` with ``q = p (1 + eps z)`` renormalised, ``|z| <= 1``, ``eps`` log-uniform.

    The regime where textbook formulas cancel: the divergence is of order
    ``eps**2`` while each summand is of order ``eps``.

    Example:
      >>> import divtools
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> p, q = find(testing.nearly_equal_pairs(3), lambda pq: True)
      >>> float(divtools.tv(p, q)) < 0.5
      True
    """
    n = draw(_size(size, min_size, max_size))
    p = draw(distributions(n, zeros=False, spread=spread))
    log_eps = draw(st.floats(np.log10(min_eps), np.log10(max_eps)))
    z = np.array(draw(st.lists(st.floats(-1.0, 1.0), min_size=n, max_size=n)))
    q = _normalise(p * (1.0 + 10.0**log_eps * z))
    return p, q


@st.composite
def disjoint_pairs(draw, size: int | None = None, *, min_size: int = 2, max_size: int = 32):
    """``(p, q)`` with disjoint supports.

    Example:
      >>> import divtools
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> p, q = find(testing.disjoint_pairs(4), lambda pq: True)
      >>> float(divtools.tv(p, q)), float(divtools.kl(p, q))  # disjoint: TV = 1, KL infinite
      (1.0, inf)
    """
    n = draw(_size(size, min_size, max_size))
    side = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    side[0], side[-1] = True, False
    w = draw(_weights(n, False, -12.0))
    return _normalise(np.where(side, w, 0.0)), _normalise(np.where(side, 0.0, w))


@st.composite
def batches(
    draw,
    batch_shape: tuple[int, ...] | None = None,
    size: int | None = None,
    *,
    max_size: int = 16,
    zeros: bool = True,
):
    """``(P, Q)`` arrays of shape ``batch_shape + (size,)`` of independent distributions.

    Example:
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> P, Q = find(testing.batches((2,), 3), lambda pq: True)
      >>> P.shape, Q.shape
      ((2, 3), (2, 3))
    """
    if batch_shape is None:
        batch_shape = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    n = draw(_size(size, 1, max_size))
    count = int(np.prod(batch_shape))
    rows = [draw(distribution_pairs(n, zeros=zeros)) for _ in range(count)]
    P = np.stack([r[0] for r in rows]).reshape(batch_shape + (n,))
    Q = np.stack([r[1] for r in rows]).reshape(batch_shape + (n,))
    return P, Q


@st.composite
def markov_kernels(draw, n: int, m: int | None = None):
    """A row-stochastic ``n x m`` matrix (a channel from ``n`` outcomes to ``m``).

    Example:
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> K = find(testing.markov_kernels(2, 3), lambda k: True)
      >>> K.shape, K.sum(axis=1).tolist()  # each row a distribution
      ((2, 3), [1.0, 1.0])
    """
    m = draw(st.integers(1, 8)) if m is None else m
    rows = [draw(distributions(m, zeros=True, spread=6.0)) for _ in range(n)]
    return np.stack(rows)


@st.composite
def joint_tables(draw, dims: int = 2, *, max_size: int = 5, zeros: bool = True, spread: float = 12.0):
    """A joint pmf with ``dims`` axes (one per variable), each with 1 to ``max_size``
    outcomes, normalised like :func:`distributions` (for ``divtools.mutual_information``).

    Example:
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> J = find(testing.joint_tables(2), lambda j: j.size > 1)
      >>> J.ndim, bool(abs(J.sum() - 1.0) < 1e-12)
      (2, True)
    """
    shape = tuple(draw(st.lists(st.integers(1, max_size), min_size=dims, max_size=dims)))
    flat = draw(distributions(int(np.prod(shape)), zeros=zeros, spread=spread))
    return flat.reshape(shape)


@st.composite
def product_tables(draw, dims: int = 2, *, max_size: int = 5, max_count: int = 1000):
    """A table of counts that is exactly a product ``c1[x] c2[y] ...`` (independent
    variables: mutual information exactly 0), integers below ``max_count**dims``.

    Example:
      >>> import divtools
      >>> from hypothesis import find
      >>> from divtools import testing
      >>> C = find(testing.product_tables(2), lambda c: c.size > 1)
      >>> float(divtools.mutual_information(C, normalize=True))  # independent: I = 0 exactly
      0.0
    """
    table = np.ones(())
    for _ in range(dims):
        n = draw(st.integers(1, max_size))
        counts = np.array(draw(st.lists(st.integers(0, max_count), min_size=n, max_size=n)), float)
        counts[draw(st.integers(0, n - 1))] += 1.0  # not all zero
        table = np.multiply.outer(table, counts)
    return table


class Opaque:
    """A distribution seen through its density functions only (``logpdf``, ``pdf``,
    ``cdf``, ``ppf``, ``isf``, ``support``): divtools cannot recognise its family, so
    divergences go through the quadrature route. For checking closed forms (or a
    derivation) against the numerical integral.

    Example:
      >>> import scipy.stats as st, divtools
      >>> from divtools.testing import Opaque
      >>> closed = divtools.kl(st.norm(0, 1), st.norm(1, 2))
      >>> numeric = divtools.kl(Opaque(st.norm(0, 1)), Opaque(st.norm(1, 2)))
      >>> abs(float(numeric) - float(closed)) < 1e-14, numeric.method
      (True, 'quadrature')
    """

    def __init__(self, dist):
        self._d = dist

    def logpdf(self, x):
        return self._d.logpdf(x)

    def pdf(self, x):
        return self._d.pdf(x)

    def cdf(self, x):
        return self._d.cdf(x)

    def ppf(self, u):
        return self._d.ppf(u)

    def isf(self, u):
        return self._d.isf(u)

    def support(self):
        return self._d.support()
