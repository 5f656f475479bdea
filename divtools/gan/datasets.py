r"""Toy targets for GAN training: keyed samplers with known structure.

Each dataset is a small pytree-free record with ``sample(key, n)`` returning
an ``(n, d)`` array (float32 unless ``dtype`` says otherwise), so that
:func:`divtools.gan.train` can draw minibatches inside its compiled loop and
the scores (:mod:`divtools.gan.scores`) know the modes.

=================  =====================================================  ==========================================
dataset            definition                                             convention
=================  =====================================================  ==========================================
``gaussian``       ``N(mean, std^2)`` on the line                         1-D target of the issue's first requirement
``mixture_1d``     ``sum_k w_k N(m_k, std^2)`` on the line
``ring``           8 Gaussians, centres ``r (cos 2 pi k/8, sin 2 pi k/8)``  radius 1, std 0.01 (VEEGAN, PacGAN)
``grid``           25 Gaussians at ``{-4, -2, 0, 2, 4}^2``                 std 0.05 (VEEGAN, PacGAN)
``swiss_roll``     ``t (cos t, sin t) / 7.5 + noise``, ``t = 1.5 pi (1 + 2u)``  noise 0.25 before scaling (WGAN-GP's toy script)
=================  =====================================================  ==========================================

The ring of the mode-collapse papers and WGAN-GP's toy ring (radius ``sqrt 2``,
std ``0.02/sqrt 2``) have the same ratio std/radius = 0.01; divtools uses radius 1.

References: Srivastava et al. (2017, VEEGAN), Lin et al. (2018, PacGAN),
Gulrajani et al. (2017, WGAN-GP), Metz et al. (2017, unrolled GANs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from divtools._core.keys import KeyLike
from divtools.variational import checks

__all__ = ["Mixture", "SwissRoll", "gaussian", "grid", "mixture_1d", "ring", "swiss_roll"]


class Mixture(NamedTuple):
    """An equal-covariance Gaussian mixture ``sum_k w_k N(means_k, std^2 I)`` in ``R^d``.

    Attributes:
      means: the modes, shape ``(k, d)`` (NumPy, float64).
      std: the components' common standard deviation.
      weights: the mixture weights, shape ``(k,)``.
      name: a label for plots and tables.
    """

    means: np.ndarray
    std: float
    weights: np.ndarray
    name: str = "mixture"

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, key: KeyLike, n: int, dtype: Any = jnp.float32) -> Any:
        """``n`` samples, shape ``(n, d)``; same key, same samples. ``key``: a JAX PRNG
        key or an int seed (``jax.random.key(seed)``); ``dtype``: a float type."""
        key, n, dtype = _sample_args(key, n, dtype)
        kc, kn = jax.random.split(key)
        comp = jax.random.choice(kc, len(self.weights), (n,), p=jnp.asarray(self.weights, dtype))
        means = jnp.asarray(self.means, dtype)
        return means[comp] + self.std * jax.random.normal(kn, (n, self.dim), dtype)

    def logpdf(self, x: Any) -> np.ndarray:
        """The log-density at points ``x`` of shape ``(n, d)`` (NumPy, float64)."""
        x = np.asarray(checks.samples("x", x), dtype=np.float64)
        if x.size % self.dim or (x.ndim > 1 and x.shape[-1] != self.dim):
            raise ValueError(f"x: expected points of shape (n, {self.dim}), got shape {x.shape}")
        x = x.reshape(-1, self.dim)
        d2 = np.sum((x[:, None, :] - self.means[None]) ** 2, axis=-1)
        log_comp = (
            np.log(self.weights)[None]
            - d2 / (2 * self.std**2)
            - self.dim * (math.log(self.std) + 0.5 * math.log(2 * math.pi))
        )
        m = np.max(log_comp, axis=1, keepdims=True)
        return (m + np.log(np.sum(np.exp(log_comp - m), axis=1, keepdims=True)))[:, 0]


class SwissRoll(NamedTuple):
    """The 2-D Swiss roll of WGAN-GP's toy experiments: ``t (cos t, sin t)`` with
    ``t = 1.5 pi (1 + 2u)``, ``u ~ U(0, 1)``, plus ``N(0, noise^2)`` noise, divided by ``scale``."""

    noise: float = 0.25
    scale: float = 7.5
    name: str = "swiss roll"

    @property
    def dim(self) -> int:
        return 2

    def sample(self, key: KeyLike, n: int, dtype: Any = jnp.float32) -> Any:
        """``n`` samples, shape ``(n, 2)``; ``key``: a JAX PRNG key or an int seed."""
        key, n, dtype = _sample_args(key, n, dtype)
        ku, kn = jax.random.split(key)
        t = 1.5 * jnp.pi * (1.0 + 2.0 * jax.random.uniform(ku, (n,), dtype))
        x = jnp.stack([t * jnp.cos(t), t * jnp.sin(t)], axis=1)
        return (x + self.noise * jax.random.normal(kn, (n, 2), dtype)) / self.scale


def _sample_args(key, n, dtype):
    """The arguments of a dataset's ``sample``, checked (traced keys pass: the training
    loops draw inside ``jit``)."""
    return checks.key(key), checks.count("n", n), checks.float_dtype("dtype", dtype, optional=False)


def _mixture(means, std, weights, name) -> Mixture:
    means = np.asarray(checks.sample_matrix("means", means), dtype=np.float64)
    k = means.shape[0]
    std = checks.positive("std", std)
    if weights is None:
        weights = np.full(k, 1.0 / k)
    else:
        weights = np.asarray(checks.samples("weights", weights), dtype=np.float64)
        if weights.shape != (k,) or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(
                f"weights: expected {k} non-negative finite weights, not all zero, got {weights!r}"
            )
    return Mixture(means, float(std), weights / weights.sum(), name)


def gaussian(mean: float = 0.0, std: float = 1.0) -> Mixture:
    """``N(mean, std^2)`` on the line (a one-component :class:`Mixture`; ``std > 0``).

    Example:
      >>> import math
      >>> from divtools.gan import datasets
      >>> g = datasets.gaussian(1.5, 0.75)
      >>> g.sample(0, 4).shape
      (4, 1)
      >>> lp = float(g.logpdf([[1.5]])[0])   # at the mean: -log(std sqrt(2 pi))
      >>> math.isclose(lp, -math.log(0.75 * math.sqrt(2 * math.pi)), rel_tol=1e-12)
      True

    References: Goodfellow et al. (2014), figure 1 (a generator fitted to 1-D Gaussian data).
    """
    mean, std = checks.real("mean", mean), checks.positive("std", std)
    return _mixture([mean], std, None, f"N({mean:g}, {std:g}^2)")


def mixture_1d(means: Sequence[float] = (-2.0, 2.0), std: float = 0.5, weights: Any = None) -> Mixture:
    """A Gaussian mixture on the line with common ``std`` (``means``: finite numbers;
    ``weights``: as many non-negative numbers, normalised; default equal).

    Example:
      >>> from divtools.gan import datasets
      >>> m = datasets.mixture_1d((-1.0, 1.0), std=0.5, weights=(1.0, 3.0))
      >>> m.means.tolist(), m.weights.tolist(), m.std
      ([[-1.0], [1.0]], [0.25, 0.75], 0.5)
      >>> m.sample(0, 6).shape
      (6, 1)

    References: Goodfellow et al. (2014); Metz et al. (2017, unrolled GANs) for mode dropping on mixtures.
    """
    means = checks.samples("means", means)
    if np.ndim(means) > 1:
        raise ValueError(f"means: expected a sequence of numbers, got shape {np.shape(means)}")
    return _mixture(np.ravel(np.asarray(means, dtype=np.float64)), std, weights, "1-D mixture")


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> Mixture:
    """``n_modes`` Gaussians evenly spaced on a circle (default: the ring of 8 of the
    mode-collapse papers, radius 1 and std 0.01). Mode ``k`` is at
    ``radius (cos 2 pi k/n_modes, sin 2 pi k/n_modes)``, with equal weights.

    Example:
      >>> import numpy as np
      >>> from divtools.gan import datasets
      >>> (datasets.ring(4, radius=2.0).means.round(12) + 0.0).tolist()
      [[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]]
      >>> r = datasets.ring()
      >>> r.means.shape, bool(np.allclose(np.linalg.norm(r.means, axis=1), 1.0)), r.std
      ((8, 2), True, 0.01)

    References: Metz et al. (2017, unrolled GANs); Srivastava et al. (2017, VEEGAN).
    """
    n_modes, radius, std = (
        checks.count("n_modes", n_modes),
        checks.positive("radius", radius),
        checks.positive("std", std),
    )
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return _mixture(means, std, None, f"ring of {n_modes}")


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> Mixture:
    """``side^2`` Gaussians on a square grid centred at 0 (default: the 5x5 grid at
    ``{-4, -2, 0, 2, 4}^2`` with std 0.05); the centres on each axis are
    ``spacing (i - (side - 1)/2)``, ``i = 0..side-1``, with equal weights.

    Example:
      >>> from divtools.gan import datasets
      >>> g = datasets.grid()
      >>> g.means.shape, sorted(set(g.means[:, 0].tolist())), g.std
      ((25, 2), [-4.0, -2.0, 0.0, 2.0, 4.0], 0.05)
      >>> datasets.grid(2, spacing=1.0).means.tolist()
      [[-0.5, -0.5], [-0.5, 0.5], [0.5, -0.5], [0.5, 0.5]]

    References: Srivastava et al. (2017, VEEGAN); Lin et al. (2018, PacGAN).
    """
    side, spacing, std = (
        checks.count("side", side),
        checks.positive("spacing", spacing),
        checks.positive("std", std),
    )
    axis = spacing * (np.arange(side) - (side - 1) / 2)
    means = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    return _mixture(means, std, None, f"{side}x{side} grid")


def swiss_roll(noise: float = 0.25, scale: float = 7.5) -> SwissRoll:
    """The Swiss roll (see :class:`SwissRoll`; ``noise >= 0``, ``scale > 0``):
    ``(t (cos t, sin t) + N(0, noise^2 I)) / scale`` with ``t = 1.5 pi (1 + 2u)``,
    ``u ~ U(0, 1)`` (Gulrajani et al. 2017, WGAN-GP's toy script).

    Example:
      >>> import math
      >>> import numpy as np
      >>> from divtools.gan import datasets
      >>> x = np.asarray(datasets.swiss_roll(noise=0.0).sample(0, 1000))
      >>> x.shape
      (1000, 2)
      >>> t = 7.5 * np.linalg.norm(x, axis=1)   # without noise, |x| scale = t
      >>> bool(t.min() >= 1.5 * math.pi - 1e-4 and t.max() <= 4.5 * math.pi + 1e-4)
      True
    """
    noise = checks.real("noise", noise, low=0.0, low_open=False)
    return SwissRoll(noise, checks.positive("scale", scale))
