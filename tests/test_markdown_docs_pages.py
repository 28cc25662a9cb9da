"""Documentation pages read as a listener should hear them (the docs audit): each case with its
exact spoken text, one test per kind of fault."""

from __future__ import annotations

import pytest

from narrate.text.markdown import MarkdownOptions, markdown_to_speakable, speakable_text


def say(source: str, **options: str) -> str:
    return speakable_text(markdown_to_speakable(source, MarkdownOptions(**options)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "source, expected, dropped",
    [
        # Obsidian callouts: any type, a fold mark, a title on the marker's line (was "warning] Custom title ...")
        (
            "> [!warning] Mind the *step*\n> It is steep.\n>\n> Really.\n",
            "Mind the step:\n\nIt is steep.\n\nReally.\n",
            "Mind the step:\n\nIt is steep.\n\nReally.\n",
        ),
        ("> [!info]\n> Body.\n", "Info:\n\nBody.\n", "Body.\n"),
        ("> [!faq]- Why?\n> Because.\n", "Why?\n\nBecause.\n", "Why?\n\nBecause.\n"),
        ("> [!todo]+\n> Ship it.\n", "Todo:\n\nShip it.\n", "Ship it.\n"),
        ("> [!NOTE] Read this\n> Body.\n", "Read this:\n\nBody.\n", "Read this:\n\nBody.\n"),
        ("> [!tip] Only a title\n", "Only a title:\n", "Only a title:\n"),
        # a quote that is no callout is read as before
        ("> Plain quote.\n> Second line.\n", "Plain quote. Second line.\n", "Plain quote. Second line.\n"),
    ],
)
def test_callouts_of_any_type_and_with_titles_are_read_as_label_and_body(source, expected, dropped):
    assert say(source) == expected
    assert say(source, alerts="drop") == dropped


def test_tab_labels_are_read_before_their_body():
    """A JSX tab names a choice: "macOS:" then its body, as MkDocs tabs are read (the label was lost)."""
    source = (
        '<Tabs>\n  <TabItem value="win" label="Windows">Use Ctrl + C.</TabItem>\n'
        '  <TabItem value="npm">\n\nRun npm.\n\n  </TabItem>\n  <Tab title="Yarn 2">Run yarn.</Tab>\n</Tabs>\n'
    )
    assert say(source) == "Windows:\n\nUse Ctrl + C.\n\nnpm:\n\nRun npm.\n\nYarn 2:\n\nRun yarn.\n"
