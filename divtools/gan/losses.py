r"""GAN losses: each one a critic objective from :mod:`divtools.variational.objectives`
(read from the generator table where it is an f-divergence) and the generator's loss.

With ``v_real = V(x)`` on data and ``v_fake = V(G(z))`` on generated samples,
the critic maximises the objective's bound and the generator minimises its
loss:

===================  ===================================================  ==========================================  ==============================
loss                 critic maximises                                     generator minimises                         paper (optimiser, batch, n_critic)
===================  ===================================================  ==========================================  ==============================
``minimax``          ``E log D(x) + E log(1 - D(G z))``, ``D = sigmoid V``   ``E log(1 - D(G z))`` (seed 000's ``V``)     Adam 2e-4, b1 0.5; 64; 1
``nonsaturating``    the same                                             ``-E log D(G z)`` (Goodfellow et al. 2014)  Adam 2e-4, b1 0.5; 64; 1
a table generator    ``E g_f(V(x)) - E f*(g_f(V(G z)))`` (f-GAN)           the same bound: ``-E f*(g_f(V(G z)))``       Adam 2e-4, b1 0.5; 64; 1
``wgan``             ``E V(x) - E V(G z)``, weights clipped to ``[-c, c]``   ``-E V(G z)``                               RMSProp 5e-5; 64; 5 (WGAN's algorithm 1)
``wgan-gp``          ``E V(x) - E V(G z) - lambda E(|grad V| - 1)^2``        ``-E V(G z)``                               Adam 1e-4, b1 0, b2 0.9; 64; 5 (WGAN-GP's algorithm 1)
``wgan-lp``          the same with ``max(0, |grad V| - 1)^2`` (one-sided)   ``-E V(G z)``                               as ``wgan-gp``
===================  ===================================================  ==========================================  ==============================

The paper's settings are :func:`divtools.gan.recipes.paper`; :func:`divtools.gan.train`'s
defaults differ (standardised coordinates, batches of 256, a cosine-decayed rate
from ``Loss.rate``, ``lambda = 0.1`` for ``wgan-gp``).

For ``minimax`` and ``nonsaturating`` the critic's bound is the classifier
objective ``log 2 + V(D)/2`` (``V`` the GAN value), so its value on a batch is an
estimate of ``JS(P_data, P_G)``; for an f-GAN it estimates
``D_f(P_data || P_G)``; for the Wasserstein losses ``W_1``.

On the line, WGAN-GP's two-sided penalty traps the critic in a local maximum
whenever the generator overshoots the data by less than ``2 lambda`` (see
:func:`divtools.variational.gradient_penalty`): with ``lambda = 10`` a 1-D
generator runs 8-20 units past a target at distance 2 before the critic turns.
``wgan-lp`` (one-sided) and a small ``penalty`` both avoid it.

References: Goodfellow et al. (2014); Nowozin, Cseke & Tomioka (2016, f-GAN);
Arjovsky, Chintala & Bottou (2017, WGAN, algorithm 1); Gulrajani et al.
(2017, WGAN-GP, algorithm 1); Petzka, Fischer & Lukovnikov (2018, WGAN-LP); Radford, Metz & Chintala (2016, the Adam
settings); seed 000 (the minimax game and gradient descent-ascent).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax

from divtools.discrete import generators
from divtools.variational import checks
from divtools.variational import objectives as ob

__all__ = ["Loss", "LOSSES", "loss"]


class Loss(NamedTuple):
    """A GAN loss (see the module docstring).

    Attributes:
      name: ``"minimax"``, ``"nonsaturating"``, a table generator, ``"wgan"`` or ``"wgan-gp"``.
      objective: the critic's variational objective (maximised).
      generator_loss: ``v_fake -> scalar``, minimised by the generator.
      optimizer: ``learning_rate | None -> optax optimiser`` (the default for both players).
      batch_size: the paper's minibatch size.
      n_critic: the default number of critic steps per generator step.
      rate, critic_rate: the peaks of :func:`divtools.gan.train`'s default
        learning-rate schedules of the generator and of the critic (cosine decays to
        1% over each player's steps): a critic five times faster than its generator
        for the classifier and f-GAN losses (two time scales; measured on N(0, 1)
        with 4 seeds, W_1 < 0.05 on 42 of 48 runs of those 12 losses against 32 of 48
        with both at 1e-3), both at 1e-3 for the Wasserstein losses (a slower
        generator let WGAN-GP run off). The paper's constant rate is the
        optimiser's own default (``optimizer(None)``).
      penalty: the default ``lambda`` of a gradient penalty, on slopes in the
        standardised coordinates of :func:`divtools.gan.train` (WGAN-GP's toy
        value 0.1 for the two-sided penalty, whose trap is ``2 lambda`` wide; 10,
        the paper's, for the one-sided one, which has no trap).
      paper_rate: the paper's constant learning rate (:func:`divtools.gan.recipes.paper`).
    """

    name: str
    objective: ob.Objective
    generator_loss: Callable
    optimizer: Callable
    batch_size: int = 64
    n_critic: int = 1
    rate: float = 2e-4
    critic_rate: float = 1e-3
    penalty: float = 10.0
    paper_rate: float = 2e-4


def _adam_dcgan(lr):
    return optax.adam(2e-4 if lr is None else lr, b1=0.5)


def _minimax(v_fake):
    return -jnp.mean(jax.nn.softplus(v_fake))  # E log(1 - sigmoid v) = -E softplus(v)


def _nonsaturating(v_fake):
    return jnp.mean(jax.nn.softplus(-v_fake))  # -E log sigmoid v


def _wasserstein(v_fake):
    return -jnp.mean(v_fake)


def _fgan(g):
    return lambda v_fake: -jnp.mean(g.fgan_conjugate(v_fake))


def _fgan_names():
    return tuple(
        name
        for name, g in generators.GENERATORS.items()
        if g.activation is not None and g.conjugate is not None
    )


LOSSES = ("minimax", "nonsaturating", "wgan", "wgan-gp", "wgan-lp", *_fgan_names())
"""Every loss name :func:`loss` accepts (f-GAN: every table generator with an activation and a conjugate)."""


def loss(name: str) -> Loss:
    """The :class:`Loss` called ``name`` (one of :data:`LOSSES`; any other is a
    ``ValueError``, and a name that is not a string a ``TypeError``, naming ``loss``)."""
    checks.choice("loss", name, LOSSES)
    if name in ("minimax", "nonsaturating"):
        return Loss(name, ob.classifier(), _minimax if name == "minimax" else _nonsaturating, _adam_dcgan)
    if name == "wgan":
        return Loss(
            name,
            ob.wasserstein("clip"),
            _wasserstein,
            lambda lr: optax.rmsprop(5e-5 if lr is None else lr),
            64,
            5,
            rate=1e-3,
            critic_rate=1e-3,
            paper_rate=5e-5,
        )
    if name in ("wgan-gp", "wgan-lp"):
        return Loss(
            name,
            ob.wasserstein(name[-2:]),
            _wasserstein,
            lambda lr: optax.adam(1e-4 if lr is None else lr, b1=0.0, b2=0.9),
            64,
            5,
            rate=1e-3,
            critic_rate=1e-3,
            penalty=0.1 if name == "wgan-gp" else 10.0,
            paper_rate=1e-4,
        )
    if name in generators.GENERATORS:
        g = generators.get(name)
        if g.activation is None or g.conjugate is None:
            raise ValueError(f"loss: {name} has no f-GAN activation or conjugate in the table")
        return Loss(name, ob.fgan(name), _fgan(g), _adam_dcgan)
    raise ValueError(f"loss: expected one of {', '.join(LOSSES)}; got {name!r}")
