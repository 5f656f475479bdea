"""The lectures' results as functions: distinguishing games and the GAN value
(:mod:`.games`), Fenchel duality and the Gibbs principle (:mod:`.duality`),
maximum mean discrepancy (:mod:`.mmd`) and the worked examples (:mod:`.examples`).

Reached as ``divtools.games``, ``divtools.duality``, ``divtools.mmd`` and
``divtools.examples``.
"""
