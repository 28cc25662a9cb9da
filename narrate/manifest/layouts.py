"""Where each prompt's file goes, per telephony platform layout. Pure: names in, relative paths out.

Part of the manifest package because validation needs it (an output path over 4,096 bytes, two
prompts on one file, or a pattern that leaves the output folder are refused before anything is
paid) as much as planning does; the packagers only write to these paths. Paths never enter a
segment key, so changing a layout moves files and bills nothing.

Layouts (../shared/reference/telephony.md):
- `asterisk`: `<lang>/<name>.<ext>`, the language folder named the Asterisk way (`en`, `en_GB`,
  `fr_CA`: its core sound sets and the channel-language fallback `en_GB` -> `en` use underscores).
- `freeswitch`: `<lang>/<region>/<voice>/<category>/<rate>/<file>.wav`, as its sound packs
  (`en/us/callie/ivr/8000/ivr-welcome.wav`); mod_sndfile inserts the rate folder itself.
- `flat`: `<format>/<lang>/<name with / as _>.<ext>`, for upload UIs that take flat lists.
- `{pattern: "..."}`: any other convention, from the placeholders in PLACEHOLDERS.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from posixpath import join as pjoin
from typing import TYPE_CHECKING

from ..audio.formats import OUTPUT_FORMATS
from ..errors import shown
from .names import MAX_COMPONENT_BYTES, check_name, version_problem

if TYPE_CHECKING:
    from .resolved import Library, PromptText

FORMAT_EXTENSIONS = {name: f.ext for name, f in OUTPUT_FORMATS.items()}
FORMAT_RATES = {name: f.rate for name, f in OUTPUT_FORMATS.items()}
LAYOUTS = ("asterisk", "freeswitch", "flat")
ARCHIVE_FORMATS = ("tar.gz", "zip")  # release archives (narrate.package.archive)
EPOCH_MAX = 253402300799  # 9999-12-31 23:59:59 UTC
ZIP_EPOCH_MAX = 4354819199  # 2107-12-31 23:59:59 UTC: a zip's DOS date counts years 1980-2107 in 7 bits
PLACEHOLDERS = {
    "lang": "the language's folder: its `path:`, else the tag as written (en-GB)",
    "language": "the language tag as written (en-GB)",
    "name": "the prompt name, with its folders (ivr/welcome)",
    "base": "the prompt name without its folders (welcome)",
    "category": "the prompt name's folders (ivr), empty if none",
    "voice": "the language's voice (`/` written as `-`)",
    "format": "the format name (wav16)",
    "rate": "the format's sample rate in Hz (16000)",
    "ext": "the format's file extension (wav16)",
}


@dataclass(frozen=True)
class Place:
    """What a path is made of: one prompt in one language and format."""

    name: str
    language: str  # the tag as written
    folder: str  # the language's folder (`path:` or the layout's default)
    voice: str
    fmt: str


def _subtags(tag: str) -> list[str]:
    """BCP-47 subtags in their conventional case: language lower, script Title, region upper."""
    out = []
    for i, part in enumerate(tag.replace("_", "-").split("-")):
        if i and len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif i and (len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit()):
            out.append(part.upper())
        else:
            out.append(part.lower())
    return out


def voice_folder(voice: str) -> str:
    """A voice name as one folder name: espeak's `gmw/en-US` becomes `gmw-en-US`."""
    return voice.replace("/", "-").replace("\\", "-")


def language_folder(layout: str, tag: str, voice: str) -> str:
    """The default folder of language `tag` in `layout` (a language's `path:` replaces it).

    asterisk: `en-GB` -> `en_GB`, `fr-CA` -> `fr_CA`, `en` -> `en`;
    freeswitch: `en-US` + voice `callie` -> `en/us/callie` (no region: `fr/<voice>`);
    flat and patterns: the tag as written.
    """
    if layout == "asterisk":
        return "_".join(_subtags(tag))
    if layout == "freeswitch":
        parts = _subtags(tag)
        region = next((p for p in parts[1:] if len(p) == 2 and p.isupper() or len(p) == 3 and p.isdigit()), None)
        return "/".join([parts[0], *([region.lower()] if region else []), voice_folder(voice)])
    return tag


def prompt_path(layout: str, language_path: str, name: str, fmt: str) -> str:
    """The file's path relative to the library's output directory (POSIX separators), for the
    built-in layouts; `pattern_path` does patterns."""
    ext = FORMAT_EXTENSIONS[fmt]
    if layout == "asterisk":
        # Asterisk: sounds/<lang>/<name>.<ext>; playback names omit the extension.
        return f"{language_path}/{name}.{ext}"
    if layout == "freeswitch":
        # mod_sndfile inserts "<rate>/" before the file name: ivr/ivr-welcome.wav -> ivr/8000/ivr-welcome.wav.
        folder, _, base = name.rpartition("/")
        rate = str(FORMAT_RATES[fmt])
        return pjoin(language_path, folder, rate, f"{base}.wav") if folder else pjoin(language_path, rate, f"{base}.wav")
    if layout == "flat":
        # One folder per format and language, no subfolders: contact-centre uploads take flat lists.
        return f"{fmt}/{language_path}/{name.replace('/', '_')}.{ext}"
    raise ValueError(f"unknown layout {layout!r}")


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be a layout, or None: placeholders must be known and plain (no
    `{name.attr}`, `{name!r}` or `{name:>9}`), and the literal text may not make an absolute path,
    a backslash, or a `.`/`..` segment."""
    try:
        pieces = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        return f"not a pattern: {exc} (write {{{{ and }}}} for literal braces)"
    fields = [f for _, f, _, _ in pieces if f is not None]
    for _, field, spec, conv in pieces:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            return f"unknown placeholder {{{field}}}; known: " + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
        if spec or conv:
            return f"placeholder {{{field}}} takes no conversion or format"
    if "name" not in fields and "base" not in fields:
        return "the pattern needs {name} or {base}, or every prompt would write one file"
    literal = "".join(text + ("\0" if field is not None else "") for text, field, _, _ in pieces)
    if literal.startswith("/") or "\\" in literal or ":" in literal[:2]:
        return "the pattern must be a relative path inside the output folder (no leading /, no \\ or drive)"
    if any(seg.strip() in (".", "..") for seg in literal.split("/")):
        return "the pattern may not contain '.' or '..' segments: files stay inside the output folder"
    return None


def pattern_path(pattern: str, place: Place) -> str:
    """The file's path for a checked pattern. Empty placeholders leave no empty folder
    (`{category}/{base}.{ext}` for `welcome` is `welcome.ulaw`)."""
    category, _, base = place.name.rpartition("/")
    values = {"lang": place.folder, "language": place.language, "name": place.name, "base": base,
              "category": category, "voice": voice_folder(place.voice), "format": place.fmt,
              "rate": str(FORMAT_RATES[place.fmt]), "ext": FORMAT_EXTENSIONS[place.fmt]}
    text = "".join(literal + (values[field] if field is not None else "")
                   for literal, field, _, _ in string.Formatter().parse(pattern))
    return "/".join(seg for seg in text.split("/") if seg)


def path_of(layout: str, pattern: str | None, place: Place) -> str:
    """The file's path relative to the library's output, whatever the layout."""
    if pattern is not None:
        return pattern_path(pattern, place)
    return prompt_path(layout, place.folder, place.name, place.fmt)


def relative_problem(rel: str) -> str | None:
    """Why a computed path could leave the output folder or not be a file name, or None: each
    segment passes `check_name` (no '..', controls, backslash...) and fits in 255 bytes."""
    if not rel:
        return "empty path"
    for seg in rel.split("/"):
        size = len(seg.encode("utf-8", "surrogateescape"))
        if size > MAX_COMPONENT_BYTES:
            return f"a path segment is {size} bytes in UTF-8; filesystems allow {MAX_COMPONENT_BYTES}"
        why = check_name(seg)
        if why and not why.startswith("name longer than"):  # 200 characters is a rule for names, not paths
            return why
    return None


def path_problems(lib: Library) -> list[tuple[PromptText, str]]:
    """A library's path problems, each with the prompt to locate it at (at most one per library):
    for a pattern, a path that leaves the output folder or is no file name; in any layout, two
    prompts, languages or formats on one file, or one's file where another needs a folder (compared
    case-folded: macOS and Windows would merge them). Built-in layouts can clash too: `flat` writes
    `menu/main` and `menu_main` both as `menu_main`, and `x.ulaw/y` needs a folder where `x` is a file."""
    what = "layout pattern" if lib.pattern is not None else f"the {lib.layout} layout"

    def who(prompt: PromptText, fmt: str) -> str:
        return shown(f"{prompt.name} in {prompt.language} as {fmt}")

    # Tens of thousands of prompts times their formats: one dict lookup per path, messages only on a clash.
    claimed: dict[str, tuple[PromptText, str, str]] = {}  # case-folded path -> prompt, format, path as written
    for prompt in lib.prompts:
        for fmt in lib.formats:
            rel = (lib.file_path(prompt.language, prompt.name, fmt) if lib.pattern is not None
                   else prompt_path(lib.layout, lib.languages[prompt.language].path, prompt.name, fmt))
            if lib.pattern is not None and (why := relative_problem(rel)):
                return [(prompt, f"{what} gives {_short(rel)}: {why}")]
            folded = rel.casefold()
            if folded in claimed:  # (prompt, language, format) is unique: any repeat is another file's path
                hint = ("add placeholders such as {name}, {lang} or {ext}" if lib.pattern is not None
                        else "rename one of them")
                return [(prompt, f"{what} writes {_short(rel)} for both {who(*claimed[folded][:2])} and "
                                 f"{who(prompt, fmt)}; {hint}")]
            claimed[folded] = (prompt, fmt, rel)
    folders: set[str] = set()
    for folded in claimed:
        end = folded.rfind("/")
        while end > 0 and (folder := folded[:end]) not in folders:
            folders.add(folder)
            end = folded.rfind("/", 0, end)
    for file in sorted(folders & claimed.keys()):  # a file where another prompt needs a folder
        inner = next(k for k in claimed if k.startswith(file + "/"))
        prompt, fmt, rel = claimed[inner]
        folder = "/".join(rel.split("/")[:file.count("/") + 1])  # as written (case folding may change lengths)
        return [(prompt, f"{what} needs a folder {_short(folder)} for {who(prompt, fmt)}, "
                         f"where it writes the file of {who(*claimed[file][:2])}; rename one of them")]
    return []


def _short(rel: str) -> str:
    return shown(repr(rel if len(rel) <= 120 else rel[:100] + "…" + rel[-19:]))


def archive_members_clash(names: list[str]) -> str | None:
    """Why files of these names cannot share one archive, or None: two names equal when case-folded
    (macOS and Windows would merge them on unpacking), or one name also a folder of another."""
    seen: dict[str, str] = {}
    folders: dict[str, str] = {}
    for name in names:
        key = name.casefold()
        if key in seen:
            return f"two members named {shown(repr(seen[key]))}" + (
                f" and {shown(repr(name))}" if seen[key] != name else "")
        seen[key] = name
        parts = key.split("/")
        for i in range(1, len(parts)):
            folders.setdefault("/".join(parts[:i]), name)
    for key, name in seen.items():
        if key in folders:
            return f"{shown(repr(name))} both as a file and as the folder of {shown(repr(folders[key]))}"
    return None


def release_problems(lib: Library, license_file: str | None,
                     version: object = None) -> list[tuple[tuple[str, ...], PromptText | None, str]]:
    """What keeps `lib` from its release archives (narrate.package.archive): a `version` that is no
    part of a file name (`version_problem`), or a file that would collide with the members every
    archive has at its top: index.json, the language's transcript `<library>-<lang>.txt` and the
    license file. Each problem is (key under the library, prompt to locate it at, message)."""
    own = {"index.json": "the library's index.json"}
    out: list[tuple[tuple[str, ...], PromptText | None, str]] = []
    why = version_problem(str(version)) if version is not None else None
    if why:
        out.append((("version",), None, why))
    license_name = license_file.replace("\\", "/").rsplit("/", 1)[-1] if license_file else None
    transcripts = {f"{lib.name}-{code}.txt".casefold(): code for code in lib.languages}
    if license_name:
        what = own.get(license_name.casefold()) or (f"the {transcripts[license_name.casefold()]} transcript"
                                                   if license_name.casefold() in transcripts else None)
        if what:
            out.append((("license",), None, f"archived as {shown(repr(license_name))}, the name of {what} in "
                                            "the release archives; rename the file"))
    done: set[tuple[str, str]] = set()
    for prompt in lib.prompts:
        for fmt in lib.formats:
            if lib.pattern is None and (prompt.language, fmt) in done:
                continue  # built-in layouts: the top folder is the language's (or format's), whatever the name
            done.add((prompt.language, fmt))
            rel = lib.file_path(prompt.language, prompt.name, fmt)
            if rel == "index.json":
                continue  # the build's own file: refused as such when the manifest is resolved
            top = rel.split("/", 1)[0]
            taken = {**own, f"{lib.name}-{prompt.language}.txt".casefold(): f"the {prompt.language} transcript"}
            if license_name:
                taken.setdefault(license_name.casefold(), "the license file")
            what = taken.get(top.casefold())
            if what:
                key = ("prompts", prompt.name) if lib.pattern is not None else ("languages", prompt.language)
                out.append((key, prompt, f"the layout puts {shown(repr(top))} at the top of the {prompt.language} "
                                         f"{fmt} release archive, where {what} goes; rename it"))
                return out
    return out
