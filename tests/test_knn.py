"""divtools.knn: the KSG mutual information and WKV KL divergence estimators.

* agreement with scikit-learn's ``_compute_mi_cc`` (KSG estimator 1) to rounding, on
  continuous and on tied data, and with independent references built on
  ``sklearn.neighbors`` / ``scipy.spatial.cKDTree`` and on full NumPy distance
  matrices (estimator 2, several dimensions, ``k`` above the argmin-pass limit);
* bias on known answers, with tolerances from the spread over fixed seeds;
* invariances (permutation, symmetry), the boundary checks, the array rule.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.special import digamma

import divtools
from divtools import knn

sk_mi = pytest.importorskip("sklearn.feature_selection._mutual_info")
neighbors = pytest.importorskip("sklearn.neighbors")


# --------------------------------------------------------------------------
# References.


def ksg1_neighbors(x, y, k):
    """scikit-learn's ``_compute_mi_cc`` for ``(n, d)`` arrays, unclamped: the same
    NearestNeighbors / KDTree calls with the rows reshaped to ``(n, d)``."""
    n = x.shape[0]
    x, y = x.reshape(n, -1), y.reshape(n, -1)
    nn = neighbors.NearestNeighbors(metric="chebyshev", n_neighbors=k).fit(np.hstack((x, y)))
    radius = np.nextafter(nn.kneighbors()[0][:, -1], 0)
    nx = neighbors.KDTree(x, metric="chebyshev").query_radius(x, radius, count_only=True) - 1.0
    ny = neighbors.KDTree(y, metric="chebyshev").query_radius(y, radius, count_only=True) - 1.0
    return digamma(n) + digamma(k) - np.mean(digamma(nx + 1)) - np.mean(digamma(ny + 1))


def ksg2_dense(x, y, k):
    """KSG estimator 2 from full ``n x n`` max-norm distance matrices (small ``n``)."""
    n = x.shape[0]
    x, y = x.reshape(n, -1), y.reshape(n, -1)
    dx = np.abs(x[:, None, :] - x[None, :, :]).max(-1)
    dy = np.abs(y[:, None, :] - y[None, :, :]).max(-1)
    dz = np.maximum(dx, dy)
    np.fill_diagonal(dz, np.inf)
    idx = np.argsort(dz, axis=1, kind="stable")[:, :k]
    ex = np.take_along_axis(dx, idx, 1).max(1)
    ey = np.take_along_axis(dy, idx, 1).max(1)
    off = ~np.eye(n, dtype=bool)
    nx = ((dx <= ex[:, None]) & off).sum(1)
    ny = ((dy <= ey[:, None]) & off).sum(1)
    return digamma(k) - 1 / k + digamma(n) - np.mean(digamma(nx) + digamma(ny))


def wkv_kdtree(p, q, k):
    """The WKV estimate from scipy's cKDTree (Euclidean)."""
    n = p.shape[0]
    p, q = p.reshape(n, -1), q.reshape(q.shape[0], -1)
    rho = cKDTree(p).query(p, k + 1)[0][:, -1]
    nu = cKDTree(q).query(p, [k])[0][:, -1]
    return p.shape[1] * np.mean(np.log(nu / rho)) + np.log(q.shape[0] / (n - 1))


def correlated(rng, n, rho=0.75, d=1):
    x = rng.normal(size=(n, d) if d > 1 else n)
    return x, rho * x + np.sqrt(1 - rho**2) * rng.normal(size=x.shape)


# --------------------------------------------------------------------------
# (a) Agreement with references, by both searches: k-d trees (concrete host input
# in low dimension) and the blocked brute force (XLA).


@pytest.fixture(params=["tree", "brute"])
def search(request, monkeypatch):
    monkeypatch.setattr(knn, "_SEARCH", request.param)
    return request.param


def _datasets():
    rng = np.random.default_rng(11)
    x = rng.normal(size=500)
    yield "gaussian n=500", x, 0.6 * x + rng.normal(size=500)
    x = rng.uniform(-1, 1, 1000)
    yield "sine n=1000", x, np.sin(3 * x) + 0.3 * rng.normal(size=1000)
    x = rng.standard_t(3, 2000)
    yield "heavy tails n=2000", x, x * rng.lognormal(size=2000)


def test_ksg1_matches_sklearn_compute_mi_cc(search):
    for i, (name, x, y) in enumerate(_datasets()):
        for k in (3, 7) if i == 0 else (3,):
            ref = sk_mi._compute_mi_cc(x, y, k)
            assert ref > 0.05, name  # not clamped at 0
            r = knn.ksg_mutual_information(x, y, k=k)
            assert abs(r.value - ref) <= 1e-12, (name, k, r.value, ref)


def test_ksg1_matches_sklearn_on_tied_data_and_is_not_clamped(search):
    rng = np.random.default_rng(12)
    x, y = correlated(rng, 500, rho=0.5)
    x, y = np.round(x, 1), np.round(y, 1)  # many ties, eps = 0 for some points
    r = knn.ksg_mutual_information(x, y)
    assert abs(r.value - sk_mi._compute_mi_cc(x, y, 3)) <= 1e-12
    # independent samples: a negative estimate, which scikit-learn reports as 0
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=500), rng.normal(size=500)
    r = knn.ksg_mutual_information(x, y)
    assert r.value < 0
    assert sk_mi._compute_mi_cc(x, y, 3) == 0.0
    assert abs(r.value - ksg1_neighbors(x, y, 3)) <= 1e-12


@pytest.mark.parametrize("d", [2, 3])
def test_ksg1_matches_sklearn_neighbors_in_several_dimensions(d, search):
    rng = np.random.default_rng(13 + d)
    x, y = correlated(rng, 800, rho=0.6, d=d)
    y = y[:, :-1]  # d_y = d - 1, not d_x
    r = knn.ksg_mutual_information(x, y, k=4)
    assert abs(r.value - ksg1_neighbors(x, y, 4)) <= 1e-12


@pytest.mark.parametrize("d", [1, 2])
def test_ksg2_matches_dense_reference(d, search):
    rng = np.random.default_rng(20 + d)
    x, y = correlated(rng, 300, rho=0.8, d=d)
    for k in (1, 3):
        r = knn.ksg_mutual_information(x, y, k=k, variant=2)
        assert abs(r.value - ksg2_dense(x, y, k)) <= 1e-12


def test_ksg2_ties_take_the_lower_index(search):
    rng = np.random.default_rng(23)
    x, y = np.round(correlated(rng, 300, rho=0.8), 1)
    r = knn.ksg_mutual_information(x, y, k=3, variant=2)
    assert abs(r.value - ksg2_dense(x, y, 3)) <= 1e-12


def test_large_k_takes_top_k_and_agrees(search):
    rng = np.random.default_rng(24)
    x, y = correlated(rng, 500)
    assert knn._PASSES_K < 40
    r = knn.ksg_mutual_information(x, y, k=40)
    assert abs(r.value - sk_mi._compute_mi_cc(x, y, 40)) <= 1e-12
    r2 = knn.ksg_mutual_information(x, y, k=40, variant=2)
    assert abs(r2.value - ksg2_dense(x, y, 40)) <= 1e-12
    p, q = rng.normal(size=(500, 2)), rng.normal(0.5, 1.0, size=(600, 2))
    assert abs(knn.wkv_kl_divergence(p, q, k=40).value - wkv_kdtree(p, q, 40)) <= 1e-12


@pytest.mark.parametrize("d, k", [(1, 1), (3, 4)])
def test_wkv_matches_kdtree_reference(d, k, search):
    rng = np.random.default_rng(30 + d)
    p = rng.normal(size=(700, d) if d > 1 else 700)
    q = 0.5 + 1.3 * rng.normal(size=(900, d) if d > 1 else 900)
    r = knn.wkv_kl_divergence(p, q, k=k)
    assert abs(r.value - wkv_kdtree(p, q, k)) <= 1e-12


def test_broadcast_distances_above_the_unrolled_dimension(monkeypatch):
    """Distances over more than ``_UNROLL_D`` coordinates (one broadcast reduction): a
    shape no other test uses, traced afresh with the limit lowered."""
    monkeypatch.setattr(knn, "_SEARCH", "brute")
    monkeypatch.setattr(knn, "_UNROLL_D", 1)
    rng = np.random.default_rng(41)
    x, y = correlated(rng, 150, d=3)
    assert abs(knn.ksg_mutual_information(x, y).value - ksg1_neighbors(x, y, 3)) <= 1e-12
    p, q = rng.normal(size=(150, 3)), rng.normal(0.5, 1.0, size=(160, 3))
    assert abs(knn.wkv_kl_divergence(p, q).value - wkv_kdtree(p, q, 1)) <= 1e-12


def test_block_size_changes_nothing(monkeypatch):
    monkeypatch.setattr(knn, "_SEARCH", "brute")
    rng = np.random.default_rng(40)
    x, y = correlated(rng, 500, d=2)
    for v in (1, 2):
        base = knn.ksg_mutual_information(x, y, variant=v)
        assert knn.ksg_mutual_information(x, y, variant=v, block_size=7) == base  # padded blocks
    p, q = rng.normal(size=(300, 2)), rng.normal(size=(400, 2))
    assert knn.wkv_kl_divergence(p, q, k=2, block_size=13) == knn.wkv_kl_divergence(p, q, k=2)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_trees_and_brute_force_count_alike_on_tied_data(d, monkeypatch):
    """Coarsely rounded data: many zero distances, ties at the k-th joint distance
    (variant 2 redoes those rows from a radius query and takes the lower rows) and
    marginal distances equal to the radius. The counts are the same integers."""
    rng = np.random.default_rng(70 + d)
    x, y = correlated(rng, 400, rho=0.7, d=d)
    x, y = np.round(x, 0), np.round(y, 1)
    for k in (1, 3, 6):
        for variant in (1, 2):
            monkeypatch.setattr(knn, "_SEARCH", "tree")
            xs, ys = x.reshape(400, -1), y.reshape(400, -1)
            tree = knn._ksg_tree_counts(xs, ys, k, variant)
            brute = knn._ksg_counts(jnp.asarray(xs), jnp.asarray(ys), k=k, variant=variant, block=64)
            np.testing.assert_array_equal(tree[0], brute[0])
            np.testing.assert_array_equal(tree[1], brute[1])
            r = knn.ksg_mutual_information(x, y, k=k, variant=variant)
            monkeypatch.setattr(knn, "_SEARCH", "brute")
            b = knn.ksg_mutual_information(x, y, k=k, variant=variant)
            assert abs(r.value - b.value) <= 1e-13 and abs(r.stderr - b.stderr) <= 1e-13
            if variant == 2 and d == 1:
                assert abs(r.value - ksg2_dense(x, y, k)) <= 1e-12


def test_wkv_trees_and_brute_force_agree(monkeypatch):
    rng = np.random.default_rng(75)
    for d, k in ((1, 1), (2, 3), (4, 2), (6, 5)):
        p, q = rng.normal(size=(600, d)), rng.normal(0.4, 1.1, size=(500, d))
        values = []
        for s in ("tree", "brute"):
            monkeypatch.setattr(knn, "_SEARCH", s)
            values.append(knn.wkv_kl_divergence(p, q, k=k))
        assert abs(values[0].value - values[1].value) <= 1e-13, d
        assert abs(values[0].stderr - values[1].stderr) <= 1e-13, d


def test_search_rule_trees_in_low_dimension_without_compiling(monkeypatch):
    """Concrete host input in low dimension never reaches XLA (no compilation); above
    the measured dimension, and for traced input, the brute force runs."""
    assert knn._trees(100, 4) and knn._trees(6000, 6) and knn._trees(20_000, 8)
    assert not knn._trees(1000, 5) and not knn._trees(6000, 8) and not knn._trees(10**6, 9)
    monkeypatch.setattr(knn, "_ksg", lambda *a, **s: pytest.fail("brute force for a tree problem"))
    monkeypatch.setattr(knn, "_wkv", lambda *a, **s: pytest.fail("brute force for a tree problem"))
    rng = np.random.default_rng(76)
    x, y = correlated(rng, 3000, d=2)
    assert abs(knn.ksg_mutual_information(x, y).value - ksg1_neighbors(x, y, 3)) <= 1e-12
    r = knn.ksg_mutual_information(jnp.asarray(x), jnp.asarray(y))  # concrete JAX on the CPU
    assert isinstance(r.value, jax.Array)
    assert abs(knn.wkv_kl_divergence(x, y).value - wkv_kdtree(x, y, 1)) <= 1e-12
    with pytest.raises(BaseException, match="brute force"):
        jax.jit(lambda a, b: knn.ksg_mutual_information(a, b).value)(x, y)


# --------------------------------------------------------------------------
# (b) Bias on known answers: the mean over fixed seeds within 4 standard errors of
# that mean (the spread over the seeds over sqrt(seeds)).


def _within(values, truth, what):
    values = np.asarray(values)
    se = values.std(ddof=1) / np.sqrt(len(values))
    assert abs(values.mean() - truth) <= 4 * se, (what, values.mean() - truth, se)
    return values


@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_bivariate_gaussian(variant):
    rho = 0.75
    truth = -0.5 * np.log(1 - rho**2)  # 0.4133 nats
    values, errors = [], []
    for seed in range(12):
        x, y = correlated(np.random.default_rng(seed), 2000, rho)
        r = knn.ksg_mutual_information(x, y, variant=variant)
        values.append(r.value)
        errors.append(r.stderr)
    values = _within(values, truth, f"KSG-{variant}")
    # the reported standard error is the per-point spread, of the order of the real one
    assert 0.5 < np.mean(errors) / values.std(ddof=1) < 2.5
    # in bits
    x, y = correlated(np.random.default_rng(0), 2000, rho)
    bits = knn.ksg_mutual_information(x, y, variant=variant, base=2)
    nats = knn.ksg_mutual_information(x, y, variant=variant)
    np.testing.assert_allclose(bits, np.array(nats) / np.log(2), rtol=1e-14)


def test_ksg_independent_three_dimensional_pairs():
    values = []
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        values.append(
            knn.ksg_mutual_information(rng.normal(size=(2000, 3)), rng.normal(size=(2000, 3))).value
        )
    _within(values, 0.0, "KSG independent d=3")


def test_wkv_gaussians_in_one_and_two_dimensions():
    values = []
    for seed in range(8):
        rng = np.random.default_rng(200 + seed)
        values.append(knn.wkv_kl_divergence(rng.normal(0, 1, 5000), rng.normal(1, 1, 5000)).value)
    _within(values, 0.5, "WKV N(0,1) || N(1,1)")
    cp, mu, cq = np.array([[1.0, 0.5], [0.5, 1.0]]), np.array([0.5, -0.5]), 2 * np.eye(2)
    truth = float(
        divtools.kl(divtools.MultivariateNormal(np.zeros(2), cp), divtools.MultivariateNormal(mu, cq))
    )
    lp, lq = np.linalg.cholesky(cp), np.linalg.cholesky(cq)
    values = []
    for seed in range(8):
        rng = np.random.default_rng(300 + seed)
        p, q = rng.normal(size=(5000, 2)) @ lp.T, mu + rng.normal(size=(5000, 2)) @ lq.T
        values.append(knn.wkv_kl_divergence(p, q).value)
    _within(values, truth, "WKV 2-D Gaussians")


# --------------------------------------------------------------------------
# (c) Invariances.


@pytest.mark.parametrize("variant", [1, 2])
def test_ksg_permutation_invariant_and_symmetric(variant, search):
    rng = np.random.default_rng(50)
    x, y = correlated(rng, 500, d=2)
    r = knn.ksg_mutual_information(x, y, variant=variant)
    perm = rng.permutation(500)
    rp = knn.ksg_mutual_information(x[perm], y[perm], variant=variant)
    rs = knn.ksg_mutual_information(y, x, variant=variant)
    for other in (rp, rs):  # the same counts; the means summed in another order
        assert abs(other.value - r.value) <= 1e-13
        assert abs(other.stderr - r.stderr) <= 1e-13
    assert rs.value != knn.ksg_mutual_information(x, 3 * y, variant=variant).value  # not scale-free


def test_wkv_invariances(search):
    rng = np.random.default_rng(51)
    p, q = rng.normal(size=(300, 2)), rng.normal(0.3, 1.2, size=(400, 2))
    r = knn.wkv_kl_divergence(p, q, k=2)
    assert knn.wkv_kl_divergence(p, q[rng.permutation(400)], k=2) == r  # exactly: same distances
    # power-of-two scaling is exact; the squared distances neither overflow nor underflow
    for c in (8.0, 2.0**600, 2.0**-600):
        assert knn.wkv_kl_divergence(c * p, c * q, k=2) == r
    rot = np.array([[0.6, -0.8], [0.8, 0.6]])
    moved = knn.wkv_kl_divergence(p @ rot.T + 5.0, q @ rot.T + 5.0, k=2)
    assert abs(moved.value - r.value) <= 1e-10
    perm = rng.permutation(300)
    assert abs(knn.wkv_kl_divergence(p[perm], q, k=2).value - r.value) <= 1e-13


# --------------------------------------------------------------------------
# (d) The boundary.

_X = np.linspace(0.0, 1.0, 20) ** 2
_Y = np.cos(np.linspace(0.0, 3.0, 20))


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(x=np.r_[_X[:-1], np.nan]), ValueError, "x"),
        (dict(y=np.r_[_Y[:-1], np.inf]), ValueError, "y"),
        (dict(y=_Y[:-1]), ValueError, "x, y"),
        (dict(x=_X.reshape(2, 2, 5), y=_Y.reshape(2, 2, 5)), ValueError, "x"),
        (dict(x=np.zeros(0), y=np.zeros(0)), ValueError, "x"),
        (dict(x=np.zeros((20, 0))), ValueError, "x"),
        (dict(x="abc"), TypeError, "x"),
        (dict(x=_X[:1], y=_Y[:1]), ValueError, "x, y"),
        (dict(k=0), ValueError, "k"),
        (dict(k=20), ValueError, "k"),
        (dict(k=2.5), TypeError, "k"),
        (dict(k=True), TypeError, "k"),
        (dict(k="3"), TypeError, "k"),
        (dict(variant=3), ValueError, "variant"),
        (dict(variant=0), ValueError, "variant"),
        (dict(variant=1.0), TypeError, "variant"),
        (dict(variant="1"), TypeError, "variant"),
        (dict(base=0), ValueError, "base"),
        (dict(base=1), ValueError, "base"),
        (dict(base=-2.0), ValueError, "base"),
        (dict(base=float("inf")), ValueError, "base"),
        (dict(block_size=0), ValueError, "block_size"),
        (dict(block_size=1.5), TypeError, "block_size"),
    ],
)
def test_ksg_bad_arguments_name_themselves(kwargs, error, name, monkeypatch):
    for fn in ("_ksg", "_ksg_tree"):
        monkeypatch.setattr(knn, fn, lambda *a, **s: pytest.fail("computed before the checks"))
    args = dict(x=_X, y=_Y) | kwargs
    with pytest.raises(error, match=f"^{name}:"):
        knn.ksg_mutual_information(args.pop("x"), args.pop("y"), **args)


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(x_p=np.r_[_X[:-1], np.nan]), ValueError, "x_p"),
        (dict(x_q=np.r_[_Y[:-1], -np.inf]), ValueError, "x_q"),
        (dict(x_q=np.ones((20, 2))), ValueError, "x_q"),
        (dict(x_p=_X[:1]), ValueError, "x_p"),
        (dict(x_p=[[1.0, 2.0], [3.0, 4.0j]]), TypeError, "x_p"),
        (dict(k=0), ValueError, "k"),
        (dict(k=20), ValueError, "k"),  # n - 1 = 19 other points of x_p
        (dict(x_q=_Y[:5], k=6), ValueError, "k"),  # m = 5
        (dict(k=1.0), TypeError, "k"),
        (dict(base=1.0), ValueError, "base"),
        (dict(base=0.0), ValueError, "base"),
    ],
)
def test_wkv_bad_arguments_name_themselves(kwargs, error, name, monkeypatch):
    for fn in ("_wkv", "_wkv_tree"):
        monkeypatch.setattr(knn, fn, lambda *a, **s: pytest.fail("computed before the checks"))
    args = dict(x_p=_X, x_q=_Y) | kwargs
    with pytest.raises(error, match=f"^{name}:"):
        knn.wkv_kl_divergence(args.pop("x_p"), args.pop("x_q"), **args)


def test_wkv_zero_distances_are_named(search):
    q = np.r_[_Y[1:], 2.5]  # cos(0) = 1 is a point of _X
    p = _X.copy()
    p[4] = p[3]  # a repeated point of x_p
    with pytest.raises(ValueError, match="^x_p: 2 points are at distance 0"):
        knn.wkv_kl_divergence(p, q)
    assert np.isfinite(knn.wkv_kl_divergence(p, q, k=2).value)  # the 2nd neighbour is apart
    shared = q.copy()
    shared[5] = _X[7]
    with pytest.raises(ValueError, match="^x_q: 1 points of x_p"):
        knn.wkv_kl_divergence(_X, shared)
    assert np.isfinite(knn.wkv_kl_divergence(_X, q).value)


# --------------------------------------------------------------------------
# (e) The array rule and tracing.


def test_numpy_in_numpy_out_in_its_dtype_with_x64_off(search):
    rng = np.random.default_rng(60)
    x, y = correlated(rng, 500)
    ref = knn.ksg_mutual_information(x, y)
    assert type(ref.value) is np.float64 and type(ref.stderr) is np.float64
    with jax.enable_x64(False):
        off = knn.ksg_mutual_information(x, y)
        wkv = knn.wkv_kl_divergence(x, y)
        assert not jax.config.jax_enable_x64  # not flipped
    assert type(off.value) is np.float64 and off == ref  # float64, computed in float64
    assert type(wkv.value) is np.float64
    r32 = knn.ksg_mutual_information(x.astype(np.float32), y.astype(np.float32))
    assert type(r32.value) is np.float32
    assert abs(r32.value - ref.value) < 1e-3
    ints = knn.ksg_mutual_information(np.arange(500) % 7, np.arange(500) % 5)  # integers: float64
    assert type(ints.value) is np.float64
    lists = knn.ksg_mutual_information(x.tolist(), y.tolist())
    assert lists == ref


def test_jax_in_jax_out_and_under_jit():
    rng = np.random.default_rng(61)
    x, y = correlated(rng, 500)
    ref = knn.ksg_mutual_information(x, y)
    r = knn.ksg_mutual_information(jnp.asarray(x), jnp.asarray(y))
    assert isinstance(r.value, jax.Array) and r.value.dtype == jnp.float64
    assert float(r.value) == ref.value
    r32 = knn.ksg_mutual_information(jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
    assert r32.value.dtype == jnp.float32
    jitted = jax.jit(lambda a, b: knn.ksg_mutual_information(a, b).value)(jnp.asarray(x), jnp.asarray(y))
    assert abs(float(jitted) - ref.value) <= 1e-13
    w = knn.wkv_kl_divergence(jnp.asarray(x), jnp.asarray(y))
    assert isinstance(w.value, jax.Array)
    assert float(w.value) == knn.wkv_kl_divergence(x, y).value


def test_reached_from_the_package():
    assert divtools.knn is knn
    assert "knn" in dir(divtools)
