r"""The f-divergence table: one frozen record per divergence.

An f-divergence between distributions ``P`` and ``Q`` with masses ``p`` and ``q`` is

.. math::

    D_f(P \,\|\, Q) = \sum_x q(x)\, f\!\left(\frac{p(x)}{q(x)}\right),

with ``f`` convex on ``[0, inf)`` and the boundary conventions of the perspective
function: ``0 f(0/0) = 0``; ``q f(0/q) = q f(0)`` where ``p = 0 < q``; and
``p f'(inf)`` where ``q = 0 < p``, with ``f'(inf) = lim_{t -> inf} f(t)/t``
(Csiszar 1967; Liese & Vajda 2006).

Each :class:`Generator` holds everything the rest of divtools reads: ``f``, the
derivative ``f'`` (which is the optimal critic ``T* = f'(p/q)`` of the variational
representation), the Fenchel conjugate ``f*`` and its domain, the f-GAN output
activation ``g_f`` that maps a real number into that domain (Nowozin, Cseke &
Tomioka 2016, table 6), the limits ``f(0)``, ``f'(1)``, ``f'(inf)``, and the
accurate summand kernels used by :func:`divtools.f_divergence`.

Conventions (nats; divergences, not distances):

==================== ======================================== =====================
name                 f(t)                                     D_f
==================== ======================================== =====================
kl                   t log t                                  KL(P||Q)
reverse_kl           -log t                                   KL(Q||P)
jeffreys             (t - 1) log t                            KL(P||Q) + KL(Q||P)
js                   (t log(2t/(t+1)) + log(2/(t+1)))/2       JS(P, Q) in [0, log 2]
gan                  t log t - (t + 1) log(t + 1)             2 JS - log 4
tv                   |t - 1| / 2                              TV in [0, 1]
pearson              (t - 1)^2                                chi^2(P||Q)
neyman               (1 - t)^2 / t                            chi^2(Q||P)
squared_hellinger    (sqrt(t) - 1)^2                          sum (sqrt p - sqrt q)^2 in [0, 2]
triangular           (t - 1)^2 / (t + 1)                      sum (p - q)^2/(p + q) in [0, 2]
==================== ======================================== =====================

plus the families :func:`alpha` (Amari's alpha-divergences) and :func:`skew_js`.
The squared Hellinger convention is the seeds' ``(sqrt t - 1)^2`` without a
factor 1/2 (twice the convention of dit; TFP's equals ours). Lecture source of
the table: CE 22-808 "Generative adversarial networks" (f-divergence table);
the TV and JS conventions are those of CS 446 lecture 21.

Summand kernels: the divergence is computed as a sum of terms of one sign.
For ``f(1) = 0`` the terms are those of the standardised generator
``f(t) - f'(1)(t - 1) >= 0``, which has the same sum for normalised inputs.
Each term is evaluated from ``a``, ``b`` and the accurately known difference
``d = a - b`` without cancellation (see :mod:`divtools._numerics`). A record
may split its kernel into several *parts* whose sums add up to the divergence;
the CPU path reduces each part in its own fused pass.
"""

from __future__ import annotations

import dataclasses
import decimal
import difflib
import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from divtools._core import numerics as nx
from divtools._core import validate
from divtools._core.backend import is_jax, jax, jnp, namespace

__all__ = [
    "ALIASES",
    "GENERATORS",
    "Generator",
    "Interval",
    "alpha",
    "canonical_name",
    "custom",
    "get",
    "skew_js",
    "wright_omega",
]

Kernel = Callable[[Any, Any, Any], Any]


class Interval(NamedTuple):
    """A real interval, the domain of a conjugate ``f*``."""

    low: float
    high: float
    closed_low: bool = False
    closed_high: bool = False

    def contains(self, y):
        """Elementwise membership test (NumPy or JAX arrays)."""
        lo_ok = (y >= self.low) if self.closed_low else (y > self.low)
        hi_ok = (y <= self.high) if self.closed_high else (y < self.high)
        return lo_ok & hi_ok

    def __str__(self) -> str:
        lo = "[" if self.closed_low else "("
        hi = "]" if self.closed_high else ")"
        return f"{lo}{_fmt(self.low)}, {_fmt(self.high)}{hi}"


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "-inf" if x < 0 else "inf"
    return f"{x:.6g}"


_ns = namespace


def _xlogy(x, y):
    """``x log y`` with ``0 log y = 0``."""
    xp = namespace(x, y)
    zero = x == 0
    return xp.where(zero, 0.0, x * xp.log(xp.where(zero, 1.0, y)))


def _follow_array_rule(fn: Callable) -> Callable:
    """Make a record's function follow divtools' array rule: JAX arrays and
    tracers go straight through (traceable, their dtype); NumPy arrays, lists and
    Python numbers are computed by NumPy (integers as float64) and stay NumPy."""
    if getattr(fn, "_divtools_array_rule", False):
        return fn

    @functools.wraps(fn)
    def wrapped(*args):
        if any(is_jax(a) for a in args):
            return fn(*args)
        arrays = [np.asarray(a) for a in args]
        with np.errstate(all="ignore"):  # IEEE values, as JAX gives them: no warnings
            return fn(*(a if a.dtype.kind == "f" else a.astype(np.float64) for a in arrays))

    wrapped._divtools_array_rule = True
    return wrapped


def _jax_function(fn: Callable) -> Callable:
    """A user's JAX function under the array rule: NumPy input is computed by JAX
    (in float64 for float64 input, inside ``jax.enable_x64``) and returned as NumPy."""

    @functools.wraps(fn)
    def wrapped(*args):
        if any(is_jax(a) for a in args):
            return fn(*args)
        arrays = [np.asarray(a) for a in args]
        arrays = [a if a.dtype.kind == "f" else a.astype(np.float64) for a in arrays]
        with jax.enable_x64(any(a.dtype == np.float64 for a in arrays)):
            return np.asarray(fn(*arrays))

    wrapped._divtools_array_rule = True
    return wrapped


@dataclasses.dataclass(frozen=True, eq=False)
class Generator:
    """The definition of one f-divergence, read by every layer of divtools.

    Attributes:
      name: key in :data:`GENERATORS` (or a family member such as ``alpha(2)``).
      f: the generator ``t -> f(t)``, convex on ``[0, inf)`` (JAX-traceable).
      f_prime: its derivative ``t -> f'(t)``; also the optimal critic of the
        variational representation, ``T*(x) = f'(p(x)/q(x))``.
      conjugate: the Fenchel conjugate ``y -> f*(y) = sup_t (t y - f(t))``.
      conjugate_domain: where ``f*`` is finite.
      activation: the f-GAN output activation ``g_f``, mapping a real critic
        output into ``conjugate_domain``.
      optimal_raw_critic: ``log t -> V*`` with ``g_f(V*) = f'(t)``: the optimal
        critic before the activation, from the log-ratio, representable where
        ``f'(t)`` itself rounds onto the edge of the conjugate's domain (``js``
        at ``t > 2**53``, say) or ``t`` leaves the float range.
      f_at_zero: ``f(0) = lim_{t -> 0+} f(t)`` (may be ``inf``).
      f_prime_at_one: ``f'(1)`` (a subgradient where ``f`` has a kink at 1).
      f_prime_at_inf: ``lim_{t -> inf} f(t)/t`` (may be ``inf``).
      f_at_one: ``f(1)``, 0 except for ``gan``.
      parts: accurate summand kernels ``(a, b, d) -> terms``; the divergence is
        the sum over parts and outcomes (divided by the mass of ``q``).
      log_terms: the same summand from logarithms, ``(log a, log b, a, b) -> terms``
        (the masses themselves where the caller has them more accurately than
        ``exp(log a)``),
        free of cancellation where ``|log(a/b)| >= 1``; present where ``f(0)``
        or ``f'(inf)`` is infinite (and for ``gan``, whose divergence can be as
        small as one such summand), so that sums and integrals stay exact where
        ``p/q`` leaves the floating-point range (there the kernels' boundary
        values would be used).
      log_terms_below: the kernels are exact while both masses are at least this
        multiple of the smallest normal number; below it ``log_terms`` take over
        (32 where a kernel takes ``log(a/b)``, 1 where it divides by a mass).
      family: ``("alpha", a)`` or ``("skew_js", w)`` for members of a family
        (closed forms look the parameter up here), else None.
      logarithmic: whether the value is an information quantity that scales
        with the logarithm base (nats or bits).
      formula, conjugate_formula, activation_formula: plain-text formulas.
      description: what the divergence is, with its conventions.
      reference: where the definition comes from.
    """

    name: str
    f: Callable
    f_prime: Callable
    conjugate: Callable | None
    conjugate_domain: Interval | None
    activation: Callable | None
    f_at_zero: float
    f_prime_at_one: float
    f_prime_at_inf: float
    parts: tuple[Kernel, ...]
    f_at_one: float = 0.0
    log_terms: Callable | None = None
    log_terms_below: float = 32.0
    conjugate_of_activation: Callable | None = None
    optimal_raw_critic: Callable | None = None
    family: tuple | None = None
    logarithmic: bool = False
    formula: str = ""
    conjugate_formula: str = ""
    activation_formula: str = ""
    description: str = ""
    reference: str = ""

    def __post_init__(self):
        for field in (
            "f",
            "f_prime",
            "conjugate",
            "activation",
            "conjugate_of_activation",
            "optimal_raw_critic",
        ):
            fn = getattr(self, field)
            if fn is not None:
                object.__setattr__(self, field, _follow_array_rule(fn))

    def fgan_conjugate(self, v):
        """``f*(g_f(v))``, the f-GAN objective's Q-side term for a raw critic output
        ``v``: the record's composition, simplified in closed form, where the plain one
        cancels or overflows (``reverse_kl``, ``js``, ``gan``, ``neyman``,
        ``squared_hellinger``, ``triangular``, ``skew_js``, ``alpha`` with ``a < 1``),
        else ``f*`` of ``g_f``. Its value and gradient are never NaN."""
        if self.conjugate_of_activation is not None:
            return self.conjugate_of_activation(v)
        return self.conjugate(self.activation(v))

    @property
    def optimal_critic(self) -> Callable:
        """``t -> f'(t)``: evaluated at ``p(x)/q(x)`` it maximises ``E_P T - E_Q f*(T)``."""
        return self.f_prime

    @property
    def standardized(self) -> bool:
        """Whether the kernels sum ``f(t) - f'(1)(t - 1)`` rather than ``f`` itself."""
        return self.f_at_one == 0.0

    @property
    def infinite_when_q_zero(self) -> bool:
        """Whether an outcome with ``q = 0 < p`` makes the divergence infinite."""
        return math.isinf(self.f_prime_at_inf)

    @property
    def infinite_when_p_zero(self) -> bool:
        """Whether an outcome with ``p = 0 < q`` makes the divergence infinite."""
        return math.isinf(self.f_at_zero)

    def terms(self, a, b, d):
        """Elementwise summands ``b * f~(a/b)`` (all kernels added)."""
        out = self.parts[0](a, b, d)
        for part in self.parts[1:]:
            out = out + part(a, b, d)
        return out

    def __repr__(self) -> str:
        return f"Generator({self.name!r}, f(t) = {self.formula})"


# --------------------------------------------------------------------------
# Accurate summand kernels. All take (a, b, d) with a, b >= 0 and d = a - b.


def _kl_terms(a, b, d):
    return nx.relative_entropy_terms(a, b, d)


def _reverse_kl_terms(a, b, d):
    return nx.relative_entropy_terms(b, a, -d)


def _jeffreys_terms(a, b, d):
    # (a - b) log(a/b) = d (2 s + 2 (atanh(s) - s)): a product of two factors of one sign.
    small = nx.tiny(a.dtype)
    s = d / _ns(a).maximum(a + b, small)
    a_s, b_s = nx.sanitize_ratio(a, b)
    return d * ((s + s) + nx.twice_atanh_minus(s, a_s, b_s))


def _skew_js_parts(w: float) -> tuple[Kernel, Kernel]:
    # w KL(P || M) + (1 - w) KL(Q || M), M = w P + (1 - w) Q; a - m = (1 - w) d.
    def first(a, b, d):
        m = w * a + (1 - w) * b
        return w * nx.relative_entropy_terms(a, m, (1 - w) * d)

    def second(a, b, d):
        m = w * a + (1 - w) * b
        return (1 - w) * nx.relative_entropy_terms(b, m, -w * d)

    return first, second


def _gan_terms(a, b, d):
    # b f(a/b) = -(a log(1 + b/a) + b log(1 + a/b)) <= 0: one sign, no cancellation.
    a_s, b_s = nx.sanitize_ratio(a, b)
    return -(a * nx.log1p(b / a_s) + b * nx.log1p(a / b_s))


def _tv_terms(a, b, d):
    return 0.5 * _ns(d).abs(d)


def _pearson_terms(a, b, d):
    small = nx.tiny(a.dtype)
    return d * (d / _ns(b).maximum(b, small))  # d * (d/b), not d**2/b: d**2 underflows


def _neyman_terms(a, b, d):
    small = nx.tiny(a.dtype)
    return d * (d / _ns(a).maximum(a, small))


def _hellinger_terms(a, b, d):
    # (sqrt a - sqrt b)^2 = d^2 / (sqrt a + sqrt b)^2 avoids subtracting square roots.
    small = nx.tiny(a.dtype)
    xp = _ns(a, b)
    r = xp.sqrt(a) + xp.sqrt(b)
    return d * (d / xp.maximum(r * r, small))


def _triangular_terms(a, b, d):
    small = nx.tiny(a.dtype)
    return d * (d / _ns(a, b).maximum(a + b, small))


# Summands from log masses (la, lb finite), for ratios beyond the float range.


def _log_abs_expm1(x):
    """``log|e^x - 1|`` without overflow (``x != 0``)."""
    xp = _ns(x)
    return xp.where(x > 0, x + nx.log1p(-xp.exp(-xp.abs(x))), xp.log(-xp.expm1(-xp.abs(x))))


def _kl_log_terms(la, lb, a, b):
    return a * ((la - lb) - 1.0) + b


def _reverse_kl_log_terms(la, lb, a, b):
    return _kl_log_terms(lb, la, b, a)


def _jeffreys_log_terms(la, lb, a, b):
    return (a - b) * (la - lb)


def _pearson_log_terms(la, lb, a, b):
    return _ns(lb).exp(lb + 2.0 * _log_abs_expm1(la - lb))  # b (a/b - 1)^2 without overflow


def _neyman_log_terms(la, lb, a, b):
    return _pearson_log_terms(lb, la, b, a)


def _gan_log_terms(la, lb, a, b):
    # -(a log(1 + b/a) + b log(1 + a/b)) = -(a softplus(lb - la) + b softplus(la - lb))
    return -(a * _softplus(lb - la) + b * _softplus(la - lb))


def _alpha_log_terms(order: float):
    # b e^(a L) - b - a (x - y) (see _alpha_numerator) from L = log x - log y
    def log_terms(la, lb, a, b):
        log_base = la if order > 0.5 else lb
        return _alpha_numerator(order, la - lb, a, b, a - b, log_base) / (order * (order - 1.0))

    return log_terms


def _alpha_numerator(order: float, L, x, y, d, log_base=None):
    """``y e^(a L) - y - a d`` with ``d = x - y = y (e^L - 1)``, without cancellation.

    For ``a <= 1/2``: ``y expm1(a L) - a d``; for ``a > 1/2``, with ``b = a - 1``:
    ``x expm1(b L) - b d`` (equal, since ``x = y e^L``). Each is free of cancellation
    near its own end of the family (``a -> 0`` and ``a -> 1``, where the difference
    is ``O(a)`` or ``O(a - 1)`` of its terms): the naive ``y e^(a L) - y - a d``
    loses ``log10(1/|a - 1|)`` digits there. Where the exponent exceeds 1,
    ``y e^(a L)`` is formed as ``(y e^(a L/2)) e^(a L/2)`` (no overflow while finite), or
    as ``exp(log_base + c L)`` from the logarithm of the mass that multiplies it (``log x``
    or ``log y``) where that is given (masses that under- or overflow).
    """
    xp = _ns(L, x, y)
    if order > 0.5:
        c, base = order - 1.0, x
    else:
        c, base = order, y
    z = c * L
    far = z > 1.0
    if log_base is None:
        half = xp.exp(0.5 * xp.where(far, z, 0.0))
        grown = (base * half) * half - base
    else:
        grown = xp.exp(log_base + xp.where(far, z, 0.0)) - base
    near = base * xp.expm1(xp.where(far, 0.0, z))
    return xp.where(far, grown, near) - c * d


# --------------------------------------------------------------------------
# Generators, conjugates and activations of the table.


def _softplus(v):
    return _ns(v).logaddexp(v, 0.0)


def wright_omega(z: Any) -> Any:
    """The Wright omega function ``w = W(exp(z))``: the solution of ``w + log w = z``.

    Used by the conjugate of Jeffreys' generator. Newton's iteration
    ``w <- w (1 + z - log w) / (1 + w)`` from ``log(1 + e^z)`` (``z < 1``) or
    ``z - log z`` (``z >= 1``) converges in five steps to float64 precision;
    below ``z = -40``, ``omega(z) = e^z (1 - e^z + ...) = e^z`` to that precision.
    """
    xp = _ns(z)
    z = xp.asarray(z)
    z_big = xp.maximum(z, 1.0)
    z_mid = xp.clip(z, -40.0, 1.0)
    w = xp.where(z < 1.0, nx.log1p(xp.exp(z_mid)), z_big - xp.log(z_big))
    for _ in range(5):  # w (1 + z - log w) / (1 + w), without overflowing w z for huge z
        w = (1.0 + xp.maximum(z, -40.0) - xp.log(w)) * (w / (1.0 + w))
    return xp.where(z < -40.0, xp.exp(xp.minimum(z, -40.0)), w)  # min: no inf*0 in grad


#: log 2 as a double-word (hi + lo to 2**-106): the edge of js's conjugate domain, log(2)/2,
#: is approached within an ulp of it.
_LOG2_HI = 0.6931471805599453
_LOG2_LO = 2.3190468138462996e-17


def _js_conjugate(y):
    # -log(2 - e^(2y))/2 = -log(-2 expm1(2y - log 2))/2; near the edge y -> log(2)/2 the
    # argument 2y - log 2 is taken with log 2 as a double-word, so it keeps its digits
    xp = _ns(y)
    return -0.5 * (_LOG2 + xp.log(-xp.expm1(((2.0 * y) - _LOG2_HI) - _LOG2_LO)))


def _tv_raw_critic(log_t):
    # f'(t) = sign(t - 1)/2, the edges of tanh(v)/2: v = +-inf (0 at t = 1)
    xp = _ns(log_t)
    return xp.where(log_t > 0, xp.inf, xp.where(log_t < 0, -xp.inf, 0.0))


def _jeffreys_conjugate(y):
    # f*(y) = w + 1/w + y - 2 with w = omega(1 - y), and w + log w = 1 - y, so
    # f*(y) = 1/w - log(w) - 1: the form w + y cancels for y -> -inf (w ~ -y), this one
    # does not. For 1 - y < -40, w = e^(1-y) (1 - e^(1-y)) to float64 precision, so
    # 1/w = e^(y-1) + 1 and log w = 1 - y: exp overflows only where f* does, and its
    # gradient is inf there, never NaN.
    xp = _ns(y)
    y = xp.asarray(y)
    z = 1.0 - y
    w = wright_omega(xp.maximum(z, -40.0))
    return xp.where(z < -40.0, xp.exp(xp.maximum(y, 41.0) - 1.0) + y - 1.0, 1.0 / w - xp.log(w) - 1.0)


_LOG2 = math.log(2.0)


def _kl_record() -> Generator:
    return Generator(
        name="kl",
        f=lambda t: _xlogy(t, t),
        f_prime=lambda t: _ns(t).log(t) + 1.0,
        conjugate=lambda y: _ns(y).exp(y - 1.0),
        conjugate_domain=Interval(-math.inf, math.inf),
        activation=lambda v: v,
        optimal_raw_critic=lambda log_t: 1.0 + log_t,
        f_at_zero=0.0,
        f_prime_at_one=1.0,
        f_prime_at_inf=math.inf,
        parts=(_kl_terms,),
        log_terms=_kl_log_terms,
        logarithmic=True,
        formula="t log t",
        conjugate_formula="exp(y - 1)",
        activation_formula="v",
        description="Kullback-Leibler divergence KL(P||Q) = sum p log(p/q); inf unless supp P is in supp Q.",
        reference="Kullback & Leibler (1951); CS 446 lecture 21; CE 22-808 f-divergence table.",
    )


def _reverse_kl_record() -> Generator:
    return Generator(
        name="reverse_kl",
        f=lambda t: -_ns(t).log(t),
        f_prime=lambda t: -1.0 / t,
        conjugate=lambda y: -1.0 - _ns(y).log(-y),
        conjugate_domain=Interval(-math.inf, 0.0),
        activation=lambda v: -_ns(v).exp(-v),
        conjugate_of_activation=lambda v: v - 1.0,  # -1 - log(exp(-v)) without overflow
        optimal_raw_critic=lambda log_t: log_t,
        f_at_zero=math.inf,
        f_prime_at_one=-1.0,
        f_prime_at_inf=0.0,
        parts=(_reverse_kl_terms,),
        log_terms=_reverse_kl_log_terms,
        logarithmic=True,
        formula="-log t",
        conjugate_formula="-1 - log(-y)",
        activation_formula="-exp(-v)",
        description="Reverse KL, KL(Q||P); the reverse generator t f(1/t) of kl.",
        reference="Nowozin, Cseke & Tomioka (2016), table 1.",
    )


def _jeffreys_record() -> Generator:
    return Generator(
        name="jeffreys",
        f=lambda t: (t - 1.0) * _ns(t).log(t),
        f_prime=lambda t: _ns(t).log(t) + 1.0 - 1.0 / t,
        conjugate=_jeffreys_conjugate,
        conjugate_domain=Interval(-math.inf, math.inf),
        activation=lambda v: v,
        optimal_raw_critic=lambda log_t: log_t + 1.0 - _ns(log_t).exp(-log_t),
        f_at_zero=math.inf,
        f_prime_at_one=0.0,
        f_prime_at_inf=math.inf,
        parts=(_jeffreys_terms,),
        log_terms=_jeffreys_log_terms,
        logarithmic=True,
        formula="(t - 1) log t",
        conjugate_formula="W(e^(1-y)) + 1/W(e^(1-y)) + y - 2",
        activation_formula="v",
        description="Jeffreys divergence (symmetric KL) KL(P||Q) + KL(Q||P) = sum (p - q) log(p/q).",
        reference="Jeffreys (1946); CE 22-808 f-divergence table ('symmetric KL').",
    )


def _js_record() -> Generator:
    return Generator(
        name="js",
        f=lambda t: 0.5 * (_xlogy(t, 2.0 * t / (t + 1.0)) + _ns(t).log(2.0 / (t + 1.0))),
        f_prime=lambda t: 0.5 * _ns(t).log(2.0 * t / (t + 1.0)),
        conjugate=_js_conjugate,
        conjugate_domain=Interval(-math.inf, 0.5 * _LOG2),
        activation=lambda v: 0.5 * (_LOG2 - _softplus(-v)),
        conjugate_of_activation=lambda v: 0.5 * (_softplus(v) - _LOG2),
        optimal_raw_critic=lambda log_t: log_t,
        f_at_zero=0.5 * _LOG2,
        f_prime_at_one=0.0,
        f_prime_at_inf=0.5 * _LOG2,
        parts=(nx.js_terms,),
        logarithmic=True,
        formula="(t log(2t/(t+1)) + log(2/(t+1)))/2",
        conjugate_formula="-log(2 - exp(2y))/2",
        activation_formula="(log 2 - log(1 + exp(-v)))/2",
        description=(
            "Jensen-Shannon divergence JS = KL(P||M)/2 + KL(Q||M)/2, M = (P+Q)/2; "
            "in [0, log 2]; the divergence, not scipy's distance sqrt(JS)."
        ),
        reference="Lin (1991); CS 446 lecture 21; CE 22-808 f-divergence table.",
    )


def _gan_record() -> Generator:
    return Generator(
        name="gan",
        f=lambda t: _xlogy(t, t) - _xlogy(t + 1.0, t + 1.0),
        f_prime=lambda t: _ns(t).log(t / (t + 1.0)),
        conjugate=lambda y: -_ns(y).log(-_ns(y).expm1(y)),  # 1 - e^y without cancellation
        conjugate_domain=Interval(-math.inf, 0.0),
        activation=lambda v: -_softplus(-v),
        conjugate_of_activation=_softplus,
        optimal_raw_critic=lambda log_t: log_t,
        f_at_zero=0.0,
        f_prime_at_one=-_LOG2,
        f_prime_at_inf=0.0,
        f_at_one=-2.0 * _LOG2,
        parts=(_gan_terms,),
        log_terms=_gan_log_terms,
        logarithmic=True,
        formula="t log t - (t + 1) log(t + 1)",
        conjugate_formula="-log(1 - exp(y))",
        activation_formula="-log(1 + exp(-v))",
        description=(
            "The GAN divergence 2 JS(P, Q) - log 4, in [-log 4, 0]: the value of the "
            "GAN game at the optimal discriminator (f(1) = -log 4, not standardised)."
        ),
        reference="Goodfellow et al. (2014); Nowozin et al. (2016); CE 22-808 'The Goodfellow GAN as F-GAN'.",
    )


def _tv_record() -> Generator:
    return Generator(
        name="tv",
        f=lambda t: 0.5 * _ns(t).abs(t - 1.0),
        f_prime=lambda t: 0.5 * _ns(t).sign(t - 1.0),
        conjugate=lambda y: y,
        conjugate_domain=Interval(-0.5, 0.5, True, True),
        activation=lambda v: 0.5 * _ns(v).tanh(v),
        optimal_raw_critic=_tv_raw_critic,
        f_at_zero=0.5,
        f_prime_at_one=0.0,
        f_prime_at_inf=0.5,
        parts=(_tv_terms,),
        formula="|t - 1| / 2",
        conjugate_formula="y",
        activation_formula="tanh(v) / 2",
        description=(
            "Total variation distance sup_A |P(A) - Q(A)| = sum |p - q| / 2, in [0, 1]. "
            "The seeds' table lists |t - 1|, whose divergence is twice this."
        ),
        reference="CS 446 lecture 21 (proposition on TV); Nowozin et al. (2016), table 1.",
    )


def _pearson_record() -> Generator:
    return Generator(
        name="pearson",
        f=lambda t: (t - 1.0) ** 2,
        f_prime=lambda t: 2.0 * (t - 1.0),
        conjugate=lambda y: 0.25 * y * y + y,
        conjugate_domain=Interval(-math.inf, math.inf),
        activation=lambda v: v,
        optimal_raw_critic=lambda log_t: 2.0 * _ns(log_t).expm1(log_t),
        f_at_zero=1.0,
        f_prime_at_one=0.0,
        f_prime_at_inf=math.inf,
        parts=(_pearson_terms,),
        log_terms=_pearson_log_terms,
        log_terms_below=1.0,
        formula="(t - 1)^2",
        conjugate_formula="y^2/4 + y",
        activation_formula="v",
        description="Pearson chi-square divergence sum (p - q)^2 / q.",
        reference="Pearson (1900); CE 22-808 f-divergence table; CSE6243 lecture 16.",
    )


def _neyman_record() -> Generator:
    return Generator(
        name="neyman",
        f=lambda t: (1.0 - t) ** 2 / t,
        f_prime=lambda t: 1.0 - 1.0 / (t * t),
        conjugate=lambda y: 2.0 - 2.0 * _ns(y).sqrt(1.0 - y),
        conjugate_domain=Interval(-math.inf, 1.0, False, True),
        activation=lambda v: -_ns(v).expm1(-v),
        conjugate_of_activation=lambda v: -2.0 * _ns(v).expm1(-0.5 * v),
        optimal_raw_critic=lambda log_t: 2.0 * log_t,
        f_at_zero=math.inf,
        f_prime_at_one=0.0,
        f_prime_at_inf=1.0,
        parts=(_neyman_terms,),
        log_terms=_neyman_log_terms,
        log_terms_below=1.0,
        formula="(1 - t)^2 / t",
        conjugate_formula="2 - 2 sqrt(1 - y)",
        activation_formula="1 - exp(-v)",
        description="Neyman chi-square divergence sum (p - q)^2 / p = pearson(Q||P).",
        reference="Neyman (1949); Nowozin et al. (2016), table 1.",
    )


def _hellinger_record() -> Generator:
    return Generator(
        name="squared_hellinger",
        f=lambda t: (_ns(t).sqrt(t) - 1.0) ** 2,
        f_prime=lambda t: 1.0 - 1.0 / _ns(t).sqrt(t),
        conjugate=lambda y: y / (1.0 - y),
        conjugate_domain=Interval(-math.inf, 1.0),
        activation=lambda v: -_ns(v).expm1(-v),
        conjugate_of_activation=lambda v: _ns(v).expm1(v),
        optimal_raw_critic=lambda log_t: 0.5 * log_t,
        f_at_zero=1.0,
        f_prime_at_one=0.0,
        f_prime_at_inf=1.0,
        parts=(_hellinger_terms,),
        formula="(sqrt(t) - 1)^2",
        conjugate_formula="y / (1 - y)",
        activation_formula="1 - exp(-v)",
        description=(
            "Squared Hellinger distance sum (sqrt p - sqrt q)^2 = 2 (1 - BC), in [0, 2] "
            "(no factor 1/2: twice dit's convention)."
        ),
        reference="Hellinger (1909); CE 22-808 f-divergence table.",
    )


def _triangular_record() -> Generator:
    return Generator(
        name="triangular",
        f=lambda t: (t - 1.0) ** 2 / (t + 1.0),
        f_prime=lambda t: 1.0 - 4.0 / (t + 1.0) ** 2,  # (t-1)(t+3)/(t+1)^2 without inf/inf
        conjugate=lambda y: 4.0 - y - 4.0 * _ns(y).sqrt(1.0 - y),
        conjugate_domain=Interval(-math.inf, 1.0, False, True),
        activation=lambda v: -_ns(v).expm1(-v),
        # 1 - y = e^(-v): f* = 3 + e^(-v) - 4 e^(-v/2) = e (e - 2) with e = expm1(-v/2).
        conjugate_of_activation=lambda v: (lambda e: e * (e - 2.0))(_ns(v).expm1(-0.5 * v)),
        # 1 - e^(-v) = 1 - 4/(t + 1)^2: v = 2 log((t + 1)/2), from log t without overflow
        optimal_raw_critic=lambda log_t: 2.0 * (_softplus(log_t) - _LOG2),
        f_at_zero=1.0,
        f_prime_at_one=0.0,
        f_prime_at_inf=1.0,
        parts=(_triangular_terms,),
        formula="(t - 1)^2 / (t + 1)",
        conjugate_formula="4 - y - 4 sqrt(1 - y)",
        activation_formula="1 - exp(-v)",
        description="Triangular discrimination (Vincze-Le Cam) sum (p - q)^2 / (p + q), in [0, 2].",
        reference="Le Cam (1986); Topsoe (2000).",
    )


def _bc_terms(a, b, d):
    xp = _ns(a, b)
    return -xp.sqrt(a) * xp.sqrt(b)  # sqrt(a) sqrt(b): a b may underflow


#: ``f(t) = -sqrt(t)``: its "divergence" is minus the Bhattacharyya coefficient
#: ``BC = sum sqrt(p q)``, summed from terms of one sign. Not a divergence
#: (``f(1) = -1``), so not in :data:`GENERATORS`; :func:`divtools.bhattacharyya`
#: reads it where ``BC`` is small and ``1 - H^2/2`` would cancel. The seeds' table
#: lists its negative ``sqrt(t)`` as "Bhattacharyya distance".
BHATTACHARYYA_COEFFICIENT = Generator(
    name="neg_bhattacharyya_coefficient",
    f=lambda t: -_ns(t).sqrt(t),
    f_prime=lambda t: -0.5 / _ns(t).sqrt(t),
    conjugate=lambda y: -0.25 / y,
    conjugate_domain=Interval(-math.inf, 0.0),
    activation=lambda v: -_ns(v).exp(-v),
    f_at_zero=0.0,
    f_prime_at_one=-0.5,
    f_prime_at_inf=0.0,
    f_at_one=-1.0,
    parts=(_bc_terms,),
    formula="-sqrt(t)",
    conjugate_formula="-1/(4y)",
    activation_formula="-exp(-v)",
    description="Minus the Bhattacharyya coefficient, -sum sqrt(p q), in [-1, 0].",
    reference="Bhattacharyya (1943); CE 22-808 f-divergence table.",
)


#: The table: name -> :class:`Generator`.
GENERATORS: dict[str, Generator] = {
    g.name: g
    for g in (
        _kl_record(),
        _reverse_kl_record(),
        _jeffreys_record(),
        _js_record(),
        _gan_record(),
        _tv_record(),
        _pearson_record(),
        _neyman_record(),
        _hellinger_record(),
        _triangular_record(),
    )
}


# --------------------------------------------------------------------------
# Families.


def skew_js(w: float) -> Generator:
    """The skewed Jensen-Shannon divergence with mixture weights ``(w, 1 - w)``.

    ``JS_w(P, Q) = w KL(P || M) + (1 - w) KL(Q || M)`` with ``M = w P + (1 - w) Q``
    (dit's ``jensen_shannon_divergence`` with two weights). ``w = 1/2`` is
    ``js``. Its generator is ``f_w(t) = w t log t - (w t + 1 - w) log(w t + 1 - w)``,
    with conjugate ``(1 - w) (log(1 - w) - log(1 - w e^(y/w)))`` on ``y < -w log w``.
    """
    w = validate.probability("w", w)
    return GENERATORS["js"] if w == 0.5 else _skew_js(w)


@functools.lru_cache(maxsize=64)
def _skew_js(w: float) -> Generator:
    v = 1.0 - w
    with decimal.localcontext() as ctx:  # -w log w to 40 digits, as a double-word
        ctx.prec = 40
        exact = -decimal.Decimal(w) * decimal.Decimal(w).ln()
        edge_hi = float(exact)
        edge_lo = float(exact - decimal.Decimal(edge_hi))
    return Generator(
        name=f"skew_js({w:g})",
        f=lambda t: w * _xlogy(t, t) - _xlogy(w * t + v, w * t + v),
        f_prime=lambda t: w * _ns(t).log(t / (w * t + v)),
        # 1 - w e^(y/w) = -expm1((y - edge)/w), edge = -w log w: with the edge as a
        # double-word, y - edge is exact near the edge and f* keeps its digits there
        conjugate=lambda y: v * (math.log(v) - _ns(y).log(-_ns(y).expm1(((y - edge_hi) - edge_lo) / w))),
        conjugate_domain=Interval(-math.inf, -w * math.log(w)),
        activation=lambda x: -w * math.log(w) - w * _softplus(-x),
        # w e^(y/w) = sigmoid(x) at y = activation(x), so f* = v (log v + softplus(x)).
        conjugate_of_activation=lambda x: v * (math.log(v) + _softplus(x)),
        optimal_raw_critic=lambda log_t: log_t + math.log(w / v),
        f_at_zero=-v * math.log(v),
        f_prime_at_one=0.0,
        f_prime_at_inf=-w * math.log(w),
        parts=_skew_js_parts(w),
        logarithmic=True,
        formula=f"{w:g} t log t - ({w:g} t + {v:g}) log({w:g} t + {v:g})",
        conjugate_formula=f"{v:g} (log {v:g} - log(1 - {w:g} exp(y/{w:g})))",
        activation_formula=f"-{w:g} log {w:g} - {w:g} log(1 + exp(-v))",
        description=f"Skewed Jensen-Shannon divergence with weights ({w:g}, {v:g}).",
        reference="Lin (1991); dit's jensen_shannon_divergence with weights.",
        family=("skew_js", w),
    )


def _alpha_parts(a: float) -> tuple[Kernel, Kernel]:
    # D = sum b [e^(aL) - 1 - a(e^L - 1)] / (a(a-1)), L = log(a/b).
    # Closed form: (b e^(a L) - b - a d) / (a (a-1)), with b (e^L - 1) = d exactly,
    # arranged without cancellation near a = 0 and a = 1 (_alpha_numerator).
    # It cancels for small |L|; there the series sum_{k>=2} c_k L^k / k!,
    # c_k = (a^(k-1) - 1)/(a - 1), is used. The two parts are the blend's halves.
    lam = 2.0 / max(1.0, abs(a))  # series for |L| < lam
    big = max(1.0, abs(a))
    coeffs = []
    k, fact = 2, 2.0
    # |c_k| <= (k - 1) big**(k-2): stop when that bound times lam**(k-2) / k! is negligible.
    while (k - 1) * (big * lam) ** (k - 2) / fact > 1e-18:
        coeffs.append(sum(a**i for i in range(k - 1)) / fact)
        k += 1
        fact *= k
    denom = a * (a - 1.0)

    def log_ratio(x, y, d):
        small = nx.tiny(x.dtype)
        s = d / _ns(x, y).maximum(x + y, small)
        x_s, y_s = nx.sanitize_ratio(x, y)
        return (s + s) + nx.twice_atanh_minus(s, x_s, y_s)

    def weight(L, zero):
        # 1 where |L| >= lam or a mass is 0, else 0 (arithmetic, see divtools._numerics.step).
        xp = _ns(L)
        return xp.maximum(xp.minimum(xp.floor(xp.abs(L) * (1.0 / lam)), 1.0), zero)

    def closed(x, y, d):
        xp = _ns(x, y, d)
        L = log_ratio(x, y, d)
        zero = (x == 0) | (y == 0)
        # a mass of 0: the limits y (a - 1) (x = 0) and -a x (y = 0) of the numerator
        # (the sanitised ratio of the other mass to the floor is no limit when that
        # mass is itself tiny)
        edge = xp.where(x == 0, (a - 1.0) * y, -a * x)
        num = xp.where(zero, edge, _alpha_numerator(a, xp.where(zero, 0.0, L), x, y, d))
        return weight(L, zero) * (num / denom)

    def series(x, y, d):
        L = log_ratio(x, y, d)
        zero = (x == 0) | (y == 0)
        return (1.0 - weight(L, zero)) * (y * (L * L) * nx.horner(coeffs, L))

    return closed, series


def alpha(a: float) -> Generator:
    """Amari's alpha-divergence, ``f_a(t) = (t^a - 1 - a (t - 1)) / (a (a - 1))``.

    ``a -> 1`` gives ``kl`` and ``a -> 0`` gives ``reverse_kl`` (returned for those
    values); ``a = 2`` is ``pearson / 2``, ``a = -1`` is ``neyman / 2`` and
    ``a = 1/2`` is ``2 * squared_hellinger``. Conjugate
    ``f*(y) = ((1 + (a - 1) y)^(a/(a-1)) - 1) / a`` where ``1 + (a - 1) y >= 0``
    (and ``-f(0) = -1/a`` below that point when ``a > 1``).
    Reference: Amari (1985); Cichocki & Amari (2010).
    """
    a = validate.real("alpha", a)
    if a == 1.0:
        return GENERATORS["kl"]
    if a == 0.0:
        return GENERATORS["reverse_kl"]
    return _alpha(a)


@functools.lru_cache(maxsize=64)
def _alpha(a: float) -> Generator:
    denom = a * (a - 1.0)
    power = a / (a - 1.0)
    if a > 1.0:
        domain = Interval(-math.inf, math.inf)
        activation = lambda v: v
        conjugate = lambda y: (_ns(y).maximum(1.0 + (a - 1.0) * y, 0.0) ** power - 1.0) / a
        composed = None
        raw = lambda log_t: _ns(log_t).expm1((a - 1.0) * log_t) / (a - 1.0)
    else:
        edge = 1.0 / (1.0 - a)
        domain = Interval(-math.inf, edge, False, a < 0.0)
        activation = lambda v: -edge * _ns(v).expm1(-v)
        conjugate = lambda y: ((1.0 + (a - 1.0) * y) ** power - 1.0) / a
        # 1 + (a - 1) y = e^(-v) at y = activation(v): f* = expm1(-power v) / a.
        composed = lambda v: _ns(v).expm1(-power * v) / a
        raw = lambda log_t: (1.0 - a) * log_t
    return Generator(
        name=f"alpha({a:g})",
        f=lambda t: (t**a - 1.0 - a * (t - 1.0)) / denom,
        f_prime=lambda t: (t ** (a - 1.0) - 1.0) / (a - 1.0),
        conjugate=conjugate,
        conjugate_domain=domain,
        activation=activation,
        conjugate_of_activation=composed,
        optimal_raw_critic=raw,
        f_at_zero=1.0 / a if a > 0 else math.inf,
        f_prime_at_one=0.0,
        f_prime_at_inf=math.inf if a > 1 else 1.0 / (1.0 - a),
        parts=_alpha_parts(a),
        log_terms=_alpha_log_terms(a),
        family=("alpha", a),
        formula=f"(t^{a:g} - 1 - {a:g} (t - 1)) / ({denom:g})",
        conjugate_formula=f"((1 + {a - 1:g} y)^({power:g}) - 1) / {a:g}",
        activation_formula="v" if a > 1 else f"{1 / (1 - a):g} (1 - exp(-v))",
        description=f"Amari alpha-divergence of order {a:g}.",
        reference="Amari (1985); Cichocki & Amari (2010), Entropy 12(6).",
    )


# --------------------------------------------------------------------------
# User-defined generators.


def _limit(values: list[float]) -> float:
    """The limit of a sequence evaluated at geometrically spaced points, or inf."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < len(values) // 2 + 1:
        last = values[-1]
        return math.copysign(math.inf, last) if not math.isnan(last) else math.inf
    tail = finite[-3:]
    spread = max(tail) - min(tail)
    if spread <= 1e-6 * max(1.0, abs(tail[-1])):
        return tail[-1]
    # Still moving: diverging (like log t) unless the increments shrink geometrically.
    incs = [abs(b - a) for a, b in zip(finite[:-1], finite[1:])]
    if incs[-1] < 0.05 * incs[-2]:
        return tail[-1]
    return math.copysign(math.inf, tail[-1] - tail[0])


@functools.lru_cache(maxsize=128)
def custom(f: Callable, name: str | None = None) -> Generator:
    """A :class:`Generator` for a user's convex ``f`` with ``f(1) = 0``.

    ``f`` must accept a JAX array and be traceable by :func:`jax.grad`. The
    table's entries are found numerically (in float64):

    * ``f'(1)`` by automatic differentiation;
    * ``f(0)`` as ``f`` at ``t = 0`` if finite, else the limit of
      ``f(10^-k)`` for ``k = 4, 8, ..., 64`` (``inf`` if it keeps growing);
    * ``f'(inf)`` as the limit of ``f(t)/t`` for ``t = 10^k``, ``k = 4, ..., 64``.

    Convexity on ``[1e-6, 1e6]`` and ``f(1) = 0`` are checked (``ValueError``
    otherwise). The summands ``b (f(a/b) - f'(1)(a/b - 1))`` are evaluated
    directly: accurate when the divergence is not much smaller than its
    summands, but without the cancellation-free forms of the table (nearly
    equal distributions lose relative accuracy). ``conjugate`` and
    ``activation`` are not available for a custom generator.
    """
    label = name or getattr(f, "__name__", "custom")
    user_f = f
    f = _jax_function(user_f)
    with jax.enable_x64(True):
        one = jnp.asarray(1.0, jnp.float64)
        f1 = float(user_f(one))
        if not abs(f1) <= 1e-12:
            raise ValueError(f"f: a generator must satisfy f(1) = 0; got f(1) = {f1!r}")
        fp1 = float(jax.grad(user_f)(one))
        grid = jnp.geomspace(1e-6, 1e6, 241)
        vals = np.asarray(user_f(grid), dtype=np.float64)
        if not np.all(np.isfinite(vals)):
            raise ValueError("f: the generator must be finite on (0, inf)")
        # Convexity: second differences on a geometric grid (non-uniform spacing).
        t = np.asarray(grid)
        slopes = np.diff(vals) / np.diff(t)
        if np.any(np.diff(slopes) < -1e-9 * (1.0 + np.abs(slopes[1:]))):
            raise ValueError("f: the generator must be convex on (0, inf)")
        f0 = float(user_f(jnp.asarray(0.0, jnp.float64)))
        if not math.isfinite(f0):
            f0 = _limit([float(user_f(jnp.asarray(10.0**-k))) for k in range(4, 68, 4)])
        fpinf = _limit([float(user_f(jnp.asarray(10.0**k)) / 10.0**k) for k in range(4, 68, 4)])

    def terms(a, b, d):
        pos_a, pos_b = a > 0, b > 0
        xp = _ns(a, b)
        t = xp.where(pos_a & pos_b, a, 1.0) / xp.where(pos_a & pos_b, b, 1.0)
        inner = b * (f(t) - fp1 * (t - 1.0))
        at_zero = b * (f0 + fp1) if math.isfinite(f0) else xp.where(pos_b, xp.inf, 0.0)
        at_inf = a * (fpinf - fp1) if math.isfinite(fpinf) else xp.where(pos_a, xp.inf, 0.0)
        return xp.where(pos_a & pos_b, inner, xp.where(pos_b, at_zero, xp.where(pos_a, at_inf, 0.0)))

    return Generator(
        name=label,
        f=f,
        f_prime=_jax_function(jnp.vectorize(jax.grad(user_f))),
        conjugate=None,
        conjugate_domain=None,
        activation=None,
        f_at_zero=f0,
        f_prime_at_one=fp1,
        f_prime_at_inf=fpinf,
        parts=(terms,),
        formula=label,
        description="User-defined generator (limits found numerically).",
    )


#: Other names people type for the table's generators (matched after :func:`canonical_name`).
ALIASES: dict[str, str] = {
    "kullback_leibler": "kl",
    "kl_divergence": "kl",
    "kld": "kl",
    "relative_entropy": "kl",
    "forward_kl": "kl",
    "rkl": "reverse_kl",
    "reverse_kullback_leibler": "reverse_kl",
    "backward_kl": "reverse_kl",
    "symmetric_kl": "jeffreys",
    "j_divergence": "jeffreys",
    "jensen_shannon": "js",
    "jensen_shannon_divergence": "js",
    "jsd": "js",
    "total_variation": "tv",
    "total_variation_distance": "tv",
    "variational_distance": "tv",
    "chi2": "pearson",
    "chi_squared": "pearson",
    "chi_square": "pearson",
    "chisq": "pearson",
    "pearson_chi2": "pearson",
    "pearson_chi_squared": "pearson",
    "neyman_chi2": "neyman",
    "neyman_chi_squared": "neyman",
    "reverse_chi2": "neyman",
    "hellinger": "squared_hellinger",
    "hellinger_squared": "squared_hellinger",
    "squared_hellinger_distance": "squared_hellinger",
    "triangular_discrimination": "triangular",
    "vincze_le_cam": "triangular",
}


def canonical_name(name: str) -> str:
    """A generator name as the table spells it: case-insensitive, with ``-`` and spaces
    read as ``_`` and aliases resolved (``"KL"``, ``"Jensen-Shannon"``, ``"hellinger"``,
    ``"chi2"``). ``ValueError`` for an unknown name, with the closest names."""
    key = "_".join(name.strip().lower().replace("-", " ").replace("_", " ").split())
    key = ALIASES.get(key, key)
    if key in GENERATORS:
        return key
    known = sorted(set(GENERATORS) | set(ALIASES))
    close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
    hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    raise ValueError(
        f"f: unknown divergence {name!r}{hint}. The table has {', '.join(sorted(GENERATORS))} "
        "(names are case-insensitive; aliases such as 'hellinger', 'chi2', 'jensen-shannon' "
        "are accepted; divtools.generators.alpha(a) and skew_js(w) make the families)"
    )


def get(f: str | Generator | Callable) -> Generator:
    """Resolve a table name (case-insensitive, aliases accepted: :func:`canonical_name`), a
    :class:`Generator`, or a callable into a :class:`Generator`."""
    if isinstance(f, Generator):
        return f
    if isinstance(f, str):
        found = GENERATORS.get(f)
        return found if found is not None else GENERATORS[canonical_name(f)]
    if callable(f):
        return custom(f)
    raise TypeError(f"f: expected a name, a Generator or a callable; got {type(f).__name__}")
