"""``estimate``: learn a divergence from samples by fitting a critic."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from numpy.typing import DTypeLike

from divtools._core.keys import KeyLike
from divtools.variational import checks, loop
from divtools.variational import critics as cr
from divtools.variational import networks as nw
from divtools.variational import objectives as ob
from divtools.variational import progress as pg
from divtools.variational import sharding as sh

__all__ = ["Critic", "Estimate", "estimate"]


class Critic(NamedTuple):
    """A trained critic: ``critic(x)`` is ``T(x)`` in the dual's units (for the f-GAN
    objectives ``g_f(V(x))``, which approaches ``f'(p(x)/q(x))``); ``critic.raw(x)``
    is the network's output ``V(x)``. ``network`` holds the parameters (the built-in
    :class:`~divtools.variational.MLP`, or the user network's), ``apply`` the user
    network's function (``None`` for the built-in MLP)."""

    network: Any
    output: Callable
    apply: Callable | None = None
    frame: nw.Frame | None = None

    def __call__(self, x):
        return self.output(self.raw(x))

    def raw(self, x):
        dtype = jax.tree_util.tree_leaves(self.network)[0].dtype
        with loop.precision(dtype):  # a float64 critic outside JAX's x64 mode
            x = jnp.asarray(x, dtype=dtype)
            x = x[:, None] if x.ndim == 1 else x
            frame = self.frame
            u = x if frame is None else frame.inputs(x)
            if self.apply is None:
                v = self.network(u)
            else:
                v = nw.critic_values(self.apply(self.network, u))
            return v if frame is None else frame.out * v

    def density_ratio(self, x):
        """``p(x)/q(x) = e^V(x)`` for the classifier objective (``D/(1 - D)``)."""
        return jnp.exp(self.raw(x))


class Estimate(NamedTuple):
    """The result of :func:`estimate`.

    Attributes:
      value: the bound on the held-out samples (the estimate).
      stderr: its standard error over the held-out samples.
      train_value: the bound on the training samples (optimistic: the critic
        was fitted to them); with samplers, the mean bound over the last tenth
        of the training batches.
      history: the bound on each step's training batch, shape ``(steps,)``.
      critic: the trained :class:`Critic`.
      objective: the objective's name.
      lipschitz: for ``W_1`` with a gradient penalty, the critic's largest gradient
        norm on the held-out samples and their interpolates, ``L``; the value, the
        train value and ``critic`` are divided by ``max(1, L)`` (``None`` otherwise).
    """

    value: object
    stderr: object
    train_value: object
    history: object
    critic: Critic
    objective: str
    lipschitz: object = None


_OPTIMIZERS = {
    "clip": lambda lr: optax.rmsprop(lr if lr is not None else 5e-5),
    "gp": lambda lr: optax.adam(lr if lr is not None else 1e-4, b1=0.0, b2=0.9),
    "lp": lambda lr: optax.adam(lr if lr is not None else 1e-3, b1=0.0, b2=0.9),
}


def _categories(names, arrays: dict) -> int | None:
    """The number of categories of integer sample arrays (category indices: 1-D,
    non-negative), ``None`` if none is; an integer array beside a float one is an error."""
    kinds = {name: np.dtype(a.dtype).kind for name, a in arrays.items()}
    ints = [name for name, k in kinds.items() if k in "biu"]
    if not ints:
        return None
    if len(ints) < len(arrays):
        raise ValueError(
            f"{', '.join(names)}: {ints[0]} holds category indices (integers) and the other real "
            "samples; give both as category indices or both as real samples"
        )
    top = 0
    for name in ints:
        a = np.asarray(arrays[name])
        if a.ndim != 1:
            raise ValueError(f"{name}: category indices (an integer array) must be 1-D, got shape {a.shape}")
        if a.dtype.kind != "b" and a.min() < 0:
            raise ValueError(f"{name}: category indices must be non-negative, got {a.min()}")
        top = max(top, int(a.max()))
    return top + 1


def _prepare(name, x, n_categories):
    """A sample array as ``(n, d)`` (category indices one-hot), or a sampler as it is."""
    if callable(x):
        return x
    if n_categories is not None:
        return jax.nn.one_hot(
            jnp.asarray(x), n_categories, dtype=jnp.float64 if jax.config.jax_enable_x64 else jnp.float32
        )
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"{name}: expected samples of shape (n, d), got shape {x.shape}")
    return x


def _n_eval(names, n, fraction):
    n_eval = max(2, int(round(fraction * n)))
    if n - n_eval < 2:
        raise ValueError(f"{', '.join(names)}: {n} samples are too few to hold out {fraction:.0%}")
    return n_eval


def prepare_pair(names: tuple[str, str], x_p: Any, x_q: Any, eval_fraction: float) -> tuple:
    """The two samples of :func:`estimate` checked at the boundary: ``(x_p, x_q, n_eval_p,
    n_eval_q)``, arrays as ``(n, d)`` (category indices one-hot) and samplers as they are,
    with the held-out rows of each array (0 for a sampler). ``names`` name them in errors."""
    arrays = {name: checks.samples(name, x) for name, x in zip(names, (x_p, x_q)) if not callable(x)}
    n_cat = _categories(names, arrays)
    prepared, dims, n_evals = [], [], []
    for name, x in zip(names, (x_p, x_q)):
        x = _prepare(name, arrays.get(name, x), n_cat)
        if callable(x):
            dims.append(checks.sampler_shape(name, x)[1])
            n_evals.append(0)
        else:
            dims.append(x.shape[1])
            n_evals.append(_n_eval(names, x.shape[0], eval_fraction))
        prepared.append(x)
    if dims[0] != dims[1]:
        raise ValueError(f"{', '.join(names)}: sample dimensions differ ({dims[0]} and {dims[1]})")
    return (*prepared, *n_evals)


def estimate(
    divergence: str,
    x_p: Any,
    x_q: Any,
    *,
    key: KeyLike,
    objective: str | None = None,
    hidden: Sequence[int] = (128, 128),
    optimizer: Any = None,
    learning_rate: float | None = None,
    batch_size: int = 512,
    steps: int = 2000,
    eval_fraction: float = 0.2,
    eval_size: int = 10_000,
    clip: float = 0.01,
    penalty: float = 10.0,
    dtype: DTypeLike | None = None,
    critic: Any = None,
    standardize: bool = True,
    devices: Any = None,
    progress: Any = None,
    callback: Callable | None = None,
    **objective_options: Any,
) -> Estimate:
    """Estimate ``divergence(P || Q)`` from samples by maximising a variational bound
    over a critic (see :mod:`divtools.variational.objectives`).

    Args:
      divergence: ``"kl"``, ``"js"``, ``"tv"``, ``"wasserstein"`` (W_1), or any
        generator name of the table (f-GAN bound).
      x_p, x_q: samples ``(n, d)`` (``(n,)`` is ``d = 1``; integer arrays are
        category indices, one-hot encoded), or samplers ``key -> (batch, d)``.
      key: a JAX PRNG key or an int seed (``jax.random.key(seed)``); a batch of
        keys (shape ``(k,)``) or a 1-D integer array of ``k`` seeds trains ``k``
        independent critics under ``vmap`` (every result gains a leading axis).
      objective: which bound (defaults: KL ``smile``, JS ``classifier``, TV
        ``bounded``, W_1 ``gp``, others ``fgan``; also ``dv``, ``mine``, ``nwj``,
        ``clip``, ``lp``, ``sn``); ``objective_options`` go to it (``tau``, ``ema``).
      hidden: the critic's hidden layer widths (ReLU).
      optimizer: an optax optimiser; default Adam (``learning_rate`` 1e-3),
        RMSProp 5e-5 for weight clipping (WGAN's algorithm 1), Adam 1e-4 with
        ``b1 = 0, b2 = 0.9`` for the gradient penalty (WGAN-GP).
      batch_size, steps: minibatch size (each of P and Q, drawn with
        replacement from sample arrays; a sampler's batch is its own) and
        number of optimiser steps.
      eval_fraction: share of each sample array held out for the estimate;
        with samplers, ``eval_size`` fresh samples are drawn instead.
      clip, penalty: WGAN's clipping bound ``c`` and WGAN-GP's ``lambda``.
      dtype: the computation's float type; default the samples' (float64
        samples train in float64; pass float32 samples for speed).
      critic: the critic network: ``None`` for a ReLU MLP of ``hidden`` widths, or
        a flax (linen or nnx) module, an equinox module, or a pair
        ``(init, apply)`` of pure functions (:mod:`divtools.variational.networks`);
        its output is ``V(x)``, shape ``(n,)`` or ``(n, 1)``.
      standardize: train the critic in standardised coordinates
        (:class:`~divtools.variational.networks.Frame`: the pooled samples' mean and
        one isotropic scale, a ``W_1`` critic's outputs times that scale), so that
        the defaults work at any location and scale; the returned critic takes the
        original ``x``.
      devices: data parallelism (:mod:`divtools.variational.sharding`): ``None`` (one
        device), ``"all"``, a count, devices or a ``jax.sharding.Mesh``; each
        minibatch is split across them (``batch_size`` a multiple of their number),
        or with a batch of keys, the runs are (their number a multiple of it).
      progress: a progress bar (``tqdm``: terminal or notebook) showing the steps
        per second and the current bound: ``True``, ``False``, ``None`` (default:
        on in a terminal or a notebook, off in tests and CI), or a callable that
        receives a :class:`~divtools.variational.progress.Report` after each
        hundredth of the run.
      callback: a callable receiving the :class:`~divtools.variational.progress.Report`
        (with the history so far) after each hundredth of the run.

    Returns:
      :class:`Estimate`. Same key, same estimate (bit for bit on one machine);
      an int seed ``s`` gives the estimate of ``jax.random.key(s)``. Its
      ``stderr`` is the spread of the held-out bound for the trained critic; it
      does not cover the bound's bias (a critic short of the optimum) nor the
      spread over training runs (other keys).

    Every argument is checked before anything is traced or compiled (counts are
    positive integers, ``hidden`` a sequence of them, ``()`` a linear critic;
    rates, ``clip``, ``penalty`` and ``tau`` positive finite numbers, a rate
    may also be an optax schedule; ``eval_fraction`` in ``(0, 1)``; names one of
    their list; samples finite real numbers of one dimension): a bad one is a
    ``ValueError`` or ``TypeError`` naming it.

    The training loop is one jit-compiled ``lax.scan``; it runs unchanged on
    CPU, GPU and TPU. A second call with the same configuration reuses the
    compiled program (samplers are part of the configuration: pass the same
    function objects to avoid recompiling).

    Known failures, reproduced in ``bench/bench_variational.py``: DV's and
    NWJ's variance grows like ``e^KL`` (on the MI staircase with batch 64, DV
    runs away from 4 nats on and NWJ/MINE level off near 2-5 nats); the
    delta-method standard error of DV is then meaningless. SMILE tracks the
    staircase to 10 nats (biased once ``KL > tau``). Weight clipping (``clip``)
    returns ``W_1`` times an unknown small constant.

    Example:
      >>> import jax, numpy as np, divtools.variational as dv
      >>> rng = np.random.default_rng(0)
      >>> x_p, x_q = rng.normal(0.0, 1.0, (4000, 1)), rng.normal(1.0, 1.0, (4000, 1))
      >>> r = dv.estimate("kl", x_p, x_q, key=jax.random.key(0), steps=300, batch_size=256)
      >>> abs(float(r.value) - 0.5) < 0.1   # KL(N(0,1) || N(1,1)) = 1/2
      True

    References: Nowozin, Cseke & Tomioka (2016); Belghazi et al. (2018, MINE);
    Nguyen, Wainwright & Jordan (2010); Song & Ermon (2020, SMILE); Arjovsky,
    Chintala & Bottou (2017); Gulrajani et al. (2017); Miyato et al. (2018).
    """
    return run_estimate(
        ("x_p", "x_q"),
        divergence,
        x_p,
        x_q,
        key,
        objective,
        hidden,
        optimizer,
        learning_rate,
        batch_size,
        steps,
        eval_fraction,
        eval_size,
        clip,
        penalty,
        dtype,
        objective_options,
        critic=critic,
        standardize=standardize,
        devices=devices,
        progress=progress,
        callback=callback,
    )


def run_estimate(
    names,
    divergence,
    x_p,
    x_q,
    key,
    objective,
    hidden,
    optimizer,
    learning_rate,
    batch_size,
    steps,
    eval_fraction,
    eval_size,
    clip,
    penalty,
    dtype,
    objective_options,
    *,
    critic=None,
    standardize=True,
    devices=None,
    progress=False,
    callback=None,
):
    """:func:`estimate` with its samples called ``names`` in errors: every argument is
    checked here, on the host, before anything is traced."""
    obj = ob.build(divergence, objective, objective_options)  # checks the names and the options
    options = {name: float(v) for name, v in objective_options.items()}  # all real numbers, checked
    spec = (divergence, objective, tuple((k, loop.static(v)) for k, v in sorted(options.items())))
    key = checks.key(key, batch=True)
    hidden = checks.widths("hidden", hidden)
    optimizer = checks.optimizer("optimizer", optimizer)
    learning_rate = checks.learning_rate("learning_rate", learning_rate)
    batch_size = checks.count("batch_size", batch_size)
    steps = checks.count("steps", steps)
    eval_fraction = checks.fraction("eval_fraction", eval_fraction)
    eval_size = checks.count("eval_size", eval_size)
    clip = checks.positive("clip", clip)
    penalty = checks.positive("penalty", penalty)
    dtype = checks.float_dtype("dtype", dtype)
    standardize = checks.boolean("standardize", standardize)
    mesh = sh.mesh_of(devices)
    progress, callback = pg.resolve(progress, callback)
    network = nw.as_network("critic", critic, hidden=tuple(hidden), dtype=None)
    if obj.lipschitz == "sn" and network.kind != "mlp":
        raise ValueError("critic: spectral normalisation (objective 'sn') needs the built-in MLP critic")
    x_p, x_q, n_eval_p, n_eval_q = prepare_pair(names, x_p, x_q, eval_fraction)
    rows = {"batch_size": batch_size} if not (callable(x_p) and callable(x_q)) else {}
    rows.update({name: checks.sampler_shape(name, x)[0] for name, x in zip(names, (x_p, x_q)) if callable(x)})
    sh.check_split(mesh, key, rows)
    if dtype is None:
        kinds = [np.dtype(a.dtype) for a in (x_p, x_q) if not callable(a)]
        dtype = np.result_type(*kinds) if kinds else np.dtype(np.float32)
        if dtype.kind != "f":
            dtype = np.dtype(np.float64 if jax.config.jax_enable_x64 else np.float32)
    with loop.precision(dtype):
        return _run(
            spec,
            obj,
            x_p,
            x_q,
            key,
            hidden,
            optimizer,
            learning_rate,
            batch_size,
            steps,
            n_eval_p,
            n_eval_q,
            eval_size,
            clip,
            penalty,
            dtype,
            loop.static(critic) if network.kind != "mlp" else None,
            standardize,
            mesh,
            progress,
            callback,
        )


def _split(x, perm, n_eval):
    """Held-out split of a sample array by a permutation."""
    return x[perm[n_eval:]], x[perm[:n_eval]]


@dataclasses.dataclass(frozen=True)
class EstimateConfig:
    """The static settings of :func:`estimate`'s training loop, the static argument of
    its ``jax.jit`` (JAX's cache holds one compiled loop per configuration).

    Attributes:
      divergence, objective: the names given to :func:`estimate`.
      objective_options: the objective's options as sorted ``(name, value)`` pairs.
      hidden: the critic's hidden widths.
      optimizer: the user's optax optimiser (through :func:`divtools.variational.loop.static`: by
        identity if it cannot be hashed), or ``None`` for the objective's default
        at ``learning_rate``.
      learning_rate: as given (``None``: the default optimiser's own rate).
      batch_size, steps, eval_size, clip, penalty: as given to :func:`estimate`.
      n_eval_p, n_eval_q: held-out rows of each sample array (0 for a sampler).
      dtype: the computation's float type, by name.
      sampler_p, sampler_q: the samplers (through :func:`divtools.variational.loop.static`), ``None``
        for sample arrays.
      batched: whether the key is a batch of keys (critics trained under ``vmap``).
      critic: the user's critic network (through :func:`divtools.variational.loop.static`), or
        ``None`` for the built-in MLP of ``hidden`` widths.
      report: whether the loop hands its progress to the host (chunks of ``chunk`` steps).
      mesh: the devices' ``jax.sharding.Mesh`` (:mod:`.sharding`), or ``None``.
    """

    divergence: str
    objective: str | None
    objective_options: tuple
    hidden: tuple
    optimizer: object
    learning_rate: float | None
    batch_size: int
    steps: int
    n_eval_p: int
    n_eval_q: int
    eval_size: int
    clip: float
    penalty: float
    dtype: str
    sampler_p: object
    sampler_q: object
    batched: bool
    critic: object = None
    report: bool = False
    chunk: int = 1
    mesh: object = None

    def make_network(self) -> nw.Network:
        """The critic's :class:`~divtools.variational.networks.Network`."""
        return nw.as_network(
            "critic", loop.unwrap(self.critic), hidden=self.hidden, dtype=np.dtype(self.dtype)
        )

    def make_objective(self) -> ob.Objective:
        """The :class:`~divtools.variational.objectives.Objective` of these settings."""
        options = {name: loop.unwrap(v) for name, v in self.objective_options}
        return ob.objective(self.divergence, self.objective, **options)

    def make_optimizer(self, lipschitz: str | None) -> optax.GradientTransformation:
        """The user's optimiser, or the default of an objective with this ``lipschitz``
        constraint (``None``: Adam) at ``learning_rate``."""
        if self.optimizer is not None:
            return loop.unwrap(self.optimizer)
        lr = self.learning_rate
        return _OPTIMIZERS.get(lipschitz, lambda lr: optax.adam(lr if lr is not None else 1e-3))(lr)


def _run(
    spec,
    obj,
    x_p,
    x_q,
    key,
    hidden,
    optimizer,
    lr,
    batch_size,
    steps,
    n_eval_p,
    n_eval_q,
    eval_size,
    clip,
    penalty,
    dtype,
    critic_spec,
    standardize,
    mesh,
    progress,
    callback,
):
    key, batched = loop.key_batch(key)
    sampler_p, sampler_q = callable(x_p), callable(x_q)
    data = tuple(None if s else jnp.asarray(x, dtype=dtype) for s, x in ((sampler_p, x_p), (sampler_q, x_q)))

    keys = key if batched else key[None]
    perms = []
    for salt, (sampler, x) in enumerate(((sampler_p, data[0]), (sampler_q, data[1]))):
        if sampler:
            perms.append(None)
            continue
        stack = np.stack([loop.host_permutation(k, x.shape[0], salt) for k in keys])
        perms.append(jnp.asarray(stack if batched else stack[0]))

    divergence, objective, options = spec
    config = EstimateConfig(
        divergence,
        objective,
        options,
        tuple(hidden),
        loop.static(optimizer),
        lr,
        batch_size,
        steps,
        n_eval_p,
        n_eval_q,
        eval_size,
        clip,
        penalty,
        np.dtype(dtype).name,
        loop.static(x_p) if sampler_p else None,
        loop.static(x_q) if sampler_q else None,
        bool(batched),
        critic_spec,
    )
    frame = _frame(obj, x_p, x_q, data, standardize, dtype)
    runs = int(key.shape[0]) if batched else 1
    with pg.reporting(steps, runs, ("bound",), f"estimate {obj.name}", progress, callback) as rep:
        config = dataclasses.replace(
            config, report=rep.on, chunk=pg.chunk_length(steps) if rep.on else 1, mesh=mesh
        )
        value, se, train_value, history, network, lip = _loop(config, key, *data, *perms, frame, rep.token())
    apply = None if critic_spec is None else config.make_network().apply
    if obj.lipschitz in ("gp", "lp"):  # the critic divided by max(1, L), as its value
        frame = frame._replace(out=frame.out / jnp.maximum(lip, 1.0))
    else:
        lip = None
    critic = Critic(network, obj.critic_output, apply, frame)
    return Estimate(value, se, train_value, history, critic, obj.name, lip)


def _frame(obj, x_p, x_q, data, standardize, dtype) -> nw.Frame:
    """The critic's standardised coordinates (:class:`~divtools.variational.networks.Frame`)
    from the training data (a sampler's: 4,096 draws with a fixed key); the identity
    frame when ``standardize`` is false."""
    pooled = [
        np.asarray(_many(x, jax.random.key(0), 4096, dtype)) if d is None else np.asarray(d)
        for x, d in zip((x_p, x_q), data)
    ]
    if not standardize:
        return nw.Frame.identity(pooled[0].shape[1], dtype)
    return nw.frame_of(pooled, lipschitz=obj.lipschitz is not None, dtype=dtype)


@functools.partial(jax.jit, static_argnums=0)
def _loop(config: EstimateConfig, key, data_p, data_q, perm_p, perm_q, frame, token):
    """The training loop of ``config``: one critic, or one per key of a batch (``vmap``)."""
    one = functools.partial(_one, config)
    if config.batched:
        one = jax.vmap(one, in_axes=(0, None, None, 0, 0, None, None))
        key, perm_p, perm_q = sh.shard_rows((key, perm_p, perm_q), config.mesh)  # the runs across devices
    return one(key, data_p, data_q, perm_p, perm_q, frame, token)


def _one(config: EstimateConfig, k, data_p, data_q, perm_p, perm_q, frame, token):
    obj = config.make_objective()
    net = config.make_network()
    optimizer = config.make_optimizer(obj.lipschitz)
    x_p, x_q = loop.unwrap(config.sampler_p), loop.unwrap(config.sampler_q)
    sampler_p, sampler_q = x_p is not None, x_q is not None
    batch_size, steps, eval_size = config.batch_size, config.steps, config.eval_size
    dtype = np.dtype(config.dtype)
    _, k_init, k_train, k_eval = jax.random.split(k, 4)
    if sampler_p:
        train_p = eval_p = None
    else:
        train_p, eval_p = _split(frame.inputs(data_p), perm_p, config.n_eval_p)
    if sampler_q:
        train_q = eval_q = None
    else:
        train_q, eval_q = _split(frame.inputs(data_q), perm_q, config.n_eval_q)

    def draw(kk, sampler, train, x_src):
        if sampler:
            x = jnp.asarray(x_src(kk), dtype=dtype)
            return rows(frame.inputs(x[:, None] if x.ndim == 1 else x))
        idx = jax.random.randint(kk, (batch_size,), 0, train.shape[0])
        return rows(train[idx])

    def rows(x):  # one run: its minibatch's rows across the devices
        return x if config.batched else sh.shard_rows(x, config.mesh)

    probe = draw(jax.random.key(0), sampler_p, train_p, x_p)
    critic = net.init(k_init, probe)
    if obj.lipschitz == "sn":
        critic = cr.spectral_normalize(critic)
    opt_state = optimizer.init(critic)

    def values(c, u):  # the network in standardised coordinates (W_1 in units of frame.scale)
        return nw.critic_values(net.apply(c, u))

    def loss_fn(c, bp, bq, state, kgp):
        value, new_state = obj.bound(values(c, bp), values(c, bq), state)
        loss = -value
        if obj.lipschitz in ("gp", "lp"):
            loss = loss + cr.gradient_penalty(
                lambda x: values(c, x), bp, bq, kgp, config.penalty, one_sided=obj.lipschitz == "lp"
            )
        return loss, (value, new_state)

    def step(carry, kk):
        c, opt_state, state = carry
        kp, kq, kgp = jax.random.split(kk, 3)
        bp, bq = draw(kp, sampler_p, train_p, x_p), draw(kq, sampler_q, train_q, x_q)
        grads, (value, state) = jax.grad(loss_fn, has_aux=True)(c, bp, bq, state, kgp)
        updates, opt_state = optimizer.update(grads, opt_state, c)
        c = optax.apply_updates(c, updates)
        if obj.lipschitz == "clip":
            c = cr.clip_weights(c, config.clip)
        elif obj.lipschitz == "sn":
            c = cr.spectral_normalize(c)
        return (c, opt_state, state), value * frame.out  # the history in the data's units

    init = (critic, opt_state, obj.init_state(dtype))
    (critic, _, _), history = pg.chunked_scan(
        step, init, jax.random.split(k_train, steps), report=config.report, token=token, chunk=config.chunk
    )
    kp, kq = jax.random.split(k_eval)
    ep = frame.inputs(_many(x_p, kp, eval_size, dtype)) if sampler_p else eval_p  # samplers: fresh samples
    eq = frame.inputs(_many(x_q, kq, eval_size, dtype)) if sampler_q else eval_q
    lip = jnp.ones((), dtype)
    if obj.lipschitz in ("gp", "lp"):  # the penalty only pulls the slope towards 1: measure it
        lip = _lipschitz(lambda x: values(critic, x), ep, eq, jax.random.fold_in(k_eval, 1))
    scale = 1.0 / jnp.maximum(lip, 1.0)
    value, se = obj.evaluate(scale * values(critic, ep), scale * values(critic, eq))
    if sampler_p or sampler_q:  # no fixed training set: the last tenth of the batches' bounds
        tail = history[-max(1, steps // 10) :] / frame.out
        train_value = jnp.mean(tail) * scale
    else:
        train_value, _ = obj.evaluate(scale * values(critic, train_p), scale * values(critic, train_q))
    out = frame.out  # back to the data's units (W_1: times the frame's scale)
    return value * out, se * out, train_value * out, history, critic, lip


def _lipschitz(v, e_p, e_q, key):
    """The largest gradient norm of ``v`` on the held-out samples and on as many random
    interpolates between them: the critic's Lipschitz constant on the data, as the
    penalty saw it (Kantorovich-Rubinstein needs ``|v(x) - v(y)| <= |x - y|`` only
    between points of the supports)."""
    n = min(e_p.shape[0], e_q.shape[0])
    u = jax.random.uniform(key, (n, 1), e_p.dtype)
    points = jnp.concatenate([e_p, e_q, u * e_p[:n] + (1 - u) * e_q[:n]])
    grads = jax.vmap(jax.grad(lambda z: v(z[None])[0]))(points)
    return jnp.sqrt(jnp.max(jnp.sum(grads * grads, axis=-1)))


def _many(sampler, key, n, dtype):
    """``n`` samples from a sampler, drawn as one vmapped call over batch keys."""
    first = jax.eval_shape(sampler, key)
    reps = max(1, -(-n // first.shape[0]))
    draws = jax.vmap(sampler)(jax.random.split(key, reps))
    d = first.shape[1] if len(first.shape) == 2 else 1
    return jnp.asarray(draws, dtype).reshape(-1, d)[:n]
