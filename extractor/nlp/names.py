"""Reading names, roles and organisations off the parse, without memory of the article.

How a mention is written: a name cleaned of punctuation and stray role words, a
person's name grown over first names the tagger left out, the name a role
description gives ("a spokesman for the Kremlin, Dmitry Peskov"), the role and
organisation written around a name, and a source kept as a description
("Republican officials"). ``speakers.SpeakerResolver`` adds what the article
said before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import COUNTRY_DEMONYMS, DEMONYMS, ROLE_NOUNS, TITLE_WORDS
from extractor.nlp.spans import DocIndex

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

MAX_SOURCE_WORDS = 12


def clean_name(text: str) -> str:
    """A name as written, without edge punctuation, a possessive, or a role word spaCy included."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:\"“”'")
    text = re.sub(r"(?:'s|’s|')$", "", text).strip()
    words = text.split(" ")
    # "Spokeswoman Maria Zakharova": NER sometimes takes the role into the name.
    while len(words) > 2 and words[0].lower() in ROLE_NOUNS:
        words = words[1:]
    return " ".join(words)


def entity_of(token: Token) -> SpacySpan | None:
    """The named entity ``token`` is part of, or None."""
    if not token.ent_type_:
        return None
    return DocIndex.of(token.doc).ent_at(token.i)


def is_definite(token: Token) -> bool:
    """Whether ``token`` has a definite determiner or possessive ("the diplomat", "his aide")."""
    return any(
        c.dep_ in ("det", "poss") and c.lower_ in ("the", "this", "that", "his", "her", "its", "their")
        for c in token.children
    )


def with_first_names(ent: SpacySpan) -> SpacySpan:
    """``ent`` grown over capitalised compound words NER left out ("Sergei" in "Sergei Ryabkov")."""
    doc = ent.doc
    start = ent.start
    while start > 0:
        previous = doc[start - 1]
        if (
            previous.pos_ != "PROPN"
            or previous.dep_ != "compound"
            or not (ent.start <= previous.head.i < ent.end)
            or previous.ent_type_ not in ("", "PERSON")
            or previous.lower_.rstrip(".") in ROLE_NOUNS | TITLE_WORDS
        ):
            break
        start -= 1
    return ent if start == ent.start else doc[start : ent.end]


def named_in_description(token: Token) -> SpacySpan | None:
    """The person a role description names: "a spokesman for the Kremlin, Dmitry Peskov".

    Only an appositive name or one closing the description counts: in "a
    spokesman for Mr. Clinton" the name follows a preposition and is someone else.
    """
    if token.lemma_.lower() not in ROLE_NOUNS and not (
        token.pos_ == "PROPN" and token.lower_ in ROLE_NOUNS | TITLE_WORDS
    ):
        return None
    doc = token.doc
    end = token.right_edge.i
    for child in token.children:
        if child.i > token.i and child.dep_ in ("relcl", "acl"):
            end = min(end, child.left_edge.i - 1)
    found = None
    for ent in DocIndex.of(doc).ents_starting_in(token.i + 1, end + 1):
        if ent.label_ != "PERSON" or not (token.i < ent.start and ent.end - 1 <= end):
            continue
        before = ent.start - 1
        while before > token.i and doc[before].lower_.rstrip(".") in TITLE_WORDS:
            before -= 1
        if doc[before].pos_ == "ADP" or doc[before].dep_ == "case":
            continue
        if ent.root.dep_ == "appos" or doc[before].text == "," or ent.end - 1 == end:
            found = ent
    return found


def role_of(head: Token, ent: SpacySpan) -> tuple[str | None, str | None]:
    """Role and organisation written around a name, from titles and appositions, never from an adjective alone.

    "Russian Foreign Ministry Spokeswoman Maria Zakharova" -> ("Spokeswoman", "Russian Foreign Ministry");
    "Russian deputy foreign minister Sergey Ryabkov" -> ("deputy foreign minister", "Russian Foreign
    Ministry"); "the Deputy Minister of Foreign Affairs of the Russian Federation" -> ("Deputy
    Minister of Foreign Affairs", "Russian Foreign Ministry"); "Russian President Vladimir Putin" ->
    ("President", "Russia"); "a spokesman for the Kremlin" -> ("spokesman", "Kremlin"). A nationality
    adjective is never the organisation itself ("Russian"); a place after "in" is neither
    ("the military attaché in Kiev").
    """
    doc = head.doc
    phrase_start, phrase_end = head.left_edge.i, head.right_edge.i + 1
    for child in head.children:
        if child.i > head.i and child.dep_ in ("relcl", "acl"):
            phrase_end = min(phrase_end, child.left_edge.i)
    first = ent.start
    while first < ent.end - 1 and doc[first].lower_.rstrip(".") in ROLE_NOUNS:
        # "Spokeswoman Maria Zakharova" tagged as one PERSON: the role word is the role.
        first += 1
    person = set(range(first, ent.end))
    entities = [
        other
        for other in DocIndex.of(doc).ents_starting_in(phrase_start, phrase_end)
        if phrase_start <= other.start and other.end <= phrase_end and not (set(range(other.start, other.end)) & person)
    ]
    # A country tagged ORG ("the Russian Federation") is a place, not the body one speaks for.
    organisations = [e for e in entities if e.label_ == "ORG" and _country(e.text) is None]
    places = [e for e in entities if e.label_ in ("GPE", "NORP") or (e.label_ == "ORG" and _country(e.text))]
    outside = set(person)
    for other in organisations + places:
        outside |= set(range(other.start, other.end))
    words = [
        t
        for t in doc[phrase_start:phrase_end]
        if t.i not in outside and t.dep_ not in ("det", "punct", "cc", "poss", "case") and not t.is_space
    ]
    # A trailing "for/of/at/in" that led to an organisation or place belongs to neither role nor name.
    while words and words[-1].dep_ == "prep" and words[-1].lower_ in ("for", "of", "at", "in", "from"):
        words.pop()
    words = [t for t in words if not (t.dep_ == "prep" and t.lower_ in ("in", "from") and t.i + 1 in outside)]
    if not words or len(words) > 10 or not any(t.pos_ == "NOUN" or t.lemma_.lower() in ROLE_NOUNS for t in words):
        role = None
    else:
        role = re.sub(r"\s*-\s*", "-", " ".join(t.text for t in words)).strip(" ,") or None
    organization = None
    if organisations:
        organization = _without_article(clean_name(organisations[0].text))
    elif role is not None and (ministry := _ministry(role)) is not None:
        country = _demonym(places[0].text) if places else None
        organization = f"{country} {ministry}" if country else None
    if organization is None and places:
        organization = _country(places[0].text)
    return role, organization


_MINISTRY = re.compile(
    r"\b(?:(foreign|defen[cs]e|interior|finance|justice|health|energy|education|economy|trade|agriculture)\s+minister"
    r"|minister\s+of\s+(foreign affairs|defen[cs]e|the interior|finance|justice|health|energy|education))\b",
    re.IGNORECASE,
)
_DEPARTMENTS = {"foreign affairs": "foreign", "the interior": "interior", "defence": "defense"}


def _ministry(role: str) -> str | None:
    """The ministry a minister's title names: "deputy foreign minister" -> "Foreign Ministry"."""
    match = _MINISTRY.search(role)
    if match is None:
        return None
    department = (match.group(1) or match.group(2)).lower()
    department = _DEPARTMENTS.get(department, department)
    return f"{department.title()} Ministry"


def _without_article(name: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", name)


def _demonym(place: str) -> str | None:
    """The adjective of a country as organisations are named by it: "the Russian Federation" -> "Russian"."""
    name = _without_article(clean_name(place))
    if name in DEMONYMS:
        return name
    return COUNTRY_DEMONYMS.get(name)


def _country(place: str) -> str | None:
    """The country a place or nationality names: "Russian" -> "Russia", "the US" -> "United States"."""
    name = _without_article(clean_name(place))
    return DEMONYMS.get(name) or (name if name in COUNTRY_DEMONYMS else None)


def proper_noun_phrase(token: Token) -> str:
    """A proper noun with the compound words before it, as a name ("Fox News")."""
    parts = [c for c in token.children if c.dep_ == "compound" and c.i < token.i] + [token]
    start = min(t.i for t in parts)
    return clean_name(token.doc[start : token.i + 1].text)


def description(token: Token) -> str | None:
    """A source written as a description ("Republican officials", "the campaign") kept as written."""
    doc = token.doc
    start, end = token.left_edge.i, token.right_edge.i + 1
    for child in token.children:
        if child.i > token.i and child.dep_ in ("relcl", "acl", "appos", "punct"):
            end = min(end, child.left_edge.i)
    tokens = [t for t in doc[start:end] if not t.is_space]
    if len(tokens) > MAX_SOURCE_WORDS:
        # A long description is named by its head and what precedes it:
        # "Federal officials familiar with the server ..." -> "Federal officials".
        tokens = [t for t in tokens if t.i <= token.i]
    # The determiner stays: "the campaign" points back, "a source" does not.
    while tokens and tokens[-1].ent_type_ in ("DATE", "TIME") and tokens[-1].i > token.i:
        # "the Sanders campaign on Monday": the date is the statement's, not the source's.
        tokens = tokens[:-1]
    while (tokens and tokens[-1].dep_ == "prep") or (tokens and tokens[-1].is_punct):
        tokens = tokens[:-1]
    if not tokens or len(tokens) > MAX_SOURCE_WORDS:
        return None
    phrase = doc[tokens[0].i : tokens[-1].i + 1].text.strip(" ,")
    return phrase or None
