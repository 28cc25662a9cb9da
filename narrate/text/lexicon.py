r"""Pronunciation lexicon: whole-word replacements applied before hashing.

YAML shape::

    PPO: P P O                          # term: replacement (case-insensitive)
    SQL: {say: sequel, case_sensitive: true}
    patterns:                           # regular expressions, applied in order after the words
      - {pattern: 'Route (\d+)', say: 'Highway \1'}
    languages:                          # per-language word rules override the global ones;
      es-US:                            # per-language patterns run after the global patterns
        Northwind: Nort uind
        patterns: [{pattern: '(\d+) hrs', say: '\1 horas'}]

Because the lexicon rewrites the text before it is hashed, changing one rule changes the keys
of exactly the segments that contain that term, and nothing else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ManifestError, Problem
from .lexicon_patterns import PatternRule, compile_pattern


@dataclass(frozen=True)
class LexiconRule:
    term: str
    replacement: str
    case_sensitive: bool = False
    language: str | None = None


class Lexicon:
    def __init__(self, rules: list[LexiconRule], patterns: list[PatternRule] | None = None) -> None:
        self.rules = rules
        self.patterns = patterns or []
        self._compiled: dict[str, tuple[re.Pattern[str], dict[str, str], dict[str, str]] | None] = {}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Lexicon:
        rules: list[LexiconRule] = []
        problems: list[Problem] = []

        def add(term: Any, value: Any, language: str | None, where: str) -> None:
            case = False
            if isinstance(value, Mapping):
                case = bool(value.get("case_sensitive", False))
                value = value.get("say")
            if not isinstance(term, str) or not term.strip():
                problems.append(Problem(source, None, where, "empty term"))
            elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
                problems.append(Problem(source, None, where, "replacement must be text (or {say: text})"))
            else:
                rules.append(LexiconRule(term.strip(), str(value), case, language))

        patterns: list[PatternRule] = []

        def add_patterns(items: Any, language: str | None, where: str) -> None:
            if not isinstance(items, list):
                problems.append(Problem(source, None, where, "expected a list of {pattern, say}"))
                return
            for i, item in enumerate(items):
                if not isinstance(item, Mapping) or not isinstance(item.get("pattern"), str) or \
                        not isinstance(item.get("say"), (str, int, float)) or isinstance(item.get("say"), bool):
                    problems.append(Problem(source, None, f"{where}[{i}]", "expected {pattern: regex, say: text}"))
                    continue
                say = str(item["say"])
                try:
                    regex = compile_pattern(item["pattern"], say, bool(item.get("case_sensitive", False)))
                except ValueError as exc:
                    problems.append(Problem(source, None, f"{where}[{i}].pattern", str(exc)))
                    continue
                patterns.append(PatternRule(regex, say, language))

        for term, value in data.items():
            if term == "patterns":
                add_patterns(value, None, "patterns")
            elif term == "languages":
                if not isinstance(value, Mapping):
                    problems.append(Problem(source, None, "languages", "expected language: {term: replacement}"))
                    continue
                for lang, entries in value.items():
                    if not isinstance(entries, Mapping):
                        problems.append(Problem(source, None, f"languages.{lang}", "expected a mapping"))
                        continue
                    for t, v in entries.items():
                        if t == "patterns":
                            add_patterns(v, str(lang), f"languages.{lang}.patterns")
                        else:
                            add(t, v, str(lang), f"languages.{lang}.{t}")
            else:
                add(term, value, None, str(term))
        if problems:
            raise ManifestError(problems)
        # Global patterns first, then each language's, each in the order written.
        patterns.sort(key=lambda p: p.language is not None)
        return cls(rules, patterns)

    def rules_for(self, language: str) -> list[LexiconRule]:
        specific = {r.term.casefold() for r in self.rules if r.language == language}
        return [r for r in self.rules if r.language == language or
                (r.language is None and r.term.casefold() not in specific)]

    def apply(self, text: str, language: str) -> str:
        """The text with the word rules for `language`, then its pattern rules in order."""
        compiled = self._compiled.get(language, ...)
        if compiled is ...:
            compiled = self._compiled[language] = self._compile(language)
        if compiled is not None:
            pattern, exact, folded = compiled

            def replace(m: re.Match[str]) -> str:
                word = m.group(0)
                return exact.get(word) or folded.get(word.casefold(), word)

            text = pattern.sub(replace, text)
        for rule in self.patterns:
            if rule.language is None or rule.language == language:
                text = rule.regex.sub(rule.say, text)
        return text

    def _compile(self, language: str) -> tuple[re.Pattern[str], dict[str, str], dict[str, str]] | None:
        rules = self.rules_for(language)
        if not rules:
            return None
        exact = {r.term: r.replacement for r in rules if r.case_sensitive}
        folded = {r.term.casefold(): r.replacement for r in rules if not r.case_sensitive}
        parts = []
        for r in sorted(rules, key=lambda r: -len(r.term)):  # longest first: "Harbor Street" before "Harbor"
            body = re.escape(r.term)
            parts.append(body if r.case_sensitive else f"(?i:{body})")
        # Whole words: no word character (or a dot-joined word) on either side. Works for "Node.js", "COVID-19".
        pattern = re.compile(r"(?<![\w.])(?:" + "|".join(parts) + r")(?![\w]|\.\w)")
        return pattern, exact, folded
