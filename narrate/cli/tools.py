"""`narrate voices`, `export`, `serve`, `init` and `schema` (`import` is in `importing`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from ..errors import ProviderError, UsageError, shown
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


def provider_failure(prov: Any, name: str, doing: str, exc: ProviderError) -> ProviderError:
    """`exc` with the provider and what was being done in front, and for a refused key the variable
    it came from (never its value): `provider google: listing voices: HTTP 401 ...; check GOOGLE_API_KEY`."""
    source = getattr(prov, "credential_source", lambda: None)() if exc.account else None
    message = f"provider {name}: {doing}: {exc.message}" + (f"; check {source}" if source else "")
    return ProviderError(message, provider=exc.provider, status=exc.status, request_id=exc.request_id,
                         hint=exc.hint, account=exc.account)


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
            try:
                found = prov.voices()
            except ProviderError as exc:
                raise provider_failure(prov, provider, "listing voices", exc) from None
            listed, matched = filter_voices(sorted(found, key=lambda v: v.name), language)
            if listed and language and matched != language:
                click.echo(f"no {provider} voice for {language}; voices for {matched}:", err=True)
            if not listed:
                click.echo(f"no {provider} voices" + (f" for {language}" if language else ""), err=True)
                return 1
            # A REST provider's list is what its server says: escape every cell (controls, bidi, newlines).
            rows = [(shown(v.name), shown(",".join(v.languages)), shown(v.gender or "-"),
                     shown("; ".join(x for x in (", ".join(v.styles), v.description) if x))) for v in listed]
            width = max(24, *(len(name) + 1 for name, *_ in rows))
            lwidth = max(20, *(len(langs) for _, langs, *_ in rows))  # a long list still leaves a space
            click.echo(f"{'VOICE':{width}} {'LANGUAGES':{lwidth}} {'GENDER':8} STYLES / DESCRIPTION")
            for name, langs, gender, extra in rows:
                click.echo(f"{name:{width}} {langs:{lwidth}} {gender:8} {extra}".rstrip())
            if sample_text is not None:
                _write_samples(prov, provider, listed, matched, sample_text.strip(), sample_dir)
        finally:
            prov.close()
        return 0

    run(ctx, go)


def _write_samples(prov: Any, name: str, listed: list[Any], language: str | None, text: str, folder: Path) -> None:
    """One WAV per voice in `folder` (16-bit PCM at the voice's own rate), written atomically."""
    from ..audio.decode import decode
    from ..audio.encode import wav_bytes
    from ..fsutil import write_atomic
    from ..providers.base import SynthesisRequest

    folder.mkdir(parents=True, exist_ok=True)
    for v in listed:
        lang = next((x for x in v.languages if language and language_matches((x,), language)),
                    v.languages[0] if v.languages else (language or "en"))
        try:
            result = prov.synthesize(SynthesisRequest(text=text, voice=v.name, language=lang))
        except ProviderError as exc:  # the first failure ends it: a refused key would refuse every voice
            raise provider_failure(prov, name, f"sample of voice {shown(v.name)}", exc) from None
        path = folder / f"{_sample_name(v.name)}.wav"
        write_atomic(path, wav_bytes(decode(result.audio, result.format)))
        click.echo(f"wrote {path}", err=True)


@main.group(name="export")
def export_group() -> None:
    """Export a manifest's texts for translators."""


@export_group.command(name="csv")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--library", default=None, help="Library to export (default: the manifest's only one).")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file to write (default: stdout).")
@click.option("--delimiter", default=",", show_default=True,
              help="Column delimiter: one character or tab, comma, semicolon, pipe (';' for Excel in many locales).")
@click.option("--bom", is_flag=True, help="Start with a UTF-8 byte order mark, so that Excel reads the file as UTF-8.")
@pass_ctx
def export_csv(ctx: Context, manifest: Path, library: str | None, out: Path | None, delimiter: str, bom: bool) -> None:
    """Write MANIFEST's prompts as CSV: one row per prompt, a column per language (empty where a
    translation is missing), and the note."""
    from ..fsutil import write_atomic
    from ..importers import export_csv as to_csv
    from ..importers.spreadsheet import parse_delimiter, pick_library
    from ..manifest import load_manifest
    from ..replaceable import check_replaceable

    def go() -> int:
        sep = parse_delimiter(delimiter)  # the names `import csv --delimiter` takes (tab...)
        model = load_manifest(manifest)
        text = ("\ufeff" if bom else "") + to_csv(model, library, sep)
        if out is None:
            click.echo(text, nl=False)
        else:
            check_replaceable(out, "csv")
            out.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(out.resolve(), text.encode("utf-8"))
            rows = len({p.name for p in pick_library(model, library).prompts})
            click.echo(f"{out}: {rows} prompts", err=True)
        return 0

    run(ctx, go)


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
        from ..serve import FAULTS
        from ..serve_run import run
        chosen = tuple(f.strip() for f in faults.split(",") if f.strip())
        unknown = [f for f in chosen if f not in FAULTS]
        if unknown:
            raise UsageError(f"unknown fault(s): {', '.join(unknown)}", hint=", ".join(FAULTS))
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"warning: serving on {host}: anyone who can reach it can use it", err=True)
        def banner(bound_host: str, bound_port: int) -> None:  # the real port, also for --port 0
            shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
            click.echo(f"narrate serve: http://{shown_host}:{bound_port} (OpenAI /v1/audio/speech, Deepgram /v1/speak, "
                       "GET /stats)", err=True)

        run(host, port, latency_ms=latency_ms, fault_rate=fault_rate, faults=chosen, seed=seed,
            log_level="info" if ctx.verbose else "warning", on_listening=banner)
        return 0

    run(ctx, go)


@main.command()
@click.argument("folder", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@pass_ctx
def init(ctx: Context, folder: Path) -> None:
    """Write a starter project into FOLDER (default: here): narrate.yaml with one prompt library and
    one book, a lexicon, two chapters, .gitignore lines and a GitHub Actions workflow. Never overwrites."""
    from ..starter import write_starter

    def go() -> int:
        for path in write_starter(folder):
            click.echo(f"wrote {path}")
        click.echo("next: narrate plan, then narrate build" + ("" if folder == Path(".") else f" (in {folder})"))
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
