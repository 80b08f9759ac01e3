"""What the OpenAPI document says about orderings and lengths matches what the API does."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Api
from tests.e2e.test_fuzz_regressions import openapi


def category_schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    creation = document["paths"]["/api/products/add/"]["post"]["requestBody"]["content"]
    return [*(body["schema"]["properties"]["category"] for body in creation.values()),
            document["components"]["schemas"]["ProductUpdateBody"]["properties"]["category"]]


async def test_the_reviews_list_says_its_order_and_tie_break(api: Api) -> None:
    operation = (await openapi(api))["paths"]["/api/products/{product_id}/reviews/"]["get"]
    assert "newest first" in operation["description"]
    assert "ascending id" in operation["description"]


async def test_the_category_length_is_said_to_count_the_lower_case_form(api: Api) -> None:
    schemas = category_schemas(await openapi(api))
    assert len(schemas) == 3
    for schema in schemas:
        assert "1..100 characters" in schema["description"]
        assert "lower case" in schema["description"] and "İ" in schema["description"]


async def test_a_category_that_lower_cases_beyond_100_characters_is_refused(api: Api) -> None:
    admin = await api.login_admin()
    body = {"name": "Lamp", "price": "10.00", "category": "İ" * 100}
    answer = await api.client.post("/api/products/add/", json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["errors"]] == ["category"]
