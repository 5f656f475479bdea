"""Timing shared by the benchmarks: interleaved repeats, medians (a noisy 2-core machine),
and one call's wall time split from JAX's compilation time (JAX's monitoring events)."""

from __future__ import annotations

import time

import jax
import numpy as np

_COMPILE_EVENTS = {
    "/jax/core/compile/jaxpr_trace_duration": "trace",
    "/jax/core/compile/jaxpr_to_mlir_module_duration": "lower",
    "/jax/core/compile/backend_compile_duration": "compile",
}
_events: list[tuple[str, float]] = []


def _listener(event, duration, **kwargs):
    if event in _COMPILE_EVENTS:
        _events.append((_COMPILE_EVENTS[event], duration))


jax.monitoring.register_event_duration_secs_listener(_listener)


def timed(fn):
    """``(result, wall seconds, {trace, lower, compile, total: seconds, n_compiles})`` of
    one call of ``fn`` (its result blocked until ready)."""
    _events.clear()
    t0 = time.perf_counter()
    out = jax.block_until_ready(fn())
    wall = time.perf_counter() - t0
    acc = {"trace": 0.0, "lower": 0.0, "compile": 0.0}
    for kind, d in _events:
        acc[kind] += d
    acc["n_compiles"] = sum(1 for kind, _ in _events if kind == "compile")
    acc["total"] = acc["trace"] + acc["lower"] + acc["compile"]
    return out, wall, acc


def interleaved(fns: dict, repeat: int) -> dict:
    """Median seconds per call of each function, after one warm-up call each; the
    functions take turns within every repeat so that load drifts hit all alike."""
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in times.items()}
