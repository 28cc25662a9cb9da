"""Lexicon rules a lexicon's shape cannot express (its pydantic model is manifest.model.Lexicon):
checked the same whether the lexicon is inline in a manifest or a file of its own."""

from __future__ import annotations

import re
from typing import Any

from . import model as m
from .loader import Key
from .problems import Adds

LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")



def check_lexicon(c: Adds, spec: m.Lexicon, key: Key) -> None:
    """Rules a lexicon's shape cannot express: terms are not empty, languages are tags, patterns
    compile, and replacements hold no markup (a replacement is said, never obeyed: prompt markup
    belongs in the prompt)."""
    _check_terms(c, spec.__pydantic_extra__ or {}, key)
    _check_patterns(c, spec.patterns, (*key, "patterns"))
    for lang, rules in (spec.languages or {}).items():
        if not LANG_RE.match(lang):
            c.add((*key, "languages", lang), "not a language tag like en-US or es")
        _check_terms(c, rules.__pydantic_extra__ or {}, (*key, "languages", lang))
        _check_patterns(c, rules.patterns, (*key, "languages", lang, "patterns"))


def _check_terms(c: Adds, terms: dict[str, Any], key: Key) -> None:
    for term, entry in terms.items():
        if not term.strip():
            c.add((*key, term), "empty term")
        if "<" in str(getattr(entry, "say", entry)):
            c.add((*key, term), "markup is not allowed in a lexicon replacement; put it in the prompt text")
        if isinstance(entry, m.LexiconSay):
            if entry.say is None and not (entry.ipa or "").strip() and not (entry.x_sampa or "").strip():
                c.add((*key, term), "a rule needs say, ipa or x-sampa")
            for name, value in (("ipa", entry.ipa), ("x-sampa", entry.x_sampa)):
                if value is not None and (not value.strip() or "<" in value or ">" in value):
                    c.add((*key, term, name), "a phonetic form is a non-empty string without < or >")


def _check_patterns(c: Adds, rules: list[m.LexiconPattern] | None, key: Key) -> None:
    from ..text.lexicon_patterns import compile_pattern

    for i, rule in enumerate(rules or ()):
        try:
            compile_pattern(rule.pattern, str(rule.say), bool(rule.case_sensitive))
        except ValueError as exc:
            c.add((*key, i, "pattern"), str(exc))
