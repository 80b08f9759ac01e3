"""The dependency rule: entrypoints → adapters → application → domain, never outward."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_importing_domain_and_application_loads_no_framework() -> None:
    """The public packages, with all their re-exports (and ``shopcore`` itself, whose
    ``bootstrap`` loads lazily), import no framework, driver or HTTP client."""
    probe = (
        "import sys, shopcore, shopcore.domain, shopcore.application, "
        "shopcore.application.ports, shopcore.application.auth.verify_otp;"
        "from shopcore.application import *;"
        "from shopcore.domain import *;"
        "heavy = {'litestar', 'sqlalchemy', 'httpx', 'jwt', 'PIL', 'msgspec', "
        "'dependency_injector', 'phonenumbers', 'alembic', 'asyncpg', 'aiosqlite', "
        "'redis', 'boto3', 'uvicorn', 'dotenv'};"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "[]"
