"""The validation memo (narrate.manifest.replay): a manifest whose prompt texts alone changed is
validated by replaying the last validation, and the result is always the full validation's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from narrate.errors import ManifestError
from narrate.manifest import core, load_manifest, replay

MANIFEST = """\
version: 1
defaults: {provider: espeak, level: {target_dbov: -24}}
providers:
  cloud: {kind: openai, base_url: "http://127.0.0.1:9/v1", concurrency: 4, options: {instructions: calm}}
budget: {max_chars: 50000}
jobs: 2
prices: {cloud: 15}
lexicon:
  SQL: sequel
libraries:
  shop:
    output: out/shop
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es, speed: 1.1}
    missing_translation: fallback
    prompts:
      welcome: Welcome to the shop.
      menu:
        note: keep the pause after sales
        en-US: Press 1 for sales.
        es-US: {text: Oprima 1 para ventas., speed: 0.9}
      digits/7: 7
      spaced: "  Padded text.  "
      hold: {en-US: {text: Please hold., voice: en-gb}, silence: {lead_ms: 10}}
  cloudy:
    output: out/cloud
    layout: {pattern: "{lang}/{name}.{ext}"}
    formats: [wav]
    provider: cloud
    languages: {en-US: alloy}
    prompts:
      greeting: Hello from the cloud.
      farewell: Goodbye <break time="300ms"/> for now.
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return tmp_path


def memo_of(project: Path) -> Path:
    return project / "state" / "m.shape"


def remember(path: Path, memo: Path):
    """Load with the memo and store it, as a build that gets under way does."""
    manifest = load_manifest(path, memo=memo)
    manifest.save_validation_memo()
    return manifest


def full(path: Path):
    """The manifest as validated without any memo."""
    return load_manifest(path)


@pytest.fixture
def no_validation(monkeypatch):
    """Fails the test if the models validate: the load must replay."""
    def refuse(*args, **kwargs):
        raise AssertionError("validated through the models instead of replaying")

    def arm():
        monkeypatch.setattr(core, "validate", refuse)
    return arm


def test_a_replayed_manifest_is_the_validated_one(project, no_validation):
    path = project / "m.yaml"
    first = remember(path, memo_of(project))
    assert memo_of(project).exists()
    assert first == full(path)
    no_validation()
    again = load_manifest(path, memo=memo_of(project))
    assert again == first


@pytest.mark.parametrize("url", ["http://user:SECRET-pw-123@127.0.0.1:9/v1", "http://127.0.0.1:9/v1?api_key=SECRET-q-123",
                                 "http://127.0.0.1:9/v1?sig=SECRET-sas-token-123"])
def test_a_manifest_whose_urls_hold_credentials_is_not_memoised(project, url):
    """The memo sits in the cache folder (shared, uploaded as a CI cache): it held base_url verbatim."""
    path = project / "m.yaml"
    path.write_text(MANIFEST.replace("http://127.0.0.1:9/v1", url))
    remember(path, memo_of(project))
    assert not memo_of(project).exists()
    assert not [p for p in project.rglob("*") if p.is_file() and b"SECRET" in p.read_bytes() and p != path]
    path.write_text(MANIFEST)  # the same manifest without them is memoised as before
    remember(path, memo_of(project))
    assert memo_of(project).exists()


def test_new_texts_and_new_lines_are_read_from_the_file(project, no_validation):
    path = project / "m.yaml"
    remember(path, memo_of(project))
    text = MANIFEST.replace("Welcome to the shop.", "Welcome to the new shop.").replace(
        "Goodbye <break", "Bye now <break").replace("libraries:\n", "# a comment\n\n# another\nlibraries:\n")
    path.write_text(text)
    expected = full(path)
    no_validation()
    replayed = load_manifest(path, memo=memo_of(project))
    assert replayed == expected
    prompts = {(p.name, p.language): p for lib in replayed.libraries for p in lib.prompts}
    assert prompts["welcome", "en-US"].text == "Welcome to the new shop."
    assert prompts["welcome", "es-US"].text == "Welcome to the new shop."  # the fallback borrows the new text
    assert prompts["welcome", "en-US"].line == text.splitlines().index("      welcome: Welcome to the new shop.") + 1
    assert prompts["menu", "es-US"].line == prompts["menu", "en-US"].line + 1


@pytest.mark.parametrize("bad, message", [
    ('""', "empty text"),
    ("x" * 100_001, "100,001 characters"),
    ('Hello <break time="soon"/>', "markup"),
])
def test_a_new_text_the_model_refuses_is_reported_as_without_the_memo(project, bad, message):
    path = project / "m.yaml"
    remember(path, memo_of(project))
    path.write_text(MANIFEST.replace("welcome: Welcome to the shop.", f"welcome: {bad}"))
    with pytest.raises(ManifestError) as plain:
        full(path)
    with pytest.raises(ManifestError) as memoised:
        remember(path, memo_of(project))
    assert str(memoised.value) == str(plain.value)
    assert message in str(memoised.value)


def test_a_changed_setting_validates_again(project, monkeypatch):
    path = project / "m.yaml"
    remember(path, memo_of(project))
    calls = []
    real = core.validate
    monkeypatch.setattr(core, "validate", lambda *a, **k: calls.append(1) or real(*a, **k))
    path.write_text(MANIFEST.replace("en-US: {voice: en-us, path: en}", "en-US: {voice: en-gb, path: en}"))
    changed = load_manifest(path, memo=memo_of(project))
    assert len(calls) == 1
    assert changed == full(path)
    assert changed.libraries[0].prompts[0].settings.voice == "en-gb"
    # A prompt that turns from plain text into a mapping changes the shape too.
    path.write_text(MANIFEST.replace("welcome: Welcome to the shop.", "welcome: {en-US: Welcome., es-US: Hola.}"))
    calls.clear()
    assert load_manifest(path, memo=memo_of(project)) == full(path)
    assert len(calls) == 2  # the memoised load validated, as did the plain one


def test_a_number_that_becomes_text_is_a_new_shape(project):
    """`digits/7: 7` is an int in the data: validation turns it into "7"; the shape keeps the int."""
    path = project / "m.yaml"
    remember(path, memo_of(project))
    path.write_text(MANIFEST.replace("digits/7: 7", "digits/7: seven"))
    assert load_manifest(path, memo=memo_of(project)) == full(path)


@pytest.mark.parametrize("damage", ["garbage", "wrong shape", "fifo", "link", "folder"])
def test_a_damaged_memo_is_a_miss(project, damage, no_validation):
    path = project / "m.yaml"
    memo = memo_of(project)
    remember(path, memo)
    stored = json.loads(memo.read_text())
    memo.unlink()
    if damage == "garbage":
        memo.write_bytes(b"\x00{not json")
    elif damage == "wrong shape":  # the right digest, a template that is not one
        stored["template"]["libraries"][0]["prompts"] = [["welcome"]]
        memo.write_text(json.dumps(stored))
    elif damage == "fifo":
        os.mkfifo(memo)
    elif damage == "link":
        (project / "real.shape").write_text(json.dumps(stored))
        memo.symlink_to(project / "real.shape")
    else:
        memo.mkdir()
    assert load_manifest(path, memo=memo) == full(path)


def test_books_are_not_memoised(tmp_path):
    (tmp_path / "ch1.md").write_text("# One\n\nHello.\n")
    (tmp_path / "m.yaml").write_text("version: 1\nbooks:\n  b:\n    output: out\n    sources: ch1.md\n")
    remember(tmp_path / "m.yaml", tmp_path / "m.shape")
    assert not (tmp_path / "m.shape").exists()
    assert replay.shape_digest({"books": {}}, tmp_path) is None


def test_the_digest_tells_types_apart(tmp_path):
    base = {"version": 1, "libraries": {"a": {"prompts": {"p": "text", "q": 1}}}}
    other = {"version": 1, "libraries": {"a": {"prompts": {"p": "other text", "q": 1}}}}
    assert replay.shape_digest(base, tmp_path) == replay.shape_digest(other, tmp_path)
    for changed in ({"version": True, "libraries": base["libraries"]},
                    {"version": "1", "libraries": base["libraries"]},
                    {"version": 1, "libraries": {"a": {"prompts": {"p": "text", "q": "1"}}}},
                    {"version": 1, "libraries": {"a": {"prompts": {"q": 1, "p": "text"}}}}):
        assert replay.shape_digest(changed, tmp_path) != replay.shape_digest(base, tmp_path)
    assert replay.shape_digest(base, tmp_path / "elsewhere") != replay.shape_digest(base, tmp_path)


def test_the_memo_serves_the_manifest_however_its_path_is_written(project, no_validation, monkeypatch):
    """`narrate build m.yaml` and `narrate build /abs/m.yaml` share one state: both replay, and the
    inline lexicon is named as the manifest is named in this run."""
    remember(project / "m.yaml", memo_of(project))
    monkeypatch.chdir(project)
    no_validation()
    relative = load_manifest(Path("m.yaml"), memo=memo_of(project))
    assert relative.lexicon_source == "m.yaml:lexicon"
    absolute = load_manifest(project / "m.yaml", memo=memo_of(project))
    assert absolute.lexicon_source == f"{project / 'm.yaml'}:lexicon"


def test_a_load_alone_stores_nothing(project):
    """Only a command that got past its own checks stores the memo: a refused build leaves no trace."""
    manifest = load_manifest(project / "m.yaml", memo=memo_of(project))
    assert not memo_of(project).exists() and manifest.unsaved_memo is not None


def test_a_one_edit_build_never_imports_the_models(tmp_path):
    """Through the CLI, in a fresh interpreter: the second build (one text edited) replays."""
    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      a: Hello.\n      b: Goodbye.\n")
    probe = ("import sys\nsys.argv = ['narrate', '-q', 'build', 'm.yaml']\nfrom narrate.cli import main\n"
             "try:\n    main(prog_name='narrate')\nexcept SystemExit as e:\n"
             "    assert not e.code, e.code\nprint('pydantic' in sys.modules)\n")
    env = {**os.environ, "NARRATE_CACHE": str(tmp_path / "cache")}

    def build() -> str:
        done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    assert build() == "True"  # the first build validates
    (tmp_path / "m.yaml").write_text((tmp_path / "m.yaml").read_text().replace("Goodbye.", "Good night."))
    assert build() == "False"
    assert (tmp_path / "out" / "en_US" / "b.ulaw").exists()
    lock = (tmp_path / "narrate.lock").read_text()
    assert "Good night." in lock and "Goodbye." not in lock
