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
import sys
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
    """Base class of divtools' parametric distributions.

    Parameters are checked where they are given: a string, a complex number, or
    a list or array that is not an array of real numbers (ragged, strings,
    complex) is a ``TypeError`` naming the parameter (``Normal.scale: ...``).
    Values (finite, positive scales, ``low < high``, ...) are checked by the
    divergence functions, which name the argument as well (``p: the scale of
    Normal must be positive``): a distribution is a JAX pytree, and JAX builds
    pytrees with placeholders (``None``, axis numbers, gradients) as leaves.
    """

    #: parameter names, in order
    params: tuple[str, ...] = ()
    discrete: bool = False

    def __post_init__(self) -> None:
        for k in self.params:
            _check_type(f"{type(self).__name__}.{k}", getattr(self, k))

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


def _describe(value) -> str:
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_REAL = "a real number or an array of real numbers"


def _check_type(label: str, v) -> None:
    """``TypeError`` for parameter values that can never be real numbers (strings,
    booleans, complex numbers, arrays of those, ragged lists). Placeholders that
    JAX puts in pytrees (``None``, sentinels, shape structs, ``float0`` tangents)
    pass: the divergence functions check those (:func:`check_parameters`)."""
    if isinstance(v, (str, bytes, complex, np.complexfloating, bool, np.bool_)):
        raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)}")
    if isinstance(v, (list, tuple)):
        try:
            a = np.asarray(v)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)} ({exc})") from None
        bad = a.dtype.kind not in "iuf"
    elif isinstance(v, np.ndarray):
        bad = v.dtype.kind in "bcOUSMm"
    elif is_jax(v):
        bad = np.dtype(v.dtype).kind == "c"
    else:
        return
    if bad:
        dtype = np.asarray(v).dtype if not is_jax(v) else v.dtype
        raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)} (dtype {dtype})")


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
        """``Exp(rate)``: ``scale = 1/rate``; a concrete ``rate`` must be positive and finite."""
        if is_jax(rate):
            return cls(1.0 / rate, loc)
        a = _real_array("Exponential.from_rate: rate", rate)
        if not np.all(np.isfinite(a) & (a > 0)):
            raise ValueError(
                f"Exponential.from_rate: rate must be positive and finite, got {_describe(rate)}"
            )
        return cls(1.0 / a, loc)

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
        width = hi - lo
        log_width = math.log(width) if math.isfinite(width) else math.log(0.5 * hi - 0.5 * lo) + math.log(2.0)
        return np.where((x >= lo) & (x <= hi), -log_width, -np.inf)


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


def _scipy_multivariate(x: Any) -> bool:
    """Whether ``x`` is a frozen multivariate ``scipy.stats`` distribution."""
    module = type(x).__module__ or ""
    return module.startswith("scipy.stats") and "multivariate" in module


def is_distribution(x: Any) -> bool:
    """Whether ``x`` is a distribution object rather than an array: a divtools
    :class:`Distribution`, anything with a ``pdf``/``logpdf``/``pmf`` or a
    ``ppf``, and a ``cdf`` (frozen ``scipy.stats`` distributions), or a frozen
    multivariate ``scipy.stats`` distribution (which the 1-D routes reject by name).

    Example:
      >>> import scipy.stats
      >>> from divtools.distributions import Normal, is_distribution
      >>> is_distribution(Normal(0.0, 1.0)), is_distribution(scipy.stats.norm(0.0, 1.0))
      (True, True)
      >>> import numpy as np
      >>> is_distribution([0.0, 1.0]), is_distribution(np.zeros(3))   # samples
      (False, False)
    """
    if isinstance(x, Distribution) or _scipy_multivariate(x):
        return True
    if isinstance(x, (np.ndarray, np.generic, list, tuple, float, int)) or is_jax(x):
        return False
    return (hasattr(x, "pdf") or hasattr(x, "logpdf") or hasattr(x, "pmf") or hasattr(x, "ppf")) and hasattr(
        x, "cdf"
    )


def _scipy_parameters(frozen):
    """``(name, shapes, loc, scale)`` of a frozen scipy distribution (NumPy float64
    arrays, 0-d for scalar parameters), or None."""
    dist = getattr(frozen, "dist", None)
    name = getattr(dist, "name", None)
    if name is None or not hasattr(dist, "_parse_args"):
        return None
    try:
        parsed = dist._parse_args(*frozen.args, **frozen.kwds)
        if hasattr(frozen, "pmf"):  # discrete: (shapes, loc[, scale = 1])
            shapes, loc, scale = parsed[0], parsed[1], 1.0
        else:  # continuous: (shapes, loc, scale)
            shapes, loc, scale = parsed
        loc, scale = _real_array("loc", loc), _real_array("scale", scale)
        shapes = tuple(_real_array("shape", s) for s in shapes)
    except Exception:  # unknown keywords, non-numeric parameters: check_scipy names them
        return None
    return name, shapes, loc, scale


#: What the distribution routes support, for error messages.
SUPPORTED = (
    "divtools' distribution routes take two 1-D distributions: closed forms for pairs of "
    "one family among Normal, Exponential, Laplace, Uniform, Bernoulli and Categorical "
    "(divtools.distributions, or the frozen scipy.stats norm, expon, laplace, uniform, "
    "bernoulli); any other pair of continuous 1-D distributions (logpdf or pdf, and cdf) by "
    "quadrature; pairs of discrete ones (pmf) by enumerating the support"
)


def check_scipy(name: str, x: Any) -> None:
    """``TypeError``/``ValueError`` naming ``name`` for a ``scipy.stats`` object that the
    1-D routes cannot use: a multivariate distribution, or a frozen distribution
    with non-numeric, NaN or infinite ``loc``/``scale``, a non-positive ``scale``,
    or shape parameters that scipy's own argument check rejects (``beta(0, 1)``).
    Anything else passes (divtools' own distributions are checked by
    :func:`check_parameters`)."""
    if isinstance(x, Distribution):
        return
    if _scipy_multivariate(x):
        kind = type(x).__name__.removesuffix("_frozen")
        if "divtools.distributions.gaussian" in sys.modules:
            other = (
                "two multivariate normals have their own closed forms (give both as "
                "divtools.distributions.MultivariateNormal or scipy.stats.multivariate_normal); "
                "other multivariate distributions are not supported"
            )
        else:
            other = "multivariate normals are not supported yet"
        raise TypeError(
            f"{name}: scipy.stats.{kind} is a multivariate distribution, which the 1-D routes do not "
            f"take ({other}). {SUPPORTED}"
        )
    dist = getattr(x, "dist", None)
    family = getattr(dist, "name", None)
    if family is None or not hasattr(dist, "_parse_args"):
        return
    label = f"scipy.stats.{family}"
    try:
        parsed = dist._parse_args(*x.args, **x.kwds)
    except Exception as exc:  # unknown keyword arguments, ...
        raise TypeError(f"{name}: cannot read the parameters of {label}: {exc}") from None
    if hasattr(x, "pmf"):
        shapes, loc, scale = parsed[0], parsed[1], 1.0
    else:
        shapes, loc, scale = parsed
    names = [s.strip() for s in (dist.shapes or "").split(",") if s.strip()]
    names += [f"shape{i}" for i in range(len(names), len(shapes))]
    values = {}
    for pname, v in (*zip(names, shapes), ("loc", loc), ("scale", scale)):
        a = _real_array(f"{name}: {label} {pname}", v)
        if np.isnan(a).any():
            raise ValueError(f"{name}: {label} {pname} is NaN ({_describe(v)})")
        values[pname] = a
    for pname in ("loc", "scale"):
        if not np.all(np.isfinite(values[pname])):
            raise ValueError(f"{name}: {label} {pname} must be finite, got {_describe(values[pname])}")
    if np.any(values["scale"] <= 0):
        raise ValueError(f"{name}: {label} scale must be positive, got {_describe(values['scale'])}")
    try:
        ok = np.all(dist._argcheck(*(values[k] for k in names)))
    except Exception:
        ok = True  # scipy's own evaluation will tell
    if not ok:
        given = ", ".join(f"{k}={_describe(values[k])}" for k in names)
        raise ValueError(
            f"{name}: invalid shape parameters for {label}: {given} (scipy's argument check fails)"
        )


def recognise(x: Any) -> Distribution | None:
    """A divtools :class:`Distribution` equal to ``x``, or ``None``.

    Frozen scipy ``norm``, ``expon``, ``laplace``, ``uniform`` and ``bernoulli``
    (with ``loc = 0``) map to :class:`Normal`, :class:`Exponential`,
    :class:`Laplace`, :class:`Uniform` and :class:`Bernoulli` with the same
    parameters (the uniform's ``high`` is ``loc + scale``, rounded once; array
    parameters give a batch). Invalid parameters give ``None`` (see
    :func:`check_scipy` for the error).

    Example:
      >>> import scipy.stats
      >>> from divtools.distributions import recognise
      >>> recognise(scipy.stats.norm(1.0, 2.0))
      Normal(loc=1.0, scale=2.0)
      >>> recognise(scipy.stats.uniform(1.0, 2.0))   # scipy's (loc, scale): U(1, 1 + 2)
      Uniform(low=1.0, high=3.0)
      >>> recognise(scipy.stats.gamma(2.0)) is None   # no divtools family
      True
    """
    if isinstance(x, Distribution):
        return x
    info = _scipy_parameters(x)
    if info is None:
        return None
    name, shapes, loc, scale = info
    if not (np.all(np.isfinite(loc)) and np.all(np.isfinite(scale)) and np.all(scale > 0)):
        return None
    loc, scale = _plain(loc), _plain(scale)
    if name == "norm":
        return Normal(loc, scale)
    if name == "expon":
        return Exponential(scale, loc)
    if name == "laplace":
        return Laplace(loc, scale)
    if name == "uniform":
        with np.errstate(over="ignore"):
            high = loc + scale
        return Uniform(loc, high) if np.all(np.isfinite(high)) else None
    if name == "bernoulli" and np.all(loc == 0.0) and np.all((shapes[0] >= 0.0) & (shapes[0] <= 1.0)):
        return Bernoulli(_plain(shapes[0]))
    return None


def _plain(a: np.ndarray):
    """A 0-d array as a Python float (as a user would write it), else the array."""
    return float(a) if a.ndim == 0 else a


def _real_array(label: str, v) -> np.ndarray:
    """``v`` as a float64 NumPy array; ``TypeError`` naming ``label`` unless it holds real numbers."""
    if v is None or isinstance(v, (str, bytes, bool, np.bool_)):
        raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)}")
    try:
        a = np.asarray(v)
    except Exception as exc:
        raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)} ({exc})") from None
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)} (dtype {a.dtype})")
    return a.astype(np.float64)


def check_parameters(name: str, d: Distribution) -> None:
    """``TypeError``/``ValueError`` naming ``name`` and the parameter for invalid
    concrete parameters: not real numbers (``None``, strings, complex), empty,
    NaN or infinite, non-positive scales, ``low >= high``, probabilities outside
    ``[0, 1]``, shapes that do not broadcast. Traced parameters are not checked."""
    fam = type(d).__name__
    vals = {}
    for k in d.params:
        v = getattr(d, k)
        if is_traced(v):
            continue
        label = f"{name}: parameter {k} of {fam} ({fam}.{k})"
        if not (isinstance(v, (int, float, np.integer, np.floating, np.ndarray, list, tuple)) or is_jax(v)):
            raise TypeError(f"{label}: expected {_REAL}, got {_describe(v)}")
        a = _real_array(label, v)
        if a.size == 0:
            raise ValueError(f"{name}: parameter {k} of {fam} ({fam}.{k}) is empty")
        if not np.all(np.isfinite(a)):
            bad = a[~np.isfinite(a)].flat[0]
            raise ValueError(f"{name}: parameter {k} of {fam} ({fam}.{k}) must be finite, got {bad}")
        vals[k] = a
    if len(vals) == len(d.params) and not isinstance(d, Categorical):
        try:
            np.broadcast_shapes(*(a.shape for a in vals.values()))
        except ValueError:
            shapes = ", ".join(f"{k} {a.shape}" for k, a in vals.items())
            raise ValueError(f"{name}: the parameters of {fam} do not broadcast: {shapes}") from None
    if isinstance(d, (Normal, Laplace, Exponential)) and "scale" in vals and np.any(vals["scale"] <= 0):
        bad = vals["scale"][vals["scale"] <= 0].flat[0]
        raise ValueError(f"{name}: the scale of {fam} must be positive ({fam}.scale), got {bad}")
    if isinstance(d, Uniform) and len(vals) == 2:
        low, high = vals["low"], vals["high"]
        if np.any(high <= low):
            raise ValueError(
                f"{name}: Uniform needs low < high (Uniform.low, Uniform.high), got low={_describe(low)}, "
                f"high={_describe(high)}"
            )
    if isinstance(d, Bernoulli) and "p" in vals and np.any((vals["p"] < 0) | (vals["p"] > 1)):
        raise ValueError(
            f"{name}: the Bernoulli parameter p must lie in [0, 1] (Bernoulli.p), got {_describe(vals['p'])}"
        )
    if isinstance(d, Categorical) and "probs" in vals:
        p = vals["probs"]
        if (
            p.ndim == 0
            or np.any(p < 0)
            or np.any(np.abs(p.sum(-1) - 1) > 64 * np.finfo(float).eps * np.sqrt(p.shape[-1]))
        ):
            raise ValueError(
                f"{name}: Categorical probs must be non-negative and sum to 1 along the last axis "
                "(Categorical.probs)"
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
