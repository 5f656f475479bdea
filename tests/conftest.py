"""Test configuration: x64 once for the whole run, hypothesis profiles.

``HYPOTHESIS_PROFILE=divtools-thorough pytest`` runs the property tests with
1000 examples each; the default ``divtools-ci`` profile is fast and
deterministic.
"""

import os

# XLA's CPU thunk runtime compiles each program several times slower on this
# hardware (6 s against 2 s for a training loop); the tests compile hundreds.
# Set before JAX is imported; an XLA_FLAGS the user exported is kept.
if "xla_cpu_use_thunk_runtime" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()

import jax  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

from divtools.testing import register_profiles  # noqa: E402

jax.config.update("jax_enable_x64", True)

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "divtools-ci"))


@pytest.fixture(scope="session")
def rng():
    import numpy as np

    return np.random.default_rng(20261121)
