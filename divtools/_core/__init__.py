"""The private core: the array rule and its evaluators (:mod:`.backend`), accurate
elementwise kernels and error-free transformations (:mod:`.numerics`), boundary
checks (:mod:`.validate`) and adaptive quadrature (:mod:`.quadrature`).

Nothing here imports another layer of divtools.
"""
