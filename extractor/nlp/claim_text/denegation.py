"""Negation removal: a negated main predicate restated positively, or left alone when that is unsafe.

"not"/"n't"/"never" removed (with do-support undone: "does not maintain" ->
"maintains"), "no X" -> "X", "nothing" -> "something", "no longer" -> "still". A
coordinated verb that is not negated leaves the claim ("Russia has not conducted and
plans to maintain contacts" -> "Russia has conducted contacts"); a negated one is
restated with it. Two negations on one predicate, or "neither ... nor", stay in the
words. Also here: a copular content that brands its subject as false ("Publications
about X are conspiracy theories") restated as the claim it denies ("... are true"),
and ``text_negated``, which finds a double negative in a finished claim sentence.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.claim_text.edits import Edit, inflect, same_case
from extractor.nlp.claim_text.sentence import SUBJECT_DEPS
from extractor.nlp.lexicon import FALSEHOOD_WORDS
from extractor.nlp.negation import predicate_negations
from extractor.nlp.typography import plain

if TYPE_CHECKING:
    from spacy.tokens import Token

_CONTRACTED_AUXILIARIES = {"ca": "can", "wo": "will", "sha": "shall"}


def denegate(root: Token, edit: Edit, tokens: list[Token]) -> bool:
    """Remove the one negation of the main predicate (and of negated coordinated verbs); False when unsafe."""
    inside = {t.i for t in tokens}
    if any(t.lower_ in ("neither", "nor") for t in tokens):
        return False
    found = predicate_negations(root)
    if len(found) != 1 or found[0][1].i not in inside:
        return False
    conjuncts = [c for c in root.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") and c.i in inside]
    plan = [(root, found[0])]
    for conjunct in conjuncts:
        negations = predicate_negations(conjunct)
        if len(negations) == 1 and negations[0][1].i in inside:
            plan.append((conjunct, negations[0]))
        elif negations or not _drop_conjunct(root, conjunct, edit):
            return False
    for verb, (kind, word) in plan:
        _remove_negation(verb, kind, word, edit)
    return True


def _remove_negation(verb: Token, kind: str, word: Token, edit: Edit) -> None:
    if kind == "pron":
        replacement = {"nothing": "something", "nobody": "somebody", "none": "some", "no-one": "someone"}
        new = replacement.get(word.lower_, "something")
        edit.replace(word, same_case(word.text, new))
        return
    if kind == "det":
        if word.head.lower_ == "one":
            # "No one has made such overtures" -> "Someone has made such overtures".
            edit.delete(word)
            edit.replace(word.head, same_case(word.text, "someone"))
        elif word.head.tag_ == "NN" and not any(c.dep_ == "expl" for c in word.head.head.children):
            # A singular noun may be countable: "received no proposal" -> "received some proposal".
            edit.replace(word, same_case(word.text, "some"))
        else:
            # "There are no preconditions" -> "There are preconditions", "There was no contact" -> "There was contact".
            edit.delete(word)
        return
    if kind == "longer":
        edit.replace(word, "still")
        edit.delete(word.head)
        return
    # "not", "n't", "never".
    auxiliary = word.doc[word.i - 1] if word.i > 0 else None
    # "can’t" and "can't" alike: the auxiliary spaCy split off ("ca") is written in full.
    if plain(word) == "n't" and auxiliary is not None and auxiliary.lower_ in _CONTRACTED_AUXILIARIES:
        edit.replace(auxiliary, same_case(auxiliary.text, _CONTRACTED_AUXILIARIES[auxiliary.lower_]))
    edit.delete(word)
    do = next((c for c in verb.children if c.dep_ == "aux" and c.lemma_.lower() == "do"), None)
    if do is not None and verb.tag_ == "VB" and do.i < verb.i:
        # "does not maintain" -> "maintains": do-support undone, the verb takes the auxiliary's tense.
        form = inflect(verb.lemma_, do.tag_ if do.tag_ in ("VBZ", "VBD", "VBP") else "VBP")
        if form:
            edit.delete(do)
            edit.replace(verb, form[0])


def _drop_conjunct(root: Token, conjunct: Token, edit: Edit) -> bool:
    """Leave a coordinated verb the denial does not cover out of the claim.

    "Russia has not conducted and plans to maintain contacts with X": the
    object is shared (only the last verb takes it), so only "and plans to
    maintain" goes. "He is not X, but she is Y": the whole second clause goes.
    """
    doc = root.doc
    cc = next((c for c in conjunct.lefts if c.dep_ == "cc"), None) or next(
        (c for c in root.children if c.dep_ == "cc" and root.i < c.i < conjunct.i), None
    )
    start = cc.i if cc is not None else conjunct.left_edge.i
    if start > 0 and doc[start - 1].text == ",":
        start -= 1
    own_complement = any(
        c.dep_ in ("dobj", "ccomp", "xcomp", "attr", "acomp", "oprd", "prep") and c.i > root.i for c in root.children
    )
    if own_complement:
        for token in doc[start : conjunct.right_edge.i + 1]:
            edit.delete(token)
        return True
    # Shared object: drop from the conjunction to the last verb of the coordinated chain.
    last = conjunct
    while True:
        nxt = next((c for c in last.children if c.dep_ == "xcomp" and c.pos_ in ("VERB", "AUX")), None)
        if nxt is None:
            break
        last = nxt
    if any(c.dep_ in ("dobj", "ccomp", "attr", "prep") for c in last.children):
        for token in doc[start : last.i + 1]:
            edit.delete(token)
        return True
    return False


def branded_false(root: Token, tokens: list[Token], edit: Edit) -> bool:
    """ "Publications about X are conspiracy theories and rumors": restated "Publications about X are true"."""
    if root.lemma_.lower() != "be":
        return False
    predicate = next((c for c in root.children if c.dep_ in ("attr", "acomp") and c.i > root.i), None)
    if predicate is None or not any(c.dep_ in SUBJECT_DEPS for c in root.children):
        return False
    heads = [predicate, *(c for c in predicate.children if c.dep_ in ("compound", "conj"))]
    if not any(t.lower_ in FALSEHOOD_WORDS for t in heads) or any(t.dep_ == "neg" for t in root.children):
        return False
    words = [t for t in predicate.subtree]
    for token in words:
        edit.delete(token)
    edit.replace(words[0], "true")
    return True


def text_negated(text: str) -> bool:
    """Whether a claim sentence negates its own main predicate (parsed here): a double negative for ``denies``."""
    from extractor.nlp.parsing import load_nlp

    doc = load_nlp()(text)
    return any(predicate_negations(sentence.root) for sentence in doc.sents)
