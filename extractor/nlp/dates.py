"""The date expression attached to a reporting cue ("said on Wednesday"), as written.

Only finds the words; ``extractor.dates`` resolves them against the publication date.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.spans import DocIndex

if TYPE_CHECKING:
    from spacy.tokens import Token

_WEEKDAYS = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])


def cue_date(verb: Token) -> str | None:
    """A date expression attached to the cue: "on Wednesday", "the day before"."""
    body = DocIndex.of(verb.doc).text
    for child in verb.children:
        if child.dep_ == "prep" and child.lower_ in ("on", "in", "at"):
            objects = [c for c in child.children if c.dep_ == "pobj"]
            if objects and (_is_date(objects[0]) or objects[0].lower_ == "eve"):
                return body[child.idx : child.right_edge.idx + len(child.right_edge.text)]
        if child.dep_ in ("npadvmod", "advmod", "tmod") and _is_date(child):
            return body[child.left_edge.idx : child.right_edge.idx + len(child.right_edge.text)]
    return None


def _is_date(token: Token) -> bool:
    return (
        token.ent_type_ in ("DATE", "TIME")
        or token.lower_ in _WEEKDAYS
        or token.lower_
        in (
            "yesterday",
            "today",
            "earlier",
            "eve",
        )
    )
