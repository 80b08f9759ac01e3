"""CreateProduct, UpdateProduct and ArchiveProduct on the shipped in-memory fakes."""

from __future__ import annotations

import pytest

from shopcore.application.catalog.create_product import CreateProductCommand
from shopcore.application.catalog.update_product import UpdateProductCommand
from shopcore.application.ports import ImageTooLarge, UnsupportedImage
from shopcore.domain.catalog import Product, VersionMismatch
from shopcore.domain.errors import InvalidInput, NotFound
from shopcore.testing import InMemoryShop, build_in_memory_shop

PNG = b"\x89PNG\r\n\x1a\n" + b"pixels"


@pytest.fixture
def shop() -> InMemoryShop:
    return build_in_memory_shop()


async def create(shop: InMemoryShop, **fields: object) -> Product:
    values: dict[str, object] = {"name": "Smartphone", "price": "19999.00",
                                 "category": "Mobile", "description": "Latest", "stock": 3}
    values.update(fields)
    return await shop.create_product(CreateProductCommand(**values))  # type: ignore[arg-type]


async def test_a_created_product_is_stored_with_a_normalised_category(shop: InMemoryShop) -> None:
    product = await create(shop)
    assert product.category == "mobile" and product.price.amount == "19999.00"
    assert product.created_at == shop.clock.now() and product.image_url is None
    assert await shop.get_product(product.id) == product


async def test_every_bad_field_is_named_in_one_error(shop: InMemoryShop) -> None:
    with pytest.raises(InvalidInput) as error:
        await create(shop, name="", price="1.999", category=" ", stock=-1)
    assert {e.field for e in error.value.errors} == {"name", "price", "category", "stock"}
    assert shop.database.state.products == {}


async def test_an_image_is_stored_and_its_urls_kept(shop: InMemoryShop) -> None:
    product = await create(shop, image=PNG)
    assert product.image_url in shop.images.files
    assert product.thumbnail_url in shop.images.files


async def test_invalid_fields_are_refused_before_the_image_is_stored(shop: InMemoryShop) -> None:
    with pytest.raises(InvalidInput):
        await create(shop, price="-1", image=PNG)
    assert shop.images.files == {}


@pytest.mark.parametrize(("data", "error"), [
    (b"GIF89a....", UnsupportedImage), (b"\x89PNG\r\n\x1a\n" + b"x" * 6 * 1024 * 1024,
                                        ImageTooLarge)])
async def test_a_refused_image_creates_nothing(
    shop: InMemoryShop, data: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await create(shop, image=data)
    assert shop.database.state.products == {}


async def test_a_failed_insert_discards_the_stored_image(
    shop: InMemoryShop, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_commit(self: object) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(type(shop.database.unit_of_work()), "commit", failing_commit)
    with pytest.raises(RuntimeError):
        await create(shop, image=PNG)
    assert shop.images.files == {} and len(shop.images.discarded) == 1
    assert shop.database.state.products == {}


async def test_update_changes_only_the_given_fields(shop: InMemoryShop) -> None:
    product = await create(shop)
    shop.clock.advance(minutes=5)
    changed = await shop.update_product(UpdateProductCommand(product.id, price="10.50",
                                                             stock=0))
    assert (changed.price.amount, changed.stock, changed.name) == ("10.50", 0, "Smartphone")
    assert changed.updated_at == shop.clock.now() and changed.created_at == product.created_at
    assert await shop.get_product(product.id) == changed


async def test_an_empty_update_changes_nothing(shop: InMemoryShop) -> None:
    product = await create(shop)
    shop.clock.advance(minutes=5)
    assert await shop.update_product(UpdateProductCommand(product.id)) == product


async def test_update_validates_like_create(shop: InMemoryShop) -> None:
    product = await create(shop)
    with pytest.raises(InvalidInput) as error:
        await shop.update_product(UpdateProductCommand(product.id, price="NaN", name=""))
    assert {e.field for e in error.value.errors} == {"price", "name"}


async def test_update_keeps_the_review_aggregates(shop: InMemoryShop) -> None:
    product = await create(shop)
    async with shop.database.unit_of_work() as work:
        await work.products.adjust_rating(product.id, 1, 4)
        await work.commit()
    changed = await shop.update_product(UpdateProductCommand(product.id, name="Phone"))
    assert (changed.rating_count, changed.rating_total) == (1, 4)


async def test_archiving_hides_the_product_for_good(shop: InMemoryShop) -> None:
    product = await create(shop)
    await shop.archive_product(product.id)
    with pytest.raises(NotFound):
        await shop.get_product(product.id)
    with pytest.raises(NotFound):
        await shop.update_product(UpdateProductCommand(product.id, name="Back"))
    with pytest.raises(NotFound):
        await shop.archive_product(product.id)
    assert shop.database.state.products[product.id].archived  # kept for past orders


@pytest.mark.parametrize("product_id", [0, 999, 2**40])
async def test_unknown_products_are_not_found(shop: InMemoryShop, product_id: int) -> None:
    with pytest.raises(NotFound):
        await shop.get_product(product_id)
    with pytest.raises(NotFound):
        await shop.update_product(UpdateProductCommand(product_id, name="x"))
    with pytest.raises(NotFound):
        await shop.archive_product(product_id)
    with pytest.raises(NotFound):  # not found first, whatever version is expected
        await shop.update_product(UpdateProductCommand(product_id, name="x",
                                                       expected_version=1))
    with pytest.raises(NotFound):
        await shop.archive_product(product_id, expected_version=1)


# versions: a change based on an older read is refused


async def test_a_change_based_on_the_current_version_is_made_at_the_next_one(
    shop: InMemoryShop,
) -> None:
    product = await create(shop)
    changed = await shop.update_product(UpdateProductCommand(
        product.id, stock=10, expected_version=product.version))
    assert (product.version, changed.version, changed.stock) == (1, 2, 10)
    assert await shop.get_product(product.id) == changed


async def test_a_change_based_on_an_older_version_is_refused_and_changes_nothing(
    shop: InMemoryShop,
) -> None:
    product = await create(shop, stock=12)
    async with shop.database.unit_of_work() as work:  # an order takes 3 meanwhile
        assert await work.products.reserve_stock(product.id, 3)
        await work.commit()
    for stale in (UpdateProductCommand(product.id, stock=10, expected_version=1),
                  UpdateProductCommand(product.id, expected_version=1)):  # also when empty
        with pytest.raises(VersionMismatch) as caught:
            await shop.update_product(stale)
        assert (caught.value.expected, caught.value.current) == (1, 2)
    stored = await shop.get_product(product.id)
    assert (stored.stock, stored.version) == (9, 2)


async def test_changes_without_an_expected_version_apply_to_any_version(
    shop: InMemoryShop,
) -> None:
    product = await create(shop)
    await shop.update_product(UpdateProductCommand(product.id, name="Phone"))
    changed = await shop.update_product(UpdateProductCommand(product.id, stock=1))
    assert (changed.name, changed.stock, changed.version) == ("Phone", 1, 3)


async def test_archiving_based_on_an_older_version_is_refused_and_keeps_the_product(
    shop: InMemoryShop,
) -> None:
    product = await create(shop)
    changed = await shop.update_product(UpdateProductCommand(product.id, name="Phone"))
    with pytest.raises(VersionMismatch):
        await shop.archive_product(product.id, expected_version=product.version)
    assert await shop.get_product(product.id) == changed
    await shop.archive_product(product.id, expected_version=changed.version)
    with pytest.raises(NotFound):
        await shop.get_product(product.id)
    assert shop.database.state.products[product.id].version == changed.version + 1
