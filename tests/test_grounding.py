"""Grounding: spans come from the article text itself; what cannot be grounded is rejected."""

from __future__ import annotations

import pytest

from extractor.grounding import Span, evidence, is_name, mentioned_in, sentence_spans, trim

TEXT = "Intro line.\n\nPeskov said “there was no contact” with Washington. Zoë Müller 🙂 denied it on Wednesday."


def test_evidence_is_trimmed_and_grounded_with_unicode_before_it() -> None:
    start = TEXT.index("denied")
    ev = evidence(TEXT, Span(start - 1, len(TEXT)))
    assert TEXT[ev.start : ev.end] == ev.quote == "denied it on Wednesday."
    assert trim("  “quoted” ", Span(0, 11)) == Span(3, 9)


def test_sentence_spans_skip_header_and_template_junk() -> None:
    text = "Title\n date {{x | y}}\nFirst sentence here. Second one follows.\n"
    spans = sentence_spans(text, start=6)
    assert [text[s.start : s.end] for s in spans] == ["First sentence here.", "Second one follows."]


@pytest.mark.parametrize(
    ("name", "ok"), [("he", False), ("They", False), ("", False), ("Maria Zakharova", True), ("Kremlin", True)]
)
def test_claimant_names_are_never_pronouns(name: str, ok: bool) -> None:
    assert is_name(name) is ok


def test_mentioned_in_rejects_invented_names() -> None:
    assert mentioned_in("Peskov", TEXT)
    assert not mentioned_in("Vladimir Putin", TEXT)
