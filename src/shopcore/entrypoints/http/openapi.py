"""The OpenAPI document, with the contract's trailing-slash paths."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin


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
