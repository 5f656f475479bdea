"""The identities and inequalities of the lectures, on random distributions.

Strategies come from :mod:`divtools.testing`; each test states one fact.
"""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import divtools
from divtools.testing import (
    disjoint_pairs,
    distribution_pairs,
    distributions,
    markov_kernels,
    nearly_equal_pairs,
)

LOG2 = math.log(2.0)
REL = 1e-12


@given(distribution_pairs(max_size=9))
def test_tv_is_the_largest_event_difference(pair):
    """TV = sup_A |P(A) - Q(A)| (brute force over all 2^n events) = ||P - Q||_1 / 2."""
    p, q = pair
    best = 0.0
    for mask in itertools.product([False, True], repeat=len(p)):
        m = np.array(mask)
        best = max(best, abs(p[m].sum() - q[m].sum()))
    assert divtools.tv(p, q) == pytest.approx(best, rel=1e-12, abs=1e-15)
    assert divtools.tv(p, q) == pytest.approx(0.5 * np.abs(p - q).sum(), rel=1e-12, abs=1e-15)


@given(distribution_pairs())
def test_js_symmetric_and_bounded(pair):
    p, q = pair
    a, b = divtools.js(p, q), divtools.js(q, p)
    assert a == pytest.approx(b, rel=REL, abs=1e-300)
    assert 0.0 <= a <= LOG2
    assert divtools.js(p, q, base=2) <= 1.0


@given(distributions())
def test_divergences_vanish_iff_equal(p):
    for name, g in divtools.GENERATORS.items():
        value = divtools.f_divergence(p, p, name)
        assert (
            value == (-math.log(4.0) if name == "gan" else 0.0)
            or name == "gan"
            and value == pytest.approx(-math.log(4.0), rel=1e-15)
        )


@given(nearly_equal_pairs(min_eps=1e-10))
def test_divergences_positive_when_different(pair):
    p, q = pair
    ratios = {Fraction(float(a)) / Fraction(float(b)) for a, b in zip(p, q)}
    assume(len(ratios) > 1)  # not exact multiples, i.e. different distributions
    for name in ("kl", "js", "tv", "squared_hellinger", "pearson", "triangular"):
        assert divtools.f_divergence(p, q, name) > 0.0


@given(disjoint_pairs())
def test_disjoint_supports(pair):
    """JS = log 2, TV = 1, KL = inf, H^2 = 2, triangular = 2, GAN value = 0."""
    p, q = pair
    assert divtools.js(p, q) == pytest.approx(LOG2, rel=1e-15)
    assert divtools.tv(p, q) == pytest.approx(1.0, rel=1e-15)
    assert divtools.kl(p, q) == math.inf and divtools.kl(q, p) == math.inf
    assert divtools.squared_hellinger(p, q) == pytest.approx(2.0, rel=1e-15)
    assert divtools.f_divergence(p, q, "triangular") == pytest.approx(2.0, rel=1e-15)
    assert divtools.f_divergence(p, q, "gan") == 0.0
    assert divtools.bhattacharyya(p, q) == math.inf


@given(distribution_pairs())
def test_kl_nonnegative_and_infinite_iff_support_not_contained(pair):
    p, q = pair
    value = divtools.kl(p, q)
    assert value >= 0.0
    assert math.isinf(value) == bool(np.any((p > 0) & (q == 0)))


def test_kl_asymmetric():
    p, q = np.array([0.9, 0.1]), np.array([0.5, 0.5])
    assert divtools.kl(p, q) == pytest.approx(0.9 * math.log(1.8) + 0.1 * math.log(0.2), rel=1e-15)
    assert divtools.kl(q, p) == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5), rel=1e-15)
    assert divtools.kl(p, q) != pytest.approx(divtools.kl(q, p), rel=0.01)


@given(distribution_pairs())
def test_named_functions_equal_the_table(pair):
    p, q = pair
    fd = divtools.f_divergence
    assert divtools.kl(p, q) == fd(p, q, "kl")
    assert divtools.js(p, q) == fd(p, q, "js")
    assert divtools.tv(p, q) == fd(p, q, "tv")
    assert divtools.jeffreys(p, q) == fd(p, q, "jeffreys")
    assert divtools.chi2(p, q) == fd(p, q, "pearson")
    assert divtools.squared_hellinger(p, q) == fd(p, q, "squared_hellinger")
    assert divtools.alpha_divergence(p, q, 2.0) == fd(p, q, divtools.generators.alpha(2.0))


@given(distribution_pairs())
def test_gan_is_two_js_minus_log4(pair):
    p, q = pair
    gan = divtools.f_divergence(p, q, "gan")
    assert gan == pytest.approx(2 * divtools.js(p, q) - math.log(4.0), rel=1e-13, abs=1e-15)


@given(distribution_pairs())
def test_reverse_generator_swaps_arguments(pair):
    p, q = pair
    fd = divtools.f_divergence
    assert fd(p, q, "reverse_kl") == pytest.approx(divtools.kl(q, p), rel=REL)
    assert fd(p, q, "neyman") == pytest.approx(fd(q, p, "pearson"), rel=REL)
    assert divtools.jeffreys(p, q) == pytest.approx(divtools.kl(p, q) + divtools.kl(q, p), rel=REL)


@given(distribution_pairs())
def test_pinsker_and_js_tv_bounds(pair):
    """Pinsker TV <= sqrt(KL/2); JS <= TV log 2; H^2/2 <= TV <= sqrt(H^2 (1 - H^2/4))."""
    p, q = pair
    tv, kl, js = divtools.tv(p, q), divtools.kl(p, q), divtools.js(p, q)
    h2 = divtools.squared_hellinger(p, q)
    slack = 1e-12
    assert tv <= math.sqrt(kl / 2) * (1 + slack) + 1e-300
    assert js <= tv * LOG2 * (1 + slack) + 1e-300
    assert h2 / 2 <= tv * (1 + slack) + 1e-300
    assert tv <= math.sqrt(h2 * (1 - h2 / 4)) * (1 + slack) + 1e-300


@given(distribution_pairs(max_size=12), st.data())
def test_data_processing_inequality(pair, data):
    """D(PK || QK) <= D(P || Q) for every Markov kernel K and every generator."""
    p, q = pair
    kernel = data.draw(markov_kernels(len(p)))
    pk, qk = p @ kernel, q @ kernel
    pk, qk = pk / pk.sum(), qk / qk.sum()
    for name in divtools.GENERATORS:
        before = divtools.f_divergence(p, q, name)
        after = divtools.f_divergence(pk, qk, name)
        assert after <= before + 1e-12 * abs(before) + 1e-15, name


@given(distribution_pairs())
def test_bits_are_nats_over_log2(pair):
    p, q = pair
    for name in ("kl", "js", "jeffreys"):
        nats = divtools.f_divergence(p, q, name)
        assert divtools.f_divergence(p, q, name, base=2) == pytest.approx(nats / LOG2, rel=1e-15)


@given(distribution_pairs(), st.integers(-60, 60), st.integers(-60, 60))
def test_normalize_is_scale_invariant(pair, j, k):
    """Scaling by powers of two (exact in floating point) changes nothing."""
    p, q = pair
    for name in ("kl", "js", "tv", "pearson"):
        scaled = divtools.f_divergence(2.0**j * p, 2.0**k * q, name, normalize=True)
        assert scaled == pytest.approx(divtools.f_divergence(p, q, name), rel=1e-15, abs=1e-300)


@given(distribution_pairs(), st.floats(0.01, 0.99))
def test_skewed_js_definition(pair, w):
    p, q = pair
    m = w * p + (1 - w) * q
    expected = w * divtools.kl(p, m, normalize=True) + (1 - w) * divtools.kl(q, m, normalize=True)
    got = divtools.js(p, q, weights=(w, 1 - w))
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-300)
    assert 0.0 <= got <= -w * math.log(w) - (1 - w) * math.log(1 - w) + 1e-15


@given(distribution_pairs())
def test_bhattacharyya_definition(pair):
    p, q = pair
    bc = np.sqrt(p * q).sum()
    value = divtools.bhattacharyya(p, q)
    if bc == 0:
        assert value == math.inf
    else:
        assert value == pytest.approx(-math.log(bc), rel=1e-10, abs=1e-15)
