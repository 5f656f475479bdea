"""GAN training by gradient descent-ascent, scored by exact distances.

:func:`train` fits a generator against a critic with any loss of
:mod:`.losses` (minimax, non-saturating, f-GAN from the generator table, WGAN,
WGAN-GP), with simultaneous or alternating updates, in one jit-compiled
``lax.scan`` (``vmap`` over a batch of keys). :mod:`.datasets` holds the toy
targets, :mod:`.scores` the exact distances and the mode-collapse metrics,
:mod:`.gda` gradient descent-ascent on explicit games (the bilinear game).
"""

from divtools.gan import datasets, gda, losses, scores
from divtools.gan.losses import LOSSES, Loss
from divtools.gan.scores import ModeCoverage, binned_divergences, mode_coverage, sample_distance
from divtools.gan.train import GANResult, Generator, History, fit_discriminator, train

__all__ = [
    "GANResult",
    "Generator",
    "History",
    "LOSSES",
    "Loss",
    "ModeCoverage",
    "binned_divergences",
    "datasets",
    "fit_discriminator",
    "gda",
    "losses",
    "mode_coverage",
    "sample_distance",
    "scores",
    "train",
]
