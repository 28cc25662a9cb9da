"""Thin click commands. The only module that prints or draws progress bars.

Exit codes: 0 success, 1 build or check failure, 2 bad input (manifest, usage, voices, lock),
70 internal error (a bug: an exception narrate did not anticipate), 130 / 143 stopped by SIGINT /
SIGTERM.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, Callable

import click

from .errors import Interrupted, ManifestError, NarrateError, UsageError
from .fsutil import shown

INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE in BSD sysexits.h: "an internal software error has been detected"

log = logging.getLogger("narrate")


class Context:
    def __init__(self, verbose: int, quiet: bool) -> None:
        self.verbose = verbose
        self.quiet = quiet


def _error(message: object) -> None:
    """Print `error: message` on stderr, every control, bidi and zero-width character escaped."""
    click.echo("error: " + "\n".join(shown(line) for line in str(message).split("\n")), err=True)


def _run(ctx: Context, fn: Callable[[], int | None]) -> None:
    """The one wrapper every command runs in. Maps narrate's exceptions to one-line messages and
    exit codes (tracebacks only with -v), anything unanticipated to `internal error: ...` and exit
    70, and SIGINT/SIGTERM to a stop: child processes ended, exit 130/143."""
    restore = _stop_on_signals()
    try:
        code = _call(ctx, fn)
    finally:
        restore()
    sys.exit(code)


def _call(ctx: Context, fn: Callable[[], int | None]) -> int:
    try:
        return fn() or 0
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise  # click's own: it prints them and picks the exit code
    except ManifestError as exc:
        for problem in exc.problems:
            _error(problem)
        if ctx.verbose:
            traceback.print_exc()
        code = exc.exit_code
    except NarrateError as exc:
        _error(exc)
        if ctx.verbose:
            traceback.print_exc()
        code = exc.exit_code
    except OSError as exc:  # a file narrate could not read or write: say which, keep what is done
        where = f" ({shown(exc.filename)})" if exc.filename else ""
        _error(f"{exc.strerror or exc}{where}")
        if ctx.verbose:
            traceback.print_exc()
        code = 1
    except KeyboardInterrupt as exc:  # Interrupted (SIGTERM, SIGINT) or a Ctrl-C that came first
        name = signal.Signals(exc.signum).name if isinstance(exc, Interrupted) else "SIGINT"
        click.echo(f"stopped by {name}: child processes ended; everything synthesized so far is cached", err=True)
        code = exc.exit_code if isinstance(exc, Interrupted) else 130
    except Exception as exc:  # a bug: one line, the traceback with -v
        click.echo(f"internal error: {type(exc).__name__}: {shown(exc)}; rerun with -v and report it", err=True)
        if ctx.verbose:
            traceback.print_exc()
        code = INTERNAL_ERROR_EXIT
    return code


def _stop_on_signals() -> Callable[[], None]:
    """Turn SIGINT and SIGTERM into Interrupted on the main thread, after killing every child
    process (procs.stop_all), so cleanups run and nothing outlives narrate. A second signal exits
    at once. Returns a function that puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None  # only the main thread may set handlers (an embedding caller's thread)
    from . import procs

    fired: list[int] = []

    def handler(signum: int, frame: object) -> None:
        procs.stop_all(signum)
        if fired:  # the first one is still unwinding (waiting for requests in flight): stop now
            os._exit(128 + signum)
        fired.append(signum)
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)
        procs.reset()

    return restore


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="Log requests; show tracebacks.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.version_option(package_name="narrate")
@click.pass_context
def main(click_ctx: click.Context, verbose: int, quiet: bool) -> None:
    """narrate: build spoken audio from text, like a build system."""
    click_ctx.obj = Context(verbose, quiet)
    if verbose:
        # -v: narrate's own log (each request with its id and billed characters); -vv: libraries' too.
        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.WARNING,
                            format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
        logging.getLogger("narrate").setLevel(logging.DEBUG)


pass_ctx = click.make_pass_decorator(Context)
manifests_arg = click.argument("manifests", nargs=-1, required=True,
                               type=click.Path(dir_okay=False, path_type=Path))
cache_opt = click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
                         help="Segment cache folder (default: .narrate-cache beside the manifest, or $NARRATE_CACHE).")


def _cache_dir(manifest_path: Path, cache_dir: Path | None) -> Path:
    from .cache.state import default_cache_dir

    return cache_dir or default_cache_dir(manifest_path)


def _cache_for(manifest_path: Path, cache_dir: Path | None, remote: str | None = None):
    """The local cache, behind a shared remote tier when one is configured."""
    import os

    from .cache import SegmentCache

    local = SegmentCache(_cache_dir(manifest_path, cache_dir))
    remote = remote or os.environ.get("NARRATE_REMOTE_CACHE")
    if not remote:
        return local
    from .cache.remote import RemoteStore, TieredCache

    return TieredCache(local, RemoteStore(remote))


class _Bars:
    """BuildEvents drawn as tqdm bars on stderr, one per phase; silent unless stderr is a terminal."""

    def __init__(self, enabled: bool, prefix: str) -> None:
        self.enabled = enabled
        self.prefix = prefix
        self.bars: dict[str, Any] = {}

    def start(self, phase: str, total: int, label: str = "") -> None:
        if self.enabled and total:
            from tqdm import tqdm

            self.bars[phase] = tqdm(total=total, desc=f"{self.prefix}: {label or phase}", unit="seg",
                                    file=sys.stderr, leave=False, dynamic_ncols=True)

    def advance(self, phase: str, n: int = 1) -> None:
        if phase in self.bars:
            self.bars[phase].update(n)

    def finish(self, phase: str) -> None:
        bar = self.bars.pop(phase, None)
        if bar is not None:
            bar.close()


@main.command()
@manifests_arg
@cache_opt
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Cap on parallel requests.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the build's figures.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if anything would be synthesized, written or removed.")
@click.option("--offline", is_flag=True, help="Never call a provider; fail if a segment is not cached.")
@click.option("--max-chars", type=click.IntRange(0), default=None, help="Refuse to synthesize more characters than this.")
@click.option("--remote", default=None, metavar="s3://BUCKET/PREFIX",
              help="Shared remote cache (also cache.remote in the manifest, or $NARRATE_REMOTE_CACHE).")
@click.option("--report", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a JUnit XML report for CI systems.")
@pass_ctx
def build(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, jobs: int | None,
          as_json: bool, check: bool, offline: bool, max_chars: int | None, remote: str | None,
          junit: Path | None) -> None:
    """Build every library and book in MANIFESTS."""
    from .outcome import BuildOptions, noop_report

    def go() -> int:
        options = BuildOptions(jobs=jobs, check=check, offline=offline, max_chars=max_chars)
        reports = []
        for path in manifests:
            report = noop_report(path, _cache_dir(path, cache_dir))  # nothing changed: no parsing
            if report is None:
                from .build import build as run_build
                from .manifest import load_manifest

                manifest = load_manifest(path)
                bars = _Bars(not ctx.quiet and sys.stderr.isatty(), path.name)
                cache = _cache_for(path, cache_dir, remote or manifest.remote_cache)
                try:
                    report = run_build(manifest, cache, options, bars)
                finally:
                    cache.close()

            for w in report.warnings:
                click.echo(f"warning: {w}", err=True)
            reports.append(report)
            if report.error:  # a failed write (full disk...): the next manifests would fail the same way
                break
        failed = any(r.errors for r in reports)
        changes = any(r.written or r.removed or r.missing_segments for r in reports)
        if junit is not None:
            from .report import write_junit

            write_junit(reports, junit)
        if as_json:
            total = _sum_reports(reports)
            click.echo(json.dumps(total, indent=None, sort_keys=True))
            for r in reports:  # the one line a person reads, beside the object a program reads
                if r.error:
                    _error(r.error)
        else:
            for r in reports:
                _print_report(r, check)
        if failed:
            return 1
        return 1 if check and changes else 0

    _run(ctx, go)


def _sum_reports(reports: list) -> dict[str, Any]:
    if len(reports) == 1:
        return reports[0].as_json()
    total: dict[str, Any] = {"manifests": [r.as_json() for r in reports]}
    for key in ("segments", "cached", "synthesized", "chars_synthesized", "outputs_written",
                "outputs_unchanged", "outputs_removed"):
        total[key] = sum(getattr(r, key) for r in reports)
    total["errors"] = [e for r in reports for e in r.errors]
    return total


def _print_report(r, check: bool) -> None:
    out = lambda s: click.echo(s, err=True)  # noqa: E731 - human summary goes to stderr, data to stdout
    if check:
        for m in r.missing_segments:
            out(f"would synthesize {m}")
        for w in r.written:
            out(f"would write {w}")
        for rm in r.removed:
            out(f"would remove {rm}")
        if not (r.missing_segments or r.written or r.removed):
            out(f"{Path(r.manifest).name}: up to date")
        return
    for rm in r.removed:
        out(f"removed {rm}")
    for e in r.errors:
        out(f"error: {e}")
    out(f"{Path(r.manifest).name}: {r.segments} segments ({r.cached} cached, {r.synthesized} synthesized, "
        f"{r.chars_synthesized} chars); outputs {r.outputs_written} written, {r.outputs_unchanged} unchanged, "
        f"{r.outputs_removed} removed" + (f"; {len(r.errors)} failed" if r.errors else ""))


@main.command()
@manifests_arg
@cache_opt
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--max-chars", type=click.IntRange(0), default=None, help="Exit 1 if the plan needs more characters.")
@pass_ctx
def plan(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, as_json: bool,
         max_chars: int | None) -> None:
    """Show what a build would add, change, remove and synthesize, and what it would cost."""
    from .build import prepare_build
    from .plan.costs import PRICES_AS_OF, estimate
    from .manifest import load_manifest
    from .plan import diff_lock

    def go() -> int:
        results, over_budget = [], False
        for path in manifests:
            manifest = load_manifest(path)
            cache = _cache_for(path, cache_dir, manifest.remote_cache)
            try:
                pb = prepare_build(manifest, cache)
            finally:
                cache.close()
            diff = diff_lock(pb.plan.jobs, pb.lock.prompts, pb.books, pb.lock.books)
            chars: dict[str, int] = {}
            for seg in pb.missing:
                chars[seg.provider] = chars.get(seg.provider, 0) + len(seg.request.text)
            kinds = {name: cfg.kind for name, cfg in pb.configs.items()}
            costs = estimate(chars, kinds, manifest.prices)
            budget = max_chars if max_chars is not None else manifest.max_chars
            total_chars = sum(chars.values())
            over_budget |= budget is not None and total_chars > budget
            results.append({
                "manifest": str(path), "segments": len(pb.plan.segments), "to_synthesize": len(pb.missing),
                "chars": total_chars, "chars_by_provider": chars, "cost_usd_by_provider": costs,
                "cost_usd": round(sum(c for c in costs.values() if c), 4), "prices_as_of": PRICES_AS_OF,
                "budget_chars": budget,
                "added": [i for i, _ in diff.added], "changed": [i for i, _, _ in diff.changed],
                "removed": [i for i, _ in diff.removed], "unchanged": diff.unchanged,
                "outputs_to_write": sorted(o.path for j in pb.stale for o in j.outputs),
                "outputs_to_remove": pb.orphans,
                "translations": _translation_report(manifest),
                "warnings": [str(w) for w in manifest.warnings]})
            if not as_json:
                _print_plan(results[-1], diff)
        if as_json:
            click.echo(json.dumps(results[0] if len(results) == 1 else results, sort_keys=True))
        if over_budget:
            click.echo("error: the plan is over the character budget", err=True)
            return 1
        return 0

    _run(ctx, go)


def _translation_report(manifest) -> dict[str, dict[str, dict[str, list[str]]]]:
    return {lib.name: {"missing": lib.missing, "only_in": lib.only_in_one_language()}
            for lib in manifest.libraries if lib.missing or lib.only_in_one_language()}


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_plan(r: dict[str, Any], diff) -> None:
    echo = click.echo
    echo(f"{r['manifest']}:")
    for item_id, text in diff.added:
        echo(click.style(f"  + {item_id}", fg="green") + f"  {_short(text)!r}")
    for item_id, old, new in diff.changed:
        echo(click.style(f"  ~ {item_id}", fg="yellow") + f"  {_short(old)!r} -> {_short(new)!r}")
    for job_id, old in diff.removed:
        echo(click.style(f"  - {job_id}", fg="red") + f"  {_short(old)!r}")
    echo(f"  {r['to_synthesize']} of {r['segments']} segments to synthesize, {r['chars']:,} characters")
    for prov, n in sorted(r["chars_by_provider"].items()):
        cost = r["cost_usd_by_provider"].get(prov)
        echo(f"    {prov}: {n:,} characters, " + (f"about ${cost:,.2f}" if cost is not None else "no price known"))
    if r["budget_chars"] is not None:
        echo(f"  budget: {r['budget_chars']:,} characters" + (" (over!)" if r["chars"] > r["budget_chars"] else ""))
    echo(f"  {len(r['outputs_to_write'])} outputs to write, {len(r['outputs_to_remove'])} to remove")
    _print_translations(r["translations"])
    echo(f"Plan: {len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to remove.")


def _print_translations(report: dict[str, Any]) -> None:
    for lib, parts in report.items():
        for lang, names in sorted(parts["missing"].items()):
            click.echo(f"  {lib}: {len(names)} missing in {lang}: {', '.join(names)}", err=True)
        for lang, names in sorted(parts["only_in"].items()):
            click.echo(f"  {lib}: {len(names)} only in {lang}: {', '.join(names)}", err=True)


@main.command()
@manifests_arg
@pass_ctx
def validate(ctx: Context, manifests: tuple[Path, ...]) -> None:
    """Check manifests (keys, texts, names, voices) without building."""
    from .build import check_voices, make_providers
    from .manifest import load_manifest

    def go() -> int:
        problems = []
        for path in manifests:
            try:
                manifest = load_manifest(path)
                providers, _ = make_providers(manifest)
                check_voices(manifest, providers)
            except ManifestError as exc:
                problems.extend(exc.problems)
                continue
            _print_translations(_translation_report(manifest))
            n = sum(len(lib.prompts) for lib in manifest.libraries)
            click.echo(f"{path}: ok ({len(manifest.libraries)} libraries, {n} prompts, {len(manifest.books)} books)")
        if problems:
            raise ManifestError(problems)
        return 0

    _run(ctx, go)


@main.command()
@click.option("--provider", default="espeak", show_default=True, help="Provider kind.")
@click.option("--language", default=None, help="Only voices for this language prefix (e.g. es).")
@pass_ctx
def voices(ctx: Context, provider: str, language: str | None) -> None:
    """List a provider's voices and languages."""
    from .providers.base import ProviderConfig
    from .providers.registry import create_provider

    def go() -> int:
        prov = create_provider(ProviderConfig(name=provider, kind=provider))
        prefix = language.lower() if language else None
        for v in sorted(prov.voices(), key=lambda v: v.name):
            if prefix and not any(l.lower().startswith(prefix) for l in v.languages):
                continue
            click.echo(f"{v.name:24} {','.join(v.languages):20} {v.gender or '':8} {v.description}")
        return 0

    _run(ctx, go)


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
        from . import importers

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

        _run(ctx, go)

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
            from .serve import FAULTS, run
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

    _run(ctx, go)


@main.command()
@manifests_arg
@click.option("--format", "formats", multiple=True, type=click.Choice(["tar.gz", "zip"]),
              help="Archive format (repeatable; default: the manifest's package.formats, else tar.gz).")
@click.option("--epoch", type=click.IntRange(0), default=None,
              help="Timestamp for archive entries (default: $SOURCE_DATE_EPOCH, else package.epoch, else 0).")
@pass_ctx
def package(ctx: Context, manifests: tuple[Path, ...], formats: tuple[str, ...], epoch: int | None) -> None:
    """Package built prompt libraries as reproducible release archives with SHA256SUMS."""
    from .manifest import load_manifest
    from .package.archive import package_manifest

    def go() -> int:
        for path in manifests:
            archives, written = package_manifest(load_manifest(path), formats=formats or None, epoch=epoch)
            changed = set(written)
            for archive in archives:
                click.echo(f"{archive}" + ("" if archive in changed else " (unchanged)"))
        return 0

    _run(ctx, go)


@main.command()
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: review.html beside the manifest).")
@pass_ctx
def report(ctx: Context, manifest: Path, out: Path | None) -> None:
    """Write an HTML review page of the last build: text, duration, level and a player per recording."""
    from .manifest import load_manifest
    from .report import write_html_report

    def go() -> int:
        model = load_manifest(manifest)
        target = out or manifest.parent / "review.html"
        n = write_html_report(model, target)
        click.echo(f"{target}: {n} recordings")
        return 0

    _run(ctx, go)


@main.group(name="cache")
def cache_group() -> None:
    """Inspect and manage the segment cache."""


def _cache_location(cache_dir: Path | None, manifest: Path | None) -> Path:
    import os

    if cache_dir:
        return cache_dir
    if manifest:
        return _cache_dir(manifest, None)
    if os.environ.get("NARRATE_CACHE"):
        return Path(os.environ["NARRATE_CACHE"]).expanduser()
    raise UsageError("which cache? pass --cache-dir DIR or -m MANIFEST (or set NARRATE_CACHE)")


def _cache_command(fn: Callable) -> Callable:
    fn = click.option("-m", "--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="Use the cache beside this manifest.")(fn)
    return cache_opt(fn)


def _open_cache(cache_dir: Path | None, manifest: Path | None):
    from .cache import SegmentCache

    return SegmentCache(_cache_location(cache_dir, manifest))


def _echo_warnings(cache) -> None:
    for line in cache.warnings:
        click.echo(f"warning: {line}", err=True)


@cache_group.command(name="stats")
@_cache_command
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def cache_stats_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, as_json: bool) -> None:
    """Entries, bytes and characters per provider."""
    from .cache.commands import cache_stats

    def go() -> int:
        cache = _open_cache(cache_dir, manifest)
        try:
            stats = cache_stats(cache)
        finally:
            _echo_warnings(cache)
            cache.close()
        if as_json:
            click.echo(json.dumps(stats, sort_keys=True))
            return 0
        click.echo(f"{stats['directory']}: {stats['entries']} entries, {stats['bytes'] / 1e6:.1f} MB"
                   + (f", {stats['corrupt']} corrupt (see narrate cache verify)" if stats["corrupt"] else ""))
        for name, p in sorted(stats["by_provider"].items()):  # type: ignore[union-attr]
            click.echo(f"  {name}: {p['entries']} segments, {p['chars']:,} characters, {p['bytes'] / 1e6:.1f} MB of audio")
        return 0

    _run(ctx, go)


@cache_group.command(name="verify")
@_cache_command
@click.option("--drop", is_flag=True, help="Delete the corrupt entries (they are synthesized again next build) "
                                           "and put back entry files the index lost.")
@pass_ctx
def cache_verify_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, drop: bool) -> None:
    """Re-hash every entry and re-derive its key; report (and optionally drop) corrupt or missing ones."""
    from .cache.commands import verify_cache

    def go() -> int:
        cache = _open_cache(cache_dir, manifest)
        try:
            report = verify_cache(cache, drop=drop)
        finally:
            _echo_warnings(cache)
            cache.close()
        for key, reason in report.corrupt:
            click.echo(f"corrupt {key[:12]}: {reason}", err=True)
        click.echo(f"{report.checked} entries checked, {len(report.corrupt)} corrupt, {report.dropped} dropped")
        return 1 if report.corrupt and not drop else 0

    _run(ctx, go)


def _planned_keys(path: Path) -> set[str]:
    """Every segment key one manifest uses today: its prompts and its books' sentences."""
    from .build import load_lexicon, make_providers
    from .manifest import load_manifest
    from .plan import plan_manifest

    manifest = load_manifest(path)
    providers, _ = make_providers(manifest)
    lexicon = load_lexicon(manifest)
    keys = set(plan_manifest(manifest, providers, lexicon).segments)
    if manifest.books:
        from .plan.books import plan_books

        for job in plan_books(manifest, providers, lexicon):
            keys |= set(job.keys())
    for provider in providers.values():
        provider.close()
    return keys


@cache_group.command(name="prune")
@manifests_arg
@cache_opt
@click.option("--yes", is_flag=True, help="Really delete (default: dry run).")
@pass_ctx
def cache_prune_cmd(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, yes: bool) -> None:
    """Drop cache entries that none of MANIFESTS references (a dry run unless --yes).

    Entries stored after the manifests were read (by a build running meanwhile) are kept."""
    import time

    from .cache.commands import prune_cache, referenced_keys

    def go() -> int:
        read_at = time.time()  # before reading: anything stored from now on is not ours to judge
        keep = referenced_keys(_planned_keys(p) for p in manifests)
        cache = _open_cache(cache_dir, manifests[0])
        try:
            report = prune_cache(cache, keep, dry_run=not yes, read_at=read_at)
        finally:
            _echo_warnings(cache)
            cache.close()
        verb = "dropped" if yes else "would drop"
        extra = f", {report.dangling} of them with their file missing" if report.dangling else ""
        newer = f"; kept {report.newer} stored after the manifests were read" if report.newer else ""
        click.echo(f"{verb} {len(report.unreferenced)} unreferenced entries ({report.bytes / 1e6:.1f} MB{extra}); "
                   f"kept {report.kept}{newer}" + ("" if yes else " (dry run: add --yes)"))
        return 0

    _run(ctx, go)


@cache_group.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_cache_command
@pass_ctx
def cache_export_cmd(ctx: Context, file: Path, cache_dir: Path | None, manifest: Path | None) -> None:
    """Write every entry that verifies to FILE (a tar) to warm another machine's cache."""
    from .cache.commands import export_cache

    def go() -> int:
        cache = _open_cache(cache_dir, manifest)
        try:
            n = export_cache(cache, file)
        finally:
            _echo_warnings(cache)
            cache.close()
        click.echo(f"exported {n} entries to {file}")
        return 0

    _run(ctx, go)


@cache_group.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_cache_command
@pass_ctx
def cache_import_cmd(ctx: Context, file: Path, cache_dir: Path | None, manifest: Path | None) -> None:
    """Import entries from FILE; each is verified (key re-derived, checksum, format) before it is stored.

    A damaged or truncated FILE imports nothing (exit 2); rejected entries exit 1."""
    from .cache.commands import import_cache

    def go() -> int:
        cache = _open_cache(cache_dir, manifest)
        try:
            report = import_cache(cache, file)
        finally:
            _echo_warnings(cache)
            cache.close()
        for name, reason in report.rejected:
            click.echo(f"rejected {file}: {name}: {reason}", err=True)
        click.echo(f"imported {report.imported}, already present {report.already}, rejected {len(report.rejected)}")
        return 1 if report.rejected else 0

    _run(ctx, go)


@cache_group.command(name="push")
@_cache_command
@click.option("--remote", default=None, metavar="s3://BUCKET/PREFIX",
              help="Remote cache (default: cache.remote in the manifest, or $NARRATE_REMOTE_CACHE).")
@pass_ctx
def cache_push_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, remote: str | None) -> None:
    """Upload the local entries the remote cache lacks (what builds could not write through).

    Only entries that verify are sent."""
    import os

    from .cache.remote import RemoteStore, push_to_remote

    def go() -> int:
        url = remote
        if not url and manifest is not None:
            from .manifest import load_manifest

            url = load_manifest(manifest).remote_cache
        url = url or os.environ.get("NARRATE_REMOTE_CACHE")
        if not url:
            raise UsageError("which remote cache? pass --remote s3://bucket/prefix, or -m MANIFEST with cache.remote")
        store = RemoteStore(url)
        cache = _open_cache(cache_dir, manifest)
        try:
            report = push_to_remote(cache, store)
        finally:
            _echo_warnings(cache)
            cache.close()
            store.close()
        for key, reason in report.failed:
            click.echo(f"failed {key[:12]}: {reason}", err=True)
        click.echo(f"uploaded {report.uploaded}, already there {report.present}, failed {len(report.failed)}")
        return 1 if report.failed else 0

    _run(ctx, go)


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
    from .manifest import read_text_input
    from .text.markdown import markdown_to_speakable, speakable_text

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
        for line in _book_text_lines(manifest_path, book_name, file, source):
            click.echo(line)
        return 0

    _run(ctx, go)


def _book_text_lines(manifest_path: Path, book_name: str | None, file: Path, source: str) -> list[str]:
    """`narrate text --manifest`: the title, then each segment's text, a blank line after each block."""
    from .build import load_lexicon
    from .manifest import load_manifest
    from .plan.books import markdown_options
    from .providers.registry import create_provider
    from .text.chapter import PAUSE_AFTER_PARAGRAPH_MS, chapter_units
    from .text.frontend import normalization_applies
    from .text.markdown import markdown_to_speakable

    manifest = load_manifest(manifest_path)
    books = {b.name: b for b in manifest.books}
    if book_name is None and len(books) != 1:
        raise UsageError(f"{manifest_path}: give --book (books: {', '.join(books) or 'none'})")
    book = books.get(book_name) if book_name is not None else next(iter(books.values()))
    if book is None:
        raise UsageError(f"{manifest_path}: no book {book_name!r} (books: {', '.join(books) or 'none'})")
    provider = create_provider(manifest.provider_config(book.settings.provider))
    doc = markdown_to_speakable(source, markdown_options(book), path=str(file))
    units = chapter_units(doc, provider.limits.max_chars, book.language, load_lexicon(manifest),
                          spoken=normalization_applies(provider))
    lines = [f"Title: {doc.title or file.stem}", ""]
    for unit in units:
        lines.append(unit.text)
        if unit.pause_after_ms >= PAUSE_AFTER_PARAGRAPH_MS:
            lines.append("")
    return lines[:-1] if lines[-1] == "" else lines


@main.command()
@pass_ctx
def schema(ctx: Context) -> None:
    """Print the manifest's JSON Schema (for editor completion)."""
    from .manifest.schema import manifest_schema

    _run(ctx, lambda: click.echo(json.dumps(manifest_schema(), indent=2)) or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
