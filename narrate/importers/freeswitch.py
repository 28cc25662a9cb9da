"""FreeSWITCH's phrase XML (docs/phrase/phrase_<lang>.xml) -> a manifest."""

from __future__ import annotations

from typing import Any

from ..errors import ManifestError, Problem
from .common import AUDIO_SUFFIX, Collector, ImportResult, default_voice, nothing_found, one_library

# Language elements of FreeSWITCH's phrase XML -> the BCP-47 tag for the manifest. Other codes are
# kept as they are ("pt_BR" becomes "pt-BR").
LANGUAGE_TAGS = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE", "it": "it-IT", "pt": "pt-BR",
                 "ru": "ru-RU", "nl": "nl-NL", "sv": "sv-SE", "ja": "ja-JP", "zh": "zh-CN", "he": "he-IL"}
# <prompt type="..."> values that are sounds, not speech: phrase_en.xml's conference tones and hold
# music carry phrase="NULL" and one of these. Synthesizing them would put the word "null" where a tone belongs.
NOT_SPEECH = ("tone", "music")


class _RefusedDTD(Exception):
    pass


def _refuse_dtd(*_args: Any) -> None:
    raise _RefusedDTD


def _prompt_elements(xml_text: str, source: str) -> list[tuple[int, tuple[str, ...], dict[str, str]]]:
    """Every <prompt> with its line and enclosing element names, read with expat directly.

    Any DOCTYPE is refused at the parser: phrase files never need one, and entity declarations are
    how XML bombs and external-entity reads get in. The stdlib's expat plus this refusal covers what
    defusedxml would, without a dependency.
    """
    from xml.parsers import expat

    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    found: list[tuple[int, tuple[str, ...], dict[str, str]]] = []
    stack: list[str] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if tag == "prompt":
            found.append((parser.CurrentLineNumber, tuple(stack), attrs))
        stack.append(tag)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    try:
        parser.Parse(xml_text, True)
    except _RefusedDTD:
        raise ManifestError([Problem(source, parser.CurrentLineNumber, "",
                                     "DOCTYPE/ENTITY declarations are not accepted in phrase files")]) from None
    except expat.ExpatError as exc:
        raise ManifestError([Problem(source, exc.lineno, "",
                                     f"invalid XML: {expat.errors.messages[exc.code]}")]) from None
    return found


def language_tag(code: str) -> str:
    """A phrase file's language element -> BCP-47 tag: "en" -> "en-US", "pt_BR" -> "pt-BR"."""
    return LANGUAGE_TAGS.get(code, code.replace("_", "-"))


def _registered(tag: str) -> bool:
    """Whether `tag` is a language tag the manifest takes (IANA-registered: not `xx`, not `klingon`)."""
    import langcodes  # imported here: its tables load only for an import

    from .spreadsheet import canonical_tag

    canonical = canonical_tag(tag)
    return canonical is not None and langcodes.tag_is_valid(canonical)


def _wanted(language: str | None, code: str) -> bool:
    """`--language` names the element ("fr", "pt_BR") or its tag ("fr-FR", "pt-BR"), any case."""
    if language is None:
        return True
    given = language.replace("_", "-").casefold()
    return given in (code.replace("_", "-").casefold(), language_tag(code).casefold())


def import_freeswitch(xml_text: str, *, source: str, library: str = "freeswitch-sounds",
                      language: str | None = None, voice: str | None = None) -> ImportResult:
    """<language><en><category><prompt phrase=".." filename="x.wav"/>: every language in the file,
    or only `language` (an element name or its tag). Each language gets its own embedded voice;
    `voice` overrides the first one's. Tones and music (type="tone"/"music", phrase="NULL") are
    skipped and reported. Raises ManifestError for bad XML, a DOCTYPE, or no usable prompt.

    A prompt's name is its category path (nested categories joined with "/") then the file name
    without its suffix: the freeswitch layout writes <lang>/<category>/<rate>/<file>.wav.
    """
    found = Collector(asides=True)
    codes: dict[str, str] = {}  # tag -> element name, in order of appearance
    present: dict[str, None] = {}
    checked: dict[str, bool] = {}  # element -> whether its tag is registered (the manifest refuses others)
    for line, ancestors, attrs in _prompt_elements(xml_text, source):
        if ancestors[:1] == ("language",):
            ancestors = ancestors[1:]
        filename = attrs.get("filename", "").strip()
        if not ancestors:
            found.skip(filename or "?", "<prompt> outside a language element", line)
            continue
        code, folders = ancestors[0], ancestors[1:]
        present.setdefault(code)
        if not _wanted(language, code):
            continue
        if code not in checked:  # once per language element, at its first prompt
            checked[code] = _registered(language_tag(code))
            if not checked[code]:
                found.skip(f"<{code}>", "not a registered language tag (BCP 47), so no language the manifest "
                           "takes: its prompts are not imported", line)
        if not checked[code]:
            continue
        stem = AUDIO_SUFFIX.sub("", filename)
        name = "/".join((*folders, stem))
        if not stem:
            found.skip("/".join(folders) or code, "<prompt> without a filename", line)
            continue
        phrase, sound = attrs.get("phrase", ""), attrs.get("type", "").strip().casefold()
        if sound in NOT_SPEECH or phrase.strip() == "NULL":
            what = f"a {sound}" if sound else "no words"
            found.skip(name, f'{what} (phrase="{phrase}"), not speech: record or copy that sound itself', line)
            continue
        tag = language_tag(code)
        codes.setdefault(tag, code)
        found.add(name, tag, phrase, line)
    if language is not None and not codes and not any(_wanted(language, c) for c in present):
        raise ManifestError([Problem(source, None, "", f"no language {language!r} in this file; it has: "
                                     + (", ".join(present) or "none"))])
    if not found.texts:
        raise nothing_found(source, "<prompt phrase=... filename=...>", found.skipped)
    used = [tag for tag in codes if any(tag in by_lang for by_lang in found.texts.values())]
    languages = {tag: {"voice": voice if (voice and i == 0) else default_voice(tag), "path": codes[tag]}
                 for i, tag in enumerate(used)}
    return found.result(one_library(library, "freeswitch", ["wav", "wav16"], languages, found.prompts()))
