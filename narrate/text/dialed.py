"""Numbers that are dialed, said digit by digit: "Call 911" -> "Call nine one one", "dial 112" -> "dial
one one two", German "Rufen Sie die 112 an" -> "Rufen Sie die eins eins zwei an".

The rule, as a caller hears it (langdata.DIALED, per language):
  - after a word that keys digits (dial, press, enter; marque, pulse; wählen, drücken), any number of
    3 to 8 digits written without separators is keyed: "Press 123" -> "Press one two three";
  - an emergency or service number of the language (911, 999, 112, 988, 311...; 110, 112, 116117; 112,
    091) is dialed after a word that calls (call, ring, text, emergency; llame; rufen Sie, unter); an
    emergency number also between an article and a word that names the service ("a 911 call", "the 999
    operator"), where "112 calls" and "311 lines" stay counts;
  - anywhere else a number is a quantity or a name, read as before: "911 Porsche" and "Porsche 911" say
    "nine hundred eleven" (people say "nine eleven"; a model name is the lexicon's job), "112 pages",
    "Room 101", "call 100 customers".
Fillers may stand between the verb and the number ("dial the number 112", "llame al 112"). Shorter
numbers stay cardinals ("Press 1" -> "Press one"); telephone numbers were read before this pass. French
says these numbers as cardinals ("appelez le quinze", "le cent douze"), so it has no rule.
"""

from __future__ import annotations

import re

from .langdata import DIALED, Lang
from .notation import compiled
from .numwords import digit_words

_END = r"(?![\w%°/]|[.,:]\d|-\d)"  # not "911th", "112%", "999.5", "911-1234"


def replace_dialed(text: str, lang: Lang) -> str:
    """Dialed numbers digit by digit (see above)."""
    data = DIALED.get(lang.code)
    if data is None:
        return text

    def repl(m: re.Match[str]) -> str:
        head, dialed = m.group(0)[:m.start("n") - m.start()], m.group(0)[m.start("n") - m.start():]
        return head + re.sub(r"\d+", lambda d: digit_words(d.group(0), lang), dialed)

    fillers = rf"(?:[ ](?i:{data['fillers']})\b)*"
    numbers = "|".join(data["numbers"].split())

    def dialed(number: str) -> str:  # "999", "999 or 112", "999, 112 or 111"
        return rf"(?P<n>(?:{number}){_END}(?:(?:,|,? (?i:{data['joins']})){fillers}[ ](?:{number}){_END})*)"

    keyed = dialed(r"\d{3,8}")
    text = compiled(rf"\b(?i:{data['keys']})\b{fillers}[ ]{keyed}").sub(repl, text)
    text = compiled(rf"\b(?i:{data['calls']})\b{fillers}[,:]?[ ]{dialed(numbers)}").sub(repl, text)
    if data["after"]:
        emergency = "|".join(data["emergency"].split())
        text = compiled(rf"\b(?i:{data['articles']})[ ](?P<n>{emergency})(?=[ -](?i:{data['after']})\b)").sub(repl, text)
    return text
