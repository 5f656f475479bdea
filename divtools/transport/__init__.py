"""Optimal transport: exact ``W_p`` on the line by sorting (:mod:`.line`), and on
finite spaces by the network simplex with certified duals (:mod:`.finite`)."""

from divtools.transport.finite import (
    KRResult,
    LineMetric,
    OTResult,
    TreeMetric,
    kantorovich_rubinstein,
    optimal_transport,
    tree_wasserstein,
    wasserstein,
)
from divtools.transport.line import (
    LinePotential,
    kantorovich_potential_1d,
    sliced_wasserstein,
    wasserstein_1d,
)

__all__ = [
    "KRResult",
    "LineMetric",
    "LinePotential",
    "OTResult",
    "TreeMetric",
    "kantorovich_potential_1d",
    "kantorovich_rubinstein",
    "optimal_transport",
    "sliced_wasserstein",
    "tree_wasserstein",
    "wasserstein",
    "wasserstein_1d",
]
