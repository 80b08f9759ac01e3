"""The public surface: ``shopcore``, ``shopcore.domain``, ``shopcore.application`` and
``shopcore.testing`` export what their modules define, and nothing that is missing."""

from __future__ import annotations

import ast
import doctest
import importlib
import inspect
import pkgutil
from pathlib import Path
from types import ModuleType

import pytest

import shopcore
import shopcore.application as application
import shopcore.application.ports as ports
import shopcore.domain as domain
import shopcore.testing as testing
from shopcore.application import ShopUseCases, use_case_types
from shopcore.testing import InMemoryShop, build_in_memory_shop

PUBLIC = [shopcore, domain, application, ports, testing]


def submodules(package: ModuleType) -> list[ModuleType]:
    return [importlib.import_module(info.name) for info in
            pkgutil.walk_packages(package.__path__, package.__name__ + ".")]


def public_names(module: ModuleType) -> set[str]:
    """Public classes, functions and CONSTANTS defined (not imported) in ``module``."""
    tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper())
    return {n for n in names if not n.startswith("_") and n != "T"}


@pytest.mark.parametrize("module", PUBLIC, ids=lambda m: m.__name__)
def test_every_exported_name_exists_once(module: ModuleType) -> None:
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
    assert len(set(module.__all__)) == len(module.__all__)


INTERNAL = {"shopcore.domain.search": {"tokenize", "words", "search_text", "fold",
                                        "WORD_MAX_LENGTH", "prepare"}}
"""Public-looking names left out on purpose: the search tokenizer the SQL adapters share
(and its folding, which the catalog's name order shares; ``prepare`` builds its tables
at a server's start)."""


def test_the_domain_exports_every_public_name_of_its_modules() -> None:
    missing = {m.__name__: sorted(public_names(m) - set(domain.__all__)
                                  - INTERNAL.get(m.__name__, set()))
               for m in submodules(domain)}
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_ports_package_exports_every_port() -> None:
    missing = {m.__name__: sorted(public_names(m) - set(ports.__all__))
               for m in submodules(ports)}
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_application_exports_every_use_case_and_its_commands_and_results() -> None:
    """Every class of a use-case module (the use case, its command or query, its
    result) is importable from ``shopcore.application``."""
    exported = set(application.__all__)
    for module in submodules(application):
        if module.__name__.startswith("shopcore.application.ports"):
            continue
        for name, value in vars(module).items():
            if (inspect.isclass(value) and value.__module__ == module.__name__
                    and not name.startswith("_") and "__call__" in vars(value)):
                signature = inspect.signature(value.__call__)
                assert name in exported, module.__name__
                for parameter in list(signature.parameters.values())[1:]:
                    kind = parameter.annotation
                    if isinstance(kind, str) and kind[:1].isupper() and "[" not in kind:
                        assert kind in exported, (name, kind)
                result = signature.return_annotation
                if isinstance(result, str) and result.isidentifier() and result != "None":
                    assert result in exported or hasattr(domain, result), (name, result)
    assert set(ports.__all__) <= exported
    assert {"Page", "PageRequest", "ShopUseCases"} <= exported


def test_every_use_case_class_is_an_attribute_of_the_shop() -> None:
    classes = {getattr(application, name) for name in application.__all__
               if inspect.isclass(getattr(application, name))
               and "__call__" in vars(getattr(application, name))
               and getattr(application, name).__module__.startswith("shopcore.application.")
               and not getattr(application, name).__module__.startswith(
                   "shopcore.application.ports")}
    assert classes == set(use_case_types().values())


def test_the_in_memory_shop_sets_every_use_case() -> None:
    shop = build_in_memory_shop()
    assert isinstance(shop, ShopUseCases) and isinstance(shop, InMemoryShop)
    for name, kind in use_case_types().items():
        assert isinstance(getattr(shop, name), kind), name


def test_shopcore_names_load_on_first_use() -> None:
    assert {"bootstrap", "Shop", "Settings", "SettingsError"} <= set(shopcore.__all__)
    assert set(shopcore.__all__) <= set(dir(shopcore))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = shopcore.nope  # type: ignore[attr-defined]


@pytest.mark.parametrize("module", PUBLIC, ids=lambda m: m.__name__)
def test_the_docstring_examples_of_the_public_modules_run(module: ModuleType) -> None:
    failed, _ = doctest.testmod(module, verbose=False)
    assert failed == 0
