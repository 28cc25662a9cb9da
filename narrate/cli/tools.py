"""`narrate voices`, `import`, `serve`, `text` and `schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import NarrateError, UsageError
from .app import Context, main, pass_ctx, run

MAX_SAMPLE_CHARS = 300  # a sample is a sentence or two: every listed voice speaks it (and may bill it)


def language_matches(languages: tuple[str, ...], prefix: str) -> bool:
    """Whether a voice speaking `languages` matches the tag prefix: `es` matches es, es-US and es-419;
    `es-US` matches es-US (case and `_`/`-` ignored), never `esperanto` (whole subtags only)."""
    want = prefix.strip().lower().replace("_", "-")
    return any((tag := lang.lower().replace("_", "-")) == want or tag.startswith(want + "-") for lang in languages)


def filter_voices(voices: list[Any], language: str | None) -> tuple[list[Any], str | None]:
    """(voices matching `language`, the tag actually matched). A tag with a region that no voice has
    falls back to its primary language (`es-US` -> the es voices), and says so."""
    if not language:
        return voices, None
    tag = language
    while True:
        found = [v for v in voices if language_matches(v.languages, tag)]
        if found or "-" not in tag.replace("_", "-"):
            return found, tag
        tag = tag.replace("_", "-").rsplit("-", 1)[0]


def _sample_name(voice: str) -> str:
    """A file name for a voice's sample: characters other than letters, digits, . _ - become _."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in voice).strip("._") or "voice"


@main.command()
@click.option("--provider", default="espeak", show_default=True,
              help="Provider kind, or a provider name of --manifest.")
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Take the provider's settings (base_url, key variable, options) from this manifest.")
@click.option("--language", default=None, help="Only voices for this language tag or prefix (es: es-US, es-419...).")
@click.option("--sample", "sample_text", default=None, help="Synthesize this text with every listed voice.")
@click.option("--out", "sample_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("voice-samples"),
              show_default=True, help="Folder for the --sample WAV files (one per voice).")
@pass_ctx
def voices(ctx: Context, provider: str, manifest_path: Path | None, language: str | None, sample_text: str | None,
           sample_dir: Path) -> None:
    """List a provider's voices (from its voice-list endpoint for REST providers), with language,
    gender and styles where the provider gives them; --sample writes one short WAV per voice."""
    from ..providers.base import ProviderConfig
    from ..providers.registry import create_provider

    def go() -> int:
        if sample_text is not None and not 0 < len(sample_text.strip()) <= MAX_SAMPLE_CHARS:
            raise UsageError(f"--sample takes 1 to {MAX_SAMPLE_CHARS} characters of text")
        if manifest_path is not None:
            from ..manifest import load_manifest

            config = load_manifest(manifest_path).provider_config(provider)
        else:
            config = ProviderConfig(name=provider, kind=provider)
        prov = create_provider(config)
        try:
            listed, matched = filter_voices(sorted(prov.voices(), key=lambda v: v.name), language)
            if language and matched != language:
                click.echo(f"no {provider} voice for {language}; voices for {matched}:", err=True)
            if not listed:
                click.echo(f"no {provider} voices" + (f" for {language}" if language else ""), err=True)
                return 1
            width = max(24, *(len(v.name) + 1 for v in listed))
            click.echo(f"{'VOICE':{width}} {'LANGUAGES':20} {'GENDER':8} STYLES / DESCRIPTION")
            for v in listed:
                extra = "; ".join(x for x in (", ".join(v.styles), v.description) if x)
                click.echo(f"{v.name:{width}} {','.join(v.languages):20} {v.gender or '-':8} {extra}".rstrip())
            if sample_text is not None:
                _write_samples(prov, listed, matched, sample_text.strip(), sample_dir)
        finally:
            prov.close()
        return 0

    run(ctx, go)


def _write_samples(prov: Any, listed: list[Any], language: str | None, text: str, folder: Path) -> None:
    """One WAV per voice in `folder` (16-bit PCM at the voice's own rate), written atomically."""
    from ..audio.decode import decode
    from ..audio.encode import wav_bytes
    from ..fsutil import write_atomic
    from ..providers.base import SynthesisRequest

    folder.mkdir(parents=True, exist_ok=True)
    for v in listed:
        lang = next((x for x in v.languages if language and language_matches((x,), language)),
                    v.languages[0] if v.languages else (language or "en"))
        result = prov.synthesize(SynthesisRequest(text=text, voice=v.name, language=lang))
        path = folder / f"{_sample_name(v.name)}.wav"
        write_atomic(path, wav_bytes(decode(result.audio, result.format)))
        click.echo(f"wrote {path}", err=True)


@main.group(name="import")
def import_group() -> None:
    """Turn existing prompt lists into a manifest (printed on stdout)."""


def _import_command(kind: str, fn_name: str, defaults: dict[str, str]) -> None:
    @import_group.command(name=kind)
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--library", default=defaults["library"], show_default=True, help="Library name.")
    @click.option("--language", default=defaults["language"], show_default=True, help="Language tag.")
    @click.option("--voice", default="en-us", show_default=True, help="Voice for that language.")
    @click.option("--output", "out", default=None, help="Output folder in the manifest (default ../output/<library>).")
    @pass_ctx
    def command(ctx: Context, file: Path, library: str, language: str, voice: str, out: str | None) -> None:
        from .. import importers

        def go() -> int:
            text = importers.read_source(file)  # bounded; a FIFO or device is refused, never read
            kwargs: dict[str, Any] = {"source": str(file), "library": library, "voice": voice}
            if kind == "asterisk":
                kwargs["language"] = language
            result = getattr(importers, fn_name)(text, **kwargs)
            if out is not None:
                result.manifest["libraries"][library]["output"] = out
            for name, reason in result.skipped:
                click.echo(f"skipped {name}: {reason}", err=True)
            click.echo(importers.dump_manifest(result.manifest), nl=False)
            return 0

        run(ctx, go)

    command.__doc__ = f"Import a {kind} prompt list FILE as a manifest."


_import_command("asterisk", "import_asterisk", {"library": "asterisk-sounds", "language": "en-US"})
_import_command("freeswitch", "import_freeswitch", {"library": "freeswitch-sounds", "language": "en-US"})


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--latency-ms", default=0.0, type=click.FloatRange(0), help="Added latency per request.")
@click.option("--fault-rate", default=0.0, type=click.FloatRange(0, 1), help="Share of requests that fail.")
@click.option("--faults", default="429,500,503,reset,truncated,html200,slow", show_default=True,
              help="Comma list of faults to inject.")
@click.option("--seed", type=int, default=None, help="Seed for reproducible fault injection.")
@pass_ctx
def serve(ctx: Context, host: str, port: int, latency_ms: float, fault_rate: float, faults: str,
          seed: int | None) -> None:
    """Serve the embedded engine over OpenAI's /v1/audio/speech and Deepgram's /v1/speak."""
    def go() -> int:
        try:
            from ..serve import FAULTS, run
        except ImportError as exc:
            raise NarrateError(f"narrate serve needs the serve extra ({exc.name} is missing)",
                               hint="pip install 'narrate[serve]'") from None
        chosen = tuple(f.strip() for f in faults.split(",") if f.strip())
        unknown = [f for f in chosen if f not in FAULTS]
        if unknown:
            raise UsageError(f"unknown fault(s): {', '.join(unknown)}", hint=", ".join(FAULTS))
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"warning: serving on {host}: anyone who can reach it can use it", err=True)
        click.echo(f"narrate serve: http://{host}:{port} (OpenAI /v1/audio/speech, Deepgram /v1/speak, GET /stats)",
                   err=True)
        run(host, port, latency_ms=latency_ms, fault_rate=fault_rate, faults=chosen, seed=seed,
            log_level="info" if ctx.verbose else "warning")
        return 0

    run(ctx, go)



@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", type=click.Choice(["skip", "notice"]), default="skip", show_default=True)
@click.option("--tables", type=click.Choice(["skip", "notice"]), default="skip", show_default=True)
@click.option("--footnotes", type=click.Choice(["end", "skip"]), default="end", show_default=True)
@click.option("--manifest", "manifest_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="read FILE as a chapter of a book of this manifest (its Markdown, lexicon, language, provider)")
@click.option("--book", "book_name", default=None, help="the book (needed when the manifest has several)")
@pass_ctx
def text(ctx: Context, file: Path, code: str, tables: str, footnotes: str, manifest_path: Path | None,
         book_name: str | None) -> None:
    """Print the speakable text of a Markdown FILE: exactly what a book will say.

    With --manifest, prints one segment per line as it will be synthesized (after the book's
    lexicon and, where its provider's `normalize` applies, numbers said in words), with a blank
    line after each heading and paragraph."""
    from ..manifest import read_text_input
    from ..prepare import book_text_lines
    from ..text.markdown import markdown_to_speakable, speakable_text

    def go() -> int:
        source = read_text_input(file, display=str(file))  # bounded, regular files only (no FIFO)
        if manifest_path is None:
            if book_name is not None:
                raise UsageError("--book needs --manifest")
            doc = markdown_to_speakable(source, code=code, tables=tables, footnotes=footnotes,  # type: ignore[arg-type]
                                        path=str(file))
            if doc.title:
                click.echo(f"Title: {doc.title}\n")
            click.echo(speakable_text(doc), nl=False)
            return 0
        for line in book_text_lines(manifest_path, book_name, file, source):
            click.echo(line)
        return 0

    run(ctx, go)


@main.command()
@pass_ctx
def schema(ctx: Context) -> None:
    """Print the manifest's JSON Schema (for editor completion)."""
    from ..manifest.schema import manifest_schema

    def go() -> int:
        click.echo(json.dumps(manifest_schema(), indent=2))
        return 0

    run(ctx, go)
