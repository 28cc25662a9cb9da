"""Polly PLS lexicons for a segment's pronunciations: uploaded once with PutLexicon, named in LexiconNames.

A segment whose request carries pronunciations (`SynthesisRequest.lexicon`: the lexicon entries with a
phonetic form whose term its text holds) gets one PLS document per alphabet, holding exactly those
entries, in the segment's language (Polly applies a lexicon only when its language is the voice's).
The name is content-addressed, `narrate` + 13 hex digits of the document's sha256 (names match
`[0-9A-Za-z]{1,20}`, PutLexicon API reference), so a name never changes meaning, re-uploading is
harmless, and segments with the same terms share one lexicon. Each name is uploaded once per
process (`PUT /v1/lexicons/{Name}` with `{"Content": document}`), before the first request that needs it.

Lexicon updates are eventually consistent: a SynthesizeSpeech right after PutLexicon may answer 404
LexiconNotFoundException, which the provider's classifier retries with the common policy. An account
holds at most 100 lexicons per region (MaxLexiconsNumberExceededException): segments share a lexicon
when they hold the same terms, so that is reached only with many distinct term combinations.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING
from urllib.parse import quote

import httpx

from .base import SynthesisRequest
from .pls import digest_name, documents

if TYPE_CHECKING:
    from .polly import PollyProvider

NAME_PREFIX = "narrate"
NAME_LENGTH = 20


class LexiconStore:
    """The lexicons this process has uploaded to one Polly endpoint."""

    def __init__(self, provider: PollyProvider) -> None:
        self.provider = provider
        self.uploaded: set[str] = set()
        self._lock = threading.Lock()

    def names_for(self, request: SynthesisRequest) -> list[str]:
        """LexiconNames for `request`, uploading each lexicon not yet uploaded. Raises ProviderError."""
        names = []
        for _, document in documents(request.language, request.lexicon):
            name = digest_name(NAME_PREFIX, document, NAME_LENGTH)
            with self._lock:  # one upload per name, even with many workers asking at once
                if name not in self.uploaded:
                    self.put(name, document)
                    self.uploaded.add(name)
            names.append(name)
        return names

    def put(self, name: str, document: str) -> None:
        """PutLexicon: `PUT /v1/lexicons/{name}` with `{"Content": document}` (retried by the common policy)."""
        provider = self.provider
        provider.http.call("PUT", f"{provider.endpoint()}/v1/lexicons/{quote(name, safe='')}",
                           json_body={"Content": document}, chars=0, handle=_ignore)


def _ignore(response: httpx.Response) -> None:
    return None
