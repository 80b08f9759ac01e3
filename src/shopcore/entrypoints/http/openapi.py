"""The OpenAPI document, with the contract's trailing-slash paths."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.typing import FieldDefinition

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema


def with_contract_paths(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with ``/api/...`` paths spelled as the contract spells them (``/x/``).

    Litestar routes ``/x`` and ``/x/`` alike but documents ``/x``.
    """
    paths = schema.get("paths", {})
    renamed = {
        (path + "/" if path.startswith("/api/") and not path.endswith("/") else path): item
        for path, item in paths.items()
    }
    return {**schema, "paths": renamed}


class ContractJsonRenderPlugin(JsonRenderPlugin):
    """Serves ``/schema/openapi.json`` with the contract's paths."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, with_contract_paths(openapi_schema))


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Documents msgspec structs as Litestar does, plus ``additionalProperties: false``
    for the request bodies that refuse unknown fields (``forbid_unknown_fields``), so the
    document says what the app does: an unknown field is a 422."""

    def to_openapi_schema(self, field_definition: FieldDefinition,
                          schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema
