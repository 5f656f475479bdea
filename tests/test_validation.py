"""Bad input gets a ValueError (or TypeError) naming the argument and the problem."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import divtools

GOOD = np.array([0.2, 0.3, 0.5])


@pytest.mark.parametrize(
    "bad, message",
    [
        ([0.5, -0.1, 0.6], "negative entries"),
        ([0.5, math.nan, 0.5], "contains NaN"),
        ([0.5, math.inf, 0.5], "contains inf"),
        ([0.5, -math.inf, 0.5], "contains -inf"),
        ([0.0, 0.0, 0.0], "all-zero mass"),
        ([0.2, 0.2, 0.2], "does not sum to 1"),
    ],
)
@pytest.mark.parametrize("fn", [divtools.kl, divtools.js, divtools.tv, divtools.chi2])
def test_bad_values_name_the_argument(fn, bad, message):
    with pytest.raises(ValueError, match=f"^q: .*{message}"):
        fn(GOOD, bad)
    with pytest.raises(ValueError, match=f"^p: .*{message}"):
        fn(bad, GOOD)
    with pytest.raises(ValueError, match=f"^p: .*{message}"):  # JAX arrays, eagerly
        fn(jnp.asarray(bad), jnp.asarray(GOOD))


def test_batch_index_of_the_bad_row():
    P = np.tile(GOOD, (4, 1))
    P[2] = [0.6, -0.1, 0.5]
    with pytest.raises(ValueError, match=r"batch index \(2,\)"):
        divtools.kl(P, GOOD)


@pytest.mark.parametrize(
    "p, q, message",
    [
        (np.array([]), np.array([]), "is empty"),
        (GOOD, np.array([0.5, 0.5]), "different numbers of outcomes"),
        (np.ones((2, 3)) / 3, np.ones((3, 3)) / 3, "do not broadcast"),
        (np.float64(1.0), GOOD, "at least one dimension"),
    ],
)
def test_bad_shapes(p, q, message):
    with pytest.raises(ValueError, match=message):
        divtools.kl(p, q)
    with pytest.raises(ValueError, match=message):  # static: raised under jit too
        jax.jit(divtools.kl)(jnp.asarray(p), jnp.asarray(q))


def test_axis():
    P = np.array([[0.2, 0.5], [0.8, 0.5]])  # distributions in the columns
    np.testing.assert_allclose(
        divtools.kl(P, P[:, ::-1], axis=0), [divtools.kl(P[:, 0], P[:, 1]), divtools.kl(P[:, 1], P[:, 0])]
    )
    with pytest.raises(ValueError, match="axis: 2 is out of range"):
        divtools.kl(P, P, axis=2)
    with pytest.raises(TypeError, match="axis"):
        divtools.kl(P, P, axis=0.5)


@pytest.mark.parametrize("base", [0, -2, 1, math.nan, math.inf, "two"])
def test_bad_base(base):
    with pytest.raises(ValueError, match="^base: "):
        divtools.kl(GOOD, GOOD, base=base)


def test_base_only_for_information_divergences():
    with pytest.raises(ValueError, match="base: pearson is not an information divergence"):
        divtools.f_divergence(GOOD, GOOD, "pearson", base=2)


def test_bad_dtypes_and_objects():
    with pytest.raises(TypeError, match="^p: expected real numbers"):
        divtools.kl(np.array([0.5 + 0j, 0.5]), [0.5, 0.5])
    with pytest.raises(TypeError, match="^q: "):
        divtools.kl([0.5, 0.5], ["a", "b"])
    with pytest.raises(TypeError, match="f: expected a name"):
        divtools.f_divergence(GOOD, GOOD, 3)


def test_weights():
    for weights in [(0.3, 0.3), (1.2, -0.2), (0.5,), "ab"]:
        with pytest.raises(ValueError, match="^weights: "):
            divtools.js(GOOD, GOOD, weights=weights)
    assert divtools.js(GOOD, [0.5, 0.3, 0.2], weights=(1.0, 0.0)) == 0.0


def test_normalize_accepts_counts_but_not_garbage():
    assert divtools.tv([2, 3, 5], [5, 3, 2], normalize=True) == pytest.approx(0.3)
    with pytest.raises(ValueError, match="^p: has negative"):
        divtools.tv([2, -3, 5], [5, 3, 2], normalize=True)
    with pytest.raises(ValueError, match="^q: a distribution has all-zero"):
        divtools.tv([2, 3, 5], [0, 0, 0], normalize=True)


def test_tolerance_scales_with_length_and_dtype():
    from divtools._core.validate import normalization_tolerance

    assert normalization_tolerance(3, np.float64) < 1e-13
    assert normalization_tolerance(10**6, np.float64) < 2e-11
    assert normalization_tolerance(1000, np.float32) < 1e-3
    p = np.full(10, 0.1)  # sums to 0.9999999999999999
    assert divtools.kl(p, p) == 0.0
    p32 = np.full(1000, 1e-3, dtype=np.float32)  # float32 rounding: accepted
    assert divtools.kl(p32, p32) == 0.0


def test_traced_values_are_not_checked():
    """Under jit the values are unknown: no error; the inputs are divided by their sums."""
    out = jax.jit(divtools.kl)(jnp.array([2.0, 2.0]), jnp.array([1.0, 3.0]))
    assert float(out) == pytest.approx(divtools.kl([0.5, 0.5], [0.25, 0.75]), rel=1e-14)
    assert math.isnan(float(jax.jit(divtools.kl)(jnp.array([math.nan, 1.0]), jnp.array([0.5, 0.5]))))
