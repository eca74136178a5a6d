"""Whole-article structured extraction: the model reads numbered sentences and returns claims.

Built for strong remote models, and shaped so a weak local one still produces
grounded output with few tokens: the model never copies evidence, it names a
sentence number, and the evidence span is that sentence, cut from the article
by the code. Long articles are split into overlapping chunks of sentences;
claims found twice in the overlap are merged.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from extractor import grounding
from extractor.dates import resolve_said_on
from extractor.prompts import Prompt, load_prompt
from extractor.records import Article, AttributionKind, Claim, Claimant, Span, Stance, Usage
from extractor.strategies.base import StrategyOutput
from extractor.strategies.prompt_data import data_line, one_line

_QUOTE_MARKS = re.compile(r"[\"“”«»]")
_DATE_EXPRESSION = re.compile(
    r"\b(?:on|last|this)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)\s+\d{1,2})\b"
    r"|\b(?:yesterday|the day before|on the eve)\b",
    re.IGNORECASE,
)


class ExtractedClaim(BaseModel):
    """One claim as the model reports it; the sentence number is the evidence."""

    model_config = ConfigDict(extra="forbid")

    sentence: int = Field(ge=1)
    claimant: str = Field(max_length=80)
    role: str | None = Field(default=None, max_length=80)
    organization: str | None = Field(default=None, max_length=80)
    stance: Literal["asserts", "denies"]
    claim: str = Field(max_length=300)
    said_on: str | None = Field(default=None, max_length=10)


@functools.lru_cache(maxsize=1024)
def response_model(first: int, last: int, max_claims: int) -> type[BaseModel]:
    """The schema for one chunk: sentence numbers limited to the chunk, list length bounded.

    Cached: building a pydantic model costs about a millisecond, and the same bounds recur
    across articles, so every chunk with the same bounds shares one class (and its schemas).
    """
    # The bounds go to the model as schema (constrained decoding, instructions) but are not
    # enforced on the answer: a number outside the chunk drops that one claim in ``extract``
    # instead of failing the chunk, which re-asks could not fix with small models (measured:
    # an article lost after two re-asks over one bad item).
    bounded = create_model(
        "Claim",
        __base__=ExtractedClaim,
        sentence=(Annotated[int, Field(ge=1, json_schema_extra={"minimum": first, "maximum": last})], ...),
    )
    return create_model(
        "ArticleClaims",
        __config__=ConfigDict(extra="forbid"),
        claims=(list[bounded], Field(default_factory=list, max_length=max_claims)),  # type: ignore[valid-type]
    )


@dataclass
class WholeArticleStrategy:
    """Whole-article extraction over numbered sentences."""

    name: str = "whole_article"
    uses_llm: bool = True
    cpu_pass: ClassVar[bool] = False  # the model does the reading: one process waits on it as well as several
    chunk_chars: int = 6000
    overlap_sentences: int = 2
    max_tokens: int = 1500
    prompt: Prompt | None = None
    _examples: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        self.prompt = self.prompt or load_prompt("whole_article")
        # Rendered once: the examples are fixed, and rendering them runs the sentence splitter.
        self._examples = render_examples(self.prompt)

    @property
    def prompt_version(self) -> str:
        assert self.prompt is not None
        return self.prompt.version

    def extract(self, article: Article, llm) -> StrategyOutput:  # llm: extractor.llm.LLM
        if llm is None:
            raise ValueError("the whole_article strategy needs a model endpoint")
        sentences = grounding.sentence_spans(article.text, article.body_start)
        usage = Usage()
        found: dict[tuple[int, str], Claim] = {}
        dropped = 0
        for first, last in chunk_ranges(sentences, self.chunk_chars, self.overlap_sentences):
            messages = [{"role": "user", "content": self.render(article, sentences, first, last)}]
            result = llm.complete(
                response_model=response_model(first + 1, last + 1, max_claims=max(1, min(40, last - first + 1))),
                messages=messages,
                max_tokens=self.max_tokens,
                prompt_version=self.prompt_version,
            )
            usage.add(result.usage)
            for item in result.value.claims:  # type: ignore[attr-defined]
                # Only sentences this chunk showed can be evidence.
                claim = self.to_claim(article, sentences, item) if first < item.sentence <= last + 1 else None
                if claim is None:
                    dropped += 1
                    continue
                key = (claim.evidence.start, _normal(claim.claimant.name))
                found.setdefault(key, claim)
        claims = sorted(found.values(), key=lambda c: (c.evidence.start, c.claimant.name))
        return StrategyOutput(claims=claims, usage=usage, dropped_ungrounded=dropped)

    def render(self, article: Article, sentences: list[Span], first: int, last: int) -> str:
        assert self.prompt is not None
        numbered = "\n".join(
            f"[{index + 1}] {data_line(article.text[s.start : s.end])}"
            for index, s in enumerate(sentences)
            if first <= index <= last
        )
        return self.prompt.template.render(
            examples=self._examples,
            published=article.published.isoformat() if article.published else "unknown",
            sentences=numbered,
        )

    def to_claim(self, article: Article, sentences: list[Span], item: ExtractedClaim) -> Claim | None:
        index = item.sentence - 1
        if not 0 <= index < len(sentences):
            return None
        name = item.claimant.strip()
        if not grounding.is_name(name) or not grounding.mentioned_in(name, article.text):
            return None
        span = sentences[index]
        sentence_text = article.text[span.start : span.end]
        return Claim(
            claimant=Claimant(
                name=name,
                role=_clean(item.role),
                organization=_clean(item.organization),
                named=grounding.names_someone(name),  # "the American side" describes, it does not name
            ),
            stance=Stance(item.stance),
            claim=item.claim.strip() or sentence_text,
            evidence=grounding.evidence(article.text, span),
            said_on=_said_on(item.said_on, sentence_text, article.published),
            attribution=AttributionKind.DIRECT_QUOTE
            if _QUOTE_MARKS.search(sentence_text)
            else AttributionKind.REPORTED,
        )


def chunk_ranges(sentences: list[Span], chunk_chars: int, overlap: int) -> list[tuple[int, int]]:
    """Inclusive sentence-index ranges of at most ``chunk_chars``, consecutive ranges sharing ``overlap`` sentences."""
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < len(sentences):
        end = start
        size = sentences[start].end - sentences[start].start
        while end + 1 < len(sentences) and size + (sentences[end + 1].end - sentences[end + 1].start) <= chunk_chars:
            end += 1
            size += sentences[end].end - sentences[end].start
        ranges.append((start, end))
        if end + 1 >= len(sentences):
            break
        start = max(end + 1 - overlap, start + 1)
    return ranges


def render_examples(prompt: Prompt) -> str:
    """Few-shot examples as numbered sentences and the answer the model should give."""
    blocks = []
    for example in prompt.examples:
        spans = grounding.sentence_spans(example.text)
        numbered = "\n".join(f"[{i + 1}] {one_line(example.text[s.start : s.end])}" for i, s in enumerate(spans))
        answer = []
        for claim in example.claims:
            at = example.text.index(claim.quote)
            sentence = next(i for i, s in enumerate(spans) if s.start <= at < s.end) + 1
            answer.append(
                {
                    "sentence": sentence,
                    "claimant": claim.claimant,
                    "role": claim.role,
                    "organization": claim.organization,
                    "stance": claim.stance.value,
                    "claim": claim.claim,
                    "said_on": None,
                }
            )
        blocks.append(f"Example:\n{numbered}\nAnswer: {json.dumps({'claims': answer}, ensure_ascii=False)}\n")
    return "\n".join(blocks)


def _said_on(value: str | None, sentence: str, published: dt.date | None) -> dt.date | None:
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    match = _DATE_EXPRESSION.search(sentence)
    return resolve_said_on(match.group(0), published) if match else None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value and value.lower() not in {"null", "none", "unknown", "n/a"} else None


def _normal(name: str) -> str:
    return " ".join(name.lower().split())
