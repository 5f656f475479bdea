r"""Mutual information from paired samples, with the product of marginals built from
all pairs.

``I(X; Y) = KL(P_XY || P_X P_Y)``. From ``n`` paired samples ``(x_i, y_i)`` the
joint is the diagonal pairs and the product of marginals every pair
``(x_i, y_j)``, ``i != j``. Each training minibatch of ``B`` pairs supplies
``negatives`` product pairs per row, ``(x_i, y_{i+s})`` for ``s = 1..negatives``
(all ``B - 1``: the whole score matrix ``S_ij = V(x_i, y_j)`` of Poole et al.
2019, section 2), so each step sees fresh product pairs instead of one shuffle of
the data, and the held-out estimate averages over all ``m (m - 1)`` pairs of the held-out
half (computed in blocks of rows, with no ``m x m`` matrix in memory).

Estimate and standard error, for the Donsker-Varadhan family (``dv``, ``mine``,
``smile`` with ``w = clip(V, -tau, tau)``; ``dv``/``mine``: ``w = V``)::

    I_hat = mean_i S_ii - log U,   U = 1/(m (m - 1)) sum_{i != j} e^{w_ij}

and for ``nwj``, ``I_hat = mean_i S_ii - U`` with ``w = V - 1``. ``U`` is a
U-statistic; its first-order (Hoeffding) projection gives the standard error
``sd(psi_i) / sqrt(m)`` with ``psi_i = S_ii - (r_i + c_i) / U`` (DV family) or
``S_ii - (r_i + c_i)`` (NWJ), where ``r_i`` and ``c_i`` are the means of
``e^w`` over row ``i`` and column ``i`` without the diagonal.

Reference: Poole, Ozair, van den Oord, Alemi & Tucker (2019), "On variational
bounds of mutual information"; Song & Ermon (2020, SMILE); Czyz et al. (2023,
"Beyond normal", the benchmark-mi tasks).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from collections.abc import Sequence
from typing import Any

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
from divtools.variational.estimate import Critic, Estimate

__all__ = ["mutual_information", "pair_scores"]

_OBJECTIVES = ("smile", "dv", "mine", "nwj", "js", "infonce")
_TRAIN_EVAL = 1024  # training pairs (all their pairs) behind ``train_value``


def _first_layer(critic: cr.MLP, x, y, d_x: int):
    """The first layer's two halves: ``x W_x + b`` and ``y W_y``."""
    W, b = critic.layers[0]
    return x @ W[:d_x] + b, y @ W[d_x:]


def _rest(critic: cr.MLP, h):
    """The network after its first layer's pre-activation ``h``."""
    for W, b in critic.layers[1:]:
        h = jax.nn.relu(h) @ W + b
    return h[..., 0]


def pair_scores(critic: cr.MLP, x: Any, y: Any, d_x: int) -> Any:
    """``S_ij = V([x_i, y_j])`` for all pairs, shape ``(len(x), len(y))``, with the
    first layer split as ``x_i W_x + y_j W_y + b`` (one product per side instead of
    one per pair); ``d_x``, a positive integer, is the dimension of ``x``.

    Example:
      >>> import jax.numpy as jnp
      >>> import divtools.variational as dv
      >>> critic = dv.init_mlp(0, 3, hidden=(8,))
      >>> x, y = jnp.arange(4.0).reshape(4, 1), jnp.arange(10.0).reshape(5, 2)
      >>> S = dv.pair_scores(critic, x, y, d_x=1)
      >>> pairs = jnp.concatenate([jnp.repeat(x, 5, axis=0), jnp.tile(y, (4, 1))], axis=1)
      >>> S.shape, bool(jnp.allclose(S, critic(pairs).reshape(4, 5), atol=1e-5))
      ((4, 5), True)

    References: Poole et al. (2019, variational bounds of mutual information: critics scored on every pair of a batch).
    """
    d_x = checks.count("d_x", d_x)
    a, b = _first_layer(critic, x, y, d_x)
    return _rest(critic, a[:, None, :] + b[None, :, :])


def _shifted_scores(critic: cr.MLP, x, y, d_x: int, k: int):
    """``V([x_i, y_{(i + s) mod B}])`` for ``s = 1..k``, shape ``(k, B)``: ``k B`` distinct
    off-diagonal pairs of the minibatch."""
    a, b = _first_layer(critic, x, y, d_x)
    n = x.shape[0]
    idx = (jnp.arange(n)[None, :] + jnp.arange(1, k + 1)[:, None]) % n
    return _rest(critic, a[None, :, :] + b[idx])


def _off_diagonal(s):
    """The ``n (n - 1)`` off-diagonal entries of an ``(n, n)`` matrix, flattened."""
    n = s.shape[0]
    return s.reshape(-1)[1:].reshape(n - 1, n + 1)[:, :-1].reshape(-1)


def _standardize_into_first_layer(critic: cr.MLP, shift, scale) -> cr.MLP:
    """A network on standardised inputs ``(z - shift) / scale`` rewritten as one on raw ``z``."""
    (W, b), rest = critic.layers[0], critic.layers[1:]
    W_raw = W / scale[:, None]
    return cr.MLP(((W_raw, b - shift @ W_raw), *rest))


def mutual_information(
    x: Any,
    y: Any,
    *,
    key: KeyLike,
    objective: str = "smile",
    hidden: Sequence[int] = (32, 32),
    optimizer: Any = None,
    learning_rate: float = 1e-3,
    batch_size: int = 256,
    negatives: int | None = 8,
    steps: int = 1000,
    eval_fraction: float = 0.5,
    block_size: int = 32,
    standardize: bool = True,
    dtype: DTypeLike | None = None,
    critic: Any = None,
    devices: Any = None,
    progress: Any = None,
    callback: Any = None,
    **objective_options: Any,
) -> Estimate:
    r"""Estimate ``I(X; Y)`` in nats from paired samples ``x[i], y[i]``.

    A learned (variational) estimate from samples; for the exact mutual information
    of a joint pmf or a contingency table see :func:`divtools.mutual_information`
    (and the Gaussian closed form :func:`divtools.distributions.gaussian_mutual_information`).

    The critic ``V(x, y)`` is a ReLU network on the concatenated pair, trained on
    minibatches of ``batch_size`` distinct training pairs (reshuffled every epoch)
    with ``negatives`` off-diagonal pairs per row as product-of-marginals samples;
    the estimate is the bound on the held-out pairs, with all their off-diagonal
    pairs (see the module docstring for the formula and its standard error).

    What the standard error does not cover: it is the spread of the held-out
    statistic for the trained critic, not the bound's bias (a variational bound is
    low when the critic is short of the optimum: on benchmark-mi's sparse,
    half-cube and spiral tasks the error is 3 to 27 standard errors,
    ``bench/bench_bmi_suite.py``), nor the spread over training runs (other keys).

    Args:
      x, y: samples ``(n, d_x)`` and ``(n, d_y)`` (``(n,)`` is one dimension),
        paired by row.
      key: a JAX PRNG key or an int seed (``jax.random.key(seed)``); a batch of
        keys or a 1-D integer array of seeds trains independent critics under
        ``vmap`` (every result gains a leading axis).
      objective: ``"smile"`` (default; critic trained by the JS/GAN bound,
        estimate DV with ``V`` clipped to ``[-tau, tau]``, ``tau = 5``),
        ``"dv"``, ``"mine"`` (``ema``), ``"nwj"``, ``"js"`` (trained by the JS
        bound, estimated by NWJ at ``V + 1``, Poole et al.'s constant corrected) or
        ``"infonce"`` (at most ``log m`` for ``m`` held-out pairs; the training bound
        at most ``log(negatives + 1)``).
      hidden: the critic's hidden widths.
      optimizer: an optax optimiser; default Adam at ``learning_rate``.
      batch_size: pairs per minibatch (``B``).
      negatives: product pairs per row of the minibatch, ``(x_i, y_{i+s})`` for
        ``s = 1..negatives`` (indices mod ``B``); ``None``: all ``B - 1``.
      steps: optimiser steps.
      eval_fraction: share of the pairs held out for the estimate.
      block_size: rows of the held-out score matrix computed at a time.
      standardize: train on each coordinate centred and scaled by the whole
        sample's mean and standard deviation (MI is invariant under it); the
        returned critic takes raw inputs.
      dtype: the computation's float type; default the samples'.
      critic: ``None`` for a ReLU MLP of ``hidden`` widths on ``[x, y]``, or a flax
        (linen or nnx) or equinox module, or ``(init, apply)`` functions, taking the
        concatenated pairs ``(n, d_x + d_y)`` (:mod:`divtools.variational.networks`).
      devices: as for :func:`divtools.variational.estimate` (each minibatch's pairs
        split across the devices; the shifted negatives cross them).
      progress, callback: as for :func:`divtools.variational.estimate`.

    Returns:
      :class:`~divtools.variational.Estimate` (``critic`` takes ``[x, y]``
      concatenated). Same key, same estimate.

    Example:
      >>> import jax, numpy as np, divtools.variational as dv
      >>> rng = np.random.default_rng(0)
      >>> x = rng.normal(size=(4000, 1)); y = 0.75 * x + np.sqrt(1 - 0.75**2) * rng.normal(size=(4000, 1))
      >>> r = dv.mutual_information(x, y, key=jax.random.key(0), steps=300)
      >>> exact = -0.5 * np.log(1 - 0.75**2)        # 0.4133 nats
      >>> bool(abs(float(r.value) - exact) < 3 * float(r.stderr) + 0.02)
      True

    Every argument is checked before anything is traced: a bad one is a
    ``ValueError`` or ``TypeError`` naming it.
    """
    objective = checks.choice("objective", objective, _OBJECTIVES)
    obj = ob.build("kl", objective, objective_options, mutual_information=True)  # checks the options
    objective_options = {name: float(v) for name, v in objective_options.items()}  # real numbers, checked
    xs = [checks.sample_matrix(name, v) for name, v in (("x", x), ("y", y))]
    if xs[0].shape[0] != xs[1].shape[0]:
        raise ValueError(
            f"x, y: paired samples must have the same length ({xs[0].shape[0]} and {xs[1].shape[0]})"
        )
    key = checks.key(key, batch=True)
    hidden = checks.widths("hidden", hidden)
    optimizer = checks.optimizer("optimizer", optimizer)
    learning_rate = checks.learning_rate("learning_rate", learning_rate, optional=False)
    batch_size = checks.count("batch_size", batch_size, minimum=2)
    negatives = checks.count("negatives", negatives, optional=True)
    steps = checks.count("steps", steps)
    eval_fraction = checks.fraction("eval_fraction", eval_fraction)
    block_size = checks.count("block_size", block_size)
    standardize = checks.boolean("standardize", standardize)
    dtype = checks.float_dtype("dtype", dtype)
    mesh = sh.mesh_of(devices)
    sh.check_split(mesh, key, {"batch_size": batch_size})
    progress, callback = pg.resolve(progress, callback)
    network = nw.as_network("critic", critic, hidden=tuple(hidden), dtype=None)
    if negatives is None:
        negatives = batch_size - 1
    if negatives > batch_size - 1:
        raise ValueError(f"negatives: at most batch_size - 1 = {batch_size - 1}, got {negatives}")
    n = xs[0].shape[0]
    n_eval = max(2, int(round(eval_fraction * n)))
    n_train = n - n_eval
    if n_train < batch_size:
        raise ValueError(f"x, y: {n_train} training pairs are fewer than batch_size = {batch_size}")
    if dtype is None:
        dtype = np.result_type(*(v.dtype for v in xs))
        if dtype.kind != "f":
            dtype = np.float64 if jax.config.jax_enable_x64 else np.float32
    dtype = np.dtype(dtype)
    options = tuple((k, loop.static(v)) for k, v in sorted(objective_options.items()))
    args = (
        obj,
        objective,
        options,
        xs[0],
        xs[1],
        key,
        tuple(hidden),
        optimizer,
        learning_rate,
        batch_size,
        negatives,
        steps,
        n_eval,
        block_size,
        standardize,
        dtype,
        loop.static(critic) if network.kind != "mlp" else None,
        mesh,
        progress,
        callback,
    )
    with loop.precision(dtype):
        return _run(*args)


def _batches(key, n_train: int, batch_size: int, steps: int) -> np.ndarray:
    """``(steps, batch_size)`` training indices: epochs of fresh permutations, each cut
    into whole batches (no index twice in a batch), drawn on the host from ``key``."""
    rng = loop.host_rng(key, 2)
    per_epoch = n_train // batch_size
    epochs = -(-steps // per_epoch)
    idx = np.stack([rng.permutation(n_train)[: per_epoch * batch_size] for _ in range(epochs)])
    return idx.reshape(-1, batch_size)[:steps].astype(np.int32)


@dataclasses.dataclass(frozen=True)
class MIConfig:
    """The static settings of :func:`mutual_information`'s training loop, the static
    argument of its ``jax.jit`` (JAX's cache holds one compiled loop per configuration).

    Attributes:
      objective: the objective's name; objective_options: its options as sorted
        ``(name, value)`` pairs.
      hidden, learning_rate, batch_size, negatives, steps, block_size: as given
        to :func:`mutual_information` (``negatives`` resolved).
      optimizer: the user's optax optimiser (through :func:`divtools.variational.loop.static`: by
        identity if it cannot be hashed), or ``None`` for Adam at ``learning_rate``.
      d_x: the dimension of ``x`` (the first columns of each pair).
      n_eval: held-out pairs.
      dtype: the computation's float type, by name.
      batched: whether the key is a batch of keys (critics trained under ``vmap``).
      critic: the user's network (through :func:`divtools.variational.loop.static`), or ``None``.
      report, chunk: whether the loop reports its progress, every ``chunk`` steps.
      mesh: the devices' ``jax.sharding.Mesh`` (:mod:`.sharding`), or ``None``.
    """

    objective: str
    objective_options: tuple
    hidden: tuple
    optimizer: object
    learning_rate: float
    batch_size: int
    negatives: int
    steps: int
    d_x: int
    n_eval: int
    block_size: int
    dtype: str
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
        return ob.build("kl", self.objective, self.options(), mutual_information=True)

    def make_optimizer(self) -> optax.GradientTransformation:
        """The user's optimiser, or Adam at ``learning_rate``."""
        return loop.unwrap(self.optimizer) if self.optimizer is not None else optax.adam(self.learning_rate)

    def options(self) -> dict:
        """The objective's options as keyword arguments."""
        return {name: loop.unwrap(v) for name, v in self.objective_options}

    def clip(self) -> float | None:
        """SMILE's clipping of ``V`` inside ``log E_Q e^V`` (its ``tau``); ``None`` for the others."""
        if self.objective != "smile":
            return None
        return float(self.options().get("tau", inspect.signature(ob.smile).parameters["tau"].default))


def _run(
    obj,
    objective,
    options,
    x,
    y,
    key,
    hidden,
    optimizer,
    lr,
    batch_size,
    negatives,
    steps,
    n_eval,
    block_size,
    standardize,
    dtype,
    critic_spec,
    mesh,
    progress,
    callback,
):
    key, batched = loop.key_batch(key)
    keys = key if batched else key[None]
    n, d_x = x.shape
    n_train = n - n_eval
    perms = np.stack([loop.host_permutation(k, n, 0) for k in keys])
    batches = np.stack([_batches(k, n_train, batch_size, steps) for k in keys])
    if not batched:
        perms, batches = perms[0], batches[0]
    z = np.concatenate([np.asarray(x, dtype), np.asarray(y, dtype)], axis=1)
    if standardize:
        shift, scale = z.mean(axis=0), z.std(axis=0)
        scale = np.where(scale > 0, scale, 1.0).astype(dtype)
    else:
        shift, scale = np.zeros(z.shape[1], dtype), np.ones(z.shape[1], dtype)
    config = MIConfig(
        objective,
        options,
        hidden,
        loop.static(optimizer),
        lr,
        batch_size,
        negatives,
        steps,
        d_x,
        n_eval,
        block_size,
        dtype.name,
        bool(batched),
        critic_spec,
    )
    runs = int(key.shape[0]) if batched else 1
    with pg.reporting(steps, runs, ("bound",), f"mutual_information {obj.name}", progress, callback) as rep:
        config = dataclasses.replace(
            config, report=rep.on, chunk=pg.chunk_length(steps) if rep.on else 1, mesh=mesh
        )
        value, se, train_value, history, network = _loop(
            config,
            key,
            jnp.asarray(z),
            jnp.asarray(perms),
            jnp.asarray(batches),
            jnp.asarray(shift, dtype),
            jnp.asarray(scale, dtype),
            rep.token(),
        )
    apply = None
    if critic_spec is not None:  # a user's network: standardised inside its apply
        net_apply = config.make_network().apply
        shift_j, scale_j = jnp.asarray(shift, dtype), jnp.asarray(scale, dtype)
        apply = lambda params, z: net_apply(params, (z - shift_j) / scale_j)
    return Estimate(value, se, train_value, history, Critic(network, obj.critic_output, apply), obj.name)


@functools.partial(jax.jit, static_argnums=0)
def _loop(config: MIConfig, key, z, perm, batches, shift, scale, token):
    """The training loop of ``config``: one critic, or one per key of a batch (``vmap``)."""
    one = functools.partial(_one, config)
    if config.batched:
        one = jax.vmap(one, in_axes=(0, None, 0, 0, None, None, None))
        key, perm, batches = sh.shard_rows((key, perm, batches), config.mesh)  # the runs across devices
    return one(key, z, perm, batches, shift, scale, token)


class _Scorer:
    """The critic's scores on pairs: the built-in MLP with its first layer split per side
    (:func:`pair_scores`), any other network on the concatenated pairs."""

    def __init__(self, net: nw.Network, d_x: int) -> None:
        self.net, self.d_x, self.mlp = net, d_x, net.kind == "mlp"

    def diagonal(self, c, b):
        return nw.critic_values(self.net.apply(c, b))

    def matrix(self, c, x, y):
        if self.mlp:
            return pair_scores(c, x, y, self.d_x)
        pairs = jnp.concatenate(
            [
                jnp.broadcast_to(x[:, None, :], (x.shape[0], y.shape[0], x.shape[1])),
                jnp.broadcast_to(y[None, :, :], (x.shape[0], y.shape[0], y.shape[1])),
            ],
            axis=-1,
        )
        return nw.critic_values(self.net.apply(c, pairs.reshape(-1, pairs.shape[-1]))).reshape(
            x.shape[0], y.shape[0]
        )

    def shifted(self, c, x, y, k):
        if self.mlp:
            return _shifted_scores(c, x, y, self.d_x, k)
        n = x.shape[0]
        idx = (jnp.arange(n)[None, :] + jnp.arange(1, k + 1)[:, None]) % n
        pairs = jnp.concatenate([jnp.broadcast_to(x[None], (k, *x.shape)), y[idx]], axis=-1)
        return nw.critic_values(self.net.apply(c, pairs.reshape(-1, pairs.shape[-1]))).reshape(k, n)


def _one(config: MIConfig, k, z, perm, batches, shift, scale, token):
    obj, optimizer = config.make_objective(), config.make_optimizer()
    net = config.make_network()
    d_x, n_eval, negatives, block_size = config.d_x, config.n_eval, config.negatives, config.block_size
    clip = config.clip()
    mode = {"nwj": "nwj", "js": "js", "infonce": "infonce"}.get(obj.name, "dv")
    k_init, _ = jax.random.split(k)
    zs = (z - shift) / scale
    test, train = zs[perm[:n_eval]], zs[perm[n_eval:]]
    critic = net.init(k_init, zs[:2])
    scorer = _Scorer(net, d_x)
    opt_state = optimizer.init(critic)

    def loss_fn(c, b, state):
        bx, by = b[:, :d_x], b[:, d_x:]
        if negatives == b.shape[0] - 1 and mode != "infonce":  # the whole score matrix
            s = scorer.matrix(c, bx, by)
            v_p, v_q = jnp.diagonal(s), _off_diagonal(s)
        else:
            v_p, v_q = scorer.diagonal(c, b), scorer.shifted(c, bx, by, negatives)
            if mode != "infonce":
                v_q = v_q.reshape(-1)
        value, state = obj.bound(v_p, v_q, state)
        return -value, (value, state)

    def step(carry, idx):
        c, opt_state, state = carry
        b = train[idx] if config.batched else sh.shard_rows(train[idx], config.mesh)
        grads, (value, state) = jax.grad(loss_fn, has_aux=True)(c, b, state)
        updates, opt_state = optimizer.update(grads, opt_state, c)
        return (optax.apply_updates(c, updates), opt_state, state), value

    init = (critic, opt_state, obj.init_state(np.dtype(config.dtype)))
    (critic, _, _), history = pg.chunked_scan(
        step, init, batches, report=config.report, token=token, chunk=config.chunk
    )
    value, se = _held_out(scorer, critic, test, d_x, block_size, clip, mode)
    train_value, _ = _held_out(scorer, critic, train[:_TRAIN_EVAL], d_x, block_size, clip, mode)
    if net.kind == "mlp":
        critic = _standardize_into_first_layer(critic, shift, scale)
    return value, se, train_value, history, critic


def _held_out(scorer, critic, zs, d_x, block_size, clip, mode):
    """The bound on all pairs of ``zs`` and its standard error (module docstring),
    scanning over blocks of rows with running column log-sum-exps. ``mode``: ``"dv"``
    (DV, MINE, SMILE with ``clip``), ``"nwj"``, ``"js"`` (NWJ at ``V + 1``) or
    ``"infonce"`` (every held-out pair a negative of every other: ``K = m``)."""
    nwj = mode in ("nwj", "js")
    m = zs.shape[0]
    x, y = zs[:, :d_x], zs[:, d_x:]
    n_blocks = -(-m // block_size)
    pad = n_blocks * block_size - m
    xp = jnp.concatenate([x, jnp.zeros((pad, x.shape[1]), x.dtype)]).reshape(n_blocks, block_size, -1)
    rows = jnp.arange(n_blocks * block_size).reshape(n_blocks, block_size)
    neg_inf = jnp.asarray(-jnp.inf, zs.dtype)

    def block(carry, inp):
        col_max, col_sum = carry
        xb, r = inp
        s = scorer.matrix(critic, xb, y)  # (block, m)
        diag = s[jnp.arange(block_size), jnp.clip(r, 0, m - 1)]
        if mode == "nwj":
            w = s - 1.0
        elif mode == "js":
            w = s
        else:
            w = s if clip is None else jnp.clip(s, -clip, clip)
        keep = (r[:, None] < m) & (r[:, None] != jnp.arange(m)[None, :])
        w = jnp.where(keep, w, neg_inf)
        row_lse = jax.nn.logsumexp(w, axis=1)  # -inf on padded rows
        bmax = jnp.max(w, axis=0)
        new_max = jnp.maximum(col_max, bmax)
        safe = jnp.where(jnp.isfinite(new_max), new_max, 0.0)
        col_sum = col_sum * jnp.exp(col_max - safe) + jnp.sum(jnp.exp(w - safe), axis=0)
        return (new_max, col_sum), (diag, row_lse)

    init = (jnp.full((m,), -jnp.inf, zs.dtype), jnp.zeros((m,), zs.dtype))
    (col_max, col_sum), (diag, row_lse) = jax.lax.scan(block, init, (xp, rows))
    diag, row_lse = diag.reshape(-1)[:m], row_lse.reshape(-1)[:m]
    col_lse = col_max + jnp.log(col_sum)
    if mode == "infonce":  # log(e^S_ii / (1/m) sum_j e^S_ij), the diagonal in the sum
        terms = diag - jnp.logaddexp(row_lse, diag) + math.log(m)
        return jnp.mean(terms), jnp.std(terms, ddof=1) / math.sqrt(m)
    log_norm = math.log(m - 1)
    log_u = jax.nn.logsumexp(row_lse) - math.log(m) - log_norm  # log mean over m (m - 1) pairs
    r_i, c_i = jnp.exp(row_lse - log_norm - log_u), jnp.exp(col_lse - log_norm - log_u)  # / U
    if nwj:
        u = jnp.exp(log_u)
        shift = 1.0 if mode == "js" else 0.0  # js: NWJ at V + 1, 1 + mean S_ii - mean e^S_ij
        value = jnp.mean(diag) + shift - u
        psi = diag + shift - u * (r_i + c_i)
    else:
        value = jnp.mean(diag) - log_u
        psi = diag - (r_i + c_i)
    se = jnp.std(psi, ddof=1) / math.sqrt(m)
    return value, se
