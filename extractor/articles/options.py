"""What reading is told and what it reports: supported suffixes, field names, limits, and a failed input.

``ReadOptions`` bounds every read (``max_bytes``, ``max_line_bytes``) from
``--max-article-chars``; ``FieldMap`` says which JSON fields hold what;
``ArticleFailure`` is an input that could not be read, an error line, never a traceback.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from extractor.config import DEFAULT_MAX_ARTICLE_CHARS

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES

DEFAULT_MAX_CHARS = DEFAULT_MAX_ARTICLE_CHARS
STDIN = "-"
# How an ambiguous numeric date (03/04/2016) is read: month first (US), day first or year first.
DateOrder = Literal["MDY", "DMY", "YMD"]
DEFAULT_DATE_ORDER: DateOrder = "MDY"
STDIN_SOURCE = "<stdin>"
# HTML and JSON carry markup around the text: they may be this large however short --max-article-chars is.
_MIN_MARKUP_BYTES = 64 * 1024**2
READ_CHUNK = 1024**2


@dataclass(frozen=True)
class ArticleFailure:
    """An input that could not be read; becomes an error line, never a traceback."""

    id: str
    source: str
    message: str


ARTICLE_FIELDS = ("id", "text", "title", "url", "published")


@dataclass(frozen=True)
class FieldMap:
    """Which JSON/JSONL fields hold what: for each, the first name present in a record is used.

    The defaults cover common scraper output (``headline``, ``body``, ``content``, ``date``,
    ``published_at``, ``link``); a field named by an override (``--text-field body``) is read
    from that name only, even when a record also holds a default name (which then goes to
    ``meta``). Fields not used here are kept, unchanged, under the output record's ``meta``.
    """

    id: tuple[str, ...] = ("id", "article_id")
    text: tuple[str, ...] = ("text", "body", "content", "maintext", "article_text")
    title: tuple[str, ...] = ("title", "headline")
    url: tuple[str, ...] = ("url", "link")
    published: tuple[str, ...] = ("published", "published_at", "date", "date_publish", "publish_date", "pubDate")

    @classmethod
    def with_overrides(
        cls,
        *,
        id_field: str | None = None,
        text_field: str | None = None,
        title_field: str | None = None,
        url_field: str | None = None,
        published_field: str | None = None,
    ) -> FieldMap:
        """The defaults, with any field given here read from that one name only (``--id-field`` etc.)."""
        default = cls()
        return cls(
            id=(id_field,) if id_field else default.id,
            text=(text_field,) if text_field else default.text,
            title=(title_field,) if title_field else default.title,
            url=(url_field,) if url_field else default.url,
            published=(published_field,) if published_field else default.published,
        )

    @classmethod
    def from_names(cls, names: dict[str, str | None]) -> FieldMap:
        """``{"text": "body", "title": "headline"}`` (article field -> record field); ValueError for another key."""
        unknown = sorted(set(names) - set(ARTICLE_FIELDS))
        if unknown:
            raise ValueError(f"unknown article field(s) {', '.join(unknown)}; map any of {', '.join(ARTICLE_FIELDS)}")
        return cls.with_overrides(**{f"{key}_field": value for key, value in names.items()})

    @property
    def known(self) -> frozenset[str]:
        return frozenset((*self.id, *self.text, *self.published, *self.title, *self.url))


@dataclass(frozen=True)
class ReadOptions:
    """How inputs are read. ``exclude``: paths never read as inputs (the output file, its temporary and lock files)."""

    max_chars: int = DEFAULT_MAX_CHARS
    fields: FieldMap = field(default_factory=FieldMap)
    exclude: frozenset[str] = frozenset()
    # None: each format's own rule (on for .txt/.md/HTML files, off for standard input and JSON records).
    detect_header: bool | None = None
    date_order: DateOrder = DEFAULT_DATE_ORDER

    def detects_header(self, from_file: bool) -> bool:
        """Whether header matter is looked for: as asked, else only in text files whose header the reader documents."""
        return from_file if self.detect_header is None else self.detect_header

    def is_excluded(self, path: Path) -> bool:
        return bool(self.exclude) and os.path.realpath(path) in self.exclude

    def max_bytes(self, suffix: str) -> int:
        """The largest file read for an article of at most ``max_chars`` characters (4 UTF-8 bytes each)."""
        text_bytes = 4 * self.max_chars + 4
        return text_bytes if suffix in TEXT_SUFFIXES else max(text_bytes, _MIN_MARKUP_BYTES)

    @property
    def max_line_bytes(self) -> int:
        """The longest JSONL line read: a JSON string escapes a character in at most 12 bytes."""
        return 12 * self.max_chars + 64 * 1024
