"""Run options: command-line flags over ``BENCH_*`` environment variables over defaults."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.workloads import WORKLOADS, workload

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCALING_SIZES = (1_000, 10_000, 100_000)
SCALING_LINES = 1_000_000


@dataclass(frozen=True, slots=True)
class Options:
    """Everything one ``python -m bench`` invocation is asked to do."""

    duration_s: float = 10.0
    warmup_s: float = 3.0
    connections: int = 16
    threads: int = 1
    products: int = 10_000
    orders: int = 20_000
    workloads: tuple[str, ...] = tuple(w.key for w in WORKLOADS)
    database_url: str | None = None
    pin: bool = True
    scaling: bool = False
    scaling_sizes: tuple[int, ...] = SCALING_SIZES
    scaling_lines: int = SCALING_LINES
    results_dir: Path = RESULTS_DIR
    keep: bool = False
    repeat: int = 1
    profile: bool = False
    """Measured runs per workload; the best (most requests/s) is reported."""


def parse_options(argv: Sequence[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Options:
    """Options from ``argv`` and ``environ`` (default: the process's)."""
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Load-test shopcore with wrk against a seeded, "
        "fresh database and compare each workload with a static-page ceiling.")
    parser.add_argument("--scaling", action="store_true",
                        help="W1, W3, W5 at 1k/10k/100k products (1M order lines at 100k)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 s runs, 1 s warm-up, 2,000 products, 2,000 orders")
    parser.add_argument("--duration", type=float, default=env.get("BENCH_DURATION"),
                        help="seconds measured per workload (BENCH_DURATION, default 10)")
    parser.add_argument("--warmup", type=float, default=env.get("BENCH_WARMUP"),
                        help="seconds of unmeasured warm-up first (BENCH_WARMUP, default 3)")
    parser.add_argument("--connections", type=int, default=env.get("BENCH_CONNECTIONS", 16),
                        help="wrk connections, one benchmark user each (default 16)")
    parser.add_argument("--threads", type=int, default=env.get("BENCH_THREADS", 1),
                        help="wrk threads for W1-W5 (default 1; W6 uses one per connection)")
    parser.add_argument("--products", type=int, default=env.get("BENCH_PRODUCTS"),
                        help="products to seed (default 10000)")
    parser.add_argument("--orders", type=int, default=env.get("BENCH_ORDERS"),
                        help="past orders to seed (default 20000)")
    parser.add_argument("--repeat", type=int, default=env.get("BENCH_REPEAT", 1),
                        help="measured runs per workload, the best one reported (default 1; "
                        "3 on a shared machine)")
    parser.add_argument("--only", default=env.get("BENCH_ONLY"),
                        help="comma-separated workloads to run, e.g. W1,W3")
    parser.add_argument("--database-url", default=env.get("BENCH_DATABASE_URL") or None,
                        help="a postgresql+asyncpg:// server URL (BENCH_DATABASE_URL); "
                        "a fresh database is created there and dropped; default (also when "
                        "empty) SQLite")
    parser.add_argument("--no-pin", action="store_true",
                        help="do not pin wrk to CPU 0 and the server to CPU 1")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--keep", action="store_true",
                        help="keep the run's folder (database, server logs, tokens) and say where")
    parser.add_argument("--profile", action="store_true",
                        help="record the server with py-spy during each workload's first "
                             "measured run (speedscope files next to the results)")
    args = parser.parse_args(argv)
    try:
        return _options(args)
    except (KeyError, ValueError) as error:
        parser.error(str(error))


def _options(args: argparse.Namespace) -> Options:
    quick = args.quick
    duration = float(args.duration) if args.duration is not None else (2.0 if quick else 10.0)
    warmup = float(args.warmup) if args.warmup is not None else (1.0 if quick else 3.0)
    products = int(args.products) if args.products is not None else (2_000 if quick else 10_000)
    orders = int(args.orders) if args.orders is not None else (2_000 if quick else 20_000)
    only = tuple(workload(key.strip()).key for key in args.only.split(",") if key.strip()) \
        if args.only else tuple(w.key for w in WORKLOADS)
    connections, threads = int(args.connections), int(args.threads)
    if connections < 1 or not 1 <= threads <= connections:
        raise ValueError("need 1 <= --threads <= --connections")
    if int(args.repeat) < 1:
        raise ValueError("--repeat must be at least 1")
    return Options(
        duration_s=duration, warmup_s=warmup, connections=connections, threads=threads,
        products=products, orders=orders, workloads=only, database_url=args.database_url,
        pin=not args.no_pin, scaling=args.scaling,
        scaling_sizes=(1_000, 10_000) if quick else SCALING_SIZES,
        scaling_lines=100_000 if quick else SCALING_LINES, results_dir=args.results_dir,
        keep=args.keep, repeat=int(args.repeat), profile=args.profile,
    )
