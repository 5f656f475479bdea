r"""Scores of a generator against its target, computed with the exact core.

* :func:`sample_distance`: exact ``W_1`` between the two samples on the line
  (:func:`divtools.wasserstein_1d`), the sliced ``SW_1`` in more dimensions
  (:func:`divtools.sliced_wasserstein`).
* :func:`mode_coverage`: the mode-collapse metrics. A generated sample is *high
  quality* if it lies within ``3`` standard deviations of its nearest mode; a
  mode is *covered* if at least ``min_share`` of the samples are high-quality
  samples assigned to it. The default ``min_share = 0.008`` is 20 samples out of
  2,500, the sample size and count used for the 2-D ring and grid in the
  mode-collapse literature (VEEGAN, PacGAN).
* :func:`binned_divergences`: JS and KL between the histograms of the two
  samples on a common grid, by :func:`divtools.js` and :func:`divtools.kl`
  (KL is ``inf`` when the data put mass in a bin the generator never reaches:
  the mathematics of the empirical measures, not an overflow).

All scores take NumPy or JAX arrays and return Python floats computed in float64.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from divtools._core.keys import KeyLike
from divtools.discrete import pmf
from divtools.discrete.generators import GENERATORS
from divtools.transport.line import sliced_wasserstein, wasserstein_1d
from divtools.variational import checks

__all__ = ["BinnedDivergences", "ModeCoverage", "binned_divergences", "mode_coverage", "sample_distance"]


def _samples(name, x) -> np.ndarray:
    """Samples ``(n, d)`` of finite real numbers, as float64 (``(n,)`` is ``d = 1``)."""
    return np.asarray(checks.sample_matrix(name, x), dtype=np.float64)


def sample_distance(x: Any, y: Any, *, key: KeyLike = 0, n_projections: int = 128) -> float:
    """``W_1`` between two samples: exact on the line (``d = 1``), the sliced
    ``SW_1`` over ``n_projections`` (a positive integer) random directions drawn
    with ``key`` (a JAX PRNG key or an int seed, ``jax.random.key(seed)``; default
    0) in ``d >= 2``.

    Example:
      >>> import numpy as np
      >>> from divtools.gan import scores
      >>> scores.sample_distance(np.array([0.0, 1.0]), np.array([2.0, 3.0]))
      2.0

    References: Rabin, Peyre, Delon & Bernot (2011, sliced Wasserstein); Bonneel et al. (2015).
    """
    x, y = _samples("x", x), _samples("y", y)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"x, y: dimensions differ ({x.shape[1]} and {y.shape[1]})")
    key = checks.key(key)
    n_projections = checks.count("n_projections", n_projections)
    if x.shape[1] == 1:
        return float(wasserstein_1d(x[:, 0], y[:, 0], p=1))
    return float(sliced_wasserstein(x, y, key=key, n_projections=n_projections, p=1))


class ModeCoverage(NamedTuple):
    """Mode-collapse metrics (see :func:`mode_coverage`).

    Attributes:
      modes_covered: how many modes hold at least ``min_share`` of the samples as high-quality samples.
      high_quality: the share of samples within ``threshold`` standard deviations of their nearest mode.
      counts: high-quality samples per mode, shape ``(k,)``.
    """

    modes_covered: int
    high_quality: float
    counts: np.ndarray


def mode_coverage(
    samples: Any, means: Any, std: float, *, threshold: float = 3.0, min_share: float = 0.008
) -> ModeCoverage:
    """Modes covered and the share of high-quality samples (VEEGAN's and PacGAN's metrics).

    Args:
      samples: generated samples ``(n, d)``.
      means: the target's modes ``(k, d)`` (e.g. ``datasets.ring().means``).
      std: the components' standard deviation (positive).
      threshold: a sample is high quality within ``threshold * std`` of its nearest
        mode (positive).
      min_share: a mode is covered if at least ``min_share * n`` high-quality samples
        have it as nearest mode (default 0.008: 20 of 2,500), in ``(0, 1]``.

    Example:
      >>> import jax
      >>> from divtools.gan import datasets, scores
      >>> ring = datasets.ring()
      >>> x = ring.sample(jax.random.key(0), 2500)
      >>> cov = scores.mode_coverage(x, ring.means, ring.std)
      >>> cov.modes_covered, cov.high_quality > 0.98
      (8, True)

    References: Srivastava et al. (2017, VEEGAN), section 5; Lin et al. (2018, PacGAN), section 5.
    """
    x = _samples("samples", samples)
    means = _samples("means", means)
    if means.shape[1] != x.shape[1]:
        raise ValueError(f"samples, means: dimensions differ ({x.shape[1]} and {means.shape[1]})")
    std = checks.positive("std", std)
    threshold = checks.positive("threshold", threshold)
    min_share = checks.fraction("min_share", min_share, closed_high=True)
    d2 = np.sum((x[:, None, :] - means[None]) ** 2, axis=-1)
    nearest = np.argmin(d2, axis=1)
    good = np.sqrt(d2[np.arange(x.shape[0]), nearest]) <= threshold * std
    counts = np.bincount(nearest[good], minlength=means.shape[0])
    covered = int(np.sum(counts >= min_share * x.shape[0]))
    return ModeCoverage(covered, float(np.mean(good)), counts)


def _check_range(value, d: int) -> list:
    """``range`` of :func:`binned_divergences`: ``d`` pairs ``(lo, hi)`` of finite numbers, ``lo < hi``."""
    what = f"{d} pairs (lo, hi) of finite numbers with lo < hi, one per axis"
    try:
        r = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"range: expected {what}, got {checks.describe(value)}") from None
    if r.shape == (2,) and d == 1:
        r = r[None]
    if r.shape != (d, 2) or not np.isfinite(r).all() or np.any(r[:, 0] >= r[:, 1]):
        raise ValueError(f"range: expected {what}, got {checks.describe(value)}")
    return [tuple(pair) for pair in r.tolist()]


class BinnedDivergences(NamedTuple):
    """JS and KL (nats) between histograms of the data and the generated samples."""

    js: float
    kl: float
    kl_reverse: float


def binned_divergences(data: Any, generated: Any, *, bins: int = 50, range: Any = None) -> BinnedDivergences:
    """``JS``, ``KL(data || generated)`` and ``KL(generated || data)`` between the
    histograms of the two samples on one grid of ``bins`` cells per axis
    (``range``: ``[(lo, hi), ...]`` per axis; default the two samples' joint
    bounding box). Computed exactly by :func:`divtools.js` and :func:`divtools.kl`
    on the normalised counts; data-processing inequality: each is at most the
    divergence between the distributions the samples come from, up to sampling noise.
    ``bins``: a positive integer, or one per axis.

    Example:
      >>> import math
      >>> from divtools.gan import scores
      >>> d = scores.binned_divergences([[0.0], [0.0], [1.0], [1.0]], [[0.0], [1.0], [1.0], [1.0]], bins=2)
      >>> math.isclose(d.kl, 0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75))
      True
      >>> d = scores.binned_divergences([[0.0], [0.0]], [[1.0], [1.0]], bins=2)
      >>> d.js == math.log(2), d.kl   # disjoint histograms
      (True, inf)

    References: Cover & Thomas (2006), chapter 2 (KL); Lin (1991, Jensen-Shannon).
    """
    x, y = _samples("data", data), _samples("generated", generated)
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"data, generated: dimensions differ ({x.shape[1]} and {y.shape[1]})")
    if isinstance(bins, (list, tuple, np.ndarray)):
        bins = checks.widths("bins", bins)
        if len(bins) != x.shape[1]:
            raise ValueError(f"bins: expected one count per axis ({x.shape[1]}), got {len(bins)}")
    else:
        bins = checks.count("bins", bins)
    if range is not None:
        range = _check_range(range, x.shape[1])
    if range is None:
        both = np.concatenate([x, y])
        range = list(zip(both.min(axis=0), both.max(axis=0)))
    hx, _ = np.histogramdd(x, bins=bins, range=range)
    hy, _ = np.histogramdd(y, bins=bins, range=range)
    p, q = hx.ravel() / hx.sum(), hy.ravel() / hy.sum()
    js, kl = GENERATORS["js"], GENERATORS["kl"]
    return BinnedDivergences(
        float(pmf.divergence(p, q, js)), float(pmf.divergence(p, q, kl)), float(pmf.divergence(q, p, kl))
    )
