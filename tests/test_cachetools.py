"""Cache management through the CLI: stats, verify, prune, export/import, with hostile inputs."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from conftest import narrate_in
from narrate.cache import SegmentCache, decode_entry, encode_entry
from narrate.cache.commands import cache_stats, check_entry, export_cache, import_cache
from narrate.errors import CacheError
from narrate.providers.base import AudioFormat, SynthesisResult

MANIFEST = """\
version: 1
libraries:
  shop:
    output: out
    formats: [ulaw]
    languages: {en-US: {voice: en-us, path: en}}
    prompts:
      a: First prompt.
      b: Second prompt.
      c: Third prompt.
"""


@pytest.fixture
def built(tmp_path):
    (tmp_path / "m.yaml").write_text(MANIFEST)
    assert narrate_in("build", "m.yaml", cwd=tmp_path).returncode == 0
    return tmp_path


def keys_of(cache_dir: Path) -> list[str]:
    cache = SegmentCache(cache_dir)
    try:
        return sorted(cache.keys())
    finally:
        cache.close()


def test_stats(built):
    done = narrate_in("cache", "stats", "--json", "-m", "m.yaml", cwd=built)
    stats = json.loads(done.stdout)
    chars = len("First prompt.Second prompt.Third prompt.")
    assert stats["entries"] == 3 and stats["by_provider"]["espeak"]["chars"] == chars == stats["chars"]
    assert stats["corrupt"] == 0 and stats["oldest"] <= stats["newest"]
    cache = SegmentCache(built / ".narrate-cache")
    key = sorted(cache.keys())[0]
    cache.put_raw(key, cache.get_raw(key)[:-1])
    after = cache_stats(cache)
    cache.close()
    assert (after["entries"], after["corrupt"]) == (2, 1) and after["bytes"] < stats["bytes"]


def test_stats_says_the_oldest_and_newest_entry_as_docs_ci_says(built):
    stats = json.loads(narrate_in("cache", "stats", "--json", "-m", "m.yaml", cwd=built).stdout)
    import datetime

    def utc(seconds):
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")

    lines = narrate_in("cache", "stats", "-m", "m.yaml", cwd=built).stdout.splitlines()
    assert lines[1:] == ["  espeak: 3 segments, 40 characters, 0.1 MB of audio",
                         f"  oldest entry {utc(stats['oldest'])}, newest {utc(stats['newest'])}"]


def test_verify_finds_and_drops_corrupt_entries(built):
    cache_dir = built / ".narrate-cache"
    key = keys_of(cache_dir)[0]
    cache = SegmentCache(cache_dir)
    blob = bytearray(cache.get_raw(key))
    blob[-10] ^= 0xFF  # one flipped bit in the audio
    cache.put_raw(key, bytes(blob))
    other = keys_of(cache_dir)[1]
    good = cache.get_raw(other)
    cache.put_raw("f" * 64, good)  # a valid entry filed under the wrong key
    cache.close()
    done = narrate_in("cache", "verify", "-m", "m.yaml", cwd=built)
    assert done.returncode == 1 and "checksum mismatch" in done.stderr and "does not match its key" in done.stderr
    assert "4 entries checked, 2 corrupt" in done.stdout
    assert narrate_in("cache", "verify", "--drop", "-m", "m.yaml", cwd=built).returncode == 0
    assert len(keys_of(cache_dir)) == 2
    # Outputs are current, so nothing is needed; from scratch, exactly the dropped segment is paid again.
    assert json.loads(narrate_in("build", "--json", "m.yaml", cwd=built).stdout)["synthesized"] == 0
    import shutil

    shutil.rmtree(built / "out")
    rebuilt = json.loads(narrate_in("build", "--json", "m.yaml", cwd=built).stdout)
    assert rebuilt["synthesized"] == 1


def test_prune_dry_run_then_yes(built):
    (built / "m.yaml").write_text(MANIFEST.replace("      c: Third prompt.\n", ""))
    done = narrate_in("cache", "prune", "m.yaml", cwd=built)
    assert "would drop 1 unreferenced entries" in done.stdout and len(keys_of(built / ".narrate-cache")) == 3
    done = narrate_in("cache", "prune", "--yes", "m.yaml", cwd=built)
    assert "dropped 1" in done.stdout and len(keys_of(built / ".narrate-cache")) == 2
    assert json.loads(narrate_in("build", "--json", "m.yaml", cwd=built).stdout)["synthesized"] == 0


def test_export_import_warms_another_machine(built, tmp_path_factory):
    export = built / "warm.tar"
    assert narrate_in("cache", "export", str(export), "-m", "m.yaml", cwd=built).returncode == 0
    other = tmp_path_factory.mktemp("other")
    (other / "m.yaml").write_text(MANIFEST)
    done = narrate_in("cache", "import", str(export), "-m", "m.yaml", cwd=other)
    assert "imported 3" in done.stdout and done.returncode == 0
    report = json.loads(narrate_in("build", "--json", "m.yaml", cwd=other).stdout)
    assert report["synthesized"] == 0 and report["outputs_written"] == 3


def test_import_rejects_hostile_members(tmp_path):
    from narrate.audio.riff import WAVE_FORMAT_PCM, wav_file
    from narrate.cache.entry import key_from

    wav = wav_file(WAVE_FORMAT_PCM, 22050, b"\x01\x00" * 2205, bits=16)
    good = encode_entry(SynthesisResult(wav, AudioFormat("wav", "pcm_s16le", 22050)),
                        {"key_head": "{}", "text": "hello"})
    good_key = key_from(b"{}", "hello")
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in (("../../etc/cron.d/x", b"x"), ("segments/" + "a" * 64, good), ("segments/" + good_key, good),
                           ("segments/not-a-key", good)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    cache = SegmentCache(tmp_path / "cache")
    report = import_cache(cache, path)
    assert report.imported == 1 and good_key in cache
    reasons = dict(report.rejected)
    assert reasons["../../etc/cron.d/x"] == "not a segment entry"
    assert "does not match its key" in reasons["segments/" + "a" * 64]
    assert not (tmp_path / "etc").exists()
    cache.close()


def test_check_entry_detects_truncation_and_requires_key_material():
    from narrate.cache.entry import key_from

    blob = encode_entry(SynthesisResult(b"abcdef", AudioFormat("raw", "mulaw", 8000)), {"key_head": "{}", "text": "t"})
    with pytest.raises(CacheError, match="corrupt"):
        decode_entry("k", blob[:-2])
    assert check_entry(key_from(b"{}", "t"), blob).audio == b"abcdef"
    stripped = encode_entry(SynthesisResult(b"abcdef", AudioFormat("raw", "mulaw", 8000)), {})
    with pytest.raises(CacheError, match="no key material"):
        check_entry("a" * 64, stripped)


def test_export_is_reproducible_selective_and_atomic(built, tmp_path):
    cache = SegmentCache(built / ".narrate-cache")
    keys = sorted(cache.keys())
    first, second = tmp_path / "one" / "cache.tar", tmp_path / "two" / "cache.tar"
    assert export_cache(cache, first) == export_cache(cache, second) == 3
    assert first.read_bytes() == second.read_bytes()  # same entries, same bytes: no times, owners or order drift
    with tarfile.open(first) as tar:
        assert tar.getnames() == ["segments/" + k for k in keys]
        assert {(m.mtime, m.uid, m.uname) for m in tar} == {(0, 0, "")}
    assert export_cache(cache, first, keys={keys[1], "0" * 64}) == 1
    with tarfile.open(first) as tar:
        assert tar.getnames() == ["segments/" + keys[1]]
    assert sorted(p.name for p in first.parent.iterdir()) == ["cache.tar"]  # no temp file left behind
    cache.close()


BOOK = """\
books:
  guide:
    title: Guide
    sources: ch/*.md
    language: en-US
    voice: en-us
    formats: [chapters]
    output: book/guide
"""


def test_prune_keeps_book_segments(tmp_path):
    (tmp_path / "ch").mkdir()
    chapter = tmp_path / "ch" / "01.md"
    chapter.write_text("# Start\n\nFirst sentence here. Second sentence here.\n")
    (tmp_path / "m.yaml").write_text(MANIFEST + BOOK)
    assert narrate_in("build", "m.yaml", cwd=tmp_path).returncode == 0
    entries = len(keys_of(tmp_path / ".narrate-cache"))
    assert entries > 3  # three prompts and the book's sentences
    assert "would drop 0 unreferenced" in narrate_in("cache", "prune", "m.yaml", cwd=tmp_path).stdout
    chapter.write_text("# Start\n\nFirst sentence here. Second sentence changed.\n")
    assert narrate_in("build", "m.yaml", cwd=tmp_path).returncode == 0
    done = narrate_in("cache", "prune", "--yes", "m.yaml", cwd=tmp_path)
    assert "dropped 1 unreferenced" in done.stdout and len(keys_of(tmp_path / ".narrate-cache")) == entries
