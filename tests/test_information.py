"""Entropy, cross-entropy, mutual information, conditional measures and Renyi measures.

Against an independent 50-digit oracle (``tests/reference.py``, mpmath, adaptive
precision) on random and extreme pmfs, on both evaluators; the identities of
information theory as properties (chain rules, CE = H + KL, MI >= 0 and exactly 0
for product tables of counts, Renyi monotone in its order and equal to its
special cases); against scipy and scikit-learn on their own inputs; under
``jit``, ``vmap`` and ``grad``; and every bad argument named.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
import reference as R
import scipy.spatial.distance
import scipy.stats
from hypothesis import given
from sklearn.metrics import mutual_info_score

import divtools
from divtools.discrete import information, pmf
from divtools.testing import distribution_pairs, distributions, joint_tables, product_tables

EPS = 2.0**-52
ORDERS = [0.0, 0.25, 0.5, 1 - 1e-9, 1.0, 1 + 1e-9, 2.0, 7.5, 100.0, math.inf]


def within(value, ref, ulps=8, absolute=0.0):
    """``|value - ref|`` within ``ulps`` units of ``eps |ref|`` (and of the smallest
    subnormal, the spacing of results below the normal range), or ``absolute``."""
    if R.relative_error(value, ref) <= ulps * EPS:
        return True
    err = abs(mp.mpf(float(value)) - ref)
    return err <= ulps * 2.0**-1074 or err <= absolute


def panel(rng, count=24):
    """pmfs: typical, masses down to 1e-300, near point masses, zeros, counts."""
    out = []
    for i in range(count):
        n = int(rng.integers(2, 7))
        kind = i % 6
        if kind == 0:
            p, norm = rng.dirichlet(np.ones(n)), False
        elif kind == 1:
            p, norm = np.exp(rng.uniform(-690, 0, n)), True
        elif kind == 2:
            p, norm = rng.integers(1, 1000, n).astype(float), True
        elif kind == 3:
            p, norm = np.r_[1 - 1e-12, np.full(n - 1, 1e-12 / (n - 1))], False
        elif kind == 4:
            p = rng.dirichlet(np.ones(n))
            p[rng.integers(n)] = 0.0
            p, norm = p / p.sum(), False
        else:
            p, norm = np.r_[1.0, np.full(n - 1, 5e-324)], True  # subnormal masses
        out.append((p, norm))
    return out


@pytest.fixture(params=["numpy", "xla"])
def evaluator(request, monkeypatch):
    """Both evaluators: the XLA one forced by a zero size threshold."""
    if request.param == "xla":
        monkeypatch.setattr(pmf, "XLA_ABOVE", 0)
    return request.param


# --------------------------------------------------------------------------
# Against the oracle.


def test_entropy_and_cross_entropy_to_a_few_ulps(rng, evaluator):
    cases = panel(rng)
    for (p, norm), (q, norm_q) in zip(cases, cases[1:] + cases[:1]):
        assert within(divtools.entropy(p, normalize=norm), R.entropy(p), 4), p
        if len(q) == len(p):
            value = divtools.cross_entropy(p, q, normalize=norm or norm_q)
            assert within(value, R.cross_entropy(p, q), 4), (p, q)


def test_entropy_where_the_textbook_formulas_cancel():
    # a point mass perturbed by 1e-300: -sum p log p after rounding p/S gives 0 or worse
    p = np.array([1.0, 1e-300])
    assert within(divtools.entropy(p, normalize=True), R.entropy(p), 2)
    # counts whose entropy is tiny: log S - sum c log c / S cancels 7 digits
    c = np.array([1e7, 1.0])
    assert within(divtools.entropy(c, normalize=True), R.entropy(c), 2)
    # counts beyond the float range in total
    c = np.array([1e308, 1e308, 1e308])
    assert within(divtools.entropy(c, normalize=True), math.log(3), 2)


def tables(rng, count=18):
    out = []
    for i in range(count):
        shape = tuple(int(s) for s in rng.integers(2, 5, size=2 + (i % 3 == 2)))
        kind = i % 4
        if kind == 0:
            T = rng.dirichlet(np.ones(math.prod(shape))).reshape(shape)
        elif kind == 1:  # nearly independent: the entropy formula cancels
            marg = [rng.dirichlet(np.ones(s)) for s in shape]
            T = marg[0]
            for m in marg[1:]:
                T = np.multiply.outer(T, m)
            T = T * (1 + 1e-7 * rng.standard_normal(shape))
            T = T / T.sum()
        elif kind == 2:  # masses from 1e-300 to 1
            T = np.exp(rng.uniform(-690, 0, shape))
            T = T / T.sum()
        else:  # counts with zeros
            T = rng.integers(0, 50, shape).astype(float)
            T.flat[0] += 1
        out.append(T)
    return out


def test_mutual_information_to_a_few_ulps(rng, evaluator):
    for T in tables(rng, 18 if evaluator == "numpy" else 8):  # XLA: a compilation per shape
        norm = bool(T.max() > 1)
        groups = [(a,) for a in range(T.ndim)]
        value = divtools.mutual_information(T, axes=tuple(range(T.ndim)), normalize=norm)
        # the product of the marginals is a double-word (2**-104): a floor of ~1e-60 absolute
        assert within(value, R.mutual_information(T, groups), 8, absolute=1e-60), T
        if T.ndim == 3:
            value = divtools.mutual_information(T, axes=(0, 1), given=2, normalize=norm)
            assert within(value, R.mutual_information(T, [(0,), (1,)], (2,)), 8, absolute=1e-60)
            value = divtools.mutual_information(T, axes=(0, (1, 2)), normalize=norm)
            assert within(value, R.mutual_information(T, [(0,), (1, 2)]), 8, absolute=1e-60)


def test_conditional_entropy_to_a_few_ulps(rng, evaluator):
    for T in tables(rng, 18 if evaluator == "numpy" else 8):
        norm = bool(T.max() > 1)
        T2 = T if T.ndim == 2 else T.sum(2)
        value = divtools.conditional_entropy(T2, axis=0, given=1, normalize=norm)
        assert within(value, R.conditional_entropy(T2, 0, (1,)), 4)
        if T.ndim == 3:
            value = divtools.conditional_entropy(T, axis=(0, 2), given=1, normalize=norm)
            assert within(value, R.conditional_entropy(T, (0, 2), (1,)), 4)


def test_mutual_information_keeps_its_digits_where_entropies_cancel():
    """``H(X) + H(Y) - H(X, Y)`` at a nearly independent table: scikit-learn and the
    entropy formula lose the leading digits; the KL form keeps all of them."""
    rng = np.random.default_rng(0)
    T = np.outer(rng.dirichlet(np.ones(4)), rng.dirichlet(np.ones(5))) * (
        1 + 1e-9 * rng.standard_normal((4, 5))
    )
    T /= T.sum()
    ref = R.mutual_information(T, [(0,), (1,)])
    assert within(divtools.mutual_information(T), ref, 4)
    H = divtools.entropy
    naive = H(T.sum(1)) + H(T.sum(0)) - H(T.ravel())
    assert R.relative_error(naive, ref) > 1e-3  # the decomposition is ill-conditioned here


@pytest.mark.parametrize("order", ORDERS)
def test_renyi_divergence_and_entropy_to_a_few_ulps(order, rng, evaluator):
    cases = panel(rng, 12)
    for (p, norm), (q, norm_q) in zip(cases, cases[3:] + cases[:3]):
        assert within(divtools.renyi_entropy(p, order, normalize=norm), R.renyi_entropy(p, order), 8), p
        if len(q) == len(p):
            value = divtools.renyi_divergence(p, q, order, normalize=norm or norm_q)
            assert within(value, R.renyi_divergence(p, q, order), 16), (p, q, order)


def test_renyi_divergence_near_order_one_and_for_nearly_equal_pmfs(rng):
    p = rng.dirichlet(np.ones(6))
    q = p * (1 + 1e-6 * rng.standard_normal(6))
    q /= q.sum()
    for order in [1 - 1e-12, 1 + 1e-12, 0.5, 3.0]:
        assert within(divtools.renyi_divergence(p, q, order), R.renyi_divergence(p, q, order), 8)


# --------------------------------------------------------------------------
# Identities (properties).


@given(joint_tables())
def test_mutual_information_is_non_negative_and_its_entropy_form(T):
    mi = float(divtools.mutual_information(T))
    assert mi >= 0.0
    H = divtools.entropy
    hx, hy, hxy = float(H(T.sum(1))), float(H(T.sum(0))), float(H(T.ravel()))
    assert abs(mi - (hx + hy - hxy)) <= 16 * EPS * (hx + hy + hxy)


@given(product_tables())
def test_mutual_information_is_exactly_zero_for_product_tables_of_counts(T):
    assert divtools.mutual_information(T, normalize=True) == 0.0
    assert divtools.mutual_information(np.stack([T, T]), axes=(1, 2), normalize=True).tolist() == [0.0, 0.0]


@given(joint_tables(dims=3))
def test_chain_rules(T):
    H = divtools.entropy
    hxy = float(H(T.sum(2).ravel()))
    hx = float(H(T.sum((1, 2))))
    h_y_given_x = float(divtools.conditional_entropy(T.sum(2), axis=1, given=0))
    assert abs(hxy - (hx + h_y_given_x)) <= 16 * EPS * hxy  # H(X, Y) = H(X) + H(Y | X)
    # I(X; Y | Z) = H(X | Z) - H(X | Y, Z) >= 0, and I(X; (Y, Z)) = I(X; Z) + I(X; Y | Z)
    cmi = float(divtools.conditional_mutual_information(T, axes=(0, 1), given=2))
    assert cmi >= 0.0
    a = float(divtools.conditional_entropy(T.sum(1), axis=0, given=1))
    b = float(divtools.conditional_entropy(T, axis=0, given=(1, 2)))
    assert abs(cmi - (a - b)) <= 16 * EPS * (a + b + 1e-300)
    total = float(divtools.mutual_information(T, axes=(0, (1, 2))))
    part = float(divtools.mutual_information(T.sum(1), axes=(0, 1)))
    assert abs(total - (part + cmi)) <= 16 * EPS * (total + 1e-300)


@given(distribution_pairs(min_size=2, max_size=12))
def test_cross_entropy_is_entropy_plus_kl(pair):
    p, q = pair
    ce, h, kl = (float(v) for v in (divtools.cross_entropy(p, q), divtools.entropy(p), divtools.kl(p, q)))
    if math.isinf(kl):
        assert math.isinf(ce)
    else:
        assert abs(ce - (h + kl)) <= 4 * EPS * ce
        assert ce >= h


@given(distribution_pairs(min_size=2, max_size=12, zeros=False))
def test_renyi_orders(pair):
    p, q = pair
    D = [float(divtools.renyi_divergence(p, q, a)) for a in ORDERS]
    assert all(x <= y * (1 + 8 * EPS) + 1e-300 for x, y in zip(D, D[1:])), D  # non-decreasing
    Hs = [float(divtools.renyi_entropy(p, a)) for a in ORDERS]
    assert all(x >= y * (1 - 8 * EPS) for x, y in zip(Hs, Hs[1:])), Hs  # non-increasing
    half = float(divtools.renyi_divergence(p, q, 0.5))
    assert abs(half - 2 * float(divtools.bhattacharyya(p, q))) <= 8 * EPS * half + 1e-300
    two = float(divtools.renyi_divergence(p, q, 2))
    assert abs(two - math.log1p(float(divtools.chi2(p, q)))) <= 8 * EPS * two + 1e-300
    kl = float(divtools.kl(p, q))
    assert abs(float(divtools.renyi_divergence(p, q, 1 + 1e-10)) - kl) <= 1e-8 * kl + 1e-300


@given(distributions(min_size=1, max_size=12))
def test_entropy_bounds_and_renyi_entropy_special_cases(p):
    n_support = int(np.count_nonzero(p))
    h = float(divtools.entropy(p))
    assert 0.0 <= h <= math.log(n_support) * (1 + 4 * EPS)
    assert float(divtools.renyi_entropy(p, 0)) == pytest.approx(math.log(n_support), rel=4 * EPS)
    assert within(divtools.renyi_entropy(p, math.inf), R.renyi_entropy(p, math.inf), 4)
    assert within(divtools.renyi_entropy(p, 2), R.renyi_entropy(p, 2), 8)


def test_exact_values():
    assert divtools.entropy([0.5, 0.25, 0.25], base=2) == 1.5
    assert divtools.mutual_information([[0.5, 0.0], [0.0, 0.5]], base=2) == 1.0
    xor = np.zeros((2, 2, 2))
    for x in (0, 1):
        for y in (0, 1):
            xor[x, y, x ^ y] = 0.25
    assert divtools.mutual_information(xor.sum(2)) == 0.0
    assert divtools.conditional_mutual_information(xor, base=2) == 1.0
    assert divtools.mutual_information(xor, axes=(0, 1, 2), base=2) == 1.0  # total correlation
    assert divtools.conditional_entropy([[0.25, 0.25], [0.5, 0.0]], base=2) == 0.5
    assert divtools.renyi_divergence([0.5, 0.5], [1.0, 0.0], 0.5) == math.log(2)  # -2 log sqrt(1/2)
    assert divtools.renyi_divergence([0.5, 0.5], [1.0, 0.0], 0.0) == 0.0
    assert divtools.renyi_divergence([0.5, 0.5], [1.0, 0.0], 2.0) == math.inf
    assert divtools.renyi_divergence([1.0, 0.0], [0.5, 0.5], math.inf) == math.log(2)
    assert divtools.renyi_divergence([1.0, 0.0], [0.0, 1.0], 0.3) == math.inf
    assert divtools.cross_entropy([0.5, 0.5], [1.0, 0.0]) == math.inf


# --------------------------------------------------------------------------
# Against the libraries users compare with.


def test_against_scipy_and_scikit_learn(rng):
    for _ in range(20):
        n, m = (int(s) for s in rng.integers(2, 8, size=2))
        C = rng.integers(0, 30, (n, m))
        C[0, 0] += 1
        theirs = mutual_info_score(None, None, contingency=C)
        ours = divtools.mutual_information(C, normalize=True)
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
        p, q = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        assert divtools.entropy(p) == pytest.approx(scipy.stats.entropy(p), rel=1e-14)
        assert divtools.entropy(p, base=2) == pytest.approx(scipy.stats.entropy(p, base=2), rel=1e-14)
        assert divtools.kl(p, q) == pytest.approx(scipy.stats.entropy(p, q), rel=1e-13)
        assert divtools.js_distance(p, q) == pytest.approx(
            scipy.spatial.distance.jensenshannon(p, q), rel=1e-13
        )
        assert divtools.js_distance(p, q, base=2) == pytest.approx(
            scipy.spatial.distance.jensenshannon(p, q, base=2), rel=1e-13
        )
        h = divtools.hellinger_distance(p, q)
        assert h == pytest.approx(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2), rel=1e-12)
        assert h**2 == pytest.approx(divtools.squared_hellinger(p, q) / 2, rel=4 * EPS)
    # batched and along an axis: scipy's axis convention
    P = rng.dirichlet(np.ones(5), size=(3, 4))
    assert np.allclose(divtools.entropy(P), scipy.stats.entropy(P, axis=-1), rtol=1e-14, atol=0)
    assert np.allclose(
        divtools.entropy(P, axis=1, normalize=True), scipy.stats.entropy(P, axis=1), rtol=1e-14
    )


# --------------------------------------------------------------------------
# The array rule and transformations.


def test_jax_in_jax_out_and_transformations(rng):
    T = rng.dirichlet(np.ones(24)).reshape(2, 3, 4)
    Tj = jnp.asarray(T)
    for fn in [
        lambda t: divtools.mutual_information(t, axes=(0, 1, 2)),
        lambda t: divtools.conditional_mutual_information(t, axes=(0, 1), given=2),
        lambda t: divtools.conditional_entropy(t, axis=0, given=(1, 2)),
        lambda t: divtools.entropy(t, axis=(0, 1, 2)),
        lambda t: divtools.renyi_entropy(t.ravel(), 3.0),
        lambda t: divtools.renyi_divergence(t.ravel(), t[::-1].ravel(), 0.7),
        lambda t: divtools.cross_entropy(t.ravel(), t[::-1].ravel()),
    ]:
        want = fn(T)
        assert isinstance(want, np.float64)
        got = fn(Tj)
        assert isinstance(got, jax.Array)
        assert float(got) == pytest.approx(float(want), rel=4 * EPS)
        assert float(jax.jit(fn)(Tj)) == pytest.approx(float(want), rel=8 * EPS)
    batch = rng.dirichlet(np.ones(6), size=5)
    v = jax.vmap(lambda r: divtools.entropy(r))(jnp.asarray(batch))
    assert np.allclose(np.asarray(v), divtools.entropy(batch), rtol=8 * EPS, atol=0)
    f32 = divtools.entropy(np.float32([0.25, 0.75]))
    assert f32.dtype == np.float32


def naive(name):
    def mi(t):
        t = t / t.sum()
        return jnp.sum(t * jnp.log(t / (t.sum(1, keepdims=True) * t.sum(0, keepdims=True))))

    def h(t):
        t = t / t.sum()
        return -jnp.sum(t * jnp.log(t))

    def d(t, q, a):
        t = t / t.sum()
        return jnp.log(jnp.sum(t**a * q ** (1 - a))) / (a - 1)

    def hc(t):  # H(Y | X), joint[x, y]
        t = t / t.sum()
        return -jnp.sum(t * jnp.log(t / t.sum(1, keepdims=True)))

    return {"mi": mi, "h": h, "d": d, "hc": hc}[name]


def test_gradients_match_the_textbook_formulas_inside_the_support(rng):
    T = jnp.asarray(rng.dirichlet(np.ones(12)).reshape(3, 4))
    p, q = (jnp.asarray(rng.dirichlet(np.ones(5))) for _ in range(2))
    pairs = [
        (divtools.mutual_information, naive("mi"), T),
        (divtools.conditional_entropy, naive("hc"), T),
        (divtools.entropy, naive("h"), p),
        (lambda t: divtools.renyi_divergence(t, q, 0.3), lambda t: naive("d")(t, q, 0.3), p),
        (lambda t: divtools.renyi_divergence(t, q, 2.5), lambda t: naive("d")(t, q, 2.5), p),
    ]
    for ours, textbook, x in pairs:
        assert np.allclose(jax.grad(ours)(x), jax.grad(textbook)(x), rtol=1e-12, atol=1e-13)


# --------------------------------------------------------------------------
# Validation and names.


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: divtools.entropy([0.5, 0.6]), "p: does not sum to 1"),
        (lambda: divtools.entropy([0.5, -0.5, 1.0]), "p: has negative"),
        (lambda: divtools.entropy([np.nan, 1.0]), "p: contains NaN"),
        (lambda: divtools.entropy(["a", "b"]), "p: expected real numbers"),
        (lambda: divtools.entropy([1.0], axis=1), "axis: axis 1 is out of range"),
        (lambda: divtools.entropy([1.0], axis=1.5), "axis: expected an axis"),
        (lambda: divtools.entropy([1.0], base=1), "base:"),
        (lambda: divtools.entropy([1.0], normalize="yes"), "normalize:"),
        (lambda: divtools.entropy(1.0), "p: expected an array with at least one axis"),
        (lambda: divtools.cross_entropy([1.0], [0.5, 0.5]), "different numbers of outcomes"),
        (
            lambda: divtools.mutual_information([[0.5, 0.5]], axes=(0,)),
            "axes: expected a sequence of at least 2",
        ),
        (lambda: divtools.mutual_information([[0.5, 0.5]], axes=(0, 0)), "must not share an axis"),
        (lambda: divtools.mutual_information([[0.5, 0.5]], axes=(0, 2)), "axes: axis 2 is out of range"),
        (lambda: divtools.mutual_information([[0.5, 0.5]], axes=(0, 1), given=1), "must not share an axis"),
        (lambda: divtools.mutual_information(np.ones((2, 0)), normalize=True), "no outcomes"),
        (lambda: divtools.mutual_information([[0.5, 0.6]]), "joint: does not sum to 1"),
        (lambda: divtools.conditional_mutual_information(np.ones((2, 2, 2)) / 8, given=None), "given:"),
        (lambda: divtools.conditional_entropy([[0.5, 0.5]], axis=0, given=0), "must not share an axis"),
        (lambda: divtools.renyi_divergence([1.0], [1.0], -1), "order: expected a number in"),
        (lambda: divtools.renyi_divergence([1.0], [1.0], math.nan), "order:"),
        (lambda: divtools.renyi_divergence([1.0], [1.0], "2"), "order: expected a real number"),
        (lambda: divtools.renyi_entropy([1.0], None), "order: expected a real number"),
        (lambda: divtools.f_divergence([1.0], [1.0], "Hellingr"), "did you mean 'hellinger'"),
        (lambda: divtools.f_divergence([1.0], [1.0], "nonsense"), "unknown divergence 'nonsense'"),
    ],
)
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_generator_names_are_case_insensitive_with_aliases():
    p, q = [0.2, 0.8], [0.6, 0.4]
    for name, canonical in [
        ("KL", "kl"),
        ("Kullback-Leibler", "kl"),
        ("hellinger", "squared_hellinger"),
        ("Squared Hellinger", "squared_hellinger"),
        ("chi2", "pearson"),
        ("Jensen-Shannon", "js"),
        ("TV", "tv"),
        ("total variation", "tv"),
        ("reverse KL", "reverse_kl"),
    ]:
        assert divtools.generators.get(name) is divtools.GENERATORS[canonical]
        assert divtools.f_divergence(p, q, name) == divtools.f_divergence(p, q, canonical)


def test_the_exact_and_the_variational_mutual_information_point_at_each_other():
    assert "divtools.variational.mutual_information" in divtools.mutual_information.__doc__
    assert "divtools.mutual_information" in divtools.variational.mutual_information.__doc__
    assert information.mutual_information is divtools.mutual_information
