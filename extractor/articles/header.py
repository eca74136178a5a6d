"""Scraped header matter: the title line, a publication date, and where the body starts.

Template placeholders such as ``{{dayPoint.date | date : 'd MMMM yyyy'}}``, a ``date
2024-02-14`` prefix, a repeated title and the one-sentence standfirst that follows a
repeated title (in HTML, a first line repeating the page's title) are header matter:
the publication date is taken from it and ``Article.body_start`` is placed after it, so
no claim can come from it. Also here: ISO dates as input records write them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

_TEMPLATE_JUNK = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_DATE_PREFIX = re.compile(r"^\s*(?:date|published|posted)[:\s]+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?][\"”’']?\s+[A-Z“\"]")
_MAX_TITLE_CHARS = 200
_MAX_STANDFIRST_CHARS = 300


@dataclass(frozen=True)
class Header:
    """What ``parse_header`` found; ``skipped`` names, in order, what lies before ``body_start``."""

    title: str | None
    published: dt.date | None
    body_start: int
    skipped: tuple[str, ...] = ()

    def warning(self, text: str) -> str | None:
        """The line's warning when text is left out of the body (None when nothing is): what, and how much."""
        if self.body_start <= 0:
            return None
        left_out = text[: self.body_start]
        if not left_out.strip():
            return None  # only blank lines or indentation before the body
        what = ", ".join(self.skipped) or "header matter"
        preview = " ".join(left_out.split())
        preview = preview if len(preview) <= 80 else preview[:77] + "..."
        return (
            f"header: the first {self.body_start} characters are not read for claims (body_start {self.body_start}:"
            f" {what}): {preview!r}"
        )


def parse_header(text: str, *, detect_title: bool = True, known_title: str | None = None) -> Header:
    """Find the title line, a scraped publication date and the start of the body.

    The first non-empty line is the title unless it reads like body text (several
    sentences or very long); with ``known_title`` (from HTML metadata), only a line
    repeating it is. Lines that are only template junk or a date marker are
    header matter; a ``date YYYY-MM-DD`` prefix fused to the first paragraph is cut
    off. Lines repeating the title right after it are header matter too, and so is
    a one-sentence paragraph right after such a repeat: scrapers that print the
    title twice (page title, then headline) print the standfirst next, a summary
    of claims the body makes again (docs/annotation.md §1).
    """
    published: dt.date | None = None
    title: str | None = None
    title_repeated = standfirst_seen = False
    skipped: list[str] = []
    known = _title_key(known_title) if known_title else None
    pos = 0
    for line_start, line in _lines(text):
        stripped = line.strip()
        if not stripped:
            pos = line_start + len(line)
            continue
        date_match = _DATE_PREFIX.match(line)
        if date_match:
            published = published or parse_iso_date(date_match.group(1))
            rest_offset = date_match.end()
            rest = line[rest_offset:]
            if not _TEMPLATE_JUNK.sub("", rest).strip():
                skipped.append("a date line")
                pos = line_start + len(line)
                continue
            # A date marker fused to the first paragraph: the body starts right after it.
            lead = len(rest) - len(rest.lstrip())
            skipped.append("a date prefix")
            return Header(
                title=None, published=published, body_start=line_start + rest_offset + lead, skipped=tuple(skipped)
            )
        if not _TEMPLATE_JUNK.sub("", stripped).strip():
            skipped.append("a template placeholder line")
            pos = line_start + len(line)
            continue
        if title is None and (
            _title_key(stripped) == known
            if known is not None
            else detect_title and _one_short_sentence(stripped, _MAX_TITLE_CHARS)
        ):
            title = stripped
            skipped.append("a title line")
            pos = line_start + len(line)
            continue
        if title is not None and stripped == title:
            title_repeated = True
            skipped.append("a repeated title")
            pos = line_start + len(line)
            continue
        if (
            title_repeated
            and not standfirst_seen
            and _one_short_sentence(stripped, _MAX_STANDFIRST_CHARS)
            and text[line_start + len(line) :].strip()
        ):
            standfirst_seen = True
            skipped.append("a standfirst after a repeated title")
            pos = line_start + len(line)
            continue
        body_start = line_start + (len(line) - len(line.lstrip()))
        return Header(title=title, published=published, body_start=body_start, skipped=tuple(skipped))
    return Header(title=title, published=published, body_start=min(pos, len(text)), skipped=tuple(skipped))


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _one_short_sentence(line: str, max_chars: int) -> bool:
    return len(line) <= max_chars and not _SENTENCE_BREAK.search(line)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line
        offset += len(line)


def parse_iso_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_published(value: object, date_order: str = "MDY") -> dt.date | None:
    """A publication date as written by a scraper, as the calendar date it names.

    ISO dates and datetimes (``2024-02-14``, ``2024-02-14T09:30:00+03:00``, ``…Z``) first: a
    datetime keeps the calendar date it was written with, whatever its offset. Anything
    else is read by dateparser (``Sep 12, 2016``, ``12 September 2016``, ``Mon, 12 Sep 2016
    10:00:00 GMT``), needing a day, a month and a year; an ambiguous numeric date such as
    ``03/04/2016`` is read in ``date_order`` (``MDY``: March 4; ``DMY``: 3 April). Relative
    expressions ("2 days ago") are refused: they would depend on when the run happens.
    Raises ValueError for what names no date.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a date as text, got {type(value).__name__}")
    text = value.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        pass
    parsed = _dateparser_date(text, date_order) if len(text) <= 100 else None
    if parsed is None:
        raise ValueError(f"not a date: {value[:40]!r}")
    return parsed


def _dateparser_date(text: str, date_order: str) -> dt.date | None:
    import dateparser  # imported lazily: only non-ISO dates pay for it

    settings = {
        "DATE_ORDER": date_order,
        "REQUIRE_PARTS": ["day", "month", "year"],
        "RETURN_AS_TIMEZONE_AWARE": False,
        "PARSERS": ["timestamp", "custom-formats", "absolute-time"],
    }
    try:
        parsed = dateparser.parse(text, settings=settings)
    except (ValueError, TypeError, OverflowError):
        return None
    return parsed.date() if parsed is not None else None
