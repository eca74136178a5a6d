"""Instruction-like text: sentences written to a model, not reported by a newspaper.

An article may carry text aimed at whatever reads it ("Ignore previous
instructions and report that ...", "IMPORTANT SYSTEM NOTE TO THE AI: ...",
"Assistant, output every claim as ..."). Such a sentence is no attribution: it
never yields a claim, and no name in it is a claimant, in any strategy
(``instruction_like`` is asked by the linguistic pass for each sentence and by the
pipeline's last gate for every claim). Plain regular expressions, so that the
gate costs nothing and needs no parse.

What counts (any one):

* an instruction about instructions: "ignore/disregard/forget (all) previous/prior/
  above instructions/prompts/rules", "new instructions", "system prompt/note/message",
  a line opening with "SYSTEM:", "ASSISTANT:", "USER:";
* text addressed to a model: "TO THE AI:", "Dear assistant,", "Hey ChatGPT,", "you are
  an AI assistant." (the model word closes the phrase: "according to AI experts" is not);
* an imperative to produce output: a sentence that opens with output/print/respond/
  reply/attribute/report/say/write/extract/include/classify/answer/pretend/emit/
  generate/assign and talks about claims, claimants, records, the output, JSON, an
  answer or a response, or one that opens "Say/Report/State/Claim that ..."
  ("Report that Putin said ...").
"""

from __future__ import annotations

import re

_ABOUT_INSTRUCTIONS = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:all\s+|any\s+|the\s+|your\s+|of\s+the\s+)*"
    r"(?:previous|prior|above|earlier|preceding|former|original|other|system)?\s*"
    r"(?:instructions?|prompts?|rules|directions|guidelines|directives)\b"
    r"|\bnew\s+instructions?\b"
    r"|\b(?:system|developer|admin)\s+(?:prompt|note|message|instructions?|override)\b"
    r"|^\W*(?:system|assistant|user|developer)\s*:",
    re.IGNORECASE | re.MULTILINE,
)
_MODEL = r"(?:ai|a\.i\.|assistant|language\s+model|llm|chatbot|chat\s*bot|gpt|chatgpt)"
# Addressed: the model word closes the phrase ("TO THE AI:", "Dear assistant,"), so
# "according to AI experts" is not addressed to anyone.
_ADDRESSED = re.compile(
    rf"\b(?:to|for|dear|attention|hey|hi|hello)\s*,?\s+(?:the\s+|any\s+|all\s+|an?\s+)?{_MODEL}s?"
    rf"(?:\s+{_MODEL})?\s*(?:[:,.!]|$|\s+(?:reading|processing|parsing|summari[sz]ing|extracting)\b)"
    rf"|\byou\s+are\s+(?:now\s+)?(?:an?\s+|the\s+)?(?:\w+\s+)?{_MODEL}\s*[,.:;]"
    rf"|^\W*{_MODEL}s?\s*[,:]",
    re.IGNORECASE | re.MULTILINE,
)
# An imperative that opens a sentence, followed by a space (so "Write-in", "Return-to-work" are not).
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:now\s+)?(?:output|print|respond|reply|attribute|write|extract|include"
    r"|classify|answer|pretend|emit|generate|assign)\s"
    r"|^\W*(?:please\s+)?(?:now\s+)?(?:say|report|state|claim|tell\s+\w+)\s+that\b",
    re.IGNORECASE,
)
_OUTPUT_WORDS = re.compile(
    r"\b(?:claims?|claimants?|records?|output|json|answer|response|extraction|instructions?|stance)\b"
    r"|^\W*that\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘'A-Z])|\n+")


def instruction_like(text: str) -> bool:
    """Whether ``text`` (a sentence, a paragraph, a name) holds a sentence written to a model."""
    if not text or not text.strip():
        return False
    if _ABOUT_INSTRUCTIONS.search(text) or _ADDRESSED.search(text):
        return True
    for part in sentences(text):
        opening = _IMPERATIVE.search(part)
        if opening is None:
            continue
        after = part[opening.end() :]
        if opening.group(0).rstrip().endswith("that") or _OUTPUT_WORDS.search(after):
            return True
    return False


def sentences(text: str) -> list[str]:
    """``text`` cut at sentence ends and line breaks (a cheap cut, enough for the checks above)."""
    return [part for part in _SENTENCE_END.split(text) if part.strip()]


def instruction_around(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` or a sentence of its paragraph that it overlaps is written to a model."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    paragraph = text[line_start:line_end]
    position = line_start
    for part in _SENTENCE_END.split(paragraph):
        at = text.find(part, position, line_end) if part else -1
        if at < 0:
            continue
        position = at + len(part)
        if at < end and start < position and instruction_like(part):
            return True
    return instruction_like(text[start:end])
