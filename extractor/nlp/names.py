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

from extractor.nlp.lexicon import ROLE_NOUNS, TITLE_WORDS

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
    for ent in token.doc.ents:
        if ent.start <= token.i < ent.end:
            return ent
    return None


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
    for ent in doc.ents:
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
    """Role and organisation written around a name: "Russian Foreign Ministry Spokeswoman"."""
    doc = head.doc
    phrase_start, phrase_end = head.left_edge.i, head.right_edge.i + 1
    for child in head.children:
        if child.i > head.i and child.dep_ in ("relcl", "acl"):
            phrase_end = min(phrase_end, child.left_edge.i)
    words = [
        t
        for t in doc[phrase_start:phrase_end]
        if not (ent.start <= t.i < ent.end) and t.dep_ not in ("det", "punct", "cc") and not t.is_space
    ]
    if not words or len(words) > 10:
        return None, None
    role = " ".join(t.text for t in words).strip(" ,")
    role = re.sub(r"\s+'s\b|\s+’s\b", "'s", role)
    organization = None
    for other in doc.ents:
        if (
            other.label_ in ("ORG", "GPE", "NORP")
            and phrase_start <= other.start
            and (other.end <= phrase_end)
            and other != ent
        ):
            organization = clean_name(other.text)
            break
    if not any(t.pos_ == "NOUN" or t.lemma_.lower() in ROLE_NOUNS for t in words):
        return None, organization
    return role or None, organization


def proper_noun_phrase(token: Token) -> str:
    """A proper noun with the compound words before it, as a name ("Fox News")."""
    parts = [c for c in token.children if c.dep_ == "compound" and c.i < token.i] + [token]
    start = min(t.i for t in parts)
    return clean_name(token.doc[start : token.i + 1].text)


def description(token: Token) -> str | None:
    """A source written as a description ("Republican officials") kept as written."""
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
    while tokens and tokens[0].dep_ == "det" and tokens[0].lower_ in ("the", "a", "an"):
        tokens = tokens[1:]
    if not tokens or len(tokens) > MAX_SOURCE_WORDS:
        return None
    phrase = doc[tokens[0].i : tokens[-1].i + 1].text.strip(" ,")
    return phrase or None
