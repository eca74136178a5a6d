"""Typographic forms read as their plain ones, so every rule treats ’ ‘ “ ” – — as ' ' " " - -.

Scraped news writes "can’t", “quotes” and dashes in either form; spaCy keeps the
characters it was given ("n’t" as well as "n't"). Rules that compare a token to a
word (negation, contractions, verb agreement) compare ``plain(token)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Token

_PLAIN = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def plain_text(text: str) -> str:
    """``text`` with typographic apostrophes, quotation marks and dashes as their plain forms."""
    return text.translate(_PLAIN)


def plain(token: Token) -> str:
    """The token's lowercase form with typographic apostrophes, quotes and dashes made plain."""
    return token.lower_.translate(_PLAIN)
