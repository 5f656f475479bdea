"""An independent high-precision oracle for f-divergences between discrete distributions.

Written from the textbook definitions with mpmath, sharing no code with
divtools: ``D_f(P||Q) = sum_x Q(x) f(P(x)/Q(x))`` with ``P = p / sum p`` and
``Q = q / sum q`` normalised exactly (the float inputs are read as exact
binary fractions), the conventions ``0 f(0/0) = 0``, ``Q f(0)`` where
``P = 0 < Q`` and ``P lim_{t->inf} f(t)/t`` where ``Q = 0 < P``.
"""

from __future__ import annotations

import math

import mpmath as mp

DPS = 60
INF = mp.inf


def _xlogx(t):
    return mp.mpf(0) if t == 0 else t * mp.log(t)


def _alpha(a):
    a = mp.mpf(a)
    f = lambda t: (t**a - 1 - a * (t - 1)) / (a * (a - 1))
    f0 = 1 / a if a > 0 else INF
    finf = INF if a > 1 else 1 / (1 - a)
    return f, f0, finf


def _skew(w):
    w = mp.mpf(w)
    f = lambda t: w * _xlogx(t) - _xlogx(w * t + 1 - w)
    return f, -(1 - w) * mp.log(1 - w), -w * mp.log(w)


# name -> (f, f(0), lim f(t)/t)
TABLE = {
    "kl": (lambda t: _xlogx(t), mp.mpf(0), INF),
    "reverse_kl": (lambda t: -mp.log(t), INF, mp.mpf(0)),
    "jeffreys": (lambda t: (t - 1) * mp.log(t), INF, INF),
    "js": (lambda t: (_xlogx(t) - _xlogx(t + 1)) / 2 + (t + 1) * mp.log(2) / 2, mp.log(2) / 2, mp.log(2) / 2),
    "gan": (lambda t: _xlogx(t) - _xlogx(t + 1), mp.mpf(0), mp.mpf(0)),
    "tv": (lambda t: abs(t - 1) / 2, mp.mpf(1) / 2, mp.mpf(1) / 2),
    "pearson": (lambda t: (t - 1) ** 2, mp.mpf(1), INF),
    "neyman": (lambda t: (1 - t) ** 2 / t, INF, mp.mpf(1)),
    "squared_hellinger": (lambda t: (mp.sqrt(t) - 1) ** 2, mp.mpf(1), mp.mpf(1)),
    "triangular": (lambda t: (t - 1) ** 2 / (t + 1), mp.mpf(1), mp.mpf(1)),
}


def entry(name):
    if name.startswith("alpha("):
        return _alpha(mp.mpf(float(name[6:-1])))
    if name.startswith("skew_js("):
        return _skew(mp.mpf(float(name[8:-1])))
    if name == "js":  # log 2 at the working precision, not at import time
        return TABLE[name][0], mp.log(2) / 2, mp.log(2) / 2
    return TABLE[name]


def divergence_at(p, q, name: str, dps: int):
    with mp.workdps(dps):
        f, f0, finf = entry(name)
        P = [mp.mpf(float(x)) for x in p]
        Q = [mp.mpf(float(x)) for x in q]
        sp, sq = mp.fsum(P), mp.fsum(Q)
        terms = []
        for x, y in zip(P, Q):
            x, y = x / sp, y / sq
            if x == 0 and y == 0:
                continue
            if y == 0:
                terms.append(x * finf)
            elif x == 0:
                terms.append(y * f0)
            else:
                terms.append(y * f(x / y))
        if any(t == INF for t in terms):
            return INF
        return mp.fsum(terms)


def divergence(p, q, name: str):
    """The f-divergence of the exactly normalised distributions, as an mpf.

    The textbook formulas cancel (``t log t - (t+1) log(t+1)`` at large ``t``,
    ``sum Q f(P/Q)`` for nearly equal distributions), so the working precision
    is doubled from 60 digits until two evaluations agree to 45 digits.
    """
    dps = DPS
    value = divergence_at(p, q, name, dps)
    while dps < 4000:
        dps *= 2
        better = divergence_at(p, q, name, dps)
        with mp.workdps(dps):
            if value == better or (better != 0 and abs(value - better) <= abs(better) * mp.mpf(10) ** -45):
                return better
        value = better
    raise RuntimeError("reference did not converge")


def relative_error(value, ref) -> float:
    """``|value - ref| / |ref|`` (0 for exact zeros and matching infinities)."""
    value = mp.mpf(float(value))
    if ref == INF or value == INF:
        return 0.0 if ref == value else float("inf")
    if ref == 0:
        return 0.0 if value == 0 else float("inf")
    with mp.workdps(DPS):
        return float(abs(value - ref) / abs(ref))


# --------------------------------------------------------------------------
# Wasserstein distance on the line, exactly: the quantile coupling in rationals.


def wasserstein_1d(u, v, a=None, b=None, p=1):
    """``W_p`` between weighted samples, from exact rational levels (an mpf).

    Values and weights are read as exact binary fractions; the quantile
    coupling's interval lengths are exact rationals; ``|u - v|^p`` is exact for
    integer ``p`` and 60-digit otherwise.
    """
    from fractions import Fraction

    u = [Fraction(float(x)) for x in u]
    v = [Fraction(float(x)) for x in v]
    a = [Fraction(1)] * len(u) if a is None else [Fraction(float(x)) for x in a]
    b = [Fraction(1)] * len(v) if b is None else [Fraction(float(x)) for x in b]
    su, sv = sum(a), sum(b)
    pu = sorted(zip(u, a))
    pv = sorted(zip(v, b))
    levels_u, acc = [], Fraction(0)
    for _, w in pu:
        acc += w / su
        levels_u.append(acc)
    levels_v, acc = [], Fraction(0)
    for _, w in pv:
        acc += w / sv
        levels_v.append(acc)
    i = j = 0
    prev = Fraction(0)
    total = mp.mpf(0)
    worst = Fraction(0)
    with mp.workdps(DPS):
        while i < len(pu) and j < len(pv):
            level = min(levels_u[i], levels_v[j])
            length = level - prev
            if length > 0:
                gap = abs(pu[i][0] - pv[j][0])
                worst = max(worst, gap)
                if p != math.inf:
                    if float(p).is_integer():
                        total += (
                            mp.mpf(gap.numerator) ** int(p)
                            / mp.mpf(gap.denominator) ** int(p)
                            * mp.mpf(length.numerator)
                            / length.denominator
                        )
                    else:
                        total += (
                            (mp.mpf(gap.numerator) / gap.denominator) ** p
                            * mp.mpf(length.numerator)
                            / length.denominator
                        )
            prev = level
            if levels_u[i] == level:
                i += 1
            if j < len(pv) and levels_v[j] == level:
                j += 1
        if p == math.inf:
            return mp.mpf(worst.numerator) / worst.denominator
        return total ** (mp.mpf(1) / p)


# --------------------------------------------------------------------------
# f-divergences between densities: 50-digit quadrature of the textbook integral.


def _mp_logpdf(name: str, args: tuple):
    """``x -> log density`` in mpmath for a scipy-style family and its parameters."""
    m = mp
    if name == "norm":
        loc, scale = (m.mpf(a) for a in args)
        return lambda x: -(((x - loc) / scale) ** 2) / 2 - m.log(scale) - m.log(2 * m.pi) / 2
    if name == "laplace":
        loc, scale = (m.mpf(a) for a in args)
        return lambda x: -abs(x - loc) / scale - m.log(2 * scale)
    if name == "logistic":
        loc, scale = (m.mpf(a) for a in args)

        def logistic(x):
            z = (x - loc) / scale
            return (
                -z - 2 * m.log1p(m.exp(-z)) - m.log(scale)
                if z > 0
                else z - 2 * m.log1p(m.exp(z)) - m.log(scale)
            )

        return logistic
    if name == "cauchy":
        loc, scale = (m.mpf(a) for a in args)
        return lambda x: -m.log(m.pi * scale * (1 + ((x - loc) / scale) ** 2))
    if name == "t":
        df, loc, scale = (m.mpf(a) for a in args)
        c = m.loggamma((df + 1) / 2) - m.loggamma(df / 2) - m.log(m.sqrt(df * m.pi) * scale)
        return lambda x: c - (df + 1) / 2 * m.log1p(((x - loc) / scale) ** 2 / df)
    if name == "expon":
        loc, scale = (m.mpf(a) for a in args)
        return lambda x: -(x - loc) / scale - m.log(scale) if x >= loc else -m.inf
    if name == "gamma":
        a, loc, scale = (m.mpf(v) for v in args)
        return lambda x: (
            ((a - 1) * m.log((x - loc) / scale) - (x - loc) / scale - m.loggamma(a) - m.log(scale))
            if x > loc
            else -m.inf
        )
    if name == "uniform":
        loc, scale = (m.mpf(a) for a in args)
        return lambda x: -m.log(scale) if loc <= x <= loc + scale else -m.inf
    if name == "beta":
        a, b, loc, scale = (m.mpf(v) for v in args)
        lb = m.log(m.beta(a, b))

        def beta(x):
            y = (x - loc) / scale
            if not 0 < y < 1:
                return -m.inf
            return (a - 1) * m.log(y) + (b - 1) * m.log1p(-y) - lb - m.log(scale)

        return beta
    raise KeyError(name)


def log_form(name: str):
    """``q f(p/q)`` as a function of ``a = log p`` and ``b = log q``, from the
    textbook definitions written with logarithms (no ``exp(a - b)``, which loses
    all digits where ``|a - b|`` is huge in far tails)."""
    E, L2 = mp.exp, mp.log(2)

    def lse(x, y):
        top = max(x, y)
        return top + mp.log(E(x - top) + E(y - top))

    if name.startswith("alpha("):
        al = mp.mpf(name[6:-1])
        return lambda a, b: (E(al * a + (1 - al) * b) - al * E(a) - (1 - al) * E(b)) / (al * (al - 1))
    if name.startswith("skew_js("):
        w = mp.mpf(name[8:-1])

        def skew(a, b):
            m = lse(mp.log(w) + a, mp.log(1 - w) + b)
            return w * E(a) * (a - m) + (1 - w) * E(b) * (b - m)

        return skew
    forms = {
        "kl": lambda a, b: E(a) * (a - b),
        "reverse_kl": lambda a, b: E(b) * (b - a),
        "jeffreys": lambda a, b: (E(a) - E(b)) * (a - b),
        "js": lambda a, b: (E(a) * (L2 + a - lse(a, b)) + E(b) * (L2 + b - lse(a, b))) / 2,
        "gan": lambda a, b: E(a) * (a - lse(a, b)) + E(b) * (b - lse(a, b)),
        "tv": lambda a, b: abs(E(a) - E(b)) / 2,
        "pearson": lambda a, b: E(2 * a - b) - 2 * E(a) + E(b),
        "neyman": lambda a, b: E(2 * b - a) - 2 * E(b) + E(a),
        "squared_hellinger": lambda a, b: (E(a / 2) - E(b / 2)) ** 2,
        "triangular": lambda a, b: (E(a) - E(b)) ** 2 / (E(a) + E(b)),
    }
    return forms[name]


def density_divergence(P: tuple, Q: tuple, name: str, splits, dps: int = 50):
    """``int q f(p/q)`` for ``P = (family, args)``, ``Q`` likewise, by mpmath's tanh-sinh
    quadrature on the pieces between ``splits`` (a sorted list that starts and ends
    with the integration limits, possibly infinite). Returns ``(value, agreement)``:
    the value at ``dps`` digits and its relative difference from a run at a lower
    degree (an error estimate of the reference itself)."""
    with mp.workdps(dps):
        f, f0, finf = entry(name)
        lp, lq = _mp_logpdf(*P), _mp_logpdf(*Q)

        h = log_form(name)

        ends = {mp.mpf(s) for s in splits if abs(s) != math.inf}

        def g(x):
            if x in ends:  # a node rounded onto a split point: weight below 10^-dps
                return mp.mpf(0)
            a, b = lp(x), lq(x)
            if a == -INF and b == -INF:
                return mp.mpf(0)
            if b == -INF:
                return mp.exp(a) * finf
            if a == -INF:
                return mp.exp(b) * f0
            return h(a, b)

        pts = [mp.mpf(s) if abs(s) != math.inf else (INF if s > 0 else -INF) for s in splits]
        full = mp.quad(g, pts, maxdegree=10)
        coarse = mp.quad(g, pts, maxdegree=7)
        agreement = abs(full - coarse) / abs(full) if full not in (0, INF) else mp.mpf(0)
        return full, float(agreement)
