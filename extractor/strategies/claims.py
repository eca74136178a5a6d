"""Claim records from linguistic candidates, and the dates they carry: shared by every candidate strategy.

Each candidate with a resolved claimant becomes one ``Claim``: its content span is
the evidence (so ``text[start:end] == quote`` holds by construction), and its claim
text and stance are the pass's restatement of the content from the parse
(``extractor.nlp.claim_text``: complementiser dropped, negation of the main
predicate removed, pronouns resolved), rendered with the claimant's name. A
candidate whose source resolves to nothing (a bare pronoun, no source at all)
yields nothing; a claimant the article only describes keeps the description,
with ``named`` False.
``carry_dates`` then dates the statements the text leaves undated.
"""

from __future__ import annotations

import datetime as dt
import re

from extractor.dates import resolve_said_on
from extractor.nlp import Candidate
from extractor.records import (
    MAX_CLAIM_CHARS,
    MAX_CUE_CHARS,
    MAX_NAME_CHARS,
    Article,
    AttributionKind,
    Claim,
    Claimant,
    Evidence,
    Stance,
)

_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]+, (January|February|March|April|May|June|July|August|September|October|November|December)"
    r" (\d{1,2})\b",
    re.MULTILINE,
)


def carry_dates(article: Article, claims: list[Claim]) -> list[Claim]:
    """Date the statements the text leaves undated, as docs/annotation.md prescribes.

    A claimant's later statements without a date of their own were made on the same
    occasion as their last dated one; failing that, a wire dateline ("MOSCOW,
    February 14.") dates the statements after it, when it agrees with the publication date.
    """
    dateline = _dateline_date(article)
    last_by_claimant: dict[str, dt.date] = {}
    dated: list[Claim] = []
    for claim in sorted(claims, key=lambda c: c.evidence.start):
        name = claim.claimant.name
        if claim.said_on is None:
            carried = last_by_claimant.get(name) or (
                dateline[1] if dateline and claim.evidence.start > dateline[0] else None
            )
            if carried is not None:
                claim = claim.model_copy(update={"said_on": carried})
        if claim.said_on is not None:
            last_by_claimant[name] = claim.said_on
        dated.append(claim)
    return dated


def _dateline_date(article: Article) -> tuple[int, dt.date] | None:
    if article.published is None:
        return None
    match = _DATELINE.search(article.text, article.body_start)
    if match is None:
        return None
    month = dt.datetime.strptime(match.group(1), "%B").month
    day = int(match.group(2))
    if (month, day) != (article.published.month, article.published.day):
        return None
    return match.start(), article.published


def claim_from_candidate(article: Article, candidate: Candidate) -> Claim | None:
    """The claim record for one candidate, or None when it names no claimant or its content is no claim."""
    name = (candidate.claimant_name or "").strip()
    if not name or candidate.claim_text is None:
        return None
    text = article.text
    start, end = candidate.content.start, candidate.content.end
    quote = text[start:end]
    if not quote.strip():
        return None
    sentence = candidate.claim_text.render(name[:MAX_NAME_CHARS])
    if not sentence:
        return None
    cue = text[candidate.cue.start : candidate.cue.end] if candidate.cue else None
    return Claim(
        claimant=Claimant(
            name=name[:MAX_NAME_CHARS],
            role=_bounded(candidate.claimant_role, MAX_NAME_CHARS),
            organization=_bounded(candidate.claimant_organization, MAX_NAME_CHARS),
            named=candidate.claimant_named,
        ),
        stance=Stance.DENIES if candidate.negated else Stance.ASSERTS,
        claim=sentence[:MAX_CLAIM_CHARS],
        evidence=Evidence(quote=quote, start=start, end=end),
        said_on=resolve_said_on(candidate.said_on_text, article.published),
        attribution=AttributionKind.DIRECT_QUOTE if candidate.direct_quote else AttributionKind.REPORTED,
        cue=_bounded(cue, MAX_CUE_CHARS),
    )


def _bounded(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None
