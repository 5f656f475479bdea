r"""Small parametric distributions with closed-form divergences.

``Normal(loc, scale)``, ``Exponential(scale, loc=0)``, ``Laplace(loc, scale)``,
``Uniform(low, high)``, ``Bernoulli(p)`` and ``Categorical(probs)``: frozen
dataclasses registered as JAX pytrees, so that their parameters may be arrays
(divergences broadcast over them), JAX arrays and tracers (``jit``, ``vmap``,
``grad``: a Gaussian can be fitted by minimising a divergence). Parameters
follow scipy's conventions (``scale`` is the standard deviation of the normal,
``1/rate`` of the exponential); :meth:`Exponential.from_rate` takes a rate.

They are registered as JAX pytrees when JAX is imported (so that ``import
divtools`` does not import JAX). Every divergence function of
divtools accepts them, and frozen
``scipy.stats`` distributions of the same families are recognised
(:func:`recognise`), so that the closed forms of :mod:`divtools.distributions.closed_forms`
are used whichever way the distribution was written.

Example:
  >>> import divtools
  >>> from divtools.distributions import Normal
  >>> float(divtools.kl(Normal(0.0, 1.0), Normal(1.0, 2.0)))   # log 2 + 2/8 - 1/2
  0.4431471805599453
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from divtools._core.backend import is_jax, is_traced, jax, on_jax_import

_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

__all__ = [
    "Bernoulli",
    "Categorical",
    "Distribution",
    "Exponential",
    "Laplace",
    "Normal",
    "Uniform",
    "is_discrete",
    "is_distribution",
    "recognise",
    "support_range",
]


class Distribution:
    """Base class of divtools' parametric distributions."""

    #: parameter names, in order
    params: tuple[str, ...] = ()
    discrete: bool = False

    def values(self):
        return tuple(getattr(self, k) for k in self.params)

    def is_traced(self) -> bool:
        return any(is_traced(v) for v in self.values())

    def is_jax(self) -> bool:
        return any(is_jax(v) for v in self.values())

    def batch_shape(self) -> tuple[int, ...]:
        shapes = [np.shape(v) for v in self.values()]
        if self.discrete and isinstance(self, Categorical):
            shapes = [np.shape(self.probs)[:-1]]
        return tuple(np.broadcast_shapes(*shapes))

    def scipy(self):
        """The equivalent frozen ``scipy.stats`` distribution (scalar parameters)."""
        raise NotImplementedError

    def logpdf_numpy(self, x):
        """``log p(x)`` in NumPy float64 (scalar parameters), ``-inf`` off the support."""
        raise NotImplementedError

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={_short(getattr(self, k))}" for k in self.params)
        return f"{type(self).__name__}({inner})"


def _short(v) -> str:
    if isinstance(v, (float, int)):
        return repr(v)
    return f"<{type(v).__name__} {np.shape(v)}>"


def _pytree(cls):
    """A frozen dataclass, registered as a JAX pytree (the parameters are its leaves)
    when JAX is imported (:func:`divtools._core.backend.on_jax_import`)."""
    cls = dataclasses.dataclass(frozen=True, repr=False)(cls)
    on_jax_import(lambda: jax.tree_util.register_dataclass(cls, data_fields=list(cls.params), meta_fields=[]))
    return cls


def _scalar(v) -> float:
    return float(np.asarray(v))


@_pytree
class Normal(Distribution):
    """The normal distribution ``N(loc, scale^2)``."""

    loc: object = 0.0
    scale: object = 1.0
    params = ("loc", "scale")

    def scipy(self):
        from scipy import stats

        return stats.norm(_scalar(self.loc), _scalar(self.scale))

    def logpdf_numpy(self, x):
        z = (np.asarray(x, np.float64) - _scalar(self.loc)) / _scalar(self.scale)
        return -0.5 * z * z - (_HALF_LOG_2PI + math.log(_scalar(self.scale)))


@_pytree
class Exponential(Distribution):
    """The exponential distribution with density ``exp(-(x - loc)/scale)/scale`` on ``x >= loc``."""

    scale: object = 1.0
    loc: object = 0.0
    params = ("scale", "loc")

    @classmethod
    def from_rate(cls, rate, loc=0.0) -> Exponential:
        """``Exp(rate)``: ``scale = 1/rate``."""
        return cls(1.0 / rate if is_jax(rate) else 1.0 / np.asarray(rate, dtype=np.float64), loc)

    def scipy(self):
        from scipy import stats

        return stats.expon(_scalar(self.loc), _scalar(self.scale))

    def logpdf_numpy(self, x):
        z = (np.asarray(x, np.float64) - _scalar(self.loc)) / _scalar(self.scale)
        return np.where(z >= 0, -z, -np.inf) - math.log(_scalar(self.scale))


@_pytree
class Laplace(Distribution):
    """The Laplace distribution with density ``exp(-|x - loc|/scale) / (2 scale)``."""

    loc: object = 0.0
    scale: object = 1.0
    params = ("loc", "scale")

    def scipy(self):
        from scipy import stats

        return stats.laplace(_scalar(self.loc), _scalar(self.scale))

    def logpdf_numpy(self, x):
        z = (np.asarray(x, np.float64) - _scalar(self.loc)) / _scalar(self.scale)
        return -np.abs(z) - (math.log(2.0) + math.log(_scalar(self.scale)))


@_pytree
class Uniform(Distribution):
    """The uniform distribution on ``[low, high]``."""

    low: object = 0.0
    high: object = 1.0
    params = ("low", "high")

    def scipy(self):
        from scipy import stats

        lo, hi = _scalar(self.low), _scalar(self.high)
        return stats.uniform(lo, hi - lo)

    def logpdf_numpy(self, x):
        lo, hi = _scalar(self.low), _scalar(self.high)
        x = np.asarray(x, np.float64)
        return np.where((x >= lo) & (x <= hi), -math.log(hi - lo), -np.inf)


@_pytree
class Bernoulli(Distribution):
    """The Bernoulli distribution on ``{0, 1}`` with ``P(1) = p``."""

    p: object = 0.5
    params = ("p",)
    discrete = True

    def scipy(self):
        from scipy import stats

        return stats.bernoulli(_scalar(self.p))


@_pytree
class Categorical(Distribution):
    """A categorical distribution: ``probs`` along the last axis sum to 1."""

    probs: object = None
    params = ("probs",)
    discrete = True


_FAMILIES = (Normal, Exponential, Laplace, Uniform, Bernoulli, Categorical)


def is_distribution(x: Any) -> bool:
    """Whether ``x`` is a distribution object rather than an array: a divtools
    :class:`Distribution`, or anything with a ``pdf``/``logpdf``/``pmf`` or a
    ``ppf``, and a ``cdf`` (frozen ``scipy.stats`` distributions)."""
    if isinstance(x, Distribution):
        return True
    if isinstance(x, (np.ndarray, np.generic, list, tuple, float, int)) or is_jax(x):
        return False
    return (hasattr(x, "pdf") or hasattr(x, "logpdf") or hasattr(x, "pmf") or hasattr(x, "ppf")) and hasattr(
        x, "cdf"
    )


def _scipy_parameters(frozen):
    """``(name, shapes, loc, scale)`` of a frozen scipy distribution, or None."""
    dist = getattr(frozen, "dist", None)
    name = getattr(dist, "name", None)
    if name is None or not hasattr(dist, "_parse_args"):
        return None
    try:
        parsed = dist._parse_args(*frozen.args, **frozen.kwds)
    except Exception:
        return None
    if hasattr(frozen, "pmf"):  # discrete: (shapes, loc)
        shapes, loc = parsed[0], parsed[1]
        scale = 1.0
    else:  # continuous: (shapes, loc, scale)
        shapes, loc, scale = parsed
    try:
        loc, scale = float(loc), float(scale)
        shapes = tuple(float(s) for s in shapes)
    except (TypeError, ValueError):
        return None  # array parameters: left to the generic route
    return name, shapes, loc, scale


def recognise(x: Any) -> Distribution | None:
    """A divtools :class:`Distribution` equal to ``x``, or ``None``.

    Frozen scipy ``norm``, ``expon``, ``laplace``, ``uniform`` and ``bernoulli``
    (with ``loc = 0``) map to :class:`Normal`, :class:`Exponential`,
    :class:`Laplace`, :class:`Uniform` and :class:`Bernoulli` with the same
    parameters (the uniform's ``high`` is ``loc + scale``, rounded once).
    """
    if isinstance(x, Distribution):
        return x
    info = _scipy_parameters(x)
    if info is None:
        return None
    name, shapes, loc, scale = info
    if not (math.isfinite(loc) and math.isfinite(scale) and scale > 0):
        return None
    if name == "norm":
        return Normal(loc, scale)
    if name == "expon":
        return Exponential(scale, loc)
    if name == "laplace":
        return Laplace(loc, scale)
    if name == "uniform":
        return Uniform(loc, loc + scale)
    if name == "bernoulli" and loc == 0.0 and 0.0 <= shapes[0] <= 1.0:
        return Bernoulli(shapes[0])
    return None


def check_parameters(name: str, d: Distribution) -> None:
    """``ValueError`` for invalid concrete parameters (NaN, non-positive scales...)."""
    if d.is_traced():
        return
    vals = {k: np.asarray(getattr(d, k), dtype=np.float64) for k in d.params}
    for k, v in vals.items():
        if v.size == 0:
            raise ValueError(f"{name}: parameter {k} is empty")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"{name}: parameter {k} of {type(d).__name__} must be finite")
    if isinstance(d, (Normal, Laplace, Exponential)) and np.any(vals["scale"] <= 0):
        raise ValueError(f"{name}: the scale of {type(d).__name__} must be positive")
    if isinstance(d, Uniform) and np.any(vals["high"] <= vals["low"]):
        raise ValueError(f"{name}: Uniform needs low < high")
    if isinstance(d, Bernoulli) and np.any((vals["p"] < 0) | (vals["p"] > 1)):
        raise ValueError(f"{name}: the Bernoulli parameter must lie in [0, 1]")
    if isinstance(d, Categorical):
        p = vals["probs"]
        if (
            p.ndim == 0
            or np.any(p < 0)
            or np.any(np.abs(p.sum(-1) - 1) > 64 * np.finfo(float).eps * np.sqrt(p.shape[-1]))
        ):
            raise ValueError(
                f"{name}: Categorical probs must be non-negative and sum to 1 along the last axis"
            )


def is_discrete(d: Any) -> bool:
    """Whether a distribution object has a pmf (no density)."""
    if isinstance(d, Distribution):
        return d.discrete
    return hasattr(d, "pmf") and not hasattr(d, "pdf")


_TAIL = 1e-40


@np.errstate(all="ignore")
def _tail_end(d, lo_side: bool) -> float:
    """An integer beyond which ``d`` holds less than ``1e-40``: from ``ppf``/``isf``,
    or (where scipy's inverse returns NaN or inf that far out) by doubling from the
    median until ``cdf``/``sf`` drops below it."""
    x = float(d.ppf(_TAIL) if lo_side else d.isf(_TAIL))
    if math.isfinite(x):
        return x
    mid, step = float(d.median()), 1.0
    tail = d.cdf if lo_side else d.sf
    while step < 2.0**60:
        x = mid - step if lo_side else mid + step
        if float(tail(x)) < _TAIL:
            return x
        step *= 2.0
    raise ValueError("p, q: a tail of the distribution does not reach 1e-40 within 2^60")


def support_range(d: Any) -> tuple[int, int]:
    """The integers spanning a discrete distribution's support, infinite tails cut
    where they hold less than ``1e-40``."""
    lo, hi = (float(v) for v in d.support())
    if not math.isfinite(lo):
        lo = _tail_end(d, True)
    if not math.isfinite(hi):
        hi = _tail_end(d, False)
    return int(math.floor(lo)), int(math.ceil(hi))
