"""`narrate check`: measure built books against their profiles (narrate.package.check)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from .app import Context, error, main, manifests_arg, pass_ctx, run


def check_audio(path: Path) -> int:
    """Check every book of one manifest; print each finding (stderr) and return how many."""
    from ..cache.lock import LockFile
    from ..manifest import load_manifest
    from ..manifest.inputs import beside
    from ..package.check import check_book

    manifest = load_manifest(path)
    if not manifest.books:
        click.echo(f"{manifest.named}: no books to check (narrate check measures books' MP3 and M4B files)", err=True)
        return 0
    lock = LockFile.for_manifest(manifest.path)
    count = 0
    for book in manifest.books:
        findings, measured = check_book(book, lock.books.get(book.name), manifest.root)
        for finding in findings:  # a file as the lock names it, from the manifest's folder: named from here
            error(replace(finding, file=beside(manifest.named, finding.file)) if finding.file.endswith((".mp3", ".m4b"))
                  else finding)
        count += len(findings)
        if not findings:
            click.echo(f"{book.name}: {measured} files meet the {book.profile.name} profile", err=True)
    return count


@main.command()
@manifests_arg
@pass_ctx
def check(ctx: Context, manifests: tuple[Path, ...]) -> None:
    """Measure the built books' files against their profiles; exit 1 naming each file and measure outside."""

    def go() -> int:
        return 1 if sum(check_audio(path) for path in manifests) else 0

    run(ctx, go)
