"""Turning model output into exact article spans, and rejecting what cannot be located.

Evidence offsets are always computed here from the article text, never taken
from a model: sentence ids and candidate ids map to spans of the article, and a
quote is always cut from the text itself (``evidence``). What a strategy cannot
ground is dropped and counted, never "fixed".
"""

from __future__ import annotations

import re
from functools import cache

from extractor.records import Evidence, Span

PRONOUNS = frozenset(
    [
        "i",
        "me",
        "my",
        "we",
        "us",
        "our",
        "you",
        "he",
        "him",
        "his",
        "she",
        "her",
        "they",
        "them",
        "their",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "who",
        "someone",
        "somebody",
        "one",
    ]
)
_EDGE_CHARS = " \t\r\n\"'“”‘’«»,;:"


def evidence(text: str, span: Span) -> Evidence:
    """Evidence for ``span`` with the quote cut from the text itself, so it is grounded by construction."""
    span = trim(text, span)
    return Evidence(quote=text[span.start : span.end], start=span.start, end=span.end)


def trim(text: str, span: Span) -> Span:
    """Shrink a span past whitespace, quote marks and separators at either end."""
    start, end = span.start, span.end
    while start < end and text[start] in _EDGE_CHARS:
        start += 1
    while end > start and text[end - 1] in _EDGE_CHARS:
        end -= 1
    return Span(start, end)


@cache
def _sentencizer():  # -> spacy Language
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentence_spans(text: str, start: int = 0) -> list[Span]:
    """Sentences of ``text[start:]`` as spans of ``text``; template junk lines are left out."""
    spans: list[Span] = []
    paragraphs = [
        (start + m.start(), m.group(0))
        for m in re.finditer(r"[^\n]+", text[start:])
        if "{{" not in m.group(0) and m.group(0).strip()
    ]
    # One pipe() over the paragraphs: a third cheaper than calling the pipeline once per paragraph.
    for (base, _), doc in zip(paragraphs, _sentencizer().pipe(chunk for _, chunk in paragraphs), strict=True):
        for sentence in doc.sents:
            span = trim(text, Span(base + sentence.start_char, base + sentence.end_char))
            if span.end > span.start:
                spans.append(span)
    return spans


def is_name(name: str | None) -> bool:
    """A claimant must be a name or organisation, never a pronoun or an empty string."""
    if not name or not name.strip():
        return False
    words = re.findall(r"[\w'-]+", name.lower())
    return bool(words) and not all(word in PRONOUNS for word in words)


# Words a proper name may hold in lower case ("Ministry of Foreign Affairs", "Hillary Clinton's").
_NAME_FUNCTION_WORDS = frozenset(["of", "the", "for", "and", "de", "von", "van", "al", "'s", "s"])


def names_someone(name: str) -> bool:
    """A proper name ("Maria Zakharova", "The United States"), not a description ("the American side",
    "Republican officials", "a senior official"): every word but a few function words is capitalised.
    """
    words = re.findall(r"[\w'.-]+", name)
    content = [w for w in words if w.lower() not in _NAME_FUNCTION_WORDS]
    return bool(content) and all(w[:1].isupper() or w[:1].isdigit() for w in content)


def mentioned_in(name: str, text: str) -> bool:
    """True when every capitalised word of ``name`` occurs in the text (so the name is not invented)."""
    words = [w for w in re.findall(r"[\w'-]+", name) if w[:1].isupper()] or re.findall(r"[\w'-]+", name)
    return bool(words) and all(re.search(rf"(?<!\w){re.escape(w)}", text) for w in words)
