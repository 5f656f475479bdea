"""One conformance test over the registry: every divergence behaves the same way.

jit equals eager, vmap equals a loop, dtype in is dtype out, no recompilation
on a second call, D(p, p) = 0, non-negativity, finite gradients at the faces
of the simplex, gradients equal to finite differences and to the projected
optimal critic, float32 to a few ulps.
"""

import logging
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as R

import divtools
from divtools import generators as G

NAMES = list(G.GENERATORS)
EXTRA = {"alpha(2)": G.alpha(2.0), "alpha(0.5)": G.alpha(0.5), "skew_js(0.3)": G.skew_js(0.3)}
ALL = NAMES + list(EXTRA)
EPS = 2.0**-52


def gen(name):
    return EXTRA.get(name, name)


def batch(rng, rows=6, n=9, zeros=True):
    P = rng.dirichlet(np.ones(n), rows)
    Q = rng.dirichlet(np.ones(n), rows)
    if zeros:
        P[0, :2] = 0.0
        Q[1, 3] = 0.0
        P[2, 5] = Q[2, 5] = 0.0
    return P / P.sum(1, keepdims=True), Q / Q.sum(1, keepdims=True)


@pytest.mark.parametrize("name", ALL)
def test_jit_equals_eager_and_vmap_equals_loop(name, rng):
    P, Q = batch(rng)
    f = lambda p, q: divtools.f_divergence(p, q, gen(name))
    eager = np.asarray(f(jnp.asarray(P), jnp.asarray(Q)))
    jitted = np.asarray(jax.jit(f)(P, Q))
    mapped = np.asarray(jax.vmap(f)(jnp.asarray(P), jnp.asarray(Q)))
    loop = np.array([f(p, q) for p, q in zip(P, Q)])
    for other in (jitted, mapped, loop):
        np.testing.assert_allclose(other, eager, rtol=4 * EPS, atol=0)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(name, dtype, rng):
    P, Q = batch(rng, zeros=False)
    P, Q = P.astype(dtype), Q.astype(dtype)
    out_np = divtools.f_divergence(P, Q, gen(name), normalize=True)
    out_jax = divtools.f_divergence(jnp.asarray(P), jnp.asarray(Q), gen(name), normalize=True)
    assert isinstance(out_np, np.ndarray) and out_np.dtype == dtype
    assert isinstance(out_jax, jax.Array) and out_jax.dtype == dtype
    ref = [R.divergence(p.astype(np.float64), q.astype(np.float64), name) for p, q in zip(P, Q)]
    ulp = float(np.finfo(dtype).eps)
    for out in (out_np, out_jax):
        worst = max(R.relative_error(float(v), r) for v, r in zip(np.asarray(out), ref))
        assert worst <= 8 * ulp


def test_integer_counts_and_lists_are_float64():
    out = divtools.kl([3, 1], [2, 2], normalize=True)
    assert isinstance(out, np.float64)
    assert out == pytest.approx(0.75 * math.log(1.5) + 0.25 * math.log(0.5), rel=1e-15)


@pytest.mark.parametrize("name", ["kl", "js", "tv", "squared_hellinger"])
def test_no_recompilation_on_second_call(name, rng, caplog):
    P, Q = batch(rng)
    P2, Q2 = batch(rng)
    traced = jax.jit(lambda p, q: divtools.f_divergence(p, q, name))
    divtools.f_divergence(P, Q, name)
    traced(P, Q)
    with jax.log_compiles(True), caplog.at_level(logging.WARNING, logger="jax"):
        caplog.clear()
        divtools.f_divergence(P2, Q2, name)
        traced(P2, Q2)
        # other sizes in the same power-of-two bucket share the compiled programs
        P3, Q3 = batch(rng, rows=5, n=11)  # (6, 9) and (5, 11) both pad to (8, 16)
        divtools.f_divergence(P3, Q3, name)
    compiles = [r for r in caplog.records if "Compiling" in r.getMessage()]
    assert not compiles, [r.getMessage() for r in compiles]


@pytest.mark.parametrize("name", ALL)
def test_zero_at_equality_and_nonnegative(name, rng):
    P, Q = batch(rng)
    same = divtools.f_divergence(P, P, gen(name))
    expected = -math.log(4.0) if name == "gan" else 0.0
    np.testing.assert_allclose(same, expected, rtol=1e-15, atol=0)
    values = divtools.f_divergence(P, Q, gen(name))
    if name == "gan":
        assert np.all((values >= -math.log(4.0)) & (values <= 0.0))
    else:
        assert np.all(values >= 0.0)


def _finite_case():
    """Zeros on the faces of the simplex where every divergence stays finite."""
    p = jnp.array([0.0, 0.2, 0.3, 0.5])
    q = jnp.array([0.1, 0.2, 0.3, 0.4])
    return p, q


@pytest.mark.parametrize("name", ALL)
def test_finite_gradients_at_the_faces(name):
    p, q = _finite_case()
    g = gen(name)
    checked = 0
    for a, b in ((p, q), (q, p)):
        value = divtools.f_divergence(a, b, g)
        grads = jax.grad(lambda x, y: divtools.f_divergence(x, y, g), argnums=(0, 1))(a, b)
        if math.isfinite(float(value)):
            assert all(bool(jnp.all(jnp.isfinite(x))) for x in grads), (name, grads)
            checked += 1
    assert checked >= 1 or name == "jeffreys"  # infinite whenever a mass is zero


@pytest.mark.parametrize("name", [n for n in ALL if n != "tv"])
def test_gradient_equals_finite_differences(name, rng):
    p = jnp.asarray(rng.dirichlet(np.ones(6)))
    q = jnp.asarray(rng.dirichlet(np.ones(6)))
    f = lambda x, y: divtools.f_divergence(x, y, gen(name), normalize=True)
    gp, gq = jax.grad(f, argnums=(0, 1))(p, q)
    # central differences with a step small against the smallest mass: their error
    # is (h / min mass)^2 relative, about 1e-8 here
    h = 1e-4 * float(min(p.min(), q.min()))
    for _ in range(3):
        v = jnp.asarray(rng.standard_normal(6))
        fd_p = (f(p + h * v, q) - f(p - h * v, q)) / (2 * h)
        fd_q = (f(p, q + h * v) - f(p, q - h * v)) / (2 * h)
        assert float(gp @ v) == pytest.approx(float(fd_p), rel=1e-6, abs=1e-9)
        assert float(gq @ v) == pytest.approx(float(fd_q), rel=1e-6, abs=1e-9)


def test_gradient_is_the_projected_optimal_critic(rng):
    """d D_f / d p = f'(p/q) - E_p f'(p/q): the critic of the variational form, on the simplex."""
    p = jnp.asarray(rng.dirichlet(np.ones(7)))
    q = jnp.asarray(rng.dirichlet(np.ones(7)))
    for name in ("kl", "js", "pearson", "squared_hellinger", "jeffreys"):
        g = G.GENERATORS[name]
        grad = jax.grad(lambda x: divtools.f_divergence(x, q, name))(p)
        critic = g.optimal_critic(p / q)
        np.testing.assert_allclose(grad, critic - jnp.sum(p * critic), rtol=1e-10, atol=1e-12)
    # KL in particular: log(p/q) - KL(p || q).
    grad = jax.grad(lambda x: divtools.kl(x, q))(p)
    np.testing.assert_allclose(grad, jnp.log(p / q) - divtools.kl(p, q), rtol=1e-12, atol=1e-14)


def test_gradient_convention_at_zeros():
    """d KL/d p_i = log(p_i/q_i) is -inf at p_i = 0: reported as 0 (as rel_entr does)."""
    p, q = _finite_case()
    grad = jax.grad(lambda x: divtools.kl(x, q))(p)
    assert float(grad[0]) == pytest.approx(0.0 - float(jnp.sum(p[1:] * jnp.log(p[1:] / q[1:]))))
