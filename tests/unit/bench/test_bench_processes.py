"""The harness's CPU pinning: of its children (``taskset``) and of itself."""

from __future__ import annotations

import os

import pytest
from bench.processes import pinned, running_on


def test_a_child_is_pinned_with_taskset_or_left_as_it_is() -> None:
    assert pinned(["wrk", "-c", "16"], None) == ["wrk", "-c", "16"]
    command = pinned(["wrk"], 1)
    assert command[0].endswith("taskset") and command[1:] == ["-c", "1", "wrk"]


def test_the_harness_runs_on_one_cpu_inside_the_block_and_as_before_after() -> None:
    before = os.sched_getaffinity(0)
    cpu = min(before)
    with running_on(cpu):
        assert os.sched_getaffinity(0) == {cpu}
    assert os.sched_getaffinity(0) == before
    with pytest.raises(RuntimeError), running_on(cpu):
        raise RuntimeError("the block failed")
    assert os.sched_getaffinity(0) == before
    with running_on(None):
        assert os.sched_getaffinity(0) == before
