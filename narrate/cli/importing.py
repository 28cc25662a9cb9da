"""`narrate import`: asterisk transcripts, FreeSWITCH phrase files and spreadsheets, printed as a
new manifest or (`csv --into`) merged into an existing one."""

from __future__ import annotations

import codecs
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import click

from ..errors import ManifestError, Problem, UsageError, shown, utf8_problem
from .app import Context, main, pass_ctx, run


def _starts_with_bom(path: Path) -> bool:
    with path.open("rb") as f:  # a regular file: read_text_input has just read it
        return f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def check_library_option(name: str) -> None:
    """`--library` is a name in the printed manifest, held to the manifest's rule. Raises UsageError."""
    from ..manifest import check_name

    why = "library names may not contain '/'" if "/" in name else check_name(name)
    if why:
        raise UsageError(f"--library {name!r}: {why}")


def check_output_option(out: str) -> None:
    """`--output` is the library's output folder, relative to the manifest (the default is
    ../output/<library>, beside the folder the manifest is saved in): never an absolute path, never
    further up than the default, never a file. Raises UsageError."""
    path = PurePosixPath(out.replace("\\", "/"))
    ups = _ups(path)
    if not out.strip():
        why = "empty"
    elif path.is_absolute() or PureWindowsPath(out).drive:
        why = "an absolute path; give it relative to the manifest, as ../output/<library>"
    elif ups > 1:
        why = f"climbs {ups} folders up, outside the project; at most one (../output/<library>)"
    elif Path(out).exists() and not Path(out).is_dir():
        why = "an existing file, not a folder"
    else:
        return
    raise UsageError(f"--output {out!r}: {why}")


def _ups(path: PurePosixPath) -> int:
    """How far above the manifest's folder `path` reaches at its highest point."""
    depth, lowest = 0, 0
    for part in path.parts:
        depth += -1 if part == ".." else 0 if part in (".", "") else 1
        lowest = min(lowest, depth)
    return -lowest


@main.group(name="import")
def import_group() -> None:
    """Turn existing prompt lists and spreadsheets into a manifest (printed on stdout)."""


def _echo_import(result: Any) -> None:
    """What the importer left out and what it changed, on stderr: a reviewer reads both."""
    for name, reason in result.skipped:  # names come from the file: escaped, never printed raw
        click.echo(shown(f"skipped {name}: {reason}"), err=True)
    for change in result.changed:
        click.echo(shown(f"changed {change}"), err=True)


def _check_import_voice(voice: str, languages: dict[str, Any]) -> None:
    """`--voice` must be one the embedded engine (the imported manifest's provider) has, for the
    language it is given to; else the printed manifest would not validate. Raises UsageError."""
    from ..providers.base import ProviderConfig
    from ..providers.registry import create_provider

    language = next((tag for tag, spec in languages.items() if spec.get("voice") == voice), None)
    if language is None:
        return
    prov = create_provider(ProviderConfig(name="espeak", kind="espeak"))
    try:
        reason = prov.check_voice(voice, language)
    finally:
        prov.close()
    if reason:
        raise UsageError(f"--voice {voice!r} for {language}: {reason}")


def _voice_warnings(languages: dict[str, Any], given: str | None) -> list[str]:
    """One line per imported language whose default embedded voice cannot speak it (`--voice`, checked
    by `_check_import_voice`, aside): the manifest is printed anyway, for a voice of another provider
    to be set, but `validate` would refuse it as it stands."""
    from ..providers.base import ProviderConfig
    from ..providers.registry import create_provider

    prov = create_provider(ProviderConfig(name="espeak", kind="espeak"))
    try:
        return [f"languages.{tag}.voice: voice {spec['voice']!r} for espeak: {reason}; set a voice that speaks "
                f"{tag} (of another provider) before building"
                for tag, spec in languages.items()
                if spec.get("voice") != given and (reason := prov.check_voice(spec["voice"], tag))]
    finally:
        prov.close()


def _import_command(kind: str, fn_name: str, library: str, language: str | None, language_help: str) -> None:
    @import_group.command(name=kind)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--library", default=library, show_default=True, help="Library name.")
    @click.option("--language", default=language, show_default=language is not None, help=language_help)
    @click.option("--voice", default=None, help="Voice for that language (default: the embedded voice of each language).")
    @click.option("--output", "out", default=None, help="Output folder in the manifest (default ../output/<library>).")
    @pass_ctx
    def command(ctx: Context, file: Path, library: str, language: str | None, voice: str | None,
                out: str | None) -> None:
        from .. import importers

        def go() -> int:
            check_library_option(library)
            if out is not None:
                check_output_option(out)
            text = importers.read_source(file)  # bounded; a FIFO or device is refused, never read
            chosen = language
            if kind == "asterisk" and chosen is None:  # core-sounds-fr.txt is French
                chosen = importers.language_from_name(file.name) or "en-US"
            kwargs: dict[str, Any] = {"source": str(file), "library": library, "voice": voice, "language": chosen}
            result = getattr(importers, fn_name)(text, **kwargs)
            if voice is not None:
                _check_import_voice(voice, result.manifest["libraries"][library]["languages"])
            if out is not None:
                result.manifest["libraries"][library]["output"] = out
            _echo_import(result)
            for line in _voice_warnings(result.manifest["libraries"][library]["languages"], voice):
                click.echo(shown(f"warning: {line}"), err=True)
            click.echo(importers.dump_manifest(result.manifest), nl=False)
            return 0

        run(ctx, go)

    command.__doc__ = f"Import a {kind} prompt list FILE as a manifest."


_import_command("asterisk", "import_asterisk", "asterisk-sounds", None,
                "Language tag of the transcript (default: from a core-sounds-<lang>.txt name, else en-US).")
_import_command("freeswitch", "import_freeswitch", "freeswitch-sounds", None,
                "Import only this language: its element (fr, pt_BR) or tag (fr-FR) (default: every language).")


@import_group.command(name="csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--into", "into", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Update this manifest in place (texts and notes only; comments, order and settings kept).")
@click.option("--library", default=None, help="Library name (new manifest: default prompts; --into: the one the sheet names).")
@click.option("--delimiter", default=None,
              help="Column delimiter: one character or tab, comma, semicolon, pipe (default: detected among , ; tab |).")
@click.option("--name-column", default=None,
              help="Header of the prompt-name column (default: name, Prompt Name, prompt, id, key, file).")
@click.option("--note-column", default=None,
              help="Header of the note column (default: note, notes, comment, context, instructions).")
@click.option("--language", "languages", multiple=True, metavar="HEADER[=TAG]",
              help="A language column, repeatable (default: every column headed by a language tag).")
@click.option("--output", "out", default=None, help="Output folder in a new manifest (default ../output/<library>).")
@pass_ctx
def import_csv(ctx: Context, file: Path, into: Path | None, library: str | None, delimiter: str | None,
               name_column: str | None, note_column: str | None, languages: tuple[str, ...], out: str | None) -> None:
    """Import a spreadsheet FILE (CSV: a name column, a column per language, a note): print a new
    manifest, or with --into update an existing one's texts."""
    from .. import importers
    from ..fsutil import write_atomic
    from ..manifest import read_text_input
    from ..manifest.inputs import MAX_MANIFEST_BYTES

    def go() -> int:
        if into is None:
            check_library_option(library or "prompts")
        if out is not None:
            if into is not None:
                raise UsageError("--output is the output folder of a new manifest; with --into, edit the manifest's own")
            check_output_option(out)
        text = importers.read_source(file, sheet=True)
        options: dict[str, Any] = {"source": str(file), "delimiter": delimiter, "name_column": name_column,
                                   "note_column": note_column, "languages": list(languages) or None}
        if into is None:
            name = library or "prompts"
            result = importers.import_csv(text, library=name, **options)
            if out is not None:
                result.manifest["libraries"][name]["output"] = out
            _echo_import(result)
            click.echo(importers.dump_manifest(result.manifest), nl=False)
            return 0
        why = utf8_problem(into.resolve())
        if why:  # narrate could not load it once merged: refused before it is touched
            raise ManifestError([Problem(shown(str(into)), None, "", why)])
        before = read_text_input(into, limit=MAX_MANIFEST_BYTES, display=str(into))
        declared, names = importers.known_names(before, str(into))
        sheet = importers.read_sheet(text, **options, declared=declared, names=names)
        for name, reason in sheet.skipped:
            click.echo(shown(f"skipped {name}: {reason}"), err=True)
        for header, why in sheet.ignored_columns:
            click.echo(shown(f"skipped column {header!r}: {why}"), err=True)
        merged = importers.merge_sheet(before, sheet, source=str(into), root=into.resolve().parent, library=library)
        for name, reason in merged.skipped:
            click.echo(shown(f"skipped {name}: {reason}"), err=True)
        for change in merged.changes:
            click.echo(shown(f"  {change}"), err=True)
        if merged.text != before:
            target = into.resolve()
            mode = stat.S_IMODE(target.stat().st_mode)
            # The manifest keeps its mode and its byte order mark (read_text_input drops it from the text).
            bom = codecs.BOM_UTF8 if _starts_with_bom(target) else b""
            write_atomic(target, bom + merged.text.encode("utf-8"), mode=mode)
        click.echo(f"{into}: {merged.updated} texts or notes updated, {merged.added} prompts added, "
                   f"{merged.untouched} prompts not in the sheet (kept)" + ("" if merged.text != before else "; unchanged"))
        return 0

    run(ctx, go)
