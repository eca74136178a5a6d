"""Resolving the date expression of an attribution ("on Wednesday") against the publication date.

News reports date statements relative to the day they were published: "said on
Wednesday" means the most recent Wednesday up to that day, "on November 8" the
November 8 of that year (or of the year before when that would lie after
publication), "the day before" the day before it. Explicit dates with a year
need no publication date.
"""

from __future__ import annotations

import datetime as dt
import re

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# Expressions for the day before publication, and for the publication day itself.
_DAY_BEFORE = re.compile(r"^(?:yesterday|the day before|the previous day|the eve|eve|the day earlier)\b")
_SAME_DAY = re.compile(r"^(?:today|this (?:morning|afternoon|evening)|tonight|earlier today)\b")
_WEEKDAY = re.compile(r"^(last |this |past |earlier on |late |early )?(" + "|".join(WEEKDAYS) + r")\b")
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH_DAY = re.compile(
    rf"^(?:({_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_NAMES})\.?)"
    r"(?:,?\s+(\d{4}))?\b"
)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})\b")
_VAGUE = re.compile(r"\b(?:week|weekend|month|year|decade|recently|lately)s?\b")
_LEADING = re.compile(r"^(?:on|in|at|as of|from|since|dated)\s+", re.IGNORECASE)


def resolve_said_on(expression: str | None, published: dt.date | None) -> dt.date | None:
    """The calendar date ``expression`` names, read from the publication date; None when unknown.

    >>> resolve_said_on("on Wednesday", dt.date(2024, 2, 16))
    datetime.date(2024, 2, 14)
    """
    if not expression:
        return None
    text = " ".join(expression.split()).strip(" ,.;:").casefold()
    text = _LEADING.sub("", text)
    if not text:
        return None

    if match := _ISO.match(text):
        return _safe_date(int(match[1]), int(match[2]), int(match[3]))
    if _DAY_BEFORE.match(text):
        return published - dt.timedelta(days=1) if published else None
    if _SAME_DAY.match(text):
        return published
    if match := _WEEKDAY.match(text):
        if published is None:
            return None
        weekday = WEEKDAYS.index(match[2])
        back = (published.weekday() - weekday) % 7
        if back == 0 and match[1] and match[1].strip() in ("last", "past"):
            # "last Wednesday" written on a Wednesday is a week ago.
            back = 7
        return published - dt.timedelta(days=back)
    if match := _MONTH_DAY.match(text):
        month = MONTHS[match[1] or match[4]]
        day = int(match[2] or match[3])
        if match[5]:
            return _safe_date(int(match[5]), month, day)
        if published is None:
            return None
        found = _safe_date(published.year, month, day)
        if found is not None and found > published:
            found = _safe_date(published.year - 1, month, day)
        return found
    return _parse_with_dateparser(text, published)


def _parse_with_dateparser(text: str, published: dt.date | None) -> dt.date | None:
    """Other explicit dates ("14.02.2024", "2 days ago"), read relative to the publication day."""
    import dateparser

    if _VAGUE.search(text) and "ago" not in text:
        # "last week", "earlier this month": a period, not a day.
        return None
    settings: dict[str, object] = {
        "PREFER_DATES_FROM": "past",
        "REQUIRE_PARTS": ["day", "month"],
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    if published is not None:
        settings["RELATIVE_BASE"] = dt.datetime.combine(published, dt.time(12))
    elif re.search(r"\bago\b|\blast\b|\bnext\b", text) or not re.search(r"\d{4}", text):
        # Relative or year-less expressions need the publication date.
        return None
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    if parsed is None:
        return None
    found = parsed.date()
    if published is not None and found > published:
        return None
    return found


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
