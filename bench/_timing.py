"""Timing shared by the benchmarks: interleaved repeats, medians (a noisy 2-core machine)."""

from __future__ import annotations

import time

import numpy as np


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
