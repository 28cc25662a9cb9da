"""Findings of a fourth newcomer's trial (3 December 2026), an IVR prompt library for a contact
centre seen through the CLI: exit codes, what is printed, what is left on disk. Each test failed
before its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import narrate_in

LIBRARY = """\
version: 1
libraries:
  desk:
    output: sounds
    formats: [ulaw]
    languages: {en-US: {voice: en-us}}
    prompts:
      welcome: Thank you for calling.
"""


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A library built once, with a remote cache that could not be used (a folder not mounted)."""
    (tmp_path / "m.yaml").write_text(LIBRARY)
    done = narrate_in("build", "-q", "--remote", f"file://{tmp_path}/not-mounted", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "not-mounted" in done.stderr  # that build says so
    return tmp_path


def test_a_remote_that_failed_once_is_not_reported_by_later_builds(built):
    # The next build has nothing to do (the no-op fast path) and uses no remote: it must not repeat
    # the last build's remote failure, naming a folder this run never looked at.
    done = narrate_in("build", "-q", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    assert "0 synthesized" in done.stdout + done.stderr
    assert "remote" not in done.stderr, done.stderr


def test_a_remote_given_now_is_the_one_named(built):
    (built / "shared").mkdir()
    done = narrate_in("build", "-q", "--remote", f"file://{built}/shared", "m.yaml", cwd=built)
    assert done.returncode == 0, done.stderr
    assert "not-mounted" not in done.stderr, done.stderr


@pytest.mark.parametrize("url", ["ftp://host/prefix", "s3:/bucket", "file://relative/folder", "s3://"])
def test_a_malformed_remote_is_refused_whatever_the_cache_holds(built, url):
    # Refused on a cold cache (exit 2): a warm one must not hide the typo until another machine runs it.
    for env in ({}, {"NARRATE_REMOTE_CACHE": url}):
        args = ("--remote", url) if not env else ()
        done = narrate_in("build", "-q", *args, "m.yaml", cwd=built, env=env)
        assert done.returncode == 2, (url, env, done.returncode, done.stderr)
        assert "remote cache URL must look like" in done.stderr, done.stderr
        assert url in done.stderr


TWO_LIBRARIES = """\
version: 1
libraries:
  english:
    output: sounds
    formats: [ulaw]
    languages: {en-US: {voice: en-us}}
    prompts: {welcome: Thank you for calling.}
  spanish:
    output: OTHER
    formats: [ulaw]
    languages: {en-US: {voice: en-us}}
    prompts: {welcome: Thanks for calling.}
"""


@pytest.mark.parametrize(("first", "other"), [
    ("sounds", "Sounds"), ("sounds", "SOUNDS/extra"), ("sounds", "Sounds/../SOUNDS"),
    ("caf\u00e9", "CAFE\u0301"), ("sounds/Caf\u00e9", "SOUNDS"),
])
def test_output_folders_one_on_macos_or_windows_are_refused(tmp_path, first, other):
    # Prompt names that differ only in case or Unicode form are refused (one file on macOS or
    # Windows); two libraries whose folders differed so wrote each other's en_US/welcome.ulaw and
    # index.json there.
    manifest = TWO_LIBRARIES.replace("OTHER", other).replace("output: sounds", f"output: {first}")
    (tmp_path / "m.yaml").write_text(manifest)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "m.yaml:9: libraries.spanish.output: overlaps the output of libraries.english" in done.stderr, done.stderr
    assert "case-insensitive" in done.stderr


def test_output_folders_that_differ_in_more_than_case_stay_accepted(tmp_path):
    (tmp_path / "m.yaml").write_text(TWO_LIBRARIES.replace("OTHER", "Sounds-es"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


PACKAGED = """\
version: 1
package: {output: PACKAGES}
libraries:
  desk:
    output: sounds
    formats: [ulaw]
    languages: {en-US: {voice: en-us}}
    prompts:
      welcome: Thank you for calling.
"""


@pytest.mark.parametrize("packages", ["sounds/en_US", "sounds", "Sounds", "."])
def test_release_archives_in_an_output_folder_are_refused(tmp_path, packages):
    # The archives and SHA256SUMS landed in the Asterisk sound folder deployed to the PBX.
    (tmp_path / "m.yaml").write_text(PACKAGED.replace("PACKAGES", packages))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "m.yaml:2: package.output: " in done.stderr, done.stderr


def test_release_archives_in_a_folder_of_their_own_stay_accepted(tmp_path):
    (tmp_path / "m.yaml").write_text(PACKAGED.replace("PACKAGES", "releases"))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(("layout", "fmt", "said", "not_said"), [
    ("asterisk", "mulaw-wav", "rejects G.711 in WAV", None),
    ("asterisk", "wav32", "16 kHz .wav16", "G.711"),
    ("asterisk", "ogg", "Vorbis", "G.711"),
    ("asterisk", "mp3", "MP3", "G.711"),
    ("freeswitch", "ulaw", "16-bit PCM WAV", None),
])
def test_a_format_a_layout_cannot_write_is_refused_for_its_own_reason(tmp_path, layout, fmt, said, not_said):
    # Every format Asterisk's layout refused was said to be refused because "format_wav rejects G.711 in WAV".
    manifest = LIBRARY.replace("formats: [ulaw]", f"layout: {layout}\n    formats: [{fmt}]")
    (tmp_path / "m.yaml").write_text(manifest)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"m.yaml:6: libraries.desk.formats: format '{fmt}' is not supported by the {layout} layout" in done.stderr
    assert said in done.stderr, done.stderr
    assert not_said is None or not_said not in done.stderr, done.stderr


def test_files_left_behind_by_a_moved_library_are_summed_up_not_listed_one_a_line(tmp_path):
    # A contact centre moving its 20,000-prompt library to another folder got one warning per file,
    # every format of every prompt, on stderr and in --json. Now a few are named and the rest counted.
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven"]
    prompts = "".join(f"      digits/{i}: {word}\n" for i, word in enumerate(words))
    manifest = LIBRARY.replace("      welcome: Thank you for calling.\n", prompts)
    (tmp_path / "m.yaml").write_text(manifest)
    assert narrate_in("build", "-q", "m.yaml", cwd=tmp_path).returncode == 0
    (tmp_path / "m.yaml").write_text(manifest.replace("output: sounds", "output: moved"))
    done = narrate_in("build", "-q", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1, done.stderr
    assert "lists 12 files of library desk" in warned[0], warned
    assert "each of which is outside the output folder of library desk: left alone" in warned[0], warned
    assert "sounds/en_US/digits/0.ulaw" in warned[0] and "and 9 more" in warned[0], warned
    assert len(list((tmp_path / "sounds").rglob("*.ulaw"))) == 12  # and every one of them is still there


def test_a_prompt_over_its_platforms_length_limit_is_warned_by_the_build_that_writes_it(tmp_path):
    # Amazon Connect plays prompts under 5 minutes. Only `narrate package` checked: a contact centre
    # that uploads the built folder itself got a prompt Connect refuses and no word from the build.
    sentence = "Your call is important to us and will be answered by the next available agent. "
    long = " ".join(f"{sentence}Reference {i}." for i in range(1, 61))
    (tmp_path / "m.yaml").write_text(f"""\
version: 1
libraries:
  cc:
    output: sounds
    layout: flat
    platform: connect
    formats: [mulaw-wav]
    languages: {{en-US: {{voice: en-us}}}}
    prompts:
      short: Hello.
      hold/long: {long}
""")
    done = narrate_in("build", "-q", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the files are good audio: built, and said to be too long
    warned = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1, done.stderr
    assert warned[0].startswith("warning: m.yaml:11: libraries.cc.prompts.hold/long.en-US: "), warned
    assert "mulaw-wav/en-US/hold_long.wav" in warned[0] and "over Amazon Connect's 5-minute limit" in warned[0]
    again = narrate_in("build", "-q", "m.yaml", cwd=tmp_path)  # nothing to do: still said
    assert "over Amazon Connect's 5-minute limit" in again.stderr, again.stderr


PHRASES = """\
<language>
  <en><ivr><prompt phrase="Welcome." filename="ivr-welcome.wav"/></ivr></en>
  <xx><ivr><prompt phrase="Zz." filename="ivr-welcome.wav"/></ivr></xx>
  <klingon><ivr><prompt phrase="nuqneH." filename="ivr-welcome.wav"/></ivr></klingon>
</language>
"""


def test_a_phrase_file_language_that_is_no_language_tag_is_skipped_and_said(tmp_path):
    # The printed manifest declared `xx` and `klingon`, which `narrate validate` then refused: as the
    # Asterisk importer and the spreadsheet importer do, such a language is reported, not imported.
    (tmp_path / "phrase.xml").write_text(PHRASES)
    done = narrate_in("import", "freeswitch", "phrase.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "xx" not in done.stdout and "klingon" not in done.stdout, done.stdout
    assert "skipped <xx>: not a registered language tag" in done.stderr, done.stderr
    assert "skipped <klingon>: not a registered language tag" in done.stderr, done.stderr
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests/m.yaml").write_text(done.stdout)
    assert narrate_in("validate", "manifests/m.yaml", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize("keys", [True, False])
def test_an_unreachable_remote_is_named_in_its_warning(tmp_path, keys):
    # "remote cache unavailable, ...: remote cache HEAD 1f2e3d4c5b6a: connection error" named no remote:
    # in a CI log with $NARRATE_REMOTE_CACHE set by the runner, nothing said which store failed.
    from conftest import free_port

    (tmp_path / "m.yaml").write_text(LIBRARY)
    env = {"NARRATE_S3_ENDPOINT": f"http://127.0.0.1:{free_port()}", "AWS_PROFILE": None,
           "AWS_ACCESS_KEY_ID": "test" if keys else None, "AWS_SECRET_ACCESS_KEY": "test" if keys else None,
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    done = narrate_in("build", "-q", "--remote", "s3://ivr-cache/prompts", "m.yaml", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    warned = [line for line in done.stderr.splitlines() if "remote cache unavailable" in line]
    assert len(warned) == 1 and "s3://ivr-cache/prompts" in warned[0], done.stderr


@pytest.mark.parametrize(("encoding", "said"), [("utf-16", "UTF-16"), ("utf-32", "UTF-32")])
def test_a_manifest_saved_as_utf16_is_named_so(tmp_path, encoding, said):
    # Windows editors ("Unicode") save UTF-16 with a byte order mark: "not valid UTF-8 (byte 0xff at
    # offset 0)" said nothing of what the file was or what to do.
    (tmp_path / "m.yaml").write_bytes(LIBRARY.encode(encoding))
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"m.yaml:1: not valid UTF-8: it is {said} (it starts with a byte order mark); save it as UTF-8" \
        in done.stderr, done.stderr


def _twilio(tmp_path: Path, fmt: str):
    manifest = LIBRARY.replace("formats: [ulaw]", f"layout: flat\n    platform: twilio\n    formats: [{fmt}]")
    (tmp_path / "m.yaml").write_text(manifest)
    return narrate_in("validate", "m.yaml", cwd=tmp_path)


@pytest.mark.parametrize("fmt", ["wav", "wav48", "mulaw-wav", "alaw-wav", "mp3", "gsm"])
def test_twilio_takes_what_its_play_verb_plays(tmp_path, fmt):
    # <Play> takes audio/wav (any WAV: Twilio transcodes everything to 8 kHz mu-law), audio/mpeg and
    # audio/x-gsm (telephony.md). A 16-bit PCM WAV was refused as "Twilio needs mu-law".
    done = _twilio(tmp_path, fmt)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("fmt", ["wav16", "sln16", "opus", "g722"])
def test_twilio_refuses_files_no_content_type_it_plays_is_served_for(tmp_path, fmt):
    # A .wav16 or .sln16 file is served with no audio type Twilio plays (error 13420): it was accepted.
    done = _twilio(tmp_path, fmt)
    assert done.returncode == 2, done.stderr
    assert "m.yaml:7: libraries.desk.formats: Twilio takes only .wav/.mp3/.gsm/.ulaw" in done.stderr, done.stderr
    assert f"not {fmt} files (platform: twilio)" in done.stderr, done.stderr


def test_prune_keeps_the_segments_of_other_projects_that_built_with_the_same_cache(tmp_path):
    # README suggests NARRATE_CACHE on a larger disk; two projects sharing it: `cache prune a/m.yaml
    # --yes` dropped b's paid segments as "unreferenced", though b's build state lay in that cache.
    env = {"NARRATE_CACHE": str(tmp_path / "shared-cache")}
    for project, text in (("a", "Thank you for calling."), ("b", "Press one for sales.")):
        (tmp_path / project).mkdir()
        (tmp_path / project / "m.yaml").write_text(LIBRARY.replace("Thank you for calling.", text))
        assert narrate_in("build", "-q", f"{project}/m.yaml", cwd=tmp_path, env=env).returncode == 0
    (tmp_path / "a/m.yaml").write_text(LIBRARY.replace("Thank you for calling.", "Thanks for calling."))
    assert narrate_in("build", "-q", "a/m.yaml", cwd=tmp_path, env=env).returncode == 0  # a's old text: unused
    done = narrate_in("cache", "prune", "--yes", "a/m.yaml", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "dropped 1 unreferenced entries" in done.stdout and "b/m.yaml" in done.stdout, done.stdout
    (tmp_path / "b/sounds/en_US/welcome.ulaw").unlink()
    again = narrate_in("build", "--offline", "-q", "b/m.yaml", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr  # b's segment is still in the cache


def test_the_default_release_folder_is_refused_where_it_is_another_output(tmp_path):
    # Without package.output, archives go to `packages/` beside the first library's folder: that was
    # the second library's own output folder here, and its sounds were shipped beside the archives.
    (tmp_path / "m.yaml").write_text(TWO_LIBRARIES.replace("output: sounds", "output: out/sounds")
                                     .replace("OTHER", "out/packages"))
    assert narrate_in("build", "-q", "m.yaml", cwd=tmp_path).returncode == 0
    done = narrate_in("package", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "out/packages" in done.stderr and "libraries.spanish" in done.stderr and "package.output" in done.stderr
    assert not list((tmp_path / "out/packages").glob("*.tar.gz"))


def test_an_imported_language_no_embedded_voice_speaks_is_warned_of(tmp_path):
    # `import asterisk --language tlh` printed `voice: tlh`, exit 0, silently; `narrate validate` then
    # refused it. The import says so at once, naming the language (the manifest is still printed, for
    # a voice of another provider to be set).
    (tmp_path / "t.txt").write_text("vm-intro: Please leave a message.\n")
    done = narrate_in("import", "asterisk", "--language", "tlh", "t.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "voice: tlh" in done.stdout
    assert "warning: languages.tlh.voice: voice 'tlh' for espeak: eSpeak NG has no voice or language 'tlh'" \
        in done.stderr, done.stderr
    fine = narrate_in("import", "asterisk", "--language", "fr-FR", "t.txt", cwd=tmp_path)
    assert fine.returncode == 0 and "warning" not in fine.stderr, fine.stderr


@pytest.mark.parametrize("written, line, where, tag", [
    ("      hi: !custom hello\n", 9, "libraries.desk.prompts.hi", "!custom"),
    ("      hi: !!binary aGVsbG8=\n", 9, "libraries.desk.prompts.hi", "!!binary"),
    ("      !custom hi: hello\n", 9, "libraries.desk.prompts", "!custom"),
    ("      hi: !thing {text: hello}\n", 9, "libraries.desk.prompts.hi", "!thing"),
])
def test_a_yaml_tag_narrate_does_not_read_is_refused_at_its_line(tmp_path, written, line, where, tag):
    # The value under an unknown tag was taken as plain text with no word: `!!binary aGVsbG8=` spoke
    # its base64, `!custom hello` spoke "hello" whatever the tag meant to its writer.
    (tmp_path / "m.yaml").write_text(LIBRARY + written)
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert f"m.yaml:{line}: {where}: YAML tag {tag} is not one narrate reads" in done.stderr


def test_the_yaml_tags_narrate_reads_stay_accepted(tmp_path):
    (tmp_path / "m.yaml").write_text(LIBRARY + '      code: !!str 010\n      bang: "Press 1!"\n      when: 2024-05-01\n')
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr


def test_a_key_longer_than_yaml_allows_is_named_as_such(tmp_path):
    # YAML caps a key at 1,024 characters, and the parser says only "mapping values are not allowed"
    # or "could not find expected ':'" (as the line after it runs).
    for after in ("", "      next: hello\n"):
        (tmp_path / "m.yaml").write_text(LIBRARY + "      " + "a" * 1100 + ": hello\n" + after)
        done = narrate_in("validate", "m.yaml", cwd=tmp_path)
        assert done.returncode == 2
        assert "m.yaml:9: invalid YAML: " in done.stderr
        assert "longer than 1,024 characters, YAML's limit for a key" in done.stderr, done.stderr
    (tmp_path / "m.yaml").write_text(LIBRARY + "      hi: a: b\n")  # the same parser error, no long key: no hint
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "mapping values are not allowed" in done.stderr
    assert "1,024" not in done.stderr


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_lines_are_counted_as_editors_show_them_after_a_unicode_line_separator(tmp_path, separator):
    # YAML 1.1 counts NEL, LINE and PARAGRAPH SEPARATOR as line breaks; editors, git and grep do not:
    # every error after one named a line too far down (line 11 of a 10-line file).
    (tmp_path / "m.yaml").write_text(LIBRARY + f'      a: "one{separator}two{separator}three"\n'
                                     "      a: again\n    bogus: 1\n", encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert "m.yaml:10: libraries.desk.prompts.a: duplicate key (first defined on line 9)" in done.stderr
    assert "m.yaml:11: libraries.desk.bogus: unknown key" in done.stderr
    (tmp_path / "m.yaml").write_text(LIBRARY + f'      a: "one{separator}two"\n      b: [unclosed\n      c: d\n',
                                     encoding="utf-8")
    done = narrate_in("validate", "m.yaml", cwd=tmp_path)
    assert done.returncode == 2 and "m.yaml:11: invalid YAML: " in done.stderr, done.stderr


def test_a_case_twin_in_a_sound_list_or_phrase_file_is_settled_as_in_a_sheet_the_later_wins(tmp_path):
    # The Asterisk and FreeSWITCH importers kept the first of two names one file on macOS or Windows,
    # while they kept the later of two duplicates and the sheet importer the later twin.
    (tmp_path / "sounds.txt").write_text("vm-intro: Old words.\nother: Other.\nVM-Intro: New words.\n")
    done = narrate_in("import", "asterisk", "sounds.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "VM-Intro: New words." in done.stdout and "Old words" not in done.stdout, done.stdout
    assert "skipped vm-intro: same file as 'VM-Intro' on case-insensitive filesystems: the later one wins (line 3)" \
        in done.stderr, done.stderr
    (tmp_path / "phrase.xml").write_text(
        '<language>\n  <en><ivr><prompt phrase="Hello." filename="ivr-hi.wav"/></ivr></en>\n'
        '  <fr><ivr><prompt phrase="Bonjour." filename="IVR-Hi.wav"/></ivr></fr>\n</language>\n')
    done = narrate_in("import", "freeswitch", "phrase.xml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "IVR-Hi:" in done.stdout and "ivr-hi:" not in done.stdout, done.stdout
    assert "Hello." in done.stdout and "Bonjour." in done.stdout, done.stdout  # its other language stays


@pytest.mark.parametrize("name, importer, said", [
    ("hello.wav", "asterisk", "a WAV file (PCM, 16-bit, 8000 Hz, 1 channel), not text"),
    ("hello.ulaw", "asterisk", "a .ulaw sound file, not text"),
    ("hello.sln16", "csv", "a .sln16 sound file, not text"),
])
def test_a_sound_file_given_to_an_importer_is_named_as_one(tmp_path, name, importer, said):
    # It read "byte 0x9D is not UTF-8 or Windows-1252 text" (or "NUL bytes: UTF-16 without a byte order
    # mark"): a user who passed the sounds folder's files, not its prompt list, could not tell.
    import numpy as np

    from narrate.audio import g711
    from narrate.audio.riff import wav_file

    tone = (np.sin(np.arange(8000) * 2 * np.pi * 440 / 8000) * 8000).astype("<i2")
    body = {".wav": lambda: wav_file(1, 8000, tone.tobytes(), bits=16), ".ulaw": lambda: g711.ulaw_encode(tone),
            ".sln16": lambda: tone.tobytes()}[Path(name).suffix]()
    (tmp_path / name).write_bytes(body)
    done = narrate_in("import", importer, name, cwd=tmp_path)
    assert done.returncode == 2
    assert f"{name}: {said}: an import reads a list of prompts" in done.stderr, done.stderr
