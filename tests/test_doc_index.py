"""The position lookups that keep the linguistic pass linear: each equals the scan it replaced.

``DocIndex`` (tokens, entities and text of one parsed body by position), ``Intervals``
(does any content cover a character) and the candidate assembly's ``_Containing`` (whose
content contains a cue) are checked against the plain scans on a real parsed article.
"""

from __future__ import annotations

import random
from pathlib import Path

from extractor.articles import article_from_text
from extractor.nlp.candidates import _Containing
from extractor.nlp.cues import Attribution
from extractor.nlp.parsing import parse
from extractor.nlp.spans import DocIndex, Intervals, covered
from extractor.records import Article


def test_doc_index_answers_what_the_scans_answered(articles_dir: Path) -> None:
    article = article_from_text(sorted(articles_dir.glob("*.txt"))[0].read_text(encoding="utf-8"))
    assert isinstance(article, Article)
    doc = parse(article)
    text = doc.text
    index = DocIndex.of(doc)
    assert DocIndex.of(doc) is index and index.text == doc.text
    picks = random.Random(7)
    for _ in range(200):
        start = picks.randrange(len(text))
        end = start + picks.randrange(1, 400)
        assert index.tokens_in(start, end) == [t for t in doc if start <= t.idx < end]
        first = picks.randrange(len(doc))
        last = first + picks.randrange(0, 80)
        assert list(index.ents_starting_in(first, last)) == [e for e in doc.ents if first <= e.start < last]
    for token in doc:
        expected = next((e for e in doc.ents if e.start <= token.i < e.end), None)
        assert index.ent_at(token.i) == expected


def test_intervals_cover_what_any_span_covers() -> None:
    picks = random.Random(11)
    spans = [(start, start + picks.randrange(1, 60)) for start in (picks.randrange(1000) for _ in range(80))]
    fast = Intervals(spans)
    for char in range(-5, 1100):
        assert fast.covers(char) == any(start <= char < end for start, end in spans) == covered(fast, char)


def test_containing_finds_exactly_the_contents_around_a_span() -> None:
    picks = random.Random(13)
    found = []
    for _ in range(120):
        start = picks.randrange(2000)
        item = Attribution.__new__(Attribution)
        item.content = (start, start + picks.randrange(1, 300))
        found.append(item)
    index = _Containing(found)
    for _ in range(300):
        start = picks.randrange(2100)
        span = (start, start + picks.randrange(1, 30))
        expected = [item for item in found if item.content[0] <= span[0] and span[1] <= item.content[1]]
        assert sorted(map(id, index.around(span))) == sorted(map(id, expected))
