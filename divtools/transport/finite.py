r"""Exact optimal transport between discrete distributions.

.. math::

    OT(a, b; C) = \min_{\pi \ge 0,\ \pi 1 = a,\ \pi^T 1 = b} \sum_{ij} \pi_{ij} C_{ij}
               = \max_{f_i + g_j \le C_{ij}} \sum_i a_i f_i + \sum_j b_j g_j

(Kantorovich duality). The primal is solved by POT's network simplex
(``ot.emd``, the field's standard exact solver) on a conditioned cost, and the
answer is certified: the dual potentials are tightened by c-transforms and the
reduced costs ``C - f - g`` must be non-negative and vanish on the plan's
support. POT alone fails on badly scaled costs (its issue #229: with entries
of 1e32 ``emd2`` returns 88.51 where the optimum is 57.54, without a warning);
divtools caps such entries at ``1e6`` times the typical cost, which cannot
change an optimal plan that avoids them, solves, and re-solves uncapped only if
the capped plan uses a capped entry. If a certificate still fails, the problem
is solved again by HiGHS (``scipy.optimize.linprog``).

Structured costs are solved without a cost matrix: points on the line by
sorting (:class:`LineMetric`), tree metrics in closed form (:class:`TreeMetric`).

Range: a cost matrix is scaled by a power of two (exactly) into ``[1, 2)``
before it is solved when its largest entry is beyond ``2^+-500``, so costs of
``1e308`` (or ``1e-310``) are solved as well as costs of 1; ``W_p`` divides the
distances by their largest before it raises them to the power ``p``. Masses
given with ``normalize=True`` are scaled by a power of two before they are
summed. Values that exceed the float range (a potential beyond ``1.8e308``)
are returned as ``+-inf``.

Differentiable from JAX: the optimal value's gradient is ``f`` in ``a``, ``g``
in ``b`` and the plan in ``C`` (a host callback under ``jit``).
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import validate
from divtools._core.numerics import fsum
from divtools.transport import _exact
from divtools.transport.line import check_order, wasserstein_1d
from divtools.transport.simplex import transportation_simplex

__all__ = [
    "KRResult",
    "LineMetric",
    "OTResult",
    "TreeMetric",
    "kantorovich_rubinstein",
    "optimal_transport",
    "tree_wasserstein",
    "wasserstein",
]


class OTResult(NamedTuple):
    """The solution of a discrete optimal transport problem.

    Attributes:
      value: ``sum_ij plan_ij cost_ij``, the optimal cost.
      plan: the optimal coupling (``m x n``), rows summing to ``a``, columns to ``b``.
      f, g: optimal dual potentials, ``f_i + g_j <= cost_ij`` with equality where
        ``plan_ij > 0``, and ``sum a f + sum b g = value`` (defined up to
        ``(f + c, g - c)``; divtools makes ``sum_j b_j g_j = 0``).
      dual_value: ``sum a f + sum b g`` (equal to ``value``: Kantorovich duality).
    """

    value: object
    plan: object
    f: object
    g: object
    dual_value: object


class KRResult(NamedTuple):
    """Kantorovich-Rubinstein duality on a finite metric space.

    Attributes:
      value: ``W_1 = max_{|f(x) - f(y)| <= d(x, y)} sum_x f(x) (a(x) - b(x))``.
      potential: an optimal 1-Lipschitz ``f`` on the points.
      lipschitz: ``max_{x != y} |f(x) - f(y)| / d(x, y)`` (at most 1).
    """

    value: float
    potential: np.ndarray
    lipschitz: float


class LineMetric(NamedTuple):
    """Points on the real line: ``a`` lives on ``x``, ``b`` on ``y`` (``d = |x - y|``)."""

    x: np.ndarray
    y: np.ndarray


class TreeMetric(NamedTuple):
    """A tree metric on nodes ``0..n-1``: ``parent[v]`` (``-1`` at the root) and the
    length of the edge from ``v`` to its parent; ``d`` is the path length."""

    parent: np.ndarray
    length: np.ndarray


# --------------------------------------------------------------------------
# Validation.


def _masses(name: str, x, normalize: Any) -> np.ndarray:
    """A probability vector from ``x`` (divided by its sum with ``normalize``, after an
    exact scaling by a power of two: ``1e308`` masses do not overflow the sum)."""
    x = _exact.host_array(name, x)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"{name}: expected a non-empty 1-D array of masses, got shape {x.shape}")
    if _exact.check_flag("normalize", normalize):
        top = x.max()
        if np.isfinite(top) and top > 0:
            x = np.ldexp(x, 1 - int(np.frexp(top)[1]))  # the largest mass in [1, 2)
    validate.check_rows(name, x.min(), x.sum(), x.size, np.float64, normalize, -1, x.max())
    return x / x.sum()


def _cost(cost, m: int, n: int, name: str = "cost") -> np.ndarray:
    C = _exact.host_array(name, cost)
    if C.shape != (m, n):
        raise ValueError(
            f"{name}: expected shape ({m}, {n}) for a of size {m} and b of size {n}, got {C.shape}"
        )
    if not np.isfinite(C).all():
        raise ValueError(f"{name}: contains NaN or inf (entries must be finite)")
    return C


def _cost_exponent(C: np.ndarray) -> int:
    """``e`` such that ``C 2^-e`` has its largest magnitude in ``[1, 2)`` where the costs are
    far from 1 (beyond ``2^+-500``), else 0: the solvers then see no overflow (``C - min C``,
    the potentials) and no underflow."""
    top = max(float(C.max()), -float(C.min()))  # max |C| without a temporary
    if top == 0 or 2.0**-500 <= top <= 2.0**500:
        return 0
    return int(np.frexp(top)[1]) - 1


# --------------------------------------------------------------------------
# The certified solver.


def _support_potentials(C, rows, cols):
    """Dual potentials read off the plan's support ``(rows, cols)``, well conditioned.

    On each connected component of the support graph (rows and columns joined
    where the plan is positive) the equations ``f_i + g_j = C_ij`` determine the
    potentials up to a shift: they are propagated breadth first from a row
    set to 0, one subtraction per edge. The components' shifts must satisfy
    ``s_K - s_L <= min (C_ij - f_i - g_j)`` over rows of ``K`` and columns of
    ``L``: difference constraints, solved by Bellman-Ford. Rows or columns
    without support (zero mass) get the c-transform. Potentials obtained this
    way stay of the size of the costs that matter; the network simplex's own
    (after capping huge entries, say) can be orders of magnitude larger, and
    their sum ``sum a f + sum b g`` then cancels.
    """
    m, n = C.shape
    adjacency: list[list[int]] = [[] for _ in range(m + n)]
    for i, j in zip(rows.tolist(), cols.tolist()):
        adjacency[i].append(m + j)
        adjacency[m + j].append(i)
    pot = [math.nan] * (m + n)
    label = [-1] * (m + n)
    count = 0
    for root in range(m + n):  # breadth first over each connected component of the support
        if label[root] >= 0:
            continue
        label[root] = count
        if adjacency[root]:
            pot[root] = 0.0
            queue = [root]
            for u in queue:
                for v in adjacency[u]:
                    if label[v] < 0:
                        label[v] = count
                        pot[v] = float(C[u, v - m] if v >= m else C[v, u - m]) - pot[u]
                        queue.append(v)
        count += 1
    pot, label = np.array(pot), np.array(label)
    f, g = pot[:m], pot[m:]
    supported = np.isfinite(pot)
    comps = np.unique(label[supported])
    if comps.size > 1:  # shifts between components: s_K - s_L <= w[K, L]
        index = np.full(count, -1)
        index[comps] = np.arange(comps.size)
        rk, ck = index[label[:m]], index[label[m:]]
        reduced = C - np.nan_to_num(f)[:, None] - np.nan_to_num(g)[None, :]
        ok = (rk[:, None] >= 0) & (ck[None, :] >= 0)
        w = np.full((comps.size, comps.size), np.inf)
        np.minimum.at(
            w,
            (np.broadcast_to(rk[:, None], C.shape)[ok], np.broadcast_to(ck[None, :], C.shape)[ok]),
            reduced[ok],
        )
        shift = np.zeros(comps.size)
        for _ in range(comps.size):  # Bellman-Ford from a virtual source at distance 0
            relaxed = np.minimum(shift, (shift[None, :] + w).min(axis=1))
            if np.array_equal(relaxed, shift):
                break
            shift = relaxed
        f = f + np.where(rk >= 0, shift[np.maximum(rk, 0)], 0.0)
        g = g - np.where(ck >= 0, shift[np.maximum(ck, 0)], 0.0)
    if not supported.all():  # zero-mass rows and columns: the c-transform
        known = np.isfinite(g)
        if not np.isfinite(f).all():
            f_ct = (C[:, known] - g[known][None, :]).min(axis=1)
            f = np.where(np.isfinite(f), f, f_ct)
        if not known.all():
            g = np.where(known, g, (C - f[:, None]).min(axis=0))
    return f, g


def _certified(C, a, b, plan, rows, cols, f, g, tol):
    """Primal feasibility, dual feasibility and complementary slackness, to ``tol``."""
    if not (
        np.allclose(plan.sum(1), a, rtol=0, atol=1e-12) and np.allclose(plan.sum(0), b, rtol=0, atol=1e-12)
    ):
        return False
    on_support = C[rows, cols] - f[rows] - g[cols]
    return bool(_reduced_min(C, f, g) >= -tol and np.all(np.abs(on_support) <= tol))


def _reduced_min(C, f, g, block: int = 32) -> float:
    """``min_ij C_ij - f_i - g_j``, in row blocks through one cache-sized buffer."""
    buf = np.empty((min(block, C.shape[0]), C.shape[1]))
    low = np.inf
    for i in range(0, C.shape[0], block):
        r = buf[: min(block, C.shape[0] - i)]
        np.subtract(C[i : i + block], g[None, :], out=r)
        r -= f[i : i + block, None]
        low = min(low, float(r.min()))
    return low


def _emd(a, b, C):
    import ot  # POT: the network simplex

    iters = max(100_000, 50 * C.size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ot.emd(a, b, C, numItermax=iters)


def _highs(a, b, C):
    from scipy import optimize, sparse

    m, n = C.shape
    rows = sparse.kron(sparse.eye(m), np.ones((1, n)))
    cols = sparse.kron(np.ones((1, m)), sparse.eye(n))
    res = optimize.linprog(
        C.ravel(),
        A_eq=sparse.vstack([rows, cols]).tocsr(),
        b_eq=np.concatenate([a, b]),
        bounds=(0, None),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(f"optimal_transport: HiGHS failed ({res.message})")
    return np.maximum(res.x.reshape(m, n), 0.0)


#: Problems with at most this many cells are solved by the transportation simplex
#: in NumPy (milliseconds, nothing imported); larger ones by POT's network simplex.
SMALL_PROBLEM = 1024


def _solve(a, b, C):
    """``(plan, f, g)`` for the cost ``C``, certified optimal."""
    shift = float(C.min())
    C0 = C - shift if shift < 0 else C  # >= 0; a shift changes no plan
    sample = C0.ravel()[:: max(1, C0.size // 4096)]
    typical = float(np.median(sample)) or float(sample.max()) or 1.0
    cap = 1e6 * typical
    capped = C0.max() > cap
    if C0.size <= SMALL_PROBLEM:
        solved = _small(a, b, np.minimum(C0, cap) if capped else C0, C0)
        if solved is not None:
            plan, f, g, support = solved
            c = math.fsum((b * g).tolist())
            return plan, f + c + min(shift, 0.0), g - c, support
    plan = _emd(a, b, np.minimum(C0, cap) if capped else C0)
    if capped and np.any(plan[C0 > cap] > 0):  # the optimum needs an expensive entry
        plan = _emd(a, b, C0)
    rows, cols = np.divmod(np.flatnonzero(plan), plan.shape[1])
    f, g = _support_potentials(C0, rows, cols)
    scale = max(
        float(np.abs(C0[rows, cols]).max(initial=0.0)), float(np.abs(f).max()), float(np.abs(g).max()), 1e-300
    )
    if not _certified(C0, a, b, plan, rows, cols, f, g, 1e-12 * scale * max(C0.shape)):
        warnings.warn(
            "optimal_transport: the network simplex's answer failed its optimality "
            "certificate; solving again with HiGHS",
            RuntimeWarning,
            stacklevel=3,
        )
        plan = _highs(a, b, C0)
        rows, cols = np.nonzero(plan)
        f, g = _support_potentials(C0, rows, cols)
    # gauge: sum_j b_j g_j = 0, then put the shift back into f
    c = math.fsum((b * g).tolist())
    return plan, f + c + min(shift, 0.0), g - c, (rows, cols)


def _small(a, b, C_solve, C0):
    """The transportation simplex's answer on ``C_solve`` (the costs, capped), certified
    for the costs ``C0``, or None (then the network simplex).

    Potentials optimal for capped costs ``C_solve <= C0`` stay dual feasible for
    ``C0``, and complementary wherever the plan avoids the capped entries.
    """
    solved = transportation_simplex(a, b, C_solve)
    if solved is None:
        return None
    plan, f, g = solved
    rows, cols = np.nonzero(plan)
    if np.any(C_solve[rows, cols] != C0[rows, cols]):
        return None  # the plan needs an expensive entry
    f, g = _support_potentials(C0, rows, cols)  # well conditioned: of the size of the costs used
    scale = max(
        float(np.abs(C0[rows, cols]).max(initial=0.0)), float(np.abs(f).max()), float(np.abs(g).max()), 1e-300
    )
    if not _certified(C0, a, b, plan, rows, cols, f, g, 1e-12 * scale * max(C0.shape)):
        return None
    return plan, f, g, (rows, cols)


def _result(a, b, C, plan, f, g, support) -> OTResult:
    rows, cols = support
    value = math.fsum((plan[rows, cols] * C[rows, cols]).tolist())
    dual = math.fsum((a * f).tolist()) + math.fsum((b * g).tolist())
    return OTResult(value, plan, f, g, dual)


def _solve_scaled(a, b, C) -> OTResult:
    """The certified solution for ``C``, solved on ``C 2^-e`` (:func:`_cost_exponent`) and
    scaled back; potentials beyond the float range become ``+-inf``."""
    e = _cost_exponent(C)
    if e == 0:
        return _result(a, b, C, *_solve(a, b, C))
    Cs = _exact.ldexp(C, -e)
    r = _result(a, b, Cs, *_solve(a, b, Cs))
    with np.errstate(over="ignore"):
        f, g = np.ldexp(r.f, e), np.ldexp(r.g, e)
        value, dual = (float(np.ldexp(x, e)) for x in (r.value, r.dual_value))
    return OTResult(value, r.plan, f, g, dual)


def optimal_transport(a: ArrayLike, b: ArrayLike, cost: ArrayLike, *, normalize: bool = False) -> OTResult:
    r"""Exact optimal transport between discrete distributions ``a`` (``m``) and ``b`` (``n``).

    ``min_pi sum_ij pi_ij C_ij`` over couplings of ``a`` and ``b``, with the
    optimal plan and dual potentials (see :class:`OTResult`); certified by
    Kantorovich duality (primal value = dual value to about 1e-15 relative).

    Args:
      a, b: masses (probability vectors, or weights with ``normalize=True``).
      cost: the ``m x n`` cost matrix (finite, any sign; any magnitude up to the
        float range: far from 1 it is solved scaled by a power of two).
      normalize: accept unnormalised masses and divide by their sums (``True``
        or ``False``).

    Returns:
      :class:`OTResult` (NumPy arrays and floats for NumPy input). For JAX
      input the fields are JAX arrays and ``value`` is differentiable: its
      gradient is ``f`` in ``a``, ``g`` in ``b`` and ``plan`` in ``cost``, also
      under ``jit`` (a host callback).

    Example:
      >>> import divtools
      >>> r = divtools.optimal_transport([0.5, 0.5], [0.5, 0.5], [[0.0, 1.0], [1.0, 0.0]])
      >>> r.value, r.plan.tolist()
      (0.0, [[0.5, 0.0], [0.0, 0.5]])

    References: Kantorovich (1942); Peyre & Cuturi (2019), chapter 3; POT's
    network simplex (Bonneel et al. 2011).
    """
    _exact.check_flag("normalize", normalize)
    if any(B.is_jax(x) for x in (a, b, cost)):
        return _jax_optimal_transport(a, b, cost, normalize)
    a = _masses("a", a, normalize)
    b = _masses("b", b, normalize)
    C = _cost(cost, a.size, b.size)
    return _solve_scaled(a, b, C)


# --------------------------------------------------------------------------
# JAX: host callback with the value's gradient from the duals and the plan.


def _host_solution(a, b, C):
    a, b, C = (np.asarray(x, dtype=np.float64) for x in (a, b, C))
    a, b = (np.ldexp(x, 1 - int(np.frexp(x.max())[1])) for x in (a, b))  # sums cannot overflow
    a, b = a / a.sum(), b / b.sum()
    r = _solve_scaled(a, b, C)
    return (np.float64(r.value), r.plan, r.f, r.g, np.float64(r.dual_value))


def _callback(a, b, C):
    jax, jnp = B.jax, B.jnp
    dtype = jnp.result_type(a, b, C)
    m, n = C.shape
    shapes = (
        jax.ShapeDtypeStruct((), dtype),
        jax.ShapeDtypeStruct((m, n), dtype),
        jax.ShapeDtypeStruct((m,), dtype),
        jax.ShapeDtypeStruct((n,), dtype),
        jax.ShapeDtypeStruct((), dtype),
    )
    out = jax.pure_callback(
        lambda *x: tuple(np.asarray(y, dtype=dtype) for y in _host_solution(*x)), shapes, a, b, C
    )
    return OTResult(*out)


@functools.cache
def _solve_jax() -> Any:
    """The host solver as a JAX function whose optimal value has the envelope
    theorem's gradient: the duals in ``a`` and ``b``, the plan in ``C`` (plan,
    potentials and dual value are treated as constants)."""

    @B.jax.custom_vjp
    def solve(a, b, C):
        return _callback(a, b, C)

    def fwd(a, b, C):
        r = _callback(a, b, C)
        return r, (r.f, r.g, r.plan)

    def bwd(res, cot):
        f, g, plan = res
        return cot.value * f, cot.value * g, cot.value * plan

    solve.defvjp(fwd, bwd)
    return solve


def _jax_optimal_transport(a, b, cost, normalize):
    jnp = B.jnp
    for name, x in (("a", a), ("b", b), ("cost", cost)):
        if not B.is_jax(x):
            _exact.host_array(name, x)  # TypeError naming it for None, strings, complex...
        elif np.dtype(x.dtype).kind not in "biuf":
            raise TypeError(f"{name}: expected real numbers, got dtype {x.dtype}")
    a, b, C = jnp.asarray(a), jnp.asarray(b), jnp.asarray(cost)
    if a.ndim != 1 or b.ndim != 1 or C.shape != (a.shape[0], b.shape[0]):
        raise ValueError(
            f"a, b, cost: expected shapes (m,), (n,), (m, n); got {a.shape}, {b.shape}, {C.shape}"
        )
    if not any(B.is_traced(x) for x in (a, b, C)):  # concrete: validate
        _masses("a", np.asarray(a), normalize)
        _masses("b", np.asarray(b), normalize)
        _cost(np.asarray(C), a.shape[0], b.shape[0])
    return _solve_jax()(a, b, C)


# --------------------------------------------------------------------------
# Wasserstein distances on finite and structured spaces.


def _tree_arrays(tree: Any, name: str = "distance") -> tuple[np.ndarray, np.ndarray]:
    """``(parent, length)`` of a :class:`TreeMetric`, checked: integer parents, finite
    non-negative lengths of the same 1-D shape."""
    parent = _exact.host_array(f"{name} (TreeMetric.parent)", tree.parent)
    if parent.ndim != 1 or parent.size == 0:
        raise ValueError(f"{name}: TreeMetric.parent must be a non-empty 1-D array, got shape {parent.shape}")
    if not np.all(np.isfinite(parent) & (parent == np.round(parent))):
        raise ValueError(f"{name}: TreeMetric.parent must hold integer node indices (-1 at the root)")
    length = _exact.host_array(f"{name} (TreeMetric.length)", tree.length)
    if length.shape != parent.shape:
        raise ValueError(
            f"{name}: TreeMetric.length has shape {length.shape}, its parent array {parent.shape}"
        )
    if not np.isfinite(length).all():
        raise ValueError(f"{name}: TreeMetric.length contains NaN or inf (edge lengths must be finite)")
    if (length < 0).any():
        raise ValueError(f"{name}: tree edge lengths must be non-negative")
    return parent.astype(np.int64), length


def _tree_order(parent: np.ndarray) -> np.ndarray:
    """Nodes ordered so that every node comes after its parent (breadth first)."""
    n = parent.size
    roots = np.nonzero(parent == -1)[0]
    if roots.size != 1:
        raise ValueError(f"distance: a tree needs exactly one root (parent -1), found {roots.size}")
    children = [[] for _ in range(n)]
    for v, p in enumerate(parent):
        if p != -1:
            if not 0 <= p < n:
                raise ValueError(f"distance: parent[{v}] = {p} is not a node")
            children[p].append(v)
    order, queue = [], [int(roots[0])]
    while queue:
        v = queue.pop()
        order.append(v)
        queue.extend(children[v])
    if len(order) != n:
        raise ValueError("distance: the parent array has a cycle or disconnected nodes")
    return np.array(order)


def tree_wasserstein(a: ArrayLike, b: ArrayLike, tree: TreeMetric) -> tuple[float, np.ndarray]:
    """``W_1`` on a tree: ``sum_v length_v |A(v) - B(v)|`` over the subtrees' masses.

    Returns ``(w1, potential)``. With ``f(v) - f(parent v) = length_v sign(A(v) - B(v))``
    the potential is 1-Lipschitz along the tree and ``sum_v f(v) (a_v - b_v)``
    telescopes to ``W_1`` (Evans & Matsen 2012; Le et al. 2019). ``a`` and ``b``
    are masses on the nodes (equal totals); values beyond the float range are ``inf``.

    Example:
      >>> import numpy as np
      >>> from divtools.transport import TreeMetric, tree_wasserstein
      >>> tree = TreeMetric(parent=np.array([-1, 0, 0]), length=np.array([0.0, 1.0, 2.0]))
      >>> w1, f = tree_wasserstein([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], tree)
      >>> w1   # leaf 1 to leaf 2 through the root: 1 + 2
      3.0
      >>> f.tolist(), float(f @ np.array([0.0, 1.0, -1.0]))   # sum_v f(v) (a_v - b_v) = W_1
      ([0.0, 1.0, -2.0], 3.0)
    """
    parent, length = _tree_arrays(tree)
    order = _tree_order(parent)
    a, b = _exact.host_array("a", a), _exact.host_array("b", b)
    if a.shape != parent.shape or b.shape != parent.shape:
        raise ValueError(f"a, b: on a tree both live on the {parent.size} nodes; got {a.shape} and {b.shape}")
    sub = a - b
    for v in order[::-1]:  # children before parents: subtree sums of a - b
        if parent[v] >= 0:
            sub[parent[v]] += sub[v]
    f = np.zeros_like(sub)
    with np.errstate(over="ignore", invalid="ignore"):
        for v in order:
            if parent[v] >= 0:
                f[v] = f[parent[v]] + length[v] * np.sign(sub[v])
    edges = parent >= 0
    return fsum((length[edges] * np.abs(sub[edges])).tolist()), f


def _wp_matrix(a: np.ndarray, b: np.ndarray, D: np.ndarray, p: float) -> float:
    """``W_p`` for a distance matrix: ``s (OT(a, b; (D/s)^p))^(1/p)``.

    ``s`` is the largest distance (for ``p <= 64`` the power of two ``2^e`` just
    above it: the division is exact, and the powers of ``D/s`` are those of ``D``
    scaled), so no power overflows. Entries far below ``s`` may underflow; where the
    optimum is below ``2^-900`` (it may rest on them) it is solved again at the
    scale of the largest distance the plan uses, entries whose power would overflow
    capped at ``2^1000``: certified when the new plan avoids the capped entries
    (costs lower than the true ones that are not used cannot change the optimum).
    """
    top = float(D.max())
    if top == 0:
        return 0.0

    def solve(scale: float, cap: float) -> tuple[OTResult, np.ndarray]:
        e = math.frexp(scale)[1]
        with np.errstate(under="ignore", over="ignore"):
            x = _exact.ldexp(D, -e) if p <= 64 else D / scale
            C = x if p == 1 else x**p
        return _solve_scaled(a, b, np.minimum(C, cap)), C > cap

    r, _ = solve(top, math.inf)
    scale = top
    if r.value < 2.0**-900:
        used = float(D[r.plan > 0].max(initial=0.0))
        if used > 0:
            r2, capped = solve(used, 2.0**1000)
            if not np.any(r2.plan[capped] > 0):
                r, scale = r2, used
    root = max(r.value, 0.0) ** (1.0 / p)
    with np.errstate(over="ignore"):  # beyond the float range: inf
        if p <= 64:
            return float(np.ldexp(root, math.frexp(scale)[1]))
        return float(np.float64(root) * scale)


def wasserstein(a: ArrayLike, b: ArrayLike, distance: Any, *, p: float = 1, normalize: bool = False) -> float:
    r"""The Wasserstein distance ``W_p = (min_pi sum pi_ij d_ij^p)^(1/p)`` on a finite space.

    Args:
      a, b: masses on the points of the two supports.
      distance: an ``m x n`` matrix of distances ``d_ij`` (finite, non-negative);
        or a :class:`LineMetric` (points on the line: solved by sorting, any
        ``p``); or a :class:`TreeMetric` (``a`` and ``b`` on the tree's nodes;
        ``p = 1`` in closed form).
      p: the order, ``>= 1`` (finite).
      normalize: accept unnormalised masses and divide by their sums.

    Returns:
      ``W_p`` (the distance: p-th root taken). The distances are divided by the
      largest one before they are raised to the power ``p``, so ``1e200``
      distances with ``p = 2`` give ``W`` of order ``1e200``; a ``W_p`` beyond
      the float range is ``inf``.

    Raises:
      ValueError, TypeError: naming the argument (``a``, ``b``, ``distance``,
      ``p``, ``normalize``) that is not valid.

    Example:
      >>> import divtools
      >>> float(divtools.wasserstein([1.0, 0.0], [0.0, 1.0], [[0.0, 3.0], [3.0, 0.0]], p=2))
      3.0

    References: Villani (2009), definition 6.1; Peyre & Cuturi (2019), section 2.4.
    """
    p = check_order(p)
    if math.isinf(p):
        raise ValueError("p: use wasserstein_1d for W_inf; finite spaces take finite p")
    a = _masses("a", a, normalize)
    b = _masses("b", b, normalize)
    if isinstance(distance, LineMetric):
        x = _exact.host_array("distance (LineMetric.x)", distance.x)
        y = _exact.host_array("distance (LineMetric.y)", distance.y)
        for label, pts, masses, mname in (("x", x, a, "a"), ("y", y, b, "b")):
            if pts.shape != masses.shape:
                raise ValueError(
                    f"distance: LineMetric.{label} has shape {pts.shape}; {mname} has {masses.size} masses"
                )
            if not np.isfinite(pts).all():
                raise ValueError(f"distance: LineMetric.{label} contains NaN or inf (points must be finite)")
        return float(wasserstein_1d(x, y, a, b, p=p))
    if isinstance(distance, TreeMetric):
        parent, _ = _tree_arrays(distance)
        if p != 1:
            raise ValueError("p: tree metrics are solved in closed form for p = 1 only")
        if a.size != b.size or a.size != parent.size:
            raise ValueError(
                f"a, b: on a tree both live on the {parent.size} nodes; got {a.size} and {b.size}"
            )
        return tree_wasserstein(a, b, distance)[0]
    D = _cost(distance, a.size, b.size, "distance")
    if (D < 0).any():
        raise ValueError("distance: distances must be non-negative")
    return _wp_matrix(a, b, D, p)


def _check_metric(D: np.ndarray) -> None:
    """``ValueError`` naming ``distance`` unless ``D`` is a (pseudo-)metric up to rounding:
    non-negative, zero diagonal, symmetric to ``16 eps`` and the triangle inequality
    ``D_ik <= (D_ij + D_jk)(1 + 16 eps)`` (a min-plus product, in blocks of ``j``)."""
    tol = 16 * np.finfo(np.float64).eps
    if (D < 0).any():
        raise ValueError("distance: distances must be non-negative")
    if np.any(np.diag(D) != 0):
        raise ValueError("distance: a metric has a zero diagonal (d(x, x) = 0)")
    if np.any(np.abs(D - D.T) > tol * np.maximum(D, D.T)):
        raise ValueError("distance: a metric is symmetric (d(x, y) = d(y, x)); this matrix is not")
    n = D.shape[0]
    block = max(1, 2**22 // (n * n))
    shortest = D.copy()
    with np.errstate(over="ignore"):
        for j in range(0, n, block):
            via = (D[:, j : j + block, None] + D[None, j : j + block, :]).min(axis=1)
            np.minimum(shortest, via, out=shortest)
    bad = D > shortest * (1 + tol)
    if bad.any():
        i, k = (int(t) for t in np.argwhere(bad)[0])
        raise ValueError(
            f"distance: violates the triangle inequality (d[{i}, {k}] = {D[i, k]:.17g} exceeds the "
            f"path through another point, {shortest[i, k]:.17g}): Kantorovich-Rubinstein duality "
            "needs a metric"
        )


def kantorovich_rubinstein(
    a: ArrayLike, b: ArrayLike, distance: ArrayLike, *, normalize: bool = False
) -> KRResult:
    r"""Kantorovich-Rubinstein duality on a finite metric space, solved and checked.

    ``W_1(a, b) = max { sum_x f(x) (a(x) - b(x)) : |f(x) - f(y)| <= d(x, y) }``.
    ``a`` and ``b`` live on the same points (``distance`` is ``N x N``). The
    optimal transport duals ``(u, v)`` give the 1-Lipschitz potential
    ``f(x) = min_y (d(x, y) - v(y))`` (a c-transform); the result holds its
    value and the largest difference quotient of ``f`` (at most 1 up to
    rounding). This ``f`` is the ideal WGAN critic.

    ``distance`` must be a metric up to rounding: non-negative, zero on the
    diagonal, symmetric, and satisfying the triangle inequality (checked in
    ``O(N^3)``, with a relative tolerance of ``16 eps``); otherwise a
    ``ValueError`` names ``distance``.

    Example:
      >>> import divtools, numpy as np
      >>> x = np.array([0.0, 1.0, 3.0]); d = np.abs(x[:, None] - x[None, :])
      >>> r = divtools.kantorovich_rubinstein([1.0, 0.0, 0.0], [0.0, 0.5, 0.5], d)
      >>> round(r.value, 12), bool(r.lipschitz <= 1 + 1e-12)
      (2.0, True)

    References: Kantorovich & Rubinstein (1958); Villani (2009), remark 6.5;
    CE 22-808 lecture (Kantorovich-Rubinstein duality); 165B lecture (WGAN).
    """
    a = _masses("a", a, normalize)
    b = _masses("b", b, normalize)
    if a.size != b.size:
        raise ValueError(
            f"b: both masses live on the same points of the metric space ({a.size} and {b.size})"
        )
    D = _cost(distance, a.size, b.size, "distance")
    e = _cost_exponent(D)
    Ds = np.ldexp(D, -e) if e else D  # the duality is scale-free: solved at scale 1
    _check_metric(Ds)
    r = _solve_scaled(a, b, Ds)
    f = (Ds - r.g[None, :]).min(axis=1)  # c-transform of the dual: 1-Lipschitz
    value = math.fsum((f * (a - b)).tolist())
    off = ~np.eye(a.size, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.abs(f[:, None] - f[None, :])[off] / Ds[off]
    lip = float(np.nanmax(np.where(Ds[off] > 0, q, 0.0), initial=0.0))
    if e:
        with np.errstate(over="ignore"):
            f, value = np.ldexp(f, e), float(np.ldexp(value, e))
    return KRResult(value, f, lip)
