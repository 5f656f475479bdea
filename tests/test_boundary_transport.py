"""Boundary tests of the transport and MMD functions.

Every finite float64 input that is valid gets its true value, checked against
exact references (rational arithmetic and mpmath, :mod:`reference`): values up
to ``1e308`` in magnitude, subnormal values and weights, orders ``p`` up to a
few thousand, on each evaluator (NumPy; traced under ``jit``/``vmap``/``grad``;
compiled: the XLA merge of more than ``2**16`` samples, and the compiled JAX
evaluator). Every bad argument raises ``ValueError``/``TypeError`` naming it.

Tolerances: ``W_p`` to ``8 eps`` relative (the algorithm's few ulps) plus one
subnormal ulp ``2^-1074`` absolute where the true value is subnormal (the
result is rounded to the subnormal grid); under XLA, which flushes subnormal
numbers to zero, ``2^-1021`` absolute where a sample mixes values above 1 with
subnormal ones (those read as 0 there). Optimal transport values to ``1e-13``
relative (the certified solver's tolerance); MMD to ``4 eps``.
"""

from __future__ import annotations

import math
import re

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
import reference as R
from boundary import BAD_COUNT, BAD_KEY, BAD_POSITIVE, BAD_REAL, NOT_NUMBERS, bad_arrays, rejects
from hypothesis import given, settings
from hypothesis import strategies as st

import divtools
from divtools._core import backend as B
from divtools.lectures import mmd
from divtools.transport import line

EPS = 2.0**-52
SUBNORMAL_ULP = 2.0**-1074
XLA_FLUSH = 2.0**-1021


def close(value, ref, *, rel=8 * EPS, absolute=SUBNORMAL_ULP) -> bool:
    """``|value - ref| <= rel |ref| + absolute`` (``ref`` an mpf or float; ``inf`` matches ``inf``)."""
    value = float(value)
    if ref == mp.inf or math.isinf(value):
        return value == float(ref)
    with mp.workdps(60):
        return abs(mp.mpf(value) - ref) <= rel * abs(ref) + absolute


# --------------------------------------------------------------------------
# wasserstein_1d on every evaluator.


def _np(x):
    return None if x is None else np.asarray(x, dtype=np.float64)


def _jnp(x):
    return None if x is None else jnp.asarray(np.asarray(x, dtype=np.float64))


def on_numpy(u, v, a, b, p):
    return divtools.wasserstein_1d(_np(u), _np(v), _np(a), _np(b), p=p)


def under_jit(u, v, a, b, p):
    return jax.jit(lambda *z: divtools.wasserstein_1d(*z, p=p))(_jnp(u), _jnp(v), _jnp(a), _jnp(b))


def under_vmap(u, v, a, b, p):
    """A batch of two copies, mapped."""
    two = lambda x: None if x is None else jnp.stack([_jnp(x)] * 2)
    out = jax.vmap(lambda *z: divtools.wasserstein_1d(*z, p=p))(two(u), two(v), two(a), two(b))
    assert float(out[0]) == float(out[1]) or (math.isnan(out[0]) and math.isnan(out[1]))
    return out[0]


def under_grad(u, v, a, b, p):
    """The value computed while ``jax.grad`` traces (and a gradient that is not NaN)."""
    value, grad = jax.value_and_grad(lambda u: divtools.wasserstein_1d(u, _jnp(v), _jnp(a), _jnp(b), p=p))(
        _jnp(u)
    )
    if math.isfinite(float(value)):
        assert not np.isnan(np.asarray(grad)).any()
    return value


def compiled_large(u, v, a, b, p):
    """NumPy input with more than 2**16 samples: the levels and the merge run compiled
    by XLA. Both samples repeated ``k`` times (the measures are unchanged)."""
    k = 2**16 // min(len(u), len(v)) + 1
    a = np.ones(len(u)) if a is None else _np(a)
    b = np.ones(len(v)) if b is None else _np(b)
    out = divtools.wasserstein_1d(np.tile(_np(u), k), np.tile(_np(v), k), np.tile(a, k), np.tile(b, k), p=p)
    return out


def compiled_jax(u, v, a, b, p):
    """The XLA evaluator of JAX arrays (accelerators): the kernel compiled whole."""
    return B.XLA.run(line._distance, _jnp(u), _jnp(v), _jnp(a), _jnp(b), p=float(p), x64=False)


PATHS = {
    "numpy": on_numpy,
    "jit": under_jit,
    "vmap": under_vmap,
    "grad": under_grad,
    "compiled_large": compiled_large,
    "compiled_jax": compiled_jax,
}

#: The reported failures: (u, v, u_weights, v_weights, p), with their true values.
REPORTED = {
    # (|0 - 2|^1100 + |1 - 2|^1100) / 2 overflowed: 2 (1/2 + 2^-1101)^(1/1100) = 1.99874...
    "p=1100": ([0.0, 1.0], [2.0], None, None, 1100),
    # total weight 1e308 + 2: the mass sits at 0, W = mean(5, 6, 8) - tiny = 6.333...
    "weights 1e308": ([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], [1e308, 1.0, 1.0], None, 1),
    # equal subnormal weights are equal weights: W = 5
    "subnormal weights": ([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], [5e-324] * 3, None, 1),
    # min + max overflowed in the finiteness check
    "values 1.7e308": ([1.7e308], [1.7e308], None, None, 1),
    # the sum of the costs overflowed: W = (1e308 + 1e308) / 2
    "sum of costs": ([1e308, -1e308], [0.0, 0.0], None, None, 1),
    "sum of squares": ([1e308, -1e308], [0.0, 0.0], None, None, 2),
    "large p, large values": ([1e308, -1e308], [0.0, 0.0, 5.0], None, None, 3000),
    # a cost above the float range on a short interval, W below it: 0.943e308
    "overflowing cost": ([0.0, 0.9e308], [-0.9e308, 0.0], [1.0, 1.1], [1.1, 1.0], 1),
    "weights 1e308 and 1e300": (
        [0.0, 1.0, 3.0],
        [5.0, 6.0, 8.0],
        [1e-310, 2e-310, 3e-310],
        [1e308, 1e300, 1],
        3,
    ),
    "subnormal values": ([5e-324, 1e-323], [2e-323], None, None, 1),
    "subnormal values, weighted": ([5e-324, 1e-323], [2e-323], [1.0, 3.0], None, 2.5),
    "large p, weighted": ([0.0, 1.0], [2.0], [3.0, 1.0], None, 3000),
    "p=inf": ([1e308, -1e308], [0.0, 1.0], None, None, math.inf),
    # W beyond the float range: inf (documented), not nan
    "overflow": ([1.7e308], [-1.7e308], None, None, 1),
    "overflow, p=2": ([1.7e308, 1.7e308], [-1.7e308, -1.7e308], None, None, 2),
}


@pytest.mark.parametrize("path", list(PATHS))
@pytest.mark.parametrize("case", list(REPORTED))
def test_reported_cases_on_every_path(case, path):
    u, v, a, b, p = REPORTED[case]
    ref = R.wasserstein_1d(u, v, a, b, p)
    value = PATHS[path](u, v, a, b, p)
    assert close(value, ref), f"{case} on {path}: {float(value)!r}, true {mp.nstr(ref, 17)}"


def test_reported_values():
    """The true values quoted in the report, independently of the reference."""
    w = divtools.wasserstein_1d
    assert float(w([0.0, 1.0], [2.0], p=1100)) == pytest.approx(1.9987401293841995, rel=4 * EPS)
    exact = mp.mpf(2) * (mp.mpf(1) / 2 + mp.mpf(2) ** -1101) ** (mp.mpf(1) / 1100)
    assert close(w([0.0, 1.0], [2.0], p=1100), exact)
    assert float(w([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], [1e308, 1.0, 1.0])) == pytest.approx(19 / 3, rel=4 * EPS)
    assert float(w([0.0, 1.0, 3.0], [5.0, 6.0, 8.0], [5e-324] * 3)) == 5.0
    assert float(w([1.7e308], [1.7e308])) == 0.0
    assert float(w([1e308, -1e308], [0.0, 0.0])) == 1e308
    with np.errstate(over="raise"):  # no overflow warning either: the result is inf
        assert float(w([1.7e308], [-1.7e308])) == math.inf


def test_sliced_and_potential_at_the_edges():
    x = np.array([[1e308, -1e308], [0.0, 5.0]])
    for key in (0, jax.random.key(0)):
        big = divtools.sliced_wasserstein(x, x[::-1] * 0.5, key=key, n_projections=16, p=3)
        small = divtools.sliced_wasserstein(
            x * 2.0**-1000, x[::-1] * 2.0**-1001, key=key, n_projections=16, p=3
        )
        assert math.isfinite(big) and big == pytest.approx(small * 2.0**1000, rel=1e-14)
    jitted = jax.jit(lambda x, y: divtools.sliced_wasserstein(x, y, key=0, n_projections=16, p=3))(
        jnp.asarray(x), jnp.asarray(x[::-1] * 0.5)
    )
    assert float(jitted) == pytest.approx(big, rel=1e-13)
    pot = divtools.kantorovich_potential_1d([1e308, -1e308], [0.0, 0.0])
    assert pot.value == 1e308
    assert pot.values.tolist() == [0.0, -1e308, -1e308, 0.0]
    pot = divtools.kantorovich_potential_1d([0.0, 1.0], [2.0], [1e308, 1e308])
    assert pot.value == 1.5


def test_sliced_key_is_a_key_or_an_int_seed():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((30, 3)), rng.standard_normal((20, 3)) + 0.5
    for s in (0, 7, 2**40, np.int64(3)):
        by_seed = divtools.sliced_wasserstein(x, y, key=s, n_projections=8)
        by_key = divtools.sliced_wasserstein(x, y, key=jax.random.key(int(s)), n_projections=8)
        assert float(by_seed) == float(by_key)
    raw = divtools.sliced_wasserstein(x, y, key=jax.random.PRNGKey(7), n_projections=8)
    assert math.isfinite(float(raw))
    mapped = jax.vmap(lambda k: divtools.sliced_wasserstein(x, y, key=k, n_projections=8))(
        jax.random.split(jax.random.key(1), 3)
    )
    assert mapped.shape == (3,)


# --------------------------------------------------------------------------
# Property: extreme valid inputs against the exact reference.


@st.composite
def weights(draw, n):
    """Weights of one exponent range: subnormal to 1e308, zeros allowed (not all). Positive
    weights within one sample are at most 2^40 apart (see the module docstring of
    divtools.transport.line for wider spreads)."""
    base = draw(st.integers(-1074, 1023 - 52))
    out = []
    for k in range(n):
        m = draw(st.integers(0 if k else 1, 2**12))
        out.append(math.ldexp(m, base + draw(st.integers(0, 28))))
    return draw(st.permutations(out))


values = st.floats(
    min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False, allow_subnormal=True
)
sizes = st.sampled_from([1, 2, 3, 5])
orders = st.sampled_from([1, 2, 3, 1.5, 7.25, 64, 64.5, 100, 1100, 3000, math.inf])


@st.composite
def problems(draw):
    n, m = draw(sizes), draw(sizes)
    u = draw(st.lists(values, min_size=n, max_size=n))
    v = draw(st.lists(values, min_size=m, max_size=m))
    a = draw(st.none() | weights(n))
    b = draw(st.none() | weights(m))
    return u, v, a, b, draw(orders)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_extreme_inputs_against_the_exact_reference(problem):
    u, v, a, b, p = problem
    ref = R.wasserstein_1d(u, v, a, b, p)
    value = on_numpy(u, v, a, b, p)
    assert close(value, ref), f"{float(value)!r}, true {mp.nstr(ref, 17)}"


@settings(max_examples=30, deadline=None)
@given(
    st.lists(values, min_size=3, max_size=3),
    st.lists(values, min_size=2, max_size=2),
    weights(3),
    weights(2),
    st.sampled_from([1, 2, 1100, math.inf]),
)
def test_extreme_inputs_under_jit(u, v, a, b, p):
    """Under XLA subnormal values in a sample that also holds values above 1 read as 0."""
    ref = R.wasserstein_1d(u, v, a, b, p)
    mixed = max(map(abs, u + v)) >= 1 and any(0 < abs(x) < 2.0**-1022 for x in u + v)
    value = under_jit(u, v, a, b, p)
    assert close(value, ref, absolute=XLA_FLUSH if mixed else SUBNORMAL_ULP), (
        f"{float(value)!r}, true {mp.nstr(ref, 17)}"
    )


@settings(max_examples=12, deadline=None)
@given(
    st.lists(values, min_size=3, max_size=3),
    st.lists(values, min_size=2, max_size=2),
    weights(3),
    weights(2),
    st.sampled_from([1, 2, 1100, math.inf]),
)
def test_extreme_inputs_compiled_large(u, v, a, b, p):
    """The compiled merge of more than 2**16 samples (XLA: subnormal numbers as above)."""
    ref = R.wasserstein_1d(u, v, a, b, p)
    mixed = max(map(abs, u + v)) >= 1 and any(0 < abs(x) < 2.0**-1022 for x in u + v)
    value = compiled_large(u, v, a, b, p)
    assert close(value, ref, absolute=XLA_FLUSH if mixed else SUBNORMAL_ULP), (
        f"{float(value)!r}, true {mp.nstr(ref, 17)}"
    )


# --------------------------------------------------------------------------
# Finite spaces.


def test_cost_matrices_of_any_magnitude(rng):
    """1e308 costs (the network simplex failed: a zero-size minimum); the optimum scales
    exactly with the costs (a power of two) on both solvers."""
    a, b = rng.random(40), rng.random(40)
    a, b = a / a.sum(), b / b.sum()
    assert divtools.optimal_transport(a, b, np.full((40, 40), 1e308)).value == pytest.approx(1e308, rel=1e-15)
    for m in (3, 40):  # the transportation simplex and POT's network simplex
        C = rng.random((m, m)) - 0.25
        am, bm = a[:m] / a[:m].sum(), b[:m] / b[:m].sum()
        base = divtools.optimal_transport(am, bm, C)
        for k in (1020, -1000):
            r = divtools.optimal_transport(am, bm, np.ldexp(C, k))
            assert r.value == pytest.approx(math.ldexp(base.value, k), rel=1e-13)
            assert r.dual_value == pytest.approx(r.value, rel=1e-13)
            np.testing.assert_allclose(r.plan, base.plan, atol=1e-15)


def test_wasserstein_scales_before_the_power():
    D = np.array([[0.0, 1e200], [1e200, 0.0]])
    assert divtools.wasserstein([1.0, 0.0], [0.75, 0.25], D, p=2) == pytest.approx(5e199, rel=4 * EPS)
    assert divtools.wasserstein([1.0, 0.0], [0.0, 1.0], D * 1.7e108, p=3000) == pytest.approx(
        1.7e308, rel=1e-15
    )
    # the optimum rests on distances whose squares underflow: solved again at their scale
    D = np.array([[0.0, 1e-200, 1e300], [1e-200, 0.0, 1e300], [1e300, 1e300, 0.0]])
    w = divtools.wasserstein([0.5, 0.5, 0.0], [0.25, 0.75, 0.0], D, p=2)
    assert w == pytest.approx(1e-200 * math.sqrt(0.25), rel=1e-14)
    # masses of 1e308 with normalize=True
    assert divtools.wasserstein([1e308, 1e308], [1e308, 0.0], [[0.0, 3.0], [3.0, 0.0]], normalize=True) == 1.5
    # W beyond the float range
    assert divtools.wasserstein([1.0, 0.0], [0.0, 1.0], [[0.0, 1.7e308], [1.7e308, 0.0]], p=2) == 1.7e308


def test_kantorovich_rubinstein_needs_a_metric(rng):
    D = np.array([[0.0, 1.0, 5.0], [1.0, 0.0, 1.0], [5.0, 1.0, 0.0]])
    rejects(lambda: divtools.kantorovich_rubinstein([1.0, 0.0, 0.0], [0.0, 0.0, 1.0], D), "distance")
    # a metric up to rounding (distances of points in the plane) passes, at any scale
    pts = rng.random((30, 2))
    D = np.sqrt(((pts[:, None] - pts[None]) ** 2).sum(-1))
    a, b = rng.random(30), rng.random(30)
    a, b = a / a.sum(), b / b.sum()
    r = divtools.kantorovich_rubinstein(a, b, D)
    big = divtools.kantorovich_rubinstein(a, b, np.ldexp(D, 1000))
    assert big.value == pytest.approx(math.ldexp(r.value, 1000), rel=1e-13)
    assert big.lipschitz <= 1 + 1e-12


def test_tree_and_line_metrics_name_distance():
    p = [0.5, 0.5]
    rejects(lambda: divtools.wasserstein(p, p, divtools.TreeMetric([-1, 0], [0.0, math.nan])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, divtools.TreeMetric([-1, 0.5], [0.0, 1.0])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, divtools.TreeMetric([-1, 0], [0.0, -1.0])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, divtools.TreeMetric([0, 0], [0.0, 1.0])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, divtools.LineMetric([0.0, math.nan], [0.0, 1.0])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, divtools.LineMetric([0.0, 1.0, 2.0], [0.0, 1.0])), "distance")
    rejects(lambda: divtools.wasserstein(p, p, [[0.0, 1.0]]), "distance")
    rejects(lambda: divtools.wasserstein(p, p, [[0.0, math.inf], [1.0, 0.0]]), "distance")
    assert divtools.wasserstein(p, [1.0, 0.0], divtools.TreeMetric([-1, 0], [0.0, 1e308])) == 5e307


# --------------------------------------------------------------------------
# MMD.


def _gauss_mmd2(x, y, bandwidth=1.0):
    """The biased MMD^2 of 1-D point lists in mpmath (points read exactly)."""
    with mp.workdps(50):
        k = lambda s, t: mp.exp(-((mp.mpf(s) - mp.mpf(t)) ** 2) / (2 * mp.mpf(bandwidth) ** 2))
        mean = lambda xs, ys: mp.fsum(k(s, t) for s in xs for t in ys) / (len(xs) * len(ys))
        return mean(x, x) + mean(y, y) - 2 * mean(x, y)


@pytest.mark.parametrize("jit", [False, True])
def test_mmd_from_differences(jit):
    f = divtools.mmd2
    if jit:
        f = lambda x, y, **kw: jax.jit(lambda x, y: divtools.mmd2(x, y, **kw))(jnp.asarray(x), jnp.asarray(y))
    assert close(f(np.array([[1e8]]), np.array([[1e8 + 1]])), 2 - 2 * mp.exp(-0.5), rel=4 * EPS)
    assert float(f(np.array([[1e160]]), np.array([[0.0]]))) == 2.0
    assert float(f(np.array([[1e308]]), np.array([[-1e308]]))) == 2.0
    assert close(
        f(np.array([[1e308]]), np.array([[-1e308]]), bandwidth=1e308), 2 - 2 * mp.exp(-2), rel=4 * EPS
    )
    assert close(
        f(np.array([[1e-310]]), np.array([[2e-310]]), bandwidth=1e-310), 2 - 2 * mp.exp(-0.5), rel=4 * EPS
    )
    x, y = [0.0, 0.5, 2.0], [1.0, 1.5]
    ref = _gauss_mmd2(x, y)
    shifted = f(np.array(x)[:, None] + 1e8, np.array(y)[:, None] + 1e8)  # exact shifts
    assert close(shifted, ref, rel=16 * EPS)


def test_mmd_blocks(monkeypatch):
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((50, 3)), rng.standard_normal((40, 3)) + 0.2
    whole = [float(divtools.mmd2(x, y, unbiased=u)) for u in (False, True)]
    monkeypatch.setattr(mmd, "BLOCK", 7 * 3 * 50)  # blocks of 7 rows, the last one padded
    for u, ref in zip((False, True), whole):
        assert float(divtools.mmd2(x, y, unbiased=u)) == pytest.approx(ref, rel=1e-13)
        jitted = jax.jit(lambda x, y, u=u: divtools.mmd2(x, y, unbiased=u))(jnp.asarray(x), jnp.asarray(y))
        assert float(jitted) == pytest.approx(ref, rel=1e-13)


def test_mmd2_discrete_kernel_checks():
    p, q = [0.5, 0.5], [1.0, 0.0]
    rejects(lambda: divtools.mmd2_discrete(p, q, [[1.0, 2.0], [2.0, 1.0]]), "kernel")  # eigenvalue -1
    rejects(lambda: divtools.mmd2_discrete(p, q, [[1.0, 0.5], [0.2, 1.0]]), "kernel")  # not symmetric
    pts = np.random.default_rng(0).random((6, 2))
    K = np.asarray(divtools.mmd.gaussian_kernel(pts, pts, 0.3))  # PSD up to rounding
    w = np.full(6, 1 / 6)
    assert float(divtools.mmd2_discrete(w, np.eye(6)[0], K)) >= 0
    assert float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], 1e307 * np.eye(2))) == 2e307
    assert float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], 1e308 * np.eye(2))) == math.inf
    assert float(divtools.mmd2_discrete([1.0, 0.0], [0.0, 1.0], 1e-320 * np.eye(2))) == 2e-320


# --------------------------------------------------------------------------
# The bad-argument registry: (function, argument, bad value) -> an error naming it.

U, V, WU, WV = [0.0, 1.0, 3.0], [5.0, 6.0, 8.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]
X2, Y2 = np.arange(10.0).reshape(5, 2), np.arange(8.0).reshape(4, 2)
P2, P3 = [0.5, 0.5], [0.2, 0.3, 0.5]
C23 = [[0.0, 1.0, 2.0], [1.0, 0.0, 1.0]]
D3 = np.abs(np.subtract.outer([0.0, 1.0, 3.0], [0.0, 1.0, 3.0]))


def _matrices(m, n):
    """Invalid for an ``m x n`` matrix of real numbers."""
    return [
        "abc",
        None,
        np.full((m, n), 1 + 1j),
        np.full((m, n), np.nan),
        np.full((m, n), np.inf),
        [[0.1] * n, [0.1] * (n + 1)],
        np.full((m, n), "a"),
        np.zeros((n + 1, m)),
    ]


def _weights(n):
    """Invalid for optional weights of ``n`` samples (``None`` is valid)."""
    return [x for x in bad_arrays(n) if x is not None] + [
        [1.0] * (n - 1) + [-1.0],
        [0.0] * n,
        [1.0] * (n + 1),
    ]


def _masses(n, batches=False):
    """Invalid for a probability vector of ``n`` outcomes (a batch of them unless ``batches``)."""
    bad = [*bad_arrays(n), [1.0] + [0.5] * (n - 1), [1.5] + [-0.5 / (n - 1)] * (n - 1), []]
    return bad if batches else [*bad, np.full((2, n), 1 / n)]


FLAGS = [*NOT_NUMBERS, 1.5, complex(1, 0), "yes"]
ORDERS = [*NOT_NUMBERS, complex(1, 1), math.nan, -math.inf, [1.0, 2.0], np.ones(2), 0.5, 0.0, -2.0, True]
FINITE_ORDERS = [*BAD_REAL, 0.5, 0.0, True]

CALLS = {
    "wasserstein_1d": (
        lambda **k: divtools.wasserstein_1d(
            k.get("u_values", U),
            k.get("v_values", V),
            k.get("u_weights", WU),
            k.get("v_weights", WV),
            p=k.get("p", 2),
        ),
        {
            "u_values": [*bad_arrays(3), 1.0, []],
            "v_values": [*bad_arrays(3), 1.0, []],
            "u_weights": _weights(3),
            "v_weights": _weights(3),
            "p": ORDERS,
        },
    ),
    "sliced_wasserstein": (
        lambda **k: divtools.sliced_wasserstein(
            k.get("x", X2),
            k.get("y", Y2),
            k.get("x_weights", None),
            k.get("y_weights", None),
            key=k.get("key", 0),
            n_projections=k.get("n_projections", 4),
            p=k.get("p", 2),
        ),
        {
            "x": [*bad_arrays(5), np.full((5, 2), np.nan), np.zeros((5, 2, 1)), np.zeros((0, 2))],
            "y": [*bad_arrays(4), np.full((4, 2), np.inf), np.zeros((4, 3))],
            "x_weights": _weights(5),
            "y_weights": _weights(4),
            "key": BAD_KEY,
            "n_projections": BAD_COUNT,
            "p": FINITE_ORDERS,
        },
    ),
    "kantorovich_potential_1d": (
        lambda **k: divtools.kantorovich_potential_1d(
            k.get("u_values", U), k.get("v_values", V), k.get("u_weights", WU), k.get("v_weights", WV)
        ),
        {
            "u_values": [*bad_arrays(3), [[0.0, 1.0, 3.0]], []],
            "v_values": [*bad_arrays(3), [[5.0, 6.0, 8.0]], []],
            "u_weights": _weights(3),
            "v_weights": _weights(3),
        },
    ),
    "optimal_transport": (
        lambda **k: divtools.optimal_transport(
            k.get("a", P2), k.get("b", P3), k.get("cost", C23), normalize=k.get("normalize", False)
        ),
        {"a": _masses(2), "b": _masses(3), "cost": _matrices(2, 3), "normalize": FLAGS},
    ),
    "wasserstein": (
        lambda **k: divtools.wasserstein(
            k.get("a", P2),
            k.get("b", P3),
            k.get("distance", C23),
            p=k.get("p", 2),
            normalize=k.get("normalize", False),
        ),
        {
            "a": _masses(2),
            "b": _masses(3),
            "distance": [*_matrices(2, 3), [[0.0, -1.0, 2.0], [1.0, 0.0, 1.0]]],
            "p": [*FINITE_ORDERS],
            "normalize": FLAGS,
        },
    ),
    "kantorovich_rubinstein": (
        lambda **k: divtools.kantorovich_rubinstein(
            k.get("a", P3),
            k.get("b", [0.5, 0.3, 0.2]),
            k.get("distance", D3),
            normalize=k.get("normalize", False),
        ),
        {
            "a": _masses(3),
            "b": [*_masses(3), P2],
            "distance": [
                *_matrices(3, 3),
                -D3,
                D3 + np.eye(3),
                D3 + np.triu(np.ones((3, 3)), 1),  # not symmetric
                D3 * [[1.0, 1.0, 3.0], [1.0, 1.0, 1.0], [3.0, 1.0, 1.0]],  # d(0, 2) = 9 > 1 + 2
            ],
            "normalize": FLAGS,
        },
    ),
    "mmd2": (
        lambda **k: divtools.mmd2(
            k.get("x", X2),
            k.get("y", Y2),
            bandwidth=k.get("bandwidth", 1.0),
            unbiased=k.get("unbiased", False),
        ),
        {
            "x": [*bad_arrays(5), np.zeros((0, 2)), np.zeros((5, 2, 2))],
            "y": [*bad_arrays(4), np.zeros((4, 3))],
            "bandwidth": BAD_POSITIVE,
            "unbiased": FLAGS,
        },
    ),
    "mmd2_discrete": (
        lambda **k: divtools.mmd2_discrete(
            k.get("p", P2), k.get("q", [0.9, 0.1]), k.get("kernel", np.eye(2))
        ),
        {
            "p": _masses(2, batches=True),
            "q": _masses(2, batches=True),
            "kernel": [*_matrices(2, 2), [[1.0, 2.0], [2.0, 1.0]], [[1.0, 0.5], [0.0, 1.0]]],
        },
    ),
}

REGISTRY = [
    pytest.param(function, argument, bad, id=f"{function}-{argument}-{i}")
    for function, (_, arguments) in CALLS.items()
    for argument, bads in arguments.items()
    for i, bad in enumerate(bads)
]


def _names(message: str, name: str) -> bool:
    """The message starts with the argument (``name: ...``, ``x, name: ...``, ``name (...)``)."""
    return re.match(rf"^([\w ()\.]+, )*{re.escape(name)}\b", message) is not None


@pytest.mark.parametrize("function, argument, bad", REGISTRY)
def test_bad_arguments_are_named(function, argument, bad):
    call, _ = CALLS[function]
    call()  # the defaults are valid
    rejects(lambda: call(**{argument: bad}), argument)
    with pytest.raises((ValueError, TypeError)) as info:
        call(**{argument: bad})
    assert _names(str(info.value), argument), str(info.value)


def test_bad_jax_arguments_are_named():
    """JAX inputs take the same checks (concrete values are checked on the host)."""
    a, c = jnp.asarray([0.5, 0.5]), jnp.asarray([[0.0, 1.0], [1.0, 0.0]])
    rejects(lambda: divtools.optimal_transport(a, a, c.astype(jnp.complex128)), "cost")
    rejects(lambda: divtools.optimal_transport(a, None, c), "b")
    rejects(lambda: divtools.optimal_transport(a.astype(jnp.complex128), a, c), "a")
    rejects(lambda: divtools.optimal_transport(a, jnp.asarray([0.5, 0.6]), c), "b")
    rejects(lambda: divtools.optimal_transport(a, a, c.at[0, 1].set(jnp.nan)), "cost")
    rejects(lambda: divtools.wasserstein_1d(jnp.asarray([0.0, jnp.nan]), jnp.asarray([1.0])), "u_values")
    rejects(lambda: divtools.wasserstein_1d(jnp.asarray([0.0, 1.0]), jnp.asarray([1.0]), -a), "u_weights")
    rejects(lambda: divtools.wasserstein_1d(jnp.asarray([0.0, 1.0]), jnp.asarray([1.0j])), "v_values")
    rejects(lambda: divtools.mmd2(jnp.zeros((3, 2)), jnp.full((2, 2), jnp.inf)), "y")
    rejects(
        lambda: divtools.mmd2(jnp.zeros((3, 2)), jnp.zeros((2, 2)), bandwidth=jnp.asarray(-1.0)), "bandwidth"
    )
    rejects(lambda: divtools.mmd2_discrete(a, a, jnp.asarray([[1.0, 2.0], [2.0, 1.0]])), "kernel")
    rejects(
        lambda: divtools.sliced_wasserstein(jnp.zeros((3, 2)), jnp.zeros((2, 2)), key=jnp.asarray([1.5])),
        "key",
    )
