"""Where a prompt's voice was set: the `voice:` key that a refused voice is reported at.

Settings inherit defaults -> library -> language -> prompt -> prompt-in-language (inherit.overlay; a voice
is set in each but the prompt's own), and a
resolved prompt keeps its voice, not the key that gave it. A voice the provider refuses is a mistake in
that key, which may be a screen away from the first prompt using it (`defaults: {voice: ...}` at the
top of a 10,000-prompt file): the message names the key's line, and the prompt. Pure: the manifest's
data and line table in (read again by the caller, on the error path only), key paths out.
"""

from __future__ import annotations

from typing import Any

from .loader import Key
from .names import nfc


def _sets_voice(node: Any) -> bool:
    """A mapping that sets `voice:` (a null voice inherits, as inherit.overlay reads it)."""
    return isinstance(node, dict) and isinstance(node.get("voice"), str)


def voice_key(data: Any, library: str, prompt: str, language: str,
              names: dict[str, dict[str, str]] | None = None) -> tuple[Key, bool]:
    """(the key path that set the voice of prompt `prompt` (its NFC name) of `library` in `language`,
    whether no key did: then the voice is made from the language tag, and the path is the language's).
    `names`: {library: {NFC name: name as written}}, filled as libraries are looked at (pass one dict
    for many calls: each library's names are then read once)."""
    lib = data.get("libraries", {}).get(library) if isinstance(data, dict) else None
    lib = lib if isinstance(lib, dict) else {}
    prompts = lib.get("prompts")
    prompts = prompts if isinstance(prompts, dict) else {}
    written: str | None = prompt
    if prompt not in prompts:  # a name written in another Unicode form than NFC
        known = (names if names is not None else {}).setdefault(
            library, {nfc(k): k for k in prompts if isinstance(k, str)})
        written = known.get(prompt)
    value = prompts.get(written) if written is not None else None
    # A voice is set per language (`voice:` is no prompt-wide setting): in the prompt's own text for it.
    if written is not None and isinstance(value, dict) and _sets_voice(value.get(language)):
        return ("libraries", library, "prompts", written, language, "voice"), False
    at_language: Key = ("libraries", library, "languages", language)
    spec = lib.get("languages", {}).get(language) if isinstance(lib.get("languages"), dict) else None
    if isinstance(spec, str):  # `en-US: en-us`, the shorthand for {voice: en-us}
        return at_language, False
    if _sets_voice(spec):
        return (*at_language, "voice"), False
    if _sets_voice(lib):
        return ("libraries", library, "voice"), False
    if isinstance(data, dict) and _sets_voice(data.get("defaults")):
        return ("defaults", "voice"), False
    return at_language, True


def book_voice_key(data: Any, book: str) -> Key | None:
    """The key that set a book's own voice: the book's `voice:`, else `defaults.voice`; None if neither
    did (the voice is made from the book's language)."""
    spec = data.get("books", {}).get(book) if isinstance(data, dict) and isinstance(data.get("books"), dict) else None
    if _sets_voice(spec):
        return ("books", book, "voice")
    if isinstance(data, dict) and _sets_voice(data.get("defaults")):
        return ("defaults", "voice")
    return None
