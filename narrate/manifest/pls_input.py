"""A W3C Pronunciation Lexicon (PLS 1.0) file as a narrate lexicon (`lexicon: names.pls`).

https://www.w3.org/TR/pronunciation-lexicon/ (the format Polly's PutLexicon, Azure's custom lexicons
and ElevenLabs' pronunciation dictionaries take)::

    <lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
             alphabet="ipa" xml:lang="en-US">
      <lexeme><grapheme>Nguyen</grapheme><phoneme>wɪn</phoneme></lexeme>
      <lexeme><grapheme>W3C</grapheme><grapheme>w3c</grapheme><alias>World Wide Web Consortium</alias></lexeme>
    </lexicon>

Each grapheme becomes a rule under the lexicon's `xml:lang` (so `en` covers en-US and en-GB),
matched as written (case-sensitive, as Azure reads PLS graphemes): an `<alias>` is its respelling
(`say`), a `<phoneme>` its `ipa` or `x-sampa` form (the lexicon's alphabet, or the phoneme's own).
The first alias and phoneme count (or the one marked `prefer="true"`), and the first lexeme of a
grapheme wins, as PLS says; `role` cannot be told apart in prompt text and is not read.

Read with expat directly and strictly: any DOCTYPE is refused at the parser before its internal
subset is read, so no entity is declared, none expands (no billion laughs) and no external entity
(`SYSTEM "file:///etc/passwd"`) is ever opened; that is what defusedxml adds to the stdlib parsers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from xml.parsers import expat

from ..errors import ManifestError, Problem
from .inputs import MAX_MANIFEST_BYTES, read_input
from .loader import Key, LineTable, YamlDocument

NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"
_XML_LANG = "http://www.w3.org/XML/1998/namespace lang"
ALPHABETS = {"ipa": "ipa", "x-sampa": "x-sampa"}  # PLS alphabet -> the lexicon rule's key
_TEXT = ("grapheme", "phoneme", "alias")
MAX_DEPTH = 8  # lexicon > lexeme > grapheme is all PLS needs; deeper is not a lexicon


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def looks_like_pls(path: Path) -> bool:
    """A PLS file by its name, as editors and Polly's examples tell them apart: `.pls` or `.xml`."""
    return path.suffix.lower() in (".pls", ".xml")


def load_pls_file(path: Path, display: str | None = None, *, limit: int = MAX_MANIFEST_BYTES) -> YamlDocument:
    """Read (bounded, regular files only) and parse a PLS file into the lexicon mapping
    `{"languages": {lang: {grapheme: {"say"?, "ipa" | "x-sampa"?, "case_sensitive": True}}}}`, each
    rule located at its lexeme's line. Raises ManifestError for anything that is not a PLS 1.0 lexicon."""
    shown = display or str(path)
    raw = read_input(path, limit=limit, display=shown)
    doc = _Reader(shown).read(raw)
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    return doc


class _Reader:
    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.p = expat.ParserCreate(namespace_separator=" ")
        self.p.StartDoctypeDeclHandler = self._refuse_doctype
        self.p.EntityDeclHandler = self._refuse_doctype
        self.p.ExternalEntityRefHandler = self._refuse_entity
        self.p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        self.p.StartElementHandler = self._start
        self.p.EndElementHandler = self._end
        self.p.CharacterDataHandler = self._chars
        self.stack: list[str] = []
        self.language = ""
        self.alphabet = ""
        self.lexeme: dict[str, Any] | None = None
        self.text: list[str] | None = None  # the text of the grapheme/phoneme/alias being read
        self.phoneme_alphabet = ""
        self.prefer = False
        self.rules: dict[str, dict[str, Any]] = {}
        self.lines = LineTable({(): 1})
        self.problems: list[Problem] = []

    def _refuse_doctype(self, *_args: Any) -> None:
        raise _Refused("a DOCTYPE or entity declaration is not allowed in a PLS lexicon (entities could "
                       "expand without bound or read other files)")

    def _refuse_entity(self, *_args: Any) -> int:
        self._refuse_doctype()
        return 0

    def _fail(self, message: str) -> None:
        raise _Refused(message)

    def read(self, raw: bytes) -> YamlDocument:
        try:
            self.p.Parse(raw, True)
        except _Refused as exc:
            raise ManifestError([Problem(self.shown, self.p.CurrentLineNumber, "", exc.message)]) from None
        except expat.ExpatError as exc:
            raise ManifestError([Problem(self.shown, exc.lineno, "",
                                         f"not a PLS lexicon: invalid XML ({expat.errors.messages[exc.code]})")]) from None
        if not self.language:
            raise ManifestError([Problem(self.shown, 1, "", f"not a PLS lexicon: no <lexicon xmlns=\"{NAMESPACE}\">")])
        if self.problems:
            raise ManifestError(self.problems)
        return YamlDocument(self.shown, {"languages": {self.language: self.rules}}, self.lines)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        depth = len(self.stack)
        self.stack.append(local)
        if depth >= MAX_DEPTH:
            self._fail(f"elements nested more than {MAX_DEPTH} deep: not a PLS lexicon")
        if depth == 0:
            self._root(ns, local, attrs)
        elif ns != NAMESPACE:
            return  # another vocabulary's element (PLS allows foreign metadata): not read
        elif local == "lexeme" and depth == 1:
            self.lexeme = {"line": self.p.CurrentLineNumber, "grapheme": [], "phoneme": [], "alias": []}
        elif local in _TEXT and depth == 2 and self.lexeme is not None:
            self.text = []
            self.phoneme_alphabet = attrs.get("alphabet", self.alphabet)
            self.prefer = attrs.get("prefer") == "true"
        elif local in _TEXT:
            self._fail(f"<{local}> belongs directly inside a <lexeme>")

    def _root(self, ns: str, local: str, attrs: dict[str, str]) -> None:
        if local != "lexicon" or ns != NAMESPACE:
            shown = f"{{{ns}}}{local}" if ns else local
            self._fail(f"not a PLS lexicon: the root element is <{shown}>, not <lexicon xmlns=\"{NAMESPACE}\">")
        if attrs.get("version") != "1.0":
            self._fail(f"PLS version must be \"1.0\", not {attrs.get('version')!r}")
        self.language = attrs.get(_XML_LANG, "").strip()
        self.lines[("languages", self.language)] = self.p.CurrentLineNumber  # warnings about it point here
        if not self.language:
            self._fail("<lexicon> needs xml:lang, the language its entries are for (like en-US)")
        self.alphabet = attrs.get("alphabet", "").strip()
        if not self.alphabet:
            self._fail("<lexicon> needs alphabet=\"ipa\" (or \"x-sampa\")")

    def _chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _end(self, name: str) -> None:
        local = self.stack.pop()
        if self.text is not None and local in _TEXT and len(self.stack) == 2:
            value = " ".join("".join(self.text).split())
            self.text = None
            assert self.lexeme is not None
            if not value:
                self._fail(f"an empty <{local}>")
            entry = (value, self.phoneme_alphabet) if local == "phoneme" else value
            self.lexeme[local].insert(0 if self.prefer else len(self.lexeme[local]), entry)
        elif local == "lexeme" and len(self.stack) == 1 and self.lexeme is not None:
            self._add(self.lexeme)
            self.lexeme = None

    def _add(self, lexeme: dict[str, Any]) -> None:
        line = lexeme["line"]
        if not lexeme["grapheme"]:
            self.problems.append(Problem(self.shown, line, "", "a <lexeme> needs a <grapheme>"))
            return
        if not lexeme["phoneme"] and not lexeme["alias"]:
            self.problems.append(Problem(self.shown, line, lexeme["grapheme"][0],
                                         "a <lexeme> needs a <phoneme> or an <alias>"))
            return
        rule: dict[str, Any] = {"case_sensitive": True}
        if lexeme["alias"]:
            rule["say"] = lexeme["alias"][0]
        if lexeme["phoneme"]:
            form, alphabet = lexeme["phoneme"][0]
            key = ALPHABETS.get(alphabet)
            if key is None:
                self.problems.append(Problem(self.shown, line, lexeme["grapheme"][0],
                                             f"phoneme alphabet {alphabet!r} is not one narrate reads "
                                             f"({', '.join(ALPHABETS)})"))
                return
            rule[key] = form
        for grapheme in lexeme["grapheme"]:
            if grapheme not in self.rules:  # PLS: the first lexeme of a grapheme is the one used
                self.rules[grapheme] = rule
                where: Key = ("languages", self.language, grapheme)
                self.lines[where] = line
                self.lines[(*where, "say")] = line
