"""Keyboard shortcuts as people say them (narrate/text/shortcuts.py)."""

from __future__ import annotations

import pytest

from narrate.text import normalize


@pytest.mark.parametrize(("written", "spoken"), [
    # were "Ctrl+C", "Cmd+Shift+P", "Alt+F four", "Ctrl plus Alt plus Del": abbreviations and joiners
    ("Press Ctrl+C to copy.", "Press Control C to copy."),
    ("Open it with Cmd+Shift+P.", "Open it with Command Shift P."),
    ("Close with Alt+F4.", "Close with Alt F four."),
    ("Press Ctrl + Alt + Del.", "Press Control Alt Delete."),
    ("Use Ctrl-C or ctrl+v.", "Use Control C or Control V."),
    ("Press ⌘C, then ⌘⇧P.", "Press Command C, then Command Shift P."),
    ("Press Ctrl+/ to comment.", "Press Control slash to comment."),
    ("Try Shift+Enter and Fn+F12.", "Try Shift Enter and Function F twelve."),
    # unchanged: words with a hyphen, grades
    ("Please opt-in, then Shift-click the file.", "Please opt-in, then Shift-click the file."),
    ("She got a C+ grade.", "She got a C+ grade."),
])
def test_shortcuts_are_said_by_their_keys_names(written, spoken):
    once = normalize(written, "en-US")
    assert once == spoken
    assert normalize(once, "en-US") == once


def test_other_languages_keep_them():
    assert normalize("Pulse Ctrl+C.", "es-ES") == "Pulse Ctrl+C."
