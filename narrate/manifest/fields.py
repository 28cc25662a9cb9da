"""Field types shared by the manifest's sections: each carries its own check, message and schema.

Validators raise `PydanticCustomError`s whose type and context `problems.py` turns into the
messages users have always seen ("9 is out of range 0.25 to 4", "unknown format 'wavv'").
The helpers return pydantic metadata, not types, so that a type checker reads the field's type:
`speed: Omittable[Annotated[float, Range(0.25, 4.0)]]` is a `float | None` to mypy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, TypeVar, Union

from annotated_types import GroupedMetadata
from pydantic import AfterValidator, BeforeValidator, Discriminator, GetJsonSchemaHandler, StrictStr, Tag, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from .resolved import MAX_TEXT_CHARS

# Marks a union branch in an error location; problems.py drops these parts from key paths.
TAG = "\x00"


def _number_text(value: Any) -> Any:
    """Text that YAML read as a number, as it was written (`9:30`, `007`, `1.10`: loader.WrittenInt)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return getattr(value, "written", None) or str(value)
    return value


# Text where YAML may have read a number (`version: 1.0`, `digits/7: 7`).
NumText = Annotated[str, BeforeValidator(_number_text), WithJsonSchema({"type": ["string", "number"]})]


_T = TypeVar("_T")

if TYPE_CHECKING:
    # What the code sees: the attribute is None when the key is left out.
    Omittable: TypeAlias = Union[_T, None]  # noqa: UP007 - a generic alias needs Union[...]
else:
    class Omittable:
        """`Omittable[X]`: a key that may be left out (its attribute is then None), but whose value,
        when given, must be an X: an explicit null is refused, and the schema shows plain X. Type
        checkers read it as `X | None`; pydantic reads it as X (the field's default supplies None)."""

        def __class_getitem__(cls, item: Any) -> Any:
            return item


@dataclass(frozen=True)
class _Metadata(GroupedMetadata):
    """Several pieces of pydantic metadata used as one `Annotated[...]` argument."""

    items: tuple[Any, ...]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.items)


@dataclass(frozen=True)
class _RangeSchema:
    """JSON Schema of a range: the number's own type ("integer" or "number") with its bounds."""

    lo: float
    hi: float

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"type": handler(schema)["type"], "minimum": self.lo, "maximum": self.hi}


def Range(lo: float, hi: float) -> GroupedMetadata:  # noqa: N802 - reads as a type
    """`Annotated[float, Range(lo, hi)]` (or int): a number from `lo` to `hi` inclusive."""

    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise PydanticCustomError("out_of_range", "out of range", {"lo": lo, "hi": hi})
        return value

    return _Metadata((AfterValidator(check), _RangeSchema(lo, hi)))


def Choice(*values: str, what: str | None = None) -> GroupedMetadata:  # noqa: N802
    """`Annotated[str, Choice(...)]`: one of `values`. `what` names the thing in the message
    ("unknown format 'x'")."""

    def check(value: str) -> str:
        if value not in values:
            raise PydanticCustomError("not_one_of", "not one of", {"choices": values, "what": what})
        return value

    return _Metadata((AfterValidator(check), WithJsonSchema({"enum": list(values)})))


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# `Annotated[list[X], ONE_OR_MANY]`: a list of X, or one X alone (`formats: ulaw` is `formats: [ulaw]`).
ONE_OR_MANY = BeforeValidator(_one_or_many)

# The branches of an `Either` union, by the input's shape: `Annotated[Level, MAPPING]`.
TEXT, MAPPING, LIST, FALSE, NULL = (Tag(TAG + name) for name in ("text", "mapping", "list", "false", "null"))


def Either(what: str, *branches: Tag) -> Discriminator:  # noqa: N802
    """`Annotated[Annotated[A, TEXT] | Annotated[B, MAPPING], Either(what, TEXT, MAPPING)]`: a union
    chosen by the input's shape (text, mapping, list, false, null), so that an error reports only
    the branch the user meant; another shape is a "wrong_shape" error naming `what`."""
    names = {tag.tag for tag in branches}

    def shape(value: Any) -> str | None:
        if isinstance(value, dict):
            name = "mapping"
        elif isinstance(value, list):
            name = "list"
        elif value is False:
            name = "false"
        elif value is None:
            name = "null"
        elif isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
            name = "text"
        else:
            return None
        return TAG + name if TAG + name in names else None

    choose: Callable[[Any], str | None] = shape
    return Discriminator(choose, custom_error_type="wrong_shape", custom_error_message=what,
                         custom_error_context={"what": what})




def _spoken(value: str) -> str:
    text = value.strip()
    if not text:
        raise PydanticCustomError("narrate_empty_text", "empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise PydanticCustomError("narrate_long_text", "text is {n} characters; the limit is {limit} "
                                  "(use a book for long-form text)", {"n": f"{len(text):,}", "limit": f"{MAX_TEXT_CHARS:,}"})
    return text


# The words of a prompt: text (or a number), stripped, not empty, at most MAX_TEXT_CHARS.
SpokenText = Annotated[str, BeforeValidator(_number_text), AfterValidator(_spoken),
                       WithJsonSchema({"type": ["string", "number"]})]
# Spoken words that are never a number alone: a book's credits (`opening: 5` is a length or a chapter
# mistyped, not credits; a prompt's `7` is the digit spoken on purpose).
SpokenWords = Annotated[StrictStr, AfterValidator(_spoken)]


def Const(value: Any, message: str) -> GroupedMetadata:  # noqa: N802
    """`Annotated[Any, Const(value, message)]`: exactly `value`; anything else is `message`
    (formatted with {value})."""

    def check(given: Any) -> Any:
        if given != value or isinstance(given, bool):
            raise PydanticCustomError("narrate_const", message, {"value": repr(given)})
        return given

    return _Metadata((AfterValidator(check), WithJsonSchema({"const": value})))


# C0 controls but tab, line feed and carriage return (YAML's folded and literal scalars make those),
# DEL and C1: a NUL ends a title in ID3 and MP4 readers (ffmpeg showed `Nul\0byte` as `Nul`), an ESC
# reaches whoever prints the tags.
_TAG_CONTROL_RE = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def _tag_text(value: str) -> str:
    import re

    found = re.search(_TAG_CONTROL_RE, value)
    if found:
        raise PydanticCustomError("narrate_tag_control", "control character U+{code} is not allowed in text that "
                                  "goes into tags and feeds", {"code": f"{ord(found.group()):04X}"})
    return value


# Text that ends up in ID3 and MP4 tags, M3U playlists and feeds: any text but control characters.
TagText = Annotated[StrictStr, AfterValidator(_tag_text)]


# The same rule narrate.cache.objstore applies: a scheme, a bucket (a folder for file://), a prefix, no query.
_S3_URL = r"^((s3|gs|az)://[^/?#\s@:]+(/[^?#\s@]*)?|file:///[^?#\s]*)$"


def _s3_url(value: str) -> str:
    import re

    if not re.match(_S3_URL, value):
        raise PydanticCustomError("narrate_s3_url", "must look like s3://bucket/prefix, gs://bucket/prefix, "
                                 "az://container/prefix or file:///folder")
    return value


# The shared cache's location (see narrate.cache.objstore): a bucket and an optional key prefix.
S3Url = Annotated[str, AfterValidator(_s3_url), WithJsonSchema({"type": "string", "pattern": _S3_URL})]
