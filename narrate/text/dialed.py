"""Numbers that are dialed, said digit by digit: "Call 911" -> "Call nine one one", "dial 112" -> "dial
one one two", German "Rufen Sie die 112 an" -> "Rufen Sie die eins eins zwei an".

The rule, as a caller hears it (langdata.DIALED, per language):
  - after a word that keys digits (dial, press, enter; marque, pulse; wählen, drücken) or names a code
    read digit by digit (ZIP code, PIN, ending in, extension; código postal; PLZ, Durchwahl), any number
    of 3 to 8 digits written without separators is keyed: "Press 123" -> "Press one two three", "ZIP
    code 90210" -> "ZIP code nine zero two one zero", "your card ending in 4321";
  - an emergency or service number of the language (911, 999, 112, 988, 311...; 110, 112, 116117; 112,
    091) is dialed after a word that calls (call, ring, text, emergency; llame; rufen Sie, unter); an
    emergency number also between an article and a word that names the service ("a 911 call", "the 999
    operator"), where "112 calls" and "311 lines" stay counts;
  - anywhere else a number is a quantity or a name, read as before: "911 Porsche" and "Porsche 911" say
    "nine hundred eleven" (people say "nine eleven"; a model name is the lexicon's job), "112 pages",
    "Room 101", "call 100 customers".
Digit groups one space after a keyed number or that complete a service number are part of it
("wählen Sie 116 117", "Rufen Sie 116 117 an"). Fillers may stand between the verb and the number
("dial the number 112", "llame al 112"). Shorter numbers stay cardinals ("Press 1" -> "Press one");
telephone numbers were read before this pass. French says these numbers as cardinals ("appelez le
quinze", "le cent douze"), so it has no rule.
"""

from __future__ import annotations

import re

from .langdata import DIALED, Lang
from .lazy_re import lazy_compile
from .notation import compiled
from .numwords import digit_words

# A number standing alone: not "911th", "112%", "999.5", "911-1234", "$911", "a/911".
_NUMBER = lazy_compile(r"(?<![\w.,$€£¥/-])\d{3,8}(?![\w%°/]|[.,:]\d|-\d)")
_WINDOW = 60  # characters before a number in which its cue is looked for


def _cues(lang: Lang) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str] | None]:
    """Patterns that end where a dialed number starts: after a key word, after a call word, after a join
    to a number just dialed, and after an article (an emergency number before a service word)."""
    data = DIALED[lang.code]
    fillers = rf"(?:[ ](?i:{data['fillers']})\b)*"
    article = compiled(rf"\b(?i:{data['articles']})[ ]$") if data["after"] else None
    quote = "[ ]['\"‘“]?$"  # the number may open a quotation: 'Dial "911" now'
    return (compiled(rf"\b(?i:{data['keys']})\b{fillers}{quote}"), compiled(rf"\b(?i:{data['calls']})\b{fillers}[,:]?{quote}"),
            compiled(rf"^(?:,|,? (?i:{data['joins']})){fillers}[ ]$"), article)


# Digit groups after a number, one space apart: "116 117" is one number in two groups.
_GROUPS = lazy_compile(r"(?: \d{2,4})+(?![\w%°/]|[.,:]\d|-\d)")


def replace_dialed(text: str, lang: Lang) -> str:
    """Dialed numbers digit by digit (see above)."""
    data = DIALED.get(lang.code)
    if data is None:
        return text
    keys, calls, joins, article = _cues(lang)
    numbers, emergency = set(data["numbers"].split()), set(data.get("emergency", "").split())
    after = compiled(rf"[ -](?i:{data['after']})\b") if data["after"] else None
    out: list[str] = []
    done = 0  # text[:done] is in out
    last_end, last_keyed = -1, False  # the last dialed number, for "call 999 or 112", "press 123 or 456"
    for m in _NUMBER.finditer(text):
        n, start = m.group(0), m.start()
        before = text[max(0, start - _WINDOW):start]
        if start < done:  # a group of the number just dialed
            continue
        joined = last_end >= 0 and joins.match(text[last_end:start]) is not None
        groups = _GROUPS.match(text, m.end())
        whole = n + (groups.group(0).replace(" ", "") if groups else "")
        if keys.search(before) is not None or (joined and last_keyed):
            keyed = True
        elif (n in numbers or whole in numbers) and (joined or calls.search(before) is not None) or (
                n in emergency and article is not None and after is not None
                and article.search(before) is not None and after.match(text, m.end()) is not None):
            keyed = False
        else:
            continue
        # A keyed number's digit groups are all keyed ("wählen Sie 116 117"), as are a service number's.
        end = groups.end() if groups and (keyed or whole in numbers) else m.end()
        out += [text[done:start], " ".join(digit_words(g, lang) for g in text[start:end].split(" "))]
        done = last_end = end
        last_keyed = keyed
    return "".join(out) + text[done:] if out else text
