"""The exact core, the games and the duality at the edges of float64, and their
bad arguments.

* Every valid input gets the true value (50-digit and wider mpmath references):
  counts whose sums overflow, mass ratios beyond the float range, masses near
  the smallest normal number and subnormal ones, on both evaluators.
* The lectures' identities hold at every pmf, masses down to 1e-300: the f-dual
  at the optimal critic is the divergence, the GAN value at the optimal
  discriminator is ``2 JS - log 4``, the optimal log loss is ``H(Y|X)``; the
  table's conjugates match numerical ones far from the origin.
* Every bad argument of the core's public functions is rejected with an error
  naming it (a registry of the functions and the kinds of their arguments).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import reference as R
from boundary import (
    BAD_COUNT,
    BAD_KEY,
    BAD_POSITIVE,
    BAD_PROBABILITY,
    BAD_REAL,
    NOT_NUMBERS,
    bad_arrays,
    rejects,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import divtools
from divtools import duality, games
from divtools.discrete import pmf
from divtools.discrete.generators import alpha, skew_js

EPS = 2.0**-52
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLE = list(divtools.GENERATORS)
FAMILY = {
    "alpha(3)": alpha(3.0),
    "alpha(-1.5)": alpha(-1.5),
    "alpha(0.5)": alpha(0.5),
    "skew_js(0.2)": skew_js(0.2),
}
TINY = np.finfo(np.float64).tiny


def true(p, q, name):
    """The divergence at 700 digits: wide enough for ratios of 1e-600 and summands that
    cancel at the 300th digit (the GAN divergence of nearly disjoint pmfs)."""
    return R.divergence_at(np.asarray(p, float), np.asarray(q, float), name, 700)


def agrees(value, ref, name) -> bool:
    value = float(value)
    if ref == R.INF or abs(ref) > np.finfo(np.float64).max:
        return math.isinf(value) and value > 0
    tol = 8 * EPS if name in TABLE else 1e-13
    # pearson and neyman summands built from a subnormal mass go through logarithms:
    # the exponential of a log of size 700 carries its rounding times 700
    if name in ("pearson", "neyman", "alpha(3)", "alpha(-1.5)"):
        tol = 1e-13
    return R.relative_error(value, ref) <= tol


EDGE_CASES = [
    ([1e308, 1.0], [1.0, 1.0], True),  # the sum of the counts overflows
    ([1e308, 1e308, 1e-300], [1.0, 1e-200, 1.0], True),
    ([1.0, 0.0], [1e-307, 1 - 1e-307], False),  # a log ratio beyond 2**1017
    ([0.5, 0.5], [TINY, 1.0], True),  # the smallest normal mass
    ([0.5, 0.5], [1.0, TINY], True),
    ([0.5, 0.5], [5e-324, 1.0], True),  # the smallest subnormal
    ([1e-310, 1.0], [1.0, 1e-310], True),
    ([3.0, 1e-320, 2.0], [1e-300, 4.0, 1e-315], True),
    ([3.0, 1.0], [1e300, 1e-10], True),
    ([1e-300, 1e-300], [1e-300, 3e-300], True),  # every mass tiny: the distributions are not
]


@pytest.mark.parametrize("evaluator", ["numpy", "xla"])
@pytest.mark.parametrize("case", range(len(EDGE_CASES)))
def test_every_generator_at_the_edges_of_float64(case, evaluator, monkeypatch):
    if evaluator == "xla":
        monkeypatch.setattr(pmf, "XLA_ABOVE", 0)
    p, q, normalize = EDGE_CASES[case]
    for name in TABLE + list(FAMILY):
        value = divtools.f_divergence(np.array(p), np.array(q), FAMILY.get(name, name), normalize=normalize)
        ref = true(p, q, name)
        assert agrees(value, ref, name), (name, float(value), float(ref))


def test_the_reported_values():
    assert divtools.tv([1e308, 1.0], [1.0, 1.0], normalize=True) == 0.5
    assert float(divtools.kl([1.0, 0.0], [1e-307, 1 - 1e-307])) == pytest.approx(
        706.8936235491721, rel=4 * EPS
    )
    for fn in (divtools.kl, divtools.jeffreys):
        value, ref = fn([0.5, 0.5], [TINY, 1.0], normalize=True), true([0.5, 0.5], [TINY, 1.0], fn.__name__)
        assert R.relative_error(value, ref) <= 4 * EPS
    value = divtools.f_divergence([0.5, 0.5], [1.0, TINY], "pearson", normalize=True)
    assert R.relative_error(value, true([0.5, 0.5], [1.0, TINY], "pearson")) <= 4 * EPS


@st.composite
def extreme_pairs(draw):
    """Pmfs with masses from 1e-320 (subnormal) to 1, zeros, and counts up to 1e300."""
    n = draw(st.integers(2, 6))
    exponents = st.floats(-320.0, 0.0)
    p = np.array([10.0 ** draw(exponents) for _ in range(n)])
    q = np.array([10.0 ** draw(exponents) for _ in range(n)])
    if draw(st.booleans()):
        p[draw(st.integers(0, n - 1))] = 0.0
    if draw(st.booleans()):
        q[draw(st.integers(0, n - 1))] = 0.0
    p[0] = max(p[0], 0.5)
    q[-1] = max(q[-1], 0.5)
    scale = 10.0 ** draw(st.floats(-300.0, 300.0))
    return p * scale, q, True


@settings(max_examples=25, deadline=None)
@given(pair=extreme_pairs(), name=st.sampled_from(TABLE))
def test_extreme_pmfs_property(pair, name):
    p, q, normalize = pair
    value = divtools.f_divergence(p, q, name, normalize=normalize)
    assert agrees(value, true(p, q, name), name)


# --------------------------------------------------------------------------
# The lectures' identities at every pmf.


def tiny_pmfs(rng, n_pairs=60):
    out = []
    for k in range(n_pairs):
        n = int(rng.integers(2, 7))
        p, q = 10.0 ** rng.uniform(-300, 0, (2, n))
        if k % 4 == 0:
            p[rng.random(n) < 0.3] = 0.0
            p[0] = 1.0
        if k % 5 == 0:
            q[rng.random(n) < 0.3] = 0.0
            q[-1] = 1.0
        out.append((p / p.sum(), q / q.sum()))
    return out


@pytest.mark.parametrize("name", TABLE + list(FAMILY))
def test_the_f_dual_at_the_optimal_critic_is_the_divergence(name, rng):
    """``E_P g(V*) - E_Q f*(g(V*)) = D_f`` with the critic before its activation. The bound
    is a difference of expectations: it holds to ``eps`` times the summands' size (plus the
    rounding that the activation carries, ``eps |V*|``)."""
    gen = divtools.generators.get(FAMILY.get(name, name))
    for p, q in tiny_pmfs(rng):
        D = float(divtools.f_divergence(p, q, gen))
        V = duality.optimal_critic(p, q, gen, raw=True)
        value = float(duality.f_dual_value(V, p, q, gen, raw=True))
        with np.errstate(all="ignore"):
            c, fs = np.asarray(gen.activation(V)), np.asarray(gen.fgan_conjugate(V))
        both = (p > 0) & (q > 0)
        if not (np.isfinite(c[both]).all() and np.isfinite(fs[both]).all()):
            # T* or f*(T*) overflows float64 where both masses are positive (pearson, alpha(3)
            # at p/q = 1e200): the summand is recomputed in extended precision, or, where the
            # critic itself overflows, the bound is -inf (a valid bound) and D is inf
            # (D itself comes from logarithms there: 1e-13, see agrees())
            # an outcome with q = 0 < p adds +inf to that -inf: inf - inf, undefined (nan)
            plus_inf = bool(np.any((q == 0) & (p > 0) & np.isposinf(c)))
            expected = math.nan if plus_inf else -math.inf
            overflowed = value == expected or (plus_inf and math.isnan(value))
            assert (overflowed and D == math.inf) or value == pytest.approx(D, rel=1e-12)
            continue

        def finite(x):
            return np.where(np.isfinite(x), x, 0.0)

        with np.errstate(over="ignore"):
            size = np.sum(
                np.where(p > 0, p * (1 + abs(finite(c))), 0) + np.where(q > 0, q * (1 + abs(finite(fs))), 0)
            )
            tol = 16 * EPS * (abs(D) + size * (1 + np.max(abs(finite(V)))))
        assert value == D or abs(value - D) <= tol, (name, value, D, p, q)


def test_the_f_dual_in_the_critics_own_units_where_representable(rng):
    """With ``T = f'(p/q)`` itself (no activation) the identity holds where ``T`` is inside
    the conjugate's domain: ratios within 2**50 for the bounded ones."""
    for name in TABLE:
        for p, q in tiny_pmfs(rng, 20):
            ratio = np.where(q > 0, p / np.where(q > 0, q, 1.0), np.inf)
            if np.any((ratio > 2.0**50) | (ratio < 2.0**-50)):
                continue
            D = float(divtools.f_divergence(p, q, name))
            value = float(duality.f_dual_value(duality.optimal_critic(p, q, name), p, q, name))
            assert abs(value - D) <= 1e-13 * (1 + abs(D)), (name, value, D)


def test_the_games_at_their_optima_at_every_pmf(rng):
    for p, q in tiny_pmfs(rng):
        optimum = float(games.gan_optimal_value(p, q))
        for label in (0, 1):
            logits = games.gan_optimal_discriminator(p, q, real_label=label, logits=True)
            value = float(games.gan_value(logits, p, q, real_label=label, logits=True))
            assert abs(value - optimum) <= 8 * EPS, (value, optimum)
        for prior in (0.5, 0.2):
            logits = games.optimal_discriminator(p, q, prior=prior, logits=True)
            loss = float(games.cross_entropy_loss(logits, p, q, prior=prior, logits=True))
            assert abs(loss - float(games.cross_entropy_value(p, q, prior=prior))) <= 8 * EPS


def test_probabilities_that_round_lose_what_logits_keep():
    """The reported failure: ``D*`` rounds to 1 where ``p_g/p_data < 1e-16`` and
    ``log(1 - D*)`` is ``-inf``; the logits keep the identity."""
    p, q = np.array([1.0 - 1e-20, 1e-20]), np.array([1e-20, 1.0 - 1e-20])
    d = games.gan_optimal_discriminator(p, q)
    assert float(games.gan_value(d, p, q)) == -math.inf  # what probabilities can do
    logits = games.gan_optimal_discriminator(p, q, logits=True)
    assert float(games.gan_value(logits, p, q, logits=True)) == pytest.approx(
        float(games.gan_optimal_value(p, q)), abs=4 * EPS
    )


def mp_conjugate(name: str, y: float):
    """``sup_{t > 0} (t y - f(t))`` in 400-digit arithmetic: the stationary point
    ``f'(t) = y`` by bisection on ``log t`` over ``[-690, 690]`` (``f'`` increases),
    or the supremum's limit at ``t -> 0`` (``-f(0)``) when ``f'(0+) >= y``."""
    import mpmath as mp

    with mp.workdps(400):  # t down to 1e-300 next to 1 in f(t): 300 digits and more
        f = R.entry(name)[0]
        y = mp.mpf(y)

        def slope(u):  # f'(e^u) - y, by a central difference with a step relative to t
            t = mp.e**u
            h = t * mp.mpf(10) ** -20
            return (f(t + h) - f(t - h)) / (2 * h) - y

        lo, hi = mp.mpf(-690), mp.mpf(690)
        if slope(lo) >= 0:  # f'(0+) >= y: the supremum is the limit at t -> 0
            return -R.entry(name)[1]
        for _ in range(80):
            mid = (lo + hi) / 2
            if slope(mid) > 0:
                hi = mid
            else:
                lo = mid
        t = mp.e**lo
        return t * y - f(t)


@pytest.mark.parametrize("name", TABLE + list(FAMILY))
def test_the_conjugates_far_from_the_origin_and_at_the_edges(name):
    """The table's ``f*`` against a 50-digit numerical conjugate at points up to 1e20 from
    the origin and within 1e-9 of the domain's ends."""
    gen = divtools.generators.get(FAMILY.get(name, name))
    dom = gen.conjugate_domain
    points = [-1e20, -5e19, -1e6, -50.0, -3.0, -0.5, 0.0, 0.1]
    if math.isfinite(dom.high):
        points += [dom.high - 1e-3, dom.high - 1e-9]
    else:
        points += [2.0, 30.0]
    if math.isfinite(dom.low):
        points = [y for y in points if y > dom.low] + [dom.low + 1e-9, dom.low + 1e-3]
    for y in points:
        if not dom.contains(y):
            continue
        if name in ("pearson", "triangular") and y < float(gen.f_prime(np.float64(0.0))):
            continue  # the f-GAN conjugate extends f below 0 there (see duality.conjugate)
        table = float(gen.conjugate(np.float64(y)))
        reference = float(mp_conjugate(name, y))
        # relative accuracy, or a few eps absolute where f* crosses 0 (its terms cancel there)
        assert table == pytest.approx(reference, rel=1e-12, abs=4 * EPS), (name, y, table, reference)


def test_jeffreys_conjugate_far_from_the_origin():
    g = divtools.GENERATORS["jeffreys"]
    assert float(g.conjugate(np.float64(-5e19))) == pytest.approx(-46.35855467932097, rel=1e-14)
    # and so its dual no longer exceeds the divergence (the reported violation)
    p, q = np.array([1e-14, 1 - 1e-14]), np.array([0.5, 0.5])
    bound = float(duality.f_dual_value(duality.optimal_critic(p, q, "jeffreys"), p, q, "jeffreys"))
    assert bound <= float(divtools.jeffreys(p, q)) * (1 + 1e-13)


def test_triangular_optimal_critic_at_extreme_ratios():
    T = duality.optimal_critic([1.0, 1e-300, 0.0], [1e-300, 1.0, 0.0], "triangular")
    assert np.all(np.isfinite(T)) and T[0] == pytest.approx(1.0) and T[1] == pytest.approx(-3.0)


# --------------------------------------------------------------------------
# Bad arguments: the registry.

P, Q = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.6, 0.3])

#: function -> {argument: (call with the value, bad values)}
REGISTRY = {
    "kl": {
        "p": (lambda v: divtools.kl(v, Q), bad_arrays(3) + [[-0.1, 0.6, 0.5], [0.5, 0.5, 0.5], []]),
        "q": (lambda v: divtools.kl(P, v), bad_arrays(3) + [[0.5, 0.5]]),
        "axis": (lambda v: divtools.kl(P, Q, axis=v), [*NOT_NUMBERS, 1.5, 3, -2]),
        "base": (
            lambda v: divtools.kl(P, Q, base=v),
            [*NOT_NUMBERS[:1], complex(2, 1), math.nan, 0.0, -2.0, 1.0],
        ),
        "normalize": (lambda v: divtools.kl(P, Q, normalize=v), ["yes", None, 2]),
    },
    "f_divergence": {"f": (lambda v: divtools.f_divergence(P, Q, v), ["nope", None, 3, 1.5])},
    "tv": {"base": (lambda v: divtools.tv(P, Q, base=v), [2.0])},
    "js": {
        "weights": (
            lambda v: divtools.js(P, Q, weights=v),
            [*BAD_REAL[2:], "ab", (0.5, 0.6), (1.5, -0.5), ("a", "b")],
        )
    },
    "alpha_divergence": {"alpha": (lambda v: divtools.alpha_divergence(P, Q, v), BAD_REAL)},
    "generators.alpha": {"alpha": (lambda v: divtools.generators.alpha(v), BAD_REAL)},
    "generators.skew_js": {"w": (lambda v: divtools.generators.skew_js(v), BAD_PROBABILITY)},
    "games.bayes_error": {"prior": (lambda v: games.bayes_error(P, Q, prior=v), BAD_PROBABILITY)},
    "games.zero_one_error": {
        "eta": (lambda v: games.zero_one_error(v, P, Q), bad_arrays(3) + [[0.5, 0.5], [2.0, 0, 0]])
    },
    "games.cross_entropy_loss": {
        "eta": (lambda v: games.cross_entropy_loss(v, P, Q), [[-1.0, 0.5, 0.5], *bad_arrays(3)]),
        "logits": (lambda v: games.cross_entropy_loss([0.5] * 3, P, Q, logits=v), ["yes", None, 1]),
    },
    "games.gan_value": {
        "real_label": (lambda v: games.gan_value(P, P, Q, real_label=v), ["a", None, 2, 0.5]),
        "d": (lambda v: games.gan_value(v, P, Q), bad_arrays(3)),
    },
    "games.solve_gan": {
        "steps": (lambda v: games.solve_gan(P, Q, steps=v), BAD_COUNT),
        "lr": (lambda v: games.solve_gan(P, Q, lr=v), BAD_POSITIVE),
        "key": (lambda v: games.solve_gan(P, Q, key=v, steps=2), BAD_KEY),
    },
    "games.cross_entropy_decomposition": {
        "y": (lambda v: games.cross_entropy_decomposition(v, 0.5), [1.5, -0.1, "a", None])
    },
    "duality.f_dual_value": {
        "T": (lambda v: duality.f_dual_value(v, P, Q, "kl"), bad_arrays(3)[:4] + [[1.0, 2.0]]),
        "raw": (lambda v: duality.f_dual_value(P, P, Q, "kl", raw=v), ["yes", None]),
    },
    "duality.optimal_critic": {"f": (lambda v: duality.optimal_critic(P, Q, v), ["nope", None])},
    "duality.density_ratio_from_classifier": {
        "prior": (lambda v: duality.density_ratio_from_classifier(0.5, prior=v), BAD_PROBABILITY),
        "c": (lambda v: duality.density_ratio_from_classifier(v), [1.5, -0.5, "a", None]),
    },
    "duality.conjugate": {"y": (lambda v: duality.conjugate("kl", v), bad_arrays(3)[:4])},
    "duality.biconjugate": {"t": (lambda v: duality.biconjugate("kl", v), [*bad_arrays(3)[:4], -1.0])},
    "duality.log_partition": {"energy": (lambda v: duality.log_partition(v), [*bad_arrays(3)[:4], [], 3.0])},
    "examples.parallel_lines": {
        "theta": (lambda v: divtools.examples.parallel_lines(v), BAD_REAL),
        "n": (lambda v: divtools.examples.parallel_lines(0.5, v), BAD_COUNT),
    },
}

CASES = [(fn, arg) for fn, args in REGISTRY.items() for arg in args]


@pytest.mark.parametrize(("function", "argument"), CASES, ids=[f"{f}-{a}" for f, a in CASES])
def test_bad_arguments_are_named(function, argument):
    call, values = REGISTRY[function][argument]
    for value in values:
        rejects(lambda value=value: call(value), argument)


def test_the_command_line_at_the_edges():
    env = dict(os.environ, PYTHONPATH=ROOT)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "divtools", "compare", *args], capture_output=True, text=True, env=env
        )

    out = run("1e308,1", "1,1", "--counts")
    assert out.returncode == 0 and "nan" not in out.stdout and "0.5" in out.stdout
    out = run("0.5,0.5", "0.9,0.1", "--digits", "-3")
    assert out.returncode == 2 and "--digits" in out.stderr and "Traceback" not in out.stderr
    out = run("0.5,x", "0.5,0.5")
    assert out.returncode == 2 and "P" in out.stderr and "Traceback" not in out.stderr
