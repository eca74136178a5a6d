"""HTML input: the article text and metadata trafilatura finds, the headline kept out of the body."""

from __future__ import annotations

from extractor.articles.header import parse_iso_date
from extractor.articles.normalise import normalise_text
from extractor.articles.options import ArticleFailure
from extractor.articles.text import header_of
from extractor.records import Article


def article_from_html(html: str, source: str, *, detect_header: bool = True) -> Article | ArticleFailure:
    """The article an HTML page holds (its id and source: ``source``), or why there is none."""
    import trafilatura  # imported lazily: only HTML inputs pay for it

    extracted = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not extracted or not extracted.strip():
        return ArticleFailure(source, source, "no article text found in the HTML")
    text = normalise_text(extracted)
    metadata = trafilatura.extract_metadata(html)
    published = parse_iso_date(metadata.date) if metadata and metadata.date else None
    title = metadata.title if metadata and metadata.title else None
    # The headline usually opens the extracted text: header matter, never a claim.
    header = header_of(text, detect_header, known_title=title, detect_title=False)
    warning = header.warning(text)
    return Article(
        id=source,
        text=text,
        title=title,
        published=published or header.published,
        url=metadata.url if metadata else None,
        source=source,
        body_start=header.body_start,
        warnings=[warning] if warning else [],
        text_from_source=False,
    )
