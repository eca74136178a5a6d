"""Token-level edits of one span of the parse, rendered back to text, and the word forms edits need.

The restatement never rewrites text freely: it replaces or deletes tokens of the
content (``Edit``) and renders what is left with the original spacing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


class Edit:
    """Token-level edits of one span of the parsed body, rendered back to text."""

    def __init__(self, doc: Doc, span: tuple[int, int], tokens: list[Token]) -> None:
        self.doc = doc
        self.start, self.end = span
        self.tokens = sorted(tokens, key=lambda t: t.i)
        self.edits: dict[int, str] = {}

    def replace(self, token: Token, text: str) -> None:
        self.edits[token.i] = text

    def delete(self, token: Token) -> None:
        self.edits[token.i] = ""

    def deleted(self, token: Token) -> bool:
        return self.edits.get(token.i) == ""

    def render(self) -> str:
        parts: list[str] = []
        for token in self.tokens:
            text = self.edits.get(token.i, token.text)
            token_end = token.idx + len(token.text)
            if token.i not in self.edits and token_end > self.end:
                text = text[: max(0, self.end - token.idx)]
            if text:
                if text.startswith("'") and parts:
                    # A possessive written in ("Washington s" -> "the United States's") joins its noun.
                    parts[-1] = parts[-1].rstrip()
                parts.append(text + (token.whitespace_ if token_end < self.end else ""))
            elif parts and token.whitespace_ and not parts[-1].endswith(" "):
                # A deleted token glued to the one before keeps its space: "has|n't tried" -> "has tried".
                parts[-1] += token.whitespace_
        return " ".join("".join(parts).split())


def subtree(token: Token) -> list[Token]:
    return [t for t in token.subtree if not t.is_space]


def be_verb(noun: Token, past: bool) -> str:
    plural = (
        noun.tag_ in ("NNS", "NNPS")
        or any(c.dep_ == "conj" for c in noun.children)
        or (noun.pos_ == "PRON" and noun.lower_ in ("they", "them", "we", "us"))
    )
    if past:
        return "were" if plural else "was"
    return "are" if plural else "is"


def same_case(original: str, replacement: str) -> str:
    return replacement[0].upper() + replacement[1:] if original[:1].isupper() else replacement


def inflect(lemma: str, tag: str) -> tuple[str, ...]:
    """``lemma`` in the Penn tag's form ("maintain", "VBZ" -> "maintains").

    lemminflect is imported on first use: it takes a third of a second to load.
    """
    from lemminflect import getInflection

    return getInflection(lemma, tag)
