"""The pure core: a manifest validated from a dict and a line table, with no filesystem at all."""

from __future__ import annotations

import builtins
import os
from pathlib import Path

import pytest

from narrate.errors import shown as show
from narrate.manifest import LineTable, validate
from narrate.manifest.inputs import image_problem
from narrate.manifest.names import check_name, path_problem

DATA = {
    "version": 1,
    "defaults": {"speed": 1.1, "level": {"target_dbov": -24}},
    "libraries": {"shop": {
        "output": "out/shop", "formats": ["ulaw", "wav"], "speed": 1.2,
        "languages": {"en-US": {"voice": "en-us", "path": "en"}, "es-US": "es-419"},
        "prompts": {
            "welcome": {"en-US": "Welcome.", "es-US": "Bienvenido."},
            "slow": {"speed": 0.8, "en-US": "Slowly.", "es-US": {"text": "Despacio.", "speed": 0.7}},
            "digits/1": 1,
        },
    }},
}
LINES = LineTable({(): 1, ("libraries",): 4, ("libraries", "shop"): 5, ("libraries", "shop", "prompts"): 12,
                   ("libraries", "shop", "prompts", "slow"): 15, ("libraries", "shop", "prompts", "slow", "speed"): 16})


def pure_validate(data, lines=LINES, root=Path("/nowhere")):
    """validate() with every filesystem entry point replaced by a recorder: the core must use none."""
    # Once unpatched first: pydantic looks for plugins (importlib.metadata, which stats sys.path) when
    # its models first validate, so a test run alone would record that, not the core's own I/O.
    validate(DATA, LINES, "m.yaml", root)
    touched: list[tuple] = []

    def record(name):
        return lambda *args, **kwargs: touched.append((name, args)) or (_ for _ in ()).throw(OSError("no disk"))

    with pytest.MonkeyPatch.context() as mp:
        for module, name in ((builtins, "open"), (os, "open"), (os, "stat"), (os, "lstat"), (os, "scandir"),
                             (os, "listdir"), (Path, "resolve"), (Path, "exists"), (Path, "is_file")):
            mp.setattr(module, name, record(name))
        draft = validate(data, lines, "m.yaml", root)
    assert touched == []
    return draft


def test_validates_from_a_dict_without_touching_disk():
    draft = pure_validate(DATA)
    assert draft.problems == []
    (lib,) = draft.manifest.libraries
    assert lib.output == Path("/nowhere/out/shop") and lib.formats == ("ulaw", "wav")
    by = {(p.name, p.language): p for p in lib.prompts}
    assert by[("welcome", "en-US")].settings.speed == 1.2  # library over defaults
    assert by[("welcome", "en-US")].settings.level.target_dbov == -24.0  # defaults inherited
    assert by[("slow", "en-US")].settings.speed == 0.8  # prompt over language
    assert by[("slow", "es-US")].settings.speed == 0.7  # prompt-in-language over prompt
    assert by[("welcome", "es-US")].settings.voice == "es-419"  # `es-US: es-419` is {voice: es-419}
    assert by[("digits/1", "en-US")].text == "1"  # a number is text
    assert lib.missing == {"es-US": ["digits/1"]}


def test_problems_carry_lines_from_the_table():
    data = {**DATA, "libraries": {"shop": {**DATA["libraries"]["shop"], "prompts": {
        "slow": {"speed": 9, "en-US": "Slowly.", "fr-FR": "Lentement."}}}}}
    problems = [str(p) for p in pure_validate(data).problems]
    assert problems == ["m.yaml:16: libraries.shop.prompts.slow.speed: 9 is out of range 0.25 to 4"]
    data["libraries"]["shop"]["prompts"]["slow"]["speed"] = 1
    problems = [str(p) for p in pure_validate(data).problems]
    assert problems == ["m.yaml:15: libraries.shop.prompts.slow.fr-FR: language 'fr-FR' is not declared in "
                        "libraries.shop.languages"]


@pytest.mark.parametrize("written,declared", [("en_US", "en-US"), ("EN-us", "en-US"), ("es_us", "es-US")])
def test_a_language_spelt_otherwise_than_declared_suggests_the_declared_spelling(written, declared):
    """`en_US` in a prompt of a library that declares `en-US` is the same tag: the hint names it
    (difflib's nearest, `es-US`, would send a new user to the wrong language)."""
    data = {**DATA, "libraries": {"shop": {**DATA["libraries"]["shop"], "prompts": {
        "hello": {written: "Hello."}}}}}
    (problem,) = pure_validate(data).problems
    assert problem.message == f"language {written!r} is not declared in libraries.shop.languages"
    assert problem.hint == repr(declared)


def test_a_bad_setting_in_one_prompt_hides_no_other_prompts_problems():
    """`speed: fast` on one prompt used to drop its whole library from the later checks, so markup
    and language problems of the other prompts appeared only after it was fixed."""
    data = {**DATA, "libraries": {"shop": {**DATA["libraries"]["shop"], "prompts": {
        "a": 'Wait <break time="soon"/> now.', "c": {"speed": "fast", "en-US": "Hi."}, "d": {"fr-FR": "Bonjour."}}}}}
    problems = sorted(f"{p.key_path}: {p.message}" for p in pure_validate(data).problems)
    assert problems == [
        "libraries.shop.prompts.a.en-US: markup: line 1, column 6: break time must look like 500ms or 1.5s, not 'soon'",
        "libraries.shop.prompts.c.speed: expected a number, got text ('fast')",
        "libraries.shop.prompts.d.fr-FR: language 'fr-FR' is not declared in libraries.shop.languages",
    ]


def test_every_section_is_checked_at_once():
    data = {**DATA, "package": {"epoch": "soon", "formats": ["rar"]}, "budget": {"max_chars": -1},
            "cache": {"remote": 5}, "prices": {"openai": "cheap"}, "providers": {"cloud": {"kind": "openai", "api_key": "x"}}}
    problems = sorted(f"{p.key_path}: {p.message}" for p in pure_validate(data).problems)
    assert problems == [
        "budget.max_chars: -1 is out of range 0 to 1e+12",
        "cache.remote: expected text, got a number (5)",
        "package.epoch: expected a whole number, got text ('soon')",
        "package.formats: unknown archive format 'rar'",
        "prices.openai: expected a number, got text ('cheap')",
        "providers.cloud.api_key: API keys never go in the manifest: use api_key_env or api_key_file",
    ]


def test_show_escapes_what_a_terminal_would_obey():
    assert show("a\x1b[2Jb\x9b\u202e\u200b\ufeffc") == "a\\x1b[2Jb\\x9b\\u202e\\u200b\\ufeffc"
    assert show("café/menu") == "café/menu"


@pytest.mark.parametrize("name, reason", [
    ("a\x85b", "control"), ("x\u202dy", "bidirectional"), ("x\u2069", "bidirectional"), ("z\u2060w", "zero-width"),
    ("é" * 128, "256 bytes"), ("C:evil", "names drive C: on Windows"), ("/evil", "absolute"),
])
def test_check_name_refuses(name, reason):
    assert reason in (check_name(name) or "")


def test_path_limits():
    assert path_problem("/out/" + "a" * 255) is None
    assert "256 bytes" in (path_problem("/out/" + "a" * 256) or "")
    assert "4,100 bytes" in (path_problem("/" + "/".join(["b" * 99] * 41)) or "")


def test_image_headers():
    png = b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + (640).to_bytes(4, "big") + (480).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])  # noqa: E501
    assert image_problem(png + b"\x00" * 4) is None
    jpeg = b"\xff\xd8" + b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xc0\x00\x11\x08\x01\xe0\x02\x80\x03" + b"\x00" * 9  # noqa: E501
    assert image_problem(jpeg) is None
    assert image_problem(b"GIF89a...") == "not a PNG or JPEG image"
    assert image_problem(jpeg.replace(b"\x01\xe0\x02\x80", b"\x00\x00\x02\x80")) == "a JPEG with a zero width or height"
    assert image_problem(b"\xff\xd8\xff\xda\x00\x02") == "a JPEG without a frame header"
