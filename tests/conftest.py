"""Test configuration: x64 once for the whole run, a shared compilation cache,
hypothesis profiles.

``HYPOTHESIS_PROFILE=divtools-thorough pytest`` runs the property tests with
1000 examples each; the default ``divtools-ci`` profile is fast and
deterministic.
"""

import os
import tempfile

# XLA's CPU thunk runtime compiles each program several times slower on this
# hardware (6 s against 2 s for a training loop); the tests compile hundreds.
# Set before JAX is imported; an XLA_FLAGS the user exported is kept.
if "xla_cpu_use_thunk_runtime" not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_cpu_use_thunk_runtime=false").strip()

# JAX's persistent compilation cache, shared by the pytest-xdist workers and the
# notebooks' subprocesses (they inherit the environment): a program compiled by one
# process is read by the others. Entries are keyed by the program, the options and
# the JAX version, so a cache left by an earlier run is safe to reuse.
os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", os.path.join(tempfile.gettempdir(), "divtools-jax-cache"))
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "-1")

import jax
import pytest
from hypothesis import settings

from divtools.testing import register_profiles

jax.config.update("jax_enable_x64", True)

register_profiles()
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "divtools-ci"))


@pytest.fixture
def rng(request):
    """A generator seeded by the test's own id: each test draws the same numbers
    whatever the order the tests run in, alone or across pytest-xdist's workers."""
    import zlib

    import numpy as np

    return np.random.default_rng([20261121, zlib.crc32(request.node.nodeid.encode())])


def pytest_collection_modifyitems(config, items):
    """Start the long runs first (notebooks, GAN training), so that pytest-xdist's
    workers share them out rather than one worker finishing them alone at the end."""
    order = ("tests/test_notebooks.py", "tests/test_gan.py")
    items.sort(
        key=lambda item: next((i for i, f in enumerate(order) if item.nodeid.startswith(f)), len(order))
    )


@pytest.fixture
def compilations(caplog):
    """``compilations(call)``: the messages of the XLA compilations that ``call()`` triggers."""
    import logging

    def count(call):
        with jax.log_compiles(True), caplog.at_level(logging.WARNING, logger="jax"):
            caplog.clear()
            call()
        return [r.getMessage() for r in caplog.records if "Compiling" in r.getMessage()]

    return count
