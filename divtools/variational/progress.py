"""Progress of the compiled training loops: a bar, a callback, the history as it grows.

The loops of :func:`divtools.variational.estimate`,
:func:`divtools.variational.mutual_information` and :func:`divtools.gan.train` run
as one jit-compiled ``lax.scan``. With reporting on, the scan runs in chunks of
about a hundredth of the steps; after each chunk the compiled program hands the
chunk's per-step values to the host (``jax.debug.callback``), where a
:class:`Reporter` updates a ``tqdm`` bar (terminal or notebook) and calls the
user's callables with a :class:`Report`. The program receives the reporter as a
number (a registry token), not as a static argument: new bars and callbacks reuse
the compiled program. Under ``vmap`` (a batch of keys) every run reports its own
chunk; a step is reported once all runs have reached it, with their mean.

Measured overhead (``bench/bench_defaults.py progress``): within the run-to-run noise
(-1.6% to +3.2% over 2,000 steps; see the README).
"""

from __future__ import annotations

import itertools
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from divtools.variational import checks

__all__ = ["Report", "Reporter", "chunked_scan", "emit", "reporting"]


class Report(NamedTuple):
    """What a progress callable or a callback receives after each chunk of steps.

    Attributes:
      step: steps done so far.
      steps: steps in all.
      history: the per-step values so far, ``(step, k)`` NumPy: the training bound
        (``k = 1``), or for a GAN the critic's bound and the generator's loss
        (``k = 2``); the mean over the runs of a batch of keys.
      names: the names of the ``k`` columns.
      elapsed: seconds since the loop started (compilation included).
      rate: steps per second over the last chunk.
    """

    step: int
    steps: int
    history: np.ndarray
    names: tuple
    elapsed: float
    rate: float


_REGISTRY: dict[int, Reporter] = {}
_TOKENS = itertools.count(1)
_LOCK = threading.Lock()


def _interactive() -> bool:
    """Whether a bar is wanted by default: a terminal or a notebook, and not a test run or CI."""
    if "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("CI"):
        return False
    if "ipykernel" in sys.modules:
        return True
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)())


def resolve(progress: Any, callback: Any) -> tuple[Any, Any]:
    """``progress`` (``None``: a bar when interactive; ``True``/``False``; or a callable)
    and ``callback`` (``None`` or a callable), checked."""
    if progress is None:
        progress = _interactive()
    elif not (isinstance(progress, bool) or callable(progress)):
        raise TypeError(
            f"progress: expected True, False, None or a callable, got {checks.describe(progress)}"
        )
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected a callable or None, got {checks.describe(callback)}")
    return progress, callback


def chunk_length(steps: int) -> int:
    """Steps per report: about a hundredth of the run (at least 1)."""
    return max(1, steps // 100)


class Reporter:
    """The host side of a run's reports (see the module docstring)."""

    def __init__(self, steps: int, runs: int, names: tuple, label: str, progress: Any, callback: Any) -> None:
        self.steps, self.runs, self.names = steps, runs, names
        self.progress, self.callback = progress, callback
        self.bar = None
        if progress is True:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=steps, desc=label, unit="step", leave=True, dynamic_ncols=True)
        self.pending: dict[int, list] = {}
        self.rows: list[np.ndarray] = []
        self.done = 0
        self.start = self.last = time.perf_counter()
        self.token = next(_TOKENS)
        with _LOCK:
            _REGISTRY[self.token] = self

    def receive(self, step: int, values: list) -> None:
        chunk = np.stack([np.asarray(v, dtype=np.float64).reshape(-1) for v in values], axis=-1)
        got = self.pending.setdefault(step, [])
        got.append(chunk)
        if len(got) < self.runs:
            return
        del self.pending[step]
        mean = np.mean(got, axis=0)
        self.rows.append(mean)
        now = time.perf_counter()
        advanced = step - self.done
        rate = advanced / max(now - self.last, 1e-9)
        self.done, self.last = step, now
        history = np.concatenate(self.rows, axis=0)
        report = Report(step, self.steps, history, self.names, now - self.start, rate)
        if self.bar is not None:
            self.bar.update(advanced)
            self.bar.set_postfix({n: f"{v:.4g}" for n, v in zip(self.names, mean.mean(0))}, refresh=False)
        elif callable(self.progress):
            self.progress(report)
        if self.callback is not None:
            self.callback(report)

    def close(self) -> None:
        with _LOCK:
            _REGISTRY.pop(self.token, None)
        if self.bar is not None:
            self.bar.close()


def _dispatch(token, step, *values) -> None:
    reporter = _REGISTRY.get(int(token))
    if reporter is not None:
        reporter.receive(int(step), list(values))


def emit(token: Any, step: Any, *values: Any) -> None:
    """From inside a compiled loop: hand ``step`` (steps done) and the chunk's per-step
    ``values`` to the reporter registered under ``token``."""
    jax.debug.callback(_dispatch, token, step, *values)


class reporting:
    """``with reporting(steps, runs, names, label, progress, callback) as token:`` a
    registered :class:`Reporter` (or ``None`` when nothing reports) for one run; the
    token goes into the compiled loop as an ``int32`` argument."""

    def __init__(self, steps: int, runs: int, names: tuple, label: str, progress: Any, callback: Any) -> None:
        self.reporter = None
        if progress or callback is not None:
            self.reporter = Reporter(steps, runs, names, label, progress, callback)

    @property
    def on(self) -> bool:
        return self.reporter is not None

    def token(self) -> Any:
        return jnp.asarray(self.reporter.token if self.reporter else 0, jnp.int32)

    def __enter__(self) -> reporting:
        return self

    def __exit__(self, *exc) -> None:
        if self.reporter is not None:
            jax.effects_barrier()  # every callback delivered before the bar closes
            self.reporter.close()


def chunked_scan(step: Callable, carry: Any, xs: Any, *, report: bool, token: Any, chunk: int) -> tuple:
    """``jax.lax.scan(step, carry, xs)``, reporting after every ``chunk`` steps when
    ``report`` (the per-step outputs, a tuple of arrays, go to the host)."""
    if not report:
        return jax.lax.scan(step, carry, xs)
    n = jax.tree_util.tree_leaves(xs)[0].shape[0]
    full, rest = divmod(n, chunk)

    def block(carry_done, xs_block):
        carry, done = carry_done
        carry, ys = jax.lax.scan(step, carry, xs_block)
        done = done + xs_block_len(xs_block)
        emit(token, done, *_as_tuple(ys))
        return (carry, done), ys

    def xs_block_len(xs_block):
        return jax.tree_util.tree_leaves(xs_block)[0].shape[0]

    head = jax.tree_util.tree_map(lambda a: a[: full * chunk].reshape(full, chunk, *a.shape[1:]), xs)
    (carry, done), ys = jax.lax.scan(block, (carry, jnp.int32(0)), head)
    ys = jax.tree_util.tree_map(lambda a: a.reshape(full * chunk, *a.shape[2:]), ys)
    if rest:
        tail = jax.tree_util.tree_map(lambda a: a[full * chunk :], xs)
        (carry, done), ys_tail = block((carry, done), tail)
        ys = jax.tree_util.tree_map(lambda a, b: jnp.concatenate([a, b]), ys, ys_tail)
    return carry, ys


def _as_tuple(ys: Any) -> tuple:
    return tuple(ys) if isinstance(ys, tuple) else (ys,)
