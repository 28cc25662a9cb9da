"""File names and paths in documentation (narrate/text/paths.py): they were left to the engine as
written ("main.rs", "./configure", "../src/main.rs"), which read them as one word, as symbols or not at
all. The Rust book names a file in one sentence in ten ("Filename: src/main.rs")."""

from __future__ import annotations

import pytest

from narrate.text import normalize
from narrate.text.chapter import chapter_units
from narrate.text.markdown import markdown_to_speakable


def said(text: str) -> str:
    return normalize(text, "en-US")


@pytest.mark.parametrize(("written", "spoken"), [
    # relative paths, with and without an extension
    ("Edit ../src/main.rs now.", "Edit dot dot slash src slash main dot r s now."),
    ("Run ./configure first.", "Run dot slash configure first."),
    ("Run ./target/debug/hello_cargo now.", "Run dot slash target slash debug slash hello_cargo now."),
    ("Type .\\main instead of ./main.", "Type dot backslash main instead of dot slash main."),
    ("It lands in target\\debug\\hello.exe today.", "It lands in target backslash debug backslash hello dot exe today."),
    # an absolute path of two steps or more
    ("Edit /etc/hosts as root.", "Edit slash etc slash hosts as root."),
    # a file with a known extension, in folders or alone
    ("Open src/main.rs and main.rs.", "Open src slash main dot r s and main dot r s."),
    ("Use cmd.exe and Cargo.toml files.", "Use cmd dot exe and Cargo dot toml files."),
    ("Cargo writes Cargo.lock.", "Cargo writes Cargo dot lock."),
    ("Open README.md.", "Open README dot m d."),
    ("Edit config.yaml and app.test.js.", "Edit config dot yaml and app dot test dot j s."),
    # an extension or a dotfile named alone
    ("Files end with the .rs extension.", "Files end with the dot r s extension."),
    ("A .rb, .py, or .js file.", "A dot r b, dot p y, or dot j s file."),
    ("It adds a .gitignore file.", "It adds a dot gitignore file."),
    ("Copy .env.local and a .tar.gz file.", "Copy dot env dot local and a dot tar dot g z file."),
    # a path in folders without a lead, where it certainly is one; a step's "v1" is no version there
    ("It is in target/debug/hello_cargo (or target\\debug\\hello.exe).",
     "It is in target slash debug slash hello_cargo (or target backslash debug backslash hello dot exe)."),
    ("Look in the target/debug directory.", "Look in the target slash debug directory."),
    ("See my/app_dir/x and src/v1/api.", "See my slash app_dir slash x and src slash v one slash api."),
    ("Call /api/v1/users now.", "Call slash api slash v one slash users now."),
    # a file the numbers' words name is said at once, as a second reading would
    ("Open 1.rs now.", "Open one dot r s now."),
])
def test_paths_and_file_names_are_said(written, spoken):
    assert said(written) == spoken
    assert said(spoken) == spoken


@pytest.mark.parametrize(("written", "spoken"), [
    ("We use Node.js and Vue.js.", "We use Node.js and Vue.js."),  # a library's name
    ("Open at 9 a.m. and 5 p.m. daily.", "Open at nine AM and five PM daily."),  # one letter before a dot
    ("Pi is 3.14 here.", "Pi is three point one four here."),
    ("Use TCP/IP or km/h.", "Use TCP/IP or km/h."),  # a slash between words is no path
    ("He/she/they and input/output, yes/no/maybe.", "He/she/they and input/output, yes/no/maybe."),
    ("On 3/4/2025, open 24/7/365.", "On March fourth, twenty twenty-five, open twenty-four seven, three sixty-five."),
    ("The /s switch.", "The /s switch."),  # one step is no path
    ("...has been changed to...", "...has been changed to..."),  # an IVR fragment's ellipses
    ("A .NET app.", "A .NET app."),
    ("Edit ~/.bashrc now.", "Edit tilde slash dot bashrc now."),  # a home path: shell.py
    ("Visit example.com/index.html now.", "Visit example dot com slash index dot html now."),  # web.py
    ("It panics at main.rs:42.", "It panics at main dot r s line forty-two."),  # a file's line: technical.py
])
def test_what_is_no_path_reads_as_before(written, spoken):
    assert said(written) == spoken


def test_a_markdown_chapter_says_its_file_names():
    source = "Filename: src/main.rs\n\nNow open `src/main.rs` and run `./main`.\n"
    units = chapter_units(markdown_to_speakable(source), 400, "en-US", None, spoken=True)
    assert [u.text for u in units] == ["Filename: src slash main dot r s",
                                       "Now open src slash main dot r s and run dot slash main."]
