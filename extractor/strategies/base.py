"""The interface every extraction strategy implements, and what it returns.

A strategy turns one Article into claims whose evidence is cut from the article.
Strategies that need a model (``uses_llm``) receive an ``LLM`` (see ``extractor.llm``);
the others get None. ``prompt_version`` is the content hash of the prompt files the
strategy renders (None without a prompt): it goes into every output line and cache key.
``cpu_pass`` (True for a per-article CPU pass such as a spaCy parse) makes ``--workers
auto`` run one process per core; a strategy that only waits on a model says False.
Everything after the strategy (the grounding and body-start gates, the result memo,
provenance) is the pipeline's job (``extractor.pipeline``), the same for every strategy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from extractor.records import Article, Claim, Usage

if TYPE_CHECKING:
    from extractor.llm import LLM


@dataclass
class StrategyOutput:
    """Claims found in one article, plus what it cost and what was rejected."""

    claims: list[Claim]
    usage: Usage = field(default_factory=Usage)
    dropped_ungrounded: int = 0


@runtime_checkable
class Strategy(Protocol):
    """Extracts claims from one article."""

    name: str
    prompt_version: str | None
    uses_llm: bool
    cpu_pass: bool

    def extract(self, article: Article, llm: LLM | None) -> StrategyOutput: ...
