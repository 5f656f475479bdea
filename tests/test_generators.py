"""The generator table: each record's entries agree with its f, and with the lectures."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

import divtools
from divtools import generators as G

RECORDS = list(G.GENERATORS.values()) + [
    G.alpha(2.0),
    G.alpha(-1.0),
    G.alpha(0.5),
    G.alpha(3.0),
    G.alpha(-2.5),
    G.alpha(0.3),
    G.skew_js(0.2),
    G.skew_js(0.9),
]
T = np.geomspace(1e-3, 1e3, 61)


@pytest.mark.parametrize("g", RECORDS, ids=lambda g: g.name)
def test_limits_agree_with_f(g):
    f = lambda t: float(g.f(jnp.asarray(t)))
    assert f(1.0) == pytest.approx(g.f_at_one, abs=1e-15)
    if g.name != "tv":  # kink at 1: f'(1) is the subgradient 0
        assert float(jax.grad(g.f)(1.0)) == pytest.approx(g.f_prime_at_one, abs=1e-12)
    small = f(1e-300)
    if math.isinf(g.f_at_zero):
        assert small > 100
    else:
        assert small == pytest.approx(g.f_at_zero, abs=1e-12)
    slope = f(1e12) / 1e12
    if math.isinf(g.f_prime_at_inf):
        assert slope > 10
    else:
        assert slope == pytest.approx(g.f_prime_at_inf, abs=1e-4)


@pytest.mark.parametrize("g", RECORDS, ids=lambda g: g.name)
def test_derivative_is_the_optimal_critic(g):
    t = jnp.asarray(T[(T < 0.99) | (T > 1.01)])
    auto = jax.vmap(jax.grad(g.f))(t)
    np.testing.assert_allclose(g.optimal_critic(t), auto, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("g", RECORDS, ids=lambda g: g.name)
def test_fenchel_young(g):
    """f*(f'(t)) = t f'(t) - f(t) (equality at the optimum), f*(y) >= t y - f(t) everywhere."""
    t = jnp.asarray(T[(T < 0.99) | (T > 1.01)])
    y = g.f_prime(t)
    assert bool(jnp.all(g.conjugate_domain.contains(y)))
    np.testing.assert_allclose(g.conjugate(y), t * y - g.f(t), rtol=1e-9, atol=1e-12)
    ys = y[:, None]
    gap = g.conjugate(ys) - (t[None, :] * ys - g.f(t)[None, :])
    assert float(gap.min()) >= -1e-9 * float(jnp.abs(ys).max() + 1)


@pytest.mark.parametrize("g", RECORDS, ids=lambda g: g.name)
def test_activation_lands_in_the_conjugate_domain(g):
    v = jnp.linspace(-30.0, 30.0, 601)
    out = g.activation(v)
    assert bool(jnp.all(jnp.isfinite(out)))
    assert bool(jnp.all(g.conjugate_domain.contains(out)))
    assert bool(jnp.all(jnp.diff(out) >= -1e-15))  # increasing (to rounding): any critic


@pytest.mark.parametrize("dtype", [jnp.float32, jnp.float64])
@pytest.mark.parametrize("g", [g for g in RECORDS if g.activation is not None], ids=lambda g: g.name)
def test_conjugate_of_the_activation_has_no_nan_gradient(g, dtype):
    """An f-GAN critic's outputs pass through f*(activation(v)); its gradient must never be
    NaN, even where the value overflows (a NaN once made Jeffreys' f-GAN diverge)."""
    v = jnp.concatenate([-jnp.geomspace(1e3, 1e-3, 40), jnp.geomspace(1e-3, 1e3, 40)]).astype(dtype)
    h = g.fgan_conjugate  # f*(activation(v))
    value, grad = h(v), jax.vmap(jax.grad(h))(v)
    assert not bool(jnp.any(jnp.isnan(value))) and not bool(jnp.any(jnp.isnan(grad)))
    small = jnp.abs(v) < 20
    assert bool(jnp.all(jnp.isfinite(value[small]))) and bool(jnp.all(jnp.isfinite(grad[small])))


@pytest.mark.parametrize(
    "g", [g for g in RECORDS if g.conjugate_of_activation is not None], ids=lambda g: g.name
)
def test_composed_conjugate_equals_the_composition(g):
    v = jnp.linspace(-6.0, 6.0, 121)
    np.testing.assert_allclose(g.fgan_conjugate(v), g.conjugate(g.activation(v)), rtol=1e-9, atol=1e-12)


def test_reverse_generator_table():
    """t f(1/t) is the generator of D(Q || P): the table's pairs and self-reverse rows."""
    pairs = {
        "kl": "reverse_kl",
        "pearson": "neyman",
        "jeffreys": "jeffreys",
        "js": "js",
        "gan": "gan",
        "tv": "tv",
        "squared_hellinger": "squared_hellinger",
        "triangular": "triangular",
    }
    for name, rev in pairs.items():
        f, fr = G.GENERATORS[name].f, G.GENERATORS[rev].f
        t = jnp.asarray(T)
        np.testing.assert_allclose(t * f(1 / t), fr(t), rtol=1e-10, atol=1e-12)


def test_seed_table_reproduced():
    """The lecture's table (CE 22-808, 'F-divergence'), row by row, from GENERATORS."""
    t = jnp.asarray(T)
    tab = G.GENERATORS
    seed = {
        "KL-divergence": (lambda t: t * jnp.log(t), tab["kl"].f),
        "Symmetric KL-divergence": (lambda t: t * jnp.log(t) - jnp.log(t), tab["jeffreys"].f),
        "Hellinger distance": (lambda t: (jnp.sqrt(t) - 1) ** 2, tab["squared_hellinger"].f),
        "Total variation": (lambda t: jnp.abs(t - 1), lambda t: 2 * tab["tv"].f(t)),
        "Pearson divergence": (lambda t: (t - 1) ** 2, tab["pearson"].f),
        "Jensen-Shannon divergence": (
            lambda t: 0.5 * (t * jnp.log(2 * t / (t + 1)) + jnp.log(2 / (t + 1))),
            tab["js"].f,
        ),
        # BC = E_q sqrt(p/q): sqrt t = (t + 1)/2 - (sqrt t - 1)^2 / 2.
        "Bhattacharyya distance": (jnp.sqrt, lambda t: (t + 1) / 2 - tab["squared_hellinger"].f(t) / 2),
        # The Goodfellow GAN as f-GAN: f, f* and T = log D.
        "GAN": (lambda t: t * jnp.log(t) - (t + 1) * jnp.log(t + 1), tab["gan"].f),
    }
    for row, (theirs, ours) in seed.items():
        np.testing.assert_allclose(ours(t), theirs(t), rtol=1e-12, atol=1e-12, err_msg=row)
    y = jnp.linspace(-5, -0.01, 50)
    np.testing.assert_allclose(tab["gan"].conjugate(y), -jnp.log(1 - jnp.exp(y)), rtol=1e-12)


def test_alpha_family_members():
    p = np.array([0.2, 0.3, 0.5, 0.0])
    q = np.array([0.1, 0.6, 0.25, 0.05])
    d = divtools.f_divergence
    assert G.alpha(1.0) is G.GENERATORS["kl"] and G.alpha(0.0) is G.GENERATORS["reverse_kl"]
    assert d(p, q, G.alpha(2.0)) == pytest.approx(d(p, q, "pearson") / 2, rel=1e-15)
    assert d(q, p, G.alpha(-1.0)) == pytest.approx(d(q, p, "neyman") / 2, rel=1e-15)
    assert d(p, q, G.alpha(0.5)) == pytest.approx(2 * d(p, q, "squared_hellinger"), rel=1e-15)
    assert G.skew_js(0.5) is G.GENERATORS["js"]
    with pytest.raises(ValueError, match=r"w: expected a number in \(0, 1\)"):
        G.skew_js(1.5)


def test_custom_generator_matches_the_table():
    pearson = G.custom(lambda t: (t - 1) ** 2, name="my_pearson")
    assert pearson.f_at_zero == pytest.approx(1.0) and math.isinf(pearson.f_prime_at_inf)
    kl = G.custom(lambda t: t * jnp.log(t))
    assert kl.f_at_zero == pytest.approx(0.0, abs=1e-10) and math.isinf(kl.f_prime_at_inf)
    assert kl.f_prime_at_one == pytest.approx(1.0)
    hel = G.custom(lambda t: (jnp.sqrt(t) - 1) ** 2)
    assert hel.f_prime_at_inf == pytest.approx(1.0, rel=1e-6)
    p = np.array([0.2, 0.3, 0.5, 0.0])
    q = np.array([0.1, 0.6, 0.25, 0.05])
    for custom, name in ((pearson, "pearson"), (kl, "kl"), (hel, "squared_hellinger")):
        assert divtools.f_divergence(p, q, custom) == pytest.approx(
            divtools.f_divergence(p, q, name), rel=1e-12
        )
    assert math.isinf(divtools.f_divergence(q, p, kl))


def test_custom_generator_rejects_bad_f():
    with pytest.raises(ValueError, match="f\\(1\\) = 0"):
        G.custom(lambda t: t * jnp.log(t) + 1)
    with pytest.raises(ValueError, match="convex"):
        G.custom(lambda t: jnp.sin(t - 1.0))
    with pytest.raises(ValueError, match="unknown divergence 'helinger' \\(did you mean 'hellinger'"):
        divtools.f_divergence([1.0], [1.0], "helinger")


def test_wright_omega():
    z = np.concatenate([np.linspace(-40, 5, 200), np.geomspace(5, 1e5, 50)])
    expected = scipy.special.lambertw(np.exp(np.minimum(z, 700))).real
    big = z > 700
    got = np.asarray(G.wright_omega(jnp.asarray(z)))
    np.testing.assert_allclose(got[~big], expected[~big], rtol=1e-14)
    grad = jax.vmap(jax.grad(G.wright_omega))(jnp.asarray([-800.0, -50.0, 0.0, 50.0, 800.0]))
    w = G.wright_omega(jnp.asarray([-800.0, -50.0, 0.0, 50.0, 800.0]))
    np.testing.assert_allclose(grad, w / (1 + w), rtol=1e-12)  # omega' = omega / (1 + omega)


def test_records_are_frozen_and_documented():
    for g in G.GENERATORS.values():
        with pytest.raises(AttributeError):
            g.name = "x"
        assert g.formula and g.conjugate_formula and g.activation_formula
        assert g.description and g.reference
