"""Results: rows per workload, the fraction of the ceiling, Markdown tables, JSON files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.workloads import Workload
from bench.wrk import WrkResult

PACKAGES = ("uvicorn", "uvloop", "httptools", "litestar", "msgspec", "sqlalchemy",
            "aiosqlite", "asyncpg")


@dataclass(frozen=True, slots=True)
class Row:
    """One workload's outcome: a measurement, or why there is none."""

    workload: Workload
    result: WrkResult | None
    note: str = ""
    """Why the row has no usable measurement (shown instead of the numbers)."""
    products: int = 0
    order_lines: int = 0
    runs: tuple[float, ...] = ()
    """Requests/s of every measured run (the result is the best of them)."""
    solo_ms: float | None = None
    """Median latency of requests sent one at a time (scaling run): the cost without
    queueing."""


def fraction(requests_per_s: float, ceiling_per_s: float) -> float | None:
    """``requests_per_s`` as a fraction of the ceiling (None without a ceiling)."""
    return requests_per_s / ceiling_per_s if ceiling_per_s > 0 else None


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


def _numbers(result: WrkResult) -> list[str]:
    return [f"{result.requests_per_s:,.0f}", f"{result.p50_ms:.2f}", f"{result.p99_ms:.2f}",
            str(result.errors)]


def _errors(result: WrkResult | None) -> str:
    return "" if result is None else str(result.errors)


def _markdown(header: list[str], lines: list[list[str]]) -> str:
    rows = [header, ["---"] * len(header), *lines]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in rows)


def results_table(rows: list[Row], ceiling: WrkResult | None) -> str:
    """The main table: requests/s, latencies, errors, share of the ceiling, target."""
    ceiling_rps = ceiling.requests_per_s if ceiling else 0.0
    lines = []
    for row in rows:
        name = f"{row.workload.key} {row.workload.title}"
        target = f"≥ {row.workload.target * 100:.0f}%"
        if row.result is None or row.note:
            lines.append([name, row.note, "", "", _errors(row.result), "", target])
            continue
        share = fraction(row.result.requests_per_s, ceiling_rps)
        lines.append([name, *_numbers(row.result), _percent(share), target])
    if ceiling is not None:
        lines.append(["ceiling (static 20-product page)", *_numbers(ceiling), "100%", ""])
    return _markdown(["workload", "requests/s", "p50 ms", "p99 ms", "errors", "of ceiling",
                      "target"], lines)


def scaling_table(rows: list[Row]) -> str:
    """Per data size: requests/s under load and the growth of the cost per request they
    imply (the smallest size's requests/s over this size's: the server's CPU is the
    bottleneck), latencies under load, then one request at a time and its growth."""
    first_rps: dict[str, float] = {}
    first_solo: dict[str, float] = {}
    lines = []
    for row in rows:
        key = row.workload.key
        size = [key, f"{row.products:,}", f"{row.order_lines:,}"]
        solo = ["", ""]
        if row.solo_ms is not None:
            solo = [f"{row.solo_ms:.1f}",
                    _growth(row.solo_ms, first_solo.setdefault(key, row.solo_ms))]
        if row.result is None or row.note or not row.result.requests_per_s:
            lines.append([*size, row.note, "", "", "", _errors(row.result), *solo])
            continue
        rps = row.result.requests_per_s
        requests, p50, p99, errors = _numbers(row.result)
        lines.append([*size, requests, _growth(first_rps.setdefault(key, rps), rps), p50, p99,
                      errors, *solo])
    return _markdown(["workload", "products", "order lines", "requests/s", "cost growth",
                      "p50 ms", "p99 ms", "errors", "1 request ms", "1 request growth"], lines)


def _growth(value: float, first: float) -> str:
    return f"× {value / first:.2f}" if first > 0 else ""


def row_json(row: Row, ceiling: WrkResult | None) -> dict[str, Any]:
    """One row as JSON-ready data."""
    data: dict[str, Any] = {"workload": row.workload.key, "title": row.workload.title,
                            "target_fraction": row.workload.target, "note": row.note or None,
                            "products": row.products, "order_lines": row.order_lines,
                            "solo_ms": row.solo_ms,
                            "runs_requests_per_s": [round(rps, 1) for rps in row.runs],
                            "result": row.result.as_json() if row.result else None}
    if row.result is not None and ceiling is not None:
        share = fraction(row.result.requests_per_s, ceiling.requests_per_s)
        data["fraction_of_ceiling"] = None if share is None else round(share, 4)
    return data


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    return {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "kernel": platform.release(), "wrk": _wrk_version(),
            "packages": {name: _version(name) for name in PACKAGES},
            "git_commit": _git("rev-parse", "--short", "HEAD"),
            "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no"))}


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _wrk_version() -> str:
    try:
        done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False,
                              timeout=10)
    except OSError:
        return ""
    return done.stdout.split(" Copyright")[0].strip()


def write_results(data: dict[str, Any], results_dir: Path, engine: str,
                  kind: str = "") -> Path:
    """Write ``data`` to ``results_dir/<timestamp>-<engine>[-kind].json``; its path."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = results_dir / f"{stamp}-{engine}{'-' + kind if kind else ''}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True, check=False,
                              cwd=Path(__file__).resolve().parent, timeout=10)
    except OSError:
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
