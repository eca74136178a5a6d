"""What opens a content but is no part of the proposition: marks, "that", "if", "While X,", "But"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp.claim_text.edits import Edit
from extractor.nlp.lexicon import CONCESSIVE_MARKS

if TYPE_CHECKING:
    from spacy.tokens import Token


def drop_leading(root: Token, tokens: list[Token], edit: Edit) -> None:
    """Drop what opens the content but is no part of the proposition: marks, "that", "if", "While X,", "But"."""
    inside = {t.i for t in tokens}
    for child in root.children:
        if (
            child.dep_ == "mark"
            and child.lower_ in ("that", "if", "whether")
            and child.i in inside
            and all(edit.deleted(t) or t.is_punct for t in tokens if t.i < child.i)
        ):
            edit.delete(child)
        if (
            child.dep_ == "advcl"
            and child.i < root.i
            and any(m.dep_ == "mark" and m.lower_ in CONCESSIVE_MARKS for m in child.children)
            and child.left_edge.i in inside
            and all(t.is_punct or edit.deleted(t) for t in tokens if t.i < child.left_edge.i)
        ):
            # "While X, Y": X is a claim of its own (docs/annotation.md §3); this one is Y.
            for token in child.subtree:
                edit.delete(token)
            following = root.doc[child.right_edge.i + 1] if child.right_edge.i + 1 < len(root.doc) else None
            if following is not None and following.text == ",":
                edit.delete(following)
    for conjunct in (c for c in root.children if c.dep_ == "conj" and c.i in inside):
        # "... had lied and that he would be judged": the second complementiser goes too.
        for mark in conjunct.children:
            if mark.dep_ == "mark" and mark.lower_ == "that" and mark.i in inside:
                edit.delete(mark)
    for token in tokens:
        if edit.deleted(token):
            continue
        if token.is_punct or (token.dep_ == "cc" and token.head == root and token.i < root.i):
            edit.delete(token)
            continue
        break
