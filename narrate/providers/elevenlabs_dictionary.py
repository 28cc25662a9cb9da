"""ElevenLabs pronunciation dictionaries for a segment's pronunciations, referenced by locator.

A segment whose request carries pronunciations (IPA forms of the lexicon terms its text holds) gets
one PLS dictionary with exactly those entries, named `narrate-` + 16 hex digits of the document's
sha256 (content-addressed: a name never changes meaning). The dictionary is looked up by name among
the account's (`GET /v1/pronunciation-dictionaries`, newest first, at most MAX_PAGES pages of 100)
and added only when absent (`POST /v1/pronunciation-dictionaries/add-from-file`, multipart `name` +
`file`: AddPronunciationDictionaryResponseModel gives `id` and `version_id`), once per process. The
request then names it in `pronunciation_dictionary_locators` as `{pronunciation_dictionary_id,
version_id}` (at most 3 per request; narrate uses one). Shapes: elevenlabs-docs openapi.json.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import ProviderError
from .base import SynthesisRequest
from .pls import digest_name, pls_document

if TYPE_CHECKING:
    from .elevenlabs import ElevenLabsProvider

NAME_PREFIX = "narrate-"
NAME_LENGTH = 24
MAX_PAGES = 10


def multipart(fields: dict[str, str], file_name: str, file_body: str, boundary: str) -> bytes:
    """A multipart/form-data body: text `fields`, then `file` (an XML part named `file_name`)."""
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
                 f"Content-Type: application/pls+xml\r\n\r\n{file_body}\r\n--{boundary}--\r\n")
    return "".join(parts).encode("utf-8")


class DictionaryStore:
    """The dictionaries this process has found or added for one ElevenLabs account."""

    def __init__(self, provider: ElevenLabsProvider) -> None:
        self.provider = provider
        self.known: dict[str, dict[str, str]] = {}  # name -> locator
        self._lock = threading.Lock()

    def locators_for(self, request: SynthesisRequest) -> list[dict[str, str]]:
        """`pronunciation_dictionary_locators` for `request` ([] without IPA entries). Raises ProviderError."""
        entries = [(term, form) for term, alphabet, form in request.lexicon if alphabet == "ipa"]
        if not entries:
            return []
        document = pls_document(request.language, "ipa", entries)
        name = digest_name(NAME_PREFIX, document, NAME_LENGTH)
        with self._lock:
            if name not in self.known:
                self.known[name] = self.find(name) or self.add(name, document)
            return [self.known[name]]

    def find(self, name: str) -> dict[str, str] | None:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"page_size": 100, **({"cursor": cursor} if cursor else {})}
            page = self.provider.get_json("/v1/pronunciation-dictionaries", params)
            if not isinstance(page, dict):
                return None
            for d in page.get("pronunciation_dictionaries") or []:
                if isinstance(d, dict) and d.get("name") == name and d.get("id") and d.get("latest_version_id"):
                    return {"pronunciation_dictionary_id": str(d["id"]), "version_id": str(d["latest_version_id"])}
            cursor = page.get("next_cursor")
            if not page.get("has_more") or not cursor:
                return None
        return None

    def add(self, name: str, document: str) -> dict[str, str]:
        boundary = "narrate-boundary-" + name.removeprefix(NAME_PREFIX)
        body = multipart({"name": name, "description": "pronunciations from a narrate lexicon"}, f"{name}.pls",
                         document, boundary)
        label = self.provider.label

        def handle(response: httpx.Response) -> dict[str, str]:
            import json

            try:
                data = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                data = None
            if not isinstance(data, dict) or not data.get("id") or not data.get("version_id"):
                raise ProviderError("adding a pronunciation dictionary: no id and version_id in the answer",
                                    provider=label)
            return {"pronunciation_dictionary_id": str(data["id"]), "version_id": str(data["version_id"])}

        return self.provider.http.call("POST", "/v1/pronunciation-dictionaries/add-from-file", content=body,
                                       headers={"content-type": f"multipart/form-data; boundary={boundary}"},
                                       handle=handle)
