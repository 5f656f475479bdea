"""The distribution routes at the edges of float64, and their bad arguments.

* The reported failures, pinned with their true values (mpmath) or the error
  that names the argument.
* Every closed form (Gaussian KL both ways, Jeffreys, chi^2 both ways, H^2,
  Bhattacharyya, alpha family, TV, W_1, W_2; exponential and Laplace KL, TV and
  W_p; uniforms; Bernoullis) against textbook formulas evaluated by mpmath at
  1200 digits -- enough that every difference of two float64 inputs, and every
  cancellation of the textbook formulas, is exact -- on extreme parameters:
  scales from 1e-300 to 1e300, locations up to 1.7e308 apart, nearly equal
  pairs a few ulps apart.
* The quadrature and quantile routes for far-apart and extremely scaled
  distributions (divtools' families, which are integrated around their own
  locations, and opaque densities).
* Bad parameters of every family and of scipy distributions, rejected with an
  error naming the argument.

Tolerances (relative errors, ``EPS = 2^-52``):

* ``TOL = 2e-15`` (9 ulps) for the closed forms whose value is a polynomial or
  logarithm of the parameters (KL, Jeffreys, Bhattacharyya, ``H^2``, TV,
  ``W_p``); measured worst case 5e-16 over thousands of random extreme draws.
* chi^2 and the alpha family with ``a`` outside ``(0, 1)`` are
  ``exp(E) * (prefactor) - c`` with an exponent ``E`` up to 709; the exponent
  is formed in float64 from the rounded ``z = Delta/s``, so the relative error
  of the value is a few ulps times its condition number ``1 + 2|E|``:
  ``TOL * (1 + 2|E|)`` (measured worst 3.4e-14 at ``E = 204``, where the bound
  is 8e-13).
* Results below the smallest normal number (2.2e-308) are compared with an
  absolute floor: 1e-322 (20 subnormal ulps) for the closed forms, the
  smallest normal number for the uniform and Bernoulli routes (the exact core
  reads subnormal masses through logarithms).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import mpmath as mp
import numpy as np
import pytest
import reference as R
import scipy.stats as st
from boundary import BAD_REAL, NOT_NUMBERS, bad_arrays, rejects
from hypothesis import given, settings
from hypothesis import strategies as hs

import divtools as dt
from divtools.distributions import Bernoulli, Categorical, Exponential, Laplace, Normal, Uniform, densities
from divtools.testing import Opaque

DPS = 1200
EPS = 2.0**-52
TOL = 2e-15
FLOOR = 1e-322  # absolute floor for subnormal closed-form results
TINY = 2.2250738585072014e-308
BIG = 1.7976931348623157e308
LOG2 = math.log(2.0)


def gen(name: str):
    if name.startswith("alpha("):
        return dt.generators.alpha(float(name[6:-1]))
    return dt.GENERATORS[name]


def M(x):
    """An mpmath number: floats exactly, mpf as they are."""
    return x if isinstance(x, mp.mpf) else mp.mpf(float(x))


# --------------------------------------------------------------------------
# mpmath references: the textbook formulas, evaluated at 1200 digits.


def mp_normal(name, m1, s1, m2, s2, a=None):
    """Closed forms between N(m1, s1^2) and N(m2, s2^2) (Pardo 2006; Gil et al. 2013)."""
    m1, s1, m2, s2 = map(M, (m1, s1, m2, s2))
    d = m1 - m2

    def kl(m1, s1, m2, s2):
        return mp.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mp.mpf(1) / 2

    def pearson(m1, s1, m2, s2):
        if s1**2 >= 2 * s2**2:
            return mp.inf
        return s2**2 / (s1 * mp.sqrt(2 * s2**2 - s1**2)) * mp.exp((m1 - m2) ** 2 / (2 * s2**2 - s1**2)) - 1

    if name == "kl":
        return kl(m1, s1, m2, s2)
    if name == "reverse_kl":
        return kl(m2, s2, m1, s1)
    if name == "jeffreys":
        return kl(m1, s1, m2, s2) + kl(m2, s2, m1, s1)
    if name == "pearson":
        return pearson(m1, s1, m2, s2)
    if name == "neyman":
        return pearson(m2, s2, m1, s1)
    log_bc = mp.log(2 * s1 * s2 / (s1**2 + s2**2)) / 2 - d**2 / (4 * (s1**2 + s2**2))
    if name == "squared_hellinger":
        return -2 * mp.expm1(log_bc)
    if name == "bhattacharyya":
        return -log_bc
    if name == "alpha":
        a = mp.mpf(a)
        va = a * s2**2 + (1 - a) * s1**2
        if va <= 0:
            return mp.inf
        log_i = -mp.log(va / (s1 ** (2 * (1 - a)) * s2 ** (2 * a))) / 2 - a * (1 - a) * d**2 / (2 * va)
        return mp.expm1(log_i) / (a * (a - 1))
    if name == "tv":
        return mp_normal_tv(m1, s1, m2, s2)
    if name == "w1":
        s = abs(s1 - s2)
        if s == 0:
            return abs(d)
        return s * mp.sqrt(2 / mp.pi) * mp.exp(-(d**2) / (2 * s**2)) + d * mp.erf(d / (s * mp.sqrt(2)))
    if name == "w2":
        return mp.sqrt(d**2 + (s1 - s2) ** 2)
    raise KeyError(name)


def mp_normal_exponent(name, m1, s1, m2, s2, a=None):
    """The exponent E of chi^2 / alpha (the condition number of the value is 1 + 2|E|)."""
    m1, s1, m2, s2 = map(M, (m1, s1, m2, s2))
    d2 = (m1 - m2) ** 2
    if name == "pearson":
        return d2 / abs(2 * s2**2 - s1**2)
    if name == "neyman":
        return d2 / abs(2 * s1**2 - s2**2)
    a = mp.mpf(a)
    return abs(a * (1 - a)) * d2 / (2 * abs(a * s2**2 + (1 - a) * s1**2))


def mp_normal_tv(m1, s1, m2, s2):
    """TV = sum over the intervals between the density crossings of (P - Q)^+, in the
    coordinate of the narrower (TV is symmetric): v = (x - m_P)/s_P."""
    if s1 > s2:
        m1, s1, m2, s2 = m2, s2, m1, s1
    r, delta, L = s1 / s2, (m1 - m2) / s2, mp.log(s2 / s1)
    # log p - log q = -v^2/2 + (r v + delta)^2/2 + L = a2 v^2 + a1 v + a0
    a2, a1, a0 = (r**2 - 1) / 2, r * delta, delta**2 / 2 + L
    if a2 == 0:
        roots = [] if a1 == 0 else [-a0 / a1]
    else:
        disc = a1**2 - 4 * a2 * a0
        roots = (
            [] if disc <= 0 else sorted([(-a1 - mp.sqrt(disc)) / (2 * a2), (-a1 + mp.sqrt(disc)) / (2 * a2)])
        )
    cuts = [-mp.inf, *roots, mp.inf]
    total = mp.mpf(0)
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        total += max((mp.ncdf(hi) - mp.ncdf(lo)) - (mp.ncdf(r * hi + delta) - mp.ncdf(r * lo + delta)), 0)
    return total


def mp_exponential(name, s1, l1, s2, l2):
    """Between l1 + s1 X and l2 + s2 X, X ~ Exp(1)."""
    s1, l1, s2, l2 = map(M, (s1, l1, s2, l2))

    def kl(s1, l1, s2, l2):
        if l1 < l2:
            return mp.inf
        return mp.log(s2 / s1) + (s1 + l1 - l2) / s2 - 1

    if name == "kl":
        return kl(s1, l1, s2, l2)
    if name == "reverse_kl":
        return kl(s2, l2, s1, l1)
    if name == "jeffreys":
        return kl(s1, l1, s2, l2) + kl(s2, l2, s1, l1)
    if name == "tv":  # equal locations: |F1 - F2| at the crossing x* = log(s2/s1) s1 s2 / (s2 - s1)
        if s1 == s2:
            return mp.mpf(0)
        x = mp.log(s2 / s1) * s1 * s2 / (s2 - s1)
        return abs(mp.exp(-x / s1) - mp.exp(-x / s2))
    c, d = l1 - l2, s1 - s2  # W_p: E|c + d X|^p
    if name == "w1":
        if d == 0:
            return abs(c)
        k = -c / d  # the kink of |c + d x|
        return abs(c + d) if k <= 0 else abs(d) * (k - 1 + 2 * mp.exp(-k))
    if name == "w2":
        return mp.sqrt((c + d) ** 2 + d**2)
    raise KeyError(name)


def mp_laplace(name, m1, b1, m2, b2):
    m1, b1, m2, b2 = map(M, (m1, b1, m2, b2))

    def kl(m1, b1, m2, b2):
        d = abs(m1 - m2)
        return mp.log(b2 / b1) + d / b2 + (b1 / b2) * mp.exp(-d / b1) - 1

    if name == "kl":
        return kl(m1, b1, m2, b2)
    if name == "reverse_kl":
        return kl(m2, b2, m1, b1)
    if name == "jeffreys":
        return kl(m1, b1, m2, b2) + kl(m2, b2, m1, b1)
    c, d = m1 - m2, abs(b1 - b2)
    if name == "w1":  # E|c + d L|, L standard Laplace
        return abs(c) + (d * mp.exp(-abs(c) / d) if d else 0)
    if name == "w2":
        return mp.sqrt(c**2 + 2 * (b1 - b2) ** 2)
    raise KeyError(name)


def mp_uniform(name, a1, b1, a2, b2):
    """D_f between uniforms: the overlap carries the ratio (b2 - a2)/(b1 - a1), the rest
    of each support the limits f'(inf) and f(0)."""
    a1, b1, a2, b2 = map(M, (a1, b1, a2, b2))
    L1, L2 = b1 - a1, b2 - a2
    overlap = max(mp.mpf(0), min(b1, b2) - max(a1, a2))
    f, f0, finf = R.entry(name)
    total = (overlap / L2) * f(L2 / L1) if overlap > 0 else mp.mpf(0)
    if overlap < L1:
        total += (1 - overlap / L1) * finf
    if overlap < L2:
        total += (1 - overlap / L2) * f0
    return total


def mp_uniform_wp(p, a1, b1, a2, b2):
    """W_p^p = int_0^1 |a + b t|^p dt, by its antiderivative."""
    a1, b1, a2, b2 = map(M, (a1, b1, a2, b2))
    a, e = a1 - a2, b1 - b2
    b = e - a
    if p == math.inf:
        return max(abs(a), abs(e))
    if b == 0:
        return abs(a)
    p = mp.mpf(p)

    def F(t):
        return (a + b * t) * abs(a + b * t) ** p / ((p + 1) * b)

    return (F(1) - F(0)) ** (1 / p)


def close(value, ref, tol=TOL, floor=FLOOR) -> bool:
    """``value`` (float64) agrees with the mpmath ``ref``: ``inf`` exactly where ``ref``
    exceeds the float range, else to ``tol`` relative (``floor`` absolute)."""
    value = float(value)
    if ref == mp.inf or abs(ref) > BIG:
        return value == math.inf
    if not math.isfinite(value):
        return False
    return abs(mp.mpf(value) - ref) <= tol * abs(ref) + floor


def check(value, ref, tol=TOL, floor=FLOOR, what=""):
    assert close(value, ref, tol, floor), (what, float(value), mp.nstr(ref, 20))


# --------------------------------------------------------------------------
# The reported failures.


def test_reported_narrow_gaussians_kl():
    with mp.workdps(DPS):
        ref = mp_normal("kl", 0.0, 1e-20, 0.0, 1.0)
        check(dt.kl(Normal(0.0, 1e-20), Normal(0.0, 1.0)), ref)  # was inf
        assert abs(float(ref) - 45.5517018598809) < 1e-12
        ref = mp_normal("kl", 0.0, 1e-300, 0.0, 1.0)
        check(dt.kl(st.norm(0, 1e-300), st.norm()), ref)  # was inf
        assert abs(float(ref) - 690.2755278982137) < 1e-10


@pytest.mark.parametrize("loc", [1e20, 1e154, 1e300, -1.7e308])
def test_reported_far_apart_js(loc):
    """JS <= log 2; far apart (relative to the scales) it is log 2 - (overlap), and
    the overlap is far below an ulp: log 2 to double precision (was inf, or
    "density integrates to 0")."""
    value = dt.js(Normal(loc, 1.0), Normal(0.0, 1.0))
    assert abs(float(value) - LOG2) <= 2 * EPS
    assert float(value) <= LOG2
    assert float(dt.tv(Normal(loc, 1.0), Normal(0.0, 1.0))) == 1.0
    # the other generators without closed forms between Gaussians
    assert abs(float(dt.f_divergence(Normal(loc, 1.0), Normal(0.0, 1.0), "triangular")) - 2.0) <= 4 * EPS
    assert abs(float(dt.js(Laplace(loc, 1.0), Laplace(0.0, 3.0))) - LOG2) <= 2 * EPS
    assert float(dt.tv(Laplace(loc, 1.0), Laplace(0.0, 3.0))) == pytest.approx(1.0, abs=4 * EPS)


def test_reported_scipy_invalid_parameters():
    rejects(lambda: dt.kl(st.norm(0, -1), st.norm()), "p", match="scale")
    rejects(lambda: dt.kl(st.norm(np.nan, 1), st.norm()), "p", match="loc")
    rejects(lambda: dt.kl(st.beta(0, 1), st.norm()), "p", match="beta")
    rejects(lambda: dt.kl(st.norm(), st.norm(np.inf, 1)), "q", match="loc")  # was inf


def test_reported_multivariate_normal():
    """The 1-D routes name the argument and say what they support (was a broadcasting
    error); pairs of multivariate normals, where divtools has them, go elsewhere."""
    mvn = st.multivariate_normal([0.0, 0.0])
    for call, name in (
        (lambda: densities.divergence(mvn, st.norm(), dt.GENERATORS["kl"], None), "p"),
        (lambda: densities.divergence(st.norm(), mvn, dt.GENERATORS["js"], None), "q"),
        (lambda: dt.wasserstein_1d(mvn, st.norm()), "u_values"),
        (lambda: dt.kl(st.dirichlet([1.0, 1.0]), st.dirichlet([1.0, 2.0])), "p"),
        (lambda: dt.tv(st.norm(), st.dirichlet([1.0, 2.0])), "q"),
    ):
        with pytest.raises(TypeError) as info:
            call()
        message = str(info.value)
        assert message.startswith(f"{name}:"), message
        assert "multivariate" in message and "1-D routes" in message
        assert "Normal, Exponential, Laplace, Uniform, Bernoulli and Categorical" in message
    # a 1-D distribution against a multivariate normal: a TypeError naming one of them
    with pytest.raises(TypeError) as info:
        dt.js(st.norm(), mvn)
    assert str(info.value)[:2] in ("p:", "q:"), str(info.value)


def test_reported_parameter_types():
    rejects(lambda: Normal("a", 1.0), "Normal.loc")
    rejects(lambda: Normal(0.0, 1 + 1j), "Normal.scale")
    rejects(lambda: dt.kl(Normal(0.0, None), Normal(0.0, 1.0)), "p", match="scale")
    rejects(lambda: dt.kl(Normal(0.0, 1.0), Normal(0.0, None)), "q", match="scale")


# --------------------------------------------------------------------------
# Closed forms against mpmath on extreme parameters.

NORMAL_FORMS = [
    "kl",
    "reverse_kl",
    "jeffreys",
    "pearson",
    "neyman",
    "squared_hellinger",
    "bhattacharyya",
    "alpha(0.3)",
    "alpha(2)",
    "alpha(-0.5)",
    "tv",
    "w1",
    "w2",
]


def _value(P, Q, name):
    if name in ("w1", "w2"):
        return dt.wasserstein_1d(P, Q, p=int(name[1]))
    if name == "bhattacharyya":
        return dt.bhattacharyya(P, Q)
    return dt.f_divergence(P, Q, gen(name))


def _normal_reference(name, params):
    if name.startswith("alpha("):
        return mp_normal("alpha", *params, a=mp.mpf(name[6:-1]))
    return mp_normal(name, *params)


def _normal_tol(name, params) -> float:
    exponential = name in ("pearson", "neyman") or name in ("alpha(2)", "alpha(-0.5)")
    if not exponential:
        return TOL
    a = mp.mpf(name[6:-1]) if name.startswith("alpha(") else None
    E = mp_normal_exponent("alpha" if a is not None else name, *params, a=a)
    return TOL * (1 + 2 * float(min(E, mp.mpf(1e6))))


def check_normal(params):
    P, Q = Normal(*params[:2]), Normal(*params[2:])
    with mp.workdps(DPS):
        for name in NORMAL_FORMS:
            value = _value(P, Q, name)
            assert isinstance(value, (np.floating, float)), (name, type(value))
            check(value, _normal_reference(name, params), _normal_tol(name, params), what=(name, params))


# scales log-uniform over the float range, locations anywhere, pairs a few ulps apart
exponent = hs.floats(-300.0, 300.0)
scales = exponent.map(lambda e: 10.0**e)
special_locs = hs.sampled_from([0.0, 1.7e308, -1.7e308, 1e308, -1e308, 1.0])
locs = hs.one_of(
    special_locs,
    hs.tuples(hs.sampled_from([-1.0, 1.0]), hs.floats(-300.0, 308.0)).map(lambda t: t[0] * 10.0 ** t[1]),
    hs.floats(-10.0, 10.0),
)
ulps = hs.integers(-4, 4).map(lambda k: 1.0 + k * EPS)


@hs.composite
def location_scale_pairs(draw):
    """``(loc1, scale1, loc2, scale2)``: independent, or the second a few ulps or a few
    scales from the first."""
    s1 = draw(scales)
    s2 = draw(hs.one_of(scales, ulps.map(lambda u: s1 * u)))
    m1 = draw(locs)
    m2 = draw(
        hs.one_of(
            locs,
            ulps.map(lambda u: m1 * u),
            hs.floats(-3.0, 3.0).map(lambda t: m1 + t * s2),
        )
    )
    if not math.isfinite(m2):
        m2 = m1
    return m1, s1, m2, s2


@settings(max_examples=30, deadline=None)
@given(location_scale_pairs())
def test_normal_closed_forms_extreme(params):
    check_normal(params)


NORMAL_GRID = [
    (0.0, 1e-300, 0.0, 1.0),
    (0.0, 1.0, 0.0, 1e-300),
    (0.0, 1e-300, 0.0, 1e300),
    (0.0, 1e300, 0.0, 1e-300),
    (1.7e308, 1.0, -1.7e308, 1.0),  # Delta overflows: KL is inf, TV 1, W_2 inf
    (1.7e308, 1e300, -1.7e308, 1e300),  # Delta overflows, Delta/s does not
    (1e308, 1e308, -1e308, 1e308),
    (1.0, 1.0, 1.0 + 2**-52, 1.0),  # nearly equal
    (0.0, 1.0, 0.0, 1.0 + 2**-52),
    (1e300, 3.0, 1e300, 3.0 * (1 + 2**-52)),
    (0.0, 0.5, 4.0, 0.5 * (1 - 2**-52)),  # chi^2 with a large exponent
    (-1e-300, 1e-300, 1e-300, 1e-300),
    (1e154, 1.0, 0.0, 1.0),
    (0.0, 2.0, 1e-308, 1e-308),  # subnormal scale
    (8.26, 1.6e-43, 0.0, 3.1e265),  # alpha near the top of the float range
    (-2.49e169, 1.0, -2.4944341757346e169, 0.13),  # Bhattacharyya near the top
]


@pytest.mark.parametrize("params", NORMAL_GRID)
def test_normal_closed_forms_grid(params):
    check_normal(params)


def mp_normal_tv_x(m1, s1, m2, s2):
    """TV from the crossings in x (tests/test_densities.py's derivation): accurate for
    moderate parameters, where it checks :func:`mp_normal_tv`."""
    A = 1 / (2 * s2**2) - 1 / (2 * s1**2)
    B = m1 / s1**2 - m2 / s2**2
    C = m2**2 / (2 * s2**2) - m1**2 / (2 * s1**2) + mp.log(s2 / s1)
    if A == 0:
        roots = [] if B == 0 else [-C / B]
    else:
        disc = B**2 - 4 * A * C
        roots = [] if disc <= 0 else sorted([(-B - mp.sqrt(disc)) / (2 * A), (-B + mp.sqrt(disc)) / (2 * A)])
    cuts = [-mp.inf, *roots, mp.inf]
    total = mp.mpf(0)
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        mass = (mp.ncdf(hi, m1, s1) - mp.ncdf(lo, m1, s1)) - (mp.ncdf(hi, m2, s2) - mp.ncdf(lo, m2, s2))
        total += max(mass, 0)
    return total


def test_normal_tv_references_agree():
    with mp.workdps(60):
        for params in [
            (0.0, 1.0, 1.0, 2.0),
            (0.3, 1.0, -2.0, 0.5),
            (1.0, 1.0, 1.5, 1.0),
            (0.0, 1e-3, 5.0, 1.0),
        ]:
            params = tuple(map(mp.mpf, params))
            assert abs(mp_normal_tv(*params) - mp_normal_tv_x(*params)) < mp.mpf(10) ** -40


EXP_FORMS = ["kl", "reverse_kl", "jeffreys", "w1", "w2"]
LAPLACE_FORMS = ["kl", "reverse_kl", "jeffreys", "w1", "w2"]


def check_family(family, ref, forms, params, tv_equal_locs=False):
    P, Q = family(*params[:2]), family(*params[2:])
    with mp.workdps(DPS):
        for name in forms:
            check(_value(P, Q, name), ref(name, *params), what=(name, params))


@settings(max_examples=30, deadline=None)
@given(location_scale_pairs())
def test_exponential_closed_forms_extreme(params):
    m1, s1, m2, s2 = params
    check_family(Exponential, mp_exponential, EXP_FORMS, (s1, m1, s2, m2))
    # TV between exponentials with a common location
    with mp.workdps(DPS):
        check(dt.tv(Exponential(s1, m1), Exponential(s2, m1)), mp_exponential("tv", s1, m1, s2, m1))


@settings(max_examples=30, deadline=None)
@given(location_scale_pairs())
def test_laplace_closed_forms_extreme(params):
    check_family(Laplace, mp_laplace, LAPLACE_FORMS, params)


@pytest.mark.parametrize("params", NORMAL_GRID)
def test_exponential_and_laplace_grid(params):
    m1, s1, m2, s2 = params
    check_family(Exponential, mp_exponential, EXP_FORMS, (s1, m1, s2, m2))
    check_family(Laplace, mp_laplace, LAPLACE_FORMS, params)
    with mp.workdps(DPS):
        check(dt.tv(Exponential(s1, m1), Exponential(s2, m1)), mp_exponential("tv", s1, m1, s2, m1))


UNIFORM_FORMS = [
    "kl",
    "reverse_kl",
    "js",
    "tv",
    "pearson",
    "neyman",
    "squared_hellinger",
    "jeffreys",
    "alpha(0.3)",
]


@hs.composite
def uniform_pairs(draw):
    def ends():
        a = draw(hs.one_of(locs, hs.sampled_from([-1e-300, 0.0])))
        a = max(min(a, 1.7e308), -1.79e308)
        w = draw(scales)
        b = a + w
        if not (math.isfinite(b) and b > a):
            b = math.nextafter(a, math.inf) if abs(a) < 1e308 else 1.79e308
        return a, b

    a1, b1 = ends()
    if draw(hs.booleans()):
        u, v = draw(ulps), draw(ulps)
        a2, b2 = a1 * u, b1 * v
        if not b2 > a2:
            a2, b2 = ends()
    else:
        a2, b2 = ends()
    return a1, b1, a2, b2


def check_uniform(ends):
    P, Q = Uniform(*ends[:2]), Uniform(*ends[2:])
    with mp.workdps(DPS):
        for name in UNIFORM_FORMS:
            check(dt.f_divergence(P, Q, gen(name)), mp_uniform(name, *ends), floor=TINY, what=(name, ends))
        for p in (1, 2, 3.5, math.inf):
            check(dt.wasserstein_1d(P, Q, p=p), mp_uniform_wp(p, *ends), what=(p, ends))


@settings(max_examples=30, deadline=None)
@given(uniform_pairs())
def test_uniform_closed_forms_extreme(ends):
    check_uniform(ends)


@pytest.mark.parametrize(
    "ends",
    [
        (0.0, 1e-300, 0.0, 1e300),  # mass ratio 1e600: KL = log(1e600)
        (0.0, 1e300, 0.0, 1e-300),
        (-1.7e308, 1.79e308, 1.7e308, 1.79e308),  # widths beyond the float range
        (0.0, 5e-324, 0.0, 1.0),  # a subnormal width
        (0.0, 1.0, 1e-12, 1.0 + 2e-12),
        (1e300, 1e300 * (1 + 2**-51), 1e300 * (1 + 2**-52), 1e300 * (1 + 2**-50)),
    ],
)
def test_uniform_grid(ends):
    check_uniform(ends)


def test_bernoulli_extreme_masses():
    """Subnormal and extreme masses: the generator's log_terms where the kernels' floor
    would clip them (the exact core's rule)."""
    values = [0.0, 5e-324, 1e-320, 1e-300, 1e-20, 0.3, 0.5, 1 - 2**-53, 1.0]
    names = ["kl", "reverse_kl", "js", "tv", "squared_hellinger", "jeffreys", "alpha(0.3)"]
    with mp.workdps(400):
        for p in values:
            for q in values:
                for name in names:
                    f, f0, finf = R.entry(name)
                    ref = mp.mpf(0)
                    for x, y in zip((mp.mpf(p), 1 - mp.mpf(p)), (mp.mpf(q), 1 - mp.mpf(q))):
                        if x == 0 and y == 0:
                            continue
                        ref += x * finf if y == 0 else (y * f0 if x == 0 else y * f(x / y))
                    # the log_terms of the exact core are good to |log(p/q)| eps
                    tol = 4 * EPS * (4 + 745)
                    check(
                        dt.f_divergence(Bernoulli(p), Bernoulli(q), gen(name)), ref, tol, TINY, (name, p, q)
                    )


def test_batches_of_extreme_parameters_match_scalars():
    m = np.array([0.0, 1e20, -1.7e308, 1e-300])
    s = np.array([1e-300, 1.0, 1e300, 2.0])
    for name in NORMAL_FORMS[:-2]:
        batch = _value(Normal(m, s), Normal(0.0, 1.0), name)
        for i in range(m.size):
            assert batch[i] == _value(Normal(float(m[i]), float(s[i])), Normal(0.0, 1.0), name), name


def test_jax_gradients_at_extreme_parameters_are_finite():
    def loss(theta):
        return dt.kl(Normal(theta[0], jnp.exp(theta[1])), Normal(0.0, 1.0))

    theta = jnp.array([1e10, -600.0])  # scale e^-600 = 2.7e-261
    value = jax.jit(loss)(theta)
    grad = jax.jit(jax.grad(loss))(theta)
    with mp.workdps(DPS):
        ref = mp_normal("kl", 1e10, math.exp(-600.0), 0.0, 1.0)
    assert float(value) == pytest.approx(float(ref), rel=1e-13)
    # d/dm = m, d/dlog s = s^2 - 1
    np.testing.assert_allclose(np.asarray(grad), [1e10, -1.0], rtol=1e-13)
    # distributions as pytrees with placeholders: a vmap axis specification
    batch = jax.vmap(lambda d: dt.kl(d, Normal(0.0, 1.0)), in_axes=(Normal(0, None),))(
        Normal(jnp.array([0.0, 1.0]), jnp.asarray(2.0))
    )
    np.testing.assert_allclose(
        np.asarray(batch), [float(dt.kl(Normal(x, 2.0), Normal(0.0, 1.0))) for x in (0, 1)]
    )


# --------------------------------------------------------------------------
# Quadrature and quantile routes.


def mp_kl_normal_laplace(m, s, b):
    """KL(N(m, s^2) || Laplace(0, b)) = E|X|/b + log(2b) - H(N), E|X| of a folded normal."""
    m, s, b = map(M, (m, s, b))
    folded = s * mp.sqrt(2 / mp.pi) * mp.exp(-(m**2) / (2 * s**2)) + m * mp.erf(m / (s * mp.sqrt(2)))
    return folded / b + mp.log(2 * b) - mp.log(s * mp.sqrt(2 * mp.pi * mp.e))


@pytest.mark.parametrize("m", [3.0, 1e20, 1e300])
def test_quadrature_far_apart_mixed_families(m):
    """No closed form between a Gaussian and a Laplace: quadrature, each bulk in its
    own frame, so the result is finite, large and right."""
    with mp.workdps(60):
        ref = mp_kl_normal_laplace(m, 1.0, 1.0)
    value = dt.kl(Normal(m, 1.0), Laplace(0.0, 1.0))
    assert value.method == "quadrature"
    check(value, ref, 1e-12)
    # and against the scipy objects (the same recognised families)
    check(dt.kl(st.norm(m, 1.0), st.laplace(0.0, 1.0)), ref, 1e-12)


def test_quadrature_extreme_scales():
    # spreads 1e600 apart: the narrower in a window of its own
    js = dt.js(Normal(0.0, 1e-300), Normal(0.0, 1e300))
    assert LOG2 - 4 * EPS <= float(js) <= LOG2
    # KL(Laplace(0, b) || N(0, s^2)) = -(1 + log 2b) + log(s sqrt(2 pi)) + b^2/s^2
    with mp.workdps(60):
        b, s = mp.mpf(1e-300), mp.mpf(1e300)
        ref = -(1 + mp.log(2 * b)) + mp.log(s * mp.sqrt(2 * mp.pi)) + b**2 / s**2
    check(dt.kl(Laplace(0.0, 1e-300), Normal(0.0, 1e300)), ref, 1e-12)
    # huge spreads: the half-lines stay in the float range
    for loc in (0.0, 1e308, -1.7e308):
        assert float(dt.js(Laplace(loc, 1e307), Laplace(loc, 1e307))) == 0.0
    js = dt.js(Laplace(0.0, 1e300), Laplace(0.0, 1e300 * 1.5))
    assert float(js) == pytest.approx(float(dt.js(Laplace(0.0, 1.0), Laplace(0.0, 1.5))), rel=1e-13)
    js = dt.js(Normal(-1.7e308, 1e-300), Normal(1.7e308, 1e300))
    assert LOG2 - 4 * EPS <= float(js) <= LOG2


def test_quadrature_is_translation_invariant_for_recognised_families():
    """JS(Laplace(loc, 2d), Laplace(loc + d, 4d)) = JS(Laplace(0, 1), Laplace(0.5, 2)) for
    d = 8 ulps of loc: each is integrated around its own location."""
    near = dt.js(Laplace(0.0, 1.0), Laplace(0.5, 2.0))
    for loc in (1e20, -1e300, 1.7e308):
        d = 8 * math.ulp(loc)
        far = dt.js(Laplace(loc - d, 2 * d), Laplace(loc, 4 * d))
        assert float(far) == pytest.approx(float(near), rel=1e-13)


@pytest.mark.parametrize("d", [40.0, 1e3, 1e5])
def test_opaque_far_apart_normals(d):
    """Through their densities only: JS = log 2 - (overlap below 1e-300), TV = 1,
    KL = d^2/2 -- within the quadrature's estimated error (the abscissae near
    ``d`` are rounded to its ulps), never above the bounds."""
    P, Q = Opaque(st.norm(d, 1.0)), Opaque(st.norm(0.0, 1.0))
    js, tv, kl = dt.js(P, Q), dt.tv(P, Q), dt.kl(P, Q)
    assert float(js) <= LOG2 and LOG2 - float(js) <= max(js.error, 4 * EPS)
    assert float(tv) <= 1.0 and 1.0 - float(tv) <= max(tv.error, 4 * EPS)
    assert abs(float(kl) - d * d / 2) <= max(kl.error, 1e-13 * d * d)


def test_opaque_unresolvable_density_is_an_error():
    """N(1e20, 1) seen through its logpdf only: its bulk spans a few doubles (16384
    apart), which no quadrature in x can integrate -- an error naming it, not a
    wrong number (and never NaN or a spurious inf)."""
    for loc in (1e20, 1e154, 1e300):
        rejects(lambda loc=loc: dt.js(Opaque(st.norm(loc, 1.0)), Opaque(st.norm())), "p", match="doubles")
        rejects(lambda loc=loc: dt.kl(Opaque(st.norm()), Opaque(st.norm(loc, 1.0))), "q", match="doubles")
    # with the same loc recognised, it works (its own frame)
    assert abs(float(dt.js(Normal(1e20, 1.0), Opaque(st.norm()))) - LOG2) <= 2 * EPS


def test_quantile_route_far_and_extreme():
    """W_p without a closed form (p = 3, or mixed families): the difference of the
    quantile functions with the anchors subtracted once."""
    near = dt.wasserstein_1d(Normal(0.0, 1.0), Laplace(0.0, 2.0), p=3)
    for loc in (1e20, -1e300):
        far = dt.wasserstein_1d(Normal(loc, 1.0), Laplace(loc, 2.0), p=3)
        assert float(far) == pytest.approx(float(near), rel=1e-13)
    # W_3^3 overflows, W_3 does not (homogeneous)
    big = dt.wasserstein_1d(Normal(1e307, 1e307), Laplace(-1e307, 1e307), p=3)
    unit = dt.wasserstein_1d(Normal(1.0, 1.0), Laplace(-1.0, 1.0), p=3)
    assert float(big) == pytest.approx(float(unit) * 1e307, rel=1e-12)
    assert math.isinf(float(dt.wasserstein_1d(Normal(1.7e308, 1e308), Laplace(-1.7e308, 1e308), p=3)))


# --------------------------------------------------------------------------
# Bad parameters.


def _bad_values(kind):
    """Invalid values for a parameter: not numbers, complex, non-finite, arrays of the
    wrong kind (arrays of reals are batches, valid); non-positive for scales."""
    out = [v for v in BAD_REAL if not isinstance(v, (list, np.ndarray))]
    out += [bad_arrays(2)[i] for i in (2, 3, 4, 5, 6)]  # complex, NaN, inf, ragged, strings
    out += [True, [1.0, "a"], np.array([1.0, 2.0], dtype=object)]
    if kind == "scale":
        out += [0.0, -1.0, -0.0, np.array([1.0, -1.0]), -1e-300]
    return out


FAMILIES = [
    (Normal, {"loc": 0.0, "scale": 1.0}, {"loc": "real", "scale": "scale"}),
    (Laplace, {"loc": 0.0, "scale": 1.0}, {"loc": "real", "scale": "scale"}),
    (Exponential, {"scale": 1.0, "loc": 0.0}, {"loc": "real", "scale": "scale"}),
    (Uniform, {"low": 0.0, "high": 1.0}, {"low": "real", "high": "real"}),
    (Bernoulli, {"p": 0.3}, {"p": "real"}),
]
CASES = [
    (family, good, name, bad)
    for family, good, kinds in FAMILIES
    for name, kind in kinds.items()
    for bad in _bad_values(kind)
]


@pytest.mark.parametrize(
    "family,good,name,bad", CASES, ids=[f"{c[0].__name__}.{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_bad_family_parameters(family, good, name, bad):
    """Rejected at construction (types) or by every divergence (values), naming the
    parameter and the argument."""
    P = lambda: family(**{**good, name: bad})
    ok = family(**good)
    label = f"{family.__name__}.{name}"
    rejects(lambda: dt.kl(P(), ok), label)
    rejects(lambda: dt.tv(ok, P()), label)
    if family is not Bernoulli:
        rejects(lambda: dt.wasserstein_1d(P(), ok, p=2), label)
    try:
        P()
    except (TypeError, ValueError):
        return  # rejected at construction
    for call, arg in ((lambda: dt.kl(P(), ok), "p"), (lambda: dt.js(ok, P()), "q")):
        rejects(call, f"{arg}:")
    rejects(lambda: dt.bhattacharyya(P(), ok), "p:")


def test_bad_family_parameter_relations():
    rejects(lambda: dt.kl(Uniform(1.0, 1.0), Uniform(0.0, 1.0)), "p", match="low < high")
    rejects(lambda: dt.kl(Uniform(0.0, 1.0), Uniform(2.0, 1.0)), "q", match="low < high")
    rejects(lambda: dt.kl(Bernoulli(1.5), Bernoulli(0.5)), "p", match="[0, 1]")
    rejects(lambda: dt.kl(Bernoulli(0.5), Bernoulli(-0.2)), "q", match="[0, 1]")
    rejects(lambda: dt.kl(Normal([0.0, 1.0], [1.0, 2.0, 3.0]), Normal(0.0, 1.0)), "p", match="broadcast")
    rejects(lambda: Exponential.from_rate(0.0), "rate")
    rejects(lambda: Exponential.from_rate("a"), "rate")
    rejects(lambda: Exponential.from_rate(-2.0), "rate")
    for probs in ([0.5, 0.6], [1.5, -0.5], np.full(3, np.nan)):
        rejects(lambda probs=probs: dt.kl(Categorical(probs), Categorical([0.5, 0.5])), "p", match="probs")
    for bad in NOT_NUMBERS[:1] + [[[0.5], [0.2, 0.8]], np.full(2, 1 + 1j)]:
        rejects(lambda bad=bad: Categorical(bad), "Categorical.probs")


SCIPY_BAD = [
    (st.norm(0, -1), "scale"),
    (st.norm(0, 0), "scale"),
    (st.norm(np.nan, 1), "loc"),
    (st.norm(np.inf, 1), "loc"),
    (st.norm(0, np.inf), "scale"),
    (st.norm("a", 1), "loc"),
    (st.norm(None, 1), "loc"),
    (st.beta(0, 1), "beta"),
    (st.gamma(-1.0), "gamma"),
    (st.gamma(np.nan), "gamma"),
    (st.t(np.nan), "stats.t df"),
    (st.expon(scale=0), "scale"),
    (st.laplace(scale=-2.0), "scale"),
    (st.uniform(0, -1), "scale"),
    (st.poisson(-1.0), "poisson"),
    (st.bernoulli(1.5), "bernoulli"),
    (st.binom(10, 2.0), "binom"),
]


@pytest.mark.parametrize(
    "bad,match", SCIPY_BAD, ids=[f"{b.dist.name}-{i}" for i, (b, _) in enumerate(SCIPY_BAD)]
)
def test_bad_scipy_distributions(bad, match):
    other = st.poisson(1.0) if hasattr(bad, "pmf") else st.norm()
    rejects(lambda: dt.kl(bad, other), "p:", match=match)
    rejects(lambda: dt.js(other, bad), "q:", match=match)
    rejects(lambda: dt.bhattacharyya(bad, other), "p:", match=match)
    rejects(lambda: dt.wasserstein_1d(bad, other), "u_values", match=match)


def test_unsupported_pairs_say_what_is_supported():
    for call in (
        lambda: dt.kl(Categorical([0.5, 0.5]), Bernoulli(0.5)),
        lambda: dt.kl(Categorical([0.5, 0.5]), st.poisson(1.0)),
        lambda: dt.wasserstein_1d(Categorical([0.5, 0.5]), Categorical([0.2, 0.8])),
    ):
        with pytest.raises(TypeError) as info:
            call()
        assert "Categorical" in str(info.value) and "closed forms" in str(info.value)
    # a Categorical against a continuous family: mutually singular, in every batch entry
    np.testing.assert_array_equal(dt.tv(Normal([0.0, 1.0], 1.0), Categorical([0.5, 0.5])), [1.0, 1.0])

    class NotOneD:  # a density over pairs
        def logpdf(self, x):
            return np.zeros((2, *np.shape(x)))

        def cdf(self, x):
            return 0.5

        def support(self):
            return (-np.inf, np.inf)

    rejects(lambda: dt.kl(NotOneD(), st.norm()), "p:", match="1-D")
