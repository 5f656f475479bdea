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
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special

from divtools._quadrature import QuadResult

Z_MAX = 37.0


def _quantile(dist):
    def q(z):
        if z <= 0:
            return float(dist.ppf(special.ndtr(z)))
        return float(dist.isf(special.ndtr(-z)))

    return q


def _phi(z):
    return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def wasserstein_quantile(dist_u, dist_v, p: float) -> QuadResult:
    qu, qv = _quantile(dist_u), _quantile(dist_v)

    def h(z):
        return qu(z) - qv(z)

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
        res = optimize.minimize_scalar(lambda z: -abs(h(z)), bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-12})
        return QuadResult(max(float(a[k]), -res.fun), 0.0, "quantile sup")
    cuts = {z_lo, 0.0, z_hi}
    sign = np.sign(hv)
    for k in np.nonzero(sign[:-1] * sign[1:] < 0)[0]:
        cuts.add(optimize.brentq(h, grid[k], grid[k + 1], xtol=1e-15, rtol=1e-15))
    cuts = sorted(cuts)

    def f(z):
        return abs(h(z)) ** p * _phi(z)

    tail = max(f(z_lo), f(z_hi))
    total, error = 0.0, 0.0
    for a, b in zip(cuts[:-1], cuts[1:]):
        val, err = integrate.quad(f, a, b, epsabs=0.0, epsrel=1e-13, limit=400)
        total += val
        error += err
    if tail > 1e-14 * max(total, 1e-300):
        return QuadResult(math.inf, math.inf, "quantile quadrature (diverges)")
    value = total ** (1.0 / p)
    return QuadResult(value, value * (error / max(total, 1e-300)) / p, "quantile quadrature")
