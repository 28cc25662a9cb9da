"""The build pipeline on a fake provider: incremental, content-addressed, atomic, failure-tolerant."""

from __future__ import annotations

import json
import textwrap
import wave

import pytest

from fakes import FakeProvider
from narrate.build import BuildOptions, build
from narrate.cache import SegmentCache
from narrate.errors import ManifestError, UsageError
from narrate.manifest import load_manifest

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav, wav16]
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es}
    prompts:
      welcome: {en-US: Welcome to the shop., es-US: Bienvenido a la tienda.}
      digits/1: {en-US: one, es-US: uno}
      digits/2: {en-US: two, es-US: dos}
      goodbye: {en-US: Goodbye., es-US: Adiós.}
"""


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "proj" / "m.yaml"
    path.parent.mkdir()
    path.write_text(MANIFEST)
    return path


def run(path, **opts):
    cache = SegmentCache(path.parent / ".narrate-cache")
    try:
        return build(load_manifest(path), cache, BuildOptions(**opts))
    finally:
        cache.close()


def mtimes(root):
    return {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}


def test_cold_build_writes_every_format_and_index(project, fake):
    r = run(project)
    assert (r.segments, r.synthesized, r.cached, r.errors) == (8, 8, 0, [])
    assert r.outputs_written == 24
    out = project.parent / "out" / "shop"
    assert (out / "en" / "digits" / "1.ulaw").is_file()
    with wave.open(str(out / "es" / "welcome.wav")) as w:
        assert (w.getframerate(), w.getsampwidth(), w.getnchannels()) == (8000, 2, 1)
    with wave.open(str(out / "es" / "welcome.wav16")) as w:
        assert w.getframerate() == 16000
    index = json.loads((out / "index.json").read_text())
    rows = {(row["name"], row["language"], row["format"]): row for row in index["prompts"]}
    assert len(rows) == 24
    row = rows[("welcome", "en-US", "ulaw")]
    assert row["file"] == "en/welcome.ulaw" and row["text"] == "Welcome to the shop."
    assert row["duration"] > 0.5 and len(row["sha256"]) == 64
    lock = json.loads((project.parent / "narrate.lock").read_text())
    assert set(lock["manifests"]["m.yaml"]["prompts"]) >= {"shop/en-US/welcome", "shop/es-US/digits/2"}


def test_noop_rebuild_synthesizes_and_rewrites_nothing(project, fake):
    run(project)
    before = mtimes(project.parent / "out")
    lock_mtime = (project.parent / "narrate.lock").stat().st_mtime_ns
    fake.calls.clear()
    r = run(project)
    assert (r.synthesized, r.outputs_written, r.outputs_unchanged, r.outputs_removed) == (0, 0, 24, 0)
    assert fake.calls == []
    assert mtimes(project.parent / "out") == before
    assert (project.parent / "narrate.lock").stat().st_mtime_ns == lock_mtime


def test_one_edit_costs_one_segment_and_rewrites_only_its_files(project, fake):
    run(project)
    before = mtimes(project.parent / "out")
    fake.calls.clear()
    project.write_text(MANIFEST.replace("Goodbye.", "Goodbye and thank you."))
    r = run(project)
    assert fake.calls == ["Goodbye and thank you."]
    assert r.synthesized == 1 and r.outputs_written == 3
    after = mtimes(project.parent / "out")
    changed = {p.relative_to(project.parent).as_posix() for p in after if after[p] != before.get(p)}
    assert changed == {"out/shop/en/goodbye.ulaw", "out/shop/en/goodbye.wav", "out/shop/en/goodbye.wav16",
                       "out/shop/index.json"}


def test_rename_costs_nothing_and_removes_old_files(project, fake):
    run(project)
    fake.calls.clear()
    project.write_text(MANIFEST.replace("goodbye:", "farewell:"))
    r = run(project)
    assert fake.calls == [] and r.synthesized == 0
    out = project.parent / "out" / "shop"
    assert (out / "en" / "farewell.ulaw").is_file() and not (out / "en" / "goodbye.ulaw").exists()
    assert r.outputs_removed == 6 and "out/shop/en/goodbye.ulaw" in r.removed


def test_removed_subfolder_prompts_prune_empty_dirs(project, fake):
    run(project)
    project.write_text(MANIFEST.replace("      digits/1: {en-US: one, es-US: uno}\n", "").replace(
        "      digits/2: {en-US: two, es-US: dos}\n", ""))
    r = run(project)
    assert r.outputs_removed == 12
    assert not (project.parent / "out" / "shop" / "en" / "digits").exists()


def test_hand_edited_output_is_rebuilt_from_cache(project, fake):
    run(project)
    target = project.parent / "out" / "shop" / "en" / "welcome.ulaw"
    target.write_bytes(b"garbage")
    fake.calls.clear()
    r = run(project)
    assert fake.calls == [] and r.outputs_written == 1 and target.read_bytes() != b"garbage"


def test_failed_segment_keeps_the_rest_and_is_named(project, monkeypatch):
    provider = FakeProvider(fail_texts={"Adiós."})
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    r = run(project)
    assert len(r.errors) == 1
    assert "shop/es-US/goodbye" in r.errors[0] and "status 400" in r.errors[0] and "req-1" in r.errors[0]
    assert r.synthesized == 7
    # Next run: only the failed one is requested again.
    provider.fail_texts.clear()
    provider.calls.clear()
    r = run(project)
    assert provider.calls == ["Adiós."] and r.errors == []


def test_check_offline_and_budget(project, fake):
    r = run(project, check=True)
    assert len(r.missing_segments) == 8 and len(r.written) == 24
    assert not (project.parent / "out").exists() and fake.calls == []
    with pytest.raises(UsageError, match="over the budget"):
        run(project, max_chars=10)
    assert fake.calls == []
    r = run(project, offline=True)
    assert len(r.errors) == 8 and fake.calls == []
    run(project)
    r = run(project, check=True)
    assert (r.missing_segments, r.written, r.removed) == ([], [], [])


def test_long_text_split_into_segments(project, monkeypatch):
    provider = FakeProvider(max_chars=40)
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    long_text = "This sentence is short. This one is a little longer than that. And a third one here."
    project.write_text(MANIFEST.replace("Goodbye.", long_text))
    r = run(project)
    assert all(len(c) <= 40 for c in provider.calls)
    assert sum(1 for c in provider.calls if c in long_text) >= 3
    assert r.errors == []


def test_shared_segments_are_synthesized_once(project, fake):
    text = MANIFEST + textwrap.indent(textwrap.dedent("""\
      connect:
        output: out/connect
        layout: flat
        formats: [mulaw-wav]
        languages: {en-US: en-us}
        prompts: {hello: Welcome to the shop.}
    """), "  ")
    project.write_text(text)
    r = run(project)
    assert r.segments == 8 and fake.calls.count("Welcome to the shop.") == 1
    assert (project.parent / "out" / "connect" / "mulaw-wav" / "en-US" / "hello.wav").read_bytes()[20:22] == b"\x07\x00"


def test_file_collision_is_a_manifest_error(project, fake):
    text = MANIFEST.replace("layout: asterisk", "layout: flat").replace(
        "      goodbye:", "      digits_1: {en-US: x, es-US: y}\n      goodbye:")
    project.write_text(text)
    with pytest.raises(ManifestError, match="the flat layout writes .ulaw/en/digits_1.ulaw. for both digits/1 in en-US"):
        run(project)


def test_unknown_voice_is_located(project, fake):
    project.write_text(MANIFEST.replace("voice: es-419", "voice: klingon"))
    with pytest.raises(ManifestError) as info:
        run(project)
    problem = info.value.problems[0]
    # at the key that set the voice (the language's), naming the first prompt using it
    assert problem.line == 9 and problem.key_path == "libraries.shop.languages.es-US.voice"
    assert "klingon" in problem.message and "(used by libraries.shop.prompts.welcome.es-US, line 11)" in problem.message


def test_atomic_writes_leave_no_temp_files(project, fake):
    run(project)
    assert not [p for p in (project.parent / "out").rglob("*") if p.name.endswith(".tmp")]


def test_dropping_a_format_removes_its_files_and_lock_entries(project, fake):
    run(project)
    project.write_text(MANIFEST.replace("formats: [ulaw, wav, wav16]", "formats: [ulaw]"))
    r = run(project)
    assert (r.outputs_removed, r.outputs_written, r.synthesized) == (16, 0, 0)
    lock = json.loads((project.parent / "narrate.lock").read_text())["manifests"]["m.yaml"]["prompts"]
    assert {fmt for entry in lock.values() for fmt in entry["outputs"]} == {"ulaw"}
    assert sorted(p.suffix for p in (project.parent / "out" / "shop" / "en").rglob("*.*")) == [".ulaw"] * 4


def test_atomic_writes_use_narrates_temp_names(project, fake, monkeypatch):
    """Every temp file a build makes is named .narrate-tmp-<pid>-<host>-<random> (and removed)."""
    import narrate.fsutil as fsutil
    from narrate.providers import espeak_pool

    made = []
    real = fsutil.make_temp

    def spy(folder, suffix="", **kw):
        fd, path = real(folder, suffix, **kw)
        made.append(path)
        return fd, path

    monkeypatch.setattr(fsutil, "make_temp", spy)
    # Renders in this process, so the temp files the render workers would make are seen here too.
    monkeypatch.setattr(espeak_pool, "INLINE_MAX", 10_000)
    monkeypatch.setattr(espeak_pool.shared_pool(), "inline", espeak_pool.shared_pool().inline)
    run(project)
    assert len(made) == 24 + 1 + 1 + 1 + 1  # 24 prompt files, index.json, narrate.lock, the stat cache, the memo
    assert all(fsutil._STALE_NAME.fullmatch(p.name) and not p.exists() for p in made)


def test_the_output_tree_is_searched_for_killed_builds_temps_only_after_an_unfinished_build(project, fake,
                                                                                           monkeypatch):
    """A killed build leaves `<state>.building` beside the build state; only then (or with no state on
    record) does the next build walk the output folders for the temp files it may have left."""
    import narrate.build as build_module
    from narrate.cache.state import state_file

    walks = []
    real = build_module.remove_stale_temps_of
    monkeypatch.setattr(build_module, "remove_stale_temps_of", lambda m: walks.append(1) or real(m))
    run(project)
    assert len(walks) == 1  # no state yet: the first build looks
    marker = state_file(project.parent / ".narrate-cache", project, ".building")
    assert not marker.exists()  # it finished
    project.write_text(MANIFEST.replace("Goodbye.", "Good night."))
    run(project)
    assert len(walks) == 1  # the last build finished: nothing to look for
    import subprocess
    import sys

    from narrate.fsutil import temp_prefix

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = project.parent / "out" / "shop" / "en" / (temp_prefix(pid=int(dead.stdout)) + "killed")
    left.write_bytes(b"half a prompt")
    marker.touch()  # what a build killed while writing leaves
    project.write_text(MANIFEST.replace("Goodbye.", "Goodbye now."))
    run(project)
    assert len(walks) == 2 and not left.exists() and not marker.exists()


def test_a_killed_build_is_cleaned_up_even_when_the_manifest_is_back_as_it_was(tmp_path):
    """Through the CLI: a build killed while writing, then the manifest put back to the last clean
    build's bytes. The no-op replay answered "nothing to do" and the killed build's temp files stayed
    for good (found by an attacking helper); the unfinished marker now sends it through a real build."""
    import subprocess
    import sys

    from conftest import narrate_in
    from narrate.cache.state import state_file
    from narrate.fsutil import temp_prefix

    (tmp_path / "m.yaml").write_text("version: 1\nlibraries:\n  s:\n    output: out\n    formats: [ulaw]\n"
                                     "    languages: {en-US: en-us}\n    prompts:\n      a: Hello.\n")
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / "out" / "en_US" / (temp_prefix(pid=int(dead.stdout)) + "killed")
    left.write_bytes(b"half a prompt")
    marker = state_file(tmp_path / ".narrate-cache", tmp_path / "m.yaml", ".building")
    marker.touch()  # what a build killed while writing leaves; the manifest is the last clean build's
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0 and not left.exists() and not marker.exists()
    assert narrate_in("-q", "build", "m.yaml", cwd=tmp_path).returncode == 0  # and the replay is back
