"""`narrate text`: the speakable text of a Markdown file, exactly what a book will say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from .app import Context, main, pass_ctx, run

# manifest.book_model.DIALECTS, spelled out so that the CLI does not import the model to start
TEXT_DIALECTS = ("auto", "commonmark", "gfm", "mkdocs", "docusaurus", "hugo", "jekyll", "myst", "obsidian")

# A book's `markdown:` settings (narrate.text.markdown.MarkdownOptions), for `narrate text` without a
# manifest; `tables: skip` is the older spelling of notice.
TEXT_OPTIONS = {"dialect": TEXT_DIALECTS,
                "tables": ("notice", "rows", "skip"), "code": ("skip", "notice"), "footnotes": ("end", "skip"),
                "alerts": ("label", "drop"), "emoji": ("drop", "name"), "images": ("alt", "skip")}


def _markdown_options(fn: Any) -> Any:
    for name, values in reversed(TEXT_OPTIONS.items()):
        fn = click.option(f"--{name}", type=click.Choice(values), default=None,
                          help=f"as the book setting markdown.{name} (default {values[0]}; not with --manifest)")(fn)
    return fn


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_markdown_options
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="read FILE as a chapter of a book of this manifest (its Markdown, lexicon, language, provider)")
@click.option("--book", "book_name", default=None, help="the book (needed when the manifest has several)")
@pass_ctx
def text(ctx: Context, file: Path, manifest_path: Path | None, book_name: str | None, **markdown: str | None) -> None:
    """Print the speakable text of a Markdown FILE: exactly what a book will say.

    With --manifest, prints one segment per line as it will be synthesized (after the book's
    lexicon and, where its provider's `normalize` applies, numbers said in words), with a blank
    line after each heading and paragraph."""
    from ..manifest import read_text_input
    from ..text.markdown import MarkdownOptions, markdown_to_speakable, speakable_text

    def go() -> int:
        given = [f"--{name}" for name, value in markdown.items() if value is not None]
        if manifest_path is not None and given:  # they would be ignored: the book's own settings apply
            raise UsageError(f"{', '.join(given)}: a book's markdown: settings apply with --manifest; "
                             "drop the option or set it in the book")
        source = read_text_input(file, display=str(file))  # bounded, regular files only (no FIFO)
        if manifest_path is None:
            if book_name is not None:
                raise UsageError("--book needs --manifest")
            doc = markdown_to_speakable(source, MarkdownOptions.from_settings(**markdown), path=str(file))
            if doc.title:
                click.echo(f"Title: {doc.title}\n")
            click.echo(speakable_text(doc), nl=False)
            return 0
        for line in book_text_lines(manifest_path, book_name, file, source):
            click.echo(line)
        return 0

    run(ctx, go)


def book_text_lines(manifest_path: Path, book_name: str | None, file: Path, source: str) -> list[str]:
    """`narrate text --manifest`: the title, then each segment's text as it will be synthesized
    (the book's Markdown options, lexicon, language and its provider's normalisation), a blank line
    after each heading and paragraph. Raises UsageError for a missing or ambiguous book."""
    from ..manifest import load_manifest
    from ..plan.books import markdown_options
    from ..prepare import load_lexicon
    from ..providers.registry import create_provider
    from ..text.chapter import PAUSE_AFTER_PARAGRAPH_MS, chapter_units
    from ..text.frontend import normalization_applies
    from ..text.lexicon_compile import alphabets_for, out_of_band
    from ..text.markdown import markdown_to_speakable
    from ..text.markup import target_of

    manifest = load_manifest(manifest_path)
    books = {b.name: b for b in manifest.books}
    if book_name is None and len(books) != 1:
        raise UsageError(f"{manifest_path}: give --book (books: {', '.join(books) or 'none'})")
    book = books.get(book_name) if book_name is not None else next(iter(books.values()))
    if book is None:
        raise UsageError(f"{manifest_path}: no book {book_name!r} (books: {', '.join(books) or 'none'})")
    provider = create_provider(manifest.provider_config(book.settings.provider))
    doc = markdown_to_speakable(source, markdown_options(book), path=str(file))
    lexicon = load_lexicon(manifest)
    band = alphabets_for(provider) if lexicon is not None and out_of_band(provider) else ()  # as plan_books
    units = chapter_units(doc, provider.limits.max_chars, book.language, lexicon,
                          spoken=normalization_applies(provider), target=target_of(provider), keep=band)
    lines = [f"Title: {doc.title or file.stem}", ""]
    for unit in units:
        lines.append(unit.text)
        if unit.break_ms:  # prompt markup: the silence narrate inserts
            lines.append(f"[break {unit.break_ms} ms]")
        if unit.pause_after_ms - unit.break_ms >= PAUSE_AFTER_PARAGRAPH_MS:
            lines.append("")
    return lines[:-1] if lines[-1] == "" else lines
