"""One lexicon, compiled per provider: the strongest pronunciation mechanism each provider offers.

A provider class names its mechanism with `lexicon_mode` (absent: "respell"):

| mode | providers | what a rule with a phonetic form becomes |
|---|---|---|
| `pls` | Polly | the term stays in the text; a PLS lexicon (PutLexicon) named in LexiconNames |
| `custom-pronunciations` | Google | the term stays; `input.customPronunciations` entries (IPA or X_SAMPA) |
| `dictionary` | ElevenLabs (models that read phonemes) | the term stays; a PLS pronunciation dictionary, by locator |
| `ssml-phoneme` | Azure | `<phoneme alphabet="ipa" ph="...">term</phoneme>` in the SSML body |
| `phoneme-input` | Piper | the term stays; the entries go in the request; Piper reads the IPA as a `[[ ... ]]` block |
| `respell` | eSpeak, OpenAI, Deepgram, others | the respelling (`say`), as before |

eSpeak NG reads phoneme input only as its own `[[...]]` mnemonics; no maintained IPA-to-eSpeak
converter exists (the packages that exist convert text to IPA), so the embedded engine respells.

In every mode the compiled form is part of the key of exactly the segments holding the term: the
out-of-band modes put the segment's entries in its request (`SynthesisRequest.lexicon`, hashed with
it), `ssml-phoneme` puts them in the text itself, `respell` rewrites the text.
"""

from __future__ import annotations

from .lexicon import Lexicon
from .markup import Break, Node, Phoneme, SayAs, Sub, escape_attr, escape_text, is_markup, parse

# mode -> the alphabets it takes, in order of preference.
MODES: dict[str, tuple[str, ...]] = {
    "respell": (),
    "pls": ("ipa", "x-sampa"),  # PLS alphabets Polly accepts (PutLexicon: else UnsupportedPlsAlphabetException)
    "custom-pronunciations": ("ipa", "x-sampa"),  # PHONETIC_ENCODING_IPA / _X_SAMPA (cloud_tts.proto)
    "dictionary": ("ipa",),  # ElevenLabs phoneme rules: ipa or cmu-arpabet
    "ssml-phoneme": ("ipa", "x-sampa"),  # Azure <phoneme alphabet="ipa|x-sampa">
    "phoneme-input": ("ipa",),  # Piper: eSpeak NG's IPA symbols in [[ ]] (narrate.providers.piper_engine)
}
OUT_OF_BAND = frozenset({"pls", "custom-pronunciations", "dictionary", "phoneme-input"})


def lexicon_mode(provider: object) -> str:
    """The provider's `lexicon_mode` ("respell" when it declares none or an unknown one)."""
    mode = getattr(provider, "lexicon_mode", "respell")
    return mode if mode in MODES else "respell"


def alphabets_for(provider: object) -> tuple[str, ...]:
    """The phonetic alphabets the provider takes, preferred first; () for respelling providers."""
    return MODES[lexicon_mode(provider)]


def out_of_band(provider: object) -> bool:
    """Whether the provider takes pronunciations beside the text (in `SynthesisRequest.lexicon`)."""
    return lexicon_mode(provider) in OUT_OF_BAND


def segment_entries(lexicon: Lexicon, text: str, language: str, alphabets: tuple[str, ...],
                    ssml: bool = False) -> tuple[tuple[str, str, str], ...]:
    """The out-of-band pronunciations of one segment: `Lexicon.phonetic_entries` of the words it
    speaks. For an SSML body those are its text runs and sub aliases, never element or attribute
    names ("characters" in `interpret-as="characters"` is no term of the prompt's), so a rule's
    edit changes only the keys of the segments that say its term."""
    if ssml:
        text = " ".join(n if isinstance(n, str) else n.alias for n in parse(text) if isinstance(n, str | Sub))
    return lexicon.phonetic_entries(text, language, alphabets)


def inline_phonemes(text: str, language: str, lexicon: Lexicon, alphabets: tuple[str, ...]) -> str:
    """Prompt text (plain or markup) with each term that has a phonetic form in `alphabets` wrapped in
    the portable `<phoneme>` element, for providers that read it in SSML. Terms already inside an
    element are left alone (elements hold text only). Text without such a term is returned as is."""
    if not alphabets or not lexicon.phonetic_spans(text if not is_markup(text) else _plain_runs(text), language,
                                                   alphabets):
        return text
    if not is_markup(text):
        return _wrap(text, language, lexicon, alphabets)
    return "".join(_wrap(node, language, lexicon, alphabets) if isinstance(node, str) else _serialize(node)
                   for node in parse(text))


def _plain_runs(text: str) -> str:
    return " ".join(node for node in parse(text) if isinstance(node, str))


def _wrap(text: str, language: str, lexicon: Lexicon, alphabets: tuple[str, ...]) -> str:
    out, at = [], 0
    for start, end, alphabet, form in lexicon.phonetic_spans(text, language, alphabets):
        out.append(escape_text(text[at:start]))
        out.append(f'<phoneme alphabet="{alphabet}" ph="{escape_attr(form)}">{escape_text(text[start:end])}</phoneme>')
        at = end
    out.append(escape_text(text[at:]))
    return "".join(out)


def _serialize(node: Node) -> str:
    """A parsed element written back as portable markup."""
    if isinstance(node, Break):
        return f'<break time="{node.ms}ms"/>'
    if isinstance(node, SayAs):
        return f'<say-as interpret-as="{node.interpret_as}">{escape_text(node.text)}</say-as>'
    if isinstance(node, Sub):
        return f'<sub alias="{escape_attr(node.alias)}">{escape_text(node.text)}</sub>'
    assert isinstance(node, Phoneme)
    return f'<phoneme alphabet="{node.alphabet}" ph="{escape_attr(node.ph)}">{escape_text(node.text)}</phoneme>'
