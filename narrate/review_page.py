"""The HTML review page: one self-contained file (inline CSS, JS and SVG; no network, no library)
with a row per recording, filters by library, language and status, a search box, and a small
waveform beside each row's play button. Every text from a manifest or a lock is HTML-escaped.

One <audio> element plays whichever row is chosen: Chromium makes at most 1,000 media players a
page, so with one per row the rows past 1,000 of a large library did not play, and 5,000 native
players took tens of seconds to lay out.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .cache.lock import LockFile
from .fsutil import output_path, write_if_changed
from .manifest import Manifest
from .review import (
    LEVEL_TOLERANCE_DB,
    PAUSE_LIMIT_S,
    PEAK_LIMIT_DBFS,
    mark_changes,
    prune_previews,
    review_rows,
    state_path,
)

WAVE_W, WAVE_H = 120, 28  # px: the waveform beside each player

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>narrate review: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font:15px/1.4 system-ui,sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}} th{{background:#f4f4f4}}
.num{{text-align:right;white-space:nowrap}} .said{{color:#555}} tr.playing{{background:#e8f0ff}}
.note{{color:#555;font-size:90%}} .fallback{{color:#a40;font-size:90%}} .flags{{color:#b00;font-size:90%}}
.status-new,.status-changed{{background:#fff4c2;font-weight:600}} .status-unchanged{{color:#777}}
.what{{font-weight:400;font-size:85%}}
svg.wave{{display:block;stroke:#36c;stroke-width:1}}
#player-bar{{position:sticky;bottom:0;background:#fff;border-top:1px solid #ddd;padding:.5em 0;display:flex;gap:1em;
align-items:center}} #player{{width:320px}} #filters{{display:flex;gap:1em;flex-wrap:wrap;margin:1em 0}}
</style></head><body>
<h1>narrate review: {title}</h1>
<p>{count} recordings{fallbacks}. Levels are active speech levels in dBov (ITU-T P.56 style; 0 dBov = full-scale
square wave); peaks in dBFS.</p>
<p>{changes}</p>
<p>Flagged: a level more than {tol:g} dB off the manifest's target, a peak above {peak:g} dBFS (near clipping),
or a silence inside the recording longer than {pause:g} s.</p>
<div id="filters">
<label>library <select id="f-library"><option value="">all</option>{libraries}</select></label>
<label>language <select id="f-language"><option value="">all</option>{languages}</select></label>
<label>status <select id="f-status"><option value="all">all</option><option value="changed">changed or new</option>
<option value="flagged">flagged</option></select></label>
<label>search <input id="f-search" type="search" placeholder="text or name"></label>
<span id="shown">{count} of {count} shown</span>
</div>
<table><thead><tr><th>status</th><th>library</th><th>name</th><th>language</th><th>text</th>
<th>said (where it differs from the text)</th><th class="num">seconds</th><th class="num">level</th>
<th class="num">peak</th><th>flags</th><th>listen</th></tr></thead><tbody>
{rows}
</tbody></table>
<div id="player-bar"><audio id="player" controls preload="none"></audio><span id="now">play: choose a row</span></div>
<script>
(() => {{
  const rows = [...document.querySelectorAll("tbody tr")];
  const get = id => document.getElementById(id);
  function apply() {{
    const lib = get("f-library").value, lang = get("f-language").value, status = get("f-status").value;
    const q = get("f-search").value.trim().toLowerCase();
    let shown = 0;
    for (const r of rows) {{
      const d = r.dataset;
      const ok = (!lib || d.library === lib) && (!lang || d.language === lang)
        && (status === "all" || (status === "changed" && d.status !== "unchanged")
            || (status === "flagged" && d.flagged === "1"))
        && (!q || d.search.includes(q));
      r.hidden = !ok;
      if (ok) shown++;
    }}
    get("shown").textContent = shown + " of " + rows.length + " shown";
  }}
  for (const id of ["f-library", "f-language", "f-status"]) get(id).addEventListener("change", apply);
  get("f-search").addEventListener("input", apply);
  apply();
  const player = get("player"), now = get("now");
  let playing = null;
  document.querySelector("tbody").addEventListener("click", e => {{
    const button = e.target.closest("button.play");
    if (!button) return;
    const row = button.closest("tr");
    if (row === playing && !player.paused) {{ player.pause(); return; }}
    if (row !== playing) {{
      if (playing) playing.classList.remove("playing");
      playing = row;
      row.classList.add("playing");
      player.src = button.dataset.src;
      now.textContent = row.dataset.library + " / " + row.dataset.language + " / " + row.children[2].textContent;
    }}
    player.play().catch(err => {{ now.textContent = "cannot play " + button.dataset.src + ": " + err.message; }});
  }});
}})();
</script>
</body></html>
"""


def _wave(points: list[tuple[float, float]]) -> str:
    """An inline SVG of the (min, max) envelope: one vertical stroke per column, in whole pixels with
    relative moves ('m1-7v4': next column, up 7, down 4), to keep a large page small. (Half-pixel
    units, a viewBox twice as tall, drew every stroke thinner: Chromium scales the stroke width.)"""
    if not points:
        return ""
    # Drawn up to 4x (12 dB) larger so that speech at -26 dBov (peaks near -10 dBFS) fills the
    # height; a recording peaking above -12 dBFS is drawn to its own peak.
    gain = min(4.0, 1.0 / max(max(-lo, hi) for lo, hi in points)) if any(lo or hi for lo, hi in points) else 1.0
    mid = WAVE_H / 2
    d: list[str] = []
    y = 0
    for lo, hi in points:
        top = round(mid - hi * gain * mid)
        bottom = max(round(mid - lo * gain * mid), top + 1)
        d.append(f"m1{top - y:+d}v{bottom - top}" if d else f"M.5 {top}v{bottom - top}")
        y = bottom
    return (f'<svg class="wave" width="{WAVE_W}" height="{WAVE_H}" viewBox="0 0 {len(points)} {WAVE_H}" '
            f'preserveAspectRatio="none" role="img" aria-label="waveform"><path d="{"".join(d)}"/></svg>')


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


def _said(row: dict[str, Any]) -> str:
    """The spoken form, where the lexicon or normaliser changed the written text."""
    spoken = row.get("spoken")
    return f'<td class="said" lang="{html.escape(row["language"], quote=True)}">{html.escape(spoken)}</td>' \
        if spoken else "<td></td>"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _row(r: dict[str, Any]) -> str:
    esc = html.escape
    search = " ".join(str(r.get(k) or "") for k in ("library", "name", "text", "spoken", "note")).lower()
    attrs = (f'data-library="{esc(r["library"], quote=True)}" data-language="{esc(r["language"], quote=True)}" '
             f'data-status="{r["status"]}" data-flagged="{"1" if r["flags"] else ""}" '
             f'data-search="{esc(search, quote=True)}"')
    flags = "".join(f"<div>{esc(f)}</div>" for f in r["flags"])
    what = f'<div class="what">{esc(r["what_changed"])}</div>' if r.get("what_changed") else ""
    return (f"<tr {attrs}><td class=\"status-{r['status']}\">{r['status']}{what}</td><td>{esc(r['library'])}</td>"
            f"<td>{esc(r['name'])}</td><td>{esc(r['language'])}</td>{_text_cell(r)}{_said(r)}"
            f"<td class=\"num\">{r['duration']:.2f}</td><td class=\"num\">{_num(r['level'])}</td>"
            f"<td class=\"num\">{_num(r['peak'])}</td><td class=\"flags\">{flags}</td>"
            f"<td>{_wave(r['wave'])}<button type=\"button\" class=\"play\" "
            f"data-src=\"{esc(quote(Path(r['src']).as_posix()), quote=True)}\">play</button></td></tr>")


def _options(values: set[str]) -> str:
    return "".join(f'<option value="{html.escape(v, quote=True)}">{html.escape(v)}</option>' for v in sorted(values))


def _changes(had_baseline: bool, gone: list[str], rows: list[dict[str, Any]], state: Path) -> str:
    esc = html.escape
    if not had_baseline:
        return (f"Changed: no earlier review page here to compare with, so every recording counts as new. The next "
                f"page written here after a build marks what differs from this one (its digests are kept in "
                f"{esc(state.name)}).")
    changed = sum(r["status"] != "unchanged" for r in rows)
    text = (f"Changed: {changed} of {len(rows)} recordings are new or differ (text, spoken form or audio) from what "
            f"the previous review page here showed before the latest build (digests kept in {esc(state.name)}).")
    if gone:
        text += " Gone since: " + ", ".join(esc(g) for g in gone) + "."
    return text


def render_page(title: str, rows: list[dict[str, Any]], had_baseline: bool, gone: list[str], state: Path) -> str:
    """The page's HTML for `rows` (with `status` set by `mark_changes`)."""
    fell_back = sum(1 for r in rows if r.get("fallback_from"))
    return _PAGE.format(
        title=html.escape(title), count=len(rows), rows="\n".join(_row(r) for r in rows),
        fallbacks=f", {fell_back} of them fallbacks (another language's text)" if fell_back else "",
        changes=_changes(had_baseline, gone, rows, state), tol=LEVEL_TOLERANCE_DB, peak=PEAK_LIMIT_DBFS,
        pause=PAUSE_LIMIT_S, libraries=_options({r["library"] for r in rows}),
        languages=_options({r["language"] for r in rows if r["language"]}))


def write_html_report(manifest: Manifest, folder: Path, page: Path) -> tuple[Path, int]:
    """Write the review page at `folder/page` (`page` relative; see narrate.review for the default),
    its WAV previews and its state beside it. `folder` is taken as given (followed once); below it
    nothing is written through a link that leaves it (fsutil.output_path: OutputPathError).
    Returns (the page's path, the number of rows)."""
    folder = Path(os.path.abspath(folder)).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    target = output_path(folder, page)  # checks and makes review/ before any preview is written
    output_path(folder, state_path(target))  # and the state file, before the page: a refusal writes nothing
    page_folder = target.parent
    lock = LockFile.for_manifest(manifest.path)
    rows = review_rows(manifest, lock, target)
    had_baseline, gone, state = mark_changes(rows, target)
    html_text = render_page(manifest.path.name, rows, had_baseline, gone, state_path(target))
    write_if_changed(target, html_text.encode("utf-8"), within=page_folder)
    write_if_changed(state_path(target), state, within=page_folder)
    prune_previews(page_folder, {Path(r["src"]).as_posix() for r in rows}, target)
    return target, len(rows)
