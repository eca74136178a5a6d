"""Character spans of a parsed body: token ranges and subtrees turned into trimmed ``(start, end)`` pairs.

Offsets here index the parsed body (``doc.text``); the candidate assembly adds
``article.body_start``. A span never starts or ends on whitespace or on the
punctuation in ``TRIM`` (quotation marks stay: they are part of the content).
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

# A half-open character range ``(start, end)`` of the parsed body.
CharSpan = tuple[int, int]

TRIM = " \t\r\n,;:.—–-"
_INDEX_KEY = "extractor.doc_index"


class DocIndex:
    """One parsed body's text, tokens and entities by position, built once: lookups in O(log n), not a scan.

    ``doc.text`` and ``doc.ents`` are rebuilt by spaCy on every access, and a scan of every token
    per candidate made a document of n attributions cost n²; every lookup by position goes here.
    Built after the pipeline has run (nothing sets entities later); ``of(doc)`` keeps one per doc.
    """

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.text = doc.text
        self.starts = [token.idx for token in doc]
        self.ents: tuple[SpacySpan, ...] = tuple(sorted(doc.ents, key=lambda ent: ent.start))
        self.ent_starts = [ent.start for ent in self.ents]

    @classmethod
    def of(cls, doc: Doc) -> DocIndex:
        index = doc.user_data.get(_INDEX_KEY)
        if index is None:
            index = doc.user_data[_INDEX_KEY] = cls(doc)
        return index

    def tokens_in(self, start: int, end: int) -> list[Token]:
        """The tokens that start at a character in ``[start, end)``, in order."""
        return list(self.doc[bisect_left(self.starts, start) : bisect_left(self.starts, end)])

    def ents_starting_in(self, first: int, end: int) -> tuple[SpacySpan, ...]:
        """The entities whose first token is in ``[first, end)``, in text order."""
        return self.ents[bisect_left(self.ent_starts, first) : bisect_left(self.ent_starts, end)]

    def ent_at(self, token_i: int) -> SpacySpan | None:
        """The entity token ``token_i`` is part of, or None (entities never overlap)."""
        found = bisect_left(self.ent_starts, token_i + 1) - 1
        if found >= 0 and self.ents[found].start <= token_i < self.ents[found].end:
            return self.ents[found]
        return None


class Intervals(list[CharSpan]):
    """Character spans sorted by start, answering "does any of them cover ``char``" in O(log n)."""

    def __init__(self, spans: list[CharSpan]) -> None:
        super().__init__(sorted(spans))
        self._starts = [start for start, _ in self]
        self._reach = list(accumulate((end for _, end in self), max))  # furthest end among the first k

    def covers(self, char: int) -> bool:
        """Whether some span has ``start <= char < end``."""
        last = bisect_left(self._starts, char + 1) - 1
        return last >= 0 and self._reach[last] > char


def covered(spans: list[CharSpan], char: int) -> bool:
    """Whether some span of ``spans`` covers ``char`` (fast for ``Intervals``)."""
    if isinstance(spans, Intervals):
        return spans.covers(char)
    return any(start <= char < end for start, end in spans)


class TokenSpans:
    """Turns tokens of one parsed body into trimmed character spans."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.body = doc.text

    def trim_chars(self, start: int, end: int) -> CharSpan | None:
        """``[start, end)`` without edge whitespace and punctuation, or None when nothing is left."""
        text = self.body
        while start < end and text[start] in TRIM:
            start += 1
        while end > start and text[end - 1] in TRIM:
            end -= 1
        if end <= start:
            return None
        return start, end

    def trim_tokens(self, start: int, end: int) -> CharSpan | None:
        """Character span of tokens ``[start, end)``, without edge punctuation outside quotes."""
        if end <= start:
            return None
        first = self.doc[start].idx
        last = self.doc[end - 1].idx + len(self.doc[end - 1].text)
        return self.trim_chars(first, last)

    def subtree_chars(self, token: Token, exclude: Token | None = None) -> CharSpan | None:
        """The span of ``token``'s subtree, cut before ``exclude`` when it sits inside."""
        start, end = token.left_edge.i, token.right_edge.i + 1
        if exclude is not None and start <= exclude.i < end:
            # The cue sits inside the subtree (a post-posed "he said" inside the quote's
            # clause): keep the side before the cue.
            end = exclude.left_edge.i
        return self.trim_tokens(start, end)

    def cue_chars(self, verb: Token) -> CharSpan:
        """The cue as written: the verb, with a particle right after it ("called for")."""
        particles = [c for c in verb.children if c.dep_ == "prt" and c.i == verb.i + 1]
        end_token = particles[0] if particles else verb
        return verb.idx, end_token.idx + len(end_token.text)

    def source_chars(self, source: Token) -> CharSpan | None:
        """The source as written: its subtree without a relative clause after it."""
        end = source.right_edge.i
        for child in source.children:
            if child.i > source.i and child.dep_ in ("relcl", "acl"):
                end = min(end, child.left_edge.i - 1)
        return self.trim_tokens(source.left_edge.i, end + 1)

    def previous_sentence(self, verb: Token) -> tuple[CharSpan, Token] | None:
        """The last non-blank sentence before ``verb``'s, with its root ("This was announced by ...")."""
        sentence = verb.sent
        if sentence.start == 0:
            return None
        previous = self.doc[sentence.start - 1].sent
        while not previous.text.strip() and previous.start > 0:
            previous = self.doc[previous.start - 1].sent
        span = self.trim_tokens(previous.start, previous.end)
        return (span, previous.root) if span else None
