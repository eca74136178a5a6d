"""Coreference and speaker naming: who a cue's source is (claimant, role, organisation).

``SpeakerResolver`` walks one article in text order, so a source resolves only
against what came before it: pronouns and definite descriptions ("he", "the
diplomat") go to the most recent fitting named person, "they" and "it" to an
organisation, a bare surname to the full name first written; roles and
organisations are learnt where a name is introduced with them, and genders
from "Mr."/"Mrs.", role words and earlier pronouns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import (
    CAPITALS,
    COUNTRY_DEMONYMS,
    DEMONYMS,
    GENDER_WORDS,
    NAME_LABELS,
    ORGANISATION_NOUNS,
    PERSONAL_PRONOUNS,
    PLURAL_PRONOUNS,
    PRONOUN_GENDER,
    RELATIVE_PRONOUNS,
    ROLE_NOUNS,
    TITLE_WORDS,
)
from extractor.nlp.names import (
    EPITHETS,
    clean_name,
    description,
    entity_of,
    is_definite,
    name_span,
    named_in_description,
    proper_noun_phrase,
    role_of,
    speaker_noun,
    with_first_names,
)
from extractor.nlp.quotations import Quotations
from extractor.nlp.spans import DocIndex, covered
from extractor.nlp.typography import plain_text

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan


@dataclass
class Person:
    """What the article has told of one speaker so far.

    ``label`` is the entity label the speaker was named by (PERSON, ORG, GPE, NORP),
    None for a description; ``named`` is False when ``name`` is a description
    ("Republican officials"), not a name.
    """

    name: str
    role: str | None = None
    organization: str | None = None
    label: str | None = None
    named: bool = True


# A resolved source and the entity label it was named by (None for a description).
Named = tuple[Person | None, str | None]


class SpeakerResolver:
    """Names the sources of one article, remembering the names and speakers seen so far."""

    def __init__(self, doc: Doc, quotations: Quotations) -> None:
        self.doc = doc
        self.quotations = quotations
        # Named people and organisations seen so far, most recent last.
        self.mentions: list[tuple[int, str, str]] = []  # (token index, label, full name)
        self.people: dict[str, Person] = {}  # full name -> what we know of the person
        self.last_claimant: Person | None = None
        self.last_claimant_label: str | None = None
        self.claimant_names: list[str] = []  # people resolved as claimants so far, in text order
        self.gender: dict[str, str] = {}  # full name -> "m" / "f", where the text tells
        self.person_names: set[str] = set()
        self._people_by_surname: dict[str, dict[str, None]] = {}
        self.places = {ent.text for ent in doc.ents if ent.label_ == "GPE"}
        # Every multi-word person name the article writes, in text order: a surname mentioned
        # before its full name ("Trump said ..." above "Donald Trump") still gets the full name.
        self.article_names: list[str] = []
        self.first_written: dict[str, int] = {}  # full name -> token index of its first mention
        for ent in doc.ents:
            if ent.label_ == "PERSON":
                name = self._person_name(with_first_names(ent))
                if len(name.split()) > 1 and name not in self.article_names:
                    self.article_names.append(name)
                    self.first_written[name] = ent.start
        # Surname -> token index of its first mention after a title ("Mr. Obama", "President Obama").
        self.first_titled: dict[str, int] = {}
        for token in doc[1:]:
            if token.text[:1].isupper() and doc[token.i - 1].lower_.rstrip(".") in TITLE_WORDS | GENDER_TITLES:
                self.first_titled.setdefault(token.text, token.i)

    def resolve(self, source: Token | None) -> Person | None:
        """The speaker ``source`` names; a named speaker becomes the last claimant."""
        if source is None:
            return None
        person, label = self._name_for(source)
        if person is not None:
            self.last_claimant = person
            self.last_claimant_label = label
            if label == "PERSON":
                self.claimant_names.append(person.name)
        return person

    def register(self, ent: SpacySpan) -> None:
        """Remember a named entity once its sentence is done, so a pronoun never points forward."""
        label = self._label(ent)
        if label not in NAME_LABELS or _dateline(ent):
            return
        if label == "PERSON":
            ent = with_first_names(ent)
        name = self._person_name(ent) if label == "PERSON" else clean_name(ent.text)
        if not name:
            return
        if label == "PERSON":
            name = self._full_name(name)
            person = self.people.setdefault(name, Person(name, label="PERSON"))
            self.person_names.add(name)
            # Learn the role wherever the name is introduced with it ("the spokesman
            # for the foreign ministry, Maria Zakharova, published ..."), so later
            # claims by "Zakharova" carry it.
            root = ent.root
            head = root.head if root.dep_ == "appos" and root.head.lemma_.lower() in ROLE_NOUNS else root
            if person.role is None and not self.quotations.inside(ent.start_char):
                role, organization = role_of(head, ent)
                person.role = role
                person.organization = person.organization or organization
            # "Mr. Trump", "Spokeswoman Maria Zakharova": the word before the name.
            if ent.start > 0 and name not in self.gender:
                gender = GENDER_WORDS.get(self.doc[ent.start - 1].lower_)
                if gender:
                    self.gender[name] = gender
        self.mentions.append((ent.start, label, name))
        if label == "PERSON":  # each name once per surname, the latest mentioned last: _full_name's index
            bucket = self._people_by_surname.setdefault(name.split()[-1], {})
            bucket.pop(name, None)
            bucket[name] = None

    def _label(self, ent: SpacySpan) -> str:
        """The entity's label, corrected to PERSON for a known person's surname.

        The small model often tags a bare surname ("Zakharova", "Guterres") as ORG,
        and a capital ("Kyiv") as a person.
        """
        if clean_name(ent.text) in CAPITALS:
            return "GPE"
        if ent.label_ in ("ORG", "GPE", "NORP") and self.person_names:
            name = clean_name(ent.text)
            if name.split() and any(
                plain_text(known).split()[-1] == plain_text(name).split()[-1] for known in self.person_names
            ):
                return "PERSON"
        return ent.label_

    def _full_name(self, name: str) -> str:
        """A surname-only mention as the full name the article writes ("Peskov" -> "Dmitry Peskov").

        One person of that surname in the article: their name, written before or
        after. Two or more ("Barack Obama", "Michelle Obama"): the one already a
        claimant, the most recent first, else the bare surname. Where the article
        writes the surname after a title ("Mr. Obama") before a full name, that
        full name is someone else's.
        """
        words = name.split()
        if not words:
            return name
        titled = self.first_titled.get(words[0])

        plain_words = plain_text(name).split()

        def extends(known: str) -> bool:
            # "O'Neill" and "O’Neill" are one name.
            known_words = plain_text(known).split()
            if titled is not None and self.first_written.get(known, -1) > titled and known not in self.claimant_names:
                # "Mr. Obama" written before "Michelle Obama": the title named someone else first
                # (unless that full name already spoke: "Mrs. Clinton" … "Hillary Clinton said").
                return False
            return len(known_words) > len(words) and known_words[-len(words) :] == plain_words

        candidates = [known for known in self.article_names if extends(known)]
        people = {known.split()[0] for known in candidates}
        if len(people) > 1:
            # Two people of one surname: only a claimant's name is safe; else the surname as written.
            for claimant in reversed(self.claimant_names):
                if extends(claimant):
                    return claimant
            return name
        # Only a person mentioned under the same surname can match: not a scan of every mention.
        by_surname = self._people_by_surname
        same_surname = {**by_surname.get(words[-1], {}), **by_surname.get(plain_words[-1], {})}
        for known in reversed(same_surname):
            if extends(known):
                return known
        for known in self.person_names:
            if extends(known):
                return known
        if len(people) == 1:
            # Only one person of that name, written later ("Trump said …" above "Donald Trump"): the first form.
            return candidates[0]
        return name

    def _name_for(self, token: Token, conjoined: bool = True) -> Named:
        """The speaker a source token names: pronouns and conjoined names here, the rest in ``_named``."""
        lower = token.lower_
        if lower in RELATIVE_PRONOUNS and token.dep_ != "pobj":
            # "who said ..." : the relative clause's head noun.
            clause = next((a for a in token.ancestors if a.dep_ == "relcl"), None)
            if clause is not None and clause.head is not token:
                return self._name_for(clause.head)
            return None, None
        if lower in PERSONAL_PRONOUNS:
            return self._antecedent(token, ("PERSON",))
        if lower in PLURAL_PRONOUNS:
            return self._antecedent(token, ("ORG", "NORP", "GPE"))
        if lower == "it":
            # "It said": only an organisation named in this or the previous sentence.
            return self._antecedent(token, ("ORG",), window=1)
        if token.pos_ == "PRON":
            return None, None
        conjuncts = [c for c in token.children if c.dep_ == "conj"]
        if conjuncts and conjoined:
            # "Clinton and Sanders said": one claim by both, named together.
            names = [self._name_for(t, conjoined=False) for t in (token, *conjuncts)]
            if all(person is not None and label in NAME_LABELS for person, label in names):
                distinct = list(dict.fromkeys(person.name for person, _ in names if person is not None))
                if len(distinct) == 1:
                    # "Trump and Mr. Trump": one speaker, written twice.
                    return names[0]
                return Person(" and ".join(distinct), label=names[0][1]), names[0][1]
        return self._named(token)

    def _named(self, token: Token) -> Named:
        """The speaker a noun names: its entity, an appositive name, a role's antecedent, or the description."""
        ent = entity_of(token)
        if ent is not None and _dateline(ent):
            # "WASHINGTON -- President Obama ... said": the parse made the dateline the subject.
            ent = None
        if ent is not None and self._label(ent) == "NORP":
            return self._group(token, ent)
        if ent is not None and self._label(ent) in NAME_LABELS:
            return self._person_from_entity(ent, token), self._label(ent)
        # A description with an appositive name: "a spokesman for the Kremlin, Dmitry Peskov".
        for child in token.children:
            if child.dep_ in ("appos", "compound") and child.i > token.i:
                appos_ent = entity_of(child)
                if appos_ent is not None and appos_ent.label_ == "PERSON":
                    return self._person_from_entity(appos_ent, token), "PERSON"
        for child in token.children:
            if child.dep_ == "appos":
                appos_ent = entity_of(child)
                if appos_ent is not None and appos_ent.label_ in NAME_LABELS:
                    return self._person_from_entity(appos_ent, token), appos_ent.label_
        speaker = named_in_description(token)
        if speaker is not None:
            return self._person_from_entity(speaker, token), "PERSON"
        if token.pos_ == "PROPN" and token.lower_.rstrip(".") not in ROLE_NOUNS | EPITHETS:
            # A name spaCy did not label, speaking: most often a person.
            if not token.text[:1].isupper():
                # "xenophobe" tagged PROPN: no name.
                return self._description(token)
            name = proper_noun_phrase(token)
            return self._known(self._full_name(name)), "PERSON"
        if token.lemma_.lower() in ROLE_NOUNS and is_definite(token):
            person, label = self._antecedent(token, ("PERSON",), prefer_claimant=True)
            if person is not None:
                return person, label
        if token.lemma_.lower() in ORGANISATION_NOUNS and is_definite(token):
            organisation = self._organisation(token)
            if organisation is not None:
                return organisation, "ORG"
        phrase = description(token)
        if not phrase:
            return None, None
        if _capitalised_name(token) or (
            token.text[:1].isupper() and any(known.split()[-1] == token.text for known in self.person_names)
        ):
            # A name the tagger read as a common noun ("Sanders", "O'Donnell").
            return self._known(self._full_name(proper_noun_phrase(token))), "PERSON"
        return self._description(token)

    def _description(self, token: Token) -> Named:
        """A speaker the article describes ("Republican officials", "his lawyer"), or None for a non-speaker.

        A description is a speaker only where its head is a person, a group or a document
        (``names.speaker_noun``): "things", "the spike", "more leverage" are not.
        """
        phrase = description(token)
        if not phrase:
            return None, None
        if not speaker_noun(token):
            # "Trump avoids", "shorter dresses", "a recent news conference": the parse took a
            # thing for the source. The speaker named nearby, if any, said it; else no claim.
            return self._speaker_nearby(token)
        return Person(self._owner_named(token, phrase), named=False), None

    def _speaker_nearby(self, token: Token) -> Named:
        """The named person or organisation of ``token``'s sentence or the two before, for a non-speaker source.

        The last claimant when it is named there, else the most recent name there
        (outside quotations); the last named claimant when the window names nobody, and
        (None, None) before any.
        """
        oldest = self._window_start(token, 2)
        nearby: list[tuple[str, str]] = [
            (name, label)
            for position, label, name in self.mentions
            if position >= oldest and label in ("PERSON", "ORG")
        ]
        for ent in token.sent.ents:
            label = self._label(ent)
            if ent.end <= token.i + 1 and label in ("PERSON", "ORG") and not self.quotations.inside(ent.start_char):
                person = self._person_from_entity(ent, None)
                nearby.append((person.name, label))
        claimant = self.last_claimant
        if not nearby:
            # No name nearby: the last claimant is still speaking ("Lynch said … At a recent news
            # conference, …"), or nobody is.
            return (claimant, self.last_claimant_label) if claimant is not None and claimant.named else (None, None)
        if claimant is not None and any(name == claimant.name for name, _ in nearby):
            return claimant, self.last_claimant_label
        name, label = nearby[-1]
        return self._known(name, label), label

    def _group(self, token: Token, ent: SpacySpan) -> Named:
        """A speaker named by a nationality or party ("Republicans", "the Republican"): no name of its own.

        "The Republican" (definite, singular) points back to a person, as "the senator"
        does; "Republicans", "Russians", "Democrats" are a description, ``named`` False.
        """
        if token.tag_ in ("NNP", "NN", "JJ") and is_definite(token):
            person, label = self._antecedent(token, ("PERSON",), prefer_claimant=True)
            if person is not None:
                return person, label
        phrase = description(token) or clean_name(ent.text)
        return Person(phrase, label="NORP", named=False), "NORP"

    def _organisation(self, token: Token) -> Person | None:
        """The named organisation a definite description points back to: "the ministry" -> "Russian Foreign Ministry".

        Only an organisation whose name holds the description's head noun counts
        ("the bureau" -> "Federal Bureau of Investigation"), the most recent first.
        """
        head = token.lemma_.lower()
        for _, label, name in reversed(self.mentions):
            if label == "ORG" and head in name.lower().split():
                return self._known(re.sub(r"^(?:the|The)\s+", "", name), "ORG")
        return None

    def _owner_named(self, token: Token, phrase: str) -> str:
        """A description with its possessive pronoun resolved: "his lawyer" -> "Bryan Pagliano's lawyer"."""
        owner = next((c for c in token.children if c.dep_ == "poss" and c.lower_ in PRONOUN_GENDER), None)
        if owner is None or not phrase.lower().startswith(owner.lower_ + " "):
            return phrase
        person, _ = self._antecedent(owner, ("PERSON",), probe=True)
        if person is None:
            return phrase
        return f"{person.name}'s {phrase[len(owner.text) + 1 :]}"

    def _antecedent(
        self,
        token: Token,
        labels: tuple[str, ...],
        prefer_claimant: bool = False,
        window: int | None = None,
        probe: bool = False,
    ) -> Named:
        """The named mention ``token`` (a pronoun or a description) points back to.

        In order: a named subject of a clause governing ``token`` in the same
        sentence ("Peskov said he ..."), the most recent claimant, a name earlier in
        the sentence, then the most recent name. "he"/"she" skip people known to be
        of the other gender (from "Mr."/"Mrs." or role words, or earlier pronouns).
        """
        gender = PRONOUN_GENDER.get(token.lower_)

        def fits(name: str, label: str | None) -> bool:
            if label not in labels:
                return False
            if label == "GPE" and token.lower_ in PLURAL_PRONOUNS and not _country_like(name):
                # "They checked the Chicago Tribune": a city is no "they"; a country may be ("the Russians").
                return False
            if label == "NORP" and name in DEMONYMS:
                # "American" (an adjective: "American views") is nobody "they" can be; "Americans" may be.
                return False
            known = self.gender.get(name)
            return gender is None or known is None or known == gender

        def chosen(person: Person, label: str | None) -> Named:
            if gender is not None and label == "PERSON" and not probe:
                self.gender.setdefault(person.name, gender)
            return person, label

        earlier = [
            ent
            for ent in token.sent.ents
            if ent.end <= token.i and self._label(ent) in labels and not self.quotations.inside(ent.start_char)
        ]
        ancestors = set(token.ancestors)
        for ent in reversed(earlier):
            if ent.root.dep_ in ("nsubj", "nsubjpass") and ent.root.head in ancestors:
                person = self._person_from_entity(ent, None)
                if fits(person.name, self._label(ent)):
                    return chosen(person, self._label(ent))
        claimant = self.last_claimant
        if window is None and claimant is not None and fits(claimant.name, self.last_claimant_label):
            return chosen(claimant, self.last_claimant_label)
        if not prefer_claimant:
            for ent in reversed(earlier):
                person = self._person_from_entity(ent, None)
                if fits(person.name, self._label(ent)):
                    return chosen(person, self._label(ent))
        oldest = self._window_start(token, window)
        for position, label, name in reversed(self.mentions):
            if position < oldest:
                break
            if fits(name, label):
                return chosen(self._known(name, label), label)
        return None, None

    def _window_start(self, token: Token, window: int | None) -> int:
        """The first token a mention may sit at: ``window`` sentences before ``token``'s (None: any)."""
        if window is None:
            return 0
        sentence = token.sent
        for _ in range(window):
            if sentence.start == 0:
                break
            sentence = self.doc[sentence.start - 1].sent
        return sentence.start

    def _person_from_entity(self, ent: SpacySpan, head: Token | None) -> Person:
        """The person (or organisation) an entity names, learning the role written at ``head``."""
        label = self._label(ent)
        is_person = label == "PERSON"
        if is_person:
            ent = with_first_names(ent)
            name = self._full_name(self._person_name(ent))
        else:
            name = clean_name(ent.text)
        person = self._known(name, label)
        if head is None:
            return person
        role, organization = role_of(head, ent)
        if role and not person.role:
            person.role = role
        if organization and not person.organization:
            person.organization = organization
        if (role and role != person.role) or (organization and organization != person.organization):
            # What this attribution writes ("Russian Foreign Ministry Spokeswoman Maria Zakharova")
            # goes on its claim; what was learnt first stays for the bare "Zakharova" later.
            return Person(
                person.name, role or person.role, organization or person.organization, person.label, person.named
            )
        return person

    def _person_name(self, ent: SpacySpan) -> str:
        """A person's name as written, without a place NER ran into it ("in Kiev Brittany Stewart").

        Titles, epithets and party labels are no part of it ("Rival Hillary Clinton" ->
        "Hillary Clinton"), nor a verb NER ran into it ("Trump avoids"): ``names.name_span``.
        """
        name = clean_name(name_span(ent).text)
        words = name.split(" ")
        before = ent.doc[ent.start - 1].lower_ if ent.start > 0 else ""
        if len(words) > 2 and (words[0] in self.places or before in ("in", "from", "of")):
            name = " ".join(words[1:])
        return name

    def _known(self, name: str, label: str | None = "PERSON") -> Person:
        if name not in self.people:
            # A nationality or party ("Republicans") is a description, not a name.
            self.people[name] = Person(name, label=label, named=label != "NORP")
        return self.people[name]

    def person_described(self, head: Token) -> str | None:
        """The named person a definite role description stands for: "the Russian president" -> "Vladimir Putin".

        Only people named before ``head`` whose learnt role holds the head noun, and
        whose role or organisation agrees with every nationality or organisation
        word of the description; the most recently mentioned one.
        """
        modifiers = [c for c in head.children if c.i < head.i and c.ent_type_ in ("NORP", "GPE", "ORG")]
        for position, label, name in reversed(self.mentions):
            if label != "PERSON" or position >= head.i:
                continue
            person = self.people.get(name)
            if person is None or person.role is None:
                continue
            role_words = {w.lower() for w in re.findall(r"\w+", person.role)}
            if head.lemma_.lower() not in role_words and head.lower_ not in role_words:
                continue
            known = " ".join(filter(None, (person.role, person.organization))).lower()
            if all(any(w in known for w in (m.text.lower(), DEMONYMS.get(m.text, "").lower()) if w) for m in modifiers):
                return name
        return None

    def full_name_of(self, ent: SpacySpan) -> str:
        """The fullest name the article gave the person ``ent`` names ("Putin" -> "Vladimir Putin")."""
        return self._full_name(self._person_name(with_first_names(ent)))

    def mentions_near(
        self, sentence: SpacySpan, contents: list[tuple[int, int]], skipped: set[int] = frozenset()
    ) -> tuple[str, ...]:
        """Names of the speakers mentioned near a cue: its sentence and the two before, outside any content.

        People by their full names, organisations and places as written without a
        leading "the", each once, first mention first; sentences whose first token is in ``skipped`` (text written
        to a model) name nobody.
        """
        oldest = self._window_start(sentence[0], 2)
        names: dict[str, None] = {}
        seen: set[str] = set()  # "The United States" and "the United States" are one choice
        for ent in DocIndex.of(self.doc).ents_starting_in(oldest, sentence.end):
            if not (oldest <= ent.start and ent.end <= sentence.end) or ent.sent.start in skipped:
                continue
            if covered(contents, ent.start_char):
                continue
            label = self._label(ent)
            if label not in NAME_LABELS:
                continue
            if label == "PERSON":
                name = self._full_name(self._person_name(with_first_names(ent)))
            else:
                name = re.sub(r"^(?:the|The)\s+", "", clean_name(ent.text))
            if len(name) > 1 and name.casefold() not in seen:
                seen.add(name.casefold())
                names.setdefault(name, None)
        return tuple(names)

    def other_person(self, pronoun: Token, claimant: Person | None) -> str | None:
        """The named person a pronoun that is not the claimant points to ("calling *him* a war criminal").

        The nearest person named before it in its sentence, else in the two sentences
        before, who is not the claimant and whose gender is known to fit; failing that,
        the only other person named there, gender not known otherwise. None when
        unsure (two people, gender unknown): the pronoun stays. Nothing is learnt.
        """
        gender = PRONOUN_GENDER.get(pronoun.lower_)
        if pronoun.lower_ not in PRONOUN_GENDER:
            return None
        excluded = claimant.name if claimant is not None else None
        oldest = self._window_start(pronoun, 2)
        people = [
            ent
            for ent in DocIndex.of(self.doc).ents_starting_in(oldest, pronoun.i)
            if oldest <= ent.start and ent.end <= pronoun.i and self._label(ent) == "PERSON"
        ]
        names: list[str] = []
        for ent in reversed(people):
            name = self._full_name(self._person_name(with_first_names(ent)))
            if name == excluded or (excluded and name.split()[-1] == excluded.split()[-1]) or name in names:
                continue
            names.append(name)
        fitting = [name for name in names if self.gender.get(name) in (None, gender)]
        known = [name for name in fitting if self.gender.get(name) == gender]
        # Where unsure, no name: the nearest person of the pronoun's known gender, else the one
        # person the window names; two people of unknown gender keep the pronoun.
        if known:
            return known[0]
        return fitting[0] if len(names) == 1 and fitting else None


GENDER_TITLES = frozenset(["mr", "mrs", "ms", "miss", "sir", "madam", "dame"])


def _dateline(ent: SpacySpan) -> bool:
    """A wire dateline ("WASHINGTON -- President Obama ..."): a place in capitals opening a line, no speaker."""
    doc = ent.doc
    following = doc[ent.end].text if ent.end < len(doc) else ""
    return ent.text.isupper() and ent.start == ent.sent.start and following in ("--", "—", "–", "-", "(", ",")


def _country_like(name: str) -> bool:
    """Whether a place name is a country (or a capital standing for one), which may speak as "they"."""
    bare = re.sub(r"^(?:the|The)\s+", "", name)
    return bare in COUNTRY_DEMONYMS or bare in CAPITALS or bare in DEMONYMS.values()


def _capitalised_name(token: Token) -> bool:
    """A capitalised word inside a sentence that is no role word: a name ("Sanders said")."""
    return (
        token.text[:1].isupper()
        and not token.is_sent_start
        and token.lemma_.lower() not in ROLE_NOUNS
        and not any(c.dep_ == "det" for c in token.children)
        and token.i > 0
        and not token.doc[token.i - 1].is_punct
    )
