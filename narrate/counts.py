"""Counted nouns for messages: `counted(1, "segment")` is "1 segment", `counted(2, "library")` is
"2 libraries". English only: narrate's messages are in English."""

from __future__ import annotations


def plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def counted(n: int, noun: str, *, thousands: bool = False) -> str:
    """`n` and the noun, singular for exactly one; `thousands` groups digits (1,234)."""
    number = f"{n:,}" if thousands else str(n)
    return f"{number} {noun if n == 1 else plural(noun)}"
