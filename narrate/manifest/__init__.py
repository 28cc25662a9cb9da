"""The manifest: YAML -> validated model -> the resolved objects the rest of narrate reads.

Layers: `loader` (bounded YAML + line table) -> `model` (pydantic, one class per section; also the
JSON Schema via `schema`) -> `core` (pure cross-key rules, builds `resolved` dataclasses) ->
`resolve` (the I/O: files, globs, covers, lexicon). `load_manifest` runs them all.
"""

from ..errors import shown as show
from .core import DEFAULT_PLATFORM, LAYOUT_FORMATS, validate
from .fields import MAX_TEXT_CHARS
from .loader import LineTable, load_yaml_file, load_yaml_text, paused_gc
from .model import BOOK_FORMATS, LAYOUTS, MANIFEST_VERSION, MISSING_POLICIES, PLATFORMS, PROVIDER_KINDS
from .names import check_name
from .resolve import load_manifest, read_input, read_text_input
from .resolved import Book, Language, Level, Library, Manifest, PromptText, Settings, Silence

__all__ = ["BOOK_FORMATS", "DEFAULT_PLATFORM", "LAYOUTS", "LAYOUT_FORMATS", "MANIFEST_VERSION", "MAX_TEXT_CHARS",
           "MISSING_POLICIES", "PLATFORMS", "PROVIDER_KINDS", "Book", "Language", "Level", "Library", "LineTable",
           "Manifest", "PromptText", "Settings", "Silence", "check_name", "load_manifest", "load_yaml_file",
           "load_yaml_text", "paused_gc", "read_input", "read_text_input", "show", "validate"]
