"""An annotated split of PolNeAR (or any brat attribution corpus): articles with their cue and content spans.

Articles are read exactly as ``extractor extract`` reads a ``.txt`` file (title,
header and body start included), and each attribution event keeps the character
spans of its cue and of its content in ``article.text``. Which ``.ann`` file is
used for a doubly annotated article follows ``extractor gold import-brat``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from extractor.articles import article_from_plain_text
from extractor.evaluation.brat import ATTRIBUTION_TRIGGERS, chosen_annotations, merge_fragments, parse_ann
from extractor.records import Article

Span = tuple[int, int]


@dataclass(frozen=True)
class AnnotatedAttribution:
    """One attribution event: its cue fragments and its (merged) content fragments, offsets into the text."""

    cue: tuple[Span, ...]
    content: tuple[Span, ...]


@dataclass(frozen=True)
class AnnotatedArticle:
    article: Article
    attributions: tuple[AnnotatedAttribution, ...]


def read_annotated(text_dir: Path, ann_dir: Path, limit: int | None = None) -> list[AnnotatedArticle]:
    """The split's annotated articles in id order (the first ``limit`` of them when given).

    Events without a Content argument are left out: they have nothing to find.
    """
    pairs = chosen_annotations(text_dir, ann_dir)
    if limit is not None:
        pairs = pairs[:limit]
    articles = []
    for text_path, ann_path in pairs:
        text = text_path.read_bytes().decode("utf-8")
        document = parse_ann(ann_path, text)
        attributions = []
        for event in document.events:
            if event.trigger_label not in ATTRIBUTION_TRIGGERS:
                continue
            by_role: dict[str, list[Span]] = defaultdict(list)
            for role, target in event.arguments:
                by_role[role.rstrip("0123456789")].extend(document.textbounds[target].fragments)
            content = merge_fragments(sorted(by_role["Content"]))
            if content:
                attributions.append(AnnotatedAttribution(tuple(sorted(by_role["Cue"])), tuple(content)))
        article = article_from_plain_text(text_path.stem, text, str(text_path))
        articles.append(AnnotatedArticle(article, tuple(attributions)))
    return articles
