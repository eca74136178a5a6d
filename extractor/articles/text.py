"""Articles from text: a string or a text file's contents as an ``Article``, and the checks every article passes.

``article_from_plain_text`` normalises the text and, when asked, finds its header;
``checked_article`` refuses an article with no text after its header or over
``max_chars``; ``article_from_text`` is a string given in code, its id a hash of the text.

**Text given as text is kept as given.** A string (the library, a service request,
standard input) is article text: no title or header heuristic runs on it unless
``detect_header=True`` (``--detect-header``), and ``title=`` is metadata that never removes
text. Files whose header matter the reader documents (``.txt``, ``.md``, HTML) are read
with detection on. Whenever text is left out of the body, ``Article.body_start`` says
where the body starts and ``Article.warnings`` names what was skipped.
``unwritable`` says why a value (a lone surrogate, nesting past ``MAX_NESTING``) could not
be written to an output line, so such input is refused before any work.
"""

from __future__ import annotations

import datetime as dt

from extractor.articles.header import Header, parse_header
from extractor.articles.normalise import normalise_text, sha256_text
from extractor.articles.options import DEFAULT_MAX_CHARS, ArticleFailure
from extractor.records import TEXT_SOURCE, Article

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
        left_out = f" (all {article.body_start} characters are header matter)" if article.text.strip() else ""
        return ArticleFailure(article.id, article.source, f"empty article (no text){left_out}")
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
    source: str = TEXT_SOURCE,
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    detect_header: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
) -> Article | ArticleFailure:
    """A string given in code, normalised and kept whole (unless ``detect_header``); its id defaults to a hash."""
    article_id = id or text_id(normalise_text(text))
    if "\x00" in text:
        return ArticleFailure(article_id, source, "text contains NUL bytes, not an article")
    article = article_from_plain_text(
        article_id, text, source, title=title, published=published, url=url, detect_header=detect_header
    )
    return checked_article(article, max_chars)


def text_id(text: str) -> str:
    """The id of text given without one: ``text-`` and 12 hex digits of its sha256 (of the normalised text)."""
    return f"text-{sha256_text(text)[:12]}"


def article_from_plain_text(
    article_id: str,
    text: str,
    source: str,
    *,
    title: str | None = None,
    published: dt.date | None = None,
    url: str | None = None,
    text_from_source: bool = False,
    detect_header: bool = True,
) -> Article:
    """Build an Article from text (normalised here); with ``detect_header``, find title, header date and body start.

    A given ``title`` is metadata: with detection on, only a line repeating it is taken as the headline.
    """
    text = normalise_text(text)
    header = header_of(text, detect_header, known_title=title)
    warning = header.warning(text)
    return Article(
        id=article_id,
        text=text,
        title=title or header.title,
        published=published or header.published,
        url=url,
        source=source,
        body_start=header.body_start,
        warnings=[warning] if warning else [],
        text_from_source=text_from_source,
    )


def header_of(text: str, detect: bool, *, known_title: str | None = None, detect_title: bool = True) -> Header:
    """The text's header when ``detect`` (a given title: only a line repeating it is one), else none at all."""
    if not detect:
        return Header(title=None, published=None, body_start=0)
    if known_title:
        return parse_header(text, known_title=known_title)
    return parse_header(text, detect_title=detect_title)
