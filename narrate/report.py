"""Reports of a build: JUnit XML for CI systems, and an HTML review page for people.

The review page (narrate.review for its rows, narrate.review_page for the HTML) lists every prompt
and chapter with its text, level, flags, waveform and an audio player, so a reviewer can listen to
a pull request's changes in a browser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from .counts import counted
from .errors import Problem
from .fsutil import write_if_changed


def write_junit(reports: list, path: Path, *, problems: Sequence[Problem] = (), check: bool = False) -> None:
    """JUnit XML: one testsuite per manifest and one testcase per output file (classname the prompt
    or book that makes it, name its path), so the same cases appear in green and red runs; a case
    fails when its prompt's or book's build failed, or, with `check`, when it would be rewritten.
    Each case's time is the seconds this build spent rendering its prompt or book (0 if current).
    Errors that name no output (a failed write, a missing key) are cases of their own, and bad input
    (`problems`, manifests that could not be read) a `narrate.input` suite of failed cases."""
    suites = ET.Element("testsuites", name="narrate")
    for r in reports:
        suite = ET.SubElement(suites, "testsuite", name=Path(r.manifest).name)
        owned = {owner: ([e for e in r.errors if _names(e, owner)], r.seconds.get(owner, 0.0)) for owner in r.owners}
        stale = set(r.written) if check else set()
        not_built = set(r.not_built)
        stop = r.error or next((e for e in r.errors if e.startswith("provider ")), "the build stopped")
        failures = 0
        for owner, (errors, seconds) in sorted(owned.items()):
            files = r.owners[owner]
            if not errors and owner in not_built:
                errors = [f"not built: a segment of it was never requested ({stop})"]
            for file in files:
                case = ET.SubElement(suite, "testcase", classname=owner, name=file, time=f"{seconds / len(files):.3f}")
                if errors:
                    ET.SubElement(case, "failure", message=errors[0][:500]).text = "\n".join(errors)
                elif file in stale:
                    ET.SubElement(case, "failure", message="out of date: narrate build would rewrite it")
                else:
                    continue
                failures += 1
        for error in [e for e in r.errors if not any(_names(e, owner) for owner in r.owners)]:
            case = ET.SubElement(suite, "testcase", classname="narrate.build", name=error.split(":", 1)[0][:200])
            ET.SubElement(case, "failure", message=error[:500]).text = error
            failures += 1
        if check:
            for file in r.removed:
                case = ET.SubElement(suite, "testcase", classname="narrate.build", name=file)
                ET.SubElement(case, "failure", message="no longer built: narrate build would remove it")
                failures += 1
        suite.set("tests", str(len(suite)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("time", f"{sum(r.seconds.values()):.3f}")
        ET.SubElement(suite, "system-out").text = (
            f"{counted(r.segments, 'segment')}, {r.synthesized} synthesized ({counted(r.chars_synthesized, 'character')}); "
            f"{counted(r.outputs_written, 'output')} written, {r.outputs_unchanged} unchanged, {r.outputs_removed} removed")
    if problems:
        suite = ET.SubElement(suites, "testsuite", name="narrate.input", tests=str(len(problems)),
                              failures=str(len(problems)), errors="0")
        for problem in problems:
            case = ET.SubElement(suite, "testcase", classname=problem.file, name=problem.key_path or problem.file)
            ET.SubElement(case, "failure", message=str(problem)[:500]).text = str(problem)
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent.resolve()  # the folder as given, followed once; never a link out of it
    write_if_changed(folder / path.name, ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n",
                     within=folder)


def _names(error: str, owner: str) -> bool:
    """Whether a build error line is about `owner` (a prompt id such as lib/lang/name, or books/NAME)."""
    return error.startswith((owner + ":", owner + " [", owner + " (", f"not in the cache (offline): {owner} "))
