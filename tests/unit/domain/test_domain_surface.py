"""The public surface of ``shopcore.domain`` and its dependency rule."""

import ast
import pathlib
import sys

import shopcore.domain as domain

DOMAIN_DIR = pathlib.Path(domain.__file__).parent


def test_every_exported_name_exists() -> None:
    missing = [name for name in domain.__all__ if not hasattr(domain, name)]
    assert missing == []
    assert len(set(domain.__all__)) == len(domain.__all__)


def test_the_main_names_of_every_module_are_exported() -> None:
    for name in ("DomainError", "InvalidInput", "Money", "Phone", "OtpChallenge", "User",
                 "Product", "ProductDraft", "ProductChanges", "Cart", "CartLine",
                 "compute_cart_total", "Order", "OrderStatus", "ALLOWED_TRANSITIONS",
                 "InsufficientStock", "ShippingAddress", "Review", "ReviewDraft"):
        assert name in domain.__all__


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    stdlib = sys.stdlib_module_names
    for source in DOMAIN_DIR.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                roots = [node.module.split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in stdlib or root in {"shopcore", "__future__"}, (source, root)
