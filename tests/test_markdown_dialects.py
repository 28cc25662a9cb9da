"""Markdown dialects read as a person would (issue 11 item 1): each case with its exact spoken text."""

from __future__ import annotations

import pytest

from narrate.text.markdown import MarkdownOptions, markdown_to_speakable, speakable_text


def say(source: str, **options: str) -> str:
    return speakable_text(markdown_to_speakable(source, MarkdownOptions(**options)))  # type: ignore[arg-type]


MKDOCS = '!!! note\n    Body of the note.\n\n??? warning "Hot surface"\n    Do not touch.\n\n    Really.\n\n???+ tip\n    Open tip.\n'  # noqa: E501
TABS = ('Dosage:\n\n=== "Adults"\n\n    Two tablets.\n\n=== "Children"\n\n    One tablet.\n    !!! warning\n'
        '        Ask a doctor.\n\nAfter tabs.\n')
MDX = ("import Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n"
       "export const Highlight = ({children}) => (\n  <span>{children}</span>\n);\n\n"
       "## Copying text {#copy-text}\n\nimport the data first.\n")
CONTAINERS = (":::tip Keyboard shortcuts\nUse the keyboard.\n:::\n\n:::warning\nMind the gap.\n:::\n\n"
              ":::info[Version 3 title]\nNew syntax.\n:::\n")
JSX = ('<Tabs groupId="os">\n  <TabItem value="win" label="Windows">Use Ctrl + C to copy.</TabItem>\n'
       '  <TabItem value="mac" label="macOS">Use Command + C to copy.</TabItem>\n</Tabs>\n\n'
       "<details>\n<summary>More</summary>\n\nHidden **detail**.\n\n</details>\n<script>alert(1)</script>\n")
HUGO = ('{{< figure src="cat.png" caption="A cat" >}}\n\n{{% notice tip %}}\nRestart the **server** after installing.\n'
        '{{% /notice %}}\n\nRead [the intro]({{< ref "intro.md" >}}) first.\n')
JEKYLL = ("{% include toc.html %}\n\nVersion {{ page.version }} is out.\n\n{% raw %}Raw prose stays.{% endraw %}\n\n"
          "{% comment %}Secret note.{% endcomment %}Visible.\n\n{# jinja comment #}Jinja text.\n\n"
          "[Setup]({{ site.baseurl }}/setup) is next.\n")
ALERTS = "> [!NOTE]\n> Useful information.\n\n> [!WARNING]\n> Hot surface.\n"
EMOJI = "Ship it :rocket: 🎉 today :+1:.\n\n- [ ] Write tests\n- [x] Write code\n"
TABLE = "Here is the schedule:\n\n| Day | Time |\n|-----|------|\n| Monday | 9 AM |\n| Friday | 5 PM |\n"


@pytest.mark.parametrize("source, expected", [
    # MkDocs / Python-Markdown: the indented body is read (it was a dropped code block), the label first
    (MKDOCS, "Note:\n\nBody of the note.\n\nHot surface:\n\nDo not touch.\n\nReally.\n\nTip:\n\nOpen tip.\n"),
    (TABS, "Dosage:\n\nAdults:\n\nTwo tablets.\n\nChildren:\n\nOne tablet.\n\nWarning:\n\nAsk a doctor.\n\nAfter tabs.\n"),
    ("Open :octicons-file-code-24: the file :material-check: now.\n", "Open the file now.\n"),
    # Docusaurus / MDX
    (MDX, "## Copying text\n\nimport the data first.\n"),
    (CONTAINERS, "Keyboard shortcuts:\n\nUse the keyboard.\n\nWarning:\n\nMind the gap.\n\nVersion 3 title:\n\nNew syntax.\n"),
    (JSX, "Windows:\n\nUse Ctrl + C to copy.\n\nmacOS:\n\nUse Command + C to copy.\n\nMore\n\nHidden detail.\n"),
    # Hugo, Jekyll/Liquid, Jinja: never spoken; paired shortcodes keep their prose; links keep their text
    (HUGO, "A cat\n\nRestart the server after installing.\n\nRead the intro first.\n"),
    (JEKYLL, "Version is out.\n\nRaw prose stays.\n\nVisible.\n\nJinja text.\n\nSetup is next.\n"),
    # GitHub / DocFX alerts
    (ALERTS, "Note:\n\nUseful information.\n\nWarning:\n\nHot surface.\n"),
    # emoji, shortcodes and task-list boxes dropped
    (EMOJI, "Ship it today.\n\nWrite tests\n\nWrite code\n"),
    # ordered lists keep their numbers
    ("1. We admitted we were powerless.\n2. Came to believe.\n\n7) Seventh step.\n",
     "1. We admitted we were powerless.\n\n2. Came to believe.\n\n7. Seventh step.\n"),
    # URLs and e-mail addresses as a person says them
    ("See https://www.example.org/docs/page?x=1, mail help@example.org or <https://rust-lang.org>.\n"
     "Also [https://crates.io/crates/rand](https://crates.io/crates/rand) and [the book](https://doc.rust-lang.org/book/).\n",
     "See example.org, mail help@example.org or rust-lang.org. Also crates.io and the book.\n"),
    ("Write to <first.last@mail.example.com>.\n", "Write to first.last@mail.example.com.\n"),
    # tables are never dropped without a word
    (TABLE, "Here is the schedule:\n\n[Table omitted.]\n"),
    # a title only in front matter is spoken as the heading
    ("---\ntitle: Getting Started\n---\nWelcome aboard.\n", "# Getting Started\n\nWelcome aboard.\n"),
    ("---\ntitle: Not Spoken Twice\n---\n# Real Heading\n\nBody.\n", "# Real Heading\n\nBody.\n"),
    # attribute lists and kramdown IALs
    ("## Next steps {: .fancy }\n\nA paragraph.\n{: .note}\n\nTitle { .class #id }\n", "## Next steps\n\nA paragraph.\n\nTitle\n"),  # noqa: E501
    # angle brackets: tags are never read, a literal comparison is, generics keep their words
    ("If a < b, stop; `Vec<T>` is fine.\n\nLine one<br>two &amp; three &lt;tag&gt; and 3 &lt; 4.\n",
     "If a less than b, stop; Vec of T is fine.\n\nLine one two & three tag and 3 less than 4.\n"),
    # raw HTML images are their alt text, as Markdown images are: inline, in an HTML block, in a figure
    ('Cut open: <img src="a.png" alt="A molar, cut in half"> shows the pulp.\n',
     "Cut open: A molar, cut in half shows the pulp.\n"),
    ('<p>Before <img src=a.png alt="Tom &amp;amp; Jerry"/> after.</p>\n', "Before Tom &amp; Jerry after.\n"),
    ('<figure>\n<img src="x.png" alt="Diagram of a tooth">\n<figcaption>Figure 1</figcaption>\n</figure>\n',
     "Diagram of a tooth\n\nFigure 1\n"),
    ("No alt: <img src=x.png> here, ![Markdown alt](b.png) too.\n", "No alt: here, Markdown alt too.\n"),
])
def test_each_dialect_case_is_read_exactly(source, expected):
    assert say(source) == expected


def test_options_change_what_is_said():
    assert say(ALERTS, alerts="drop") == "Useful information.\n\nHot surface.\n"
    # a custom title is content: kept when type labels are dropped
    assert say(MKDOCS, alerts="drop") == "Body of the note.\n\nHot surface:\n\nDo not touch.\n\nReally.\n\nOpen tip.\n"
    assert say(CONTAINERS, alerts="drop") == ("Keyboard shortcuts:\n\nUse the keyboard.\n\nMind the gap.\n\n"
                                              "Version 3 title:\n\nNew syntax.\n")
    assert say(EMOJI, emoji="name") == "Ship it rocket party popper today thumbs up.\n\nWrite tests\n\nWrite code\n"
    assert say(TABLE, tables="rows") == "Here is the schedule:\n\nDay: Monday; Time: 9 AM.\n\nDay: Friday; Time: 5 PM.\n"
    assert say("Text.\n\n```rust\nfn main() {}\n```\n", code="notice") == "Text.\n\n[Code example omitted.]\n"
    assert say('A <img src=a alt="molar"> and\n\n<p><img src=b alt="incisor"> too.</p>\n', images="skip") == \
        "A and\n\ntoo.\n"
    with pytest.raises(ValueError, match="tables must be one of notice, rows"):
        MarkdownOptions(tables="skip")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dialect"):
        MarkdownOptions(dialect="markdown-extra")  # type: ignore[arg-type]


def test_dialects_choose_what_is_parsed():
    # strict CommonMark: the indented lines continue the paragraph; no label, markup still never spoken
    assert say(MKDOCS, dialect="commonmark") == ('note Body of the note.\n\n??? warning "Hot surface" Do not touch.\n\n'
                                                 "???+ tip Open tip.\n")
    assert say(MKDOCS, dialect="mkdocs") == say(MKDOCS)
    assert say(CONTAINERS, dialect="docusaurus") == say(CONTAINERS)
    assert say(CONTAINERS, dialect="mkdocs") == ("tip Keyboard shortcuts Use the keyboard.\n\nwarning Mind the gap.\n\n"
                                                 "info[Version 3 title] New syntax.\n")
    assert say(HUGO, dialect="hugo") == say(HUGO, dialect="jekyll") == say(HUGO)
    assert say(ALERTS, dialect="gfm") == say(ALERTS)
    assert say(MDX, dialect="docusaurus") == say(MDX)


def test_older_keyword_settings_still_work():
    doc = markdown_to_speakable(TABLE, tables="skip", code="notice")  # "skip" is no longer silent
    assert speakable_text(doc) == "Here is the schedule:\n\n[Table omitted.]\n"
    assert MarkdownOptions.from_settings(tables="skip", code=None) == MarkdownOptions()
    assert markdown_to_speakable("# T\n\nx[^1]\n\n[^1]: Note.\n", footnotes="skip").blocks[-1].text == "x"


def test_narrate_text_shows_what_a_docs_page_will_say(tmp_path):
    from conftest import narrate_in, snapshot

    page = tmp_path / "copy.mdx"
    page.write_text("---\ntitle: Copying\n---\n" + MDX.replace("## Copying text {#copy-text}\n\n", "") + "\n" + CONTAINERS +
                    "\n" + JSX + "\n" + TABLE, encoding="utf-8")
    before = snapshot(tmp_path)
    done = narrate_in("text", str(page), cwd=tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stdout == ("Title: Copying\n\n# Copying\n\nimport the data first.\n\nKeyboard shortcuts:\n\n"
                           "Use the keyboard.\n\nWarning:\n\nMind the gap.\n\nVersion 3 title:\n\nNew syntax.\n\n"
                           "Windows:\n\nUse Ctrl + C to copy.\n\nmacOS:\n\nUse Command + C to copy.\n\nMore\n\nHidden detail.\n\n"
                           "Here is the schedule:\n\n[Table omitted.]\n")
    assert snapshot(tmp_path) == before


def test_docfx_includes_and_markers_are_never_spoken():
    """DocFX's include was read "INCLUDEtitle]", its `[!div ...]` marker 'div class="nextstepaction"] Next'."""
    source = ('> [!NOTE]\n> Note text.\n\n[!INCLUDE[title](../includes/x.md)]\n\n'
              "Inline [!include[t](a.md)] here and [!code-csharp[Main](Program.cs#L1-L10)] code.\n\n"
              '> [!div class="nextstepaction"]\n> [Next step](x.md)\n\n> [!VIDEO https://www.youtube.com/embed/x]\n\n'
              "After.\n")
    assert say(source) == "Note:\n\nNote text.\n\nInline here and code.\n\nNext step\n\nAfter.\n"


def test_json_front_matter_gives_the_title_and_is_never_spoken():
    """Hugo's JSON front matter was read ('"title": "JSON Title"'), and gave no title."""
    source = '{\n  "title": "JSON Title",\n  "params": {\n    "x": 1\n  }\n}\n\nBody.\n'
    doc = markdown_to_speakable(source)
    assert (doc.title, speakable_text(doc)) == ("JSON Title", "# JSON Title\n\nBody.\n")
    # a body that opens with a brace but holds no JSON object is read as before
    assert say("{\nnot json\n}\n\nBody.\n") == "{ not json }\n\nBody.\n"
