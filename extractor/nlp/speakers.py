"""Coreference and speaker naming: who a cue's source is (claimant, role, organisation).

``SpeakerResolver`` walks one article in text order, so a source resolves only
against what came before it: pronouns and definite descriptions ("he", "the
diplomat") go to the most recent fitting named person, "they" and "it" to an
organisation, a bare surname to the full name first written; roles and
organisations are learnt where a name is introduced with them, and genders
from "Mr."/"Mrs.", role words and earlier pronouns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.nlp.lexicon import (
    GENDER_WORDS,
    NAME_LABELS,
    PERSONAL_PRONOUNS,
    PLURAL_PRONOUNS,
    PRONOUN_GENDER,
    RELATIVE_PRONOUNS,
    ROLE_NOUNS,
)
from extractor.nlp.names import (
    clean_name,
    description,
    entity_of,
    is_definite,
    named_in_description,
    proper_noun_phrase,
    role_of,
    with_first_names,
)
from extractor.nlp.quotations import Quotations

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan


@dataclass
class Person:
    """What the article has told of one speaker so far."""

    name: str
    role: str | None = None
    organization: str | None = None


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
        self.gender: dict[str, str] = {}  # full name -> "m" / "f", where the text tells
        self.person_names: set[str] = set()
        self.places = {ent.text for ent in doc.ents if ent.label_ == "GPE"}

    def resolve(self, source: Token | None) -> Person | None:
        """The speaker ``source`` names; a named speaker becomes the last claimant."""
        if source is None:
            return None
        person, label = self._name_for(source)
        if person is not None:
            self.last_claimant = person
            self.last_claimant_label = label
        return person

    def register(self, ent: SpacySpan) -> None:
        """Remember a named entity once its sentence is done, so a pronoun never points forward."""
        label = self._label(ent)
        if label not in NAME_LABELS:
            return
        if label == "PERSON":
            ent = with_first_names(ent)
        name = clean_name(ent.text)
        if not name:
            return
        if label == "PERSON":
            name = self._full_name(name)
            person = self.people.setdefault(name, Person(name))
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

    def _label(self, ent: SpacySpan) -> str:
        """The entity's label, corrected to PERSON for a known person's surname.

        The small model often tags a bare surname ("Zakharova", "Guterres") as ORG.
        """
        if ent.label_ in ("ORG", "GPE", "NORP") and self.person_names:
            name = clean_name(ent.text)
            if any(known.split()[-1] == name.split()[-1] for known in self.person_names):
                return "PERSON"
        return ent.label_

    def _full_name(self, name: str) -> str:
        """A surname-only mention as the full name first written ("Peskov" -> "Dmitry Peskov")."""
        words = name.split()
        for _, label, known in reversed(self.mentions):
            if label != "PERSON":
                continue
            known_words = known.split()
            if len(known_words) > len(words) and known_words[-len(words) :] == words:
                return known
        for known in self.person_names:
            known_words = known.split()
            if len(known_words) > len(words) and known_words[-len(words) :] == words:
                return known
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
                joined = " and ".join(person.name for person, _ in names if person is not None)
                return Person(joined), names[0][1]
        return self._named(token)

    def _named(self, token: Token) -> Named:
        """The speaker a noun names: its entity, an appositive name, a role's antecedent, or the description."""
        ent = entity_of(token)
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
        if token.pos_ == "PROPN":
            # A name spaCy did not label, speaking: most often a person.
            name = proper_noun_phrase(token)
            return self._known(name), "PERSON"
        if token.lemma_.lower() in ROLE_NOUNS and is_definite(token):
            person, label = self._antecedent(token, ("PERSON",), prefer_claimant=True)
            if person is not None:
                return person, label
        phrase = description(token)
        return (Person(phrase), None) if phrase else (None, None)

    def _antecedent(
        self,
        token: Token,
        labels: tuple[str, ...],
        prefer_claimant: bool = False,
        window: int | None = None,
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
            known = self.gender.get(name)
            return gender is None or known is None or known == gender

        def chosen(person: Person, label: str | None) -> Named:
            if gender is not None and label == "PERSON":
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
                return chosen(self.people.get(name, Person(name)), label)
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
        is_person = self._label(ent) == "PERSON"
        if is_person:
            ent = with_first_names(ent)
        name = clean_name(ent.text)
        words = name.split(" ")
        if is_person and len(words) > 2 and words[0] in self.places:
            # "the military attaché in Kiev Brittany Stewart": NER ran the place into the name.
            name = " ".join(words[1:])
        if is_person:
            name = self._full_name(name)
        person = self._known(name)
        if head is not None:
            role, organization = role_of(head, ent)
            if role and not person.role:
                person.role = role
            if organization and not person.organization:
                person.organization = organization
        return person

    def _known(self, name: str) -> Person:
        if name not in self.people:
            self.people[name] = Person(name)
        return self.people[name]
