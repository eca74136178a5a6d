"""Extraction strategies, selectable by name (``--strategy``); all return the same claim records."""

from __future__ import annotations

from extractor.strategies.base import Strategy, StrategyOutput

STRATEGY_NAMES = ("guided", "guided_full", "whole_article", "baseline")
DEFAULT_STRATEGY = "guided"


def get_strategy(name: str) -> Strategy:
    """Build the named strategy (imports lazily: spaCy loads only for strategies that use it)."""
    if name == "baseline":
        from extractor.strategies.baseline import BaselineStrategy

        return BaselineStrategy()
    if name == "guided":
        from extractor.strategies.guided import GuidedStrategy

        return GuidedStrategy()
    if name == "guided_full":
        from extractor.strategies.guided import GuidedStrategy

        return GuidedStrategy(name="guided_full", scope="all")
    if name == "whole_article":
        from extractor.strategies.whole_article import WholeArticleStrategy

        return WholeArticleStrategy()
    raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(STRATEGY_NAMES)}")


__all__ = ["DEFAULT_STRATEGY", "STRATEGY_NAMES", "Strategy", "StrategyOutput", "get_strategy"]
