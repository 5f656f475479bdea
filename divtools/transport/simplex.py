r"""The transportation simplex for small problems, in NumPy.

The primal simplex method on the transportation polytope (Dantzig 1951; the
"MODI" or u-v method): a basis is a spanning tree of the bipartite graph of
rows and columns with ``m + n - 1`` cells; its potentials ``u_i + v_j = C_ij``
on the tree give the reduced costs ``C_ij - u_i - v_j``; the most negative one
enters, the cycle it closes in the tree carries ``theta`` from its ``-`` cells
to its ``+`` cells, and a ``-`` cell that reaches zero leaves. Optimal when no
reduced cost is negative; the potentials are then optimal duals.

Small problems (a few hundred cells) are solved here in a few milliseconds,
without importing POT (whose own import takes seconds, JAX included); the
result goes through the same certificate as POT's (``finite._certified``). A
degenerate problem could cycle: after ``m n`` pivots the entering cell is the
first one with a negative reduced cost (Bland's rule), and past a bound on the
pivots the caller falls back to the network simplex.
"""

from __future__ import annotations

import numpy as np

__all__ = ["transportation_simplex"]


def _northwest_corner(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """A basic feasible plan and its ``m + n - 1`` basic cells (degenerate zeros included)."""
    m, n = a.size, b.size
    plan = np.zeros((m, n))
    supply, demand = a.astype(float).tolist(), b.astype(float).tolist()
    basis = []
    i = j = 0
    while True:
        x = min(supply[i], demand[j])
        plan[i, j] = x
        basis.append((i, j))
        if i == m - 1 and j == n - 1:
            break
        row_done = supply[i] <= demand[j]
        supply[i] -= x
        demand[j] -= x
        if (row_done and i < m - 1) or j == n - 1:
            i += 1
        else:
            j += 1
    return plan, basis


def _potentials(C: np.ndarray, basis: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """``u_i + v_j = C_ij`` on the basic cells (a spanning tree), with ``u_0 = 0``."""
    m, n = C.shape
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(m + n)]
    for i, j in basis:
        adjacency[i].append((m + j, i * n + j))
        adjacency[m + j].append((i, i * n + j))
    pot = [None] * (m + n)
    pot[0] = 0.0
    stack = [0]
    while stack:
        node = stack.pop()
        for other, cell in adjacency[node]:
            if pot[other] is None:
                pot[other] = float(C.flat[cell]) - pot[node]
                stack.append(other)
    return np.array(pot[:m], float), np.array(pot[m:], float)


def _cycle(basis: list[tuple[int, int]], m: int, n: int, i0: int, j0: int) -> list[tuple[int, int]]:
    """The tree path from column ``j0`` to row ``i0``, as basic cells in order."""
    adjacency: list[list[int]] = [[] for _ in range(m + n)]
    for k, (i, j) in enumerate(basis):
        adjacency[i].append(k)
        adjacency[m + j].append(k)
    parent = {i0: None}
    stack = [i0]
    while stack:
        node = stack.pop()
        for k in adjacency[node]:
            i, j = basis[k]
            other = m + j if node == i else i
            if other not in parent:
                parent[other] = (node, k)
                stack.append(other)
    path, node = [], m + j0
    while parent[node] is not None:
        node, k = parent[node]
        path.append(basis[k])
    return path


def transportation_simplex(
    a: np.ndarray, b: np.ndarray, C: np.ndarray, *, max_pivots: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(plan, u, v)``: an optimal plan and its potentials, or ``None`` if the pivot
    bound was reached (the caller then uses the network simplex).

    A reduced cost counts as improving below ``-64 eps (m + n) s``, ``s`` the
    largest cost on the basis or potential (the rounding the potentials carry
    along a path of the tree); it shrinks as expensive cells leave the basis.
    """
    m, n = C.shape
    plan, basis = _northwest_corner(a, b)
    max_pivots = 50 * (m + n) ** 2 if max_pivots is None else max_pivots
    eps = float(np.finfo(np.float64).eps)
    for pivot in range(max_pivots):
        u, v = _potentials(C, basis)
        reduced = C - u[:, None] - v[None, :]
        scale = max(
            max(abs(float(C[cell])) for cell in basis), float(np.abs(u).max()), float(np.abs(v).max())
        )
        tol = 64 * eps * (m + n) * scale
        if pivot < m * n:
            flat = int(np.argmin(reduced))
        else:  # Bland's rule: no cycling among degenerate pivots
            negative = np.flatnonzero(reduced < -tol)
            flat = int(negative[0]) if negative.size else int(np.argmin(reduced))
        if reduced.flat[flat] >= -tol:
            return plan, u, v
        i0, j0 = divmod(flat, n)
        path = _cycle(basis, m, n, i0, j0)  # cells -, +, -, ... from column j0 to row i0
        minus = path[0::2]
        theta_at = min(range(len(minus)), key=lambda k: plan[minus[k]])
        theta = plan[minus[theta_at]]
        for k, cell in enumerate(path):
            plan[cell] += theta if k % 2 else -theta
        plan[i0, j0] += theta
        plan[minus[theta_at]] = 0.0
        basis.remove(minus[theta_at])
        basis.append((i0, j0))
    return None
