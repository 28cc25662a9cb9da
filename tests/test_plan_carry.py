"""Prompts carried over from the last build (narrate.plan.carry, issue 14 item 2): a one-edit rebuild
plans the prompt it changed, and every build gives the bytes it gives without carrying."""

from __future__ import annotations

import dataclasses
import json
from contextlib import contextmanager
from pathlib import Path

import pytest

from fakes import FakeProvider
from narrate import prepare
from narrate.cache import SegmentCache
from narrate.cache import state as state_module
from narrate.errors import ManifestError
from narrate.manifest import load_manifest
from narrate.plan import prompts as prompts_module
from test_incremental_plan import MANIFEST, files, run

LEXICON = "lexicon:\n  NASA: nasa agency\n"


@pytest.fixture
def fake(monkeypatch):
    provider = FakeProvider()
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    return provider


@pytest.fixture
def carried(monkeypatch) -> list[set[str]]:
    """The ids each build's plan carried over, one set per build."""
    seen: list[set[str]] = []
    real = prepare.plan_manifest

    def spy(*args, **kwargs):
        plan = real(*args, **kwargs)
        seen.append(set(plan.carried))
        return plan

    monkeypatch.setattr(prepare, "plan_manifest", spy)
    return seen


@contextmanager
def no_carry(monkeypatch):
    """Builds in this block never carry: the state's planning contexts read as none."""
    with monkeypatch.context() as m:
        m.setattr(state_module, "_contexts_by_id", lambda data: {})
        m.setattr(state_module, "read_journal", lambda path, base_id: ([], 0, False))  # nor its journal's
        yield


def contexts_of(folder: Path) -> dict[str, str]:
    return state_module.BuildState(folder / ".narrate-cache", folder / "m.yaml").plan_contexts


# Each edit keeps a prompt's written text and changes what it sounds like, or changes the text: the
# carried build must see every one.
EDITS = [
    ("nothing", lambda t: t),
    ("one text", lambda t: t.replace("Part III begins", "Part IV begins")),
    ("a prompt's own voice", lambda t: t.replace('es-US: "Espere, por favor."}',
                                                  'es-US: {text: "Espere, por favor.", voice: en-us}}')),
    ("a language's speed", lambda t: t.replace("en-US: {voice: en-us, path: en}", "en-US: {voice: en-us, path: en, speed: 1.1}")),
    ("the level", lambda t: t.replace("    layout: asterisk\n", "    layout: asterisk\n    level: {target_dbov: -20}\n")),
    ("a lexicon", lambda t: t + LEXICON),
    ("a format", lambda t: t.replace("formats: [ulaw, wav]", "formats: [ulaw, wav, wav16]")),
    ("the output folder", lambda t: t.replace("output: out/shop", "output: out/store")),
    ("a prompt removed", lambda t: "\n".join(line for line in t.split("\n") if not line.startswith("      nasa:"))),
    ("the text back", lambda t: t.replace("Part IV begins", "Part III begins")),
]


def test_builds_that_carry_are_byte_identical_to_builds_that_plan_every_prompt(tmp_path, fake, monkeypatch, carried):
    carrying, planning = tmp_path / "a", tmp_path / "b"
    for folder in (carrying, planning):
        folder.mkdir()
    text = MANIFEST
    for name, edit in EDITS:
        text = edit(text)
        (carrying / "m.yaml").write_text(text)
        assert run(carrying / "m.yaml").errors == [], name
        (planning / "m.yaml").write_text(text)
        with no_carry(monkeypatch):
            assert run(planning / "m.yaml").errors == [], name
        assert files(carrying) == files(planning), name
        # and the planning contexts the next build trusts: kept for carried prompts, not recomputed
        assert contexts_of(carrying) == contexts_of(planning) != {}, name
        assert not carried[-1]
    # The first build carries nothing; a text edit carries the other 7 prompts.
    assert carried[0] == set() and len(carried[2]) == 7 and "shop/en-US/part" not in carried[2]


def test_a_prompt_with_new_settings_and_the_same_text_is_not_carried(tmp_path, fake, carried):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    before = lock_entry(tmp_path, "shop/es-US/hold")
    path.write_text(MANIFEST.replace('es-US: "Espere, por favor."}', 'es-US: {text: "Espere, por favor.", voice: en-us}}'))
    run(path)
    assert len(carried[-1]) == 7 and "shop/es-US/hold" not in carried[-1]
    after = lock_entry(tmp_path, "shop/es-US/hold")
    assert after["text"] == before["text"] and after["segments"] != before["segments"]


def lock_entry(project: Path, ident: str) -> dict:
    return json.loads((project / "narrate.lock").read_text())["manifests"]["m.yaml"]["prompts"][ident]


def test_a_deleted_or_edited_output_is_planned_and_written_again(tmp_path, fake, carried):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    wav = tmp_path / "out/shop/en/nasa.wav"
    before = wav.read_bytes()
    wav.unlink()
    (tmp_path / "out/shop/es/part.ulaw").write_bytes(b"\x7f" * 100)
    path.write_text(MANIFEST.replace("Part III begins", "Part IV begins"))  # past the no-op fast path
    report = run(path)
    assert sorted(report.written) == ["out/shop/en/nasa.wav", "out/shop/en/part.ulaw", "out/shop/en/part.wav",
                                      "out/shop/es/part.ulaw"]
    assert wav.read_bytes() == before
    assert carried[-1] == {"shop/en-US/price", "shop/es-US/price", "shop/en-US/hold", "shop/es-US/hold",
                           "shop/es-US/nasa"}


def test_a_lock_not_as_narrate_wrote_it_carries_nothing(tmp_path, fake, carried):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    lock = tmp_path / "narrate.lock"
    data = json.loads(lock.read_text())
    entry = data["manifests"]["m.yaml"]["prompts"]["shop/en-US/price"]
    entry["recipe"] = "0" * 32  # what a hand edit or a merge could leave
    lock.write_text(json.dumps(data, indent=1))
    path.write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    run(path)
    assert carried[-1] == set()
    data = json.loads(lock.read_text())
    assert data["manifests"]["m.yaml"]["prompts"]["shop/en-US/price"]["recipe"] != "0" * 32  # planned, rendered


def test_a_build_with_errors_forgets_the_contexts(tmp_path, monkeypatch, carried):
    provider = FakeProvider(fail_texts={"Part four begins at eight AM."})
    monkeypatch.setattr("narrate.providers.registry.create_provider", lambda cfg, transport=None: provider)
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    path.write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    assert run(path).errors
    path.write_text(MANIFEST.replace("Part III begins", "Part V begins"))
    run(path)
    assert carried[-1] == set()  # planned in full once, after the failed build
    path.write_text(MANIFEST.replace("Part III begins", "Part VI begins"))
    run(path)
    assert len(carried[-1]) == 7


def test_the_memo_keeps_the_entries_of_carried_prompts(tmp_path, fake, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    for n in ("IV", "V", "VI"):
        path.write_text(MANIFEST.replace("Part III begins", f"Part {n} begins"))
        run(path)
    calls: list[str] = []
    real = prompts_module._front_end
    monkeypatch.setattr(prompts_module, "_front_end", lambda text, *a: calls.append(text) or real(text, *a))
    (tmp_path / "out/shop/es/hold.wav").unlink()  # planned in full: from the memo, no front-end run
    path.write_text(MANIFEST.replace("Part III begins", "Part VII begins"))
    run(path)
    assert calls == ["Part VII begins at 8 AM."]


def test_through_the_cli_a_rebuild_that_carries_writes_what_a_fresh_build_writes(tmp_path, carried):
    """The embedded engine, `narrate build` in this process: an edited text, then a new speed for one
    language with every text kept; each time the project equals one built from scratch."""
    from conftest import narrate_in

    small = "\n".join(MANIFEST.split("\n")[:12]) + "\n"  # price and part: four prompts, a short test
    kept, fresh = tmp_path / "kept", tmp_path / "fresh"
    text = small
    for step, edit in enumerate([lambda t: t, lambda t: t.replace("Part III", "Part IV"),
                                 lambda t: t.replace("{voice: es-419, path: es}", "{voice: es-419, path: es, speed: 1.2}")]):
        text = edit(text)
        kept.mkdir(exist_ok=True)
        (kept / "m.yaml").write_text(text)
        assert narrate_in("-q", "build", "m.yaml", cwd=kept).returncode == 0
        if fresh.exists():
            import shutil

            shutil.rmtree(fresh)
        fresh.mkdir()
        (fresh / "m.yaml").write_text(text)
        assert narrate_in("-q", "build", "m.yaml", cwd=fresh).returncode == 0
        assert files(kept) == files(fresh), step
    assert [len(c) for c in carried[::2]] == [0, 3, 2]  # kept's builds: the en-US prompts at the new speed's step


def test_a_carried_job_equals_the_job_planned_in_full(tmp_path, fake, carried):
    """Every field of a carried job (made without PromptJob's __init__) is the planned job's, but the
    pauses only rendering reads."""
    import dataclasses

    from narrate.cache import SegmentCache
    from narrate.manifest import load_manifest

    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST.replace("Part III begins", "Part III starts"))
    run(path)
    path.write_text(MANIFEST)
    run(path)  # past the no-op fast path: the other prompts are carried
    with SegmentCache(tmp_path / ".narrate-cache") as cache:
        pb = prepare.prepare_build(load_manifest(path), cache)
    assert len(pb.plan.carried) == 8
    with SegmentCache(tmp_path / ".narrate-cache") as cache:
        planned = prompts_module.plan_manifest(load_manifest(path), pb.providers)
    by_id = {j.id: j for j in planned.jobs}
    for job in pb.plan.jobs:
        full = dataclasses.replace(by_id[job.id], pauses=())
        assert job == full and job.id == full.id and type(job) is type(full), job.id
        assert dataclasses.asdict(job) == dataclasses.asdict(full)
        with pytest.raises(dataclasses.FrozenInstanceError):
            job.recipe = "x"


def test_an_output_replaced_by_same_size_bytes_with_its_mtime_put_back_is_written_again(tmp_path, fake, carried):
    # The carry checks each output's whole stat signature (size, mtime, ctime, inode) against the stat
    # cache, as is_current does: new bytes of the same size, their mtime set back, are not taken as the
    # file narrate wrote, and a link in an output's place is not a regular file.
    import os

    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    wav = tmp_path / "out/shop/en/nasa.wav"
    before, st = wav.read_bytes(), wav.stat()
    fresh = tmp_path / "other.wav"
    fresh.write_bytes(bytes(b ^ 0x55 for b in before))
    os.replace(fresh, wav)
    os.utime(wav, ns=(st.st_atime_ns, st.st_mtime_ns))
    ulaw = tmp_path / "out/shop/es/hold.ulaw"
    ulaw.rename(tmp_path / "hold.ulaw")
    ulaw.symlink_to(tmp_path / "hold.ulaw")
    path.write_text(MANIFEST.replace("Part III begins", "Part IV begins"))  # past the no-op fast path
    report = run(path)
    assert "out/shop/en/nasa.wav" in report.written
    assert [e for e in report.errors if e.startswith("shop/es-US/hold: ")]  # the link is refused (a writer's rule)
    assert wav.read_bytes() == before
    assert "shop/en-US/nasa" not in carried[-1] and "shop/es-US/hold" not in carried[-1]
    assert "shop/en-US/price" in carried[-1]


def test_two_prompts_on_one_file_are_refused_by_the_plan_whether_carried_or_not(tmp_path, fake):
    """The plan's own collision check (a safety net behind validation, which refuses such names first):
    a prompt renamed behind validation's back onto another's file, case-folded, is named with its line,
    after a build that carries every other prompt and on a plan without carrying."""
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    manifest = load_manifest(path)
    lib = manifest.libraries[0]
    at = next(i for i, p in enumerate(lib.prompts) if (p.name, p.language) == ("nasa", "es-US"))
    lib.prompts[at] = dataclasses.replace(lib.prompts[at], name="PART")  # es/PART.ulaw: es/part.ulaw, case-folded
    with SegmentCache(tmp_path / ".narrate-cache") as cache, pytest.raises(ManifestError) as carried_err:
        prepare.prepare_build(manifest, cache)  # every other prompt carried from the lock
    with pytest.raises(ManifestError) as planned_err:
        prompts_module.plan_manifest(manifest, prepare.make_providers(manifest)[0])  # no lock, no memo
    for err in (carried_err, planned_err):
        problems = err.value.problems
        assert [(p.line, p.key_path) for p in problems] == [(lib.prompts[at].line, "libraries.shop.prompts.PART")] * 2
        assert [p.message for p in problems] == [
            "writes the same file as shop/es-US/part: out/shop/es/PART.ulaw",
            "writes the same file as shop/es-US/part: out/shop/es/PART.wav"]


def test_carried_prompts_keep_their_memo_entries_in_plan_order(tmp_path, fake, monkeypatch):
    """Carried prompts' memo entries are kept in bulk (FrontMemo.keep_all), in the order the plan meets
    them around a prompt planned in full: the memo the plan leaves is the one a prompt-by-prompt keep leaves."""
    path = tmp_path / "m.yaml"
    path.write_text(MANIFEST)
    run(path)
    run(path)
    path.write_text(MANIFEST.replace("Part III begins", "Part IV begins"))
    seen: list[list[tuple[str, str]]] = []
    real = prepare.plan_manifest

    def spy(*args, **kwargs):
        plan = real(*args, **kwargs)
        seen.append(list(args[3]._seen))
        return plan

    monkeypatch.setattr(prepare, "plan_manifest", spy)
    run(path)
    order = [text for _, text in seen[0]]
    manifest_texts = [p.text for p in load_manifest(path).libraries[0].prompts]
    assert order == manifest_texts  # the edited prompt in its place, not after the carried ones
    assert "Part IV begins at 8 AM." in order

