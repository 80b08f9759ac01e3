"""``--profile``: py-spy records the server during a workload's first measured run."""

from __future__ import annotations

import logging
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.options import Options
from bench.processes import pinned, stop

log = logging.getLogger("bench")
SAMPLES_PER_S = 200
CLIENT_CPU = 0


def py_spy() -> str | None:
    """The py-spy executable (the dev extras install it next to this Python), or None."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(pid: int, options: Options, key: str) -> Iterator[Path | None]:
    """Record process ``pid`` for the measured duration into a speedscope file in the
    results folder (open it at https://www.speedscope.app); None without py-spy.

    py-spy samples without stopping the server (``--nonblocking``) and runs on the
    client's CPU, so the server keeps its own CPU; it still costs wrk some time, so
    compare requests/s only between runs without ``--profile``."""
    executable = py_spy()
    if executable is None:
        log.warning("%s: py-spy is not installed (pip install py-spy); not profiled", key)
        yield None
        return
    options.results_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    output = options.results_dir / f"{stamp}-{key}.speedscope.json"
    command = [executable, "record", "--pid", str(pid), "--rate", str(SAMPLES_PER_S),
               "--nonblocking", "--subprocesses", "--format", "speedscope",
               "--output", str(output), "--duration", str(math.ceil(options.duration_s))]
    cpu = CLIENT_CPU if options.pin else None
    process = subprocess.Popen(pinned(command, cpu), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        yield output
    finally:
        try:
            _, errors = process.communicate(timeout=options.duration_s + 15)
        except subprocess.TimeoutExpired:
            stop(process)
            errors = b""
        if process.returncode == 0 and output.exists():
            log.info("%s: profile written to %s", key, output)
        else:
            log.warning("%s: py-spy failed (exit %s): %s", key, process.returncode,
                        errors.decode(errors="replace").strip()[-500:])
