"""divtools: exact and variational divergences between probability distributions.

The public surface is listed here; everything else is implementation.
"""

from divtools.exact import (
    alpha_divergence,
    bhattacharyya,
    chi2,
    f_divergence,
    jeffreys,
    js,
    kl,
    squared_hellinger,
    tv,
)
from divtools import distributions, duality, games
from divtools._quadrature import QuadResult
from divtools.distributions import Bernoulli, Categorical, Exponential, Laplace, Normal, Uniform
from divtools.generators import GENERATORS, Generator
from divtools.transport import (
    KRResult,
    LineMetric,
    OTResult,
    TreeMetric,
    kantorovich_rubinstein,
    optimal_transport,
    wasserstein,
)
from divtools.mmd import mmd2, mmd2_discrete
from divtools.line import LinePotential, kantorovich_potential_1d, sliced_wasserstein, wasserstein_1d

__version__ = "0.1.0"

__all__ = [
    "Bernoulli",
    "Categorical",
    "Exponential",
    "GENERATORS",
    "Generator",
    "KRResult",
    "Laplace",
    "LinePotential",
    "LineMetric",
    "Normal",
    "OTResult",
    "QuadResult",
    "Uniform",
    "TreeMetric",
    "alpha_divergence",
    "bhattacharyya",
    "chi2",
    "distributions",
    "duality",
    "f_divergence",
    "games",
    "jeffreys",
    "js",
    "kantorovich_potential_1d",
    "kantorovich_rubinstein",
    "kl",
    "mmd2",
    "mmd2_discrete",
    "optimal_transport",
    "sliced_wasserstein",
    "squared_hellinger",
    "tv",
    "wasserstein",
    "wasserstein_1d",
]
