"""SeedDemoCatalog and the deterministic demo data, on the in-memory fakes."""

from __future__ import annotations

import pytest

from shopcore.application.catalog.demo_catalog import CATEGORIES, demo_product
from shopcore.application.catalog.seed_demo_catalog import (
    PICTURED_PRODUCTS,
    SeedDemoCatalogCommand,
)
from shopcore.domain.catalog import ProductDraft
from shopcore.domain.errors import InvalidInput
from shopcore.testing import InMemoryShop, build_in_memory_shop


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


def test_demo_products_are_deterministic_and_pass_the_domain_checks() -> None:
    assert [demo_product(n) for n in range(50)] == [demo_product(n) for n in range(50)]
    for number in range(0, 5000, 7):
        draft = demo_product(number)
        checked = ProductDraft.create(draft.name, draft.description, draft.price.amount,
                                      draft.category, draft.stock)
        assert checked == draft


def test_demo_products_spread_over_about_twenty_categories() -> None:
    assert len({demo_product(n).category for n in range(200)}) == len(CATEGORIES) >= 18
    assert len({demo_product(n).name for n in range(2000)}) == 2000


async def test_seeding_adds_products_and_a_few_pictures(shop: InMemoryShop) -> None:
    result = await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=30))
    products = shop.database.state.products
    assert result.products == 30 and result.pictures == PICTURED_PRODUCTS == 12
    assert len(products) == 30
    assert sum(p.image_url is not None for p in products.values()) == 12
    newest = max(products.values(), key=lambda p: (p.created_at, p.id))
    assert newest.name == demo_product(29).name


async def test_if_empty_does_nothing_when_products_exist(shop: InMemoryShop) -> None:
    await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=3))
    result = await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=3, only_if_empty=True))
    assert result.skipped and len(shop.database.state.products) == 3
    assert len(shop.images.files) == 2 * 3  # no new pictures


async def test_seeding_a_catalog_that_has_products_is_refused_and_adds_nothing(
    shop: InMemoryShop,
) -> None:
    await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=3))
    with pytest.raises(InvalidInput, match="already has products") as refused:
        await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=3))
    assert refused.value.errors[0].field == "products"
    assert len(shop.database.state.products) == 3
    assert len(shop.images.files) == 2 * 3  # no new pictures


async def test_pictures_are_discarded_when_the_insert_fails(
    shop: InMemoryShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_commit(self: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(shop.database.unit_of_work()), "commit", failing_commit)
    with pytest.raises(RuntimeError):
        await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=5))
    assert shop.images.files == {} and len(shop.images.discarded) == 5


@pytest.mark.parametrize("count", [0, -1, 1_000_001])
async def test_the_product_count_is_checked(shop: InMemoryShop, count: int) -> None:
    with pytest.raises(InvalidInput):
        await shop.seed_demo_catalog(SeedDemoCatalogCommand(products=count))
