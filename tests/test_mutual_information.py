"""Mutual information from paired samples (all-pairs product of marginals): the
held-out statistic against a brute-force computation, its standard error against
the spread over independent data sets, and estimates against exact values."""

from __future__ import annotations

import importlib
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import logsumexp

import divtools.variational as dv
from divtools.variational import critics as cr
from divtools.variational import networks as nw

mi = importlib.import_module("divtools.variational.mutual_information")  # the module, not the function

RHO = 0.75
EXACT = -0.5 * math.log(1 - RHO**2)  # I(X; Y) of a bivariate normal, 0.41334 nats


def _pairs(n, seed, rho=RHO, d=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rho * x + math.sqrt(1 - rho**2) * rng.normal(size=(n, d))
    return x.astype(dtype), y.astype(dtype)


def _brute(critic, z, d_x, clip, mode):
    """The held-out bound from the whole score matrix, in float64 NumPy."""
    s = np.array(mi.pair_scores(critic, z[:, :d_x], z[:, d_x:], d_x), np.float64)
    m = s.shape[0]
    diag = np.diag(s).copy()
    if mode == "infonce":  # every pair a negative of every other: K = m
        return float(np.mean(diag - logsumexp(s, axis=1) + math.log(m)))
    w = {"nwj": s - 1.0, "js": s.copy()}.get(mode, s if clip is None else np.clip(s, -clip, clip))
    np.fill_diagonal(w, -np.inf)
    u = math.exp(logsumexp(w) - math.log(m * (m - 1)))
    if mode == "js":  # NWJ at V + 1
        return 1.0 + diag.mean() - u
    return diag.mean() - (u if mode == "nwj" else math.log(u))


def _scorer(hidden):
    return mi._Scorer(nw.as_network("critic", None, hidden=hidden, dtype=np.float64), 1)


@pytest.mark.parametrize(
    "clip,mode", [(None, "dv"), (5.0, "dv"), (None, "nwj"), (None, "js"), (None, "infonce")]
)
@pytest.mark.parametrize("m,block", [(37, 8), (64, 64), (50, 128)])
def test_held_out_statistic_equals_the_full_score_matrix(m, block, clip, mode):
    critic = cr.init_mlp(jax.random.key(3), 3, (8, 4), jnp.float64)
    z = np.random.default_rng(m).normal(size=(m, 3))
    value, se = mi._held_out(_scorer((8, 4)), critic, jnp.asarray(z), 1, block, clip, mode)
    assert float(value) == pytest.approx(_brute(critic, z, 1, clip, mode), rel=1e-12, abs=1e-13)
    assert float(se) > 0


def test_pair_scores_and_shifted_scores_are_the_critic_on_pairs():
    critic = cr.init_mlp(jax.random.key(1), 3, (8, 8), jnp.float64)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 1)), rng.normal(size=(6, 2))
    s = np.asarray(mi.pair_scores(critic, x, y, 1))
    direct = np.array(
        [[float(critic(np.concatenate([x[i], y[j]])[None])[0]) for j in range(6)] for i in range(6)]
    )
    np.testing.assert_allclose(s, direct, rtol=1e-13, atol=1e-14)
    shifted = np.asarray(mi._shifted_scores(critic, x, y, 1, 3))
    for k in range(1, 4):
        np.testing.assert_allclose(shifted[k - 1], [s[i, (i + k) % 6] for i in range(6)], rtol=1e-13)
    off = np.asarray(mi._off_diagonal(jnp.asarray(s)))
    np.testing.assert_array_equal(np.sort(off), np.sort(s[~np.eye(6, dtype=bool)]))


@pytest.mark.parametrize("clip,nwj", [(5.0, False), (None, True)])
def test_standard_error_matches_the_spread_over_data_sets(clip, nwj):
    """For a fixed critic, the U-statistic's projection standard error agrees with
    the standard deviation of the held-out bound over 400 independent data sets."""
    critic = cr.MLP(
        (
            (jnp.array([[1.2, -0.7], [0.9, 0.8]]), jnp.array([0.1, -0.2])),
            (jnp.array([[0.8], [-0.6]]), jnp.array([0.0])),
        )
    )
    m, sets = 300, 400
    rng = np.random.default_rng(11)
    x = rng.normal(size=(sets, m, 1))
    z = np.concatenate([x, RHO * x + math.sqrt(1 - RHO**2) * rng.normal(size=(sets, m, 1))], axis=-1)
    mode = "nwj" if nwj else "dv"
    values, ses = jax.vmap(lambda zz: mi._held_out(_scorer((2,)), critic, zz, 1, 64, clip, mode))(
        jnp.asarray(z)
    )
    spread = float(np.std(np.asarray(values), ddof=1))
    # the spread of a standard deviation from 400 sets is ~ 1/sqrt(2 * 399) = 3.5% of it
    assert float(np.mean(np.asarray(ses))) == pytest.approx(spread, rel=0.15)


@pytest.mark.parametrize("objective", ["smile", "nwj", "dv", "mine", "js", "infonce"])
def test_bivariate_normal_within_its_standard_error(objective):
    x, y = _pairs(5000, 0)
    r = dv.mutual_information(x, y, key=jax.random.key(0), objective=objective, steps=400)
    # 2 standard errors for the held-out sample plus 0.03 nats for the critic
    assert abs(float(r.value) - EXACT) <= 2 * float(r.stderr) + 0.03, (float(r.value), float(r.stderr))
    assert r.history.shape == (400,) and r.value.dtype == np.float32


def test_independent_variables_give_zero():
    x, y = _pairs(4000, 1, rho=0.0, d=2)
    r = dv.mutual_information(x, y, key=jax.random.key(1), steps=300)
    assert abs(float(r.value)) <= 2 * float(r.stderr) + 0.01


def test_twenty_dimensions_from_fixed_samples():
    """The staircase's first level from 10,000 fixed pairs (d = 20, MI = 2 nats):
    with finite data the critic fits the training pairs (its training bound
    overshoots) and the held-out bound falls below the truth; measured 1.71 nats,
    1.59-1.61 with a 2x64 critic."""
    d, level = 20, 2.0
    rho = dv.problems.rho_for_mi(level, d)
    x, y = _pairs(10_000, 2, rho=rho, d=d)
    r = dv.mutual_information(
        x, y, key=jax.random.key(2), hidden=(128, 128), steps=300, batch_size=128, negatives=32
    )
    assert level - 0.4 <= float(r.value) <= level + 2 * float(r.stderr), float(r.value)
    assert float(r.train_value) > float(r.value)


def test_same_key_same_estimate_vmap_and_raw_input_critic():
    x, y = _pairs(2000, 3)
    kw = dict(steps=100, hidden=(16,))
    a = dv.mutual_information(x, y, key=jax.random.key(5), **kw)
    b = dv.mutual_information(x, y, key=jax.random.key(5), **kw)
    assert float(a.value) == float(b.value)
    keys = jax.random.split(jax.random.key(0), 3)
    many = dv.mutual_information(x, y, key=keys, **kw)
    one = dv.mutual_information(x, y, key=keys[2], **kw)
    assert many.value.shape == (3,) and many.history.shape == (3, 100)
    assert float(many.value[2]) == pytest.approx(float(one.value), rel=1e-5)
    # the returned critic takes raw inputs: shifting and scaling the data changes
    # neither the estimate's network on standardised inputs nor the estimate
    c = dv.mutual_information(10.0 * x + 3.0, y - 1.0, key=jax.random.key(5), **kw)
    assert float(c.value) == pytest.approx(float(a.value), abs=1e-4)
    z = np.concatenate([x, y], axis=1)[:50]
    zc = np.concatenate([10.0 * x + 3.0, y - 1.0], axis=1)[:50]
    np.testing.assert_allclose(
        np.asarray(c.critic.raw(zc)), np.asarray(a.critic.raw(z)), rtol=1e-3, atol=1e-3
    )


def test_a_second_call_with_the_same_configuration_does_not_recompile(compilations):
    x, y = _pairs(600, 6)
    kw = dict(steps=10, batch_size=64, hidden=(8,))
    dv.mutual_information(x, y, key=jax.random.key(0), **kw)
    # other pairs of the same shapes, another key, an equal configuration built anew
    assert not compilations(lambda: dv.mutual_information(y, x, key=jax.random.key(1), **kw))
    keys = jax.random.split(jax.random.key(2), 2)
    dv.mutual_information(x, y, key=keys, objective="nwj", **kw)
    assert not compilations(lambda: dv.mutual_information(y, x, key=keys, objective="nwj", **kw))
    # the objective's options are part of the configuration
    assert compilations(lambda: dv.mutual_information(x, y, key=jax.random.key(0), tau=2.0, **kw))


def test_validation():
    x, y = _pairs(600, 4)
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="x, y: paired samples must have the same length"):
        dv.mutual_information(x, y[:-1], key=key)
    with pytest.raises(ValueError, match="y: contains NaN"):
        dv.mutual_information(x, np.full_like(y, np.nan), key=key)
    with pytest.raises(ValueError, match="objective"):
        dv.mutual_information(x, y, key=key, objective="classifier")
    with pytest.raises(ValueError, match="negatives"):
        dv.mutual_information(x, y, key=key, batch_size=64, negatives=64)
    with pytest.raises(ValueError, match="fewer than batch_size"):
        dv.mutual_information(x, y, key=key, batch_size=512)
    with pytest.raises(ValueError, match="x: empty"):
        dv.mutual_information(np.zeros((0, 1)), np.zeros((0, 1)), key=key)
