"""The manifest's JSON Schema, generated from the models in `model.py` (never written by hand)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from .model import Manifest


class _Generator(GenerateJsonSchema):
    """pydantic's generator without per-property titles and `default: null` (noise for editors)."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: Any) -> Any:
        inner = self.generate_inner(schema["schema"])
        if schema.get("default", ...) is not None and "default" in schema:
            inner["default"] = schema["default"]
        return inner


def manifest_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a manifest, for editors and `docs/manifest.schema.json`."""
    schema = Manifest.model_json_schema(schema_generator=_Generator)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "narrate manifest", **schema}
