"""Divergences between discrete distributions: the table of generators
(:mod:`.generators`) and the exact sums over pmf arrays (:mod:`.pmf`)."""
