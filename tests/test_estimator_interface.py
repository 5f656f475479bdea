"""The estimators' interface: progress and history, users' networks, int seeds,
InfoNCE's ceiling, the JS-trained estimator's constant, standardised coordinates and
the defaults (Lipschitz-normalised W_1, GAN losses without settings)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import divtools.variational as dv
from divtools import gan
from divtools.variational import objectives as ob


def _shifted(n=4000, shift=1.0, seed=0, d=1, sd=1.0):
    rng = np.random.default_rng(seed)
    x_p = rng.normal(0.0, sd, (n, d)).astype(np.float32)
    x_q = rng.normal(0.0, sd, (n, d)).astype(np.float32)
    x_q[:, 0] += shift
    return x_p, x_q


# --- progress and history ------------------------------------------------------------


def test_callback_sees_the_history_grow_and_the_result_is_unchanged():
    x_p, x_q = _shifted()
    reports = []
    kw = dict(key=3, steps=500, batch_size=128, hidden=(16,))
    quiet = dv.estimate("kl", x_p, x_q, progress=False, **kw)
    loud = dv.estimate("kl", x_p, x_q, progress=False, callback=reports.append, **kw)
    assert float(loud.value) == float(quiet.value)  # reporting does not change the numbers
    assert 50 <= len(reports) <= 150  # about a hundredth of the run per report
    steps = [r.step for r in reports]
    assert steps == sorted(steps) and steps[-1] == 500 and reports[-1].steps == 500
    np.testing.assert_array_equal(reports[-1].history[:, 0], np.asarray(quiet.history))
    assert reports[-1].names == ("bound",) and reports[-1].rate > 0


def test_progress_callable_under_a_batch_of_keys_reports_the_mean():
    x_p, x_q = _shifted()
    reports = []
    r = dv.estimate(
        "js", x_p, x_q, key=np.arange(3), steps=200, batch_size=64, hidden=(8,), progress=reports.append
    )
    np.testing.assert_allclose(
        reports[-1].history[:, 0], np.asarray(r.history).mean(axis=0), rtol=1e-6, atol=1e-7
    )


def test_gan_progress_reports_both_players():
    x = np.random.default_rng(0).normal(2.0, 0.5, 2000).astype(np.float32)
    reports = []
    r = gan.train(
        x, key=0, steps=200, batch_size=64, generator_hidden=(8,), critic_hidden=(8,), callback=reports.append
    )
    assert reports[-1].names == ("critic", "generator") and reports[-1].step == 200
    np.testing.assert_array_equal(reports[-1].history[:, 1], np.asarray(r.history.generator_loss))


def test_progress_and_callback_are_checked():
    x_p, x_q = _shifted(n=100)
    with pytest.raises(TypeError, match="progress"):
        dv.estimate("kl", x_p, x_q, key=0, progress="yes")
    with pytest.raises(TypeError, match="callback"):
        dv.estimate("kl", x_p, x_q, key=0, callback=3)


# --- users' networks -------------------------------------------------------------------


def _pair_mlp(widths=(32, 32)):
    def init(key, x):
        sizes = (x.shape[-1], *widths, 1)
        keys = jax.random.split(key, len(sizes) - 1)
        return [
            (
                jax.random.uniform(k, (a, b), x.dtype, -1 / math.sqrt(a), 1 / math.sqrt(a)),
                jnp.zeros(b, x.dtype),
            )
            for k, a, b in zip(keys, sizes[:-1], sizes[1:])
        ]

    def apply(params, x):
        for W, b in params[:-1]:
            x = jax.nn.relu(x @ W + b)
        W, b = params[-1]
        return x @ W + b

    return init, apply


def _flax_linen():
    nn = pytest.importorskip("flax.linen")

    class Net(nn.Module):
        @nn.compact
        def __call__(self, x):
            x = nn.relu(nn.Dense(32)(x))
            x = nn.relu(nn.Dense(32)(x))
            return nn.Dense(1)(x)

    return Net()


def _flax_nnx():
    nnx = pytest.importorskip("flax.nnx")

    class Net(nnx.Module):
        def __init__(self, rngs):
            self.a, self.b, self.c = (
                nnx.Linear(1, 32, rngs=rngs),
                nnx.Linear(32, 32, rngs=rngs),
                nnx.Linear(32, 1, rngs=rngs),
            )

        def __call__(self, x):
            return self.c(jax.nn.relu(self.b(jax.nn.relu(self.a(x)))))

    return Net(nnx.Rngs(0))


def _equinox():
    eqx = pytest.importorskip("equinox")
    return eqx.nn.MLP(1, "scalar", 32, 2, activation=jax.nn.relu, key=jax.random.key(0))


@pytest.mark.parametrize(
    "make", [_pair_mlp, _flax_linen, _flax_nnx, _equinox], ids=["pair", "linen", "nnx", "equinox"]
)
def test_users_critic_estimates_like_the_built_in_mlp(make):
    """KL(N(0,1) || N(1,1)) = 1/2 with a user's 2x32 critic: within the estimates'
    standard errors (4 of each, combined) of the built-in MLP of the same shape."""
    x_p, x_q = _shifted(n=8000)
    kw = dict(key=0, steps=800, batch_size=256)
    built_in = dv.estimate("kl", x_p, x_q, hidden=(32, 32), **kw)
    theirs = dv.estimate("kl", x_p, x_q, critic=make(), **kw)
    se = math.hypot(float(built_in.stderr), float(theirs.stderr))
    assert abs(float(theirs.value) - float(built_in.value)) < 4 * se
    assert abs(float(theirs.value) - 0.5) < 4 * float(theirs.stderr) + 0.03
    v = np.asarray(theirs.critic(x_p[:5]))  # the returned critic takes the original x
    assert v.shape == (5,) and np.isfinite(v).all()


def test_gan_with_users_networks():
    nn = pytest.importorskip("flax.linen")

    class G(nn.Module):
        @nn.compact
        def __call__(self, z):
            return nn.Dense(1)(nn.relu(nn.Dense(32)(z)))

    x = np.random.default_rng(0).normal(2.0, 0.5, 4000).astype(np.float32)
    r = gan.train(x, key=0, steps=600, generator=G(), critic=_equinox())
    assert r.history.distance[-1] < 0.25 * r.history.distance[0]
    assert r.history.distance[-1] < 0.1


def test_networks_are_checked():
    x_p, x_q = _shifted(n=100)
    with pytest.raises(TypeError, match="critic"):
        dv.estimate("kl", x_p, x_q, key=0, critic="mlp")
    with pytest.raises(ValueError, match="critic"):
        dv.estimate("wasserstein", x_p, x_q, key=0, objective="sn", critic=_pair_mlp())


# --- objectives -------------------------------------------------------------------------


def test_js_trained_estimate_has_the_right_constant():
    """At the optimal critic V = log p/q of N(0,1) against N(1,1) (V = 1/2 - x), the
    JS-trained estimator's evaluation (NWJ at V + 1) is KL = 1/2; NWJ at V itself, as in
    the published code, is 1/e lower."""
    rng = np.random.default_rng(0)
    x_p, x_q = rng.normal(0, 1, 400_000), rng.normal(1, 1, 400_000)
    v_p, v_q = jnp.asarray(0.5 - x_p), jnp.asarray(0.5 - x_q)
    value, se = ob.js_nwj().evaluate(v_p, v_q)
    assert abs(float(value) - 0.5) < 4 * float(se)
    published = float(jnp.mean(v_p) - jnp.mean(jnp.exp(v_q - 1.0)))
    assert abs((float(value) - published) - 1 / math.e) < 4 * float(se)


def test_infonce_never_exceeds_log_m():
    """I = 5 * 1.96 nats (five coordinates at rho = 0.99) with m = 200 held-out pairs:
    InfoNCE saturates just below its ceiling log 200 = 5.30."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 5)).astype(np.float32)
    y = (0.99 * x + math.sqrt(1 - 0.99**2) * rng.normal(size=(400, 5))).astype(np.float32)
    r = dv.mutual_information(x, y, key=0, objective="infonce", steps=400, batch_size=64)
    assert float(r.value) <= math.log(200) + 1e-5
    assert float(r.value) > math.log(200) - 1.0


def test_unknown_objective_lists_the_valid_names():
    x, y = _shifted(n=100)
    with pytest.raises(ValueError, match="smile.*infonce|infonce.*smile"):
        dv.mutual_information(x, y, key=0, objective="nce")
    with pytest.raises(ValueError, match="mutual_information"):
        dv.estimate("kl", x, y, key=0, objective="infonce")


# --- standardised coordinates and defaults ------------------------------------------------


@pytest.mark.parametrize("shift, sd", [(0.5, 1.0), (3.0, 1.0), (10.0, 5.0), (0.3, 0.02)])
def test_default_wasserstein_estimate_within_2_stderr_and_3_percent(shift, sd):
    x_p, x_q = _shifted(n=20_000, shift=shift, sd=sd)
    r = dv.estimate("wasserstein", x_p, x_q, key=0)
    assert r.objective == "wasserstein:lp" and float(r.lipschitz) > 0
    assert abs(float(r.value) - shift) < 2 * float(r.stderr) + 0.03 * shift


def test_standardised_estimates_do_not_depend_on_units():
    """The same data in other units (times 2^10, exact in floating point): the same KL,
    W_1 in the new units, and the returned critic takes the data as given. A shift
    changes the inputs' last bits, which the training then amplifies: KL stays within
    its standard error."""
    x_p, x_q = (x.astype(np.float64) for x in _shifted(n=4000))
    kw = dict(key=0, steps=300, batch_size=128)
    for name, unit in (("kl", 1.0), ("wasserstein", 1024.0)):
        a = dv.estimate(name, x_p, x_q, **kw)
        b = dv.estimate(name, 1024.0 * x_p, 1024.0 * x_q, **kw)
        np.testing.assert_allclose(float(b.value), unit * float(a.value), rtol=1e-12)
        np.testing.assert_allclose(
            np.asarray(b.critic.raw(1024.0 * x_p[:4])), unit * np.asarray(a.critic.raw(x_p[:4])), rtol=1e-10
        )
    kl = dv.estimate("kl", x_p, x_q, **kw)
    shifted = dv.estimate("kl", x_p + 1e4, x_q + 1e4, **kw)
    assert abs(float(shifted.value) - float(kl.value)) < 2 * float(kl.stderr)


def test_gan_default_reaches_a_narrow_far_gaussian():
    """N(10, 0.1^2) with nothing but the data and a key: W_1 < 0.05 (the generator
    starts near the data's mean and scale in its standardised coordinates)."""
    x = np.random.default_rng(1).normal(10.0, 0.1, 20_000).astype(np.float32)
    r = gan.train(x, key=0)
    assert r.history.distance[-1] < 0.05
    assert np.isfinite(np.asarray(r.critic(x[:8]))).all()


def test_gan_standardize_off_and_init_keep_their_coordinates():
    x = np.random.default_rng(1).normal(1.5, 0.75, 4000).astype(np.float32)
    r = gan.train(x, key=0, steps=100, standardize=False)
    assert r.generator.frame is not None and float(r.generator.frame.scale) == 1.0
    r = gan.train(x, key=0, steps=100, init=gan.Generator.affine(1.0, 0.0))
    assert r.generator.frame is None
    with pytest.raises(TypeError, match="standardize"):
        gan.train(x, key=0, standardize="yes")


# --- the generator's moving average (ema) ------------------------------------------------


def _layers(g):
    return [np.asarray(a, np.float64) for a in jax.tree_util.tree_leaves(g.layers)]


def test_gan_average_follows_its_recurrence_and_leaves_the_iterates_alone():
    """avg_t = b_t avg_{t-1} + (1 - b_t) theta_t, b_t = min(ema, (1 + t) / (10 + t)),
    from the initial generator; the iterates theta_t are those of ema=None, bit for bit."""
    x = np.random.default_rng(2).normal(1.0, 2.0, 2000)
    kw = dict(steps=3, eval_every=1, generator_hidden=(8,), critic_hidden=(8,), eval_size=200)
    plain = gan.train(x, key=3, ema=None, **kw)
    assert plain.last is not None
    for a, b in zip(_layers(plain.generator), _layers(plain.last)):
        np.testing.assert_array_equal(a, b)
    avg = gan.train(x, key=3, ema=0.2, **kw)
    for a, b in zip(_layers(avg.last), _layers(plain.generator)):
        np.testing.assert_array_equal(a, b)  # the same iterates
    np.testing.assert_array_equal(avg.history.generator_loss, plain.history.generator_loss)
    thetas = [_layers(jax.tree_util.tree_map(lambda a, i=i: a[i], plain.checkpoints)) for i in range(4)]
    expected = thetas[0]
    for t in (1, 2, 3):
        b = min(0.2, (1 + t) / (10 + t))
        expected = [b * e + (1 - b) * th for e, th in zip(expected, thetas[t])]
        got = _layers(jax.tree_util.tree_map(lambda a, t=t: a[t], avg.checkpoints))
        for e, g in zip(expected, got):
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
    for e, g in zip(expected, _layers(avg.generator)):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(_layers(avg.generator)[0], _layers(avg.last)[0])
    # a batch of keys: one average per run
    batch = gan.train(x, key=np.arange(2), ema=0.2, **kw)
    one = batch.seed(1)
    assert one.last is not None and _layers(one.generator)[0].shape == _layers(avg.generator)[0].shape


@pytest.mark.parametrize("bad, error", [(1.0, ValueError), (-0.1, ValueError), ("0.9", TypeError)])
def test_gan_ema_is_checked(bad, error):
    with pytest.raises(error, match="^ema:"):
        gan.train(np.zeros(10) + np.arange(10), key=0, ema=bad)


def test_gan_default_wasserstein_losses_reach_the_standard_normal():
    """WGAN (clip 0.05) and WGAN-GP with nothing but the data and a key: the averaged
    generator within W_1 0.05 of N(0, 1) (measured 0.012-0.030 over 4 seeds each; the
    last iterates of WGAN-GP 0.096-0.18, WGAN at clip 0.01 0.059-0.079)."""
    from scipy.stats import norm

    x = np.random.default_rng(1).normal(0.0, 1.0, 20_000).astype(np.float32)
    for loss in ("wgan-gp", "wgan"):
        r = gan.train(x, loss=loss, key=0)
        s = np.sort(np.asarray(r.generator(jax.random.key(99), 100_000))[:, 0].astype(np.float64))
        w1 = np.mean(np.abs(s - norm.ppf((np.arange(s.size) + 0.5) / s.size)))
        assert w1 < 0.05, (loss, w1)
