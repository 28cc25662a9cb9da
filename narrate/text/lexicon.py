r"""Pronunciation lexicon: whole-word replacements applied before hashing.

YAML shape::

    PPO: P P O                          # term: replacement (case-insensitive)
    SQL: {say: sequel, case_sensitive: true}
    Nguyen: {say: win, ipa: "wɪn"}      # a phonetic form (ipa, x-sampa) for providers that take one
    patterns:                           # regular expressions, applied in order after the words
      - {pattern: 'Route (\d+)', say: 'Highway \1'}
    languages:                          # per-language word rules override the global ones; `es`
      es-US:                            # covers es-US and es-MX, the most specific tag wins; its
                                        # patterns run after the global ones, general to specific
        Northwind: Nort uind
        patterns: [{pattern: '(\d+) hrs', say: '\1 horas'}]

Because the lexicon rewrites the text before it is hashed, changing one rule changes the keys
of exactly the segments that contain that term, and nothing else.

Phonetic forms: a provider that takes pronunciations (lexicon_compile.py says which and how) gets
the rules with a phonetic form in an alphabet it reads out of the text: `apply(..., keep=alphabets)`
leaves those terms as written, and `phonetic_entries` lists the ones a segment holds, which go into
its request (and so its key). Every other provider hears the respelling (`say`; without one, the
term as written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ManifestError, Problem
from .lexicon_match import TermMatcher
from .lexicon_patterns import PatternRule, compile_pattern
from .normalize import canonical, canonical_pattern


@dataclass(frozen=True)
class LexiconRule:
    term: str
    replacement: str
    case_sensitive: bool = False
    language: str | None = None
    ipa: str | None = None
    xsampa: str | None = None

    def phonetic(self, alphabets: tuple[str, ...]) -> tuple[str, str] | None:
        """(alphabet, form) for the first of `alphabets` ("ipa", "x-sampa") this rule has, else None."""
        for alphabet in alphabets:
            form = self.ipa if alphabet == "ipa" else self.xsampa if alphabet == "x-sampa" else None
            if form:
                return alphabet, form
        return None


def language_ranges(language: str) -> tuple[str, ...]:
    """The language ranges that cover a tag, most specific first, case-folded (RFC 4647 lookup):
    "es-US" -> ("es-us", "es"); "zh-Hant-TW" -> ("zh-hant-tw", "zh-hant", "zh")."""
    parts = language.casefold().replace("_", "-").split("-")
    return tuple("-".join(parts[:n]) for n in range(len(parts), 0, -1) if parts[n - 1])


def _level(rule_language: str | None, levels: tuple[str, ...]) -> int | None:
    """How far a rule's language is from the prompt's (0: the same tag; len(levels): a global rule),
    None when it does not cover it."""
    if rule_language is None:
        return len(levels)
    folded = rule_language.casefold().replace("_", "-")
    return levels.index(folded) if folded in levels else None


class Lexicon:
    def __init__(self, rules: list[LexiconRule], patterns: list[PatternRule] | None = None) -> None:
        self.rules = rules
        self.patterns = patterns or []
        self._compiled: dict[str, TermMatcher[LexiconRule] | None] = {}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> Lexicon:
        rules: list[LexiconRule] = []
        problems: list[Problem] = []

        def add(term: Any, value: Any, language: str | None, where: str) -> None:
            case = False
            phonetic: dict[str, str | None] = {"ipa": None, "x-sampa": None}
            if isinstance(value, Mapping):
                case = bool(value.get("case_sensitive", False))
                for name in phonetic:
                    form = value.get(name)
                    if form is not None and (not isinstance(form, str) or not form.strip()):
                        problems.append(Problem(source, None, f"{where}.{name}", "a phonetic form must be text"))
                    phonetic[name] = form.strip() if isinstance(form, str) and form.strip() else None
                value = value.get("say")
                if value is None and any(phonetic.values()) and isinstance(term, str):
                    value = term.strip()  # no respelling: respelling providers say the term as written
            if not isinstance(term, str) or not term.strip():
                problems.append(Problem(source, None, where, "empty term"))
            elif not isinstance(value, (str, int, float)) or isinstance(value, bool):
                problems.append(Problem(source, None, where, "replacement must be text (or {say: text})"))
            else:
                # The text is canonical before the lexicon sees it (narrate.text.normalize): so is the term,
                # or "McDonald’s" (typographic apostrophe) or a decomposed "Müller" would never match.
                rules.append(LexiconRule(canonical(term), str(value), case, language, phonetic["ipa"],
                                         phonetic["x-sampa"]))

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
                    regex = compile_pattern(canonical_pattern(item["pattern"]), say,
                                            bool(item.get("case_sensitive", False)))
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
        """The word rules that apply in `language`: for each term, the rule of the most specific
        language range covering it (`es-US`, then `es`, then the global rules)."""
        levels = language_ranges(language)
        best: dict[str, int] = {}  # folded term -> its most specific level (0 is the language itself)
        for r in self.rules:
            level = _level(r.language, levels)
            if level is not None:
                key = r.term.casefold()
                best[key] = min(best.get(key, level), level)
        return [r for r in self.rules if _level(r.language, levels) == best.get(r.term.casefold(), -1)]

    def patterns_for(self, language: str) -> list[PatternRule]:
        """The pattern rules that apply in `language`: the global ones, then each covering language's,
        general to specific, each in the order written."""
        levels = language_ranges(language)
        applying = [(level, i, p) for i, p in enumerate(self.patterns)
                    if (level := _level(p.language, levels)) is not None]
        return [p for _, _, p in sorted(applying, key=lambda t: (-t[0], t[1]))]

    def apply(self, text: str, language: str, keep: tuple[str, ...] = ()) -> str:
        """The text with the word rules for `language`, then its pattern rules in order. Rules with a
        phonetic form in one of the `keep` alphabets are left as written (their provider takes the form)."""
        matcher = self._rules_of(language)
        if matcher is not None:
            out, at = [], 0
            for start, end, word in matcher.finditer(text):
                if not (keep and word.phonetic(keep) is not None):
                    out += [text[at:start], word.replacement]
                    at = end
            text = "".join(out) + text[at:] if out else text
        for pattern in self.patterns_for(language):
            text = pattern.regex.sub(pattern.say, text)
        return text

    def phonetic_entries(self, text: str, language: str, alphabets: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
        """(term as written in `text`, alphabet, phonetic form) for each rule with a form in `alphabets`
        whose term `text` holds, sorted and without repeats; () when none does."""
        return tuple(sorted({(text[start:end], alphabet, form)
                             for start, end, alphabet, form in self.phonetic_spans(text, language, alphabets)}))

    def phonetic_spans(self, text: str, language: str,
                       alphabets: tuple[str, ...]) -> list[tuple[int, int, str, str]]:
        """(start, end, alphabet, form) of each term in `text` with a phonetic form in `alphabets`, in order."""
        matcher = self._rules_of(language) if alphabets else None
        if matcher is None:
            return []
        spans = []
        for start, end, rule in matcher.finditer(text):
            form = rule.phonetic(alphabets)
            if form is not None:
                spans.append((start, end, *form))
        return spans

    def _rules_of(self, language: str) -> TermMatcher[LexiconRule] | None:
        compiled = self._compiled.get(language, ...)
        if compiled is ...:
            compiled = self._compiled[language] = self._compile(language)
        return compiled

    def _compile(self, language: str) -> TermMatcher[LexiconRule] | None:
        rules = self.rules_for(language)
        if not rules:
            return None
        # One rule per term as written (case-sensitive) or per folded term: the last one written wins.
        exact = {r.term: r for r in rules if r.case_sensitive}
        folded = {r.term.casefold(): r for r in rules if not r.case_sensitive}
        return TermMatcher(exact.items(), [(r.term, r) for r in folded.values()])
