r"""``train``: a generator and its critic trained by gradient descent-ascent.

The generator ``G_theta`` pushes a latent prior (``N(0, I)`` or ``U[-1, 1]^k``)
forward through a ReLU network; the critic ``V_phi`` is a
:class:`divtools.variational.MLP`. Per generator step:

* ``updates="alternating"`` (seed 000's asynchronous GDA; WGAN's algorithm 1):
  ``n_critic`` critic ascent steps on fresh minibatches, then one generator
  descent step against the updated critic;
* ``updates="simultaneous"`` (seed 000's synchronous GDA): ``n_critic - 1``
  critic steps alone, then one step in which both players' gradients are taken
  at the same parameters on the same minibatch and applied together.

The whole loop is one jit-compiled ``lax.scan`` (chunks of ``eval_every``
steps, the generator's parameters kept at each chunk's end); a batch of keys
trains independent GANs under ``vmap``. After training, the checkpoints'
samples are scored against the data by the exact core
(:func:`divtools.gan.scores.sample_distance`: exact ``W_1`` in 1-D, sliced
``SW_1`` in 2-D and more).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from numpy.typing import DTypeLike

from divtools._core.keys import KeyLike
from divtools.gan import losses as ls
from divtools.gan import scores
from divtools.variational import checks, loop
from divtools.variational import critics as cr
from divtools.variational import networks as nw
from divtools.variational import progress as pg
from divtools.variational import sharding as sh
from divtools.variational.estimate import Critic, run_estimate

__all__ = ["GANResult", "Generator", "History", "fit_discriminator", "train"]


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=["layers", "frame"],
    meta_fields=["latent_dim", "prior", "apply"],
)
@dataclasses.dataclass(frozen=True)
class Generator:
    """A generator ``G: key, n -> samples (n, d)``: the ReLU network ``layers`` applied
    to ``n`` latent draws from ``prior`` (``"normal"``: ``N(0, I)``; ``"uniform"``:
    ``U[-1, 1]^k``). With a user's network (``train(generator=...)``), ``layers``
    holds its parameters and ``apply`` its function ``apply(params, z) -> x``.

    A pytree (the layers are its leaves), so it passes through ``jit`` and ``vmap``;
    the result of a vmapped :func:`train` holds one generator per seed stacked
    along a leading axis (select one with :meth:`GANResult.seed`).
    """

    layers: Any
    latent_dim: int = 1
    prior: str = "normal"
    apply: Any = None
    frame: Any = None

    @staticmethod
    def affine(scale, shift, prior: str = "normal", dtype=jnp.float32) -> Generator:
        """The affine generator ``z -> z A + b`` (``scale`` a number or a ``(k, d)``
        matrix ``A``, ``shift`` a number or ``(d,)``): ``affine(1.0, 0.0)`` is the
        identity, whose samples are the prior's noise itself."""
        prior = checks.choice("prior", prior, ("normal", "uniform"))
        dtype = checks.float_dtype("dtype", dtype, optional=False)
        scale, shift = checks.samples("scale", scale), checks.samples("shift", shift)
        if np.ndim(scale) > 2:
            raise ValueError(f"scale: expected a number or a (k, d) matrix, got shape {np.shape(scale)}")
        A = jnp.atleast_2d(jnp.asarray(scale, dtype))
        if np.ndim(shift) > 1 or np.size(shift) not in (1, A.shape[1]):
            raise ValueError(
                f"shift: expected a number or a ({A.shape[1]},) vector, got shape {np.shape(shift)}"
            )
        b = jnp.broadcast_to(jnp.asarray(shift, dtype), (A.shape[1],))
        return Generator(((A, b),), A.shape[0], prior)

    def transform(self, z):
        """The network ``z (n, latent_dim) -> x (n, d)`` (in the data's coordinates: with a
        ``frame``, ``loc + scale * network(z)``)."""
        if self.apply is not None:
            x = nw.generator_values(self.apply(self.layers, z))
        else:
            h = z
            for W, b in self.layers[:-1]:
                h = jax.nn.relu(h @ W + b)
            W, b = self.layers[-1]
            x = h @ W + b
        if self.frame is None:
            return x
        frame = jax.lax.stop_gradient(self.frame)  # fixed by the data, never trained
        return frame.loc + frame.scale * x

    def latent(self, key: KeyLike, n: int) -> Any:
        """``n`` draws of the prior, ``(n, latent_dim)``; ``key``: a JAX PRNG key or an int seed."""
        key = checks.key(key)
        n = checks.count("n", n)
        dtype = jax.tree_util.tree_leaves(self.layers)[0].dtype
        if self.prior == "normal":
            return jax.random.normal(key, (n, self.latent_dim), dtype)
        return jax.random.uniform(key, (n, self.latent_dim), dtype, -1.0, 1.0)

    def __call__(self, key: KeyLike, n: int) -> Any:
        """``n`` samples, ``(n, d)``; ``key``: a JAX PRNG key or an int seed (``jax.random.key(seed)``)."""
        return self.transform(self.latent(key, n))


class History(NamedTuple):
    """Training curves.

    Attributes:
      critic_value: the critic's bound on each generator step's last minibatch
        (an estimate of the loss's divergence: JS, ``D_f`` or ``W_1``), ``(steps,)``.
      generator_loss: the generator's loss on each step, ``(steps,)``.
      steps: the generator steps at which the distances were taken, ``(c,)`` (0 first).
      distance: ``W_1`` (1-D) or sliced ``SW_1`` between ``eval_size`` generated
        samples and the data's evaluation sample at those steps, ``(c,)`` (NumPy, float64).
    """

    critic_value: object
    generator_loss: object
    steps: np.ndarray
    distance: np.ndarray


class GANResult(NamedTuple):
    """The result of :func:`train`: the trained ``generator`` (``generator(key, n)``
    samples; the moving average of the iterates unless ``ema=None``), the ``critic``
    (a :class:`divtools.variational.Critic`: for the minimax and non-saturating
    losses ``critic(x)`` is ``D(x)``), the ``history``, the generator at every
    checkpoint (``checkpoints``, stacked along the first axis: the returned kind,
    averaged or not), the ``loss`` name and ``last``, the last iterate of the
    generator itself (the one the critic was trained against; the same as
    ``generator`` when ``ema=None``)."""

    generator: Generator
    critic: Critic
    history: History
    checkpoints: Generator
    loss: str
    last: Generator | None = None

    def seed(self, i: int) -> GANResult:
        """The ``i``-th run of a vmapped :func:`train` (a batch of keys)."""
        take = lambda tree: jax.tree_util.tree_map(lambda a: a[i], tree)
        h = self.history
        return GANResult(
            take(self.generator),
            Critic(take(self.critic.network), self.critic.output, self.critic.apply, self.critic.frame),
            History(h.critic_value[i], h.generator_loss[i], h.steps, h.distance[i]),
            take(self.checkpoints),
            self.loss,
            None if self.last is None else take(self.last),
        )


@dataclasses.dataclass(frozen=True)
class GANConfig:
    """The static settings of :func:`train`'s loop, the static argument of its
    ``jax.jit`` (JAX's cache holds one compiled loop per configuration).

    Attributes:
      loss, updates, n_critic, steps, batch_size, latent_dim, prior, learning_rate,
        critic_learning_rate, clip, penalty, eval_every: as given to :func:`train`
        (defaults resolved; ``latent_dim`` and ``prior`` those of ``init`` when given).
      dim: the data's dimension.
      generator_hidden, critic_hidden: the networks' hidden widths (the
        generator's read from ``init`` when given).
      generator_optimizer, critic_optimizer: the user's optax optimisers (through
        :func:`divtools.variational.loop.static`: by identity if they cannot be
        hashed), or ``None`` for the loss's default.
      dtype: the computation's float type, by name.
      data: ``None`` for sample arrays (an argument of the loop); else the dataset
        (a :class:`~divtools.gan.datasets.Mixture` compared by its contents) or the
        sampler, drawn from inside the loop.
      is_dataset: whether ``data`` is a dataset (``sample(key, n)``) rather than a sampler.
      batched: whether the key is a batch of keys (GANs trained under ``vmap``).
      generator_net, critic_net: the user's networks (through
        :func:`divtools.variational.loop.static`), ``None`` for the built-in MLPs.
      report: whether the loop reports its progress after every ``eval_every`` steps.
      ema: the generator's averaging decay (:func:`train`), or ``None``.
      mesh: the devices' ``jax.sharding.Mesh`` (:mod:`divtools.variational.sharding`), or ``None``.
    """

    loss: str
    updates: str
    n_critic: int
    steps: int
    batch_size: int
    latent_dim: int
    prior: str
    dim: int
    generator_hidden: tuple
    critic_hidden: tuple
    learning_rate: float | None
    critic_learning_rate: float | None
    generator_optimizer: object
    critic_optimizer: object
    clip: float
    penalty: float
    eval_every: int
    dtype: str
    data: object
    is_dataset: bool
    batched: bool
    generator_net: object = None
    critic_net: object = None
    report: bool = False
    mesh: object = None
    ema: float | None = None

    def make_networks(self) -> tuple[nw.Network, nw.Network]:
        """The generator's and the critic's :class:`~divtools.variational.networks.Network`."""
        dtype = np.dtype(self.dtype)
        g = nw.as_network(
            "generator",
            loop.unwrap(self.generator_net),
            hidden=self.generator_hidden,
            dtype=dtype,
            d_out=self.dim,
        )
        c = nw.as_network("critic", loop.unwrap(self.critic_net), hidden=self.critic_hidden, dtype=dtype)
        return g, c

    def make_optimizers(self, spec: ls.Loss) -> tuple[optax.GradientTransformation, ...]:
        """The generator's and the critic's optimisers (``spec``: the loss, whose default they are
        unless the user gave them)."""
        lr, c_lr = loop.unwrap(self.learning_rate), loop.unwrap(self.critic_learning_rate)
        if lr is None:  # the default: cosine decays to 1% over each player's own steps
            lr = cosine_decay(spec.rate, self.steps)
            c_lr = cosine_decay(spec.critic_rate, self.steps * self.n_critic) if c_lr is None else c_lr
        g_opt, c_opt = self.generator_optimizer, self.critic_optimizer
        g_opt = loop.unwrap(g_opt) if g_opt is not None else spec.optimizer(lr)
        c_opt = loop.unwrap(c_opt) if c_opt is not None else spec.optimizer(c_lr if c_lr is not None else lr)
        return g_opt, c_opt


def cosine_decay(peak: float, steps: int) -> Any:
    """The optax schedule of :func:`train`'s default rates and of :mod:`divtools.gan.recipes`:
    a cosine decay from ``peak`` to 1% of it over ``steps`` optimiser steps."""
    return optax.cosine_decay_schedule(peak, steps, alpha=0.01)


def _static_data(data):
    """``data`` as part of a :class:`GANConfig`: a Mixture by its contents (its arrays cannot be hashed)."""
    if hasattr(data, "means"):
        return loop.Static(
            data, ("mixture", data.means.tobytes(), data.means.shape, data.std, data.weights.tobytes())
        )
    return loop.static(data)


def _as_array(data):
    x = np.asarray(checks.sample_matrix("data", data))
    return x if x.dtype.kind == "f" else x.astype(np.float64)


def _check_init(init: Generator, d: int, latent_dim: int | None) -> None:
    """``init`` against the data's dimension ``d`` and the ``latent_dim`` asked for."""
    if init.apply is not None:  # a user's network: its shapes are its own business
        checks.choice("init.prior", init.prior, ("normal", "uniform"))
        return
    layers = init.layers
    if not (isinstance(layers, tuple) and layers and all(len(layer) == 2 for layer in layers)):
        raise ValueError("init: a Generator's layers must be a non-empty tuple of (W, b) pairs")
    shapes = [(np.shape(W), np.shape(b)) for W, b in layers]
    if shapes[0][0][0] != init.latent_dim or shapes[-1][0][-1] != d:
        raise ValueError(
            f"init: maps R^{shapes[0][0][0]} (latent_dim {init.latent_dim}) to R^{shapes[-1][0][-1]}; "
            f"the data are in R^{d}"
        )
    if latent_dim is not None and latent_dim != init.latent_dim:
        raise ValueError(f"latent_dim: {latent_dim} differs from init's latent dimension {init.latent_dim}")
    checks.choice("init.prior", init.prior, ("normal", "uniform"))


def train(
    data: Any,
    *,
    loss: str = "nonsaturating",
    key: KeyLike,
    updates: str = "alternating",
    n_critic: int | None = None,
    steps: int = 2000,
    batch_size: int = 256,
    latent_dim: int | None = None,
    prior: str | None = None,
    generator_hidden: Sequence[int] | None = None,
    critic_hidden: Sequence[int] = (128, 128),
    learning_rate: float | None = None,
    critic_learning_rate: float | None = None,
    generator_optimizer: Any = None,
    critic_optimizer: Any = None,
    clip: float = 0.05,
    penalty: float | None = None,
    eval_every: int | None = None,
    eval_size: int = 2000,
    ema: float | None = 0.999,
    dtype: DTypeLike | None = None,
    init: Generator | None = None,
    generator: Any = None,
    critic: Any = None,
    standardize: bool = True,
    devices: Any = None,
    progress: Any = None,
    callback: Any = None,
) -> GANResult:
    """Train a GAN on ``data`` by gradient descent-ascent.

    Args:
      data: samples ``(n, d)`` (``(n,)`` is ``d = 1``; minibatches are drawn with
        replacement), a dataset of :mod:`divtools.gan.datasets` (anything with
        ``sample(key, n)``), or a sampler ``key -> (batch, d)``.
      loss: ``"minimax"``, ``"nonsaturating"``, ``"wgan"``, ``"wgan-gp"`` or a
        generator name of the table (f-GAN); see :mod:`divtools.gan.losses`.
      key: a JAX PRNG key or an int seed (``jax.random.key(seed)``); a batch of
        keys (shape ``(k,)``) or a 1-D integer array of ``k`` seeds trains ``k``
        GANs under one ``vmap`` (every array of the result gains a leading axis).
      updates: ``"alternating"`` or ``"simultaneous"`` (see the module docstring).
      n_critic: critic steps per generator step (default: 5 for the Wasserstein
        losses, as in WGAN's and WGAN-GP's algorithm 1; 1 otherwise).
      steps: generator steps.
      batch_size: minibatch size of data and of generated samples (default 256; the
        papers' 64 is in :func:`divtools.gan.recipes.paper`).
      latent_dim: the latent dimension (default the data's dimension, and 8 for 1-D
        data: measured with the defaults on N(0, 1), a 1-D latent left W_1 at
        0.014-0.19 over 4 seeds and 8 at 0.022-0.059, while on the ring of 8 a latent
        of 8 lost modes that 2 covers); ``prior``: ``"normal"`` or ``"uniform"``
        (default: normal for 1-D data, uniform otherwise).
      generator_hidden, critic_hidden: hidden widths of the two ReLU networks;
        ``generator_hidden=()`` makes an affine generator. Defaults: the critic
        2x128; the generator 2x128 for 1-D data, 2x256 otherwise (on the ring of 8
        with std / radius 0.01, the non-saturating loss covered 8 of 8 modes on 2 of
        10 seeds with a normal prior and 2x128, 4 with a uniform prior or 2x256
        alone, 8 and 5 (seeds 0-9, 10-19) with both).
      learning_rate, critic_learning_rate: the loss's optimiser (Adam, betas
        ``(0.5, 0.999)``; WGAN: RMSProp; WGAN-GP/LP: Adam, betas ``(0, 0.9)``) with
        these rates (a number or an optax schedule; the critic's defaults to
        ``learning_rate``). Default: cosine decays to 1% over each player's own steps
        from the loss's :attr:`~divtools.gan.losses.Loss.rate` (generator: 2e-4, or
        1e-3 for the Wasserstein losses) and ``critic_rate`` (1e-3) (constant rates
        leave the generator circling the target);
        the papers' constant rates are in :func:`divtools.gan.recipes.paper`. Or give
        optax optimisers ``generator_optimizer`` / ``critic_optimizer``.
      clip, penalty: WGAN's clipping bound ``c`` and the gradient penalty's
        ``lambda`` (positive; default 0.1 for ``wgan-gp``, whose two-sided penalty
        traps the critic within ``2 lambda`` of the data, 10 for ``wgan-lp``), on
        weights and slopes in the standardised coordinates. ``c`` defaults to 0.05
        (the paper's 0.01, in :func:`divtools.gan.recipes.paper`, leaves the 2x128
        critic too flat in standardised coordinates: measured on N(0, 1), W_1 of the
        averaged generator 0.059-0.079 at 0.01, 0.014-0.025 at 0.05, 0.019-0.027 at 0.1).
      eval_every: generator steps between checkpoints (default ``steps // 20``);
        it must divide ``steps``.
      eval_size: generated samples per checkpoint, and the size of the data's
        evaluation sample, for the distances of the history.
      ema: the returned generator is an exponential moving average of the
        generator's parameters over its steps ``t = 1, 2, ...``:
        ``avg_t = b_t avg_{t-1} + (1 - b_t) theta_t`` with
        ``b_t = min(ema, (1 + t) / (10 + t))`` (early steps weigh little; the
        window is about ``1 / (1 - ema)`` steps). ``None`` returns the last iterate.
        Gradient descent-ascent leaves the iterates circling the equilibrium (seed
        000); their average sits near its centre (Yazici et al. 2019). Measured with
        the defaults on N(0, 1) (4 seeds, W_1 to the truth), WGAN-GP's last iterates
        were 0.02-0.16 from it, the averages of their second halves 0.010-0.020.
        The checkpoints and the history's distances are of the returned kind;
        ``GANResult.last`` is the last iterate either way.
      dtype: the computation's float type (default: the data's for arrays,
        float32 for datasets and samplers).
      init: a :class:`Generator` to start from (e.g. a trained one, or the identity
        ``z -> z``); default a fresh network of ``generator_hidden`` drawn with ``key``.
      generator, critic: the two networks: ``None`` for ReLU MLPs of
        ``generator_hidden`` / ``critic_hidden`` widths, or a flax (linen or nnx)
        module, an equinox module or ``(init, apply)`` functions
        (:mod:`divtools.variational.networks`): the generator maps latent codes
        ``(n, latent_dim)`` to samples ``(n, d)``, the critic samples to ``(n,)``.
      standardize: train both networks in standardised coordinates (the data's
        mean and one isotropic scale, :class:`~divtools.variational.networks.Frame`):
        the generator's outputs are ``loc + scale * network(z)``, the critic sees
        ``(x - loc) / scale`` (a ``W_1`` critic's outputs times ``scale``), so that
        the defaults work at any location and scale. Not applied to ``init``.
      devices: data parallelism (:mod:`divtools.variational.sharding`): ``None`` (one
        device), ``"all"``, a count, devices or a ``jax.sharding.Mesh``; each
        minibatch (real and generated) is split across them (``batch_size`` a
        multiple of their number), or with a batch of keys, the runs are.
      progress, callback: a progress bar (``True``; ``None``: on in a terminal or a
        notebook, off in tests and CI) showing steps per second, the critic's bound
        and the generator's loss, or callables receiving a
        :class:`~divtools.variational.progress.Report` after every ``eval_every`` steps.

    Returns:
      :class:`GANResult`. Same key, same result (bit for bit on one machine).
      A second call with the same configuration reuses the compiled program.

    Every argument is checked before anything is traced or compiled: counts are
    positive integers, widths sequences of them, rates, ``clip`` and ``penalty``
    positive finite numbers (a rate may be an optax schedule), names one of
    their list, ``data`` finite real numbers; a bad one is a ``ValueError`` or
    ``TypeError`` naming it.

    Example:
      >>> import jax
      >>> from divtools import gan
      >>> target = gan.datasets.gaussian(2.0, 0.5)
      >>> r = gan.train(target, loss="minimax", key=jax.random.key(0), steps=400,
      ...               generator_hidden=(), critic_hidden=(32, 32), learning_rate=1e-2)
      >>> float(r.history.distance[-1]) < 0.15  # W_1 to N(2, 0.5^2); about 2.8 at the start
      True

    References: seed 000 (GDA), Goodfellow et al. (2014), Nowozin et al. (2016),
    Arjovsky et al. (2017), Gulrajani et al. (2017); Yazici et al. (2019), "The
    unusual effectiveness of averaging in GAN training" (the moving average).
    """
    spec = ls.loss(loss)
    updates = checks.choice("updates", updates, ("alternating", "simultaneous"))
    prior = checks.choice("prior", prior, ("normal", "uniform"), optional=True)
    key = checks.key(key, batch=True)
    n_critic = checks.count("n_critic", n_critic, optional=True)
    steps = checks.count("steps", steps)
    batch_size = checks.count("batch_size", batch_size)
    latent_dim = checks.count("latent_dim", latent_dim, optional=True)
    if generator_hidden is not None:
        generator_hidden = tuple(checks.widths("generator_hidden", generator_hidden))
    critic_hidden = checks.widths("critic_hidden", critic_hidden)
    learning_rate = checks.learning_rate("learning_rate", learning_rate)
    critic_learning_rate = checks.learning_rate("critic_learning_rate", critic_learning_rate)
    generator_optimizer = checks.optimizer("generator_optimizer", generator_optimizer)
    critic_optimizer = checks.optimizer("critic_optimizer", critic_optimizer)
    clip = checks.positive("clip", clip)
    penalty = checks.positive("penalty", penalty, optional=True)
    eval_every = checks.count("eval_every", eval_every, optional=True)
    eval_size = checks.count("eval_size", eval_size)
    ema = checks.real("ema", ema, low=0.0, high=1.0, low_open=False, optional=True)
    dtype = checks.float_dtype("dtype", dtype)
    standardize = checks.boolean("standardize", standardize)
    mesh = sh.mesh_of(devices)
    sh.check_split(mesh, key, {"batch_size": batch_size})
    if init is not None and not isinstance(init, Generator):
        raise TypeError(f"init: expected a divtools.gan.Generator or None, got {checks.describe(init)}")
    progress, callback = pg.resolve(progress, callback)
    g_kind = nw.as_network("generator", generator, hidden=(), dtype=None).kind
    c_kind = nw.as_network("critic", critic, hidden=(), dtype=None).kind
    if init is not None and generator is not None:
        raise ValueError(
            "init, generator: give one (init is a trained Generator, generator a network to train)"
        )
    n_critic = spec.n_critic if n_critic is None else n_critic
    penalty = spec.penalty if penalty is None else penalty
    eval_every = max(1, steps // 20) if eval_every is None else eval_every
    if steps % eval_every:
        raise ValueError(f"eval_every: must divide steps ({steps}), got {eval_every}")

    is_dataset = hasattr(data, "sample")
    is_sampler = callable(data) and not is_dataset
    if is_dataset:
        d = checks.sampler_shape("data", data.sample, batch_size)[1]
        array = None
    elif is_sampler:
        d = checks.sampler_shape("data", data)[1]
        array = None
    else:
        array = _as_array(data)
        d = array.shape[1]
    if init is not None:
        _check_init(init, d, latent_dim)
    if dtype is None:
        dtype = np.dtype(np.float32) if array is None else array.dtype
    with loop.precision(dtype):
        return _train(
            data,
            spec,
            key,
            updates,
            n_critic,
            steps,
            batch_size,
            latent_dim,
            prior,
            generator_hidden,
            tuple(critic_hidden),
            learning_rate,
            critic_learning_rate,
            generator_optimizer,
            critic_optimizer,
            clip,
            penalty,
            eval_every,
            eval_size,
            ema,
            dtype,
            is_dataset,
            is_sampler,
            array,
            init,
            loop.static(generator) if g_kind != "mlp" else None,
            loop.static(critic) if c_kind != "mlp" else None,
            standardize,
            mesh,
            progress,
            callback,
        )


def _train(
    data,
    spec,
    key,
    updates,
    n_critic,
    steps,
    batch_size,
    latent_dim,
    prior,
    g_hidden,
    c_hidden,
    lr,
    c_lr,
    g_opt,
    c_opt,
    clip,
    penalty,
    eval_every,
    eval_size,
    ema,
    dtype,
    is_dataset,
    is_sampler,
    array,
    init,
    g_net,
    c_net,
    standardize,
    mesh,
    progress,
    callback,
):
    key, batched = loop.key_batch(key)
    if array is not None:
        array = jnp.asarray(array, dtype)
        d = array.shape[1]
    else:
        probe = jax.eval_shape(lambda k: _draw(data, is_dataset, k, batch_size, dtype), jax.random.key(0))
        d = probe.shape[-1]
    if init is not None:
        latent_dim, prior = init.latent_dim, init.prior
        init = jax.tree_util.tree_map(lambda a: jnp.asarray(a, dtype), init)
        if init.apply is None:
            g_hidden = tuple(W.shape[1] for W, _ in init.layers[:-1])
    if latent_dim is None:  # measured: a 1-D latent folds into gaps and kinks, 8 do not; d on the ring
        latent_dim = 8 if d == 1 else d
    # measured on the ring of 8 (std / radius 0.01, non-saturating loss, seeds 0-9): a normal
    # prior and 2x128 covered 8/8 modes on 2 seeds, a uniform prior 4, 2x256 4, both 8
    if prior is None:
        prior = "normal" if d == 1 else "uniform"
    if g_hidden is None:
        g_hidden = (128, 128) if d == 1 else (256, 256)
    config = GANConfig(
        spec.name,
        updates,
        n_critic,
        steps,
        batch_size,
        latent_dim,
        prior,
        d,
        g_hidden,
        c_hidden,
        lr,
        c_lr,
        loop.static(g_opt),
        loop.static(c_opt),
        clip,
        penalty,
        eval_every,
        dtype.name,
        None if array is not None else _static_data(data),
        is_dataset,
        bool(batched),
        g_net,
        c_net,
        ema=ema,
    )
    if not standardize:
        frame = nw.Frame.identity(d, dtype)
    else:
        pooled = array if array is not None else _draw(data, is_dataset, jax.random.key(0), 4096, dtype)
        frame = nw.frame_of([pooled], lipschitz=spec.objective.lipschitz is not None, dtype=dtype)
    runs = int(key.shape[0]) if batched else 1
    names = ("critic", "generator")
    with pg.reporting(steps, runs, names, f"gan.train {spec.name}", progress, callback) as rep:
        config = dataclasses.replace(config, report=rep.on, mesh=mesh)
        generator, last, critic, values, g_losses, checkpoints = _loop(
            config, key, array, init, frame, rep.token()
        )

    # distances to the data, by the exact core on the host (NumPy's sort)
    k_eval = jax.random.fold_in(jax.random.key(0), 1)
    if array is not None:
        idx = np.random.default_rng(0).permutation(array.shape[0])[:eval_size]
        reference = np.asarray(array)[np.sort(idx)]
    else:
        reference = np.asarray(_draw(data, is_dataset, k_eval, eval_size, dtype))
    fake = np.asarray(_sample_checkpoints(checkpoints, eval_size, batched))
    flat = fake.reshape(-1, eval_size, d)
    dist = np.array(
        [scores.sample_distance(f, reference) if np.isfinite(f).all() else np.nan for f in flat]
    ).reshape(fake.shape[:-2])  # nan: the generator diverged
    history = History(values, g_losses, np.arange(0, steps + 1, eval_every), dist)
    c_apply = None if c_net is None else config.make_networks()[1].apply
    return GANResult(
        generator,
        Critic(critic, spec.objective.critic_output, c_apply, frame),
        history,
        checkpoints,
        spec.name,
        last,
    )


@jax.jit(static_argnums=(1, 2))
def _sample_checkpoints(checkpoints, n, batched):
    key = jax.random.key(12345)
    sample = jax.vmap(lambda g: g(key, n))
    return jax.vmap(sample)(checkpoints) if batched else sample(checkpoints)


def _draw(data, is_dataset, key, n, dtype):
    """``n`` samples of a dataset, or one batch of a sampler (its own size)."""
    x = data.sample(key, n) if is_dataset else data(key)
    x = jnp.asarray(x, dtype)
    return x[:, None] if x.ndim == 1 else x


@functools.partial(jax.jit, static_argnums=0)
def _loop(config: GANConfig, key, array, init, frame, token):
    """The training loop of ``config``: one GAN, or one per key of a batch (``vmap``)."""
    one = functools.partial(_one, config)
    if config.batched:
        one = jax.vmap(one, in_axes=(0, None, None, None, None))
        key = sh.shard_rows(key, config.mesh)  # the runs across devices
    return one(key, array, init, frame, token)


def _one(config: GANConfig, key, array, init, frame, token):
    spec = ls.loss(config.loss)
    obj = spec.objective
    g_opt, c_opt = config.make_optimizers(spec)
    data, is_dataset, has_array = loop.unwrap(config.data), config.is_dataset, array is not None
    batch_size, updates, n_critic = config.batch_size, config.updates, config.n_critic
    dtype = np.dtype(config.dtype)
    latent_dim, d = config.latent_dim, config.dim
    k_g, k_c, k_train = jax.random.split(key, 3)
    g_net, c_net = config.make_networks()
    if init is not None:
        gen = init
    elif config.generator_net is None:
        layers = cr.init_layers(k_g, (latent_dim, *config.generator_hidden, d), dtype)
        gen = Generator(layers, latent_dim, config.prior, frame=frame)
    else:
        params = g_net.init(k_g, jnp.zeros((batch_size, latent_dim), dtype))
        gen = Generator(params, latent_dim, config.prior, g_net.apply, frame)
    critic = c_net.init(k_c, jnp.zeros((batch_size, d), dtype))

    def values(c, x):  # the critic in standardised coordinates (W_1 in units of frame.scale)
        return nw.critic_values(c_net.apply(c, frame.inputs(x)))

    def rows(x):  # one run: its minibatch's rows across the devices
        return x if config.batched else sh.shard_rows(x, config.mesh)

    def real(k):
        if has_array:
            return rows(array[jax.random.randint(k, (batch_size,), 0, array.shape[0])])
        return rows(_draw(data, is_dataset, k, batch_size, dtype))

    def critic_loss(c, x_real, x_fake, k):
        value, _ = obj.bound(values(c, x_real), values(c, x_fake), ())
        total = -value
        if obj.lipschitz in ("gp", "lp"):
            total = total + cr.gradient_penalty(  # slopes in standardised coordinates
                lambda u: nw.critic_values(c_net.apply(c, u)),
                frame.inputs(x_real),
                frame.inputs(x_fake),
                k,
                config.penalty,
                one_sided=obj.lipschitz == "lp",
            )
        return total, value

    def generator_loss(g, c, z):
        return spec.generator_loss(values(c, g.transform(z)))

    def constrain(c):
        return cr.clip_weights(c, config.clip) if obj.lipschitz == "clip" else c

    def critic_step(carry, k):
        g, c, gs, cs = carry
        kr, kz, kp = jax.random.split(k, 3)
        x_fake = g.transform(rows(g.latent(kz, batch_size)))
        grads, value = jax.grad(critic_loss, has_aux=True)(c, real(kr), x_fake, kp)
        upd, cs = c_opt.update(grads, cs, c)
        return (g, constrain(optax.apply_updates(c, upd)), gs, cs), value

    def generator_step(g, c, gs, k):
        z = rows(g.latent(k, batch_size))
        g_loss, grads = jax.value_and_grad(generator_loss)(g, c, z)
        upd, gs = g_opt.update(grads, gs, g)
        return optax.apply_updates(g, upd), gs, g_loss

    def average(carry):  # the generator's moving average after its t-th step
        players, avg, t = carry
        if config.ema is None:
            return players, avg, t
        t = t + 1
        b = jnp.minimum(config.ema, (1.0 + t) / (10.0 + t)).astype(dtype)
        mix = lambda a, g: b * a + (1 - b) * g if jnp.issubdtype(a.dtype, jnp.floating) else g
        layers = jax.tree_util.tree_map(mix, avg.layers, players[0].layers)
        return players, dataclasses.replace(avg, layers=layers), t

    def gda_step(carry, k):
        players, avg, t = carry
        players, out = players_step(players, k)
        return average((players, avg, t)), out

    def players_step(carry, k):
        k_solo, k_last = jax.random.split(k)
        solo = n_critic if updates == "alternating" else n_critic - 1
        if solo:
            carry, values = jax.lax.scan(critic_step, carry, jax.random.split(k_solo, solo))
            value = values[-1]
        g, c, gs, cs = carry
        if updates == "alternating":
            g, gs, g_loss = generator_step(g, c, gs, k_last)
            return (g, c, gs, cs), (value, g_loss)
        # simultaneous: both gradients at (g, c) on one minibatch, applied together
        kr, kz, kp = jax.random.split(k_last, 3)
        z = rows(g.latent(kz, batch_size))
        c_grads, value = jax.grad(critic_loss, has_aux=True)(
            c, real(kr), jax.lax.stop_gradient(g.transform(z)), kp
        )
        g_loss, g_grads = jax.value_and_grad(generator_loss)(g, c, z)
        c_upd, cs = c_opt.update(c_grads, cs, c)
        g_upd, gs = g_opt.update(g_grads, gs, g)
        c = constrain(optax.apply_updates(c, c_upd))
        return (optax.apply_updates(g, g_upd), c, gs, cs), (value, g_loss)

    def chunk(carry, inp):
        k, i = inp
        carry, (c_values, g_losses) = jax.lax.scan(gda_step, carry, jax.random.split(k, config.eval_every))
        if config.report:
            pg.emit(token, (i + 1) * config.eval_every, c_values * frame.out, g_losses)
        returned = carry[0][0] if config.ema is None else carry[1]
        return carry, (c_values, g_losses, returned)

    n_chunks = config.steps // config.eval_every
    init = ((gen, critic, g_opt.init(gen), c_opt.init(critic)), gen, jnp.zeros((), jnp.int32))
    ((last, critic, _, _), avg, _), (c_values, g_losses, ckpts) = jax.lax.scan(
        chunk, init, (jax.random.split(k_train, n_chunks), jnp.arange(n_chunks))
    )
    checkpoints = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a[None], b]), gen, ckpts)
    gen = last if config.ema is None else avg
    return gen, last, critic, c_values.reshape(-1) * frame.out, g_losses.reshape(-1), checkpoints


def fit_discriminator(
    data: Any,
    generator: Any,
    *,
    key: KeyLike,
    loss: str = "minimax",
    steps: int = 2000,
    batch_size: int = 512,
    hidden: Sequence[int] = (64, 64),
    learning_rate: float | None = None,
    dtype: DTypeLike | None = None,
) -> Any:
    """Train the critic of ``loss`` alone against a fixed ``generator``: the inner
    maximisation of the GAN game. For ``minimax`` and ``nonsaturating``, the
    result's ``critic(x)`` is ``D(x)``, which approaches
    ``D*(x) = p_data(x) / (p_data(x) + p_g(x))`` (Goodfellow et al. 2014,
    proposition 1; :func:`divtools.games.gan_optimal_discriminator` on a finite
    space), and its ``value`` estimates ``JS(P_data, P_G)``; for an f-GAN loss
    ``critic(x)`` approaches ``f'(p_data(x)/p_g(x))``.

    Args:
      data: as for :func:`train`; integer arrays are category indices (one-hot).
      generator: a :class:`Generator`, a dataset, a sampler ``key -> (batch, d)``,
        or samples.
      key: a JAX PRNG key or an int seed (``jax.random.key(seed)``); a batch of
        keys or a 1-D integer array of seeds trains critics under ``vmap``.
      loss: one of :data:`divtools.gan.LOSSES`.
      steps, batch_size, hidden, learning_rate, dtype: as for
        :func:`divtools.variational.estimate`.

    Every argument is checked before training (a ``ValueError`` or ``TypeError``
    naming it).

    Returns:
      :class:`divtools.variational.Estimate`.

    Example:
      >>> import math
      >>> import numpy as np
      >>> from divtools import gan
      >>> rng = np.random.default_rng(0)
      >>> x, y = rng.normal(0.0, 1.0, (2000, 1)), rng.normal(10.0, 1.0, (2000, 1))
      >>> e = gan.fit_discriminator(x, y, key=0, steps=100, hidden=(8,), batch_size=64,
      ...                           learning_rate=1e-2)
      >>> abs(float(e.value) - math.log(2)) < 0.05   # JS of (almost) disjoint laws: log 2
      True
    """
    spec = ls.loss(loss)
    if spec.objective.lipschitz is not None:
        divergence, objective = "wasserstein", spec.objective.lipschitz
    elif spec.name in ("minimax", "nonsaturating"):
        divergence, objective = "js", "classifier"
    else:
        divergence, objective = spec.name, "fgan"
    batch_size = checks.count("batch_size", batch_size)
    if hasattr(data, "sample"):
        data = functools.partial(_dataset_batch, data, batch_size)
    if isinstance(generator, Generator):
        generator = functools.partial(_generator_batch, generator, batch_size)
    elif hasattr(generator, "sample"):
        generator = functools.partial(_dataset_batch, generator, batch_size)
    return run_estimate(
        ("data", "generator"),
        divergence,
        data,
        generator,
        key,
        objective,
        hidden,
        None,
        learning_rate,
        batch_size,
        steps,
        0.2,
        10_000,
        0.01,
        10.0,
        dtype,
        {},
    )


def _dataset_batch(dataset, n, key):
    return dataset.sample(key, n)


def _generator_batch(generator, n, key):
    return generator(key, n)
