"""Sentence assembly: one attribution's content restated, edit by edit, as a claim template and its stance.

``Restater.restate`` reads a candidate's content tokens in the parse and edits them
into the claim: what opens the content goes (``leading``), a negated predicate is
restated positively (``denegation``), a phrase content becomes its proposition
(``phrases``), pronouns become names (``pronouns``); a content that carries no
proposition ("told reporters", "rejected them", a bare name, a topic) gives no claim.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from extractor.nlp.claim_text.denegation import branded_false, denegate
from extractor.nlp.claim_text.edits import Edit
from extractor.nlp.claim_text.leading import drop_leading
from extractor.nlp.claim_text.phrases import Phrases
from extractor.nlp.claim_text.pronouns import Pronouns
from extractor.nlp.claim_text.sentence import CLAIMANT, QUOTE_MARKS, SUBJECT_DEPS, ClaimText, Reading
from extractor.nlp.lexicon import ADDRESSEE_VERBS, STANCE_VERBS, TOPIC_VERBS
from extractor.nlp.spans import DocIndex

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from extractor.nlp.speakers import SpeakerResolver

_FRAMES_OF_PHRASES = frozenset(["object", "prep", "xcomp", "passive", "bare_passive"])
_NAME_LABELS = frozenset(["PERSON", "ORG", "GPE", "NORP"])


class Restater:
    """Restates the contents of one parsed body as claim sentences."""

    def __init__(self, doc: Doc, speakers: SpeakerResolver) -> None:
        self.doc = doc
        self.speakers = speakers
        self.pronouns = Pronouns(doc, speakers)
        self.phrases = Phrases(doc, self.pronouns)

    def restate(self, reading: Reading) -> ClaimText | None:
        """The claim of ``reading``, or None when its content carries no proposition."""
        tokens = self._tokens(reading.content)
        if not tokens or _no_proposition(reading, tokens):
            return None
        edit = Edit(self.doc, reading.content, tokens)
        stance_from_cue = reading.cue_denies
        root = reading.content_root if reading.content_root is not None and reading.content_root in tokens else None
        if root is None and reading.frame not in _FRAMES_OF_PHRASES:
            roots = list(dict.fromkeys(t.sent.root for t in tokens if not t.is_space))
            root = roots[0] if len(roots) == 1 and roots[0] in tokens else None
        phrase = self.phrases.restate(reading, tokens, edit) if reading.frame in _FRAMES_OF_PHRASES else None
        if phrase is not None:
            template, extra_denial = phrase
            return ClaimText(template, denies=stance_from_cue != extra_denial)
        denies = stance_from_cue
        if root is not None:
            drop_leading(root, tokens, edit)
            if reading.content_negated:
                # Restated positively, the negation turns the stance; when it stays in the words the
                # stance is what they say (and denying a negated content keeps its denial).
                denies = not stance_from_cue if denegate(root, edit, tokens) else stance_from_cue
            elif not stance_from_cue and branded_false(root, tokens, edit):
                denies = True
        self.pronouns.substitute(reading, tokens, edit)
        template = edit.render()
        if not re.search(r"\w", template.replace(CLAIMANT, "")):
            return None
        return ClaimText(template, denies)

    def _tokens(self, content: tuple[int, int]) -> list[Token]:
        start, end = content
        return [t for t in DocIndex.of(self.doc).tokens_in(start, end) if not t.is_space]


def _no_proposition(reading: Reading, tokens: list[Token]) -> bool:
    """Whether the content says nothing that can be true or false: "them", "reporters", "RIA News", a topic."""
    words = [t for t in tokens if not t.is_punct and t.text not in QUOTE_MARKS]
    if not words:
        return True
    if all(t.pos_ in ("PRON", "DET") for t in words):
        # "rejected them", "confirmed this".
        return True
    if reading.frame not in _FRAMES_OF_PHRASES or reading.cue is None:
        return False
    lemma = reading.cue.lemma_.lower()
    has_clause = any(t.dep_ in SUBJECT_DEPS for t in words) or any(t.dep_ in ("ccomp", "oprd") for t in words)
    if lemma in TOPIC_VERBS and reading.frame in ("object", "prep") and not has_clause:
        # "discussed grain exports", "talked about the economy": a topic, not a claim.
        return True
    if lemma in ADDRESSEE_VERBS and reading.frame == "object" and not has_clause:
        # "told reporters", "informed the ministry": whom, not what.
        return True
    entity_words = [t for t in words if t.ent_type_ in _NAME_LABELS]
    # A bare name ("reports “RIA News“") is a source or an addressee, not a proposition, except
    # as the object of a stance ("endorsed Trump", "praised Putin": a position the claimant takes).
    return reading.frame in ("object", "prep") and len(entity_words) == len(words) and lemma not in STANCE_VERBS
