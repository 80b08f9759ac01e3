"""The harness's own HTTP calls, outside the timed runs: probes, OTP logins, cart filling."""

from __future__ import annotations

import statistics
import time
from types import TracebackType

import httpx

from bench.workloads import Probe

TEST_CODE = "123456"
FIRST_TEST_NUMBER = 9_900_000_001
SOLO_SAMPLES = 51
SOLO_BUDGET_S = 30.0


def bench_phones(first: int, count: int) -> list[str]:
    """``count`` benchmark phone numbers from the ``first``-th (0-based): +9199000000NN."""
    return [f"+91{FIRST_TEST_NUMBER + first + index}" for index in range(count)]


def otp_test_numbers(phones: list[str]) -> str:
    """The ``SHOPCORE_OTP_TEST_NUMBERS`` value accepting ``TEST_CODE`` for ``phones``."""
    return ",".join(f"{phone}:{TEST_CODE}" for phone in phones)


class RouteUnavailable(Exception):
    """A request the harness needs answered something other than 2xx."""

    def __init__(self, method: str, path: str, status: int) -> None:
        super().__init__(f"{method} {path} answered {status}")
        self.status = status

    @property
    def note(self) -> str:
        """How the report shows it: ``unavailable (404)`` for a missing route."""
        status = 404 if self.status in (404, 405) else self.status
        kind = "unavailable" if status == 404 else "failing"
        return f"{kind} ({status})"


class ApiClient:
    """A small synchronous client of the server under test."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=120.0)

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._http.close()

    def send(self, probe: Probe, *, token: str | None = None, product_id: int = 1) -> None:
        """Send ``probe``; raises :class:`RouteUnavailable` unless it answers 2xx."""
        path = probe.path.replace("{product_id}", str(product_id))
        body = probe.body.replace("{product_id}", str(product_id)) if probe.body else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        answer = self._http.request(probe.method, path, content=body, headers=headers)
        if not answer.is_success:
            raise RouteUnavailable(probe.method, path, answer.status_code)

    def solo_ms(self, probe: Probe, *, token: str | None = None, product_id: int = 1,
                samples: int = SOLO_SAMPLES, budget_s: float = SOLO_BUDGET_S) -> float:
        """Median milliseconds of ``probe`` sent one at a time (at most ``samples``,
        stopping early once ``budget_s`` is spent, at least one)."""
        timings: list[float] = []
        started = time.perf_counter()
        while len(timings) < samples and (not timings or
                                          time.perf_counter() - started < budget_s):
            before = time.perf_counter()
            self.send(probe, token=token, product_id=product_id)
            timings.append((time.perf_counter() - before) * 1000)
        return statistics.median(timings)

    def login(self, phone: str) -> str:
        """Log in through the OTP routes with the fixed test code; the access token."""
        self._post("/api/auth/request-otp/", {"phone": phone})
        tokens = self._post("/api/auth/verify-otp/", {"phone": phone, "otp": TEST_CODE})
        token = tokens["access_token"]
        if not isinstance(token, str):
            raise RouteUnavailable("POST", "/api/auth/verify-otp/", 500)
        return token

    def add_to_cart(self, token: str, product_id: int) -> None:
        """Put one unit of ``product_id`` in the token's cart."""
        self._post("/api/cart/add/", {"product_id": product_id, "quantity": 1}, token)

    def _post(self, path: str, body: dict[str, object], token: str | None = None,
              ) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self._http.post(path, json=body, headers=headers)
        if not answer.is_success:
            raise RouteUnavailable("POST", path, answer.status_code)
        data: dict[str, object] = answer.json()
        return data
