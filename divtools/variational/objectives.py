r"""Variational objectives: lower bounds on divergences as functions of a critic's
raw outputs ``v_p = V(x_p)`` on samples of ``P`` and ``v_q = V(x_q)`` on samples
of ``Q``.

Each :class:`Objective` has ``bound(v_p, v_q, state)`` (the training objective,
maximised; ``state`` carries e.g. MINE's moving average) and
``evaluate(v_p, v_q)`` (the estimate on held-out samples and its standard
error, from the per-sample terms: ``sqrt(var_p/n + var_q/m)``, by the delta
method for the log-mean-exp of Donsker-Varadhan).

=============  ==============================================================  ==========================
objective      bound                                                           bias / variance
=============  ==============================================================  ==========================
``fgan``       ``E_P g_f(V) - E_Q f*(g_f(V))`` for any generator of the table   unbiased for fixed ``V``
``classifier`` ``log 2 + E_P log D/2 + E_Q log(1 - D)/2``, ``D = sigmoid(V)``   JS; the GAN discriminator
``bounded``    ``E_P T - E_Q T``, ``T = tanh(V)/2``                            TV (the 0-1 game)
``dv``         ``E_P V - log E_Q e^V`` (Donsker-Varadhan)                      tight, biased (log of a mean), high variance at large KL
``mine``       DV trained with the gradient's denominator replaced by a        MINE's bias correction (Belghazi et al. 2018)
               moving average of ``E_Q e^V`` (rate ``ema``)
``nwj``        ``E_P V - E_Q e^(V - 1)`` (= ``fgan`` for ``kl``)               unbiased, variance ``~ e^KL``
``smile``      critic trained by the JS/GAN bound, estimate DV with ``V``       low variance, biased when ``KL > tau`` (Song & Ermon 2020)
               clipped to ``[-tau, tau]`` in ``E_Q``
``js``         critic trained by the JS/GAN bound, estimate NWJ at ``V + 1``:   unbiased for the critic, variance ``~ e^KL`` (Poole et al. 2019)
               ``1 + E_P V - E_Q e^V``
``infonce``    ``E log(e^S_ii / mean_j e^S_ij)`` over ``K`` pairs (MI only)    low variance, at most ``log K`` (van den Oord et al. 2018)
``wasserstein``  ``E_P V - E_Q V`` with ``V`` 1-Lipschitz (clip, gp, lp or sn)   clipping underestimates; gp can overshoot (soft penalty)
=============  ==============================================================  ==========================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp

from divtools.discrete import generators
from divtools.variational import checks

__all__ = ["Objective", "objective"]

_LOG2 = math.log(2.0)


class Objective(NamedTuple):
    """A variational lower bound (see the module docstring)."""

    name: str
    bound: Callable  # (v_p, v_q, state) -> (scalar to maximise, new state)
    evaluate: Callable  # (v_p, v_q) -> (value, stderr)
    critic_output: Callable  # v -> T, the critic in the dual's units
    init_state: Callable = lambda dtype: ()
    lipschitz: str | None = None


def _mean_se(a, b):
    """``mean a - mean b`` and its standard error."""
    n, m = a.shape[0], b.shape[0]
    value = jnp.mean(a) - jnp.mean(b)
    se = jnp.sqrt(jnp.var(a, ddof=1) / n + jnp.var(b, ddof=1) / m)
    return value, se


def _logmeanexp(v):
    return jax.nn.logsumexp(v) - jnp.log(v.shape[0])


def _dv_eval(v_p, v_q, clip=None):
    w = v_q if clip is None else jnp.clip(v_q, -clip, clip)
    lme = _logmeanexp(w)
    value = jnp.mean(v_p) - lme
    e = jnp.exp(w - lme)  # e^w / mean e^w: delta method for log mean
    se = jnp.sqrt(jnp.var(v_p, ddof=1) / v_p.shape[0] + jnp.var(e, ddof=1) / v_q.shape[0])
    return value, se


def _stateless(fn):
    return lambda v_p, v_q, state: (fn(v_p, v_q), state)


def fgan(f) -> Objective:
    """The f-GAN bound of a table generator (Nowozin, Cseke & Tomioka 2016, eq. 6)."""
    g = generators.get(f)
    if g.activation is None or g.conjugate is None:
        raise ValueError(f"divergence: {g.name} has no f-GAN activation or conjugate in the table")

    def terms(v_p, v_q):
        return g.activation(v_p), g.fgan_conjugate(v_q)

    return Objective(
        name=f"fgan:{g.name}",
        bound=_stateless(lambda v_p, v_q: jnp.mean(terms(v_p, v_q)[0]) - jnp.mean(terms(v_p, v_q)[1])),
        evaluate=lambda v_p, v_q: _mean_se(*terms(v_p, v_q)),
        critic_output=g.activation,
    )


def classifier() -> Objective:
    """JS through a classifier ``D = sigmoid(V)``: ``log 2`` minus the cross-entropy game's loss."""

    def terms(v_p, v_q):
        return 0.5 * jax.nn.log_sigmoid(v_p) + 0.5 * _LOG2, -0.5 * jax.nn.log_sigmoid(-v_q) - 0.5 * _LOG2

    return Objective(
        name="classifier",
        bound=_stateless(lambda v_p, v_q: jnp.mean(terms(v_p, v_q)[0]) - jnp.mean(terms(v_p, v_q)[1])),
        evaluate=lambda v_p, v_q: _mean_se(*terms(v_p, v_q)),
        critic_output=jax.nn.sigmoid,
    )


def bounded() -> Objective:
    """TV as ``sup_{|T| <= 1/2} E_P T - E_Q T`` with ``T = tanh(V)/2``."""
    t = lambda v: 0.5 * jnp.tanh(v)
    return Objective(
        name="bounded",
        bound=_stateless(lambda v_p, v_q: jnp.mean(t(v_p)) - jnp.mean(t(v_q))),
        evaluate=lambda v_p, v_q: _mean_se(t(v_p), t(v_q)),
        critic_output=t,
    )


def dv() -> Objective:
    """Donsker-Varadhan: ``KL = sup_V E_P V - log E_Q e^V``."""
    return Objective(
        "dv",
        _stateless(lambda v_p, v_q: jnp.mean(v_p) - _logmeanexp(v_q)),
        _dv_eval,
        critic_output=lambda v: v,
    )


def mine(ema: float = 0.01) -> Objective:
    """DV with MINE's moving-average gradient correction (``ema``: the average's rate)."""

    def bound(v_p, v_q, state):
        mean_exp = jnp.mean(jnp.exp(v_q))
        avg = jnp.where(
            state == 0,
            jax.lax.stop_gradient(mean_exp),
            (1 - ema) * state + ema * jax.lax.stop_gradient(mean_exp),
        )
        # gradient of log E e^V replaced by grad(E e^V) / avg; the value is DV's
        surrogate = jnp.mean(v_p) - mean_exp / avg
        value = jnp.mean(v_p) - jnp.log(mean_exp)
        return surrogate - jax.lax.stop_gradient(surrogate) + jax.lax.stop_gradient(value), avg

    return Objective(
        "mine", bound, _dv_eval, critic_output=lambda v: v, init_state=lambda dtype: jnp.zeros((), dtype)
    )


def nwj() -> Objective:
    """Nguyen-Wainwright-Jordan: ``KL = sup_V E_P V - E_Q e^(V - 1)``."""
    return Objective(
        "nwj",
        _stateless(lambda v_p, v_q: jnp.mean(v_p) - jnp.mean(jnp.exp(v_q - 1.0))),
        lambda v_p, v_q: _mean_se(v_p, jnp.exp(v_q - 1.0)),
        critic_output=lambda v: v,
    )


def smile(tau: float = 5.0) -> Objective:
    """SMILE (Song & Ermon 2020): the critic is trained by the GAN/JS bound
    ``-E_P softplus(-V) - E_Q softplus(V)`` (whose optimum is ``V = log(p/q)``, a
    low-variance objective), and the estimate is Donsker-Varadhan at that critic
    with ``V`` clipped to ``[-tau, tau]`` inside ``log E_Q e^V``."""

    def bound(v_p, v_q, state):
        js = -jnp.mean(jax.nn.softplus(-v_p)) - jnp.mean(jax.nn.softplus(v_q))
        value = jnp.mean(v_p) - _logmeanexp(jnp.clip(v_q, -tau, tau))
        return js - jax.lax.stop_gradient(js) + jax.lax.stop_gradient(value), state

    return Objective(
        f"smile(tau={tau:g})", bound, lambda v_p, v_q: _dv_eval(v_p, v_q, clip=tau), critic_output=lambda v: v
    )


def js_nwj() -> Objective:
    """The JS-trained estimator of Poole et al. (2019, section 2.3): the critic is trained by
    the JS/GAN bound ``-E_P softplus(-V) - E_Q softplus(V)`` (optimum ``V = log(p/q)``) and
    the estimate is NWJ at ``V + 1``, ``1 + E_P V - E_Q e^V`` (unbiased for a fixed critic).
    NWJ at ``V`` itself, ``E_P V - E_Q e^(V - 1)``, would sit ``1/e`` low at the optimum."""

    def terms(v_p, v_q):
        return v_p + 1.0, jnp.exp(v_q)

    def bound(v_p, v_q, state):
        js = -jnp.mean(jax.nn.softplus(-v_p)) - jnp.mean(jax.nn.softplus(v_q))
        a, b = terms(v_p, v_q)
        value = jnp.mean(a) - jnp.mean(b)
        return js - jax.lax.stop_gradient(js) + jax.lax.stop_gradient(value), state

    return Objective("js", bound, lambda v_p, v_q: _mean_se(*terms(v_p, v_q)), critic_output=lambda v: v)


def infonce() -> Objective:
    """InfoNCE (van den Oord, Li & Vinyals 2018; Poole et al. 2019, eq. 12) for mutual
    information: with ``K - 1`` negatives ``S_ij`` for each positive pair ``S_ii``,
    ``E log(e^S_ii / ((1/K) sum_j e^S_ij))``, summed over the positive and its negatives.
    Low variance; it can never exceed ``log K`` (the ceiling): with
    :func:`divtools.variational.mutual_information` the held-out estimate uses all ``m``
    held-out pairs (``K = m``), the training bound ``K = negatives + 1``. ``v_q`` holds the
    negatives as a ``(K - 1, n)`` matrix, column ``i`` those of row ``i``."""

    def row_terms(v_p, v_q):
        both = jnp.concatenate([v_p[None, :], v_q], axis=0)
        return v_p - jax.nn.logsumexp(both, axis=0) + jnp.log(both.shape[0])

    def evaluate(v_p, v_q):
        t = row_terms(v_p, v_q)
        return jnp.mean(t), jnp.std(t, ddof=1) / jnp.sqrt(t.shape[0])

    return Objective(
        "infonce",
        _stateless(lambda v_p, v_q: jnp.mean(row_terms(v_p, v_q))),
        evaluate,
        critic_output=lambda v: v,
    )


def wasserstein(lipschitz: str = "gp") -> Objective:
    """Kantorovich-Rubinstein: ``W_1 = sup_{Lip(V) <= 1} E_P V - E_Q V``; ``lipschitz``:
    ``"clip"`` (WGAN), ``"gp"`` (WGAN-GP), ``"lp"`` (WGAN-LP's one-sided penalty) or
    ``"sn"`` (spectral normalisation)."""
    checks.choice("lipschitz", lipschitz, LIPSCHITZ)
    return Objective(
        f"wasserstein:{lipschitz}",
        _stateless(lambda v_p, v_q: jnp.mean(v_p) - jnp.mean(v_q)),
        _mean_se,
        critic_output=lambda v: v,
        lipschitz=lipschitz,
    )


_DEFAULTS = {"kl": "smile", "js": "classifier", "tv": "bounded", "wasserstein": "lp"}

#: The Lipschitz constraints of the ``wasserstein`` objective.
LIPSCHITZ = ("clip", "gp", "lp", "sn")

#: The objectives that estimate only one divergence.
_ONLY = {
    "dv": "kl",
    "mine": "kl",
    "nwj": "kl",
    "smile": "kl",
    "js": "kl",
    "classifier": "js",
    "bounded": "tv",
}

#: Mutual-information bounds that need the pairs' structure (only in
#: :func:`divtools.variational.mutual_information`).
MI_ONLY = ("infonce",)

#: Every objective name (``fgan`` for any table generator; the Lipschitz constraints for W_1).
NAMES = ("fgan", "classifier", "bounded", "dv", "mine", "nwj", "smile", "js", *MI_ONLY, *LIPSCHITZ)

#: The options each objective takes, with their checks.
OPTIONS = {
    "smile": {"tau": lambda name, v: checks.positive(name, v)},
    "mine": {"ema": lambda name, v: checks.fraction(name, v, closed_high=True)},
}


def divergences() -> tuple[str, ...]:
    """Every divergence :func:`objective` accepts: ``"wasserstein"`` and the table
    generators with an f-GAN activation and conjugate (``kl``, ``js``, ``tv``...)."""
    names = [
        n for n, g in generators.GENERATORS.items() if g.activation is not None and g.conjugate is not None
    ]
    return ("wasserstein", *names)


def objectives_of(divergence: str) -> tuple[str, ...]:
    """The objective names that estimate ``divergence``."""
    if divergence == "wasserstein":
        return LIPSCHITZ
    return ("fgan", *(name for name, d in _ONLY.items() if d == divergence))


def check_options(name: str, options: dict) -> dict:
    """``options`` of the objective ``name``, checked (unknown names are a ``TypeError``
    naming them; values as :data:`OPTIONS` says)."""
    allowed = OPTIONS.get(name, {})
    out = {}
    for option, value in options.items():
        if option not in allowed:
            takes = f"its options are {', '.join(allowed)}" if allowed else "it takes no options"
            raise TypeError(f"{option}: not an option of the {name} objective ({takes})")
        out[option] = allowed[option](option, value)
    return out


def objective(divergence: str, name: str | None = None, **options: Any) -> Objective:
    """The objective for ``divergence`` (``"kl"``, ``"js"``, ``"tv"``, ``"wasserstein"`` or a
    table generator); ``name`` picks among ``fgan``, ``classifier``, ``bounded``, ``dv``,
    ``mine``, ``nwj``, ``smile`` and, for ``wasserstein``, ``clip``/``gp``/``lp``/``sn``.
    Defaults: KL ``smile``, JS ``classifier``, TV ``bounded``, W_1 ``gp``, other
    generators ``fgan``. ``options``: ``tau`` (a positive number) for ``smile``, ``ema``
    (in ``(0, 1]``) for ``mine``.

    Every argument is checked: a ``ValueError`` or ``TypeError`` names it.

    Example:
      >>> import jax.numpy as jnp
      >>> import divtools.variational as dv
      >>> dv.objective("kl").name, dv.objective("wasserstein", "gp").lipschitz
      ('smile(tau=5)', 'gp')
      >>> value, _ = dv.objective("kl", "fgan").evaluate(jnp.zeros(4), jnp.zeros(4))
      >>> round(float(value), 6)   # E_P T - E_Q exp(T - 1) at T = 0: -1/e
      -0.367879

    References: Nowozin, Cseke & Tomioka (2016, f-GAN); Poole et al. (2019, variational bounds of mutual information).
    """
    return build(divergence, name, options, label="name")


def build(
    divergence: str,
    name: str | None,
    options: dict,
    *,
    label: str = "objective",
    mutual_information: bool = False,
) -> Objective:
    """:func:`objective`, its ``name`` called ``label`` in errors (``objective`` for the
    training functions, whose argument it is); ``mutual_information`` admits the bounds
    of :data:`MI_ONLY`."""
    divergence = checks.choice("divergence", divergence, divergences())
    valid = objectives_of(divergence)
    if name is not None and not isinstance(name, str):
        raise TypeError(f"{label}: expected one of {', '.join(valid)} or None; got {checks.describe(name)}")
    name = _DEFAULTS.get(divergence, "fgan") if name is None else name
    if name in MI_ONLY and mutual_information:
        check_options(name, options)
        return infonce()
    if name in MI_ONLY:
        raise ValueError(
            f"{label}: {name} is a mutual-information bound (it needs paired samples): use "
            f"divtools.variational.mutual_information; the objectives of {divergence} are {', '.join(valid)}"
        )
    if name not in valid:
        if divergence == "wasserstein":
            raise ValueError(
                f"{label}: for wasserstein, a lipschitz constraint, one of {', '.join(valid)}; got {name!r}"
            )
        if name in _ONLY:
            raise ValueError(
                f"{label}: {name} estimates {_ONLY[name].upper()}, not {divergence}; "
                f"the objectives of {divergence} are {', '.join(valid)}"
            )
        raise ValueError(f"{label}: expected one of {', '.join(valid)} for {divergence}; got {name!r}")
    options = check_options(name, options)
    if divergence == "wasserstein":
        return wasserstein(name)
    if name == "fgan":
        return fgan(divergence)
    return {
        "dv": dv,
        "mine": mine,
        "nwj": nwj,
        "smile": smile,
        "js": js_nwj,
        "classifier": classifier,
        "bounded": bounded,
    }[name](**options)
