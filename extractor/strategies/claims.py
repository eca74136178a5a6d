"""Claim records from linguistic candidates, and the dates they carry: shared by every candidate strategy.

Each candidate with a resolved claimant becomes one ``Claim``: its content span is
the evidence (so ``text[start:end] == quote`` holds by construction), its stance
comes from the candidate's negation, its claim text is the content rewritten as
a stand-alone sentence as far as rules safely can (quotation marks and a leading
"that" dropped, a single negation of a negated content removed so the claim
states the proposition positively). A candidate whose source resolves to no name
(a bare pronoun, no source at all) yields nothing: a claimant is always a name.
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

# Frames whose content is a phrase, not a clause: the claim names who said it.
_REPORTED_FRAMES = frozenset(["object", "prep", "xcomp", "passive", "bare_passive"])
_MAX_CUE_GAP = 40
_LOWERABLE = frozenset(["the", "a", "an", "this", "that", "these", "those", "its", "his", "her", "their"])

_QUOTE_MARKS = "\"“”«»‘’'`"
_LEADING_THAT = re.compile(r"^(?:that)\s+", re.IGNORECASE)
# One negation each; the replacement keeps the sentence grammatical.
_AUXILIARY_NOT = re.compile(
    r"\b(do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|must|may|might)"
    r"\s+not\b",
    re.IGNORECASE,
)
_CONTRACTED = {
    "don't": "do",
    "doesn't": "does",
    "didn't": "did",
    "isn't": "is",
    "aren't": "are",
    "wasn't": "was",
    "weren't": "were",
    "hasn't": "has",
    "haven't": "have",
    "hadn't": "had",
    "can't": "can",
    "couldn't": "could",
    "won't": "will",
    "wouldn't": "would",
    "shouldn't": "should",
    "mustn't": "must",
}
_CONTRACTION = re.compile(r"\b(" + "|".join(_CONTRACTED) + r")\b", re.IGNORECASE)
_NEGATIVE_WORDS = {"no one": "someone", "nobody": "somebody", "nothing": "something"}
_NEGATIVE_WORD = re.compile(r"\b(no one|nobody|nothing)\b", re.IGNORECASE)
_CANNOT = re.compile(r"\bcannot\b", re.IGNORECASE)
_AUXILIARY_NEVER = re.compile(r"\b(has|have|had|is|are|was|were|will|would)\s+never\b", re.IGNORECASE)
# "no" as a determiner ("there was no contact"), not "no longer" or "no doubt".
_NO_DETERMINER = re.compile(r"\bno\s+(?!longer\b|matter\b|doubt\b|one\b)(?=\w)", re.IGNORECASE)


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
    """The claim record for one candidate, or None when it names no claimant."""
    name = (candidate.claimant_name or "").strip()
    if not name:
        return None
    text = article.text
    start, end = candidate.content.start, candidate.content.end
    quote = text[start:end]
    if not quote.strip():
        return None
    cue = text[candidate.cue.start : candidate.cue.end] if candidate.cue else None
    return Claim(
        claimant=Claimant(
            name=name[:MAX_NAME_CHARS],
            role=_bounded(candidate.claimant_role, MAX_NAME_CHARS),
            organization=_bounded(candidate.claimant_organization, MAX_NAME_CHARS),
        ),
        stance=Stance.DENIES if candidate.negated else Stance.ASSERTS,
        claim=claim_text(candidate, name, text),
        evidence=Evidence(quote=quote, start=start, end=end),
        said_on=resolve_said_on(candidate.said_on_text, article.published),
        attribution=AttributionKind.DIRECT_QUOTE if candidate.direct_quote else AttributionKind.REPORTED,
        cue=_bounded(cue, MAX_CUE_CHARS),
    )


def claim_text(candidate: Candidate, name: str, text: str) -> str:
    """The claim as a sentence.

    A clause or quotation is the proposition itself. An object or infinitive ("accused
    Putin of genocide", "urged the UN to return to reality") is no sentence alone,
    so the claim reports it: "Biden accused Putin of genocide."
    """
    content, cue = candidate.content, candidate.cue
    quote = text[content.start : content.end]
    denied_by_cue = candidate.negated and not candidate.content_negated
    if candidate.frame in _REPORTED_FRAMES and cue is not None and not denied_by_cue:
        if cue.end <= content.start and content.start - cue.end <= _MAX_CUE_GAP:
            # From the cue to the content's end: "called for an investigation".
            report = text[cue.start : content.end]
        else:
            # "The inevitability of talks was announced by X": "X announced the inevitability ...".
            report = f"{text[cue.start : cue.end]} {_lower_first_word(quote)}"
        return claim_sentence(f"{name} {_lower_first_word(' '.join(report.split()))}")
    return claim_sentence(quote, denegate=candidate.content_negated)


def claim_sentence(content: str, denegate: bool = False) -> str:
    """``content`` as a sentence: marks and a leading "that" dropped, capitalised, with a period.

    With ``denegate`` a content carrying exactly one negation is restated
    positively ("there was no contact" -> "There was contact."); when that is not
    safe the words are kept as written.
    """
    sentence = " ".join(content.split()).strip(_QUOTE_MARKS + " ,;:")
    sentence = _LEADING_THAT.sub("", sentence)
    if denegate:
        sentence = positive_form(sentence) or sentence
    sentence = sentence.strip(_QUOTE_MARKS + " ,;:")
    if not sentence:
        sentence = " ".join(content.split())
    sentence = sentence[0].upper() + sentence[1:]
    if sentence[-1] not in ".!?":
        sentence += "."
    if len(sentence) > MAX_CLAIM_CHARS:
        sentence = sentence[: MAX_CLAIM_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return sentence


def positive_form(sentence: str) -> str | None:
    """``sentence`` without its one negation, or None when it has none or several."""
    patterns = (_AUXILIARY_NOT, _CONTRACTION, _NEGATIVE_WORD, _CANNOT, _AUXILIARY_NEVER, _NO_DETERMINER)
    normalised = sentence.replace("’", "'")
    found = [(pattern, match) for pattern in patterns for match in pattern.finditer(normalised)]
    if len(found) != 1:
        return None
    pattern, match = found[0]
    if pattern is _AUXILIARY_NOT or pattern is _AUXILIARY_NEVER:
        replacement = match[1]
    elif pattern is _CONTRACTION:
        replacement = _same_case(match[1], _CONTRACTED[match[1].lower()])
    elif pattern is _NEGATIVE_WORD:
        replacement = _same_case(match[1], _NEGATIVE_WORDS[match[1].lower()])
    elif pattern is _CANNOT:
        replacement = _same_case(match[0], "can")
    else:
        replacement = ""
    # Offsets are shared: the apostrophe normalisation keeps every length.
    return sentence[: match.start()] + replacement + sentence[match.end() :]


def _lower_first_word(text: str) -> str:
    """Lower-case a sentence-initial function word or verb ("The", "Commenting"), not a name."""
    first, _, rest = text.partition(" ")
    if first[:1].isupper() and first[1:].islower() and (first.lower() in _LOWERABLE or first.endswith("ing")):
        return first.lower() + (" " + rest if rest else "")
    return text


def _same_case(original: str, replacement: str) -> str:
    return replacement[0].upper() + replacement[1:] if original[:1].isupper() else replacement


def _bounded(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value[:limit] or None
