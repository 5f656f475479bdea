"""Games and duality: the lectures' identities as property tests, exact values
against mpmath, the brute-force solvers against the closed forms."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

import divtools
from divtools import duality, games
from divtools.lectures.examples import fit_isotropic_gaussian, mixture_grid
from divtools.testing import distribution_pairs, distributions, nearly_equal_pairs

mp.mp.dps = 50

priors = hs.floats(0.05, 0.95)


def _mp(x):
    return [mp.mpf(float(v)) for v in x]


# --------------------------------------------------------------------------
# The 0-1 game.


@given(distribution_pairs(), priors, hs.integers(0, 2**32 - 1))
def test_zero_one_optimum_and_no_strategy_does_better(pair, prior, seed):
    p, q = pair
    best = games.bayes_error(p, q, prior=prior)
    ref = mp.fsum(min(prior * a, (1 - prior) * b) for a, b in zip(_mp(p), _mp(q)))
    assert float(best) == pytest.approx(float(ref), rel=1e-14, abs=1e-300)
    assert games.zero_one_error(games.bayes_strategy(p, q, prior=prior), p, q, prior=prior) == pytest.approx(
        float(best), rel=1e-14, abs=1e-300
    )
    etas = np.random.default_rng(seed).random((64, p.size))
    etas[:8] = np.round(etas[:8])  # deterministic strategies too
    errors = games.zero_one_error(etas, p, q, prior=prior)
    assert np.all(errors >= float(best) * (1 - 1e-14))


@given(distribution_pairs())
def test_bayes_error_is_half_minus_half_tv(pair):
    p, q = pair
    assert float(games.bayes_error(p, q)) == pytest.approx(0.5 - 0.5 * float(divtools.tv(p, q)), abs=2e-16)


def test_bayes_error_keeps_digits_near_disjoint():
    p = np.array([1 - 1e-12, 1e-12, 0.0])
    q = np.array([0.0, 1e-12, 1 - 1e-12])
    assert float(games.bayes_error(p, q)) == 0.5e-12  # 1/2 - TV/2 would cancel


# --------------------------------------------------------------------------
# The cross-entropy game and the GAN value.


@given(distribution_pairs(), priors)
def test_cross_entropy_optimum(pair, prior):
    p, q = pair
    value = games.cross_entropy_value(p, q, prior=prior)
    a, b = [prior * v for v in _mp(p)], [(1 - prior) * v for v in _mp(q)]
    ref = mp.fsum(
        (x * mp.log((x + y) / x) if x else 0) + (y * mp.log((x + y) / y) if y else 0) for x, y in zip(a, b)
    )
    assert float(value) == pytest.approx(float(ref), rel=1e-13, abs=1e-300)
    eta = games.optimal_discriminator(p, q, prior=prior)
    assert float(games.cross_entropy_loss(eta, p, q, prior=prior)) == pytest.approx(
        float(ref), rel=1e-12, abs=1e-15
    )
    rng = np.random.default_rng(0)
    for eta in rng.random((16, p.size)):
        assert games.cross_entropy_loss(eta, p, q, prior=prior) >= float(value) * (1 - 1e-14)


@given(distribution_pairs())
def test_cross_entropy_value_is_log2_minus_js(pair):
    p, q = pair
    assert float(games.cross_entropy_value(p, q)) == pytest.approx(
        math.log(2) - float(divtools.js(p, q)), abs=4e-16
    )


@given(nearly_equal_pairs())
def test_cross_entropy_value_near_log2(pair):
    """Nearly equal pairs: the value is log 2 - JS with JS tiny, no cancellation."""
    p, q = pair
    ref = mp.log(2) - mp.mpf(float(divtools.js(p, q)))
    assert float(games.cross_entropy_value(p, q)) == pytest.approx(float(ref), rel=4e-16)


@given(distribution_pairs(zeros=False), hs.sampled_from([0, 1]), hs.integers(0, 2**32 - 1))
def test_gan_value_optimum(pair, real_label, seed):
    p, q = pair
    d_star = games.gan_optimal_discriminator(p, q, real_label=real_label)
    value = games.gan_value(d_star, p, q, real_label=real_label)
    best = float(games.gan_optimal_value(p, q))
    assert best == pytest.approx(2 * float(divtools.js(p, q)) - math.log(4), abs=1e-15)
    assert float(value) == pytest.approx(best, rel=1e-13, abs=1e-15)
    for d in np.random.default_rng(seed).random((16, p.size)):
        assert games.gan_value(d, p, q, real_label=real_label) <= best + 1e-15


def test_gan_labelings_swap_the_discriminator():
    p, q = np.array([0.7, 0.2, 0.1]), np.array([0.1, 0.3, 0.6])
    d1 = games.gan_optimal_discriminator(p, q, real_label=1)
    d0 = games.gan_optimal_discriminator(p, q, real_label=0)
    np.testing.assert_allclose(d1, p / (p + q), rtol=1e-15)
    np.testing.assert_allclose(d0, q / (p + q), rtol=1e-15)
    assert games.gan_value(d1, p, q) == games.gan_value(d0, p, q, real_label=0)
    with pytest.raises(ValueError, match="real_label"):
        games.gan_value(d1, p, q, real_label=2)


@given(hs.floats(0.0, 1.0), hs.floats(1e-6, 1 - 1e-6))
def test_cross_entropy_decomposition(y, y_hat):
    parts = games.cross_entropy_decomposition(y, y_hat)
    Y, H = mp.mpf(y), mp.mpf(y_hat)
    ce = -(Y * mp.log(H) if Y else 0) - ((1 - Y) * mp.log1p(-H) if Y < 1 else 0)
    ent = -(Y * mp.log(Y) if Y else 0) - ((1 - Y) * mp.log1p(-Y) if Y < 1 else 0)
    assert float(parts.cross_entropy) == pytest.approx(float(ce), rel=1e-13, abs=1e-15)
    assert float(parts.entropy) == pytest.approx(float(ent), rel=1e-13, abs=1e-300)
    assert float(parts.kl) == pytest.approx(float(ce - ent), rel=1e-12, abs=1e-15)
    assert float(parts.kl) >= 0


# --------------------------------------------------------------------------
# The brute-force solvers reach the closed forms.


@pytest.mark.parametrize("seed", [0, 1])
def test_solvers_agree_with_closed_forms(seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
    z = games.solve_zero_one(p, q)
    assert z.value == pytest.approx(float(games.bayes_error(p, q)), abs=1e-3)
    np.testing.assert_array_equal(np.round(z.strategy), games.bayes_strategy(p, q))
    c = games.solve_cross_entropy(p, q, prior=0.3)
    assert c.value == pytest.approx(float(games.cross_entropy_value(p, q, prior=0.3)), rel=1e-6)
    weight = p + q  # an outcome's strategy matters in proportion to its mass
    assert np.sum(weight * np.abs(c.strategy - games.optimal_discriminator(p, q, prior=0.3))) < 1e-4
    for label in (0, 1):
        g = games.solve_gan(p, q, real_label=label)
        assert g.value == pytest.approx(float(games.gan_optimal_value(p, q)), rel=1e-6)
        assert (
            np.sum(weight * np.abs(g.strategy - games.gan_optimal_discriminator(p, q, real_label=label)))
            < 1e-4
        )
    # same key, same result
    again = games.solve_cross_entropy(p, q, prior=0.3)
    np.testing.assert_array_equal(again.strategy, c.strategy)


# --------------------------------------------------------------------------
# Duality.

WITH_CONJUGATE = [k for k, g in divtools.GENERATORS.items() if g.conjugate is not None]


@pytest.mark.parametrize("name", WITH_CONJUGATE)
def test_biconjugate_is_f_and_conjugate_matches_table(name):
    g = divtools.GENERATORS[name]
    ts = np.array([1e-3, 0.3, 1.0, 2.5, 40.0])
    if math.isfinite(g.f_at_zero):
        ts = np.concatenate([[0.0], ts])
    fv = np.array([float(g.f(t)) if t > 0 else g.f_at_zero for t in ts])
    np.testing.assert_allclose(duality.biconjugate(g, ts), fv, rtol=1e-10, atol=2e-12)
    dom = g.conjugate_domain
    ys = np.array([-30.0, -2.5, -0.4, 0.0, 0.1, 0.45, 3.0])
    inside = ys[np.asarray(dom.contains(ys))]
    numeric = duality.conjugate(g, inside)
    table = np.asarray(g.conjugate(inside))
    # the table's f* is the f-GAN one (Nowozin et al. 2016, table 2): for pearson and
    # triangular it conjugates f extended below t = 0, so below y = f'(0+) it exceeds
    # the conjugate of f on [0, inf), which is -f(0) there (still a valid, looser bound)
    with np.errstate(all="ignore"):
        f_prime_0 = float(g.f_prime(1e-300)) if math.isfinite(g.f_at_zero) else -math.inf
    tight = inside >= f_prime_0
    np.testing.assert_allclose(numeric[tight], table[tight], rtol=1e-10, atol=1e-12)
    assert np.all(table[~tight] >= numeric[~tight])
    np.testing.assert_allclose(numeric[~tight], -g.f_at_zero, rtol=1e-12)
    outside = ys[(ys > g.f_prime_at_inf)]
    assert np.all(np.isinf(duality.conjugate(g, outside)))


@settings(max_examples=25)
@given(distribution_pairs(), hs.sampled_from(WITH_CONJUGATE), hs.integers(0, 2**32 - 1))
def test_dual_bound_holds_and_is_tight_at_the_optimal_critic(pair, name, seed):
    p, q = pair
    g = divtools.GENERATORS[name]
    exact = float(divtools.f_divergence(p, q, name))
    rng = np.random.default_rng(seed)
    for v in rng.normal(0.0, 2.0, (8, p.size)):
        T = np.asarray(g.activation(v))
        assert duality.f_dual_value(T, p, q, name) <= exact + 1e-12 * max(1.0, abs(exact))
    tight = duality.f_dual_value(duality.optimal_critic(p, q, name), p, q, name)
    if math.isinf(exact):
        assert tight == math.inf
    else:
        assert float(tight) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_dual_gan_row_is_the_gan_value():
    """T = log D: E_P log D - E_Q f*(log D) with the gan conjugate -log(1 - e^y)."""
    p, q = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.2, 0.6])
    rng = np.random.default_rng(3)
    for d in rng.random((5, 3)):
        assert float(duality.f_dual_value(np.log(d), p, q, "gan")) == pytest.approx(
            float(games.gan_value(d, p, q)), rel=1e-14
        )


@given(distribution_pairs(), priors)
def test_density_ratio_from_the_bayes_classifier(pair, prior):
    p, q = pair
    c = games.optimal_discriminator(p, q, prior=prior)
    r = duality.density_ratio_from_classifier(c, prior=prior)
    both = (p > 0) & (q > 0)
    ratio = p[both] / q[both]
    # 1 - c rounds with relative error eps/(1 - c) ~ eps (1 + r) for prior 1/2
    tol = 4e-16 * (2 + ratio * prior / (1 - prior) + (1 - prior) / prior)
    assert np.all(np.abs(r[both] - ratio) <= tol * ratio)
    logit = np.log(p[both] * prior) - np.log(q[both] * (1 - prior))
    np.testing.assert_allclose(
        duality.density_ratio_from_classifier(logit, prior=prior, logits=True), ratio, rtol=1e-13
    )
    assert np.all(r[(p > 0) & (q == 0)] == np.inf)
    assert np.all(r[(p == 0) & (q > 0)] == 0)


@given(distributions(zeros=False), hs.lists(hs.floats(-30, 30), min_size=1, max_size=32), distributions())
def test_gibbs_variational_principle(_, energies, q):
    E = np.array(energies)
    if q.size != E.size:
        q = np.full(E.size, 1.0 / E.size)
    logz = duality.log_partition(E)
    ref = mp.log(mp.fsum(mp.exp(mp.mpf(e)) for e in E))
    assert float(logz) == pytest.approx(float(ref), rel=1e-14, abs=1e-14)
    star = duality.gibbs_distribution(E)
    assert float(duality.gibbs_objective(star, E)) == pytest.approx(float(ref), rel=1e-12, abs=1e-12)
    gap = float(logz) - float(duality.gibbs_objective(q, E))
    assert gap >= -1e-12
    assert gap == pytest.approx(float(divtools.kl(q, star)), rel=1e-9, abs=1e-11)
    res = duality.ebm_log_likelihood(q, E)
    ll = mp.fsum(mp.mpf(float(a)) * mp.mpf(float(e)) for a, e in zip(q, E) if a > 0) - ref
    assert float(res.log_likelihood) == pytest.approx(float(ll), rel=1e-12, abs=1e-12)


def test_jax_inputs_trace():
    p, q = jnp.array([0.5, 0.3, 0.2]), jnp.array([0.1, 0.6, 0.3])
    f = jax.jit(lambda a, b: games.cross_entropy_value(a, b) + games.bayes_error(a, b))
    assert float(f(p, q)) == pytest.approx(
        float(games.cross_entropy_value(np.asarray(p), np.asarray(q)))
        + float(games.bayes_error(np.asarray(p), np.asarray(q))),
        rel=1e-14,
    )
    g = jax.grad(lambda t: duality.f_dual_value(t, p, q, "kl"))(jnp.zeros(3))
    np.testing.assert_allclose(np.asarray(g), np.asarray(p - q * jnp.exp(-1.0)), rtol=1e-14)


def test_validation():
    with pytest.raises(ValueError, match="q"):
        games.bayes_error([0.5, 0.5], [0.5, -0.5])
    with pytest.raises(ValueError, match="eta"):
        games.zero_one_error([0.5, 1.5], [0.5, 0.5], [0.5, 0.5])
    with pytest.raises(ValueError, match="prior"):
        games.bayes_error([0.5, 0.5], [0.5, 0.5], prior=1.0)
    with pytest.raises(ValueError, match="c:"):
        duality.density_ratio_from_classifier([0.2, 1.2])
    with pytest.raises(ValueError, match="bandwidth"):
        divtools.mmd2(np.zeros((2, 1)), np.zeros((2, 1)), bandwidth=0.0)
    with pytest.raises(ValueError, match="kernel"):
        divtools.mmd2_discrete([0.5, 0.5], [0.5, 0.5], np.eye(3))


# --------------------------------------------------------------------------
# MMD and the Gaussian fit of seed 001.


def test_mmd_estimators_against_the_exact_value():
    rng = np.random.default_rng(5)
    points = rng.normal(size=(5, 2))
    p, q = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    K = np.asarray(divtools.mmd.gaussian_kernel(points, points, 1.0))
    exact = float(divtools.mmd2_discrete(p, q, K))
    d = p - q
    assert exact == pytest.approx(float(d @ K @ d), rel=1e-14)
    estimates = []
    for _ in range(400):
        x = points[rng.choice(5, 40, p=p)]
        y = points[rng.choice(5, 30, p=q)]
        estimates.append(float(divtools.mmd2(x, y, unbiased=True)))
    estimates = np.array(estimates)
    stderr = estimates.std(ddof=1) / math.sqrt(estimates.size)
    assert abs(estimates.mean() - exact) < 4 * stderr  # unbiased
    biased = float(divtools.mmd2(x, y))
    assert biased >= 0


def test_gaussian_fit_forward_covers_reverse_seeks():
    grid = mixture_grid()
    fwd = fit_isotropic_gaussian(grid, "forward_kl", steps=1500)
    rev = fit_isotropic_gaussian(grid, "reverse_kl", steps=1500)
    # forward KL on an exponential family: moment matching, mean 0 and per-axis variance
    var = (
        float(((grid.axis[:, None] ** 2) * grid.target).sum() + (grid.axis[None, :] ** 2 * grid.target).sum())
        / 2
    )
    np.testing.assert_allclose(fwd.mean, [0.0, 0.0], atol=1e-6)
    assert fwd.scale == pytest.approx(math.sqrt(var), rel=1e-3)
    assert fwd.scale > 1.4  # wide enough to cover both modes at +-2
    assert abs(abs(rev.mean[0]) - 2.0) < 0.05 and abs(rev.mean[1]) < 1e-6
    assert rev.scale == pytest.approx(0.6, rel=0.05)  # sits on one component
    # each fit is better than the other on its own objective
    with jax.enable_x64(True):
        from divtools.lectures.examples import gaussian_on_grid

        def model(fit):
            return np.asarray(
                gaussian_on_grid(jnp.asarray(grid.axis), jnp.asarray(fit.mean), jnp.log(fit.scale))
            ).ravel()

    t = grid.target.ravel()
    assert divtools.kl(t, model(fwd)) < divtools.kl(t, model(rev))
    assert divtools.kl(model(rev), t) < divtools.kl(model(fwd), t)
    assert fwd.loss == pytest.approx(float(divtools.kl(t, model(fwd))), rel=1e-9)
