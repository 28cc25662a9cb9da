"""Does a voice speak a prompt's language? BCP-47 equivalences from langcodes (CLDR data).

Providers name voices by locale, and not always by the tag a manifest uses: Google names Mandarin
voices `cmn-CN-...` and Cantonese ones `yue-HK-...`, Azure names Cantonese `zh-HK-...`, Norwegian
is `nb` or `no`, Filipino `fil` or the deprecated `tl`. Two tags are the same language when
langcodes normalises them to one primary language (`standardize_tag(macro=True)`: cmn -> zh,
tl -> fil, iw -> he, arb -> ar), or when CLDR's language-matching distance is at most
MAX_DISTANCE in either direction (yue <-> zh-HK is 10, nb <-> no is 1). Different languages,
even close ones, are farther: da <-> nb 12, id <-> ms 14, yue <-> zh-CN 64, en <-> ru 134.
"""

from __future__ import annotations

from functools import lru_cache

# langcodes.tag_distance: 0-9 the same language in another region or script, 10 a language that
# CLDR says its speakers take for the other (yue/zh-Hant, wuu/zh), >10 another language.
MAX_DISTANCE = 10


@lru_cache(maxsize=4096)
def _standard(tag: str) -> str | None:
    import langcodes

    try:
        return str(langcodes.standardize_tag(tag.replace("_", "-"), macro=True))
    except (ValueError, LookupError):  # langcodes.LanguageTagError is a ValueError
        return None


def primary(tag: str) -> str | None:
    """The normalised primary language of `tag` ("cmn-CN" -> "zh", "tl" -> "fil"), None if not a tag."""
    std = _standard(tag)
    return std.split("-")[0].lower() if std else None


@lru_cache(maxsize=4096)
def same_language(voice_tag: str, language: str) -> bool:
    """True when a voice for `voice_tag` speaks `language` (see the module doc). Tags langcodes
    cannot parse are compared on their first subtag, as before this check existed."""
    if voice_tag.replace("_", "-").lower() == language.replace("_", "-").lower():
        return True  # one tag, spelt alike: no need to load langcodes' CLDR tables (0.15 s)
    import langcodes

    a, b = _standard(voice_tag), _standard(language)
    if a is None or b is None:
        return voice_tag.split("-")[0].lower() == language.replace("_", "-").split("-")[0].lower()
    if a.split("-")[0].lower() == b.split("-")[0].lower():
        return True
    return min(langcodes.tag_distance(a, b), langcodes.tag_distance(b, a)) <= MAX_DISTANCE


def mismatch(voice: str, voice_tag: str, language: str) -> str | None:
    """A reason when `voice` (whose language is `voice_tag`) cannot speak `language`, else None."""
    if same_language(voice_tag, language):
        return None
    return f"{voice} is a {voice_tag} voice, not {language}"


def locale_of(voice: str) -> str | None:
    """`en-US` from Google/Azure voice names like `en-US-Neural2-F` or `en-US-AvaNeural`."""
    parts = voice.split("-")
    if len(parts) >= 3 and parts[0].isalpha() and parts[0].islower() and parts[1].isalpha():
        return f"{parts[0]}-{parts[1]}"
    return None


def language_mismatch(voice: str, language: str) -> str | None:
    """A reason when a locale-named voice cannot speak `language`, with BCP-47 equivalences
    (`cmn-CN-Wavenet-A` speaks zh-CN, `yue-HK-...` zh-HK, `nb-NO-...` no: see `mismatch`)."""
    locale = locale_of(voice)
    return None if locale is None else mismatch(voice, locale, language)
