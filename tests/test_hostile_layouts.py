"""Hostile layouts (issue 13 item 2): patterns and voices that would leave the output folder,
write one file twice, or smuggle terminal escapes. Each is refused by `validate` and `build`
before any work: exit 2, one located line, no traceback, nothing written outside narrate's cache."""

from __future__ import annotations

import pytest

from conftest import assert_clean_failure, narrate_in, snapshot

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


def refused(tmp_path, layout: str, *fragments: str, formats: str = "[ulaw]", extra: str = "",
            replace: tuple[str, str] = ("", "")) -> str:
    text = SAMPLE.replace("LAYOUT", layout).replace("FORMATS", formats) + extra
    (tmp_path / "m.yaml").write_text(text.replace(*replace) if replace[0] else text, encoding="utf-8")
    before = snapshot(tmp_path)
    stderr = ""
    for command in ("validate", "build"):
        done = narrate_in("-q", command, "m.yaml", cwd=tmp_path)
        assert_clean_failure(done, 2, *fragments)
        assert "\x1b" not in done.stderr and "\x9b" not in done.stderr
        stderr = done.stderr
    after = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith(".narrate-cache")}
    assert after == before and not (tmp_path / "out").exists()
    return stderr


@pytest.mark.parametrize(("pattern", "fragments"), [
    ("../{name}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "may not contain '.' or '..' segments")),
    ("{lang}/../../../{name}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "'..' segments")),
    ("/tmp/{name}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "relative path inside the output folder")),
    ("C:{name}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "relative path inside the output folder")),
    ("{name.__init__.__globals__}", ("m.yaml:5:", "libraries.shop.layout.pattern",
                                     "unknown placeholder {name.__init__.__globals__}")),
    ("{name[0]}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "unknown placeholder {name[0]}")),
    ("{name!r}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "takes no conversion or format")),
    ("{name:>99999}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "takes no conversion or format")),
    ("{lang}.{ext}", ("m.yaml:5:", "libraries.shop.layout.pattern", "needs {name} or {base}")),
    ("{name}.{ext", ("m.yaml:5:", "libraries.shop.layout.pattern", "not a pattern")),
])
def test_patterns_that_escape_or_execute_are_refused(tmp_path, pattern, fragments):
    refused(tmp_path, f'{{pattern: "{pattern}"}}', *fragments)


def test_terminal_escapes_in_a_pattern_are_refused_and_not_echoed(tmp_path):
    err = refused(tmp_path, '{pattern: "{name}\\e[31m.{ext}"}', "m.yaml:11:", "libraries.shop.prompts.welcome",
                  "control characters are not allowed in names")
    assert "\\x1b" in err  # shown escaped


def test_a_pattern_of_the_wrong_shape(tmp_path):
    refused(tmp_path, "{pattern: [a, b]}", "m.yaml:5:", "libraries.shop.layout.pattern")
    refused(tmp_path, '{pattern: "{name}", extra: 1}', "m.yaml:5:", "libraries.shop.layout.extra", "unknown key")
    refused(tmp_path, "spiral", "m.yaml:5:", "libraries.shop.layout", "spiral")


def test_two_languages_on_one_file(tmp_path):
    refused(tmp_path, '{pattern: "{name}.{ext}"}', "m.yaml:11:", "libraries.shop.prompts.welcome",
            "layout pattern writes 'welcome.ulaw' for both welcome in en-GB as ulaw and welcome in fr-CA as ulaw",
            "add placeholders such as {name}, {lang} or {ext}")


def test_two_formats_on_one_file(tmp_path):
    refused(tmp_path, '{pattern: "{name}.{lang}"}', "m.yaml:11:", "layout pattern writes 'welcome.en-GB' for both "
            "welcome in en-GB as ulaw and welcome in en-GB as mp3", formats="[ulaw, mp3]")


def test_two_categories_on_one_file(tmp_path):
    refused(tmp_path, '{pattern: "{lang}/{base}.{ext}"}', "m.yaml:13:", "libraries.shop.prompts.misc/menu",
            "layout pattern writes 'en-GB/menu.ulaw' for both ivr/menu in en-GB as ulaw and misc/menu in en-GB as ulaw",
            extra="      misc/menu: {en-GB: Two., fr-CA: Deux.}\n")


def test_case_twins_collide_too(tmp_path):
    """Welcome.ulaw and welcome.ulaw are one file on macOS and Windows."""
    refused(tmp_path, '{pattern: "{lang}/{base}.{ext}"}', "m.yaml:13:", "libraries.shop.prompts.b/Welcome",
            "layout pattern writes 'en-GB/Welcome.ulaw' for both a/welcome in en-GB as ulaw and b/Welcome in en-GB as ulaw",
            extra="      a/welcome: {en-GB: One., fr-CA: Un.}\n      b/Welcome: {en-GB: Two., fr-CA: Deux.}\n",
            replace=("      welcome: {en-GB: Welcome., fr-CA: Bienvenue.}\n", ""))


def test_a_voice_that_climbs_out_through_the_pattern(tmp_path):
    refused(tmp_path, '{pattern: "{voice}/{name}.{ext}"}', "m.yaml:11:", "libraries.shop.prompts.welcome",
            "layout pattern gives '../welcome.ulaw': names may not contain '..'", replace=("en-GB: en-gb", 'en-GB: ".."'))


def test_a_voice_that_climbs_out_of_a_freeswitch_folder(tmp_path):
    refused(tmp_path, "freeswitch", "m.yaml:8:", "libraries.shop.languages.en-GB.voice",
            "the freeswitch folder 'en/gb/..' made from this voice: names may not contain '..'",
            formats="[wav]", replace=("en-GB: en-gb", 'en-GB: ".."'))


def test_two_languages_on_one_asterisk_folder(tmp_path):
    refused(tmp_path, "asterisk", "m.yaml:9:", "libraries.shop.languages.en_GB.path",
            "same folder as language en-GB ('en_GB')", replace=("fr-CA: {voice: fr}", "en_GB: {voice: en-gb}"))


def test_a_pattern_path_over_the_filesystem_limit(tmp_path):
    long = "x" * 250
    refused(tmp_path, f'{{pattern: "{long}/{long}/{{name}}{long}.{{ext}}"}}', "m.yaml:11:",
            "libraries.shop.prompts.welcome", "a path segment is 262 bytes in UTF-8; filesystems allow 255")
    deep = "/".join([long] * 17)  # every segment fits, the whole path does not
    refused(tmp_path, f'{{pattern: "{deep}/{{lang}}/{{name}}.{{ext}}"}}', "m.yaml:11:", "libraries.shop.prompts.welcome",
            "the output path would be", "filesystems allow 4,096")


def test_a_language_folder_inside_another(tmp_path):
    """en's ivr/menu and en/ivr's menu would be one file: refused at validate, not at build."""
    refused(tmp_path, "asterisk", "m.yaml:9:", "libraries.shop.languages.fr-CA.path",
            "folder 'en/ivr' is inside or around language en-GB's folder",
            replace=("en-GB: en-gb\n      fr-CA: {voice: fr}",
                     "en-GB: {voice: en-gb, path: en}\n      fr-CA: {voice: fr, path: en/ivr}"))


def test_the_flat_layout_maps_two_names_to_one_file_at_validate(tmp_path):
    """`flat` writes `ivr/menu` as `ivr_menu`: a prompt named `IVR_Menu` is the same file on macOS and
    Windows. `validate` used to pass it (only patterns were checked) and `build` refused it later."""
    refused(tmp_path, "flat", "m.yaml:13:", "libraries.shop.prompts.IVR_Menu",
            "the flat layout writes 'ulaw/en-GB/IVR_Menu.ulaw' for both ivr/menu in en-GB as ulaw and IVR_Menu in "
            "en-GB as ulaw; rename one of them", extra="      IVR_Menu: {en-GB: Two., fr-CA: Deux.}\n")


@pytest.mark.parametrize("layout", ["asterisk", '{pattern: "{lang}/{name}.{ext}"}'])
def test_a_prompt_file_where_another_needs_a_folder(tmp_path, layout):
    """`welcome` writes en_GB/welcome.ulaw, and `Welcome.ULAW/x` needs that path as a folder: the build
    used to pay for both segments, then fail writing with "Is a directory" (exit 1)."""
    lang = "en_GB" if layout == "asterisk" else "en-GB"
    err = refused(tmp_path, layout, "m.yaml:13:", "libraries.shop.prompts.Welcome.ULAW/x",
                  f"needs a folder '{lang}/Welcome.ULAW' for Welcome.ULAW/x in en-GB as ulaw, where it writes the "
                  "file of welcome in en-GB as ulaw; rename one of them",
                  extra="      Welcome.ULAW/x: {en-GB: Two., fr-CA: Deux.}\n")
    assert "synthesiz" not in err
