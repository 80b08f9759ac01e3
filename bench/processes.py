"""Child processes of the harness: CPU pinning, and stopping one by its PID."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

STOP_TIMEOUT_S = 15.0


def pinned(command: list[str], cpu: int | None) -> list[str]:
    """``command`` run on one CPU with ``taskset``, or unchanged without pinning."""
    if cpu is None:
        return command
    taskset = shutil.which("taskset")
    if taskset is None:
        raise RuntimeError("taskset (util-linux) is needed to pin processes; use --no-pin")
    return [taskset, "-c", str(cpu), *command]


@contextmanager
def running_on(cpu: int | None) -> Iterator[None]:
    """This process confined to ``cpu`` for the block (unchanged with ``None``): the
    harness's own requests then do not take the server's CPU."""
    if cpu is None:
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def pinning_available() -> bool:
    """True when the harness may use CPUs 0 and 1 (client and server apart)."""
    return shutil.which("taskset") is not None and {0, 1} <= os.sched_getaffinity(0)


def stop(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_S) -> None:
    """Terminate ``process``, wait for it, and kill it if it outlives ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
