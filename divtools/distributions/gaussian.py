r"""Multivariate normal distributions: closed-form divergences, ``W_2`` and the Frechet distance.

``MultivariateNormal(mean, cov)`` (full covariance ``(..., d, d)``) or
``MultivariateNormal.from_diagonal(mean, variances)``; batched over leading
axes; a JAX pytree (``jit``, ``vmap``, ``grad``). Frozen
``scipy.stats.multivariate_normal`` objects are recognised.

Every closed form is written in the coordinates that whiten ``Q``:
``S_Q = L L^T`` (Cholesky), ``E = L^-1 (S_P - S_Q) L^-T`` with eigenvalues ``u``
(so ``S_Q^-1 S_P`` has eigenvalues ``1 + u``) and ``delta = L^-1 (m_P - m_Q)``:

* ``KL(P || Q) = (sum_i h(u_i) + |delta|^2) / 2`` with ``h(u) = u - log1p(u) >= 0``
  evaluated as ``u^2/(2 + u) - 2 (atanh(s) - s)``, ``s = u/(2 + u)``: no
  cancellation between the trace and the log-determinant, so nearly equal
  pairs keep full relative accuracy (the textbook ``tr - d - log det`` loses
  ``log10(1/|u|)`` digits; ``S_P - S_Q`` is formed before whitening).
* Renyi divergences of order ``a`` (the alpha family, Bhattacharyya ``a = 1/2``,
  squared Hellinger, chi-square ``a = 2``): with ``c = 1 - a``,
  ``D_a = a/2 sum_i y_i^2/(1 + c u_i) + sum_i g_i / (2c)``,
  ``g = c h(u) - h(c u)`` for ``a >= 1/2`` and ``g = a h(-w) - h(-a w)``,
  ``w = u/(1 + u)``, below (each form without cancellation at its end of the
  family); ``y`` is ``delta`` in the eigenvectors of ``E``; ``inf`` where
  ``a S_Q + (1 - a) S_P`` is not positive definite.
* ``W_2^2 = |m_P - m_Q|^2 + B(S_P, S_Q)``, Bures'
  ``B = tr S_P + tr S_Q - 2 tr (S_P^1/2 S_Q S_P^1/2)^1/2``, from factors
  ``G^T G = S`` (Cholesky, or the eigendecomposition where ``S`` is singular, or
  the centred samples themselves): ``tr (...)^1/2`` is the nuclear norm of
  ``G_P G_Q^T`` (its singular values; no matrix square root, nothing complex).
  Where ``B`` is below 1% of the traces, ``B`` is the Procrustes residual
  ``|G_P^T - G_Q^T W|_F^2 + |G_Q^T (I - Q Q^T)|_F^2``, a sum of squares (never
  negative); and for two covariances given as matrices, ``S_P`` positive definite,
  ``B = sum_ij Z_ij^2 / lam_i`` from the difference ``S_Q - S_P`` itself
  (:func:`_bures_near`): full relative accuracy for nearly equal covariances.

References: Pardo (2006), *Statistical Inference Based on Divergence Measures*,
Gaussian closed forms; Gil, Alajaji & Linder (2013), Renyi divergence measures
for commonly used univariate continuous distributions (the multivariate
formula); Dowson & Landau (1982), J. Multivariate Anal. 12 (the Frechet
distance); Bhatia, Jain & Lim (2019), Expo. Math. 37 (the Bures distance);
Heusel et al. (2017), NeurIPS (FID).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from divtools._core import backend as B
from divtools._core import numerics as nx
from divtools._core import validate
from divtools._core.backend import is_jax, jax, on_jax_import
from divtools.distributions.families import Distribution

__all__ = [
    "GAUSSIAN_CLOSED_FORMS",
    "MultivariateNormal",
    "as_multivariate_normal",
    "bures",
    "frechet_distance",
    "frechet_distance_gaussian",
    "gaussian_divergence",
    "gaussian_mutual_information",
    "is_multivariate_normal",
]

#: What has a closed form between two multivariate normals (for error messages).
GAUSSIAN_CLOSED_FORMS = (
    "kl, reverse_kl, jeffreys, pearson (chi2), neyman, squared_hellinger, the alpha family, "
    "bhattacharyya, renyi_divergence (every order), W_2 (frechet_distance_gaussian)"
)


@dataclasses.dataclass(frozen=True, repr=False)
class MultivariateNormal(Distribution):
    """The multivariate normal ``N(mean, cov)`` in ``d`` dimensions.

    Args:
      mean: ``(..., d)``.
      cov: ``(..., d, d)`` symmetric positive definite (positive semi-definite for
        ``W_2``), or with ``diagonal=True`` the variances ``(..., d)``.
      diagonal: whether ``cov`` holds the diagonal only (O(d) closed forms).

    Leading axes are batch axes and broadcast. Example:

      >>> import numpy as np, divtools
      >>> from divtools.distributions import MultivariateNormal
      >>> P = MultivariateNormal(np.zeros(2), np.eye(2))
      >>> Q = MultivariateNormal(np.ones(2), 2 * np.eye(2))
      >>> round(float(divtools.kl(P, Q)), 12)      # (2/2 + 2/2 - 2 + 2 log 2) / 2 = log 2
      0.69314718056
    """

    mean: object = None
    cov: object = None
    diagonal: bool = False
    params = ("mean", "cov")

    @classmethod
    def from_diagonal(cls, mean: ArrayLike, variances: ArrayLike) -> MultivariateNormal:
        """``N(mean, diag(variances))``."""
        return cls(mean, variances, diagonal=True)

    @classmethod
    def from_samples(cls, x: ArrayLike) -> MultivariateNormal:
        """The Gaussian fitted to samples ``x`` of shape ``(n, d)``: their mean and unbiased
        covariance (``np.cov(x, rowvar=False)``), as FID fits it."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] < 2:
            raise ValueError(f"x: expected samples of shape (n, d) with n >= 2, got shape {x.shape}")
        return cls(x.mean(0), np.atleast_2d(np.cov(x, rowvar=False)))

    @property
    def dim(self) -> int:
        return int(np.shape(self.mean)[-1])

    def batch_shape(self) -> tuple[int, ...]:
        cov_batch = np.shape(self.cov)[:-1] if self.diagonal else np.shape(self.cov)[:-2]
        return tuple(np.broadcast_shapes(np.shape(self.mean)[:-1], cov_batch))

    def full_cov(self) -> Any:
        """The covariance as ``(..., d, d)`` matrices."""
        if not self.diagonal:
            return self.cov
        xp = B.namespace(self.cov)
        v = xp.asarray(self.cov)
        return v[..., :, None] * xp.eye(v.shape[-1], dtype=v.dtype)

    def scipy(self):
        from scipy import stats

        return stats.multivariate_normal(np.asarray(self.mean), np.asarray(self.full_cov()))

    def __repr__(self) -> str:
        kind = "diagonal" if self.diagonal else "full"
        return f"MultivariateNormal(d={self.dim}, {kind} covariance, batch {self.batch_shape()})"


on_jax_import(
    lambda: jax.tree_util.register_dataclass(
        MultivariateNormal, data_fields=["mean", "cov"], meta_fields=["diagonal"]
    )
)


def is_multivariate_normal(x: Any) -> bool:
    """A :class:`MultivariateNormal` or a frozen ``scipy.stats.multivariate_normal``."""
    if isinstance(x, MultivariateNormal):
        return True
    return type(x).__name__ == "multivariate_normal_frozen" and (type(x).__module__ or "").startswith("scipy")


def as_multivariate_normal(name: str, x: Any) -> MultivariateNormal:
    """``x`` as a validated :class:`MultivariateNormal` (scipy's frozen one converted)."""
    if not isinstance(x, MultivariateNormal):
        x = MultivariateNormal(np.asarray(x.mean, np.float64), np.asarray(x.cov, np.float64))
    check(name, x)
    return x


def _describe(value: Any) -> str:
    return f"shape {np.shape(value)}"


def check(name: str, d: MultivariateNormal) -> None:
    """Shapes always; values (finite, symmetric) when concrete. Positive definiteness is
    checked where a closed form needs it."""
    mean, cov = d.mean, d.cov
    for part, v in (("mean", mean), ("cov", cov)):
        if v is None:
            raise TypeError(f"{name}: MultivariateNormal.{part} is missing")
        if not is_jax(v):
            a = np.asarray(v)
            if a.dtype.kind not in "iuf":
                raise TypeError(
                    f"{name}: MultivariateNormal.{part}: expected real numbers, got dtype {a.dtype}"
                )
    m_shape, c_shape = np.shape(mean), np.shape(cov)
    if len(m_shape) < 1 or m_shape[-1] < 1:
        raise ValueError(
            f"{name}: MultivariateNormal.mean must have shape (..., d) with d >= 1, got {m_shape}"
        )
    dim = m_shape[-1]
    if d.diagonal:
        if len(c_shape) < 1 or c_shape[-1] != dim:
            raise ValueError(
                f"{name}: the variances must have shape (..., {dim}) to match the mean, got {c_shape}"
            )
    elif len(c_shape) < 2 or c_shape[-2:] != (dim, dim):
        raise ValueError(f"{name}: MultivariateNormal.cov must have shape (..., {dim}, {dim}), got {c_shape}")
    try:
        d.batch_shape()
    except ValueError:
        raise ValueError(
            f"{name}: the batch shapes of mean {m_shape} and cov {c_shape} do not broadcast"
        ) from None
    if B.is_traced(mean) or B.is_traced(cov):
        return
    m, c = np.asarray(mean, np.float64), np.asarray(cov, np.float64)
    if not np.all(np.isfinite(m)):
        raise ValueError(f"{name}: MultivariateNormal.mean must be finite")
    if not np.all(np.isfinite(c)):
        raise ValueError(f"{name}: MultivariateNormal.cov must be finite")
    if d.diagonal:
        if np.any(c < 0):
            raise ValueError(f"{name}: the variances must be non-negative (minimum {c.min():.6g})")
        return
    asym = np.abs(c - np.swapaxes(c, -1, -2))
    scale = np.maximum(np.abs(c).max(axis=(-2, -1), keepdims=True), np.finfo(np.float64).tiny)
    if np.any(asym > 64 * np.finfo(np.float64).eps * scale):
        raise ValueError(
            f"{name}: MultivariateNormal.cov must be symmetric (largest asymmetry {asym.max():.3g})"
        )


# --------------------------------------------------------------------------
# Kernels (array-namespace generic).


def _h(u: Any) -> Any:
    """``u - log1p(u) >= 0`` for ``u > -1``, without cancellation:
    ``u^2/(2 + u) - 2 (atanh(s) - s)``, ``s = u/(2 + u)`` (the two parts never cancel:
    for ``u < 0`` both are non-negative, for ``u > 0`` the second is at most ``u/6`` of the first)."""
    xp = B.namespace(u)
    s = u / (2.0 + u)
    return u * u / (2.0 + u) - nx.twice_atanh_minus(s, 1.0 + u, xp.ones_like(u))


def _sym(x: Any) -> Any:
    xp = B.namespace(x)
    return 0.5 * (x + xp.swapaxes(x, -1, -2))


def _solve_lower(L: Any, b: Any) -> Any:
    """``L^-1 b`` for lower-triangular ``L`` (batched)."""
    if B.namespace(L, b) is np:
        import scipy.linalg

        if L.ndim == 2 and b.ndim == 2:
            return scipy.linalg.solve_triangular(L, b, lower=True, check_finite=False)
        shape = np.broadcast_shapes(L.shape[:-2], b.shape[:-2])
        Lb, bb = np.broadcast_to(L, (*shape, *L.shape[-2:])), np.broadcast_to(b, (*shape, *b.shape[-2:]))
        out = np.empty((*shape, *b.shape[-2:]))
        for idx in np.ndindex(shape):
            out[idx] = scipy.linalg.solve_triangular(Lb[idx], bb[idx], lower=True, check_finite=False)
        return out
    return jax.scipy.linalg.solve_triangular(L, b, lower=True)


def _whitened(m1, c1, m2, c2, diagonal: bool, vectors: bool):
    """``(u, y, V)``: eigenvalues of ``E = L^-1 (S_P - S_Q) L^-T``, the whitened mean
    difference in the eigenvectors ``V`` (``delta`` itself when ``V`` is not needed)."""
    xp = B.namespace(m1, c1, m2, c2)
    diff = m1 - m2
    if diagonal:
        u = (c1 - c2) / c2
        return u, diff / xp.sqrt(c2), None
    L = xp.linalg.cholesky(c2)
    delta = _solve_lower(L, diff[..., None])[..., 0]
    X = _solve_lower(L, c1 - c2)
    E = _sym(xp.swapaxes(_solve_lower(L, xp.swapaxes(X, -1, -2)), -1, -2))
    if not vectors:
        return xp.linalg.eigvalsh(E), delta, None
    u, V = xp.linalg.eigh(E)
    y = (xp.swapaxes(V, -1, -2) @ delta[..., None])[..., 0]
    return u, y, V


def _kl(m1, c1, m2, c2, *, diagonal: bool):
    xp = B.namespace(m1, c1, m2, c2)
    u, delta, _ = _whitened(m1, c1, m2, c2, diagonal, vectors=False)
    return 0.5 * (xp.sum(_h(u), axis=-1) + xp.sum(delta * delta, axis=-1))


def _jeffreys(m1, c1, m2, c2, *, diagonal: bool):
    """``KL(P||Q) + KL(Q||P) = sum u^2/(1 + u) / 2 + (|delta|^2 + sum y^2/(1 + u)) / 2``."""
    xp = B.namespace(m1, c1, m2, c2)
    u, y, _ = _whitened(m1, c1, m2, c2, diagonal, vectors=True)
    return 0.5 * xp.sum(u * u / (1.0 + u) + y * y + y * y / (1.0 + u), axis=-1)


def _renyi(m1, c1, m2, c2, *, order: float, diagonal: bool):
    """``D_a(P || Q)`` (module docstring); ``inf`` where ``a S_Q + (1 - a) S_P`` is not PD."""
    xp = B.namespace(m1, c1, m2, c2)
    u, y, _ = _whitened(m1, c1, m2, c2, diagonal, vectors=True)
    c = 1.0 - order
    scale = 1.0 + c * u
    inside = scale > 0
    ok = xp.all(inside, axis=-1)
    scale = xp.where(inside, scale, 1.0)
    maha = xp.sum(y * y / scale, axis=-1)
    if order >= 0.5:
        # g / c = h(u) - h(c u) / c (c <= 1/2; at c = 0 the limit h(u): KL)
        cu = xp.where(inside, c * u, 0.0)
        cov_part = xp.sum(_h(u) - (_h(cu) / c if c != 0.0 else 0.0), axis=-1)
    else:
        w = u / (1.0 + u)
        aw = xp.where(inside, -order * w, 0.0)
        cov_part = xp.sum(order * _h(-w) - _h(aw), axis=-1) / c
    value = 0.5 * order * maha + 0.5 * cov_part
    # int p^a q^(1-a) diverges: D = +inf for a > 0 (and -inf for Amari's a < 0, where
    # the divergence is expm1((a - 1) D) / (a (a - 1)) = inf all the same)
    return xp.where(ok, value, xp.inf if order >= 0 else -xp.inf)


# --------------------------------------------------------------------------
# Bures and Frechet.


def _psd_factor(S: Any) -> Any:
    """``G`` with ``G^T G = S`` for symmetric positive semi-definite ``S`` (``(d, d)``):
    ``L^T`` from Cholesky, or ``sqrt(max(lambda, 0)) V^T`` from the eigendecomposition
    where Cholesky fails (a singular ``S``)."""
    xp = B.namespace(S)
    if xp is np:
        try:
            return np.swapaxes(np.linalg.cholesky(S), -1, -2)
        except np.linalg.LinAlgError:
            lam, V = np.linalg.eigh(_sym(S))
            return np.sqrt(np.maximum(lam, 0.0))[..., :, None] * np.swapaxes(V, -1, -2)
    L = xp.linalg.cholesky(S)
    lam, V = xp.linalg.eigh(_sym(S))
    eig_factor = xp.sqrt(xp.maximum(lam, 0.0))[..., :, None] * xp.swapaxes(V, -1, -2)
    failed = xp.any(~xp.isfinite(L), axis=(-2, -1), keepdims=True)
    return xp.where(failed, eig_factor, xp.swapaxes(xp.where(xp.isfinite(L), L, 0.0), -1, -2))


def bures(G1: Any, G2: Any) -> Any:
    """Bures' ``tr S1 + tr S2 - 2 tr (S1^1/2 S2 S1^1/2)^1/2`` from factors ``G_i^T G_i = S_i``
    (``(r_i, d)``): the nuclear norm of ``G1 G2^T``; the Procrustes residual where the result
    is below 1% of the traces (see the module docstring). Never negative."""
    xp = B.namespace(G1, G2)
    M = G1 @ xp.swapaxes(G2, -1, -2)
    t1 = xp.sum(G1 * G1, axis=(-2, -1))
    t2 = xp.sum(G2 * G2, axis=(-2, -1))
    if xp is np:
        sigma = np.linalg.svd(M, compute_uv=False)
        fast = t1 + t2 - 2.0 * sigma.sum(-1)
        if np.all(fast >= 0.01 * (t1 + t2)):
            return fast
    P, sigma, Qt = xp.linalg.svd(M, full_matrices=False)
    if xp is not np:
        P, Qt = jax.lax.stop_gradient(P), jax.lax.stop_gradient(Qt)  # envelope theorem
    X, Y = xp.swapaxes(G1, -1, -2), xp.swapaxes(G2, -1, -2)  # d x r_i
    Qm = xp.swapaxes(Qt, -1, -2)  # r2 x k
    W = Qm @ xp.swapaxes(P, -1, -2)  # r2 x r1
    diff = X - Y @ W
    YQ = Y @ Qm
    resid = Y - YQ @ Qt
    return xp.sum(diff * diff, axis=(-2, -1)) + xp.sum(resid * resid, axis=(-2, -1))


def _frechet_from_factors(m1, G1, m2, G2):
    xp = B.namespace(m1, G1, m2, G2)
    d = m1 - m2
    return xp.sum(d * d, axis=-1) + bures(G1, G2)


def frechet_distance_gaussian(
    mu1: ArrayLike | MultivariateNormal,
    sigma1: ArrayLike | MultivariateNormal | None = None,
    mu2: ArrayLike | None = None,
    sigma2: ArrayLike | None = None,
) -> Any:
    r"""``W_2^2`` between ``N(mu1, sigma1)`` and ``N(mu2, sigma2)``: the Frechet distance
    ``|mu1 - mu2|^2 + tr S1 + tr S2 - 2 tr (S1^1/2 S2 S1^1/2)^1/2`` (squared, as FID
    reports it).

    Real and non-negative for every positive semi-definite input (singular or
    ill-conditioned included): no matrix square root is taken (see the module
    docstring). Also ``frechet_distance_gaussian(P, Q)`` for two
    :class:`MultivariateNormal`. ``sqrt`` of it is ``W_2``.

    Args:
      mu1, mu2: means ``(d,)``.
      sigma1, sigma2: covariances ``(d, d)``, symmetric positive semi-definite.

    Returns:
      The squared distance (float64 for NumPy input; JAX in, JAX out, differentiable).

    Example:
      >>> import numpy as np, divtools
      >>> float(divtools.frechet_distance_gaussian(np.zeros(2), np.eye(2), np.ones(2), 4 * np.eye(2)))
      4.0

    Reference: Dowson & Landau (1982); Heusel et al. (2017), FID.
    """
    if isinstance(mu1, Distribution) or is_multivariate_normal(mu1):
        if not is_multivariate_normal(sigma1) or mu2 is not None or sigma2 is not None:
            raise TypeError(
                "frechet_distance_gaussian: give (mu1, sigma1, mu2, sigma2) or two MultivariateNormal"
            )
        P, Q = as_multivariate_normal("p", mu1), as_multivariate_normal("q", sigma1)
        mu1, sigma1, mu2, sigma2 = P.mean, P.full_cov(), Q.mean, Q.full_cov()
    A = B.take(("mu1", "sigma1", "mu2", "sigma2"), (mu1, sigma1, mu2, sigma2), optional=())
    m1, S1, m2, S2 = A.values
    for name, m, S in (("1", m1, S1), ("2", m2, S2)):
        if m.ndim != 1 or S.shape != (m.shape[0], m.shape[0]):
            raise ValueError(
                f"mu{name}, sigma{name}: expected a mean (d,) and a covariance (d, d), got {m.shape} and {S.shape}"
            )
    if m1.shape != m2.shape:
        raise ValueError(f"mu1, mu2: different dimensions ({m1.shape[0]} and {m2.shape[0]})")
    if A.evaluator is not B.TRACE:
        for name, m, S in (("1", m1, S1), ("2", m2, S2)):
            check(f"sigma{name}", MultivariateNormal(np.asarray(m), np.asarray(S)))
            _check_psd(f"sigma{name}", np.asarray(S))
    xp = A.evaluator.xp
    if A.evaluator is B.NUMPY:
        S1, S2 = _sym(S1), _sym(S2)
        value = _frechet_from_factors(m1, _psd_factor(S1), m2, _psd_factor(S2))
        traces = np.trace(S1) + np.trace(S2)
        if value - np.sum((m1 - m2) ** 2) < 0.01 * traces:  # nearly equal covariances
            near = _bures_near(S1, S2)
            if near is not None:
                d = m1 - m2
                value = np.sum(d * d) + near
        return A.output(value)
    return A.output(
        _frechet_from_factors(m1, _psd_factor(_sym(xp.asarray(S1))), m2, _psd_factor(_sym(xp.asarray(S2))))
    )


def _bures_near(S1: np.ndarray, S2: np.ndarray) -> float | None:
    """Bures' ``B(S1, S2)`` to full relative accuracy for nearly equal covariances (NumPy),
    or None where the expansion does not apply.

    In the eigenvectors of ``S1 = V diag(lam) V^T``, with ``K = lam^1/2 V^T (S2 - S1) V lam^1/2``,
    ``(S1^1/2 S2 S1^1/2)^1/2 = V (diag(lam) + Z) V^T`` where ``Z`` solves
    ``lam Z + Z lam + Z^2 = K``, and then ``B = sum_ij Z_ij^2 / lam_i`` (the diagonal of
    that equation): a sum of squares, from the difference ``S2 - S1`` itself. ``Z`` is the
    fixed point of ``Z = (K - Z^2) / (lam_i + lam_j)``, a contraction when ``|Z| << lam``;
    it needs ``S1`` positive definite.
    """
    lam, V = np.linalg.eigh(S1)
    if lam[0] <= 1e-8 * lam[-1]:
        return None
    root = np.sqrt(lam)
    K = root[:, None] * (V.T @ (S2 - S1) @ V) * root[None, :]
    K = 0.5 * (K + K.T)
    denom = lam[:, None] + lam[None, :]
    Z = K / denom
    if np.max(np.abs(Z)) > 0.25 * lam[0]:
        return None
    for _ in range(200):
        Z_next = (K - Z @ Z) / denom
        if np.array_equal(Z_next, Z):
            break
        change = np.max(np.abs(Z_next - Z))
        Z = Z_next
        if change <= 1e-17 * np.max(np.abs(Z)):
            break
    return float(np.sum(Z * Z / lam[:, None]))


def _check_psd(name: str, S: np.ndarray) -> None:
    lam = np.linalg.eigvalsh(_sym(S))
    if lam.size and lam.min() < -1e-10 * max(abs(lam.max()), np.finfo(float).tiny):
        raise ValueError(f"{name}: must be positive semi-definite (smallest eigenvalue {lam.min():.3g})")


def frechet_distance(x: ArrayLike, y: ArrayLike) -> Any:
    r"""The Frechet distance between Gaussians fitted to samples ``x`` and ``y`` (FID's
    formula): ``|m_x - m_y|^2 + tr S_x + tr S_y - 2 tr (S_x^1/2 S_y S_x^1/2)^1/2`` with the
    sample means and unbiased covariances (``np.cov(rowvar=False)``).

    No matrix square root: each covariance enters through a factor ``G^T G = S``, the
    centred samples themselves where ``n <= d`` (so fewer samples than dimensions
    and singular covariances are fine) and the Cholesky factor of ``S`` otherwise;
    the trace term is the nuclear norm of ``G_x G_y^T``. Real and non-negative for
    every input, where ``scipy.linalg.sqrtm(S_x @ S_y)`` (pytorch-fid, clean-fid)
    returns complex values, NaN or negative distances on rank-deficient or
    ill-conditioned covariances.

    Args:
      x, y: samples ``(n_x, d)`` and ``(n_y, d)``, ``n >= 2``; float64 for NumPy input.

    Returns:
      The squared ``W_2`` between the fitted Gaussians (FID when ``x``, ``y`` are
      Inception features). JAX in, JAX out (``jit``, ``grad``).

    Example:
      >>> import numpy as np, divtools
      >>> rng = np.random.default_rng(0)
      >>> x = rng.normal(size=(500, 3)); y = rng.normal(size=(500, 3)) + [2.0, 0.0, 0.0]
      >>> 3.5 < float(divtools.frechet_distance(x, y)) < 4.5
      True

    References: Heusel et al. (2017), NeurIPS (FID); Dowson & Landau (1982).
    """
    A = B.take(("x", "y"), (x, y), optional=())
    X, Y = A.values
    for name, s in (("x", X), ("y", Y)):
        if s.ndim != 2 or s.shape[0] < 2 or s.shape[1] < 1:
            raise ValueError(f"{name}: expected samples of shape (n, d) with n >= 2, got shape {s.shape}")
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"x, y: different dimensions ({X.shape[1]} and {Y.shape[1]})")
    if A.evaluator is not B.TRACE:
        for name, s in (("x", X), ("y", Y)):
            if not np.all(np.isfinite(np.asarray(s))):
                raise ValueError(f"{name}: contains NaN or inf")
    return A.output(_frechet_samples(X, Y))


def _sample_factor(X: Any) -> tuple[Any, Any]:
    """The mean and a factor ``G`` with ``G^T G = cov(X)``: the centred samples over
    ``sqrt(n - 1)`` when ``n <= d``, else the transposed Cholesky factor of the covariance."""
    xp = B.namespace(X)
    n, d = X.shape
    mean = xp.mean(X, axis=0)
    F = (X - mean) / math.sqrt(n - 1)
    if n <= d:
        return mean, F
    return mean, _psd_factor(_sym(xp.swapaxes(F, -1, -2) @ F))


def _frechet_samples(X: Any, Y: Any) -> Any:
    m1, G1 = _sample_factor(X)
    m2, G2 = _sample_factor(Y)
    return _frechet_from_factors(m1, G1, m2, G2)


# --------------------------------------------------------------------------
# Divergences between two multivariate normals.


def _pd_check(name: str, d: MultivariateNormal) -> None:
    if d.is_traced():
        return
    c = np.asarray(d.cov, np.float64)
    if d.diagonal:
        if np.any(c <= 0):
            raise ValueError(
                f"{name}: the variances must be positive for this divergence (minimum {c.min():.3g})"
            )
        return
    try:
        np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        raise ValueError(
            f"{name}: MultivariateNormal.cov must be positive definite for this divergence "
            "(a degenerate Gaussian has no density; W_2 takes it: frechet_distance_gaussian)"
        ) from None


def _pair(P: MultivariateNormal, Q: MultivariateNormal, names=("p", "q")):
    P, Q = as_multivariate_normal(names[0], P), as_multivariate_normal(names[1], Q)
    if P.dim != Q.dim:
        raise ValueError(f"{names[0]}, {names[1]}: different dimensions ({P.dim} and {Q.dim})")
    _pd_check(names[0], P)
    _pd_check(names[1], Q)
    diagonal = P.diagonal and Q.diagonal
    if diagonal:
        return P.mean, P.cov, Q.mean, Q.cov, True
    return P.mean, P.full_cov(), Q.mean, Q.full_cov(), False


def _evaluate(fn, P, Q, names, **static):
    m1, c1, m2, c2, diagonal = _pair(P, Q, names)
    A = B.take(("p.mean", "p.cov", "q.mean", "q.cov"), (m1, c1, m2, c2), optional=())
    with np.errstate(all="ignore"):
        return A.output(fn(*A.values, diagonal=diagonal, **static))


def gaussian_divergence(P: Any, Q: Any, gen: Any, log_base: float | None, names=("p", "q")) -> Any:
    """``D_f(P || Q)`` between two multivariate normals for the generators with a closed
    form (:data:`GAUSSIAN_CLOSED_FORMS`); ``TypeError`` for the others."""
    family = gen.family
    name = gen.name
    if name == "kl":
        value = _evaluate(_kl, P, Q, names)
    elif name == "reverse_kl":
        value = _evaluate(_kl, Q, P, names[::-1])
    elif name == "jeffreys":
        value = _evaluate(_jeffreys, P, Q, names)
    elif name in ("pearson", "neyman"):
        first, second = (P, Q) if name == "pearson" else (Q, P)
        D2 = _evaluate(_renyi, first, second, names, order=2.0)
        value = B.namespace(D2).expm1(D2)
    elif name == "squared_hellinger":
        D = _evaluate(_renyi, P, Q, names, order=0.5)
        value = -2.0 * B.namespace(D).expm1(-0.5 * D)
    elif isinstance(family, tuple) and family[0] == "alpha":
        a = float(family[1])
        D = _evaluate(_renyi, P, Q, names, order=a)  # Renyi's formula continued to a < 0
        value = B.namespace(D).expm1((a - 1.0) * D) / (a * (a - 1.0))
    else:
        raise TypeError(
            f"{names[0]}, {names[1]}: no closed form for {name} between multivariate normals; "
            f"closed forms: {GAUSSIAN_CLOSED_FORMS}. (Quadrature is one-dimensional; for d = 1 "
            "use divtools.Normal.)"
        )
    return value if log_base is None else value / log_base


def renyi(P: Any, Q: Any, order: float, log_base: float | None, names=("p", "q")) -> Any:
    """``D_a(P || Q)`` between multivariate normals, ``a`` in ``[0, inf]``."""
    if order == 1.0:
        value = _evaluate(_kl, P, Q, names)
    elif order == 0.0:
        _pair(P, Q, names)
        value = 0.0 * _evaluate(_kl, P, Q, names)  # the supports coincide: -log 1
    elif order == math.inf:
        value = _evaluate(_renyi_infinite, P, Q, names)
    else:
        value = _evaluate(_renyi, P, Q, names, order=order)
    return value if log_base is None else value / log_base


def _renyi_infinite(m1, c1, m2, c2, *, diagonal: bool):
    """``log sup p/q = sum_i (y_i^2/(-u_i) - log1p(u_i)) / 2``, finite only where every
    ``u_i < 0`` (``S_Q - S_P`` positive definite) or ``u_i = y_i = 0``; ``inf`` otherwise."""
    xp = B.namespace(m1, c1, m2, c2)
    u, y, _ = _whitened(m1, c1, m2, c2, diagonal, vectors=True)
    neg = u < 0
    ok = xp.all(neg | ((u == 0) & (y == 0)), axis=-1)  # u = 0 contributes only with y = 0
    us = xp.where(neg, u, -0.5)
    value = 0.5 * xp.sum(xp.where(neg, -nx.log1p(us) + y * y / (-us), 0.0), axis=-1)
    return xp.where(ok, value, xp.inf)


def bhattacharyya(P: Any, Q: Any, log_base: float | None, names=("p", "q")) -> Any:
    value = 0.5 * _evaluate(_renyi, P, Q, names, order=0.5)
    return value if log_base is None else value / log_base


# --------------------------------------------------------------------------
# Mutual information.


def gaussian_mutual_information(
    cov: ArrayLike, x: int | ArrayLike, y: ArrayLike | None = None, *, base: float | None = None
) -> Any:
    r"""``I(X; Y)`` of a jointly Gaussian vector with covariance ``cov``:
    ``-sum_i log(1 - rho_i^2) / 2`` over the canonical correlations ``rho_i`` (the
    singular values of ``L_X^-1 S_XY L_Y^-T``); equal to
    ``(log det S_X + log det S_Y - log det S) / 2`` without its cancellation when the
    dependence is weak. The ground truth for :func:`divtools.variational.mutual_information`
    on Gaussian data.

    Args:
      cov: the joint covariance ``(..., d, d)``, positive definite.
      x: the coordinates of ``X``: a number ``k`` (the first ``k``) or a sequence of indices.
      y: the coordinates of ``Y`` (default: the others).
      base: ``None`` for nats, ``2`` for bits.

    Example:
      >>> import numpy as np
      >>> from divtools.distributions import gaussian_mutual_information
      >>> rho = 0.75
      >>> round(float(gaussian_mutual_information([[1, rho], [rho, 1]], 1)), 12)   # -log(1 - rho^2)/2
      0.413339286592

    Reference: Cover & Thomas (2006), section 8.5; Hotelling (1936) (canonical correlations).
    """
    log_base = validate.check_base(base, True, "gaussian_mutual_information")
    A = B.take(("cov",), (cov,), optional=())
    (S,) = A.values
    if S.ndim < 2 or S.shape[-1] != S.shape[-2] or S.shape[-1] < 2:
        raise ValueError(f"cov: expected a square covariance (..., d, d) with d >= 2, got shape {S.shape}")
    d = S.shape[-1]
    if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
        if not 1 <= x < d:
            raise ValueError(f"x: the number of coordinates of X must be in [1, {d - 1}], got {x}")
        ix = list(range(int(x)))
    else:
        ix = [int(i) for i in np.asarray(x).ravel()]
    iy = [i for i in range(d) if i not in ix] if y is None else [int(i) for i in np.asarray(y).ravel()]
    if not ix or not iy or set(ix) & set(iy) or any(not 0 <= i < d for i in ix + iy):
        raise ValueError(
            f"x, y: expected disjoint, non-empty sets of coordinates in [0, {d}), got {ix} and {iy}"
        )
    if A.evaluator is not B.TRACE:
        h = np.asarray(S)
        if not np.all(np.isfinite(h)):
            raise ValueError("cov: must be finite")
        try:
            np.linalg.cholesky(_sym(h))
        except np.linalg.LinAlgError:
            raise ValueError("cov: must be positive definite") from None
    xp = A.evaluator.xp
    S = _sym(S)
    Sxx = S[..., ix, :][..., :, ix]
    Syy = S[..., iy, :][..., :, iy]
    Sxy = S[..., ix, :][..., :, iy]
    Lx, Ly = xp.linalg.cholesky(Sxx), xp.linalg.cholesky(Syy)
    K = _solve_lower(Lx, Sxy)
    K = xp.swapaxes(_solve_lower(Ly, xp.swapaxes(K, -1, -2)), -1, -2)
    rho = xp.linalg.svd(K, compute_uv=False)
    rho = xp.minimum(rho, 1.0)
    value = -0.5 * xp.sum(nx.log1p(-rho * rho), axis=-1)
    if log_base is not None:
        value = value / log_base
    return A.output(value)
