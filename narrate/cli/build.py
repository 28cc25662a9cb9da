"""`narrate build`, `validate`, `package` and `report`: thin commands over narrate.build,
narrate.prepare and narrate.package. Only these print."""

from __future__ import annotations

import os
import re
from functools import partial
from pathlib import Path
from typing import Any

import click

from ..counts import counted
from ..errors import ManifestError, MissingKeyError, NarrateError, Problem, shown
from .app import (
    Context,
    cache_folder,
    cache_for,
    cache_opt,
    error,
    load_for_build,
    main,
    manifest_arg,
    manifests_arg,
    pass_ctx,
    progress_for,
    run,
)


@main.command()
@manifests_arg
@cache_opt
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None,
              help="Cap on parallel requests and worker processes (default: jobs: in the manifest, else one per "
                   "core; 1 runs everything in this process).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with the build's figures.")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 if anything would be synthesized, written or removed.")
@click.option("--offline", is_flag=True, help="Never call a provider; fail if a segment is not cached.")
@click.option("--max-chars", type=click.IntRange(0), default=None, help="Refuse to synthesize more characters than this.")
@click.option("--remote", default=None, metavar="URL",
              help="Shared remote cache, s3://, gs://, az:// or file:// (also cache.remote in the manifest, "
                   "or $NARRATE_REMOTE_CACHE).")
@click.option("--shard", default=None, metavar="K/N",
              help="Synthesize only shard K of N of the missing segments into the shared cache; write no outputs "
                   "(a last `narrate build --offline` assembles them).")
@click.option("--report", "junit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a JUnit XML report for CI systems.")
@click.option("--check-audio", is_flag=True, help="Then measure the books' files against their profiles (`narrate check`).")
@pass_ctx
def build(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, jobs: int | None,
          as_json: bool, check: bool, offline: bool, max_chars: int | None, remote: str | None,
          shard: str | None, junit: Path | None, check_audio: bool) -> None:
    """Build every library and book in MANIFESTS."""
    from ..outcome import BuildOptions, noop_report

    def go() -> int:
        from ..cache.shards import parse_shard
        from ..errors import UsageError

        parts = parse_shard(shard) if shard is not None else None
        for url in (remote, os.environ.get("NARRATE_REMOTE_CACHE")):
            if url:  # refused whatever the local cache holds: a warm one must not hide a typo
                from ..cache.objstore import parse_url

                parse_url(url)
        if junit is not None:
            from ..replaceable import check_replaceable

            check_replaceable(junit, "junit")  # before the build: a refused report costs nothing
        if parts and (offline or check):
            raise UsageError("--shard synthesizes; it cannot be combined with --offline or --check")
        options = BuildOptions(jobs=jobs, check=check, offline=offline, max_chars=max_chars, shard=parts,
                               owners=junit is not None)
        reports = []
        problems: list[Problem] = []
        refused: NarrateError | None = None  # bad input, kept (with --json or --report) to be reported whole
        for path in manifests:
            # Nothing changed: no parsing. A shard always plans (it owns only part of the segments), and
            # a JUnit report lists every output, which needs the plan.
            report = None if parts or junit else noop_report(path, cache_folder(path, cache_dir))
            if report is None:
                from ..build import build as run_build

                try:
                    manifest = load_for_build(path, cache_dir)
                    bars = progress_for(ctx.quiet, path.name)
                    with cache_for(path, cache_dir, remote or manifest.remote_cache, manifest) as cache:
                        report = run_build(manifest, cache, options, bars)
                    options.chars_spent += report.chars_synthesized
                except NarrateError as exc:
                    if not (as_json or junit):
                        raise
                    refused = exc
                    problems += problems_of(exc, path)
                    continue

            for w in report.warnings:
                click.echo(f"warning: {w}", err=True)
            reports.append(report)
            if report.error:  # a failed write (full disk...): the next manifests would fail the same way
                break
        late = [p for r in reports for p in r.problems]  # found while assembling: reported as bad input
        if late:
            problems += late
            earlier = refused.problems if isinstance(refused, ManifestError) else []
            refused = ManifestError(earlier + late) if refused is None or earlier else refused
        failed = any(r.errors for r in reports)
        changes = any(r.written or r.removed or r.missing_segments for r in reports)
        if junit is not None:
            from ..report import write_junit

            write_junit(reports, junit, problems=problems, check=check)
        if as_json:
            from .machine import dumps, envelope, problem_object

            click.echo(dumps(envelope("build", [_build_json(r, check, offline) for r in reports],
                                           [problem_object(p) for p in problems], BUILD_TOTALS), sort_keys=True))
            for r in reports:  # the one line a person reads, beside the object a program reads
                if r.error:
                    error(r.error)
        else:
            for r in reports:
                _print_report(r, check)
        if refused is not None:
            raise refused  # its lines on stderr and its exit code, after the report that names it
        if parts and not as_json and not failed:  # only a shard that did its part says so
            click.echo(f"shard {parts[0]}/{parts[1]}: segments written to the cache only, no outputs written "
                       "(run `narrate build --offline` once every shard is done)", err=True)
        if failed:
            return 1
        if check_audio and not check:
            from .check import check_audio as measure_books

            if sum(measure_books(path) for path in manifests):
                return 1
        return 1 if check and changes else 0

    run(ctx, go)


def problems_of(exc: NarrateError, path: Path) -> list[Problem]:
    """Bad input as located problems, for --json and --report (a non-manifest error names the manifest)."""
    return exc.problems if isinstance(exc, ManifestError) else [Problem(str(path), None, "", str(exc))]


BUILD_TOTALS: dict[str, Any] = {
    "segments": 0, "cached": 0, "synthesized": 0, "chars_synthesized": 0, "outputs_written": 0, "outputs_unchanged": 0,
    "outputs_removed": 0, "written": [], "removed": [], "synthesized_segments": [], "segments_to_synthesize": [],
    "warnings": []}


def _build_json(r: Any, check: bool, offline: bool) -> dict[str, Any]:
    """One manifest's build report for --json: errors as objects; the segments this build
    synthesized apart from those it would synthesize (--check) or could not (--offline)."""
    from .machine import error_object

    errors = [error_object(e, r.manifest) for e in r.errors]
    failed = {e["key"] for e in errors if e["code"] == "synthesis_failed"}
    pending = check or offline
    return {"manifest": r.manifest, "segments": r.segments, "cached": r.cached, "synthesized": r.synthesized,
            "chars_synthesized": r.chars_synthesized, "outputs_written": r.outputs_written,
            "outputs_unchanged": r.outputs_unchanged, "outputs_removed": r.outputs_removed, "written": r.written,
            "removed": r.removed,
            "synthesized_segments": [] if pending else r.synthesized_segments if r.synthesized_segments is not None
            else [d for d in r.missing_segments if d.split(" [", 1)[0] not in failed],
            "segments_to_synthesize": list(r.missing_segments) if pending else [],
            "warnings": r.warnings, "errors": errors, "error": r.error}


def _print_report(r, check: bool) -> None:
    # Human summary to stderr, data to stdout. Segment errors quote what a provider answered: escape every
    # control, bidi and zero-width character so a lying server cannot rewrite the terminal.
    out = lambda s: click.echo("\n".join(shown(line) for line in s.split("\n")), err=True)  # noqa: E731
    # Paths as the user can open them from here (the report's are relative to the manifest's folder).
    here = lambda rel: os.path.relpath(os.path.join(os.path.dirname(r.manifest), rel))  # noqa: E731
    if check:
        for m in r.missing_segments:
            out(f"would synthesize {m}")
        for w in r.written:
            out(f"would write {here(w)}")
        for rm in r.removed:
            out(f"would remove {here(rm)}")
        if not (r.missing_segments or r.written or r.removed):
            out(f"{Path(r.manifest).name}: up to date")
        return
    for rm in r.removed:
        out(f"removed {here(rm)}")
    for e in r.errors:
        out(f"error: {e}")
    out(f"{Path(r.manifest).name}: {counted(r.segments, 'segment')} ({r.cached} cached, {r.synthesized} synthesized, "
        f"{counted(r.chars_synthesized, 'char')}); outputs {r.outputs_written} written, {r.outputs_unchanged} unchanged, "
        f"{r.outputs_removed} removed" + (f"; {len(r.errors)} failed" if r.errors else ""))


def print_translations(report: dict[str, Any]) -> None:
    for lib, parts in report.items():
        for lang, names in sorted(parts["missing"].items()):
            click.echo(f"  {lib}: {len(names)} missing in {lang}: {', '.join(names)}", err=True)
        for lang, names in sorted(parts["only_in"].items()):
            click.echo(f"  {lib}: {len(names)} only in {lang}: {', '.join(names)}", err=True)


# A narrate manifest declares prompt libraries or books at its top level; other YAML (lexicons,
# CI workflows, docs configs) does not. Read as text so that a manifest with a YAML error is
# still recognised, and reported.


_MANIFEST_LINE = re.compile(r"^(libraries|books)\s*:", re.MULTILINE)


def _looks_like_manifest(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return True  # let validate report it
    return bool(_MANIFEST_LINE.search(head.decode("utf-8", "replace")))


@main.command()
@manifests_arg
@click.option("--only-manifests", is_flag=True,
              help="Skip YAML files that are not narrate manifests (no top-level libraries: or books:), "
                   "as the pre-commit hook does.")
@pass_ctx
def validate(ctx: Context, manifests: tuple[Path, ...], only_manifests: bool) -> None:
    """Check manifests (keys, texts, names, voices) without building."""
    from ..cache.state import default_cache_dir
    from ..manifest import load_manifest
    from ..package.book_checks import check_books
    from ..prepare import check_keys, load_lexicon, make_providers, translation_report
    from ..voice_check import check_voices

    if only_manifests:
        manifests = tuple(path for path in manifests if _looks_like_manifest(path))

    def go() -> int:
        problems = []
        for path in manifests:
            try:
                manifest = load_manifest(path, cache=default_cache_dir(path))  # outputs apart from it, as build checks
                providers, _ = make_providers(manifest)
                check_voices(manifest, providers)
                found = check_books(manifest, providers, load_lexicon(manifest))  # what a build's plan refuses, too
                if found:
                    raise ManifestError(found)
            except ManifestError as exc:
                problems.extend(exc.problems)
                continue
            try:
                check_keys(providers)
            except MissingKeyError as exc:
                problems.extend(Problem(str(path), None, "", p) for p in exc.problems)
                continue
            print_translations(translation_report(manifest))
            for w in manifest.warnings:
                click.echo(f"warning: {w}", err=True)
            # A prompt is a name (`welcome`), as in plan and the sheets; its texts are one per language.
            texts = sum(len(lib.prompts) for lib in manifest.libraries)
            names = sum(len({p.name for p in lib.prompts}) for lib in manifest.libraries)
            prompts = counted(names, "prompt") + (f" ({texts} texts in their languages)" if texts != names else "")
            click.echo(f"{path}: ok ({counted(len(manifest.libraries), 'library')}, {prompts}, "
                       f"{counted(len(manifest.books), 'book')})")
        if problems:
            raise ManifestError(problems)
        return 0

    run(ctx, go)



@main.command()
@manifests_arg
@cache_opt
@click.option("--format", "formats", multiple=True, type=click.Choice(["tar.gz", "zip"]),
              help="Archive format (repeatable; default: the manifest's package.formats, else tar.gz).")
@click.option("--epoch", type=click.IntRange(0), default=None,
              help="Timestamp for archive entries (default: $SOURCE_DATE_EPOCH, else package.epoch, else 0); "
                   "zip archives hold 1980 to 2107.")
@pass_ctx
def package(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, formats: tuple[str, ...],
            epoch: int | None) -> None:
    """Package built prompt libraries as reproducible release archives with SHA256SUMS. Refused
    when the outputs are older than the manifest (run `narrate build` first)."""
    from ..build.current import check_libraries_current
    from ..package.archive import package_manifest

    def go() -> int:
        for path in manifests:
            manifest = load_for_build(path, cache_dir)
            current = partial(check_libraries_current, manifest, cache_folder(path, cache_dir))
            archives, written = package_manifest(manifest, formats=formats or None, epoch=epoch, before_writing=current)
            changed = set(written)
            for archive in archives:
                click.echo(f"{archive}" + ("" if archive in changed else " (unchanged)"))
        return 0

    run(ctx, go)


@main.command()
@manifest_arg
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="HTML file to write (default: review/review.html beside the first output folder).")
@pass_ctx
def report(ctx: Context, manifest: Path, out: Path | None) -> None:
    """Write an HTML review page of the last build: text, level, flags, waveform and a player per
    recording; it marks what changed and filters by library, language and status."""
    from ..manifest import load_manifest
    from ..replaceable import check_replaceable
    from ..review import check_state_replaceable, default_page
    from ..review_page import write_html_report

    def go() -> int:
        from ..cache.lock import LockFile

        model = load_manifest(manifest)
        lock = LockFile.for_manifest(model.path)
        if not lock.prompts and not lock.books:  # an empty page would look like a build that made nothing
            raise NarrateError(f"{manifest}: nothing built yet, so nothing to review: run `narrate build` first")
        folder, page = (out.parent, Path(out.name)) if out else default_page(model)
        check_replaceable(folder / page, "html")
        check_state_replaceable(folder / page)
        target, n = write_html_report(model, folder, page)
        click.echo(f"{target}: {counted(n, 'recording')}")
        return 0

    run(ctx, go)
