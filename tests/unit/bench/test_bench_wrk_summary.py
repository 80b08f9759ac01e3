"""Reading the JSON summary that the workload scripts' done() hook writes."""

from __future__ import annotations

import json

from bench.wrk import parse_summary

SUMMARY = {
    "requests": 20000, "duration_us": 10_000_000, "bytes": 123456, "status_errors": 7,
    "socket_errors": {"connect": 0, "read": 2, "write": 0, "timeout": 1},
    "latency_us": {"p50": 1500, "p90": 4000, "p99": 12345, "max": 80000, "mean": 2100.5},
    "statuses": {"200": 19993, "409": 7},
    "error_samples": {"409": '{"code":"cart_empty"}'},
}


def test_latencies_are_read_in_milliseconds_and_rate_per_second() -> None:
    result = parse_summary(json.dumps(SUMMARY))

    assert (result.p50_ms, result.p90_ms, result.p99_ms, result.max_ms) == (1.5, 4.0, 12.345, 80)
    assert result.requests_per_s == 2000


def test_errors_add_bad_statuses_and_socket_errors() -> None:
    result = parse_summary(json.dumps(SUMMARY))

    assert result.errors == 7 + 2 + 1
    assert result.statuses == {200: 19993, 409: 7}
    assert result.error_samples == {409: '{"code":"cart_empty"}'}


def test_a_summary_without_error_samples_is_accepted() -> None:
    older = {key: value for key, value in SUMMARY.items() if key != "error_samples"}

    assert parse_summary(json.dumps(older)).error_samples == {}


def test_json_form_keeps_derived_numbers() -> None:
    data = parse_summary(json.dumps(SUMMARY)).as_json()

    assert data["requests_per_s"] == 2000.0
    assert data["errors"] == 10
    assert data["statuses"] == {"200": 19993, "409": 7}
