"""A phrase content restated as the proposition it carries, else reported by the claimant and cue.

accuse X of Y -> "X is responsible for Y"; call X Y, denounce X as Y -> "X is Y";
"announced its support for X" -> "<owner> supports X"; "a statement stating that S"
-> "S"; otherwise the claimant and cue report it ("Biden praised the deal.").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from extractor.nlp.claim_text.edits import Edit, be_verb, inflect, subtree
from extractor.nlp.claim_text.leading import drop_leading
from extractor.nlp.claim_text.pronouns import Pronouns
from extractor.nlp.claim_text.sentence import CLAIMANT, Reading
from extractor.nlp.lexicon import CHARACTERISING_VERBS, GUILT_VERBS, NOMINAL_PROPOSITIONS, SPEECH_NOUNS
from extractor.nlp.spans import DocIndex

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_MAX_CUE_GAP = 40


class Phrases:
    """Restates the phrase contents of one parsed body (the frames whose content is no clause)."""

    def __init__(self, doc: Doc, pronouns: Pronouns) -> None:
        self.doc = doc
        self.pronouns = pronouns

    def restate(self, reading: Reading, tokens: list[Token], edit: Edit) -> tuple[str, bool] | None:
        """A phrase content as the proposition it carries, with whether that proposition is denied by the phrase."""
        cue = reading.cue
        nested = _speech_noun_clause(tokens)
        if nested is not None:
            # "issued a statement stating that S", "rejected reports that S": the proposition is S.
            sub = Edit(self.doc, (nested[0].idx, tokens[-1].idx + len(tokens[-1].text)), nested)
            clause_root = next((t for t in nested if t.head not in nested or t.head == t), None)
            if clause_root is not None:
                drop_leading(clause_root, nested, sub)
            self.pronouns.substitute(reading, nested, sub)
            return sub.render(), False
        if cue is None:
            return None
        lemma = cue.lemma_.lower()
        head = reading.content_root if reading.content_root is not None and reading.content_root in tokens else None
        if lemma in GUILT_VERBS and head is not None:
            return self._guilt(reading, cue, head, tokens), False
        if lemma in CHARACTERISING_VERBS and head is not None:
            found = self._characterised(reading, cue, head, tokens)
            if found is not None:
                return found, False
        if head is not None:
            nominal = self._nominal(reading, head, tokens)
            if nominal is not None:
                return nominal, False
        if reading.cue_denies and not reading.content_negated:
            # "dismissed the report as fake": the denied proposition is the content itself.
            self.pronouns.substitute(reading, tokens, edit)
            return edit.render(), False
        # Otherwise the claimant and cue report the phrase: "Biden praised the deal."
        self.pronouns.substitute(reading, tokens, edit)
        cue_end = cue.idx + len(cue.text)
        if cue.i < tokens[0].i and tokens[0].idx - cue_end <= _MAX_CUE_GAP:
            # The words between cue and content belong to the report ("called *for* an inquiry").
            report = DocIndex.of(self.doc).text[cue.idx : tokens[0].idx]
        else:
            report = cue.text
        return f"{CLAIMANT} {' '.join(report.split())} {_lower_first(edit.render())}", False

    def _guilt(self, reading: Reading, cue: Token, head: Token, tokens: list[Token]) -> str:
        """ "accused X of Y": "X is responsible for Y"; "accused X of fueling Y": "X is fueling Y"."""
        subject = self.pronouns.noun_phrase(reading, head, stop=cue)
        charge = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ in ("of", "for")), None)
        object_ = next((c for c in charge.children if c.dep_ in ("pobj", "pcomp")), None) if charge else None
        be = be_verb(head, past=cue.tag_ == "VBD")
        if object_ is None or object_ not in tokens:
            return f"{subject} {be} to blame"
        rest = Edit(self.doc, (object_.left_edge.idx, tokens[-1].idx + len(tokens[-1].text)), subtree(object_))
        self.pronouns.substitute(reading, list(object_.subtree), rest)
        if object_.tag_ == "VBG":
            return f"{subject} {be} {rest.render()}"
        return f"{subject} {be} responsible for {rest.render()}"

    def _characterised(self, reading: Reading, cue: Token, head: Token, tokens: list[Token]) -> str | None:
        """ "called X Y", "denounced X as Y", "described X as Y": "X is Y"."""
        predicate = next((c for c in cue.children if c.dep_ == "oprd" and c in tokens), None)
        if predicate is None:
            as_ = next((c for c in cue.children if c.dep_ == "prep" and c.lower_ == "as" and c in tokens), None)
            predicate = next((c for c in as_.children if c.dep_ == "pobj"), None) if as_ is not None else None
        if predicate is None:
            return None
        subject = self.pronouns.noun_phrase(reading, head, stop=predicate)
        rest = Edit(self.doc, (predicate.left_edge.idx, tokens[-1].idx + len(tokens[-1].text)), subtree(predicate))
        self.pronouns.substitute(reading, list(predicate.subtree), rest)
        return f"{subject} {be_verb(head, past=False)} {rest.render()}"

    def _nominal(self, reading: Reading, head: Token, tokens: list[Token]) -> str | None:
        """A nominalised proposition restated.

        "its support for X" -> "<owner> supports X"; "the inevitability of X" -> "X is inevitable".
        """
        entry = NOMINAL_PROPOSITIONS.get(head.lemma_.lower())
        if entry is None:
            return None
        kind, words, strip = entry
        if kind == "of":
            # "the inevitability of negotiations": "negotiations are inevitable".
            of = next((c for c in head.children if c.dep_ == "prep" and c.lower_ == "of"), None)
            object_ = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
            if object_ is None:
                return None
            inner = Edit(
                self.doc,
                (object_.left_edge.idx, object_.right_edge.idx + len(object_.right_edge.text)),
                subtree(object_),
            )
            self.pronouns.substitute(reading, list(object_.subtree), inner)
            return f"{inner.render()} {be_verb(object_, past=False)} {words}"
        owner = next((c for c in head.children if c.dep_ == "poss"), None)
        if owner is None:
            return None
        owner_text = self.pronouns.owner(reading, owner)
        if owner_text is None:
            return None
        after = [t for t in tokens if t.i > head.i]
        if not after:
            return None
        rest = Edit(self.doc, (after[0].idx, tokens[-1].idx + len(tokens[-1].text)), after)
        self.pronouns.substitute(reading, after, rest)
        remainder = rest.render()
        if kind == "verb":
            # "its intentions to build up": "<owner> intends to build up".
            verb = inflect(words, "VBZ")
            if strip:
                # "its support for Ukraine" -> "supports Ukraine".
                remainder = re.sub(r"^(?:for|of|to|with)\s+", "", remainder)
            return f"{owner_text} {verb[0] if verb else words} {remainder}"
        # kind == "be": "its readiness to talk" -> "<owner> is ready to talk".
        return f"{owner_text} is {words} {remainder}"


def _speech_noun_clause(tokens: list[Token]) -> list[Token] | None:
    """The clause a speech noun at the head of the content carries: "a statement stating that S", "reports that S"."""
    inside = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in inside or t.head == t]
    if len(heads) != 1:
        return None
    noun = heads[0]
    if noun.lemma_.lower() not in SPEECH_NOUNS:
        return None
    for child in noun.children:
        if child.dep_ in ("acl", "relcl") and child.lemma_.lower() in ("state", "say", "claim", "allege", "assert"):
            clause = next((c for c in child.children if c.dep_ == "ccomp"), None)
            if clause is not None and clause.i in inside:
                return [t for t in subtree(clause) if t.i in inside]
        if (
            child.dep_ in ("acl", "ccomp")
            and child.i in inside
            and any(m.dep_ == "mark" and m.lower_ == "that" for m in child.children)
        ):
            return [t for t in subtree(child) if t.i in inside]
    return None


def _lower_first(text: str) -> str:
    first, _, rest = text.partition(" ")
    if (
        first[:1].isupper()
        and first[1:].islower()
        and first.lower()
        in (
            "the",
            "a",
            "an",
            "this",
            "that",
            "these",
            "those",
            "its",
            "his",
            "her",
            "their",
        )
    ):
        return first.lower() + (" " + rest if rest else "")
    return text
