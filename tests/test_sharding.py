"""Data parallelism on 8 simulated CPU devices: the same estimate as on one device
for the same key (to float64 rounding), the work spread over the devices, and the
``devices`` argument checked. The checks run in a subprocess, because JAX fixes the
number of host devices when it starts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import divtools.variational as dv
from divtools import gan

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCRIPT = textwrap.dedent(
    """
    import json
    import jax, numpy as np
    import divtools.variational as dv
    from divtools import gan

    assert len(jax.devices()) == 8
    rng = np.random.default_rng(0)
    x_p = rng.normal(0.0, 1.0, (4000, 2))
    x_q = rng.normal(0.5, 1.0, (4000, 2))
    out = {}

    def spread(tree):
        return len(jax.tree_util.tree_leaves(tree)[0].sharding.device_set)

    kw = dict(steps=200, batch_size=256)
    one = dv.estimate("kl", x_p, x_q, key=0, **kw)
    many = dv.estimate("kl", x_p, x_q, key=0, devices="all", **kw)
    out["estimate"] = [float(one.value), float(many.value), spread(many.critic.network)]

    one = dv.estimate("js", x_p, x_q, key=np.arange(8), **kw)
    many = dv.estimate("js", x_p, x_q, key=np.arange(8), devices=8, **kw)
    out["estimate_runs"] = [np.asarray(one.value).tolist(), np.asarray(many.value).tolist(), spread(many.value)]

    x = x_p[:, :1]
    y = 0.8 * x + 0.6 * x_q[:, :1]
    one = dv.mutual_information(x, y, key=1, steps=200, batch_size=64)
    many = dv.mutual_information(x, y, key=1, steps=200, batch_size=64, devices=jax.devices()[:4])
    out["mutual_information"] = [float(one.value), float(many.value), spread(many.critic.network)]

    data = rng.normal(2.0, 0.5, (2000, 1))
    one = gan.train(data, key=2, steps=100)
    many = gan.train(data, key=2, steps=100, devices="all")
    out["gan"] = [float(one.history.distance[-1]), float(many.history.distance[-1]), spread(many.generator.layers)]
    print("RESULT", json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def eight_devices():
    env = dict(
        os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=8", JAX_ENABLE_X64="0", PYTHONPATH=ROOT
    )
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(s for s in result.stdout.splitlines() if s.startswith("RESULT "))
    import json

    return json.loads(line.removeprefix("RESULT "))


def test_estimate_split_over_devices_equals_one_device(eight_devices):
    one, many, spread = eight_devices["estimate"]
    assert spread == 8  # replicated parameters on every device
    assert abs(many - one) <= 1e-9 * abs(one)


def test_runs_spread_over_devices_equal_one_device(eight_devices):
    one, many, spread = eight_devices["estimate_runs"]
    assert spread == 8
    np.testing.assert_allclose(many, one, rtol=1e-9)


def test_mutual_information_over_four_devices(eight_devices):
    one, many, spread = eight_devices["mutual_information"]
    assert spread == 4
    assert abs(many - one) <= 1e-9 * abs(one)


def test_gan_over_devices(eight_devices):
    one, many, spread = eight_devices["gan"]
    assert spread == 8
    assert abs(many - one) <= 1e-9 * max(abs(one), 1e-3)


def test_devices_are_checked():
    x = np.random.default_rng(0).normal(size=(100, 1))
    with pytest.raises(ValueError, match="devices"):
        dv.estimate("kl", x, x + 1, key=0, devices="every")
    with pytest.raises(TypeError, match="devices"):
        dv.estimate("kl", x, x + 1, key=0, devices=[0, 1])
    with pytest.raises(ValueError, match="devices"):
        gan.train(x, key=0, devices=1000)
