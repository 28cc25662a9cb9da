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


MYST = (
    "```{note}\nA MyST note.\n```\n\n```{warning} Mind the gap\n:class: strong\n\nThe gap is wide.\n```\n\n"
    ":::{tip}\nA colon-fenced tip.\n:::\n\n"
    "````{admonition} Before you start\n---\nclass: tip\n---\nOuter.\n\n```{code-block} python\nx = 1\n```\n\n"
    "```{versionadded} 2.1\nThe flag.\n```\n````\n\n"
    "```{toctree}\n:maxdepth: 2\nintro\n```\n\n```{figure} img/pipe.png\n:alt: pipeline\n\nThe pipeline, end to end.\n```\n\n"
    "(install-label)=\n## Install\n\nCall {py:func}`os.path.join`, see {ref}`the guide <guide>` and {py:meth}`~pkg.Cls.run`.\n"
)


def test_myst_directives_roles_and_targets_read_as_the_rendered_page():
    """A MyST callout was "Code example omitted." (or "tip :"), a role's name was read ("py:func
    os.path.join"), a target line was read ("(my-label)=")."""
    assert say(MYST, code="notice") == (
        "Note:\n\nA MyST note.\n\nWarning:\n\nMind the gap\n\nThe gap is wide.\n\nTip:\n\nA colon-fenced tip.\n\n"
        "Before you start:\n\nOuter.\n\n[Code example omitted.]\n\nAdded in version 2.1:\n\nThe flag.\n\n"
        "The pipeline, end to end.\n\n## Install\n\nCall os.path.join, see the guide and run.\n"
    )
    assert say(MYST, dialect="myst", code="notice") == say(MYST, code="notice")
    # an unknown directive stays a code block: never read as prose it may not be
    assert say("```{mermaid}\ngraph TD; A-->B\n```\n\nAfter.\n", code="notice") == "[Code example omitted.]\n\nAfter.\n"
    # R Markdown / Quarto chunks are code, as before
    assert say("```{r setup, include=FALSE}\nlibrary(x)\n```\n\n```{python}\nprint(1)\n```\n\nAfter.\n") == "After.\n"


@pytest.mark.parametrize(
    "source, expected",
    [
        # a span of symbols only is named: it was silent ("use  rather than"), or "and" for `&`
        ("PowerShell uses `>` rather than `$`.", "PowerShell uses greater-than sign rather than dollar sign."),
        ("Using `&` and `[]` gives a reference.", "Using ampersand and square brackets gives a reference."),
        (
            "The `::` operator, `;`, `*`, `+=`, `{}`, `()`, `//` and `?`.",
            "The double colon operator, semicolon, asterisk, plus equals, curly braces, parentheses, double slash"
            " and question mark.",
        ),
        ("An odd one: `%$`.", "An odd one: percent sign dollar sign."),
        # in code, & is never "and"; a type's angle brackets are "of" (they were dropped: "Vec T")
        ("Take `&mut s` or `&s1`, get `Some(&element)`.", "Take ampersand mut s or ampersand s1, get Some(ampersand element)."),
        (
            "A `Vec<T>`, a `Result<T, E>`, an `Option<&T>`, a `HashMap<String, Vec<u8>>`.",
            "A Vec of T, a Result of T, E, an Option of ampersand T, a HashMap of String, Vec of u8.",
        ),
        # comparisons in code are said; identifiers, paths and flags are read as written
        (
            "If `x < y` or `x <= y`, run `cargo build --release` on `std::io` in `Cargo.toml`.",
            "If x less than y or x less than or equal to y, run cargo build --release on std::io in Cargo.toml.",
        ),
        # prose keeps its & as "and" for the normaliser
        ("Tom & Jerry.", "Tom & Jerry."),
        # a span the words before it already name is said once (the Rust book: was "double colon double colon")
        ("The double colon `::` operator.", "The double colon operator."),
        ("End with a semicolon `;`, a *dollar* `$` or the less than `<`.", "End with a semicolon, a dollar or the less than."),
        # and in brackets after its name, with "a" or "an" as the name is said (the Rust book, ch01-02: were
        # "a semicolon (semicolon)", "the parentheses (parentheses)", "using a exclamation mark")
        ("The ampersand (`&`) and `&`.", "The ampersand and ampersand."),
        ("End with a semicolon (`;`), inside the parentheses (`()`).", "End with a semicolon, inside the parentheses."),
        ("Using a `!` means a macro; an `#` is a hash.", "Using an exclamation mark means a macro; a hash is a hash."),
        ("Use (`;`) alone.", "Use (semicolon) alone."),
    ],
)
def test_inline_code_is_heard_as_code(source, expected):
    assert say(source) == expected + "\n"


OBSIDIAN = (
    "See [[Other Note]], [[Other Note|the alias]], [[Folder/Guide.md#Setup]] and [[Note#^block-1]].\n"
    "![[diagram.png]] Shown. %%an inline comment%% Also shown.\n\n%%\nA hidden block.\n%%\n\nAfter.\n"
)


def test_obsidian_wikilinks_embeds_and_comments():
    """Wikilinks were read with their brackets and pipe ("[[Other Note|the alias]]"), embeds and
    %% comments were read."""
    expected = "See Other Note, the alias, Guide Setup and Note. Shown. Also shown.\n\nAfter.\n"
    assert say(OBSIDIAN) == say(OBSIDIAN, dialect="obsidian") == expected


def test_abbreviation_definitions_are_never_spoken():
    """`*[HTML]: Hyper Text Markup Language` renders as a tooltip, not a line (it was read)."""
    source = "The HTML spec.\n\n*[HTML]: Hyper Text Markup Language\n*[W3C]:  World Wide Web Consortium\n"
    assert say(source) == say(source, dialect="mkdocs") == "The HTML spec.\n"


def test_math_is_read_as_a_formula_never_its_dollars_or_latex():
    """`$a^2 + b^2$` was "$a to the power of two + b to the power of two dollars", `$$...$$` kept
    its dollars and LaTeX commands were read with their braces; money is still money."""
    source = (
        "So $a^2 + b^2 = c^2$ and $$E = mc^2$$, if $x_{i} \\le \\alpha$ and $a<b$; it costs $5 and $10.\n\n"
        "$$\n\\frac{1}{\\sqrt{2\\pi\\sigma^2}} \\sum_{i=1}^{n} \\text{speed}_i\n$$\n"
    )
    assert say(source) == (
        "So a^2 + b^2 = c^2 and E = mc^2, if x sub i ≤ alpha and a less than b; it costs $5 and $10.\n\n"
        "1 over the square root of 2 pi sigma^2 the sum from i=1 to n of speed sub i\n"
    )
    from narrate.text.normalize import normalize

    assert normalize(markdown_to_speakable(source).blocks[0].text, "en-US") == (
        "So a to the power of two plus b to the power of two equals c to the power of two and E equals mc to the power of two, "
        "if x sub i less than or equal to alpha and a less than b; it costs five dollars and ten dollars."
    )
    assert say(source, dialect="commonmark").startswith("So $a^2")  # only dialects with math parse it


def test_rust_book_listings_say_their_file_name_and_caption():
    """mdbook-trpl renders `<Listing>` as "Filename: ..." above the code and "Listing 1-2: caption"
    below it; both were dropped with the tag's attributes."""
    source = (
        "It should look like Listing 1-2.\n\n"
        '<Listing number="1-2" file-name="Cargo.toml" caption="Contents of *Cargo.toml* generated by `cargo new`">\n\n'
        '```toml\n[package]\nname = "hello_cargo"\n```\n\n</Listing>\n\n'
        '<Listing file-name="src/main.rs">\n\n```rust\nfn main() {}\n```\n\n</Listing>\n\n'
        '<Listing number="8-9" caption="An enum in a vector">\n\n```rust\nenum E {}\n```\n\n</Listing>\n\nAfter.\n'
    )
    assert say(source, code="notice") == (
        "It should look like Listing 1-2.\n\nFilename: Cargo.toml\n\n[Code example omitted.]\n\n"
        "Listing 1-2: Contents of Cargo.toml generated by cargo new.\n\nFilename: src/main.rs\n\n[Code example omitted.]\n\n"
        "[Code example omitted.]\n\nListing 8-9: An enum in a vector.\n\nAfter.\n"
    )


def test_definition_lists_read_term_then_definitions():
    """`Term` + `: Definition` lines (Python-Markdown, kramdown, goldmark, MyST) were one paragraph:
    "Term: Definition one.: Definition two."."""
    source = "Term\n: Definition one.\n: Definition two.\n\nCache\nStore\n:   Where audio is kept.\n"
    expected = "Term: Definition one.\n\nDefinition two.\n\nCache Store: Where audio is kept.\n"
    for dialect in ("auto", "mkdocs", "hugo", "jekyll", "myst"):
        assert say(source, dialect=dialect) == expected


def test_typewriter_dashes_are_dashes():
    """Smart punctuation renders ` -- ` and `---` as dashes; a flag such as `--release` stays."""
    assert say("Wait -- or not --- then go; a word---word and --release.\n") == (
        "Wait - or not \u2014 then go; a word \u2014 word and --release.\n"
    )


def test_mkdocs_snippet_includes_are_never_spoken():
    """`--8<-- "file.md"` was read "--eight -- includes/abbreviations.md"."""
    source = (
        'Before.\n\n--8<-- "includes/abbreviations.md"\n\n;--8<-- "skip.md"\n\n'
        "--8<--\nfile1.md\nfile2.md\n--8<--\n\n-8<- part.md:sec\n\nAfter.\n"
    )
    assert say(source) == say(source, dialect="mkdocs") == "Before.\n\nAfter.\n"


def test_callout_components_say_their_title_or_type():
    """`<Admonition type="tip" title="Pro tip">` (Docusaurus), `<Callout type="warning">` (Nextra),
    `<Aside>` (Starlight), `<Note>` (Mintlify) lost their label; read as a `:::tip` container is."""
    source = (
        '<Admonition type="tip" title="Pro tip">\nUse the cache.\n</Admonition>\n\n'
        '<Callout type="warning">\n\nMind **this**.\n\n</Callout>\n\n<Note>\n  A Mintlify note.\n</Note>\n\n'
        '<Aside type="caution">Careful.</Aside>\n'
    )
    assert say(source) == (
        "Pro tip:\n\nUse the cache.\n\nWarning:\n\nMind this.\n\nNote:\n\nA Mintlify note.\n\nCaution:\n\nCareful.\n"
    )
    assert say(source, alerts="drop") == "Pro tip:\n\nUse the cache.\n\nMind this.\n\nA Mintlify note.\n\nCareful.\n"


def test_pandoc_spans_and_divs():
    """`[small caps]{.smallcaps}` kept its brackets; `::: {.warning}` lost its label."""
    source = "::: {.warning}\nA fenced div.\n:::\n\nThis is [small caps]{.smallcaps} and [a link](u){: .c} text.\n"
    assert say(source) == "Warning:\n\nA fenced div.\n\nThis is small caps and a link text.\n"


def test_template_highlight_blocks_are_code():
    """Liquid `{% highlight %}` and Hugo `{{< highlight >}}` hold code: it was read as prose."""
    source = (
        'Intro.\n\n{% highlight ruby linenos %}\ndef foo\n  puts "x"\nend\n{% endhighlight %}\n\n'
        '{{< highlight go >}}\nfmt.Println("x")\n{{< /highlight >}}\n\n{{< code lang="py" >}}\nprint(1)\n{{< /code >}}\n\n'
        "After.\n"
    )
    assert say(source) == "Intro.\n\nAfter.\n"
    assert say(source, code="notice") == "Intro.\n\n" + "[Code example omitted.]\n\n" * 3 + "After.\n"


def test_a_quoted_sentence_ends_its_segment():
    """The Rust book's 'y.” We now have' was one segment: canonical quotes hid the boundary."""
    from narrate.text.sentences import segment_paragraph

    text = "We can guess: \u201cBind the value 5 to x.\u201d We now have two variables."
    assert segment_paragraph(text, 1000, "en-US", spoken=True) == [
        'We can guess: "Bind the value five to x."',
        "We now have two variables.",
    ]


def test_readme_badges_and_old_github_notes():
    """Status badges were read as their alt text, in the title too ("narrate CI PyPI"); GitHub's
    first callout syntax (`> **Note**`) ran into its body ("Note This is...")."""
    source = (
        "# narrate [![CI](https://github.com/x/y/actions/workflows/ci.yml/badge.svg)](https://github.com/x/y/actions)"
        " [![PyPI](https://img.shields.io/pypi/v/narrate)](https://pypi.org/p/narrate)\n\n"
        '<p><img alt="coverage" src="https://codecov.io/gh/x/y/graph/badge.svg">'
        ' <img alt="A police badge" src="badge.jpg"></p>\n\n'
        "> **Note**\n> The old-style note.\n\n> **Warning**\n> Hot.\n\n> **Bold** start of a quote.\n"
    )
    doc = markdown_to_speakable(source)
    assert doc.title == "narrate"
    assert speakable_text(doc) == (
        "# narrate\n\nA police badge\n\nNote:\n\nThe old-style note.\n\nWarning:\n\nHot.\n\nBold start of a quote.\n"
    )
    assert say(source, alerts="drop").endswith("A police badge\n\nThe old-style note.\n\nHot.\n\nBold start of a quote.\n")


def test_table_of_contents_markers_and_kramdown_extensions():
    """`[TOC]`, `[[_TOC_]]`, kramdown's `* TOC` + `{:toc}` were read "TOC"; a `{::comment}` was read;
    `with {::nomarkdown}<b>raw</b>` was "withraw"."""
    source = (
        "* TOC\n{:toc}\n\n[TOC]\n\n[[_TOC_]]\n\n[[toc]]\n\n${toc}\n\n{{< toc >}}\n\n"
        "{::comment}\nA kramdown comment.\n{:/comment}\n\nText with {::nomarkdown}<b>raw</b>{:/nomarkdown} html.\n\n"
        "A [toc] in prose stays.\n"
    )
    assert say(source) == "Text with raw html.\n\nA [toc] in prose stays.\n"
    assert say(source, dialect="commonmark") == say(source)


def test_hugo_figures_are_read_as_their_image_and_caption():
    """`{{< figure alt=... caption=... >}}` lost its alt text and caption with the tag."""
    source = 'Before.\n\n{{< figure src="cat.png" alt="A sleeping cat" caption="Our cat, *Tom* & co" >}}\n\nAfter.\n'
    assert say(source) == "Before.\n\nA sleeping cat\n\nOur cat, Tom & co\n\nAfter.\n"
    assert say(source, images="skip") == "Before.\n\nOur cat, Tom & co\n\nAfter.\n"


def test_obsidian_syntax_is_not_taken_inside_code():
    """R's `x[[1]]` and C's `printf("%%d%%")` are no wikilink or comment."""
    assert say('Use `x[[1]]` and `printf("%%d%%")` here.\n') == 'Use x[[1]] and printf("%%d%%") here.\n'


def test_narrate_text_reads_a_myst_page_with_rows_and_a_dialect(tmp_path):
    """`narrate text` takes --dialect and --tables rows, as a book's `markdown:` settings do."""
    from conftest import narrate_in
    from narrate.cli.text import TEXT_DIALECTS
    from narrate.manifest.book_model import DIALECTS

    assert TEXT_DIALECTS == DIALECTS
    page = tmp_path / "page.md"
    page.write_text("```{note}\nA note.\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", encoding="utf-8")
    done = narrate_in("text", str(page), "--tables", "rows", "--dialect", "myst", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "Note:\n\nA note.\n\na: 1; b: 2.\n"
    done = narrate_in("text", str(page), "--dialect", "commonmark", cwd=tmp_path)
    assert done.stdout == "[Table omitted.]\n"  # a fence is code there


def test_no_markup_sequence_is_made_by_joining_punctuation():
    """The scrub ran before the spaces before punctuation were removed: ':: :!!!??? note' was spoken
    '::: ??? note' (hypothesis found it)."""
    from narrate.text.md_speech import spoken

    assert ":::" not in spoken(":: :!!!??? note")
    assert ":::" not in say(":: :!!!??? note")


def test_an_html_block_with_a_stray_marked_section_does_not_crash():
    """`<p>a <![ b` made Python's HTMLParser raise AssertionError: a traceback instead of a chapter."""
    assert say("<p>a <![ b</p>\n", dialect="commonmark") == "a b\n"
    assert say("<div>\n<![[x.png]]\n</div>\n\nAfter.\n", dialect="commonmark") == "[x.png]]\n\nAfter.\n"
    assert say("<p>x <![CDATA[ y ]]> z</p>\n") == "x z\n"
