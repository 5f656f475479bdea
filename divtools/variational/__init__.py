"""Variational estimators: divergences learned from samples by fitting critics.

:func:`estimate` maximises a variational lower bound (:mod:`.objectives`, read
from the generator table where the divergence is an f-divergence) over a ReLU
critic (:mod:`.critics`) in one jit-compiled ``lax.scan``; a batch of keys
trains independent critics under ``vmap``.

Keys follow the rule of :mod:`divtools._core.keys`: a JAX key or an int seed
``s`` (``jax.random.key(s)``), and where runs train under ``vmap`` a batch of
keys or a 1-D integer array of seeds. Every argument of the training
functions is checked on the host before anything is compiled
(:mod:`divtools.variational.checks`): a bad one is a ``ValueError`` or
``TypeError`` naming it.
"""

from divtools.variational.critics import MLP, clip_weights, gradient_penalty, init_mlp, spectral_normalize
from divtools.variational.estimate import Critic, Estimate, estimate
from divtools.variational.mutual_information import mutual_information, pair_scores
from divtools.variational.objectives import Objective, objective
from divtools.variational.problems import MIProblem, correlated_gaussians

__all__ = [
    "MIProblem",
    "MLP",
    "Critic",
    "Estimate",
    "Objective",
    "clip_weights",
    "correlated_gaussians",
    "estimate",
    "gradient_penalty",
    "init_mlp",
    "mutual_information",
    "objective",
    "pair_scores",
    "spectral_normalize",
]
