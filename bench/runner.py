"""Benchmark runs: a fresh seeded database, shopcore under wrk workload by workload, then
the ceiling app under the same wrk settings; and the scaling run over data sizes."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import seed
from bench.client import ApiClient, RouteUnavailable, bench_phones, otp_test_numbers
from bench.database import fresh_database
from bench.options import Options
from bench.processes import pinning_available, running_on
from bench.profiling import recording
from bench.report import Row, machine, results_table, row_json, scaling_table, write_results
from bench.servers import RunningServer, Shopcore, ceiling_server
from bench.workloads import SCALING_KEYS, Users, Workload, workload
from bench.wrk import WrkResult, WrkRun, ensure_wrk, run_wrk

log = logging.getLogger("bench")
STOCKED_PRODUCTS = 64
CART_LINES = 3
CLIENT_CPU, SERVER_CPU = 0, 1
SETTLE_MAX_S = 10.0


@dataclass(frozen=True, slots=True)
class Dataset:
    """What was seeded, and the files the Lua scripts read their ids from."""

    seeder: str
    counts: dict[str, int]
    stocked_ids: list[int]
    product_ids_file: Path
    stocked_ids_file: Path


@dataclass(slots=True)
class Bench:
    """Runs workloads on one seeded database with the options' wrk settings."""

    options: Options
    workdir: Path
    dataset: Dataset
    shop: Shopcore
    cpus: tuple[int | None, int | None] = (None, None)
    tokens: dict[Users, Path] = field(default_factory=dict)

    def measure(self, base_url: str, work: Workload, env: dict[str, str],
                profile_pid: int | None = None) -> list[WrkResult]:
        """A warm-up run (discarded), then ``repeat`` measured runs. After each run a pause
        lets the requests it left in the server finish (so a queued order of one run cannot
        empty a cart of the next). With ``profile_pid`` the first measured run is recorded
        by py-spy."""
        threads = self.options.connections if work.thread_per_connection else self.options.threads
        run = WrkRun(url=base_url + work.path, script=work.script, threads=threads,
                     connections=self.options.connections, duration_s=self.options.duration_s,
                     env={"BENCH_PRODUCT_IDS": str(self.dataset.product_ids_file),
                          "BENCH_ORDER_PRODUCT_IDS": str(self.dataset.stocked_ids_file), **env})
        if self.options.warmup_s > 0:
            warmup = run_wrk(WrkRun(run.url, run.script, run.threads, run.connections,
                                    self.options.warmup_s, run.env), self.cpus[0])
            _settle(warmup)
        runs: list[WrkResult] = []
        for number in range(1, self.options.repeat + 1):
            if number == 1 and profile_pid is not None:
                with recording(profile_pid, self.options, work.key):
                    runs.append(run_wrk(run, self.cpus[0]))
            else:
                runs.append(run_wrk(run, self.cpus[0]))
            if number < self.options.repeat:
                _settle(runs[-1])
        return runs

    def run(self, work: Workload, *, solo: bool = False) -> Row:
        """``work`` on a server of its own (so no backlog of a slow workload leaks into
        the next): probe its routes, with ``solo`` time requests one at a time, then load."""
        with self.shop.serve(self.cpus[1]) as server:
            return self._run_on(server, work, solo)

    def _run_on(self, server: RunningServer, work: Workload, solo: bool) -> Row:
        products, lines = self.dataset.counts["products"], self.dataset.counts["order_lines"]
        product_id = self.dataset.stocked_ids[0]
        env: dict[str, str] = {}
        solo_ms = None
        try:
            with ApiClient(server.base_url) as client:
                token = None
                if work.users is not Users.NONE:
                    tokens_file = self._users(client, work.users)
                    env["BENCH_TOKENS"] = str(tokens_file)
                    token = tokens_file.read_text().split()[0]
                for probe in work.probes:
                    client.send(probe, token=token, product_id=product_id)
                if solo:
                    with running_on(self.cpus[0]):
                        solo_ms = client.solo_ms(work.probes[0], token=token,
                                                 product_id=product_id)
                    log.info("%s: one request at a time: %.1f ms", work.key, solo_ms)
        except RouteUnavailable as missing:
            log.warning("%s skipped: %s", work.key, missing)
            return Row(work, None, missing.note, products, lines)
        log.info("%s %s: %g s warm-up, %g s measured", work.key, work.title,
                 self.options.warmup_s, self.options.duration_s)
        runs = self.measure(server.base_url, work, env,
                            server.process.pid if self.options.profile else None)
        result = best(runs)
        log.info("%s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms, %d errors %s", work.key,
                 result.requests_per_s, result.p50_ms, result.p99_ms, result.errors,
                 result.statuses)
        for status, body in result.error_samples.items():
            log.warning("%s: first %d answer: %s", work.key, status, body)
        note = "" if result.requests else f"no answer within {self.options.duration_s:g} s"
        if server.exit_code() is not None:
            note = f"server ended during the run (exit {server.exit_code()})"
            log.error("%s: the server ended during the run; its log ends with:\n%s",
                      work.key, server.log_tail())
        return Row(work, result, note, products, lines,
                   runs=tuple(run.requests_per_s for run in runs), solo_ms=solo_ms)

    def _users(self, client: ApiClient, users: Users) -> Path:
        """Log in one user per connection (once per group); cart users get 3 lines each."""
        if users in self.tokens:
            return self.tokens[users]
        first = 0 if users is Users.CART else self.options.connections
        tokens = [client.login(phone)
                  for phone in bench_phones(first, self.options.connections)]
        if users is Users.CART:
            stocked = self.dataset.stocked_ids
            for index, token in enumerate(tokens):
                for line in range(CART_LINES):
                    client.add_to_cart(token, stocked[(index * CART_LINES + line) % len(stocked)])
        path = self.workdir / f"tokens-{users.value}.txt"
        path.write_text("\n".join(tokens) + "\n")
        self.tokens[users] = path
        return path


def run_standard(options: Options) -> Path:
    """The six workloads and the ceiling; prints the table, returns the JSON file."""
    ensure_wrk()
    cpus = _cpus(options)
    load_before = os.getloadavg()
    with _workdir(options.keep) as workdir, \
            fresh_database(workdir, options.database_url) as database:
        shop = Shopcore(database.url, workdir, _test_numbers(options))
        dataset = prepare(shop, workdir, options.products, orders_count=options.orders)
        bench = Bench(options, workdir, dataset, shop, cpus)
        rows = [bench.run(workload(key)) for key in options.workloads]
        with ceiling_server(workdir, cpus[1]) as ceiling_app:
            log.info("ceiling: %g s warm-up, %g s measured", options.warmup_s, options.duration_s)
            ceiling = best(bench.measure(ceiling_app.base_url, workload("W1"), {}))
    table = results_table(rows, ceiling)
    print(table)
    print(f"\nload average before/after (1, 5, 15 min): {load_before} / {os.getloadavg()}")
    data = _header(options, database.engine, dataset, load_before) | {
        "ceiling": ceiling.as_json(), "rows": [row_json(row, ceiling) for row in rows],
        "table_markdown": table}
    path = write_results(data, options.results_dir, database.engine)
    print(f"\nwritten to {path}")
    return path


def run_scaling(options: Options) -> Path:
    """W1, W3 and W5 at each catalog size, on a fresh database each time."""
    ensure_wrk()
    cpus = _cpus(options)
    load_before = os.getloadavg()
    rows: list[Row] = []
    sizes: list[dict[str, Any]] = []
    engine = "sqlite"
    largest = max(options.scaling_sizes)
    for products in options.scaling_sizes:
        with _workdir(options.keep) as workdir, \
                fresh_database(workdir, options.database_url) as database:
            engine = database.engine
            shop = Shopcore(database.url, workdir, _test_numbers(options))
            history = {"lines_count": options.scaling_lines} if products == largest \
                else {"orders_count": options.orders}
            dataset = prepare(shop, workdir, products, **history)
            sizes.append({"products": products, "seeder": dataset.seeder,
                          "rows": dataset.counts})
            bench = Bench(options, workdir, dataset, shop, cpus)
            rows += [bench.run(workload(key), solo=True) for key in SCALING_KEYS
                     if key in options.workloads]
    rows.sort(key=lambda row: (row.workload.key, row.products))
    table = scaling_table(rows)
    print(table)
    data = _header(options, engine, None, load_before) | {
        "sizes": sizes, "rows": [row_json(row, None) for row in rows], "table_markdown": table}
    path = write_results(data, options.results_dir, engine, "scaling")
    print(f"\nwritten to {path}")
    return path


def best(runs: list[WrkResult]) -> WrkResult:
    """The run with the most successful answers a second (on a shared machine,
    interference only slows; fast error answers must not win)."""
    return max(runs, key=lambda run: run.good_per_s)


def prepare(shop: Shopcore, workdir: Path, products: int, *, orders_count: int | None = None,
            lines_count: int | None = None) -> Dataset:
    """Migrate, seed the products and their order history with ``shopcore seed-demo``,
    stock up, settle the database after the load."""
    _check(shop.cli("db", "upgrade"), "shopcore db upgrade")
    history = ["--orders", str(orders_count)] if lines_count is None \
        else ["--order-lines", str(lines_count)]
    log.info("seeding %d products and their history (%s)", products, " ".join(history))
    seeder = f"shopcore seed-demo --products {products} {' '.join(history)}"
    _check(shop.cli("seed-demo", "--products", str(products), *history), seeder)
    ids = asyncio.run(seed.product_ids(shop.database_url))
    stocked = ids[:: max(1, len(ids) // STOCKED_PRODUCTS)][:STOCKED_PRODUCTS]
    asyncio.run(seed.stock_up(shop.database_url, stocked))
    asyncio.run(seed.settle(shop.database_url))
    counts = asyncio.run(seed.count_rows(shop.database_url))
    log.info("seeded with %s: %s", seeder, counts)
    ids_file, stocked_file = workdir / "product-ids.txt", workdir / "stocked-ids.txt"
    ids_file.write_text("\n".join(map(str, ids)) + "\n")
    stocked_file.write_text("\n".join(map(str, stocked)) + "\n")
    return Dataset(seeder, counts, stocked, ids_file, stocked_file)


def _settle(previous: WrkResult) -> None:
    time.sleep(min(SETTLE_MAX_S, previous.max_ms / 1000 + 0.5))


@contextmanager
def _workdir(keep: bool) -> Iterator[Path]:
    """A scratch folder for the database, logs and Lua inputs; removed unless ``keep``."""
    if keep:
        path = Path(tempfile.mkdtemp(prefix="shopcore-bench-"))
        log.info("keeping the run's files in %s", path)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="shopcore-bench-") as scratch:
        yield Path(scratch)


def _check(done: subprocess.CompletedProcess[str], what: str) -> None:
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def _test_numbers(options: Options) -> str:
    return otp_test_numbers(bench_phones(0, 2 * options.connections))


def _cpus(options: Options) -> tuple[int | None, int | None]:
    if options.pin and pinning_available():
        return CLIENT_CPU, SERVER_CPU
    if options.pin:
        log.warning("CPUs 0 and 1 are not both available: running unpinned")
    return None, None


def _header(options: Options, engine: str, dataset: Dataset | None,
            load_before: tuple[float, float, float]) -> dict[str, Any]:
    settings = {"duration_s": options.duration_s, "warmup_s": options.warmup_s,
                "connections": options.connections, "threads": options.threads,
                "repeat": options.repeat, "pinned": options.pin and pinning_available()}
    load = {"before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()]}
    data: dict[str, Any] = {"engine": engine, "machine": machine(), "wrk": settings,
                            "load_average": load}
    if dataset is not None:
        data["dataset"] = {"seeder": dataset.seeder, "rows": dataset.counts}
    return data
