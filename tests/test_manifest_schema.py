"""The published JSON Schema is generated from the models, and every property says what it is."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import yaml

from conftest import ROOT, narrate_in
from narrate.manifest.schema import manifest_schema


def properties(node: Any, path: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    """(path, property name, property schema) for every property anywhere in the schema."""
    found = []
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            found.append((f"{path}.{name}", name, prop))
        for key, value in node.items():
            found += properties(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += properties(value, f"{path}[{i}]")
    return found


def test_docs_schema_is_the_generated_schema():
    generated = manifest_schema()
    jsonschema.Draft202012Validator.check_schema(generated)
    assert json.loads((ROOT / "docs" / "manifest.schema.json").read_text()) == generated, \
        "docs/manifest.schema.json is stale: regenerate it with `narrate schema > docs/manifest.schema.json`"
    assert json.loads(narrate_in("schema").stdout) == generated


def test_every_property_has_a_description_of_its_own():
    props = properties(manifest_schema())
    assert len(props) > 60
    missing = [path for path, _, prop in props if not str(prop.get("description", "")).strip()]
    assert missing == []
    names_by_description: dict[str, set[str]] = {}
    for _, name, prop in props:
        names_by_description.setdefault(prop["description"], set()).add(name)
    shared = {d: names for d, names in names_by_description.items() if len(names) > 1}
    assert shared == {}, "unrelated properties share a description"


def test_descriptions_that_drifted_before_are_right():
    defs = manifest_schema()["$defs"]
    assert defs["Book"]["properties"]["title"]["description"].startswith("book title")
    assert defs["Book"]["properties"]["author"]["description"].startswith("author")
    assert defs["Provider"]["properties"]["base_url"]["description"].startswith("API base URL")
    assert defs["Cache"]["properties"]["remote"]["description"].startswith("shared remote cache URL")
    assert defs["LanguageSpec"]["properties"]["path"]["description"].startswith("folder for this language")


def test_schema_accepts_the_demo_and_rejects_what_the_validator_rejects():
    schema = manifest_schema()
    demo = yaml.safe_load((ROOT / "manifests" / "demo.yaml").read_text())
    jsonschema.validate(demo, schema)
    for bad in ({"package": {"formats": "zip"}}, {"package": {"epoch": "soon"}}, {"budget": {"max_chars": -1}},
                {"defaults": {"speed": 9}}, {"defaults": {"level": True}}, {"cache": {"remot": "s3://x"}}):
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors({**demo, **bad}))
        assert errors, bad
