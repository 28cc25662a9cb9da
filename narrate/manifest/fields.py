"""Field types shared by the manifest's sections: each carries its own check, message and schema.

Validators raise `PydanticCustomError`s whose type and context `problems.py` turns into the
messages users have always seen ("9 is out of range 0.25 to 4", "unknown format 'wavv'").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BeforeValidator, Discriminator, Tag, WithJsonSchema
from pydantic_core import PydanticCustomError

# Marks a union branch in an error location; problems.py drops these parts from key paths.
TAG = "\x00"


def _number_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


# Text where YAML may have read a number (`version: 1.0`, `digits/7: 7`).
NumText = Annotated[str, BeforeValidator(_number_text), WithJsonSchema({"type": ["string", "number"]})]


def Range(lo: float, hi: float, *, integer: bool = False) -> Any:  # noqa: N802 - reads as a type
    """A number (a whole number if `integer`) from `lo` to `hi` inclusive."""

    def check(value: float) -> float:
        if not lo <= value <= hi:
            raise PydanticCustomError("out_of_range", "out of range", {"lo": lo, "hi": hi})
        return value

    kind = "integer" if integer else "number"
    return Annotated[int if integer else float, AfterValidator(check),
                     WithJsonSchema({"type": kind, "minimum": lo, "maximum": hi})]


def Choice(*values: str, what: str | None = None) -> Any:  # noqa: N802
    """One of `values`. `what` names the thing in the message ("unknown format 'x'")."""

    def check(value: str) -> str:
        if value not in values:
            raise PydanticCustomError("not_one_of", "not one of", {"choices": values, "what": what})
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"enum": list(values)})]


def OneOrMany(item: Any) -> Any:  # noqa: N802
    """A list of `item`, or one item alone (`formats: ulaw` is `formats: [ulaw]`)."""

    def wrap(value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    return Annotated[list[item], BeforeValidator(wrap)]


def Either(what: str, **branches: Any) -> Any:  # noqa: N802
    """A union chosen by the input's shape (text, mapping, list, false, null), so that an error
    reports only the branch the user meant. Branch names: text, mapping, list, false, null."""

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
        return TAG + name if name in branches else None

    tagged = tuple(Annotated[tp, Tag(TAG + name)] for name, tp in branches.items())
    choose: Callable[[Any], str | None] = shape
    return Annotated[Union[tagged],  # noqa: UP007 - a tuple of branches needs Union[...]
                     Discriminator(choose, custom_error_type="wrong_shape", custom_error_message=what,
                                   custom_error_context={"what": what})]


MAX_TEXT_CHARS = 100_000  # a single prompt beyond this is a mistake, not a prompt: books are for long text


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


def Const(value: Any, message: str) -> Any:  # noqa: N802
    """Exactly `value`; anything else is `message` (formatted with {value})."""

    def check(given: Any) -> Any:
        if given != value or isinstance(given, bool):
            raise PydanticCustomError("narrate_const", message, {"value": repr(given)})
        return given

    return Annotated[Any, AfterValidator(check), WithJsonSchema({"const": value})]


_S3_URL = r"^s3://[^/?#\s]+(/[^?#\s]*)?$"  # the same rule narrate.remote applies: a bucket, a prefix, no query


def _s3_url(value: str) -> str:
    import re

    if not re.match(_S3_URL, value):
        raise PydanticCustomError("narrate_s3_url", "must look like s3://bucket/prefix")
    return value


# The shared cache's location (see narrate.remote): an S3 bucket and an optional key prefix.
S3Url = Annotated[str, AfterValidator(_s3_url), WithJsonSchema({"type": "string", "pattern": _S3_URL})]
