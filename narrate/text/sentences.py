"""Sentences, and chunks under a provider's character limit that never cut a word.

Sentence boundaries come from sentencex (Wikimedia's rule-based segmenter, ~300 languages, with
per-language abbreviation lists: "la Dra. Pérez", "EE. UU.", "Hauptstr. 5", "Jan. 3."), with
the corrections it needs on real prose (measured on the Rust book corpus, see the README):
no boundary inside a token (".\\main"), none before a lowercase word ("Hello, world! should
print", "panic! and"), none after a few title abbreviations its lists lack (French "M."), none
after an abbreviation that stands before a number ("approx. 5 minutes", "aprox. 10 min"); and the
boundaries it misses: after a file or host name that ends a sentence ("Open main.rs. Then"), and
after a sentence that ends inside quotes or parentheses ('to y." We now', "home.) Then").

An over-long sentence is cut at clause punctuation (; : then , then a spaced dash), then at word
boundaries: spaces, or ICU's dictionary word breaks (icu4py) for languages written without
spaces (Chinese, Japanese, Thai, Lao, Khmer, Burmese, Tibetan). Only a single word longer than
the limit is ever cut inside.
"""

from __future__ import annotations

import re
import unicodedata

from .lazy_re import lazy_compile
from .normalize import normalize

# Part of every segment key (plan.KeyMaker): bump when boundaries could move (a new sentencex
# major version, a change to the corrections below or to the cutting rules).
SPLITTER_VERSION = "sentencex-1+narrate-3"

UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo", "yue", "wuu"})
# Title abbreviations sentencex's lists lack, by language (checked against sentencex 1.0.32).
EXTRA_ABBREVIATIONS = {
    "fr": frozenset({"M.", "MM.", "Mme.", "Mlle.", "Me.", "Pr.", "Dr.", "St.", "Ste."}),
}
# Abbreviations that stand before a number, by language, lowercase: sentencex ends a sentence at
# "approx." before "5 minutes" (its lists lack them; checked against sentencex 1.0.32), so a boundary
# after one of these is a false one when the next piece starts with a digit or a sign ($, €, ±, #).
NUMBER_ABBREVIATIONS = {
    "en": frozenset({"approx.", "incl.", "excl.", "max.", "min.", "avg.", "appt.", "est.", "tel.", "vol.",
                     "ch.", "para.", "qty.", "acct.", "ste.", "apt.", "ext.", "fig.", "no.", "nos.", "pp.",
                     "sec.", "pt.", "ref.", "p.", "eq.", "eqs.", "sect.", "chap.", "figs.", "vols.", "thm.",
                     "art.", "sects."}),
    "es": frozenset({"aprox.", "núm.", "tel.", "pág.", "ext.", "máx.", "mín.", "c/u."}),
    "fr": frozenset({"env.", "max.", "min.", "bd.", "tél.", "p."}),
    "it": frozenset({"n.", "pag.", "ca.", "tel.", "max.", "min."}),
    "pt": frozenset({"aprox.", "pág.", "tel.", "máx.", "mín."}),
    "nl": frozenset({"tel.", "ca.", "nr.", "blz.", "max.", "min."}),
}
_BEFORE_NUMBER = "$€£¥±#+"
_CJK_STOP = "。！？｡"
_CLAUSE_LEVELS = (
    lazy_compile(r"(?<=[;:；：])(?=\s|[^\x00-\u2fff])"),  # after ; : (and their full-width forms)
    lazy_compile(r"(?<=[,，、])(?=\s|[^\x00-\u2fff])"),  # after commas, the ideographic comma
    lazy_compile(r"(?=\s[-\u2013\u2014]\s)"),  # before a spaced dash
)


def primary(language: str) -> str:
    """The primary language subtag of a BCP-47 tag, lowercase: "es-419" -> "es"."""
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower() or "en"


def _joins(prev: str, nxt: str, lang: str) -> bool:
    """Whether sentencex's boundary between prev and nxt is a false one."""
    if not prev or not nxt:
        return False
    last = prev[-1]
    if not last.isspace() and not nxt[0].isspace() and last not in _CJK_STOP:
        return True  # inside a token: ".\main", "e.g.x"
    first = nxt.lstrip()[:1]
    if first and first.islower():
        return True  # "Hello, world! should print": a sentence does not start in lowercase
    tail = prev.rstrip().rsplit(None, 1)[-1] if prev.strip() else ""
    if lang == "de" and _GERMAN_NUMBER_DOT.search(prev) and first.isalpha():
        return _german_ordinal(prev.rstrip(), nxt.lstrip())
    if (first.isdigit() or first in _BEFORE_NUMBER) and tail.lower() in NUMBER_ABBREVIATIONS.get(lang, ()):
        return True  # "approx. 5 minutes"
    return tail in EXTRA_ABBREVIATIONS.get(lang, ())


# A file or host name ending a sentence ("main.rs. Then", "Node.js. It"): sentencex reads "x.rs." as
# an abbreviation and runs on. Its last part has 2-5 letters or digits, so "e.g.", "U.S." and "Ph.D."
# (one letter) are not taken for one.
# A sentence that ends inside a quotation or parentheses ('to y." We now', 'go home.) Then'):
# sentencex misses `."` (it finds `.”`, which canonical() made `."`, and `!"`) and `.)`.
_MISSED = lazy_compile(r"(?<![\w.])[\w-]*\w\w\.[A-Za-z0-9]{2,5}\.(?=\s+[A-Z\"'(])|(?<=[.!?][\"\u201d)])(?=\s+[A-Z\"\u201c(])")


# Inline code that ends a sentence in a lowercase letter ("Run `npm i`. Next", "Type `q`. Then", "Use
# `a.b`. Then"): sentencex takes "i." and "a.b." for initials and runs on. Lowercase, as initials and
# "U.S." are capitals; the lowercase abbreviations of that shape are kept (KEPT_INITIALS).
_LOWER_INITIAL = lazy_compile(r"(?<![\w.])(?:[a-z]\w*\.)*[a-z]\.(?=\s+[A-Z\"'(])")
KEPT_INITIALS = frozenset({"e.g.", "i.e.", "a.m.", "p.m.", "p.", "c.", "v.", "n.b.", "q.v.", "o.k.", "a.k.a.", "s.t.",
                           "w.r.t.", "cf.", "vs.", "viz.", "al.", "ca."})


def _cut_missed(piece: str, lang: str = "en") -> list[str]:
    """A piece cut after each file or host name that ends a sentence in it, after each sentence end
    inside closing quotes or parentheses (see _MISSED), and after lowercase code (_LOWER_INITIAL)."""
    cuts = [m.end() for m in _MISSED.finditer(piece)]
    if lang == "en":  # other languages write lowercase abbreviations this way: German "z. B.", "u. a."
        cuts += [m.end() for m in _LOWER_INITIAL.finditer(piece) if m.group(0).lower() not in KEPT_INITIALS]
    cuts = sorted(set(cuts))
    return [piece[a:b] for a, b in zip([0, *cuts], [*cuts, len(piece)], strict=True)] if cuts else [piece]


# A German sentence piece that ends in a number and its dot: "... die 2." before "Auflage".
_GERMAN_NUMBER_DOT = lazy_compile(r"(?<![\w.,])\d{1,3}\.\s*\Z")


def _german_ordinal(prev: str, nxt: str) -> bool:
    """Whether a boundary after German "N." splits an ordinal from its noun ("die 2. | Auflage"):
    German writes ordinals with a dot, so sentencex ends a sentence there; the normaliser's rule
    (ordinals.german_ordinal_at) tells an ordinal from a list's number or a sentence's last word."""
    from .langdata import resolve
    from .ordinals import german_ordinal_at  # loaded only for German, as normalize loads the rules

    lang, number = resolve("de"), _GERMAN_NUMBER_DOT.search(prev)
    if lang is None or number is None:
        return False
    return german_ordinal_at(f"{prev} {nxt}", number.start(), len(prev), lang)


def split_sentences(text: str, language: str = "en") -> list[str]:
    """text -> its sentences, stripped, in order; nothing added, dropped or reordered but spaces.
    `language` is a BCP-47 tag; its primary subtag picks sentencex's rules."""
    import sentencex

    lang = primary(language)
    out: list[str] = []
    pieces = sentencex.segment(lang, text)
    if "." in text or "!" in text or "?" in text:
        pieces = [part for piece in pieces for part in _cut_missed(piece, lang)]
    for piece in pieces:
        if out and _joins(out[-1], piece, lang):
            out[-1] += piece
        else:
            out.append(piece)
    return [s.strip() for s in out if s.strip()]


def _word_cuts(text: str, language: str) -> list[int]:
    """Offsets where text may be cut between words."""
    if primary(language) in UNSPACED or not re.search(r"\s", text.strip()):
        from icu4py.breakers import WordBreaker

        return [end for _, end in WordBreaker(text, primary(language)).segments()][:-1]
    return [m.end() for m in re.finditer(r"\s+", text)]


def _slice(text: str, cuts: list[int]) -> list[str]:
    edges = [0, *sorted(set(c for c in cuts if 0 < c < len(text))), len(text)]
    return [text[a:b] for a, b in zip(edges, edges[1:], strict=False) if a < b]


def _hard_cut(word: str, max_chars: int) -> list[str]:
    """A single word longer than the limit: cut at the limit, never before a combining mark."""
    out = []
    while len(word) > max_chars:
        at = max_chars
        while at > 1 and unicodedata.combining(word[at]):
            at -= 1
        out.append(word[:at])
        word = word[at:]
    return [*out, word]


def _split_raw(text: str, max_chars: int, language: str, level: int) -> list[str]:
    """Pieces of text (spaces kept, so "".join gives text back), each fitting when stripped."""
    if len(text.strip()) <= max_chars:
        return [text]
    for lvl in range(level, len(_CLAUSE_LEVELS) + 1):
        if lvl < len(_CLAUSE_LEVELS):
            cuts = [m.start() for m in _CLAUSE_LEVELS[lvl].finditer(text)]
        else:
            cuts = _word_cuts(text, language)
        pieces = _slice(text, cuts)
        if len(pieces) > 1:
            out: list[str] = []
            for piece in pieces:
                out.extend(_split_raw(piece, max_chars, language, lvl + 1))
            return _pack_raw(out, max_chars)
    return _hard_cut(text, max_chars)


def _pack_raw(pieces: list[str], max_chars: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        if current and len((current + piece).strip()) > max_chars:
            chunks.append(current)
            current = piece
        else:
            current += piece
    if current:
        chunks.append(current)
    return chunks


def _split_long(sentence: str, max_chars: int, language: str = "en") -> list[str]:
    """One over-long sentence -> chunks of at most max_chars: clause punctuation first, then word
    boundaries; only a single word longer than the limit is cut inside."""
    return [c.strip() for c in _split_raw(sentence, max_chars, language, 0) if c.strip()]


def pack_sentences(sentences: list[str], max_chars: int, language: str = "en") -> list[str]:
    """Sentences -> as few chunks as fit in max_chars each, in order; sentences are joined with a
    space, or with nothing in languages written without spaces."""
    joiner = "" if primary(language) in UNSPACED else " "
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if len(sentence) > max_chars:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_split_long(sentence, max_chars, language))
            continue
        candidate = f"{current}{joiner}{sentence}" if current else sentence
        if len(candidate) <= max_chars:
            current = candidate
        else:
            chunks.append(current)
            current = sentence
    if current:
        chunks.append(current)
    return chunks


def split_for_limit(text: str, max_chars: int, language: str = "en") -> list[str]:
    """The text as one chunk if it fits, else sentence-packed chunks of at most max_chars."""
    text = normalize(text)
    if len(text) <= max_chars:
        return [text]
    return pack_sentences(split_sentences(text, language), max_chars, language)


def segment_paragraph(text: str, max_chars: int, language: str = "en", *, spoken: bool = False) -> list[str]:
    """One segment per sentence (so editing a sentence re-synthesizes only that sentence); a
    sentence over max_chars is cut as in _split_long. `spoken`: each sentence is normalised in
    `language` (numbers said) after splitting, so abbreviations still guide the splitter."""
    out: list[str] = []
    for sentence in split_sentences(normalize(text), language):
        if spoken:
            sentence = normalize(sentence, language)
        out.extend([sentence] if len(sentence) <= max_chars else _split_long(sentence, max_chars, language))
    return out
