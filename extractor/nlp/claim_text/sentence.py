"""The claim as a sentence: the template a restatement makes, what it starts from, and the finished sentence.

The claimant's name is not known yet when the pass runs (the model may name the
speaker later), so a claim is a template (``ClaimText``) with ``CLAIMANT`` where the
name goes; ``finish_sentence`` makes the final sentence once it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import CAPITALS

if TYPE_CHECKING:
    from spacy.tokens import Token

    from extractor.nlp.speakers import Person

# Where the claimant's name goes in a claim template.
CLAIMANT = "\x00"
MAX_CLAIM_CHARS = 1000
QUOTE_MARKS = "\"“”«»‘’'`"
SUBJECT_DEPS = frozenset(["nsubj", "nsubjpass"])


@dataclass(frozen=True)
class ClaimText:
    """A claim sentence with ``CLAIMANT`` where the claimant's name goes, and the stance it is stated with."""

    template: str
    denies: bool

    def render(self, name: str) -> str:
        """The claim sentence for claimant ``name``: capitalised, one final stop, within the record's limit."""
        # A capital speaking is its government ("Moscow insists"): in the claim, the country.
        return finish_sentence(self.template.replace(CLAIMANT, CAPITALS.get(name, name)))


def finish_sentence(text: str) -> str:
    """``text`` as a sentence: spaces collapsed, marks at the edges dropped, capitalised, with a final stop."""
    sentence = " ".join(text.split())
    sentence = re.sub(r"\s+([,;:.!?])", r"\1", sentence)
    sentence = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", sentence)
    sentence = sentence.strip(QUOTE_MARKS + " ,;:—–-")
    if not sentence:
        return ""
    sentence = sentence[0].upper() + sentence[1:]
    # A closing quotation mark left inside ("... true.”") goes; the stop stays.
    sentence = sentence.rstrip(QUOTE_MARKS)
    if sentence[-1] not in ".!?":
        sentence += "."
    if len(sentence) > MAX_CLAIM_CHARS:
        sentence = sentence[: MAX_CLAIM_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


@dataclass(frozen=True)
class Reading:
    """What the pass found for one attribution, as the restater needs it (offsets index the parsed body)."""

    content: tuple[int, int]
    content_root: Token | None
    cue: Token | None
    frame: str
    direct_quote: bool
    cue_denies: bool
    content_negated: bool
    claimant: Person | None
    claimant_gender: str | None = None
