"""Language offers: a prompt in one language that offers another in that language's own words is read
sentence by sentence, the offer in its own language. "For English, press 1. Para español, oprima 2."
in a US English prompt said "oprima two"; now "oprima dos". A German prompt's "For English, please
press 2" said "press zwei"; now "press two".

An offer is a sentence that opens with the other language's usual words for it ("For English", "Para
español", "Pour le français", "Für Deutsch"); it is read with that language's rules in the prompt's
region where the language has one ("es-US" in an en-US prompt), else the language's defaults. Only
the numbers and symbols change: the voice is still the prompt's.
"""

from __future__ import annotations

from .langdata import Lang, resolve
from .lazy_re import lazy_compile

_OFFERS = {
    "en": r"For English|To continue in English|For service in English",
    "es": r"Para (?:continuar en |servicio en |atención en )?español",
    "fr": r"Pour (?:le |continuer en |(?:le|du|un) service en )?français",
    "de": r"Für Deutsch|Für deutsche",
}
_OFFER = lazy_compile("|".join(f"(?P<{code}>{words})" for code, words in _OFFERS.items()))
_SENTENCE = lazy_compile(r"[^.!?]*(?:[.!?]+|$)")


def has_offer(text: str) -> bool:
    return ("For " in text or "Para " in text or "Pour " in text or "Für " in text or "To " in text) and (
        _OFFER.search(text) is not None)


def split_offers(text: str, lang: Lang) -> list[tuple[str, Lang]]:
    """`text` as consecutive pieces, each with the rules to read it: an offer of another language with
    that language's, the rest with `lang`'s. Joined, the pieces are `text`."""
    pieces: list[tuple[str, Lang]] = []
    done = 0
    for m in _OFFER.finditer(text):
        other = m.lastgroup
        if other is None or other == lang.code or m.start() < done:
            continue
        before = text[:m.start()].rstrip()
        if before and before[-1] not in ".!?":
            continue  # not at a sentence's start: "press 2 for English" is the prompt's own language
        end = _SENTENCE.match(text, m.start())
        stop = end.end() if end else len(text)
        rules = (resolve(f"{other}-{lang.region}") if lang.region else None) or resolve(other)
        if rules is None:
            continue
        if m.start() > done:
            pieces.append((text[done:m.start()], lang))
        pieces.append((text[m.start():stop], rules))
        done = stop
    if done < len(text):
        pieces.append((text[done:], lang))
    return pieces
