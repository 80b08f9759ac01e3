"""The ``shopcore`` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging.config
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from shopcore.entrypoints.logging_config import log_config
from shopcore.entrypoints.settings import Settings, SettingsError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from shopcore.entrypoints.container import Container

T = TypeVar("T")


class CommandFailed(Exception):
    """What stops a command, said in one line (exit code 1)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``shopcore`` command; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as error:
        print(f"shopcore: {error}", file=sys.stderr)
        return 2
    logging.config.dictConfig(log_config(json_lines=settings.production))
    try:
        result: int = args.run(settings, args)
    except CommandFailed as failure:
        print(f"shopcore: {failure}", file=sys.stderr)
        return 1
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopcore",
                                     description="The shopcore e-commerce backend.")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="create or migrate the schema")
    upgrade.set_defaults(run=_upgrade)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_whole_number(0, MAX_PORT), default=8000,
                       help="TCP port (default 8000; 0: any free port)")
    serve.add_argument("--workers", type=_whole_number(1, MAX_WORKERS), default=1,
                       help="worker processes (default 1)")
    serve.set_defaults(run=_serve)

    admin = commands.add_parser("create-admin", help="make a phone number an admin")
    admin.add_argument("phone")
    admin.set_defaults(run=_create_admin)

    seed = commands.add_parser("seed-demo", help="fill an empty catalog with demo products")
    seed.add_argument("--products", type=int, default=200, help="how many (default 200)")
    seed.add_argument("--if-empty", action="store_true",
                      help="do nothing when the catalog already has products")
    history = seed.add_mutually_exclusive_group()
    history.add_argument("--orders", type=int,
                         help="then a past of this many orders by 2,000 demo buyers")
    history.add_argument("--order-lines", type=int,
                         help="then a past of orders with exactly this many lines in all")
    seed.set_defaults(run=_seed_demo)

    auth = commands.add_parser("auth", help="logins")
    auth_commands = auth.add_subparsers(dest="auth_command", required=True)
    prune = auth_commands.add_parser(
        "prune", help="delete expired refresh tokens and OTP challenges no login can use")
    prune.set_defaults(run=_prune_expired)

    payments = commands.add_parser("payments", help="payments")
    payment_commands = payments.add_subparsers(dest="payments_command", required=True)
    retry = payment_commands.add_parser(
        "retry-refunds",
        help="ask the payment provider again for refunds it never accepted or failed")
    retry.add_argument("--limit", type=_whole_number(1), default=100,
                       help="at most this many (default 100)")
    retry.set_defaults(run=_retry_refunds)
    return parser


MAX_PORT = 65535
MAX_WORKERS = 1024


def _whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high`` (no bound: None), so
    that anything else is a usage error (uvicorn would take port 99999 as 34463)."""
    bounds = f"from {low} to {high}" if high is not None else f"at least {low}"

    def parse(text: str) -> int:
        try:
            value = int(text)  # ValueError too for a text of more than 4300 digits
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number {bounds}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be {bounds}")
        return value

    return parse


def _upgrade(settings: Settings, _: argparse.Namespace) -> int:
    from shopcore.adapters.sql.engine import create_engine
    from shopcore.adapters.sql.migrate import upgrade_database

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await _check_database(engine, migrated=False)
            await upgrade_database(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    print("database is up to date")
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    # Each worker loads the settings anew from the environment it inherits: the key this
    # process settled on (in test mode without SHOPCORE_SECRET_KEY a random one) is the
    # one every worker signs tokens and hashes codes with.
    if not os.environ.get("SHOPCORE_SECRET_KEY", "").strip():  # blank counts as unset
        os.environ["SHOPCORE_SECRET_KEY"] = settings.secret_key
    if args.workers > 1:
        # Each worker would cache reads that another worker's writes do not empty.
        os.environ["SHOPCORE_READ_CACHE_MS"] = "0"
    uvicorn.run("shopcore.entrypoints.asgi:app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_config=log_config(json_lines=settings.production),
                access_log=False,
                # The client's address is the socket peer unless SHOPCORE_TRUSTED_PROXIES
                # says otherwise (entrypoints/http/security.py); uvicorn would otherwise
                # believe X-Forwarded-For from 127.0.0.1.
                proxy_headers=False,
                timeout_graceful_shutdown=20)
    return 0


async def _check_database(engine: AsyncEngine, *, migrated: bool) -> None:
    """``CommandFailed`` when the database does not answer or refuses the connection, or
    (``migrated``) when its schema is older than this release."""
    from sqlalchemy.exc import DBAPIError

    from shopcore.adapters.sql.engine import DATABASE_UNAVAILABLE
    from shopcore.adapters.sql.migrate import migrations_pending

    try:
        async with engine.connect() as connection:
            pending = await migrations_pending(connection)
    except DATABASE_UNAVAILABLE as error:
        # The driver's own words (a wrapped error's would add its SQL); neither quotes
        # the URL or its password.
        cause = error.orig if isinstance(error, DBAPIError) else error
        said = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
        raise CommandFailed(f"the database of SHOPCORE_DATABASE_URL cannot be used: "
                            f"{said}") from None
    if migrated and pending:
        raise CommandFailed("the database schema is older than this release (or was never "
                            "created): run `shopcore db upgrade` first")


def _with_container(settings: Settings, work: Callable[[Container], Awaitable[T]]) -> T:
    """Run ``work`` on a freshly built container, closing it afterwards; the database
    must answer with a migrated schema first (else ``CommandFailed``)."""
    from shopcore.entrypoints.container import build_container, close_container

    async def run() -> T:
        container = build_container(settings)
        try:
            await _check_database(container.engine(), migrated=True)
            return await work(container)
        finally:
            await close_container(container)

    return asyncio.run(run())


def _report(settings: Settings, work: Callable[[Container], Awaitable[str]]) -> int:
    """Print what ``work`` says; a refused input is one line on stderr and exit code 2."""
    from shopcore.domain.errors import InvalidInput

    try:
        print(_with_container(settings, work))
    except InvalidInput as error:
        print(f"shopcore: {error.detail}", file=sys.stderr)
        return 2
    return 0


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    async def promote(container: Container) -> str:
        user = await container.promote_to_admin()(args.phone)
        return f"{user.phone.e164} is an admin (user {user.id})"

    return _report(settings, promote)


def _seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    import time

    from shopcore.application.catalog.seed_demo_catalog import SeedDemoCatalogCommand
    from shopcore.application.shopping.seed_demo_orders import SeedDemoOrdersCommand

    async def seed(container: Container) -> str:
        history = (None if args.orders is None and args.order_lines is None else
                   SeedDemoOrdersCommand(orders=args.orders, order_lines=args.order_lines))
        if history is not None and not args.if_empty:
            await container.seed_demo_orders().refuse_if_seeded_before()
        started = time.monotonic()
        result = await container.seed_demo_catalog()(SeedDemoCatalogCommand(
            products=args.products, only_if_empty=args.if_empty))
        if result.skipped:
            return "the catalog already has products; nothing was added"
        said = (f"added {result.products} demo products ({result.pictures} with pictures) "
                f"in {time.monotonic() - started:.1f} s")
        if history is None:
            return said
        started = time.monotonic()
        past = await container.seed_demo_orders()(history)
        return (f"{said}, and {past.orders} past orders ({past.order_lines} lines) of "
                f"{past.buyers} demo buyers in {time.monotonic() - started:.1f} s")

    return _report(settings, seed)


def _prune_expired(settings: Settings, _: argparse.Namespace) -> int:
    async def prune(container: Container) -> str:
        pruned = await container.prune_expired_credentials()()
        return (f"deleted {pruned.refresh_tokens} expired refresh tokens and "
                f"{pruned.otp_challenges} stale OTP challenges")

    return _report(settings, prune)


def _retry_refunds(settings: Settings, args: argparse.Namespace) -> int:
    async def retry(container: Container) -> tuple[int, int]:
        retried = await container.retry_refunds()(args.limit)
        return retried.attempted, retried.accepted

    attempted, accepted = _with_container(settings, retry)
    print(f"asked again for {attempted} owed refunds; the provider accepted {accepted}")
    return 0 if accepted == attempted else 1


if __name__ == "__main__":
    raise SystemExit(main())
