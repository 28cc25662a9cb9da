"""`narrate cache stats|verify|prune|export|import|push`: thin commands over narrate.cache.commands."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from ..counts import counted
from ..errors import UsageError

if TYPE_CHECKING:
    from ..cache import SegmentCache

from .app import DEFAULT_MANIFESTS, Context, cache_folder, cache_opt, main, manifests_arg, own_folders, pass_ctx, run


@main.group(name="cache")
def cache_group() -> None:
    """Inspect and manage the segment cache."""


def _cache_location(cache_dir: Path | None, manifest: Path | None) -> Path:
    import os

    if cache_dir:
        return cache_dir
    if manifest:
        return cache_folder(manifest, None)
    if os.environ.get("NARRATE_CACHE"):
        return Path(os.environ["NARRATE_CACHE"]).expanduser()
    for name in DEFAULT_MANIFESTS:  # in a project made by `narrate init`, the cache its bare `narrate build` uses
        if Path(name).is_file():
            return cache_folder(Path(name), None)
    raise UsageError("which cache? pass --cache-dir DIR or -m MANIFEST (or set NARRATE_CACHE), "
                     "or run it beside narrate.yaml")


def _cache_command(fn: Callable) -> Callable:
    fn = click.option("-m", "--manifest", type=click.Path(dir_okay=False, path_type=Path), default=None,
                      help="Use the cache beside this manifest.")(fn)
    return cache_opt(fn)


def _manifest_or_option(fn: Callable) -> Callable:
    """`narrate cache stats MANIFEST`, as `cache prune MANIFEST` takes it (`-m MANIFEST` works too)."""
    def merged(*args: Any, manifest_arg: Path | None, manifest: Path | None, **kwargs: Any) -> Any:
        if manifest_arg and manifest and manifest_arg != manifest:
            raise click.UsageError("give the manifest once: as an argument or with -m")
        return fn(*args, manifest=manifest_arg or manifest, **kwargs)

    functools.update_wrapper(merged, fn)
    return click.argument("manifest_arg", metavar="[MANIFEST]", required=False,
                          type=click.Path(dir_okay=False, path_type=Path))(merged)


@contextmanager
def _opened(cache_dir: Path | None, manifest: Path | None, *, create: bool = False) -> Iterator[SegmentCache]:
    """The cache for a `narrate cache` command, its warnings printed and the cache closed after.
    Unless `create`, a folder with no cache index is refused (UsageError), never made: `cache stats
    --cache-dir typo` made the folder and an empty index and reported 0 entries."""
    if not create:
        from ..cache.store import INDEX_NAME

        where = _cache_location(cache_dir, manifest)
        if not (where / INDEX_NAME).is_file():
            raise UsageError(f"no cache at {where}: nothing was built with it yet (check --cache-dir or -m)")
    with _open_cache(cache_dir, manifest) as cache:
        try:
            yield cache
        finally:
            _echo_warnings(cache)


def _open_cache(cache_dir: Path | None, manifest: Path | None) -> SegmentCache:
    from ..cache import SegmentCache

    return SegmentCache(_cache_location(cache_dir, manifest))


def _echo_warnings(cache) -> None:
    for line in cache.warnings:
        click.echo(f"warning: {line}", err=True)


def _utc(seconds: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cache_group.command(name="stats")
@_cache_command
@_manifest_or_option
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def cache_stats_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, as_json: bool) -> None:
    """Entries, bytes and characters per provider, the oldest and newest entry, corrupt entries."""
    from ..cache.commands import cache_stats
    from ..cache.store import HEAL_LINES
    from .machine import dumps

    def go() -> int:
        with _opened(cache_dir, manifest) as cache:
            stats = cache_stats(cache)
        problems = cast("list[str]", stats["problems"])
        for line in problems[:HEAL_LINES]:
            click.echo(f"warning: {line}", err=True)
        if len(problems) > HEAL_LINES:
            click.echo(f"warning: {len(problems) - HEAL_LINES} more header fields are not what narrate writes",
                       err=True)
        if as_json:
            click.echo(dumps(stats, sort_keys=True))
            return 0
        size_mb = cast(int, stats["bytes"]) / 1e6
        click.echo(f"{stats['directory']}: {counted(cast(int, stats['entries']), 'entry')}, {size_mb:.1f} MB"
                   + (f", {stats['corrupt']} corrupt (see narrate cache verify)" if stats["corrupt"] else ""))
        by_provider: dict[str, dict[str, int]] = stats["by_provider"]  # type: ignore[assignment]
        for name, p in sorted(by_provider.items()):
            click.echo(f"  {name}: {counted(p['entries'], 'segment')}, {counted(p['chars'], 'character', thousands=True)}, "
                       f"{p['bytes'] / 1e6:.1f} MB of audio")
        if stats["oldest"] is not None and stats["newest"] is not None:  # as docs/ci.md says it shows
            click.echo(f"  oldest entry {_utc(cast(float, stats['oldest']))}, newest {_utc(cast(float, stats['newest']))}")
        return 0

    run(ctx, go)


@cache_group.command(name="verify")
@_cache_command
@_manifest_or_option
@click.option("--drop", is_flag=True, help="Delete the corrupt entries (they are synthesized again next build) "
                                           "and put back entry files the index lost.")
@pass_ctx
def cache_verify_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, drop: bool) -> None:
    """Re-hash every entry and re-derive its key; report (and optionally drop) corrupt or missing ones."""
    from ..cache.commands import verify_cache

    def go() -> int:
        with _opened(cache_dir, manifest) as cache:
            report = verify_cache(cache, drop=drop)
        for key, reason in report.corrupt:
            click.echo(f"corrupt {key[:12]}: {reason}", err=True)
        click.echo(f"{counted(report.checked, 'entry')} checked, {len(report.corrupt)} corrupt, {report.dropped} dropped")
        return 1 if report.corrupt and not drop else 0

    run(ctx, go)


def _planned_keys(path: Path) -> set[str]:
    """Every segment key one manifest uses today: its prompts and its books' sentences."""
    from ..manifest import load_manifest
    from ..plan import plan_manifest
    from ..prepare import load_lexicon, make_providers

    manifest = load_manifest(path)
    providers, _ = make_providers(manifest)
    lexicon = load_lexicon(manifest)
    keys = set(plan_manifest(manifest, providers, lexicon).segments)
    if manifest.books:
        from ..plan.books import plan_books

        for job in plan_books(manifest, providers, lexicon):
            keys |= set(job.keys())
    for provider in providers.values():
        provider.close()
    return keys


def _lock_neighbours(manifests: tuple[Path, ...]) -> list[Path]:
    """The other manifests with a section in the narrate.lock of one of `manifests`: they share its folder
    and so, unless they name another, its cache; their segments are not "unreferenced"."""
    from ..cache.lock import LockFile

    named = {p.resolve() for p in manifests}
    found: dict[Path, Path] = {}
    for path in manifests:
        for name in LockFile.for_manifest(path).other_live_manifests():
            other = path.parent / name
            if other.resolve() not in named:
                found.setdefault(other.resolve(), other)
    return list(found.values())


def _cache_neighbours(folder: Path, named: tuple[Path, ...]) -> tuple[list[Path], int]:
    """The other manifests that built with the cache at `folder` (their build state is there: a shared
    NARRATE_CACHE or --cache-dir), and how many other states there name no manifest (`built_manifests`)."""
    from ..cache.state import built_manifests, state_file

    manifests, unnamed = built_manifests(folder)
    ours = {state_file(folder, p, ".json").name for p in named}
    others = [p for p in manifests if state_file(folder, p, ".json").name not in ours]
    return others, sum(1 for name in unnamed if name not in ours)


@cache_group.command(name="prune")
@manifests_arg
@cache_opt
@click.option("--yes", is_flag=True, help="Really delete (default: dry run).")
@pass_ctx
def cache_prune_cmd(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, yes: bool) -> None:
    """Drop cache entries that none of MANIFESTS references (a dry run unless --yes).

    The other manifests of their narrate.lock files (one folder, one cache) count as named too.
    Entries stored after the manifests were read (by a build running meanwhile) are kept."""
    import time

    from ..cache.commands import prune_cache, referenced_keys

    def go() -> int:
        read_at = time.time()  # before reading: anything stored from now on is not ours to judge
        beside = _lock_neighbours(manifests)
        built, unnamed = _cache_neighbours(_cache_location(cache_dir, manifests[0]), (*manifests, *beside))
        if unnamed:
            click.echo(f"warning: this cache holds the build state of {counted(unnamed, 'other manifest')} with no "
                       "clean build recorded: narrate cannot name them, and their segments count as unreferenced "
                       "unless you name them too", err=True)
        beside += built
        keep = referenced_keys(_planned_keys(p) for p in (*manifests, *beside))
        with _opened(cache_dir, manifests[0]) as cache:
            report = prune_cache(cache, keep, dry_run=not yes, read_at=read_at)
        verb = "dropped" if yes else "would drop"
        extra = f", {report.dangling} of them with their file missing" if report.dangling else ""
        newer = f"; kept {report.newer} stored after the manifests were read" if report.newer else ""
        also = f" (with those of {', '.join(map(str, beside))}: they share its cache)" if beside else ""
        click.echo(f"{verb} {len(report.unreferenced)} unreferenced entries ({report.bytes / 1e6:.1f} MB{extra}); "
                   f"kept {report.kept}{also}{newer}" + ("" if yes else " (dry run: add --yes)"))
        return 0

    run(ctx, go)


@cache_group.command(name="export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_cache_command
@pass_ctx
def cache_export_cmd(ctx: Context, file: Path, cache_dir: Path | None, manifest: Path | None) -> None:
    """Write every entry that verifies to FILE (a tar) to warm another machine's cache."""
    from ..cache.commands import export_cache
    from ..replaceable import check_replaceable

    def go() -> int:
        check_replaceable(file, "tar")
        with _opened(cache_dir, manifest) as cache:
            n = export_cache(cache, file)
        click.echo(f"exported {counted(n, 'entry')} to {file}")
        return 0

    run(ctx, go)


@cache_group.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_cache_command
@pass_ctx
def cache_import_cmd(ctx: Context, file: Path, cache_dir: Path | None, manifest: Path | None) -> None:
    """Import entries from FILE; each is verified (key re-derived, checksum, format) before it is stored.

    A damaged or truncated FILE imports nothing (exit 2); rejected entries exit 1."""
    from ..cache.commands import import_cache

    def go() -> int:
        with _opened(cache_dir, manifest, create=True) as cache:
            report = import_cache(cache, file)
        for name, reason in report.rejected:
            click.echo(f"rejected {file}: {name}: {reason}", err=True)
        click.echo(f"imported {report.imported}, already present {report.already}, rejected {len(report.rejected)}")
        return 1 if report.rejected else 0

    run(ctx, go)


@cache_group.command(name="push")
@_cache_command
@click.option("--remote", default=None, metavar="URL",
              help="Remote cache (default: cache.remote in the manifest, or $NARRATE_REMOTE_CACHE).")
@pass_ctx
def cache_push_cmd(ctx: Context, cache_dir: Path | None, manifest: Path | None, remote: str | None) -> None:
    """Upload the local entries the remote cache lacks (what builds could not write through).

    Only entries that verify are sent."""
    import os

    from ..cache.objstore import refuse_own_folder
    from ..cache.remote import RemoteStore
    from ..cache.tiered import push_to_remote

    def go() -> int:
        url, loaded = remote, None
        if manifest is not None:
            from ..manifest import load_manifest

            loaded = load_manifest(manifest)
            url = url or loaded.remote_cache
        url = url or os.environ.get("NARRATE_REMOTE_CACHE")
        if not url:
            raise UsageError("which remote cache? pass --remote s3://bucket/prefix, or -m MANIFEST with cache.remote")
        refuse_own_folder(url, own_folders(_cache_location(cache_dir, manifest), loaded))
        store = RemoteStore(url)
        if store.unavailable is not None:  # a file:// folder that is missing: an error, even with nothing to push
            raise store.unavailable
        try:
            with _opened(cache_dir, manifest) as cache:
                report = push_to_remote(cache, store)
        finally:
            store.close()
        for key, reason in report.failed:
            click.echo(f"failed {key[:12]}: {reason}", err=True)
        click.echo(f"uploaded {report.uploaded}, already there {report.present}, failed {len(report.failed)}")
        return 1 if report.failed else 0

    run(ctx, go)
