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

from extractor.nlp.lexicon import COUNTRY_DEMONYMS, DEMONYMS, ORGANISATION_NOUNS, ROLE_NOUNS, TITLE_WORDS
from extractor.nlp.spans import DocIndex

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

MAX_SOURCE_WORDS = 12

# Words written before a name that are no part of it: epithets ("Rival Hillary Clinton",
# "Crooked Hillary Clinton") and party labels ("Republican nominee Donald Trump", "Democrat
# Hillary Clinton"), beside the titles and role nouns of the lexicon.
EPITHETS = frozenset(
    [
        *["rival", "crooked", "lyin", "lyin'", "little", "crazy", "former", "ex", "incumbent", "embattled"],
        *["republican", "republicans", "democrat", "democrats", "democratic", "gop", "independent", "libertarian"],
        *["then", "now", "late", "sens", "reps", "rev", "gen", "lt", "col", "sgt", "adm", "gov", "atty", "supt"],
        *["speaker", "justice", "judge", "senators", "representatives", "presidents", "commissioner"],
    ]
)
# Tags a name's first or last word never has: "Injecting Clinton", "Trump avoids".
_NOT_NAME_TAGS = frozenset(
    ["JJ", "JJR", "JJS", "VBG", "VBN", "VBD", "VBZ", "VBP", "VB", "RB", "DT", "IN", "CC", "PRP$"]
)
# Heads of descriptions that can speak: people, groups, and the documents a statement is read from.
# A description headed by any other noun ("things", "the spike", "more leverage") is no speaker.
SPEAKER_NOUNS = frozenset(
    [
        *["source", "official", "critic", "expert", "analyst", "people", "person", "voter", "resident"],
        *["supporter", "opponent", "member", "observer", "economist", "scientist", "researcher", "aide"],
        *["lawyer", "attorney", "witness", "activist", "advocate", "staff", "staffer", "employee", "worker"],
        *["officer", "police", "authority", "investigator", "agent", "man", "woman", "men", "women", "friend"],
        *["family", "parent", "mother", "father", "wife", "husband", "son", "daughter", "child", "student"],
        *["teacher", "doctor", "veteran", "citizen", "leader", "organizer", "protester", "demonstrator"],
        *["historian", "professor", "scholar", "commentator", "columnist", "reporter", "journalist", "editor"],
        *["writer", "author", "correspondent", "host", "anchor", "moderator", "candidate", "delegate"],
        *["republican", "democrat", "conservative", "liberal", "progressive", "insider", "ally", "rival"],
        *["poll", "survey", "study", "report", "statement", "document", "memo", "letter", "email", "filing"],
        *["record", "ad", "advertisement", "video", "post", "tweet", "release", "analysis", "review", "audit"],
        *["paper", "outlet", "site", "website", "magazine", "newspaper", "network", "media", "press", "editorial"],
        *["complaint", "lawsuit", "suit", "indictment", "ruling", "order", "bill", "law", "proposal", "plan"],
        *["campaign", "side", "team", "group", "camp", "everyone", "everybody", "someone", "somebody", "nobody"],
        *["others", "many", "some", "most", "few", "both", "all", "several", "majority", "minority", "one"],
        *["percent", "state", "city", "county", "country", "nation", "public", "panel", "fund", "bank", "film"],
        *["book", "article", "story", "footage", "clip", "spot", "research", "transcript", "account", "show"],
        *["data", "statistics", "figures", "numbers", "database", "journal", "literature", "program", "programme"],
        *["average", "slide", "presentation", "rules", "brief", "submission", "court", "countries"],
        *["states", "nations", "publications", "papers", "dozens", "colleges", "schools", "hospitals", "bank"],
        *["pair", "couple", "duo", "trio", "crowd", "audience", "board", "jury", "chorus"],
    ]
)
# Speakers that are texts, not people: a quotation's "I" in an ad or a report is someone else.
DOCUMENT_NOUNS = frozenset(
    [
        *["poll", "survey", "study", "report", "statement", "document", "memo", "letter", "email", "filing"],
        *["record", "ad", "advertisement", "video", "post", "tweet", "release", "analysis", "review", "audit"],
        *["complaint", "lawsuit", "suit", "indictment", "ruling", "order", "bill", "law", "proposal", "plan"],
        *["footage", "clip", "spot", "commercial", "book", "article", "story", "editorial", "column"],
    ]
)
_AGENT_SUFFIXES = ("er", "or", "ist", "ian", "ant", "ent", "ee", "man", "woman", "person", "ers", "ors", "ists")
_AGENT_SUFFIXES += ("ians", "ants", "ents", "ees", "men", "women", "people", "ive", "ives")


def clean_name(text: str) -> str:
    """A name as written, without edge punctuation, a possessive, or a role word spaCy included."""
    text = re.sub(r"\s+", " ", text).strip(" ,.;:\"“”'")
    text = re.sub(r"(?:'s|’s|')$", "", text).strip()
    words = text.split(" ")
    # "Spokeswoman Maria Zakharova": NER sometimes takes the role into the name.
    while len(words) > 2 and words[0].lower() in ROLE_NOUNS:
        words = words[1:]
    return " ".join(words)


def name_span(ent: SpacySpan) -> SpacySpan:
    """``ent`` without the words around a name that are no part of it.

    Titles, role nouns, epithets and party labels before it ("Sen.", "Rival",
    "Crooked", "Republican nominee"), an adjective or verb form NER ran into it
    ("Injecting Clinton", "Trump avoids"), a nationality adjective: a name keeps
    at least one word.
    """
    start, end = ent.start, ent.end
    doc = ent.doc
    for token in doc[start : end - 1]:
        if token.text in _OUTLET_WORDS and doc[token.i + 1].text[:1].isupper():
            # "the Washington Post Trump interview": the outlet's name ran into the person's.
            start = token.i + 1
    while end - start > 1 and _not_name_word(doc[start]):
        start += 1
    while end - start > 1 and (doc[end - 1].tag_ in _NOT_NAME_TAGS or not doc[end - 1].text[:1].isupper()):
        end -= 1
    return ent if (start, end) == (ent.start, ent.end) else doc[start:end]


# Last words of outlets' names: a person's name never holds one ("Washington Post Trump").
_OUTLET_WORDS = frozenset(["Post", "Times", "News", "Journal", "Tribune", "Herald", "Daily", "Magazine", "Press"])
_PARTICLES = frozenset(["de", "van", "von", "da", "di", "du", "del", "der", "al", "bin", "le", "la"])


def _not_name_word(token: Token) -> bool:
    word = token.lower_.rstrip(".").replace("’", "'")
    if word in _PARTICLES:
        return False
    return (
        word in EPITHETS
        or word in ROLE_NOUNS
        or word in TITLE_WORDS
        or token.text in DEMONYMS
        or token.tag_ in _NOT_NAME_TAGS
        or not token.text[:1].isupper()
    )


def speaker_noun(token: Token) -> bool:
    """Whether a common noun can head the description of a speaker: a person, a group, a document."""
    lemma = token.lemma_.lower()
    lower = token.lower_
    if lemma in SPEAKER_NOUNS or lower in SPEAKER_NOUNS or lemma in ROLE_NOUNS or lemma in ORGANISATION_NOUNS:
        return True
    return token.pos_ in ("NOUN", "PROPN") and lower.endswith(_AGENT_SUFFIXES) and len(lower) > 4


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
