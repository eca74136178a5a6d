"""Resolving attribution date expressions against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.dates import resolve_said_on

# A Friday.
PUBLISHED = dt.date(2024, 2, 16)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("on Wednesday", dt.date(2024, 2, 14)),
        ("Wednesday", dt.date(2024, 2, 14)),
        ("on Friday", dt.date(2024, 2, 16)),  # the publication day itself
        ("last Friday", dt.date(2024, 2, 9)),  # "last" on the same weekday is a week back
        ("on Monday night", dt.date(2024, 2, 12)),
        ("on February 14", dt.date(2024, 2, 14)),
        ("on November 8", dt.date(2023, 11, 8)),  # after publication in 2024: the year before
        ("8 November", dt.date(2023, 11, 8)),
        ("Nov. 8", dt.date(2023, 11, 8)),
        ("on April 10, 2021", dt.date(2021, 4, 10)),
        ("2021-04-10", dt.date(2021, 4, 10)),
        ("yesterday", dt.date(2024, 2, 15)),
        ("the day before", dt.date(2024, 2, 15)),
        ("on the eve", dt.date(2024, 2, 15)),
        ("today", PUBLISHED),
        ("two days ago", dt.date(2024, 2, 14)),
    ],
)
def test_expressions_resolve_against_the_publication_date(expression: str, expected: dt.date) -> None:
    assert resolve_said_on(expression, PUBLISHED) == expected


@pytest.mark.parametrize("expression", [None, "", "last week", "earlier this month", "recently", "in the past"])
def test_vague_or_missing_expressions_give_none(expression: str | None) -> None:
    assert resolve_said_on(expression, PUBLISHED) is None


@pytest.mark.parametrize("expression", ["on Wednesday", "on November 8", "yesterday", "two days ago"])
def test_relative_expressions_need_a_publication_date(expression: str) -> None:
    assert resolve_said_on(expression, None) is None


def test_explicit_dates_need_no_publication_date() -> None:
    assert resolve_said_on("on April 10, 2021", None) == dt.date(2021, 4, 10)
    assert resolve_said_on("2024-02-14", None) == dt.date(2024, 2, 14)


def test_impossible_dates_give_none() -> None:
    assert resolve_said_on("on February 30", PUBLISHED) is None
    assert resolve_said_on("2024-13-01", PUBLISHED) is None


def test_a_date_after_publication_is_rejected() -> None:
    assert resolve_said_on("tomorrow", PUBLISHED) is None
