"""Reports of a build: JUnit XML for CI systems, and an HTML review page for people.

The review page lists every prompt and chapter with its text, language, duration, measured level
and an audio player, so a reviewer can listen to a pull request's changes in a browser. Browsers
cannot play headerless G.711, so a library with only telephony formats gets small PCM WAV
previews written beside the page.
"""

from __future__ import annotations

import hashlib
import html
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from .cache.lock import LockFile
from .counts import counted
from .fsutil import regular_file_inside, write_if_changed
from .manifest import Manifest

if TYPE_CHECKING:
    from .audio.pcm import Pcm

BROWSER_FORMATS = ("wav16", "wav", "mp3")  # formats a browser plays as they are, best first


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


def _decode(path: Path, fmt: str) -> Pcm | None:
    """An output file as PCM, by its manifest format name ('mp3' for book files); None if unreadable."""
    from .audio.decode import decode
    from .audio.formats import OUTPUT_FORMATS
    from .providers.base import AudioFormat

    spec = OUTPUT_FORMATS.get(fmt)
    audio_format = AudioFormat(spec.container, spec.encoding, spec.rate) if spec else AudioFormat("mp3", "mp3", 0)
    try:
        return decode(path.read_bytes(), audio_format)
    except Exception:  # a damaged or foreign file: the page says so by leaving level empty
        return None


def _level(pcm: Pcm | None) -> float | None:
    from .audio.level import active_level_dbov

    level = active_level_dbov(pcm) if pcm is not None else float("-inf")
    return None if level == float("-inf") else round(level, 1)


def _preview(pcm: Pcm, preview_dir: Path) -> Path:
    """A 16-bit PCM WAV copy a browser can play, named by its content."""
    from .audio.encode import wav_bytes

    data = wav_bytes(pcm)
    target = preview_dir / f"{hashlib.sha256(data).hexdigest()[:20]}.wav"
    write_if_changed(target, data, within=preview_dir.parent)  # beside the page, never through a link out
    return target


def review_rows(manifest: Manifest, lock: LockFile, out_path: Path) -> list[dict[str, Any]]:
    """One row per built prompt (per library and language) and per book chapter, with a source a
    browser can play: the output itself when it is PCM WAV or MP3, else a WAV preview in
    `report-audio/` beside the page (G.711, headerless PCM)."""
    root = manifest.root
    preview_dir = out_path.parent / "report-audio"
    folders = [lib.output for lib in manifest.libraries] + [book.output for book in manifest.books]

    def owned(path: Path) -> bool:  # the lock is untrusted: never read what is not an output (/dev/zero...)
        return regular_file_inside(path, folders)

    written = {(lib.name, p.language, p.name): p for lib in manifest.libraries for p in lib.prompts}
    rows = []
    for job_id, entry in sorted(lock.prompts.items()):
        library, language, name = job_id.split("/", 2)
        outputs = entry.get("outputs", {})
        if not outputs:
            continue
        fmt = next((f for f in BROWSER_FORMATS if f in outputs), sorted(outputs)[0])
        source = root / outputs[fmt]["file"]
        if not owned(source):
            continue
        pcm = _decode(source, fmt)
        if fmt in BROWSER_FORMATS:
            playable = source
        elif pcm is not None:
            playable = _preview(pcm, preview_dir)
        else:
            continue
        spoken = entry.get("spoken")
        rows.append({"kind": library, "name": name, "language": language, "text": entry.get("text", ""),
                     "spoken": spoken if isinstance(spoken, str) else None,
                     "duration": outputs[fmt]["duration"], "level": _level(pcm),
                     "src": os.path.relpath(playable, out_path.parent), "files": sorted(outputs),
                     "note": getattr(written.get((library, language, name)), "note", None),
                     "fallback_from": getattr(written.get((library, language, name)), "fallback_from", None)})
    languages = {book.name: book.language for book in manifest.books}
    for book_name, entry in sorted(lock.books.items()):
        outputs = entry.get("outputs", {})
        titles = [title for title, _start in entry.get("chapters", [])]
        parts = [(f"{i:02d}", title, outputs.get(f"chapter-{i:03d}")) for i, title in enumerate(titles, 1)]
        if not any(rec for _, _, rec in parts):  # no chapter files: the whole book as one row
            parts = [("book", entry.get("title", book_name), outputs.get("mp3"))]
        for name, title, rec in parts:
            if rec and owned(root / rec["file"]):
                rows.append({"kind": f"book {book_name}", "name": name, "language": languages.get(book_name, ""),
                             "text": title, "duration": rec["duration"],
                             "level": _level(_decode(root / rec["file"], "mp3")),
                             "src": os.path.relpath(root / rec["file"], out_path.parent), "files": ["mp3"]})
    return rows


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>narrate review: {title}</title>
<style>
body{{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}} th{{background:#f4f4f4}}
.num{{text-align:right;white-space:nowrap}} audio{{width:260px}} .said{{color:#555}}
.note{{color:#555;font-size:90%}} .fallback{{color:#a40;font-size:90%}}
</style></head><body>
<h1>narrate review: {title}</h1>
<p>{count} recordings{fallbacks}. Levels are active speech levels in dBov (ITU-T P.56 style; 0 dBov = full-scale square wave).</p>
<table><thead><tr><th>target</th><th>name</th><th>language</th><th>text</th><th class="num">seconds</th>
<th class="num">level</th><th>listen</th><th>said (where it differs from the text)</th></tr></thead><tbody>
{rows}
</tbody></table>
<script>
// ?selftest: report, for automated checks, whether every player could load its audio.
if (location.search.includes("selftest")) {{
  const players = [...document.querySelectorAll("audio")];
  const results = players.map(a => new Promise(ok => {{
    if (a.readyState >= 1) return ok(a.duration > 0);
    a.addEventListener("loadedmetadata", () => ok(a.duration > 0), {{once: true}});
    a.addEventListener("error", () => ok(false), {{once: true}});
    a.load();
  }}));
  Promise.all(results).then(r => {{
    const el = document.createElement("pre"); el.id = "selftest";
    el.textContent = "SELFTEST " + r.filter(Boolean).length + "/" + r.length;
    document.body.appendChild(el);
  }});
}}
</script>
</body></html>
"""


def _said(row: dict[str, Any]) -> str:
    """The last cell: the spoken form, where the lexicon or normaliser changed the written text."""
    spoken = row.get("spoken")
    return f'<td class="said" lang="{html.escape(row["language"], quote=True)}">{html.escape(spoken)}</td>' \
        if spoken else "<td></td>"


def _text_cell(row: dict[str, Any]) -> str:
    """The written text, then the prompt's note and, for a fallback, whose text is said."""
    esc = html.escape
    cell = f"<td lang=\"{esc(row['language'], quote=True)}\">{esc(row['text'])}"
    if row.get("fallback_from"):
        cell += (f'<div class="fallback" lang="en">fallback: no {esc(row["language"])} text, the '
                 f'{esc(row["fallback_from"])} text said with the {esc(row["language"])} voice</div>')
    if row.get("note"):
        cell += f'<div class="note" lang="">note: {esc(row["note"])}</div>'
    return cell + "</td>"


def write_html_report(manifest: Manifest, out_path: Path) -> int:
    """Write the review page at `out_path` (and WAV previews in `report-audio/` beside it); its
    folder is the page's output folder: nothing is written through a link that leaves it.
    Returns the number of rows."""
    out_path = out_path.parent.resolve() / out_path.name  # the folder as given, followed once
    out_path.parent.mkdir(parents=True, exist_ok=True)
    lock = LockFile.for_manifest(manifest.path)
    rows = review_rows(manifest, lock, out_path)
    esc = html.escape
    body = "\n".join(
        f"<tr><td>{esc(r['kind'])}</td><td>{esc(r['name'])}</td><td>{esc(r['language'])}</td>"
        f"{_text_cell(r)}<td class=\"num\">{r['duration']:.2f}</td>"
        f"<td class=\"num\">{'' if r['level'] is None else r['level']}</td>"
        f"<td><audio controls preload=\"metadata\" src=\"{esc(quote(Path(r['src']).as_posix()), quote=True)}\"></audio></td>"
        f"{_said(r)}</tr>"
        for r in rows)
    fell_back = sum(1 for r in rows if r.get("fallback_from"))
    page = _PAGE.format(title=esc(manifest.path.name), count=len(rows), rows=body,
                        fallbacks=f", {fell_back} of them fallbacks (another language's text)" if fell_back else "")
    write_if_changed(out_path, page.encode("utf-8"), within=out_path.parent)
    return len(rows)
