"""Articles from text: a string or a text file's contents as an ``Article``, and the checks every article passes.

``article_from_plain_text`` normalises the text and finds its header; ``checked_article``
refuses an article with no text after its header or over ``max_chars``;
``article_from_text`` is a string given in code, its id a hash of the text;
``unwritable`` says why a value (a lone surrogate, nesting past ``MAX_NESTING``) could not
be written to an output line, so such input is refused before any work.
"""

from __future__ import annotations

import datetime as dt

from extractor.articles.header import parse_header
from extractor.articles.normalise import normalise_text, sha256_text
from extractor.articles.options import DEFAULT_MAX_CHARS, ArticleFailure
from extractor.records import Article

# Deepest nesting of lists and objects a value (an article's ``meta``) may have: the output's JSON
# serialiser stops at 128 levels, and nothing an article carries needs more.
MAX_NESTING = 64


def unwritable(value: object) -> str | None:
    """Why ``value`` cannot be written as a UTF-8 JSON line (a lone surrogate; nesting past MAX_NESTING); else None."""
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "holds a lone surrogate (not UTF-8 text)"
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_NESTING:
                return f"is nested deeper than {MAX_NESTING} levels"
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else list(item)
            stack.extend((child, depth + 1) for child in children)
    return None


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
