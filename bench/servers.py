"""The servers under test (shopcore and the ceiling): each started pinned, on a free
loopback port, with its log in the run's folder, and always stopped by its PID."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.processes import pinned, stop

REPO_ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 60.0
log = logging.getLogger("bench")


@dataclass(frozen=True, slots=True)
class RunningServer:
    """A server that answered its readiness probe."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def exit_code(self) -> int | None:
        """None while the server runs; its exit code once it has ended."""
        return self.process.poll()

    def log_tail(self, size: int = 2000) -> str:
        """The end of the server's log."""
        return self.log_path.read_text(errors="replace")[-size:]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class Shopcore:
    """The ``shopcore`` command run against one benchmark database, from ``workdir``
    (so no developer's ``.env`` or secret file is read or written)."""

    database_url: str
    workdir: Path
    otp_test_numbers: str
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)

    def env(self) -> dict[str, str]:
        """The process environment: development mode, with OTP test numbers, and the
        per-user write limit lifted (each benchmark user writes far more than a person)."""
        inherited = {key: value for key, value in os.environ.items()
                     if not key.startswith(("SHOPCORE_", "TWO_FACTOR_"))}
        return {**inherited, "SHOPCORE_ENV": "development",
                "SHOPCORE_DATABASE_URL": self.database_url,
                "SHOPCORE_SECRET_KEY": self.secret_key,
                "SHOPCORE_MEDIA_DIR": str(self.workdir / "media"),
                "SHOPCORE_OTP_TEST_NUMBERS": self.otp_test_numbers,
                "SHOPCORE_WRITES_PER_MINUTE": "1000000"}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``shopcore ARGS`` to completion (the caller checks the exit code)."""
        return subprocess.run([_shopcore_command(), *args], env=self.env(), cwd=self.workdir,
                              capture_output=True, text=True, check=False, timeout=3600)

    @contextmanager
    def serve(self, cpu: int | None) -> Iterator[RunningServer]:
        """``shopcore serve`` with one worker, pinned to ``cpu``."""
        port = free_port()
        command = [_shopcore_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", "1"]
        with _serving("shopcore", pinned(command, cpu), port, self.env(), self.workdir) as server:
            yield server


@contextmanager
def ceiling_server(workdir: Path, cpu: int | None) -> Iterator[RunningServer]:
    """The ceiling app (bench/ceiling.py), served the same way, pinned to ``cpu``."""
    port = free_port()
    command = [sys.executable, "-m", "bench.ceiling", "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with _serving("ceiling", pinned(command, cpu), port, env, workdir) as server:
        yield server


@contextmanager
def _serving(name: str, command: list[str], port: int, env: dict[str, str],
             workdir: Path) -> Iterator[RunningServer]:
    log_path = workdir / f"{name}-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(command, env=env, cwd=workdir, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_ready(process, base_url, log_path)
            log.info("%s is serving on %s (pid %d)", name, base_url, process.pid)
            yield RunningServer(name=name, base_url=base_url, process=process,
                                log_path=log_path)
        finally:
            if process.poll() is not None:
                log.error("%s (pid %d) had already exited with %s", name, process.pid,
                          process.returncode)
            stop(process)
            log.info("%s stopped (pid %d, exit %s)", name, process.pid, process.returncode)


def _wait_ready(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"server exited with {process.returncode}:\n{tail}")
            try:
                if client.get("/health/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"server at {base_url} not ready after {READY_TIMEOUT_S:.0f} s")


def _shopcore_command() -> str:
    return str(Path(sys.executable).with_name("shopcore"))
