"""The one shape of `--json` output (`docs/cli-output.schema.json`), whatever the number of manifests.

    {"schema_version": 1, "command": "build" | "plan", "ok": bool,
     "manifests": [<one report per manifest>],
     "problems": [<error object>...],          # bad input: the manifests could not be read
     ...totals}                                # the manifests' figures summed, lists joined

An error object is {"code", "file", "line", "key", "message"}: `code` is one of ERROR_CODES, `file`
the manifest (or the file the problem is in), `line` its line or null, `key` the manifest key
path or the prompt/book the error concerns (or null).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..errors import Problem

SCHEMA_VERSION = 1
ERROR_CODES = ("invalid_input", "synthesis_failed", "not_cached", "write_failed", "book_failed", "build_failed")


# A file name's byte that is not UTF-8 is a lone surrogate to Python (os.fsdecode), \udce9 in JSON:
# not text any other program can hold. It is written as the byte, escaped: "caf\\xe9.md".
_UNDECODABLE = re.compile(r"(?<!\\)((?:\\\\)*)\\udc([89a-f][0-9a-f])")


def dumps(obj: Any, **options: Any) -> str:
    """`json.dumps` (ASCII), with each undecodable file-name byte as the text \\xNN."""
    return _UNDECODABLE.sub(r"\1\\\\x\2", json.dumps(obj, **options))


def problem_object(problem: Problem, code: str = "invalid_input") -> dict[str, Any]:
    message = problem.message + (f" (did you mean {problem.hint}?)" if problem.hint else "")
    return {"code": code, "file": problem.file, "line": problem.line, "key": problem.key_path or None,
            "message": message}


def error_object(text: str, manifest: str) -> dict[str, Any]:
    """A build error line as an object; its key is the prompt or book it names (`lib/lang/name [...]: ...`)."""
    if text.startswith("not in the cache (offline): "):
        code, subject = "not_cached", text.removeprefix("not in the cache (offline): ")
    elif text.startswith("cannot write "):
        code, subject = "write_failed", ""
    elif text.startswith("books/"):
        code, subject = "book_failed", text
    elif " [" in text.split(":", 1)[0]:
        code, subject = "synthesis_failed", text
    else:
        code, subject = "build_failed", ""
    key = subject.split(" [", 1)[0].split(":", 1)[0].strip() or None
    return {"code": code, "file": manifest, "line": None, "key": key, "message": text}


def _total(values: list[Any]) -> Any:
    if all(isinstance(v, bool) for v in values):
        return all(values)
    if all(isinstance(v, int | float) for v in values):
        return sum(values)
    if all(isinstance(v, list) for v in values):
        return [x for v in values for x in v]
    if all(isinstance(v, dict) for v in values) and all(isinstance(x, int | float) for v in values for x in v.values()):
        summed: dict[str, Any] = {}
        for v in values:
            for k, x in v.items():
                summed[k] = summed.get(k, 0) + x
        return summed
    return None  # not summable (a text, or a price some provider lacks): see each manifest


def envelope(command: str, manifests: list[dict[str, Any]], problems: list[dict[str, Any]],
             totals: dict[str, Any]) -> dict[str, Any]:
    """The output object: the `totals` keys of the manifests' reports summed at the top level
    (`totals` gives each key's value when there is no manifest: 0, [] or {})."""
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "command": command, "manifests": manifests,
                           "problems": problems}
    for key, zero in totals.items():
        out[key] = _total([m[key] for m in manifests]) if manifests else zero
    errors = [e for m in manifests for e in m.get("errors", [])]
    out["errors"] = errors + problems
    if command == "build":  # why a build stopped early (a failed write), as one line
        out["error"] = next((m["error"] for m in manifests if m.get("error")), None)
    out["ok"] = not problems and not errors
    return out
