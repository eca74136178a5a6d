"""Stance signals: a negated content ("there was no contact") and a cue that brands its object as false.

A candidate denies when exactly one of these holds: the cue denies (a denial verb,
or "called it disinformation") or the content's main clause is negated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.lexicon import FALSEHOOD_WORDS, NEGATIVE_PRONOUNS
from extractor.nlp.spans import CharSpan, DocIndex
from extractor.nlp.typography import plain

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


_ARGUMENT_DEPS = frozenset(["nsubj", "nsubjpass", "dobj", "attr", "expl", "pobj"])


def predicate_negations(verb: Token) -> list[tuple[str, Token]]:
    """The negations of one predicate, each with its kind.

    "neg": not / n't / never on the verb or its auxiliary ("not only" is none);
    "det": the determiner "no" of a subject, object or attribute ("There was *no* contact");
    "pron": a negative pronoun argument ("*Nothing* has changed");
    "longer": the "no" of "no longer" / "no more".
    """
    found: list[tuple[str, Token]] = []
    heads = [verb, *(c for c in verb.children if c.dep_ in ("aux", "auxpass"))]
    for head in heads:
        for child in head.children:
            if child.lower_ == "no" or is_not_only(child):
                continue
            if child.dep_ == "neg" or plain(child) in ("not", "n't", "never"):
                found.append(("neg", child))
    for child in verb.children:
        if child.dep_ == "advmod" and child.lower_ in ("longer", "more"):
            no = next((g for g in child.children if g.lower_ == "no"), None)
            if no is not None:
                found.append(("longer", no))
        if child.dep_ in _ARGUMENT_DEPS:
            if child.lower_ in NEGATIVE_PRONOUNS:
                found.append(("pron", child))
            det = next((g for g in child.children if g.dep_ == "det" and g.lower_ == "no"), None)
            if det is not None:
                found.append(("det", det))
    return found


def clause_negated(root: Token) -> bool:
    """Whether the clause headed by ``root`` is negated: "not", "never", "no X", "nothing", "no longer"."""
    return bool(predicate_negations(root))


def content_negated(doc: Doc, content: CharSpan, content_root: Token | None, direct_quote: bool) -> bool:
    """Whether the content's main clause is negated ("there was no contact").

    ``content_root`` is the token the content was read from; without one (a bare
    quotation, "according to") the content's sentence root stands in when it has one.
    """
    root = content_root
    start, end = content
    if root is None:
        tokens = DocIndex.of(doc).tokens_in(start, end)
        roots = {t.sent.root for t in tokens}
        if len(roots) != 1:
            return False
        root = roots.pop()
    if direct_quote and DocIndex.of(doc).text[start:end].count(". ") > 0:
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


def is_not_only(token: Token) -> bool:
    """Whether ``token`` is the "not" of "not only ... but": no negation of the predicate."""
    doc = token.doc
    return token.lower_ == "not" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ in ("only", "just", "merely")
