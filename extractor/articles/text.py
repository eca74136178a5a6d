"""Articles from text: a string or a text file's contents as an ``Article``, and the checks every article passes.

``article_from_plain_text`` normalises the text and finds its header; ``checked_article``
refuses an article with no text after its header or over ``max_chars``;
``article_from_text`` is a string given in code, its id a hash of the text.
"""

from __future__ import annotations

import datetime as dt

from extractor.articles.header import parse_header
from extractor.articles.normalise import normalise_text, sha256_text
from extractor.articles.options import DEFAULT_MAX_CHARS, ArticleFailure
from extractor.records import Article


def checked_article(article: Article | ArticleFailure, max_chars: int) -> Article | ArticleFailure:
    """``article``, or why it cannot be extracted: no text after its header, or over ``max_chars``."""
    if isinstance(article, ArticleFailure):
        return article
    if not article.text[article.body_start :].strip():
        return ArticleFailure(article.id, article.source, "empty article (no text)")
    if len(article.text) > max_chars:
        return ArticleFailure(
            article.id,
            article.source,
            f"article has {len(article.text):,} characters, over the limit of {max_chars:,} (--max-article-chars)",
        )
    return article


def article_from_text(
    text: str,
    *,
    id: str | None = None,
    source: str = "<text>",
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Article | ArticleFailure:
    """A string given in code read as a text file would be (normalised); its id defaults to a hash of the text."""
    article_id = id or f"text-{sha256_text(normalise_text(text))[:12]}"
    if "\x00" in text:
        return ArticleFailure(article_id, source, "text contains NUL bytes, not an article")
    article = article_from_plain_text(article_id, text, source, title=title, published=published, url=url)
    return checked_article(article, max_chars)


def article_from_plain_text(
    article_id: str,
    text: str,
    source: str,
    *,
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    text_from_source: bool = False,
) -> Article:
    """Build an Article from text (normalised here), finding title, header date and where the body starts."""
    text = normalise_text(text)
    header = parse_header(text)
    return Article(
        id=article_id,
        text=text,
        title=title or header.title,
        published=published or header.published,
        url=url,
        source=source,
        body_start=header.body_start,
        text_from_source=text_from_source,
    )
