"""Incremental planning (issue 14 item 2, issue 11's last gap): the text front-end memo, the lock and
index.json written from what changed; every result the same as without them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import FakeProvider
from narrate.build import BuildOptions, build
from narrate.cache import SegmentCache
from narrate.cache.lock import LockFile, json_object_lines
from narrate.cache.memo_file import MemoFile
from narrate.cache.stamps import front_end_stamp
from narrate.manifest import load_manifest
from narrate.package.index import index_text
from narrate.plan import plan_manifest
from narrate.plan import prompts as prompts_module
from narrate.plan.memo import FrontMemo
from narrate.text import Lexicon, frontend

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
    prompts:
      price: {en-US: "Your balance is $123.45.", es-US: "Su saldo es de $123.45."}
      part: {en-US: "Part III begins at 8 AM.", es-US: "La Dra. Pérez llega a las 8 AM."}
      hold: {en-US: "Please hold.<break time=\\"300ms\\"/>An agent will answer.", es-US: "Espere, por favor."}
      nasa: {en-US: "NASA opens at 9 AM on 2024-05-01.", es-US: "Abrimos el 1 de mayo."}
"""


@pytest.fixture
def manifest(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    return load_manifest(tmp_path / "m.yaml")


def shape(plan) -> list[tuple]:
    """Everything a plan decides, in order: jobs' texts, keys, recipes, pauses, and each segment's request."""
    jobs = [(j.id, j.text, j.record, j.segments, j.recipe, j.pauses, j.outputs) for j in plan.jobs]
    segs = sorted((k, s.request, s.key_head, s.provider) for k, s in plan.segments.items())
    return [jobs, segs]


def reload(memo: FrontMemo) -> FrontMemo:
    """The memo as the next build reads it: through JSON, as MemoFile stores it."""
    return FrontMemo(memo.stamp, json.loads(json.dumps(memo.used)))


def counting_front_end(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = prompts_module._front_end

    def counted(text, *args):
        calls.append(text)
        return real(text, *args)

    monkeypatch.setattr(prompts_module, "_front_end", counted)
    return calls


# ---------------------------------------------------------------- the memo in planning


def test_a_memo_hit_gives_the_same_plan_without_the_front_end(manifest, monkeypatch):
    providers = {"espeak": FakeProvider()}
    plain = plan_manifest(manifest, providers)
    memo = FrontMemo("stamp-1")
    first = plan_manifest(manifest, providers, None, memo)
    assert shape(first) == shape(plain)
    assert len(memo.added) == 8 and memo.used_count == 8
    calls = counting_front_end(monkeypatch)
    again = reload(memo)
    second = plan_manifest(manifest, providers, None, again)
    assert shape(second) == shape(plain)
    assert calls == [] and again.added == [] and again.used_count == 8
    hold = next(j for j in second.jobs if j.id == "shop/en-US/hold")
    assert hold.pauses == (300, 0) and hold.text == "Please hold. An agent will answer."
    price = next(j for j in second.jobs if j.id == "shop/en-US/price")
    assert price.text == "Your balance is one hundred twenty-three dollars and forty-five cents."


def test_one_changed_prompt_runs_the_front_end_once(manifest, tmp_path, monkeypatch):
    providers = {"espeak": FakeProvider()}
    memo = FrontMemo("stamp-1")
    plan_manifest(manifest, providers, None, memo)
    (tmp_path / "m.yaml").write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    edited = load_manifest(tmp_path / "m.yaml")
    calls = counting_front_end(monkeypatch)
    again = reload(memo)
    plan = plan_manifest(edited, providers, None, again)
    assert calls == ["Part IV begins at 8 AM."]
    assert [(c[1], c[2]) for c in again.added] == [("Part IV begins at 8 AM.", [["Part four begins at eight AM.", False, 0]])]
    assert shape(plan) == shape(plan_manifest(edited, providers))


def _reused(manifest, memo: FrontMemo, providers, lexicon=None) -> int:
    """How many prompts the plan took from `memo` (the rest it computed), checking the plan is the
    one made without a memo."""
    again = reload(memo)
    plan = plan_manifest(manifest, providers, lexicon, again)
    assert shape(plan) == shape(plan_manifest(manifest, providers, lexicon))
    return again.used_count - len(again.added)


def test_a_memo_is_not_reused_under_another_lexicon(manifest):
    providers = {"espeak": FakeProvider()}
    nasa = Lexicon.from_mapping({"NASA": "nassa"}, source="lex")
    memo = FrontMemo("s")
    plan_manifest(manifest, providers, nasa, memo)
    assert _reused(manifest, memo, providers, nasa) == 8
    assert _reused(manifest, memo, providers, None) == 0
    assert _reused(manifest, memo, providers, Lexicon.from_mapping({"NASA": "N A S A"}, source="lex")) == 0
    pattern = Lexicon.from_mapping({"NASA": "nassa", "patterns": [{"pattern": "III", "say": "three"}]}, source="lex")
    assert _reused(manifest, memo, providers, pattern) == 0


def test_a_memo_is_not_reused_under_another_normaliser_or_splitter_version(manifest, monkeypatch):
    providers = {"espeak": FakeProvider()}
    memo = FrontMemo("s")
    plan_manifest(manifest, providers, None, memo)
    monkeypatch.setattr(frontend, "NORMALIZER_VERSION", "spoken-test")
    assert _reused(manifest, memo, providers) == 0
    monkeypatch.undo()
    monkeypatch.setattr(frontend, "SPLITTER_VERSION", "sentencex-test")
    assert _reused(manifest, memo, providers) == 0
    monkeypatch.undo()
    assert _reused(manifest, memo, providers) == 8


class SelfNormalizing(FakeProvider):
    normalizes_text = True


class SsmlFake(FakeProvider):
    accepts_ssml = True
    ssml_say_as = ("digits",)


def test_a_memo_is_not_reused_under_other_provider_settings_or_another_environment(manifest):
    memo = FrontMemo("s")
    plan_manifest(manifest, {"espeak": FakeProvider()}, None, memo)
    assert _reused(manifest, memo, {"espeak": SelfNormalizing()}) == 0  # normalize: off (auto for REST)
    assert _reused(manifest, memo, {"espeak": FakeProvider(max_chars=20)}) == 0  # another character limit
    assert _reused(manifest, memo, {"espeak": SsmlFake()}) == 0  # another markup target
    other = FrontMemo("another stamp", json.loads(json.dumps(memo.used)))  # code or library upgraded
    plan_manifest(manifest, {"espeak": FakeProvider()}, None, other)
    assert other.used_count == len(other.added) == 8


def test_the_same_text_in_two_languages_has_two_entries(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST.replace('"Su saldo es de $123.45."', '"Your balance is $123.45."'))
    manifest = load_manifest(tmp_path / "m.yaml")
    memo = FrontMemo("s")
    plan = plan_manifest(manifest, {"espeak": FakeProvider()}, None, memo)
    texts = {j.id: j.text for j in plan.jobs}
    assert texts["shop/es-US/price"] == "Your balance is ciento veintitrés dólares con cuarenta y cinco centavos."
    assert sum(1 for rows in memo.used.values() if "Your balance is $123.45." in rows) == 2
    assert _reused(manifest, memo, {"espeak": FakeProvider()}) == 8


@pytest.mark.parametrize("value", [
    "text", [], [["a"]], [["a", "no", 0]], [["a", False, -1]], [["a", False, True]], [[1, False, 0]],
    [["a", False, 0, []]], [["a", False, 0, ["b", 2]]], [["a", False, 0, [""]]], {"a": 1}, None,
])
def test_a_memo_value_of_the_wrong_shape_is_recomputed(manifest, value):
    providers = {"espeak": FakeProvider()}
    memo = FrontMemo("s")
    plan_manifest(manifest, providers, None, memo)
    stored = json.loads(json.dumps(memo.used))
    context = next(c for c, rows in stored.items() if "Part III begins at 8 AM." in rows)
    stored[context]["Part III begins at 8 AM."] = value
    again = FrontMemo("s", stored)
    plan = plan_manifest(manifest, providers, None, again)
    assert shape(plan) == shape(plan_manifest(manifest, providers))
    assert [c[1] for c in again.added] == ["Part III begins at 8 AM."]
    assert again.rejected == (0 if value is None else 1)


# ---------------------------------------------------------------- the memo file


def test_memo_file_round_trip_append_and_compaction(tmp_path, monkeypatch):
    path = tmp_path / "state" / "x.memo"
    first = MemoFile(path)
    assert first.load("S") == {}
    first.save("S", {"c": {"a": [["A", False, 0]], "b": [["B", False, 0]]}}, [("c", "a", [["A", False, 0]])])
    text = path.read_text()
    assert text == ('{"narrate_memo": 1, "stamp": "S"}\n["c","a",[["A",false,0]]]\n["c","b",[["B",false,0]]]\n')
    second = MemoFile(path)
    assert second.load("S") == {"c": {"a": [["A", False, 0]], "b": [["B", False, 0]]}}
    second.save("S", {"c": {"a": [["A", False, 0]], "b": [["B", False, 0]], "é": [["E", True, 5]]}},
                [("c", "é", [["E", True, 5]])])
    assert path.read_text() == text + '["c","é",[["E",true,5]]]\n'  # appended: the rest untouched
    assert MemoFile(path).load("T") == {}  # another stamp: nothing
    monkeypatch.setattr("narrate.cache.memo_file.MEMO_SLACK", 1)
    third = MemoFile(path)
    third.load("S")
    third.save("S", {"c": {"z": [["Z", False, 0]]}}, [("c", "z", [["Z", False, 0]])])  # 3 dead, 1 live: rewritten
    assert path.read_text() == '{"narrate_memo": 1, "stamp": "S"}\n["c","z",[["Z",false,0]]]\n'


def test_a_torn_last_line_loses_only_that_line(tmp_path):
    path = tmp_path / "x.memo"
    path.write_text('{"narrate_memo": 1, "stamp": "S"}\n["c","a",[["A",false,0]]]\n["c","b",[["B",fa')
    assert MemoFile(path).load("S") == {"c": {"a": [["A", False, 0]]}}


@pytest.mark.parametrize("content", [
    b"", b"\xff\xfe not utf-8", b"not json\n", b'{"narrate_memo": 2, "stamp": "S"}\n["c","a",[["A",false,0]]]\n',
    b'{"narrate_memo": 1, "stamp": 5}\n', b"[1, 2]\n", b'{"narrate_memo": 1, "stamp": "S"}\n' + b"[" * 100_000,
    b'{"narrate_memo": 1, "stamp": "S"}\n{"c": 1}\n[1,2,3]\n["c"]\n[["c"],"a",1]\n',
])
def test_a_memo_file_not_of_narrates_shape_reads_as_empty(tmp_path, content):
    path = tmp_path / "x.memo"
    path.write_bytes(content)
    assert MemoFile(path).load("S") == {}


def test_a_memo_file_over_the_limit_is_ignored(tmp_path, monkeypatch):
    path = tmp_path / "x.memo"
    path.write_text('{"narrate_memo": 1, "stamp": "S"}\n["c","a",[["A",false,0]]]\n')
    monkeypatch.setattr("narrate.cache.memo_file.MAX_MEMO_BYTES", 20)
    assert MemoFile(path).load("S") == {}


def test_the_stamp_changes_with_narrates_code(tmp_path, monkeypatch):
    import narrate.cache.stamps as stamps

    before = front_end_stamp()
    assert before == front_end_stamp() and len(before) == 64
    monkeypatch.setattr(stamps, "_code_stamp", lambda: b"other code")
    assert front_end_stamp() != before


# ---------------------------------------------------------------- builds: same bytes, work for the change


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


def run(path: Path, **opts):
    with SegmentCache(path.parent / ".narrate-cache") as cache:
        return build(load_manifest(path), cache, BuildOptions(**opts))


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".narrate-cache" not in p.parts}


def memo_files(project: Path) -> list[Path]:
    return sorted((project / ".narrate-cache" / "state").glob("*.memo"))


EDITS = [
    lambda t: t,
    lambda t: t.replace("Part III begins", "Part IV begins"),
    lambda t: t.replace("Espere, por favor.", "Espere un momento, por favor."),
    lambda t: t.replace('      nasa: {en-US: "NASA opens at 9 AM on 2024-05-01.", es-US: "Abrimos el 1 de mayo."}\n', ""),
    lambda t: t.replace("formats: [ulaw, wav]", "formats: [ulaw, wav, wav16]"),
    lambda t: t.replace("Part IV begins", "Part III begins"),
]


def test_builds_with_the_memo_are_byte_identical_to_builds_without(tmp_path, fake):
    with_memo, without = tmp_path / "a", tmp_path / "b"
    for folder in (with_memo, without):
        folder.mkdir()
    text = MANIFEST
    for edit in EDITS:
        text = edit(text)
        for folder in (with_memo, without):
            (folder / "m.yaml").write_text(text)
            report = run(folder / "m.yaml")
            assert report.errors == []
            for memo in memo_files(without):
                memo.unlink()  # b never has one
        assert memo_files(with_memo) and not memo_files(without)
        assert files(with_memo) == files(without)
    assert (with_memo / "narrate.lock").is_file() and (with_memo / "out" / "shop" / "index.json").is_file()


def test_a_one_edit_build_normalises_and_encodes_one_prompt(tmp_path, fake, monkeypatch):
    project = tmp_path / "p"
    project.mkdir()
    (project / "m.yaml").write_text(MANIFEST)
    run(project / "m.yaml")
    synthesized = len(fake.calls)
    (project / "m.yaml").write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    calls = counting_front_end(monkeypatch)
    encoded: list[object] = []
    import narrate.cache.lock as lockmod

    saving = []

    class CountingJson:
        def __getattr__(self, name):
            return getattr(json, name)

        def dumps(self, value, **kw):
            if saving and isinstance(value, dict) and "recipe" in value:
                encoded.append(value["text"])
            return json.dumps(value, **kw)

    def save(self):
        saving.append(1)
        try:
            return real_save(self)
        finally:
            saving.clear()

    real_save = lockmod.LockFile.save
    monkeypatch.setattr(lockmod, "json", CountingJson())
    import narrate.cache.lock_lines as linesmod

    monkeypatch.setattr(linesmod, "json", CountingJson())  # where the lines are encoded and spliced
    monkeypatch.setattr(lockmod.LockFile, "save", save)
    report = run(project / "m.yaml")
    assert report.written == ["out/shop/en/part.ulaw", "out/shop/en/part.wav"]
    assert calls == ["Part IV begins at 8 AM."]
    assert encoded == ["Part IV begins at 8 AM."]  # the lock's other 7 entries kept their lines
    assert (synthesized, fake.calls[synthesized:]) == (9, ["Part four begins at eight AM."])
    lock = json.loads((project / "narrate.lock").read_text())
    assert lock["manifests"]["m.yaml"]["prompts"]["shop/en-US/part"]["spoken"] == "Part four begins at eight AM."


def test_a_deleted_memo_is_rebuilt_and_changes_nothing(tmp_path, fake):
    project = tmp_path / "p"
    project.mkdir()
    (project / "m.yaml").write_text(MANIFEST)
    run(project / "m.yaml")
    before = files(project)
    (memo,) = memo_files(project)
    kept = memo.read_bytes()
    memo.unlink()
    (project / "m.yaml").write_text(MANIFEST + "\n")  # the manifest changed: no no-op shortcut
    assert run(project / "m.yaml").written == []
    assert files(project) == {**before, "m.yaml": (MANIFEST + "\n").encode()}
    assert memo.read_bytes() == kept


# ---------------------------------------------------------------- the lock and index.json


ENTRIES = {
    "shop/en-US/a": {"text": "A", "segments": ["1" * 64], "recipe": "r1",
                     "outputs": {"wav": {"file": "out/a.wav", "sha256": "0" * 64, "bytes": 10, "duration": 1.5}}},
    'shop/en-US/q"uote\\': {"text": "Q", "segments": [], "recipe": "r2", "outputs": {}},
    "shop/es-US/ñandú": {"text": "Ñ ü", "spoken": "enye", "segments": [], "recipe": "r3", "outputs": {}},
    "shop/en-US/tab\tname": {"text": "T", "segments": [], "recipe": "r4", "outputs": {}},
}


def _saved(folder: Path, ours: bool, change) -> bytes:
    lock = LockFile.for_manifest(folder / "m.yaml", ours=ours)
    change(lock.prompts)
    lock.save()
    return (folder / "narrate.lock").read_bytes()


@pytest.mark.parametrize("change", [
    lambda p: p.update({"shop/en-US/a": {**p["shop/en-US/a"], "text": "A2"}}),
    lambda p: p.pop("shop/en-US/a"),
    lambda p: p.pop("shop/en-US/tab\tname"),  # the last line: the one before loses its comma
    lambda p: p.update({"shop/zz/last": {"text": "Z", "segments": [], "recipe": "r", "outputs": {}}}),
    lambda p: p.update({"shop/00/first": {"text": "0", "segments": [], "recipe": "r", "outputs": {}}}),
    lambda p: None,
])
def test_a_lock_saved_from_its_own_lines_is_byte_identical(tmp_path, change):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        lock = LockFile(folder / "narrate.lock", "m.yaml", prompts=json.loads(json.dumps(ENTRIES)))
        other = LockFile(folder / "narrate.lock", "other.yaml", prompts={"x/en/y": ENTRIES["shop/en-US/a"]})
        lock.save()
        other.save()
    fast = LockFile.for_manifest(a / "m.yaml", ours=True)
    assert len(fast._texts) == 4
    assert _saved(a, True, change) == _saved(b, False, change)
    assert json.loads((a / "narrate.lock").read_text())["manifests"]["other.yaml"]["prompts"] == {
        "x/en/y": ENTRIES["shop/en-US/a"]}


def test_a_hand_formatted_lock_is_read_but_not_copied(tmp_path):
    data = {"narrate_lock": 1, "manifests": {"m.yaml": {"books": {}, "prompts": ENTRIES}}}
    (tmp_path / "narrate.lock").write_text(json.dumps(data, indent=2))
    lock = LockFile.for_manifest(tmp_path / "m.yaml", ours=True)
    assert lock._texts == {} and lock.prompts == ENTRIES
    lock.save()
    expected = json_object_lines(ENTRIES, indent="   ")
    assert f'  "prompts": {expected}\n' in (tmp_path / "narrate.lock").read_text()


def test_a_lock_encoded_by_another_encoder_is_encoded_again(tmp_path):
    LockFile(tmp_path / "narrate.lock", "m.yaml", prompts=json.loads(json.dumps(ENTRIES))).save()
    path = tmp_path / "narrate.lock"
    lines = path.read_text().split("\n")
    last = max(i for i, line in enumerate(lines) if line.startswith('   "shop/'))
    name = sorted(ENTRIES)[-1]
    key = json.dumps(name, ensure_ascii=False)
    unsorted = dict(ENTRIES[name])  # the same entry, its keys as written above: not sorted
    assert sorted(unsorted) != list(unsorted)
    lines[last] = f"   {key}: {json.dumps(unsorted, ensure_ascii=False)}"
    path.write_text("\n".join(lines))
    lock = LockFile.for_manifest(tmp_path / "m.yaml", ours=True)
    assert lock._texts == {} and lock.prompts == ENTRIES
    lock.save()
    assert f"   {key}: {json.dumps(unsorted, sort_keys=True, ensure_ascii=False)}" in path.read_text()


def test_a_lock_written_by_another_build_meanwhile_is_read_again(tmp_path):
    LockFile(tmp_path / "narrate.lock", "m.yaml", prompts=dict(ENTRIES)).save()
    mine = LockFile.for_manifest(tmp_path / "m.yaml", ours=True)
    LockFile(tmp_path / "narrate.lock", "other.yaml", prompts={"x/en/y": ENTRIES["shop/en-US/a"]}).save()
    mine.prompts.pop("shop/en-US/a")
    mine.save()
    data = json.loads((tmp_path / "narrate.lock").read_text())
    assert set(data["manifests"]) == {"m.yaml", "other.yaml"}
    assert len(data["manifests"]["m.yaml"]["prompts"]) == 3


@pytest.mark.parametrize("texts", [["plain", "other"], ["a}, {b", "x"], ["é ü\u2028", "}, {"], ["only"], []])
def test_index_text_is_one_row_per_line(texts):
    rows = [{"name": f"p{i}", "language": "en-US", "text": t, "file": f"en/p{i}.wav", "format": "wav",
             "duration": 1.25, "sha256": "0" * 64} for i, t in enumerate(texts)]
    head = {"library": "shop", "layout": "asterisk", "formats": ["wav"], "languages": {"en-US": "en"}}
    text = index_text(head, list(reversed(rows)))
    expected = ",\n".join(" " + json.dumps(r, ensure_ascii=False) for r in rows)
    assert text == json.dumps(head, ensure_ascii=False)[:-1] + ', "prompts": [\n' + expected + "\n]}\n"
    assert json.loads(text)["prompts"] == rows


# ---------------------------------------------------------------- the memo looked up, not parsed whole

def test_a_one_edit_build_looks_its_entry_up_and_never_parses_the_memo_whole(tmp_path, fake, monkeypatch):
    import narrate.cache.memo_file as state

    project = tmp_path / "p"
    project.mkdir()
    (project / "m.yaml").write_text(MANIFEST)
    run(project / "m.yaml")
    (project / "m.yaml").write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    run(project / "m.yaml")
    parsed: list[int] = []
    real = state._json_lines
    monkeypatch.setattr(state, "_json_lines", lambda body: parsed.append(len(body)) or real(body))
    calls = counting_front_end(monkeypatch)
    (project / "m.yaml").write_text(MANIFEST.replace("Part III begins", "Part III begins"))  # the text back
    assert run(project / "m.yaml").errors == []
    assert calls == [] and parsed == []  # its entry found in the file's text; the others carried
    (project / "m.yaml").write_text(MANIFEST.replace("Part III begins", "Part V begins"))
    assert run(project / "m.yaml").errors == []
    assert calls == ["Part V begins at 8 AM."] and parsed == []


def _memo_text(lines: list[str]) -> str:
    return '{"narrate_memo": 1, "stamp": "S"}\n' + "".join(line + "\n" for line in lines)


MEMO_LINES = [
    '["c","a",[["A",false,0]]]',
    '["c","b",[["B",false,0]]]',
    '["c","a",[["A2",false,0]]]',  # again: the last good line wins
    '["c","q\\"uote\\\\d",[["Q",false,0]]]',
    '["c","é\\n2",[["E",true,5]]]',
    '["c","b",[["B2",fa',  # a bad line (a torn line once appended to): the earlier "b" stands
    '["d","a",[["D",false,0]]]',
    '["c","x"]',  # not the shape: left out
    '{"c": 1}',
    '["c","z",[["Z",false,0]]]',
]


@pytest.mark.parametrize("torn", [False, True])
def test_looking_entries_up_gives_what_parsing_the_file_gives(tmp_path, torn):
    from narrate.cache import memo_source

    path = tmp_path / "x.memo"
    text = _memo_text(MEMO_LINES) + ('["c","t",[["T",fal' if torn else "")
    path.write_text(text)
    whole = MemoFile(path).load("S")
    assert whole["c"]["a"] == [["A2", False, 0]] and whole["c"]["b"] == [["B", False, 0]]
    keys = [(c, w) for c, rows in whole.items() for w in rows] + [("c", "t"), ("c", "x"), ("e", "a"), ("c", "q")]
    for c, w in keys:
        source = MemoFile(path).source("S")
        assert source is not None and source.get(c, w) == whole.get(c, {}).get(w), (c, w)
    source = MemoFile(path).source("S")
    answers = [source.get(c, w) for c, w in keys * 2]  # past the lookups before parsing: the same answers
    assert source._rows is not None and answers == [whole.get(c, {}).get(w) for c, w in keys * 2]
    assert len(keys) * 2 > memo_source.LOOKUPS_BEFORE_PARSING
    assert MemoFile(path).source("T") is None


@pytest.mark.parametrize("lines, has", [([], False), (["not json"], False), (["not json", '["c","a",1]'], True),
                                        (['["c","a",1]'], True)])
def test_a_memo_source_has_entries_as_the_parsed_file_does(tmp_path, lines, has):
    path = tmp_path / "x.memo"
    path.write_text(_memo_text(lines))
    source = MemoFile(path).source("S")
    assert bool(source) is has is bool(MemoFile(path).load("S"))


def test_a_rewritten_memo_holds_the_kept_entries_as_before(tmp_path, fake, monkeypatch):
    """Compaction after a build that carried (its entries kept unread): the same file as when the
    memo was parsed whole, entries in the same order."""
    import narrate.cache.memo_file as state
    from narrate import prepare

    def build_twice(folder: Path, lazy: bool) -> str:
        folder.mkdir()
        (folder / "m.yaml").write_text(MANIFEST)
        run(folder / "m.yaml")
        for n in ("IV", "V", "VI"):
            (folder / "m.yaml").write_text(MANIFEST.replace("Part III begins", f"Part {n} begins"))
            with monkeypatch.context() as m:
                real = state.MemoFile.source

                def source(self, stamp, real=real):  # as if dead entries outnumbered live ones: rewritten
                    found = real(self, stamp)
                    self.lines += 1000
                    return found

                m.setattr(state.MemoFile, "source", source)
                if not lazy:  # as the memo was read before: parsed whole
                    m.setattr(prepare, "FrontMemo", lambda stamp, source=None: FrontMemo(
                        stamp, source.rows() if source is not None else None))
                assert run(folder / "m.yaml").errors == []
        (memo,) = memo_files(folder)
        return memo.read_text()

    lazy, whole = build_twice(tmp_path / "a", True), build_twice(tmp_path / "b", False)
    assert lazy == whole
    assert "Part VI begins" in lazy and "Part V begins" not in lazy and "Part IV begins" not in lazy  # rewritten


def _random_entries(rng, n: int) -> dict:
    names = ["a", "b", 'q"uote\\', "ñandú", "tab\tname", "z", "é\u2028x", "0", "m/n"]
    return {f"shop/en-US/{rng.choice(names)}{i}": {"text": f"T{i}", "segments": [f"{i:064d}"], "recipe": f"r{i}",
                                                  "outputs": {"wav": {"file": f"out/{i}.wav", "sha256": "0" * 64,
                                                                      "bytes": i, "duration": i / 7}}}
            for i in range(n)}


@pytest.mark.parametrize("seed", range(12))
def test_a_spliced_lock_is_byte_identical_to_one_encoded_in_full(tmp_path, monkeypatch, seed):
    # A lock narrate wrote is saved by splicing the changed entries' lines into its text; whatever the
    # edits (several at once, the first and last lines, every entry removed, an entry replaced by an
    # equal copy), the bytes are those of a save that encodes every entry.
    import random

    import narrate.cache.lock as lockmod

    rng = random.Random(seed)
    entries = _random_entries(rng, rng.randrange(1, 40))
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        LockFile(folder / "narrate.lock", "m.yaml", prompts=json.loads(json.dumps(entries))).save()
        LockFile(folder / "narrate.lock", "other.yaml", prompts={"x/en/y": ENTRIES["shop/en-US/a"]}).save()
    keys = sorted(entries)

    def change(prompts: dict) -> None:
        for _ in range(rng.randrange(0, 6)):
            kind = rng.choice(["edit", "drop", "add", "copy"])
            if kind == "add" or not prompts:
                prompts[rng.choice(["shop/00/", "shop/en-US/", "shop/zz/"]) + str(rng.random())] = {
                    "text": "new", "segments": [], "recipe": "r", "outputs": {}}
            elif kind == "drop":
                prompts.pop(rng.choice(sorted(prompts)))
            else:
                key = rng.choice(sorted(prompts))
                prompts[key] = {**prompts[key], "text": "edited"} if kind == "edit" else json.loads(json.dumps(prompts[key]))
        if rng.random() < 0.1:
            prompts.clear()

    state = rng.getstate()
    spliced_lock = LockFile.for_manifest(a / "m.yaml", ours=True)
    assert spliced_lock._where is not None, keys
    change(spliced_lock.prompts)
    monkeypatch.setattr(lockmod, "entry_texts", lambda *a: pytest.fail("the splice reads no line but the edited"))
    spliced_lock.save()
    monkeypatch.undo()
    rng.setstate(state)
    assert (a / "narrate.lock").read_bytes() == _saved(b, False, change)


def test_a_lock_whose_last_line_is_not_narrates_is_encoded_in_full(tmp_path):
    LockFile(tmp_path / "narrate.lock", "m.yaml", prompts=json.loads(json.dumps(ENTRIES))).save()
    path = tmp_path / "narrate.lock"
    path.write_text(path.read_text().replace('"recipe": "r3", "segments"', '"recipe":"r3", "segments"'))
    lock = LockFile.for_manifest(tmp_path / "m.yaml", ours=True)
    assert lock._where is None
    lock.prompts["shop/en-US/a"] = {**lock.prompts["shop/en-US/a"], "text": "A2"}
    lock.save()
    assert '"recipe": "r3", "segments"' in path.read_text()
