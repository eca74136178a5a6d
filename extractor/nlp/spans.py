"""Character spans of a parsed body: token ranges and subtrees turned into trimmed ``(start, end)`` pairs.

Offsets here index the parsed body (``doc.text``); the candidate assembly adds
``article.body_start``. A span never starts or ends on whitespace or on the
punctuation in ``TRIM`` (quotation marks stay: they are part of the content).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# A half-open character range ``(start, end)`` of the parsed body.
CharSpan = tuple[int, int]

TRIM = " \t\r\n,;:.—–-"


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
