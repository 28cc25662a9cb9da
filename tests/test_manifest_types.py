"""The manifest model's field types: readable by mypy, with validation unchanged (issue 10 item 7).

`Omittable[X]` is `X | None` to a type checker but plain X to pydantic, so an explicit null is still
refused with the message users have always seen; the metadata helpers (Range, Choice, Either...) keep
their messages; and mypy finds nothing in the strictly checked packages.
"""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot
from narrate.manifest import model as m
from narrate.manifest.fields import Omittable

ROOT = Path(__file__).resolve().parent.parent

MANIFEST = """\
version: 1
libraries:
  main:
    output: out
    formats: ulaw
    languages: {{en-US: en}}
{extra}
    prompts:
      hello: Hello
"""


def test_omittable_is_the_plain_type_at_runtime():
    assert Omittable[int] is int
    hints = typing.get_type_hints(m.PromptSettings, include_extras=True)
    assert typing.get_args(hints["speed"])[0] is float  # Annotated[float, Range(...)], no None branch
    assert m.PromptSettings().speed is None  # left out: None
    assert m.PromptSettings(speed=2.0).speed == 2.0


@pytest.mark.parametrize("extra, line, message", [
    ("    speed: null", 7, "libraries.main.speed: expected a number, got nothing (null)"),
    ("    voice: null", 7, "libraries.main.voice: expected text, got nothing (null)"),
    ("    level: null", 7, "libraries.main.level: expected a mapping or false, got nothing (null)"),
    ("    layout: null", 7, "libraries.main.layout: expected a layout name or {pattern: ...}, got nothing (null)"),
    ("    speed: 9", 7, "libraries.main.speed: 9 is out of range 0.25 to 4"),
    ("    layout: asterix", 7, "libraries.main.layout: 'asterix' is not one of asterisk, freeswitch, flat"),
])
def test_explicit_null_and_bad_values_are_refused(tmp_path, extra, line, message):
    (tmp_path / "narrate.yaml").write_text(MANIFEST.format(extra=extra), encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("validate", "narrate.yaml", cwd=tmp_path)
    assert_clean_failure(done, 2, f"narrate.yaml:{line}: {message}")
    assert snapshot(tmp_path) == before


@pytest.mark.slow
def test_mypy_finds_nothing():
    pytest.importorskip("mypy")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports",
                           "--follow-imports=silent", "narrate/manifest", "narrate/plan", "narrate/cache", "narrate/text"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    assert done.stdout.startswith("Success: no issues found"), done.stdout[-4000:]
