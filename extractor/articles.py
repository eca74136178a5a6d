"""Reading input articles: text, Markdown, HTML, JSON and JSONL files or folders of them.

Each input becomes either an ``Article`` (text exactly as decoded, so claim offsets
index the file's own characters) or an ``ArticleFailure`` naming the file, the
line where it applies, and what is wrong. Reading is lazy: a folder of ten
thousand files is streamed, never loaded at once. Scraped header matter
(template placeholders such as ``{{dayPoint.date | date : 'd MMMM yyyy'}}``, a
``date 2024-02-14`` prefix, a repeated title and the one-sentence standfirst that
follows a repeated title) is recognised here: the
publication date is taken from it and ``Article.body_start`` is placed after it,
so no claim can come from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.config import DEFAULT_MAX_ARTICLE_CHARS
from extractor.records import Article

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

DEFAULT_MAX_CHARS = DEFAULT_MAX_ARTICLE_CHARS

_TEMPLATE_JUNK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|posted)[:\s]+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[A-Z“\"]")
_MAX_TITLE_CHARS = 200
_MAX_STANDFIRST_CHARS = 300


@dataclass(frozen=True)
class ArticleFailure:
    """An input that could not be read; becomes an error line, never a traceback."""

    id: str
    source: str
    message: str


class _JsonArticle(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    text: str
    title: str | None = None
    published: dt.date | None = None
    url: str | None = None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def iter_input_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | ArticleFailure]:
    """Expand files and folders (recursively, sorted) into input files, in a stable order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            # A link to nowhere is an input that cannot be read: reported, never silently skipped.
            for child in sorted(p for p in path.rglob("*") if p.is_file() or (p.is_symlink() and not p.exists())):
                if child.suffix.lower() in SUPPORTED_SUFFIXES:
                    yield child
        elif path.exists():
            yield path
        else:
            yield ArticleFailure(id=path.stem or str(path), source=str(path), message="no such file")


def read_articles(
    paths: Iterable[str | os.PathLike[str]], *, max_chars: int = DEFAULT_MAX_CHARS
) -> Iterator[Article | ArticleFailure]:
    """Yield one Article or ArticleFailure per input article, lazily."""
    for item in iter_input_files(paths):
        if isinstance(item, ArticleFailure):
            yield item
        else:
            yield from read_file(item, max_chars=max_chars)


def read_file(path: Path, *, max_chars: int = DEFAULT_MAX_CHARS) -> Iterator[Article | ArticleFailure]:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        yield ArticleFailure(path.stem, source, f"unsupported file type {suffix or '(none)'!r}; use one of {supported}")
        return
    if suffix in JSONL_SUFFIXES:
        yield from _read_jsonl(path, max_chars)
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        yield ArticleFailure(path.stem, source, f"cannot read file: {exc.strerror or exc}")
        return
    text_or_failure = _decode(raw, path)
    if isinstance(text_or_failure, ArticleFailure):
        yield text_or_failure
        return
    text = text_or_failure
    if suffix in JSON_SUFFIXES:
        yield from _read_json(text, path, max_chars)
    elif suffix in HTML_SUFFIXES:
        yield checked_article(_article_from_html(text, path), max_chars)
    else:
        yield checked_article(article_from_plain_text(path.stem, text, source), max_chars)


def _decode(raw: bytes, path: Path) -> str | ArticleFailure:
    if b"\x00" in raw:
        return ArticleFailure(path.stem, str(path), "binary file (contains NUL bytes), not an article")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ArticleFailure(path.stem, str(path), f"not valid UTF-8 (byte {exc.start}); re-encode the file as UTF-8")


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
    """A string given in code read as a text file would be; its id defaults to a hash of the text."""
    article_id = id or f"text-{sha256_text(text)[:12]}"
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
) -> Article:
    """Build an Article from raw text, finding title, header date and where the body starts."""
    header = parse_header(text)
    return Article(
        id=article_id,
        text=text,
        title=title or header.title,
        published=published or header.published,
        url=url,
        source=source,
        body_start=header.body_start,
    )


@dataclass(frozen=True)
class Header:
    title: str | None
    published: dt.date | None
    body_start: int


def parse_header(text: str, *, detect_title: bool = True) -> Header:
    """Find the title line, a scraped publication date and the start of the body.

    The first non-empty line is the title unless it reads like body text (several
    sentences or very long). Lines that are only template junk or a date marker are
    header matter; a ``date YYYY-MM-DD`` prefix fused to the first paragraph is cut
    off. Lines repeating the title right after it are header matter too, and so is
    a one-sentence paragraph right after such a repeat: scrapers that print the
    title twice (page title, then headline) print the standfirst next, a summary
    of claims the body makes again (docs/annotation.md §1).
    """
    published: dt.date | None = None
    title: str | None = None
    title_repeated = standfirst_seen = False
    pos = 0
    for line_start, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            pos = line_start + len(line)
            continue
        date_match = _DATE_PREFIX.match(line)
        if date_match:
            published = published or _parse_iso(date_match.group(1))
            rest_offset = date_match.end()
            rest = line[rest_offset:]
            if not _TEMPLATE_JUNK.sub("", rest).strip():
                pos = line_start + len(line)
                continue
            # A date marker fused to the first paragraph: the body starts right after it.
            lead = len(rest) - len(rest.lstrip())
            return Header(title=None, published=published, body_start=line_start + rest_offset + lead)
        if not _TEMPLATE_JUNK.sub("", stripped).strip():
            pos = line_start + len(line)
            continue
        if detect_title and title is None and _one_short_sentence(stripped, _MAX_TITLE_CHARS):
            title = stripped
            pos = line_start + len(line)
            continue
        if title is not None and stripped == title:
            title_repeated = True
            pos = line_start + len(line)
            continue
        if (
            title_repeated
            and not standfirst_seen
            and _one_short_sentence(stripped, _MAX_STANDFIRST_CHARS)
            and text[line_start + len(line) :].strip()
        ):
            standfirst_seen = True
            pos = line_start + len(line)
            continue
        return Header(title=title, published=published, body_start=line_start + (len(line) - len(line.lstrip())))
    return Header(title=title, published=published, body_start=min(pos, len(text)))


def _one_short_sentence(line: str, max_chars: int) -> bool:
    return len(line) <= max_chars and not _SENTENCE_BREAK.search(line)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def _parse_iso(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _article_from_html(html: str, path: Path) -> Article | ArticleFailure:
    import trafilatura  # imported lazily: only HTML inputs pay for it

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not text or not text.strip():
        return ArticleFailure(path.stem, str(path), "no article text found in the HTML")
    metadata = trafilatura.extract_metadata(html)
    published = _parse_iso(metadata.date) if metadata and metadata.date else None
    title = metadata.title if metadata and metadata.title else None
    return Article(
        id=path.stem,
        text=text,
        title=title,
        published=published,
        url=metadata.url if metadata else None,
        source=str(path),
        body_start=0,
    )


def _read_json(text: str, path: Path, max_chars: int) -> Iterator[Article | ArticleFailure]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ArticleFailure(path.stem, str(path), f"invalid JSON at line {exc.lineno}: {exc.msg}")
        return
    items = data if isinstance(data, list) else [data]
    for index, item in enumerate(items):
        where = f"{path}[{index}]" if isinstance(data, list) else str(path)
        yield checked_article(_article_from_json(item, where), max_chars)


def _read_jsonl(path: Path, max_chars: int) -> Iterator[Article | ArticleFailure]:
    """One article per line, read a line at a time: a JSONL file of any size is never held whole."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield ArticleFailure(path.stem, str(path), f"cannot read file: {exc.strerror or exc}")
        return
    with handle:
        yield from _jsonl_lines(handle, path, max_chars)


def _jsonl_lines(handle: Iterable[bytes], path: Path, max_chars: int) -> Iterator[Article | ArticleFailure]:
    # Lines split as bytes.splitlines() would split the whole file (\n, \r\n and a lone \r), numbered alike.
    numbered = enumerate((line for physical in handle for line in physical.splitlines()), start=1)
    for line_no, raw_line in numbered:
        where = f"{path}:{line_no}"
        if not raw_line.strip():
            continue
        try:
            item = json.loads(raw_line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield ArticleFailure(f"{path.stem}:{line_no}", where, f"line {line_no}: not valid UTF-8 (byte {exc.start})")
            continue
        except json.JSONDecodeError as exc:
            yield ArticleFailure(f"{path.stem}:{line_no}", where, f"line {line_no}: invalid JSON: {exc.msg}")
            continue
        yield checked_article(_article_from_json(item, where), max_chars)


def _article_from_json(item: object, where: str) -> Article | ArticleFailure:
    fallback_id = where
    if isinstance(item, dict) and isinstance(item.get("id"), str | int):
        fallback_id = str(item["id"])
        item = {**item, "id": str(item["id"])}
    try:
        parsed = _JsonArticle.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(record)"
        return ArticleFailure(fallback_id, where, f"{where}: field {field!r}: {first['msg']}")
    if "\x00" in parsed.text:
        return ArticleFailure(parsed.id, where, f"{where}: text contains NUL bytes")
    # JSON carries the title in its own field, so the text is all body apart from scraped junk lines.
    header = parse_header(parsed.text, detect_title=False)
    return Article(
        id=parsed.id,
        text=parsed.text,
        title=parsed.title,
        published=parsed.published or header.published,
        url=parsed.url,
        source=where,
        body_start=header.body_start,
    )
