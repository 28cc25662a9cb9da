"""Rebuilds proportional to the change (issue 14 item 2): index.json spliced from the rows that
changed, the stat cache's signature (size, mtime, ctime, inode). Every shortcut gives the same
bytes as the long way, and none of them can hide a stale output."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import narrate_in
from fakes import FakeProvider
from narrate.build import BuildOptions, build
from narrate.build import index as index_module
from narrate.cache import SegmentCache
from narrate.cache.state import BuildState
from narrate.manifest import load_manifest

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: asterisk
    formats: [ulaw, wav]
    languages:
      en-US: {voice: en-us, path: en}
      es-US: {voice: es-419, path: es}
    missing_translation: fallback
    prompts:
      alpha: {en-US: "Alpha one.", es-US: "Alfa uno."}
      beta: {en-US: "Beta costs $5.", es-US: "Beta cuesta 5 dólares.", note: "say it slowly"}
      gamma: {en-US: "Gamma, 'quoted' \\"text\\" }, {"}
      menu/delta: {en-US: "Delta.", es-US: "Delta."}
      zeta: {en-US: "Zeta is last.", es-US: "Zeta es la última."}
"""

EDITS = [
    lambda t: t.replace("Alpha one.", "Alpha one, edited."),                       # one text
    lambda t: t.replace("Zeta es la última.", "Zeta, por fin."),                   # the last row
    lambda t: t.replace('      alpha: {en-US: "Alpha one, edited.", es-US: "Alfa uno."}\n', ""),  # the first prompt gone
    lambda t: t.replace("      zeta:", '      aardvark: {en-US: "Aardvark first."}\n      zeta:'),  # a new first row
    lambda t: t.replace("say it slowly", "say it fast"),                           # a note: the index alone
    lambda t: t.replace("Delta.", "Delta, changed."),                              # a name with a folder
    lambda t: t.replace("formats: [ulaw, wav]", "formats: [ulaw]"),                # the head changes
    lambda t: t.replace('      menu/delta: {en-US: "Delta, changed.", es-US: "Delta, changed."}\n', ""),
]


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


def run(path: Path):
    with SegmentCache(path.parent / ".narrate-cache") as cache:
        report = build(load_manifest(path), cache, BuildOptions())
    assert report.errors == []
    return report


def index_of(folder: Path) -> str:
    return (folder / "out" / "shop" / "index.json").read_text(encoding="utf-8")


def forget_state(folder: Path) -> None:
    """The long way: no build state, so every output is hashed and index.json is made in full."""
    shutil.rmtree(folder / ".narrate-cache" / "state", ignore_errors=True)


def test_a_spliced_index_is_byte_identical_to_a_full_one(tmp_path, fake, monkeypatch):
    quick, full = tmp_path / "quick", tmp_path / "full"
    for folder in (quick, full):
        folder.mkdir()
        (folder / "m.yaml").write_text(MANIFEST)
        run(folder / "m.yaml")
    spliced: list[str] = []
    real = index_module._spliced

    def counted(pb, lib, changed):
        text = real(pb, lib, changed)
        if text is not None:
            spliced.append(pb.manifest.root.name)
        return text

    monkeypatch.setattr(index_module, "_spliced", counted)
    text = MANIFEST
    for n, edit in enumerate(EDITS):
        text = edit(text)
        assert text != MANIFEST
        for folder in (quick, full):
            (folder / "m.yaml").write_text(text)
            if folder is full:
                forget_state(folder)
            run(folder / "m.yaml")
        assert index_of(quick) == index_of(full), n
    # Spliced after the text edits and removals (edits 1, 2, 3, 6, 8); made in full after a new fallback
    # (4), a note (5) and a new head (7).
    assert spliced == ["quick"] * 5, spliced
    rows = json.loads(index_of(quick))["prompts"]
    assert [(r["name"], r["language"], r["format"]) for r in rows] == [
        ("aardvark", "en-US", "ulaw"), ("aardvark", "es-US", "ulaw"), ("beta", "en-US", "ulaw"),
        ("beta", "es-US", "ulaw"), ("gamma", "en-US", "ulaw"), ("gamma", "es-US", "ulaw"),
        ("zeta", "en-US", "ulaw"), ("zeta", "es-US", "ulaw")]
    assert rows[2]["note"] == "say it fast" and rows[1]["fallback_from"] == "en-US"


def test_a_hand_edited_index_is_made_again_in_full(tmp_path, fake):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    run(tmp_path / "m.yaml")
    path = tmp_path / "out" / "shop" / "index.json"
    good = path.read_text()
    lines = good.split("\n")
    del lines[3]  # a row dropped by hand: the splice must not keep the hole
    path.write_text("\n".join(lines))
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("Alpha one.", "Alpha two."))
    run(tmp_path / "m.yaml")
    fixed = path.read_text()
    assert len(fixed.split("\n")) == len(good.split("\n"))
    assert '"text": "Alpha two."' in fixed and '"text": "Alpha one."' not in fixed


def test_an_index_under_a_hand_edited_lock_is_made_again_in_full(tmp_path, fake):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    run(tmp_path / "m.yaml")
    lock = tmp_path / "narrate.lock"
    data = json.loads(lock.read_text())
    entry = data["manifests"]["m.yaml"]["prompts"]["shop/en-US/zeta"]
    entry["outputs"]["wav"]["duration"] = 9.875  # not a field any check compares: only the index shows it
    lock.write_text(json.dumps(data))
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("Alpha one.", "Alpha two."))
    run(tmp_path / "m.yaml")
    rows = json.loads(index_of(tmp_path))["prompts"]
    assert [r["duration"] for r in rows if r["name"] == "zeta" and r["language"] == "en-US" and r["format"] == "wav"] \
        == [9.875]


# ---------------------------------------------------------------- the stat signature


def _same_size_other_bytes(path: Path) -> None:
    """Replace a file by other bytes of its size and put its mtime back: only ctime and inode tell."""
    st = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(bytes(data))
    os.replace(tmp, path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_the_stat_cache_sees_a_same_size_replacement_with_its_mtime_put_back(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    state = BuildState(tmp_path / "cache", tmp_path / "m.yaml")
    first = hashlib.sha256(b"x" * 100).hexdigest()  # the digest a lock records for it: kept in the stat cache
    assert state.regular_sha256(tmp_path, "a.bin", first) == first
    assert state.regular_sha256(tmp_path, "a.bin", first) == first
    _same_size_other_bytes(path)
    assert state.regular_sha256(tmp_path, "a.bin", first) not in (None, first)


def test_the_stat_cache_sees_an_in_place_edit_with_its_mtime_put_back(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    state = BuildState(tmp_path / "cache", tmp_path / "m.yaml")
    first = hashlib.sha256(b"x" * 100).hexdigest()
    assert state.regular_sha256(tmp_path, "a.bin", first) == first
    st = path.stat()
    with open(path, "r+b") as f:  # same inode, same size
        f.write(b"y")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_ino == st.st_ino and path.stat().st_mtime_ns == st.st_mtime_ns
    assert state.regular_sha256(tmp_path, "a.bin", first) not in (None, first)  # ctime moved


def test_an_old_state_file_is_not_trusted(tmp_path):
    state = BuildState(tmp_path / "cache", tmp_path / "m.yaml")
    state.path.parent.mkdir(parents=True)
    state.path.write_text(json.dumps({"v": 1, "files": {"a.bin": [100, 5, "0" * 64]}, "last": None}))
    assert BuildState(tmp_path / "cache", tmp_path / "m.yaml").entries == {}
    state.path.write_text(json.dumps({"v": 2, "files": {"a.bin": [100, 5, "0" * 64]}, "last": None}))
    assert BuildState(tmp_path / "cache", tmp_path / "m.yaml").entries == {}  # not the v2 shape


CLI_MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages:
      en-US: {voice: en-us, path: en}
    prompts:
      hello: Hello there.
      bye: Goodbye.
"""


def test_a_replaced_output_with_its_size_and_mtime_kept_is_rebuilt_through_the_cli(tmp_path):
    (tmp_path / "m.yaml").write_text(CLI_MANIFEST)
    first = narrate_in("-q", "build", "--json", "m.yaml", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out" / "en" / "hello.ulaw"
    good = out.read_bytes()
    _same_size_other_bytes(out)
    again = narrate_in("-q", "build", "--json", "m.yaml", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["outputs_written"] == 1 and report["written"] == ["out/en/hello.ulaw"]
    assert report["synthesized"] == 0 and out.read_bytes() == good
    done = narrate_in("-q", "build", "--json", "m.yaml", cwd=tmp_path)  # and now a no-op
    assert json.loads(done.stdout)["outputs_written"] == 0


# ---------------------------------------------------------------- output paths made from a template


@pytest.mark.parametrize("layout", [
    "asterisk", "freeswitch", "flat", "{pattern: '{lang}/{name}.{ext}'}", "{pattern: '{category}/{base}.{ext}'}",
    "{pattern: '{format}/{base}-{lang}.{ext}'}", "{pattern: '{category}-{base}.{ext}'}",
    "{pattern: 'x/{name}/{rate}/{name}.{ext}'}"])
def test_planned_output_paths_are_the_layouts_own(tmp_path, layout):
    from narrate.plan import manifest_relative, plan_manifest

    formats = "[wav]" if layout == "freeswitch" else "[ulaw, wav]"
    (tmp_path / "m.yaml").write_text(f"""\
version: 1
libraries:
  shop:
    output: out
    layout: {layout}
    formats: {formats}
    languages:
      en-US: {{voice: en-us, path: en}}
    prompts:
      welcome: Hello.
      menu/main: Main menu.
      menu/sub/deep: Deep.
      a b: Spaced.
""")
    manifest = load_manifest(tmp_path / "m.yaml")
    lib = manifest.libraries[0]
    plan = plan_manifest(manifest, {"espeak": FakeProvider()})
    prefix = manifest_relative(manifest, lib.output)
    got = [(o.path, o.format) for j in plan.jobs for o in j.outputs]
    want = [(f"{prefix}/{lib.file_path(j.language, j.name, o.format)}", o.format) for j in plan.jobs for o in j.outputs]
    assert got == want and len(got) == 4 * len(lib.formats)


def test_splices_of_many_rows_at_once_are_byte_identical_to_a_full_index(tmp_path, fake, monkeypatch):
    """Rows changed, removed and added all over a larger index in one build (the splice finds each by
    bisection over the old text's offsets)."""
    def manifest(texts: dict[str, str]) -> str:
        head = MANIFEST.split("    prompts:\n")[0].replace("    missing_translation: fallback\n", "")
        return head + "    prompts:\n" + "".join(f'      {n}: {{en-US: "{t}", es-US: "{t} (es)"}}\n'
                                                  for n, t in texts.items())

    texts = {f"p{i:02d}": f"Prompt {i}." for i in range(40)}
    quick, full = tmp_path / "quick", tmp_path / "full"
    for folder in (quick, full):
        folder.mkdir()
        (folder / "m.yaml").write_text(manifest(texts))
        run(folder / "m.yaml")
    spliced: list[str] = []
    real = index_module._spliced

    def counted(pb, lib, changed):
        text = real(pb, lib, changed)
        spliced.append("spliced" if text is not None else "full")
        return text

    monkeypatch.setattr(index_module, "_spliced", counted)
    steps = [
        lambda t: {n: (v + " Edited." if int(n[1:]) % 3 == 0 else v) for n, v in t.items()},
        lambda t: {n: v for n, v in t.items() if int(n[1:]) % 5 != 1},
        lambda t: {**t, "p00a": "New after the first.", "p39z": "New last.", "a": "New first."},
        lambda t: {n: v + " Again." for n, v in t.items()},
        lambda t: {n: v for n, v in t.items() if n not in sorted(t)[-2:]},  # the last rows gone
        lambda t: {n: (v + " Once more." if n in sorted(t)[-3:] else v) for n, v in t.items()},  # the last rows
    ]
    for n, step in enumerate(steps):
        texts = step(texts)
        for folder in (quick, full):
            (folder / "m.yaml").write_text(manifest(texts))
            if folder is full:
                forget_state(folder)
            run(folder / "m.yaml")
        assert index_of(quick) == index_of(full), n
    assert spliced.count("spliced") == len(steps)


def test_a_splice_walks_the_library_as_often_for_many_changed_prompts_as_for_one(tmp_path, fake, monkeypatch):
    """The rows of each changed prompt took the library's notes and fallbacks by walking every prompt
    again: k edits cost k walks of the library (issue 14 item 2: work proportional to the change)."""
    import narrate.build as build_module

    class Walked(list):
        count = 0

        def __iter__(self):
            Walked.count += 1
            return super().__iter__()

    real = build_module.write_index
    spliced: list[bool] = []
    real_spliced = index_module._spliced

    def counting(pb, lib, changed, dropped=()):
        lib.prompts = Walked(lib.prompts)
        return real(pb, lib, changed, dropped)

    def noted(*args):
        out = real_spliced(*args)
        spliced.append(out is not None)
        return out

    monkeypatch.setattr(build_module, "write_index", counting)
    monkeypatch.setattr(index_module, "_spliced", noted)
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    run(path)
    walks = []
    for edit in (lambda t: t.replace("Alpha one.", "Alpha one, edited."),
                 lambda t: t.replace("Beta costs $5.", "Beta costs $6.").replace("Alfa uno.", "Alfa, uno.")
                 .replace("Zeta is last.", "Zeta is the last.")):
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
        Walked.count, spliced[:] = 0, []
        run(path)
        assert spliced == [True]
        walks.append(Walked.count)
    assert walks[1] == walks[0]
