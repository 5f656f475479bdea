r"""f-divergences between 1-D distributions given by densities.

.. math::

    D_f(P \,\|\, Q) = \int q(x)\, f\!\left(\frac{p(x)}{q(x)}\right) dx
                    = \int q\, \tilde f(p/q)\, dx, \qquad
    \tilde f(t) = f(t) - f'(1)(t - 1) \ge 0,

for two distributions with densities (frozen ``scipy.stats`` continuous
distributions, anything with ``logpdf``/``pdf``, ``cdf`` and ``support``, or
:mod:`divtools.distributions` objects). :func:`divtools.kl`,
:func:`divtools.js`, :func:`divtools.tv`, :func:`divtools.f_divergence`, ...
come here when given two distributions. In order:

1. **Closed forms** (:mod:`divtools.closed_forms`) when both distributions are
   of a recognised family (also scipy's ``norm``, ``expon``, ``laplace``,
   ``uniform``, ``bernoulli``): exact, vectorised over parameter arrays, and
   traceable for divtools' objects.
2. **Discrete pairs** (``pmf``): the exact core on the enumerated support
   (infinite supports are cut where both tails hold less than ``1e-40``).
   A discrete and a continuous distribution are mutually singular:
   ``D_f = f'(inf) + f(0)`` (``TV = 1``, ``JS = log 2``, ``KL = inf``).
3. **Quadrature** otherwise. The integrand ``q f~(p/q)`` is evaluated from
   ``log p`` and ``log q`` with the table's cancellation-free kernels (scaled
   so that the larger density is 1, and with the generator's ``log_terms``
   where ``|log(p/q)| > 30``), so it has one sign and keeps its digits where
   ``p ~ q``. The range is split at the support ends, at quantiles of both
   distributions (``Phi(z)`` for z from -37 to 37, dense within 8) and at the points where ``p - q``
   changes sign (found by a vectorised Illinois iteration); half-lines are
   mapped to ``[0, 1)``; a vectorised adaptive Gauss-Kronrod rule
   (:mod:`divtools._quadrature`) refines until the estimated error is below
   ``1e-13`` of the value, and ``int p`` and ``int q`` are checked to be 1
   (a density with point masses, or unnormalised, is a ``ValueError``).
   Before integrating, each infinite end and each support end is probed on
   shells ``2^k`` apart: if the integrand's mass per shell does not decay, the
   integral diverges and the result is ``inf`` (never a large finite number).
   The result is a :class:`~divtools._quadrature.QuadResult` (a float with
   ``.error``), clipped to ``[0, f(0) + f'(inf)]`` (``TV <= 1``, ``JS <= log 2``).

Frames: the integral is taken in coordinates ``y = (x - center)/unit``
(``unit`` a power of two near a spread). A recognised family (divtools'
continuous distributions and scipy's ``norm``, ``expon``, ``laplace``,
``uniform``) is evaluated from its location relative to the frame, so its
bulk is resolved at any location: ``N(1e20, 1)`` spans a few floats ``x`` but
is integrated around 1e20. Two bulks more than 64 of the wider spread apart
are integrated each in its own frame, split where both densities are
negligible (``JS(N(1e20, 1), N(0, 1)) = log 2 - (overlap)``, ``KL`` finite);
spreads more than ``2^900`` apart put the narrower in a window of its own.
A distribution divtools does not recognise is evaluated at float points
``x``: if its central 68% spans fewer than 1024 doubles (``N(1e20, 1)`` seen
through its ``logpdf`` only), its density cannot be integrated and the
result is a ``ValueError`` naming it (not a wrong number).

Arguments are checked first (:func:`~divtools.distributions.families.check_scipy`,
:func:`~divtools.distributions.families.check_parameters`): invalid scipy
parameters (negative scale, NaN or infinite location, shape parameters scipy
rejects), multivariate distributions and parameters that are not real numbers
are a ``TypeError``/``ValueError`` naming ``p`` or ``q``.

Accuracy: the quadrature error is below ``1e-13`` relative (estimated and
checked against 50-digit mpmath quadratures in the tests). The integrand is
only as accurate as ``log p - log q`` computed from the user's ``logpdf``:
for nearly equal distributions of an unrecognised family the difference of
two log densities cancels (relative error about ``eps |log p| / |log(p/q)|``).

Limits: custom generators (:func:`divtools.generators.custom`) with an
infinite ``f(0)`` or ``f'(inf)`` count points with ``|log(p/q)| > 700`` as
infinite; an integrable singularity weaker than ``|x - e|^(-0.98)`` at a
support end ``e != 0`` can be taken for a divergence (there are only about
50 binary shells between ``e`` and its floating-point neighbours).

References: Csiszar (1967); Liese & Vajda (2006); Piessens et al. (1983),
QUADPACK.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from divtools._core import backend as B
from divtools._core import quadrature as quad
from divtools.discrete import pmf
from divtools.discrete.generators import BHATTACHARYYA_COEFFICIENT, GENERATORS, Generator
from divtools.distributions import closed_forms
from divtools.distributions.closed_forms import closed_form_names
from divtools.distributions.families import (
    SUPPORTED,
    Categorical,
    Distribution,
    Exponential,
    Laplace,
    Normal,
    Uniform,
    check_parameters,
    check_scipy,
    is_discrete,
    is_distribution,
    recognise,
    support_range,
)

__all__ = ["bhattacharyya", "divergence"]

RTOL = 1e-13
_MASS_RTOL = 1e-10
_LOG_SWITCH = 30.0
_LOG_TINY = math.log(math.ulp(0.0))  # -744.44: log of the smallest positive double


# --------------------------------------------------------------------------
# Dispatch.


def divergence(P, Q, gen: Generator, log_base, names=("p", "q")):
    """``D_f(P || Q)`` for two distribution objects (see the module docstring)."""
    if not (is_distribution(P) and is_distribution(Q)):
        which = names[0] if is_distribution(P) else names[1]
        other = names[1] if which == names[0] else names[0]
        raise TypeError(
            f"{which} is a distribution but {other} is an array of masses: give two "
            "distributions (scipy.stats or divtools.distributions objects) or two pmfs"
        )
    for name, d in zip(names, (P, Q)):
        check_scipy(name, d)
    P_par, Q_par = recognise(P), recognise(Q)
    for name, d in zip(names, (P_par, Q_par)):
        if d is not None:
            check_parameters(name, d)
    if P_par is not None and Q_par is not None:
        fn = closed_forms.lookup(P_par, Q_par, gen)
        if fn is not None:
            return _scaled_by_base(fn(), log_base)
        if P_par.is_traced() or Q_par.is_traced():
            fam = type(P_par)
            closed = closed_form_names(fam) if type(Q_par) is fam else "none (different families)"
            raise TypeError(
                f"{names[0]}, {names[1]}: no closed form for {gen.name} between "
                f"{type(P_par).__name__} and {type(Q_par).__name__}; quadrature needs "
                f"concrete parameters (not traced by jit/vmap/grad). Closed forms for this "
                f"pair: {closed}"
            )
        shape = np.broadcast_shapes(P_par.batch_shape(), Q_par.batch_shape())
        if P_par.discrete != Q_par.discrete:  # mutually singular (see _numerical)
            value = _scaled(gen.f_prime_at_inf + gen.f_at_zero, log_base)
            return np.full(shape, value) if shape else value
        _check_categorical(P_par, Q_par, names)
        if shape:
            return _elementwise(P_par, Q_par, shape, gen, log_base, names)
    return _numerical(concrete(P, P_par), concrete(Q, Q_par), gen, log_base, names)


def _check_categorical(P, Q, names) -> None:
    if isinstance(P, Categorical) != isinstance(Q, Categorical):
        raise TypeError(
            f"{names[0]}, {names[1]}: a Categorical compares with a Categorical only (its "
            "outcomes are positions, not values); pass two pmf arrays over common outcomes. "
            f"{SUPPORTED}"
        )


def bhattacharyya(P, Q, log_base):
    """``-log int sqrt(p q)``: closed form for Gaussians, else from ``H^2`` (or
    ``BC`` itself when ``H^2 >= 1``, where ``1 - H^2/2`` would cancel)."""
    for name, d in zip("pq", (P, Q)):
        check_scipy(name, d)
    P_par, Q_par = recognise(P), recognise(Q)
    if isinstance(P_par, Normal) and isinstance(Q_par, Normal):
        for name, d in zip("pq", (P_par, Q_par)):
            check_parameters(name, d)
        value = closed_forms.evaluate(closed_forms.normal_bhattacharyya, P_par, Q_par)
        return _scaled_by_base(value, log_base)
    h2 = divergence(P, Q, GENERATORS["squared_hellinger"], None)
    if np.all(np.asarray(h2) < 1.0):
        value = -np.log1p(-0.5 * np.asarray(h2, dtype=np.float64))
    else:
        bc = -np.asarray(divergence(P, Q, BHATTACHARYYA_COEFFICIENT, None), dtype=np.float64)
        with np.errstate(divide="ignore"):
            value = np.where(np.asarray(h2) < 1.0, -np.log1p(-0.5 * np.asarray(h2)), -np.log(bc))
    value = value if log_base is None else value / log_base
    return value[()] if np.ndim(value) == 0 else value


class _Fast:
    """A frozen scipy distribution whose ``logpdf`` is the family's NumPy formula
    (scipy's generic ``logpdf`` costs about 100 us of overhead per call);
    ``location_scale`` describes it as ``anchor + scale * X`` with ``X`` standard
    (see :class:`_View`)."""

    def __init__(self, frozen, logpdf, location_scale=None):
        self._frozen, self.logpdf, self.location_scale = frozen, logpdf, location_scale

    def __getattr__(self, name):
        return getattr(self._frozen, name)


def _location_scale(parsed) -> tuple[str, float, float] | None:
    """``(standard family, anchor, scale)`` of a recognised continuous distribution."""
    if isinstance(parsed, Normal):
        return "norm", float(parsed.loc), float(parsed.scale)
    if isinstance(parsed, Laplace):
        return "laplace", float(parsed.loc), float(parsed.scale)
    if isinstance(parsed, Exponential):
        return "expon", float(parsed.loc), float(parsed.scale)
    if isinstance(parsed, Uniform):
        low, high = float(parsed.low), float(parsed.high)
        width = high - low
        return ("uniform", low, width) if math.isfinite(width) else None
    return None


def location_scale_of(d) -> tuple[str, float, float] | None:
    """``(standard scipy family, anchor, scale)`` of a distribution prepared by
    :func:`concrete` from a recognised continuous family, else None."""
    return d.location_scale if isinstance(d, _Fast) else None


def concrete(d, parsed):
    """What the numerical routes evaluate: the user's object, or the scipy twin of
    a divtools distribution; recognised continuous families get a fast ``logpdf``
    and their location-scale description."""
    if not isinstance(parsed, Distribution):
        return d
    if parsed.discrete:
        return parsed if isinstance(parsed, Categorical) else parsed.scipy()
    frozen = d if not isinstance(d, Distribution) else parsed.scipy()
    return _Fast(frozen, parsed.logpdf_numpy, _location_scale(parsed))


def _scaled_by_base(value: Any, log_base: float | None) -> Any:
    if log_base is None:
        return value
    value = value / log_base
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _elementwise(P, Q, shape, gen, log_base, names):
    out = np.empty(shape)
    bp = [np.broadcast_to(np.asarray(v, np.float64), shape) for v in P.values()]
    bq = [np.broadcast_to(np.asarray(v, np.float64), shape) for v in Q.values()]
    for idx in np.ndindex(shape):
        p = type(P)(*(float(v[idx]) for v in bp))
        q = type(Q)(*(float(v[idx]) for v in bq))
        out[idx] = float(divergence(p, q, gen, log_base, names))
    return out


def _numerical(P, Q, gen, log_base, names):
    dp, dq = is_discrete(P), is_discrete(Q)
    if dp != dq:  # mutually singular: all of P where q = 0 and all of Q where p = 0
        value = gen.f_prime_at_inf + gen.f_at_zero
        return _scaled(value, log_base)
    if dp:
        return _discrete(P, Q, gen, log_base)
    return _integral(P, Q, gen, log_base, names)


def _scaled(value, log_base):
    value = float(value)
    return np.float64(value if log_base is None else value / log_base)


# --------------------------------------------------------------------------
# Discrete distributions.


def _discrete(P, Q, gen, log_base):
    if isinstance(P, Categorical) or isinstance(Q, Categorical):
        _check_categorical(P, Q, ("p", "q"))
        return _scaled(pmf.divergence(P.probs, Q.probs, gen), log_base)
    (a1, b1), (a2, b2) = support_range(P), support_range(Q)
    lo, hi = min(a1, a2), max(b1, b2)
    if hi - lo > 10**7:
        raise ValueError("p, q: the supports span more than 10^7 points; pass pmf arrays instead")
    k = np.arange(lo, hi + 1)
    p, q = np.asarray(P.pmf(k), np.float64), np.asarray(Q.pmf(k), np.float64)
    value = pmf.divergence(p, q, gen, normalize=True)
    return _scaled(value, log_base)


# --------------------------------------------------------------------------
# Quadrature.


def _integrand(gen: Generator, lp: np.ndarray, lq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``q f~(p/q)`` from ``log p`` and ``log q`` (NumPy), and its sensitivity to the
    rounding of the logs.

    The densities are scaled so that the larger is 1 (``a``, ``b`` with ``d = a - b``
    from ``expm1``) and the table's kernels applied; where ``|log(p/q)| > 30`` the
    generator's ``log_terms`` take over. A ``logpdf`` is typically good to a few ulps
    of its magnitude, so ``4 eps |log|`` is budgeted for each log, times the partial
    derivatives ``d g / d log p = p (f'(t) - f'(1))`` and
    ``d g / d log q = q (f(t) - t f'(t) + f'(1))`` (:func:`divtools.discrete.pmf.partials`).
    """
    c1 = gen.f_prime_at_one if gen.standardized else 0.0
    at_inf = gen.f_prime_at_inf - c1  # q = 0 < p: p (f'(inf) - f'(1))
    at_zero = gen.f_at_zero + c1  # p = 0 < q: q (f(0) + f'(1))
    with np.errstate(all="ignore"):
        zp, zq = lp == -np.inf, lq == -np.inf
        lp0, lq0 = np.where(zp, 0.0, lp), np.where(zq, 0.0, lq)
        delta = np.where(zp | zq, 0.0, lp0 - lq0)
        m = np.maximum(lp0, lq0)
        small = np.exp(-np.abs(delta))
        gap = -np.expm1(-np.abs(delta))
        pos = delta >= 0
        a = np.where(pos, 1.0, small)
        b = np.where(pos, small, 1.0)
        d = np.where(pos, gap, -gap)
        scale = np.exp(m)
        value = scale * gen.terms(a, b, d)
        far = np.abs(delta) > _LOG_SWITCH
        if gen.log_terms is not None:
            if far.any():
                lp_far, lq_far = np.where(far, lp0, 0.0), np.where(far, lq0, 0.0)
                value = np.where(far, gen.log_terms(lp_far, lq_far, np.exp(lp_far), np.exp(lq_far)), value)
        else:
            beyond = np.abs(delta) > 700.0
            if math.isinf(at_inf):
                value = np.where(beyond & pos, np.inf, value)
            if math.isinf(at_zero):
                value = np.where(beyond & ~pos, np.inf, value)
        # A log density of -inf from overflow (far tails) is a zero density too; the
        # infinite boundary values apply only where the other density is positive.
        p, q = np.exp(lp0), np.exp(lq0)
        q_zero = np.where(p > 0, np.inf, 0.0) if math.isinf(at_inf) else p * at_inf
        p_zero = np.where(q > 0, np.inf, 0.0) if math.isinf(at_zero) else q * at_zero
        value = np.where(zq, np.where(zp, 0.0, q_zero), np.where(zp, p_zero, value))
        ga, gb = pmf.partials(gen, a, b)
        cond = (
            4.0
            * np.finfo(np.float64).eps
            * (np.abs(lp0) * scale * a * np.abs(ga) + np.abs(lq0) * scale * b * np.abs(gb))
        )
        finite = np.isfinite(lp) & np.isfinite(lq) & np.isfinite(cond)
        return value, np.where(finite, cond, 0.0)


_STANDARD_LOGPDF = {
    "norm": lambda z: -0.5 * z * z - 0.5 * math.log(2.0 * math.pi),
    "laplace": lambda z: -np.abs(z) - math.log(2.0),
    "expon": lambda z: np.where(z >= 0, -z, -np.inf),
    "uniform": lambda z: np.where((z >= 0) & (z <= 1), 0.0, -np.inf),
}
_STANDARD_SUPPORT = {
    "norm": (-math.inf, math.inf),
    "laplace": (-math.inf, math.inf),
    "expon": (0.0, math.inf),
    "uniform": (0.0, 1.0),
}


class _View:
    """A distribution seen from a frame: the point ``y`` of the frame is
    ``x = center + unit * y`` (``unit`` a power of two, so that the frame's numbers
    stay in the float range whatever the scales).

    A recognised location-scale family ``anchor + scale * X`` is evaluated from its
    offset ``anchor - center`` (rounded once) as ``log f((unit y - offset)/scale) -
    log scale``: in its own frame (``center = anchor``) exactly where ``x`` itself
    would be rounded to the float grid around ``anchor`` (``N(1e20, 1)`` is resolved
    in its own frame, not in ``x``, where its bulk spans a few floats). Any other
    distribution is evaluated at ``center + unit * y``. Log densities are per unit
    of ``y`` (``log p(x) + log unit``; for the recognised families without that
    addition, which would round a log of up to 745 in magnitude).
    """

    def __init__(self, d, center: float = 0.0, unit: float = 1.0):
        self.d, self.center, self.unit = d, center, unit
        shape = location_scale_of(d)
        self.family = None
        if shape is not None:
            self.family, anchor, self.scale = shape
            with np.errstate(over="ignore", invalid="ignore"):
                self.offset = anchor - center
            ratio = self.scale / unit  # in [1/2, 2) in its own frame: log without rounding
            normal = 2.2250738585072014e-308 <= ratio < math.inf
            self.log_scale = math.log(ratio) if normal else math.log(self.scale) - math.log(unit)
        lo, hi = _support(d)
        with np.errstate(over="ignore", invalid="ignore"):
            if self.family is not None:
                a, b = _STANDARD_SUPPORT[self.family]
                lo = (self.offset + self.scale * a) / unit if math.isfinite(a) else a
                hi = (self.offset + self.scale * b) / unit if math.isfinite(b) else b
            else:
                lo, hi = (lo - center) / unit, (hi - center) / unit
        self.support = (lo, hi)

    @np.errstate(all="ignore")
    def logpdf(self, y):
        x = np.asarray(y, dtype=np.float64) * self.unit
        if self.family is not None:
            if not math.isfinite(self.offset):  # beyond the float range of this frame
                return np.full(x.shape, -np.inf)
            return _STANDARD_LOGPDF[self.family]((x - self.offset) / self.scale) - self.log_scale
        if self.center != 0.0:
            x = x + self.center
        d = self.d
        if hasattr(d, "logpdf"):
            out = np.asarray(d.logpdf(x), dtype=np.float64)
        else:
            out = np.log(np.asarray(d.pdf(x), dtype=np.float64))
        if out.shape != x.shape:
            raise TypeError(
                f"the density returned shape {out.shape} for {x.shape} points: expected a 1-D "
                f"distribution. {SUPPORTED}"
            )
        if self.unit != 1.0:
            out = out + math.log(self.unit)
        return out

    def quantiles(self) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            if self.family is not None:
                if not math.isfinite(self.offset):
                    return np.array([])
                from scipy import stats

                out = (self.offset + self.scale * _quantiles(getattr(stats, self.family)())) / self.unit
            else:
                out = (_quantiles(self.d) - self.center) / self.unit
        return out[np.isfinite(out)]


class _Pair:
    """Log densities of P and Q and the integrand, on NumPy arrays of points of a frame."""

    def __init__(self, P, Q, gen, center: float = 0.0, unit: float = 1.0, names=("p", "q")):
        self.views = (_View(P, center, unit), _View(Q, center, unit))
        self.gen, self.names = gen, names
        self.supports = tuple(v.support for v in self.views)

    def raw_logs(self, x):
        out = []
        for name, view in zip(self.names, self.views):
            try:
                out.append(view.logpdf(x))
            except TypeError as exc:
                raise TypeError(f"{name}: {exc}") from None
        return tuple(out)

    def logs(self, x):
        """Log densities; a ``-inf`` inside the support of a distribution divtools
        does not recognise (a ``logpdf`` computed as ``log(pdf)`` underflows far out)
        is taken as the log of the smallest positive double, where ``x`` itself is in
        the float range. (The recognised families' formulas give ``-inf`` only where
        the density is far below the smallest double.)"""
        out = []
        with np.errstate(over="ignore"):
            inside_range = np.isfinite(np.asarray(x, dtype=np.float64) * self.views[0].unit)
        for log_density, (a, b), view in zip(self.raw_logs(x), self.supports, self.views):
            if view.family is None:
                tiny = (log_density == -np.inf) & (x > a) & (x < b) & inside_range
                log_density = np.where(tiny, _LOG_TINY, log_density)
            out.append(log_density)
        return tuple(out)

    def integrand(self, lp, lq):
        return _integrand(self.gen, lp, lq)

    def rows(self, x):
        lp, lq = self.logs(x)
        for name, v in zip(self.names, (lp, lq)):
            if np.isnan(v).any():
                raise ValueError(f"{name}: logpdf returned NaN inside the support")
        g, cond = self.integrand(lp, lq)
        with np.errstate(over="ignore"):
            return np.stack([g, np.exp(lp), np.exp(lq), cond])


def _support(d) -> tuple[float, float]:
    if hasattr(d, "support"):
        lo, hi = (float(v) for v in d.support())
        return lo, hi
    return -math.inf, math.inf


# z-scores of the breakpoints (quantiles Phi(z) of each distribution): dense in the
# bulk, then sparser far out, where q^(1-a) p^a-type terms of the integrand are
# wider than q itself (e.g. q^0.7 reaches z = 8/sqrt(0.7))
_ZB = np.concatenate([np.linspace(0.0, 8.0, 17), [9.0, 10.0, 11.0, 12.0, 14.0, 16.0, 20.0, 25.0, 30.0, 37.0]])
_Z = np.concatenate([-_ZB[:0:-1], _ZB])


def _quantiles(d) -> np.ndarray:
    if not hasattr(d, "ppf"):
        return np.array([])
    with np.errstate(all="ignore"):
        ndtr = B.scipy_special.ndtr
        left = np.asarray(d.ppf(ndtr(_Z[_Z <= 0])), dtype=np.float64)
        right = np.asarray(
            d.isf(ndtr(-_Z[_Z > 0])) if hasattr(d, "isf") else d.ppf(ndtr(_Z[_Z > 0])), dtype=np.float64
        )
    out = np.concatenate([left, right])
    # beyond z = 8 only for light tails: keep far points within 10x the distance
    # of the z = 8 quantiles from the median (heavy tails would reach 1e300)
    z = np.concatenate([_Z[_Z <= 0], _Z[_Z > 0]])
    med = out[z == 0.0][0] if np.isfinite(out[z == 0.0][0]) else 0.0
    reach = (
        np.nanmax(np.abs(out[np.abs(z) == 8.0] - med)) if np.isfinite(out[np.abs(z) == 8.0]).any() else np.inf
    )
    keep = np.isfinite(out) & ((np.abs(z) <= 8.0) | (np.abs(out - med) <= 10.0 * reach))
    return out[keep]


def _crossings(pair: _Pair, pts: np.ndarray) -> np.ndarray:
    """Points in ``pts``' gaps where ``log p - log q`` changes sign (Illinois iteration)."""
    if pts.size < 2:
        return np.array([])
    grid = np.concatenate([pts, 0.5 * (pts[1:] + pts[:-1])])
    grid.sort()
    lp, lq = pair.logs(grid)
    with np.errstate(invalid="ignore"):
        delta = lp - lq
    sign = np.sign(np.where(np.isnan(delta), 0.0, delta))
    k = np.nonzero(sign[:-1] * sign[1:] < 0)[0]
    if k.size == 0:
        return np.array([])
    xl, xr = grid[k], grid[k + 1]
    fl, fr = delta[k], delta[k + 1]
    fl = np.where(np.isinf(fl), np.sign(fl) * 1e300, fl)
    fr = np.where(np.isinf(fr), np.sign(fr) * 1e300, fr)
    side = np.zeros(k.size)
    for _ in range(100):
        width = xr - xl
        if np.all(np.abs(width) <= 4 * np.finfo(float).eps * np.maximum(np.abs(xl), np.abs(xr))):
            break
        with np.errstate(all="ignore"):
            x = xr - fr * width / (fr - fl)
        bad = ~np.isfinite(x) | (x <= xl) | (x >= xr)
        x = np.where(bad, 0.5 * (xl + xr), x)
        lp, lq = pair.logs(x)
        with np.errstate(invalid="ignore"):
            fx = lp - lq
        fx = np.where(np.isnan(fx), 0.0, np.where(np.isinf(fx), np.sign(fx) * 1e300, fx))
        left = np.sign(fx) == np.sign(fl)
        # Illinois: halve the retained end's value when the same end is kept twice
        fr = np.where(left & (side == 1), 0.5 * fr, fr)
        fl = np.where(~left & (side == -1), 0.5 * fl, fl)
        xl, fl = np.where(left, x, xl), np.where(left, fx, fl)
        xr, fr = np.where(left, xr, x), np.where(left, fr, fx)
        side = np.where(left, 1, -1)
        zero = fx == 0
        xl, xr = np.where(zero, x, xl), np.where(zero, x, xr)
    return 0.5 * (xl + xr)


def _shell_diverges(pair: _Pair, xs: np.ndarray, widths: np.ndarray) -> bool:
    """Whether ``integrand * width`` on geometric shells fails to decay (a divergent end)."""
    lp, lq = pair.raw_logs(xs)
    # a log density of -inf inside its support is an overflow of the formula (far
    # tails), not a zero density: such shells carry no information
    (a1, b1), (a2, b2) = pair.supports
    spurious = ((xs >= a1) & (xs <= b1) & (lp == -np.inf)) | ((xs >= a2) & (xs <= b2) & (lq == -np.inf))
    keep = ~(np.isnan(lp) | np.isnan(lq) | spurious)
    lp, lq, widths = lp[keep], lq[keep], widths[keep]
    if lp.size < 8:
        return False
    t = pair.integrand(lp, lq)[0] * widths
    t = np.abs(t)
    if np.isinf(t).any():
        return True
    positive = np.nonzero(t > 0)[0]  # trailing zeros: the densities underflowed
    if positive.size == 0:
        return False
    t = t[: positive[-1] + 1]
    if t.size < 8:
        return False
    tail = t[-max(8, t.size // 3) :]
    if not np.all(tail > 0):
        return False
    return bool(tail[-1] >= 0.7 * tail[0] and np.all(tail[1:] >= 0.5 * tail[:-1]))


@np.errstate(over="ignore", invalid="ignore")
def _probe_ends(pair: _Pair, pts: np.ndarray, lo: float, hi: float, ends: list[float]) -> bool:
    """Divergence test at the infinite ends and at the support ends (see module docs)."""
    scale = np.exp2(np.arange(0, 1024, dtype=np.float64))
    span = max(pts[-1] - pts[0], 1e-300) if pts.size > 1 else 1.0
    if math.isinf(hi):
        xs = pts[-1] + span * scale
        ok = np.isfinite(xs)
        if _shell_diverges(pair, xs[ok], (span * scale)[ok]):
            return True
    if math.isinf(lo):
        xs = pts[0] - span * scale
        ok = np.isfinite(xs)
        if _shell_diverges(pair, xs[ok], (span * scale)[ok]):
            return True
    for e in ends:
        room = 1e-3 * span  # start the shells at a point not crowded against e
        for direction, nbrs in ((1.0, pts[pts > e + room]), (-1.0, pts[pts < e - room])):
            if nbrs.size == 0:
                continue
            b = nbrs[0] if direction > 0 else nbrs[-1]
            xs = e + (b - e) * np.exp2(-np.arange(1, 1075, dtype=np.float64))
            w = np.abs(xs - e)  # the rounded points' true distances
            ok = w > 0
            if ok.sum() >= 8 and _shell_diverges(pair, xs[ok], w[ok]):
                return True
    return False


# Two bulks this many (wider) scales apart are integrated in two frames.
_FRAME_GAP = 64.0
# A distribution not recognised by divtools is evaluated at float points x; if
# fewer than this many of them span its central 68%, its density cannot be
# integrated (N(1e20, 1): its bulk is a few floats 16384 apart).
_MIN_RESOLUTION = 1024.0


def _bulk(view: _View, name: str) -> tuple[float, float]:
    """``(location, spread)`` of a distribution's bulk in x: its anchor and scale if
    recognised, else its median and half the width of its central 68% (from
    ``ppf``); ``ValueError`` naming it where the float grid at its location is too
    coarse for its spread."""
    if view.family is not None:
        anchor = view.offset + view.center
        if view.family == "uniform":
            return anchor + 0.5 * view.scale, 0.5 * view.scale
        return anchor, view.scale
    d = view.d
    if not hasattr(d, "ppf"):
        return 0.0, math.inf
    with np.errstate(all="ignore"):
        lo, mid, hi = (float(v) for v in np.asarray(d.ppf([0.15865525393145707, 0.5, 0.8413447460685429])))
    if not (math.isfinite(lo) and math.isfinite(mid) and math.isfinite(hi)):
        return 0.0, math.inf
    spread = 0.5 * (hi - lo)
    if spread < _MIN_RESOLUTION * math.ulp(mid):
        raise ValueError(
            f"{name}: its central 68% (width {2 * spread:.3g}) spans fewer than "
            f"{_MIN_RESOLUTION:.0f} doubles at its location {mid:.6g} (where doubles are "
            f"{math.ulp(mid):.3g} apart): its density cannot be integrated at float points. Give a divtools distribution (or a scipy.stats "
            "norm, expon, laplace, uniform), which is integrated around its own location, or "
            "shift both distributions towards 0"
        )
    return mid, spread


def _pow2(x: float) -> float:
    """The power of two nearest to ``x > 0`` (1 for non-finite ``x``)."""
    if not (math.isfinite(x) and x > 0):
        return 1.0
    return math.ldexp(1.0, math.frexp(x)[1] - 1)


_NESTED = 2.0**900  # spreads further apart than this: the narrower in a window of its own


def _frames(P, Q, names) -> list[tuple[float, float, float, float]]:
    """``(center, unit, lo, hi)``: the frames of the quadrature, each with the part of
    the line it covers (in its own coordinates ``y = (x - center)/unit``).

    One frame, at the location of the narrower recognised distribution (else at
    0, ``x`` itself), in units that keep the wider spread below ``2^64``, unless

    * the two bulks lie more than ``_FRAME_GAP`` of the wider spread apart and have
      different centers: then each is integrated in its own frame and units,
      split where the distances from the two locations in units of the two
      spreads are equal (both densities are negligible there);
    * or their spreads differ by more than ``2^900``: then the narrower is
      integrated in a window of ``2^400`` of its spreads, the rest in the frame
      of the wider.
    """
    views = [_View(P), _View(Q)]
    bulks = [_bulk(v, n) for v, n in zip(views, names)]
    centers = [(v.offset if v.family is not None else 0.0) for v in views]
    narrow = 0 if bulks[0][1] <= bulks[1][1] else 1
    wide = 1 - narrow
    (mu_n, s_n), (mu_w, s_w) = bulks[narrow], bulks[wide]
    c_n, c_w = centers[narrow], centers[wide]
    u_n, u_w = _pow2(s_n), _pow2(s_w)
    with np.errstate(over="ignore", invalid="ignore"):
        half = abs(0.5 * mu_w - 0.5 * mu_n)  # |mu_w - mu_n| / 2 without overflow
        apart = math.isfinite(s_w) and not half <= 0.5 * _FRAME_GAP * s_w
        if apart and c_n != c_w:
            # split at mu_n + t_n = mu_w - t_w, t_i = |mu_w - mu_n| s_i / (s_n + s_w)
            g = 2.0 * (half / (s_n + s_w))
            sign = 1.0 if mu_w > mu_n else -1.0
            e_n = _frame_point(mu_n, c_n, u_n, sign * g * (s_n / u_n))
            e_w = _frame_point(mu_w, c_w, u_w, -sign * g * (s_w / u_w))
            if sign > 0:
                return [(c_n, u_n, -math.inf, e_n), (c_w, u_w, e_w, math.inf)]
            return [(c_w, u_w, -math.inf, e_w), (c_n, u_n, e_n, math.inf)]
        if math.isfinite(s_w) and s_w > _NESTED * s_n:
            # the narrower in a window mu_n -+ t; the wider frame excludes at least the
            # float neighbours of mu_n (where it cannot resolve the window)
            t = s_n * 2.0**400
            y_c = _frame_point(mu_n, c_w, u_w, 0.0)
            y_lo = min(_frame_point(mu_n, c_w, u_w, -t / u_w), math.nextafter(y_c, -math.inf))
            y_hi = max(_frame_point(mu_n, c_w, u_w, t / u_w), math.nextafter(y_c, math.inf))
            return [
                (c_n, u_n, _frame_point(mu_n, c_n, u_n, -t / u_n), _frame_point(mu_n, c_n, u_n, t / u_n)),
                (c_w, u_w, -math.inf, y_lo),
                (c_w, u_w, y_hi, math.inf),
            ]
    recognised = [centers[i] for i in (narrow, wide) if views[i].family is not None]
    unit = 1.0 if not (math.isfinite(s_w) and s_w > 2.0**64) else _pow2(s_w) * 2.0**-64
    return [(recognised[0] if recognised else 0.0, unit, -math.inf, math.inf)]


_FRAME_REACH = 2.0**1000  # frame coordinates are clamped here: beyond, every density is 0


def _frame_point(mu: float, center: float, unit: float, shift: float) -> float:
    """``(mu - center)/unit + shift`` (``shift`` in frame units), clamped to the reach of
    a frame (a split point beyond it lies where both densities vanish)."""
    with np.errstate(over="ignore", invalid="ignore"):
        y = (mu - center) / unit + shift
    if math.isnan(y):
        return 0.0
    return min(max(y, -_FRAME_REACH), _FRAME_REACH)


def _integral(P, Q, gen: Generator, log_base, names):
    for name, d in zip(names, (P, Q)):
        if not (hasattr(d, "logpdf") or hasattr(d, "pdf")):
            raise TypeError(f"{name}: expected a distribution with a logpdf or pdf. {SUPPORTED}")
    total, total_error, masses, mass_errors, all_ok = 0.0, 0.0, np.zeros(2), np.zeros(2), True
    for center, unit, region_lo, region_hi in _frames(P, Q, names):
        part = _frame_integral(_Pair(P, Q, gen, center, unit, names), region_lo, region_hi)
        if part is None:
            return _result(math.inf, 0.0, log_base, "quadrature: divergent integral")
        values, errors, ok = part
        if math.isinf(values[0]) or math.isnan(values[0]):
            return _result(math.inf, 0.0, log_base, "quadrature: infinite integrand")
        total += float(values[0])
        total_error += float(errors[0] + values[3])  # + rounding of the logs
        masses += values[1:3]
        mass_errors += errors[1:3]
        all_ok = all_ok and ok
    for name, mass, err in zip(names, masses, mass_errors):
        if abs(mass - 1.0) > max(1e-6, 10 * err):
            raise ValueError(
                f"{name}: its density integrates to {mass:.12g}, not 1: point masses (or an "
                "unnormalised density) are not supported by the density route"
            )
    if gen.standardized:  # D_f lies in [0, f(0) + f'(inf)]: rounding of far abscissae may not leave it
        top = gen.f_at_zero + gen.f_prime_at_inf
        total = min(max(total, 0.0), top) if math.isfinite(top) else max(total, 0.0)
    if not all_ok:
        quad.warn_inaccurate(f"D_{gen.name}", total, total_error)
    return _result(total, total_error, log_base, "quadrature")


def _frame_integral(pair: _Pair, region_lo: float, region_hi: float):
    """``(values, errors, ok)`` of the integrand and the two densities over the part
    ``[region_lo, region_hi]`` of a frame, or None where the integral diverges."""
    (a1, b1), (a2, b2) = pair.supports
    lo, hi = max(min(a1, a2), region_lo), min(max(b1, b2), region_hi)
    if not lo < hi:
        return np.zeros(4), np.zeros(4), True
    ends = sorted({e for e in (a1, b1, a2, b2) if math.isfinite(e) and lo <= e <= hi})
    cuts = sorted({e for e in (region_lo, region_hi) if math.isfinite(e)})
    pts = np.concatenate([pair.views[0].quantiles(), pair.views[1].quantiles(), np.array(ends + cuts)])
    pts = pts[(pts >= lo) & (pts <= hi)]
    if pts.size == 0:
        pts = np.array([0.0 if lo <= 0.0 <= hi else (lo if math.isfinite(lo) else hi)])
    pts = np.unique(pts)
    pts = np.unique(np.concatenate([pts, _crossings(pair, pts)]))
    if _probe_ends(pair, pts, lo, hi, ends):
        return None
    pieces = []
    for a, b in zip(pts[:-1], pts[1:]):
        if not b > a:
            continue
        if a in ends and b not in ends:  # next to a support end: x = a + (b - a) u^4
            pieces.append((quad.FROM_LOW, 0.0, 1.0, a, b - a))
        elif b in ends and a not in ends:
            pieces.append((quad.FROM_HIGH, 0.0, 1.0, b, b - a))
        else:
            pieces.append((quad.FINITE, a, b, 0.0, 0.0))
    if math.isinf(lo):
        s = pts[1] - pts[0] if pts.size > 1 else 1.0
        pieces.append((quad.LEFT, 0.0, 1.0, pts[0], s))
    if math.isinf(hi):
        s = pts[-1] - pts[-2] if pts.size > 1 else 1.0
        pieces.append((quad.RIGHT, 0.0, 1.0, pts[-1], s))
    if not pieces:
        return np.zeros(4), np.zeros(4), True
    return quad.integrate(pair.rows, pieces, [RTOL, _MASS_RTOL, _MASS_RTOL, math.inf])


def _result(value, error, log_base, method):
    if log_base is not None:
        value, error = value / log_base, error / log_base
    return quad.QuadResult(value, error, method)
