"""The review page's data: one row per built prompt (per library and language) and per book
chapter, with what a reviewer checks (text, spoken form, level, peak, pauses), whether it changed,
and where it is written.

Where: `review/review.html` beside the first library's (else book's) output folder, or the path
given; WAV previews (browsers cannot play headerless G.711) in `report-audio/` beside the page, and
the digests of what the page showed in `<page>.state.json`. Nothing goes to the manifest's folder
unless an output folder is there.

"Changed": a row whose text, spoken form or audio (the played output's sha256 from the lock)
differs from what the previous page in the same place showed before the latest build. The state
file keeps two sets of digests, `shown` (this page) and `baseline` (what it was compared with): a
report run again with no build between keeps the same baseline, so its marks do not vanish.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cache.lock import LockFile
from .errors import UsageError, shown
from .fsutil import regular_file_inside, write_if_changed
from .manifest import Manifest

if TYPE_CHECKING:
    from .audio.pcm import Pcm
    from .audio.profiles import Profile
    from .manifest.resolved import Settings

BROWSER_FORMATS = ("wav16", "wav", "mp3")  # formats a browser plays as they are, best first
PREVIEWS = "report-audio"
LEVEL_TOLERANCE_DB = 2.0  # level more than this off the manifest's target_dbov is flagged
PEAK_LIMIT_DBFS = -1.0  # a peak above this is near clipping (EBU R 128 s1 / ACX allow -1 dBTP at most)
PAUSE_LIMIT_S = 1.5  # an internal silence longer than this is flagged: callers hear a dead line
STATE_VERSION = 1
MAX_STATE_BYTES = 256 << 20  # a state narrate writes is ~200 bytes a row: a bigger file is not one, and is not read
_PREVIEW_NAME = re.compile(r"[0-9a-f]{20}\.wav")
_PLAYED = re.compile(rb"report-audio/([0-9a-f]{20}\.wav)")


def default_page(manifest: Manifest) -> tuple[Path, Path]:
    """(folder the page is checked against, page path relative to it): `review/review.html` in the
    folder that holds the first library's output folder (the first book's when there is no
    library). Raises UsageError when the manifest declares neither."""
    outputs = [lib.output for lib in manifest.libraries] + [book.output for book in manifest.books]
    if not outputs:
        raise UsageError(f"{manifest.path.name}: no library or book, so no review page; nothing written")
    return Path(os.path.abspath(outputs[0])).parent, Path("review") / "review.html"


def _decode(path: Path, fmt: str) -> Pcm | None:
    """An output file as PCM, by its manifest format name ('mp3' for book files); None if unreadable."""
    from .audio.decode import decode
    from .audio.formats import OUTPUT_FORMATS
    from .providers.base import AudioFormat

    spec = OUTPUT_FORMATS.get(fmt)
    audio_format = AudioFormat(spec.container, spec.encoding, spec.rate) if spec else AudioFormat("mp3", "mp3", 0)
    try:
        return decode(path.read_bytes(), audio_format)
    except Exception:  # a damaged or foreign file: the row says so ("no sound") instead of failing the page
        return None


def _preview(pcm: Pcm, page_folder: Path) -> Path:
    """A 16-bit PCM WAV copy a browser can play, named by its content."""
    from .audio.encode import wav_bytes

    data = wav_bytes(pcm)
    target = page_folder / PREVIEWS / f"{hashlib.sha256(data).hexdigest()[:20]}.wav"
    write_if_changed(target, data, within=page_folder)  # beside the page, never through a link out
    return target


def _measure(row: dict[str, Any], pcm: Pcm | None, settings: Settings | None, profile: Profile | None = None) -> None:
    """Add level, peak, pause, waveform and flags to `row` (in place). A prompt's level is checked
    against its `level.target_dbov`; a book file's against its profile (narrate.audio.profiles)
    when that profile measures dB RMS (ACX): the whole file's RMS within `loudness_range`. A
    LUFS profile's loudness needs BS.1770, which `narrate check` measures; the page does not."""
    from .audio.inspect import envelope, file_rms_db, inspect

    threshold = settings.silence.threshold_dbov if settings else -50.0
    target = settings.level.target_dbov if settings and settings.level.enabled and profile is None else None
    seen = inspect(pcm, threshold) if pcm is not None else None
    flags: list[str] = []
    if seen is None or seen.level_dbov is None:
        flags.append("no sound (silent or unreadable)")
    elif target is not None and abs(seen.level_dbov - target) > LEVEL_TOLERANCE_DB:
        flags.append(f"level {seen.level_dbov:g} dBov, target {target:g} \u00b1{LEVEL_TOLERANCE_DB:g}")
    elif pcm is not None and profile is not None and profile.measure == "rms":
        rms, (low, high) = file_rms_db(pcm), profile.loudness_range
        if rms is not None and not low <= rms <= high:
            flags.append(f"file RMS {rms:g} dB, {profile.name} profile {low:g} to {high:g}")
    if seen is not None and seen.peak_dbfs is not None and seen.peak_dbfs > PEAK_LIMIT_DBFS:
        flags.append(f"peak {seen.peak_dbfs:g} dBFS, near clipping (above {PEAK_LIMIT_DBFS:g})")
    if seen is not None and seen.pause_s > PAUSE_LIMIT_S:
        flags.append(f"silence of {seen.pause_s:g} s at {seen.pause_at_s:g} s (over {PAUSE_LIMIT_S:g} s)")
    row.update(level=seen.level_dbov if seen else None, peak=seen.peak_dbfs if seen else None,
               target=target, flags=flags, wave=envelope(pcm) if pcm is not None else [])


def _digest(text: str, spoken: str | None, audio_sha256: str) -> str:
    """`<text digest>:<audio digest>`: the two halves tell a reviewer which of them changed."""
    said = hashlib.sha256(json.dumps([text, spoken], ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
    return f"{said}:{audio_sha256[:16]}"


def _what_changed(was: str, now: str) -> str:
    parts = [name for name, a, b in zip(("text", "audio"), was.split(":"), now.split(":"), strict=False) if a != b]
    return " and ".join(parts) or "text and audio"


def review_rows(manifest: Manifest, lock: LockFile, page: Path) -> list[dict[str, Any]]:
    """One row per built prompt and per book chapter whose output the lock names inside an output
    folder, with a source a browser can play: the output itself when it is PCM WAV or MP3, else a
    WAV preview beside the page. Keys: key, library, name, language, text, spoken, note,
    fallback_from, duration (s), src (relative to the page), files, digest, level, peak, target,
    flags, wave (see `_measure`)."""
    root = manifest.root
    folders = [lib.output for lib in manifest.libraries] + [book.output for book in manifest.books]
    written = {(lib.name, p.language, p.name): p for lib in manifest.libraries for p in lib.prompts}

    def owned(path: Path) -> bool:  # the lock is untrusted: never read what is not an output (/dev/zero...)
        return regular_file_inside(path, folders)

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
            playable = _preview(pcm, page.parent)
        else:
            continue
        spoken = entry.get("spoken") if isinstance(entry.get("spoken"), str) else None
        prompt = written.get((library, language, name))
        row = {"key": job_id, "library": library, "name": name, "language": language,
               "text": entry.get("text", ""), "spoken": spoken,
               "note": getattr(prompt, "note", None), "fallback_from": getattr(prompt, "fallback_from", None),
               "duration": outputs[fmt]["duration"], "src": os.path.relpath(playable, page.parent),
               "files": sorted(outputs), "digest": _digest(entry.get("text", ""), spoken, outputs[fmt]["sha256"])}
        _measure(row, pcm, prompt.settings if prompt else None)
        rows.append(row)
    books = {book.name: book for book in manifest.books}
    for book_name, entry in sorted(lock.books.items()):
        outputs = entry.get("outputs", {})
        titles = [title for title, _start in entry.get("chapters", [])]
        parts = [(f"{i:02d}", title, outputs.get(f"chapter-{i:03d}")) for i, title in enumerate(titles, 1)]
        if not any(rec for _, _, rec in parts):  # no chapter files: the whole book as one row
            parts = [("book", entry.get("title", book_name), outputs.get("mp3"))]
        book = books.get(book_name)
        for name, title, rec in parts:
            if not rec or not owned(root / rec["file"]):
                continue
            row = {"key": f"book {book_name}/{name}", "library": f"book {book_name}", "name": name,
                   "language": book.language if book else "", "text": title, "spoken": None, "note": None,
                   "fallback_from": None, "duration": rec["duration"],
                   "src": os.path.relpath(root / rec["file"], page.parent), "files": ["mp3"],
                   "digest": _digest(title, None, rec["sha256"])}
            _measure(row, _decode(root / rec["file"], "mp3"), book.settings if book else None,
                     getattr(book, "profile", None))
            rows.append(row)
    return rows


def state_path(page: Path) -> Path:
    """Where the digests of what `page` showed are kept: `<stem>.state.json` beside it."""
    return page.with_name(page.stem + ".state.json")


def _read_state(path: Path) -> dict[str, Any] | None:
    """The previous page's state, or None when there is none or it is not one narrate wrote (a
    damaged state only costs the marks: every row then counts as new)."""
    try:
        if not path.is_file() or path.is_symlink() or path.stat().st_size > MAX_STATE_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("narrate_review") != STATE_VERSION:
        return None
    shown, baseline = data.get("shown"), data.get("baseline")
    if not isinstance(shown, dict) or not (baseline is None or isinstance(baseline, dict)):
        return None
    return data


def check_state_replaceable(page: Path) -> None:
    """Raise UsageError unless the state file beside `page` is absent, empty or one narrate wrote:
    `report -o config.html` replaced the user's `config.state.json`. A link or a folder there is
    left to fsutil.output_path, which replaces a link inside the page's folder and refuses the rest."""
    path = state_path(page)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0 or _read_state(path) is not None:
        return
    raise UsageError(f"{shown(str(path))} exists and is not a narrate review page's state: not replaced (name "
                     "another page, or move this file away first)")


def mark_changes(rows: list[dict[str, Any]], page: Path) -> tuple[bool, list[str], bytes]:
    """Set each row's `status` ("new", "changed" or "unchanged") and, when changed, `what_changed`
    ("text", "audio" or "text and audio") against the baseline (see the module doc). Returns
    (whether there was a baseline, keys of rows gone since, the new state file's bytes, to write
    with the page)."""
    current = {r["key"]: r["digest"] for r in rows}
    before = _read_state(state_path(page))
    if before is None:
        baseline = None
    elif before["shown"] == current:
        baseline = before["baseline"]  # no build since the last page: the same comparison again
    else:
        baseline = before["shown"]
    for r in rows:
        was = (baseline or {}).get(r["key"])
        r["status"] = "new" if was is None else "unchanged" if was == r["digest"] else "changed"
        r["what_changed"] = _what_changed(str(was), r["digest"]) if r["status"] == "changed" else None
    gone = sorted(set(baseline or {}) - set(current))
    state = {"narrate_review": STATE_VERSION, "baseline": baseline, "shown": current}
    return baseline is not None, gone, (json.dumps(state, sort_keys=True, indent=0) + "\n").encode("utf-8")


def _played_by_other_pages(page_folder: Path, page: Path | None) -> set[str]:
    """Previews the other narrate review pages in `page_folder` play (`report -o a.html`, then
    `-o b.html` beside it: both use report-audio/)."""
    played: set[str] = set()
    for entry in os.scandir(page_folder):
        if (page is not None and entry.name == page.name) or not entry.is_file(follow_symlinks=False):
            continue
        try:
            with open(entry.path, "rb") as fh:
                head = fh.read(512)
                if head.startswith(b"<!doctype html>") and b"narrate review" in head:
                    played.update(m.decode() for m in _PLAYED.findall(head + fh.read()))
        except OSError:
            continue
    return played


def prune_previews(page_folder: Path, used: set[str], page: Path | None = None) -> int:
    """Remove WAV previews an earlier page wrote and neither this page (`page`, playing `used`) nor
    another review page beside it plays (only files named as narrate names them, in
    `report-audio/` itself, never through a link). Returns how many."""
    folder = page_folder / PREVIEWS
    if folder.is_symlink() or not folder.is_dir():
        return 0
    kept = _played_by_other_pages(page_folder, page)
    removed = 0
    for entry in os.scandir(folder):
        if _PREVIEW_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) \
                and f"{PREVIEWS}/{entry.name}" not in used and entry.name not in kept:
            os.unlink(entry.path)
            removed += 1
    return removed
