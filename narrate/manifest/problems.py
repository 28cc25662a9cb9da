"""pydantic's validation errors -> narrate's located problems (`file:line: key.path: message`).

Each error's `loc` is a key path into the data; the loader's line table gives its line. Messages
are narrate's own ("expected a number, got text ('fast')"), with did-you-mean hints for unknown
keys and choices. Every piece of user text in a message goes through `names.show`.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from ..errors import Problem
from ..errors import shown as show
from .fields import TAG
from .loader import Key, LineTable


class Adds(Protocol):
    """What a pure rule module needs of core.Checker: a place to add a located problem."""

    lines: LineTable  # where each key path was written

    def add(self, key: Key, message: str) -> None: ...

_TYPES = {"float_type": "a number", "int_type": "a whole number", "string_type": "text",
          "bool_type": "true or false", "dict_type": "a mapping", "model_type": "a mapping",
          "model_attributes_type": "a mapping", "list_type": "a list"}
_SECRET_KEYS = ("api_key", "key", "token")
_SINGULAR = {"formats": "format", "languages": "language"}


def kind(value: Any) -> str:
    """How a YAML value reads in a message: 'a mapping', 'text ('fast')', 'a number (3)'..."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    return f"text ({show(repr(value))})" if len(str(value)) < 40 else "text"


def key_path(key: Key) -> str:
    """('libraries', 'shop', 'formats', 1) -> 'libraries.shop.formats[1]', escaped for printing."""
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return show(out)


def same_tag_hint(tag: str, declared: Any) -> str | None:
    """The declared language that is `tag` spelt otherwise (`en_US` or `EN-us` for `en-US`): the
    hint a new user needs, where difflib's nearest string could be another language (`es-US`)."""
    folded = tag.casefold().replace("_", "-")
    same = next((str(d) for d in declared if str(d).casefold().replace("_", "-") == folded), None)
    return show(repr(same)) if same is not None else None


def hint_for(value: str, options: Any) -> str | None:
    close = difflib.get_close_matches(str(value), [str(o) for o in options], n=1, cutoff=0.6)
    return show(repr(close[0])) if close else None


def from_validation(error: ValidationError, root: type[BaseModel], lines: LineTable, file: str,
                    prefix: Key = ()) -> list[Problem]:
    """One Problem per error, in the order pydantic found them (duplicates dropped)."""
    found: dict[Problem, None] = {}
    for err in error.errors(include_url=False):
        raw_loc = tuple(err["loc"])
        loc = prefix + tuple(p for p in raw_loc if not (isinstance(p, str) and p.startswith(TAG)))
        problem = _one(err, raw_loc, loc, root, lines, file)
        found.setdefault(problem, None)
    return list(found)


def _one(err: Any, raw_loc: tuple[Any, ...], loc: Key, root: type[BaseModel], lines: LineTable, file: str) -> Problem:
    etype, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    line = lines.line(loc)
    if etype == "extra_forbidden":
        name = loc[-1]
        if len(loc) == 3 and loc[0] == "providers" and name in _SECRET_KEYS:
            return Problem(file, line, key_path(loc), "API keys never go in the manifest: use api_key_env or api_key_file")
        return Problem(file, line, key_path(loc), "unknown key", hint_for(str(name), allowed_keys(root, raw_loc[:-1])))
    if etype == "missing":
        return Problem(file, lines.line(loc[:-1]), key_path(loc), "missing required key")
    if etype in _TYPES:
        return Problem(file, line, key_path(loc), f"expected {_TYPES[etype]}, got {kind(value)}")
    if etype == "wrong_shape":
        return Problem(file, line, key_path(loc), f"expected {ctx['what']}, got {kind(value)}")
    if etype == "out_of_range":
        return Problem(file, line, key_path(loc), f"{value} is out of range {ctx['lo']:g} to {ctx['hi']:g}")
    if etype == "not_one_of":
        while loc and isinstance(loc[-1], int):  # `formats: [ulaw, wavv]` reports the key, not [1]
            loc = loc[:-1]
        shown = show(repr(value))
        choices = ctx["choices"]
        message = f"unknown {ctx['what']} {shown}" if ctx.get("what") else f"{shown} is not one of {', '.join(choices)}"
        return Problem(file, line, key_path(loc), message, hint_for(str(value), choices))
    if etype == "too_short":
        what = _SINGULAR.get(str(loc[-1]), "entry") if loc else "entry"
        return Problem(file, line, key_path(loc), f"at least one {what} is required")
    # Our own checks (types starting "narrate_") carry a finished message; pydantic's others are clear enough.
    return Problem(file, line, key_path(loc), show(err["msg"]))


def allowed_keys(root: type[BaseModel], raw_loc: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at `raw_loc` (a pydantic loc, union tags included), for hints."""
    tp: Any = root
    for part in raw_loc:
        tp = _step(tp, part)
        if tp is None:
            return []
    tp = _unwrap(tp, None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any, tag: Any) -> Any:
    """Strip Annotated; in a union, pick the branch tagged `tag` (or the only model branch)."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            branches = typing.get_args(tp)
            for branch in branches:
                meta = getattr(branch, "__metadata__", ())
                if any(getattr(m, "tag", None) == tag for m in meta):
                    return _unwrap(branch, None)
            models = [b for b in branches if isinstance(_unwrap(b, None), type)
                      and issubclass(_unwrap(b, None), BaseModel)]
            return _unwrap(models[0], None) if models else None
        else:
            return tp


def _step(tp: Any, part: Any) -> Any:
    if isinstance(part, str) and part.startswith(TAG):
        return _unwrap(tp, part)
    tp = _unwrap(tp, None)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        field = tp.model_fields.get(part)
        if field is not None:
            return field.annotation if not field.metadata else typing.Annotated[(field.annotation, *field.metadata)]
        extra = typing.get_type_hints(tp).get("__pydantic_extra__")
        return typing.get_args(extra)[1] if extra is not None else None
    origin = typing.get_origin(tp)
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin is list:
        return typing.get_args(tp)[0]
    return None
