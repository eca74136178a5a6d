"""Who a pronoun is: pronouns of a content replaced by the claimant or by the person the article names.

A subject or possessive pronoun of reported speech that fits the claimant ("Peskov
said he ...", "his office") becomes the claimant; in a direct quotation "I"/"my" (and
"we"/"our" for an organisation) do too, with the verb agreeing ("I think" -> "Maria
Zakharova thinks"); another person's pronoun ("calling him a war criminal") becomes the
name the speaker resolver finds. Names are made self-contained on the way: a surname
as the full name the article gave, a capital as its country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.claim_text.edits import Edit, inflect
from extractor.nlp.claim_text.sentence import CLAIMANT, SUBJECT_DEPS, Reading
from extractor.nlp.lexicon import CAPITALS, COUNTRY_DEMONYMS, ROLE_NOUNS
from extractor.nlp.names import DOCUMENT_NOUNS
from extractor.nlp.spans import DocIndex
from extractor.nlp.typography import plain

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

    from extractor.nlp.speakers import Person, SpeakerResolver

_OBJECT_TO_SUBJECT = {"him": "he", "her": "she", "them": "they", "me": "I", "us": "we"}
_PERSON_PRONOUNS = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}
_ORGANISATION_PRONOUNS = frozenset(["it", "its", "they", "them", "their"])
_FIRST_PERSON = frozenset(["i", "me", "my", "mine"])
_FIRST_PLURAL = frozenset(["we", "us", "our", "ours"])
_POSSESSIVES = frozenset(["his", "her", "its", "their", "my", "our"])
_THIRD_SINGULAR_BE = {"am": "is", "'m": "is", "are": "is", "'re": "is", "were": "was"}
_PLACE_PREPOSITIONS = frozenset(["in", "at", "near", "to", "into", "outside", "inside", "around", "across", "through"])


class Pronouns:
    """Pronouns and names of one parsed body's contents, resolved to the claimant or to the people it names."""

    def __init__(self, doc: Doc, speakers: SpeakerResolver) -> None:
        self.doc = doc
        self.speakers = speakers

    def owner(self, reading: Reading, owner: Token) -> str | None:
        """Who a possessive names: the claimant for a fitting pronoun, a name as written, another person."""
        if owner.lower_ in _POSSESSIVES:
            if fits_claimant(owner, reading, reading.direct_quote):
                return CLAIMANT
            other = self.speakers.other_person(owner, reading.claimant)
            return other
        return " ".join(t.text for t in owner.subtree if t.dep_ != "case")

    def noun_phrase(self, reading: Reading, head: Token, stop: Token) -> str:
        """The noun phrase headed by ``head`` as a subject, pronouns resolved, ending before ``stop``."""
        if head.pos_ == "PRON" and (head.lower_ in _OBJECT_TO_SUBJECT or head.lower_ in ("it", "he", "she", "they")):
            if fits_claimant(head, reading, False) and head.lower_ in ("it", "they", "them"):
                return CLAIMANT
            other = self.speakers.other_person(head, reading.claimant)
            return other or _OBJECT_TO_SUBJECT.get(head.lower_, head.text)
        tokens = [t for t in head.subtree if t.i < stop.i or stop not in list(head.subtree)]
        edit = Edit(self.doc, (tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)), tokens)
        self.substitute(reading, tokens, edit)
        return edit.render()

    def substitute(self, reading: Reading, tokens: list[Token], edit: Edit) -> None:
        """Pronouns of the content replaced by the claimant or by the name the resolver finds."""
        claimant_done = False
        for token in tokens:
            lower = token.lower_
            if token.i in edit.edits or (token.pos_ != "PRON" and token.tag_ != "PRP$"):
                continue
            possessive = token.tag_ == "PRP$" or token.dep_ == "poss"
            if reading.direct_quote and (lower in _FIRST_PERSON or (lower in _FIRST_PLURAL and _is_group(reading))):
                if reading.claimant is None or (lower in _FIRST_PERSON and not _speaks_as_i(reading.claimant)):
                    # "The ad uses footage of Hillary Clinton asking, “Why aren't I ...”": the ad's "I" is not the ad.
                    continue
                edit.replace(token, CLAIMANT + ("'s" if possessive else ""))
                if token.dep_ in SUBJECT_DEPS:
                    agree_third_singular(token, edit)
                continue
            if reading.direct_quote:
                continue
            if lower in _PERSON_PRONOUNS and (named := self._named_before(token, tokens, reading)) is not None:
                # "Biden said Putin had lied and that he would be judged": "he" is Putin, named in the content.
                edit.replace(token, named + ("'s" if possessive else ""))
                continue
            if lower in _PERSON_PRONOUNS or lower in _ORGANISATION_PRONOUNS:
                if fits_claimant(token, reading, False) and (token.dep_ in SUBJECT_DEPS or possessive):
                    if not claimant_done:
                        edit.replace(token, CLAIMANT + ("'s" if possessive else ""))
                        claimant_done = True
                    # A later subject that fits the claimant is most likely the claimant again ("Peskov
                    # said he can't say, because he was responding"): kept as written, never another person.
                    continue
                if lower in _PERSON_PRONOUNS:
                    # Not the claimant: an object ("calling *him* a war criminal"), or a subject the
                    # claimant cannot be ("Her campaign said that *she* would win").
                    other = self.speakers.other_person(token, reading.claimant)
                    if other is not None:
                        edit.replace(token, other + ("'s" if possessive else ""))
        self._names(tokens, edit)

    def _named_before(self, pronoun: Token, tokens: list[Token], reading: Reading) -> str | None:
        """A person other than the claimant named in the content before ``pronoun``, gender permitting."""
        claimant = reading.claimant.name if reading.claimant is not None else None
        gender = _PERSON_PRONOUNS.get(pronoun.lower_)
        first = tokens[0].i
        before = DocIndex.of(self.doc).ents_starting_in(first, pronoun.i)
        for ent in reversed([e for e in before if e.end <= pronoun.i]):
            if ent.label_ != "PERSON":
                continue
            name = self.speakers.full_name_of(ent)
            if claimant and name.split()[-1] == claimant.split()[-1]:
                return None
            known = self.speakers.gender.get(name)
            if known is None or known == gender:
                return name
        return None

    def _names(self, tokens: list[Token], edit: Edit) -> None:
        """Names made self-contained: a surname as the full name the article gave, a capital as its country.

        "Putin" -> "Vladimir Putin" (written in full earlier); "Moscow's response" ->
        "Russia's response", "talks between Kyiv and Moscow" -> "... Ukraine and Russia",
        but not where the capital is a place ("in Moscow").
        """
        inside = {t.i for t in tokens}
        for ent in DocIndex.of(self.doc).ents_starting_in(min(inside, default=0), max(inside, default=-1) + 1):
            if ent.start not in inside or ent.start in edit.edits:
                continue
            if ent.label_ == "PERSON":
                full = self.speakers.full_name_of(ent)
                if full and len(full.split()) > len(ent.text.split()) and ent.text.split()[-1] in full:
                    edit.replace(ent[0], full)
                    for token in ent[1:]:
                        edit.delete(token)
        for token in tokens:
            if (
                token.pos_ == "NOUN"
                and token.lemma_.lower() in ROLE_NOUNS
                and token.dep_ != "compound"
                and any(c.dep_ == "det" and c.lower_ == "the" and c.i in inside for c in token.children)
                and not (token.i + 1 < len(self.doc) and self.doc[token.i + 1].ent_type_ == "PERSON")
            ):
                # "the Russian president" -> "Russian president Vladimir Putin", when the article named him so.
                person = self.speakers.person_described(token)
                if person is not None:
                    det = next(c for c in token.children if c.dep_ == "det")
                    edit.delete(det)
                    edit.replace(token, f"{token.text} {person}")
        for token in tokens:
            if token.text not in CAPITALS or token.i in edit.edits or token.ent_type_ not in ("GPE", "PERSON", "ORG"):
                continue
            country = CAPITALS[token.text]
            following = self.doc[token.i + 1] if token.i + 1 < len(self.doc) else None
            if following is not None and following.text == "s" and following.i in inside:
                # "Washington s arming" (an apostrophe lost in scraping): "the United States' arming".
                edit.replace(token, country)
                edit.replace(following, "'s")
            elif token.dep_ == "compound" and token.head.pos_ == "NOUN":
                # "Kiev authorities", "the Kiev regime": "Ukrainian authorities".
                adjective = COUNTRY_DEMONYMS.get(_without_article(country))
                if adjective is not None:
                    edit.replace(token, adjective)
            elif not (token.dep_ == "pobj" and token.head.lower_ in _PLACE_PREPOSITIONS) and token.dep_ != "compound":
                edit.replace(token, country[0].upper() + country[1:] if token.i == tokens[0].i else country)


def agree_third_singular(subject: Token, edit: Edit) -> None:
    """The verb of a first-person subject made third person singular: "I think" -> "... thinks"."""
    verb = subject.head
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass") and c.i > subject.i]
    target = auxiliaries[0] if auxiliaries else verb
    lower = plain(target)
    # A contraction ("I’m", "I've") is glued to its subject: the full form needs its own space.
    space = " " if lower.startswith("'") else ""
    if lower in _THIRD_SINGULAR_BE:
        edit.replace(target, space + _THIRD_SINGULAR_BE[lower])
        return
    if lower in ("'ve", "have"):
        edit.replace(target, space + "has")
        return
    if target.tag_ == "VBP":
        form = inflect(target.lemma_, "VBZ")
        if form:
            edit.replace(target, form[0])


def fits_claimant(pronoun: Token, reading: Reading, direct_quote: bool) -> bool:
    """Whether a third-person pronoun can be the claimant: gender and kind agree."""
    claimant = reading.claimant
    if claimant is None or direct_quote:
        return False
    lower = pronoun.lower_
    label = claimant.label
    if lower in _PERSON_PRONOUNS:
        if label != "PERSON" or " and " in claimant.name:
            # A description ("her campaign", "officials") is no "he" or "she".
            return False
        return reading.claimant_gender is None or reading.claimant_gender == _PERSON_PRONOUNS[lower]
    if lower in ("it", "its"):
        # "it" is a named body; a description ("Polls", "presidential contenders") is no "it".
        return label in ("ORG", "GPE")
    if lower in ("they", "them", "their"):
        # A description is "they" only in the plural ("officials", not "a new poll").
        described_group = not claimant.named and claimant.name.split()[-1].lower().endswith("s")
        return label in ("ORG", "NORP", "GPE") or " and " in claimant.name or described_group
    return False


def _speaks_as_i(claimant: Person) -> bool:
    """Whether a quotation's "I" can be ``claimant``: a person or a described person, not a text or a group."""
    if claimant.label == "PERSON":
        return " and " not in claimant.name
    if claimant.named or claimant.label is not None:
        return False
    head = claimant.name.split()[-1].lower() if claimant.name.split() else ""
    return head not in DOCUMENT_NOUNS and not head.endswith("s")


def _is_group(reading: Reading) -> bool:
    claimant = reading.claimant
    return claimant is not None and claimant.label in ("ORG", "GPE", "NORP")


def _without_article(name: str) -> str:
    return name[4:] if name.startswith("the ") else name
