"""wrk: installing it when missing, one pinned run, and reading the JSON its scripts write."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.processes import pinned, stop
from bench.workloads import LUA_DIR


class WrkError(RuntimeError):
    """wrk could not be installed, or a run ended without its summary."""


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured (latencies in milliseconds)."""

    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: dict[str, int] = field(default_factory=dict)
    """connect, read, write and timeout errors."""
    statuses: dict[int, int] = field(default_factory=dict)
    error_samples: dict[int, str] = field(default_factory=dict)
    """The first body (300 characters) of each error status."""

    @property
    def requests_per_s(self) -> float:
        """Completed responses per second of the run."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def good_per_s(self) -> float:
        """2xx/3xx answers per second: what a run is judged by when runs are compared."""
        good = self.requests - self.status_errors
        return good / self.duration_s if self.duration_s > 0 else 0.0

    @property
    def errors(self) -> int:
        """Responses outside 2xx/3xx plus connect/read/write/timeout errors."""
        return self.status_errors + sum(self.socket_errors.values())

    def as_json(self) -> dict[str, Any]:
        """The result as JSON-ready data, with the derived numbers."""
        return {
            "requests": self.requests, "duration_s": round(self.duration_s, 3),
            "requests_per_s": round(self.requests_per_s, 1), "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms, "p99_ms": self.p99_ms, "max_ms": self.max_ms,
            "status_errors": self.status_errors, "socket_errors": dict(self.socket_errors),
            "errors": self.errors, "statuses": {str(k): v for k, v in self.statuses.items()},
            "error_samples": {str(k): v for k, v in self.error_samples.items()},
        }


def parse_summary(text: str) -> WrkResult:
    """Read the JSON that ``done()`` in workloads/common.lua writes."""
    data = json.loads(text)
    latency = data["latency_us"]
    return WrkResult(
        requests=int(data["requests"]),
        duration_s=data["duration_us"] / 1e6,
        p50_ms=latency["p50"] / 1000, p90_ms=latency["p90"] / 1000,
        p99_ms=latency["p99"] / 1000, max_ms=latency["max"] / 1000,
        status_errors=int(data["status_errors"]),
        socket_errors={kind: int(n) for kind, n in data["socket_errors"].items()},
        statuses={int(code): int(n) for code, n in data["statuses"].items()},
        error_samples={int(code): body for code, body in data.get("error_samples", {}).items()},
    )


def ensure_wrk() -> str:
    """The path of ``wrk``, installing Debian's package first when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    install = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(install, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], check=False)
        subprocess.run(install, check=False)
    found = shutil.which("wrk")
    if not found:
        raise WrkError("wrk is not installed and `apt-get install -y wrk` failed (root needed)")
    return found


@dataclass(frozen=True, slots=True)
class WrkRun:
    """How wrk drives one workload."""

    url: str
    script: str
    threads: int
    connections: int
    duration_s: float
    env: Mapping[str, str] = field(default_factory=dict)


def run_wrk(run: WrkRun, cpu: int | None) -> WrkResult:
    """Run wrk once (pinned to ``cpu``) and return its summary; wrk is always stopped."""
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as scratch:
        out = Path(scratch) / "summary.json"
        command = pinned([ensure_wrk(), "-t", str(run.threads), "-c", str(run.connections),
                          "-d", f"{run.duration_s:g}s", "--timeout", "10s",
                          "-s", str(LUA_DIR / run.script), run.url], cpu)
        env = {**os.environ, **run.env, "BENCH_LUA_DIR": str(LUA_DIR), "BENCH_OUT": str(out)}
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            output, _ = process.communicate(timeout=run.duration_s + 60)
        finally:
            stop(process)
        if process.returncode != 0 or not out.exists():
            raise WrkError(f"wrk failed ({process.returncode}): {output.decode()[-2000:]}")
        return parse_summary(out.read_text())
