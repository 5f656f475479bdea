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


# --------------------------------------------------------------------------
# Information measures of pmfs and joint tables (divtools.discrete.information).
#
# Normalisation in exact rationals: a pmf [1, 1e-300] has the total 1 + 1e-300, which
# no 60-digit mpf holds; differences such as ``S - c`` or ``a - q`` are formed exactly and
# only then rounded to the working precision, and the precision starts above the
# decades that the inputs span.


def _start_dps(*arrays) -> int:
    import numpy as np

    values = np.concatenate([np.abs(np.asarray(a, dtype=float)).ravel() for a in arrays])
    positive = values[values > 0]
    span = float(np.log10(positive.max()) - np.log10(positive.min())) if positive.size else 0.0
    return DPS + int(span) + 10


def converged(fn, *args, start: int | None = None):
    """``fn(*args)`` (an mpf computed at the current working precision), at doubling
    precision from ``start`` digits until two evaluations agree to 45 digits."""
    dps = start or DPS
    with mp.workdps(dps):
        value = fn(*args)
    while dps < 8000:
        dps *= 2
        with mp.workdps(dps):
            better = fn(*args)
            if value == better or (better != 0 and abs(value - better) <= abs(better) * mp.mpf(10) ** -45):
                return better
        value = better
    raise RuntimeError("reference did not converge")


def _q(x):
    """An exact rational as an mpf at the working precision."""
    from fractions import Fraction

    x = Fraction(x)
    return mp.mpf(x.numerator) / x.denominator


def _rationals(x):
    """A float array as exact rationals (object array) normalised to sum 1."""
    from fractions import Fraction

    import numpy as np

    a = np.asarray(x, dtype=float)
    flat = [Fraction(float(v)) for v in a.ravel()]
    total = sum(flat)
    return np.array([v / total for v in flat], dtype=object).reshape(a.shape)


def _xlog_inverse(x):
    """``x log(1/x)`` for an exact rational ``0 < x <= 1``: ``x log1p((1 - x)/x)``."""
    return _q(x) * mp.log1p(_q((1 - x) / x))


def entropy(p):
    def h(p):
        return mp.fsum(_xlog_inverse(x) for x in _rationals(p).ravel() if x > 0)

    return converged(h, p, start=_start_dps(p))


def cross_entropy(p, q):
    def ce(p, q):
        P, Q = _rationals(p), _rationals(q)
        if any(x > 0 and y == 0 for x, y in zip(P, Q)):
            return INF
        return mp.fsum(_q(x) * mp.log1p(_q((1 - y) / y)) for x, y in zip(P, Q) if x > 0)

    return converged(ce, p, q, start=_start_dps(p, q))


def _kl_term(a, b):
    """``a log(a/b) - a + b >= 0`` for exact rationals, from the exact difference."""
    if a == 0:
        return _q(b)
    d = a - b
    return _q(a) * mp.log1p(_q(d / b)) - _q(d)


def mutual_information(joint, groups, given=()):
    """``KL(p || prod_i p(g_i, z) / p(z)^(k-1))`` for a table (no batch axes), the groups
    and the conditioning axes given as tuples of axes; the terms ``p log(p/q) - p + q``
    (each >= 0) from exact rationals."""
    import numpy as np

    P = _rationals(joint)
    nd = P.ndim

    def marginal(keep):
        drop = tuple(a for a in range(nd) if a not in keep)
        out = np.empty(tuple(P.shape[a] if a in keep else 1 for a in range(nd)), dtype=object)
        for idx in np.ndindex(out.shape):
            sl = tuple(slice(None) if a in drop else slice(i, i + 1) for a, i in enumerate(idx))
            out[idx] = sum(P[sl].ravel())
        return out

    def at(m, idx):
        return m[tuple(i if m.shape[a] > 1 else 0 for a, i in enumerate(idx))]

    pz = marginal(tuple(given)) if given else None
    margs = [marginal(tuple(g) + tuple(given)) for g in groups]
    pairs = []
    for idx in np.ndindex(P.shape):
        q = 1
        for m in margs:
            q *= at(m, idx)
        if pz is not None and at(pz, idx) != 0:
            q /= at(pz, idx) ** (len(groups) - 1)
        pairs.append((P[idx], q))

    def mi():
        return mp.fsum(_kl_term(a, b) for a, b in pairs if a > 0 or b > 0)

    return converged(mi, start=_start_dps(joint))


def conditional_entropy(joint, axis, given):
    """``-sum p log(p / p(given))`` for a table without batch axes."""
    import numpy as np

    P = _rationals(joint)
    drop = tuple(a for a in range(P.ndim) if a not in given)
    pairs = []
    for idx in np.ndindex(P.shape):
        x = P[idx]
        if x == 0:
            continue
        sl = tuple(slice(None) if a in drop else i for a, i in enumerate(idx))
        pairs.append((x, sum(np.asarray(P[sl]).ravel())))

    def h():
        return mp.fsum(_q(x) * mp.log1p(_q((m - x) / x)) for x, m in pairs)

    return converged(h, start=_start_dps(joint))


def renyi_divergence(p, q, order):
    P, Q = _rationals(p), _rationals(q)
    if order >= 1 and any(x > 0 and y == 0 for x, y in zip(P, Q)):
        return INF

    def d():
        if order == 0:
            out = sum(y for x, y in zip(P, Q) if x == 0)
            return -mp.log1p(-_q(out))
        if order == math.inf:
            return max(mp.log1p(_q((x - y) / y)) for x, y in zip(P, Q) if x > 0)
        if order == 1:
            return mp.fsum(_kl_term(x, y) for x, y in zip(P, Q) if x > 0 or y > 0)
        a = mp.mpf(order)
        terms = [_q(y) * mp.expm1(a * mp.log1p(_q((x - y) / y))) for x, y in zip(P, Q) if x > 0 and y > 0]
        # sum p^a q^(1-a) - 1 = sum q (e^(a L) - 1) - Q(p = 0)
        s1 = mp.fsum(terms) - _q(sum(y for x, y in zip(P, Q) if x == 0))
        return INF if s1 == -1 else mp.log1p(s1) / (a - 1)

    return converged(d, start=_start_dps(p, q))


def renyi_entropy(p, order):
    P = [x for x in _rationals(p).ravel() if x > 0]

    def h():
        if order == 0:
            return mp.log(len(P))
        if order == math.inf:
            top = max(P)
            return mp.log1p(_q((1 - top) / top))
        if order == 1:
            return mp.fsum(_xlog_inverse(x) for x in P)
        a = mp.mpf(order)
        # sum p^a - 1 = sum p (p^(a-1) - 1) = sum p expm1(-(a - 1) log(1/p))
        s1 = mp.fsum(_q(x) * mp.expm1(-(a - 1) * mp.log1p(_q((1 - x) / x))) for x in P)
        return mp.log1p(s1) / (1 - a)

    return converged(h, start=_start_dps(p))
