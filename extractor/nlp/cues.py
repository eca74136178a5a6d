"""Cue detection: the reporting cues of a sentence, each with its source token and content span.

A cue is a verb from the lexicon ("said", "denied", "accused") or "according to".
Its source is the subject, the by-agent of a passive, the head of a relative
clause, or a subject inherited from the verb a participle hangs on; its content
is read through the verb's frames in order (``content.ContentFinder``). The
result is an ``Attribution``: a candidate under construction, whose source the
speaker resolver names later.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.content import ContentFinder, FrameContent, coordinated_cue
from extractor.nlp.dates import cue_date
from extractor.nlp.lexicon import (
    BRANDING_VERBS,
    DENIAL_VERBS,
    FRAME_ORDER,
    LEXICON,
    is_proposition,
    lexicon_frames,
)
from extractor.nlp.negation import falsehood_brand
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import CharSpan, TokenSpans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

    from extractor.nlp.speakers import Person

# Dependencies climbed from a subjectless cue to the verb whose subject it shares.
_CLIMB_DEPS = frozenset(["advcl", "conj", "xcomp", "acl", "pcomp", "prep", "pobj"])


@dataclass
class Attribution:
    """A candidate under construction, with the tokens it came from (offsets into the parsed body)."""

    sentence: SpacySpan
    content: CharSpan
    cue: CharSpan | None
    source_token: Token | None
    source_span: CharSpan | None
    cue_lemma: str
    cue_denies: bool
    content_root: Token | None
    direct_quote: bool = False
    said_on_text: str | None = None
    frame: str = "clause"
    name: Person | None = None
    proposition: bool = True


class CueFinder:
    """Finds the attributions of one parsed body, sentence by sentence."""

    def __init__(self, doc: Doc, spans: TokenSpans, quotations: Quotations) -> None:
        self.doc = doc
        self.spans = spans
        self.quotations = quotations
        self.contents = ContentFinder(doc, spans, quotations)

    def in_sentence(self, sentence: SpacySpan) -> Iterator[Attribution]:
        """The attributions whose cue is in ``sentence`` (outside quotations), in text order."""
        for token in sentence:
            if self.quotations.inside(token.idx):
                continue
            if (
                token.lower_ == "according"
                and token.i + 2 < len(self.doc)
                and (
                    self.doc[token.i + 1].lower_ == "to"
                    # "according to which ...": a relative clause, not a source.
                    and self.doc[token.i + 2].lower_ not in ("which", "whom")
                )
            ):
                item = self._according_to(sentence, token)
            elif token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in LEXICON:
                item = self._verb_cue(sentence, token)
            else:
                item = None
            if item is not None:
                yield item

    def _according_to(self, sentence: SpacySpan, according: Token) -> Attribution | None:
        to = self.doc[according.i + 1]
        objects = [c for c in to.children if c.dep_ == "pobj"] or [c for c in according.children if c.dep_ == "pobj"]
        if not objects:
            return None
        source = objects[0]
        phrase_start = according.left_edge.i
        phrase_end = max(according.right_edge.i, to.right_edge.i) + 1
        # The content is the rest of the clause: before or after the phrase.
        before = (sentence.start, phrase_start)
        after = (phrase_end, sentence.end)
        span = before if (before[1] - before[0]) >= (after[1] - after[0]) else after
        content = self.spans.trim_tokens(span[0], span[1])
        if content is None:
            return None
        return Attribution(
            sentence=sentence,
            content=content,
            cue=(according.idx, to.idx + len(to.text)),
            source_token=source,
            source_span=self.spans.trim_tokens(source.left_edge.i, source.right_edge.i + 1),
            cue_lemma="according to",
            cue_denies=False,
            content_root=None,
            frame="according",
        )

    def _verb_cue(self, sentence: SpacySpan, verb: Token) -> Attribution | None:
        frames = lexicon_frames(verb.lemma_.lower())
        source, passive_content = self.source_of(verb)
        for frame in FRAME_ORDER:
            if frame not in frames:
                continue
            found = self.contents.read(frame, verb, sentence, source, passive_content)
            if found is not None:
                return self.verb_attribution(sentence, verb, frame, found, source)
        return None

    def verb_attribution(
        self, sentence: SpacySpan, verb: Token, frame: str, found: FrameContent, source: Token | None
    ) -> Attribution | None:
        """The attribution of cue ``verb`` whose content ``found`` was read through ``frame``."""
        lemma = verb.lemma_.lower()
        denies = lemma in DENIAL_VERBS
        content, content_root = found
        if frame == "passive" and content_root is not None and content_root.sent != verb.sent:
            # "Russia is not negotiating. This was announced by ...": a whole sentence.
            frame = "passive_sentence"
        if lemma in BRANDING_VERBS:
            # "called the reports disinformation", "dismissed X as fake": the content
            # is denied, and the brand is no part of it.
            brand = falsehood_brand(verb)
            if brand is not None:
                denies = True
                brand_start = self.doc[brand].idx
                if content[0] < brand_start < content[1]:
                    content = self.spans.trim_chars(content[0], brand_start) or content
        expanded = self.quotations.expand(content)
        if expanded is None:
            return None
        direct = self.quotations.is_quotation(expanded)
        if direct:
            expanded = self.quotations.continue_after(expanded, verb)
        return Attribution(
            sentence=sentence,
            content=expanded,
            cue=self.spans.cue_chars(verb),
            source_token=source,
            source_span=self.spans.source_chars(source) if source is not None else None,
            cue_lemma=lemma,
            cue_denies=denies,
            content_root=content_root,
            direct_quote=direct,
            said_on_text=cue_date(verb),
            frame=frame,
            proposition=is_proposition(lemma, frame),
        )

    def source_of(self, verb: Token) -> tuple[Token | None, FrameContent | None]:
        """The source token of ``verb``, and for a passive with a by-agent, its content."""
        subject = next((c for c in verb.children if c.dep_ in ("nsubj",)), None)
        if subject is not None:
            return subject, None
        passive_subject = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is not None:
            by_object = next((c for c in agent.children if c.dep_ == "pobj"), None)
            content = None
            if passive_subject is not None:
                if passive_subject.lower_ in ("this", "that", "it") and len(list(passive_subject.subtree)) == 1:
                    content = self.spans.previous_sentence(verb)
                else:
                    span = self.spans.subtree_chars(passive_subject, exclude=verb)
                    content = (span, passive_subject) if span else None
            return by_object, content
        if passive_subject is not None:
            return None, None
        if verb.dep_ == "relcl":
            return verb.head, None
        coordinated = coordinated_cue(verb.head) if verb.dep_ == "conj" and verb.head.dep_ == "ccomp" else None
        if coordinated is not None and coordinated.i == verb.i:
            # "Kiev insists that X and has denied that Y": the subject of "insists", not of X.
            outer = verb.head.head
            return next((c for c in outer.children if c.dep_ == "nsubj"), None), None
        return _inherited_source(verb), None


def _inherited_source(verb: Token) -> Token | None:
    """The source a subjectless verb shares with the verb it hangs on.

    Participles, infinitives and coordinated verbs share the subject of the verb
    they hang on: "..., adding that", "stood up and said", "After reciting the
    passage, Beck said"; a participle on a noun has that noun as its source
    ("a civil rights group demanding ...").
    """
    node = verb
    for _ in range(6):
        if node.dep_ == "acl" and node.head.pos_ in ("NOUN", "PROPN", "PRON"):
            return node.head
        if node.dep_ not in _CLIMB_DEPS or node.head == node:
            break
        node = node.head
        if node.pos_ in ("VERB", "AUX"):
            subject = next((c for c in node.children if c.dep_ == "nsubj"), None)
            if subject is not None:
                return subject
            if node.dep_ == "relcl":
                return node.head
    return None
