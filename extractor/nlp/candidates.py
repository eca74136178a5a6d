"""Candidate assembly: the attributions of one article, found, named, filtered and placed in ``article.text``.

``find_candidates`` walks the parsed body sentence by sentence: ``CueFinder``
finds each sentence's attributions, nested cues are dropped, ``SpeakerResolver``
names each source, and only then are the sentence's names registered, so a
pronoun never points forward. Duplicates and cues nested in another content are
dropped, non-propositions (directives, actions, topics) are left out, and the
rest become ``Candidate`` records with offsets into ``article.text``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.claim_text import ClaimText, Reading, Restater
from extractor.nlp.claimness import doubt, is_claim
from extractor.nlp.cues import Attribution, CueFinder
from extractor.nlp.instructions import instruction_like
from extractor.nlp.negation import content_negated
from extractor.nlp.parsing import parse
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import CharSpan, DocIndex, Intervals, TokenSpans
from extractor.nlp.speakers import SpeakerResolver
from extractor.nlp.trained import ReaderModel, TrainedReader, shipped_model
from extractor.records import Article, Span

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan


@dataclass(frozen=True)
class Candidate:
    """One attribution found in the text: who (source), through which words (cue), said what (content).

    ``content`` becomes a claim's evidence; ``source`` is the mention as written
    (maybe "he"), ``claimant_name`` what it resolves to (None when nothing fits).
    ``negated`` is the stance: the cue denies ("denied", "called ...
    disinformation") or the content is negated ("there was no contact"), not both;
    ``content_negated`` says the content itself carries the negation. ``frame``
    says how the content was found (see ``FRAME_ORDER``, plus "according").
    ``claim_text`` is the content restated as a claim (``claim_text.Restater``),
    whose ``denies`` is the stance of that restatement; ``claimant_named`` is False
    when the claimant is a description; ``speaker_options`` are the names of the
    speakers mentioned near the cue (its sentence and the two before, outside the
    content): the only claimants a model may choose for it. ``doubt`` is the reason the
    candidate may be no claim that the pass keeps it despite (``claimness.doubt``:
    "topic", "question" or "belief" by default), None when the rules see no doubt.
    """

    sentence: Span
    content: Span
    cue: Span | None
    source: Span | None
    claimant_name: str | None
    claimant_role: str | None
    claimant_organization: str | None
    negated: bool
    direct_quote: bool
    said_on_text: str | None
    cue_lemma: str | None = None
    frame: str | None = None
    content_negated: bool = False
    claim_text: ClaimText | None = None
    claimant_named: bool = True
    speaker_options: tuple[str, ...] = ()
    doubt: str | None = None


def find_candidates(
    article: Article, doc: Doc | None = None, *, reader: ReaderModel | None = None, rules_only: bool = False
) -> list[Candidate]:
    """Attribution candidates of ``article``, in text order.

    ``doc`` may be a parse of ``body_text(article)`` made earlier (batching);
    without it the body is parsed here. Each sentence's rule attributions are
    revised by the trained reader (``trained``): ``reader`` is its model, the
    one shipped with the package by default; ``rules_only`` leaves it out.
    """
    if doc is None:
        doc = parse(article)
    model = None if rules_only else (reader or shipped_model())
    return _ArticleWalk(article, doc, model).run()


class _ArticleWalk:
    """One article's pass, in text order, so coreference sees only what came before."""

    def __init__(self, article: Article, doc: Doc, model: ReaderModel | None) -> None:
        self.doc = doc
        self.offset = article.body_start
        spans = TokenSpans(doc)
        quotations = Quotations(doc, spans)
        self.cues = CueFinder(doc, spans, quotations)
        self.speakers = SpeakerResolver(doc, quotations)
        self.restater = Restater(doc, self.speakers)
        self.instructions: set[int] = set()  # start tokens of sentences written to a model
        self.contents: list[tuple[int, int]] = []
        self.model = model
        self.reader = TrainedReader(doc, self.cues, quotations, spans) if model is not None else None

    def sentence_attributions(self, sentence: SpacySpan) -> list[Attribution]:
        """The rule attributions of ``sentence``, revised by the trained reader when there is one."""
        found = list(self.cues.in_sentence(sentence))
        if self.reader is None or self.model is None:
            return found
        return self.reader.revise(sentence, found, self.model)

    def run(self) -> list[Candidate]:
        found: list[Attribution] = []
        seen_ents = 0
        ents = sorted(self.doc.ents, key=lambda e: e.start)
        for sentence in self.doc.sents:
            if not sentence.text.strip():
                continue
            if instruction_like(sentence.text):
                # Text written to a model is no attribution, and its names are no speakers.
                self.instructions.add(sentence.start)
                seen_ents = _skip_entities(ents, seen_ents, sentence.end)
                continue
            # Nested cues go before resolution, so they never become the last claimant.
            for item in _drop_nested(self.sentence_attributions(sentence)):
                item.name = self.speakers.resolve(item.source_token)
                found.append(item)
            # Register the sentence's names after its candidates are resolved, so a
            # pronoun never points forward.
            while seen_ents < len(ents) and ents[seen_ents].start < sentence.end:
                self.speakers.register(ents[seen_ents])
                seen_ents += 1
        # Only claims by docs/annotation.md: no directive, action, plan, topic, question, wish or ascribed belief.
        kept = [item for item in _drop_nested(_dedupe(found)) if item.proposition and is_claim(self.doc, item)]
        # What someone is reported to say is not where a speaker of another statement is named.
        self.contents = Intervals([item.content for item in kept])
        finished = (self._finish(item) for item in kept)
        return [candidate for candidate in finished if candidate is not None]

    def _finish(self, item: Attribution) -> Candidate | None:
        """The candidate of ``item``, or None when its content is no claim or reaches into text written to a model."""
        start, end = item.content
        offset = self.offset
        # The sentence span covers every sentence the content runs through.
        first = self.doc.char_span(start, end, alignment_mode="expand")
        sentence_start = min(item.sentence.start_char, first[0].sent.start_char if first else start)
        sentence_end = max(item.sentence.end_char, first[-1].sent.end_char if first else end)
        negated_content = content_negated(self.doc, item.content, item.content_root, item.direct_quote)
        person = item.name
        content_tokens = DocIndex.of(self.doc).tokens_in(start, end)
        if any(t.sent.start in self.instructions for t in content_tokens):
            return None
        cue_token = _token_at(self.doc, item.cue[0]) if item.cue else None
        restated = self.restater.restate(
            Reading(
                content=item.content,
                content_root=item.content_root,
                cue=cue_token if cue_token is not None and cue_token.pos_ in ("VERB", "AUX") else None,
                frame=item.frame,
                direct_quote=item.direct_quote,
                cue_denies=item.cue_denies,
                content_negated=negated_content,
                claimant=person,
                claimant_gender=self.speakers.gender.get(person.name) if person else None,
            )
        )
        if restated is None:
            return None
        options = self.speakers.mentions_near(item.sentence, self.contents, self.instructions)
        return Candidate(
            sentence=Span(sentence_start + offset, sentence_end + offset),
            content=Span(start + offset, end + offset),
            cue=Span(item.cue[0] + offset, item.cue[1] + offset) if item.cue else None,
            source=(Span(item.source_span[0] + offset, item.source_span[1] + offset) if item.source_span else None),
            claimant_name=person.name if person else None,
            claimant_role=person.role if person else None,
            claimant_organization=person.organization if person else None,
            negated=restated.denies,
            direct_quote=item.direct_quote,
            said_on_text=item.said_on_text,
            cue_lemma=item.cue_lemma,
            frame=item.frame,
            content_negated=negated_content,
            claim_text=restated,
            claimant_named=person.named if person else True,
            speaker_options=options,
            doubt=doubt(self.doc, item),
        )


def _drop_nested(found: list[Attribution]) -> list[Attribution]:
    """Drop a cue that sits inside another candidate's content.

    "Sanders told the crowd that he expects to win" is one attribution: on PolNeAR
    train a cue nested in another content is an annotated attribution about one
    time in five, even when someone else is named there.
    """

    def inside(cue: CharSpan | None, content: CharSpan) -> bool:
        return cue is not None and content[0] <= cue[0] and cue[1] <= content[1]

    def dominated(item: Attribution, other: Attribution) -> bool:
        if other is item or not inside(item.cue, other.content):
            return False
        # Two cues each inside the other's content ("X said that nothing had changed", with
        # "changed" misread as a post-posed cue): the earlier cue is the outer attribution.
        mutual = inside(other.cue, item.content)
        return not mutual or (other.cue is not None and item.cue is not None and other.cue[0] < item.cue[0])

    containing = _Containing(found)
    return [
        item
        for item in found
        if item.cue is None or not any(dominated(item, other) for other in containing.around(item.cue))
    ]


class _Containing:
    """Attributions by content, answering "whose content contains this span" in O((k + 1) log n), not O(n).

    A max-end segment tree over the contents sorted by start: a subtree whose furthest end falls
    short of the span is skipped whole.
    """

    def __init__(self, found: list[Attribution]) -> None:
        self.items = sorted(found, key=lambda item: item.content[0])
        self.starts = [item.content[0] for item in self.items]
        self.size = 1
        while self.size < len(self.items):
            self.size *= 2
        self.reach = [-1] * (2 * self.size)
        for position, item in enumerate(self.items):
            self.reach[self.size + position] = item.content[1]
        for node in range(self.size - 1, 0, -1):
            self.reach[node] = max(self.reach[2 * node], self.reach[2 * node + 1])

    def around(self, span: CharSpan) -> list[Attribution]:
        """The attributions whose content starts at or before ``span`` and ends at or after it."""
        start, end = span
        limit = bisect_right(self.starts, start)  # items[:limit] start at or before the span
        found: list[Attribution] = []
        stack = [(1, 0, self.size)]
        while stack:
            node, low, high = stack.pop()
            if low >= limit or self.reach[node] < end:
                continue
            if high - low == 1:
                found.append(self.items[low])
                continue
            middle = (low + high) // 2
            stack.extend(((2 * node + 1, middle, high), (2 * node, low, middle)))
        return found


def _dedupe(found: Iterable[Attribution]) -> list[Attribution]:
    """One candidate per content span: the first found, or the one that has a name."""
    by_span: dict[CharSpan, Attribution] = {}
    for item in found:
        kept = by_span.get(item.content)
        if kept is None or (kept.name is None and item.name is not None):
            by_span[item.content] = item
    return sorted(by_span.values(), key=lambda f: f.content)


def _token_at(doc: Doc, char: int) -> Token | None:
    """The token starting at character ``char`` of the parsed body."""
    span = doc.char_span(char, char + 1, alignment_mode="expand")
    return span[0] if span is not None and len(span) else None


def _skip_entities(ents: list[SpacySpan], seen: int, end: int) -> int:
    """Pass over the entities of a skipped sentence without registering them."""
    while seen < len(ents) and ents[seen].start < end:
        seen += 1
    return seen
