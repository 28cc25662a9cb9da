"""`narrate plan`: what a build would add, change, remove and synthesize, and what it would cost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..counts import counted
from ..errors import NarrateError, Problem
from .app import Context, cache_for, cache_opt, error, load_for_build, main, manifests_arg, pass_ctx, run
from .build import print_translations, problems_of


@main.command()
@manifests_arg
@cache_opt
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--max-chars", type=click.IntRange(0), default=None, help="Exit 1 if the plan needs more characters.")
@pass_ctx
def plan(ctx: Context, manifests: tuple[Path, ...], cache_dir: Path | None, as_json: bool,
         max_chars: int | None) -> None:
    """Show what a build would add, change, remove and synthesize, and what it would cost."""
    from ..prepare import plan_report, prepare_build
    from ..voice_check import check_voices

    def go() -> int:
        results, over_budget = [], False
        problems: list[Problem] = []
        refused: NarrateError | None = None
        for path in manifests:
            try:
                manifest = load_for_build(path, cache_dir)
                with cache_for(path, cache_dir, manifest.remote_cache, manifest) as cache:
                    pb = prepare_build(manifest, cache)
                    cache_notes = list(getattr(cache, "warnings", []))  # "remote cache unavailable": counts may be high
                check_voices(manifest, pb.providers)  # a voice of another language is refused here too
                pb.check_keys()
            except NarrateError as exc:
                if not as_json:
                    raise
                refused = exc
                problems += problems_of(exc, path)
                continue
            result, diff, over = plan_report(pb, max_chars, name=str(path))
            result["warnings"] += cache_notes
            over_budget |= over
            results.append(result)
            if not as_json:
                _print_plan(result, diff)
        if as_json:
            from .machine import dumps, envelope, problem_object

            click.echo(dumps(envelope("plan", results, [problem_object(p) for p in problems], PLAN_TOTALS),
                                  sort_keys=True))
        if refused is not None:
            raise refused
        if over_budget:
            error("the plan is over the character budget")
            return 1
        return 0

    run(ctx, go)


PLAN_TOTALS: dict[str, Any] = {
    "segments": 0, "to_synthesize": 0, "chars": 0, "chars_by_provider": {}, "cost_usd": 0.0,
    "cost_usd_by_provider": {}, "added": [], "changed": [], "removed": [], "unchanged": 0, "outputs_to_write": [],
    "outputs_to_remove": [], "warnings": [], "fallbacks": []}


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
    echo(f"  {r['to_synthesize']} of {counted(r['segments'], 'segment')} to synthesize, "
         f"{counted(r['chars'], 'character', thousands=True)}")
    for prov, n in sorted(r["chars_by_provider"].items()):
        cost = r["cost_usd_by_provider"].get(prov)
        price = f"about ${cost:,.2f}" if cost is not None else "no price known"
        echo(f"    {prov}: {counted(n, 'character', thousands=True)}, {price}")
    if r["budget_chars"] is not None:
        over = " (over!)" if r["chars"] > r["budget_chars"] else ""
        echo(f"  budget: {counted(r['budget_chars'], 'character', thousands=True)}{over}")
    echo(f"  {counted(len(r['outputs_to_write']), 'output')} to write, {len(r['outputs_to_remove'])} to remove")
    print_translations(r["translations"])
    for w in r["warnings"]:  # consistency across languages, each fallback (narrate.manifest.advice)
        click.echo(f"warning: {w}", err=True)
    echo(f"Plan: {len(diff.added)} to add, {len(diff.changed)} to change, {len(diff.removed)} to remove.")
