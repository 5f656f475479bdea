"""The two evaluators of the array rule: NumPy for small concrete input, XLA otherwise.

* The accuracy panel (``test_accuracy.py``'s cases) passes on each evaluator,
  and the two agree to the panel's tolerance.
* In a fresh process, ``import divtools`` and the first call of every public
  function on small concrete input import no JAX, so compile nothing; with JAX
  imported first (a notebook), the same calls log no compilation.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
import zlib

import numpy as np
import pytest
import reference as R

import divtools
from divtools._core import backend
from divtools.discrete import pmf
from divtools.discrete.generators import alpha, skew_js

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPS = 2.0**-52
TABLE = list(divtools.GENERATORS)
FAMILY = {
    "alpha(-1)": alpha(-1.0),
    "alpha(0.5)": alpha(0.5),
    "alpha(3)": alpha(3.0),
    "skew_js(0.2)": skew_js(0.2),
}


def panel(name: str) -> list:
    """The accuracy panel's classes of input: nearly equal pairs (eps 1e-1 to 1e-12),
    masses down to 1e-300 (1e-100 for the families), zeros in either argument, counts."""
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    spread = 300 if name in TABLE else 100
    cases = []
    for eps in (1e-1, 1e-4, 1e-8, 1e-12):
        n = int(rng.integers(2, 40))
        p = 10.0 ** rng.uniform(-12, 0, n)
        p /= p.sum()
        q = p * (1 + eps * rng.uniform(-1, 1, n))
        cases.append((p, q / q.sum(), False))
    for _ in range(3):
        n = int(rng.integers(2, 40))
        p, q = 10.0 ** rng.uniform(-spread, 0, (2, n))
        p[rng.random(n) < 0.3] = 0.0
        q[rng.random(n) < 0.3] = 0.0
        p[0], q[1 % n] = 1.0, 1.0
        cases.append((p / p.sum(), q / q.sum(), False))
    counts = rng.integers(1, 1000, (2, 17)).astype(float)
    cases.append((counts[0], counts[1], True))
    cases.append((counts[0], counts[0] * (1 + 1e-9 * rng.uniform(-1, 1, 17)), True))
    return cases


def value(p, q, name, normalize, evaluator):
    gen = FAMILY.get(name, name)
    if evaluator == "numpy":
        return float(divtools.f_divergence(p, q, gen, normalize=normalize))
    saved = pmf.XLA_ABOVE
    pmf.XLA_ABOVE = 0  # every concrete input to the compiled passes
    try:
        return float(divtools.f_divergence(p, q, gen, normalize=normalize))
    finally:
        pmf.XLA_ABOVE = saved


@pytest.mark.parametrize("name", TABLE + list(FAMILY))
def test_panel_passes_on_both_evaluators_and_they_agree(name):
    tol = 8 * EPS if name in TABLE else 1e-13
    for p, q, normalize in panel(name):
        ref = R.divergence(p, q, name)
        on_numpy = value(p, q, name, normalize, "numpy")
        on_xla = value(p, q, name, normalize, "xla")
        for v in (on_numpy, on_xla):
            assert R.relative_error(v, ref) <= tol, (name, v, float(ref))
        if math.isfinite(on_numpy):
            assert abs(on_numpy - on_xla) <= tol * abs(on_xla) + 1e-300, (name, on_numpy, on_xla)
        else:
            assert on_numpy == on_xla


def test_evaluator_choice():
    """Small concrete input on NumPy, large on XLA, traced inline; JAX in stays JAX."""
    import jax
    import jax.numpy as jnp

    small = backend.take(("p",), (np.ones(8),), xla_above=100)
    assert small.evaluator is backend.NUMPY and not small.jax_out
    large = backend.take(("p",), (np.ones(200),), xla_above=100)
    assert large.evaluator is backend.XLA and not large.jax_out
    j = backend.take(("p",), (jnp.ones(8),), xla_above=100)
    assert j.evaluator is backend.NUMPY and j.jax_out  # CPU and small: NumPy, returned as JAX
    seen = []
    jax.jit(lambda x: seen.append(backend.take(("p",), (x,)).evaluator) or x)(jnp.ones(3))
    assert seen == [backend.TRACE]


_CALLS = """
import json, logging, sys
import numpy as np
import scipy.stats as st
{prelude}
import divtools
assert "jax" not in sys.modules or {jax_first}, "import divtools imported JAX"
p, q = np.array([0.5, 0.3, 0.2]), np.array([0.1, 0.6, 0.3])
D = np.abs(np.subtract.outer([0.0, 1.0, 3.0], [0.0, 1.0, 3.0]))
values = []
for name, gen in divtools.GENERATORS.items():
    values.append(divtools.f_divergence(p, q, name, base=2 if gen.logarithmic else None))
values += [
    divtools.kl(p, q), divtools.js(p, q, weights=(0.3, 0.7)), divtools.tv(p, q), divtools.chi2(p, q),
    divtools.jeffreys(p, q), divtools.squared_hellinger(p, q), divtools.bhattacharyya(p, q),
    divtools.alpha_divergence(p, q, 0.3), divtools.kl([3, 1, 0], [1, 1, 2], normalize=True),
    divtools.kl(np.stack([p, q]), q), divtools.kl(p.astype(np.float32), q.astype(np.float32)),
    divtools.kl(divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0)),
    divtools.tv(divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0)),
    divtools.js(divtools.Uniform(0.0, 1.0), divtools.Uniform(0.5, 2.0)),
    divtools.kl(divtools.Bernoulli(0.3), divtools.Bernoulli(0.6)),
    divtools.kl(divtools.Categorical(p), divtools.Categorical(q)),
    divtools.kl(st.norm(0, 1), st.norm(1, 2)), divtools.js(st.norm(0, 1), st.laplace(0, 1)),
    divtools.kl(st.poisson(3), st.poisson(4)),
    divtools.wasserstein_1d([0.0, 1.0, 3.0], [0.5, 2.0]),
    divtools.wasserstein_1d([0.0, 1.0, 3.0], [0.5, 2.0], [1, 2, 3], [2, 1], p=2),
    divtools.wasserstein_1d([0.0, 1.0, 3.0], [0.5, 2.0], p=math.inf),
    divtools.wasserstein_1d(divtools.Normal(0.0, 1.0), divtools.Normal(1.0, 2.0), p=2),
    divtools.wasserstein_1d(st.norm(0, 1), st.laplace(0, 1)),
    divtools.wasserstein(p, q, divtools.LineMetric([0.0, 1.0, 3.0], [0.0, 1.0, 3.0])),
    divtools.wasserstein(p, q, divtools.TreeMetric([-1, 0, 0], [0.0, 1.0, 2.0])),
    divtools.kantorovich_potential_1d([0.0, 1.0], [2.0]).value,
    divtools.mmd2(np.zeros((3, 1)), np.ones((2, 1))), divtools.mmd2_discrete(p, q, np.eye(3)),
    divtools.games.bayes_error(p, q), divtools.games.cross_entropy_value(p, q),
    divtools.games.zero_one_error([1.0, 0.0, 0.0], p, q), divtools.games.gan_optimal_value(p, q),
    divtools.games.gan_value(divtools.games.gan_optimal_discriminator(p, q), p, q),
    divtools.games.cross_entropy_decomposition(0.3, 0.4).kl,
    divtools.duality.f_dual_value(divtools.duality.optimal_critic(p, q, "js"), p, q, "js"),
    divtools.duality.density_ratio_from_classifier(0.3), divtools.duality.log_partition(np.log(p)),
    divtools.duality.gibbs_objective(q, np.log(p)), divtools.duality.ebm_log_likelihood(p, np.log(q)).log_likelihood,
    divtools.examples.parallel_lines(0.5, 4).distance.sum(),
]
values += [divtools.optimal_transport(p, q, D).value, divtools.wasserstein(p, q, D, p=2),
           divtools.kantorovich_rubinstein(p, q, D).value]
assert all(np.isfinite(np.asarray(v, dtype=float)).all() for v in values[len(divtools.GENERATORS):])
assert "ot" not in sys.modules  # small transport problems: the NumPy simplex, not POT
print(json.dumps(dict(n=len(values), jax_imported="jax" in sys.modules, compiles=compiles())))
"""


def run(prelude: str, jax_first: bool) -> dict:
    code = _CALLS.replace("{prelude}", prelude).replace("{jax_first}", str(jax_first))
    env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu")
    env.pop("JAX_ENABLE_X64", None)
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def test_first_calls_import_no_jax():
    result = run("import math\ndef compiles():\n    return 0", jax_first=False)
    assert result["n"] > 50
    assert not result["jax_imported"]


def test_first_calls_compile_nothing_with_jax_imported_first():
    prelude = textwrap.dedent("""
        import math, jax
        jax.config.update("jax_log_compiles", True)
        _compiled = []
        class _Count(logging.Handler):
            def emit(self, record):
                if "ompil" in record.getMessage():
                    _compiled.append(record.getMessage())
        logging.getLogger("jax").addHandler(_Count())
        logging.getLogger("jax").setLevel(logging.DEBUG)
        def compiles():
            return _compiled
    """)
    result = run(prelude, jax_first=True)
    assert result["compiles"] == []
