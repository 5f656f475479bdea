"""divtools: exact and variational divergences between probability distributions.

The public surface is listed here; everything else is implementation. The
subpackages ``variational`` and ``gan`` and the lecture modules ``games``,
``duality`` and ``examples`` are imported on first use (``divtools.gan.train``
works after ``import divtools``); ``import divtools`` does not import JAX.

Layout (each layer imports only the layers below it; ``tests/test_layers.py``):

* ``divtools._core``: the array rule and its evaluators, numerics, validation, quadrature;
* ``divtools.discrete``: the generator table and the exact sums over pmfs;
* ``divtools.transport``: ``W_p`` on the line, optimal transport on finite spaces;
* ``divtools.distributions``: parametric families, closed forms, densities;
* ``divtools.lectures``: games, duality, MMD, worked examples;
* ``divtools.variational``, ``divtools.gan``: learned estimates and GAN training;
* ``divtools.api``: the public functions, which route arrays and distributions.
"""

from __future__ import annotations

import importlib
from typing import Any

from divtools._core.quadrature import QuadResult
from divtools.api import (
    alpha_divergence,
    bhattacharyya,
    chi2,
    f_divergence,
    hellinger_distance,
    jeffreys,
    js,
    js_distance,
    kl,
    renyi_divergence,
    squared_hellinger,
    tv,
    wasserstein_1d,
)
from divtools.discrete import generators
from divtools.discrete.generators import GENERATORS, Generator
from divtools.discrete.information import (
    conditional_entropy,
    conditional_mutual_information,
    cross_entropy,
    entropy,
    mutual_information,
    renyi_entropy,
)
from divtools.distributions import (
    Bernoulli,
    Categorical,
    Exponential,
    Laplace,
    MultivariateNormal,
    Normal,
    Uniform,
    frechet_distance,
    frechet_distance_gaussian,
)
from divtools.lectures import mmd
from divtools.lectures.mmd import mmd2, mmd2_discrete
from divtools.transport import (
    KRResult,
    LineMetric,
    LinePotential,
    OTResult,
    TreeMetric,
    kantorovich_potential_1d,
    kantorovich_rubinstein,
    optimal_transport,
    sliced_wasserstein,
    wasserstein,
)

__version__ = "0.1.0"

#: Modules reached as attributes of ``divtools`` and imported on first use.
_LAZY = {
    "duality": "divtools.lectures.duality",
    "examples": "divtools.lectures.examples",
    "games": "divtools.lectures.games",
    "gan": "divtools.gan",
    "knn": "divtools.knn",
    "testing": "divtools.testing",
    "variational": "divtools.variational",
}


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'divtools' has no attribute {name!r}")
    module = importlib.import_module(target)
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "GENERATORS",
    "Bernoulli",
    "Categorical",
    "Exponential",
    "Generator",
    "KRResult",
    "Laplace",
    "LineMetric",
    "LinePotential",
    "MultivariateNormal",
    "Normal",
    "OTResult",
    "QuadResult",
    "TreeMetric",
    "Uniform",
    "alpha_divergence",
    "bhattacharyya",
    "chi2",
    "conditional_entropy",
    "conditional_mutual_information",
    "cross_entropy",
    "distributions",
    "duality",
    "entropy",
    "examples",
    "f_divergence",
    "frechet_distance",
    "frechet_distance_gaussian",
    "games",
    "gan",
    "generators",
    "hellinger_distance",
    "jeffreys",
    "js",
    "js_distance",
    "kantorovich_potential_1d",
    "kantorovich_rubinstein",
    "kl",
    "mmd",
    "mmd2",
    "mmd2_discrete",
    "mutual_information",
    "optimal_transport",
    "renyi_divergence",
    "renyi_entropy",
    "sliced_wasserstein",
    "squared_hellinger",
    "testing",
    "transport",
    "tv",
    "variational",
    "wasserstein",
    "wasserstein_1d",
]
