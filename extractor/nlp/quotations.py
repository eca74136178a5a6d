"""Quotations in a body: pairing quotation marks, and the questions the pass asks about them.

``quotation_spans`` pairs the marks of a plain text; ``Quotations`` answers, for
one parsed body, whether a position is quoted, whether a span is a quotation,
which quotation a cue introduces, and how far a quoted content runs on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from extractor.nlp.spans import CharSpan, DocIndex, TokenSpans

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

_OPENING_QUOTES = "“«"


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Quotations in ``text`` as ``(start, end)`` including their marks.

    Paired per paragraph: curly marks pair by direction, straight double marks and
    doubled apostrophes ('' as in some wire copy) alternate. A quotation left open
    at the end of a paragraph runs to that end (the multi-paragraph convention).
    """
    spans: list[tuple[int, int]] = []
    position = 0
    for paragraph in text.split("\n"):
        spans.extend((position + s, position + e) for s, e in _paragraph_quotes(paragraph))
        position += len(paragraph) + 1
    return spans


def _paragraph_quotes(paragraph: str) -> Iterator[tuple[int, int]]:
    open_at: int | None = None
    closing: str | None = None
    i = 0
    while i < len(paragraph):
        char = paragraph[i]
        mark = "''" if paragraph.startswith("''", i) else char
        width = len(mark)
        if open_at is None:
            if mark in _OPENING_QUOTES or mark in ('"', "''"):
                open_at = i
                closing = {"“": "”", "«": "»"}.get(mark, mark)
        elif mark == closing or (closing == "”" and mark == '"'):
            yield open_at, i + width
            open_at = None
        i += width
    if open_at is not None and len(paragraph) - open_at > 1:
        yield open_at, len(paragraph.rstrip())


def is_quote_mark(token: Token) -> bool:
    """Whether ``token`` is a quotation mark (the parser sometimes makes one a clause head)."""
    return token.text in ('"', "''", "“", "”")


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


class Quotations:
    """The quotations of one parsed body (``doc.text``), in text order."""

    def __init__(self, doc: Doc, spans: TokenSpans) -> None:
        self.doc = doc
        self.body = doc.text
        self.char_spans = spans
        self.quotes = quotation_spans(self.body)

    def inside(self, position: int) -> bool:
        """Whether ``position`` falls strictly within a quotation's marks."""
        return any(s < position < e - 1 for s, e in self.quotes)

    def is_quotation(self, span: CharSpan) -> bool:
        """Whether ``span`` is a whole quotation, or at least opens and closes with marks."""
        return any(s == span[0] and e == span[1] for s, e in self.quotes) or (
            self.body[span[0]] in '“"' and self.body[span[1] - 1] in '”"'
        )

    def expand(self, span: CharSpan | None) -> CharSpan | None:
        """Grow ``span`` to whole quotations it overlaps, marks and inner punctuation included."""
        if span is None:
            return None
        start, end = span
        for q_start, q_end in self.quotes:
            if q_start < end and start < q_end:
                start, end = min(start, q_start), max(end, q_end)
        return self.char_spans.trim_chars(start, end)

    def introduced_by(self, verb: Token, sentence: SpacySpan) -> CharSpan | None:
        """A quotation the cue introduces without a parsed complement: 'He said: "..."'.

        The caller checks first that the cue has a source.
        """
        cue_end = verb.idx + len(verb.text)
        # A quotation in the same sentence, outside the cue; a quoted word or two is
        # a scare quote inside some other content, not what the cue reports.
        for q_start, q_end in self.quotes:
            # spaCy may leave an opening mark at the end of the previous sentence.
            if not (q_start < sentence.end_char and q_end > sentence.start_char):
                continue
            if (q_start >= cue_end or q_end <= verb.idx) and _word_count(self.body[q_start:q_end]) >= 4:
                return q_start, q_end
        # Or one that starts right after a sentence ending in ':' or ','.
        tail = self.body[cue_end : sentence.end_char].strip()
        if tail.endswith((":", ",")) or not tail:
            for q_start, q_end in self.quotes:
                if q_start >= sentence.end_char and not self.body[sentence.end_char : q_start].strip():
                    return q_start, q_end
        return None

    def continue_after(self, span: CharSpan, verb: Token) -> CharSpan:
        """Extend a quoted content over the quotations that directly follow it.

        '"A," she said. "B."' is one attribution whose content is A and B: the next
        quotation joins when only the cue clause stands between (no other verb)
        and nothing but punctuation follows it in its own sentence, so a quotation
        with its own cue ('"B," he added.') stays separate.
        """
        start, end = span
        paragraph_end = self.body.find("\n", end)
        if paragraph_end < 0:
            paragraph_end = len(self.body)
        while True:
            nxt = next((q for q in self.quotes if q[0] >= end), None)
            if nxt is None or nxt[0] >= paragraph_end:
                break
            between = [t for t in DocIndex.of(self.doc).tokens_in(end, nxt[0]) if not t.is_space]
            if len([t for t in between if t.is_alpha]) > 10 or any(
                t.pos_ in ("VERB", "AUX") and t.i != verb.i for t in between
            ):
                break
            if between and between[-1].text not in (".", ",", ":", ";") and between[-1].i != verb.i:
                break
            after = self.body[nxt[1] : paragraph_end]
            next_break = re.search(r"[.!?]\s|$", after)
            tail = after[: next_break.start()] if next_break else after
            if re.search(r"\w", tail):
                break
            end = nxt[1]
        return start, end
