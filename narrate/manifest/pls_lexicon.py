"""A W3C PLS 1.0 pronunciation lexicon file (`lexicon: names.pls`) read as narrate's own lexicon.

Contact centres keep PLS files for Amazon Polly (PutLexicon) and Azure; narrate reads them into the
mapping a YAML lexicon gives, under the file's `xml:lang`::

    <lexicon ... alphabet="ipa" xml:lang="en-US">
      <lexeme><grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme></lexeme>      -> Nguyen: {ipa: wɪn}
      <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
                                                        -> W3C: {say: World Wide Web Consortium}
    </lexicon>                                          (all under languages: {en-US: ...})

A lexeme's graphemes each become a term with its pronunciation; a phoneme's own `alphabet` wins over
the lexicon's (`ipa` or `x-sampa`, the two narrate's providers read). Parsed with expat; a DOCTYPE or
an entity declaration is refused (no entity expansion, so no "billion laughs"), and every problem is
located at its line in the file. PLS terms match whole words, case-insensitively, as PLS graphemes do
in Polly.
"""

from __future__ import annotations

import hashlib
import xml.parsers.expat
from pathlib import Path
from typing import Any, NoReturn

from ..errors import ManifestError, Problem
from .inputs import MAX_MANIFEST_BYTES, read_input
from .loader import LineTable, YamlDocument

NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"
ALPHABETS = {"ipa": "ipa", "x-sampa": "x-sampa"}  # case-folded PLS alphabet -> narrate's rule key
_TEXT = ("grapheme", "phoneme", "alias")


def is_pls(path: Path) -> bool:
    """Whether a lexicon file is PLS XML rather than YAML: by its suffix, as editors tell them apart."""
    return path.suffix.casefold() in (".pls", ".xml")


def load_pls_file(path: Path, display: str) -> YamlDocument:
    """The lexicon mapping of a PLS file, with a line per key. Raises ManifestError (located)."""
    raw = read_input(path, limit=MAX_MANIFEST_BYTES, display=display)
    reader = _Reader(display)
    reader.parse(raw)
    doc = YamlDocument(display, reader.data, reader.lines)
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    return doc


class _Reader:
    def __init__(self, display: str) -> None:
        self.display = display
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.parser.StartDoctypeDeclHandler = lambda *a: self._fail("a DOCTYPE is not allowed in a lexicon")
        self.parser.EntityDeclHandler = lambda *a: self._fail("an entity declaration is not allowed in a lexicon")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.language = ""
        self.alphabet = ""
        self.rules: dict[str, dict[str, str]] = {}
        self.lines = LineTable()
        self.lexeme: dict[str, list[tuple[str, str, int]]] | None = None  # element -> (text, alphabet, line)
        self.current: tuple[str, str, int] | None = None
        self.buffer: list[str] = []
        self.seen_root = False
        self.lexeme_line = 0

    @property
    def data(self) -> dict[str, Any]:
        return {"languages": {self.language: self.rules}} if self.rules else {}

    def parse(self, raw: bytes) -> None:
        try:
            self.parser.Parse(raw, True)
        except xml.parsers.expat.ExpatError as exc:
            reason = xml.parsers.expat.ErrorString(exc.code)
            raise ManifestError([Problem(self.display, exc.lineno, "", f"not a PLS lexicon: {reason}")]) from None
        if not self.seen_root:
            self._fail("not a PLS lexicon: no <lexicon> element")

    def _line(self) -> int:
        return int(self.parser.CurrentLineNumber)

    def _fail(self, message: str, line: int | None = None) -> NoReturn:
        raise ManifestError([Problem(self.display, line or self._line(), "", message)])

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        namespace, _, name = tag.rpartition(" ")
        if not self.seen_root:
            if name != "lexicon" or namespace not in ("", NAMESPACE):
                self._fail(f"not a PLS lexicon: the root element is <{name}>, not <lexicon>")
            self.seen_root = True
            self.language = attrs.get("http://www.w3.org/XML/1998/namespace lang", "").strip()
            if not self.language:
                self._fail("a PLS lexicon needs xml:lang, the language its terms are for")
            self.alphabet = attrs.get("alphabet", "").strip()
            self.lines[("languages", self.language)] = self._line()
        elif name == "lexeme":
            self.lexeme = {key: [] for key in _TEXT}
            self.lexeme_line = self._line()
        elif name in _TEXT and self.lexeme is not None:
            self.current = (name, attrs.get("alphabet", "").strip() or self.alphabet, self._line())
            self.buffer = []

    def _text(self, data: str) -> None:
        if self.current is not None:
            self.buffer.append(data)

    def _end(self, tag: str) -> None:
        name = tag.rpartition(" ")[2]
        if self.current is not None and name == self.current[0] and self.lexeme is not None:
            self.lexeme[name].append((" ".join("".join(self.buffer).split()), self.current[1], self.current[2]))
            self.current = None
        elif name == "lexeme" and self.lexeme is not None:
            self._lexeme(self.lexeme)
            self.lexeme = None

    def _lexeme(self, parts: dict[str, list[tuple[str, str, int]]]) -> None:
        line = self.lexeme_line
        if not parts["grapheme"]:
            self._fail("a <lexeme> needs a <grapheme>", line)
        rule: dict[str, str] = {}
        if parts["alias"]:
            rule["say"] = parts["alias"][0][0]
        for text, alphabet, at in parts["phoneme"][:1]:  # the first is the preferred pronunciation
            key = ALPHABETS.get(alphabet.casefold())
            if key is None:
                self._fail(f"phoneme alphabet {alphabet or '(none)'!r}: narrate reads ipa and x-sampa", at)
            rule[key] = text
        if not rule:
            self._fail("a <lexeme> needs a <phoneme> or an <alias>", line)
        for grapheme, _, at in parts["grapheme"]:
            self.rules[grapheme] = rule
            self.lines[("languages", self.language, grapheme)] = at
