"""Issue 13 item 2: layouts that match each platform by default, and `layout: {pattern}`.

Paths for a sample library per layout, collisions and escapes refused at validate (exit 2,
located), and a layout change moves files without a single new synthesis.
"""

from __future__ import annotations

import json

import pytest

from conftest import narrate_in
from narrate.errors import ManifestError
from narrate.manifest import load_manifest
from narrate.manifest.layouts import Place, language_folder, pattern_path, pattern_problem, prompt_path


@pytest.mark.parametrize(("tag", "folder"), [
    ("en", "en"), ("en-GB", "en_GB"), ("fr-CA", "fr_CA"), ("en-us", "en_US"), ("es-419", "es_419"),
    ("zh-hant-tw", "zh_Hant_TW"), ("pt_BR", "pt_BR"),
])
def test_asterisk_language_folders(tag, folder):
    assert language_folder("asterisk", tag, "any") == folder


@pytest.mark.parametrize(("tag", "voice", "folder"), [
    ("en-US", "callie", "en/us/callie"), ("fr-CA", "june", "fr/ca/june"), ("ru-RU", "elena", "ru/ru/elena"),
    ("es-419", "es-419", "es/419/es-419"), ("fr", "fr", "fr/fr"), ("en-US", "gmw/en-US", "en/us/gmw-en-US"),
    ("zh-Hant-TW", "x", "zh/tw/x"),
])
def test_freeswitch_language_folders(tag, voice, folder):
    assert language_folder("freeswitch", tag, voice) == folder


def test_freeswitch_paths_like_its_sound_packs():
    assert prompt_path("freeswitch", "en/us/callie", "ivr/ivr-welcome", "wav") == "en/us/callie/ivr/8000/ivr-welcome.wav"
    assert prompt_path("freeswitch", "en/us/callie", "ivr/ivr-welcome", "wav16") == "en/us/callie/ivr/16000/ivr-welcome.wav"
    assert prompt_path("freeswitch", "en/us/callie", "ivr/ivr-welcome", "wav32") == "en/us/callie/ivr/32000/ivr-welcome.wav"
    assert prompt_path("freeswitch", "en/us/callie", "ivr/ivr-welcome", "wav48") == "en/us/callie/ivr/48000/ivr-welcome.wav"
    assert prompt_path("freeswitch", "en/us/callie", "welcome", "wav") == "en/us/callie/8000/welcome.wav"


@pytest.mark.parametrize(("pattern", "name", "fmt", "path"), [
    ("{name}.{lang}.{ext}", "ivr/welcome", "ulaw", "ivr/welcome.en_GB.ulaw"),
    ("{language}/{format}/{name}.{ext}", "welcome", "wav16", "en-GB/wav16/welcome.wav16"),
    ("{category}/{rate}/{base}.{ext}", "ivr/welcome", "wav48", "ivr/48000/welcome.wav"),
    ("{category}/{rate}/{base}.{ext}", "welcome", "gsm", "8000/welcome.gsm"),  # no empty folder
    ("prompts/{voice}/{base}-{lang}.{ext}", "a/b/c", "mp3", "prompts/gmw-en-GB/c-en_GB.mp3"),
])
def test_pattern_paths(pattern, name, fmt, path):
    assert pattern_problem(pattern) is None
    assert pattern_path(pattern, Place(name, "en-GB", "en_GB", "gmw/en-GB", fmt)) == path


@pytest.mark.parametrize(("pattern", "reason"), [
    ("{name}.{nope}", "unknown placeholder {nope}"),
    ("{name.__class__}", "unknown placeholder {name.__class__}"),
    ("{name!r}.{ext}", "takes no conversion or format"),
    ("{name:>300}.{ext}", "takes no conversion or format"),
    ("{lang}.{ext}", "needs {name} or {base}"),
    ("../{name}.{ext}", "may not contain '.' or '..' segments"),
    ("a/../../{name}", "may not contain '.' or '..' segments"),
    ("/etc/{name}", "relative path inside the output folder"),
    ("C:{name}", "relative path inside the output folder"),
    ("a\\{name}", "relative path inside the output folder"),
    ("{name", "not a pattern"),
])
def test_bad_patterns(pattern, reason):
    assert reason in (pattern_problem(pattern) or "")


SAMPLE = """\
version: 1
libraries:
  shop:
    output: out/shop
    layout: LAYOUT
    formats: FORMATS
    languages:
      en-GB: en-gb
      fr-CA: {voice: fr}
    prompts:
      welcome: {en-GB: Welcome., fr-CA: Bienvenue.}
      ivr/menu: {en-GB: Press one., fr-CA: Faites le un.}
"""


def files_of(tmp_path, layout: str, formats: str = "[ulaw]") -> list[str]:
    path = tmp_path / "m.yaml"
    path.write_text(SAMPLE.replace("LAYOUT", layout).replace("FORMATS", formats))
    manifest = load_manifest(path)
    lib = manifest.libraries[0]
    return sorted(lib.file_path(p.language, p.name, fmt) for p in lib.prompts for fmt in lib.formats)


def test_sample_library_per_layout(tmp_path):
    assert files_of(tmp_path, "asterisk") == ["en_GB/ivr/menu.ulaw", "en_GB/welcome.ulaw",
                                              "fr_CA/ivr/menu.ulaw", "fr_CA/welcome.ulaw"]
    assert files_of(tmp_path, "freeswitch", "[wav, wav48]") == [
        "en/gb/en-gb/48000/welcome.wav", "en/gb/en-gb/8000/welcome.wav", "en/gb/en-gb/ivr/48000/menu.wav",
        "en/gb/en-gb/ivr/8000/menu.wav", "fr/ca/fr/48000/welcome.wav", "fr/ca/fr/8000/welcome.wav",
        "fr/ca/fr/ivr/48000/menu.wav", "fr/ca/fr/ivr/8000/menu.wav"]
    assert files_of(tmp_path, "flat") == ["ulaw/en-GB/ivr_menu.ulaw", "ulaw/en-GB/welcome.ulaw",
                                          "ulaw/fr-CA/ivr_menu.ulaw", "ulaw/fr-CA/welcome.ulaw"]
    assert files_of(tmp_path, '{pattern: "{name}.{lang}.{ext}"}', "[ulaw, mp3]") == [
        "ivr/menu.en-GB.mp3", "ivr/menu.en-GB.ulaw", "ivr/menu.fr-CA.mp3", "ivr/menu.fr-CA.ulaw",
        "welcome.en-GB.mp3", "welcome.en-GB.ulaw", "welcome.fr-CA.mp3", "welcome.fr-CA.ulaw"]


def test_a_language_path_still_overrides_the_default(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(SAMPLE.replace("LAYOUT", "asterisk").replace("FORMATS", "[ulaw]")
                    .replace("en-GB: en-gb", "en-GB: {voice: en-gb, path: en}"))
    lib = load_manifest(path).libraries[0]
    assert lib.file_path("en-GB", "welcome", "ulaw") == "en/welcome.ulaw"
    assert lib.file_path("fr-CA", "welcome", "ulaw") == "fr_CA/welcome.ulaw"


def test_formats_a_layout_cannot_play_are_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(SAMPLE.replace("LAYOUT", "freeswitch").replace("FORMATS", "[wav, mp3]"))
    with pytest.raises(ManifestError, match="format 'mp3' is not supported by the freeswitch layout"):
        load_manifest(path)
    path.write_text(SAMPLE.replace("LAYOUT", "asterisk").replace("FORMATS", "[ogg]"))
    with pytest.raises(ManifestError, match="format 'ogg' is not supported by the asterisk layout"):
        load_manifest(path)


def test_two_languages_on_one_asterisk_folder_are_refused(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(SAMPLE.replace("LAYOUT", "asterisk").replace("FORMATS", "[ulaw]")
                    .replace("fr-CA: {voice: fr}", "en_GB: {voice: en-gb}"))
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    first = info.value.problems[0]  # (the prompts' fr-CA texts are reported after it)
    assert (first.line, first.key_path, first.message) == (
        9, "libraries.shop.languages.en_GB.path", "same folder as language en-GB ('en_GB')")


@pytest.mark.slow
def test_changing_the_layout_moves_files_and_bills_nothing(tmp_path):
    """Segment keys never hold a path: a new layout rebuilds from the cache, zero syntheses."""
    (tmp_path / "m.yaml").write_text(SAMPLE.replace("LAYOUT", "asterisk").replace("FORMATS", "[ulaw, gsm]"))
    first = narrate_in("build", "m.yaml", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["synthesized"] == 4
    assert (tmp_path / "out/shop/en_GB/ivr/menu.gsm").is_file() and (tmp_path / "out/shop/fr_CA/welcome.ulaw").is_file()
    for layout in ('{pattern: "{lang}-{base}.{ext}"}', "flat"):
        (tmp_path / "m.yaml").write_text(SAMPLE.replace("LAYOUT", layout).replace("FORMATS", "[ulaw, gsm]"))
        again = narrate_in("build", "m.yaml", "--json", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        report = json.loads(again.stdout)
        assert report["synthesized"] == 0 and report["cached"] == 4, report
    files = sorted(p.relative_to(tmp_path / "out/shop").as_posix() for p in (tmp_path / "out/shop").rglob("*.*"))
    assert "ulaw/fr-CA/ivr_menu.ulaw" in files and "en-GB-welcome.ulaw" not in files  # the old layout's files removed


def test_a_pattern_with_every_file_at_the_top_builds_into_a_fresh_output_folder(tmp_path):
    """`{name}.{lang}.{ext}` (the README's pattern) with names without folders: every file goes straight
    into the output folder, which did not exist yet. The build paid for synthesis, then failed with
    `cannot write the output folder .../out: No such file or directory` (only a file in a subfolder
    made the folders above it)."""
    (tmp_path / "m.yaml").write_text(
        "version: 1\nlibraries:\n  ivr:\n    output: out/ivr\n    layout: {pattern: \"{name}.{lang}.{ext}\"}\n"
        "    formats: [wav]\n    languages:\n      en-GB: {voice: en-gb}\n    prompts:\n      welcome: Hello.\n")
    done = narrate_in("-q", "build", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "out" / "ivr").iterdir()) == ["index.json", "welcome.en-GB.wav"]


def test_output_path_makes_a_missing_output_folder(tmp_path):
    from narrate.fsutil import output_path

    folder = tmp_path / "a" / "b"
    assert output_path(folder, "x.wav") == folder / "x.wav" and folder.is_dir()
    assert output_path(tmp_path / "c", "x.wav", create=False) == tmp_path / "c" / "x.wav"
    assert not (tmp_path / "c").exists()
