"""The array rule in a fresh process with JAX's defaults (x64 off), and sharding.

These run in subprocesses: the test session enables x64 once (conftest), and
simulated CPU devices must be requested before JAX starts.
"""

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code: str, env: dict | None = None) -> str:
    full_env = dict(os.environ, PYTHONPATH=ROOT, JAX_PLATFORMS="cpu", **(env or {}))
    full_env.pop("JAX_ENABLE_X64", None)
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_numpy_float64_is_computed_in_float64_without_touching_the_flag():
    out = run("""
        import warnings; warnings.simplefilter("error")
        import math, numpy as np, jax, jax.numpy as jnp
        import divtools
        assert not jax.config.jax_enable_x64
        p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
        v = divtools.kl(p, q)
        assert isinstance(v, np.float64), type(v)
        exact = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(5.0)
        assert abs(v - exact) <= 4e-16 * exact, (v, exact)  # a few ulps
        # nearly equal pair: float64 digits that float32 could not hold
        r = np.random.default_rng(0).dirichlet(np.ones(50)); s = r * (1 + 1e-9 * np.sin(np.arange(50)))
        s /= s.sum()
        small = divtools.kl(r, s)
        assert 0 < small < 1e-15 and small.dtype == np.float64
        assert divtools.kl([0.5, 0.5], [0.9, 0.1]).dtype == np.float64      # lists
        assert not jax.config.jax_enable_x64                                # flag untouched
        j = divtools.kl(jnp.array([0.5, 0.5]), jnp.array([0.9, 0.1]))     # JAX: float32
        assert isinstance(j, jax.Array) and j.dtype == jnp.float32
        assert abs(float(j) - exact) <= 4e-7 * exact
        g = jax.grad(divtools.kl)(jnp.array([0.5, 0.5]), jnp.array([0.9, 0.1]))
        assert g.dtype == jnp.float32
        print("ok")
    """)
    assert out.strip() == "ok"


def test_transport_functions_follow_the_rule_with_x64_off():
    out = run("""
        import warnings; warnings.simplefilter("error")
        import math, numpy as np, jax, jax.numpy as jnp, scipy.stats as st
        import divtools
        rng = np.random.default_rng(0)
        u, v, a, b = rng.random(30), rng.random(20) + 1e-9, rng.random(30), rng.random(20)
        w = divtools.wasserstein_1d(u, v, a, b, p=2)
        assert isinstance(w, np.float64), type(w)
        # same as the float64 value computed with x64 on in JAX
        with jax.enable_x64(True):
            wj = divtools.wasserstein_1d(jnp.asarray(u), jnp.asarray(v), jnp.asarray(a), jnp.asarray(b), p=2)
            assert wj.dtype == jnp.float64
        assert abs(float(wj) - w) <= 1e-15 * w
        x, y = rng.standard_normal((40, 2)), rng.standard_normal((30, 2))
        s = divtools.sliced_wasserstein(x, y, key=jax.random.key(0))
        assert isinstance(s, np.float64), type(s)
        sj = divtools.sliced_wasserstein(jnp.asarray(x), jnp.asarray(y), key=jax.random.key(0))
        assert sj.dtype == jnp.float32 and abs(float(sj) - s) <= 1e-5 * s
        r = divtools.optimal_transport(a / a.sum(), a / a.sum(), np.abs(u[:, None] - u[None]))
        assert r.value == 0.0 and r.plan.dtype == np.float64
        assert abs(divtools.wasserstein_1d(st.norm(0, 1), st.norm(1, 2), p=2) - math.sqrt(2)) < 1e-10
        assert not jax.config.jax_enable_x64
        print("ok")
    """)
    assert out.strip() == "ok"


def test_float64_numpy_mixed_with_float32_jax_warns():
    out = run("""
        import warnings, numpy as np, jax.numpy as jnp, divtools
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            v = divtools.kl(jnp.array([0.5, 0.5]), np.array([0.9, 0.1]))
        assert v.dtype == jnp.float32
        assert any("computed in float32" in str(x.message) for x in w), [str(x.message) for x in w]
        print("ok")
    """)
    assert out.strip() == "ok"


def test_batched_work_shards_across_devices():
    out = run(
        """
        import numpy as np, jax, jax.numpy as jnp
        from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
        jax.config.update("jax_enable_x64", True)
        import divtools
        devices = jax.devices()
        assert len(devices) == 4, devices
        mesh = Mesh(np.array(devices), ("batch",))
        rng = np.random.default_rng(0)
        A = rng.dirichlet(np.ones(64), 16); B = rng.dirichlet(np.ones(64), 16)
        sharding = NamedSharding(mesh, P("batch", None))
        As, Bs = jax.device_put(A, sharding), jax.device_put(B, sharding)
        for name in ["kl", "js", "tv", "squared_hellinger"]:
            f = jax.jit(lambda p, q: divtools.f_divergence(p, q, name))
            sharded = f(As, Bs)
            assert len(sharded.sharding.device_set) == 4, sharded.sharding
            assert sharded.sharding.spec == P("batch"), sharded.sharding.spec
            reference = divtools.f_divergence(A, B, name)
            np.testing.assert_allclose(np.asarray(sharded), reference, rtol=1e-15)
            eager = divtools.f_divergence(As, Bs, name)   # concrete sharded input, eager path
            np.testing.assert_allclose(np.asarray(eager), reference, rtol=1e-15)
        print("ok")
    """,
        env={"XLA_FLAGS": "--xla_force_host_platform_device_count=4"},
    )
    assert out.strip() == "ok"
