"""The boundary of the training functions (divtools.variational, divtools.gan):
every bad argument is a ValueError or TypeError naming it, raised before
anything is compiled; keys follow the one rule of divtools._core.keys (a JAX key
or an int seed, ``jax.random.key(seed)``; a batch of keys or a 1-D array of
seeds where runs train under ``vmap``).

:data:`REGISTRY` lists each public function with a valid call and the kind of
each argument; ``test_rejects`` calls it with every bad value of each kind
(:mod:`tests.boundary`), the other arguments valid.
"""

from __future__ import annotations

import inspect
import math
import re

import jax
import numpy as np
import pytest
from boundary import (
    BAD_COUNT,
    BAD_KEY,
    BAD_POSITIVE,
    BAD_PROBABILITY,
    BAD_REAL,
    bad_arrays,
    rejects,
)

import divtools.variational as dv
from divtools import gan
from divtools.gan import datasets, gda, recipes, scores

N = 40
_rng = np.random.default_rng(0)
X1 = _rng.normal(size=(N, 1))
X1B = _rng.normal(1.0, 1.0, size=(N, 1))
X2 = _rng.normal(size=(N, 2))
TINY = dict(steps=2, hidden=(4,), batch_size=8)
MI_TINY = dict(TINY, negatives=4)
GAN_TINY = dict(steps=2, eval_every=1, eval_size=50, generator_hidden=(), critic_hidden=(4,), batch_size=8)


def _without(values, *drop):
    """``values`` less those equal to (or, for ``None``, being) one of ``drop``."""
    out = []
    for v in values:
        if any(v is d or (type(v) is type(d) and isinstance(v, (int, float, str)) and v == d) for d in drop):
            continue
        out.append(v)
    return out


BAD_NAME = ["nope", "", 3, 1.5, ["kl"], {"a": 1}, None]
BAD_WIDTHS = [(0,), (-1,), (4, 0), (2.5,), (True,), "abc", 3, None, [[4]], {"a": 1}]
BAD_DTYPE = ["abc", np.int32, "int64", complex, np.complex64, 3, object(), None]
BAD_BOOL = ["yes", None, 2, 1.0]
BAD_OPTIMIZER = ["adam", 3, object(), {"init": 1, "update": 2}]
BAD_SAMPLES = [*bad_arrays(N), np.zeros((0, 1))]

#: The bad values of each kind of argument; ``optional ...``: the kind, ``None`` allowed.
KINDS = {
    "real": BAD_REAL,
    "positive": BAD_POSITIVE,
    "non-negative": [*BAD_REAL, -1.0],
    "count": BAD_COUNT,
    "count >= 2": [*BAD_COUNT, 1],
    "count >= 0": _without(BAD_COUNT, 0),
    "probability": BAD_PROBABILITY,
    "fraction (0, 1]": _without(BAD_PROBABILITY, 1.0),
    "decay [0, 1)": [*_without(BAD_PROBABILITY, 0.0), -1e-300],
    "key": BAD_KEY,
    "samples": BAD_SAMPLES,
    "widths": BAD_WIDTHS,
    "name": BAD_NAME,
    "dtype": BAD_DTYPE,
    "bool": BAD_BOOL,
    "optimizer": BAD_OPTIMIZER,
    "rate": BAD_POSITIVE,  # a positive number or an optax schedule (callable)
    "function": ["abc", 3, None],
    # a positive integer, or one per axis (here one axis)
    "bins": [*(v for v in BAD_COUNT if not isinstance(v, list)), [0], [4, 4], "abc"],
    "generator": ["abc", 3, np.ones(2), {"layers": ()}],
}


def bad_values(kind: str) -> list:
    if kind.startswith("optional "):
        return _without(KINDS[kind.removeprefix("optional ")], None)
    return KINDS[kind]


_CRITIC = dv.init_mlp(0, 1, (2,))
_MIXTURE = datasets.gaussian(1.0, 0.5)

#: ``(label, function, valid positional arguments, valid keyword arguments, {argument: kind})``.
REGISTRY = [
    (
        "estimate",
        dv.estimate,
        ("kl", X1, X1B),
        dict(key=0, **TINY),
        {
            "divergence": "name",
            "x_p": "samples",
            "x_q": "samples",
            "key": "key",
            "objective": "optional name",
            "hidden": "widths",
            "optimizer": "optimizer",
            "learning_rate": "optional rate",
            "batch_size": "count",
            "steps": "count",
            "eval_fraction": "probability",
            "eval_size": "count",
            "clip": "positive",
            "penalty": "positive",
            "dtype": "optional dtype",
            "standardize": "bool",
            "tau": "positive",
        },
    ),
    (
        "estimate (mine)",
        dv.estimate,
        ("kl", X1, X1B),
        dict(key=0, objective="mine", **TINY),
        {"ema": "fraction (0, 1]"},
    ),
    (
        "mutual_information",
        dv.mutual_information,
        (X1, X1B),
        dict(key=0, **MI_TINY),
        {
            "x": "samples",
            "y": "samples",
            "key": "key",
            "objective": "name",
            "hidden": "widths",
            "optimizer": "optimizer",
            "learning_rate": "rate",
            "batch_size": "count >= 2",
            "negatives": "optional count",
            "steps": "count",
            "eval_fraction": "probability",
            "block_size": "count",
            "standardize": "bool",
            "dtype": "optional dtype",
            "tau": "positive",
        },
    ),
    (
        "gan.train",
        gan.train,
        (X1,),
        dict(key=0, **GAN_TINY),
        {
            "data": "samples",
            "loss": "name",
            "key": "key",
            "updates": "name",
            "n_critic": "optional count",
            "steps": "count",
            "batch_size": "count",
            "latent_dim": "optional count",
            "prior": "optional name",
            "generator_hidden": "optional widths",
            "critic_hidden": "widths",
            "learning_rate": "optional rate",
            "critic_learning_rate": "optional rate",
            "generator_optimizer": "optimizer",
            "critic_optimizer": "optimizer",
            "clip": "positive",
            "penalty": "optional positive",
            "eval_every": "optional count",
            "eval_size": "count",
            "ema": "optional decay [0, 1)",
            "dtype": "optional dtype",
            "init": "optional generator",
            "standardize": "bool",
        },
    ),
    (
        "gan.fit_discriminator",
        gan.fit_discriminator,
        (X1, X1B),
        dict(key=0, **TINY),
        {
            "data": "samples",
            "generator": "samples",
            "key": "key",
            "loss": "name",
            "steps": "count",
            "batch_size": "count",
            "hidden": "widths",
            "learning_rate": "optional rate",
            "dtype": "optional dtype",
        },
    ),
    (
        "recipes.train_one_d",
        recipes.train_one_d,
        ("minimax",),
        dict(key=0, steps=2, eval_every=1),
        {"loss": "name", "key": "key"},
    ),
    (
        "recipes.train_ring",
        recipes.train_ring,
        ("minimax",),
        dict(key=0, steps=2, eval_every=1),
        {"loss": "name", "key": "key", "updates": "name", "peak_learning_rate": "positive"},
    ),
    (
        "scores.sample_distance",
        scores.sample_distance,
        (X2, X2 + 1.0),
        {},
        {"x": "samples", "y": "samples", "key": "key", "n_projections": "count"},
    ),
    (
        "scores.mode_coverage",
        scores.mode_coverage,
        (X1, np.zeros((1, 1)), 0.1),
        {},
        {
            "samples": "samples",
            "means": "samples",
            "std": "positive",
            "threshold": "positive",
            "min_share": "fraction (0, 1]",
        },
    ),
    (
        "scores.binned_divergences",
        scores.binned_divergences,
        (X1, X1B),
        {},
        {"data": "samples", "generated": "samples", "bins": "bins"},
    ),
    ("datasets.gaussian", datasets.gaussian, (), {}, {"mean": "real", "std": "positive"}),
    (
        "datasets.mixture_1d",
        datasets.mixture_1d,
        (),
        {},
        {"means": "samples", "std": "positive", "weights": "optional samples"},
    ),
    ("datasets.ring", datasets.ring, (), {}, {"n_modes": "count", "radius": "positive", "std": "positive"}),
    ("datasets.grid", datasets.grid, (), {}, {"side": "count", "spacing": "positive", "std": "positive"}),
    ("datasets.swiss_roll", datasets.swiss_roll, (), {}, {"noise": "non-negative", "scale": "positive"}),
    ("Mixture.sample", _MIXTURE.sample, (0, 5), {}, {"key": "key", "n": "count", "dtype": "dtype"}),
    (
        "SwissRoll.sample",
        datasets.swiss_roll().sample,
        (0, 5),
        {},
        {"key": "key", "n": "count", "dtype": "dtype"},
    ),
    (
        "Generator.affine",
        gan.Generator.affine,
        (1.0, 0.0),
        {},
        {"scale": "samples", "shift": "samples", "prior": "name", "dtype": "dtype"},
    ),
    ("Generator.__call__", gan.Generator.affine(1.0, 0.0).__call__, (0, 5), {}, {"key": "key", "n": "count"}),
    (
        "gda.gda",
        gda.gda,
        (),
        dict(steps=2),
        {
            "f": "function",
            "x0": "samples",
            "y0": "samples",
            "step_size": "positive",
            "steps": "count >= 0",
            "updates": "name",
        },
    ),
    (
        "correlated_gaussians",
        dv.correlated_gaussians,
        (1.0,),
        {},
        {"mi": "non-negative", "d": "count", "batch_size": "count", "dtype": "dtype"},
    ),
    ("MIProblem.joint", dv.correlated_gaussians(1.0, d=2).joint, (0,), {}, {"key": "key"}),
    ("MIProblem.product", dv.correlated_gaussians(1.0, d=2).product, (0,), {}, {"key": "key"}),
    (
        "init_mlp",
        dv.init_mlp,
        (0, 2),
        {},
        {"key": "key", "d_in": "count", "hidden": "widths", "dtype": "dtype"},
    ),
    ("clip_weights", dv.clip_weights, (_CRITIC, 0.01), {}, {"c": "positive"}),
    (
        "gradient_penalty",
        dv.gradient_penalty,
        (_CRITIC, X1, X1B, 0),
        {},
        {"x_p": "samples", "x_q": "samples", "key": "key", "weight": "positive", "one_sided": "bool"},
    ),
    (
        "objective",
        dv.objective,
        ("kl",),
        {},
        {"divergence": "name", "name": "optional name", "tau": "positive"},
    ),
]


def _cases():
    for label, fn, args, kwargs, kinds in REGISTRY:
        for arg, kind in kinds.items():
            yield pytest.param(fn, args, kwargs, arg, kind, id=f"{label}-{arg}")


def _call(fn, args, kwargs, arg, value):
    """``fn`` called with its valid arguments, ``arg`` replaced by ``value``."""
    params = inspect.signature(fn).parameters
    bound = inspect.signature(fn).bind_partial(*args, **kwargs)
    if arg in params and params[arg].kind is not inspect.Parameter.VAR_KEYWORD:
        bound.arguments[arg] = value
        return lambda: fn(*bound.args, **bound.kwargs)
    return lambda: fn(*bound.args, **{**bound.kwargs, arg: value})  # an option of **kwargs


def _rejects(call, arg):
    """:func:`boundary.rejects`, and the argument named as a word (``x`` is not ``x_p``)."""
    rejects(call, arg)
    try:
        call()
    except (ValueError, TypeError) as e:
        assert re.search(rf"(?<![\w.]){re.escape(arg)}(?!\w)", str(e)), f"{arg!r} not named as a word: {e}"


def test_every_valid_call_of_the_registry_runs():
    """The valid calls themselves pass the checks (or the rejections would prove nothing);
    the training functions are run in the key tests below."""
    trained = {
        dv.estimate,
        dv.mutual_information,
        gan.train,
        gan.fit_discriminator,
        recipes.train_one_d,
        recipes.train_ring,
    }
    for label, fn, args, kwargs, _ in REGISTRY:
        if fn not in trained:
            fn(*args, **kwargs)


@pytest.mark.parametrize("fn,args,kwargs,arg,kind", list(_cases()))
def test_rejects(fn, args, kwargs, arg, kind, compilations):
    """Every bad value of the argument's kind: a ValueError/TypeError naming it, before
    any training loop is compiled."""
    values = bad_values(kind)
    assert values
    compiled = compilations(lambda: [_rejects(_call(fn, args, kwargs, arg, v), arg) for v in values])
    assert not [m for m in compiled if "_loop" in m or "_sample_checkpoints" in m], compiled


def test_mismatched_samples_are_rejected_naming_both():
    rejects(lambda: dv.estimate("kl", X1, X2, key=0, **TINY), "x_p, x_q")
    rejects(lambda: dv.mutual_information(X1, X1B[:-1], key=0, **MI_TINY), "x, y")
    rejects(lambda: gan.fit_discriminator(X1, X2, key=0, **TINY), "data, generator")
    rejects(lambda: scores.sample_distance(X1, X2), "x, y")
    pr = dv.correlated_gaussians(1.0, d=2, batch_size=8)  # samplers of (8, 4)
    rejects(lambda: dv.estimate("kl", pr.joint, X1, key=0, **TINY), "x_p, x_q")
    # integers (category indices) beside real samples
    rejects(lambda: dv.estimate("kl", np.arange(N) % 3, X1, key=0, **TINY), "x_p, x_q")
    rejects(lambda: dv.estimate("kl", -(np.arange(N) % 3), np.arange(N) % 3, key=0, **TINY), "x_p")
    # a generator to start from that does not map into the data's space
    rejects(lambda: gan.train(X2, key=0, init=gan.Generator.affine(1.0, 0.0), **GAN_TINY), "init")
    rejects(
        lambda: gan.train(X1, key=0, init=gan.Generator.affine(1.0, 0.0), latent_dim=2, **GAN_TINY),
        "latent_dim",
    )
    # a sampler that cannot be called on a key
    rejects(lambda: gan.train(lambda: X1, key=0, **GAN_TINY), "data")
    # eval_every must divide steps; negatives at most batch_size - 1
    rejects(lambda: gan.train(X1, key=0, **{**GAN_TINY, "steps": 3, "eval_every": 2}), "eval_every")
    rejects(lambda: dv.mutual_information(X1, X1B, key=0, **{**MI_TINY, "negatives": 8}), "negatives")
    # an objective option that the objective does not take
    rejects(lambda: dv.estimate("js", X1, X1B, key=0, tau=1.0, **TINY), "tau")
    rejects(lambda: dv.objective("kl", "smile", ema=0.1), "ema")


def test_empty_widths_are_a_linear_critic():
    assert len(dv.init_mlp(0, 3, ()).layers) == 1
    assert dv.init_mlp(0, 3, [4, 5]) is not None


# --------------------------------------------------------------------------
# Keys: an int seed s is jax.random.key(s); a 1-D int array of seeds is a batch.


def _same(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b)):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


def test_estimate_int_seed_and_seed_array():
    a = dv.estimate("kl", X1, X1B, key=5, **TINY)
    b = dv.estimate("kl", X1, X1B, key=jax.random.key(5), **TINY)
    _same((a.value, a.stderr, a.history, a.critic.network), (b.value, b.stderr, b.history, b.critic.network))
    batch = dv.estimate("kl", X1, X1B, key=np.array([4, 5]), **TINY)
    assert batch.value.shape == (2,) and batch.history.shape == (2, TINY["steps"])
    assert float(batch.value[1]) == pytest.approx(float(a.value), rel=1e-6)
    keys = dv.estimate("kl", X1, X1B, key=jax.vmap(jax.random.key)(np.array([4, 5])), **TINY)
    _same(batch.value, keys.value)


def test_mutual_information_int_seed_and_seed_array():
    a = dv.mutual_information(X1, X1B, key=3, **MI_TINY)
    b = dv.mutual_information(X1, X1B, key=jax.random.key(3), **MI_TINY)
    _same((a.value, a.history, a.critic.network), (b.value, b.history, b.critic.network))
    batch = dv.mutual_information(X1, X1B, key=[3, 9], **MI_TINY)
    assert batch.value.shape == (2,)
    assert float(batch.value[0]) == pytest.approx(float(a.value), rel=1e-6)


def test_gan_train_int_seed_and_seed_array():
    a = gan.train(X1, key=7, **GAN_TINY)
    b = gan.train(X1, key=jax.random.key(7), **GAN_TINY)
    _same(
        (a.generator, a.critic.network, a.history.generator_loss),
        (b.generator, b.critic.network, b.history.generator_loss),
    )
    np.testing.assert_array_equal(a.history.distance, b.history.distance)
    batch = gan.train(X1, key=np.array([7, 8]), **GAN_TINY)
    assert batch.history.distance.shape == (2, 3)
    np.testing.assert_allclose(batch.seed(0).history.generator_loss, a.history.generator_loss, rtol=1e-6)


def test_int_seeds_in_the_samplers_and_scores():
    _same(_MIXTURE.sample(3, 4), _MIXTURE.sample(jax.random.key(3), 4))
    g = gan.Generator.affine(2.0, 1.0)
    _same(g(3, 4), g(jax.random.key(3), 4))
    pr = dv.correlated_gaussians(1.0, d=2, batch_size=4)
    _same(pr.joint(3), pr.joint(jax.random.key(3)))
    _same(dv.init_mlp(3, 2, (4,)), dv.init_mlp(jax.random.key(3), 2, (4,)))
    assert scores.sample_distance(X2, X2 + 1.0, key=3) == scores.sample_distance(
        X2, X2 + 1.0, key=jax.random.key(3)
    )
    assert scores.sample_distance(X2, X2 + 1.0) == scores.sample_distance(X2, X2 + 1.0, key=jax.random.key(0))
    assert math.isfinite(scores.sample_distance(X2, X2 + 1.0, key=jax.random.PRNGKey(0)))
