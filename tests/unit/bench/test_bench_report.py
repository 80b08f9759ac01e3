"""The benchmark report's arithmetic and tables, and the harness's option parsing."""

from __future__ import annotations

import pytest
from bench.client import RouteUnavailable, bench_phones, otp_test_numbers
from bench.options import parse_options
from bench.report import Row, fraction, results_table, scaling_table
from bench.runner import best
from bench.workloads import workload
from bench.wrk import WrkResult


def result(rps: float, p50: float = 1.0) -> WrkResult:
    return WrkResult(requests=int(rps * 10), duration_s=10.0, p50_ms=p50, p90_ms=2 * p50,
                     p99_ms=3 * p50, max_ms=4 * p50, status_errors=0)


def test_fraction_of_ceiling() -> None:
    assert fraction(2_500, 10_000) == 0.25
    assert fraction(100, 0) is None


def test_results_table_shows_share_of_ceiling_target_and_unavailable_routes() -> None:
    rows = [Row(workload("W1"), result(3_000)), Row(workload("W3"), None, "unavailable (404)")]

    lines = results_table(rows, ceiling=result(12_000)).splitlines()

    assert lines[2] == "| W1 list products | 3,000 | 1.00 | 3.00 | 0 | 25.0% | ≥ 15% |"
    assert lines[3] == "| W3 search 'phone' | unavailable (404) |  |  |  |  | ≥ 15% |"
    assert lines[4].startswith("| ceiling (static 20-product page) | 12,000 |")


def test_scaling_table_shows_growth_of_the_cost_per_request_and_of_one_request() -> None:
    rows = [Row(workload("W1"), result(2_000), products=1_000, solo_ms=2.0),
            Row(workload("W3"), result(4_000), products=1_000, solo_ms=1.0),
            Row(workload("W1"), result(500), products=100_000, solo_ms=8.0),
            Row(workload("W3"), result(5_000), products=100_000, solo_ms=0.9)]

    lines = scaling_table(rows).splitlines()

    assert lines[2] == "| W1 | 1,000 | 0 | 2,000 | × 1.00 | 1.00 | 3.00 | 0 | 2.0 | × 1.00 |"
    assert lines[3] == "| W3 | 1,000 | 0 | 4,000 | × 1.00 | 1.00 | 3.00 | 0 | 1.0 | × 1.00 |"
    assert lines[4] == "| W1 | 100,000 | 0 | 500 | × 4.00 | 1.00 | 3.00 | 0 | 8.0 | × 4.00 |"
    assert lines[5] == "| W3 | 100,000 | 0 | 5,000 | × 0.80 | 1.00 | 3.00 | 0 | 0.9 | × 0.90 |"


def test_a_run_without_any_answer_shows_its_note_not_zero_latencies() -> None:
    silent = WrkResult(requests=0, duration_s=10.0, p50_ms=0, p90_ms=0, p99_ms=0, max_ms=0,
                       status_errors=0, socket_errors={"timeout": 16})
    rows = [Row(workload("W5"), silent, "no answer within 10 s")]

    assert results_table(rows, None).splitlines()[2] == (
        "| W5 most bought | no answer within 10 s |  |  | 16 |  | ≥ 20% |")


def test_missing_routes_and_wrong_methods_read_as_unavailable_404() -> None:
    assert RouteUnavailable("GET", "/api/x/", 404).note == "unavailable (404)"
    assert RouteUnavailable("POST", "/api/x/", 405).note == "unavailable (404)"
    assert RouteUnavailable("GET", "/api/x/", 500).note == "failing (500)"


def test_benchmark_phones_are_distinct_test_numbers_with_the_fixed_code() -> None:
    phones = bench_phones(0, 3)

    assert phones == ["+919900000001", "+919900000002", "+919900000003"]
    assert bench_phones(16, 1) == ["+919900000017"]
    assert otp_test_numbers(phones[:2]) == "+919900000001:123456,+919900000002:123456"


def test_flags_override_environment_and_quick_shortens_runs() -> None:
    options = parse_options(["--quick", "--only", "w1,W5"], {"BENCH_DURATION": "7"})

    assert (options.duration_s, options.warmup_s) == (7.0, 1.0)
    assert options.workloads == ("W1", "W5")
    assert parse_options(["--duration", "3"], {"BENCH_DURATION": "7"}).duration_s == 3.0


def test_defaults_are_the_documented_run() -> None:
    options = parse_options([], {})

    assert (options.duration_s, options.warmup_s, options.connections) == (10.0, 3.0, 16)
    assert (options.products, options.orders) == (10_000, 20_000)
    assert options.database_url is None
    assert parse_options([], {"BENCH_DATABASE_URL": ""}).database_url is None  # SQLite


def test_unknown_workloads_and_bad_thread_counts_are_usage_errors() -> None:
    with pytest.raises(SystemExit):
        parse_options(["--only", "W9"], {})
    with pytest.raises(SystemExit):
        parse_options(["--threads", "4", "--connections", "2"], {})


def test_the_best_of_repeated_runs_is_the_fastest() -> None:
    assert best([result(900), result(1_200), result(1_000)]).requests_per_s == 1_200


def test_fast_error_answers_do_not_make_a_run_the_best() -> None:
    refused = WrkResult(requests=40_000, duration_s=10.0, p50_ms=1, p90_ms=1, p99_ms=1,
                        max_ms=1, status_errors=39_000)

    assert best([refused, result(300)]).requests_per_s == 300


def test_repeat_must_be_at_least_one() -> None:
    assert parse_options(["--repeat", "3"], {}).repeat == 3
    assert parse_options([], {"BENCH_REPEAT": "2"}).repeat == 2
    with pytest.raises(SystemExit):
        parse_options(["--repeat", "0"], {})
