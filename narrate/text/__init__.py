"""Text to speakable text: normalisation, lexicon, sentences, Markdown for books."""

from .lexicon import Lexicon, LexiconRule
from .normalize import normalize
from .sentences import pack_sentences, segment_paragraph, split_for_limit, split_sentences

__all__ = ["Lexicon", "LexiconRule", "normalize", "pack_sentences", "segment_paragraph", "split_for_limit",
           "split_sentences"]
