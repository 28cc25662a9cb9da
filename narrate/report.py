"""Reports of a build: JUnit XML for CI systems, and an HTML review page for people.

The review page (narrate.review for its rows, narrate.review_page for the HTML) lists every prompt
and chapter with its text, level, flags, waveform and an audio player, so a reviewer can listen to
a pull request's changes in a browser.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from .counts import counted
from .fsutil import write_if_changed


def write_junit(reports: list, path: Path) -> None:
    """One testsuite per manifest: a failed testcase per error, a passing one per built target."""
    suites = ET.Element("testsuites", name="narrate")
    for r in reports:
        suite = ET.SubElement(suites, "testsuite", name=Path(r.manifest).name,
                              tests=str(len(r.errors) + 1), failures=str(len(r.errors)), errors="0")
        ok = ET.SubElement(suite, "testcase", classname="narrate.build", name="outputs")
        ET.SubElement(ok, "system-out").text = (
            f"{counted(r.segments, 'segment')}, {r.synthesized} synthesized ({counted(r.chars_synthesized, 'character')}); "
            f"{counted(r.outputs_written, 'output')} written, {r.outputs_unchanged} unchanged, {r.outputs_removed} removed")
        for error in r.errors:
            name = error.split(":", 1)[0].split(" [", 1)[0]
            case = ET.SubElement(suite, "testcase", classname="narrate.segment", name=name)
            ET.SubElement(case, "failure", message=error[:500]).text = error
    ET.indent(suites)
    path.parent.mkdir(parents=True, exist_ok=True)
    folder = path.parent.resolve()  # the folder as given, followed once; never a link out of it
    write_if_changed(folder / path.name, ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n",
                     within=folder)
