"""Test configuration: x64 once for the whole run, hypothesis profiles.

``HYPOTHESIS_PROFILE=divtools-thorough pytest`` runs the property tests with
1000 examples each; the default ``divtools-ci`` profile is fast and
deterministic.
"""

import os

import jax
import pytest
from hypothesis import settings

from divtools.testing import register_profiles

jax.config.update("jax_enable_x64", True)

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "divtools-ci"))


@pytest.fixture(scope="session")
def rng():
    import numpy as np

    return np.random.default_rng(20261121)
