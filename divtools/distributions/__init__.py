"""Distributions as objects: divtools' parametric families (:mod:`.families`), their
closed-form divergences (:mod:`.closed_forms`), multivariate normals with theirs and the
Frechet distance (:mod:`.gaussian`), divergences between densities by
quadrature (:mod:`.densities`) and ``W_p`` from quantile functions (:mod:`.quantile`).

Example:
  >>> import divtools
  >>> from divtools.distributions import Normal
  >>> float(divtools.kl(Normal(0.0, 1.0), Normal(1.0, 2.0)))   # log 2 + 2/8 - 1/2
  0.4431471805599453
"""

from divtools.distributions.families import (
    Bernoulli,
    Categorical,
    Distribution,
    Exponential,
    Laplace,
    Normal,
    Uniform,
    is_distribution,
    recognise,
)
from divtools.distributions.gaussian import (
    MultivariateNormal,
    frechet_distance,
    frechet_distance_gaussian,
    gaussian_mutual_information,
)

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Exponential",
    "Laplace",
    "MultivariateNormal",
    "Normal",
    "Uniform",
    "frechet_distance",
    "frechet_distance_gaussian",
    "gaussian_mutual_information",
    "is_distribution",
    "recognise",
]
