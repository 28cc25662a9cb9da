"""The manifest: YAML -> validated model -> the resolved objects the rest of narrate reads.

Layers: `loader` (bounded YAML + line table) -> `model` (pydantic, one class per section; also the
JSON Schema via `schema`) -> `core` (pure cross-key rules, builds `resolved` dataclasses) ->
`resolve` (the I/O: files, globs, covers, lexicon). `load_manifest` runs them all.

The models load on first use (module `__getattr__`): a rebuild whose manifest only changed prompt
texts never imports pydantic (`replay`), and reading `Manifest`, `Library`... needs none of it.
"""

from typing import TYPE_CHECKING, Any

from ..errors import shown as show
from .inputs import read_input, read_text_input
from .loader import LineTable, load_yaml_file, load_yaml_text, paused_gc
from .names import check_name
from .resolve import load_manifest
from .resolved import MAX_TEXT_CHARS, Book, Language, Level, Library, Manifest, PromptText, Settings, Silence

if TYPE_CHECKING:
    from .core import validate
    from .layout_check import DEFAULT_PLATFORM, LAYOUT_FORMATS
    from .model import BOOK_FORMATS, LAYOUTS, MANIFEST_VERSION, MISSING_POLICIES, PLATFORMS, PROVIDER_KINDS

_LAZY = {"DEFAULT_PLATFORM": "layout_check", "LAYOUT_FORMATS": "layout_check", "validate": "core", "BOOK_FORMATS": "model",
         "LAYOUTS": "model", "MANIFEST_VERSION": "model", "MISSING_POLICIES": "model", "PLATFORMS": "model",
         "PROVIDER_KINDS": "model"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)


__all__ = ["BOOK_FORMATS", "DEFAULT_PLATFORM", "LAYOUTS", "LAYOUT_FORMATS", "MANIFEST_VERSION", "MAX_TEXT_CHARS",
           "MISSING_POLICIES", "PLATFORMS", "PROVIDER_KINDS", "Book", "Language", "Level", "Library", "LineTable",
           "Manifest", "PromptText", "Settings", "Silence", "check_name", "load_manifest", "load_yaml_file",
           "load_yaml_text", "paused_gc", "read_input", "read_text_input", "show", "validate"]
