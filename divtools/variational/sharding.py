"""Data parallelism for the training loops: a device mesh, and the minibatch split across it.

``devices=`` of :func:`divtools.variational.estimate`,
:func:`divtools.variational.mutual_information` and :func:`divtools.gan.train`:

* ``None`` (default): one device, JAX's default placement;
* ``"all"``: every local device (``jax.local_devices()``);
* an integer ``n``: the first ``n`` local devices;
* a sequence of devices, or a ``jax.sharding.Mesh`` (its devices, flattened into
  one axis).

With one key, every minibatch is split across the devices along its rows and the
parameters are replicated (data parallel): each device computes the per-example
work of its rows, and XLA reduces the gradients across devices (GSPMD, through
``jax.lax.with_sharding_constraint``). ``batch_size`` must be a multiple of the
number of devices. With a batch of keys (independent runs under ``vmap``), the runs
are spread across the devices instead, and their number must be a multiple of it.
The random numbers do not depend on the placement (JAX's partitionable threefry),
so the same key gives the same estimate on one device or many, up to the order of
floating-point reductions.

Several hosts: start every process with ``jax.distributed.initialize()`` and pass
``devices=jax.devices()`` (all hosts' devices) or a mesh over them; each process
runs the same call with the same arguments (sample arrays are replicated).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from divtools.variational import checks

__all__ = ["AXIS", "check_divides", "check_split", "mesh_of", "shard_rows"]

AXIS = "data"
"""The name of the mesh axis that the rows (or the runs) are split along."""


def mesh_of(devices: Any) -> Mesh | None:
    """The one-axis :class:`jax.sharding.Mesh` of ``devices`` (see the module docstring),
    ``None`` for one device; a ``ValueError`` or ``TypeError`` naming ``devices``."""
    if devices is None:
        return None
    if isinstance(devices, str):
        if devices != "all":
            raise ValueError(f"devices: expected None, 'all', a count, devices or a Mesh; got {devices!r}")
        found = jax.local_devices()
    elif isinstance(devices, Mesh):
        found = list(np.asarray(devices.devices).ravel())
    elif isinstance(devices, (int, np.integer)) and not isinstance(devices, bool):
        available = jax.local_devices()
        if not 1 <= devices <= len(available):
            raise ValueError(
                f"devices: expected a count from 1 to {len(available)} (local devices), got {devices}"
            )
        found = available[: int(devices)]
    elif isinstance(devices, Sequence) and devices and all(isinstance(d, jax.Device) for d in devices):
        found = list(devices)
        if len({id(d) for d in found}) != len(found):
            raise ValueError("devices: a device appears twice")
    else:
        raise TypeError(
            f"devices: expected None, 'all', a count, a sequence of jax devices or a Mesh; got {checks.describe(devices)}"
        )
    if len(found) == 1:
        return None
    return Mesh(np.array(found), (AXIS,))


def check_divides(name: str, size: int, mesh: Mesh | None, what: str) -> None:
    """``size`` (the argument ``name``: rows of a minibatch, or runs) must split evenly over ``mesh``."""
    if mesh is not None and size % mesh.size:
        raise ValueError(
            f"{name}: {size} {what} do not split over {mesh.size} devices (devices=); use a multiple"
        )


def check_split(mesh: Mesh | None, key: Any, rows: dict[str, int]) -> None:
    """What ``mesh`` splits must split evenly: with a batch of keys (``key`` checked, of
    shape ``(k,)``) the ``k`` runs; with one key the minibatch rows, ``rows`` mapping
    each argument's name to its count."""
    if mesh is None:
        return
    if np.ndim(key) >= 1:
        check_divides("key", int(np.shape(key)[0]), mesh, "runs (keys)")
        return
    for name, n in rows.items():
        check_divides(name, n, mesh, "rows of a minibatch")


def shard_rows(x: Any, mesh: Mesh | None) -> Any:
    """``x`` (any pytree of arrays) constrained to be split along its first axis over
    ``mesh`` (the identity without one); used inside the compiled loops."""
    if mesh is None:
        return x
    sharding = NamedSharding(mesh, PartitionSpec(AXIS))
    return jax.tree_util.tree_map(lambda a: jax.lax.with_sharding_constraint(a, sharding), x)
