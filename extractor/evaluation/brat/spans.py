"""Spans of an annotation: fragments merged and joined, whitespace collapsed, and whether a span is a quotation."""

from __future__ import annotations

from extractor.evaluation.brat.ann import BratDocument, Span

# Straight and typographic marks of one family may pair with each other.
QUOTE_FAMILIES = (frozenset('"“”„«»'), frozenset("'‘’‹›"))
_TRAILING_PUNCTUATION = ",.;:!?"


def merge_fragments(fragments: list[Span]) -> list[Span]:
    """Sort fragments and join the ones that touch or overlap; empty fragments are dropped."""
    merged: list[Span] = []
    for start, end in sorted(f for f in fragments if f[1] > f[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def collapsed(text: str) -> str:
    return " ".join(text.split())


def is_direct_quote(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a quotation.

    It is when a quotation mark opens it (its first non-space character, or the
    nearest non-space character before it) and a mark of the same family closes
    it (its last character, or the nearest one after it, skipping spaces and
    ``,.;:!?``).
    """
    head = start
    while head < end and text[head].isspace():
        head += 1
    before = start - 1
    while before >= 0 and text[before].isspace():
        before -= 1
    tail = end - 1
    while tail > head and (text[tail].isspace() or text[tail] in _TRAILING_PUNCTUATION):
        tail -= 1
    after = end
    while after < len(text) and (text[after].isspace() or text[after] in _TRAILING_PUNCTUATION):
        after += 1
    for family in QUOTE_FAMILIES:
        opens = (head < end and text[head] in family) or (before >= 0 and text[before] in family)
        closes = (tail > head and text[tail] in family) or (after < len(text) and text[after] in family)
        if opens and closes:
            return True
    return False


def fragments_of(document: BratDocument, ids: list[str]) -> list[Span]:
    return [fragment for identifier in ids for fragment in document.textbounds[identifier].fragments]


def joined(text: str, spans: list[Span]) -> str:
    return " ".join(text[start:end] for start, end in spans)
