r"""``W_p`` between two 1-D distributions from their quantile functions.

``W_p^p = int_0^1 |F^-1(t) - G^-1(t)|^p dt``. The substitution ``t = Phi(z)``
(``Phi`` the standard normal CDF) turns it into

.. math::  \int_{-\infty}^{\infty} |Q_\mu(z) - Q_\nu(z)|^p \, \varphi(z)\, dz,
    \qquad Q(z) = F^{-1}(\Phi(z)),

whose integrand is smooth in ``z`` and decays like the normal density times the
growth of the quantiles. Tails are read with ``isf(Phi(-z))`` for ``z > 0`` so
that ``t`` near 1 keeps its digits. The range is split at 0 and at the
crossings of the two quantile functions (the kinks of ``|.|``) and each piece
is integrated adaptively by ``scipy.integrate.quad``. ``|z| > 37`` carries
probability below ``1e-299``; if the integrand has not decayed there, the
integral diverges (a missing p-th moment) and ``inf`` is returned.

Two recognised location-scale families ``a + s X`` (divtools' continuous
distributions, scipy's ``norm``, ``expon``, ``laplace``, ``uniform``) give
``F^-1 - G^-1 = (a_u - a_v) + s_u X_u - s_v X_v`` with the anchors subtracted
once, so that ``N(1e20, 1)`` against ``Laplace(1e20, 2)`` keeps its digits;
``|F^-1 - G^-1|^p`` is integrated relative to a power of two near its largest
value, so that ``W_p`` is finite wherever it is representable (``inf`` beyond).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from divtools._core import backend as B
from divtools._core.quadrature import QuadResult
from divtools.distributions import closed_forms
from divtools.distributions.densities import concrete, location_scale_of
from divtools.distributions.families import (
    SUPPORTED,
    Categorical,
    Distribution,
    check_parameters,
    check_scipy,
    is_discrete,
    recognise,
    support_range,
)
from divtools.transport import line

__all__ = ["wasserstein", "wasserstein_quantile"]

integrate = B.lazy("scipy.integrate")
optimize = B.lazy("scipy.optimize")
special = B.scipy_special

Z_MAX = 37.0


def _quantile(dist):
    def q(z):
        if z <= 0:
            return float(dist.ppf(special.ndtr(z)))
        return float(dist.isf(special.ndtr(-z)))

    return q


def _phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _location_scale_difference(shape_u, shape_v):
    """``z -> F^-1(Phi(z)) - G^-1(Phi(z))`` for two location-scale families
    ``a + s X``: ``(a_u - a_v) + s_u X_u(z) - s_v X_v(z)``, the difference of the
    anchors taken once (not the difference of two quantiles near ``1e20``, which
    keeps no digit of a unit spread), and a factor ``c`` (a power of two) with
    which everything was scaled down where the anchors or scales are beyond
    ``2^1000`` (``W_p`` is homogeneous)."""
    from scipy import stats

    (fam_u, a_u, s_u), (fam_v, a_v, s_v) = shape_u, shape_v
    top = max(abs(a_u), abs(a_v), s_u, s_v)
    c = 4.0 if top > 2.0**1000 else 1.0
    d = a_u / c - a_v / c
    s_u, s_v = s_u / c, s_v / c
    xu, xv = _quantile(getattr(stats, fam_u)()), _quantile(getattr(stats, fam_v)())

    def h(z):
        return d + (s_u * xu(z) - s_v * xv(z))

    return h, c


def wasserstein_quantile(dist_u, dist_v, p: float) -> QuadResult:
    shapes = [location_scale_of(d) for d in (dist_u, dist_v)]
    factor = 1.0
    if shapes[0] is not None and shapes[1] is not None:
        h, factor = _location_scale_difference(*shapes)
    else:
        qu, qv = _quantile(dist_u), _quantile(dist_v)

        def h(z):
            return qu(z) - qv(z)

    result = _wasserstein_of_difference(h, p)
    if factor == 1.0:
        return result
    return QuadResult(float(result) * factor, result.error * factor, result.method)


def _wasserstein_of_difference(h, p: float) -> QuadResult:
    """``W_p`` from ``h(z) = F^-1(Phi(z)) - G^-1(Phi(z))`` (see the module docstring)."""
    grid = np.linspace(-Z_MAX, Z_MAX, 741)
    hv = np.array([h(z) for z in grid])
    finite = np.isfinite(hv)
    if not finite[len(grid) // 2]:
        raise ValueError("u_values, v_values: the quantile functions are not finite at the median")
    # Quantiles may overflow far in the tails (heavy tails): stop where they do.
    mid = len(grid) // 2
    lo_k = mid - int(np.argmin(finite[mid::-1])) + 1 if not finite[: mid + 1].all() else 0
    hi_k = mid + int(np.argmin(finite[mid:])) - 1 if not finite[mid:].all() else len(grid) - 1
    grid, hv = grid[lo_k : hi_k + 1], hv[lo_k : hi_k + 1]
    z_lo, z_hi = float(grid[0]), float(grid[-1])
    if math.isinf(p):
        # sup_t |F^-1 - G^-1|: unbounded if |h| still grows at the ends of the range
        a = np.abs(hv)
        if a[0] > a[5] * (1 + 1e-9) or a[-1] > a[-6] * (1 + 1e-9):
            return QuadResult(math.inf, 0.0, "quantile sup")
        k = int(np.argmax(a))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        res = optimize.minimize_scalar(
            lambda z: -abs(h(z)), bounds=(lo, hi), method="bounded", options={"xatol": 1e-12}
        )
        return QuadResult(max(float(a[k]), -res.fun), 0.0, "quantile sup")
    cuts = {z_lo, 0.0, z_hi}
    sign = np.sign(hv)
    for k in np.nonzero(sign[:-1] * sign[1:] < 0)[0]:
        cuts.add(optimize.brentq(h, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-15))
    cuts = sorted(cuts)

    # |h|^p relative to a power of two near max |h|: W_p^p may overflow where W_p does not
    top = float(np.max(np.abs(hv)))
    unit = math.ldexp(0.5, math.frexp(top)[1]) if 0.0 < top < math.inf else 1.0

    def f(z):
        with np.errstate(over="ignore"):
            return float(np.float64(abs(h(z) / unit)) ** p) * _phi(z)

    tail = max(f(z_lo), f(z_hi))
    total, error = 0.0, 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        val, err = integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-13, limit=400)
        total += val
        error += err
    if tail > 1e-14 * max(total, 1e-300):
        return QuadResult(math.inf, math.inf, "quantile quadrature (diverges)")
    value = total ** (1.0 / p)
    error = value * (error / max(total, 1e-300)) / p
    return QuadResult(value * unit, error * unit, "quantile quadrature")


def wasserstein(P: Any, Q: Any, p: float) -> Any:
    """``W_p`` between two distributions: closed forms, discrete supports (exact), or
    the quantile integral (:func:`wasserstein_quantile`)."""
    names = ("u_values", "v_values")
    for name, d in zip(names, (P, Q)):
        check_scipy(name, d)
    P_par, Q_par = recognise(P), recognise(Q)
    for name, d in zip(names, (P_par, Q_par)):
        if d is not None:
            check_parameters(name, d)
        if isinstance(d, Categorical):
            raise TypeError(
                f"{name}: a Categorical has masses but no values; pass the values and weights "
                f"as arrays (wasserstein_1d(values, values, u_weights, v_weights)). {SUPPORTED}"
            )
    if P_par is not None and Q_par is not None:
        fn = closed_forms.wasserstein_lookup(P_par, Q_par, p)
        if fn is not None:
            return fn()
        if P_par.is_traced() or Q_par.is_traced():
            raise TypeError(
                f"u_values, v_values: no closed form for W_{p} between {type(P_par).__name__} "
                f"and {type(Q_par).__name__}; the quantile integral needs concrete parameters "
                "(not traced by jit/vmap/grad). Closed forms: W_1 and W_2 between two Normals, "
                "Laplaces or Exponentials, every W_p between two Uniforms or between shifts of "
                "one distribution (equal scales)"
            )
        shape = np.broadcast_shapes(P_par.batch_shape(), Q_par.batch_shape())
        if shape:
            out = np.empty(shape)
            for idx in np.ndindex(shape):
                out[idx] = wasserstein(_element(P_par, idx, shape), _element(Q_par, idx, shape), p)
            return out
    P_obj = concrete(P, P_par)
    Q_obj = concrete(Q, Q_par)
    for name, d in zip(names, (P_obj, Q_obj)):
        if not hasattr(d, "ppf") and not (is_discrete(d) and hasattr(d, "support")):
            raise TypeError(f"{name}: W_p between distributions needs their quantile function (ppf)")
    disc = [is_discrete(d) for d in (P_obj, Q_obj)]
    if any(disc):
        if not all(disc):
            raise ValueError(
                "u_values, v_values: give two discrete or two continuous "
                "distributions (use samples or pmf arrays to mix them)"
            )
        (a1, b1), (a2, b2) = support_range(P_obj), support_range(Q_obj)
        k = np.arange(min(a1, a2), max(b1, b2) + 1, dtype=np.float64)
        return line.wasserstein_1d(
            k, k, np.asarray(P_obj.pmf(k), np.float64), np.asarray(Q_obj.pmf(k), np.float64), p=p
        )
    return wasserstein_quantile(P_obj, Q_obj, p)


def _element(d: Distribution, idx: tuple, shape: tuple) -> Distribution:
    vals = [np.broadcast_to(np.asarray(v, np.float64), shape)[idx] for v in d.values()]
    return type(d)(*[float(v) for v in vals])
