"""Multivariate normals: closed forms against a 60-digit mpmath reference (nearly equal
pairs, condition number 1e12), the 1-D closed forms in d = 1, batches, ``jit``/``grad``;
the Frechet distance against scipy's ``sqrtm`` formula where that works and against
mpmath where it does not (fewer samples than dimensions, singular and ill-conditioned
covariances); Gaussian mutual information; validation.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
import scipy.linalg
import scipy.stats as st

import divtools
from divtools import MultivariateNormal as MVN
from divtools import Normal
from divtools.discrete.generators import alpha
from divtools.distributions import gaussian_mutual_information

EPS = 2.0**-52
DPS = 60


# --------------------------------------------------------------------------
# The reference: textbook formulas in 60-digit arithmetic.


def M(a):
    return mp.matrix([[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(a)])


def V(a):
    return mp.matrix([mp.mpf(float(v)) for v in np.ravel(a)])


def logdet(S):
    L = mp.cholesky(S)
    return 2 * mp.fsum(mp.log(L[i, i]) for i in range(S.rows))


def ref_kl(m1, S1, m2, S2):
    with mp.workdps(DPS):
        S1, S2, d = M(S1), M(S2), V(np.asarray(m1) - 0) - V(m2)
        inv2 = S2**-1
        tr = mp.fsum((inv2 * S1)[i, i] for i in range(S1.rows))
        maha = (d.T * inv2 * d)[0]
        return (tr - S1.rows + maha + logdet(S2) - logdet(S1)) / 2


def ref_renyi(m1, S1, m2, S2, a):
    with mp.workdps(DPS):
        a = mp.mpf(a)
        S1, S2, d = M(S1), M(S2), V(m1) - V(m2)
        Sa = a * S2 + (1 - a) * S1
        maha = (d.T * Sa**-1 * d)[0]
        return a / 2 * maha - (logdet(Sa) - (1 - a) * logdet(S1) - a * logdet(S2)) / (2 * (a - 1))


def psd_sqrt(S):
    lam, Q = mp.eigsy(S)
    D = mp.diag([mp.sqrt(max(x, 0)) for x in lam])
    return Q * D * Q.T


def ref_frechet(m1, S1, m2, S2):
    with mp.workdps(DPS):
        S1, S2, d = M(S1), M(S2), V(m1) - V(m2)
        A = psd_sqrt(S1)
        lam, _ = mp.eigsy(A * S2 * A)
        root = mp.fsum(mp.sqrt(max(x, 0)) for x in lam)
        tr = mp.fsum(S1[i, i] + S2[i, i] for i in range(S1.rows))
        return mp.fsum(x * x for x in d) + tr - 2 * root


def ref_sample_moments(x):
    with mp.workdps(DPS):
        X = [[mp.mpf(float(v)) for v in row] for row in np.asarray(x)]
        n, dim = len(X), len(X[0])
        mean = [mp.fsum(r[j] for r in X) / n for j in range(dim)]
        cov = mp.matrix(dim, dim)
        for i in range(dim):
            for j in range(dim):
                cov[i, j] = mp.fsum((r[i] - mean[i]) * (r[j] - mean[j]) for r in X) / (n - 1)
        return mean, cov


def ref_frechet_samples(x, y):
    (m1, S1), (m2, S2) = ref_sample_moments(x), ref_sample_moments(y)
    with mp.workdps(DPS):
        A = psd_sqrt(S1)
        lam, _ = mp.eigsy(A * S2 * A)
        root = mp.fsum(mp.sqrt(max(v, 0)) for v in lam)
        tr = mp.fsum(S1[i, i] + S2[i, i] for i in range(S1.rows))
        return mp.fsum((a - b) ** 2 for a, b in zip(m1, m2)) + tr - 2 * root


def rel(value, ref):
    ref = mp.mpf(ref)
    return float(abs(mp.mpf(float(value)) - ref) / abs(ref)) if ref != 0 else abs(float(value))


def spd(rng, d, cond=10.0):
    """A symmetric positive definite matrix with the given condition number."""
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.geomspace(1.0, 1.0 / cond, d)
    S = (Q * lam) @ Q.T
    return 0.5 * (S + S.T)


def scipy_fid(m1, S1, m2, S2):
    """The formula of pytorch-fid and clean-fid (without their eps retry)."""
    covmean = scipy.linalg.sqrtm(S1 @ S2)
    return float(np.sum((m1 - m2) ** 2) + np.trace(S1) + np.trace(S2) - 2 * np.trace(covmean).real), covmean


# --------------------------------------------------------------------------
# Closed forms.


@pytest.mark.parametrize("cond", [10.0, 1e6, 1e12])
def test_closed_forms_against_mpmath(cond, rng):
    for d in (2, 5):
        S1, S2 = spd(rng, d, cond), spd(rng, d, cond)
        m1, m2 = rng.standard_normal(d), rng.standard_normal(d)
        P, Q = MVN(m1, S1), MVN(m2, S2)
        # backward stable: the problem's own sensitivity to rounding S_Q's entries is
        # about cond(S_Q) eps (relative); well-conditioned pairs to a few ulps
        tol = 16 * EPS * cond
        assert rel(divtools.kl(P, Q), ref_kl(m1, S1, m2, S2)) <= tol
        for a in (0.25, 0.5, 0.9):
            assert rel(divtools.renyi_divergence(P, Q, a), ref_renyi(m1, S1, m2, S2, a)) <= tol, a


def test_nearly_equal_pairs_keep_their_digits(rng):
    """``S2 = S1 + eps (sym)``, means ``eps`` apart: KL ~ eps^2 while the trace and the
    log-determinant are ~d; the textbook formula loses everything below eps ~ 1e-8."""
    d = 6
    S1 = spd(rng, d, 100.0)
    for eps in (1e-4, 1e-7, 1e-10):
        E = rng.standard_normal((d, d)) * eps
        S2 = S1 + (E @ E.T + 0.5 * (E + E.T)) * 1.0
        S2 = 0.5 * (S2 + S2.T)
        m1 = rng.standard_normal(d)
        m2 = m1 + eps * rng.standard_normal(d)
        P, Q = MVN(m1, S1), MVN(m2, S2)
        assert rel(divtools.kl(P, Q), ref_kl(m1, S1, m2, S2)) <= 1e-12, eps
        assert rel(divtools.renyi_divergence(P, Q, 0.5), ref_renyi(m1, S1, m2, S2, 0.5)) <= 1e-12
        assert rel(divtools.renyi_divergence(P, Q, 1 - 1e-9), ref_renyi(m1, S1, m2, S2, 1 - 1e-9)) <= 1e-10
        # the Bures term from S2 - S1 itself (the textbook trace formula: eps tr S / B,
        # no digit left at eps = 1e-10)
        assert rel(divtools.frechet_distance_gaussian(P, Q), ref_frechet(m1, S1, m2, S2)) <= 1e-13
    # identical: exactly zero
    P = MVN(m1, S1)
    assert divtools.kl(P, P) == 0.0
    assert divtools.frechet_distance_gaussian(P, P) >= 0.0


NAMES = ["kl", "reverse_kl", "jeffreys", "pearson", "neyman", "squared_hellinger"]


def test_dimension_one_matches_the_univariate_closed_forms():
    for m1, s1, m2, s2 in [(0.3, 1.3, -0.7, 0.6), (0.0, 1.0, 0.0, 1.1), (2.0, 0.5, -1.0, 0.9)]:
        P, Q = MVN([m1], [[s1 * s1]]), MVN([m2], [[s2 * s2]])
        Pd, Qd = MVN.from_diagonal([m1], [s1 * s1]), MVN.from_diagonal([m2], [s2 * s2])
        N1, N2 = Normal(m1, s1), Normal(m2, s2)
        for name in NAMES:
            want = divtools.f_divergence(N1, N2, name)
            for a, b in ((P, Q), (Pd, Qd)):
                got = divtools.f_divergence(a, b, name)
                assert got == pytest.approx(want, rel=8 * EPS) or (math.isinf(want) and math.isinf(got)), name
        for order in (0.3, 2.5, -1.5):
            want = divtools.f_divergence(N1, N2, alpha(order))
            got = divtools.f_divergence(P, Q, alpha(order))
            assert got == pytest.approx(want, rel=32 * EPS) or (math.isinf(want) and math.isinf(got))
        assert divtools.bhattacharyya(P, Q) == pytest.approx(divtools.bhattacharyya(N1, N2), rel=8 * EPS)
        w2 = float(divtools.wasserstein_1d(st.norm(m1, s1), st.norm(m2, s2), p=2))
        assert float(divtools.frechet_distance_gaussian(P, Q)) == pytest.approx(w2 * w2, rel=1e-9)
        assert float(divtools.frechet_distance_gaussian(P, Q)) == pytest.approx(
            (m1 - m2) ** 2 + (s1 - s2) ** 2, rel=4 * EPS
        )


def test_renyi_orders_and_their_special_cases(rng):
    d = 3
    P = MVN(rng.standard_normal(d), spd(rng, d, 5.0))
    Q = MVN(rng.standard_normal(d), 3.0 * spd(rng, d, 5.0))
    orders = [0.0, 0.2, 0.5, 0.9, 1.0, 1.1, 2.0]
    D = [float(divtools.renyi_divergence(P, Q, a)) for a in orders]
    assert D[0] == 0.0 and all(x <= y for x, y in zip(D, D[1:]))
    assert D[orders.index(1.0)] == pytest.approx(float(divtools.kl(P, Q)), rel=4 * EPS)
    assert D[2] == pytest.approx(2 * float(divtools.bhattacharyya(P, Q)), rel=4 * EPS)
    chi2 = float(divtools.chi2(P, Q))
    assert (math.isinf(chi2) and math.isinf(D[-1])) or D[-1] == pytest.approx(math.log1p(chi2), rel=8 * EPS)
    h2 = float(divtools.squared_hellinger(P, Q))
    assert h2 == pytest.approx(2 * (1 - math.exp(-D[2] / 2)), rel=8 * EPS)
    # order inf: finite iff S_Q - S_P is positive definite; log sup p/q
    wide = MVN(np.zeros(2), 4 * np.eye(2))
    narrow = MVN(np.array([0.5, 0.0]), np.eye(2))

    def log_ratio(x):
        return st.multivariate_normal(narrow.mean, narrow.cov).logpdf(x) - st.multivariate_normal(
            wide.mean, wide.cov
        ).logpdf(x)

    top = log_ratio(np.array([2.0 / 3.0, 0.0]))  # the maximiser: d/dx = -(x - 1/2) + x/4 = 0
    assert all(log_ratio(np.array([2.0 / 3.0 + h, k])) < top for h in (-0.1, 0.1) for k in (-0.1, 0.0, 0.1))
    assert float(divtools.renyi_divergence(narrow, wide, math.inf)) == pytest.approx(top, rel=1e-14)
    assert divtools.renyi_divergence(wide, narrow, math.inf) == math.inf
    assert divtools.renyi_divergence(narrow, narrow, math.inf) == 0.0


def test_batches_broadcast(rng):
    d = 3
    means = rng.standard_normal((4, d))
    covs = np.stack([spd(rng, d, 10.0) for _ in range(4)])
    Q = MVN(np.zeros(d), np.eye(d))
    got = divtools.kl(MVN(means, covs), Q)
    assert got.shape == (4,)
    for i in range(4):
        assert got[i] == pytest.approx(float(divtools.kl(MVN(means[i], covs[i]), Q)), rel=4 * EPS)
    # diagonal covariances: the sum of the coordinates' 1-D divergences
    var1, var2 = rng.uniform(0.5, 2, (4, d)), rng.uniform(0.5, 2, d)
    got = divtools.kl(MVN.from_diagonal(means, var1), MVN.from_diagonal(np.zeros(d), var2))
    want = np.sum(divtools.kl(Normal(means, np.sqrt(var1)), Normal(0.0, np.sqrt(var2))), axis=-1)
    assert np.allclose(got, want, rtol=8 * EPS, atol=0)


def test_scipy_multivariate_normal_is_recognised(rng):
    d = 3
    S1, S2 = spd(rng, d), spd(rng, d)
    m1, m2 = rng.standard_normal(d), rng.standard_normal(d)
    ours = divtools.kl(MVN(m1, S1), MVN(m2, S2))
    assert divtools.kl(st.multivariate_normal(m1, S1), st.multivariate_normal(m2, S2)) == ours
    assert divtools.kl(st.multivariate_normal(m1, S1), MVN(m2, S2)) == ours


def test_jit_and_gradients(rng):
    d = 3
    S1, S2 = spd(rng, d, 10.0), spd(rng, d, 10.0)
    m1, m2 = rng.standard_normal(d), rng.standard_normal(d)

    def kl(m, S):
        return divtools.kl(MVN(m, S), MVN(jnp.asarray(m2), jnp.asarray(S2)))

    def textbook(m, S):
        inv = jnp.linalg.inv(S2)
        diff = m2 - m
        return 0.5 * (
            jnp.trace(inv @ S) + diff @ inv @ diff - d + jnp.linalg.slogdet(S2)[1] - jnp.linalg.slogdet(S)[1]
        )

    args = (jnp.asarray(m1), jnp.asarray(S1))
    assert float(jax.jit(kl)(*args)) == pytest.approx(float(kl(*args)), rel=8 * EPS)
    for ours, theirs in zip(jax.grad(kl, argnums=(0, 1))(*args), jax.grad(textbook, argnums=(0, 1))(*args)):
        assert np.allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    fid = lambda x, y: divtools.frechet_distance(x, y)
    x, y = jnp.asarray(rng.standard_normal((40, 3))), jnp.asarray(rng.standard_normal((30, 3)) + 0.5)
    assert float(jax.jit(fid)(x, y)) == pytest.approx(float(fid(np.asarray(x), np.asarray(y))), rel=1e-12)

    def fid_textbook(x, y):
        m1, m2 = x.mean(0), y.mean(0)
        C1, C2 = jnp.cov(x, rowvar=False), jnp.cov(y, rowvar=False)
        lam, Vec = jnp.linalg.eigh(C1)
        A = (Vec * jnp.sqrt(lam)) @ Vec.T
        return (
            jnp.sum((m1 - m2) ** 2)
            + jnp.trace(C1)
            + jnp.trace(C2)
            - 2 * jnp.sum(jnp.sqrt(jnp.linalg.eigvalsh(A @ C2 @ A)))
        )

    assert np.allclose(jax.grad(fid)(x, y), jax.grad(fid_textbook)(x, y), rtol=1e-8, atol=1e-10)


# --------------------------------------------------------------------------
# The Frechet distance.


def test_frechet_agrees_with_the_sqrtm_formula_where_that_works(rng):
    for d in (2, 8, 32):
        x = rng.standard_normal((4 * d + 50, d)) @ rng.standard_normal((d, d))
        y = rng.standard_normal((3 * d + 60, d)) @ rng.standard_normal((d, d)) + 0.3
        m1, m2 = x.mean(0), y.mean(0)
        S1, S2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
        theirs, _ = scipy_fid(m1, S1, m2, S2)
        assert float(divtools.frechet_distance(x, y)) == pytest.approx(theirs, rel=1e-10)
        assert float(divtools.frechet_distance_gaussian(m1, S1, m2, S2)) == pytest.approx(theirs, rel=1e-10)


def test_frechet_is_real_and_exact_where_sqrtm_fails(rng):
    """Fewer samples than dimensions, a singular covariance and an ill-conditioned pair:
    divtools against the 60-digit reference; scipy's formula for the record."""
    cases = {
        "n < d": (rng.standard_normal((6, 10)), rng.standard_normal((5, 10)) + 0.1),
        "duplicated feature": (
            np.repeat(rng.standard_normal((40, 3)), 2, axis=1),
            np.repeat(rng.standard_normal((40, 3)), 2, axis=1),
        ),
        "identical samples": (np.tile(rng.standard_normal((4, 6)), (1, 1)),) * 2,
    }
    for name, (x, y) in cases.items():
        ours = float(divtools.frechet_distance(x, y))
        ref = ref_frechet_samples(x, y)
        assert ours >= 0.0, name
        assert abs(mp.mpf(ours) - ref) <= 1e-12 * max(1.0, abs(float(ref))) * 10, (name, ours, ref)
    # ill-conditioned covariances given directly
    d = 6
    S1, S2 = spd(rng, d, 1e12), spd(rng, d, 1e12)
    m = np.zeros(d)
    ours = float(divtools.frechet_distance_gaussian(m, S1, m, S2))
    assert rel(ours, ref_frechet(m, S1, m, S2)) <= 1e-10


def test_frechet_is_never_negative_and_zero_for_identical_inputs(rng):
    for d in (3, 20):
        x = rng.standard_normal((50, d))
        value = float(divtools.frechet_distance(x, x))
        assert 0.0 <= value <= 1e-13 * d


# --------------------------------------------------------------------------
# Mutual information of a Gaussian vector.


def test_gaussian_mutual_information(rng):
    rho = 0.75
    assert gaussian_mutual_information([[1, rho], [rho, 1]], 1) == pytest.approx(
        -0.5 * math.log(1 - rho * rho), rel=4 * EPS
    )
    d = 5
    S = spd(rng, d, 50.0)
    with mp.workdps(DPS):
        Sm = M(S)
        ref = (logdet(Sm[0:2, 0:2]) + logdet(Sm[2:5, 2:5]) - logdet(Sm)) / 2
    assert rel(gaussian_mutual_information(S, 2), ref) <= 1e-13
    assert rel(gaussian_mutual_information(S, [0, 1], [2, 3, 4]), ref) <= 1e-13
    # weak dependence: the determinant formula cancels, canonical correlations do not
    S = np.eye(4)
    S[0, 3] = S[3, 0] = 1e-9
    assert gaussian_mutual_information(S, 2) == pytest.approx(0.5e-18, rel=1e-12)
    assert gaussian_mutual_information(np.eye(4), 2) == 0.0
    assert gaussian_mutual_information(S, 2, base=2) == pytest.approx(0.5e-18 / math.log(2), rel=1e-12)


# --------------------------------------------------------------------------
# Validation.


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: divtools.kl(MVN([0.0, 0.0], np.eye(2)), MVN([0.0], np.eye(1))),
            ValueError,
            "different dimensions",
        ),
        (
            lambda: divtools.kl(MVN([0.0, 0.0], [[1.0, 0.5], [0.0, 1.0]]), MVN([0.0, 0.0], np.eye(2))),
            ValueError,
            "symmetric",
        ),
        (
            lambda: divtools.kl(MVN([0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]]), MVN([0.0, 0.0], np.eye(2))),
            ValueError,
            "positive definite",
        ),
        (
            lambda: divtools.kl(MVN([0.0, np.nan], np.eye(2)), MVN([0.0, 0.0], np.eye(2))),
            ValueError,
            "mean must be finite",
        ),
        (
            lambda: divtools.kl(MVN([0.0, 0.0], np.eye(3)), MVN([0.0, 0.0], np.eye(2))),
            ValueError,
            r"cov must have shape",
        ),
        (
            lambda: divtools.kl(MVN([0.0], [[1.0]]), Normal(0.0, 1.0)),
            TypeError,
            "compares with a multivariate normal only",
        ),
        (lambda: divtools.js(MVN([0.0], [[1.0]]), MVN([0.0], [[2.0]])), TypeError, "no closed form for js"),
        (
            lambda: divtools.tv(st.multivariate_normal([0, 0]), st.multivariate_normal([1, 0])),
            TypeError,
            "closed forms: kl",
        ),
        (
            lambda: divtools.frechet_distance(np.ones((1, 3)), np.ones((4, 3))),
            ValueError,
            "x: expected samples",
        ),
        (
            lambda: divtools.frechet_distance(np.ones((4, 3)), np.ones((4, 2))),
            ValueError,
            "different dimensions",
        ),
        (
            lambda: divtools.frechet_distance(np.full((4, 2), np.nan), np.ones((4, 2))),
            ValueError,
            "x: contains NaN",
        ),
        (
            lambda: divtools.frechet_distance_gaussian(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2)),
            ValueError,
            "sigma1: must be positive semi-definite",
        ),
        (
            lambda: divtools.frechet_distance_gaussian(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2)),
            ValueError,
            "mu1, sigma1",
        ),
        (lambda: gaussian_mutual_information(np.eye(3), 3), ValueError, "x: the number of coordinates"),
        (lambda: gaussian_mutual_information(np.eye(3), [0], [0]), ValueError, "disjoint"),
        (lambda: gaussian_mutual_information(-np.eye(3), 1), ValueError, "positive definite"),
        (
            lambda: divtools.renyi_divergence(st.laplace(), st.laplace(1), math.inf),
            TypeError,
            "order: Renyi divergences of order inf",
        ),
        (lambda: MVN(["a"], [[1.0]]), TypeError, "mean"),
    ],
)
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()
