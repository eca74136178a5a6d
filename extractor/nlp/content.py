"""Content spans: what a reporting cue reports, read through one frame at a time.

A frame (see ``lexicon.FRAME_ORDER``) says where a cue's content is written: its
complement clause, the clause it is appended to, a prepositional object, its
object, an infinitive, the subject of its passive, or a quotation it introduces.
The span follows the PolNeAR conventions: the complement as written, with its
"that" and quotation marks, without the cue, the source, or final punctuation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import (
    LEXICON,
    NOT_TOPICS,
    OBJECT_CONTROL_VERBS,
    PREP_VERBS,
    RELATIVE_PRONOUNS,
    TOPIC_PREPOSITIONS,
    lexicon_frames,
)
from extractor.nlp.quotations import Quotations, is_quote_mark
from extractor.nlp.spans import CharSpan, TokenSpans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

# A content span with the token its clause or phrase hangs on (None for a bare quotation).
FrameContent = tuple[CharSpan, "Token | None"]


def coordinated_cue(clause: Token) -> Token | None:
    """A cue verb coordinated into a reported clause by a parse error, or None.

    In "Kiev insists that the offensive was unprovoked and has denied that it was
    planning ...", the small model attaches "has denied" to "was" (inside the first
    clause) instead of to "insists". Such a verb has no subject of its own, is a
    cue, and brings its own content (a clause or an object).
    """
    for child in clause.children:
        if (
            child.dep_ == "conj"
            and child.i > clause.i
            and child.pos_ == "VERB"
            and child.lemma_.lower() in LEXICON
            and not any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children)
            and any(c.dep_ in ("ccomp", "dobj") for c in child.children)
        ):
            return child
    return None


def has_subject(verb: Token) -> bool:
    """Whether ``verb`` has a subject of its own (active or passive)."""
    return any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children)


class ContentFinder:
    """Finds a cue verb's content span in one parsed body, frame by frame."""

    def __init__(self, doc: Doc, spans: TokenSpans, quotations: Quotations) -> None:
        self.doc = doc
        self.spans = spans
        self.quotations = quotations
        self._readers: dict[str, Callable[[Token, SpacySpan], FrameContent | None]] = {
            "clause": self._clause,
            "postposed": self._postposed,
            "prep": self._prep,
            "object": self._object,
            "xcomp": self._xcomp,
            "bare_passive": self._bare_passive,
        }

    def read(
        self,
        frame: str,
        verb: Token,
        sentence: SpacySpan,
        source: Token | None,
        passive_content: FrameContent | None,
    ) -> FrameContent | None:
        """The content of ``verb`` read through one frame, or None when the frame does not fit.

        ``source`` and ``passive_content`` are what ``cues.source_of`` found for the verb:
        a passive's content is its subject, and only a cue with a source introduces a quotation.
        """
        if frame == "passive":
            return passive_content
        if frame == "quote":
            if source is None:
                return None
            span = self.quotations.introduced_by(verb, sentence)
            return (span, None) if span else None
        reader = self._readers.get(frame)
        return reader(verb, sentence) if reader is not None else None

    def _clause(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        clauses = [c for c in verb.children if c.dep_ == "ccomp" and not is_quote_mark(c)]
        # A clause after the cue is its complement; one before it only for a
        # verb that reports post-posed ("..., Lavrov said") or a quotation.
        after = [c for c in clauses if c.i > verb.i]
        before = [
            c
            for c in clauses
            if c.i < verb.i
            and (
                "postposed" in lexicon_frames(verb.lemma_.lower())
                or self.quotations.inside(c.idx)
                # "The contacts were carried out at other levels, Ryabkov stressed":
                # a plain clause, not "When Clinton won, Biden decided ...".
                or not any(m.dep_ == "mark" for m in c.children)
            )
        ]
        clause = (after or before or [None])[0]
        if clause is None:
            return None
        span = self.spans.subtree_chars(clause, exclude=verb)
        second = coordinated_cue(clause)
        if span is not None and second is not None:
            # "Kiev insists that X and has denied that Y", parsed with "denied" inside
            # the first clause: the content ends before "and"; "denied" is a cue of its own.
            cut = min([c.i for c in clause.children if c.dep_ == "cc" and c.i < second.i] or [second.i])
            span = self.spans.trim_tokens(clause.left_edge.i, cut)
        return (span, clause) if span else None

    def _postposed(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        # "..., he said." / "The goal, he said, is ...": the cue hangs on the content.
        head = verb.head
        if verb.dep_ not in ("parataxis", "ccomp", "advcl", "conj") or head == verb:
            return None
        if head.pos_ not in ("VERB", "AUX") or not has_subject(verb):
            return None
        if any(c.dep_ in ("ccomp", "dobj") for c in verb.children):
            return None
        start, end = max(head.left_edge.i, sentence.start), head.right_edge.i + 1
        if head.i < verb.i:
            end = verb.left_edge.i
        elif verb.left_edge.i <= start:
            # "As Rudenko added, Moscow has ...": the cue clause opens the sentence.
            start = verb.right_edge.i + 1
        # Otherwise the cue is parenthetical ("The goal, he said, is ...") and
        # the content runs around it.
        span = self.spans.trim_tokens(start, end)
        return (span, head) if span else None

    def _prep(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        children = list(verb.children)
        if "object" in lexicon_frames(verb.lemma_.lower()) and any(c.dep_ == "dobj" for c in children):
            # "accused Putin of genocide": the preposition belongs to the object frame
            # (but "delivered a speech about immigration" is about immigration).
            return None
        particles = PREP_VERBS.get(verb.lemma_.lower(), TOPIC_PREPOSITIONS)
        for child in children:
            if child.i < verb.i:
                # "On November 8, Macron called for ...": not the verb's "on".
                continue
            if child.dep_ == "prep" and child.lower_ in particles:
                objects = [c for c in child.children if c.dep_ in ("pobj", "pcomp") and c.ent_type_ not in NOT_TOPICS]
                if objects:
                    span = self.spans.subtree_chars(objects[0], exclude=verb)
                    return (span, objects[0]) if span else None
            if child.dep_ == "prt" and child.lower_ in particles:
                objects = [c for c in children if c.dep_ in ("dobj", "ccomp")]
                if objects:
                    span = self.spans.subtree_chars(objects[0], exclude=verb)
                    return (span, objects[0]) if span else None
        return None

    def _object(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        children = list(verb.children)
        objects = [c for c in children if c.dep_ == "dobj" and not is_quote_mark(c)]
        relative = verb.dep_ == "relcl" and (not objects or objects[0].lower_ in RELATIVE_PRONOUNS)
        if relative and any(c.dep_ == "nsubj" and c.lower_ not in RELATIVE_PRONOUNS for c in children):
            # "a charge that Republican leaders denied": the object is the noun
            # the relative clause hangs on.
            noun = verb.head
            span = self.spans.trim_tokens(noun.left_edge.i, verb.left_edge.i)
            return (span, noun) if span else None
        if not objects:
            return None
        first = objects[0]
        if first.lower_ in ("it", "this", "that", "so") and first.right_edge is first:
            return None
        last_i = first.right_edge.i
        # Complements after the object belong to the content: "accused X of Y",
        # "called it a lie", "urged X to Y" (an infinitive only after verbs that
        # pass the object on to it, not "announced his candidacy to ask ...").
        lemma = verb.lemma_.lower()
        for child in children:
            if child.i <= first.i:
                continue
            if (
                child.dep_ in ("oprd", "ccomp")
                or (child.dep_ == "xcomp" and lemma in OBJECT_CONTROL_VERBS)
                or (child.dep_ == "prep" and child.lower_ in ("of", "as", "for"))
            ):
                last_i = max(last_i, child.right_edge.i)
        span = self.spans.trim_tokens(first.left_edge.i, last_i + 1)
        return (span, first) if span else None

    def _xcomp(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        clause = next((c for c in verb.children if c.dep_ == "xcomp"), None)
        if clause is None:
            return None
        span = self.spans.subtree_chars(clause, exclude=verb)
        return (span, clause) if span else None

    def _bare_passive(self, verb: Token, sentence: SpacySpan) -> FrameContent | None:
        # "Two marches are planned for July 18", "Crows are considered X": the
        # passive subject with its complement; no source is written.
        children = list(verb.children)
        subject = next((c for c in children if c.dep_ == "nsubjpass"), None)
        if subject is None or any(c.dep_ == "agent" for c in children):
            return None
        if subject.lower_ in RELATIVE_PRONOUNS and verb.dep_ == "relcl":
            subject = verb.head
            span = self.spans.trim_tokens(subject.left_edge.i, verb.left_edge.i)
            return (span, subject) if span else None
        last_i = subject.right_edge.i
        for child in children:
            if child.i > verb.i and child.dep_ in ("oprd", "xcomp", "ccomp", "attr", "acomp"):
                last_i = max(last_i, child.right_edge.i)
        start = subject.left_edge.i
        if last_i <= subject.right_edge.i:
            span = self.spans.subtree_chars(subject, exclude=verb)
        else:
            span = self.spans.trim_tokens(start, last_i + 1)
        return (span, subject) if span else None
