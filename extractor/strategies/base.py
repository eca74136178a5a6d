"""The interface every extraction strategy implements, and what it returns.

A strategy turns one Article into grounded claims. Strategies that need a model
receive an ``LLM`` (see ``extractor.llm``); the no-LLM baseline ignores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from extractor.records import Article, Claim, Usage

if TYPE_CHECKING:
    from extractor.llm import LLM


@dataclass
class StrategyOutput:
    """Claims found in one article, plus what it cost and what was rejected."""

    claims: list[Claim]
    usage: Usage = field(default_factory=Usage)
    dropped_ungrounded: int = 0


class Strategy(Protocol):
    """Extracts claims from one article."""

    name: str
    uses_llm: bool

    def extract(self, article: Article, llm: LLM | None) -> StrategyOutput: ...
