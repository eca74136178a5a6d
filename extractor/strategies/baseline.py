"""The no-LLM baseline: the linguistic pass's candidates turned into claim records by rules.

spaCy's parse and a reporting-verb lexicon find the candidates (``extractor.nlp``);
``extractor.strategies.claims`` turns each one with a named claimant into a claim record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from extractor.nlp import find_candidates
from extractor.records import Article
from extractor.strategies.base import StrategyOutput
from extractor.strategies.claims import carry_dates, claim_from_candidate

if TYPE_CHECKING:
    from extractor.llm import LLM


class BaselineStrategy:
    """Rules only: spaCy's parse and a reporting-verb lexicon, no model calls."""

    name = "baseline"
    prompt_version: str | None = None  # no prompt: the rules are versioned with the code
    uses_llm = False
    cpu_pass = True  # a spaCy parse per article: worth one process per core

    def extract(self, article: Article, llm: LLM | None = None) -> StrategyOutput:
        """Claims for every candidate whose claimant resolves to a name."""
        claims = [
            claim
            for candidate in find_candidates(article)
            if (claim := claim_from_candidate(article, candidate)) is not None
        ]
        return StrategyOutput(claims=carry_dates(article, claims))
