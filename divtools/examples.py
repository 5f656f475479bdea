"""The lectures' worked examples as data.

:func:`parallel_lines` is CE 22-808's example (after Arjovsky, Chintala &
Bottou 2017, example 1): ``z ~ U[0, 1]``, ``P_0`` the law of ``(0, z)`` and
``P_theta`` the law of ``(theta, z)``. Then ``W(P_0, P_theta) = |theta|``,
``JS = log 2``, ``KL = inf`` and ``TV = 1`` for every ``theta != 0``: only the
Wasserstein distance sees how far apart the two lines are.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["ParallelLines", "parallel_lines"]


class ParallelLines(NamedTuple):
    """Two discretised distributions on the union of their supports.

    Attributes:
      points: ``(k, 2)`` coordinates of the outcomes.
      p, q: the masses of ``P_0`` and ``P_theta`` on those outcomes.
      distance: the ``k x k`` Euclidean distance matrix between the outcomes.
    """

    points: np.ndarray
    p: np.ndarray
    q: np.ndarray
    distance: np.ndarray


def parallel_lines(theta: float, n: int = 64) -> ParallelLines:
    """``P_0`` and ``P_theta`` with ``z`` on the grid ``(k + 1/2)/n``, ``k < n``.

    For ``theta = 0`` the supports coincide (``n`` outcomes, ``p = q``); otherwise
    they are disjoint (``2n`` outcomes).

    Example:
      >>> import divtools
      >>> from divtools.examples import parallel_lines
      >>> ex = parallel_lines(0.5, n=16)
      >>> round(divtools.wasserstein(ex.p, ex.q, ex.distance), 12), float(divtools.tv(ex.p, ex.q))
      (0.5, 1.0)
    """
    theta = float(theta)
    z = (np.arange(n) + 0.5) / n
    left = np.stack([np.zeros(n), z], axis=1)
    if theta == 0.0:
        points = left
        p = q = np.full(n, 1.0 / n)
    else:
        points = np.concatenate([left, np.stack([np.full(n, theta), z], axis=1)])
        p = np.concatenate([np.full(n, 1.0 / n), np.zeros(n)])
        q = np.concatenate([np.zeros(n), np.full(n, 1.0 / n)])
    diff = points[:, None, :] - points[None, :, :]
    return ParallelLines(points, p, q, np.sqrt((diff**2).sum(-1)))
