"""Stance signals: a negated content ("there was no contact") and a cue that brands its object as false.

A candidate denies when exactly one of these holds: the cue denies (a denial verb,
or "called it disinformation") or the content's main clause is negated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.lexicon import FALSEHOOD_WORDS, NEGATIVE_PRONOUNS
from extractor.nlp.spans import CharSpan

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


def clause_negated(root: Token) -> bool:
    """Whether the clause headed by ``root`` is negated: "not", "never", "no X", "nothing"."""
    for child in root.children:
        if child.dep_ == "neg" or child.lower_ in ("not", "n't", "never"):
            return True
        if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr", "expl") or child.dep_ == "pobj":
            if child.lower_ in NEGATIVE_PRONOUNS or child.lower_ == "no":
                return True
            if any(d.dep_ == "det" and d.lower_ == "no" for d in child.children):
                return True
    return False


def content_negated(doc: Doc, content: CharSpan, content_root: Token | None, direct_quote: bool) -> bool:
    """Whether the content's main clause is negated ("there was no contact").

    ``content_root`` is the token the content was read from; without one (a bare
    quotation, "according to") the content's sentence root stands in when it has one.
    """
    root = content_root
    start, end = content
    if root is None:
        tokens = [t for t in doc if start <= t.idx < end]
        roots = {t.sent.root for t in tokens}
        if len(roots) != 1:
            return False
        root = roots.pop()
    if direct_quote and doc.text[start:end].count(". ") > 0:
        # A quotation of several sentences is not negated as a whole.
        return False
    return clause_negated(root)


def falsehood_brand(verb: Token) -> int | None:
    """Index of the first token of "as disinformation" / "a lie" complementing ``verb``."""
    for token in verb.subtree:
        if token.i <= verb.i or token.lower_ not in FALSEHOOD_WORDS:
            continue
        head = token.head
        if head.lower_ == "as" and head.dep_ == "prep":
            return head.i
        if token.dep_ in ("oprd", "attr", "acomp") or head.dep_ == "oprd":
            brand = token if token.dep_ in ("oprd", "attr", "acomp") else head
            return brand.left_edge.i
    return None
