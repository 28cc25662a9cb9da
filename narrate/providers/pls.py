"""W3C Pronunciation Lexicon Specification (PLS 1.0) documents, for Polly's PutLexicon and ElevenLabs'
pronunciation dictionaries.

Shape (https://www.w3.org/TR/pronunciation-lexicon/, the example Polly's PutLexicon docs use)::

    <?xml version="1.0" encoding="UTF-8"?>
    <lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
             alphabet="ipa" xml:lang="en-US">
      <lexeme><grapheme>tomato</grapheme><phoneme>təˈmɑːtoʊ</phoneme></lexeme>
    </lexicon>

One document holds one alphabet (Polly: ipa or x-sampa) and one language; `documents` groups the
entries so. The bytes are deterministic (entries sorted), so a document's digest names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"


def pls_document(language: str, alphabet: str, entries: Iterable[tuple[str, str]]) -> str:
    """The PLS XML for (grapheme, phoneme) pairs in `alphabet` ("ipa" | "x-sampa") and `language`."""
    lexemes = "".join(f"  <lexeme><grapheme>{escape(g)}</grapheme><phoneme>{escape(p)}</phoneme></lexeme>\n"
                      for g, p in sorted(set(entries)))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<lexicon version=\"1.0\" xmlns={quoteattr(NAMESPACE)} alphabet={quoteattr(alphabet)} "
            f"xml:lang={quoteattr(language)}>\n{lexemes}</lexicon>\n")


def documents(language: str, entries: Iterable[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """(alphabet, PLS document) per alphabet among (term, alphabet, phonetic) entries, ipa first."""
    by_alphabet: dict[str, list[tuple[str, str]]] = {}
    for term, alphabet, phonetic in entries:
        by_alphabet.setdefault(alphabet, []).append((term, phonetic))
    return [(a, pls_document(language, a, by_alphabet[a])) for a in sorted(by_alphabet)]


def digest_name(prefix: str, document: str, length: int) -> str:
    """A content-addressed name: `prefix` + the first hex digits of the document's sha256, `length` in all."""
    return prefix + hashlib.sha256(document.encode("utf-8")).hexdigest()[: length - len(prefix)]
