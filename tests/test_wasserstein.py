"""Exact Wasserstein distances: on the line, between distributions, on finite spaces."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import reference as R
import scipy.stats as ss
from hypothesis import given
from hypothesis import strategies as st

import divtools
from divtools.lectures.examples import parallel_lines

EPS = 2.0**-52


# --------------------------------------------------------------------------
# The line: against exact rational arithmetic, scipy and POT.


def rational_samples(rng, n, m, weighted=True, zeros=True):
    u = rng.integers(-200, 200, n) / 32.0
    v = rng.integers(-200, 200, m) / 16.0
    if not weighted:
        return u, v, None, None
    a = rng.integers(0 if zeros else 1, 20, n).astype(float)
    b = rng.integers(0 if zeros else 1, 20, m).astype(float)
    a[0] += 1.0
    b[-1] += 1.0
    return u, v, a, b


@pytest.mark.parametrize("p", [1, 2, 3, 1.5, 7.25, math.inf])
@pytest.mark.parametrize("weighted", [False, True])
def test_exact_against_rationals(p, weighted):
    rng = np.random.default_rng(int(min(p, 99) * 100) + weighted)
    worst = 0.0
    for n, m in [(1, 1), (5, 5), (7, 3), (40, 40), (97, 61), (300, 257)]:
        u, v, a, b = rational_samples(rng, n, m, weighted)
        value = divtools.wasserstein_1d(u, v, a, b, p=p)
        worst = max(worst, R.relative_error(value, R.wasserstein_1d(u, v, a, b, p)))
    assert worst <= 1e-13
    assert worst <= 8 * EPS  # in fact a few ulps


def test_nearly_equal_samples_keep_their_digits():
    """W between a sample set and a slightly perturbed copy: levels in double-word."""
    rng = np.random.default_rng(1)
    u = rng.standard_normal(500)
    a = rng.random(500)
    for eps in (1e-6, 1e-10, 1e-14):
        v = u + eps * rng.standard_normal(500)
        b = a * (1 + eps * rng.random(500))
        for p in (1, 2):
            ref = R.wasserstein_1d(u, v, a, b, p)
            assert R.relative_error(divtools.wasserstein_1d(u, v, a, b, p=p), ref) <= 1e-13


def test_scipy_test_inputs():
    """The cases of scipy's TestWassersteinDistance (W_1), to 1e-12."""
    w = divtools.wasserstein_1d
    sw = ss.wasserstein_distance
    cases = [
        ([0, 1], [0], [1, 1], [1]),
        ([0, 1], [0], [3, 1], [1]),
        ([0, 2], [0], [1, 1], [1]),
        ([0, 1, 2], [1, 2, 3], None, None),
        ([1, 2, 3], [2, 1, 3], None, None),
        ([1, 1, 1, 4], [4, 1], [1, 1, 1, 1], [1, 3]),
        ([0], [1], None, None),
        ([-5], [5], None, None),
        ([1, 2, 3, 4, 5], [11, 12, 13, 14, 15], None, None),
        ([4.5, 6.7, 2.1], [4.6, 7, 9.2], [3, 1, 1], [1, 3, 1]),
        ([0, 0, 1, 1, 1, 1, 5], [0, 3, 3, 3, 3, 4, 4], [1] * 7, [1] * 7),
        ([5, 0, 1], [0, 4, 3], [1, 2, 4], [1, 2, 4]),
        ([1, 2, 100000], [1, 1], [1, 1, 0], [1, 1]),
        ([1, 2], [1, 1], [1, 1], [1, 1]),
    ]
    expected = [0.5, 0.25, 1, 1, 0, 0, 1, 10, 10, 2.5]
    for k, (u, v, a, b) in enumerate(cases):
        ours = float(
            w(
                np.array(u, float),
                np.array(v, float),
                None if a is None else np.array(a, float),
                None if b is None else np.array(b, float),
            )
        )
        assert ours == pytest.approx(sw(u, v, a, b), rel=1e-12, abs=1e-12)
        if k < len(expected):
            assert ours == pytest.approx(expected[k], rel=1e-15, abs=1e-15)
    u = np.arange(-10, 30, 0.3)
    assert float(w(u, np.zeros_like(u))) == pytest.approx(np.mean(np.abs(u)), rel=1e-14)
    wu = np.arange(len(u), dtype=float)
    assert float(w(u, np.zeros_like(u), wu, wu[::-1])) == pytest.approx(
        np.average(np.abs(u), weights=wu), rel=1e-14
    )


def test_pot_test_inputs():
    """POT's test_wasserstein_1d and emd_1d inputs (POT returns W_p^p), to 1e-12."""
    import ot

    rng = np.random.RandomState(0)
    n = 100
    x = np.linspace(0, 5, n)
    rho_u = np.abs(rng.randn(n))
    rho_u /= rho_u.sum()
    rho_v = np.abs(rng.randn(n))
    rho_v /= rho_v.sum()
    assert float(divtools.wasserstein_1d(x, x, rho_u, rho_v, p=1)) == pytest.approx(
        ot.wasserstein_1d(x, x, rho_u, rho_v, p=1), rel=1e-12
    )
    assert float(divtools.wasserstein_1d(x, x + 1, p=2)) == pytest.approx(1.0, rel=1e-15)
    X = np.stack((np.linspace(0, 5, n), np.linspace(0, 5, n) * 10), -1)
    res = divtools.wasserstein_1d(X.T, X.T, rho_u, rho_v, p=2)
    assert res[1] == pytest.approx(10 * res[0], rel=1e-14)
    for p in (1, 2, 3):
        ref = ot.wasserstein_1d(x, x, rho_u, rho_v, p=p) ** (1 / p)
        assert float(divtools.wasserstein_1d(x, x, rho_u, rho_v, p=p)) == pytest.approx(ref, rel=1e-12)
    rng = np.random.RandomState(0)
    u, v = rng.randn(20, 1), rng.randn(30, 1)
    w_u = rng.uniform(0.0, 1.0, 20)
    w_v = rng.uniform(0.0, 1.0, 30)
    w_u, w_v = w_u / w_u.sum(), w_v / w_v.sum()
    emd = ot.emd2(w_u, w_v, ot.dist(u, v, metric="sqeuclidean"))
    assert float(divtools.wasserstein_1d(u[:, 0], v[:, 0], w_u, w_v, p=2)) ** 2 == pytest.approx(
        emd, rel=1e-12
    )


# --------------------------------------------------------------------------
# Distributions given by their quantile functions.


@pytest.mark.parametrize("m1, s1, m2, s2", [(0, 1, 1, 2), (3, 0.5, -1, 0.5), (0, 1, 0, 1e-3), (0, 1e3, 5, 2)])
def test_normals_closed_form(m1, s1, m2, s2):
    from divtools.distributions.quantile import wasserstein_quantile

    exact = math.hypot(m1 - m2, s1 - s2)
    w2 = wasserstein_quantile(ss.norm(m1, s1), ss.norm(m2, s2), 2.0)  # the quadrature route
    assert float(w2) == pytest.approx(exact, rel=1e-10)
    assert w2.error <= 1e-10 * float(w2) + 1e-300
    closed = divtools.wasserstein_1d(ss.norm(m1, s1), ss.norm(m2, s2), p=2)  # recognised: closed form
    assert float(closed) == pytest.approx(exact, rel=4e-16)


@pytest.mark.parametrize(
    "dist",
    [ss.norm(0, 1), ss.logistic(2, 3), ss.gumbel_r(1, 0.5), ss.expon(0, 2), ss.t(5), ss.uniform(-1, 2)],
)
def test_shift_gives_the_shift(dist):
    shapes, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
    shifted = dist.dist(*shapes, loc=loc + 1.75, scale=scale)
    for p in (1, 2, 3):
        assert float(divtools.wasserstein_1d(dist, shifted, p=p)) == pytest.approx(1.75, rel=1e-10)


def test_divergent_and_unbounded_quantile_integrals():
    assert divtools.wasserstein_1d(ss.cauchy(), ss.norm(), p=1) == math.inf
    assert float(divtools.wasserstein_1d(ss.cauchy(), ss.cauchy(loc=3), p=1)) == pytest.approx(3.0, rel=1e-10)
    assert divtools.wasserstein_1d(ss.norm(0, 1), ss.norm(0, 2), p=math.inf) == math.inf
    assert float(divtools.wasserstein_1d(ss.uniform(0, 1), ss.uniform(0.5, 1), p=math.inf)) == pytest.approx(
        0.5, rel=1e-12
    )
    with pytest.raises(TypeError, match="two distributions"):
        divtools.wasserstein_1d(ss.norm(), np.zeros(3))


# --------------------------------------------------------------------------
# Batches, jit, vmap, grad, validation.


def test_batches_broadcast():
    rng = np.random.default_rng(2)
    U = rng.standard_normal((3, 1, 20))
    V = rng.standard_normal((4, 30))
    A = rng.random((3, 1, 20))
    out = divtools.wasserstein_1d(U, V, A, None, p=2)
    assert out.shape == (3, 4)
    for i in range(3):
        for j in range(4):
            assert out[i, j] == pytest.approx(
                float(divtools.wasserstein_1d(U[i, 0], V[j], A[i, 0], None, p=2)), rel=1e-14
            )


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("sizes", [(50, 50), (50, 70)])
@pytest.mark.parametrize("p", [1, 2, math.inf])
def test_jit_vmap_equal_eager(weighted, sizes, p):
    rng = np.random.default_rng(3)
    n, m = sizes
    U, V = rng.standard_normal((4, n)), rng.standard_normal((4, m)) + 0.3
    A, B = (rng.random((4, n)), rng.random((4, m))) if weighted else (None, None)
    eager = divtools.wasserstein_1d(U, V, A, B, p=p)
    f = lambda u, v, a, b: divtools.wasserstein_1d(u, v, a, b, p=p)
    jitted = jax.jit(f)(U, V, A, B)
    mapped = jax.vmap(f)(
        jnp.asarray(U),
        jnp.asarray(V),
        None if A is None else jnp.asarray(A),
        None if B is None else jnp.asarray(B),
    )
    np.testing.assert_allclose(jitted, eager, rtol=4 * EPS)
    np.testing.assert_allclose(mapped, eager, rtol=4 * EPS)


def test_gradients_equal_finite_differences():
    rng = np.random.default_rng(4)
    u, v = rng.standard_normal(30), rng.standard_normal(25) + 0.5
    a, b = rng.random(30) + 0.1, rng.random(25) + 0.1
    for p in (1, 2, 3):
        f = lambda u, a: divtools.wasserstein_1d(u, jnp.asarray(v), a, jnp.asarray(b), p=p)
        gu, ga = jax.grad(f, argnums=(0, 1))(jnp.asarray(u), jnp.asarray(a))
        h = 1e-7
        for _ in range(3):
            d = rng.standard_normal(30)
            fd_u = (float(f(u + h * d, a)) - float(f(u - h * d, a))) / (2 * h)
            fd_a = (float(f(u, a + h * d)) - float(f(u, a - h * d))) / (2 * h)
            assert float(gu @ d) == pytest.approx(fd_u, rel=1e-5, abs=1e-9)
            assert float(ga @ d) == pytest.approx(fd_a, rel=1e-5, abs=1e-9)
    g = jax.grad(lambda u: divtools.wasserstein_1d(u, u, p=2))(jnp.asarray(u))
    assert bool(jnp.all(jnp.isfinite(g)))  # at W = 0 the root's slope is taken as 0


@pytest.mark.parametrize(
    "args, kwargs, message",
    [
        (([0.0, math.nan], [1.0]), {}, "u_values: contains NaN"),
        (([0.0, 1.0], [math.inf]), {}, "v_values: contains inf"),
        (([0.0, 1.0], [1.0], [1.0, -1.0]), {}, "u_weights: has negative"),
        (([0.0, 1.0], [1.0], [1.0, math.nan]), {}, "u_weights: contains NaN"),
        (([0.0, 1.0], [1.0], None, [0.0]), {}, "v_weights: all weights are zero"),
        (([0.0, 1.0], [1.0], [1.0]), {}, "u_weights: shape"),
        (([], [1.0]), {}, "u_values: is empty"),
        (([0.0], [1.0]), {"p": 0.5}, "p: the order must be at least 1"),
    ],
)
def test_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        divtools.wasserstein_1d(*[None if x is None else np.asarray(x, float) for x in args], **kwargs)


# --------------------------------------------------------------------------
# Properties of a metric, on random weighted samples.

# sizes from a short list: each new pair of shapes compiles wasserstein_1d again
samples = st.sampled_from([1, 2, 5, 12]).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(-100, 100), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0.01, 10), min_size=n, max_size=n).map(np.array),
    )
)


@given(samples, samples, samples)
def test_metric_axioms_and_monotone_in_p(x, y, z):
    w = lambda s, t, p: float(divtools.wasserstein_1d(s[0], t[0], s[1], t[1], p=p))
    for p in (1, 2, 3.5):
        assert w(x, y, p) == pytest.approx(w(y, x, p), rel=1e-13, abs=1e-13)
        assert w(x, z, p) <= w(x, y, p) + w(y, z, p) + 1e-10
        assert w(x, x, p) == 0.0
    assert w(x, y, 1) <= w(x, y, 2) * (1 + 1e-13) + 1e-13
    assert w(x, y, 2) <= w(x, y, 3.5) * (1 + 1e-13) + 1e-13
    assert w(x, y, 3.5) <= w(x, y, math.inf) * (1 + 1e-13) + 1e-13


@given(samples, samples, st.floats(-50, 50), st.floats(0.1, 10))
def test_cdf_formula_translation_and_scaling(x, y, shift, scale):
    (u, a), (v, b) = x, y
    # W_1 = int |F - G|: sort the union, integrate the step functions
    pts = np.concatenate([u, v])
    signed = np.concatenate([a / a.sum(), -b / b.sum()])
    order = np.argsort(pts, kind="stable")
    gaps = np.diff(pts[order])
    integral = float(np.sum(np.abs(np.cumsum(signed[order])[:-1]) * gaps))
    assert float(divtools.wasserstein_1d(u, v, a, b)) == pytest.approx(integral, rel=1e-9, abs=1e-9)
    assert float(divtools.wasserstein_1d(u, u + shift, a, a, p=2)) == pytest.approx(
        abs(shift), rel=1e-12, abs=1e-12
    )
    assert float(divtools.wasserstein_1d(scale * u, scale * v, a, b, p=3)) == pytest.approx(
        scale * float(divtools.wasserstein_1d(u, v, a, b, p=3)), rel=1e-12, abs=1e-12
    )


# --------------------------------------------------------------------------
# Finite spaces.


def _highs_value(a, b, C):
    from scipy import optimize, sparse

    m, n = C.shape
    A = sparse.vstack(
        [sparse.kron(sparse.eye(m), np.ones((1, n))), sparse.kron(np.ones((1, m)), sparse.eye(n))]
    )
    res = optimize.linprog(
        C.ravel(),
        A_eq=A,
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    return res.fun


@pytest.mark.parametrize("m, n", [(1, 1), (3, 7), (30, 20), (60, 60)])
def test_optimal_transport_primal_dual_and_lp(m, n):
    rng = np.random.default_rng(m * 100 + n)
    a, b = rng.random(m), rng.random(n)
    a[0] = 0.0 if m > 1 else a[0]
    a, b = a / a.sum(), b / b.sum()
    C = rng.standard_normal((m, n)) ** 2 * 10 - 3
    r = divtools.optimal_transport(a, b, C)
    assert r.value == pytest.approx(r.dual_value, rel=1e-12, abs=1e-14)
    assert r.value == pytest.approx(_highs_value(a, b, C), rel=1e-9)
    np.testing.assert_allclose(r.plan.sum(1), a, atol=1e-14)
    np.testing.assert_allclose(r.plan.sum(0), b, atol=1e-14)
    assert (C - r.f[:, None] - r.g[None, :]).min() >= -1e-12 * np.abs(C).max()


def test_pot_issue_229_badly_scaled_costs():
    import ot

    M = np.array(
        [
            [2.50275352e02, 3.74653218e02, 2.41352736e03, 1.00000000e32, 1.51751540e-03],
            [2.13082030e02, 3.28812836e02, 2.29487946e03, 1.00000000e32, 1.37109800e-01],
            [1.97333083e02, 3.09175848e02, 2.24250550e03, 1.00000000e32, 2.46506283e00],
            [1.00000000e32, 1.00000000e32, 1.00000000e32, 5.26223432e00, 2.50000000e31],
            [3.84690152e01, 8.09465684e01, 3.33064175e02, 2.50000000e31, 0.00000000e00],
        ]
    )
    a = np.array([0.125, 0.125, 0.125, 0.125, 0.5])
    assert ot.emd2(a, a, M) == pytest.approx(88.509355108175, rel=1e-9)  # POT's wrong answer
    r = divtools.optimal_transport(a, a, M)
    assert r.value == pytest.approx(57.543210383175, rel=1e-13)
    assert r.value == pytest.approx(_highs_value(a, a, M), rel=1e-12)
    assert r.dual_value == pytest.approx(r.value, rel=1e-13)


def test_structured_solvers_agree_with_the_matrix_solver():
    rng = np.random.default_rng(7)
    x, y = rng.random(40), rng.random(25)
    a, b = rng.random(40), rng.random(25)
    a, b = a / a.sum(), b / b.sum()
    D = np.abs(x[:, None] - y[None, :])
    for p in (1, 2, 3):
        assert divtools.wasserstein(a, b, divtools.LineMetric(x, y), p=p) == pytest.approx(
            divtools.wasserstein(a, b, D, p=p), rel=1e-12
        )
    # a random tree: closed form against the path-length matrix
    n = 30
    parent = np.array([-1] + [int(rng.integers(0, k)) for k in range(1, n)])
    length = rng.random(n)
    depth = np.zeros(n)
    anc = [[v] for v in range(n)]
    for v in range(1, n):
        depth[v] = depth[parent[v]] + length[v]
        anc[v] = anc[parent[v]] + [v]
    lca_depth = np.array(
        [[depth[max(set(anc[i]) & set(anc[j]), key=lambda z: depth[z])] for j in range(n)] for i in range(n)]
    )
    Dt = depth[:, None] + depth[None, :] - 2 * lca_depth
    pa, pb = rng.random(n), rng.random(n)
    pa, pb = pa / pa.sum(), pb / pb.sum()
    tree = divtools.TreeMetric(parent, length)
    assert divtools.wasserstein(pa, pb, tree) == pytest.approx(divtools.wasserstein(pa, pb, Dt), rel=1e-12)
    value, f = divtools.transport.tree_wasserstein(pa, pb, tree)
    assert float(np.dot(f, pa - pb)) == pytest.approx(value, rel=1e-12)
    assert np.all(np.abs(f[:, None] - f[None, :]) <= Dt + 1e-12)


def test_kantorovich_rubinstein():
    rng = np.random.default_rng(8)
    pts = rng.random((25, 2))
    D = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    a, b = rng.random(25), rng.random(25)
    a, b = a / a.sum(), b / b.sum()
    kr = divtools.kantorovich_rubinstein(a, b, D)
    assert kr.value == pytest.approx(divtools.wasserstein(a, b, D), rel=1e-12)
    assert kr.lipschitz <= 1 + 1e-12
    # on the line: the critic of divtools.kantorovich_potential_1d
    u, v = rng.standard_normal(40), rng.standard_normal(30) + 1
    pot = divtools.kantorovich_potential_1d(u, v)
    w1 = float(divtools.wasserstein_1d(u, v))
    assert pot.value == pytest.approx(w1, rel=1e-12)
    assert np.all(np.abs(np.diff(pot.values)) <= np.diff(pot.knots) + 1e-12)
    # the critic evaluated at the samples attains the dual value
    assert np.mean(pot(u)) - np.mean(pot(v)) == pytest.approx(w1, rel=1e-12)
    # and its JAX evaluation agrees and has slopes of modulus 1 between knots
    xs = jnp.linspace(-3.0, 4.0, 101, dtype=jnp.float64)
    np.testing.assert_allclose(pot(xs), pot(np.asarray(xs)), rtol=0, atol=1e-14)
    slopes = jax.vmap(jax.grad(lambda t: pot(t)))(xs)
    assert set(np.abs(np.asarray(slopes)).round(12).tolist()) <= {0.0, 1.0}


def test_jax_gradients_of_the_optimal_value():
    rng = np.random.default_rng(9)
    a, b = rng.random(12), rng.random(15)
    a, b = a / a.sum(), b / b.sum()
    C = rng.random((12, 15))
    r = divtools.optimal_transport(a, b, C)
    value = lambda a, b, C: divtools.optimal_transport(a, b, C).value
    ga, gb, gC = jax.jit(jax.grad(value, argnums=(0, 1, 2)))(a, b, C)
    np.testing.assert_allclose(ga, r.f, atol=1e-14)
    np.testing.assert_allclose(gb, r.g, atol=1e-14)
    np.testing.assert_allclose(gC, r.plan, atol=1e-15)
    h = 1e-7
    dC = rng.standard_normal((12, 15))
    fd = (
        divtools.optimal_transport(a, b, C + h * dC).value
        - divtools.optimal_transport(a, b, C - h * dC).value
    ) / (2 * h)
    assert float(jnp.sum(gC * dC)) == pytest.approx(fd, rel=1e-6)


# --------------------------------------------------------------------------
# The lecture's parallel lines and sliced Wasserstein.


@pytest.mark.parametrize("theta", [0.0, 1e-3, 0.5, -2.0])
def test_parallel_lines(theta):
    ex = parallel_lines(theta, n=32)
    w = divtools.wasserstein(ex.p, ex.q, ex.distance)
    assert w == pytest.approx(abs(theta), rel=1e-13, abs=0)
    if theta == 0:
        assert divtools.js(ex.p, ex.q) == 0 and divtools.kl(ex.p, ex.q) == 0 and divtools.tv(ex.p, ex.q) == 0
    else:
        assert divtools.js(ex.p, ex.q) == math.log(2)
        assert divtools.kl(ex.p, ex.q) == math.inf
        assert divtools.tv(ex.p, ex.q) == 1.0


def test_sliced_wasserstein():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((200, 2))
    key = jax.random.key(0)
    s1 = divtools.sliced_wasserstein(x, x + np.array([3.0, 0.0]), key=key, n_projections=2000, p=1)
    s2 = divtools.sliced_wasserstein(x, x + np.array([3.0, 0.0]), key=key, n_projections=2000, p=1)
    assert float(s1) == float(s2)  # same key, same value
    # W_1 of a translation along theta is |<t, theta>|; E|cos| = 2/pi, with MC error ~ 1/sqrt(2000)
    assert float(s1) == pytest.approx(3.0 * 2 / math.pi, abs=4 * 3.0 * 0.31 / math.sqrt(2000))
    assert float(divtools.sliced_wasserstein(x, x, key=key)) == 0.0
    y = rng.standard_normal((150, 2)) * 2
    w = rng.random(150)
    s = float(divtools.sliced_wasserstein(x, y, None, w, key=key))
    assert s > 0
    # the JAX path (jit, float64) gives the same value as the host path
    sj = jax.jit(lambda x, y, w: divtools.sliced_wasserstein(x, y, None, w, key=key))(
        jnp.asarray(x), jnp.asarray(y), jnp.asarray(w)
    )
    assert float(sj) == pytest.approx(s, rel=1e-12)
    # a gradient with respect to the samples: moving y's mean towards x's lowers SW
    g = jax.grad(lambda s: divtools.sliced_wasserstein(x, y + s, key=key))(jnp.zeros(2))
    assert np.all(np.isfinite(np.asarray(g)))
    assert float(divtools.sliced_wasserstein(x, y - 0.1 * g / jnp.linalg.norm(g), key=key)) < float(
        divtools.sliced_wasserstein(x, y, key=key)
    )


@pytest.mark.parametrize(
    "args, match",
    [
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 3))), "x, y"),
        (dict(x=np.array([[0.0, np.nan]]), y=np.zeros((3, 2))), "x: contains NaN"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), y_weights=[1.0, -1.0, 1.0]), "y_weights: has negative"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), x_weights=[1.0, 1.0]), "x_weights: shape"),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), p=0.5), "p: "),
        (dict(x=np.zeros((3, 2)), y=np.zeros((3, 2)), n_projections=0), "n_projections"),
    ],
)
def test_sliced_wasserstein_validation(args, match):
    with pytest.raises(ValueError, match=match):
        divtools.sliced_wasserstein(key=jax.random.key(0), **args)


def test_transportation_simplex_against_the_network_simplex_and_highs(rng):
    """Small problems go to the NumPy simplex: same optimum as POT's network simplex and
    HiGHS, on random problems with zero masses, tied costs (degenerate pivots) and single
    rows or columns; its plan is feasible and its potentials certify it."""
    from scipy.optimize import linprog

    from divtools.transport import finite
    from divtools.transport.simplex import transportation_simplex

    for trial in range(120):
        m, n = (int(k) for k in rng.integers(1, 12, 2))
        a, b = rng.random(m), rng.random(n)
        if trial % 3 == 0:
            a[rng.random(m) < 0.4] = 0.0
            a[0] += 0.5
        if trial % 4 == 0:
            b[rng.random(n) < 0.4] = 0.0
            b[-1] += 0.5
        a, b = a / a.sum(), b / b.sum()
        C = rng.integers(0, 3, (m, n)).astype(float) if trial % 2 else rng.standard_normal((m, n))
        plan, u, v = transportation_simplex(a, b, C - C.min())
        assert np.all(plan >= 0)
        np.testing.assert_allclose(plan.sum(1), a, atol=1e-15)
        np.testing.assert_allclose(plan.sum(0), b, atol=1e-15)
        reduced = (C - C.min()) - u[:, None] - v[None, :]
        assert reduced.min() >= -1e-13 and np.all(np.abs(reduced[plan > 0]) <= 1e-13)
        r = divtools.optimal_transport(a, b, C)
        A_eq = np.vstack([np.kron(np.eye(m), np.ones(n)), np.kron(np.ones(m), np.eye(n))])
        highs = linprog(C.ravel(), A_eq=A_eq, b_eq=np.concatenate([a, b]), method="highs").fun
        assert r.value == pytest.approx(highs, rel=1e-12, abs=1e-14)
        saved = finite.SMALL_PROBLEM
        finite.SMALL_PROBLEM = 0
        try:
            assert divtools.optimal_transport(a, b, C).value == pytest.approx(r.value, rel=1e-13, abs=1e-15)
        finally:
            finite.SMALL_PROBLEM = saved
        assert r.dual_value == pytest.approx(r.value, rel=1e-14, abs=1e-15)


def test_transportation_simplex_bland_rule_after_many_pivots():
    """Past ``m n`` pivots the first improving cell enters (no cycling); a pivot bound
    of 0 returns None (the caller falls back to the network simplex)."""
    from divtools.transport.simplex import transportation_simplex

    a = b = np.full(6, 1 / 6)
    C = np.add.outer(np.arange(6.0), np.arange(6.0)) % 3  # many ties
    plan, u, v = transportation_simplex(a, b, C)
    assert (plan * C).sum() == pytest.approx(0.0, abs=1e-15)
    assert transportation_simplex(a, b, C, max_pivots=0) is None
