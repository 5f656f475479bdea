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
from divtools.generators import GENERATORS, Generator

__version__ = "0.1.0"

__all__ = [
    "GENERATORS",
    "Generator",
    "alpha_divergence",
    "bhattacharyya",
    "chi2",
    "f_divergence",
    "jeffreys",
    "js",
    "kl",
    "squared_hellinger",
    "tv",
]
