"""Data-parallel training with replicas as Ray tasks: the weights of local training.

Run alone: ``pytest -q -m ray -p no:xdist tests/distributed``.
"""

from __future__ import annotations

import pytest

from tests.nn.test_replicas import trained
from toolkit.distributed.executor import RayExecutor

pytestmark = pytest.mark.ray


def test_two_and_four_replicas_on_ray_give_the_weights_of_local_training(ray_cluster):
    local = trained(1, epochs=2)
    assert trained(2, RayExecutor(), epochs=2) == local
    assert trained(4, RayExecutor(), epochs=2) == local
