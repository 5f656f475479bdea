"""The lectures' worked examples as data.

:func:`parallel_lines` is CE 22-808's example (after Arjovsky, Chintala &
Bottou 2017, example 1): ``z ~ U[0, 1]``, ``P_0`` the law of ``(0, z)`` and
``P_theta`` the law of ``(theta, z)``. Then ``W(P_0, P_theta) = |theta|``,
``JS = log 2``, ``KL = inf`` and ``TV = 1`` for every ``theta != 0``: only the
Wasserstein distance sees how far apart the two lines are.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import validate
from divtools._core.backend import jax, jnp
from divtools.discrete import pmf
from divtools.discrete.generators import GENERATORS

_optax = B.lazy("optax")

__all__ = [
    "GaussianFit",
    "MixtureGrid",
    "ParallelLines",
    "fit_isotropic_gaussian",
    "gaussian_on_grid",
    "mixture_grid",
    "parallel_lines",
]


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
      >>> from divtools.lectures.examples import parallel_lines
      >>> ex = parallel_lines(0.5, n=16)
      >>> round(divtools.wasserstein(ex.p, ex.q, ex.distance), 12), float(divtools.tv(ex.p, ex.q))
      (0.5, 1.0)
    """
    theta = validate.real("theta", theta)
    n = validate.count("n", n)
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


# --------------------------------------------------------------------------
# Seed 001's figure: an isotropic Gaussian fitted to a mixture by minimising
# forward KL, reverse KL, JS or MMD, exactly on a grid.


class MixtureGrid(NamedTuple):
    """A 2-D grid and the masses of a Gaussian mixture on it.

    Attributes:
      axis: the 1-D grid coordinates (the grid is ``axis x axis``).
      target: ``(k, k)`` masses of the mixture (cell centres' densities, normalised).
      means: the components' means ``(c, 2)``; ``scale``: their common standard deviation.
    """

    axis: np.ndarray
    target: np.ndarray
    means: np.ndarray
    scale: float


class GaussianFit(NamedTuple):
    """The fitted isotropic Gaussian ``N(mean, scale^2 I)`` and the loss history."""

    mean: np.ndarray
    scale: float
    loss: float
    history: np.ndarray


def mixture_grid(
    means: ArrayLike = ((-2.0, 0.0), (2.0, 0.0)), scale: float = 0.6, *, half_width: float = 6.0, k: int = 96
) -> MixtureGrid:
    """An equal-weight mixture of ``N(mean_i, scale^2 I)`` on a ``k x k`` grid over
    ``[-half_width, half_width]^2``."""
    means = np.asarray(means, dtype=np.float64)
    axis = np.linspace(-half_width, half_width, k)
    X, Y = np.meshgrid(axis, axis, indexing="ij")
    dens = sum(np.exp(-((X - m[0]) ** 2 + (Y - m[1]) ** 2) / (2 * scale**2)) for m in means)
    return MixtureGrid(axis, dens / dens.sum(), means, float(scale))


def gaussian_on_grid(axis: Any, mean: Any, log_scale: Any) -> Any:
    """The masses of ``N(mean, exp(log_scale)^2 I)`` on the grid ``axis x axis`` (JAX,
    differentiable in ``mean`` and ``log_scale``)."""
    gx = -((axis - mean[0]) ** 2) / (2 * jnp.exp(2 * log_scale))
    gy = -((axis - mean[1]) ** 2) / (2 * jnp.exp(2 * log_scale))
    logits = gx[:, None] + gy[None, :]
    logits = logits - logits.max()
    w = jnp.exp(logits)
    return w / w.sum()


def fit_isotropic_gaussian(
    grid: MixtureGrid,
    divergence: str,
    *,
    init: tuple = ((0.5, 0.5), 1.0),
    steps: int = 1500,
    lr: float = 0.05,
    mmd_bandwidth: float = 1.0,
) -> GaussianFit:
    """Fit ``N(mean, scale^2 I)`` (its masses on the grid) to ``grid.target`` by Adam
    on ``(mean, log scale)``, with gradients through divtools' exact divergences.

    ``divergence``: ``"forward_kl"`` (``KL(target || model)``: mode covering),
    ``"reverse_kl"`` (``KL(model || target)``: mode seeking), ``"js"``, or
    ``"mmd"`` (squared MMD with a Gaussian kernel of ``mmd_bandwidth``, exact on
    the grid; the kernel is separable, so ``K = K_x (x) K_y`` is applied as two
    small matrix products).

    Reference: CE 22-808, the figure of seed 001 (forward versus reverse KL).
    """
    kl, js = GENERATORS["kl"], GENERATORS["js"]
    with jax.enable_x64(True):
        axis = jnp.asarray(grid.axis, dtype=jnp.float64)
        target = jnp.asarray(grid.target, dtype=jnp.float64)
        kx = jnp.exp(-((axis[:, None] - axis[None, :]) ** 2) / (2 * mmd_bandwidth**2))

    def loss(theta):
        model = gaussian_on_grid(axis, theta[:2], theta[2])
        if divergence == "forward_kl":
            return pmf.divergence(target.ravel(), model.ravel(), kl)
        if divergence == "reverse_kl":
            return pmf.divergence(model.ravel(), target.ravel(), kl)
        if divergence == "js":
            return pmf.divergence(target.ravel(), model.ravel(), js)
        if divergence == "mmd":
            d = target - model
            return jnp.sum((kx @ d @ kx) * d)
        raise ValueError(f"divergence: forward_kl, reverse_kl, js or mmd, got {divergence!r}")

    opt = _optax.adam(lr)

    def step(carry, _):
        theta, state = carry
        value, grad = jax.value_and_grad(loss)(theta)
        updates, state = opt.update(grad, state)
        return (_optax.apply_updates(theta, updates), state), value

    with jax.enable_x64(True):
        theta0 = jnp.array([init[0][0], init[0][1], np.log(init[1])], dtype=jnp.float64)
        run = jax.jit(lambda t: jax.lax.scan(step, (t, opt.init(t)), None, length=steps))
        (theta, _), history = run(theta0)
        final = float(loss(theta))
        theta = np.asarray(theta)
    return GaussianFit(theta[:2], float(np.exp(theta[2])), final, np.asarray(history))
